#!/usr/bin/env bash
# The ThreadSanitizer stage of `make test` (scripts/test.sh runs it after the unit tests):
#
#   1. builds, in PB_TSAN_BUILD_DIR (default build/tsan; CMake -DPB_TSAN=ON, Debug), only what
#      it runs: the unit tests, the service binaries of services.list and pb-stream;
#   2. runs the unit tests under ThreadSanitizer, all but test_media_image: it drives libvips,
#      whose worker threads synchronize through GLib primitives TSan cannot see without an
#      instrumented GLib (tests/tsan.supp says more), and under TSan it takes minutes;
#   3. starts a second throwaway stack whose services are those TSan builds (its own PB_HOME
#      in /tmp, ports PB_TSAN_PORT_OFFSET (500) above the main test stack's, so the two never
#      clash), runs one end-to-end suite against it, PB_TSAN_SUITE (default e2e_storm:
#      hundreds of concurrent bookings on the services' 32-thread handler pools, a service
#      killed mid-flight), with the suite's binary from the main sanitizer build, and stops it.
#
# Any ThreadSanitizer report fails the stage: a unit test exits non-zero (TSan's exit code),
# and the services write theirs to $PB_HOME/sanitizer/tsan.<pid>, printed here. Suppressions:
# tests/tsan.supp (each documented; only for races inside uninstrumented libraries).
#
#   scripts/test-tsan.sh <main sanitizer build dir>
# Settings: the main stack's PB_PORT_BASE, PB_DB_PORT, PB_REDIS_PORT, PB_NATS_PORT,
# PB_NATS_MONITOR_PORT (scripts/test.sh exports them), PB_TSAN_PORT_OFFSET, PB_TSAN_SUITE,
# PB_TSAN_BUILD_DIR. On failure the stack's logs are printed and its PB_HOME is kept.
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO"
(($# == 1)) || { echo "usage: scripts/test-tsan.sh <main sanitizer build dir>" >&2; exit 2; }
MAIN_BUILD=$1
SUITE=${PB_TSAN_SUITE:-e2e_storm}
[[ -f tests/e2e/$SUITE.c ]] || { echo "test-tsan: no end-to-end suite $SUITE" >&2; exit 2; }
TSAN_BUILD=$(mkdir -p "${PB_TSAN_BUILD_DIR:-build/tsan}" && cd "${PB_TSAN_BUILD_DIR:-build/tsan}" && pwd)
SUPP=$REPO/tests/tsan.supp

t0=$SECONDS
echo "==> ThreadSanitizer build in $TSAN_BUILD (unit tests, services, pb-stream)"
mapfile -t services < <(grep -E '^[a-z][a-z0-9_]*$' services.list)
# the unit tests that drive libvips (see above)
not_under_tsan=test_media_image
mapfile -t unit_tests < <(find tests/unit -maxdepth 1 -name 'test_*.c' -printf '%f\n' | sed 's/\.c$//' |
    grep -vxF "$not_under_tsan" | sort)
cmake -S "$REPO" -B "$TSAN_BUILD" -DPB_TSAN=ON -DCMAKE_BUILD_TYPE=Debug >/dev/null
cmake --build "$TSAN_BUILD" -j2 --target "${services[@]/#/pb-}" pb-stream "${unit_tests[@]}"
echo "    built in $((SECONDS - t0)) s"

t1=$SECONDS
echo "==> unit tests under ThreadSanitizer"
TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:suppressions=$SUPP" \
    ctest --test-dir "$TSAN_BUILD" -L unit --output-on-failure -E "^unit\.($not_under_tsan)\$"
echo "    ran in $((SECONDS - t1)) s"

# ---- the TSan stack
off=${PB_TSAN_PORT_OFFSET:-500}
export PB_PORT_BASE=$((${PB_PORT_BASE:-18080} + off))
export PB_DB_PORT=$((${PB_DB_PORT:-13306} + off))
export PB_REDIS_PORT=$((${PB_REDIS_PORT:-16379} + off))
export PB_NATS_PORT=$((${PB_NATS_PORT:-14222} + off))
export PB_NATS_MONITOR_PORT=$((${PB_NATS_MONITOR_PORT:-18222} + off))
export PB_GATEWAY=http://127.0.0.1:$PB_PORT_BASE
PB_HOME=$(mktemp -d /tmp/pb-test-tsan.XXXXXX)
# the suite is API-only: no web app in this stack
export PB_HOME PB_BUILD_DIR=$TSAN_BUILD PB_SKIP_BUILD=1 PB_DEMO_DATA=0 PB_WEB=0
# the services' TSAN_OPTIONS (log_path there, tests/tsan.supp): scripts/stack.sh sanitizer_env
export PB_SANITIZE_LOG_DIR=$PB_HOME/sanitizer

stack_started=0
finish() {
    local rc=$? f found=0
    trap - EXIT INT TERM
    if ((stack_started)); then
        echo "==> stopping the ThreadSanitizer stack"
        scripts/stack.sh down || rc=1
        shopt -s nullglob
        for f in "$PB_SANITIZE_LOG_DIR"/tsan.*; do
            found=1
            echo "---- ThreadSanitizer report $f ----"
            cat "$f"
        done
        shopt -u nullglob
        if ((found)); then
            echo "error: ThreadSanitizer reports found in $PB_SANITIZE_LOG_DIR" >&2
            rc=1
        fi
    fi
    if ((rc != 0)); then
        for f in "$PB_HOME"/services/*.log; do
            [[ -f $f ]] && { echo "---- last 40 lines of $f ----"; tail -n 40 "$f"; }
        done
        echo "==> ThreadSanitizer stage FAILED; its stack's files are kept in $PB_HOME" >&2
    else
        rm -rf "$PB_HOME"
        echo "==> ThreadSanitizer stage passed in $((SECONDS - t0)) s"
    fi
    exit "$rc"
}
trap finish EXIT
trap 'exit 130' INT TERM

t2=$SECONDS
echo "==> ThreadSanitizer stack in $PB_HOME (gateway $PB_GATEWAY)"
stack_started=1
scripts/stack.sh up
echo "==> $SUITE against the ThreadSanitizer services"
ctest --test-dir "$MAIN_BUILD" -L e2e --output-on-failure -R "^e2e\.$SUITE\$"
echo "    stack and suite in $((SECONDS - t2)) s"
