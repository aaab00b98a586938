# Scenario "search": 10,000 published listings over six cities; listing detail and a typical
# search (city + species + dates + pets), cached (from the in-process near cache, then with it
# off: from Redis) and uncached (the same code with PB_CACHE_BYPASS=1), beside nginx answering
# a static body of the detail's size and nginx proxying to a trivial upstream.
# shellcheck shell=bash
echo "==> search: preparing" >&2
IDS=$PB_HOME/bench-listing-ids.txt
bench_seed_listings "${PB_BENCH_LISTINGS:-10000}"
one=$(head -1 "$IDS")
detail=$(api GET "/api/v1/listings/$one")
printf '%s' "$detail" >"$PB_HOME/nginx/static/bench.json"
start=$(date -u -d '+7 days' +%F)
end=$(date -u -d '+10 days' +%F)
query="/api/v1/listings?city=%E4%B8%8A%E6%B5%B7&species=dog&start_date=$start&end_date=$end&pets=1"
echo "    detail body ${#detail} B; search: $(api GET "$query" | jq '.items | length') items on the first page" >&2
C=$PB_BENCH_CONNECTIONS

boarding_restart() { # extra env for the boarding service
    env "$@" "$REPO/scripts/stack.sh" service boarding restart >/dev/null
}

run_wrk "nginx static body (${#detail} B, reference)" "$C" "$GW/bench/static"
run_wrk "nginx -> trivial upstream, same body (reference)" "$C" "$GW/bench/proxied"
# warm every key once, then measure
WRK_IDS=$IDS WRK_PATH_PREFIX=/api/v1/listings/ PB_BENCH_DURATION=3 run_wrk "(warm-up)" "$C" "$GW/" && unset 'BENCH_RESULTS[-1]'
run_wrk "GET /listings/{id}, one hot listing, cached" "$C" "$GW/api/v1/listings/$one"
WRK_IDS=$IDS WRK_PATH_PREFIX=/api/v1/listings/ run_wrk "GET /listings/{id}, 10k listings at random, cached" "$C" "$GW/"
run_wrk "GET /listings search, cached" "$C" "$GW$query"
# the same reads with the in-process near cache off: every hit is a Redis round trip
boarding_restart PB_NEAR_CACHE_MB=0
run_wrk "GET /listings/{id}, one hot listing, Redis only (near cache off)" "$C" "$GW/api/v1/listings/$one"
run_wrk "GET /listings search, Redis only (near cache off)" "$C" "$GW$query"
boarding_restart PB_CACHE_BYPASS=1
run_wrk "GET /listings/{id}, one listing, uncached" "$C" "$GW/api/v1/listings/$one"
WRK_IDS=$IDS WRK_PATH_PREFIX=/api/v1/listings/ run_wrk "GET /listings/{id}, 10k at random, uncached" "$C" "$GW/"
run_wrk "GET /listings search, uncached" "$C" "$GW$query"
boarding_restart PB_CACHE_BYPASS=0
print_table "search: 10,000 listings, detail and search through the gateway"
