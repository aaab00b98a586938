/* Order storage, figures of a day for the admin dashboard, counted over the monthly tables. */
#include "store.h"
#include "store_priv.h"
#include "dates.h"
#include "ids.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------- figures of a day ---------- */

static const char SQL_MONTH_TABLES[] =
    "SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name LIKE 'orders_%'";
static const char SQL_DAY_CREATED[] =
    "SELECT COUNT(*) FROM %s WHERE id >= ? AND id < ? AND status NOT IN ('creating', 'failed')";
static const char SQL_DAY_PAID[] =
    "SELECT COUNT(DISTINCT order_id) FROM %s WHERE order_id >= ? AND status = 'paid' AND at_ms >= ? AND at_ms < ?";
static const char SQL_DAY_STAYS[] =
    "SELECT SUM(status = 'in_care'), SUM(start_date = ?), SUM(end_date = ?) FROM %s "
    "WHERE status IN ('paid', 'confirmed', 'in_care', 'completed')";
static const char SQL_IN_CARE[] = "SELECT COUNT(*) FROM %s WHERE status = 'in_care'";

/* "YYYYMM" of a day number, as a number (202611) for comparisons and table names. */
static int month_of(int32_t day)
{
    int y;
    unsigned m, d;
    date_to_civil(day, &y, &m, &d);
    return (y % 10000) * 100 + (int)m;
}

/* Whether name is a monthly orders table ("orders_" and six digits); *month receives them. */
static bool month_table(const char *name, int *month)
{
    if (!name || strncmp(name, "orders_", 7) != 0 || strlen(name) != 13)
        return false;
    for (const char *p = name + 7; *p; p++)
        if (*p < '0' || *p > '9')
            return false;
    *month = atoi(name + 7);
    return true;
}

/* One COUNT-like query on one month table; a table that does not exist counts nothing. */
static enum err count_in(struct db_conn *c, const char *fmt, const char *table, int64_t *out, const char *types, ...)
{
    char sql[400];
    struct db_rows *r = NULL;
    va_list ap;
    va_start(ap, types);
    enum err e = db_vexec(c, NULL, &r, sql1(sql, sizeof sql, fmt, table), types, ap);
    va_end(ap);
    if (e == ERR_OK)
        *out += db_rows_i64(r, 0, 0);
    db_rows_free(r);
    return e == ERR_NOT_FOUND ? ERR_OK : e;
}

/* Stays over every month table: in care now, arriving and leaving on day. */
static enum err day_stays(struct db_conn *c, int32_t day, struct order_day_stats *out)
{
    struct db_rows *tables = NULL, *r = NULL;
    char date[DATE_STR_LEN], sql[400];
    date_format(day, date);
    int horizon = month_of(day - 400);
    enum err e = db_query(c, &tables, SQL_MONTH_TABLES, "");
    for (size_t i = 0; e == ERR_OK && i < db_rows_count(tables); i++) {
        int month;
        const char *name = db_rows_str(tables, i, 0);
        if (!month_table(name, &month))
            continue;
        if (month < horizon) { /* too old to arrive or leave today, but a stay may still go on */
            e = count_in(c, SQL_IN_CARE, name, &out->in_care, "");
            continue;
        }
        e = db_query(c, &r, sql1(sql, sizeof sql, SQL_DAY_STAYS, name), "ss", date, date);
        if (e == ERR_OK) {
            out->in_care += db_rows_i64(r, 0, 0);
            out->arrivals += db_rows_i64(r, 0, 1);
            out->departures += db_rows_i64(r, 0, 2);
        }
        db_rows_free(r);
        r = NULL;
        if (e == ERR_NOT_FOUND) /* dropped (archived) meanwhile */
            e = ERR_OK;
    }
    db_rows_free(tables);
    return e;
}

enum err store_day_stats(struct svc *s, int32_t day, struct order_day_stats *out)
{
    struct order_day_stats st = {0};
    /* a platform day (UTC+8 by default) runs from 16:00 UTC the day before; the monthly tables
     * are named by the UTC month of the ids, so the day may straddle two of them */
    int64_t from = date_start_ms(day), to = from + 86400000;
    int32_t first = (int32_t)(from / 86400000), last = (int32_t)((to - 1) / 86400000);
    char table[32];
    struct db_conn *c = db_acquire(s->db);
    if (!c)
        return ERR_UNAVAILABLE;
    enum err e = ERR_OK;
    int created[2] = {month_of(first), month_of(last)};
    for (size_t i = 0; e == ERR_OK && i < 2; i++) {
        if (i > 0 && created[i] == created[i - 1])
            continue;
        snprintf(table, sizeof table, "orders_%06d", created[i]);
        e = count_in(c, SQL_DAY_CREATED, table, &st.created, "uu", ids_compose(from, 0, 0), ids_compose(to, 0, 0));
    }
    /* the history of the orders made from two days before: their UTC months, in order */
    int months[4] = {month_of(first - 2), month_of(first - 1), month_of(first), month_of(last)};
    for (size_t i = 0; e == ERR_OK && i < 4; i++) {
        if (i > 0 && months[i] == months[i - 1])
            continue;
        snprintf(table, sizeof table, "order_history_%06d", months[i]);
        e = count_in(c, SQL_DAY_PAID, table, &st.paid, "uii", ids_compose(from - 2 * 86400000LL, 0, 0), from, to);
    }
    if (e == ERR_OK)
        e = day_stays(c, day, &st);
    db_release(c);
    if (e == ERR_OK)
        *out = st;
    return e;
}
