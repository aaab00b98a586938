#!/usr/bin/env bash
# make test-cluster: failover under load. Starts a throwaway cluster (scripts/cluster.sh: two
# instances of every service behind nginx, 3 Galera nodes, Redis with a replica and 3
# Sentinels, 3 NATS nodes), puts a steady mixed load on it through the gateway (tools/pb-load:
# search, detail, login, and whole bookings: order, payment, sandbox decision, paid), and then,
# one after the other, kill -9 one instance of every service, the Galera node the services
# write to, the Redis primary and the NATS node leading the event stream, restarting each and
# waiting until it has rejoined. Asserts:
#   - no idempotent request (GET) failed, as the clients saw it;
#   - no POST failed for good: a POST caught by a kill may get the gateway's 503, and its retry
#     with the same Idempotency-Key then succeeds (counted as "retried");
#   - no booking stuck, lost or duplicated (the load's ledger checked against MariaDB), and the
#     platform's invariant checker clean once the events have drained;
#   - every killed process rejoined (Galera synced with 3 nodes, Redis replicating, NATS healthy,
#     instances ready).
# Writes a report (per fault: client-visible errors, retried POSTs, time to recover) to
# $PB_CLUSTER_HOME/failover-report.md and prints it. The cluster runs the release build.
#
# Settings: PB_CLUSTER_PORT_BASE (19080), PB_CLUSTER_HOME (a new folder in /tmp),
# PB_FAILOVER_DOWN_S (5: how long a killed process stays down), PB_FAILOVER_SETTLE_S (4),
# PB_FAILOVER_THREADS (6), PB_FAILOVER_KEEP=1 (leave the cluster running afterwards).
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$REPO"

export PB_CLUSTER_PORT_BASE=${PB_CLUSTER_PORT_BASE:-19080}
made_home=0
if [[ -z ${PB_CLUSTER_HOME:-} ]]; then
    PB_CLUSTER_HOME=$(mktemp -d /tmp/pb-cluster.XXXXXX)
    made_home=1
fi
export PB_CLUSTER_HOME
# a cluster of its own: nothing recorded by another stack may leak in
unset PB_HOME PB_PORT_BASE PB_DB_PORT PB_REDIS_PORT PB_NATS_PORT PB_NATS_MONITOR_PORT PB_MEDIA_DIR
export PB_DEMO_DATA=1 PB_LOG_LEVEL=${PB_LOG_LEVEL:-info} PB_PROMETHEUS=${PB_PROMETHEUS:-1}
export PB_ADMIN_USER=admin PB_ADMIN_PASSWORD=${PB_ADMIN_PASSWORD:-Adm$(openssl rand -hex 8)x9}
# the load logs in now and then: the gateway's per-address limit is not what is tested here
export PB_AUTH_RATE=1000 PB_AUTH_BURST=1000
# nor the open orders per owner: the load's 20 owners have over a thousand paid bookings
export PB_ORDER_MAX_OPEN_PER_OWNER=1000000
DOWN_S=${PB_FAILOVER_DOWN_S:-5}
SETTLE_S=${PB_FAILOVER_SETTLE_S:-4}
THREADS=${PB_FAILOVER_THREADS:-6}
B=$PB_CLUSTER_PORT_BASE
GW=http://127.0.0.1:$B
BIN=$REPO/build/release/bin
OUT=$PB_CLUSTER_HOME/failover
mkdir -p "$OUT"
CL=("$REPO/scripts/cluster.sh")

say() { printf '==> %s\n' "$*"; }
now_ms() { date +%s%3N; }
# shellcheck source=tests/cluster/verdict.sh
source "$REPO/tests/cluster/verdict.sh"

