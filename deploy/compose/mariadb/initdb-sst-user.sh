# shellcheck shell=bash
# /docker-entrypoint-initdb.d/10-pb-sst-user.sh: sourced by the petboarding-mariadb entrypoint
# once, when a node initialises an empty data directory (with wsrep off). It creates the
# account mariadb-backup uses on a donor during a state transfer; the joiners receive it
# with the data. docker_process_sql is the image entrypoint's function.
pb_sst_pw=$(</run/secrets/db-sst.pw)
[[ $pb_sst_pw =~ ^[0-9a-f]+$ ]] || mysql_error "/run/secrets/db-sst.pw must hold a hex password"
docker_process_sql --database=mysql <<EOSQL
CREATE USER IF NOT EXISTS 'mariabackup'@'localhost' IDENTIFIED BY '$pb_sst_pw';
GRANT RELOAD, PROCESS, LOCK TABLES, BINLOG MONITOR ON *.* TO 'mariabackup'@'localhost';
EOSQL
unset pb_sst_pw
