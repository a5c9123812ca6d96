#!/usr/bin/env python3
"""Draws assets/icon.png (144x144, the largest RSS <image> allows): two islands in one sea,
Ireland's green to the north-west and Cyprus's copper to the south-east. Standard library only."""
import struct
import zlib
from pathlib import Path

SIZE, SS = 144, 4  # pixels, supersampling per axis
SEA, IRELAND, CYPRUS = (11, 79, 108), (22, 155, 98), (213, 120, 0)


def inside_rounded(x, y, r=28):
    cx = min(max(x, r), SIZE - r)
    cy = min(max(y, r), SIZE - r)
    return (x - cx) ** 2 + (y - cy) ** 2 <= r * r


def in_ellipse(x, y, cx, cy, rx, ry):
    return ((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2 <= 1


def colour(x, y):
    if not inside_rounded(x, y):
        return None
    if in_ellipse(x, y, 52, 56, 30, 36):
        return IRELAND
    if in_ellipse(x, y, 100, 100, 32, 17):
        return CYPRUS
    return SEA


rows = bytearray()
for py in range(SIZE):
    rows.append(0)
    for px in range(SIZE):
        acc, hits = [0, 0, 0], 0
        for sy in range(SS):
            for sx in range(SS):
                c = colour(px + (sx + 0.5) / SS, py + (sy + 0.5) / SS)
                if c:
                    hits += 1
                    for i in range(3):
                        acc[i] += c[i]
        if hits:
            rows.extend(bytes(round(a / hits) for a in acc) + bytes([round(255 * hits / SS**2)]))
        else:
            rows.extend(b"\0\0\0\0")


def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", SIZE, SIZE, 8, 6, 0, 0, 0))
png += chunk(b"IDAT", zlib.compress(bytes(rows), 9)) + chunk(b"IEND", b"")
Path(__file__).resolve().parent.parent.joinpath("assets", "icon.png").write_bytes(png)
