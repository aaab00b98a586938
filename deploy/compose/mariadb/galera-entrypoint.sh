#!/bin/bash
# Entrypoint of the Compose Galera nodes (image petboarding-mariadb): decides whether this node
# starts a new cluster, writes the SST credentials, then hands over to the image's own
# docker-entrypoint.sh (deploy/images/mariadb-entrypoint.sh: it initialises an empty data
# directory with wsrep off first). Runs as the mysql user.
#
#   GALERA_NODE         this node's name (galera-1)
#   GALERA_PEERS        every node (galera-1,galera-2,galera-3)
#   GALERA_NEW_CLUSTER  1: this node may create a NEW cluster when its data directory has
#                       never been in one (first deployment). Off by default: a node whose
#                       volume was lost must join the others (and receive their data), not
#                       start an empty cluster they would then copy.
#   GALERA_BOOTSTRAP    auto (default): start a new cluster from this node's data only when
#                       its grastate.dat says safe_to_bootstrap: 1 (it was the last node of a
#                       clean stop) and no peer answers; otherwise join.
#                       force: start a new cluster from this node's data (after a crash of
#                       every node, on the node with the highest recovered seqno; see
#                       docs/deploy.md). Never on two nodes.
#                       no: always join.
#   GALERA_REJOIN_DELAY_S  (20) how long a node that crashed waits before it rejoins (below)
set -euo pipefail

datadir=/var/lib/mysql
node=${GALERA_NODE:?set GALERA_NODE}
peers=${GALERA_PEERS:?set GALERA_PEERS}
mode=${GALERA_BOOTSTRAP:-auto}
state=$datadir/grastate.dat

say() { printf '%s [Note] [pb-galera] %s\n' "$(date --rfc-3339=seconds)" "$*"; }

# the SST account's password, for mariadb-backup on a donor (readable by mysql only)
sst_pw=$(</run/secrets/db-sst.pw)
(
    umask 077
    printf '[mariadb]\nwsrep_sst_auth=mariabackup:%s\n' "$sst_pw" >/etc/mysql/conf.d/61-pb-sst-auth.cnf
)
chown mysql:mysql /etc/mysql/conf.d/61-pb-sst-auth.cnf

peer_answers() { # any other node listening on the Galera port
    local p
    for p in ${peers//,/ }; do
        [[ $p == "$node" ]] && continue
        if timeout 2 bash -c "exec 3<>/dev/tcp/$p/4567" 2>/dev/null; then
            return 0
        fi
    done
    return 1
}

# A node that crashed (its grastate.dat still says seqno: -1, as while it runs) and is started
# again at once by the restart policy comes back with the same address but a new identity
# while the others may still hold its previous incarnation: Galera then re-forms the component
# several times, and while a state exchange is retried no node serves (make test-containers
# saw 4 s of "WSREP has not yet prepared node for application use" on every node). Waiting
# until the others have evicted and forgotten it (evs.inactive_timeout, 15 s, plus a margin)
# avoids that; the two others serve meanwhile. Not after a clean stop, nor with no peer up.
if [[ -s $state ]] && grep -q '^seqno: *-1' "$state" && peer_answers; then
    delay=${GALERA_REJOIN_DELAY_S:-20}
    say "$node did not stop cleanly and its peers are up: rejoining in $delay s, once they have evicted its previous incarnation"
    sleep "$delay"
fi

new_cluster=0
case $mode in
    force)
        say "GALERA_BOOTSTRAP=force: $node starts a new cluster from its own data"
        [[ -f $state ]] && sed -i 's/^safe_to_bootstrap: *0/safe_to_bootstrap: 1/' "$state"
        new_cluster=1
        ;;
    auto)
        if [[ ! -s $state ]]; then
            if peer_answers; then
                say "$node has no Galera state yet: joining the running cluster (state transfer)"
            elif [[ ${GALERA_NEW_CLUSTER:-0} == 1 ]]; then
                say "$node has no Galera state and no peer answers: creating a new cluster (GALERA_NEW_CLUSTER=1)"
                new_cluster=1
            else
                say "$node has no Galera state and no peer answers; it may create a new cluster only with" \
                    "GALERA_NEW_CLUSTER=1 (first deployment: PB_GALERA_NEW_CLUSTER=1 docker-compose up -d)." \
                    "Trying to join."
            fi
        elif grep -q '^safe_to_bootstrap: *1' "$state"; then
            if peer_answers; then
                say "$node was the last to stop but a peer is up: joining"
            else
                say "$node was the last node of a clean stop (safe_to_bootstrap: 1) and no peer answers: starting the cluster"
                new_cluster=1
            fi
        else
            say "$node joins the cluster (it is not marked safe to bootstrap)"
        fi
        ;;
    no) say "$node joins the cluster (GALERA_BOOTSTRAP=no)" ;;
    *)
        echo "GALERA_BOOTSTRAP=$mode: use auto, force or no" >&2
        exit 2
        ;;
esac

args=("$@")
((${#args[@]})) || args=(mariadbd)
args+=("--wsrep-node-name=$node")
((new_cluster)) && args+=(--wsrep-new-cluster)
exec docker-entrypoint.sh "${args[@]}"
