#!/usr/bin/env bash
# Lint the public API contract docs/openapi.yaml with the tools pinned in
# docs/api/lint/package-lock.json: Redocly's recommended rules (docs/api/lint/redocly.yaml) and
# Spectral's OpenAPI rules plus the OWASP API Security ruleset (docs/api/lint/.spectral.yaml).
# Installs the tools (npm ci) when docs/api/lint/node_modules is missing or was installed from
# another lock. Exits 1 on any error of either linter; warnings are counted, not fatal.
# Usage: scripts/lint-openapi.sh     (run by scripts/test.sh; needs Node >= 20 and npm)
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

LINT=$PB_REPO/docs/api/lint
SPEC=$PB_REPO/docs/openapi.yaml

# the Node.js the web app needs (>= 20.19) is the one Redocly CLI needs
"$PB_REPO/scripts/web.sh" check

pb_npm_ci "$LINT" "OpenAPI linters"

# no usage reports or update checks from the linters (make test runs offline once installed)
export REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true

out=$(mktemp)
trap 'rm -f "$out"' EXIT
status=0

# Redocly: recommended rules; non-zero exit on any error
if ! (cd "$LINT" && node_modules/.bin/redocly lint "$SPEC" --config redocly.yaml --format=stylish) >"$out" 2>&1; then
    status=1
fi
redocly_errors=$(grep -cE '^ +[0-9]+:[0-9]+ +error ' "$out" || true)
redocly_warnings=$(grep -cE '^ +[0-9]+:[0-9]+ +warning ' "$out" || true)
grep -E '^ +[0-9]+:[0-9]+ +error ' "$out" || true
if [ "$status" -ne 0 ] && [ "$redocly_errors" -eq 0 ]; then
    cat "$out" # failed without a problem line: show why
fi
echo "redocly: $redocly_errors errors, $redocly_warnings warnings"

# Spectral: spectral:oas and the OWASP ruleset; non-zero exit on any error
spectral_status=0
(cd "$LINT" && node_modules/.bin/spectral lint "$SPEC" --ruleset .spectral.yaml --format text \
    --fail-severity error) >"$out" 2>&1 || spectral_status=$?
spectral_errors=$(grep -cE ':[0-9]+:[0-9]+ error ' "$out" || true)
spectral_warnings=$(grep -cE ':[0-9]+:[0-9]+ warning ' "$out" || true)
grep -E ':[0-9]+:[0-9]+ error ' "$out" || true
if [ "$spectral_status" -ne 0 ] && [ "$spectral_errors" -eq 0 ]; then
    cat "$out"
fi
[ "$spectral_status" -eq 0 ] || status=1
echo "spectral (oas + owasp): $spectral_errors errors, $spectral_warnings warnings"
# the warnings by rule, most frequent first
grep -E ':[0-9]+:[0-9]+ warning ' "$out" | awk '{print $3}' | sort | uniq -c | sort -rn | sed 's/^/   /' || true

exit "$status"
