#!/usr/bin/env bash
# The Compose cluster (deploy/compose/docker-compose.yml) on this machine, with podman as the
# engine: docker-compose talks to podman's Docker-compatible API socket. `make compose-up`,
# `make compose-down`, `make compose-status`. Run as root (rootful podman: containers on a
# bridge network with their own addresses, ports published on the host).
#
#   scripts/compose.sh up        secrets (once), then `docker-compose up -d`, which starts the
#                                cluster in dependency order (Galera, Redis + Sentinels, NATS,
#                                the migrations, the stream, the admin account, two instances of
#                                every service, the gateway, Prometheus) and waits for each
#                                dependency's health check; then waits for the gateway's /readyz
#                                and loads the demo data through it (as make up does)
#   scripts/compose.sh down      stop and remove the containers (the volumes are kept); stops
#                                podman's API service when no container is left on the machine
#   scripts/compose.sh down -v   ... and the volumes (every byte of data)
#   scripts/compose.sh status    one line per container: state and health
#   scripts/compose.sh logs [C]  docker-compose logs (of container C)
#   scripts/compose.sh run ...   any docker-compose command against the project
#
# The images come from `make images` (scripts/images.sh); a missing one is an error here. The
# first `up` of a project (no volume galera-1 yet) creates the Galera cluster
# (PB_GALERA_NEW_CLUSTER=1); later ones join the nodes to it.
#
# Health checks: podman runs a container's health check from a systemd timer. Where there is no
# systemd (a container, a CI sandbox), this script runs them itself: a background loop calls
# `podman healthcheck run` at each container's own interval until it is healthy and every 30 s
# once it is (docker-compose's depends_on waits for "healthy"). It stops with `down`.
#
# Settings: PB_COMPOSE_PROJECT (petboarding), PB_SECRETS_DIR (deploy/compose/secrets),
# PB_GATEWAY_PUBLISH (8080), PB_PROMETHEUS_PUBLISH (127.0.0.1:9090), PB_COMPOSE_FILES (extra
# compose files, colon-separated, e.g. the container test's overrides), PB_COMPOSE_UP_TIMEOUT_S
# (900), PB_DEMO_DATA (1: load the demo data).
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO"
# shellcheck source=scripts/podman-env.sh
source scripts/podman-env.sh

PROJECT=${PB_COMPOSE_PROJECT:-petboarding}
[[ $PROJECT =~ ^[a-z0-9][a-z0-9_-]*$ ]] || {
    echo "PB_COMPOSE_PROJECT must be lower-case letters, digits, - and _" >&2
    exit 2
}
RUN=$REPO/var/podman/$PROJECT
SOCK=$REPO/var/podman/podman.sock
export PB_SECRETS_DIR=${PB_SECRETS_DIR:-$REPO/deploy/compose/secrets}
compose=(docker-compose --no-ansi -p "$PROJECT" -f deploy/compose/docker-compose.yml)
IFS=: read -r -a extra <<<"${PB_COMPOSE_FILES:-}"
for f in "${extra[@]}"; do
    [[ -n $f ]] && compose+=(-f "$f")
done

say() { printf '==> %s\n' "$*"; }

need_tools() {
    if ! command -v podman >/dev/null || ! command -v docker-compose >/dev/null; then
        if [[ $(id -u) == 0 ]]; then
            scripts/deps.sh containers
        else
            echo "podman and docker-compose are needed: scripts/deps.sh containers (as root)" >&2
            exit 1
        fi
    fi
    pb_podman_env "$REPO"
    mkdir -p "$RUN"
}

alive() { [[ -f $1 ]] && kill -0 "$(cat "$1")" 2>/dev/null; }

# podman's API service: one per machine (all projects share it), started on demand
api_service() {
    if ! alive "$REPO/var/podman/service.pid" || ! [[ -S $SOCK ]]; then
        rm -f "$SOCK"
        nohup podman system service --time=0 "unix://$SOCK" >"$REPO/var/podman/service.log" 2>&1 &
        echo $! >"$REPO/var/podman/service.pid"
        local i
        for ((i = 0; i < 50; i++)); do
            [[ -S $SOCK ]] && break
            sleep 0.1
        done
        [[ -S $SOCK ]] || {
            cat "$REPO/var/podman/service.log" >&2
            exit 1
        }
    fi
    export DOCKER_HOST=unix://$SOCK
}

health_loop() { # the project's health checks, where no systemd runs them
    declare -A last=() every=()
    local id status now iv rest
    while :; do
        now=$(date +%s)
        while IFS='|' read -r id status; do
            case $status in
                *"(healthy)"*) iv=30 ;; # a healthy container: a slower pace (the check costs a podman exec)
                *"(starting)"* | *"(unhealthy)"*)
                    # its own interval, so that `retries` consecutive failures take as long as
                    # the compose file means (a faster pace would mark a slow starter unhealthy)
                    if [[ -z ${every[$id]:-} ]]; then
                        iv=$(podman inspect --format '{{if .Config.Healthcheck}}{{.Config.Healthcheck.Interval}}{{end}}' "$id" 2>/dev/null)
                        case $iv in
                            *ms) iv=1 ;;
                            *m*s) rest=${iv#*m} && iv=$((${iv%%m*} * 60 + ${rest%%[.s]*})) ;;
                            *s) iv=${iv%s} ;;
                            *) iv=5 ;;
                        esac
                        iv=${iv%%.*}
                        [[ $iv =~ ^[0-9]+$ ]] && ((iv >= 1)) || iv=5
                        every[$id]=$iv
                    fi
                    iv=${every[$id]}
                    ;;
                *) continue ;; # no health check
            esac
            ((now - ${last[$id]:-0} >= iv)) || continue
            last[$id]=$now
            timeout 20 podman healthcheck run "$id" >/dev/null 2>&1 &
        done < <(podman ps --filter "label=com.docker.compose.project=$PROJECT" --format '{{.ID}}|{{.Status}}' 2>/dev/null)
        wait
        sleep 1
    done
}

