#!/usr/bin/env bash
# `islands fetch` of 1,000 sources on a local nginx, cold (all 200) then warm (all 304), against
# a plain concurrent fetch of the same URLs (examples/bench_fetch_baseline.rs) with the same
# concurrency, cold also against that fetch + a feed-rs parse of every body, each under
# /usr/bin/time -v: wall seconds, CPU seconds (user+sys), peak RSS.
#
# The sources (CORPUS):
#   generated  (default) 1,000 distinct Irish and Cypriot regional news feeds written by
#              bench/corpus.py (~80 MB, ~35,000 items; RSS 2.0, Atom, JSON Feed, RSS 1.0; some
#              Greek, some windows-1252), the Irish ones in one region, the Cypriot in the other;
#   fixtures   copies of the feed fixtures in tests/fixtures/feeds (those that normalize, as
#              listed by `bench_parse --list`), ~1.5 MB in all.
# Each feed at its own URL, in 2 regions, max_in_flight = 32. Each rep: fresh store; islands
# cold, baseline cold (fetch), baseline cold-parse (fetch + parse), islands warm, baseline warm.
# Then `islands serve`: its own cold pass on an empty store, and on the store of one cold pass,
# first start and restart: CPU until idle and idle RSS, then REPS warm passes in the restarted
# daemon, each beside a conditional fetch (and the same for the build ISLANDS_BIN_BASE names,
# if set); and that store's size before and after `islands compact`.
#
# Prints a markdown report on stdout; progress goes to stderr.
# Environment: REPS (5), SOURCES (1000), CONCURRENCY (32), CORPUS (generated), DISTINCT (0;
# fixtures only: 1 rewrites every URL in copy N to a host of its own, so that no two copies
# share a story and none is merged), ISLANDS_BIN_BASE (unset).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

REPS=${REPS:-5}
SOURCES=${SOURCES:-1000}
CONCURRENCY=${CONCURRENCY:-32}
CORPUS=${CORPUS:-generated}
DISTINCT=${DISTINCT:-0}
case "$CORPUS" in
generated | fixtures) ;;
*) die "CORPUS is 'generated' or 'fixtures', not '$CORPUS'" ;;
esac
if [ "$CORPUS" = generated ] && [ "$DISTINCT" = 1 ]; then
    log "DISTINCT=1 applies to CORPUS=fixtures only: the generated feeds share nothing anyway"
fi

ensure_tools "$(nginx_bin):nginx" curl:curl /usr/bin/time:time python3:python3
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
    if [ -n "${KEEP_TMP:-}" ]; then log "kept $TMP"; else rm -rf "$TMP"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
export NO_PROXY='*' no_proxy='*'
unset HTTP_PROXY HTTPS_PROXY ALL_PROXY http_proxy https_proxy all_proxy

