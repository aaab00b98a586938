/* Notification service storage: sharded inboxes, the order view, reminders, Redis counters,
 * recipients' languages. */
#include "store.h"
#include "aside.h"
#include "dates.h"
#include "httpc.h"
#include "ids.h"
#include "log.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct notif_app *notif_app(struct svc *s) { return s->app; }

/* ---------- SQL (the only formatted part is a shard number, from ids_shard) ---------- */

#define NOTIF_COLS "id, user_id, type, title, body, data, is_read, created_ms"

static const char SQL_SHARDS[] = "SELECT v FROM schema_meta WHERE k = 'shards'";

/* The heads of a shard's recipients moved at once: the JSON array [[user, fresh, count], ...]
 * (users ascending: the lock order), a new row starting at fresh + count - 1, an existing one
 * moved past count more ids (and past fresh + count - 1); RETURNING gives each user's new head,
 * the last of the count ids it gets. */
static const char SQL_HEADS_BUMP[] =
    "INSERT INTO inbox_head_%u (user_id, last_id) SELECT j.u, j.v FROM JSON_TABLE(?, '$[*]' COLUMNS ("
    "u BIGINT UNSIGNED PATH '$[0]', v BIGINT UNSIGNED PATH '$[1]', c INT PATH '$[2]')) AS j "
    "ON DUPLICATE KEY UPDATE last_id = GREATEST(last_id + j.c, VALUES(last_id)) RETURNING user_id, last_id";
/* A shard's new notifications, [[user, id, type, title, body, data, source_key, source_ms], ...];
 * one whose source_key the user already has is skipped, and RETURNING names those written. */
static const char SQL_NOTIFS_INSERT[] =
    "INSERT IGNORE INTO notification_%u (user_id, id, type, title, body, data, is_read, created_ms, source_key, "
    "source_ms) SELECT j.u, j.i, j.t, j.ti, j.b, j.d, 0, ?, j.k, j.m FROM JSON_TABLE(?, '$[*]' COLUMNS ("
    "u BIGINT UNSIGNED PATH '$[0]', i BIGINT UNSIGNED PATH '$[1]', t VARCHAR(48) CHARACTER SET ascii PATH '$[2]', "
    "ti VARCHAR(200) CHARACTER SET utf8mb4 PATH '$[3]', b VARCHAR(1000) CHARACTER SET utf8mb4 PATH '$[4]', "
    "d TEXT CHARACTER SET utf8mb4 PATH '$[5]', k VARCHAR(80) CHARACTER SET ascii PATH '$[6]', "
    "m BIGINT PATH '$[7]')) AS j RETURNING user_id, id";
static const char SQL_LIST[] = "SELECT " NOTIF_COLS " FROM notification_%u WHERE user_id = ? AND id < ? "
                               "ORDER BY id DESC LIMIT ?";
static const char SQL_LIST_UNREAD[] = "SELECT " NOTIF_COLS " FROM notification_%u WHERE user_id = ? AND is_read = 0 "
                                      "AND id < ? ORDER BY id DESC LIMIT ?";
static const char SQL_NEWER[] = "SELECT " NOTIF_COLS " FROM notification_%u WHERE user_id = ? AND id > ? "
                                "ORDER BY id LIMIT ?";
static const char SQL_NEWEST[] = "SELECT COALESCE(MAX(id), 0) FROM notification_%u WHERE user_id = ?";
static const char SQL_GET[] = "SELECT " NOTIF_COLS " FROM notification_%u WHERE user_id = ? AND id = ?";
static const char SQL_MARK_READ[] =
    "UPDATE notification_%u SET is_read = 1, read_ms = ? WHERE user_id = ? AND id = ? AND is_read = 0";
static const char SQL_MARK_ALL[] = "UPDATE notification_%u SET is_read = 1, read_ms = ? WHERE user_id = ? AND is_read = 0";
static const char SQL_PURGE_READ[] = "DELETE FROM notification_%u WHERE is_read = 1 AND read_ms < ? LIMIT ?";
static const char SQL_UNREAD[] = "SELECT COUNT(*) FROM notification_%u WHERE user_id = ? AND is_read = 0";

#define ORDER_COLS                                                                                             \
    "id, listing_id, owner_id, provider_id, listing_title, status, start_date, end_date, total_fen, pay_before_ms, " \
    "accept_before_ms, completed_ms"
static const char SQL_ORDER_GET[] = "SELECT " ORDER_COLS " FROM order_view WHERE id = ?";
static const char SQL_ORDER_LOCK[] = "SELECT " ORDER_COLS " FROM order_view WHERE id = ? FOR UPDATE";
/* Orders of the JSON array of ids [id, ...] (ascending: the lock order), locked; the ids
 * drive the join (one primary-key lookup each, never a scan that would lock every row). */
static const char SQL_ORDERS_LOCK[] =
    "SELECT STRAIGHT_JOIN " ORDER_COLS ", status_rank FROM JSON_TABLE(?, '$[*]' COLUMNS ("
    "oid BIGINT UNSIGNED PATH '$')) AS j JOIN order_view o ON o.id = j.oid FOR UPDATE";
/* Orders as the merge made them, [[id, listing, owner, provider, title, status, rank, start, end,
 * total, pay_before, accept_before, completed], ...], null for what is unknown. New ones are
 * inserted plainly (another writer's insert of the same order meanwhile is a conflict: the
 * transaction runs again and merges into it); existing ones, locked since they were read, take
 * the merged values. */
