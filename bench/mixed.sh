# Scenario "mixed": a realistic whole-platform mix through the gateway at 64 concurrent
# clients: 60 % search, 38.5 % listing detail, 0.5 % token refresh, 0.45 % authenticated
# reads (the unread badge, my orders), 0.05 % password logins, 0.5 % whole bookings (order ->
# payment -> sandbox -> paid), by tools/pb-load: requests per second, p50/p99 of every HTTP
# request, and its error accounting
# (a failed GET, a POST that failed after its retries with the same Idempotency-Key). It runs
# against the single-node bench stack and, with PB_BENCH_CLUSTER=1 and scripts/cluster.sh
# present, against the cluster in the same run. Each target gets published listings
# (pb-seed-listings), 20 owners with 5 pets each (pb-load setup), and after the load its
# booking ledger is checked against MariaDB (scripts/verify-ledger.sh).
# Beside it, in the same run, the reference: nginx proxying to a trivial upstream, wrk at the
# same 64 connections.
# Settings: PB_BENCH_MIXED_THREADS (64 clients), PB_BENCH_MIXED_MIX (the weights above),
# PB_BENCH_CLUSTER=1, PB_CLUSTER_HOME (/tmp/pb-bench-cluster), PB_CLUSTER_PORT_BASE (29080).
# shellcheck shell=bash
echo "==> mixed: preparing" >&2
MIXED_MIX=${PB_BENCH_MIXED_MIX:-search=60,detail=38.5,refresh=0.5,authed=0.45,login=0.05,booking=0.5}
MIXED_THREADS=${PB_BENCH_MIXED_THREADS:-64}
MIXED_BIN=${PB_BUILD_DIR:-build/release}
[[ $MIXED_BIN == /* ]] || MIXED_BIN=$REPO/$MIXED_BIN
MIXED_BIN=$MIXED_BIN/bin
MIXED_ROWS=()

# mixed_run NAME GATEWAY USER_URL BOARDING_URL INTERNAL_TOKEN_FILE STATE_DIR DB_SOCKET: seed,
# set up, load, verify, and add a row to MIXED_ROWS.
mixed_run() {
    local name=$1 gw=$2 user_url=$3 boarding_url=$4 token_file=$5 dir=$6 socket=$7
    local ids=$dir/bench-listing-ids.txt setup=$dir/mixed-setup.json out line check
    mkdir -p "$dir"
    if [[ ! -s $ids || $(wc -l <"$ids") -lt 100 ]]; then
        PB_GATEWAY=$gw PB_USER_URL=$user_url PB_BOARDING_URL=$boarding_url \
            PB_INTERNAL_TOKEN_FILE=$token_file PB_SEED_PROVIDERS=5 \
            "$MIXED_BIN/pb-seed-listings" 100 4 >"$ids"
    fi
    if ! "$MIXED_BIN/pb-load" setup --gateway "$gw" --out "$setup" --owners 20 --pets-per-owner 5 --listings 50 >&2; then
        MIXED_ROWS+=("$name|$MIXED_THREADS|-|-|-|-|-|-|pb-load setup failed")
        return
    fi
    out=$("$MIXED_BIN/pb-load" --gateway "$gw" --setup "$setup" --duration "$PB_BENCH_DURATION" \
        --threads "$MIXED_THREADS" --mix "$MIXED_MIX" --timeline "$dir/mixed-timeline.csv" \
        --ledger "$dir/mixed-ledger.jsonl" --report "$dir/mixed-report.json" 2>"$dir/mixed-summary.txt") || true
    line=$(grep '^PBLOAD' <<<"$out" | tail -1 || true)
    if [[ -z $line ]]; then
        echo "pb-load failed for $name:" >&2
        cat "$dir/mixed-summary.txt" >&2
        MIXED_ROWS+=("$name|$MIXED_THREADS|-|-|-|-|-|-|pb-load failed")
        return
    fi
    # PBLOAD ops= rps= p50= p99= failed_idempotent= posts_failed= posts_retried= bookings_ok= ...
    local rps=0 p50=0 p99=0 fidem=0 pfailed=0 pretried=0 bok=0 bbiz=0 bstuck=0 bfailed=0 kv
    for kv in $line; do
        case $kv in
            rps=*) rps=${kv#*=} ;; p50=*) p50=${kv#*=} ;; p99=*) p99=${kv#*=} ;;
            failed_idempotent=*) fidem=${kv#*=} ;; posts_failed=*) pfailed=${kv#*=} ;;
            posts_retried=*) pretried=${kv#*=} ;; bookings_ok=*) bok=${kv#*=} ;;
            bookings_business=*) bbiz=${kv#*=} ;; bookings_stuck=*) bstuck=${kv#*=} ;;
            bookings_failed=*) bfailed=${kv#*=} ;;
        esac
    done
    if "$REPO/scripts/verify-ledger.sh" --ledger "$dir/mixed-ledger.jsonl" --socket "$socket" \
        >"$dir/mixed-verify.txt" 2>&1; then
        check="all hold"
    else
        check="FAILED (see $dir/mixed-verify.txt)"
        cat "$dir/mixed-verify.txt" >&2
    fi
    local pct
    pct=$(awk -v a="$rps" -v b="${ref_rps:-0}" 'BEGIN { if (b > 0) printf "%.0f %%", 100 * a / b; else print "-" }')
    MIXED_ROWS+=("$name|$MIXED_THREADS|${rps%.*} ($pct)|$p50|$p99|$fidem|$pfailed ($pretried)|$bok / $((bok + bbiz + bstuck + bfailed)) ($bstuck stuck)|$check")
    printf '  %-46s done: %s req/s\n' "mixed, $name" "${rps%.*}" >&2
}

BENCH_RESULTS=()
run_wrk "reference" "$MIXED_THREADS" "$GW/bench/proxied"
IFS='|' read -r _ _ ref_rps _ ref_p99 _ _ <<<"${BENCH_RESULTS[0]}"
mixed_run "single node" "$GW" "http://127.0.0.1:$((PB_PORT_BASE + 1))" "http://127.0.0.1:$((PB_PORT_BASE + 3))" \
    "$PB_HOME/secrets/internal-token" "$PB_HOME" "$PB_HOME/mariadb/mysqld.sock"

# The cluster: started here, measured with the same load, stopped again (PB_BENCH_KEEP=1 keeps
# it). scripts/cluster.sh runs without the single stack's PB_HOME and ports in its environment
# (it would fall back to them); `scripts/cluster.sh env` names its gateway, the internal
# load-balanced addresses of the user and boarding services (pb-seed-listings' approvals),
# the internal token and Galera node 1's socket.
mixed_cluster_note=""
if [[ ${PB_BENCH_CLUSTER:-0} != 1 ]]; then
    mixed_cluster_note="cluster: skipped (set PB_BENCH_CLUSTER=1 to measure the cluster in the same run)"
else
    export PB_CLUSTER_HOME=${PB_CLUSTER_HOME:-/tmp/pb-bench-cluster}
    export PB_CLUSTER_PORT_BASE=${PB_CLUSTER_PORT_BASE:-29080}
    mixed_cluster() {
        env -u PB_HOME -u PB_PORT_BASE -u PB_DB_PORT -u PB_REDIS_PORT -u PB_NATS_PORT -u PB_NATS_MONITOR_PORT \
            "$REPO/scripts/cluster.sh" "$@"
    }
    echo "    starting the cluster in $PB_CLUSTER_HOME (gateway port $PB_CLUSTER_PORT_BASE)..." >&2
    if mixed_cluster up >/tmp/pb-bench-cluster-up.log 2>&1; then
        declare -A cenv=()
        while IFS='=' read -r k v; do [[ -z $k ]] || cenv[$k]=$v; done < <(mixed_cluster env)
        mixed_run "cluster" "${cenv[PB_GATEWAY]:-http://127.0.0.1:$PB_CLUSTER_PORT_BASE}" \
            "${cenv[PB_USER_URL]:-http://127.0.0.1:$((PB_CLUSTER_PORT_BASE + 21))}" \
            "${cenv[PB_BOARDING_URL]:-http://127.0.0.1:$((PB_CLUSTER_PORT_BASE + 23))}" \
            "${cenv[PB_INTERNAL_TOKEN_FILE]:-$PB_CLUSTER_HOME/secrets/internal-token}" "$PB_CLUSTER_HOME" \
            "${cenv[PB_DB_SOCKET]:-$PB_CLUSTER_HOME/mariadb/mysqld.sock}"
    else
        tail -40 /tmp/pb-bench-cluster-up.log >&2
        mixed_cluster_note="cluster: FAILED to start (see /tmp/pb-bench-cluster-up.log)"
    fi
    [[ ${PB_BENCH_KEEP:-0} == 1 ]] || mixed_cluster down >/dev/null 2>&1 || true
fi

echo
echo "### mixed: the whole platform ($MIXED_MIX), through the gateway"
echo
echo "machine: $(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ), ${PB_BENCH_DURATION}s per row, pb-load closed loop"
echo "(req/s counts every HTTP request, a booking's payment, sandbox and polls included; p50/p99"
echo "of single requests). Reference in the same run: nginx -> trivial upstream, wrk -c$MIXED_THREADS:"
echo "$ref_rps req/s, p99 $ref_p99 ms."
echo
echo "| target | clients | req/s (of reference) | p50 ms | p99 ms | failed idempotent | POSTs failed (retried) | bookings ok / attempted | ledger check |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---|"
for row in "${MIXED_ROWS[@]}"; do
    IFS='|' read -r n t rps p50 p99 fidem pf bk ck <<<"$row"
    printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$n" "$t" "$rps" "$p50" "$p99" "$fidem" "$pf" "$bk" "$ck"
done
[[ -z $mixed_cluster_note ]] || { echo; echo "$mixed_cluster_note"; }
