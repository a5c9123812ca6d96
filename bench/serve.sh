#!/usr/bin/env bash
# islands vs nginx serving the same bytes of /feeds/all.atom (~100 KB, 50 entries).
#
# 1. A local nginx serves a generated RSS fixture (50 items, ~2 KB of HTML each).
# 2. `islands serve` ingests it; we fetch its /feeds/all.atom plain and gzip bytes and ETag.
# 3. The same nginx serves those bytes as static files (gzip_static on, etag on).
# 4. wrk (-t2 -c64 -d10s --latency) runs three modes, plain, gzip and 304, against both
#    servers, REPS reps each, interleaved islands, nginx, islands, nginx...
#
# Prints a markdown report on stdout; progress goes to stderr.
# Environment: REPS (3), DURATION (10s), CONNECTIONS (64), THREADS (2), ISLANDS_BIN (a daemon
# binary to measure instead of this tree's release build).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

REPS=${REPS:-3}
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-64}
THREADS=${THREADS:-2}
ITEMS=50

ensure_tools wrk:wrk "$(nginx_bin):nginx" curl:curl gzip:gzip
# ISLANDS_BIN: a daemon built elsewhere (an A/B of two builds); else this tree's release build.
if [ -n "${ISLANDS_BIN:-}" ]; then
    ISLANDS="$ISLANDS_BIN"
else
    build_release --bin islands
    ISLANDS="$REPO/target/release/islands"
fi
NGINX="$(nginx_bin)"

TMP=$(mktemp -d)
# nginx workers run as an unprivileged user when started by root: they must read the tree.
chmod 755 "$TMP"
NGINX_PID="" ISLANDS_PID=""
cleanup() {
    [ -n "$ISLANDS_PID" ] && kill "$ISLANDS_PID" 2>/dev/null && wait "$ISLANDS_PID" 2>/dev/null
    [ -n "$NGINX_PID" ] && kill "$NGINX_PID" 2>/dev/null && wait "$NGINX_PID" 2>/dev/null
    [ -n "${KEEP_TMP:-}" ] && log "kept $TMP" || rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
export NO_PROXY='*' no_proxy='*'
unset HTTP_PROXY HTTPS_PROXY ALL_PROXY http_proxy https_proxy all_proxy

# --- The upstream fixture: RSS 2.0, 50 items of ~1.2 KB HTML each (~2 KB per Atom entry). ------------------------
# Words picked pseudo-randomly (fixed seed) from a small vocabulary, so the text compresses about
# as well as news prose does rather than like one paragraph repeated.
mkdir -p "$TMP/upstream" "$TMP/www/feeds" "$TMP/nginx" "$TMP/work/articles"
WORDS=(the harbour ferry council minister said on Tuesday that new schedule would hold until
    spring Limassol Dublin Cork Larnaca Galway Paphos Nicosia Limerick fishermen traders commuters
    were told at a meeting quay after weeks of delays and storms budget plans for road works
    hospital school water prices rose fell percent this year last week government opposition party
    vote election tourism season record numbers airport flights weather warning issued coast island
    village residents protest court ruled police investigate report published survey found most
    people support against housing rent crisis bank interest rates energy bills winter football
    match won lost)
RANDOM=42
paragraph() { # paragraph ITEM N: ~300 bytes of HTML
    local words="" w
    for w in $(seq 1 35); do
        words+="${WORDS[RANDOM % ${#WORDS[@]}]} "
        [ "$w" = 15 ] && words+="<a href=\"http://news.example/story/$1#p$2\">"
        [ "$w" = 17 ] && words+="</a> "
    done
    printf '<p>%s</p>' "${words% }."
}
now=$(date -u +%s)
{
    echo '<?xml version="1.0" encoding="UTF-8"?>'
    echo '<rss version="2.0"><channel><title>Bench News</title><link>http://news.example/</link>'
    echo '<description>A generated feed for bench/serve.sh</description>'
    for i in $(seq 1 $ITEMS); do
        echo "<item><title>Story $i: harbour works from Dun Laoghaire to Limassol</title>"
        echo "<link>http://news.example/story/$i</link><guid>http://news.example/story/$i</guid>"
        echo "<pubDate>$(date -u -R -d "@$((now - i * 600))")</pubDate><category>Bench</category>"
        printf '<description><![CDATA['
        for p in 1 2 3 4; do paragraph "$i" "$p"; done
        echo ']]></description></item>'
    done
    echo '</channel></rss>'
} >"$TMP/upstream/feed.xml"

# --- nginx: the upstream on one port, the static copy of all.atom on another. ---------------
UP_PORT=$(free_port)
NGX_PORT=$(free_port)
while [ "$NGX_PORT" = "$UP_PORT" ]; do NGX_PORT=$(free_port); done
cat >"$TMP/nginx/nginx.conf" <<CONF
daemon off;
worker_processes auto;
pid $TMP/nginx/nginx.pid;
error_log $TMP/nginx/error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path $TMP/nginx/body;
    proxy_temp_path $TMP/nginx/proxy;
    fastcgi_temp_path $TMP/nginx/fastcgi;
    uwsgi_temp_path $TMP/nginx/uwsgi;
    scgi_temp_path $TMP/nginx/scgi;
    sendfile on;
    tcp_nopush on;
    keepalive_timeout 65;
    keepalive_requests 1000000;
    server {
        listen 127.0.0.1:$UP_PORT;
        root $TMP/upstream;
        types { application/rss+xml xml; }
        etag on;
    }
    server {
        listen 127.0.0.1:$NGX_PORT;
        root $TMP/www;
        types { application/atom+xml atom; }
        default_type application/octet-stream;
        gzip_static on;
        gzip_vary on;
        etag on;
    }
}
CONF
"$NGINX" -t -c "$TMP/nginx/nginx.conf" -p "$TMP/nginx" 2>/dev/null || "$NGINX" -t -c "$TMP/nginx/nginx.conf" -p "$TMP/nginx"
"$NGINX" -c "$TMP/nginx/nginx.conf" -p "$TMP/nginx" &
NGINX_PID=$!
wait_http "http://127.0.0.1:$UP_PORT/feed.xml"

