/* MariaDB access: a bounded connection pool, prepared statements only (with a per-connection
 * statement cache), results fetched as strings, and transactions run by a retrying helper.
 *
 * Parameter types are given as a string, one letter per `?`:
 *   'i' int64_t   'u' uint64_t   'd' double   'b' bool (passed as int)
 *   's' const char * (NULL binds SQL NULL)   'n' SQL NULL (consumes no argument)
 * The only formatted part of a statement may be a table name chosen by a shard router from
 * a closed set; values are always bound. */
#ifndef PB_DB_H
#define PB_DB_H

#include "errors.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct db;
struct db_conn;
struct db_rows;

struct db_opts {
    const char *host;
    unsigned port;
    /* optional "host:port,host:port,...": several servers (a Galera cluster). Every pooled
     * connection prefers the same one; when it cannot be reached or stops serving (a node
     * outside the primary component), connections move together to the next in the list.
     * Overrides host/port. */
    const char *hosts;
    const char *user;
    const char *password;
    const char *database;
    const char *unix_socket;     /* if set, connect through it instead of host:port */
    unsigned pool_size;          /* connections, default 16 */
    unsigned acquire_timeout_ms; /* how long a request waits for a free connection, default 2000 */
    unsigned io_timeout_s;       /* connect/read/write timeout, default 5 */
};

/* Create a pool (strings are copied; connections open lazily). NULL on no memory. */
struct db *db_new(const struct db_opts *opts);
void db_free(struct db *db);

/* Borrow a connection, connecting if needed. NULL (logged) when none frees up in time or
 * the server cannot be reached: callers answer 503. */
struct db_conn *db_acquire(struct db *db);
/* Give it back; an open transaction is rolled back, a broken connection closed. NULL ok. */
void db_release(struct db_conn *c);

/* Run a statement that returns no rows. *affected (if not NULL) gets the changed row count.
 * ERR_CONFLICT on a duplicate key, ERR_RETRY on deadlock/lock timeout/certification
 * conflict, ERR_NOT_FOUND when a (shard) table does not exist, ERR_UNAVAILABLE when the
 * connection is lost, ERR_INTERNAL otherwise. */
enum err db_exec(struct db_conn *c, uint64_t *affected, const char *sql, const char *types, ...);
/* Run a query; *out receives every row (caller frees with db_rows_free). Errors as db_exec;
 * outside a transaction, a read (SELECT, SHOW) whose connection is found lost runs again at
 * once on a new connection (the next server of PB_DB_HOSTS when its server died). */
enum err db_query(struct db_conn *c, struct db_rows **out, const char *sql, const char *types, ...);
enum err db_vexec(struct db_conn *c, uint64_t *affected, struct db_rows **out, const char *sql, const char *types,
                  va_list ap);

/* One bound value for statements whose parameters are only known at run time (an IN list
 * of ids, optional search filters). type is one of the letters above. */
struct db_param {
    char type;
    union {
        int64_t i;
        uint64_t u;
        double d;
        const char *s;
    } v;
};

/* A growable list of parameters (db_args_free releases it; NULL pointers never appear:
 * on allocation failure the list is marked failed and db_execv refuses it). */
struct db_args {
    struct db_param *p;
    size_t n, cap;
    bool failed;
};
void db_args_i(struct db_args *a, int64_t v);
void db_args_u(struct db_args *a, uint64_t v);
void db_args_d(struct db_args *a, double v);
void db_args_s(struct db_args *a, const char *v); /* borrowed: must outlive the call */
void db_args_free(struct db_args *a);

/* Run a statement with an array of parameters; out (may be NULL) receives the rows. Errors
 * as db_exec. */
enum err db_execv(struct db_conn *c, uint64_t *affected, struct db_rows **out, const char *sql,
                  const struct db_param *params, size_t n);

/* The server error number of the last failed statement on this connection (0 if none). */
unsigned db_errno(const struct db_conn *c);

