#!/bin/sh
# Start a Redis node or a Sentinel (image redis:7), used by Compose and by the Kubernetes
# StatefulSets (deploy/k8s/21-redis.yaml embeds this same file; scripts/check-deploy.sh
# checks they are equal):   redis-start.sh server|sentinel
#
#   REDIS_SELF              this node's name as the others reach it (redis-1, sentinel-2,
#                           redis-0.redis-headless, ...); announced instead of its IP, so a
#                           container or pod that comes back with a new address is still found
#   REDIS_PRIMARY           the primary of a fresh deployment (the sentinels' answer wins)
#   REDIS_SENTINELS         host:port,... of every Sentinel
#   REDIS_MASTER_NAME       (pbmaster) the name the services ask for (PB_REDIS_MASTER)
#   SENTINEL_QUORUM (2)  SENTINEL_DOWN_AFTER_MS (5000)  SENTINEL_FAILOVER_TIMEOUT_MS (30000)
#   SENTINEL_WAIT_S (30)    how long a node with data waits for a Sentinel's answer
#
# Start order: the Redis nodes and the Sentinels may start together (Compose: the Sentinels
# need only the nodes' containers to exist, so their names resolve; Kubernetes: Parallel).
# A node asks the Sentinels which node is the primary now and replicates from it unless it
# is that node: a former primary that restarts after a failover comes back as a replica
# instead of a second primary. Hostnames are used everywhere (Sentinel resolve-hostnames and
# announce-hostnames, Redis replica-announce-ip), as Redis' Sentinel guide asks.
set -eu
role=${1:?usage: redis-start.sh server|sentinel}
self=${REDIS_SELF:?set REDIS_SELF}
name=${REDIS_MASTER_NAME:-pbmaster}

# the primary the first answering Sentinel names, or nothing
current_primary() {
    for s in $(echo "${REDIS_SENTINELS:-}" | tr ',' ' '); do
        a=$(timeout 3 redis-cli -h "${s%:*}" -p "${s##*:}" --raw SENTINEL get-master-addr-by-name "$name" 2>/dev/null |
            head -n 1) || continue
        case $a in
            "" | *[!A-Za-z0-9.:-]* | ERR*) continue ;;
        esac
        echo "$a"
        return 0
    done
    return 0
}

# A node with data has been part of this deployment: the Sentinels know who the primary is
# now (after a failover it is not REDIS_PRIMARY) and may be starting too, so ask them for a
# while before falling back; a fresh node (first deployment) asks once.
wait_s=0
if [ "$role" = server ] && { [ -e /data/appendonlydir ] || [ -e /data/appendonly.aof ] || [ -e /data/dump.rdb ]; }; then
    wait_s=${SENTINEL_WAIT_S:-30}
fi
primary=$(current_primary)
while [ -z "$primary" ] && [ "$wait_s" -gt 0 ]; do
    sleep 2
    wait_s=$((wait_s - 2))
    primary=$(current_primary)
done
if [ -z "$primary" ]; then
    primary=${REDIS_PRIMARY:?set REDIS_PRIMARY}
    echo "redis-start: no Sentinel names a primary: using $primary"
fi

case $role in
    server)
        set -- redis-server --port 6379 --dir /data --protected-mode no \
            --appendonly yes --replica-announce-ip "$self" \
            --repl-diskless-sync yes --repl-diskless-sync-delay 0
        if [ "$primary" != "$self" ]; then
            echo "redis-start: $self replicates from $primary"
            set -- "$@" --replicaof "$primary" 6379
        else
            echo "redis-start: $self is the primary"
        fi
        ;;
    sentinel)
        conf=/data/sentinel.conf
        # written once: Sentinel rewrites it with what it learns (the current primary, the
        # other Sentinels and the replicas), which must survive a restart
        if [ ! -s "$conf" ]; then
            echo "redis-start: new Sentinel $self monitoring $name at $primary"
            cat >"$conf" <<EOF
port 26379
dir /data
protected-mode no
sentinel resolve-hostnames yes
sentinel announce-hostnames yes
sentinel announce-ip $self
sentinel monitor $name $primary 6379 ${SENTINEL_QUORUM:-2}
sentinel down-after-milliseconds $name ${SENTINEL_DOWN_AFTER_MS:-5000}
sentinel failover-timeout $name ${SENTINEL_FAILOVER_TIMEOUT_MS:-30000}
sentinel parallel-syncs $name 1
EOF
        fi
        set -- redis-server "$conf" --sentinel
        ;;
    *)
        echo "usage: redis-start.sh server|sentinel" >&2
        exit 2
        ;;
esac
# the image's entrypoint drops to the redis user (and gives it the files in /data)
exec docker-entrypoint.sh "$@"
