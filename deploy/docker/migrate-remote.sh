#!/bin/bash
# /usr/local/bin/pb-migrate: scripts/migrate.sh for a MariaDB reached over TCP (a container,
# a Galera cluster) instead of the local stack's socket. Same files, same bookkeeping:
#
#   db/migrations/<service>/NNN_name.sql        applied once, recorded as "NNN_name.sql"
#   db/migrations/<service>/NNN_name.shard.sql  applied once per shard k = 0..N-1 with every
#                                               "{k}" replaced by k, recorded as "NNN_name.shard.sql:k"
#
# in pb_<service>.schema_migrations (version, applied_ms), with the shard count N =
# PB_<SERVICE>_SHARDS (default 4) recorded once in pb_<service>.schema_meta (k = 'shards') and
# a different N refused later. A failing file stops the run and is not recorded.
#
#   pb-migrate [--provision] [service...]      (default: every service with a migrations folder)
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

SERVICES=(user pet boarding order payment review notification admin media)

die() {
    printf 'pb-migrate: error: %s\n' "$*" >&2
    exit 1
}

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
[[ -d $mdir ]] || die "no migrations folder $mdir (set PB_MIGRATIONS_DIR)"
[[ -n ${PB_DB_ROOT_PASSWORD_FILE:-} ]] || die "set PB_DB_ROOT_PASSWORD_FILE"
MYSQL_PWD=$(<"$PB_DB_ROOT_PASSWORD_FILE") || die "cannot read $PB_DB_ROOT_PASSWORD_FILE"
export MYSQL_PWD # the client reads the password from here: it never appears in ps
root_user=${PB_DB_ROOT_USER:-root}
wait_s=${PB_DB_WAIT_S:-120}
[[ $wait_s =~ ^[0-9]+$ ]] || die "PB_DB_WAIT_S=$wait_s is not a number of seconds"

candidates=()
if [[ -n ${PB_DB_HOSTS:-} ]]; then
    IFS=',' read -r -a candidates <<<"$PB_DB_HOSTS"
else
    candidates=("${PB_DB_HOST:-127.0.0.1}:${PB_DB_PORT:-3306}")
fi

DB_HOST=
DB_PORT=
sql() { # mariadb client arguments...
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
        if sql -N -B -e 'SELECT 1' >/dev/null 2>&1; then
            break 2
        fi
    done
    ((SECONDS < deadline)) || die "no MariaDB server of [${candidates[*]}] answered within ${wait_s}s as $root_user"
    sleep 2
done
echo "pb-migrate: using $DB_HOST:$DB_PORT"

if ((provision)); then
    pwdir=${PB_DB_PASSWORD_DIR:-/run/secrets}
    q=""
    for s in "${targets[@]}"; do
        [[ $s =~ ^[a-z][a-z0-9_]*$ ]] || die "bad service name '$s'"
        f=$pwdir/db-$s.pw
        [[ -r $f ]] || die "cannot read $f (the password of pb_$s)"
        pw=$(<"$f")
        [[ $pw =~ ^[0-9a-f]+$ ]] || die "$f must hold a hex password"
        q+="CREATE DATABASE IF NOT EXISTS \`pb_$s\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE USER IF NOT EXISTS 'pb_$s'@'%' IDENTIFIED BY '$pw';
ALTER USER 'pb_$s'@'%' IDENTIFIED BY '$pw';
GRANT SELECT, INSERT, UPDATE, DELETE, CREATE, ALTER, INDEX, DROP, REFERENCES, LOCK TABLES,
      CREATE TEMPORARY TABLES ON \`pb_$s\`.* TO 'pb_$s'@'%';
"
    done
    sql --batch <<<"$q" || die "creating the service databases and users failed"
    echo "pb-migrate: databases and users of ${targets[*]} ensured"
fi

now_ms() { date +%s%3N; }

# version names go into SQL text: allow only plain file-name characters
check_name() { # file dir
    [[ $1 =~ ^[0-9]+_[A-Za-z0-9_.-]+\.sql$ ]] || die "migration file name '$1' in $2: use NNN_name.sql or NNN_name.shard.sql"
}

migrate_one() { # service
    local svc=$1 dir db shards_var shards v f k path applied=0 shards_checked=0 recorded
    [[ $svc =~ ^[a-z][a-z0-9_]*$ ]] || die "bad service name '$svc'"
    dir=$mdir/$svc
    if [[ ! -d $dir ]]; then
        ((!explicit)) || die "no migrations folder $dir"
        return 0
    fi
    db=pb_$svc
    shards_var=PB_${svc^^}_SHARDS
    shards=${!shards_var:-4}
    if ! [[ $shards =~ ^[1-9][0-9]*$ ]] || ((shards > 1024)); then
        die "$shards_var=$shards is not a shard count (1..1024)"
    fi
    sql -e "CREATE DATABASE IF NOT EXISTS \`$db\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
    sql "$db" -e "
CREATE TABLE IF NOT EXISTS schema_migrations (
    version VARCHAR(255) PRIMARY KEY,
    applied_ms BIGINT NOT NULL
) ENGINE=InnoDB;
CREATE TABLE IF NOT EXISTS schema_meta (
    k VARCHAR(64) PRIMARY KEY,
    v VARCHAR(255) NOT NULL
) ENGINE=InnoDB;"
    local -A done_versions=()
    while IFS= read -r v; do
        [[ -n $v ]] && done_versions[$v]=1
    done < <(sql -N -B "$db" -e "SELECT version FROM schema_migrations")
    local files=()
    mapfile -t files < <(find "$dir" -maxdepth 1 -type f -name '[0-9]*.sql' -printf '%f\n' | LC_ALL=C sort)
    for f in "${files[@]}"; do
        check_name "$f" "$dir"
        path=$dir/$f
        if [[ $f == *.shard.sql ]]; then
            if ((!shards_checked)); then
                recorded=$(sql -N -B "$db" -e "SELECT v FROM schema_meta WHERE k = 'shards'")
                if [[ -z $recorded ]]; then
                    sql "$db" -e "INSERT INTO schema_meta (k, v) VALUES ('shards', '$shards')"
                    echo "migrate $svc: recorded $shards shards"
                elif [[ $recorded != "$shards" ]]; then
                    die "migrate $svc: the database was created with $recorded shards but $shards_var=$shards;" \
                        "resharding is not automatic: set $shards_var=$recorded"
                fi
                shards_checked=1
            fi
            for ((k = 0; k < shards; k++)); do
                v="$f:$k"
                [[ -n ${done_versions[$v]:-} ]] && continue
                echo "migrate $svc: $f (shard $k)"
                sed "s/{k}/$k/g" "$path" | sql "$db" ||
                    die "migration $path failed for shard $k (nothing recorded for it)"
                sql "$db" -e "INSERT INTO schema_migrations (version, applied_ms) VALUES ('$v', $(now_ms))"
                applied=$((applied + 1))
            done
        else
            [[ -n ${done_versions[$f]:-} ]] && continue
            echo "migrate $svc: $f"
            sql "$db" <"$path" || die "migration $path failed (not recorded)"
            sql "$db" -e "INSERT INTO schema_migrations (version, applied_ms) VALUES ('$f', $(now_ms))"
            applied=$((applied + 1))
        fi
    done
    echo "migrate $svc: $applied applied, ${#files[@]} file(s) in total"
}

for s in "${targets[@]}"; do
    migrate_one "$s"
done
