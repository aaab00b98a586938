#!/usr/bin/env bash
# Check the Prometheus alerting rules with promtool: deploy/prometheus/alerts.yml parses, every
# expression is valid PromQL and every rule is well formed (promtool check rules), and the
# rules fire exactly as deploy/prometheus/alerts.test.yml expects on series shaped like the
# services' /metrics (promtool test rules). Run as root, it installs promtool (Debian package
# prometheus) when missing; without it the check is skipped with a message and succeeds, so it
# can run anywhere; with it, a bad rule file or a failing rule test fails.
#
#   scripts/check-alerts.sh [rules-file ...]   (default: deploy/prometheus/alerts.yml and its tests)
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

files=("$@")
tests=()
if ((${#files[@]} == 0)); then
    files=("$REPO/deploy/prometheus/alerts.yml")
    tests=("$REPO/deploy/prometheus/alerts.test.yml")
fi
for f in "${files[@]}" "${tests[@]}"; do
    [[ -f $f ]] || {
        echo "error: no such file $f" >&2
        exit 1
    }
done
if ! command -v promtool >/dev/null 2>&1 && ((EUID == 0)) && command -v apt-get >/dev/null; then
    echo "==> alert rules: installing promtool (Debian package prometheus)"
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends prometheus >/dev/null 2>&1 ||
        { apt-get update >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends prometheus >/dev/null 2>&1; } ||
        echo "    (could not install it)"
fi
if ! command -v promtool >/dev/null 2>&1; then
    echo "==> alert rules: promtool not installed (apt-get install prometheus): check skipped"
    exit 0
fi
echo "==> alert rules: promtool check rules ${files[*]}"
promtool check rules "${files[@]}"
if ((${#tests[@]})); then
    echo "==> alert rules: promtool test rules ${tests[*]}"
    # rule_files in a test file are relative to it
    (cd "$(dirname "${tests[0]}")" && promtool test rules "${tests[@]##*/}")
fi
