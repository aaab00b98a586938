#!/usr/bin/env bash
# make test-containers: the container path, for real. Builds the images (scripts/images.sh),
# brings a throwaway Compose cluster up with podman (scripts/compose.sh: project pbtest, its own
# secrets, gateway on 127.0.0.1:17080), then:
#   1. the images: each runs as a non-root user, has a health check and holds no secret file;
#      every container's processes run as non-root users; the sizes are printed;
#   2. the whole stay through the cluster's gateway: the demo data (scripts/seed-demo.sh) and the
#      guided tour (scripts/demo.sh: book, pay, accept, check in, care log, check out, review,
#      reply, notifications), each step asserting its status;
#   3. under a steady mixed load (tools/pb-load: search, detail, whole bookings with
#      Idempotency-Keys), kill -9 the main process of one service container (order-1, on the
#      money path) and of the database container the services write to (galera-1); each must
#      be restarted by its restart policy (unless-stopped) and become healthy again;
#      the same assertions as the process-level cluster test (tests/cluster/run.sh): no GET
#      failed, every POST caught by a kill succeeded on its keyed retry, the load's ledger
#      matches MariaDB, the invariant checker is clean once the events drained, every
#      container is healthy again and Prometheus scrapes every instance;
# and tears everything down (containers and volumes). The report goes to
# $PB_CONTAINERS_HOME/failover/report.md.
#
# Settings: PB_CONTAINERS_PORT (17080: gateway; +1 and +3 its internal user and boarding
# listeners, +41 a Galera node's MariaDB, +90 Prometheus; all on 127.0.0.1), PB_CONTAINERS_SKIP_IMAGES=1 (use the images
# as they are), PB_CONTAINERS_KEEP=1 (leave the cluster running), PB_FAILOVER_SETTLE_S (4),
# PB_FAILOVER_THREADS (6).
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$REPO"

P=${PB_CONTAINERS_PORT:-17080}
SETTLE_S=${PB_FAILOVER_SETTLE_S:-4}
THREADS=${PB_FAILOVER_THREADS:-6}
HOME_DIR=${PB_CONTAINERS_HOME:-$(mktemp -d /tmp/pb-containers.XXXXXX)}
OUT=$HOME_DIR/failover
mkdir -p "$OUT"
export PB_COMPOSE_PROJECT=pbtest
export PB_SECRETS_DIR=$HOME_DIR/secrets
export PB_GATEWAY_PUBLISH=127.0.0.1:$P
export PB_PROMETHEUS_PUBLISH=127.0.0.1:$((P + 90))
export PB_COMPOSE_FILES=$HOME_DIR/override.yml
export PB_FAILOVER_SETTLE_S=$SETTLE_S
export PB_DEMO_DATA=0 # loaded below, as a checked step
GW=http://127.0.0.1:$P
BIN=$REPO/build/release/bin
CO=("$REPO/scripts/compose.sh")
PROJECT=$PB_COMPOSE_PROJECT

say() { printf '==> %s\n' "$*"; }
now_ms() { date +%s%3N; }
fail() {
    echo "FAIL: $*" >&2
    exit 1
}
ctr() { echo "${PROJECT}_$1_1"; } # docker-compose's container name of a service
# shellcheck source=tests/cluster/verdict.sh
source "$REPO/tests/cluster/verdict.sh"

finish() {
    local rc=$?
    [[ -f $OUT/stop ]] || touch "$OUT/stop"
    if ((rc != 0)); then
        echo "==> FAILED; files in $HOME_DIR" >&2
        "${CO[@]}" status >&2 2>/dev/null || true
        for c in gateway order-1 galera-1; do
            echo "---- last lines of $c ----" >&2
            podman logs --tail 15 "$(ctr "$c")" >&2 2>/dev/null || true
        done
        # every container's own log, kept with the run's files (the containers go away below)
        mkdir -p "$HOME_DIR/logs"
        local name
        for name in $(podman ps -a --format '{{.Names}}' 2>/dev/null | grep "^${PROJECT}_" || true); do
            podman logs --tail 300 "$name" >"$HOME_DIR/logs/$name.log" 2>&1 || true
        done
        echo "    the containers' logs: $HOME_DIR/logs" >&2
    fi
    if [[ ${PB_CONTAINERS_KEEP:-0} == 1 ]]; then
        say "cluster left running (PB_COMPOSE_PROJECT=$PROJECT scripts/compose.sh down -v stops it)"
    else
        "${CO[@]}" down -v >/dev/null 2>&1 || true
        ((rc == 0)) && rm -rf "$HOME_DIR"
    fi
    exit "$rc"
}
trap finish EXIT

