/* Order storage, lists: a user's orders through the index tables, a provider's stays (the
 * schedule) and the orders due for the timed jobs. */
#include "store.h"
#include "store_priv.h"
#include "config.h"
#include "dates.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char SQL_INDEX_PAGE[] =
    "SELECT order_id FROM %s WHERE user_id = ? AND order_id < ? ORDER BY order_id DESC LIMIT ?";
static const char SQL_INDEX_PAGE_STATUS[] =
    "SELECT order_id FROM %s WHERE user_id = ? AND status = ? AND order_id < ? ORDER BY order_id DESC LIMIT ?";
static const char SQL_STAYS[] =
    "SELECT order_id, start_date, end_date, pets, status FROM %s WHERE user_id = ? AND end_date >= ? "
    "AND start_date <= ? AND status IN ('paid', 'confirmed', 'in_care', 'completed')";

/* ---------- lists ---------- */

static int cmp_desc(const void *a, const void *b)
{
    const struct order *x = a, *y = b;
    return x->id < y->id ? 1 : x->id > y->id ? -1 : 0;
}

enum err store_list(struct svc *s, uint64_t user_id, enum actor role, int status, uint64_t before, int limit,
                    struct order **out, size_t *n)
{
    char table[40], sql[640];
    struct db_rows *r = NULL;
    enum err e;
    index_table(s, role, user_id, table, sizeof table);
    uint64_t upper = before ? before : (uint64_t)INT64_MAX;
    if (status >= 0)
        e = db_query1(s->db, &r, sql1(sql, sizeof sql, SQL_INDEX_PAGE_STATUS, table), "usui", user_id,
                      ORDER_STATUS_NAMES[status], upper, (int64_t)limit);
    else
        e = db_query1(s->db, &r, sql1(sql, sizeof sql, SQL_INDEX_PAGE, table), "uui", user_id, upper, (int64_t)limit);
    if (e != ERR_OK)
        return e;
    size_t count = db_rows_count(r);
    *out = calloc(count ? count : 1, sizeof **out);
    *n = 0;
    if (!*out) {
        db_rows_free(r);
        return ERR_NO_MEMORY;
    }
    /* a page spans one or two months: read each month's rows with one IN query */
    bool *done = calloc(count ? count : 1, sizeof *done);
    struct db_conn *c = done ? db_acquire(s->db) : NULL;
    e = !done ? ERR_NO_MEMORY : !c ? ERR_UNAVAILABLE : ERR_OK;
    for (size_t i = 0; e == ERR_OK && i < count; i++) {
        if (done[i])
            continue;
        char month[32];
        orders_table(db_rows_u64(r, i, 0), month, sizeof month);
        char q[4096];
        size_t qn = (size_t)snprintf(q, sizeof q, "SELECT " ORDER_COLS " FROM %s WHERE id IN (", month);
        struct db_args a = {0};
        for (size_t j = i; j < count; j++) {
            char mj[32];
            orders_table(db_rows_u64(r, j, 0), mj, sizeof mj);
            if (strcmp(mj, month) != 0)
                continue;
            done[j] = true;
            qn += (size_t)snprintf(q + qn, sizeof q - qn, "%s?", a.n ? "," : "");
            db_args_u(&a, db_rows_u64(r, j, 0));
        }
        snprintf(q + qn, sizeof q - qn, ")");
        struct db_rows *rows = NULL;
        e = a.failed ? ERR_NO_MEMORY : db_execv(c, NULL, &rows, q, a.p, a.n);
        for (size_t k = 0; e == ERR_OK && k < db_rows_count(rows); k++)
            row_to_order(rows, k, &(*out)[(*n)++]);
        db_rows_free(rows);
        db_args_free(&a);
    }
    db_release(c);
    free(done);
    db_rows_free(r);
    qsort(*out, *n, sizeof **out, cmp_desc);
    return e;
}

enum err store_stays(struct svc *s, uint64_t provider_id, int32_t from, int32_t to, struct stay **out, size_t *n)
{
    char table[40], sql[400], f[DATE_STR_LEN], t[DATE_STR_LEN];
    struct db_rows *r = NULL;
    index_table(s, ACTOR_PROVIDER, provider_id, table, sizeof table);
    enum err e = db_query1(s->db, &r, sql1(sql, sizeof sql, SQL_STAYS, table), "uss", provider_id, date_format(from, f),
                           date_format(to, t));
    if (e != ERR_OK)
        return e;
    *n = db_rows_count(r);
    *out = calloc(*n ? *n : 1, sizeof **out);
    if (!*out) {
        db_rows_free(r);
        return ERR_NO_MEMORY;
    }
    for (size_t i = 0; i < *n; i++) {
        (*out)[i].order_id = db_rows_u64(r, i, 0);
        date_parse(db_rows_str(r, i, 1), &(*out)[i].start);
        date_parse(db_rows_str(r, i, 2), &(*out)[i].end);
        (*out)[i].pets = (int)db_rows_i64(r, i, 3);
        int st = order_status_parse(db_rows_str(r, i, 4));
        (*out)[i].status = st < 0 ? OS_FAILED : (enum order_status)st;
    }
    db_rows_free(r);
    return ERR_OK;
}

enum err store_due(struct svc *s, enum due_kind kind, int64_t now, int months, uint64_t *ids, size_t max, size_t *n)
{
    static const char *const where[] = {
        [DUE_EXPIRE] = "status = 'pending_payment' AND pay_before_ms <= ?",
        [DUE_ACCEPT_TIMEOUT] = "status = 'paid' AND accept_before_ms <= ?",
        [DUE_STALE_CREATING] = "status = 'creating' AND created_ms <= ?",
        [DUE_RELEASE] = "hold = 'releasing' AND updated_ms <= ?",
        [DUE_GRANTS] = "grants IN ('wanted', 'revoke') AND updated_ms <= ?",
    };
    /* a creation takes well under a second; one still "creating" after this long lost its
     * process, and a client retrying with the same Idempotency-Key waits for this clean-up */
    int64_t bound = kind == DUE_STALE_CREATING ? now - config_long("PB_ORDER_STALE_CREATING_MS", 10000, 1000, 600000)
                                               : now;
    *n = 0;
    /* the current month and the ones before it (deadlines are at most days after creation) */
    int y;
    unsigned m, d;
    date_to_civil((int32_t)(now / 86400000), &y, &m, &d);
    for (int k = 0; k < months && *n < max; k++) {
        int yy = y, mm = (int)m - k;
        while (mm < 1) {
            mm += 12;
            yy--;
        }
        char sql[256];
        snprintf(sql, sizeof sql, "SELECT id FROM orders_%04d%02d WHERE %s LIMIT ?", yy % 10000, mm % 100, where[kind]);
        struct db_rows *r = NULL;
        enum err e = db_query1(s->db, &r, sql, "ii", bound, (int64_t)(max - *n));
        if (e == ERR_NOT_FOUND)
            continue; /* no orders that month */
        if (e != ERR_OK)
            return e;
        for (size_t i = 0; i < db_rows_count(r) && *n < max; i++)
            ids[(*n)++] = db_rows_u64(r, i, 0);
        db_rows_free(r);
    }
    return ERR_OK;
}
