/* MariaDB Connector/C wrapper: pool, statement cache, string results, retrying transactions. */
#include "db.h"
#include "dates.h"
#include "log.h"

#include <errno.h>
#include <mysql.h>
#include <errmsg.h>
#include <mysqld_error.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#define STMT_CACHE 96
#define MAX_PARAMS 4096
#define CELL_INLINE 256

struct stmt_entry {
    char *sql;
    MYSQL_STMT *stmt;
};

struct db_conn {
    struct db *db;
    MYSQL *my;
    unsigned epoch; /* db->epoch when this connection was opened */
    bool in_use, in_tx, broken;
    unsigned last_errno;
    int64_t released_ms; /* monotonic: when it was last given back to the pool */
    struct stmt_entry stmts[STMT_CACHE];
    size_t nstmts;
};

#define MAX_HOSTS 8

struct db {
    char *host, *user, *password, *database, *sock;
    unsigned port, acquire_timeout_ms, io_timeout_s;
    /* several servers: all connections use hosts[preferred] until it fails */
    char hosts[MAX_HOSTS][64];
    unsigned ports[MAX_HOSTS];
    size_t nhosts;
    volatile size_t preferred;
    /* bumped when a connection is lost: connections opened before are suspect (their server
     * may be gone) and are reopened at their next use, instead of each failing one request */
    unsigned epoch;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    size_t nconns, in_use;
    struct db_conn *conns;
    atomic_size_t nstmts; /* prepared statements held by all connections (for the gauge) */
};

struct db_rows {
    size_t nrows, ncols, cap;
    char **cells; /* nrows * ncols, NULL = SQL NULL; each cell malloc'd */
};

static pthread_once_t lib_once = PTHREAD_ONCE_INIT;
static void lib_init(void) { mysql_library_init(0, NULL, NULL); }

static char *dup_or_empty(const char *s) { return strdup(s ? s : ""); }

struct db *db_new(const struct db_opts *o)
{
    pthread_once(&lib_once, lib_init);
    struct db *db = calloc(1, sizeof *db);
    if (!db)
        return NULL;
    db->host = dup_or_empty(o->host ? o->host : "127.0.0.1");
    db->user = dup_or_empty(o->user);
    db->password = dup_or_empty(o->password);
    db->database = dup_or_empty(o->database);
    db->sock = o->unix_socket ? strdup(o->unix_socket) : NULL;
    db->port = o->port ? o->port : 3306;
    if (o->hosts && *o->hosts) {
        char list[512];
        snprintf(list, sizeof list, "%s", o->hosts);
        char *save = NULL;
        for (char *t = strtok_r(list, ",", &save); t && db->nhosts < MAX_HOSTS; t = strtok_r(NULL, ",", &save)) {
            char *colon = strrchr(t, ':');
            if (colon)
                *colon = 0;
            snprintf(db->hosts[db->nhosts], sizeof db->hosts[0], "%s", t);
            db->ports[db->nhosts++] = colon ? (unsigned)atoi(colon + 1) : 3306;
        }
    }
    db->nconns = o->pool_size ? o->pool_size : 16;
    db->acquire_timeout_ms = o->acquire_timeout_ms ? o->acquire_timeout_ms : 2000;
    db->io_timeout_s = o->io_timeout_s ? o->io_timeout_s : 5;
    db->conns = calloc(db->nconns, sizeof *db->conns);
    if (!db->host || !db->user || !db->password || !db->database || !db->conns) {
        db_free(db);
        return NULL;
    }
    for (size_t i = 0; i < db->nconns; i++)
        db->conns[i].db = db;
    pthread_mutex_init(&db->mu, NULL);
    pthread_cond_init(&db->cv, NULL);
    return db;
}

/* Close every statement prepared on c. */
static void stmts_close(struct db_conn *c)
{
    for (size_t i = 0; i < c->nstmts; i++) {
        mysql_stmt_close(c->stmts[i].stmt);
        free(c->stmts[i].sql);
    }
    atomic_fetch_sub(&c->db->nstmts, c->nstmts);
    c->nstmts = 0;
}

