# Scenario "notifications": how fast the notification service turns order events into inbox
# rows (a backlog consumed after a restart, a live burst, a paced stream) with the
# event-to-inbox latency, then the unread badge read through the gateway from the Redis
# counter beside the same count made in MariaDB (the service restarted with
# PB_NOTIFICATION_UNREAD_FROM_DB=1, and the bare query through mariadb-slap).
# Each event is an order.paid of a new order: two notifications (owner and provider), the
# order view upserted, both recipients' languages looked up (cached after the first).
# shellcheck shell=bash
echo "==> notifications: preparing" >&2
BIN=${PB_BUILD_DIR:-$REPO/build/release}/bin
[[ -x $BIN/pb-event-burst ]] || { echo "no $BIN/pb-event-burst: build first" >&2; exit 1; }
export PB_NATS_URL=nats://127.0.0.1:$PB_NATS_PORT
BACKLOG=${PB_BENCH_NOTIFY_BACKLOG:-5000}
BURST=${PB_BENCH_NOTIFY_BURST:-2000}
RATE=${PB_BENCH_NOTIFY_RATE:-500}
PACED=$((RATE * ${PB_BENCH_NOTIFY_SECONDS:-10}))
stamp=$(date +%s)
otoken=$(bench_user "nbo$stamp" owner)
ptoken=$(bench_user "nbp$stamp" provider)
ltoken=$(bench_user "nbl$stamp" owner)
owner=$(api GET /api/v1/users/me "$otoken" | jq -r .id)
provider=$(api GET /api/v1/users/me "$ptoken" | jq -r .id)
light=$(api GET /api/v1/users/me "$ltoken" | jq -r .id)
[[ $owner =~ ^[0-9]+$ && $provider =~ ^[0-9]+$ && $light =~ ^[0-9]+$ ]] || { echo "could not make the bench users" >&2; exit 1; }
notification() { env "$@" "$REPO/scripts/stack.sh" service notification "${NOTIFY_ACTION:-restart}" >/dev/null; }
now_ms() { date +%s%3N; }
EVENT_ROWS=()

# stored NAME USER COUNT SINCE_MS [latency: 1|0]: wait until USER holds COUNT notifications
# of events published since SINCE_MS; one row (rate from the first to the last insert).
stored() {
    local name=$1 user=$2 n=$3 since=$4 lat=${5:-1} out rate nrate
    out=$("$BIN/pb-event-burst" wait "$user" "$n" "$since" 600) || { echo "waiting for $name failed" >&2; exit 1; }
    read -r _ got first last p50 p99 max <<<"$out"
    rate=$(awk -v n="$got" -v ms="$((last - first))" 'BEGIN { if (ms > 0) printf "%.0f", (n - 1) * 1000 / ms; else print "-" }')
    nrate=$([[ $rate == - ]] && echo - || echo $((rate * 2)))
    ((lat)) || p50=- p99=- max=-
    EVENT_ROWS+=("$name|$got|$rate|$nrate|$p50|$p99|$max")
    printf '  %-52s done: %s events/s\n' "$name" "$rate" >&2
}

# 1. a backlog: the service stopped while events pile up in the stream, then started
NOTIFY_ACTION=stop notification
since=$(now_ms)
"$BIN/pb-event-burst" publish "$owner" "$provider" "$BACKLOG" >/dev/null
NOTIFY_ACTION=start notification
stored "backlog of $BACKLOG events, consumed after a start" "$owner" "$BACKLOG" "$since" 0
# 2. a live burst, published as fast as JetStream acknowledges
since=$(now_ms)
"$BIN/pb-event-burst" publish "$owner" "$provider" "$BURST" >/dev/null
stored "live burst of $BURST events (latency includes queueing)" "$owner" "$BURST" "$since"
# 3. a steady stream well below capacity: the latency of one event
since=$(now_ms)
"$BIN/pb-event-burst" publish "$owner" "$provider" "$PACED" "$RATE" >/dev/null
stored "paced: $RATE events/s for $((PACED / RATE)) s" "$owner" "$PACED" "$since"
# a light inbox beside the heavy one
since=$(now_ms)
"$BIN/pb-event-burst" publish "$light" "$provider" 20 >/dev/null
"$BIN/pb-event-burst" wait "$light" 20 "$since" 60 >/dev/null
heavy=$(api GET /api/v1/notifications/unread-count "$otoken" | jq -r .unread)
echo "    owner inbox: $heavy unread; light inbox: $(api GET /api/v1/notifications/unread-count "$ltoken" | jq -r .unread) unread" >&2

