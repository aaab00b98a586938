#!/bin/sh
# /usr/local/bin/pb-create-admin: `pb-user create-admin` with the password read from a file
# (a container secret) instead of the environment of the whole container.
#   PB_ADMIN_USER (admin)  PB_ADMIN_PASSWORD_FILE (required unless PB_ADMIN_PASSWORD is set)
# Needs what pb-user needs: its database password, Redis, NATS, the JWT private key, and a
# PB_WORKER_ID no running service uses (the manifests give it 1000).
set -eu
if [ -z "${PB_ADMIN_PASSWORD:-}" ]; then
    [ -n "${PB_ADMIN_PASSWORD_FILE:-}" ] || {
        echo "pb-create-admin: set PB_ADMIN_PASSWORD_FILE" >&2
        exit 2
    }
    PB_ADMIN_PASSWORD=$(cat "$PB_ADMIN_PASSWORD_FILE")
    export PB_ADMIN_PASSWORD
fi
: "${PB_WORKER_ID:=1000}"
export PB_WORKER_ID
exec pb-user create-admin