health_driver() {
    [[ -S /run/systemd/private ]] && return 0 # podman's own timers work
    alive "$RUN/health.pid" && return 0
    nohup "$0" health-loop >"$RUN/health.log" 2>&1 &
    echo $! >"$RUN/health.pid"
}

images_present() {
    local img missing=()
    for img in "${PB_IMAGE:-petboarding:latest}" "${PB_GATEWAY_IMAGE:-petboarding-gateway:latest}" \
        "${PB_MARIADB_IMAGE:-petboarding-mariadb:latest}" "${PB_REDIS_IMAGE:-petboarding-redis:latest}" \
        "${PB_NATS_IMAGE:-petboarding-nats:latest}" "${PB_PROMETHEUS_IMAGE:-petboarding-prometheus:latest}"; do
        podman image exists "$img" || missing+=("$img")
    done
    ((${#missing[@]} == 0)) || {
        echo "missing images: ${missing[*]} (make images builds them)" >&2
        exit 1
    }
}

gateway_url() {
    local p=${PB_GATEWAY_PUBLISH:-8080}
    [[ $p == *:* ]] || p=127.0.0.1:$p
    echo "http://$p"
}

cmd_up() {
    need_tools
    images_present
    deploy/compose/make-secrets.sh "$PB_SECRETS_DIR" >/dev/null
    api_service
    health_driver
    if ! podman volume exists "${PROJECT}_galera-1"; then
        say "first start of $PROJECT: galera-1 creates the Galera cluster"
        export PB_GALERA_NEW_CLUSTER=1
    fi
    say "docker-compose up -d ($PROJECT, podman at $SOCK)"
    local t0=$SECONDS
    # docker-compose gives up on a dependency the moment it is reported unhealthy, though it may
    # be healthy at its next check (a service slow to start on a busy machine): `up -d` is
    # idempotent, so it runs again (3 tries) and goes on from where it stopped
    local try=1 deadline=$((SECONDS + ${PB_COMPOSE_UP_TIMEOUT_S:-900}))
    until timeout $((deadline - SECONDS)) "${compose[@]}" up -d; do
        if ((try >= 3 || SECONDS >= deadline)); then
            cmd_status >&2 || true
            echo "docker-compose up failed: scripts/compose.sh logs <container> tells why" >&2
            exit 1
        fi
        try=$((try + 1))
        say "docker-compose up stopped at an unhealthy dependency: try $try of 3"
        sleep 5
    done
    local gw i
    gw=$(gateway_url)
    for ((i = 0; i < 120; i++)); do
        curl -fsS -m 2 -o /dev/null "$gw/readyz" 2>/dev/null && break
        sleep 1
    done
    curl -fsS -m 2 -o /dev/null "$gw/readyz" || {
        echo "the gateway $gw does not answer /readyz" >&2
        exit 1
    }
    say "up in $((SECONDS - t0)) s: gateway $gw (admin: ${PB_ADMIN_USER:-admin}, password in $PB_SECRETS_DIR/admin-password)"
    if [[ ${PB_DEMO_DATA:-1} == 1 ]]; then
        say "demo data through the gateway (scripts/seed-demo.sh; PB_DEMO_DATA=0 skips it)"
        PB_GATEWAY=$gw PB_ADMIN_PASSWORD=$(cat "$PB_SECRETS_DIR/admin-password") scripts/seed-demo.sh |
            tail -n 3 | sed 's/^/    /'
    fi
}

cmd_down() {
    need_tools
    api_service
    "${compose[@]}" down "$@" || true
    # what docker-compose could not remove: a container in a restart loop is recreated under
    # its feet; podman removes it by force (then the network and, with -v, the volumes)
    local label=label=com.docker.compose.project=$PROJECT
    podman ps -aq --filter "$label" | xargs -r podman rm -f -t 5 >/dev/null
    podman network ls -q --filter "$label" | xargs -r podman network rm -f >/dev/null
    if [[ " $* " == *" -v "* || " $* " == *" --volumes "* ]]; then
        podman volume ls -q --filter "$label" | xargs -r podman volume rm -f >/dev/null
    fi
    if alive "$RUN/health.pid"; then
        kill "$(cat "$RUN/health.pid")" 2>/dev/null || true
    fi
    rm -f "$RUN/health.pid"
    # the API service is the machine's: stopped once no container is left
    if [[ -z $(podman ps -aq) ]] && alive "$REPO/var/podman/service.pid"; then
        kill "$(cat "$REPO/var/podman/service.pid")" 2>/dev/null || true
        rm -f "$REPO/var/podman/service.pid" "$SOCK"
    fi
}

cmd_status() {
    podman ps -a --filter "label=com.docker.compose.project=$PROJECT" --format '{{.Names}}\t{{.Status}}' | sort
}

case ${1:-} in
    up) cmd_up ;;
    down) shift; cmd_down "$@" ;;
    status | ps) need_tools; cmd_status ;;
    logs) shift; need_tools; api_service; "${compose[@]}" logs --tail=200 "$@" ;;
    run) shift; need_tools; api_service; "${compose[@]}" "$@" ;;
    health-loop) pb_podman_env "$REPO"; health_loop ;;
    *)
        sed -n '2,30p' "$0" >&2
        exit 2
        ;;
esac
