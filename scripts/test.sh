#!/usr/bin/env bash
# What `make test` runs, in this order: a sanitizer build (ASan + UBSan) in build/test, a
# release build (compile check), static analysis (scripts/lint.sh: shellcheck, cppcheck), the
# offline checks of deploy/ and docs/api/, the unit tests, a fuzz smoke (scripts/fuzz.sh), the ThreadSanitizer stage
# (scripts/test-tsan.sh: the unit tests and one end-to-end suite against a second stack of
# TSan-built services), then a throwaway stack (its own PB_HOME in /tmp and its own ports)
# and the end-to-end tests against it.
# The stack is always stopped; a sanitizer report of any service fails the run. On failure
# the service and gateway logs are printed and the temporary PB_HOME is kept.
#
#   PB_TEST_FILTER=<regex>   run only the e2e tests whose name matches (ctest -R); the browser
#                            tests run without a filter or when it contains "browser", make demo
#                            when it contains "demo", make video when it contains "video" (it
#                            needs the other two: e.g. "browser|demo|video")
#   PB_BROWSER_OUT           where the browser tests write screenshots (default build/browser,
#                            emptied first; kept after the run for scripts/screenshots.sh)
#   PB_TEST_BUILD_DIR        the sanitizer build folder (default build/test)
#   PB_TEST_RELEASE_DIR      the release build folder compiled as a check (default build/release)
#   PB_TEST_TARGETS          build only these CMake targets (and run only the unit tests among them)
#   PB_TEST_TSAN=0           skip the ThreadSanitizer stage (to iterate on other tests; make test runs it)
#   PB_TEST_FUZZ=0           skip the fuzz smoke stage (scripts/fuzz.sh smoke; make test runs it)
#   PB_TEST_REPEAT=<n>       run each selected e2e test up to n times, stopping at its first
#                            failure (ctest --repeat until-fail:n), to hunt a race
#   PB_* of the throwaway stack (ports, PB_HOME, ...) can be overridden from the environment.
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO"

# PB_TEST_BUILD_DIR: another build folder (e.g. to check this script beside a running `make test`)
BUILD=$(cd "$REPO" && mkdir -p "${PB_TEST_BUILD_DIR:-build/test}" && cd "${PB_TEST_BUILD_DIR:-build/test}" && pwd)

echo "==> dependencies"
scripts/deps.sh test

echo "==> sanitizer build in $BUILD"
cmake -S "$REPO" -B "$BUILD" -DPB_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug >/dev/null
# shellcheck disable=SC2086 # a list of target names
cmake --build "$BUILD" -j2 ${PB_TEST_TARGETS:+--target $PB_TEST_TARGETS}

# the release build `make up` runs must compile too (-O2 finds warnings -O0 does not)
RELEASE=$(mkdir -p "${PB_TEST_RELEASE_DIR:-build/release}" && cd "${PB_TEST_RELEASE_DIR:-build/release}" && pwd)
echo "==> release build in $RELEASE (compile check)"
cmake -S "$REPO" -B "$RELEASE" -DCMAKE_BUILD_TYPE=Release -DPB_BUILD_TESTS=OFF >/dev/null
release_targets=$(tr ' ' '\n' <<<"${PB_TEST_TARGETS:-}" | grep '^pb-' | paste -sd' ' || true)
# shellcheck disable=SC2086 # a list of target names
cmake --build "$RELEASE" -j2 ${release_targets:+--target $release_targets}

echo "==> static analysis: shellcheck and cppcheck (scripts/lint.sh)"
scripts/lint.sh

echo "==> deployment files, alert rules, API documents, docs and diagrams (offline checks)"
scripts/check-deploy.sh
scripts/check-alerts.sh
# the public contract is what its fragments make; the internal one lists every internal route
python3 docs/api/merge.py --check
# ... and states its limits: Redocly and Spectral (OWASP rules) find no error (tools from docs/api/lint's lock)
scripts/lint-openapi.sh
# the documents name only what exists and stand alone; the diagrams are what their sources render to
python3 scripts/check-docs.py
scripts/docs.sh check
# the storyboard docs/demo.md lists the scenes make video makes
scripts/video.sh check