if [[ ${PB_CONTAINERS_SKIP_IMAGES:-0} != 1 ]]; then
    say "images (scripts/images.sh)"
    t0=$SECONDS
    scripts/images.sh | tee "$OUT/images.txt" | grep -E '^(==>|IMAGE|pb-debian|petboarding)' || fail "the images did not build"
    echo "    built in $((SECONDS - t0)) s"
fi

say "release build of the load tools"
scripts/deps.sh >/dev/null
cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release -DPB_BUILD_TESTS=OFF >/dev/null
cmake --build build/release -j2 --target pb-load pb-seed-listings >/dev/null

# The test's own settings on top of deploy/compose/docker-compose.yml: a gateway configuration
# rendered with a high login rate (the load comes from one address) and two of its internal
# listeners published on loopback (the approvals of pb-seed-listings), one Galera node's MariaDB
# published on loopback for the checks, and no open-order limit
# (the load's 20 owners make hundreds of paid bookings each).
PB_AUTH_RATE=1000 PB_AUTH_BURST=1000 deploy/render-gateway.sh --to "$HOME_DIR/gw" >/dev/null
cat >"$PB_COMPOSE_FILES" <<YML
version: "3.8"
services:
  gateway:
    # the internal listeners of user and boarding: pb-seed-listings approves what it makes
    ports: ["127.0.0.1:$((P + 1)):8081", "127.0.0.1:$((P + 3)):8083"]
    volumes:
      - {type: bind, source: $HOME_DIR/gw/compose/nginx.conf, target: /etc/nginx/nginx.conf, read_only: true}
  galera-2:
    ports: ["127.0.0.1:$((P + 41)):3306"]
  order-1:
    environment: {PB_ORDER_MAX_OPEN_PER_OWNER: "1000000"}
  order-2:
    environment: {PB_ORDER_MAX_OPEN_PER_OWNER: "1000000"}
YML

say "compose up ($PROJECT, gateway $GW)"
t0=$SECONDS
"${CO[@]}" up | tee "$OUT/up.log" | sed 's/^/    /' || fail "the cluster did not come up"
echo "    up in $((SECONDS - t0)) s"
"${CO[@]}" status >"$OUT/containers.txt"
n_up=$(grep -c $'\tUp ' "$OUT/containers.txt" || true)
echo "    $n_up containers running"

say "images: non-root, health checks, no secrets"
images=(petboarding petboarding-media petboarding-gateway petboarding-mariadb petboarding-redis petboarding-nats petboarding-prometheus)
for img in "${images[@]}"; do
    user=$(podman image inspect --format '{{.Config.User}}' "$img:latest")
    hc=$(podman image inspect --format '{{if .Config.Healthcheck}}{{join .Config.Healthcheck.Test " "}}{{end}}' "$img:latest")
    size=$(podman image inspect --format '{{.Size}}' "$img:latest" | awk '{printf "%.0f MB", $1 / 1e6}')
    [[ -n $user && $user != root && $user != 0 && $user != 0:* ]] || fail "$img runs as root (User '$user')"
    [[ -n $hc ]] || fail "$img has no HEALTHCHECK"
    found=$(podman run --rm --user 0 --entrypoint find "$img:latest" / -xdev \
        \( -path /proc -o -path /sys \) -prune -o -type f \( -name '*.pw' -o -name 'jwt-*.pem' \
        -o -name internal-token -o -name webhook-secret -o -name admin-password \) -print 2>/dev/null || true)
    [[ -z $found ]] || fail "$img holds secret files: $found"
    printf '    %-24s user %-14s %-8s health: %s\n' "$img" "$user" "$size" "${hc#CMD }"
