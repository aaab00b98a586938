#!/bin/bash
# Healthy when this Galera node is in the primary component, synced and accepting queries
# (not merely running: a node that lost the quorum or is still receiving a state transfer
# is not healthy). Uses the root password secret over TCP.
MYSQL_PWD=$(</run/secrets/db-root.pw) || exit 1
export MYSQL_PWD
out=$(mariadb --no-defaults --protocol=tcp -h127.0.0.1 -uroot --connect-timeout=3 -N -B -e \
    "SHOW GLOBAL STATUS WHERE Variable_name IN ('wsrep_cluster_status','wsrep_local_state_comment','wsrep_ready')") || exit 1
grep -qx $'wsrep_cluster_status\tPrimary' <<<"$out" &&
    grep -qx $'wsrep_local_state_comment\tSynced' <<<"$out" &&
    grep -qx $'wsrep_ready\tON' <<<"$out"
