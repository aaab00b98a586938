/* Order storage of orders: the monthly tables, reading an order, idempotency keys, creation and
 * changes (each with its index rows, history, pet nights and outbox event). */
#include "store.h"
#include "store_priv.h"
#include "dates.h"
#include "events.h"
#include "ids.h"
#include "log.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct order_app *order_app(struct svc *s) { return s->app; }

/* ---------- SQL (table names come from the month of an id or the shard of a user) ---------- */

static const char SQL_SHARDS[] = "SELECT v FROM schema_meta WHERE k = 'shards'";
static const char SQL_POLICY[] = "SELECT min_hours, percent FROM refund_policy ORDER BY min_hours DESC";
static const char SQL_CREATE_MONTH[] = "CREATE TABLE IF NOT EXISTS orders_%s LIKE orders_template";
static const char SQL_CREATE_HISTORY[] = "CREATE TABLE IF NOT EXISTS order_history_%s LIKE order_history_template";
static const char SQL_GET[] = "SELECT " ORDER_COLS " FROM %s WHERE id = ?";
static const char SQL_GET_LOCK[] = "SELECT " ORDER_COLS " FROM %s WHERE id = ? FOR UPDATE";
static const char SQL_INSERT[] =
    "INSERT INTO %s (id, listing_id, listing_title, owner_id, provider_id, pet_ids, pets, start_date, end_date, "
    "nights, price_per_night_fen, total_fen, status, hold, note, pay_before_ms, created_ms, updated_ms) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'creating', 'reserving', ?, ?, ?, ?)";
static const char SQL_RESERVED[] =
    "UPDATE %s SET status = 'pending_payment', hold = 'held', pay_before_ms = ?, updated_ms = ? "
    "WHERE id = ? AND status = 'creating'";
static const char SQL_FAILED[] = "UPDATE %s SET status = 'failed', hold = ?, updated_ms = ? WHERE id = ?";
static const char SQL_UPDATE[] =
    "UPDATE %s SET status = ?, hold = ?, grants = ?, accept_before_ms = ?, payment_id = ?, paid_fen = ?, "
    "refund_fen = ?, updated_ms = ? WHERE id = ?";
static const char SQL_SET_HOLD[] = "UPDATE %s SET hold = ?, updated_ms = ? WHERE id = ? AND hold = ?";
static const char SQL_SET_GRANTS[] = "UPDATE %s SET grants = ?, updated_ms = ? WHERE id = ? AND grants = ?";
static const char SQL_HISTORY_ADD[] =
    "INSERT INTO %s (order_id, seq, status, at_ms, by_role, by_user, reason) VALUES (?, ?, ?, ?, ?, ?, ?)";
static const char SQL_HISTORY[] =
    "SELECT status, at_ms, by_role, by_user, reason FROM %s WHERE order_id = ? ORDER BY seq LIMIT 32";
static const char SQL_INDEX_ADD[] =
    "INSERT INTO %s (user_id, order_id, status, start_date, end_date, pets) VALUES (?, ?, ?, ?, ?, ?)";
static const char SQL_INDEX_STATUS[] = "UPDATE %s SET status = ? WHERE user_id = ? AND order_id = ?";
/* A check-out before the last night: the provider's schedule counts the pet in care until the
 * day it left, not until the booked end (the order itself keeps the dates it was booked for). */
static const char SQL_INDEX_CHECKED_OUT[] =
    "UPDATE %s SET status = ?, end_date = LEAST(end_date, ?) WHERE user_id = ? AND order_id = ?";
static const char SQL_PET_NIGHTS_FREE[] = "DELETE FROM pet_night WHERE order_id = ?";
static const char SQL_PET_BUSY[] =
    "SELECT pet_id, MIN(day) FROM pet_night WHERE pet_id = ? AND day >= ? AND day < ? GROUP BY pet_id";
static const char SQL_IDEM_GET[] =
    "SELECT request_hash, status_code, response FROM idempotency WHERE user_id = ? AND scope = ? AND idem_key = ?";
static const char SQL_IDEM_GET_LOCK[] =
    "SELECT request_hash, status_code FROM idempotency WHERE user_id = ? AND scope = ? AND idem_key = ? FOR UPDATE";
static const char SQL_IDEM_ADD[] =
    "INSERT INTO idempotency (user_id, scope, idem_key, request_hash, order_id, created_ms) VALUES (?, ?, ?, ?, ?, ?)";
static const char SQL_IDEM_PUT[] =
    "INSERT INTO idempotency (user_id, scope, idem_key, request_hash, order_id, status_code, response, created_ms) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON DUPLICATE KEY UPDATE status_code = VALUES(status_code), "
    "response = VALUES(response)";
static const char SQL_IDEM_FORGET_ORDER[] = "DELETE FROM idempotency WHERE order_id = ? AND status_code IS NULL";
static const char SQL_IDEM_FORGET[] = "DELETE FROM idempotency WHERE user_id = ? AND scope = ? AND idem_key = ?";

