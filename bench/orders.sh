# Scenario "orders": bookings per second on 100 listings (no contention), a storm of
# bookings on one listing (most correctly refused as fully booked), and MariaDB's own
# write-transaction rate on the same server (sysbench oltp_write_only) as the reference.
# shellcheck shell=bash
echo "==> orders: preparing" >&2
SEED_IDS=$PB_HOME/bench-listing-ids.txt
if [[ ! -s $SEED_IDS || $(wc -l <"$SEED_IDS") -lt 100 ]]; then
    PB_GATEWAY=$GW PB_USER_URL=http://127.0.0.1:$((PB_PORT_BASE + 1)) PB_BOARDING_URL=http://127.0.0.1:$((PB_PORT_BASE + 3)) \
        PB_INTERNAL_TOKEN_FILE=$PB_HOME/secrets/internal-token PB_SEED_PROVIDERS=5 \
        "$REPO/build/release/bin/pb-seed-listings" 100 4 >"$SEED_IDS"
fi
# 100 listings that take dogs (the benchmark's pets are small dogs), found by search
LISTINGS=$PB_HOME/bench-orders-listings.txt
: >"$LISTINGS"
for city in 北京 上海 广州 深圳 成都 杭州; do
    api GET "/api/v1/listings?city=$(jq -rn --arg c "$city" '$c|@uri')&species=dog&limit=100" | jq -r '.items[].id' >>"$LISTINGS"
done
sort -u "$LISTINGS" | head -100 >"$LISTINGS.tmp" && mv "$LISTINGS.tmp" "$LISTINGS"
# 50 owners with 4 pets each, a line "pet token" per pet: bookings are spread over owners as
# on the platform (one owner holding thousands of open bookings would make the per-owner
# open-order count, a part of every booking, far costlier than any real owner's)
PETS=$PB_HOME/bench-orders-pets.txt
: >"$PETS"
stamp=$(date +%s)
for o in $(seq 1 50); do
    token=$(bench_user "benchowner${stamp}_$o" owner)
    for i in 1 2 3 4; do
        pet=$(api POST /api/v1/pets "$token" "{\"name\":\"pet$i\",\"species\":\"dog\",\"weight_kg\":3}" | jq -r .id)
        echo "$pet $token" >>"$PETS"
    done
done
# one listing for the storm: capacity 5, and a pool of pets of its own
provider_token=$(bench_user "benchprov$(date +%s)" provider)
provider_id=$(api GET /api/v1/users/me "$provider_token" | jq -r .id)
curl -s -X POST -H "X-Internal-Token: $(<"$PB_HOME/secrets/internal-token")" -H 'Content-Type: application/json' \
    -d '{"reason":"bench"}' "http://127.0.0.1:$((PB_PORT_BASE + 1))/internal/v1/users/$provider_id/approve" >/dev/null
storm_listing=$(api POST /api/v1/listings "$provider_token" '{"title":"压测房源","description":"用于并发预订压测的房源。","city":"压测城","district":"一区","address":"x","lat":30.1,"lng":104.1,"species":["dog"],"max_weight_kg":20,"capacity":5,"price_per_night_fen":9900}' | jq -r .id)
curl -s -X POST -H "X-Internal-Token: $(<"$PB_HOME/secrets/internal-token")" -H 'Content-Type: application/json' -d '{}' \
    "http://127.0.0.1:$((PB_PORT_BASE + 3))/internal/v1/listings/$storm_listing/approve" >/dev/null
STORM=$PB_HOME/bench-orders-storm.txt
echo "$storm_listing" >"$STORM"
# the platform day (UTC+8 unless PB_UTC_OFFSET_S says otherwise), as the order service counts
today=$((($(date -u +%s) + ${PB_UTC_OFFSET_S:-28800}) / 86400))
C=$PB_BENCH_CONNECTIONS

# MariaDB's own write transactions on the same server: the ceiling every booking shares
db=pb_sysbench
mariadb --no-defaults -uroot --socket="$PB_HOME/mariadb/mysqld.sock" -e "CREATE DATABASE IF NOT EXISTS $db"
sb=(sysbench oltp_write_only --db-driver=mysql --mysql-socket="$PB_HOME/mariadb/mysqld.sock" --mysql-user=root
    --mysql-db="$db" --tables=4 --table-size=10000 --threads="$C" --time="$PB_BENCH_DURATION" --report-interval=0)
"${sb[@]}" prepare >/dev/null 2>&1 || true
sbout=$("${sb[@]}" --percentile=99 run 2>&1 || true)
"${sb[@]}" cleanup >/dev/null 2>&1 || true
tps=$(awk '/transactions:/ {gsub(/\(/, "", $3); print int($3)}' <<<"$sbout")
p99=$(awk '/99th percentile:/ {print $3}' <<<"$sbout")
avg=$(awk '/avg:/ {print $2}' <<<"$sbout")
BENCH_RESULTS+=("MariaDB sysbench oltp_write_only (reference; p50 column is the average)|$C|${tps:-0}|${avg:-0}|${p99:-0}|0|-")

WRK_SCRIPT=$BENCH_DIR/booking.lua WRK_LISTINGS=$LISTINGS WRK_PETS=$PETS WRK_TODAY=$today \
    WRK_FIRST_DAY=1 run_wrk "POST /orders on 100 listings, 50 owners" "$C" "$GW"
WRK_SCRIPT=$BENCH_DIR/booking.lua WRK_LISTINGS=$STORM WRK_PETS=$PETS WRK_TODAY=$today \
    WRK_FIRST_DAY=200 run_wrk "POST /orders storm on 1 listing of capacity 5" "$C" "$GW"
print_table "orders: bookings through the gateway (every booking holds capacity in boarding)"
if PB_HOME=$PB_HOME "$REPO/scripts/check-invariants.sh" >/tmp/pb-bench-invariants.txt 2>&1; then
    echo
    echo "Invariant checker after the run: all invariants hold."
else
    echo
    echo "Invariant checker after the run FAILED:"
    cat /tmp/pb-bench-invariants.txt
fi
