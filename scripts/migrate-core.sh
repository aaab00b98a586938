# shellcheck shell=bash
# The one migration runner, sourced by scripts/migrate.sh (the local stack, MariaDB root over
# its socket) and deploy/docker/migrate-remote.sh (the image's pb-migrate, over TCP). They
# differ only in how they reach the server; the files and the bookkeeping are these:
#
#   <dir>/NNN_name.sql          applied once, recorded as "NNN_name.sql"
#   <dir>/NNN_name.shard.sql    applied once per shard k = 0..N-1 with every "{k}" replaced
#                               by k, recorded as "NNN_name.shard.sql:k"
#
# in pb_<service>.schema_migrations (version, applied_ms), in file-name order. N is
# PB_<SERVICE>_SHARDS (default 4), recorded in pb_<service>.schema_meta (k = 'shards') the
# first time sharded files are applied; a different N later is refused (resharding moves
# rows and is not automatic). A failing file stops the run with its name and is not
# recorded, so it runs again next time (DDL is not transactional in MariaDB: write migrations
# that can be re-run, e.g. CREATE TABLE IF NOT EXISTS).
#
# The sourcing script defines two functions first:
#   pb_migrate_sql ARGS...   the mariadb client as an account that may create databases and
#                            users, connected to the server (ARGS: a database, -e, -N -B, ...)
#   pb_die MESSAGE...        print the message and exit non-zero

# Pure: the statements that create the database pb_<service> and its account 'pb_<service>'@'%'
# with a hex password (both kept if they exist; the password and grants are set again).
pb_migrate_provision_sql() { # service hex-password
    local s=$1 pw=$2
    [[ $s =~ ^[a-z][a-z0-9_]*$ ]] || pb_die "bad service name '$s'"
    [[ $pw =~ ^[0-9a-f]+$ ]] || pb_die "the password of pb_$s must be hex"
    printf '%s\n' "CREATE DATABASE IF NOT EXISTS \`pb_$s\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE USER IF NOT EXISTS 'pb_$s'@'%' IDENTIFIED BY '$pw';
ALTER USER 'pb_$s'@'%' IDENTIFIED BY '$pw';
GRANT SELECT, INSERT, UPDATE, DELETE, CREATE, ALTER, INDEX, DROP, REFERENCES, LOCK TABLES,
      CREATE TEMPORARY TABLES ON \`pb_$s\`.* TO 'pb_$s'@'%';"
}

# Apply the migrations of one service from dir (which must exist). Prints one line per file
# applied and a summary.
pb_migrate_service() { # service dir
    local svc=$1 dir=$2 db shards_var shards v f k path applied=0 shards_checked=0 recorded
    [[ $svc =~ ^[a-z][a-z0-9_]*$ ]] || pb_die "bad service name '$svc'"
    [[ -d $dir ]] || pb_die "no migrations folder $dir"
    db=pb_$svc
    shards_var=PB_${svc^^}_SHARDS
    shards=${!shards_var:-4}
    if ! [[ $shards =~ ^[1-9][0-9]*$ ]] || ((shards > 1024)); then
        pb_die "$shards_var=$shards is not a shard count (1..1024)"
    fi
    pb_migrate_sql -e "CREATE DATABASE IF NOT EXISTS \`$db\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
    pb_migrate_sql "$db" -e "
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
    done < <(pb_migrate_sql -N -B "$db" -e "SELECT version FROM schema_migrations")
    local files=()
    mapfile -t files < <(find "$dir" -maxdepth 1 -type f -name '[0-9]*.sql' -printf '%f\n' | LC_ALL=C sort)
    for f in "${files[@]}"; do
        # version names go into SQL text: allow only plain file-name characters
        [[ $f =~ ^[0-9]+_[A-Za-z0-9_.-]+\.sql$ ]] ||
            pb_die "migration file name '$f' in $dir: use NNN_name.sql or NNN_name.shard.sql"
        path=$dir/$f
        if [[ $f == *.shard.sql ]]; then
            if ((!shards_checked)); then
                recorded=$(pb_migrate_sql -N -B "$db" -e "SELECT v FROM schema_meta WHERE k = 'shards'")
                if [[ -z $recorded ]]; then
                    pb_migrate_sql "$db" -e "INSERT INTO schema_meta (k, v) VALUES ('shards', '$shards')"
                    echo "migrate $svc: recorded $shards shards"
                elif [[ $recorded != "$shards" ]]; then
                    pb_die "migrate $svc: the database was created with $recorded shards but $shards_var=$shards;" \
                        "resharding is not automatic: set $shards_var=$recorded"
                fi
                shards_checked=1
            fi
            for ((k = 0; k < shards; k++)); do
                v="$f:$k"
                [[ -n ${done_versions[$v]:-} ]] && continue
                echo "migrate $svc: $f (shard $k)"
                sed "s/{k}/$k/g" "$path" | pb_migrate_sql "$db" ||
                    pb_die "migration $path failed for shard $k (nothing recorded for it)"
                pb_migrate_sql "$db" -e "INSERT INTO schema_migrations (version, applied_ms) VALUES ('$v', $(date +%s%3N))"
                applied=$((applied + 1))
            done
        else
            [[ -n ${done_versions[$f]:-} ]] && continue
            echo "migrate $svc: $f"
            pb_migrate_sql "$db" <"$path" || pb_die "migration $path failed (not recorded)"
            pb_migrate_sql "$db" -e "INSERT INTO schema_migrations (version, applied_ms) VALUES ('$f', $(date +%s%3N))"
            applied=$((applied + 1))
        fi
    done
    echo "migrate $svc: $applied applied, ${#files[@]} file(s) in total"
}