static void conn_close(struct db_conn *c)
{
    stmts_close(c);
    if (c->my)
        mysql_close(c->my);
    c->my = NULL;
    c->broken = false;
    c->in_tx = false;
}

void db_free(struct db *db)
{
    if (!db)
        return;
    if (db->conns) {
        for (size_t i = 0; i < db->nconns; i++)
            conn_close(&db->conns[i]);
        pthread_mutex_destroy(&db->mu);
        pthread_cond_destroy(&db->cv);
    }
    free(db->conns);
    free(db->host);
    free(db->user);
    free(db->password);
    free(db->database);
    free(db->sock);
    free(db);
}

/* Connect to one server; NULL (logged) on failure. */
static MYSQL *connect_one(struct db *db, const char *host, unsigned port)
{
    MYSQL *my = mysql_init(NULL);
    if (!my)
        return NULL;
    unsigned t = db->io_timeout_s, ct = db->nhosts > 1 ? 1 : t; /* with fallbacks, give up on one fast */
    my_bool off = 0;
    mysql_options(my, MYSQL_OPT_CONNECT_TIMEOUT, &ct);
    mysql_options(my, MYSQL_OPT_READ_TIMEOUT, &t);
    mysql_options(my, MYSQL_OPT_WRITE_TIMEOUT, &t);
    mysql_options(my, MYSQL_OPT_RECONNECT, &off);
    mysql_options(my, MYSQL_SET_CHARSET_NAME, "utf8mb4");
    /* UTC always; strict mode so a too-long value is an error, never a silent truncation;
     * a lock wait shorter than the read timeout so a blocked statement fails cleanly. */
    mysql_options(my, MYSQL_INIT_COMMAND, "SET time_zone='+00:00', "
                                          "sql_mode='STRICT_ALL_TABLES,NO_ZERO_DATE,NO_ENGINE_SUBSTITUTION', "
                                          "innodb_lock_wait_timeout=3");
    /* READ COMMITTED: no gap locks. Our guarantees come from row locks on existing rows,
     * unique keys and conditional UPDATEs; under REPEATABLE READ, a locking read of a row
     * that does not exist yet locks the gap where every new snowflake id lands, and two such
     * transactions then deadlock on their inserts. */
    mysql_options(my, MYSQL_INIT_COMMAND, "SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED");
    if (!mysql_real_connect(my, db->sock ? NULL : host, db->user, db->password, db->database[0] ? db->database : NULL,
                            port, db->sock, 0)) {
        LOG_E("db: connect %s:%u/%s failed: %s", host, port, db->database, mysql_error(my));
        mysql_close(my);
        return NULL;
    }
    return my;
}

/* Whether a Galera node is serving (in the primary component and synced); plain servers
 * do not have the variable and always serve. */
static bool node_ready(MYSQL *my)
{
    if (mysql_query(my, "SHOW STATUS LIKE 'wsrep_ready'"))
        return false;
    MYSQL_RES *res = mysql_store_result(my);
    MYSQL_ROW row = res ? mysql_fetch_row(res) : NULL;
    bool ready = !row || (row[1] && strcmp(row[1], "ON") == 0);
    mysql_free_result(res);
    return ready;
}

static bool conn_open(struct db_conn *c)
{
    struct db *db = c->db;
    if (!db->nhosts) {
        c->my = connect_one(db, db->host, db->port);
        return c->my != NULL;
    }
    /* the preferred server first, then the others in order; the first that serves becomes
     * everyone's preference (moving all connections together keeps writes on one node) */
    size_t start = db->preferred;
    for (size_t k = 0; k < db->nhosts; k++) {
        size_t i = (start + k) % db->nhosts;
        MYSQL *my = connect_one(db, db->hosts[i], db->ports[i]);
        if (my && node_ready(my)) {
            if (i != start) {
                db->preferred = i;
                LOG_W("db: now using %s:%u", db->hosts[i], db->ports[i]);
            }
            c->my = my;
            return true;
        }
        if (my)
            mysql_close(my);
    }
    return false;
}

