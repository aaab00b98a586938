# Scenario "saga": whole bookings, create -> pay -> sandbox decides -> signed webhook ->
# payment.succeeded through the outbox and JetStream -> the order's consumer -> paid.
# Reports flows per second, create->paid and decision->paid latencies, and the outbox
# relay's lag (from an event's insert to its publish), measured in the same run.
# shellcheck shell=bash
echo "==> saga: preparing" >&2
SEED_IDS=$PB_HOME/bench-listing-ids.txt
if [[ ! -s $SEED_IDS || $(wc -l <"$SEED_IDS") -lt 100 ]]; then
    PB_GATEWAY=$GW PB_USER_URL=http://127.0.0.1:$((PB_PORT_BASE + 1)) PB_BOARDING_URL=http://127.0.0.1:$((PB_PORT_BASE + 3)) \
        PB_INTERNAL_TOKEN_FILE=$PB_HOME/secrets/internal-token PB_SEED_PROVIDERS=5 \
        "$REPO/build/release/bin/pb-seed-listings" 100 4 >"$SEED_IDS"
fi
SAGA_LISTINGS=$PB_HOME/bench-saga-listings.txt
: >"$SAGA_LISTINGS"
for city in 北京 上海 广州 深圳 成都 杭州; do
    api GET "/api/v1/listings?city=$(jq -rn --arg c "$city" '$c|@uri')&species=dog&limit=100" | jq -r '.items[].id' >>"$SAGA_LISTINGS"
done
sort -u "$SAGA_LISTINGS" | head -100 >"$SAGA_LISTINGS.tmp" && mv "$SAGA_LISTINGS.tmp" "$SAGA_LISTINGS"
token=$(bench_user "sagaowner$(date +%s)" owner)
SAGA_PETS=$PB_HOME/bench-saga-pets.txt
: >"$SAGA_PETS"
for i in $(seq 1 200); do
    api POST /api/v1/pets "$token" "{\"name\":\"s$i\",\"species\":\"dog\",\"weight_kg\":3}" | jq -r .id >>"$SAGA_PETS"
done
run_saga() { # first day [workers] -> sets flows fps failures t50 t99 d50 d99
    local out
    out=$(PB_GATEWAY=$GW PB_BENCH_TOKEN=$token PB_BENCH_LISTINGS=$SAGA_LISTINGS PB_BENCH_PETS=$SAGA_PETS \
        "$REPO/build/release/bin/pb-bench-saga" "${2:-${PB_BENCH_SAGA_WORKERS:-16}}" "$PB_BENCH_DURATION" "$1")
    read -r _ flows fps failures <<<"$(grep '^FLOWS' <<<"$out")"
    read -r _ t50 t99 <<<"$(grep '^TOTAL' <<<"$out")"
    read -r _ d50 d99 <<<"$(grep '^DECIDE' <<<"$out")"
}
# the sandbox answers after 0 ms: what the platform itself adds between the gateway's
# decision and the order being paid
env PB_SANDBOX_DELAY_MIN_MS=0 PB_SANDBOX_DELAY_MAX_MS=0 "$REPO/scripts/stack.sh" service payment restart >/dev/null
since=$(($(date +%s) * 1000))
# one flow at a time: the latency the platform adds, without queueing for the 2 cores
run_saga 20 1
o_fps=$fps o_t50=$t50 o_t99=$t99 o_d50=$d50 o_d99=$d99
run_saga 30
z_fps=$fps z_flows=$flows z_failures=$failures z_t50=$t50 z_t99=$t99 z_d50=$d50 z_d99=$d99
# and as shipped: the sandbox waits 100-300 ms like a real provider would
"$REPO/scripts/stack.sh" service payment restart >/dev/null
run_saga 120
lag() { # database -> "p50 p99 max" of sent_ms - created_ms for this run's events, in ms
    mariadb --no-defaults -uroot --socket="$PB_HOME/mariadb/mysqld.sock" -N -B -e "
      SELECT sent_ms - created_ms FROM $1.outbox WHERE created_ms >= $since AND sent_ms IS NOT NULL
      ORDER BY 1" | awk '{v[NR]=$1} END {if (NR) printf "%d %d %d", v[int((NR-1)*0.5)+1], v[int((NR-1)*0.99)+1], v[NR]; else print "0 0 0"}'
}
read -r po50 po99 pomax <<<"$(lag pb_order)"
read -r pp50 pp99 ppmax <<<"$(lag pb_payment)"
echo
echo "### saga: book -> pay -> paid through the gateway, the payment callback and JetStream"
echo
echo "machine: $(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ), ${PB_BENCH_DURATION}s, ${PB_BENCH_SAGA_WORKERS:-16} concurrent flows"
echo
echo "| measure | value |"
echo "|---|---:|"
echo "| one flow at a time, sandbox answering at once: create -> paid p50 / p99 ms | $o_t50 / $o_t99 ($o_fps flows/s) |"
echo "| one flow at a time: sandbox decision -> order paid, p50 / p99 ms | $o_d50 / $o_d99 |"
echo "| whole bookings paid per second (create -> paid), sandbox answering at once | $z_fps ($z_flows in ${PB_BENCH_DURATION}s, $z_failures failed) |"
echo "| create -> paid, p50 / p99 ms, sandbox answering at once | $z_t50 / $z_t99 |"
echo "| sandbox decision -> order paid, p50 / p99 ms: callback, webhook, outbox, JetStream, consumer | $z_d50 / $z_d99 |"
echo "| whole bookings paid per second, sandbox waiting 100-300 ms like a provider | $fps ($flows in ${PB_BENCH_DURATION}s, $failures failed) |"
echo "| create -> paid, p50 / p99 ms, with that wait | $t50 / $t99 |"
echo "| sandbox decision -> order paid, p50 / p99 ms, with that wait | $d50 / $d99 |"
echo "| outbox relay lag, payment service: p50 / p99 / max ms | $pp50 / $pp99 / $ppmax |"
echo "| outbox relay lag, order service: p50 / p99 / max ms | $po50 / $po99 / $pomax |"
if PB_HOME=$PB_HOME "$REPO/scripts/check-invariants.sh" >/tmp/pb-bench-invariants.txt 2>&1; then
    echo
    echo "Invariant checker after the run: all invariants hold."
else
    echo
    echo "Invariant checker after the run FAILED:"
    cat /tmp/pb-bench-invariants.txt
fi