/* Format a statement with one table name (a month or shard table from a closed set). */
const char *sql1(char *buf, size_t cap, const char *fmt, const char *table)
{
    snprintf(buf, cap, fmt, table);
    return buf;
}

void orders_table(uint64_t id, char *buf, size_t cap) { order_month_table(id, "orders", buf, cap); }
static void history_table(uint64_t id, char *buf, size_t cap) { order_month_table(id, "order_history", buf, cap); }

void index_table(struct svc *s, enum actor role, uint64_t user, char *buf, size_t cap)
{
    snprintf(buf, cap, "order_by_%s_%u", role == ACTOR_PROVIDER ? "provider" : "owner",
             ids_shard(user, order_app(s)->shards));
}

/* ---------- set-up ---------- */

enum err store_init(struct svc *s)
{
    struct order_app *a = order_app(s);
    struct db_rows *r = NULL;
    enum err e = db_query1(s->db, &r, SQL_SHARDS, "");
    if (e == ERR_OK && db_rows_count(r) == 1)
        a->shards = (unsigned)db_rows_i64(r, 0, 0);
    db_rows_free(r);
    if (e != ERR_OK || a->shards < 1 || a->shards > 1024) {
        LOG_E("order: schema_meta has no valid shard count; were the migrations applied?");
        return e == ERR_OK ? ERR_INTERNAL : e;
    }
    r = NULL;
    if ((e = db_query1(s->db, &r, SQL_POLICY, "")) != ERR_OK)
        return e;
    a->nrules = 0;
    for (size_t i = 0; i < db_rows_count(r) && a->nrules < 16; i++)
        a->rules[a->nrules++] = (struct refund_rule){(int)db_rows_i64(r, i, 0), (int)db_rows_i64(r, i, 1)};
    db_rows_free(r);
    return store_ensure_month(s, ids_next());
}

static pthread_mutex_t months_mu = PTHREAD_MUTEX_INITIALIZER;
static char known_months[64][16];
static size_t nknown;

enum err store_ensure_month(struct svc *s, uint64_t id)
{
    char table[32], month[16], sql[160];
    orders_table(id, table, sizeof table);
    snprintf(month, sizeof month, "%.6s", table + strlen("orders_"));
    pthread_mutex_lock(&months_mu);
    bool known = false;
    for (size_t i = 0; i < nknown && !known; i++)
        known = strcmp(known_months[i], month) == 0;
    pthread_mutex_unlock(&months_mu);
    if (known)
        return ERR_OK;
    enum err e = db_exec1(s->db, NULL, sql1(sql, sizeof sql, SQL_CREATE_MONTH, month), "");
    if (e == ERR_OK)
        e = db_exec1(s->db, NULL, sql1(sql, sizeof sql, SQL_CREATE_HISTORY, month), "");
    if (e != ERR_OK)
        return e;
    pthread_mutex_lock(&months_mu);
    if (nknown < 64)
        memcpy(known_months[nknown++], month, sizeof month);
    pthread_mutex_unlock(&months_mu);
    LOG_I("order: monthly tables for %s ready", month);
    return ERR_OK;
}

/* ---------- rows ---------- */

static void parse_pet_ids(const char *s, struct order *o)
{
    json_t *a = json_loads(s ? s : "[]", 0, NULL);
    o->pets = 0;
    for (size_t i = 0; json_is_array(a) && i < json_array_size(a) && o->pets < ORDER_MAX_PETS; i++)
        if (ids_parse(json_string_value(json_array_get(a, i)), &o->pet_ids[o->pets]))
            o->pets++;
    json_decref(a);
}

void row_to_order(const struct db_rows *r, size_t i, struct order *o)
{
    memset(o, 0, sizeof *o);
    o->id = db_rows_u64(r, i, 0);
    o->listing_id = db_rows_u64(r, i, 1);
    snprintf(o->listing_title, sizeof o->listing_title, "%s", db_rows_str(r, i, 2));
    o->owner_id = db_rows_u64(r, i, 3);
    o->provider_id = db_rows_u64(r, i, 4);
    parse_pet_ids(db_rows_str(r, i, 5), o);
    date_parse(db_rows_str(r, i, 7), &o->start);
    date_parse(db_rows_str(r, i, 8), &o->end);
    o->nights = (int)db_rows_i64(r, i, 9);
    o->price_fen = db_rows_i64(r, i, 10);
    o->total_fen = db_rows_i64(r, i, 11);
    int st = order_status_parse(db_rows_str(r, i, 12));
    o->status = st < 0 ? OS_FAILED : (enum order_status)st;
    snprintf(o->hold, sizeof o->hold, "%s", db_rows_str(r, i, 13));
    snprintf(o->grants, sizeof o->grants, "%s", db_rows_str(r, i, 14));
    snprintf(o->note, sizeof o->note, "%s", db_rows_str(r, i, 15) ? db_rows_str(r, i, 15) : "");
    o->pay_before_ms = db_rows_i64(r, i, 16);
    o->accept_before_ms = db_rows_i64(r, i, 17);
    o->payment_id = db_rows_u64(r, i, 18);
    o->paid_fen = db_rows_i64(r, i, 19);
    o->refund_fen = db_rows_i64(r, i, 20);
    o->refunded_fen = db_rows_i64(r, i, 21);
    o->created_ms = db_rows_i64(r, i, 22);
    o->updated_ms = db_rows_i64(r, i, 23);
}