# --- The corpus: SOURCES feeds in $TMP/www/f, their URLs in $TMP/urls.txt. ---------------------
mkdir -p "$TMP/www/f" "$TMP/nginx" "$TMP/work/articles"
PORT=$(free_port)
: >"$TMP/urls.txt"
if [ "$CORPUS" = generated ]; then
    # corpus.py prints the file names on stdout, its totals on stderr ("corpus: N files,
    # BYTES bytes (X MB), ITEMS items; formats: ...").
    log "generating $SOURCES feeds with bench/corpus.py"
    started=$SECONDS
    python3 "$BENCH_DIR/corpus.py" "$TMP/www/f" "$SOURCES" >"$TMP/corpus.list" 2>"$TMP/corpus.log" ||
        { cat "$TMP/corpus.log" >&2; die "bench/corpus.py failed"; }
    CORPUS_SUMMARY=$(grep '^corpus: ' "$TMP/corpus.log")
    log "$CORPUS_SUMMARY (in $((SECONDS - started)) s)"
    log "$(grep '^corpus per feed: ' "$TMP/corpus.log" || true)"
    CORPUS_BYTES=$(sed -n 's/^corpus: [0-9]* files, \([0-9]*\) bytes.*/\1/p' <<<"$CORPUS_SUMMARY")
    CORPUS_ITEMS=$(sed -n 's/^corpus: .*), \([0-9]*\) items;.*/\1/p' <<<"$CORPUS_SUMMARY")
    if [ -z "$CORPUS_BYTES" ] || [ -z "$CORPUS_ITEMS" ]; then die "no totals in '$CORPUS_SUMMARY'"; fi
    mapfile -t FILES <"$TMP/corpus.list"
    [ ${#FILES[@]} = "$SOURCES" ] || die "bench/corpus.py wrote ${#FILES[@]} feeds, not $SOURCES"
    for name in "${FILES[@]}"; do
        echo "http://127.0.0.1:$PORT/f/$name" >>"$TMP/urls.txt"
    done
else
    mapfile -t FIXTURES < <("$REPO/target/release/examples/bench_parse" --list)
    [ ${#FIXTURES[@]} -gt 0 ] || die "no fixture feeds found"
    log "${#FIXTURES[@]} fixture feeds: ${FIXTURES[*]}"
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
    CORPUS_BYTES=$(du -sb --apparent-size "$TMP/www/f" | cut -f1)
fi
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
        types { application/rss+xml xml; application/atom+xml atom; application/feed+json json; }
        etag on;
    }
}
CONF
"$NGINX" -c "$TMP/nginx/nginx.conf" -p "$TMP/nginx" &
NGINX_PID=$!
wait_http "$(head -1 "$TMP/urls.txt")"
: >"$TMP/nginx/access.log"

# --- The config: 1,000 sources in 2 regions, a schedule that never fires during the run. ---
# The first SOURCES/2 in Ireland, the rest in Cyprus (corpus.py's split: its Irish feeds come
# first); a generated Greek feed (NNNN-cy-el-*) is a source with `language = "el"`.
{
    config_head "$CONCURRENCY"
    i=0
    while read -r url; do
        i=$((i + 1))
        if [ "$i" = 1 ]; then printf '\n[[region]]\nslug = "ireland"\nname = "Ireland"\n'; fi
        if [ "$i" = $((SOURCES / 2 + 1)) ]; then printf '\n[[region]]\nslug = "cyprus"\nname = "Cyprus"\n'; fi
        printf '\n[[region.source]]\nname = "Source %04d"\nurl = "%s"\n' "$i" "$url"
        case "$url" in */f/[0-9][0-9][0-9][0-9]-cy-el-*) printf 'language = "el"\n' ;; esac
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
# The entries islands stored new in a cold pass, summed over its output lines
# ("Source 0001 (URL): 35 new, 0 updated").
new_entries() {
    awk -F': ' '/ new, / {split($2, p, " "); n += p[1]} END {print n + 0}' "$1"
}
# A baseline pass: baseline_pass SYSTEM MODE REP STATUS, SYSTEM being the name in the results.
baseline_pass() {
    local system=$1 mode=$2 rep=$3 status=$4 out="$TMP/$1-$2-$3"
    timed "$out" "$BASELINE" "$mode" "$TMP/urls.txt" "$TMP/etags.txt" "$CONCURRENCY"
    expect_statuses "$system $mode rep $rep" "$status"
    echo "$system ${mode%-parse} $rep $(cat "$out.fields")" >>"$TMP/results"
    log "$system $mode rep $rep: $(cat "$out.fields") ($(paste -sd';' "$out.out"))"
}
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
for rep in $(seq 1 "$REPS"); do
    rm -rf "$TMP/work/store" "$TMP/etags.txt"
    for pass in cold warm; do
        out="$TMP/islands-$pass-$rep"
        (cd "$TMP/work" && timed "$out" "$ISLANDS" fetch --config "$TMP/work/feeds.toml")
        if [ $pass = cold ]; then
            expect_statuses "islands $pass rep $rep" 200
            stored=$(grep -c ' new, ' "$out.out" || true)
            if [ "$stored" != "$SOURCES" ]; then
                grep -v ' new, ' "$out.out" | head -5 >&2
                die "islands cold: $stored of $SOURCES sources stored"
            fi
            # The generated feeds share no item: every one of them is a new entry.
            new=$(new_entries "$out.out")
            [ "$CORPUS" = fixtures ] || [ "$new" = "$CORPUS_ITEMS" ] ||
                die "islands cold: $new new entries, the corpus has $CORPUS_ITEMS items"
        else
            expect_statuses "islands $pass rep $rep" 304
            unchanged=$(grep -c ': not modified$' "$out.out" || true)
            [ "$unchanged" = "$SOURCES" ] || die "islands warm: $unchanged of $SOURCES not modified"
        fi
        echo "islands $pass $rep $(cat "$out.fields")" >>"$TMP/results"
        log "islands $pass rep $rep: $(cat "$out.fields") (wall s, cpu s, rss kB, vol. switches, fs outputs; load $(cut -d' ' -f1 /proc/loadavg))"

        if [ $pass = cold ]; then
            baseline_pass fetch cold "$rep" 200
            baseline_pass parse cold-parse "$rep" 200
            # "parsed: N feeds, E entries, F failures": every body must parse, so that the
            # baseline did all the work.
            parsed=$(sed -n 's/^parsed: //p' "$TMP/parse-cold-parse-$rep.out")
            read -r parsed_feeds _ parsed_entries _ parse_failures _ <<<"${parsed//,/}"
            if [ "$parsed_feeds" != "$SOURCES" ] || [ "$parse_failures" != 0 ]; then
                die "baseline cold-parse: $parsed; $(grep '^first parse failure' "$TMP/parse-cold-parse-$rep.out" || true)"
            fi
            [ "$CORPUS" = fixtures ] || [ "$parsed_entries" = "$CORPUS_ITEMS" ] ||
                die "baseline cold-parse: $parsed_entries entries parsed, the corpus has $CORPUS_ITEMS items"
            if [ "$rep" = 1 ]; then PARSED_ENTRIES=$parsed_entries; fi
        else
            baseline_pass fetch warm "$rep" 304
        fi
    done
done
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)
STORE_SIZE=$(du -sh --apparent-size "$TMP/work/store" | cut -f1)
NEW_ENTRIES=$(new_entries "$TMP/islands-cold-1.out")

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
PARSE_THREADS=$(peak_threads "$BASELINE" cold-parse "$TMP/urls.txt" "$TMP/etags.txt" "$CONCURRENCY")
log_since_mark >/dev/null

# --- The daemon: `islands serve` on an empty store, doing the cold pass itself (what a daemon
# that has ingested the corpus holds); then on the store of one cold pass of `islands fetch`,
# started, left until idle, stopped, started again. The first start on that store builds the
# search index; both refresh every source at start (nginx answers 304) and publish the
# site-wide feeds. Each start: the CPU it used until it was idle (no more than 2 ticks in 5 s),
# and its RSS then. ISLANDS_BIN_BASE (another build) is measured the same way
# on a copy of the same store, for a baseline side by side.
# With a third argument (the label), the restarted daemon then does REPS warm passes while it
# runs (`islands fetch` asks it through its socket, as an operator's would): the warm ingest of a
# daemon, whose store is open and recovered, unlike `islands fetch`'s own, which opens it. Each
# is interleaved with a conditional fetch by the baseline; CPU is the daemon's (until a second
# after the pass, so what it left to do counts) and the client's.
daemon_idle() {
    local bin=$1 dir=$2 label=${3:-} tck pid cpu last=-1 still=0 started=$SECONDS
    tck=$(getconf CLK_TCK)
    (cd "$dir" && exec "$bin" serve --config feeds.toml >>"$dir.log" 2>&1) &
    pid=$!
    while sleep 1; do
        cpu=$(awk '{print $14 + $15}' "/proc/$pid/stat" 2>/dev/null) || die "$bin serve exited: $(tail -3 "$dir.log")"
        if [ "$cpu" -le $((last + 2)) ]; then still=$((still + 1)); else still=0; fi
        last=$cpu
        [ $still -ge 5 ] && break
        [ $((SECONDS - started)) -gt 600 ] && break
    done
    awk -v c="$cpu" -v t="$tck" -v r="$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status")" \
        'BEGIN {printf "%.2f %.1f", c / t, r / 1024}'
    local rep before after out unchanged wall client
    for rep in $([ -n "$label" ] && seq 1 "$REPS"); do
        out="$TMP/daemon-warm-$label-$rep"
        log_since_mark >/dev/null
        before=$(awk '{print $14 + $15}' "/proc/$pid/stat")
        (cd "$dir" && timed "$out" "$bin" fetch --config feeds.toml)
        # What the pass left to do after it answered (its sources' states written, sled's
        # flush every 500 ms) is counted in its CPU, and done before the baseline runs.
        sleep 1
        after=$(awk '{print $14 + $15}' "/proc/$pid/stat")
        expect_statuses "daemon warm ($label) rep $rep" 304 >&2
        unchanged=$(grep -c ': not modified$' "$out.out" || true)
        [ "$unchanged" = "$SOURCES" ] || die "daemon warm ($label): $unchanged of $SOURCES not modified"
        read -r wall client _ <"$out.fields"
        awk -v l="$label" -v w="$wall" -v c="$client" -v d="$((after - before))" -v t="$tck" \
            'BEGIN {printf "daemon-%s warm %d %.3f %.3f\n", l, '"$rep"', w, c + d / t}' >>"$TMP/results"
        log "$(tail -1 "$TMP/results") (wall s, CPU s of the daemon and its client)"
        baseline_pass "fetchd-$label" warm "$rep" 304 >&2
    done
    kill "$pid" && wait "$pid" 2>/dev/null || true
}
DAEMON_ROWS=()
for label in islands base; do
    bin=$ISLANDS
    if [ $label = base ]; then
        [ -n "${ISLANDS_BIN_BASE:-}" ] || continue
        bin=$ISLANDS_BIN_BASE
    fi
    dir="$TMP/daemon-$label"
    mkdir -p "$dir-own/articles"
    cp "$TMP/work/feeds.toml" "$dir-own/feeds.toml"
    log "daemon ($label): its own cold pass, on an empty store"
    own=$(daemon_idle "$bin" "$dir-own")
    rm -rf "$dir-own"
    mkdir -p "$dir/articles"
    cp -r "$TMP/work/store" "$dir/store"
    cp "$TMP/work/feeds.toml" "$dir/feeds.toml"
    log "daemon ($label): first start on the store of one cold pass"
    first=$(daemon_idle "$bin" "$dir")
    log "daemon ($label): restart, then $REPS warm passes in it"
    again=$(daemon_idle "$bin" "$dir" "$label")
    DAEMON_ROWS+=("$label $own $first $again")
    log "daemon ($label): own cold pass $own, first start $first, restart $again (CPU s, idle RSS MiB)"
    rm -rf "$dir"