struct db_conn *db_acquire(struct db *db)
{
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += db->acquire_timeout_ms / 1000;
    deadline.tv_nsec += (long)(db->acquire_timeout_ms % 1000) * 1000000L;
    if (deadline.tv_nsec >= 1000000000L) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000L;
    }
    struct db_conn *c = NULL;
    pthread_mutex_lock(&db->mu);
    while (!c) {
        /* prefer a connection that is already open */
        for (size_t i = 0; i < db->nconns && !c; i++)
            if (!db->conns[i].in_use && db->conns[i].my)
                c = &db->conns[i];
        for (size_t i = 0; i < db->nconns && !c; i++)
            if (!db->conns[i].in_use)
                c = &db->conns[i];
        if (!c && pthread_cond_timedwait(&db->cv, &db->mu, &deadline) == ETIMEDOUT)
            break;
    }
    bool stale = false;
    unsigned epoch = db->epoch;
    if (c) {
        c->in_use = true;
        db->in_use++;
        stale = c->my && c->epoch != epoch;
    }
    pthread_mutex_unlock(&db->mu);
    if (stale)
        conn_close(c); /* opened before a connection was lost: maybe to the lost server */
    if (!c) {
        LOG_E("db: no free connection within %u ms", db->acquire_timeout_ms);
        return NULL;
    }
    if (!c->my) {
        if (!conn_open(c)) {
            db_release(c);
            return NULL;
        }
        c->epoch = epoch;
    }
    c->last_errno = 0;
    return c;
}

void db_release(struct db_conn *c)
{
    if (!c)
        return;
    if (c->in_tx && !c->broken && mysql_rollback(c->my))
        c->broken = true;
    c->in_tx = false;
    if (c->broken)
        conn_close(c);
    struct db *db = c->db;
    int64_t now = time_mono_ms();
    pthread_mutex_lock(&db->mu);
    c->released_ms = now;
    c->in_use = false;
    db->in_use--;
    pthread_cond_signal(&db->cv);
    pthread_mutex_unlock(&db->mu);
}

size_t db_close_idle(struct db *db, long idle_ms)
{
    struct db_conn *idle[64];
    size_t n = 0;
    int64_t now = time_mono_ms();
    pthread_mutex_lock(&db->mu);
    /* the pool hands out the open connection of lowest index first, so a quiet service keeps
     * using the first ones and the others fall idle; the first is always kept */
    for (size_t i = 1; i < db->nconns && n < sizeof idle / sizeof idle[0]; i++) {
        struct db_conn *c = &db->conns[i];
        if (c->my && !c->in_use && now - c->released_ms >= idle_ms) {
            c->in_use = true; /* ours while it closes */
            idle[n++] = c;
        }
    }
    pthread_mutex_unlock(&db->mu);
    for (size_t i = 0; i < n; i++)
        conn_close(idle[i]);
    pthread_mutex_lock(&db->mu);
    for (size_t i = 0; i < n; i++)
        idle[i]->in_use = false;
    if (n)
        pthread_cond_broadcast(&db->cv);
    pthread_mutex_unlock(&db->mu);
    return n;
}

double db_in_use(void *arg)
{
    struct db *db = arg;
    pthread_mutex_lock(&db->mu);
    double n = (double)db->in_use;
    pthread_mutex_unlock(&db->mu);
    return n;
}

double db_statements(void *arg)
{
    struct db *db = arg;
    return (double)atomic_load(&db->nstmts);
}

unsigned db_errno(const struct db_conn *c) { return c->last_errno; }

static bool is_connection_error(unsigned e)
{
    return e == CR_SERVER_GONE_ERROR || e == CR_SERVER_LOST || e == CR_CONNECTION_ERROR ||
           e == CR_CONN_HOST_ERROR || e == CR_SERVER_LOST_EXTENDED || e == ER_CONNECTION_KILLED ||
           e == 4031 /* disconnected for inactivity */ || e == ER_SERVER_SHUTDOWN || e == CR_COMMANDS_OUT_OF_SYNC ||
           e == 1047 /* WSREP has not yet prepared node for application use */;
}