/* The row reader of db_get_one. */
static void fill_order(const struct db_rows *r, size_t i, void *o) { row_to_order(r, i, o); }

enum err order_get_on(struct db_conn *c, uint64_t id, bool lock, struct order *out)
{
    char table[32], sql[640];
    if (!order_id_plausible(id, time_now_ms()))
        return ERR_NOT_FOUND;
    orders_table(id, table, sizeof table);
    return db_get_one(c, fill_order, out, sql1(sql, sizeof sql, lock ? SQL_GET_LOCK : SQL_GET, table), "u", id);
}

enum err store_get(struct svc *s, uint64_t id, struct order *out)
{
    struct db_conn *c = db_acquire(s->db);
    if (!c)
        return ERR_UNAVAILABLE;
    enum err e = order_get_on(c, id, false, out);
    db_release(c);
    return e;
}

enum err store_history(struct svc *s, const struct order *o, json_t **out)
{
    char table[40], sql[256];
    history_table(o->id, table, sizeof table);
    struct db_rows *r = NULL;
    enum err e = db_query1(s->db, &r, sql1(sql, sizeof sql, SQL_HISTORY, table), "u", o->id);
    if (e != ERR_OK)
        return e;
    json_t *a = json_array();
    for (size_t i = 0; i < db_rows_count(r); i++) {
        char at[TIME_STR_LEN];
        json_t *h = json_pack("{s:s,s:s,s:s}", "status", db_rows_str(r, i, 0), "at",
                              time_format_ms(db_rows_i64(r, i, 1), at), "by", db_rows_str(r, i, 2));
        if (!db_rows_null(r, i, 3))
            json_object_set_new(h, "by_user", json_string(db_rows_str(r, i, 3)));
        if (!db_rows_null(r, i, 4))
            json_object_set_new(h, "reason", json_string(db_rows_str(r, i, 4)));
        json_array_append_new(a, h);
    }
    db_rows_free(r);
    *out = a;
    return ERR_OK;
}

/* ---------- idempotency ---------- */

enum err store_idem_get(struct svc *s, const struct idem *k, enum idem_state *st, int *status, char **body)
{
    struct db_rows *r = NULL;
    enum err e = db_query1(s->db, &r, SQL_IDEM_GET, "uss", k->user_id, k->scope, k->key);
    *st = IDEM_NEW;
    if (e == ERR_OK && db_rows_count(r)) {
        if (strcmp(db_rows_str(r, 0, 0), k->hash) != 0)
            *st = IDEM_MISMATCH;
        else if (db_rows_null(r, 0, 1))
            *st = IDEM_IN_PROGRESS;
        else {
            *st = IDEM_REPLAY;
            *status = (int)db_rows_i64(r, 0, 1);
            *body = strdup(db_rows_str(r, 0, 2) ? db_rows_str(r, 0, 2) : "");
            if (!*body)
                e = ERR_NO_MEMORY;
        }
    }
    db_rows_free(r);
    return e;
}

enum err store_idem_put(struct db_conn *c, const struct idem *k, uint64_t order_id, int status, const char *body)
{
    if (!k || !k->key)
        return ERR_OK;
    return db_exec(c, NULL, SQL_IDEM_PUT, "usssuisi", k->user_id, k->scope, k->key, k->hash, order_id,
                   (int64_t)status, body, time_now_ms());
}

/* ---------- creation ---------- */

struct begin_ctx {
    struct svc *s;
    const struct order *o;
    const struct idem *k;
    enum idem_state st;
    bool pet_busy;
};

/* The owner's open orders in ONE statement: under READ COMMITTED every statement reads its
 * own snapshot, and a creation that ends (creating -> pending_payment plus its index rows, one
 * transaction that does not take the create_lock) between two separate counts would be missed
 * by both. Within one statement the sub-queries share one read view. */
static const char SQL_OPEN[] = "SELECT (SELECT COUNT(*) FROM %s WHERE user_id = ? AND status IN "
                               "('pending_payment', 'paid', 'confirmed', 'in_care'))"
                               " + (SELECT COUNT(*) FROM %s WHERE status = 'creating' AND owner_id = ?)%s";