done

# --- The store of that pass compacted (`islands compact`, on a copy): its size on disk before and
# after, against the corpus's bytes.
mkdir -p "$TMP/compact"
cp -r "$TMP/work/store" "$TMP/compact/store"
cp "$TMP/work/feeds.toml" "$TMP/compact/feeds.toml"
COMPACT_BEFORE=$(du -sb "$TMP/compact/store" | cut -f1)
(cd "$TMP/compact" && timed "$TMP/compact/run" "$ISLANDS" compact --config feeds.toml)
COMPACT_AFTER=$(du -sb "$TMP/compact/store" | cut -f1)
COMPACT_WALL=$(cut -d' ' -f1 "$TMP/compact/run.fields")
log "compact: $COMPACT_BEFORE -> $COMPACT_AFTER bytes in $COMPACT_WALL s ($(cat "$TMP/compact/run.out"))"
rm -rf "$TMP/compact"

# The floor under the cold ratio: islands' own normalizing of the same files, one core, nothing
# stored, against a feed-rs parse of them (alternated rounds, `examples/bench_parse.rs`).
log "normalize vs parse over the corpus's files (bench_parse --dir)"
"$REPO/target/release/examples/bench_parse" --dir "$TMP/www/f" 5 >"$TMP/floor.out" ||
    die "bench_parse failed: $(tail -3 "$TMP/floor.out")"
