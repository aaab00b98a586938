#!/bin/sh
# /usr/local/bin/pb-healthcheck [healthz|readyz]: exit 0 when the service in this container
# answers 200 on that endpoint (default healthz) of 127.0.0.1:$PB_PORT within 2 s.
# The image's HEALTHCHECK uses /healthz (liveness: the process serves HTTP); Compose
# overrides it with readyz so depends_on waits for MariaDB, Redis and NATS to be reachable.
path=${1:-healthz}
case $path in
    healthz | readyz) ;;
    *)
        echo "usage: pb-healthcheck [healthz|readyz]" >&2
        exit 2
        ;;
esac
[ -n "${PB_PORT:-}" ] || {
    echo "pb-healthcheck: PB_PORT is not set" >&2
    exit 1
}
exec curl -fsS -m 2 -o /dev/null "http://127.0.0.1:${PB_PORT}/${path}"