done
# what runs in each container, as which user (podman top: the processes' effective users)
while read -r name; do
    users=$(podman top "$name" user 2>/dev/null | tail -n +2 | sort -u | tr '\n' ' ')
    [[ -n $users ]] || continue
    [[ " $users " != *" root "* ]] || fail "$name runs a process as root ($users)"
done < <(podman ps --filter "label=com.docker.compose.project=$PROJECT" --format '{{.Names}}')
echo "    every process of every container runs as a non-root user"

ADMIN_PW=$(cat "$PB_SECRETS_DIR/admin-password")
export MYSQL_PWD
MYSQL_PWD=$(cat "$PB_SECRETS_DIR/db-root.pw")
export PB_MARIADB_TCP=127.0.0.1:$((P + 41)) PB_HOME=$HOME_DIR
# shellcheck source-path=SCRIPTDIR/../../scripts source=../../scripts/common.sh
source scripts/common.sh

say "a whole stay through the gateway (scripts/seed-demo.sh, scripts/demo.sh)"
PB_GATEWAY=$GW PB_ADMIN_PASSWORD=$ADMIN_PW scripts/seed-demo.sh >"$OUT/seed-demo.log" 2>&1 || {
    tail -20 "$OUT/seed-demo.log"
    fail "the demo data did not load through the cluster's gateway"
}
PB_GATEWAY=$GW PB_DEMO_PAUSE=0 scripts/demo.sh >"$OUT/demo.log" 2>&1 || {
    tail -30 "$OUT/demo.log"
    fail "the whole stay failed"
}
grep -E '^(==>|\[)' "$OUT/demo.log" | tail -5 | sed 's/^/    /' || true
# the web app is in the gateway image
grep -q '<div id="app"' <<<"$(curl -fsS -m 5 "$GW/")" || fail "the gateway does not serve the web app at /"
curl -fsS -m 5 -o /dev/null "$GW/docs/openapi.yaml" || fail "the gateway does not serve /docs/openapi.yaml"
echo "    the stay completed; the web app and the API documents are served"

say "data for the load: listings, owners, pets"
PB_GATEWAY=$GW PB_SEED_PROVIDERS=5 PB_USER_URL=http://127.0.0.1:$((P + 1)) \
    PB_BOARDING_URL=http://127.0.0.1:$((P + 3)) PB_INTERNAL_TOKEN_FILE=$PB_SECRETS_DIR/internal-token \
    "$BIN/pb-seed-listings" 60 4 >"$OUT/listings.txt" 2>"$OUT/seed.log" || {
    tail -20 "$OUT/seed.log"
    fail "pb-seed-listings"
}
"$BIN/pb-load" setup --gateway "$GW" --out "$OUT/setup.json" --owners 20 --pets-per-owner 8 --listings 60 \
    >"$OUT/setup.log" 2>&1 || {
    tail -20 "$OUT/setup.log"
    fail "pb-load setup"
}

say "load: $THREADS threads through $GW"
"$BIN/pb-load" --gateway "$GW" --duration 3600 --threads "$THREADS" \
    --mix search=45,detail=40,booking=15 --setup "$OUT/setup.json" \
    --timeline "$OUT/timeline.csv" --ledger "$OUT/ledger.jsonl" --report "$OUT/report.json" \
    --stop-file "$OUT/stop" >"$OUT/load.out" 2>"$OUT/load.err" &
load_pid=$!
sleep 8

healthy() { [[ $(podman inspect --format '{{.State.Health.Status}}' "$(ctr "$1")" 2>/dev/null) == healthy ]]; }