#define ORDER_ROWS                                                                                                  \
    "SELECT j.id, j.l, j.ow, j.pr, j.ti, j.st, j.rk, j.sd, j.ed, j.tf, j.pb, j.ab, j.cm, ? FROM JSON_TABLE(?, "     \
    "'$[*]' COLUMNS (id BIGINT UNSIGNED PATH '$[0]', l BIGINT UNSIGNED PATH '$[1]', ow BIGINT UNSIGNED PATH '$[2]', " \
    "pr BIGINT UNSIGNED PATH '$[3]', ti VARCHAR(100) CHARACTER SET utf8mb4 PATH '$[4]', "                          \
    "st VARCHAR(20) CHARACTER SET ascii PATH '$[5]', rk INT PATH '$[6]', sd DATE PATH '$[7]', ed DATE PATH '$[8]', " \
    "tf BIGINT PATH '$[9]', pb BIGINT PATH '$[10]', ab BIGINT PATH '$[11]', cm BIGINT PATH '$[12]')) AS j"
#define ORDER_INTO                                                                                                \
    "INSERT INTO order_view (id, listing_id, owner_id, provider_id, listing_title, status, status_rank, "          \
    "start_date, end_date, total_fen, pay_before_ms, accept_before_ms, completed_ms, updated_ms) "
static const char SQL_ORDERS_INSERT[] = ORDER_INTO ORDER_ROWS;
static const char SQL_ORDERS_UPDATE[] =
    ORDER_INTO ORDER_ROWS " ON DUPLICATE KEY UPDATE listing_id = VALUES(listing_id), "
    "listing_title = VALUES(listing_title), status = VALUES(status), status_rank = VALUES(status_rank), "
    "start_date = VALUES(start_date), end_date = VALUES(end_date), total_fen = VALUES(total_fen), "
    "pay_before_ms = VALUES(pay_before_ms), accept_before_ms = VALUES(accept_before_ms), "
    "completed_ms = VALUES(completed_ms), updated_ms = VALUES(updated_ms)";
static const char SQL_CANDIDATES_TIME[] =
    "SELECT o.id FROM order_view o WHERE o.status = ? AND o.%s > ? AND o.%s <= ? AND NOT EXISTS "
    "(SELECT 1 FROM reminder_sent r WHERE r.order_id = o.id AND r.kind = ?) ORDER BY o.%s LIMIT ?";
static const char SQL_CANDIDATES_DATE[] =
    "SELECT o.id FROM order_view o WHERE o.status = ? AND o.%s = ? AND NOT EXISTS "
    "(SELECT 1 FROM reminder_sent r WHERE r.order_id = o.id AND r.kind = ?) ORDER BY o.id LIMIT ?";
static const char SQL_REMINDER_CLAIM[] = "INSERT IGNORE INTO reminder_sent (order_id, kind, sent_ms) VALUES (?, ?, ?)";
static const char SQL_PURGE_ORDERS[] = "DELETE FROM order_view WHERE status_rank = 9 AND updated_ms < ? LIMIT 1000";
static const char SQL_PURGE_REMINDERS[] = "DELETE FROM reminder_sent WHERE sent_ms < ? LIMIT 1000";
static const char SQL_PURGE_PROCESSED[] =
    "DELETE FROM processed_event WHERE consumer = 'notification' AND processed_ms < ? LIMIT 1000";

static unsigned shard_of(struct svc *s, uint64_t user) { return ids_shard(user, notif_app(s)->shards); }

/* An order of the view while changes are merged into it. */
struct order_state {
    struct order_view v;
    int rank;
    bool exists; /* in order_view before the changes */
    bool known;  /* exists, or created by an earlier change */
};

static const char *sql_for(char *buf, size_t cap, const char *fmt, unsigned shard)
{
    snprintf(buf, cap, fmt, shard);
    return buf;
}

enum err store_init(struct svc *s)
{
    struct db_rows *r = NULL;
    enum err e = db_query1(s->db, &r, SQL_SHARDS, "");
    if (e == ERR_OK && db_rows_count(r) == 1)
        notif_app(s)->shards = (unsigned)db_rows_i64(r, 0, 0);
    db_rows_free(r);
    if (e != ERR_OK || notif_app(s)->shards < 1 || notif_app(s)->shards > 1024) {
        LOG_E("notification: schema_meta has no valid shard count; were the migrations applied?");
        return e == ERR_OK ? ERR_INTERNAL : e;
    }
    LOG_I("notification: inboxes spread over %u shards", notif_app(s)->shards);
    return ERR_OK;
}

/* ---------- rows ---------- */

static void row_to_notification(const struct db_rows *r, size_t i, struct notification *n)
{
    n->id = db_rows_u64(r, i, 0);
    n->user_id = db_rows_u64(r, i, 1);
    n->type = db_rows_str(r, i, 2);
    n->title = db_rows_str(r, i, 3);
    n->body = db_rows_str(r, i, 4);
    n->data = db_rows_str(r, i, 5);
    n->read = db_rows_i64(r, i, 6) != 0;
    n->created_ms = db_rows_i64(r, i, 7);
}

