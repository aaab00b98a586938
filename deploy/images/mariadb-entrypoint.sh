#!/bin/bash
# /usr/local/bin/docker-entrypoint.sh of the petboarding-mariadb image (deploy/infra.Dockerfile),
# run as the mysql user. What deploy/compose/mariadb/galera-entrypoint.sh hands over to.
#
# An empty data directory is initialised once, with replication off: mariadb-install-db, then
# a server on a private socket only, which sets the root password (MARIADB_ROOT_PASSWORD_FILE)
# for root@localhost and root@'%' (pb-migrate provisions over TCP from its own container),
# then sources every /docker-entrypoint-initdb.d/*.sh with docker_process_sql (SQL on that
# socket, as root with its password) and mysql_error (fail) defined, then stops. An
# initialisation that fails leaves the data directory empty again (the next start retries it
# from the beginning). A data directory that holds a database is never touched. Then the
# command runs (mariadbd and its arguments).
set -euo pipefail
datadir=/var/lib/mysql
init_sock=/run/mysqld/init.sock

mysql_note() { printf '%s [Note] [Entrypoint]: %s\n' "$(date --rfc-3339=seconds)" "$*"; }
mysql_error() {
    printf '%s [ERROR] [Entrypoint]: %s\n' "$(date --rfc-3339=seconds)" "$*" >&2
    exit 1
}
root_pw=""
docker_process_sql() { MYSQL_PWD=$root_pw mariadb --no-defaults --protocol=socket --socket="$init_sock" -uroot "$@"; }
init_pid=""
init_failed() { # an EXIT trap while initialising: stop the server, empty the data directory
    [[ -n $init_pid ]] && kill "$init_pid" 2>/dev/null && wait "$init_pid" 2>/dev/null
    find "$datadir" -mindepth 1 -delete 2>/dev/null || true
    echo "the initialisation failed: the data directory was emptied" >&2
}

initialise() {
    local pw i
    [[ -n ${MARIADB_ROOT_PASSWORD_FILE:-} && -r $MARIADB_ROOT_PASSWORD_FILE ]] ||
        mysql_error "set MARIADB_ROOT_PASSWORD_FILE to a readable file (a secret)"
    pw=$(<"$MARIADB_ROOT_PASSWORD_FILE")
    [[ $pw =~ ^[0-9A-Za-z]{16,}$ ]] || mysql_error "the root password must be 16 or more letters and digits"
    mysql_note "initialising an empty data directory"
    trap init_failed EXIT
    mariadb-install-db --datadir="$datadir" --skip-test-db --auth-root-authentication-method=normal \
        --skip-name-resolve >/dev/null
    mariadbd --datadir="$datadir" --skip-networking --socket="$init_sock" --wsrep-on=OFF \
        --skip-log-bin --innodb-buffer-pool-size=64M &
    init_pid=$!
    for ((i = 0; i < 60; i++)); do
        docker_process_sql -e 'SELECT 1' >/dev/null 2>&1 && break
        kill -0 "$init_pid" 2>/dev/null || mysql_error "the initialising server stopped (see above)"
        sleep 1
    done
    ((i < 60)) || mysql_error "the initialising server did not answer within 60 s"
    docker_process_sql --database=mysql <<SQL
SET @@SESSION.SQL_LOG_BIN = 0;
DELETE FROM mysql.user WHERE user = '' OR (user = 'root' AND host NOT IN ('localhost'));
ALTER USER 'root'@'localhost' IDENTIFIED BY '$pw';
CREATE USER 'root'@'%' IDENTIFIED BY '$pw';
GRANT ALL ON *.* TO 'root'@'%' WITH GRANT OPTION;
FLUSH PRIVILEGES;
SQL
    root_pw=$pw
    local f
    for f in /docker-entrypoint-initdb.d/*.sh; do
        [[ -e $f ]] || continue
        mysql_note "running $f"
        # shellcheck disable=SC1090 # the scripts are mounted at run time
        source "$f"
    done
    kill "$init_pid"
    wait "$init_pid" || true
    init_pid=""
    trap - EXIT
    mysql_note "initialised"
}

if [[ ${1:-} == mariadbd || ${1:-} == mysqld ]]; then
    [[ -d $datadir/mysql ]] || initialise
fi
exec "$@"