per_pass() { awk -v w="$1" '$1 == w {for (i = 1; i <= NF; i++) if ($i == "us/pass,") printf "%.0f", $(i - 1) / 1000}' "$TMP/floor.out"; }
FLOOR_NORMALIZE=$(per_pass islands::normalize::normalize_feed)
FLOOR_PARSE=$(per_pass feed_rs::parser::parse)
FLOOR_RATIO=$(sed -n 's/^ratio normalize\/parse (time per pass): //p' "$TMP/floor.out")
[ -n "$FLOOR_NORMALIZE" ] && [ -n "$FLOOR_PARSE" ] && [ -n "$FLOOR_RATIO" ] ||
    die "no figures in bench_parse's output: $(cat "$TMP/floor.out")"
log "normalize ${FLOOR_NORMALIZE} ms, parse ${FLOOR_PARSE} ms a pass: ${FLOOR_RATIO}x"

# --- Report. --------------------------------------------------------------------------------
med() { awk -v s="$1" -v p="$2" -v c="$3" '$1 == s && $2 == p {print $c}' "$TMP/results" | median; }
mean() { awk -v s="$1" -v p="$2" -v c="$3" '$1 == s && $2 == p {t += $c; n++} END {if (n) printf "%.4f\n", t / n; else print "nan"}' "$TMP/results"; }
mb() { awk -v b="$1" 'BEGIN {printf "%.1f MB", b / 1e6}'; }
echo "## ingest: islands fetch of $SOURCES sources vs a plain concurrent fetch, and fetch + parse"
echo
machine_info
echo "- command: \`bench/ingest.sh\` (REPS=$REPS, SOURCES=$SOURCES, CONCURRENCY=$CONCURRENCY, CORPUS=$CORPUS$([ "$CORPUS" = fixtures ] && echo ", DISTINCT=$DISTINCT")); each pass under \`/usr/bin/time -v\`"
if [ "$CORPUS" = generated ]; then
    echo "- corpus: generated by \`bench/corpus.py\`, $SOURCES distinct Irish and Cypriot regional news feeds, $(mb "$CORPUS_BYTES") in all, $CORPUS_ITEMS items (${CORPUS_SUMMARY#*items; }); each at its own URL on nginx (etag on); the Irish feeds in one region, the Cypriot in the other (Greek ones with \`language = \"el\"\`); \`max_in_flight = $CONCURRENCY\`"
    echo "- cold rep 1 stored $NEW_ENTRIES new entries, every item of the corpus (no item is shared between feeds); store after the last rep: $STORE_SIZE"