json_t *store_notification_json(const struct notification *n)
{
    char id[IDS_STR_LEN], at[TIME_STR_LEN];
    json_t *data = n->data ? json_loads(n->data, 0, NULL) : NULL;
    if (!json_is_object(data)) {
        json_decref(data);
        data = json_object();
    }
    return json_pack("{s:s,s:s,s:s,s:s,s:o,s:b,s:s}", "id", ids_format(n->id, id), "type", n->type ? n->type : "",
                     "title", n->title ? n->title : "", "body", n->body ? n->body : "", "data", data, "read",
                     (int)n->read, "created_at", time_format_ms(n->created_ms, at));
}

static void each_row(const struct db_rows *r, size_t from, size_t to, store_each_fn each, void *ctx)
{
    for (size_t i = from; i < to; i++) {
        struct notification n;
        row_to_notification(r, i, &n);
        each(&n, ctx);
    }
}

/* ---------- writing ---------- */

/* A built JSON array as text (the caller frees it); NULL when building failed. Takes a. */
static char *json_text(json_t *a)
{
    char *t = a ? json_dumps(a, JSON_COMPACT) : NULL;
    json_decref(a);
    return t;
}

/* An id as a JSON number (ids stay below 2^63), null for 0. */
static json_t *json_id(uint64_t v) { return v && v <= INT64_MAX ? json_integer((json_int_t)v) : json_null(); }
static json_t *json_ms(int64_t v) { return v > 0 ? json_integer(v) : json_null(); }

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* The distinct values of v[0..n) into out, ascending; returns how many. */
static size_t distinct_sorted(const uint64_t *v, size_t n, uint64_t *out)
{
    memcpy(out, v, n * sizeof *v);
    qsort(out, n, sizeof *out, cmp_u64);
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (!m || out[m - 1] != out[i])
            out[m++] = out[i];
    return m;
}

static size_t index_of(const uint64_t *v, size_t n, uint64_t x)
{
    const uint64_t *f = bsearch(&x, v, n, sizeof x, cmp_u64);
    return f ? (size_t)(f - v) : n;
}

/* The notifications of nn in shard k: the recipients' heads, then the rows. */
static enum err insert_shard(struct db_conn *c, unsigned k, size_t n, struct store_new_notif *nn, const unsigned *shard)
{
    uint64_t all[STORE_BATCH_MAX], users[STORE_BATCH_MAX], next[STORE_BATCH_MAX];
    long count[STORE_BATCH_MAX] = {0};
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (shard[i] == k)
            all[m++] = nn[i].user;
    size_t nu = distinct_sorted(all, m, users);
    for (size_t i = 0; i < n; i++)
        if (shard[i] == k)
            count[index_of(users, nu, nn[i].user)]++;
    json_t *heads = json_array();
    for (size_t u = 0; u < nu && heads; u++)
        if (json_array_append_new(heads, json_pack("[IIi]", (json_int_t)users[u],
                                                   (json_int_t)(ids_next() + (uint64_t)count[u] - 1), (int)count[u])))
            heads = (json_decref(heads), NULL);
    char *text = json_text(heads);
    if (!text)
        return ERR_NO_MEMORY;
    char sql[1024];
    struct db_rows *r = NULL;
    enum err e = db_query(c, &r, sql_for(sql, sizeof sql, SQL_HEADS_BUMP, k), "s", text);
    free(text);
    memset(next, 0, sizeof next);
    for (size_t i = 0; e == ERR_OK && i < db_rows_count(r); i++) {
        size_t u = index_of(users, nu, db_rows_u64(r, i, 0));
        if (u < nu)
            next[u] = db_rows_u64(r, i, 1) - (uint64_t)count[u] + 1; /* the first of its ids */
    }
    db_rows_free(r);
    if (e != ERR_OK)
        return e;
    json_t *rows = json_array();
    for (size_t i = 0; i < n && rows; i++) {
        if (shard[i] != k)
            continue;
        size_t u = index_of(users, nu, nn[i].user);
        if (!next[u]) {
            LOG_E("notification: the inbox head of user %llu was not returned", (unsigned long long)nn[i].user);
            json_decref(rows);
            return ERR_INTERNAL;
        }
        nn[i].id = next[u]++;
        if (json_array_append_new(rows, json_pack("[IIsssssI]", (json_int_t)nn[i].user, (json_int_t)nn[i].id,
                                                  nn[i].type, nn[i].title, nn[i].body, nn[i].data, nn[i].source_key,
                                                  (json_int_t)nn[i].source_ms)))
            rows = (json_decref(rows), NULL);
    }
    if (!(text = json_text(rows)))
        return ERR_NO_MEMORY;
    e = db_query(c, &r, sql_for(sql, sizeof sql, SQL_NOTIFS_INSERT, k), "is", time_now_ms(), text);
    free(text);
    for (size_t i = 0; e == ERR_OK && i < db_rows_count(r); i++)
        for (size_t j = 0; j < n; j++)
            if (shard[j] == k && nn[j].user == db_rows_u64(r, i, 0) && nn[j].id == db_rows_u64(r, i, 1))
                nn[j].inserted = true;
    db_rows_free(r);
    return e;
}