echo
echo "### notifications: events into inboxes"
echo
echo "machine: $(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ); latency = notification row created_ms - event occurred_at"
echo
echo "| scenario | events | events/s | notifications/s | p50 ms | p99 ms | max ms |"
echo "|---|---:|---:|---:|---:|---:|---:|"
for row in "${EVENT_ROWS[@]}"; do
    IFS='|' read -r n c r nr p50 p99 mx <<<"$row"
    printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$n" "$c" "$r" "$nr" "$p50" "$p99" "$mx"
done

# 4. reads: the unread badge from Redis, then counted in MariaDB
wrk_row() { run_wrk "$@"; }
C=$PB_BENCH_CONNECTIONS
WRK_HEADER_AUTH=$otoken PB_BENCH_DURATION=3 wrk_row "(warm-up)" "$C" "$GW/api/v1/notifications/unread-count"
unset 'BENCH_RESULTS[-1]'
WRK_HEADER_AUTH=$otoken wrk_row "GET unread-count, $heavy unread, Redis counter" "$C" "$GW/api/v1/notifications/unread-count"
WRK_HEADER_AUTH=$ltoken wrk_row "GET unread-count, 20 unread, Redis counter" "$C" "$GW/api/v1/notifications/unread-count"
WRK_HEADER_AUTH=$otoken wrk_row "GET /notifications (first page of 20), $heavy in inbox" "$C" "$GW/api/v1/notifications"
notification PB_NOTIFICATION_UNREAD_FROM_DB=1
WRK_HEADER_AUTH=$otoken wrk_row "GET unread-count, $heavy unread, COUNT(*) in MariaDB" "$C" "$GW/api/v1/notifications/unread-count"
WRK_HEADER_AUTH=$ltoken wrk_row "GET unread-count, 20 unread, COUNT(*) in MariaDB" "$C" "$GW/api/v1/notifications/unread-count"
notification PB_NOTIFICATION_UNREAD_FROM_DB=0
export WRK_HEADER_AUTH=
# the bare query the MariaDB rows make, without HTTP: mariadb-slap as root over the socket
shards=$(mariadb --no-defaults -uroot --socket="$PB_HOME/mariadb/mysqld.sock" -N -B pb_notification \
    -e "SELECT v FROM schema_meta WHERE k = 'shards'")
slap() { # user label
    local k q out secs total=$((C * 150))
    k=$("$BIN/pb-event-burst" shard "$1" "$shards") || return 0
    q="SELECT COUNT(*) FROM notification_$k WHERE user_id = $1 AND is_read = 0"
    out=$(mariadb-slap --no-defaults -uroot --socket="$PB_HOME/mariadb/mysqld.sock" --create-schema=pb_notification \
        --query="$q" --concurrency="$C" --number-of-queries="$total" --iterations=1 2>&1) || return 0
    secs=$(awk '/Average number of seconds to run all queries/ { print $(NF-1) }' <<<"$out")
    BENCH_RESULTS+=("mariadb-slap: the COUNT(*) alone, $2 (no HTTP)|$C|$(awk -v t="$total" -v s="$secs" 'BEGIN { if (s > 0) printf "%.0f", t / s; else print 0 }')|-|-|0|$total")
}
slap "$owner" "$heavy unread"
slap "$light" "20 unread"
print_table "notifications: the unread badge and the inbox through the gateway"
