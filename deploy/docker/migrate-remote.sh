#!/bin/bash
# /usr/local/bin/pb-migrate: the migrations of scripts/migrate.sh for a MariaDB reached over
# TCP (a container, a Galera cluster) instead of the local stack's socket. Same runner: both
# source scripts/migrate-core.sh (in the image /usr/share/petboarding/migrate-core.sh), so the
# files and the bookkeeping are the same (schema_migrations, schema_meta's shard count).
#
#   pb-migrate [--provision] [service...]      (default: every service of services.list with
#                                               a migrations folder)
#
# --provision first does what scripts/stack.sh's mariadb_provision does: for each service, the
# database pb_<s> and the user 'pb_<s>'@'%' with the password in $PB_DB_PASSWORD_DIR/db-<s>.pw
# (hex, as make-secrets.sh writes it), resynced on every run, with the same grants.
#
# Environment:
#   PB_DB_HOSTS (host:port,host:port,...) or PB_DB_HOST (127.0.0.1) + PB_DB_PORT (3306):
#       the first server that answers is used for the whole run (with Galera, DDL replicates
#       from that node to the others)
#   PB_DB_ROOT_USER (root), PB_DB_ROOT_PASSWORD_FILE (required): an account that may create
#       databases and users
#   PB_DB_PASSWORD_DIR (/run/secrets): where db-<service>.pw are, for --provision
#   PB_MIGRATIONS_DIR (/usr/share/petboarding/db/migrations)
#   PB_DB_WAIT_S (120): how long to wait for a server to answer
set -euo pipefail

pb_die() {
    printf 'pb-migrate: error: %s\n' "$*" >&2
    exit 1
}

# the runner and the service list: where the image puts them (deploy/Dockerfile), or in the
# repository when this file is run from it
here=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)
if [[ -f $here/../../scripts/migrate-core.sh ]]; then
    core=$here/../../scripts/migrate-core.sh list=$here/../../services.list
else
    core=/usr/share/petboarding/migrate-core.sh list=/usr/share/petboarding/services.list
fi
# shellcheck source-path=SCRIPTDIR/../../scripts source=migrate-core.sh
source "$core"
mapfile -t SERVICES < <(grep -E '^[a-z][a-z0-9_]*$' "$list" || true)
((${#SERVICES[@]} > 0)) || pb_die "no service names in $list"

provision=0
if [[ ${1:-} == --provision ]]; then
    provision=1
    shift
fi
explicit=0
if (($# > 0)); then
    targets=("$@")
    explicit=1
else
    targets=("${SERVICES[@]}")
fi

mdir=${PB_MIGRATIONS_DIR:-/usr/share/petboarding/db/migrations}
[[ -d $mdir ]] || pb_die "no migrations folder $mdir (set PB_MIGRATIONS_DIR)"
[[ -n ${PB_DB_ROOT_PASSWORD_FILE:-} ]] || pb_die "set PB_DB_ROOT_PASSWORD_FILE"
MYSQL_PWD=$(<"$PB_DB_ROOT_PASSWORD_FILE") || pb_die "cannot read $PB_DB_ROOT_PASSWORD_FILE"
export MYSQL_PWD # the client reads the password from here: it never appears in ps
root_user=${PB_DB_ROOT_USER:-root}
wait_s=${PB_DB_WAIT_S:-120}
[[ $wait_s =~ ^[0-9]+$ ]] || pb_die "PB_DB_WAIT_S=$wait_s is not a number of seconds"

candidates=()
if [[ -n ${PB_DB_HOSTS:-} ]]; then
    IFS=',' read -r -a candidates <<<"$PB_DB_HOSTS"
else
    candidates=("${PB_DB_HOST:-127.0.0.1}:${PB_DB_PORT:-3306}")
fi

DB_HOST=
DB_PORT=
pb_migrate_sql() { # mariadb client arguments...
    mariadb --no-defaults --protocol=tcp -h "$DB_HOST" -P "$DB_PORT" -u "$root_user" \
        --connect-timeout=5 "$@"
}

# the first server that answers, polled until PB_DB_WAIT_S
deadline=$((SECONDS + wait_s))
while :; do
    for c in "${candidates[@]}"; do
        c=${c// /}
        [[ -n $c ]] || continue
        DB_HOST=${c%:*}
        DB_PORT=3306
        [[ $c == *:* ]] && DB_PORT=${c##*:}
        if pb_migrate_sql -N -B -e 'SELECT 1' >/dev/null 2>&1; then
            break 2
        fi
    done
    ((SECONDS < deadline)) || pb_die "no MariaDB server of [${candidates[*]}] answered within ${wait_s}s as $root_user"
    sleep 2
done
echo "pb-migrate: using $DB_HOST:$DB_PORT"

if ((provision)); then
    pwdir=${PB_DB_PASSWORD_DIR:-/run/secrets}
    q=""
    for s in "${targets[@]}"; do
        [[ $s =~ ^[a-z][a-z0-9_]*$ ]] || pb_die "bad service name '$s'"
        f=$pwdir/db-$s.pw
        [[ -r $f ]] || pb_die "cannot read $f (the password of pb_$s)"
        pw=$(<"$f")
        [[ $pw =~ ^[0-9a-f]+$ ]] || pb_die "$f must hold a hex password"
        q+="$(pb_migrate_provision_sql "$s" "$pw")
"
    done
    pb_migrate_sql --batch <<<"$q" || pb_die "creating the service databases and users failed"
    echo "pb-migrate: databases and users of ${targets[*]} ensured"
fi

for s in "${targets[@]}"; do
    [[ $s =~ ^[a-z][a-z0-9_]*$ ]] || pb_die "bad service name '$s'"
    if [[ ! -d $mdir/$s ]]; then
        ((!explicit)) || pb_die "no migrations folder $mdir/$s"
        continue
    fi
    pb_migrate_service "$s" "$mdir/$s"
done
