# Shared helpers of the benchmark scenarios: a release stack of its own (or a running one),
# wrk runs that report throughput, p50, p99 and errors, and the table they print.
# shellcheck shell=bash

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export BENCH_DIR # wrk scripts load report.lua from it
REPO=$(cd "$BENCH_DIR/.." && pwd)

# Defaults: a stack of the benchmark's own on ports that clash with neither the demo stack
# (8080) nor the test stack (18080). PB_BENCH_USE_RUNNING=1 uses the stack in PB_HOME as is.
: "${PB_BENCH_DURATION:=10}"
: "${PB_BENCH_CONNECTIONS:=64}"
: "${PB_BENCH_THREADS:=2}"
BENCH_RESULTS=()

bench_stack_up() {
    if [[ ${PB_BENCH_USE_RUNNING:-0} == 1 ]]; then
        export PB_HOME=${PB_HOME:-$REPO/var} PB_PORT_BASE=${PB_PORT_BASE:-8080}
        GW=http://127.0.0.1:$PB_PORT_BASE
        return
    fi
    export PB_HOME=${PB_BENCH_HOME:-/tmp/pb-bench} PB_PORT_BASE=${PB_BENCH_PORT_BASE:-28080}
    export PB_DB_PORT=${PB_BENCH_DB_PORT:-23306} PB_REDIS_PORT=${PB_BENCH_REDIS_PORT:-26379}
    export PB_NATS_PORT=${PB_BENCH_NATS_PORT:-24222} PB_NATS_MONITOR_PORT=${PB_BENCH_NATS_MONITOR_PORT:-28222}
    # measure the services, not the limiter: rates far above what the machine can do
    export PB_AUTH_RATE=1000000 PB_AUTH_BURST=1000000 PB_LOGIN_MAX_FAILS_IP=1000000
    # nor the per-account limits: 10,000 seeded listings over 20 providers, thousands of
    # bookings over 20 owners, 200 pets of one owner
    export PB_LISTING_MAX_PER_PROVIDER=1000000 PB_ORDER_MAX_OPEN_PER_OWNER=1000000 PB_PET_MAX_PER_OWNER=1000000
    export PB_DEMO_DATA=0 PB_ACCESS_LOG=${PB_ACCESS_LOG:-1} PB_LOG_LEVEL=warn
    # the "nginx proxying to a trivial upstream" reference (GET /bench/proxied)
    export PB_BENCH_UPSTREAM_PORT=${PB_BENCH_UPSTREAM_PORT:-$((PB_PORT_BASE + 50))}
    export PB_ADMIN_PASSWORD=${PB_ADMIN_PASSWORD:-bench-admin-pass-1}
    "$REPO/scripts/stack.sh" up >/tmp/pb-bench-up.log 2>&1 || { tail -40 /tmp/pb-bench-up.log; exit 1; }
    GW=http://127.0.0.1:$PB_PORT_BASE
    bench_upstream_up
    if [[ ${PB_BENCH_KEEP:-0} != 1 ]]; then
        trap 'bench_upstream_down; "$REPO/scripts/stack.sh" down >/dev/null 2>&1 || true' EXIT
    fi
}

# The trivial upstream of the "nginx -> trivial upstream" reference: another nginx, one
# worker (a service is one process), answering the static body the gateway serves at
# /bench/static; the gateway proxies /bench/proxied to it with a service route's settings.
bench_upstream_up() {
    local d=$PB_HOME/bench-upstream
    mkdir -p "$d/logs" "$d/temp"
    cat >"$d/nginx.conf" <<CONF
worker_processes 1;
pid $d/nginx.pid;
error_log $d/logs/error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    keepalive_requests 100000;
    client_body_temp_path $d/temp;
    proxy_temp_path $d/temp;
    fastcgi_temp_path $d/temp;
    uwsgi_temp_path $d/temp;
    scgi_temp_path $d/temp;
    server {
        listen 127.0.0.1:$PB_BENCH_UPSTREAM_PORT;
        location / {
            default_type application/json;
            root $PB_HOME/nginx/static;
            try_files /bench.json =404;
        }
    }
}
CONF
    bench_upstream_down
    nginx -p "$d/" -c "$d/nginx.conf" -e "$d/logs/error.log" 2>/dev/null || echo "bench: the trivial upstream did not start" >&2
}

bench_upstream_down() {
    local d=$PB_HOME/bench-upstream
    [[ -s $d/nginx.pid ]] && kill "$(cat "$d/nginx.pid")" 2>/dev/null && sleep 0.3
    return 0
}

# bench_seed_listings N: at least N published listings over six cities, their ids in
# $PB_HOME/bench-listing-ids.txt (seeded through the API once; kept for later runs).
bench_seed_listings() {
    local n=$1 ids=$PB_HOME/bench-listing-ids.txt t0
    if [[ ! -s $ids || $(wc -l <"$ids") -lt $n ]]; then
        echo "    seeding $n listings through the API..." >&2
        t0=$(date +%s)
        PB_GATEWAY=$GW PB_USER_URL=http://127.0.0.1:$((PB_PORT_BASE + 1)) PB_BOARDING_URL=http://127.0.0.1:$((PB_PORT_BASE + 3)) \
            PB_INTERNAL_TOKEN_FILE=$PB_HOME/secrets/internal-token \
            "$REPO/build/release/bin/pb-seed-listings" "$n" 8 >"$ids"
        echo "    seeded in $(($(date +%s) - t0)) s" >&2
    fi
}