/* Map a server/client error to our vocabulary and remember what to do with the connection. */
static enum err map_error(struct db_conn *c, unsigned e, const char *msg, const char *sql)
{
    c->last_errno = e;
    if (e == ER_DUP_ENTRY || e == ER_DUP_ENTRY_WITH_KEY_NAME)
        return ERR_CONFLICT;
    /* a deadlock, a lock wait timeout, or (Galera) a certification conflict reported as
     * a deadlock or as an error during COMMIT: the transaction may simply run again */
    if (e == ER_LOCK_DEADLOCK || e == ER_LOCK_WAIT_TIMEOUT || e == ER_ERROR_DURING_COMMIT) {
        LOG_W("db: retryable error %u: %s", e, msg);
        return ERR_RETRY;
    }
    if (e == ER_NO_SUCH_TABLE) { /* a shard table that does not exist (yet) holds nothing */
        LOG_D("db: no such table: %.200s", sql);
        return ERR_NOT_FOUND;
    }
    if (is_connection_error(e)) {
        LOG_E("db: connection lost (%u: %s)", e, msg);
        c->broken = true;
        pthread_mutex_lock(&c->db->mu);
        if (c->epoch == c->db->epoch)
            c->db->epoch++;
        pthread_mutex_unlock(&c->db->mu);
        return ERR_UNAVAILABLE;
    }

    LOG_E("db: error %u: %s in [%.200s]", e, msg, sql);
    return ERR_INTERNAL;
}

static MYSQL_STMT *stmt_get(struct db_conn *c, const char *sql, enum err *e)
{
    for (size_t i = 0; i < c->nstmts; i++)
        if (strcmp(c->stmts[i].sql, sql) == 0)
            return c->stmts[i].stmt;
    if (c->nstmts == STMT_CACHE) /* more distinct statements than expected: start over */
        stmts_close(c);
    MYSQL_STMT *st = mysql_stmt_init(c->my);
    char *copy = strdup(sql);
    if (!st || !copy) {
        free(copy);
        if (st)
            mysql_stmt_close(st);
        *e = ERR_NO_MEMORY;
        return NULL;
    }
    if (mysql_stmt_prepare(st, sql, (unsigned long)strlen(sql))) {
        *e = map_error(c, mysql_stmt_errno(st), mysql_stmt_error(st), sql);
        mysql_stmt_close(st);
        free(copy);
        return NULL;
    }
    c->stmts[c->nstmts++] = (struct stmt_entry){copy, st};
    atomic_fetch_add(&c->db->nstmts, 1);
    return st;
}

/* Drop a statement from the cache (after an error left it in an unknown state). */
static void stmt_forget(struct db_conn *c, MYSQL_STMT *st)
{
    for (size_t i = 0; i < c->nstmts; i++)
        if (c->stmts[i].stmt == st) {
            mysql_stmt_close(st);
            free(c->stmts[i].sql);
            c->stmts[i] = c->stmts[--c->nstmts];
            atomic_fetch_sub(&c->db->nstmts, 1);
            return;
        }
}

static enum err rows_push(struct db_rows *r, char **row)
{
    if (r->nrows == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 8;
        char **cells = realloc(r->cells, cap * r->ncols * sizeof *cells);
        if (!cells)
            return ERR_NO_MEMORY;
        r->cells = cells;
        r->cap = cap;
    }
    memcpy(&r->cells[r->nrows * r->ncols], row, r->ncols * sizeof *row);
    r->nrows++;
    return ERR_OK;
}

/* Copy column i of the current row into a fresh buffer (fetching it again when it did not
 * fit the inline buffer). *cell is NULL for SQL NULL. */
static enum err fetch_cell(struct db_conn *c, MYSQL_STMT *st, const char *sql, size_t i, const char *inline_buf,
                           unsigned long len, bool is_null, char **cell)
{
    *cell = NULL;
    if (is_null)
        return ERR_OK;
    char *s = malloc(len + 1);
    if (!s)
        return ERR_NO_MEMORY;
    if (len <= CELL_INLINE) {
        memcpy(s, inline_buf, len);
    } else {
        MYSQL_BIND big = {0};
        unsigned long biglen = 0;
        big.buffer_type = MYSQL_TYPE_STRING;
        big.buffer = s;
        big.buffer_length = len + 1;
        big.length = &biglen;
        if (mysql_stmt_fetch_column(st, &big, (unsigned)i, 0)) {
            free(s);
            return map_error(c, mysql_stmt_errno(st), mysql_stmt_error(st), sql);
        }
    }
    s[len] = 0;
    *cell = s;
    return ERR_OK;
}

