#!/usr/bin/env bash
# Generate the secrets of a Compose (or Kubernetes) deployment into a folder, once: files that
# exist are kept, so running it again changes nothing. Same formats as scripts/stack.sh's
# ensure_secrets.
#
#   deploy/compose/make-secrets.sh [DIR]     (default deploy/compose/secrets, git-ignored)
#
# Files: jwt-private.pem jwt-public.pem (ES256 key pair), internal-token, webhook-secret,
# db-root.pw (MariaDB root), db-sst.pw (Galera state transfers), db-<service>.pw for each
# service of services.list (hex, as the provisioning requires), admin-password.
# docker-compose.yml reads them from ${PB_SECRETS_DIR:-./secrets}; for Kubernetes:
#   kubectl -n petboarding create secret generic pb-secrets --from-file=DIR
#
# Values have no trailing newline (a Kubernetes Secret made from the files keeps the bytes
# as they are, and the MariaDB Operator takes db-root.pw literally).
# Modes: the folder is 0700 (no other host user gets in); the files are 0444 because Compose
# bind-mounts a file secret with its host owner and mode, and the containers read them as
# other users (the services as uid 10001, MariaDB as mysql, ...).
set -euo pipefail
# the services (services.list at the repository's root)
mapfile -t SERVICES < <(grep -E '^[a-z][a-z0-9_]*$' "$(dirname "${BASH_SOURCE[0]}")/../../services.list" || true)
((${#SERVICES[@]} > 0)) || {
    echo "make-secrets.sh: no service names in services.list" >&2
    exit 1
}
DIR=${1:-$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/secrets}
command -v openssl >/dev/null || {
    echo "make-secrets.sh: openssl is required (apt-get install openssl)" >&2
    exit 1
}
mkdir -p "$DIR"
chmod 700 "$DIR"
cd "$DIR"
umask 077
made=()
if [[ ! -s jwt-private.pem ]]; then
    openssl ecparam -name prime256v1 -genkey -noout -out jwt-private.pem.tmp
    openssl ec -in jwt-private.pem.tmp -pubout -out jwt-public.pem 2>/dev/null
    mv jwt-private.pem.tmp jwt-private.pem
    made+=(jwt-private.pem jwt-public.pem)
fi
if [[ ! -s jwt-public.pem ]]; then
    openssl ec -in jwt-private.pem -pubout -out jwt-public.pem 2>/dev/null
    made+=(jwt-public.pem)
fi
for f in internal-token webhook-secret db-root.pw db-sst.pw; do
    if [[ ! -s $f ]]; then
        openssl rand -hex 32 | tr -d '\n' >"$f"
        made+=("$f")
    fi
done
for s in "${SERVICES[@]}"; do
    if [[ ! -s db-$s.pw ]]; then
        openssl rand -hex 32 | tr -d '\n' >"db-$s.pw"
        made+=("db-$s.pw")
    fi
done
if [[ ! -s admin-password ]]; then
    r=$(openssl rand -base64 32 | tr -dc 'A-Za-z0-9')
    printf '%s' "${r:0:20}Pb7x" >admin-password # every character class
    made+=(admin-password)
fi
chmod 0444 ./*
if ((${#made[@]})); then
    echo "make-secrets.sh: generated ${made[*]} in $DIR"
else
    echo "make-secrets.sh: every secret already exists in $DIR"
fi
