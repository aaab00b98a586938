#!/usr/bin/env bash
# Apply a service's SQL migrations (db/migrations/<service>/) to the local stack, as MariaDB
# root over the stack's socket:  scripts/migrate.sh <service>
# The runner and its bookkeeping (NNN_name.sql once, NNN_name.shard.sql once per shard of
# PB_<SERVICE>_SHARDS, recorded in pb_<service>.schema_migrations) are scripts/migrate-core.sh,
# which the image's pb-migrate (deploy/docker/migrate-remote.sh) runs over TCP.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
# shellcheck source-path=SCRIPTDIR source=migrate-core.sh
source "$(dirname "${BASH_SOURCE[0]}")/migrate-core.sh"

(($# == 1)) || pb_die "usage: scripts/migrate.sh <service>"
[[ -S $PB_DB_SOCKET ]] || pb_die "MariaDB socket $PB_DB_SOCKET not found: is the stack up (PB_HOME=$PB_HOME)?"

pb_migrate_sql() { pb_mariadb "$@"; }

pb_migrate_service "$1" "$PB_REPO/db/migrations/$1"