enum err store_notifications_insert_tx(struct db_conn *c, struct svc *s, size_t n, struct store_new_notif *nn)
{
    if (n > STORE_BATCH_MAX)
        return ERR_INTERNAL;
    unsigned shard[STORE_BATCH_MAX];
    uint64_t ks[STORE_BATCH_MAX], order[STORE_BATCH_MAX];
    for (size_t i = 0; i < n; i++) {
        nn[i].inserted = false;
        nn[i].id = 0;
        ks[i] = shard[i] = shard_of(s, nn[i].user);
    }
    /* shard by shard in ascending order, users in ascending order within one: the lock order */
    size_t nk = distinct_sorted(ks, n, order);
    enum err e = ERR_OK;
    for (size_t i = 0; i < nk && e == ERR_OK; i++)
        e = insert_shard(c, (unsigned)order[i], n, nn, shard);
    return e;
}

/* A DATE cell as a day number, 0 for NULL. */
static int32_t cell_date(const struct db_rows *r, size_t i, size_t col)
{
    int32_t d = 0;
    return !db_rows_null(r, i, col) && date_parse(db_rows_str(r, i, col), &d) ? d : 0;
}

static void row_to_order(const struct db_rows *r, size_t i, struct order_view *o)
{
    memset(o, 0, sizeof *o);
    o->id = db_rows_u64(r, i, 0);
    o->listing_id = db_rows_u64(r, i, 1);
    o->owner_id = db_rows_u64(r, i, 2);
    o->provider_id = db_rows_u64(r, i, 3);
    snprintf(o->title, sizeof o->title, "%s", db_rows_str(r, i, 4) ? db_rows_str(r, i, 4) : "");
    o->status = order_status_parse(db_rows_str(r, i, 5));
    o->start_date = cell_date(r, i, 6);
    o->end_date = cell_date(r, i, 7);
    o->total_fen = db_rows_i64(r, i, 8);
    o->pay_before_ms = db_rows_i64(r, i, 9);
    o->accept_before_ms = db_rows_i64(r, i, 10);
    o->completed_ms = db_rows_i64(r, i, 11);
}

/* The row reader of db_get_one. */
static void fill_order(const struct db_rows *r, size_t i, void *o) { row_to_order(r, i, o); }

enum err store_order_get_tx(struct db_conn *c, uint64_t id, bool lock, struct order_view *out)
{
    return db_get_one(c, fill_order, out, lock ? SQL_ORDER_LOCK : SQL_ORDER_GET, "u", id);
}

enum err store_order_get(struct svc *s, uint64_t id, struct order_view *out)
{
    return db_get_one1(s->db, fill_order, out, SQL_ORDER_GET, "u", id);
}


/* One order of the view as a row of SQL_ORDERS_INSERT/UPDATE's JSON array. */
static json_t *order_row(const struct order_view *o, int rank)
{
    char start[DATE_STR_LEN], end[DATE_STR_LEN];
    return json_pack("[ooIIssiooIooo]", json_id(o->id), json_id(o->listing_id), (json_int_t)o->owner_id,
                     (json_int_t)o->provider_id, o->title, order_status_name(o->status), rank,
                     o->start_date ? json_string(date_format(o->start_date, start)) : json_null(),
                     o->end_date ? json_string(date_format(o->end_date, end)) : json_null(), (json_int_t)o->total_fen,
                     json_ms(o->pay_before_ms), json_ms(o->accept_before_ms), json_ms(o->completed_ms));
}

/* Write the merged orders: those new (exists false) inserted, the others updated. */
static enum err orders_write(struct db_conn *c, size_t n, const struct order_state *st, bool existing, int64_t now_ms)
{
    json_t *rows = json_array();
    size_t m = 0;
    for (size_t i = 0; i < n && rows; i++) {
        if (st[i].exists != existing)
            continue;
        m++;
        if (json_array_append_new(rows, order_row(&st[i].v, st[i].rank)))
            rows = (json_decref(rows), NULL);
    }
    if (!m) {
        json_decref(rows);
        return ERR_OK;
    }
    char *text = json_text(rows);
    if (!text)
        return ERR_NO_MEMORY;
    enum err e = db_exec(c, NULL, existing ? SQL_ORDERS_UPDATE : SQL_ORDERS_INSERT, "is", now_ms, text);
    free(text);
    return e;
}

enum err store_orders_apply_tx(struct db_conn *c, size_t n, struct store_order_change *ch, int64_t now_ms)
{
    if (n > STORE_BATCH_MAX)
        return ERR_INTERNAL;
    uint64_t all[STORE_BATCH_MAX], ids[STORE_BATCH_MAX];
    for (size_t i = 0; i < n; i++)
        all[i] = ch[i].o->id;
    size_t m = distinct_sorted(all, n, ids);
    if (!m)
        return ERR_OK;
    struct order_state st[STORE_BATCH_MAX];
    memset(st, 0, m * sizeof st[0]);
    json_t *list = json_array();
    for (size_t i = 0; i < m && list; i++)
        if (json_array_append_new(list, json_id(ids[i])))
            list = (json_decref(list), NULL);
    char *text = json_text(list);
    if (!text)
        return ERR_NO_MEMORY;
    struct db_rows *r = NULL;
    enum err e = db_query(c, &r, SQL_ORDERS_LOCK, "s", text);
    free(text);
    for (size_t i = 0; e == ERR_OK && i < db_rows_count(r); i++) {
        size_t k = index_of(ids, m, db_rows_u64(r, i, 0));
        if (k < m) {
            row_to_order(r, i, &st[k].v);
            st[k].rank = (int)db_rows_i64(r, i, 12);
            st[k].exists = st[k].known = true;
        }
    }
    db_rows_free(r);
    if (e != ERR_OK)
        return e;
    /* each change in turn, as if each were its own transaction */
    for (size_t i = 0; i < n; i++) {
        struct order_state *o = &st[index_of(ids, m, ch[i].o->id)];
        ch[i].rank_before = o->known ? o->rank : 0;
        if (o->known)
            order_view_merge(&o->v, &o->rank, ch[i].o, ch[i].rank);
        else {
            o->v = *ch[i].o;
            o->rank = ch[i].rank;
            o->known = true;
        }
    }
    e = orders_write(c, m, st, false, now_ms);
    return e == ERR_OK ? orders_write(c, m, st, true, now_ms) : e;
}