echo "==> unit tests"
unit_filter=()
if [[ -n ${PB_TEST_TARGETS:-} ]]; then
    # only the unit tests that were built
    names=$(tr ' ' '\n' <<<"$PB_TEST_TARGETS" | grep '^test_' | paste -sd'|' || true)
    unit_filter=(-R "^unit\.(${names:-none-built})\$")
fi
if [[ -z ${PB_TEST_TARGETS:-} || -n ${names:-} ]]; then
    ctest --test-dir "$BUILD" -L unit --output-on-failure "${unit_filter[@]}"
fi

# every parser of client bytes under libFuzzer for a moment (scripts/fuzz.sh: a clang build in
# build/fuzz, each committed corpus input replayed, 2 s of fuzzing per target); make fuzz runs longer
if [[ ${PB_TEST_FUZZ:-1} == 1 && -z ${PB_TEST_TARGETS:-} ]]; then
    echo "==> fuzz smoke (scripts/fuzz.sh smoke; PB_TEST_FUZZ=0 skips it)"
    scripts/fuzz.sh smoke
fi

# ---- the throwaway stack
made_home=0
if [[ -z ${PB_HOME:-} ]]; then
    PB_HOME=$(mktemp -d /tmp/pb-test.XXXXXX)
    made_home=1
fi
export PB_HOME
export PB_PORT_BASE=${PB_PORT_BASE:-18080}
export PB_DB_PORT=${PB_DB_PORT:-13306}
export PB_REDIS_PORT=${PB_REDIS_PORT:-16379}
export PB_NATS_PORT=${PB_NATS_PORT:-14222}
export PB_NATS_MONITOR_PORT=${PB_NATS_MONITOR_PORT:-18222}
export PB_BUILD_DIR=${PB_BUILD_DIR:-$BUILD}
export PB_SKIP_BUILD=${PB_SKIP_BUILD:-1}
export PB_DEMO_DATA=${PB_DEMO_DATA:-0}
export PB_ADMIN_USER=${PB_ADMIN_USER:-admin}
export PB_ADMIN_PASSWORD=${PB_ADMIN_PASSWORD:-Adm$(openssl rand -hex 12)x9}
export PB_AUTH_RATE=${PB_AUTH_RATE:-200}
export PB_AUTH_BURST=${PB_AUTH_BURST:-100}
export PB_SANITIZE_LOG_DIR=${PB_SANITIZE_LOG_DIR:-$PB_HOME/sanitizer}
export PB_LOG_LEVEL=${PB_LOG_LEVEL:-info}
export PB_GATEWAY=${PB_GATEWAY:-http://127.0.0.1:$PB_PORT_BASE}

if [[ ${PB_TEST_TSAN:-1} == 1 ]]; then
    # a second stack on ports 500 above these ones (PB_TSAN_PORT_OFFSET), stopped before ours starts
    scripts/test-tsan.sh "$BUILD"
fi

stack_started=0
result=1

print_logs() {
    local f
    for f in "$PB_HOME"/services/*.log "$PB_HOME/nginx/logs/error.log"; do
        [[ -f $f ]] || continue
        echo "---- last 80 lines of $f ----"
        tail -n 80 "$f"
    done
}

# Sanitizer reports the services wrote (they are written at exit, so after the stop).
sanitizer_reports() {
    local found=0 f
    shopt -s nullglob
    for f in "$PB_SANITIZE_LOG_DIR"/asan.* "$PB_SANITIZE_LOG_DIR"/ubsan.*; do
        found=1
        echo "---- sanitizer report $f ----"
        cat "$f"
    done
    shopt -u nullglob
    ((found == 0))
}

finish() {
    local rc=$?
    trap - EXIT INT TERM
    if ((result != 0 && rc == 0)); then rc=1; fi
    if ((stack_started)); then
        echo "==> stopping the test stack"
        scripts/stack.sh down || rc=1
        if ! sanitizer_reports; then
            echo "error: sanitizer reports found in $PB_SANITIZE_LOG_DIR" >&2
            rc=1
        fi
    fi
    if ((rc != 0)); then
        print_logs
        echo "==> FAILED; the test stack's files are kept in $PB_HOME" >&2
    else
        if ((made_home)); then
            rm -rf "$PB_HOME"
        fi
        echo "==> all tests passed"
    fi
    exit "$rc"
}
trap finish EXIT
trap 'exit 130' INT TERM

echo "==> throwaway stack in $PB_HOME (gateway $PB_GATEWAY)"
stack_started=1
scripts/stack.sh up

echo "==> end-to-end tests"
filter=()
[[ -n ${PB_TEST_FILTER:-} ]] && filter=(-R "$PB_TEST_FILTER")
[[ -n ${PB_TEST_REPEAT:-} ]] && filter+=(--repeat "until-fail:$PB_TEST_REPEAT")
# every answer of the gateway to the suites is recorded (tests/e2e/harness.c) ...
export PB_CONTRACT_LOG=$PB_HOME/contract.jsonl
rm -f "$PB_CONTRACT_LOG"
ctest --test-dir "$BUILD" -L e2e --output-on-failure "${filter[@]}"
# ... and is what docs/openapi.yaml says (a documented status, a body its schema accepts), as
# are the answers of contract.py's own flows
echo "==> contract conformance (tests/e2e/contract.py)"
python3 tests/e2e/contract.py
if [[ -s $PB_CONTRACT_LOG ]]; then
    python3 tests/e2e/contract.py --log "$PB_CONTRACT_LOG"
fi

if [[ ${PB_WEB:-1} == 1 && -z ${PB_TEST_FILTER:-} || ${PB_TEST_FILTER:-} == *browser* ]]; then
    PB_BROWSER_OUT=${PB_BROWSER_OUT:-$REPO/build/browser}
    rm -rf "$PB_BROWSER_OUT/screenshots"
    echo "==> browser tests (web/tests, Chromium; screenshots in $PB_BROWSER_OUT/screenshots)"
    export PB_BROWSER_OUT
    scripts/browser-test.sh
fi

# `make demo` keeps working however often it is run on one day: the demo data, then the tour
# one time more than its listing has places, so the last run finds the night full and the
# provider opens one more place
if [[ -z ${PB_TEST_FILTER:-} || ${PB_TEST_FILTER:-} == *demo* ]]; then
    echo "==> make demo, 6 times on the test stack (demo data loaded first)"
    scripts/seed-demo.sh >"$PB_HOME/seed-demo.log" 2>&1 || { tail -n 20 "$PB_HOME/seed-demo.log"; exit 1; }
    for run in 1 2 3 4 5 6; do
        PB_DEMO_PAUSE=0 scripts/demo.sh >"$PB_HOME/demo-$run.log" 2>&1 || {
            tail -n 20 "$PB_HOME/demo-$run.log"
            echo "error: make demo failed on run $run" >&2
            exit 1
        }
    done
    grep -q "opened one more" "$PB_HOME/demo-6.log" || {
        echo "error: the 6th tour did not find tonight full (the demo listing has 5 places)" >&2
        exit 1
    }
    echo "    6 tours from booking to review; the last one opened a place when tonight was full"
fi

# `make video` works, quickly: a few seconds of small frames from the browser tests' screenshots,
# with the booking storm run on the test stack (it needs the demo data loaded just above)
if [[ ${PB_WEB:-1} == 1 && (-z ${PB_TEST_FILTER:-} || ${PB_TEST_FILTER:-} == *video*) ]]; then
    echo "==> make video (low resolution)"
    video=$PB_HOME/video-test.mp4
    PB_VIDEO_SIZE=320x180 PB_VIDEO_SCENE_S=0.2 PB_VIDEO_OUT=$video scripts/video.sh >"$PB_HOME/video.log" 2>&1 || {
        tail -n 20 "$PB_HOME/video.log"
        echo "error: make video failed (log: $PB_HOME/video.log)" >&2
        exit 1
    }
    probe=$(ffprobe -v error -select_streams v:0 -show_entries stream=width,height:format=duration -of json "$video")
    size=$(jq -r '"\(.streams[0].width)x\(.streams[0].height)"' <<<"$probe")
    seconds=$(jq -r '.format.duration // 0' <<<"$probe")
    if [[ $size != 320x180 ]] || ! awk -v d="$seconds" 'BEGIN { exit !(d > 1) }'; then
        echo "error: $video is $size and $seconds s long: a 320x180 video stream longer than 1 s was expected" >&2
        exit 1
    fi
    grep -E '^    [0-9]+ requested' "$PB_HOME/video.log" || true
    echo "    $video: ${size}, $seconds s"
fi
result=0