else
    echo "- corpus: fixtures, $([ "$DISTINCT" = 1 ] && echo "URL-rewritten (distinct) ")copies of ${#FIXTURES[@]} fixture feeds of \`tests/fixtures/feeds\`, $(mb "$CORPUS_BYTES") in all, $PARSED_ENTRIES items (as feed-rs counts them), at distinct URLs on nginx (etag on); 2 regions; \`max_in_flight = $CONCURRENCY\`"
    if [ "$DISTINCT" = 1 ]; then
        echo "- cold rep 1 stored $NEW_ENTRIES new entries (no story shared between copies); store after the last rep: $STORE_SIZE"
    else
        echo "- cold rep 1 stored $NEW_ENTRIES new entries (copies share URI ids, so one story is merged across the ~$((SOURCES / ${#FIXTURES[@]})) copies that carry it); store after the last rep: $STORE_SIZE"
    fi
fi
echo "- baselines (\`examples/bench_fetch_baseline.rs\`): **fetch** GETs every URL and reads the body (cold), or sends \`If-None-Match\` with the ETag of its cold pass (warm); **fetch + parse** also parses every cold body with \`feed_rs::parser::parse\`: $PARSED_ENTRIES entries, no failures"
echo "- checked per pass: nginx answered every cold request 200 and every warm one 304; islands said every source was stored (cold) or not modified (warm)$([ "$CORPUS" = generated ] && echo ", and stored every item of the corpus as a new entry (cold)"); the fetch + parse baseline parsed every body"
echo "- load average (1/5/15 min) before the runs: $LOAD_BEFORE; after: $LOAD_AFTER"
echo "- peak threads in one more (untimed) cold pass, sampled every 5 ms: islands $ISLANDS_THREADS, fetch $BASELINE_THREADS, fetch + parse $PARSE_THREADS"
echo
echo "| pass | rep | islands wall s | islands CPU s | islands RSS MiB | islands vol. ctx switches | islands fs out blocks | fetch wall s | fetch CPU s | fetch RSS MiB | fetch vol. ctx switches | fetch + parse wall s | fetch + parse CPU s | fetch + parse RSS MiB | fetch + parse vol. ctx switches |"
echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
row() { awk -v s="$1" -v p="$2" -v r="$3" -v all="$4" '$1 == s && $2 == p && $3 == r {printf "%s | %s | %.1f | %s", $4, $5, $6 / 1024, $7; if (all) printf " | %s", $8}' "$TMP/results"; }
mib() { awk -v k="$1" 'BEGIN {printf "%.1f", k / 1024}'; }
medians() { echo "$(med "$1" "$2" 4) | $(med "$1" "$2" 5) | $(mib "$(med "$1" "$2" 6)") | $(med "$1" "$2" 7)"; }
for pass in cold warm; do
    for rep in $(seq 1 "$REPS"); do
        if [ $pass = cold ]; then parse_row=$(row parse cold "$rep" 0); else parse_row="– | – | – | –"; fi
        echo "| $pass | $rep | $(row islands $pass "$rep" 1) | $(row fetch $pass "$rep" 0) | $parse_row |"
    done
    if [ $pass = cold ]; then parse_row=$(medians parse cold); else parse_row="– | – | – | –"; fi
    echo "| $pass | **median** | **$(med islands $pass 4)** | **$(med islands $pass 5)** | **$(mib "$(med islands $pass 6)")** | $(med islands $pass 7) | $(med islands $pass 8) | $(medians fetch $pass) | $parse_row |"
