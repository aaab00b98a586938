#!/usr/bin/env bash
# The stack's lifecycle: MariaDB, Redis, NATS JetStream, every built service and the nginx
# gateway as plain processes with all their state under PB_HOME.
#
#   scripts/stack.sh up|down|status|logs|restart
#   scripts/stack.sh service <name> start|stop|kill|restart   (one service, e.g. for fault tests)
#   scripts/stack.sh nats|redis start|stop|kill               (one piece of infrastructure)
#
# Configured only by environment variables (defaults in scripts/common.sh):
#   PB_HOME (<repo>/var)  PB_PORT_BASE (8080: gateway; services +1..+9)  PB_DB_PORT (3306)
#   PB_GATEWAY_ADDR (127.0.0.1; 0.0.0.0 lets other machines reach the gateway, services stay on loopback)
#   PB_REDIS_PORT (6379)  PB_NATS_PORT (4222)  PB_NATS_MONITOR_PORT (8222)
#   PB_BUILD_DIR (<repo>/build/release)  PB_SKIP_BUILD (0)  PB_ADMIN_USER (admin)
#   PB_ADMIN_PASSWORD (else $PB_HOME/secrets/admin-password, generated once)  PB_DEMO_DATA (1)
#   PB_AUTH_RATE (10 r/s)  PB_AUTH_BURST (50)  PB_LOG_LEVEL (info)  PB_USER_SHARDS (4)
#   PB_WEB_DIR (<repo>/web/dist: the web app, built by scripts/web.sh)  PB_WEB (1; 0: no web app)
#   PB_MEDIA_DIR ($PB_HOME/media: the photos, written by the media service, served by nginx)
#   PB_SANITIZE_LOG_DIR (unset; when set, ASan/UBSan/TSan reports of the services are written there)
# Any other PB_* variable is passed to the services unchanged.
#
# `up` is safe to repeat: a component whose pid file names a live process is left alone,
# except a service whose binary is newer than its pid file, which is restarted.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
# shellcheck source-path=SCRIPTDIR source=migrate-core.sh
source "$(dirname "${BASH_SOURCE[0]}")/migrate-core.sh"
# ${var//pattern/"$value"} must insert the value literally
shopt -u patsub_replacement 2>/dev/null || true

usage() {
    echo "usage: scripts/stack.sh up|down|status|logs|restart | service <name> start|stop|kill|restart | nats|redis start|stop|kill" >&2
    exit 2
}

pb_check_ports PB_PORT_BASE PB_DB_PORT PB_REDIS_PORT PB_NATS_PORT PB_NATS_MONITOR_PORT
[[ $PB_GATEWAY_ADDR =~ ^([0-9]{1,3}\.){3}[0-9]{1,3}$ ]] ||
    pb_die "PB_GATEWAY_ADDR=$PB_GATEWAY_ADDR is not an IPv4 address (127.0.0.1: this host only; 0.0.0.0: every interface)"