enum err db_begin(struct db_conn *c);
enum err db_commit(struct db_conn *c);
enum err db_rollback(struct db_conn *c);

/* Run fn inside one transaction on a pooled connection: BEGIN, fn, COMMIT. If fn or the
 * commit returns ERR_RETRY (deadlock, Galera certification failure), or the connection is
 * lost before COMMIT (its server died), the whole transaction is rolled back and run again,
 * up to 5 times with jittered backoff, so fn must have no effects outside the database. A
 * connection lost during COMMIT gives ERR_UNAVAILABLE (the outcome is unknown). Any other
 * error rolls back and is returned. */
enum err db_tx(struct db *db, enum err (*fn)(struct db_conn *c, void *ctx), void *ctx);

/* Serialise, inside a transaction on c, the creations counted against one account's limit
 * (pets, listings, photos, open orders): upsert and bump the account's row of the service's
 * `create_lock` table (account_id, creates), whose row lock is then held until the commit.
 * Call it before counting, then insert: at READ COMMITTED the count sees every creation
 * committed by an earlier holder, so two concurrent creations cannot both take the last slot.
 * The bump is a real write, so with Galera two nodes' creations for one account conflict at
 * certification and one runs again (ERR_RETRY, retried by db_tx). */
enum err db_lock_account(struct db_conn *c, uint64_t account_id);

/* db_lock_account, then count_sql (one `?`, bound to account_id, answering one number) into
 * *n: how many the account has, as no concurrent creation can change it before the commit. */
enum err db_count_locked(struct db_conn *c, uint64_t account_id, const char *count_sql, long long *n);

/* One-shot helpers on a pooled connection (no transaction). */
enum err db_query1(struct db *db, struct db_rows **out, const char *sql, const char *types, ...);
enum err db_exec1(struct db *db, uint64_t *affected, const char *sql, const char *types, ...);

/* Fills the caller's record (out, as given to db_get_one) from row i of r; the cells are valid
 * only during the call, so it copies what it keeps. */
typedef void (*db_row_fn)(const struct db_rows *r, size_t i, void *out);

/* Read one record on c: run a query (values bound, as db_query) and hand its first row to
 * fill with out. ERR_NOT_FOUND when no row matches; other errors as db_query. out is
 * untouched unless ERR_OK; the rows are freed before it returns. */
enum err db_get_one(struct db_conn *c, db_row_fn fill, void *out, const char *sql, const char *types, ...);
/* The same on a pooled connection (no transaction); ERR_UNAVAILABLE when none can be had. */
enum err db_get_one1(struct db *db, db_row_fn fill, void *out, const char *sql, const char *types, ...);

/* SELECT 1 on a pooled connection: ERR_OK or ERR_UNAVAILABLE. */
enum err db_ping(struct db *db);
/* Close the connections nobody has borrowed for idle_ms or more, with the statements
 * prepared on them (all but the pool's first, which a quiet service keeps using); they are
 * opened again when needed. Returns how many were closed. */
size_t db_close_idle(struct db *db, long idle_ms);
/* Connections currently borrowed (a gauge). */
double db_in_use(void *db);
/* Statements prepared and kept by the pool's connections (for a metrics gauge): each holds
 * about 8 KB in Connector/C, whether it is used again or not. */
double db_statements(void *db);

size_t db_rows_count(const struct db_rows *r);
size_t db_rows_cols(const struct db_rows *r);
/* Cell as text; NULL for SQL NULL. Valid until db_rows_free. */
const char *db_rows_str(const struct db_rows *r, size_t row, size_t col);
bool db_rows_null(const struct db_rows *r, size_t row, size_t col);
int64_t db_rows_i64(const struct db_rows *r, size_t row, size_t col);   /* 0 for NULL */
uint64_t db_rows_u64(const struct db_rows *r, size_t row, size_t col);  /* 0 for NULL */
double db_rows_dbl(const struct db_rows *r, size_t row, size_t col);    /* 0 for NULL */
void db_rows_free(struct db_rows *r);

#endif