static const char SQL_OPEN_BEFORE[] = " + (SELECT COUNT(*) FROM %s WHERE status = 'creating' AND owner_id = ?)";

/* The owner's open orders, counted under the owner's create_lock row (taken here): the
 * pending_payment, paid, confirmed and in_care ones of the owner's index shard, plus those
 * still creating (not indexed yet) in the monthly tables of o and of an hour before it
 * (a creation gives up within PB_ORDER_STALE_CREATING_MS, at most 10 minutes). A creating
 * order becomes indexed in the same transaction that ends its creating status and the count
 * is one statement, so none is counted twice or missed. */
static enum err count_open(struct db_conn *c, struct svc *s, const struct order *o, long long *n)
{
    char index[32], month[32], before[32], tail[128] = "", sql[640];
    *n = 0;
    enum err e = db_lock_account(c, o->owner_id);
    if (e != ERR_OK)
        return e;
    index_table(s, ACTOR_OWNER, o->owner_id, index, sizeof index);
    orders_table(o->id, month, sizeof month);
    orders_table(ids_compose(ids_unix_ms(o->id) - 3600000, 0, 0), before, sizeof before);
    bool two = strcmp(month, before) != 0;
    for (int attempt = 0; attempt < 2; attempt++) {
        if (two)
            snprintf(tail, sizeof tail, SQL_OPEN_BEFORE, before);
        else
            tail[0] = '\0';
        snprintf(sql, sizeof sql, SQL_OPEN, index, month, tail);
        struct db_rows *r = NULL;
        e = two ? db_query(c, &r, sql, "uuu", o->owner_id, o->owner_id, o->owner_id)
                : db_query(c, &r, sql, "uu", o->owner_id, o->owner_id);
        if (e == ERR_OK && db_rows_count(r) == 1)
            *n = db_rows_i64(r, 0, 0);
        db_rows_free(r);
        if (e != ERR_NOT_FOUND || !two)
            break;
        two = false; /* the month before has no table (a new installation): it holds nothing */
    }
    return e;
}

static enum err begin_tx(struct db_conn *c, void *arg)
{
    struct begin_ctx *x = arg;
    const struct order *o = x->o;
    char table[32], sql[640], start[DATE_STR_LEN], end[DATE_STR_LEN];
    enum err e = ERR_OK;
    x->st = IDEM_NEW;
    x->pet_busy = false;
    if (x->k && x->k->key) {
        struct db_rows *r = NULL;
        e = db_query(c, &r, SQL_IDEM_GET_LOCK, "uss", x->k->user_id, x->k->scope, x->k->key);
        if (e == ERR_OK && db_rows_count(r))
            x->st = strcmp(db_rows_str(r, 0, 0), x->k->hash) != 0 ? IDEM_MISMATCH
                    : db_rows_null(r, 0, 1)                       ? IDEM_IN_PROGRESS
                                                                  : IDEM_REPLAY;
        db_rows_free(r);
        if (e != ERR_OK)
            return e;
        if (x->st != IDEM_NEW)
            return ERR_CONFLICT;
        e = db_exec(c, NULL, SQL_IDEM_ADD, "usssui", x->k->user_id, x->k->scope, x->k->key, x->k->hash, o->id,
                    time_now_ms());
        if (e == ERR_CONFLICT) { /* the same key arrived twice at the same moment */
            x->st = IDEM_IN_PROGRESS;
            return e;
        }
        if (e != ERR_OK)
            return e;
    }
    long long open = 0;
    if ((e = count_open(c, x->s, o, &open)) != ERR_OK)
        return e;
    if (open >= order_app(x->s)->max_open)
        return ERR_LIMIT_REACHED; /* rolls back the key too: a retry with it is a new attempt */
    json_t *pets = order_pet_ids_json(o);
    char *pets_s = json_dumps(pets, JSON_COMPACT);
    json_decref(pets);
    if (!pets_s)
        return ERR_NO_MEMORY;
    orders_table(o->id, table, sizeof table);
    e = db_exec(c, NULL, sql1(sql, sizeof sql, SQL_INSERT, table), "uusuusissiiisiii", o->id, o->listing_id,
                o->listing_title, o->owner_id, o->provider_id, pets_s, (int64_t)o->pets, date_format(o->start, start),
                date_format(o->end, end), (int64_t)o->nights, o->price_fen, o->total_fen, o->note[0] ? o->note : NULL,
                o->pay_before_ms, o->created_ms, o->updated_ms);
    free(pets_s);
    if (e != ERR_OK)
        return e;
    /* one row per pet and night: the primary key refuses a pet in two stays on a night */
    struct db_args a = {0};
    char q[8192] = "INSERT INTO pet_night (pet_id, day, order_id) VALUES ", days[64][DATE_STR_LEN];
    size_t qn = strlen(q);
    for (int d = 0; d < o->nights && d < 64; d++)
        date_format(o->start + d, days[d]);
    for (int p = 0; p < o->pets; p++)
        for (int d = 0; d < o->nights && d < 64; d++) {
            qn += (size_t)snprintf(q + qn, sizeof q - qn, "%s(?, ?, ?)", p || d ? "," : "");
            db_args_u(&a, o->pet_ids[p]);
            db_args_s(&a, days[d]);
            db_args_u(&a, o->id);
        }
    e = a.failed || qn >= sizeof q ? ERR_INTERNAL : db_execv(c, NULL, NULL, q, a.p, a.n);
    db_args_free(&a);
    if (e == ERR_CONFLICT)
        x->pet_busy = true;
    return e;
}