static enum err fetch_all(struct db_conn *c, MYSQL_STMT *st, MYSQL_RES *meta, const char *sql, struct db_rows **out)
{
    enum err e = ERR_OK;
    size_t ncols = mysql_num_fields(meta), alloc = ncols ? ncols : 1;
    struct db_rows *r = calloc(1, sizeof *r);
    MYSQL_BIND *b = calloc(alloc, sizeof *b);
    unsigned long *lens = calloc(alloc, sizeof *lens);
    my_bool *nulls = calloc(alloc, sizeof *nulls);
    char *bufs = malloc(alloc * CELL_INLINE);
    char **row = calloc(alloc, sizeof *row);
    if (!r || !b || !lens || !nulls || !bufs || !row) {
        e = ERR_NO_MEMORY;
        goto done;
    }
    r->ncols = ncols;
    for (size_t i = 0; i < ncols; i++) {
        b[i].buffer_type = MYSQL_TYPE_STRING;
        b[i].buffer = bufs + i * CELL_INLINE;
        b[i].buffer_length = CELL_INLINE;
        b[i].length = &lens[i];
        b[i].is_null = &nulls[i];
    }
    if (mysql_stmt_bind_result(st, b) || mysql_stmt_store_result(st)) {
        e = map_error(c, mysql_stmt_errno(st), mysql_stmt_error(st), sql);
        goto done;
    }
    while (e == ERR_OK) {
        int rc = mysql_stmt_fetch(st);
        if (rc == MYSQL_NO_DATA)
            break;
        if (rc == 1) {
            e = map_error(c, mysql_stmt_errno(st), mysql_stmt_error(st), sql);
            break;
        }
        size_t got = 0;
        for (; got < ncols && e == ERR_OK; got++)
            e = fetch_cell(c, st, sql, got, bufs + got * CELL_INLINE, lens[got], nulls[got], &row[got]);
        if (e == ERR_OK)
            e = rows_push(r, row);
        if (e != ERR_OK)
            for (size_t k = 0; k < got; k++)
                free(row[k]);
    }
done:
    mysql_stmt_free_result(st);
    free(b);
    free(lens);
    free(nulls);
    free(bufs);
    free(row);
    if (e != ERR_OK) {
        db_rows_free(r);
        return e;
    }
    *out = r;
    return ERR_OK;
}

