#!/usr/bin/env bash
# `islands fetch` of 1,000 sources on a local nginx, cold (all 200) then warm (all 304), against
# a plain concurrent fetch of the same URLs (examples/bench_fetch_baseline.rs) with the same
# concurrency, each under /usr/bin/time -v: wall seconds, CPU seconds (user+sys), peak RSS.
#
# The sources are copies of the feed fixtures in tests/fixtures/feeds (those that normalize, as listed
# by `bench_parse --list`), each copy at its own URL, in 2 regions, max_in_flight = 32.
# Each rep: fresh store; islands cold, baseline cold, islands warm, baseline warm.
#
# Prints a markdown report on stdout; progress goes to stderr.
# Environment: REPS (5), SOURCES (1000), CONCURRENCY (32), DISTINCT (0; 1 rewrites every URL in
# copy N to a host of its own, so that no two copies share a story and none is merged).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

REPS=${REPS:-5}
SOURCES=${SOURCES:-1000}
CONCURRENCY=${CONCURRENCY:-32}
DISTINCT=${DISTINCT:-0}

ensure_tools "$(nginx_bin):nginx" curl:curl /usr/bin/time:time
build_release --bin islands --example bench_fetch_baseline --example bench_parse
ISLANDS="$REPO/target/release/islands"
BASELINE="$REPO/target/release/examples/bench_fetch_baseline"
NGINX="$(nginx_bin)"