: >"$OUT/faults.tsv"
for c in order-1 galera-1; do
    say "fault: kill -9 the main process of container $c"
    restarts=$(podman inspect --format '{{.RestartCount}}' "$(ctr "$c")")
    kill_ms=$(now_ms)
    kill -9 "$(podman inspect --format '{{.State.Pid}}' "$(ctr "$c")")"
    # restart: unless-stopped brings it back by itself (podman counts the restart)
    for ((i = 0; i < 60; i++)); do
        [[ $(podman inspect --format '{{.State.Running}} {{.RestartCount}}' "$(ctr "$c")") == "true $((restarts + 1))" ]] && break
        sleep 0.5
    done
    [[ $(podman inspect --format '{{.RestartCount}}' "$(ctr "$c")") == $((restarts + 1)) ]] ||
        fail "$c was not restarted by its restart policy within 30 s"
    start_ms=$(now_ms)
    for ((i = 0; i < 240; i++)); do
        healthy "$c" && break
        sleep 0.5
    done
    healthy "$c" || fail "$c is not healthy 120 s after its restart"
    back_ms=$(now_ms)
    echo "    restarted by podman after $(((start_ms - kill_ms) / 100))00 ms, healthy $(((back_ms - start_ms) / 100))00 ms later"
    pb_fault_done "$c" "$c" "$kill_ms" "$start_ms" "$back_ms"
done

pb_load_stop "$load_pid"

say "waiting for the events to drain"
nats_get() { podman exec "$(ctr "nats-$1")" wget -qO- "http://127.0.0.1:8222/$2"; } # node, path
drained() {
    local pending lag
    pending=$(pb_mariadb -N -B -e "
        SELECT (SELECT COUNT(*) FROM pb_user.outbox WHERE sent_ms IS NULL)
             + (SELECT COUNT(*) FROM pb_boarding.outbox WHERE sent_ms IS NULL)
             + (SELECT COUNT(*) FROM pb_order.outbox WHERE sent_ms IS NULL)
             + (SELECT COUNT(*) FROM pb_payment.outbox WHERE sent_ms IS NULL)
             + (SELECT COUNT(*) FROM pb_review.outbox WHERE sent_ms IS NULL)") || return 1
    ((pending == 0)) || return 1
    # each consumer as its leader sees it (a follower's count of pending messages lags)
    local n me c
    lag=0
    for n in 1 2 3; do
        me=$(nats_get "$n" varz | jq -r .server_name) || return 1
        c=$(nats_get "$n" 'jsz?consumers=true' | jq --arg me "$me" '[.account_details[]?.stream_detail[]?.consumer_detail[]?
            | select((.cluster.leader // $me) == $me) | .num_pending + .num_ack_pending] | add // 0') || return 1
        lag=$((lag + c))
    done
    [[ $lag == 0 ]]
}
pb_wait_drained

say "invariants"
inv_rc=0
scripts/check-invariants.sh | tee "$OUT/invariants.txt" || inv_rc=1

say "ledger against MariaDB"
ledger_rc=0
scripts/verify-ledger.sh --ledger "$OUT/ledger.jsonl" >"$OUT/verify.txt" 2>&1 || ledger_rc=1
cat "$OUT/verify.txt"

say "every container healthy again"
status_rc=0
for ((i = 0; i < 60; i++)); do
    "${CO[@]}" status >"$OUT/status.txt"
    bad=$(grep -vE '\(healthy\)|Exited \(0\)' "$OUT/status.txt" || true)
    [[ -z $bad ]] && break
    sleep 2
done
[[ -z $bad ]] || {
    echo "$bad" >&2
    status_rc=1
}
echo "    $(grep -c '(healthy)' "$OUT/status.txt") containers healthy, $(grep -c 'Exited (0)' "$OUT/status.txt") jobs done"
galera_size=$(pb_mariadb -N -B -e "SHOW STATUS LIKE 'wsrep_cluster_size'" | awk '{print $2}')
echo "    Galera cluster size $galera_size"
[[ $galera_size == 3 ]] || status_rc=1

prom_rc=0
pb_prometheus_up "http://127.0.0.1:$((P + 90))" "$((2 * $(grep -cE '^[a-z][a-z0-9_]*$' services.list)))" || prom_rc=1

pb_failover_verdict "$inv_rc" "$ledger_rc" "$status_rc" "$prom_rc" container