static enum err execv_once(struct db_conn *c, uint64_t *affected, struct db_rows **out, const char *sql,
                           const struct db_param *params, size_t n)
{
    enum err e = ERR_OK;
    if (n > MAX_PARAMS)
        return ERR_INTERNAL;
    if (c->broken || !c->my)
        return ERR_UNAVAILABLE;
    MYSQL_STMT *st = stmt_get(c, sql, &e);
    if (!st)
        return e;
    if (mysql_stmt_param_count(st) != n) {
        LOG_E("db: statement has %lu parameters, %zu given: %.200s", mysql_stmt_param_count(st), n, sql);
        return ERR_INTERNAL;
    }
    MYSQL_BIND *b = n ? calloc(n, sizeof *b) : NULL;
    unsigned long *lens = n ? calloc(n, sizeof *lens) : NULL;
    int64_t *bools = n ? calloc(n, sizeof *bools) : NULL;
    if (n && (!b || !lens || !bools)) {
        e = ERR_NO_MEMORY;
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        const struct db_param *p = &params[i];
        switch (p->type) {
        case 'i':
        case 'u':
            b[i].buffer_type = MYSQL_TYPE_LONGLONG;
            b[i].buffer = (void *)&p->v.i;
            b[i].is_unsigned = p->type == 'u';
            break;
        case 'b':
            bools[i] = p->v.i ? 1 : 0;
            b[i].buffer_type = MYSQL_TYPE_LONGLONG;
            b[i].buffer = &bools[i];
            break;
        case 'd':
            b[i].buffer_type = MYSQL_TYPE_DOUBLE;
            b[i].buffer = (void *)&p->v.d;
            break;
        case 's':
            if (!p->v.s) {
                b[i].buffer_type = MYSQL_TYPE_NULL;
                break;
            }
            lens[i] = (unsigned long)strlen(p->v.s);
            b[i].buffer_type = MYSQL_TYPE_STRING;
            b[i].buffer = (void *)p->v.s;
            b[i].buffer_length = lens[i];
            b[i].length = &lens[i];
            break;
        case 'n':
            b[i].buffer_type = MYSQL_TYPE_NULL;
            break;
        default:
            LOG_E("db: bad type letter '%c'", p->type);
            e = ERR_INTERNAL;
            goto done;
        }
    }
    if ((n && mysql_stmt_bind_param(st, b)) || mysql_stmt_execute(st)) {
        unsigned en = mysql_stmt_errno(st);
        e = map_error(c, en, mysql_stmt_error(st), sql);
        if (e == ERR_UNAVAILABLE || en == ER_NEED_REPREPARE)
            stmt_forget(c, st);
        goto done;
    }
    if (affected)
        *affected = (uint64_t)mysql_stmt_affected_rows(st);
    MYSQL_RES *meta = mysql_stmt_result_metadata(st);
    if (meta) {
        struct db_rows *rows = NULL;
        e = fetch_all(c, st, meta, sql, &rows);
        mysql_free_result(meta);
        if (e == ERR_OK && out)
            *out = rows;
        else
            db_rows_free(rows);
    } else if (out) {
        *out = calloc(1, sizeof(struct db_rows));
        if (!*out)
            e = ERR_NO_MEMORY;
    }
done:
    free(b);
    free(lens);
    free(bools);
    return e;
}

static bool is_read(const char *sql)
{
    while (*sql == ' ' || *sql == '\n' || *sql == '(')
        sql++;
    return strncasecmp(sql, "SELECT", 6) == 0 || strncasecmp(sql, "SHOW", 4) == 0;
}

enum err db_execv(struct db_conn *c, uint64_t *affected, struct db_rows **out, const char *sql,
                  const struct db_param *params, size_t n)
{
    enum err e = execv_once(c, affected, out, sql, params, n);
    /* Outside a transaction, a read whose connection was lost (its server died) runs again
     * at once on a new connection, which the pool opens on the next server that serves: the
     * caller never sees the loss. Writes are not repeated here (they may have been applied);
     * a transaction is repeated whole by db_tx. */
    if (e == ERR_UNAVAILABLE && c->broken && !c->in_tx && is_read(sql)) {
        conn_close(c);
        pthread_mutex_lock(&c->db->mu);
        unsigned epoch = c->db->epoch;
        pthread_mutex_unlock(&c->db->mu);
        if (conn_open(c)) {
            c->epoch = epoch;
            LOG_W("db: connection lost; the read runs again on a new connection");
            e = execv_once(c, affected, out, sql, params, n);
        }
    }
    return e;
}

enum err db_vexec(struct db_conn *c, uint64_t *affected, struct db_rows **out, const char *sql, const char *types,
                  va_list ap)
{
    size_t n = strlen(types);
    struct db_param p[64];
    if (n > sizeof p / sizeof p[0])
        return ERR_INTERNAL;
    for (size_t i = 0; i < n; i++) {
        p[i].type = types[i];
        switch (types[i]) {
        case 'i': p[i].v.i = va_arg(ap, int64_t); break;
        case 'u': p[i].v.u = va_arg(ap, uint64_t); break;
        case 'b': p[i].v.i = va_arg(ap, int); break;
        case 'd': p[i].v.d = va_arg(ap, double); break;
        case 's': p[i].v.s = va_arg(ap, const char *); break;
        case 'n': break;
        default:
            LOG_E("db: bad type letter '%c'", types[i]);
            return ERR_INTERNAL;
        }
    }
    return db_execv(c, affected, out, sql, p, n);
}

