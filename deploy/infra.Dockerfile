# The images of everything around the services, from Debian 12's own packages (no image of
# another registry): one target each, built from the repository root by scripts/images.sh:
#
#   podman build -f deploy/infra.Dockerfile --target gateway -t petboarding-gateway .
#
#   gateway      nginx with the web app (web/dist, built first by scripts/web.sh build), the
#                OpenAPI documents and the Compose configuration (deploy/compose/gateway/)
#   mariadb      MariaDB 10.11 with Galera 4 and mariadb-backup (state transfers)
#   redis        Redis 7 and Redis Sentinel (one image, deploy/compose/redis/redis-start.sh
#                chooses the role)
#   nats         the NATS server (JetStream)
#   prometheus   Prometheus with the platform's alert rules
#
# Every one runs as a non-root user and has a HEALTHCHECK. No secret is in any image:
# passwords and keys are files under /run/secrets given at run time.
ARG DEBIAN_IMAGE=debian:bookworm-slim

# ---------------------------------------------------------------- gateway
FROM ${DEBIAN_IMAGE} AS gateway
# bash: the health check's /dev/tcp probe (nginx-light has no HTTP client to call itself)
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends nginx bash \
 && rm -rf /var/lib/apt/lists/* /etc/nginx/sites-enabled /etc/nginx/conf.d \
 && groupadd --system --gid 10001 pb \
 && useradd --system --uid 10001 --gid pb --home-dir /nonexistent --no-create-home --shell /usr/sbin/nologin pb \
 && ln -sf /dev/stderr /var/log/nginx/error.log \
 && install -d -o 10001 -g 10001 -m 0755 /var/lib/petboarding/media /usr/share/petboarding/static
# the rendered Compose configuration (deploy/render-gateway.sh): Kubernetes mounts its own
COPY deploy/compose/gateway/nginx.conf deploy/compose/gateway/proxy.conf /etc/nginx/
COPY web/dist /usr/share/petboarding/web
COPY docs/openapi.yaml docs/internal.openapi.yaml /usr/share/petboarding/docs/
RUN printf '%s\n' '{"status":"ok","service":"gateway","note":"static placeholder body"}' \
        >/usr/share/petboarding/static/bench.json \
 && chmod -R a+rX /usr/share/petboarding /etc/nginx
EXPOSE 8080 8081 8082 8083 8084 8085 8086 8087 8088 8089
USER 10001:10001
HEALTHCHECK --interval=5s --timeout=3s --start-period=10s --retries=3 \
    CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/8080 && printf 'GET /healthz HTTP/1.0\\r\\n\\r\\n' >&3 && head -n 1 <&3 | grep -q ' 200 '"]
STOPSIGNAL SIGQUIT
CMD ["nginx", "-g", "daemon off;"]

# ---------------------------------------------------------------- mariadb
FROM ${DEBIAN_IMAGE} AS mariadb
# mariadb-backup and socat: the state transfer of a joining Galera node (wsrep_sst_method
# mariabackup); the client for the health check and the initialisation
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        mariadb-server galera-4 mariadb-backup mariadb-client socat iproute2 procps \
 && rm -rf /var/lib/apt/lists/* /var/lib/mysql \
 && install -d -o mysql -g mysql -m 0750 /var/lib/mysql \
 && install -d -o mysql -g mysql -m 0755 /run/mysqld /docker-entrypoint-initdb.d \
 && chown mysql:mysql /etc/mysql/conf.d \
 # Debian's server defaults bind to 127.0.0.1 and are read after conf.d: the node settings
 # (deploy/compose/mariadb/galera.cnf, mounted into conf.d) decide instead
 && sed -i -e 's/^bind-address/#bind-address/' /etc/mysql/mariadb.conf.d/50-server.cnf \
 && rm -f /etc/mysql/mariadb.conf.d/60-galera.cnf \
 # a state transfer's log goes to the container's output, not to a syslog that is not there
 && sed -i -e 's/^syslog/#syslog/' /etc/mysql/mariadb.conf.d/50-mysqld_safe.cnf
COPY deploy/images/mariadb-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
RUN chmod 0755 /usr/local/bin/docker-entrypoint.sh
VOLUME /var/lib/mysql
EXPOSE 3306 4444 4567 4568
USER mysql
HEALTHCHECK --interval=5s --timeout=3s --start-period=60s --retries=5 CMD ["mariadb-admin", "ping", "--silent"]
ENTRYPOINT ["docker-entrypoint.sh"]
CMD ["mariadbd"]

# ---------------------------------------------------------------- redis
FROM ${DEBIAN_IMAGE} AS redis
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends redis-server redis-sentinel redis-tools \
 && rm -rf /var/lib/apt/lists/* \
 && install -d -o redis -g redis -m 0750 /data
# deploy/compose/redis/redis-start.sh ends with `exec docker-entrypoint.sh redis-server ...`,
# the official image's entrypoint (Kubernetes runs that image); here it only runs its arguments
RUN printf '#!/bin/sh\nexec "$@"\n' >/usr/local/bin/docker-entrypoint.sh \
 && chmod 0755 /usr/local/bin/docker-entrypoint.sh
VOLUME /data
WORKDIR /data
EXPOSE 6379 26379
USER redis
HEALTHCHECK --interval=5s --timeout=3s --retries=5 CMD ["redis-cli", "ping"]
CMD ["redis-server", "--protected-mode", "no"]

# ---------------------------------------------------------------- nats
FROM ${DEBIAN_IMAGE} AS nats
# wget: the health check (JetStream's /healthz on the monitoring port)
# the package creates the system user nats
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends nats-server wget \
 && rm -rf /var/lib/apt/lists/* \
 && install -d -o nats -g nats -m 0750 /data
VOLUME /data
EXPOSE 4222 6222 8222
USER nats
HEALTHCHECK --interval=5s --timeout=3s --start-period=30s --retries=5 \
    CMD ["wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8222/healthz"]
ENTRYPOINT ["nats-server"]
CMD ["--jetstream", "--store_dir", "/data/jetstream", "--http_port", "8222"]

# ---------------------------------------------------------------- prometheus
FROM ${DEBIAN_IMAGE} AS prometheus
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends prometheus wget \
 && rm -rf /var/lib/apt/lists/* /etc/prometheus/prometheus.yml \
 && install -d -o prometheus -g prometheus -m 0750 /prometheus
COPY deploy/compose/prometheus/prometheus.yml deploy/prometheus/alerts.yml /etc/prometheus/
VOLUME /prometheus
EXPOSE 9090
USER prometheus
HEALTHCHECK --interval=10s --timeout=3s --retries=3 CMD ["wget", "-q", "-O", "/dev/null", "http://127.0.0.1:9090/-/ready"]
ENTRYPOINT ["prometheus"]
CMD ["--config.file=/etc/prometheus/prometheus.yml", "--storage.tsdb.path=/prometheus", "--web.listen-address=:9090"]
