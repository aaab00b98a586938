#!/usr/bin/env bash
# libFuzzer targets of tests/fuzz/ (every parser that sees a client's bytes), built with clang
# in their own folder (cmake -DPB_FUZZ=ON: coverage instrumentation, ASan + UBSan).
#
#   scripts/fuzz.sh build               configure and build build/fuzz (PB_FUZZ_BUILD_DIR)
#   scripts/fuzz.sh run [target...]     `make fuzz`: fuzz each target PB_FUZZ_SECONDS (default 60)
#                                       from its seed corpus, then print one table row per target:
#                                       runs, execs/s, corpus size, crashes
#   scripts/fuzz.sh smoke [target...]   what `make test` runs: every committed corpus input once
#                                       (regress-* files included), then PB_FUZZ_SMOKE_SECONDS
#                                       (default 2) of fuzzing per target
#
# Targets are named without their fuzz_ prefix (jv, router, ...). The seed corpora are
# tests/fuzz/corpus/<target>/ (committed, read only); what a run finds goes to
# <build>/corpus/<target>/ (kept between runs, so later runs start further), crashing inputs to
# <build>/crashes/<target>/. Reproduce one with <build>/fuzz/fuzz_<target> <file>; once fixed,
# commit the input as tests/fuzz/corpus/<target>/regress-<what>. Fails when any target crashed.
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO"

BUILD=$REPO/${PB_FUZZ_BUILD_DIR:-build/fuzz}
SEEDS=$REPO/tests/fuzz/corpus

usage() {
    echo "usage: scripts/fuzz.sh build | run [target...] | smoke [target...]" >&2
    exit 2
}

build() {
    command -v clang >/dev/null || { echo "fuzz: clang is not installed (scripts/deps.sh test)" >&2; exit 1; }
    echo "==> fuzz targets: clang build in $BUILD"
    CC=clang cmake -S "$REPO" -B "$BUILD" -DPB_FUZZ=ON -DCMAKE_BUILD_TYPE=Debug >/dev/null
    cmake --build "$BUILD" -j2 >/dev/null
}

# The targets asked for, or every one built.
targets() {
    local t
    if (($# > 0)); then
        for t in "$@"; do
            [[ -x $BUILD/fuzz/fuzz_$t ]] || { echo "fuzz: no target $t (tests/fuzz/fuzz_$t.c)" >&2; exit 2; }
            echo "$t"
        done
    else
        for t in "$BUILD"/fuzz/fuzz_*; do
            t=${t##*/fuzz_}
            echo "$t"
        done
    fi
}

# Fuzz target $1 for $2 seconds; prints "runs execs/s corpus crashes".
fuzz_one() {
    local t=$1 secs=$2 work=$BUILD/corpus/$1 art=$BUILD/crashes/$1 log=$BUILD/logs/$1.log
    local args=(-max_total_time="$secs" -print_final_stats=1 -timeout=10 -rss_limit_mb=1024 -artifact_prefix="$art/")
    mkdir -p "$work" "$art" "$BUILD/logs" "$SEEDS/$t"
    [[ -f $REPO/tests/fuzz/$t.dict ]] && args+=(-dict="$REPO/tests/fuzz/$t.dict")
    "$BUILD/fuzz/fuzz_$t" "${args[@]}" "$work" "$SEEDS/$t" >"$log" 2>&1 || true
    local runs speed corpus crashes
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
    corpus=$(grep -o 'corp: [0-9]*' "$log" | tail -n 1 | cut -d' ' -f2)
    crashes=$(find "$art" -type f | wc -l)
    echo "${runs:--} ${speed:--} ${corpus:--} $crashes"
}

run() {
    local secs=${PB_FUZZ_SECONDS:-60} t runs speed corpus crashes failed=()
    mapfile -t ts < <(targets "$@")
    # crashes are counted per run: the previous run's artifacts are cleared
    for t in "${ts[@]}"; do rm -rf "$BUILD/crashes/$t"; done
    echo "==> fuzzing ${#ts[@]} targets, $secs s each (logs in $BUILD/logs)"
    printf '| %-17s | %10s | %8s | %6s | %7s |\n' target runs execs/s corpus crashes
    printf '| %-17s | %10s | %8s | %6s | %7s |\n' --- --- --- --- ---
    for t in "${ts[@]}"; do
        read -r runs speed corpus crashes < <(fuzz_one "$t" "$secs")
        printf '| %-17s | %10s | %8s | %6s | %7s |\n' "$t" "$runs" "$speed" "$corpus" "$crashes"
        ((crashes == 0)) || failed+=("$t")
    done
    report "${failed[@]}"
}

smoke() {
    local secs=${PB_FUZZ_SMOKE_SECONDS:-2} t seeds runs speed corpus crashes failed=()
    mapfile -t ts < <(targets "$@")
    for t in "${ts[@]}"; do
        rm -rf "$BUILD/crashes/$t"
        mkdir -p "$BUILD/crashes/$t"
        # every committed input once, each by name (the regression inputs above all)
        mapfile -t seeds < <(find "$SEEDS/$t" -type f 2>/dev/null | sort)
        if ((${#seeds[@]} > 0)) &&
            ! "$BUILD/fuzz/fuzz_$t" -artifact_prefix="$BUILD/crashes/$t/" "${seeds[@]}" >"$BUILD/logs/$t.replay.log" 2>&1; then
            echo "fuzz smoke: $t fails on a committed corpus input:" >&2
            tail -n 30 "$BUILD/logs/$t.replay.log" >&2
            failed+=("$t")
            continue
        fi
        read -r runs speed corpus crashes < <(fuzz_one "$t" "$secs")
        printf '    %-18s %3d inputs replayed, %8s runs in %s s, corpus %s\n' "$t" "${#seeds[@]}" "$runs" "$secs" "$corpus"
        ((crashes == 0)) || failed+=("$t")
    done
    report "${failed[@]}"
}

report() {
    (($# == 0)) && return 0
    local t f
    for t in "$@"; do
        echo "fuzz: $t crashed (log: $BUILD/logs/$t.log):" >&2
        for f in "$BUILD/crashes/$t"/*; do
            [[ -f $f ]] && echo "    reproduce: $BUILD/fuzz/fuzz_$t $f" >&2
        done
        grep -m 3 -E 'ERROR|runtime error|property violated' "$BUILD/logs/$t.log" >&2 || true
    done
    exit 1
}

mkdir -p "$BUILD/logs"
case ${1:-} in
    build) build ;;
    run) shift; build; run "$@" ;;
    smoke) shift; build; smoke "$@" ;;
    *) usage ;;
esac