done
echo
echo "| pass | islands against | wall ratio | CPU ratio | peak RSS ratio |"
echo "|---|---|---:|---:|---:|"
ratios() { echo "**$(ratio "$(med islands "$1" 4)" "$(med "$2" "$1" 4)")** | **$(ratio "$(med islands "$1" 5)" "$(med "$2" "$1" 5)")** | **$(ratio "$(med islands "$1" 6)" "$(med "$2" "$1" 6)")**"; }
echo "| cold | fetch | $(ratios cold fetch) |"
echo "| cold | fetch + parse | $(ratios cold parse) |"
echo "| warm | conditional fetch | $(ratios warm fetch) |"
echo "| cold, its floor: islands' normalizing alone (ids, dates, charsets, URL resolution, sanitizing every HTML fragment; nothing stored), one core | a feed-rs parse of the same files, one core ($FLOOR_NORMALIZE ms vs $FLOOR_PARSE ms a pass, \`bench_parse --dir\`) | – | **$FLOOR_RATIO** | – |"
# The warm passes of the restarted daemons, against the conditional fetches interleaved with them.
for label in islands base; do
    [ "$(med "daemon-$label" warm 4)" != nan ] || continue
    name="the daemon"
    [ "$label" = base ] && name="ISLANDS_BIN_BASE's daemon"
    # CPU: the mean of the passes, not the median. The daemon's share is read from /proc in
    # ticks of 10 ms, and a pass is 4-6 ticks, so one pass's figure moves by a tick (20%) and
    # so does the median; a sum over passes keeps only the ticks at its ends.
    echo "| warm, in $name ($REPS passes: wall median $(med "daemon-$label" warm 4) s, CPU mean $(mean "daemon-$label" warm 5) s; by the median $(ratio "$(med "daemon-$label" warm 5)" "$(med "fetchd-$label" warm 5)")x) | conditional fetch (wall median $(med "fetchd-$label" warm 4) s, CPU mean $(mean "fetchd-$label" warm 5) s) | **$(ratio "$(med "daemon-$label" warm 4)" "$(med "fetchd-$label" warm 4)")** | **$(ratio "$(mean "daemon-$label" warm 5)" "$(mean "fetchd-$label" warm 5)")** | – |"
done
echo
echo "Store of one cold pass, on disk (\`du -sb\`): $(mb "$COMPACT_BEFORE") ($(ratio "$COMPACT_BEFORE" "$CORPUS_BYTES")x the corpus's $(mb "$CORPUS_BYTES")); after \`islands compact\` ($COMPACT_WALL s): $(mb "$COMPACT_AFTER") ($(ratio "$COMPACT_AFTER" "$CORPUS_BYTES")x)."
echo
echo "| daemon | its own cold pass (empty store): CPU s until idle | idle RSS MiB | on the store of one cold pass, first start: CPU s until idle | idle RSS MiB | restart: CPU s until idle | idle RSS MiB |"
echo "|---|---:|---:|---:|---:|---:|---:|"
for row in "${DAEMON_ROWS[@]}"; do
    read -r label c0 r0 c1 r1 c2 r2 <<<"$row"
    name="islands"
    [ "$label" = base ] && name="ISLANDS_BIN_BASE (\`$(basename "$ISLANDS_BIN_BASE")\`)"
    echo "| $name | $c0 | $r0 | $c1 | $r1 | $c2 | $r2 |"
done
echo
echo "Medians of $REPS reps. Wall and CPU (user+sys) from bash \`time\` (ms resolution) around \`/usr/bin/time -v\`, which gives peak RSS, context switches and blocks written. Neither baseline stores anything; fetch + parse runs feed-rs alone (no ids, dates, charset handling from HTTP, URL resolution, sanitizing, dedupe or grouping), so islands/(fetch + parse) is what islands adds over reading the feeds."
