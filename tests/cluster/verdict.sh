# shellcheck shell=bash
# Shared by the failover tests (tests/cluster/run.sh, tests/containers/run.sh): the end of a
# run, the same for processes and containers. Sourced; uses say() and the caller's $OUT and
# $SETTLE_S.

# pb_prometheus_up URL WANT: wait up to 45 s (a few scrape intervals after the last restart)
# until Prometheus at URL sees WANT instances of job petboarding up; 1 if it never does.
pb_prometheus_up() {
    local url=$1 want=$2 up=0 i
    for ((i = 0; i < 45; i++)); do
        up=$(curl -s -m 2 "$url/api/v1/query?query=sum(up%7Bjob%3D%22petboarding%22%7D)" |
            jq -r '.data.result[0].value[1] // 0')
        [[ $up == "$want" ]] && break
        sleep 1
    done
    echo "    $up of $want instances up in Prometheus"
    [[ $up == "$want" ]]
}

# pb_failover_verdict INV LEDGER STATUS PROM WHAT: writes the report of $OUT
# (tests/cluster/report.py) and fails with the first check that did not hold (each argument
# is a check's exit status; WHAT names what was killed: "process", "container")
pb_failover_verdict() {
    local report_rc
    say "report"
    python3 "$(dirname "${BASH_SOURCE[0]}")/report.py" "$OUT" | tee "$OUT/report.md"
    report_rc=${PIPESTATUS[0]}
    local -a checks=("$1:the invariant checker found problems" "$2:the load's ledger does not match MariaDB"
        "$3:not every killed $5 is back and healthy" "$4:Prometheus does not see every instance up"
        "$report_rc:clients saw failures (see the report)")
    local c
    for c in "${checks[@]}"; do
        [[ ${c%%:*} == 0 ]] || {
            echo "FAIL: ${c#*:}" >&2
            exit 1
        }
    done
    say "all failover tests passed"
}

# pb_fault_done NAME COMPONENT KILL_MS START_MS BACK_MS: one fault's times into
# $OUT/faults.tsv (report.py reads them), then $SETTLE_S seconds of steady load
pb_fault_done() {
    printf '%s\t%s\t%s\t%s\t%s\n' "$@" >>"$OUT/faults.tsv"
    sleep "$SETTLE_S"
}

# pb_load_stop PID: stop the load through its stop file, wait for it, print its summary
pb_load_stop() {
    say "stopping the load"
    touch "$OUT/stop"
    wait "$1" || true
    cat "$OUT/load.out"
}

# pb_wait_drained: up to 120 s for the caller's drained() (every outbox sent, every consumer
# caught up); a warning, not a failure: the invariant checker then tells what was lost
pb_wait_drained() {
    local i
    for ((i = 0; i < 120; i++)); do
        drained && return 0
        sleep 1
    done
    echo "    warning: events still pending after 120 s" >&2
}
