#!/usr/bin/env bash
# The browser tests: web/tests/*.test.mjs run by Node's test runner, each driving Debian's
# Chromium through playwright-core against the gateway of a running stack. scripts/test.sh
# runs them against its throwaway stack; by hand, against any stack:
#
#   PB_GATEWAY=http://127.0.0.1:8080 PB_ADMIN_PASSWORD=... scripts/browser-test.sh [file...]
#
# Screenshots go to PB_BROWSER_OUT (default web/test-results)/screenshots/<journey>/.
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO/web"
[[ -x /usr/bin/chromium || -n ${PB_CHROMIUM:-} ]] || {
    echo "browser-test: /usr/bin/chromium is missing (scripts/deps.sh test installs it)" >&2
    exit 1
}
[[ -d node_modules/playwright-core ]] || "$REPO/scripts/web.sh" build
export PB_BROWSER_OUT=${PB_BROWSER_OUT:-$REPO/web/test-results}
mkdir -p "$PB_BROWSER_OUT"
files=("$@")
if ((${#files[@]} == 0)); then
    shopt -s nullglob
    files=(tests/*.test.mjs)
fi
# one file at a time (the machine may have 2 cores; journeys are long)
node --test --test-concurrency=1 --test-reporter=spec "${files[@]}"
echo "browser-test: screenshots in $PB_BROWSER_OUT/screenshots"