enum err store_remind_candidates(struct svc *s, enum remind_kind k, int64_t now_ms, int32_t today, size_t limit,
                                 uint64_t *ids, size_t *n)
{
    static const char *const TIME_COL[REMIND__COUNT] = {
        [REMIND_PAYMENT_DUE] = "pay_before_ms",
        [REMIND_ACCEPT_DUE] = "accept_before_ms",
        [REMIND_CHECKIN_TOMORROW] = "start_date",
        [REMIND_CHECKOUT_TODAY] = "end_date",
        [REMIND_REVIEW_INVITE] = "completed_ms",
    };
    struct remind_window w;
    remind_window(k, now_ms, today, &w);
    *n = 0;
    if (w.status == OS_UNKNOWN || (unsigned)k >= REMIND__COUNT)
        return ERR_OK;
    char sql[640], day[DATE_STR_LEN];
    struct db_rows *r = NULL;
    enum err e;
    const char *col = TIME_COL[k];
    if (w.by_date) {
        snprintf(sql, sizeof sql, SQL_CANDIDATES_DATE, col);
        e = db_query1(s->db, &r, sql, "sssi", order_status_name(w.status), date_format(w.day, day), remind_name(k),
                      (int64_t)limit);
    } else {
        snprintf(sql, sizeof sql, SQL_CANDIDATES_TIME, col, col, col);
        e = db_query1(s->db, &r, sql, "siisi", order_status_name(w.status), w.lo_ms, w.hi_ms, remind_name(k),
                      (int64_t)limit);
    }
    for (size_t i = 0; e == ERR_OK && i < db_rows_count(r) && i < limit; i++)
        ids[(*n)++] = db_rows_u64(r, i, 0);
    db_rows_free(r);
    return e;
}

enum err store_reminder_claim_tx(struct db_conn *c, uint64_t order_id, enum remind_kind k, int64_t now_ms,
                                 bool *claimed)
{
    uint64_t affected = 0;
    enum err e = db_exec(c, &affected, SQL_REMINDER_CLAIM, "usi", order_id, remind_name(k), now_ms);
    *claimed = e == ERR_OK && affected == 1;
    return e;
}

enum err store_purge(struct svc *s, int64_t now_ms)
{
    const int64_t keep_orders = now_ms - 30LL * 86400 * 1000;
    const int64_t keep_events = now_ms - 8LL * 86400 * 1000; /* the stream keeps events 7 days */
    enum err e = db_exec1(s->db, NULL, SQL_PURGE_ORDERS, "i", keep_orders);
    if (e == ERR_OK)
        e = db_exec1(s->db, NULL, SQL_PURGE_REMINDERS, "i", keep_orders);
    if (e == ERR_OK)
        e = db_exec1(s->db, NULL, SQL_PURGE_PROCESSED, "i", keep_events);
    return e;
}

enum err store_purge_read(struct svc *s, int64_t before_ms, unsigned batch, unsigned max_batches, uint64_t *deleted)
{
    char sql[128];
    *deleted = 0;
    for (unsigned k = 0; k < notif_app(s)->shards; k++) {
        sql_for(sql, sizeof sql, SQL_PURGE_READ, k);
        for (unsigned b = 0; b < max_batches && !svc_stopping(s); b++) {
            uint64_t n = 0; /* each statement is its own short transaction (autocommit) */
            enum err e = db_exec1(s->db, &n, sql, "ii", before_ms, (int64_t)batch);
            if (e != ERR_OK)
                return e;
            *deleted += n;
            if (n < batch)
                break; /* this shard has no more */
        }
    }
    return ERR_OK;
}

/* ---------- reading ---------- */

enum err store_list(struct svc *s, uint64_t user, bool unread_only, uint64_t before, size_t limit, store_each_fn each,
                    void *ctx, bool *more)
{
    char sql[256];
    struct db_rows *r = NULL;
    enum err e = db_query1(s->db, &r, sql_for(sql, sizeof sql, unread_only ? SQL_LIST_UNREAD : SQL_LIST, shard_of(s, user)),
                           "uui", user, before, (int64_t)limit + 1);
    if (e == ERR_OK) {
        size_t n = db_rows_count(r);
        *more = n > limit;
        each_row(r, 0, n > limit ? limit : n, each, ctx);
    }
    db_rows_free(r);
    return e;
}

