# Scenario "reads": the mixed read load (bench/reads.lua: 60 % searches over 10,800 distinct
# pages, 40 % details of 10,000 listings at random) at 64 connections, cold (the first
# seconds after the boarding service restarts with the listing and search caches emptied in
# Redis and in memory) and warm, beside nginx proxying to a trivial upstream measured in the
# same run.
# Settings: PB_BENCH_READS_WARMUP (s of load between the cold and the warm row, default 30).
# shellcheck shell=bash
echo "==> reads: preparing" >&2
IDS=$PB_HOME/bench-listing-ids.txt
bench_seed_listings "${PB_BENCH_LISTINGS:-10000}"
one=$(head -1 "$IDS")
api GET "/api/v1/listings/$one" >"$PB_HOME/nginx/static/bench.json"
C=$PB_BENCH_CONNECTIONS

# every cached listing and search page gone: Redis's copies here, the in-process ones by the restart
reads_empty_caches() {
    local pattern
    for pattern in 'pb:search:page*' 'pb:listing:[0-9]*'; do
        redis-cli -p "$PB_REDIS_PORT" --scan --pattern "$pattern" | xargs -r -n 500 redis-cli -p "$PB_REDIS_PORT" DEL >/dev/null
    done
    "$REPO/scripts/stack.sh" service boarding restart >/dev/null
}

run_wrk "nginx -> trivial upstream (reference)" "$C" "$GW/bench/proxied"
reads_empty_caches
# the clients ask for gzip as browsers do (search pages then come compressed); the last row is
# the same warm load from clients that do not
export WRK_ACCEPT_GZIP=1
WRK_SCRIPT=$BENCH_DIR/reads.lua WRK_IDS=$IDS run_wrk "mixed reads, cold: first ${PB_BENCH_DURATION} s after a restart, caches empty" "$C" "$GW/"
WRK_SCRIPT=$BENCH_DIR/reads.lua WRK_IDS=$IDS PB_BENCH_DURATION=${PB_BENCH_READS_WARMUP:-30} \
    run_wrk "(warm-up)" "$C" "$GW/" && unset 'BENCH_RESULTS[-1]'
WRK_SCRIPT=$BENCH_DIR/reads.lua WRK_IDS=$IDS run_wrk "mixed reads, warm" "$C" "$GW/"
WRK_ACCEPT_GZIP=0 WRK_SCRIPT=$BENCH_DIR/reads.lua WRK_IDS=$IDS run_wrk "mixed reads, warm, clients without gzip" "$C" "$GW/"
unset WRK_ACCEPT_GZIP
run_wrk "nginx -> trivial upstream (reference, again)" "$C" "$GW/bench/proxied"
print_table "reads: 60 % searches, 40 % listing details, cold and warm"