finish() {
    local rc=$?
    [[ -f $OUT/stop ]] || touch "$OUT/stop"
    if [[ ${PB_FAILOVER_KEEP:-0} == 1 ]]; then
        say "cluster left running in $PB_CLUSTER_HOME (scripts/cluster.sh down with PB_CLUSTER_HOME set stops it)"
    else
        "${CL[@]}" down >/dev/null 2>&1 || true
    fi
    if ((rc != 0)); then
        echo "==> FAILED; the cluster's files are kept in $PB_CLUSTER_HOME" >&2
        tail -n 30 "$PB_CLUSTER_HOME"/services/*.log 2>/dev/null | grep -E '"level":"(error|warn)"' | tail -40 >&2 || true
    elif ((made_home)) && [[ ${PB_FAILOVER_KEEP:-0} != 1 ]]; then
        cp "$OUT/report.md" "/tmp/pb-failover-report.md" 2>/dev/null || true
        rm -rf "$PB_CLUSTER_HOME"
    fi
    exit "$rc"
}
trap finish EXIT

say "release build"
scripts/deps.sh
cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release -DPB_BUILD_TESTS=OFF >/dev/null
cmake --build build/release -j2 >/dev/null

say "cluster up in $PB_CLUSTER_HOME (ports $B..$((B + 99)))"
t0=$(now_ms)
PB_SKIP_BUILD=1 "${CL[@]}" up >"$OUT/up.log" 2>&1 || {
    tail -40 "$OUT/up.log"
    exit 1
}
echo "    up in $((($(now_ms) - t0) / 1000)) s"
eval "$("${CL[@]}" env | sed 's/^/export /')"

say "data: listings, owners, pets"
PB_GATEWAY=$GW PB_SEED_PROVIDERS=5 "$BIN/pb-seed-listings" 60 4 >"$OUT/listings.txt" 2>"$OUT/seed.log" || {
    tail -20 "$OUT/seed.log"
    exit 1
}
"$BIN/pb-load" setup --gateway "$GW" --out "$OUT/setup.json" --owners 20 --pets-per-owner 8 --listings 60 \
    >"$OUT/setup.log" 2>&1 || {
    tail -20 "$OUT/setup.log"
    exit 1
}

say "near cache: a write on one boarding instance is seen by the other"
tests/cluster/near-coherence.sh

# The faults, in order: one instance of every service (alternating 1 and 2), then the
# infrastructure at its most painful spot.
galera_in_use() { # the node the services write to: the one with the most client connections
    local n best=1 most=-1 c
    for n in 1 2 3; do
        c=$(mariadb --no-defaults -uroot --socket="$PB_CLUSTER_HOME/$([[ $n == 1 ]] && echo mariadb || echo "mariadb$n")/mysqld.sock" \
            -N -B -e "SELECT COUNT(*) FROM information_schema.processlist WHERE user LIKE 'pb\\_%'" 2>/dev/null || echo -1)
        ((c > most)) && most=$c best=$n
    done
    echo "galera-$best"
}
nats_stream_leader() {
    local n leader
    for n in 1 2 3; do
        leader=$(curl -s -m 2 "http://127.0.0.1:$((B + 78 + n))/jsz?streams=true" |
            jq -r '.account_details[]?.stream_detail[]? | select(.name=="PETBOARDING") | .cluster.leader // empty' 2>/dev/null | head -1)
        [[ -n $leader ]] && break
    done
    echo "nats-${leader##pb-n}"
}

faults=()
i=0
mapfile -t services < <(grep -E '^[a-z][a-z0-9_]*$' services.list)
for s in "${services[@]}"; do
    faults+=("$s-$((i % 2 + 1))")
    i=$((i + 1))
done
faults+=(galera redis-primary nats-leader)

say "load: $THREADS threads through $GW"
"$BIN/pb-load" --gateway "$GW" --duration 3600 --threads "$THREADS" \
    --mix search=45,detail=40,login=2,booking=13 --setup "$OUT/setup.json" \
    --timeline "$OUT/timeline.csv" --ledger "$OUT/ledger.jsonl" --report "$OUT/report.json" \
    --stop-file "$OUT/stop" >"$OUT/load.out" 2>"$OUT/load.err" &
load_pid=$!
sleep 8 # a steady state before the first fault

: >"$OUT/faults.tsv"
for f in "${faults[@]}"; do
    case $f in
        galera) c=$(galera_in_use) ;;
        nats-leader) c=$(nats_stream_leader) ;;
        redis-primary) c=redis-$(redis-cli -h 127.0.0.1 -p $((B + 62)) SENTINEL get-master-addr-by-name pbmaster |
            sed -n 2p | awk -v b=$((B + 59)) '{print $1 - b}') ;;
        *) c=$f ;;
    esac
    [[ $c =~ -[0-9]$ ]] || {
        echo "cannot tell which process is $f (got '$c')" >&2
        exit 1
    }
    say "fault: kill -9 $c ($f)"
    kill_ms=$(now_ms)
    "${CL[@]}" kill "$c"
    sleep "$DOWN_S"
    start_ms=$(now_ms)
    "${CL[@]}" start "$c" >/dev/null
    "${CL[@]}" wait "$c" >/dev/null
    back_ms=$(now_ms)
    echo "    down $(((start_ms - kill_ms) / 1000)) s, rejoined $(((back_ms - start_ms) / 100))00 ms after its restart"
    pb_fault_done "$f" "$c" "$kill_ms" "$start_ms" "$back_ms"
done

pb_load_stop "$load_pid"

say "waiting for the events to drain"
# every outbox empty and every consumer caught up (nothing pending, nothing unacknowledged)
drained() {
    local pending
    pending=$(mariadb --no-defaults -uroot --socket="$PB_DB_SOCKET" -N -B -e "
        SELECT COALESCE(SUM(n), 0) FROM (
          $(for db in pb_user pb_boarding pb_order pb_payment pb_review; do
            echo "SELECT COUNT(*) n FROM $db.outbox WHERE sent_ms IS NULL UNION ALL"
        done) SELECT 0) x") || return 1
    ((pending == 0)) || return 1
    local lag
    lag=$(curl -s -m 2 "http://127.0.0.1:$((B + 79))/jsz?consumers=true" |
        jq '[.account_details[]?.stream_detail[]?.consumer_detail[]? | .num_pending + .num_ack_pending] | add // 0')
    [[ $lag == 0 ]]
}
pb_wait_drained

say "invariants"
PB_HOME=$PB_CLUSTER_HOME PB_DB_PORT=$((B + 41)) scripts/check-invariants.sh | tee "$OUT/invariants.txt"
inv_rc=${PIPESTATUS[0]}

say "ledger against MariaDB"
ledger_rc=0
scripts/verify-ledger.sh --ledger "$OUT/ledger.jsonl" --socket "$PB_DB_SOCKET" >"$OUT/verify.txt" 2>&1 || ledger_rc=1
cat "$OUT/verify.txt"

say "every process back"
"${CL[@]}" status | tee "$OUT/status.txt"
status_rc=0
grep -vE '^COMPONENT|^prometheus' "$OUT/status.txt" | grep -vq ' alive ' && status_rc=1
[[ $(grep -c 'synced, cluster size 3' "$OUT/status.txt") == 3 ]] || status_rc=1
grep -q ' master$' "$OUT/status.txt" && grep -q ' slave$' "$OUT/status.txt" || status_rc=1

prom_rc=0
# shellcheck disable=SC1091 # the service list of scripts/common.sh: two instances of each
want_up=$(source "$REPO/scripts/common.sh" && echo $((2 * ${#PB_SERVICES[@]})))
if [[ $PB_PROMETHEUS == 1 ]]; then
    say "Prometheus scrapes every instance"
    pb_prometheus_up "http://127.0.0.1:$((B + 90))" "$want_up" || prom_rc=1
fi

pb_failover_verdict "$inv_rc" "$ledger_rc" "$status_rc" "$prom_rc" process
