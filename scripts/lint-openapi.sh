#!/usr/bin/env bash
# Lint the public API contract docs/openapi.yaml with the tools pinned in
# docs/api/lint/package-lock.json: Redocly's recommended rules (docs/api/lint/redocly.yaml) and
# Spectral's OpenAPI rules plus the OWASP API Security ruleset (docs/api/lint/.spectral.yaml).
# Installs the tools (npm ci) when docs/api/lint/node_modules is missing or was installed from
# another lock. Exits 1 on any error of either linter; warnings are counted, not fatal.
# Usage: scripts/lint-openapi.sh     (run by scripts/test.sh; needs Node >= 20 and npm)
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LINT="$REPO/docs/api/lint"
SPEC="$REPO/docs/openapi.yaml"

node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$node_major" -lt 20 ]; then
    echo "lint-openapi: Node >= 20 is needed (found: $(node --version 2>/dev/null || echo none))" >&2
    exit 1
fi

# the lock's digest, recorded in node_modules after each install: a changed lock reinstalls
lock_sum=$(sha256sum "$LINT/package-lock.json" | cut -d' ' -f1)
stamp="$LINT/node_modules/.installed-lock.sha256"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$lock_sum" ]; then
    echo "lint-openapi: installing the linters from docs/api/lint/package-lock.json (npm ci)"
    (cd "$LINT" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
    echo "$lock_sum" >"$stamp"
fi

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

exit "$status"
