#!/usr/bin/env bash
# Build the web app (web/) into the folder the gateway serves, only when its sources changed.
#
#   scripts/web.sh build     npm ci (when package-lock.json changed) + vite build (when web/ changed)
#   scripts/web.sh check     fail with a clear message unless Node.js and npm are usable
#
# Needs Node.js >= 20.19 and npm (Debian 13's nodejs, or NodeSource's on Debian 12: Debian 12's
# own nodejs 18 is too old for Vite). Packages come only from web/package-lock.json (npm ci).
# Settings: PB_WEB_DIR (web/dist) where the app is built; PB_WEB (1) 0 skips the web app.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

WEB=$PB_REPO/web
OUT=$PB_WEB_DIR
NODE_MIN_MAJOR=20
NODE_MIN_MINOR=19

node_check() {
    if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
        if command -v apt-get >/dev/null && ((EUID == 0)); then
            pb_say "installing Node.js and npm (Debian packages nodejs npm)"
            DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends nodejs npm >/dev/null ||
                pb_die "apt-get install nodejs npm failed"
        fi
    fi
    if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
        pb_die "the web app needs Node.js >= $NODE_MIN_MAJOR.$NODE_MIN_MINOR and npm, which were not found.
       Install them (Debian 13: apt-get install nodejs npm; Debian 12: Node.js 20 or later from NodeSource),
       or start without the web app: PB_WEB=0 make up"
    fi
    local v major minor
    v=$(node --version)
    v=${v#v}
    major=${v%%.*}
    minor=${v#*.}
    minor=${minor%%.*}
    if ((major < NODE_MIN_MAJOR || (major == NODE_MIN_MAJOR && minor < NODE_MIN_MINOR))); then
        pb_die "the web app needs Node.js >= $NODE_MIN_MAJOR.$NODE_MIN_MINOR (Vite 7 does not run on older ones); this machine has $(node --version).
       Install a newer one (Debian 13's nodejs package, or NodeSource's Node.js 20/22 on Debian 12),
       or start without the web app: PB_WEB=0 make up"
    fi
}

# A digest of everything the build reads (tracked and new files, not node_modules or dist).
sources_digest() {
    (
        cd "$WEB"
        find . -path ./node_modules -prune -o -path ./dist -prune -o -path ./test-results -prune -o \
            -path ./tests -prune -o -type f -print | LC_ALL=C sort | xargs sha256sum
        node --version
        sha256sum "$PB_REPO/scripts/web.sh" # how it is built (e.g. the .gz files) is a source too
    ) | sha256sum | cut -d' ' -f1
}

cmd_build() {
    [[ ${PB_WEB:-1} == 1 ]] || {
        pb_say "web app skipped (PB_WEB=0)"
        return 0
    }
    node_check
    mkdir -p "$WEB"
    # one build at a time (make up and make test may run together)
    exec 8>"$WEB/.build.lock"
    flock 8
    local lock_digest
    lock_digest=$(cat "$WEB/package-lock.json" <(node --version) | sha256sum | cut -d' ' -f1)
    if [[ ! -d $WEB/node_modules || $(cat "$WEB/node_modules/.pb-lock-digest" 2>/dev/null) != "$lock_digest" ]]; then
        pb_say "web app: npm ci (from web/package-lock.json)"
        (cd "$WEB" && npm ci --no-audit --no-fund --loglevel=error) || pb_die "npm ci failed in web/ (is the npm registry reachable?)"
        printf '%s\n' "$lock_digest" >"$WEB/node_modules/.pb-lock-digest"
    fi
    local digest
    digest=$(sources_digest)
    if [[ -f $OUT/index.html && $(cat "$OUT/.pb-sources-digest" 2>/dev/null) == "$digest" ]]; then
        pb_say "web app up to date in $OUT"
        return 0
    fi
    pb_say "web app: building into $OUT"
    (cd "$WEB" && PB_WEB_OUT="$OUT" npx --no-install vite build --logLevel warn) || pb_die "the web app build failed (cd web && npx vite build shows why)"
    # a .gz beside every text file the gateway serves (gzip_static): browsers download a third
    # of the bytes, compressed once here instead of at every request
    find "$OUT" -type f \( -name '*.js' -o -name '*.css' -o -name '*.html' -o -name '*.svg' -o -name '*.json' \) \
        -size +1k -exec gzip -9 -k -n -f {} +
    printf '%s\n' "$digest" >"$OUT/.pb-sources-digest"
}

case ${1:-} in
    build) cmd_build ;;
    check) node_check ;;
    *)
        echo "usage: scripts/web.sh build|check" >&2
        exit 2
        ;;
esac