((PB_PORT_BASE + ${#PB_SERVICES[@]} <= 65535)) || pb_die "PB_PORT_BASE=$PB_PORT_BASE leaves no room for the service ports"

for v in PB_AUTH_RATE PB_AUTH_BURST PB_USER_SHARDS; do
    [[ ${!v} =~ ^[1-9][0-9]*$ ]] || pb_die "$v=${!v} must be a positive integer"
done

MY=$PB_HOME/mariadb
RD=$PB_HOME/redis
NA=$PB_HOME/nats
NG=$PB_HOME/nginx
SV=$PB_HOME/services
SEC=$PB_HOME/secrets
NGINX_FLAGS=(-p "$NG/" -c conf/nginx.conf -e logs/error.log)
IS_ROOT=0
((EUID == 0)) && IS_ROOT=1

# ---------------------------------------------------------------- processes

# Whether a process exists and is not a zombie.
proc_alive() {
    local s
    s=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
    s=${s##*) }
    [[ -n $s && ${s%% *} != Z && ${s%% *} != X ]]
}

# Print the pid a pid file names if that process is alive and is the expected program
# (its comm); a stale file naming a reused pid is not ours.
pid_of() { # pidfile comm
    local p
    [[ -s $1 ]] || return 1
    p=$(tr -dc '0-9' <"$1")
    [[ -n $p ]] && proc_alive "$p" || return 1
    [[ $(cat "/proc/$p/comm" 2>/dev/null) == "$2" ]] || return 1
    printf '%s\n' "$p"
}

# Wait until a process is gone; false after timeout seconds.
wait_gone() { # pid timeout_s
    local i
    for ((i = 0; i < $2 * 10; i++)); do
        proc_alive "$1" || return 0
        sleep 0.1
    done
    ! proc_alive "$1"
}

# SIGTERM, wait, then SIGKILL. Removes the pid file.
stop_pidfile() { # label pidfile comm timeout_s
    local label=$1 f=$2 comm=$3 t=$4 p
    if p=$(pid_of "$f" "$comm"); then
        printf '    stopping %-13s pid %s\n' "$label" "$p"
        kill -TERM "$p" 2>/dev/null || true
        if ! wait_gone "$p" "$t"; then
            echo "    $label did not stop within ${t}s: SIGKILL" >&2
            kill -KILL "$p" 2>/dev/null || true
            wait_gone "$p" 5 || echo "    $label (pid $p) is still there" >&2
        fi
    fi
    rm -f "$f"
}

# Whether something already listens on 127.0.0.1:port.
port_in_use() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

require_free_port() { # port what
    ! port_in_use "$1" || pb_die "port $1 ($2) is already in use by a process this stack did not start (PB_HOME=$PB_HOME)"
}

# Start a command in its own session (it outlives this shell and its terminal) with output
# appended to log; prints its pid. The lock descriptor is not inherited.
spawn() { # log cmd...
    local log=$1
    shift
    setsid "$@" </dev/null >>"$log" 2>&1 9>&- &
    echo $!
}

# Poll "$@" every 0.1 s until it succeeds (0), the process pid dies (1) or timeout (2).
wait_for() { # timeout_s pid cmd...
    local t=$1 pid=$2 i
    shift 2
    for ((i = 0; i < t * 10; i++)); do
        "$@" >/dev/null 2>&1 && return 0
        proc_alive "$pid" || return 1
        sleep 0.1
    done
    return 2
}

fail_with_log() { # message logfile
    echo "error: $1" >&2
    if [[ -f $2 ]]; then
        echo "---- last lines of $2 ----" >&2
        tail -n 40 "$2" >&2
        echo "----" >&2
    fi
    exit 1
}

http_status() { # url -> prints the status code (000 when nothing answers)
    curl -s -o /dev/null -m 2 -w '%{http_code}' "$1" 2>/dev/null || true
}

http_ok() {
    [[ $(http_status "$1") == 200 ]]
}

# ---------------------------------------------------------------- secrets

ensure_secrets() {
    mkdir -p "$SEC"
    chmod 700 "$SEC"
    (
        umask 077
        cd "$SEC"
        if [[ ! -s jwt-private.pem ]]; then
            openssl ecparam -name prime256v1 -genkey -noout -out jwt-private.pem.tmp
            openssl ec -in jwt-private.pem.tmp -pubout -out jwt-public.pem 2>/dev/null
            mv jwt-private.pem.tmp jwt-private.pem
            echo "    generated the ES256 JWT key pair"
        fi
        [[ -s jwt-public.pem ]] || openssl ec -in jwt-private.pem -pubout -out jwt-public.pem 2>/dev/null
        local f s
        for f in internal-token webhook-secret; do
            [[ -s $f ]] || openssl rand -hex 32 >"$f"
        done
        for s in "${PB_SERVICES[@]}"; do
            [[ -s db-$s.pw ]] || openssl rand -hex 32 >"db-$s.pw"
        done
    )
    if [[ -n ${PB_ADMIN_PASSWORD:-} ]]; then
        ADMIN_PASSWORD=$PB_ADMIN_PASSWORD
    elif [[ -s $SEC/admin-password ]]; then
        ADMIN_PASSWORD=$(<"$SEC/admin-password")
    else
        local r
        r=$(openssl rand -base64 32 | tr -dc 'A-Za-z0-9')
        ADMIN_PASSWORD="${r:0:20}Pb7x" # every character class, whatever the user service demands
        (umask 077 && printf '%s\n' "$ADMIN_PASSWORD" >"$SEC/admin-password")
    fi
    chmod 600 "$SEC"/*
}

# ---------------------------------------------------------------- MariaDB

mariadb_start() {
    mkdir -p "$MY"
    local p user_arg=()
    ((IS_ROOT)) && user_arg=(--user=root)
    if p=$(pid_of "$MY/mysqld.pid" mariadbd); then
        echo "    mariadb       already running (pid $p)"
    else
        require_free_port "$PB_DB_PORT" "MariaDB, PB_DB_PORT"
        ((${#PB_DB_SOCKET} < 100)) || pb_die "socket path $PB_DB_SOCKET is too long for a unix socket: use a shorter PB_HOME"
        if [[ ! -d $MY/data/mysql ]]; then
            echo "    initialising the MariaDB data directory"
            mariadb-install-db --no-defaults "${user_arg[@]}" --datadir="$MY/data" \
                --auth-root-authentication-method=normal --skip-test-db >"$MY/install.log" 2>&1 ||
                fail_with_log "mariadb-install-db failed" "$MY/install.log"
        fi
        rm -f "$MY/mysqld.pid"
        p=$(spawn "$MY/stdout.log" mariadbd --no-defaults "${user_arg[@]}" --datadir="$MY/data" \
            --socket="$PB_DB_SOCKET" --port="$PB_DB_PORT" --bind-address=127.0.0.1 \
            --pid-file="$MY/mysqld.pid" --log-error="$MY/error.log" \
            --innodb-buffer-pool-size=128M --max-connections=1000 \
            --character-set-server=utf8mb4 --collation-server=utf8mb4_unicode_ci \
            --skip-log-bin --skip-name-resolve)
        wait_for 60 "$p" pb_mariadb -e 'SELECT 1' || fail_with_log "MariaDB did not become ready" "$MY/error.log"
        echo "    mariadb       started (pid $p, port $PB_DB_PORT)"
    fi
}

# Databases and users of every service (idempotent; the password is resynced each time).
mariadb_provision() {
    local sql="" s pw
    for s in "${PB_SERVICES[@]}"; do
        pw=$(<"$SEC/db-$s.pw")
        [[ $pw =~ ^[0-9a-f]+$ ]] || pb_die "$SEC/db-$s.pw must hold a hex password"
        sql+="$(pb_migrate_provision_sql "$s" "$pw")
"
    done
    pb_mariadb --batch <<<"$sql" || pb_die "creating the service databases and users failed"
}

run_migrations() {
    local s
    for s in "${PB_SERVICES[@]}"; do
        [[ -d $PB_REPO/db/migrations/$s ]] || continue
        "$PB_REPO/scripts/migrate.sh" "$s" | sed 's/^/    /'
    done
}

# ---------------------------------------------------------------- Redis, NATS

redis_ping() {
    [[ $(redis-cli -h 127.0.0.1 -p "$PB_REDIS_PORT" ping 2>/dev/null) == PONG ]]
}

redis_start() {
    mkdir -p "$RD"
    local p
    if p=$(pid_of "$RD/redis.pid" redis-server); then
        echo "    redis         already running (pid $p)"
        return
    fi
    require_free_port "$PB_REDIS_PORT" "Redis, PB_REDIS_PORT"
    rm -f "$RD/redis.pid"
    p=$(spawn "$RD/stdout.log" redis-server --port "$PB_REDIS_PORT" --bind 127.0.0.1 --dir "$RD" \
        --save '' --appendonly yes --daemonize no --pidfile "$RD/redis.pid" --logfile "$RD/redis.log")
    wait_for 30 "$p" redis_ping || fail_with_log "Redis did not become ready" "$RD/redis.log"
    echo "    redis         started (pid $p, port $PB_REDIS_PORT)"
}

nats_start() {
    mkdir -p "$NA/js"
    local p
    if p=$(pid_of "$NA/nats.pid" nats-server); then
        echo "    nats          already running (pid $p)"
        return
    fi
    require_free_port "$PB_NATS_PORT" "NATS, PB_NATS_PORT"
    require_free_port "$PB_NATS_MONITOR_PORT" "NATS monitor, PB_NATS_MONITOR_PORT"
    rm -f "$NA/nats.pid"
    p=$(spawn "$NA/stdout.log" nats-server -a 127.0.0.1 -p "$PB_NATS_PORT" -m "$PB_NATS_MONITOR_PORT" \
        -js -sd "$NA/js" -n "pb-$PB_NATS_PORT" -l "$NA/nats.log" -P "$NA/nats.pid")
    wait_for 30 "$p" http_ok "http://127.0.0.1:$PB_NATS_MONITOR_PORT/healthz" ||
        fail_with_log "NATS did not become ready" "$NA/nats.log"
    echo "    nats          started (pid $p, port $PB_NATS_PORT, monitor $PB_NATS_MONITOR_PORT)"
}

sanitizer_env() { # appends to the named array
    local -n arr=$1
    if [[ -n ${PB_SANITIZE_LOG_DIR:-} ]]; then
        # each sanitizer reads only its own variable: the same environment serves the ASan/UBSan
        # build of make test and the ThreadSanitizer build of scripts/test-tsan.sh
        arr+=("ASAN_OPTIONS=log_path=$PB_SANITIZE_LOG_DIR/asan:detect_leaks=1"
            "UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:log_path=$PB_SANITIZE_LOG_DIR/ubsan"
            "TSAN_OPTIONS=log_path=$PB_SANITIZE_LOG_DIR/tsan:second_deadlock_stack=1:suppressions=$PB_REPO/tests/tsan.supp")
    fi
}

create_stream() {
    local bin=$PB_BUILD_DIR/bin/pb-stream e=()
    [[ -x $bin ]] || pb_die "$bin not found: build first (make build) or set PB_BUILD_DIR"
    e=("PB_NATS_URL=nats://127.0.0.1:$PB_NATS_PORT")
    sanitizer_env e
    env "${e[@]}" "$bin" >>"$NA/stream.log" 2>&1 </dev/null 9>&- ||
        fail_with_log "creating the JetStream stream failed" "$NA/stream.log"
    echo "    stream        PETBOARDING ready"
}

# ---------------------------------------------------------------- services

svc_port() { # index (1-based)
    echo $((PB_PORT_BASE + $1))
}

# The environment of service name (index idx) into the array SVC_ENV (NAME=value words,
# given to env(1) on top of the caller's environment, which passes every other PB_* on).
service_env() { # name idx
    local name=$1 idx=$2 i s
    SVC_ENV=(
        "PB_HOME=$PB_HOME"
        "PB_PORT=$(svc_port "$idx")"
        "PB_INSTANCE=1"
        "PB_WORKER_ID=$idx"
        "PB_PORT_BASE=$PB_PORT_BASE"
        "PB_DB_HOST=127.0.0.1"
        "PB_DB_PORT=$PB_DB_PORT"
        "PB_DB_PASSWORD_FILE=$SEC/db-$name.pw"
        "PB_REDIS_HOST=127.0.0.1"
        "PB_REDIS_PORT=$PB_REDIS_PORT"
        "PB_NATS_URL=nats://127.0.0.1:$PB_NATS_PORT"
        "PB_JWT_PUBLIC_KEY_FILE=$SEC/jwt-public.pem"
        "PB_INTERNAL_TOKEN_FILE=$SEC/internal-token"
        "PB_WEBHOOK_SECRET_FILE=$SEC/webhook-secret"
        "PB_LOG_LEVEL=$PB_LOG_LEVEL"
        "PB_USER_SHARDS=$PB_USER_SHARDS"
        "PB_MEDIA_DIR=$PB_MEDIA_DIR"
    )
    for i in "${!PB_SERVICES[@]}"; do
        s=${PB_SERVICES[$i]}
        SVC_ENV+=("PB_${s^^}_URL=http://127.0.0.1:$(svc_port $((i + 1)))")
    done
    if [[ $name == user ]]; then
        SVC_ENV+=("PB_JWT_PRIVATE_KEY_FILE=$SEC/jwt-private.pem")
    fi
    if [[ -n $PB_GLIBC_TUNABLES ]]; then
        SVC_ENV+=("GLIBC_TUNABLES=$PB_GLIBC_TUNABLES")
    fi
    sanitizer_env SVC_ENV
}

service_stop() { # name
    stop_pidfile "$1" "$SV/$1.pid" "pb-$1" 15
}

service_start() { # name idx
    local name=$1 idx=$2 bin=$PB_BUILD_DIR/bin/pb-$1 pidf=$SV/$1.pid p i
    service_env "$name" "$idx"
    require_free_port "$(svc_port "$idx")" "service $name"
    rm -f "$pidf"
    # the pid file is written by the process itself just before it becomes the service, so
    # its mtime is the start time (compared with the binary's to restart after a rebuild)
    # shellcheck disable=SC2016 # $$, $0 and $@ belong to the inner shell
    (env -u PB_JWT_PRIVATE_KEY_FILE "${SVC_ENV[@]}" \
        setsid bash -c 'echo $$ >"$0" && exec "$@"' "$pidf" "$bin" </dev/null >>"$SV/$name.log" 2>&1 9>&- &)
    for ((i = 0; i < 50; i++)); do
        [[ -s $pidf ]] && break
        sleep 0.1
    done
    [[ -s $pidf ]] || fail_with_log "service $name did not start" "$SV/$name.log"
    p=$(<"$pidf")
    echo "    $(printf '%-13s' "$name") starting (pid $p, port $(svc_port "$idx"))"
}

service_wait_ready() { # name idx
    local name=$1 idx=$2 p rc=0
    p=$(tr -dc '0-9' <"$SV/$name.pid")
    wait_for 30 "$p" http_ok "http://127.0.0.1:$(svc_port "$idx")/readyz" || rc=$?
    case $rc in
        0) echo "    $(printf '%-13s' "$name") ready" ;;
        1) fail_with_log "service $name (pid $p) exited during start-up" "$SV/$name.log" ;;
        *) fail_with_log "service $name did not answer 200 on /readyz within 30 s" "$SV/$name.log" ;;
    esac
}

# The services whose binary exists, as "index:name" words.
present_services() {
    local i
    for i in "${!PB_SERVICES[@]}"; do
        if [[ -x $PB_BUILD_DIR/bin/pb-${PB_SERVICES[$i]} ]]; then
            echo "$((i + 1)):${PB_SERVICES[$i]}"
        fi
    done
    return 0
}

services_up() {
    mkdir -p "$SV"
    local entry idx name p started=()
    PRESENT=()
    mapfile -t PRESENT < <(present_services)
    if ((${#PRESENT[@]} == 0)); then
        echo "    no service binaries found in $PB_BUILD_DIR/bin (pb-<service>): none started"
        return
    fi
    for entry in "${PRESENT[@]}"; do
        idx=${entry%%:*} name=${entry#*:}
        if p=$(pid_of "$SV/$name.pid" "pb-$name"); then
            if [[ $PB_BUILD_DIR/bin/pb-$name -nt $SV/$name.pid ]]; then
                echo "    $(printf '%-13s' "$name") binary is newer than the running process: restarting"
                service_stop "$name"
            else
                echo "    $(printf '%-13s' "$name") already running (pid $p)"
                continue
            fi
        fi
        service_start "$name" "$idx"
        started+=("$entry")
    done
    for entry in "${started[@]}"; do
        service_wait_ready "${entry#*:}" "${entry%%:*}"
    done
}

create_admin() {
    local bin=$PB_BUILD_DIR/bin/pb-user log=$SV/user.log out
    [[ -x $bin ]] || return 0
    service_env user 1
    # a process of its own: a worker id no running service uses
    out=$(env "${SVC_ENV[@]}" PB_WORKER_ID=513 PB_ADMIN_USER="$PB_ADMIN_USER" PB_ADMIN_PASSWORD="$ADMIN_PASSWORD" \
        "$bin" create-admin 2>&1 </dev/null 9>&-) || {
        printf '%s\n' "$out" >>"$log"
        printf '%s\n' "$out" >&2
        pb_die "pb-user create-admin failed"
    }
    printf '%s\n' "$out" >>"$log"
    echo "    admin account '$PB_ADMIN_USER' ensured"
}

# ---------------------------------------------------------------- nginx

# Copy src to dst replacing every @@KEY@@ from the associative array TOKENS.
render() { # src dst
    local text k
    text=$(<"$1")
    for k in "${!TOKENS[@]}"; do
        text=${text//"@@$k@@"/"${TOKENS[$k]}"}
    done
    [[ $text != *@@[A-Z]*@@* ]] || pb_die "$1 has a placeholder this script does not fill: $(grep -o '@@[A-Z_]*@@' <<<"$text" | sort -u | tr '\n' ' ')"
    printf '%s\n' "$text" >"$2"
}

# The upstream blocks of the gateway: one server per service (scripts/cluster.sh redefines
# this function for its two instances and internal listeners). Idle connections are kept 10 s
# (keepalive_timeout): nginx closes them before the service would (PB_HTTP_IDLE_TIMEOUT_S,
# 60 s), so it never sends a request on a connection the service is closing, and the service
# frees what it holds per connection (32 KB in libmicrohttpd) soon after a burst.
nginx_upstreams() {
    local entry idx name
    for entry in "${PRESENT[@]}"; do
        idx=${entry%%:*} name=${entry#*:}
        echo "    # $name service: generated by scripts/stack.sh (PB_PORT_BASE + $idx)"
        echo "    upstream $name {"
        echo "        server 127.0.0.1:$(svc_port "$idx") max_fails=3 fail_timeout=5s;"
        echo "        keepalive 64;"
        echo "        keepalive_timeout 10s;"
        echo "    }"
    done
}

# Render the gateway configuration into conf.new/, check it with nginx -t, then make it
# the live conf/. Sets NGINX_CHANGED=1 when it differs from the previous one.
nginx_configure() {
    local gw=$PB_REPO/gateway entry idx name upstreams="" routes="" new=$NG/conf.new
    declare -gA TOKENS=()
    mkdir -p "$NG/logs" "$NG/static" "$NG"/temp/{client_body,proxy,fastcgi,uwsgi,scgi} \
        "$PB_MEDIA_DIR"/{public,private}
    [[ -s $NG/static/bench.json ]] ||
        printf '%s\n' '{"status":"ok","service":"gateway","note":"static placeholder body; bench/run.sh overwrites it"}' >"$NG/static/bench.json"
    rm -rf "$new"
    mkdir -p "$new/routes"
    upstreams=$(nginx_upstreams)
    for entry in "${PRESENT[@]}"; do
        name=${entry#*:}
        if [[ -f $gw/routes/$name.conf ]]; then
            routes+="        include routes/$name.conf;
"
        else
            echo "    warning: gateway/routes/$name.conf does not exist: $name gets no public routes" >&2
        fi
    done
    [[ -n $upstreams ]] || upstreams="    # no service binaries were found: no upstreams
"
    if [[ -n ${PB_BENCH_UPSTREAM_PORT:-} ]]; then
        # the benchmarks' "nginx proxying to a trivial upstream" reference: the same proxy
        # settings as a service route, to another nginx (bench/lib.sh starts it) that
        # answers a static body
        upstreams+="    upstream pb_bench_trivial {
        server 127.0.0.1:$PB_BENCH_UPSTREAM_PORT;
        keepalive 64;
        keepalive_timeout 10s;
    }
"
        routes+="        location = /bench/proxied {
            include proxy.conf;
            proxy_pass http://pb_bench_trivial;
        }
"
    fi
    [[ -n $routes ]] || routes="        # no service routes
"
    if ((IS_ROOT)); then
        TOKENS[USER_DIRECTIVE]="user root;"
    else
        TOKENS[USER_DIRECTIVE]="# (not root: workers run as the invoking user)"
    fi
    TOKENS[UPSTREAMS]=$upstreams
    TOKENS[ROUTES]=$routes
    TOKENS[PB_PORT_BASE]=$PB_PORT_BASE
    if [[ $PB_GATEWAY_ADDR == 127.0.0.1 ]]; then
        TOKENS[GATEWAY_LISTEN]="        # PB_GATEWAY_ADDR=127.0.0.1: this host only"
    else
        TOKENS[GATEWAY_LISTEN]="        listen $PB_GATEWAY_ADDR:$PB_PORT_BASE; # PB_GATEWAY_ADDR"
    fi
    TOKENS[PB_AUTH_RATE]=$PB_AUTH_RATE
    TOKENS[PB_AUTH_BURST]=$PB_AUTH_BURST
    TOKENS[PB_HOME]=$PB_HOME
    TOKENS[PB_REPO]=$PB_REPO
    TOKENS[PB_WEB_DIR]=$PB_WEB_DIR
    TOKENS[PB_MEDIA_DIR]=$PB_MEDIA_DIR
    render "$gw/nginx.conf.template" "$new/nginx.conf"
    render "$gw/proxy.conf" "$new/proxy.conf"
    for entry in "${PRESENT[@]}"; do
        name=${entry#*:}
        if [[ -f $gw/routes/$name.conf ]]; then
            render "$gw/routes/$name.conf" "$new/routes/$name.conf"
        fi
    done
    local out
    out=$(nginx -t -p "$NG/" -c conf.new/nginx.conf -e logs/error.log 2>&1 9>&-) || {
        printf '%s\n' "$out" >&2
        pb_die "the generated gateway configuration $new/nginx.conf is invalid (the live one is unchanged)"
    }
    NGINX_CHANGED=1
    if [[ -d $NG/conf ]] && diff -r -q "$NG/conf" "$new" >/dev/null 2>&1; then
        NGINX_CHANGED=0
        rm -rf "$new"
    else
        rm -rf "$NG/conf.old"
        [[ -d $NG/conf ]] && mv "$NG/conf" "$NG/conf.old"
        mv "$new" "$NG/conf"
        rm -rf "$NG/conf.old"
    fi
}

nginx_up() {
    local p
    nginx_configure
    if p=$(pid_of "$NG/nginx.pid" nginx); then
        if ((NGINX_CHANGED)); then
            nginx "${NGINX_FLAGS[@]}" -s reload 9>&- || pb_die "nginx reload failed"
            echo "    gateway       configuration changed: reloaded (pid $p)"
        else
            echo "    gateway       already running (pid $p)"
        fi
    else
        require_free_port "$PB_PORT_BASE" "gateway, PB_PORT_BASE"
        rm -f "$NG/nginx.pid"
        nginx "${NGINX_FLAGS[@]}" </dev/null 9>&- || fail_with_log "nginx did not start" "$NG/logs/error.log"
        local i
        for ((i = 0; i < 50; i++)); do
            p=$(pid_of "$NG/nginx.pid" nginx) && break
            sleep 0.1
        done
        [[ -n $p ]] || fail_with_log "nginx did not start" "$NG/logs/error.log"
        echo "    gateway       started (pid $p, port $PB_PORT_BASE)"
    fi
    wait_for 10 "$p" http_ok "http://127.0.0.1:$PB_PORT_BASE/healthz" ||
        fail_with_log "the gateway does not answer http://127.0.0.1:$PB_PORT_BASE/healthz" "$NG/logs/error.log"
}

nginx_down() {
    local p
    p=$(pid_of "$NG/nginx.pid" nginx) || {
        rm -f "$NG/nginx.pid"
        return 0
    }
    printf '    stopping %-13s pid %s\n' gateway "$p"
    # graceful: workers finish their requests (worker_shutdown_timeout bounds it)
    if [[ -f $NG/conf/nginx.conf ]]; then
        nginx "${NGINX_FLAGS[@]}" -s quit 2>/dev/null || kill -QUIT "$p" 2>/dev/null || true
    else
        kill -QUIT "$p" 2>/dev/null || true
    fi
    if ! wait_gone "$p" 20; then
        echo "    gateway did not quit within 20s: SIGTERM" >&2
        kill -TERM "$p" 2>/dev/null || true
        wait_gone "$p" 5 || kill -KILL "$p" 2>/dev/null || true
    fi
    rm -f "$NG/nginx.pid"
}

# ---------------------------------------------------------------- commands

build() {
    if [[ ${PB_SKIP_BUILD:-0} == 1 ]]; then
        pb_say "build skipped (PB_SKIP_BUILD=1), using $PB_BUILD_DIR"
        return
    fi
    pb_say "building release binaries in $PB_BUILD_DIR"
    cmake -S "$PB_REPO" -B "$PB_BUILD_DIR" -DCMAKE_BUILD_TYPE=Release -DPB_BUILD_TESTS=OFF >/dev/null
    cmake --build "$PB_BUILD_DIR" -j2 9>&-
}

lock() {
    mkdir -p "$PB_HOME"
    exec 9>"$PB_HOME/.stack.lock"
    flock -n 9 || pb_die "another scripts/stack.sh is working on $PB_HOME"
}

cmd_up() {
    lock
    pb_say "dependencies"
    "$PB_REPO/scripts/deps.sh"
    build
    "$PB_REPO/scripts/web.sh" build 9>&-
    pb_say "starting the stack in $PB_HOME"
    if [[ -n ${PB_SANITIZE_LOG_DIR:-} ]]; then
        PB_SANITIZE_LOG_DIR=$(pb_abspath "$PB_SANITIZE_LOG_DIR")
        export PB_SANITIZE_LOG_DIR
        mkdir -p "$PB_SANITIZE_LOG_DIR"
    fi
    ensure_secrets
    local v
    for v in "${PB_RECORDED_VARS[@]}"; do printf '%s=%s\n' "$v" "${!v-}"; done >"$PB_HOME/stack.env"
    mariadb_start
    mariadb_provision
    run_migrations
    redis_start
    nats_start
    create_stream
    services_up
    create_admin
    nginx_up
    if [[ $PB_DEMO_DATA == 1 ]]; then
        if [[ -x $PB_BUILD_DIR/bin/pb-user ]]; then
            pb_say "demo data"
            PB_GATEWAY="http://127.0.0.1:$PB_PORT_BASE" PB_ADMIN_PASSWORD="$ADMIN_PASSWORD" \
                "$PB_REPO/scripts/seed-demo.sh" 9>&- || pb_die "loading the demo data failed"
        else
            pb_say "demo data skipped: the user service is not built yet"
        fi
    fi
    summary
}

summary() {
    local entry idx
    echo
    echo "Pet boarding stack is up (PB_HOME=$PB_HOME)"
    echo "  gateway        http://127.0.0.1:$PB_PORT_BASE/   (API /api/v1/..., docs /docs/, health /healthz)"
    if [[ $PB_GATEWAY_ADDR != 127.0.0.1 ]]; then
        echo "                 also listening on $PB_GATEWAY_ADDR:$PB_PORT_BASE (PB_GATEWAY_ADDR): reachable from other machines"
    fi
    for entry in "${PRESENT[@]}"; do
        idx=${entry%%:*}
        printf '  %-14s http://127.0.0.1:%s/\n' "${entry#*:}" "$(svc_port "$idx")"
    done
    ((${#PRESENT[@]})) || echo "  services       none built yet"
    echo "  MariaDB        127.0.0.1:$PB_DB_PORT (root over socket $PB_DB_SOCKET)"
    echo "  Redis          127.0.0.1:$PB_REDIS_PORT"
    echo "  NATS           nats://127.0.0.1:$PB_NATS_PORT (monitor http://127.0.0.1:$PB_NATS_MONITOR_PORT/)"
    echo "  admin          user '$PB_ADMIN_USER', password '$ADMIN_PASSWORD'"
    echo "  logs           $SV/<service>.log, $NG/logs/{access,error}.log, $MY/error.log, $RD/redis.log, $NA/nats.log"
    echo "                 (scripts/stack.sh logs follows them all)"
}

cmd_down() {
    if [[ ! -d $PB_HOME ]]; then
        pb_say "nothing to stop: $PB_HOME does not exist"
        return 0
    fi
    lock
    pb_say "stopping the stack in $PB_HOME"
    nginx_down
    local s
    if [[ -d $SV ]]; then
        for s in "${PB_SERVICES[@]}"; do
            if [[ -e $SV/$s.pid ]]; then
                service_stop "$s"
            fi
        done
    fi
    stop_pidfile nats "$NA/nats.pid" nats-server 30
    stop_pidfile redis "$RD/redis.pid" redis-server 30
    stop_pidfile mariadb "$MY/mysqld.pid" mariadbd 120
    pb_say "stopped"
}

status_line() { # name pidfile comm [url]
    local p state="dead" check=""
    if p=$(pid_of "$2" "$3"); then
        state=alive
    elif [[ -e $2 ]]; then
        p=$(tr -dc '0-9' <"$2")
        p=${p:--}
        state="dead (stale pid file)"
    else
        p=-
        state="not running"
    fi
    [[ -n ${4:-} && $state == alive ]] && check="${4##*/} $(http_status "$4")"
    printf '%-13s %-8s %-22s %s\n' "$1" "$p" "$state" "$check"
}

cmd_status() {
    local i s
    printf '%-13s %-8s %-22s %s\n' COMPONENT PID STATE CHECK
    status_line mariadb "$MY/mysqld.pid" mariadbd
    status_line redis "$RD/redis.pid" redis-server
    status_line nats "$NA/nats.pid" nats-server "http://127.0.0.1:$PB_NATS_MONITOR_PORT/healthz"
    for i in "${!PB_SERVICES[@]}"; do
        s=${PB_SERVICES[$i]}
        if [[ -x $PB_BUILD_DIR/bin/pb-$s || -e $SV/$s.pid ]]; then
            status_line "$s" "$SV/$s.pid" "pb-$s" "http://127.0.0.1:$(svc_port $((i + 1)))/readyz"
        else
            printf '%-13s %-8s %-22s\n' "$s" - "not built"
        fi
    done
    status_line gateway "$NG/nginx.pid" nginx "http://127.0.0.1:$PB_PORT_BASE/healthz"
}

cmd_logs() {
    local files=("$MY/error.log" "$RD/redis.log" "$NA/nats.log" "$NG/logs/error.log" "$NG/logs/access.log")
    local f
    for f in "$SV"/*.log; do
        if [[ -e $f ]]; then
            files+=("$f")
        fi
    done
    exec tail -n 50 -F "${files[@]}"
}

# One service on its own (benchmarks and fault tests): start with the caller's environment,
# stop gracefully, kill -9, or restart.
cmd_service() { # name action
    local name=$1 action=$2 idx=0 i p
    for i in "${!PB_SERVICES[@]}"; do
        [[ ${PB_SERVICES[$i]} == "$name" ]] && idx=$((i + 1))
    done
    ((idx > 0)) || pb_die "no service called $name"
    [[ -x $PB_BUILD_DIR/bin/pb-$name ]] || pb_die "pb-$name is not built in $PB_BUILD_DIR"
    lock
    mkdir -p "$SV"
    case $action in
        stop) service_stop "$name" ;;
        kill)
            if p=$(pid_of "$SV/$name.pid" "pb-$name"); then
                kill -9 "$p"
                wait_gone "$p" 10 || true
                echo "    $(printf '%-13s' "$name") killed (pid $p)"
            fi
            ;;
        start | restart)
            [[ $action == restart ]] && service_stop "$name"
            if p=$(pid_of "$SV/$name.pid" "pb-$name"); then
                echo "    $(printf '%-13s' "$name") already running (pid $p)"
            else
                service_start "$name" "$idx"
                service_wait_ready "$name" "$idx"
            fi
            ;;
        *) usage ;;
    esac
}

# One piece of infrastructure on its own (fault tests): nats|redis start|stop|kill.
cmd_infra() { # what action
    local what=$1 action=$2 p
    lock
    case $what:$action in
        nats:start) nats_start ;;
        redis:start) redis_start ;;
        nats:stop) stop_pidfile nats "$NA/nats.pid" nats-server 30 ;;
        redis:stop) stop_pidfile redis "$RD/redis.pid" redis-server 30 ;;
        nats:kill | redis:kill)
            local pidf=$NA/nats.pid comm=nats-server
            [[ $what == redis ]] && pidf=$RD/redis.pid comm=redis-server
            if p=$(pid_of "$pidf" "$comm"); then
                kill -9 "$p"
                wait_gone "$p" 10 || true
                rm -f "$pidf"
                echo "    $(printf '%-13s' "$what") killed (pid $p)"
            fi
            ;;
        *) usage ;;
    esac
}

# Sourced (by scripts/cluster.sh): the functions only.
if [[ ${BASH_SOURCE[0]} != "$0" ]]; then
    return 0
fi

if [[ ${1:-} == service && $# == 3 ]]; then
    cmd_service "$2" "$3"
    exit 0
fi
if [[ ${1:-} =~ ^(nats|redis)$ && $# == 2 ]]; then
    cmd_infra "$1" "$2"
    exit 0
fi
(($# == 1)) || usage
PRESENT=()
ADMIN_PASSWORD=
case $1 in
    up) cmd_up ;;
    down) cmd_down ;;
    status) cmd_status ;;
    logs) cmd_logs ;;
    restart)
        cmd_down
        cmd_up
        ;;
    *) usage ;;
esac
