/* Boarding storage of nights: the per-night calendar (`listing_day`) a provider edits, and the
 * capacity holds the order service takes and releases on it. */
#include "store.h"
#include "store_priv.h"
#include "dates.h"
#include "log.h"
#include "metrics.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char SQL_NIGHTS[] =
    "SELECT day, capacity, reserved, closed FROM listing_day WHERE listing_id = ? AND day BETWEEN ? AND ? ORDER BY day";
static const char SQL_NIGHT_LOCK[] =
    "SELECT capacity, reserved, closed FROM listing_day WHERE listing_id = ? AND day = ? FOR UPDATE";
static const char SQL_NIGHT_UPSERT[] =
    "INSERT INTO listing_day (listing_id, day, capacity, reserved, closed) VALUES (?, ?, ?, 0, ?) "
    "ON DUPLICATE KEY UPDATE capacity = VALUES(capacity), closed = VALUES(closed)";

/* ---------- nights ---------- */

enum err store_nights(struct svc *s, const struct listing *l, int32_t from, int32_t to, struct night **out, size_t *n)
{
    char f[DATE_STR_LEN], t[DATE_STR_LEN];
    struct db_rows *r = NULL;
    enum err e = db_query1(s->db, &r, SQL_NIGHTS, "uss", l->id, date_format(from, f), date_format(to, t));
    if (e != ERR_OK)
        return e;
    size_t count = (size_t)(to - from + 1), k = 0;
    *out = calloc(count, sizeof **out);
    if (!*out) {
        db_rows_free(r);
        return ERR_NO_MEMORY;
    }
    for (size_t i = 0; i < count; i++) {
        struct night *nt = &(*out)[i];
        nt->day = from + (int32_t)i;
        nt->capacity = l->capacity;
        int32_t rd;
        if (k < db_rows_count(r) && date_parse(db_rows_str(r, k, 0), &rd) && rd == nt->day) {
            nt->overridden = !db_rows_null(r, k, 1);
            if (nt->overridden)
                nt->capacity = (int)db_rows_i64(r, k, 1);
            nt->reserved = (int)db_rows_i64(r, k, 2);
            nt->closed = db_rows_i64(r, k, 3) != 0;
            k++;
        }
    }
    *n = count;
    db_rows_free(r);
    return ERR_OK;
}

struct nights_ctx {
    uint64_t id, provider_id;
    const struct night_change *c;
    size_t n;
    int32_t bad_day;
    struct listing l;
};

static enum err nights_tx(struct db_conn *c, void *arg)
{
    struct nights_ctx *x = arg;
    listing_clear(&x->l);
    enum err e = listing_get_on(c, x->id, false, false, &x->l);
    if (e != ERR_OK)
        return e;
    if (x->l.provider_id != x->provider_id)
        return ERR_NOT_FOUND;
    for (size_t i = 0; i < x->n && e == ERR_OK; i++) {
        const struct night_change *ch = &x->c[i];
        char day[DATE_STR_LEN];
        date_format(ch->day, day);
        struct db_rows *r = NULL;
        if ((e = db_query(c, &r, SQL_NIGHT_LOCK, "us", x->id, day)) != ERR_OK)
            break;
        bool exists = db_rows_count(r) > 0;
        bool had_override = exists && !db_rows_null(r, 0, 0);
        int old_cap = had_override ? (int)db_rows_i64(r, 0, 0) : -1;
        int reserved = exists ? (int)db_rows_i64(r, 0, 1) : 0;
        bool was_closed = exists && db_rows_i64(r, 0, 2) != 0;
        db_rows_free(r);
        int new_cap = ch->set_capacity ? ch->capacity : old_cap; /* -1 = the default */
        int effective = new_cap < 0 ? x->l.capacity : new_cap;
        if (effective < reserved) {
            x->bad_day = ch->day;
            e = ERR_CONFLICT;
            break;
        }
        struct db_param p[4] = {{.type = 'u', .v.u = x->id}, {.type = 's', .v.s = day}, {.type = 'n'},
                                {.type = 'b', .v.i = ch->set_closed ? ch->closed : was_closed}};
        if (new_cap >= 0) /* NULL capacity: the night follows the listing's default */
            p[2] = (struct db_param){.type = 'i', .v.i = new_cap};
        e = db_execv(c, NULL, NULL, SQL_NIGHT_UPSERT, p, 4);
    }
    return e;
}

