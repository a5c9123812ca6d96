#!/usr/bin/env bash
# Runs the benchmarks one after the other and prints one markdown report on stdout
# (progress on stderr):
#
#     bench/run-all.sh | tee /tmp/bench-results.md
#
# About 6-8 minutes on 2 cores after the release build. Environment variables of serve.sh and
# ingest.sh (REPS, DURATION, SOURCES, DISTINCT...) pass through.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ensure_tools wrk:wrk "$(nginx_bin):nginx" curl:curl gzip:gzip /usr/bin/time:time
build_release --bin islands --examples

echo "# islands benchmarks"
echo
machine_info
echo

bash "$BENCH_DIR/serve.sh"
echo
bash "$BENCH_DIR/ingest.sh"
echo

echo "## scale: store and render at 1k, 10k, 100k entries"
echo
machine_info
echo "- command: \`cargo run --release --example bench_scale\`"
echo
(cd "$REPO" && "$REPO/target/release/examples/bench_scale")
echo

echo "## parse: normalize_feed vs plain feed-rs parse over tests/fixtures/feeds"
echo
machine_info
echo "- command: \`cargo run --release --example bench_parse\`"
echo
echo '```'
(cd "$REPO" && "$REPO/target/release/examples/bench_parse")
echo '```'
echo

echo "## search: index build, size and query latency at 10k and 100k entries"
echo
machine_info
echo "- command: \`cargo run --release --example bench_search\`"
echo
(cd "$REPO" && "$REPO/target/release/examples/bench_search")
echo

echo "## stories: grouping at ingest, 1,000 new entries into 1k and 100k"
echo
machine_info
echo "- command: \`cargo run --release --example bench_stories\`"
echo
(cd "$REPO" && "$REPO/target/release/examples/bench_stories")
echo

echo "## comments: POST a comment vs GET the article page"
echo
machine_info
echo "- command: \`cargo run --release --example bench_comments\`"
echo
(cd "$REPO" && "$REPO/target/release/examples/bench_comments")
echo

echo "## layers: what each serving layer adds to a cached feed request"
echo
machine_info
echo "- command: \`cargo run --release --example bench_layers\`"
echo
(cd "$REPO" && "$REPO/target/release/examples/bench_layers")
echo

bash "$BENCH_DIR/load.sh"
