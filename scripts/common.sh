# shellcheck shell=bash
# Shared configuration of the stack scripts: the repository root, the service list with
# their port offsets, and every PB_* setting resolved to its default. Sourced, not run.

PB_REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# The services in port order, from services.list: service i (1-based) listens on PB_PORT_BASE + i.
mapfile -t PB_SERVICES < <(grep -E '^[a-z][a-z0-9_]*$' "$PB_REPO/services.list" || true)
if ((${#PB_SERVICES[@]} == 0)); then
    printf 'error: no service names in %s\n' "$PB_REPO/services.list" >&2
    exit 1
fi

# A path given relative is taken relative to the repository root.
pb_abspath() {
    case $1 in
        /*) printf '%s\n' "$1" ;;
        *) printf '%s\n' "$PB_REPO/$1" ;;
    esac
}

PB_HOME=$(pb_abspath "${PB_HOME:-var}")

# The settings a stack was started with are recorded in its home (stack.env, written by
# `up`), so later commands on that home (status, down, service restart) find its ports
# without repeating them. A variable set in the environment still wins.
PB_RECORDED_VARS=(PB_BUILD_DIR PB_PORT_BASE PB_DB_PORT PB_REDIS_PORT PB_NATS_PORT PB_NATS_MONITOR_PORT
    PB_AUTH_RATE PB_AUTH_BURST PB_LOG_LEVEL PB_USER_SHARDS PB_MEDIA_DIR PB_GATEWAY_ADDR PB_BENCH_UPSTREAM_PORT)
if [[ -f $PB_HOME/stack.env ]]; then
    while IFS='=' read -r pb_k pb_v; do
        if [[ " ${PB_RECORDED_VARS[*]} " == *" $pb_k "* && -z ${!pb_k+set} ]]; then
            printf -v "$pb_k" '%s' "$pb_v"
        fi
    done <"$PB_HOME/stack.env"
    unset pb_k pb_v
fi
PB_BUILD_DIR=$(pb_abspath "${PB_BUILD_DIR:-build/release}")
PB_PORT_BASE=${PB_PORT_BASE:-8080}
# the address the gateway listens on besides loopback (127.0.0.1: this host only; 0.0.0.0: every
# interface, to reach the platform from other machines)
PB_GATEWAY_ADDR=${PB_GATEWAY_ADDR:-127.0.0.1}
PB_DB_PORT=${PB_DB_PORT:-3306}
PB_REDIS_PORT=${PB_REDIS_PORT:-6379}
PB_NATS_PORT=${PB_NATS_PORT:-4222}
PB_NATS_MONITOR_PORT=${PB_NATS_MONITOR_PORT:-8222}
PB_ADMIN_USER=${PB_ADMIN_USER:-admin}
PB_DEMO_DATA=${PB_DEMO_DATA:-1}
PB_AUTH_RATE=${PB_AUTH_RATE:-10}
PB_AUTH_BURST=${PB_AUTH_BURST:-50}
PB_LOG_LEVEL=${PB_LOG_LEVEL:-info}
PB_USER_SHARDS=${PB_USER_SHARDS:-4}
PB_WEB_DIR=$(pb_abspath "${PB_WEB_DIR:-web/dist}")
# photos: written by the media service, served by the gateway (one folder shared by every
# instance of the media service and by nginx)
PB_MEDIA_DIR=$(pb_abspath "${PB_MEDIA_DIR:-$PB_HOME/media}")
# the services' GLIBC_TUNABLES (empty: glibc's defaults): glibc's per-thread malloc caches keep
# freed chunks of up to 1032 bytes, dozens of them per size, in every request thread; up to 256
# bytes they keep the fast path and hold a tenth as much (docs/benchmarks.md, "memory").
# deploy/Dockerfile sets the same for the containers.
PB_GLIBC_TUNABLES=${PB_GLIBC_TUNABLES-glibc.malloc.tcache_max=256}
export PB_HOME PB_BUILD_DIR PB_PORT_BASE PB_GATEWAY_ADDR PB_DB_PORT PB_REDIS_PORT PB_NATS_PORT PB_NATS_MONITOR_PORT \
    PB_ADMIN_USER PB_DEMO_DATA PB_AUTH_RATE PB_AUTH_BURST PB_LOG_LEVEL PB_USER_SHARDS PB_WEB_DIR PB_MEDIA_DIR

PB_DB_SOCKET=$PB_HOME/mariadb/mysqld.sock

# A date of the platform's calendar (its time zone is PB_UTC_OFFSET_S seconds east of UTC,
# default China's UTC+8, as in lib/dates.h): pb_day [days from today] → YYYY-MM-DD.
pb_day() {
    date -u -d "@$(($(date -u +%s) + ${PB_UTC_OFFSET_S:-28800} + ${1:-0} * 86400))" +%F
}

pb_die() {
    printf 'error: %s\n' "$*" >&2
    exit 1
}

pb_say() {
    printf '==> %s\n' "$*"
}

# Install the npm packages of a tool folder (package.json + committed package-lock.json, e.g.
# docs/api/lint) exactly as locked: `npm ci` without install scripts, only when DIR/node_modules
# is missing or was installed from another lock or another Node.js (the digest of both is
# recorded in node_modules after each install), so runs after the first need no network.
# One install at a time per folder (make test and a script run by hand may overlap).
#   pb_npm_ci DIR LABEL
pb_npm_ci() {
    local dir=$1 label=$2 digest fd
    exec {fd}>"$dir/.install.lock"
    flock "$fd"
    digest=$(cat "$dir/package-lock.json" <(node --version) | sha256sum | cut -d' ' -f1)
    if [[ ! -d $dir/node_modules || $(cat "$dir/node_modules/.pb-lock-digest" 2>/dev/null) != "$digest" ]]; then
        pb_say "$label: npm ci (from ${dir#"$PB_REPO"/}/package-lock.json)"
        (cd "$dir" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error) ||
            pb_die "npm ci failed in ${dir#"$PB_REPO"/} (is the npm registry reachable?)"
        printf '%s\n' "$digest" >"$dir/node_modules/.pb-lock-digest"
    fi
    exec {fd}>&-
}

# Fail unless every named variable holds a port number.
pb_check_ports() {
    local v
    for v in "$@"; do
        if ! [[ ${!v} =~ ^[0-9]+$ ]] || ((${!v} < 1 || ${!v} > 65535)); then
            pb_die "$v=${!v} is not a port number"
        fi
    done
}

# The MariaDB client as root over this stack's socket, or over TCP when PB_MARIADB_TCP is
# HOST:PORT (a node of the Compose cluster published on the host; the root password comes
# from MYSQL_PWD, which the mariadb client reads).
pb_mariadb() {
    if [[ -n ${PB_MARIADB_TCP:-} ]]; then
        mariadb --no-defaults -uroot --protocol=tcp -h "${PB_MARIADB_TCP%:*}" -P "${PB_MARIADB_TCP##*:}" "$@"
    else
        mariadb --no-defaults -uroot --socket="$PB_DB_SOCKET" "$@"
    fi
}