# --- islands serve, pointed at the upstream. ------------------------------------------------
{
    config_head 8
    cat <<TOML

[[region]]
slug = "ireland"
name = "Ireland"

[[region.source]]
name = "Bench News"
url = "http://127.0.0.1:$UP_PORT/feed.xml"
TOML
} >"$TMP/work/feeds.toml"
(cd "$TMP/work" && RUST_LOG=islands=warn exec "$ISLANDS" serve --config "$TMP/work/feeds.toml" \
    >"$TMP/islands.out" 2>"$TMP/islands.err") &
ISLANDS_PID=$!
for _ in $(seq 1 300); do
    grep -q '^listening on ' "$TMP/islands.out" 2>/dev/null && break
    kill -0 "$ISLANDS_PID" 2>/dev/null || { cat "$TMP/islands.err" >&2; die "islands serve exited"; }
    sleep 0.1
done
ISL_BASE=$(sed -n 's|^listening on \(http://[^/]*\)/.*|\1|p' "$TMP/islands.out" | head -1)
[ -n "$ISL_BASE" ] || die "islands did not print its address"
ISL_URL="$ISL_BASE/feeds/all.atom"
NGX_URL="http://127.0.0.1:$NGX_PORT/feeds/all.atom"
log "islands at $ISL_BASE, nginx at 127.0.0.1:$NGX_PORT"

entries=0
for _ in $(seq 1 300); do
    entries=$(curl -s "$ISL_URL" | grep -o '<entry>' | wc -l || true)
    [ "$entries" -ge $ITEMS ] && break
    sleep 0.2
done
[ "$entries" -eq $ITEMS ] || die "/feeds/all.atom has $entries entries, expected $ITEMS"

# --- The same bytes into nginx's root. ------------------------------------------------------
curl -s -D "$TMP/plain.h" -o "$TMP/www/feeds/all.atom" "$ISL_URL"
curl -s -D "$TMP/gzip.h" -H 'Accept-Encoding: gzip' -o "$TMP/www/feeds/all.atom.gz" "$ISL_URL"
grep -qi '^content-encoding: gzip' "$TMP/gzip.h" || die "islands sent no gzip body"
gzip -dc "$TMP/www/feeds/all.atom.gz" | cmp -s - "$TMP/www/feeds/all.atom" || die "gzip body does not decode to the plain body"
header() { grep -i "^$1:" "$2" | head -1 | cut -d: -f2- | tr -d '\r' | sed 's/^ *//'; }
ISL_ETAG=$(header etag "$TMP/plain.h")
PLAIN_SIZE=$(stat -c %s "$TMP/www/feeds/all.atom")
GZIP_SIZE=$(stat -c %s "$TMP/www/feeds/all.atom.gz")
curl -s -D "$TMP/ngx.h" -o /dev/null "$NGX_URL"
NGX_ETAG=$(header etag "$TMP/ngx.h")
log "all.atom: $PLAIN_SIZE bytes, gzip $GZIP_SIZE bytes; ETags islands $ISL_ETAG, nginx $NGX_ETAG"

