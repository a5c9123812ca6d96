# Shared helpers for the bench/*.sh scripts. Sourced, never run.
# shellcheck shell=bash

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$BENCH_DIR/.." && pwd)"

log() { printf '[%s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# Installs the Debian packages for the commands given as cmd:package pairs, when missing.
ensure_tools() {
    local missing=() pair
    for pair in "$@"; do
        command -v "${pair%%:*}" >/dev/null 2>&1 || [ -x "${pair%%:*}" ] || missing+=("${pair#*:}")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    log "installing ${missing[*]}"
    local sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
}

# The nginx binary (Debian puts it in /usr/sbin, which is not always on PATH).
nginx_bin() {
    command -v nginx 2>/dev/null || echo /usr/sbin/nginx
}

# cargo build --release, for the daemon and the given examples.
build_release() {
    log "cargo build --release $*"
    (cd "$REPO" && cargo build --release --quiet "$@") || die "cargo build --release failed"
}

# A TCP port on 127.0.0.1 that nothing answers on now.
free_port() {
    local port
    for _ in $(seq 1 200); do
        port=$((20000 + RANDOM % 30000))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            echo "$port"
            return 0
        fi
    done
    die "no free port found"
}

# Waits until http://127.0.0.1:PORT/ answers at all.
wait_http() {
    local url=$1
    for _ in $(seq 1 100); do
        curl -sf -o /dev/null --noproxy '*' "$url" && return 0
        sleep 0.1
    done
    die "$url never answered"
}

# One markdown block describing the machine and the moment.
machine_info() {
    echo "- date: $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
    echo "- host: nproc=$(nproc), CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
    echo "- memory (free -g): $(free -g | awk '/^Mem:/ {print "total " $2 " GiB, used " $3 ", free " $4 ", available " $7}')"
    echo "- kernel: $(uname -r); filesystem of the temp dir: $(df -T "${TMPDIR:-/tmp}" | awk 'NR==2 {print $2}')"
    echo "- load (uptime) when this report was written: $(uptime | sed 's/.*load average/load average/')"
    echo "- islands commit: $(cd "$REPO" && git rev-parse --short HEAD 2>/dev/null || echo unknown)$(cd "$REPO" && git diff --quiet HEAD -- src 2>/dev/null || echo ' (src/ has uncommitted changes)')"
}

# Median of numbers, one per line on stdin.
median() {
    sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) { print "nan"; exit } if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# a / b with 3 decimals.
ratio() {
    awk -v a="$1" -v b="$2" 'BEGIN { if (b == 0) print "nan"; else printf "%.3f\n", a / b }'
}

# The head of a bench feeds.toml (site, server, store, a schedule that never fires during a run,
# fetch limits); callers append [[region]] tables. Usage: config_head MAX_IN_FLIGHT
config_head() {
    cat <<TOML
[site]
title = "World, As Seen from the most beautiful islands: Ireland and Cyprus"
subtitle = "From Trinity st. to Limassol, Cyprus"
base_url = "http://127.0.0.1:8080/"
language = "en"
contact = "tips@islands.example"

[server]
listen = "127.0.0.1:0"

[store]
path = "store"

[schedule]
refresh = "0 0 0 1 1 *"

[fetch]
timeout = "30s"
connect_timeout = "10s"
max_in_flight = ${1:-8}

[articles]
dir = "articles"

[ingest]
# The flood guard (issue 16) would hold back all but 5 of a new source's entries; a bench
# measures every entry reaching the feeds, as before it.
first_fetch_items = 100000
TOML
}