enum err store_pet_busy(struct svc *s, const struct order *o, bool *busy, uint64_t *busy_pet, int32_t *busy_day)
{
    char start[DATE_STR_LEN], end[DATE_STR_LEN];
    enum err e = ERR_OK;
    *busy = false;
    date_format(o->start, start);
    date_format(o->end, end);
    for (int p = 0; p < o->pets && !*busy && e == ERR_OK; p++) {
        struct db_rows *r = NULL;
        e = db_query1(s->db, &r, SQL_PET_BUSY, "uss", o->pet_ids[p], start, end);
        if (e == ERR_OK && db_rows_count(r)) {
            *busy_pet = o->pet_ids[p];
            date_parse(db_rows_str(r, 0, 1), busy_day);
            *busy = true;
        }
        db_rows_free(r);
    }
    return e;
}

enum err store_create_begin(struct svc *s, const struct order *o, const struct idem *k, enum idem_state *st,
                            uint64_t *busy_pet, int32_t *busy_day)
{
    struct begin_ctx x = {s, o, k, IDEM_NEW, false};
    enum err e = db_tx(s->db, begin_tx, &x);
    *st = x.st;
    bool busy = false;
    if (e == ERR_CONFLICT && x.pet_busy) /* name the first pet and night that clash */
        store_pet_busy(s, o, &busy, busy_pet, busy_day);
    return e;
}

/* The event data of an order: the order object plus extra fields (taken). */
static json_t *event_data(const struct order *o, json_t *extra)
{
    json_t *d = json_pack("{s:o}", "order", order_json(o, NULL));
    if (extra) {
        json_object_update(d, extra);
        json_decref(extra);
    }
    return d;
}

enum err add_event(struct db_conn *c, const char *type, json_t *data)
{
    enum err e = data ? events_outbox_add(c, "order", type, 1, data, NULL) : ERR_NO_MEMORY;
    json_decref(data);
    return e;
}

static const char SQL_HISTORY_NEXT[] = "SELECT COALESCE(MAX(seq), 0) + 1 FROM %s WHERE order_id = ?";

/* Append entry seq of an order's history; seq 0: the next one. Callers hold the order's row
 * lock, which serialises every writer of its history, so reading the next sequence number
 * first is safe. */
static enum err add_history_at(struct db_conn *c, const struct order *o, int64_t seq, const char *status, int64_t at,
                               enum actor who, uint64_t by_user, const char *reason)
{
    char table[40], sql[512];
    enum err e = ERR_OK;
    history_table(o->id, table, sizeof table);
    if (seq == 0) {
        struct db_rows *r = NULL;
        e = db_query(c, &r, sql1(sql, sizeof sql, SQL_HISTORY_NEXT, table), "u", o->id);
        seq = e == ERR_OK ? db_rows_i64(r, 0, 0) : 0;
        db_rows_free(r);
        if (e != ERR_OK)
            return e;
    }
    struct db_param p[7] = {{.type = 'u', .v.u = o->id}, {.type = 'i', .v.i = seq}, {.type = 's', .v.s = status},
                            {.type = 'i', .v.i = at},    {.type = 's', .v.s = ACTOR_NAMES[who]},
                            {.type = 'n'},               {.type = 's', .v.s = reason}};
    if (by_user) /* the system acts as nobody */
        p[5] = (struct db_param){.type = 'u', .v.u = by_user};
    return db_execv(c, NULL, NULL, sql1(sql, sizeof sql, SQL_HISTORY_ADD, table), p, 7);
}

static enum err add_history(struct db_conn *c, const struct order *o, const char *status, int64_t at, enum actor who,
                            uint64_t by_user, const char *reason)
{
    return add_history_at(c, o, 0, status, at, who, by_user, reason);
}

struct reserved_ctx {
    struct svc *s;
    struct order *o;
    const struct idem *k;
};

