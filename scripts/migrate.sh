#!/usr/bin/env bash
# Apply a service's SQL migrations once each, in file-name order, as MariaDB root over the
# stack's socket:  scripts/migrate.sh <service>
#
#   db/migrations/<service>/NNN_name.sql        applied once, recorded as "NNN_name.sql"
#   db/migrations/<service>/NNN_name.shard.sql  applied once per shard k = 0..N-1 with every
#                                               "{k}" replaced by k, recorded as "NNN_name.shard.sql:k"
#
# N is PB_<SERVICE>_SHARDS (default 4). It is recorded in pb_<service>.schema_meta
# (k = 'shards') the first time sharded files are applied; a different N later is refused
# (resharding moves rows and is not automatic). Applied files are recorded in
# pb_<service>.schema_migrations. A failing file stops here with its name; it is not
# recorded, so it runs again next time (DDL is not transactional in MariaDB: write
# migrations that can be re-run, e.g. CREATE TABLE IF NOT EXISTS).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

(($# == 1)) || pb_die "usage: scripts/migrate.sh <service>"
svc=$1
[[ $svc =~ ^[a-z][a-z0-9_]*$ ]] || pb_die "bad service name '$svc'"
dir=$PB_REPO/db/migrations/$svc
[[ -d $dir ]] || pb_die "no migrations folder $dir"
[[ -S $PB_DB_SOCKET ]] || pb_die "MariaDB socket $PB_DB_SOCKET not found: is the stack up (PB_HOME=$PB_HOME)?"

db=pb_$svc
shards_var=PB_${svc^^}_SHARDS
shards=${!shards_var:-4}
if ! [[ $shards =~ ^[1-9][0-9]*$ ]] || ((shards > 1024)); then
    pb_die "$shards_var=$shards is not a shard count (1..1024)"
fi

pb_mariadb -e "CREATE DATABASE IF NOT EXISTS \`$db\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
pb_mariadb "$db" -e "
CREATE TABLE IF NOT EXISTS schema_migrations (
    version VARCHAR(255) PRIMARY KEY,
    applied_ms BIGINT NOT NULL
) ENGINE=InnoDB;
CREATE TABLE IF NOT EXISTS schema_meta (
    k VARCHAR(64) PRIMARY KEY,
    v VARCHAR(255) NOT NULL
) ENGINE=InnoDB;"

declare -A done_versions=()
while IFS= read -r v; do
    done_versions[$v]=1
done < <(pb_mariadb -N -B "$db" -e "SELECT version FROM schema_migrations")

mapfile -t files < <(find "$dir" -maxdepth 1 -type f -name '[0-9]*.sql' -printf '%f\n' | LC_ALL=C sort)

now_ms() { date +%s%3N; }

record() { # version
    pb_mariadb "$db" -e "INSERT INTO schema_migrations (version, applied_ms) VALUES ('$1', $(now_ms))"
}

# version names go into SQL text: allow only plain file-name characters
check_name() {
    [[ $1 =~ ^[0-9]+_[A-Za-z0-9_.-]+\.sql$ ]] || pb_die "migration file name '$1' in $dir: use NNN_name.sql or NNN_name.shard.sql"
}

ensure_shards_recorded() {
    local recorded
    recorded=$(pb_mariadb -N -B "$db" -e "SELECT v FROM schema_meta WHERE k = 'shards'")
    if [[ -z $recorded ]]; then
        pb_mariadb "$db" -e "INSERT INTO schema_meta (k, v) VALUES ('shards', '$shards')"
        echo "migrate $svc: recorded $shards shards"
    elif [[ $recorded != "$shards" ]]; then
        pb_die "migrate $svc: the database was created with $recorded shards but $shards_var=$shards;" \
            "resharding is not automatic: set $shards_var=$recorded (or start from an empty PB_HOME)"
    fi
}

applied=0
shards_checked=0
for f in "${files[@]}"; do
    check_name "$f"
    path=$dir/$f
    if [[ $f == *.shard.sql ]]; then
        if ((!shards_checked)); then
            ensure_shards_recorded
            shards_checked=1
        fi
        for ((k = 0; k < shards; k++)); do
            v="$f:$k"
            [[ -n ${done_versions[$v]:-} ]] && continue
            echo "migrate $svc: $f (shard $k)"
            sed "s/{k}/$k/g" "$path" | pb_mariadb "$db" ||
                pb_die "migration $path failed for shard $k (nothing recorded for it)"
            record "$v"
            applied=$((applied + 1))
        done
    else
        [[ -n ${done_versions[$f]:-} ]] && continue
        echo "migrate $svc: $f"
        pb_mariadb "$db" <"$path" || pb_die "migration $path failed (not recorded)"
        record "$f"
        applied=$((applied + 1))
    fi
done
echo "migrate $svc: $applied applied, ${#files[@]} file(s) in total"