TMP=$(mktemp -d)
# nginx workers run as an unprivileged user when started by root: they must read the tree.
chmod 755 "$TMP"
NGINX_PID=""
cleanup() {
    [ -n "$NGINX_PID" ] && kill "$NGINX_PID" 2>/dev/null && wait "$NGINX_PID" 2>/dev/null
    [ -n "${KEEP_TMP:-}" ] && log "kept $TMP" || rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
export NO_PROXY='*' no_proxy='*'
unset HTTP_PROXY HTTPS_PROXY ALL_PROXY http_proxy https_proxy all_proxy

# --- 1,000 copies of the fixture feeds. -----------------------------------------------------
mapfile -t FIXTURES < <("$REPO/target/release/examples/bench_parse" --list)
[ ${#FIXTURES[@]} -gt 0 ] || die "no fixture feeds found"
log "${#FIXTURES[@]} fixture feeds: ${FIXTURES[*]}"
mkdir -p "$TMP/www/f" "$TMP/nginx" "$TMP/work/articles"
PORT=$(free_port)
: >"$TMP/urls.txt"
for i in $(seq 1 "$SOURCES"); do
    fixture=${FIXTURES[$(((i - 1) % ${#FIXTURES[@]}))]}
    name=$(printf '%04d.%s' "$i" "${fixture##*.}")
    if [ "$DISTINCT" = 1 ]; then
        # Every URL moves to host cN.*, but for XML namespaces and the JSON Feed version URL.
        LC_ALL=C sed -e "s#://#://c$i.#g" \
            -e "s#\(xmlns[:a-zA-Z]*=\"https\{0,1\}://\)c$i\.#\1#g" \
            -e "s#\(\"version\": *\"https\{0,1\}://\)c$i\.#\1#g" \
            "$REPO/tests/fixtures/feeds/$fixture" >"$TMP/www/f/$name"
    else
        cp "$REPO/tests/fixtures/feeds/$fixture" "$TMP/www/f/$name"
    fi
    echo "http://127.0.0.1:$PORT/f/$name" >>"$TMP/urls.txt"
done
chmod -R a+rX "$TMP/www"

cat >"$TMP/nginx/nginx.conf" <<CONF
daemon off;
worker_processes auto;
pid $TMP/nginx/nginx.pid;
error_log $TMP/nginx/error.log warn;
events { worker_connections 1024; }
http {
    log_format bench '\$status \$request_uri';
    access_log $TMP/nginx/access.log bench;
    client_body_temp_path $TMP/nginx/body;
    proxy_temp_path $TMP/nginx/proxy;
    fastcgi_temp_path $TMP/nginx/fastcgi;
    uwsgi_temp_path $TMP/nginx/uwsgi;
    scgi_temp_path $TMP/nginx/scgi;
    sendfile on;
    keepalive_requests 1000000;
    server {
        listen 127.0.0.1:$PORT;
        root $TMP/www;
        types { application/rss+xml xml; application/feed+json json; }
        etag on;
    }
}
CONF
"$NGINX" -c "$TMP/nginx/nginx.conf" -p "$TMP/nginx" &
NGINX_PID=$!
wait_http "$(head -1 "$TMP/urls.txt")"
: >"$TMP/nginx/access.log"

# --- The config: 1,000 sources in 2 regions, a schedule that never fires during the run. ---
{
    config_head "$CONCURRENCY"
    i=0
    while read -r url; do
        i=$((i + 1))
        if [ "$i" = 1 ]; then printf '\n[[region]]\nslug = "ireland"\nname = "Ireland"\n'; fi
        if [ "$i" = $((SOURCES / 2 + 1)) ]; then printf '\n[[region]]\nslug = "cyprus"\nname = "Cyprus"\n'; fi
        printf '\n[[region.source]]\nname = "Source %04d"\nurl = "%s"\n' "$i" "$url"
    done <"$TMP/urls.txt"
} >"$TMP/work/feeds.toml"
"$ISLANDS" check --config "$TMP/work/feeds.toml" >&2

# --- Runs. ------------------------------------------------------------------------------------
# The nginx access log lines added since the last call, as "STATUS xCOUNT" pairs. The mark is
# kept in a file: callers run this in a command substitution (a subshell).
echo 0 >"$TMP/log.mark"
log_since_mark() {
    local mark total
    mark=$(cat "$TMP/log.mark")
    total=$(wc -l <"$TMP/nginx/access.log")
    echo "$total" >"$TMP/log.mark"
    sed -n "$((mark + 1)),${total}p" "$TMP/nginx/access.log" |
        awk '{print $1}' | sort | uniq -c | awk '{printf "%s%s x%s", sep, $2, $1; sep=", "} END {print ""}'
}
# timed NAME CMD...: runs CMD under /usr/bin/time -v (peak RSS, context switches, blocks
# written) inside bash's `time` (wall, user and sys to the millisecond: /usr/bin/time -v rounds
# them to 10 ms, coarser than the baseline's whole run). CMD's stdout goes to NAME.out, its
# stderr to NAME.err. Appends "wall cpu rss_kb voluntary_switches fs_outputs" to NAME.fields.
timed() {
    local name=$1
    shift
    local TIMEFORMAT='%3R %3U %3S'
    { time /usr/bin/time -v -o "$name.time" "$@" >"$name.out" 2>"$name.err"; } 2>"$name.bash" ||
        { tail -5 "$name.err" >&2; die "$* failed"; }
    read -r wall user sys <"$name.bash"
    awk -F': ' -v wall="$wall" -v cpu="$(awk -v u="$user" -v s="$sys" 'BEGIN {print u + s}')" '
        /Maximum resident set size/ { rss = $2 }
        /Voluntary context switches/ { vcs = $2 }
        /File system outputs/ { fso = $2 }
        END { printf "%.3f %.3f %d %d %d\n", wall, cpu, rss, vcs, fso }' "$name.time" >"$name.fields"
}
# expect_statuses PASS STATUS: dies unless every request of the pass got STATUS.
expect_statuses() {
    local pass=$1 status=$2 seen
    seen=$(log_since_mark)
    log "$pass: nginx answered $seen"
    [ "$seen" = "$status x$SOURCES" ] || die "$pass: expected $status x$SOURCES from nginx, got '$seen'"
}

: >"$TMP/results"
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
for rep in $(seq 1 "$REPS"); do
    rm -rf "$TMP/work/store" "$TMP/etags.txt"
    for pass in cold warm; do
        out="$TMP/islands-$pass-$rep"
        (cd "$TMP/work" && timed "$out" "$ISLANDS" fetch --config "$TMP/work/feeds.toml")
        if [ $pass = cold ]; then
            expect_statuses "islands $pass rep $rep" 200
            stored=$(grep -c ' new, ' "$out.out" || true)
            [ "$stored" = "$SOURCES" ] || die "islands cold: $stored of $SOURCES sources stored; see $out.out"
        else
            expect_statuses "islands $pass rep $rep" 304
            unchanged=$(grep -c ': not modified$' "$out.out" || true)
            [ "$unchanged" = "$SOURCES" ] || die "islands warm: $unchanged of $SOURCES not modified"
        fi
        echo "islands $pass $rep $(cat "$out.fields")" >>"$TMP/results"
        log "islands $pass rep $rep: $(cat "$out.fields") (wall s, cpu s, rss kB, vol. switches, fs outputs; load $(cut -d' ' -f1 /proc/loadavg))"

        out="$TMP/baseline-$pass-$rep"
        timed "$out" "$BASELINE" $pass "$TMP/urls.txt" "$TMP/etags.txt" "$CONCURRENCY"
        expect_statuses "baseline $pass rep $rep" "$([ $pass = cold ] && echo 200 || echo 304)"
        echo "baseline $pass $rep $(cat "$out.fields")" >>"$TMP/results"
        log "baseline $pass rep $rep: $(cat "$out.fields") ($(cat "$out.out"))"
    done
done
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)
STORE_SIZE=$(du -sh --apparent-size "$TMP/work/store" | cut -f1)
NEW_ENTRIES=$(awk -F': ' '/ new, / {split($2, p, " "); n += p[1]} END {print n}' "$TMP/islands-cold-1.out")

# One more cold pass of each, untimed, sampling the thread count every 5 ms.
peak_threads() {
    "$@" >/dev/null 2>&1 &
    local pid=$! peak=0 threads
    while kill -0 "$pid" 2>/dev/null; do
        threads=$(awk '/^Threads:/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)
        [ "${threads:-0}" -gt "$peak" ] && peak=$threads
        sleep 0.005
    done
    wait "$pid" || true
    echo "$peak"
}
rm -rf "$TMP/work/store" "$TMP/etags.txt"
ISLANDS_THREADS=$(cd "$TMP/work" && peak_threads "$ISLANDS" fetch --config "$TMP/work/feeds.toml")
BASELINE_THREADS=$(peak_threads "$BASELINE" cold "$TMP/urls.txt" "$TMP/etags.txt" "$CONCURRENCY")
log_since_mark >/dev/null

# --- Report. --------------------------------------------------------------------------------
med() { awk -v s="$1" -v p="$2" -v c="$3" '$1 == s && $2 == p {print $c}' "$TMP/results" | median; }
echo "## ingest: islands fetch of $SOURCES sources vs a plain concurrent fetch"
echo
machine_info
echo "- command: \`bench/ingest.sh\` (REPS=$REPS, SOURCES=$SOURCES, CONCURRENCY=$CONCURRENCY, DISTINCT=$DISTINCT); each pass under \`/usr/bin/time -v\`"
echo "- sources: $([ "$DISTINCT" = 1 ] && echo "URL-rewritten (distinct) ")copies of ${#FIXTURES[@]} fixture feeds ($(du -sh --apparent-size "$TMP/www/f" | cut -f1) in all) at distinct URLs on nginx (etag on); 2 regions; \`max_in_flight = $CONCURRENCY\`"
if [ "$DISTINCT" = 1 ]; then
    echo "- cold rep 1 stored $NEW_ENTRIES new entries (no story shared between copies); store after the last rep: $STORE_SIZE"
else
    echo "- cold rep 1 stored $NEW_ENTRIES new entries (copies share URI ids, so one story is merged across the ~$((SOURCES / ${#FIXTURES[@]})) copies that carry it); store after the last rep: $STORE_SIZE"
fi
echo "- nginx access log checked per pass: every cold request 200, every warm request 304"
echo "- load average (1/5/15 min) before the runs: $LOAD_BEFORE; after: $LOAD_AFTER"
echo "- peak threads in one more (untimed) cold pass, sampled every 5 ms: islands $ISLANDS_THREADS, baseline $BASELINE_THREADS"
echo
echo "| pass | rep | islands wall s | islands CPU s | islands RSS MiB | islands vol. ctx switches | islands fs out blocks | baseline wall s | baseline CPU s | baseline RSS MiB | baseline vol. ctx switches |"
echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
row() { awk -v s="$1" -v p="$2" -v r="$3" -v all="$4" '$1 == s && $2 == p && $3 == r {printf "%s | %s | %.1f | %s", $4, $5, $6 / 1024, $7; if (all) printf " | %s", $8}' "$TMP/results"; }
mib() { awk -v k="$1" 'BEGIN {printf "%.1f", k / 1024}'; }
for pass in cold warm; do
    for rep in $(seq 1 "$REPS"); do
        echo "| $pass | $rep | $(row islands $pass "$rep" 1) | $(row baseline $pass "$rep" 0) |"
    done
    echo "| $pass | **median** | **$(med islands $pass 4)** | **$(med islands $pass 5)** | **$(mib "$(med islands $pass 6)")** | $(med islands $pass 7) | $(med islands $pass 8) | $(med baseline $pass 4) | $(med baseline $pass 5) | $(mib "$(med baseline $pass 6)")  | $(med baseline $pass 7) |"
done
echo
echo "| pass | islands/baseline wall | islands/baseline CPU | islands/baseline peak RSS |"
echo "|---|---:|---:|---:|"
for pass in cold warm; do
    echo "| $pass | **$(ratio "$(med islands $pass 4)" "$(med baseline $pass 4)")** | **$(ratio "$(med islands $pass 5)" "$(med baseline $pass 5)")** | **$(ratio "$(med islands $pass 6)" "$(med baseline $pass 6)")** |"
done
echo
echo "Medians of $REPS reps. Wall and CPU (user+sys) from bash \`time\` (ms resolution) around \`/usr/bin/time -v\`, which gives peak RSS, context switches and blocks written. The baseline parses nothing and stores nothing."
