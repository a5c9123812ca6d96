#!/usr/bin/env bash
# Load: 200 concurrent clients for 30 s against /feeds/all.atom (gzip) while 20 sources, served
# by a local nginx and rewritten every 2 s, are refreshed every 2 s. Reports errors, latency
# (p50, p99, max), throughput, and the daemon's memory (VmRSS sampled every second) before,
# during and after. Loopback only; bounded in count and time.
#
#   bench/load.sh [SECONDS]      (default 30)
set -euo pipefail
source "$(dirname "$0")/lib.sh"

SECONDS_OF_LOAD="${1:-30}"
CLIENTS=200
SOURCES=20

ensure_tools wrk:wrk /usr/sbin/nginx:nginx curl:curl
build_release

work="$(mktemp -d)"
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

# One RSS file per source, rewritten every 2 s with a new newest item.
write_feed() {
    local n=$1 tick=$2 items="" i
    for i in $(seq 0 29); do
        local number=$((tick - i))
        items+="<item><title>Source $n story $number</title><link>https://news.example/$n/$number</link>"
        items+="<guid>https://news.example/$n/$number</guid><description>&lt;p&gt;Story $number of source $n, with a paragraph of text to make the entry the size of a real one: the ferry to Rosslare runs late again and the harbour master says why.&lt;/p&gt;</description>"
        items+="<pubDate>$(date -u -d "@$((1764000000 + number * 60))" '+%a, %d %b %Y %H:%M:%S +0000')</pubDate></item>"
    done
    printf '<?xml version="1.0"?><rss version="2.0"><channel><title>Source %s</title><link>https://news.example/%s/</link><description>d</description>%s</channel></rss>' \
        "$n" "$n" "$items" > "$work/www/s$n.xml.tmp"
    mv "$work/www/s$n.xml.tmp" "$work/www/s$n.xml"
}
mkdir -p "$work/www"
for n in $(seq 1 $SOURCES); do write_feed "$n" 100; done

upstream_port=$(free_port)
cat > "$work/nginx.conf" <<NGINX
$( [ "$(id -u)" -eq 0 ] && echo "user root;" )
worker_processes 1;
daemon on;
pid $work/nginx.pid;
error_log $work/nginx-error.log;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path $work/body; proxy_temp_path $work/proxy;
    fastcgi_temp_path $work/fastcgi; uwsgi_temp_path $work/uwsgi; scgi_temp_path $work/scgi;
    server { listen 127.0.0.1:$upstream_port; root $work/www; etag on; }
}
NGINX
"$(nginx_bin)" -p "$work" -c "$work/nginx.conf"
wait_http "http://127.0.0.1:$upstream_port/s1.xml"

port=$(free_port)
{
    cat <<TOML
[site]
title = "Islands under load"
base_url = "http://127.0.0.1:$port/"
[server]
listen = "127.0.0.1:$port"
[store]
path = "store"
[schedule]
refresh = "*/2 * * * * *"
[fetch]
max_in_flight = 8
backoff_base = "1s"
backoff_max = "5s"
TOML
    for n in $(seq 1 $SOURCES); do
        region=$([ $((n % 2)) -eq 0 ] && echo cyprus || echo ireland)
        printf '\n[[region]]\nslug = "r%s-%s"\nname = "Region %s"\n[[region.source]]\nname = "Source %s"\nurl = "http://127.0.0.1:%s/s%s.xml"\n' \
            "$n" "$region" "$n" "$n" "$upstream_port" "$n"
    done
} > "$work/feeds.toml"

RUST_LOG=islands=warn "$REPO/target/release/islands" serve --config "$work/feeds.toml" > "$work/stdout" 2> "$work/stderr" &
daemon=$!
pids+=("$daemon")
wait_http "http://127.0.0.1:$port/healthz"
for _ in $(seq 1 100); do
    entries=$(curl -s --noproxy '*' "http://127.0.0.1:$port/feeds/all.json" | grep -c '"id"' || true)
    [ "$entries" -ge 50 ] && break
    sleep 0.2
done
rss() { awk '/^VmRSS/ {print $2}' "/proc/$daemon/status"; }
rss_before=$(rss)

# The upstream changes every 2 s, so every refresh stores something and every page re-renders.
(
    tick=101
    while true; do
        for n in $(seq 1 $SOURCES); do write_feed "$n" "$tick"; done
        tick=$((tick + 1))
        sleep 2
    done
) &
pids+=("$!")
( while true; do rss >> "$work/rss.samples" 2>/dev/null || break; sleep 1; done ) &
pids+=("$!")

log "wrk -t2 -c$CLIENTS -d${SECONDS_OF_LOAD}s --latency, gzip, /feeds/all.atom"
fetches_before=$(curl -s --noproxy '*' "http://127.0.0.1:$port/metrics" | awk '/^islands_fetches_total\{outcome="stored"\}/ {print $2}')
wrk -t2 -c"$CLIENTS" -d"${SECONDS_OF_LOAD}s" --timeout 10s --latency \
    -H 'Accept-Encoding: gzip' "http://127.0.0.1:$port/feeds/all.atom" > "$work/wrk.txt"
fetches_after=$(curl -s --noproxy '*' "http://127.0.0.1:$port/metrics" | awk '/^islands_fetches_total\{outcome="stored"\}/ {print $2}')
sleep 3
rss_after=$(rss)
rss_max=$(sort -n "$work/rss.samples" | tail -1)
alive=$(kill -0 "$daemon" 2>/dev/null && echo yes || echo no)

requests=$(awk '/requests in/ {print $1}' "$work/wrk.txt")
rps=$(awk '/^Requests\/sec/ {print $2}' "$work/wrk.txt")
p50=$(awk '$1 == "50%" {print $2}' "$work/wrk.txt")
p99=$(awk '$1 == "99%" {print $2}' "$work/wrk.txt")
max=$(awk '/^    Latency/ {print $4}' "$work/wrk.txt")
non2xx=$(awk '/Non-2xx/ {print $NF}' "$work/wrk.txt")
socket=$(grep 'Socket errors' "$work/wrk.txt" || echo "none")

cat <<REPORT
## Load: $CLIENTS clients for ${SECONDS_OF_LOAD}s while $SOURCES sources change and refresh every 2 s

$(machine_info)
- command: \`bench/load.sh $SECONDS_OF_LOAD\` (wrk -t2 -c$CLIENTS --latency, Accept-Encoding: gzip, /feeds/all.atom)

| figure | value |
|---|---|
| requests | $requests ($rps req/s) |
| latency p50 / p99 / max | $p50 / $p99 / $max |
| non-2xx responses | ${non2xx:-0} |
| socket errors | $socket |
| refreshes that stored entries during the run | $(awk -v a="${fetches_after:-0}" -v b="${fetches_before:-0}" 'BEGIN {print a - b}') |
| daemon VmRSS before / max during / after (KiB) | $rss_before / $rss_max / $rss_after |
| daemon alive after the run | $alive |
REPORT
