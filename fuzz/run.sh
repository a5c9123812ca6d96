#!/usr/bin/env bash
# Builds the fuzz targets and runs each for SECONDS (default 30), seeded from tests/fixtures.
# cargo-fuzz needs nightly flags; RUSTC_BOOTSTRAP lets the stable toolchain accept them.
# A crash leaves its input in fuzz/artifacts/TARGET/; add it as a regression test.
set -euo pipefail
cd "$(dirname "$0")"
seconds="${1:-30}"
export RUSTC_BOOTSTRAP=1
command -v cargo-fuzz >/dev/null 2>&1 || cargo install cargo-fuzz --locked

mkdir -p corpus/normalize_feed corpus/article corpus/config corpus/micropub
cp ../tests/fixtures/feeds/*.xml ../tests/fixtures/feeds/*.json ../tests/fixtures/fuzz/*.xml corpus/normalize_feed/ 2>/dev/null || true
cp ../articles/*.md corpus/article/
cp ../feeds.toml ../feeds.example.toml ../tests/fixtures/configs/*.toml corpus/config/
printf 'h=entry&name=Hello&content=World&category[]=cyprus' > corpus/micropub/form
printf '{"type":["h-entry"],"properties":{"name":["Hi"],"content":[{"html":"<p>x</p>"}],"category":["cyprus","sea"]}}' > corpus/micropub/json
printf '{"action":"update","url":"http://islands.example/articles/hello","replace":{"content":["new"]}}' > corpus/micropub/update

# Built first, on its own: the runs below filter their output, which would hide a build error.
cargo fuzz build --sanitizer none

for target in normalize_feed article config micropub; do
  echo "fuzzing $target for ${seconds}s"
  cargo fuzz run --sanitizer none "$target" "corpus/$target" -- \
    -max_total_time="$seconds" -max_len=65536 -rss_limit_mb=2048 -print_final_stats=1 2>&1 \
    | grep -E '^(#[0-9]+ +DONE|stat::number_of_executed_units|==[0-9]+== ERROR|SUMMARY|Done)' || true
  if compgen -G "artifacts/$target/crash-*" >/dev/null; then
    echo "fuzz: $target found a crash:" artifacts/"$target"/crash-*
    exit 1
  fi
done
echo "fuzz: no crash in 4 targets"