static enum err reserved_tx(struct db_conn *c, void *arg)
{
    struct reserved_ctx *x = arg;
    struct order *o = x->o;
    char table[32], sql[640], start[DATE_STR_LEN], end[DATE_STR_LEN];
    uint64_t changed = 0;
    orders_table(o->id, table, sizeof table);
    enum err e = db_exec(c, &changed, sql1(sql, sizeof sql, SQL_RESERVED, table), "iiu", o->pay_before_ms,
                         o->updated_ms, o->id);
    if (e == ERR_OK && changed != 1)
        return ERR_CONFLICT; /* the clean-up job gave up on it meanwhile */
    o->status = OS_PENDING_PAYMENT;
    snprintf(o->hold, sizeof o->hold, "held");
    date_format(o->start, start);
    date_format(o->end, end);
    for (int role = ACTOR_OWNER; e == ERR_OK && role <= ACTOR_PROVIDER; role++) {
        uint64_t user = role == ACTOR_OWNER ? o->owner_id : o->provider_id;
        index_table(x->s, (enum actor)role, user, table, sizeof table);
        e = db_exec(c, NULL, sql1(sql, sizeof sql, SQL_INDEX_ADD, table), "uusssi", user, o->id, "pending_payment",
                    start, end, (int64_t)o->pets);
    }
    if (e == ERR_OK)
        /* the first entry: a creating order has none, and only this transaction ends creating */
        e = add_history_at(c, o, 1, "pending_payment", o->created_ms, ACTOR_OWNER, o->owner_id, NULL);
    if (e == ERR_OK)
        e = add_event(c, "order.created", event_data(o, NULL));
    if (e == ERR_OK && x->k && x->k->key) {
        char *body = http_json_text(order_json(o, NULL), NULL);
        e = body ? store_idem_put(c, x->k, o->id, 201, body) : ERR_NO_MEMORY;
        free(body);
    }
    return e;
}

enum err store_create_reserved(struct svc *s, struct order *o, const struct idem *k)
{
    struct reserved_ctx x = {s, o, k};
    enum err e = db_tx(s->db, reserved_tx, &x);
    if (e == ERR_OK)
        events_relay_nudge();
    return e;
}

struct failed_ctx {
    const struct order *o;
    const char *hold;
    const struct idem *k;
    int status;
    const char *body;
};

static enum err failed_tx(struct db_conn *c, void *arg)
{
    struct failed_ctx *x = arg;
    char table[32], sql[256];
    orders_table(x->o->id, table, sizeof table);
    enum err e = db_exec(c, NULL, sql1(sql, sizeof sql, SQL_FAILED, table), "siu", x->hold, time_now_ms(), x->o->id);
    if (e == ERR_OK)
        e = db_exec(c, NULL, SQL_PET_NIGHTS_FREE, "u", x->o->id);
    if (e == ERR_OK && x->k && x->k->key)
        e = x->body ? store_idem_put(c, x->k, x->o->id, x->status, x->body)
                    : db_exec(c, NULL, SQL_IDEM_FORGET, "uss", x->k->user_id, x->k->scope, x->k->key);
    else if (e == ERR_OK) /* the clean-up job: let the client's retry with its key go ahead */
        e = db_exec(c, NULL, SQL_IDEM_FORGET_ORDER, "u", x->o->id);
    return e;
}

enum err store_create_failed(struct svc *s, const struct order *o, const char *hold, const struct idem *k, int status,
                             const char *body)
{
    struct failed_ctx x = {o, hold, k, status, body};
    return db_tx(s->db, failed_tx, &x);
}

/* ---------- changes ---------- */

struct change_ctx {
    struct svc *s;
    uint64_t id;
    const struct change *ch;
    struct order *o;
    const char *why;
};

static const char *const EVENT_OF[OA__COUNT] = {
    [OA_PAY] = "order.paid",          [OA_ACCEPT] = "order.accepted",  [OA_REJECT] = "order.rejected",
    [OA_CHECK_IN] = "order.checked_in", [OA_CHECK_OUT] = "order.completed", [OA_CANCEL] = "order.cancelled",
    [OA_EXPIRE] = "order.expired",    [OA_ACCEPT_TIMEOUT] = "order.rejected",
};

/* Timing rules on top of the state machine. */
static const char *timing_problem(const struct order *o, const struct change *ch)
{
    int32_t today = date_of_ms(ch->now_ms);
    switch (ch->action) {
    case OA_CHECK_IN:
        return today < o->start ? "check-in opens on the start date" : NULL;
    case OA_ACCEPT:
    case OA_REJECT:
        return o->accept_before_ms && ch->now_ms > o->accept_before_ms ? "the acceptance deadline has passed" : NULL;
    case OA_EXPIRE:
        return ch->now_ms < o->pay_before_ms ? "the payment window is still open" : NULL;
    case OA_ACCEPT_TIMEOUT:
        return !o->accept_before_ms || ch->now_ms < o->accept_before_ms ? "the acceptance window is still open" : NULL;
    default:
        return NULL;
    }
}

