#!/bin/bash
# The image's ENTRYPOINT (/usr/local/bin/pb-entrypoint): runs the command the container was
# given (its CMD: pb-order, pb-user, pb-migrate, pb-stream, pb-create-admin, ...) after one
# check that matters only when several copies of a service run at once.
#
# Every service process makes 64-bit snowflake ids with a 10-bit worker id (lib/ids.h), and
# two live processes must never share one: duplicates collide on primary keys and, worse, an
# event id made twice is dropped as a duplicate by JetStream and by the consumers' processed
# tables. The default worker id (port mod 1024) is the same in every replica of a service, so
# a service container must say which worker it is:
#   PB_WORKER_ID            set explicitly (Compose: one per named container), or
#   PB_WORKER_ID_BASE       0..15, with a host name ending in -<ordinal> (Kubernetes StatefulSet
#                           pods order-0, order-1, ...): PB_WORKER_ID = base + 16 * ordinal and
#                           PB_INSTANCE = ordinal + 1 (ordinal 0..63). The manifests give service
#                           i (1..9, services.list order) base i, the numbering scripts/cluster.sh
#                           and the compose file use (instance k of service i: i + 16 (k - 1)).
# The services are those of services.list (in the image /usr/share/petboarding/services.list).
# A service started with neither is refused rather than risk duplicate ids.
set -euo pipefail

die() {
    printf '{"level":"error","svc":"entrypoint","msg":"%s"}\n' "$*" >&2
    exit 2
}

LIST=/usr/share/petboarding/services.list
mapfile -t services < <(grep -E '^[a-z][a-z0-9_]*$' "$LIST" 2>/dev/null || true)
((${#services[@]} > 0)) || die "no service names in $LIST"

if (($# == 0)) || [[ $1 == --help || $1 == help ]]; then
    cat <<EOF
petboarding image: give the program to run as the container's command.
  services   ${services[*]/#/pb-}
             (set PB_WORKER_ID, or PB_WORKER_ID_BASE in a StatefulSet; PB_BIND=0.0.0.0)
  one-shot   pb-migrate [--provision] [service...]   schema migrations over TCP
             pb-stream                                create the JetStream stream
             pb-create-admin                          ensure the admin account
  probe      pb-healthcheck [healthz|readyz]          HTTP check of the local service
EOF
    exit 0
fi

prog=${1##*/}
if [[ $prog == pb-* && " ${services[*]} " == *" ${prog#pb-} "* ]]; then
    if [[ -z ${PB_WORKER_ID:-} ]]; then
        [[ -n ${PB_WORKER_ID_BASE:-} ]] ||
            die "$1: set PB_WORKER_ID (unique per running process) or PB_WORKER_ID_BASE (StatefulSet); replicas must not share snowflake worker ids"
        [[ $PB_WORKER_ID_BASE =~ ^([0-9]|1[0-5])$ ]] || die "PB_WORKER_ID_BASE=$PB_WORKER_ID_BASE must be 0..15"
        host=${HOSTNAME:-$(hostname)}
        ordinal=${host##*-}
        [[ $host == *-* && $ordinal =~ ^[0-9]+$ ]] ||
            die "PB_WORKER_ID_BASE is set but the host name '$host' does not end in -<ordinal> (run the service as a StatefulSet)"
        ordinal=$((10#$ordinal))
        ((ordinal < 64)) || die "ordinal $ordinal is too large (at most 64 instances: PB_INSTANCE is 1..64)"
        export PB_WORKER_ID=$((PB_WORKER_ID_BASE + 16 * ordinal))
        export PB_INSTANCE=$((ordinal + 1))
    fi
fi
exec "$@"