# print_rss: the resident memory of every service process (after the scenarios ran): all of
# it, and the part that is the process's own (anonymous: heap, stacks); the rest is shared
# libraries' pages, counted once for the whole machine. Read twice: the moment the last load
# ends, and PB_BENCH_SETTLE_S (45) seconds later, once the gateway has closed its idle
# upstream connections (10 s), each service has closed its idle MariaDB connections with their
# statements (PB_DB_IDLE_S, 30 s, checked every 10 s: 30-40 s after their last use) and given
# freed pages back (every 10 s).
rss_of() { # PID -> "RSS own" in MB
    awk '/^Rss:/ { r = $2 } /^Anonymous:/ { a = $2 } END { printf "%.1f %.1f", r / 1024, a / 1024 }' \
        "/proc/$1/smaps_rollup"
}
print_rss() {
    local pid name f settle=${PB_BENCH_SETTLE_S:-45} i r0 a0 r1 a1
    local -a names=() pids=() first=()
    for f in "$PB_HOME"/services/*.pid; do
        pid=$(cat "$f" 2>/dev/null) || continue
        name=$(tr -d '\0' <"/proc/$pid/comm" 2>/dev/null) || continue
        [[ $name == pb-* ]] || continue
        names+=("${name#pb-}") pids+=("$pid") first+=("$(rss_of "$pid")")
    done
    sleep "$settle"
    echo
    echo "### memory: every service after the benchmarks"
    echo
    echo "| service | RSS MB at the end | own (anonymous) MB | RSS MB ${settle} s later | own MB |"
    echo "|---|---:|---:|---:|---:|"
    for i in "${!pids[@]}"; do
        read -r r0 a0 <<<"${first[$i]}"
        read -r r1 a1 <<<"$(rss_of "${pids[$i]}" 2>/dev/null || echo '- -')"
        echo "| ${names[$i]} | $r0 | $a0 | $r1 | $a1 |"
    done
}

# api METHOD PATH [TOKEN] [JSON] -> body on stdout
api() {
    local args=(-s -X "$1" "$GW$2")
    [[ -n ${3:-} ]] && args+=(-H "Authorization: Bearer $3")
    [[ -n ${4:-} ]] && args+=(-H 'Content-Type: application/json' --data-binary "$4")
    curl "${args[@]}"
}

# bench_register USERNAME ROLE -> access token on stdout
bench_user() {
    api POST /api/v1/auth/register "" "{\"username\":\"$1\",\"password\":\"bench-password-1\",\"role\":\"$2\",\"display_name\":\"压测用户\"}" >/dev/null
    api POST /api/v1/auth/login "" "{\"username\":\"$1\",\"password\":\"bench-password-1\"}" | jq -r .access_token
}

# run_wrk NAME CONNECTIONS URL [wrk args...]: one row of the table.
# Errors are socket errors plus non-2xx/3xx answers (wrk counts those as "Non-2xx").
run_wrk() {
    local name=$1 conns=$2 url=$3
    shift 3
    local out
    out=$(wrk -t"$PB_BENCH_THREADS" -c"$conns" -d"${PB_BENCH_DURATION}s" --timeout 5s \
        -s "${WRK_SCRIPT:-$BENCH_DIR/report.lua}" "$@" "$url" 2>&1) || true
    local line
    line=$(grep '^PBRESULT' <<<"$out" | tail -1)
    if [[ -z $line ]]; then
        echo "wrk failed for $name:" >&2
        echo "$out" >&2
        line="PBRESULT 0 0 0 0 0"
    fi
    read -r _ rps p50 p99 errors total <<<"$line"
    local note
    note=$(grep '^PBNOTE' <<<"$out" | tail -1 | cut -d' ' -f2- || true)
    [[ -n $note ]] && name="$name ($note)"
    BENCH_RESULTS+=("$name|$conns|$rps|$p50|$p99|$errors|$total")
    printf '  %-46s done: %s req/s\n' "$name" "$rps" >&2
}

print_table() {
    local title=$1
    echo
    echo "### $title"
    echo
    echo "machine: $(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ), ${PB_BENCH_DURATION}s per row, wrk -t$PB_BENCH_THREADS"
    echo
    echo "| scenario | conns | req/s | p50 ms | p99 ms | errors | requests |"
    echo "|---|---:|---:|---:|---:|---:|---:|"
    local row
    for row in "${BENCH_RESULTS[@]}"; do
        IFS='|' read -r n c rps p50 p99 e t <<<"$row"
        printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$n" "$c" "$rps" "$p50" "$p99" "$e" "$t"
    done
}