enum err store_newer(struct svc *s, uint64_t user, uint64_t after, size_t limit, store_each_fn each, void *ctx,
                     size_t *n)
{
    char sql[256];
    struct db_rows *r = NULL;
    *n = 0;
    enum err e = db_query1(s->db, &r, sql_for(sql, sizeof sql, SQL_NEWER, shard_of(s, user)), "uui", user, after,
                           (int64_t)limit);
    if (e == ERR_OK) {
        *n = db_rows_count(r);
        each_row(r, 0, *n, each, ctx);
    }
    db_rows_free(r);
    return e;
}

enum err store_newest_id(struct svc *s, uint64_t user, uint64_t *out)
{
    char sql[160];
    struct db_rows *r = NULL;
    enum err e = db_query1(s->db, &r, sql_for(sql, sizeof sql, SQL_NEWEST, shard_of(s, user)), "u", user);
    *out = e == ERR_OK && db_rows_count(r) == 1 ? db_rows_u64(r, 0, 0) : 0;
    db_rows_free(r);
    return e;
}

static enum err count_db(struct svc *s, uint64_t user, long long *out)
{
    char sql[160];
    struct db_rows *r = NULL;
    enum err e = db_query1(s->db, &r, sql_for(sql, sizeof sql, SQL_UNREAD, shard_of(s, user)), "u", user);
    if (e == ERR_OK)
        *out = db_rows_count(r) == 1 ? db_rows_i64(r, 0, 0) : 0;
    db_rows_free(r);
    return e;
}

/* ---------- marking read ---------- */

struct mark_ctx {
    struct svc *s;
    uint64_t user, id; /* id 0: all */
    uint64_t changed;
    bool busy, tried_busy;
    store_each_fn each;
    void *each_ctx;
};

/* The notification itself, after the update: each receives it; ERR_NOT_FOUND if user has none. */
static enum err mark_reread(struct db_conn *c, struct mark_ctx *x, unsigned k)
{
    char sql[256];
    struct db_rows *r = NULL;
    enum err e = db_query(c, &r, sql_for(sql, sizeof sql, SQL_GET, k), "uu", x->user, x->id);
    if (e == ERR_OK && db_rows_count(r) == 0)
        e = ERR_NOT_FOUND;
    if (e == ERR_OK)
        each_row(r, 0, 1, x->each, x->each_ctx);
    db_rows_free(r);
    return e;
}

static enum err mark_tx(struct db_conn *c, void *arg)
{
    struct mark_ctx *x = arg;
    char sql[256];
    unsigned k = shard_of(x->s, x->user);
    enum err e = x->id ? db_exec(c, &x->changed, sql_for(sql, sizeof sql, SQL_MARK_READ, k), "iuu", time_now_ms(),
                                 x->user, x->id)
                       : db_exec(c, &x->changed, sql_for(sql, sizeof sql, SQL_MARK_ALL, k), "iu", time_now_ms(), x->user);
    if (e == ERR_OK && x->id)
        e = mark_reread(c, x, k);
    if (e == ERR_OK && x->changed && !x->tried_busy) {
        x->busy = store_unread_busy(x->s, x->user); /* before the commit: see store_unread_busy */
        x->tried_busy = true;
    }
    return e;
}

static enum err mark(struct mark_ctx *x)
{
    enum err e = db_tx(x->s->db, mark_tx, x);
    if (x->tried_busy)
        store_unread_apply(x->s, x->user, e == ERR_OK ? -(long)x->changed : 0, x->busy, false);
    return e;
}

enum err store_mark_read(struct svc *s, uint64_t user, uint64_t id, store_each_fn each, void *ctx)
{
    struct mark_ctx x = {s, user, id, 0, false, false, each, ctx};
    return mark(&x);
}

enum err store_mark_all_read(struct svc *s, uint64_t user, uint64_t *changed)
{
    struct mark_ctx x = {s, user, 0, 0, false, false, NULL, NULL};
    enum err e = mark(&x);
    *changed = x.changed;
    return e;
}

/* ---------- the unread counter ----------
 * Writer W: B = busy++ inside its transaction, C = commit, A = {counter += delta if it exists;
 * busy--; ver++} (B < C < A). Rebuilder R: R1 = read busy and ver, R2 = COUNT in MariaDB (a
 * consistent read: it sees W's change iff C < R2), R3 = store the count iff busy == 0 and ver
 * is still what R1 read.
 *  - R1 after B and before A: busy > 0, R does not store.
 *  - R1 before B: if R3 < B, then R2 < C (R excludes W) and A lands on the stored key: right.
 *    If B < R3 < A, busy > 0 at R3: not stored. If A < R3, ver changed: not stored.
 *  - R1 after A: W is complete; R2 > C includes it and A ran before the key existed: right.
 * So a stored count never misses a committed change that is not applied to it, and never
 * contains one that is applied again. Only a crash between C and A leaves the key off by that
 * change, until its TTL expires and it is rebuilt. */

#define UNREAD_TTL_S 3600     /* a rebuilt counter lives an hour: any drift a crash left heals then */
#define BUSY_TTL_MS 30000     /* an in-flight mark outlives any commit */
#define VER_TTL_MS 604800000L /* a week */

static void key_unread(char *buf, size_t cap, uint64_t user, const char *suffix)
{
    snprintf(buf, cap, "pb:notif:unread:%llu%s", (unsigned long long)user, suffix);
}

