#!/usr/bin/env bash
# Static analysis `make test` runs (scripts/test.sh), failing on any finding:
#
#   scripts/lint.sh [shellcheck|cppcheck]...     (default: both)
#
# - shellcheck: every tracked shell script (*.sh and .ci/run), with the settings of
#              .shellcheckrc (it follows `source`d files); all severities count.
# - cppcheck: the C of lib/, services/, tests/, tools/ and bench/ with the checks
#              warning, performance and portability, as the build configures it (C11,
#              _GNU_SOURCE), on 2 jobs. Its suppressions are scripts/cppcheck.supp, each
#              with the reason it is a false positive; none is needed today.
# Both are Debian packages (`scripts/deps.sh test` installs them).
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO"

run_shellcheck() {
    local files
    mapfile -t files < <(git ls-files '*.sh' .ci/run)
    ((${#files[@]} > 0)) || { echo "lint: no shell scripts found" >&2; return 1; }
    shellcheck "${files[@]}"
    echo "shellcheck: ${#files[@]} scripts, no findings"
}

run_cppcheck() {
    # --error-exitcode makes any finding fail; -D_GNU_SOURCE checks the one configuration the
    # build uses (instead of every combination of #ifdefs, which is slower and finds nothing
    # the compiler would build)
    cppcheck -q -j2 --std=c11 --enable=warning,performance,portability --inline-suppr \
        --suppressions-list=scripts/cppcheck.supp --error-exitcode=1 \
        -D_GNU_SOURCE -Ilib --template='{file}:{line}: {severity} ({id}): {message}' \
        lib services tests tools bench
    echo "cppcheck: no findings"
}

tools=("$@")
((${#tools[@]} > 0)) || tools=(shellcheck cppcheck)
for t in "${tools[@]}"; do
    case $t in
        shellcheck | cppcheck)
            command -v "$t" >/dev/null || { echo "lint: $t is not installed (scripts/deps.sh test)" >&2; exit 1; }
            "run_$t"
            ;;
        *)
            echo "usage: scripts/lint.sh [shellcheck|cppcheck]..." >&2
            exit 2
            ;;
    esac
done