static enum err change_tx(struct db_conn *c, void *arg)
{
    struct change_ctx *x = arg;
    const struct change *ch = x->ch;
    struct order *o = x->o;
    char table[40], sql[640];
    enum err e = order_get_on(c, x->id, true, o);
    if (e != ERR_OK)
        return e;
    if (!order_status_visible(o->status) || (ch->who == ACTOR_OWNER && o->owner_id != ch->by_user) ||
        (ch->who == ACTOR_PROVIDER && o->provider_id != ch->by_user))
        return ERR_NOT_FOUND; /* not theirs: it does not exist for them */
    enum order_status from = o->status, to;
    if ((e = order_next(from, ch->action, ch->who, &to)) != ERR_OK) {
        x->why = e == ERR_FORBIDDEN ? "your role cannot do this" : "not allowed in the order's current status";
        return e;
    }
    if ((x->why = timing_problem(o, ch)))
        return ERR_CONFLICT;
    int64_t refund = 0;
    if (to == OS_CANCELLED || to == OS_REJECTED)
        refund = order_refund(ch->who == ACTOR_SYSTEM ? ACTOR_PROVIDER : ch->who, from, o->paid_fen, o->start,
                              ch->now_ms, order_app(x->s)->rules, order_app(x->s)->nrules);
    if (ch->action == OA_PAY) {
        o->payment_id = ch->payment_id;
        o->paid_fen = ch->paid_fen;
        o->accept_before_ms = ch->now_ms + order_app(x->s)->accept_window_ms;
    }
    bool release = order_releases(from, to);
    if (release) {
        if (strcmp(o->hold, "held") == 0)
            snprintf(o->hold, sizeof o->hold, "releasing");
        if (strcmp(o->grants, "given") == 0 || strcmp(o->grants, "wanted") == 0)
            snprintf(o->grants, sizeof o->grants, "revoke");
    }
    if (to == OS_CONFIRMED)
        snprintf(o->grants, sizeof o->grants, "wanted");
    o->status = to;
    o->refund_fen = refund;
    o->updated_ms = ch->now_ms;
    orders_table(o->id, table, sizeof table);
    e = db_exec(c, NULL, sql1(sql, sizeof sql, SQL_UPDATE, table), "sssiuiiiu", ORDER_STATUS_NAMES[to], o->hold,
                o->grants, o->accept_before_ms, o->payment_id, o->paid_fen, o->refund_fen, o->updated_ms, o->id);
    for (int role = ACTOR_OWNER; e == ERR_OK && role <= ACTOR_PROVIDER; role++) {
        uint64_t user = role == ACTOR_OWNER ? o->owner_id : o->provider_id;
        index_table(x->s, (enum actor)role, user, table, sizeof table);
        if (role == ACTOR_PROVIDER && ch->action == OA_CHECK_OUT) {
            char left[DATE_STR_LEN];
            e = db_exec(c, NULL, sql1(sql, sizeof sql, SQL_INDEX_CHECKED_OUT, table), "ssuu", ORDER_STATUS_NAMES[to],
                        date_format(date_of_ms(ch->now_ms), left), user, o->id);
        } else {
            e = db_exec(c, NULL, sql1(sql, sizeof sql, SQL_INDEX_STATUS, table), "suu", ORDER_STATUS_NAMES[to], user,
                        o->id);
        }
    }
    if (e == ERR_OK && release)
        e = db_exec(c, NULL, SQL_PET_NIGHTS_FREE, "u", o->id);
    if (e == ERR_OK)
        e = add_history(c, o, ORDER_STATUS_NAMES[to], ch->now_ms, ch->who, ch->by_user, ch->reason);
    if (e == ERR_OK && EVENT_OF[ch->action]) {
        json_t *extra = json_pack("{s:s,s:I}", "by", ch->action == OA_ACCEPT_TIMEOUT ? "timeout" : ACTOR_NAMES[ch->who],
                                  "refund_fen", (json_int_t)refund);
        if (ch->reason)
            json_object_set_new(extra, "reason", json_string(ch->reason));
        if (ch->action == OA_PAY) {
            char pid[IDS_STR_LEN], at[TIME_STR_LEN];
            json_object_set_new(extra, "payment_id", json_string(ids_format(o->payment_id, pid)));
            json_object_set_new(extra, "accept_before", json_string(time_format_ms(o->accept_before_ms, at)));
        }
        if (ch->action == OA_CHECK_OUT) {
            char at[TIME_STR_LEN];
            json_object_set_new(extra, "completed_at", json_string(time_format_ms(ch->now_ms, at)));
        }
        e = add_event(c, EVENT_OF[ch->action], event_data(o, extra));
    }
    if (e == ERR_OK && ch->idem && ch->idem->key) {
        char *body = http_json_text(order_json(o, NULL), NULL);
        e = body ? store_idem_put(c, ch->idem, o->id, 200, body) : ERR_NO_MEMORY;
        free(body);
    }
    if (e == ERR_OK && refund > 0) {
        char oid[IDS_STR_LEN], own[IDS_STR_LEN], pay[IDS_STR_LEN];
        e = add_event(c, "order.refund_requested",
                      json_pack("{s:s,s:s,s:s,s:I,s:s}", "order_id", ids_format(o->id, oid), "owner_id",
                                ids_format(o->owner_id, own), "payment_id", ids_format(o->payment_id, pay),
                                "amount_fen", (json_int_t)refund, "reason", ORDER_STATUS_NAMES[to]));
    }
    return e;
}