enum err store_nights_set(struct svc *s, uint64_t id, uint64_t provider_id, const struct night_change *c, size_t n,
                          int32_t *bad_day)
{
    struct nights_ctx x = {.id = id, .provider_id = provider_id, .c = c, .n = n};
    enum err e = db_tx(s->db, nights_tx, &x);
    if (e == ERR_OK && n > 0) {
        int32_t lo = c[0].day;
        int32_t hi = lo;
        for (size_t i = 1; i < n; i++) {
            lo = c[i].day < lo ? c[i].day : lo;
            hi = c[i].day > hi ? c[i].day : hi;
        }
        store_after_nights_change(s, &x.l, lo, hi + 1);
    }
    *bad_day = x.bad_day;
    listing_clear(&x.l);
    return e;
}

/* ---------- capacity holds ---------- */

static const char SQL_HOLD_INSERT[] =
    "INSERT INTO capacity_hold (order_id, listing_id, start_date, end_date, pets, state, created_ms) "
    "VALUES (?, ?, ?, ?, ?, 'held', ?)";
static const char SQL_HOLD_TOMBSTONE[] =
    "INSERT IGNORE INTO capacity_hold (order_id, state, created_ms, released_ms) VALUES (?, 'released', ?, ?)";
static const char SQL_HOLD_RELEASED[] = "UPDATE capacity_hold SET state = 'released', released_ms = ? WHERE order_id = ?";
/* the guarantee: every night of the stay gains the pets only if it stays within capacity */
static const char SQL_RESERVE[] =
    "UPDATE listing_day n JOIN listing l ON l.id = n.listing_id SET n.reserved = n.reserved + ? "
    "WHERE n.listing_id = ? AND n.day >= ? AND n.day < ? AND n.closed = 0 "
    "AND COALESCE(n.capacity, l.capacity) - n.reserved >= ?";
static const char SQL_UNRESERVE[] =
    "UPDATE listing_day SET reserved = reserved - ? WHERE listing_id = ? AND day >= ? AND day < ? AND reserved >= ?";
/* The precheck in one read: whether the order already has a hold row, and the first night of
 * the stay that has a row and lacks room (closed, or its capacity minus what is reserved is
 * below the pets). */
static const char SQL_PRECHECK[] =
    "SELECT EXISTS (SELECT 1 FROM capacity_hold WHERE order_id = ?), "
    "(SELECT MIN(n.day) FROM listing_day n WHERE n.listing_id = l.id AND n.day >= ? AND n.day < ? "
    "AND (n.closed <> 0 OR COALESCE(n.capacity, l.capacity) - n.reserved < ?)) "
    "FROM listing l WHERE l.id = ?";
#define HOLD_COLUMNS "SELECT state, listing_id, start_date, end_date, pets FROM capacity_hold WHERE order_id = ?"
static const char SQL_HOLD_GET[] = HOLD_COLUMNS;
static const char SQL_HOLD_LOCK[] = HOLD_COLUMNS " FOR UPDATE";
static const char SQL_BOOKABLE[] =
    "SELECT status = 'published' AND provider_suspended = 0, city FROM listing WHERE id = ?";

/* How long a reservation waits for the listing's lock (PB_HOLD_LOCK_WAIT_MS). */
static long s_lock_wait_ms = 3000;

void store_set_lock_wait(long ms) { s_lock_wait_ms = ms; }

struct hold_ctx {
    const struct hold_request *h;
    enum hold_result res;
    char city[sizeof ((struct listing *)0)->city];
};