static const char BUSY_LUA[] = "redis.call('INCR', KEYS[1]) redis.call('PEXPIRE', KEYS[1], ARGV[1]) return 1";

/* KEYS: count busy ver; ARGV: delta, busy was marked (0/1), wake (0/1), user id, ver ttl ms.
 * A writer that could not mark itself busy (Redis was down then) deletes the counter instead of
 * moving it: the next read rebuilds it. */
static const char APPLY_LUA[] =
    "local d = tonumber(ARGV[1]) "
    "if d ~= 0 and ARGV[2] ~= '1' then redis.call('DEL', KEYS[1]) "
    "elseif d ~= 0 and redis.call('EXISTS', KEYS[1]) == 1 then "
    "  if redis.call('INCRBY', KEYS[1], d) < 0 then redis.call('DEL', KEYS[1]) end "
    "end "
    "if ARGV[2] == '1' then "
    "  local b = tonumber(redis.call('GET', KEYS[2]) or '0') "
    "  if b <= 1 then redis.call('DEL', KEYS[2]) else redis.call('DECR', KEYS[2]) end "
    "end "
    "if d ~= 0 then redis.call('INCR', KEYS[3]) redis.call('PEXPIRE', KEYS[3], ARGV[5]) end "
    "if ARGV[3] == '1' then redis.call('PUBLISH', '" STORE_WAKE_CHANNEL "', ARGV[4]) end "
    "return 1";

/* KEYS: count busy ver; ARGV: version seen before counting, count, ttl s */
static const char REBUILD_LUA[] = "if tonumber(redis.call('GET', KEYS[2]) or '0') > 0 then return 0 end "
                                  "if (redis.call('GET', KEYS[3]) or '') ~= ARGV[1] then return 0 end "
                                  "redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3]) return 1";

/* The arguments of one EVAL of a counter script for one user, in a block of its own. */
struct unread_cmd {
    char count[64], busy[64], ver[64], uid[IDS_STR_LEN], delta[24], ttl[24];
    const char *argv[11];
};

bool store_unread_busy(struct svc *s, uint64_t user)
{
    bool busy = false;
    store_unread_busy_many(s, 1, &user, &busy);
    return busy;
}

size_t store_unread_busy_many(struct svc *s, size_t n, const uint64_t *users, bool *busy)
{
    struct unread_cmd *u = calloc(n ? n : 1, sizeof *u);
    struct cache_argv_cmd *cmds = calloc(n ? n : 1, sizeof *cmds);
    redisReply **r = calloc(n ? n : 1, sizeof *r);
    size_t marked = 0;
    for (size_t i = 0; i < n; i++)
        busy[i] = false;
    if (!u || !cmds || !r)
        goto done;
    for (size_t i = 0; i < n; i++) {
        key_unread(u[i].busy, sizeof u[i].busy, users[i], ":busy");
        snprintf(u[i].ttl, sizeof u[i].ttl, "%d", BUSY_TTL_MS);
        const char *argv[] = {"EVAL", BUSY_LUA, "1", u[i].busy, u[i].ttl};
        memcpy(u[i].argv, argv, sizeof argv);
        cmds[i] = (struct cache_argv_cmd){5, u[i].argv, NULL};
    }
    cache_pipeline(s->cache, n, cmds, r); /* one round trip for them all */
    for (size_t i = 0; i < n; i++) {
        busy[i] = r[i] && r[i]->type == REDIS_REPLY_INTEGER;
        marked += busy[i];
        if (r[i])
            freeReplyObject(r[i]);
    }
done:
    free(r);
    free(cmds);
    free(u);
    return marked;
}

void store_unread_apply(struct svc *s, uint64_t user, long delta, bool busy_marked, bool wake)
{
    const struct store_unread_move m = {user, delta, busy_marked, wake};
    store_unread_apply_many(s, 1, &m);
}

void store_unread_apply_many(struct svc *s, size_t n, const struct store_unread_move *m)
{
    struct unread_cmd *u = calloc(n ? n : 1, sizeof *u);
    struct cache_argv_cmd *cmds = calloc(n ? n : 1, sizeof *cmds);
    redisReply **r = calloc(n ? n : 1, sizeof *r);
    if (!u || !cmds || !r) {
        LOG_W("notification: %zu unread counter(s) not updated (no memory); each is rebuilt within an hour", n);
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        key_unread(u[i].count, sizeof u[i].count, m[i].user, "");
        key_unread(u[i].busy, sizeof u[i].busy, m[i].user, ":busy");
        key_unread(u[i].ver, sizeof u[i].ver, m[i].user, ":ver");
        ids_format(m[i].user, u[i].uid);
        snprintf(u[i].delta, sizeof u[i].delta, "%ld", m[i].delta);
        snprintf(u[i].ttl, sizeof u[i].ttl, "%ld", VER_TTL_MS);
        const char *argv[] = {"EVAL", APPLY_LUA, "3", u[i].count, u[i].busy, u[i].ver, u[i].delta,
                              m[i].busy_marked ? "1" : "0", m[i].wake ? "1" : "0", u[i].uid, u[i].ttl};
        memcpy(u[i].argv, argv, sizeof argv);
        cmds[i] = (struct cache_argv_cmd){11, u[i].argv, NULL};
    }
    cache_pipeline(s->cache, n, cmds, r); /* one round trip for them all */
    for (size_t i = 0; i < n; i++) {
        if (r[i])
            freeReplyObject(r[i]);
        else
            LOG_W("notification: unread counter of user %s not updated (Redis unavailable); it is rebuilt within "
                  "an hour",
                  u[i].uid);
    }
done:
    free(r);
    free(cmds);
    free(u);
}