# --- Check every response before measuring. -------------------------------------------------
# check NAME URL EXPECTED_CODE EXPECTED_SIZE [curl header args...]
check() {
    local name=$1 url=$2 code=$3 size=$4
    shift 4
    local got
    got=$(curl -s -o "$TMP/check.body" -D "$TMP/check.h" -w '%{http_code} %{size_download}' "$@" "$url")
    [ "$got" = "$code $size" ] || die "$name: got '$got', expected '$code $size'"
    if [ "$size" = "$GZIP_SIZE" ] && [ "$code" = 200 ]; then
        grep -qi '^content-encoding: gzip' "$TMP/check.h" || die "$name: no Content-Encoding: gzip"
        cmp -s "$TMP/check.body" "$TMP/www/feeds/all.atom.gz" || die "$name: gzip body differs"
    elif [ "$code" = 200 ]; then
        cmp -s "$TMP/check.body" "$TMP/www/feeds/all.atom" || die "$name: body differs"
    fi
    log "check $name: $got"
}
for server in islands nginx; do
    if [ $server = islands ]; then url=$ISL_URL etag=$ISL_ETAG; else url=$NGX_URL etag=$NGX_ETAG; fi
    check "$server plain" "$url" 200 "$PLAIN_SIZE"
    check "$server gzip" "$url" 200 "$GZIP_SIZE" -H 'Accept-Encoding: gzip'
    check "$server 304" "$url" 304 0 -H "If-None-Match: $etag"
done

# --- wrk. -----------------------------------------------------------------------------------
# Latency as wrk prints it (12.5us, 1.2ms, 1.01s) -> milliseconds.
to_ms() {
    awk -v v="$1" 'BEGIN {
        if (v ~ /us$/) { sub(/us$/, "", v); printf "%.3f\n", v / 1000 }
        else if (v ~ /ms$/) { sub(/ms$/, "", v); printf "%.3f\n", v }
        else if (v ~ /m$/) { sub(/m$/, "", v); printf "%.3f\n", v * 60000 }
        else if (v ~ /s$/) { sub(/s$/, "", v); printf "%.3f\n", v * 1000 }
        else print "nan" }'
}
# CPU accounting, to see how much of the machine the server used per request and how much
# went to other processes (another engineer's build, say) during a run.
CLK_TCK=$(getconf CLK_TCK)
machine_busy() { awk '/^cpu / {print $2 + $3 + $4 + $7 + $8 + $9}' /proc/stat; }
# Jiffies used so far by PID and its children processes (nginx's workers), all threads.
tree_cpu() {
    local root=$1 total=0 stat pid ppid rest f
    for f in /proc/[0-9]*/stat; do
        read -r stat <"$f" 2>/dev/null || continue
        pid=${stat%% *}
        rest=${stat##*) }
        set -- $rest
        ppid=$2
        if [ "$pid" = "$root" ] || [ "$ppid" = "$root" ]; then
            total=$((total + ${12} + ${13}))
        fi
    done
    echo "$total"
}
# run_wrk SERVER MODE REP: appends
# "server mode rep rps p50 p99 server_us_per_request others_cpu_percent" to $TMP/results.
run_wrk() {
    local server=$1 mode=$2 rep=$3 url etag pid args=()
    if [ "$server" = islands ]; then url=$ISL_URL etag=$ISL_ETAG pid=$ISLANDS_PID; else url=$NGX_URL etag=$NGX_ETAG pid=$NGINX_PID; fi
    case $mode in
        gzip) args=(-H 'Accept-Encoding: gzip') ;;
        304) args=(-H "If-None-Match: $etag") ;;
    esac
    local out="$TMP/wrk-$server-$mode-$rep.txt"
    local busy0 server0 busy1 server1 wrk_cpu TIMEFORMAT='%3R %3U %3S'
    busy0=$(machine_busy)
    server0=$(tree_cpu "$pid")
    { time wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "${args[@]}" "$url" >"$out"; } 2>"$out.time"
    busy1=$(machine_busy)
    server1=$(tree_cpu "$pid")
    if grep -q 'Non-2xx or 3xx' "$out"; then cat "$out" >&2; die "$server $mode: error responses"; fi
    if grep -q 'Socket errors' "$out"; then log "$server $mode rep $rep: $(grep 'Socket errors' "$out")"; fi
    local rps p50 p99 requests wall wrk_cpu server_us others
    rps=$(awk '/^Requests\/sec:/ {print $2}' "$out")
    requests=$(awk '/requests in/ {print $1}' "$out")
    p50=$(to_ms "$(awk '$1 == "50%" {print $2}' "$out")")
    p99=$(to_ms "$(awk '$1 == "99%" {print $2}' "$out")")
    read -r wall wrk_user wrk_sys <"$out.time"
    server_us=$(awk -v j=$((server1 - server0)) -v t="$CLK_TCK" -v n="$requests" 'BEGIN {printf "%.2f", j / t / n * 1e6}')
    others=$(awk -v b=$((busy1 - busy0)) -v s=$((server1 - server0)) -v t="$CLK_TCK" -v u="$wrk_user" -v y="$wrk_sys" \
        -v w="$wall" -v c="$(nproc)" 'BEGIN {o = (b - s) / t - u - y; if (o < 0) o = 0; printf "%.0f", o / (w * c) * 100}')
    echo "$server $mode $rep $rps $p50 $p99 $server_us $others" >>"$TMP/results"
    log "$server $mode rep $rep: $rps req/s, p50 $p50 ms, p99 $p99 ms, server CPU $server_us us/req, others ${others}% of the machine"
}

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
log "warm-up (2s each, not reported)"
for server in islands nginx; do
    wrk -t"$THREADS" -c"$CONNECTIONS" -d2s "$([ $server = islands ] && echo "$ISL_URL" || echo "$NGX_URL")" >/dev/null