enum err store_change(struct svc *s, uint64_t id, const struct change *ch, struct order *out, const char **why)
{
    struct change_ctx x = {s, id, ch, out, NULL};
    enum err e = db_tx(s->db, change_tx, &x);
    *why = x.why;
    if (e == ERR_OK)
        events_relay_nudge();
    return e;
}

enum err store_change_tx(struct db_conn *c, struct svc *s, uint64_t id, const struct change *ch, struct order *out,
                         const char **why)
{
    struct change_ctx x = {s, id, ch, out, NULL};
    enum err e = change_tx(c, &x);
    *why = x.why;
    return e;
}

static const char SQL_LATE_CHARGE[] =
    "UPDATE %s SET payment_id = ?, paid_fen = ?, refund_fen = refund_fen + ?, updated_ms = ? WHERE id = ?";
static const char SQL_LATE_EXTRA[] = "UPDATE %s SET refund_fen = refund_fen + ?, updated_ms = ? WHERE id = ?";
static const char SQL_REFUNDED[] = "UPDATE %s SET refunded_fen = refunded_fen + ?, updated_ms = ? WHERE id = ?";

enum err store_late_payment(struct db_conn *c, struct svc *s, uint64_t id, uint64_t payment_id, int64_t amount)
{
    (void)s;
    struct order o;
    char table[32], sql[256], oid[IDS_STR_LEN], own[IDS_STR_LEN], pay[IDS_STR_LEN];
    int64_t now = time_now_ms();
    enum err e = order_get_on(c, id, true, &o);
    if (e != ERR_OK)
        return e;
    orders_table(id, table, sizeof table);
    bool first_charge = o.paid_fen == 0;
    /* the order records the charge if it had none (a cancelled-unpaid order now shows "paid
     * and refunded"); a second payment of a paid order is refunded without touching it */
    if (first_charge)
        e = db_exec(c, NULL, sql1(sql, sizeof sql, SQL_LATE_CHARGE, table), "uiiiu", payment_id, amount, amount, now, id);
    else
        e = db_exec(c, NULL, sql1(sql, sizeof sql, SQL_LATE_EXTRA, table), "iiu", amount, now, id);
    if (e == ERR_OK)
        e = add_history(c, &o, "refund_requested", now, ACTOR_SYSTEM, 0,
                        first_charge ? "paid after the order had ended: refunded in full"
                                     : "a second payment for the same order: refunded in full");
    if (e == ERR_OK)
        e = add_event(c, "order.refund_requested",
                      json_pack("{s:s,s:s,s:s,s:I,s:s}", "order_id", ids_format(id, oid), "owner_id",
                                ids_format(o.owner_id, own), "payment_id", ids_format(payment_id, pay), "amount_fen",
                                (json_int_t)amount, "reason", first_charge ? "late_payment" : "duplicate_payment"));
    return e;
}

enum err store_refunded(struct db_conn *c, struct svc *s, uint64_t id, int64_t amount, const char *note)
{
    (void)s;
    struct order o;
    char table[32], sql[200];
    int64_t now = time_now_ms();
    enum err e = order_get_on(c, id, true, &o);
    if (e != ERR_OK)
        return e;
    orders_table(id, table, sizeof table);
    e = db_exec(c, NULL, sql1(sql, sizeof sql, SQL_REFUNDED, table), "iiu", amount, now, id);
    if (e == ERR_OK)
        e = add_history(c, &o, "refunded", now, ACTOR_SYSTEM, 0, note);
    return e;
}

enum err store_payment_failed(struct db_conn *c, struct svc *s, uint64_t id, const char *reason)
{
    (void)s;
    struct order o;
    enum err e = order_get_on(c, id, false, &o);
    if (e == ERR_OK)
        e = add_history(c, &o, "payment_failed", time_now_ms(), ACTOR_SYSTEM, 0, reason);
    return e;
}

enum err store_set_hold(struct svc *s, uint64_t id, const char *from, const char *to)
{
    char table[32], sql[200];
    orders_table(id, table, sizeof table);
    return db_exec1(s->db, NULL, sql1(sql, sizeof sql, SQL_SET_HOLD, table), "sius", to, time_now_ms(), id, from);
}

enum err store_set_grants(struct svc *s, uint64_t id, const char *from, const char *to)
{
    char table[32], sql[200];
    orders_table(id, table, sizeof table);
    return db_exec1(s->db, NULL, sql1(sql, sizeof sql, SQL_SET_GRANTS, table), "sius", to, time_now_ms(), id, from);
}