static void args_push(struct db_args *a, struct db_param p)
{
    if (a->failed)
        return;
    if (a->n == a->cap) {
        size_t cap = a->cap ? a->cap * 2 : 16;
        struct db_param *np = realloc(a->p, cap * sizeof *np);
        if (!np) {
            a->failed = true;
            return;
        }
        a->p = np;
        a->cap = cap;
    }
    a->p[a->n++] = p;
}

void db_args_i(struct db_args *a, int64_t v) { args_push(a, (struct db_param){.type = 'i', .v.i = v}); }
void db_args_u(struct db_args *a, uint64_t v) { args_push(a, (struct db_param){.type = 'u', .v.u = v}); }
void db_args_d(struct db_args *a, double v) { args_push(a, (struct db_param){.type = 'd', .v.d = v}); }
void db_args_s(struct db_args *a, const char *v) { args_push(a, (struct db_param){.type = 's', .v.s = v}); }

void db_args_free(struct db_args *a)
{
    free(a->p);
    memset(a, 0, sizeof *a);
}

enum err db_exec(struct db_conn *c, uint64_t *affected, const char *sql, const char *types, ...)
{
    va_list ap;
    va_start(ap, types);
    enum err e = db_vexec(c, affected, NULL, sql, types, ap);
    va_end(ap);
    return e;
}

enum err db_query(struct db_conn *c, struct db_rows **out, const char *sql, const char *types, ...)
{
    va_list ap;
    va_start(ap, types);
    enum err e = db_vexec(c, NULL, out, sql, types, ap);
    va_end(ap);
    return e;
}

enum err db_query1(struct db *db, struct db_rows **out, const char *sql, const char *types, ...)
{
    struct db_conn *c = db_acquire(db);
    if (!c)
        return ERR_UNAVAILABLE;
    va_list ap;
    va_start(ap, types);
    enum err e = db_vexec(c, NULL, out, sql, types, ap);
    va_end(ap);
    db_release(c);
    return e;
}

enum err db_lock_account(struct db_conn *c, uint64_t account_id)
{
    return db_exec(c, NULL,
                   "INSERT INTO create_lock (account_id, creates) VALUES (?, 1) "
                   "ON DUPLICATE KEY UPDATE creates = creates + 1",
                   "u", account_id);
}

enum err db_count_locked(struct db_conn *c, uint64_t account_id, const char *count_sql, long long *n)
{
    struct db_rows *r = NULL;
    *n = 0;
    enum err e = db_lock_account(c, account_id);
    if (e == ERR_OK)
        e = db_query(c, &r, count_sql, "u", account_id);
    if (e == ERR_OK && db_rows_count(r) == 1)
        *n = db_rows_i64(r, 0, 0);
    db_rows_free(r);
    return e;
}

enum err db_exec1(struct db *db, uint64_t *affected, const char *sql, const char *types, ...)
{
    struct db_conn *c = db_acquire(db);
    if (!c)
        return ERR_UNAVAILABLE;
    va_list ap;
    va_start(ap, types);
    enum err e = db_vexec(c, affected, NULL, sql, types, ap);
    va_end(ap);
    db_release(c);
    return e;
}

static enum err get_one(struct db_conn *c, db_row_fn fill, void *out, const char *sql, const char *types, va_list ap)
{
    struct db_rows *r = NULL;
    enum err e = db_vexec(c, NULL, &r, sql, types, ap);
    if (e == ERR_OK && db_rows_count(r) == 0)
        e = ERR_NOT_FOUND;
    if (e == ERR_OK)
        fill(r, 0, out);
    db_rows_free(r);
    return e;
}

enum err db_get_one(struct db_conn *c, db_row_fn fill, void *out, const char *sql, const char *types, ...)
{
    va_list ap;
    va_start(ap, types);
    enum err e = get_one(c, fill, out, sql, types, ap);
    va_end(ap);
    return e;
}

enum err db_get_one1(struct db *db, db_row_fn fill, void *out, const char *sql, const char *types, ...)
{
    struct db_conn *c = db_acquire(db);
    if (!c)
        return ERR_UNAVAILABLE;
    va_list ap;
    va_start(ap, types);
    enum err e = get_one(c, fill, out, sql, types, ap);
    va_end(ap);
    db_release(c);
    return e;
}