static enum err hold_tx(struct db_conn *c, void *arg)
{
    struct hold_ctx *x = arg;
    const struct hold_request *h = x->h;
    char start[DATE_STR_LEN], end[DATE_STR_LEN];
    date_format(h->start, start);
    date_format(h->end, end);
    struct db_rows *r = NULL;
    /* the hold row first: its key makes a repeated request (or one that raced this one and
     * committed first) a duplicate, answered from the row that is there */
    enum err e = db_exec(c, NULL, SQL_HOLD_INSERT, "uussii", h->order_id, h->listing_id, start, end, (int64_t)h->pets,
                         time_now_ms());
    if (e == ERR_CONFLICT) {
        if ((e = db_query(c, &r, SQL_HOLD_GET, "u", h->order_id)) != ERR_OK || db_rows_count(r) == 0) {
            e = e == ERR_OK ? ERR_RETRY : e; /* deleted meanwhile (never happens): run again */
            goto done;
        }
        bool held = strcmp(db_rows_str(r, 0, 0), "held") == 0;
        bool same = held && db_rows_u64(r, 0, 1) == h->listing_id && strcmp(db_rows_str(r, 0, 2), start) == 0 &&
                    strcmp(db_rows_str(r, 0, 3), end) == 0 && db_rows_i64(r, 0, 4) == h->pets;
        x->res = !held ? HOLD_RELEASED : same ? HOLD_OK : HOLD_MISMATCH;
        goto done; /* a repeated request: nothing to change */
    }
    if (e != ERR_OK || (e = db_query(c, &r, SQL_BOOKABLE, "u", h->listing_id)) != ERR_OK)
        goto done;
    if (db_rows_count(r) == 0) {
        e = ERR_NOT_FOUND;
        goto done;
    }
    snprintf(x->city, sizeof x->city, "%s", db_rows_str(r, 0, 1));
    if (db_rows_i64(r, 0, 0) != 1) {
        x->res = HOLD_NOT_BOOKABLE;
        e = ERR_CONFLICT; /* roll the hold row back */
        goto done;
    }
    /* make sure every night has a row (lazily created), then raise them all or none */
    struct sqlb b = {.n = 0};
    struct db_args a = {0};
    int nights = h->end - h->start;
    char days[SEARCH_MAX_NIGHTS][DATE_STR_LEN];
    sql_add(&b, "INSERT IGNORE INTO listing_day (listing_id, day) VALUES ");
    for (int i = 0; i < nights && i < SEARCH_MAX_NIGHTS; i++) {
        sql_add(&b, i ? ",(?, ?)" : "(?, ?)");
        db_args_u(&a, h->listing_id);
        db_args_s(&a, date_format(h->start + i, days[i]));
    }
    e = b.overflow || a.failed ? ERR_INTERNAL : db_execv(c, NULL, NULL, b.buf, a.p, a.n);
    db_args_free(&a);
    uint64_t raised = 0;
    if (e == ERR_OK)
        e = db_exec(c, &raised, SQL_RESERVE, "iussi", (int64_t)h->pets, h->listing_id, start, end, (int64_t)h->pets);
    if (e == ERR_OK && raised != (uint64_t)nights) {
        x->res = HOLD_FULL;
        e = ERR_CONFLICT; /* roll the raised nights back */
        goto done;
    }
    if (e == ERR_OK)
        x->res = HOLD_OK;
done:
    db_rows_free(r);
    return e;
}

/* The first night of start..end-1 of listing l without room for pets (closed, or capacity -
 * reserved < pets), read without locks, in *night; 0 when every night has room. */
static enum err lacking_night_of(struct svc *s, const struct listing *l, int32_t start, int32_t end, int pets,
                                 int32_t *night)
{
    struct night *nt = NULL;
    size_t n = 0;
    *night = 0;
    enum err e = store_nights(s, l, start, end - 1, &nt, &n);
    for (size_t i = 0; e == ERR_OK && i < n && !*night; i++)
        if (nt[i].closed || nt[i].capacity - nt[i].reserved < pets)
            *night = nt[i].day;
    free(nt);
    return e;
}

/* The same for a listing id. */
static enum err lacking_night(struct svc *s, uint64_t listing_id, int32_t start, int32_t end, int pets, int32_t *night)
{
    struct listing l = {0};
    *night = 0;
    enum err e = store_listing_get(s, listing_id, false, &l);
    if (e == ERR_OK)
        e = lacking_night_of(s, &l, start, end, pets, night);
    listing_clear(&l);
    return e;
}

/* After a refused reservation: the first night without room for pets (read without locks:
 * it names a night for the client, the decision was made by the conditional UPDATE). */
static int32_t first_full_night(struct svc *s, const struct hold_request *h)
{
    int32_t night = 0;
    if (lacking_night(s, h->listing_id, h->start, h->end, h->pets, &night) != ERR_OK || !night)
        night = h->start;
    return night;
}

/* A read without locks: the first night that already lacks room for this request (0 if
 * none, or if the order already holds its nights: a retried request must not see its own
 * reservation as "full"). Requests that cannot fit are answered without queueing for the
 * lock; the decision for the others is still the conditional UPDATE under it. */
static int32_t precheck_full(struct svc *s, const struct hold_request *h)
{
    char start[DATE_STR_LEN], end[DATE_STR_LEN];
    struct db_rows *r = NULL;
    int32_t full = 0;
    /* nights without a row have the listing's capacity: when that is too small the
     * precheck says nothing (an override may make room) and the reservation decides */
    if (db_query1(s->db, &r, SQL_PRECHECK, "ussiu", h->order_id, date_format(h->start, start),
                  date_format(h->end, end), (int64_t)h->pets, h->listing_id) == ERR_OK &&
        db_rows_count(r) == 1 && db_rows_i64(r, 0, 0) == 0 && !db_rows_null(r, 0, 1) &&
        !date_parse(db_rows_str(r, 0, 1), &full))
        full = 0;
    db_rows_free(r);
    return full;
}