done
: >"$TMP/results"
for mode in plain gzip 304; do
    for rep in $(seq 1 "$REPS"); do
        for server in islands nginx; do
            run_wrk $server $mode "$rep"
        done
    done
done
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)
ISLANDS_RSS=$(awk '/^VmHWM/ {print $2 " " $3}' "/proc/$ISLANDS_PID/status" 2>/dev/null || echo unknown)

# --- Report. --------------------------------------------------------------------------------
med() { awk -v s="$1" -v m="$2" -v c="$3" '$1 == s && $2 == m {print $c}' "$TMP/results" | median; }
echo "## serve: islands vs nginx, same bytes of /feeds/all.atom"
echo
machine_info
echo "- command: \`bench/serve.sh\` (REPS=$REPS; each run \`wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency [-H ...] URL\`)"
echo "- body: all.atom $PLAIN_SIZE bytes ($ITEMS entries), gzip $GZIP_SIZE bytes; islands ETag $ISL_ETAG, nginx ETag $NGX_ETAG"
echo "- load average (1/5/15 min) before the runs: $LOAD_BEFORE; after: $LOAD_AFTER"
echo "- islands peak RSS (VmHWM) after the runs: $ISLANDS_RSS"
echo "- wrk, islands and nginx (worker_processes auto = $(nproc)) share the same $(nproc) cores; nothing is pinned"
echo
echo "| mode | rep | islands req/s | p50 ms | p99 ms | CPU us/req | nginx req/s | p50 ms | p99 ms | CPU us/req | others' CPU % (islands run / nginx run) |"
echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
for mode in plain gzip 304; do
    for rep in $(seq 1 "$REPS"); do
        i=$(awk -v m=$mode -v r="$rep" '$1 == "islands" && $2 == m && $3 == r {print $4 " | " $5 " | " $6 " | " $7}' "$TMP/results")
        n=$(awk -v m=$mode -v r="$rep" '$1 == "nginx" && $2 == m && $3 == r {print $4 " | " $5 " | " $6 " | " $7}' "$TMP/results")
        o=$(awk -v m=$mode -v r="$rep" '$2 == m && $3 == r {printf "%s%s", sep, $8; sep = " / "}' "$TMP/results")
        echo "| $mode | $rep | $i | $n | $o |"
    done
    echo "| $mode | **median** | **$(med islands $mode 4)** | $(med islands $mode 5) | $(med islands $mode 6) | $(med islands $mode 7) | **$(med nginx $mode 4)** | $(med nginx $mode 5) | $(med nginx $mode 6) | $(med nginx $mode 7) | |"
done
echo
echo "| mode | islands/nginx req/s (median) | islands/nginx p50 | islands/nginx p99 | islands/nginx server CPU per request |"
echo "|---|---:|---:|---:|---:|"
for mode in plain gzip 304; do
    echo "| $mode | **$(ratio "$(med islands $mode 4)" "$(med nginx $mode 4)")** | $(ratio "$(med islands $mode 5)" "$(med nginx $mode 5)") | $(ratio "$(med islands $mode 6)" "$(med nginx $mode 6)") | $(ratio "$(med islands $mode 7)" "$(med nginx $mode 7)") |"
done
echo
echo "Target: req/s ratio >= 0.9. Latency and CPU ratios above 1 mean islands is slower. CPU us/req is the"
echo "server's own user+sys time (all threads; nginx master and workers) over the requests wrk counted; it is"
echo "less sensitive than req/s to other load. \"others' CPU %\" is the share of the machine used by processes"
echo "other than the server and wrk during that run."
