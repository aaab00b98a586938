#!/usr/bin/env bash
# Benchmarks of the platform, through the gateway, each beside a reference measured in the
# same run (this machine is noisy; only ratios hold). Prints Markdown tables.
#   bench/run.sh [scenario...]      scenarios: users search reads orders saga notifications mixed web (default: all)
# Settings: PB_BENCH_DURATION (s, default 10), PB_BENCH_CONNECTIONS (64), PB_BENCH_USE_RUNNING=1
# to measure the stack in PB_HOME instead of starting one on ports 28080+.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

scenarios=("$@")
[[ ${#scenarios[@]} -gt 0 ]] || scenarios=(users search reads orders saga notifications mixed web)

bench_stack_up
for s in "${scenarios[@]}"; do
    [[ -f $BENCH_DIR/$s.sh ]] || { echo "no scenario $s" >&2; exit 2; }
    BENCH_RESULTS=()
    # shellcheck disable=SC1090
    source "$BENCH_DIR/$s.sh"
done
# every service's memory once the scenarios are done (a target: each under 20 MB)
[[ ${PB_BENCH_USE_RUNNING:-0} == 1 ]] || print_rss