enum err store_unread_count(struct svc *s, uint64_t user, long long *out, bool *cached)
{
    *cached = false;
    if (notif_app(s)->unread_from_db)
        return count_db(s, user, out);
    char count[64], busy[64], ver[64];
    key_unread(count, sizeof count, user, "");
    key_unread(busy, sizeof busy, user, ":busy");
    key_unread(ver, sizeof ver, user, ":ver");
    redisReply *r = cache_cmd(s->cache, "GET %s", count);
    if (r && r->type == REDIS_REPLY_STRING) {
        *out = strtoll(r->str, NULL, 10);
        *cached = true;
        freeReplyObject(r);
        return ERR_OK;
    }
    if (r)
        freeReplyObject(r);
    /* missing: remember whether a writer is in flight and the version, count, store back */
    r = cache_cmd(s->cache, "MGET %s %s", busy, ver);
    bool can_store = r && r->type == REDIS_REPLY_ARRAY && r->elements == 2 &&
                     (r->element[0]->type != REDIS_REPLY_STRING || atol(r->element[0]->str) <= 0);
    char seen[32] = "";
    if (can_store && r->element[1]->type == REDIS_REPLY_STRING)
        snprintf(seen, sizeof seen, "%s", r->element[1]->str);
    if (r)
        freeReplyObject(r);
    enum err e = count_db(s, user, out);
    if (e != ERR_OK || !can_store)
        return e;
    r = cache_cmd(s->cache, "EVAL %s 3 %s %s %s %s %lld %d", REBUILD_LUA, count, busy, ver, seen, *out, UNREAD_TTL_S);
    if (r)
        freeReplyObject(r);
    return ERR_OK;
}

/* ---------- languages ---------- */

static atomic_llong user_down_until; /* monotonic ms: the user service did not answer */

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static enum err load_lang(void *ctx, char **out, size_t *len)
{
    uint64_t user = *(const uint64_t *)ctx;
    if (atomic_load(&user_down_until) > mono_ms())
        return ERR_UNAVAILABLE;
    char url[256], id[IDS_STR_LEN];
    snprintf(url, sizeof url, "%s/internal/v1/users/%s", svc_url("user"), ids_format(user, id));
    struct httpc_resp resp = {0};
    enum err e = httpc_request("GET", url, NULL, NULL, 1000, &resp);
    if (e == ERR_OK && resp.status == 404)
        e = ERR_NOT_FOUND;
    else if (e == ERR_OK && resp.status != 200)
        e = ERR_UNAVAILABLE;
    if (e == ERR_UNAVAILABLE) {
        atomic_store(&user_down_until, mono_ms() + 5000);
        LOG_W("notification: the user service did not give the language of user %s: writing in Chinese", id);
    }
    if (e == ERR_OK) {
        const char *lang = json_string_value(json_object_get(resp.json, "lang"));
        *out = strdup(notif_lang_name(notif_lang_parse(lang)));
        *len = *out ? strlen(*out) : 0;
        if (!*out)
            e = ERR_NO_MEMORY;
    }
    httpc_resp_free(&resp);
    return e;
}

enum notif_lang store_user_lang(struct svc *s, uint64_t user)
{
    enum notif_lang l = LANG_ZH;
    store_user_langs(s, 1, &user, &l);
    return l;
}

void store_user_langs(struct svc *s, size_t n, const uint64_t *users, enum notif_lang *langs)
{
    static const struct aside_opts opts = {
        .name = "user_lang", .ttl_ms = 300000, .jitter_pct = 20, .negative_ttl_ms = 60000, .lock_ttl_ms = 2000,
        .wait_ms = 300,
    };
    char(*keys)[64] = calloc(n ? n : 1, sizeof *keys);
    const char **kp = calloc(n ? n : 1, sizeof *kp);
    void **ctxs = calloc(n ? n : 1, sizeof *ctxs);
    enum err *errs = calloc(n ? n : 1, sizeof *errs);
    char **vals = calloc(n ? n : 1, sizeof *vals);
    size_t *lens = calloc(n ? n : 1, sizeof *lens);
    for (size_t i = 0; i < n; i++)
        langs[i] = LANG_ZH;
    if (!keys || !kp || !ctxs || !errs || !vals || !lens)
        goto done;
    for (size_t i = 0; i < n; i++) {
        snprintf(keys[i], sizeof keys[i], "pb:notif:lang:%llu", (unsigned long long)users[i]);
        kp[i] = keys[i];
        ctxs[i] = (void *)&users[i]; /* load_lang only reads it */
    }
    aside_get_many(s->cache, n, kp, &opts, load_lang, ctxs, errs, vals, lens);
    for (size_t i = 0; i < n; i++)
        if (errs[i] == ERR_OK) {
            langs[i] = notif_lang_parse(vals[i]);
            free(vals[i]);
        }
done:
    free(lens);
    free(vals);
    free(errs);
    free(ctxs);
    free(kp);
    free(keys);
}