enum err store_room(struct svc *s, const struct hold_request *h, enum hold_result *res, int32_t *full_night)
{
    struct listing l = {0};
    int32_t night = 0;
    enum err e = store_listing_get(s, h->listing_id, false, &l);
    bool bookable = e == ERR_OK && listing_visible(&l);
    if (bookable)
        e = lacking_night_of(s, &l, h->start, h->end, h->pets, &night);
    listing_clear(&l);
    if (e != ERR_OK)
        return e;
    *res = !bookable ? HOLD_NOT_BOOKABLE : night ? HOLD_FULL : HOLD_OK;
    *full_night = night;
    return ERR_OK;
}

enum err store_hold(struct svc *s, const struct hold_request *h, enum hold_result *res, int32_t *full_night)
{
    char key[64];
    struct cache_lock lock;
    int32_t full = precheck_full(s, h);
    if (full) {
        *res = HOLD_FULL;
        *full_night = full;
        return ERR_OK;
    }
    snprintf(key, sizeof key, "pb:lock:listing:%llu", (unsigned long long)h->listing_id);
    /* the lock cuts contention (waiters back off instead of piling onto the same rows); if a
     * holder dies, its TTL frees the lock, and the conditional UPDATE still decides alone */
    enum err e = cache_lock(s->cache, key, 5000, s_lock_wait_ms, &lock);
    if (e != ERR_OK) {
        metrics_count("pb_listing_lock_timeouts_total", NULL, 1);
        return ERR_UNAVAILABLE;
    }
    struct hold_ctx x = {h, HOLD_OK, ""};
    e = db_tx(s->db, hold_tx, &x);
    if (cache_unlock(s->cache, &lock) != ERR_OK)
        LOG_W("boarding: lock %s had expired before its release (the database condition still held)", key);
    *res = x.res;
    if (e == ERR_CONFLICT && x.res == HOLD_FULL) {
        *full_night = first_full_night(s, h);
        return ERR_OK;
    }
    if (e == ERR_CONFLICT && x.res == HOLD_NOT_BOOKABLE)
        return ERR_OK; /* rolled back: nothing is held */
    if (e == ERR_OK && x.res == HOLD_OK && x.city[0]) {
        struct listing l = {0};
        snprintf(l.city, sizeof l.city, "%s", x.city);
        store_after_nights_change(s, &l, h->start, h->end);
    }
    return e;
}

struct release_ctx {
    uint64_t order_id;
    uint64_t listing_id;
    int32_t start, end; /* the nights given back */
    bool released_now;
};

static enum err release_tx(struct db_conn *c, void *arg)
{
    struct release_ctx *x = arg;
    struct db_rows *r = NULL;
    int64_t now = time_now_ms();
    x->released_now = false;
    /* an unknown order gets its tombstone straight away; a known one is then locked */
    uint64_t inserted = 0;
    enum err e = db_exec(c, &inserted, SQL_HOLD_TOMBSTONE, "uii", x->order_id, now, now);
    if (e != ERR_OK || inserted == 1)
        return e;
    e = db_query(c, &r, SQL_HOLD_LOCK, "u", x->order_id);
    if (e == ERR_OK && db_rows_count(r) && strcmp(db_rows_str(r, 0, 0), "held") == 0) {
        int32_t start = 0, end = 0;
        date_parse(db_rows_str(r, 0, 2), &start);
        date_parse(db_rows_str(r, 0, 3), &end);
        x->start = start;
        x->end = end;
        int64_t pets = db_rows_i64(r, 0, 4);
        x->listing_id = db_rows_u64(r, 0, 1);
        uint64_t lowered = 0;
        e = db_exec(c, &lowered, SQL_UNRESERVE, "iussi", pets, x->listing_id, db_rows_str(r, 0, 2),
                    db_rows_str(r, 0, 3), pets);
        if (e == ERR_OK && lowered != (uint64_t)(end - start))
            LOG_E("boarding: releasing order %llu lowered %llu of %d nights: the inventory disagrees with its hold",
                  (unsigned long long)x->order_id, (unsigned long long)lowered, (int)(end - start));
        if (e == ERR_OK)
            e = db_exec(c, NULL, SQL_HOLD_RELEASED, "iu", now, x->order_id);
        x->released_now = e == ERR_OK;
    }
    db_rows_free(r);
    return e;
}

enum err store_release(struct svc *s, uint64_t order_id)
{
    struct release_ctx x = {.order_id = order_id};
    enum err e = db_tx(s->db, release_tx, &x);
    if (e == ERR_OK && x.released_now) {
        struct listing l = {0};
        if (store_listing_get(s, x.listing_id, false, &l) == ERR_OK)
            store_after_nights_change(s, &l, x.start, x.end);
        listing_clear(&l);
    }
    return e;
}