static enum err simple(struct db_conn *c, const char *sql)
{
    if (c->broken || !c->my)
        return ERR_UNAVAILABLE;
    if (mysql_real_query(c->my, sql, (unsigned long)strlen(sql)))
        return map_error(c, mysql_errno(c->my), mysql_error(c->my), sql);
    return ERR_OK;
}

enum err db_begin(struct db_conn *c)
{
    enum err e = simple(c, "START TRANSACTION");
    if (e == ERR_OK)
        c->in_tx = true;
    return e;
}

enum err db_commit(struct db_conn *c)
{
    enum err e = simple(c, "COMMIT");
    c->in_tx = false;
    if (e != ERR_OK && !c->broken)
        simple(c, "ROLLBACK");
    return e;
}

enum err db_rollback(struct db_conn *c)
{
    enum err e = simple(c, "ROLLBACK");
    c->in_tx = false;
    return e;
}

enum err db_tx(struct db *db, enum err (*fn)(struct db_conn *c, void *ctx), void *ctx)
{
    enum err e = ERR_RETRY;
    for (int attempt = 0; attempt < 5 && e == ERR_RETRY; attempt++) {
        if (attempt) { /* jittered backoff: 2, 4, 8, 16 ms scale */
            struct timespec ts = {0, (long)((1 << attempt) * 1000000L + rand() % 2000000)};
            nanosleep(&ts, NULL);
        }
        struct db_conn *c = db_acquire(db);
        if (!c)
            return ERR_UNAVAILABLE;
        bool committing = false;
        e = db_begin(c);
        if (e == ERR_OK)
            e = fn(c, ctx);
        if (e == ERR_OK) {
            committing = true;
            e = db_commit(c);
        } else if (c->in_tx && !c->broken)
            db_rollback(c);
        /* The connection was lost before COMMIT: nothing was committed (a server applies a
         * transaction only at its commit; with Galera, only a certified write set), so the
         * transaction runs again on a fresh connection, which the pool opens on the next
         * server when this one is gone. Lost during COMMIT, the outcome is unknown: the caller
         * gets ERR_UNAVAILABLE (503) and the client retries with its Idempotency-Key. */
        if (e == ERR_UNAVAILABLE && c->broken && !committing) {
            LOG_W("db: connection lost inside a transaction; running it again");
            e = ERR_RETRY;
        }
        db_release(c);
    }
    return e;
}

enum err db_ping(struct db *db)
{
    struct db_rows *r = NULL;
    enum err e = db_query1(db, &r, "SELECT 1", "");
    db_rows_free(r);
    return e == ERR_OK ? ERR_OK : ERR_UNAVAILABLE;
}

size_t db_rows_count(const struct db_rows *r) { return r ? r->nrows : 0; }
size_t db_rows_cols(const struct db_rows *r) { return r ? r->ncols : 0; }

const char *db_rows_str(const struct db_rows *r, size_t row, size_t col)
{
    if (!r || row >= r->nrows || col >= r->ncols)
        return NULL;
    return r->cells[row * r->ncols + col];
}

bool db_rows_null(const struct db_rows *r, size_t row, size_t col) { return db_rows_str(r, row, col) == NULL; }

int64_t db_rows_i64(const struct db_rows *r, size_t row, size_t col)
{
    const char *s = db_rows_str(r, row, col);
    return s ? strtoll(s, NULL, 10) : 0;
}

uint64_t db_rows_u64(const struct db_rows *r, size_t row, size_t col)
{
    const char *s = db_rows_str(r, row, col);
    return s ? strtoull(s, NULL, 10) : 0;
}

double db_rows_dbl(const struct db_rows *r, size_t row, size_t col)
{
    const char *s = db_rows_str(r, row, col);
    return s ? strtod(s, NULL) : 0;
}

void db_rows_free(struct db_rows *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->nrows * r->ncols; i++)
        free(r->cells[i]);
    free(r->cells);
    free(r);
}
