/* Boarding storage: listings and nights in MariaDB; geo index, generations and caches in Redis. */
#include "store.h"
#include "aside.h"
#include "dates.h"
#include "events.h"
#include "ids.h"
#include "log.h"
#include "metrics.h"

#include <math.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------- SQL ---------- */

#define LISTING_COLS                                                                                         \
    "l.id, l.provider_id, l.status, l.provider_suspended, l.title, l.city, l.district, l.lat, l.lng, "     \
    "l.species_mask, l.max_weight_kg, l.capacity, l.price_per_night_fen, l.rating_count, l.rating_sum, "   \
    "l.rating_score_milli, l.status_reason, l.created_ms, l.updated_ms, l.submitted_ms"
#define DETAIL_COLS "d.description, d.address, d.amenities, d.house_rules, d.photos"
#define NCOLS 20

static const char SQL_INSERT[] =
    "INSERT INTO listing (id, provider_id, status, title, city, district, lat, lng, species_mask, max_weight_kg, "
    "capacity, price_per_night_fen, created_ms, updated_ms, submitted_ms) "
    "VALUES (?, ?, 'pending_review', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
static const char SQL_INSERT_DETAIL[] =
    "INSERT INTO listing_detail (listing_id, description, address, amenities, house_rules, photos, updated_ms) "
    "VALUES (?, ?, ?, ?, ?, ?, ?)";
static const char SQL_GET[] = "SELECT " LISTING_COLS " FROM listing l WHERE l.id = ?";
static const char SQL_GET_DETAIL[] = "SELECT " LISTING_COLS ", " DETAIL_COLS
                                     " FROM listing l JOIN listing_detail d ON d.listing_id = l.id WHERE l.id = ?";
static const char SQL_GET_DETAIL_LOCK[] = "SELECT " LISTING_COLS ", " DETAIL_COLS
                                          " FROM listing l JOIN listing_detail d ON d.listing_id = l.id "
                                          "WHERE l.id = ? FOR UPDATE";
static const char SQL_UPDATE[] =
    "UPDATE listing SET title = ?, city = ?, district = ?, lat = ?, lng = ?, species_mask = ?, max_weight_kg = ?, "
    "capacity = ?, price_per_night_fen = ?, status = ?, status_reason = ?, updated_ms = ?, submitted_ms = ? "
    "WHERE id = ?";
static const char SQL_UPDATE_DETAIL[] =
    "UPDATE listing_detail SET description = ?, address = ?, amenities = ?, house_rules = ?, photos = ?, "
    "updated_ms = ? WHERE listing_id = ?";
static const char SQL_DECIDE[] = "UPDATE listing SET status = ?, status_reason = ?, updated_ms = ? WHERE id = ?";
static const char SQL_RATING[] =
    "UPDATE listing SET rating_count = ?, rating_sum = ?, rating_score_milli = ? WHERE id = ?";
static const char SQL_PROVIDER_IDS[] = "SELECT id FROM listing WHERE provider_id = ? FOR UPDATE";
static const char SQL_PROVIDER_SUSPEND[] =
    "UPDATE listing SET provider_suspended = ?, updated_ms = ? WHERE provider_id = ?";
static const char SQL_BY_PROVIDER[] = "SELECT " LISTING_COLS ", " DETAIL_COLS
                                      " FROM listing l JOIN listing_detail d ON d.listing_id = l.id "
                                      "WHERE l.provider_id = ? AND l.id < ? ORDER BY l.id DESC LIMIT ?";
static const char SQL_BY_STATUS[] =
    "SELECT " LISTING_COLS ", " DETAIL_COLS " FROM listing l JOIN listing_detail d ON d.listing_id = l.id "
    "WHERE l.status = ? AND (l.submitted_ms > ? OR (l.submitted_ms = ? AND l.id > ?)) "
    "ORDER BY l.submitted_ms, l.id LIMIT ?";
static const char SQL_NIGHTS[] =
    "SELECT day, capacity, reserved, closed FROM listing_day WHERE listing_id = ? AND day BETWEEN ? AND ? ORDER BY day";
static const char SQL_FIRST_OVERBOOKED[] =
    "SELECT MIN(day) FROM listing_day WHERE listing_id = ? AND day >= ? AND capacity IS NULL AND reserved > ?";
static const char SQL_NIGHT_LOCK[] =
    "SELECT capacity, reserved, closed FROM listing_day WHERE listing_id = ? AND day = ? FOR UPDATE";
static const char SQL_NIGHT_UPSERT[] =
    "INSERT INTO listing_day (listing_id, day, capacity, reserved, closed) VALUES (?, ?, ?, 0, ?) "
    "ON DUPLICATE KEY UPDATE capacity = VALUES(capacity), closed = VALUES(closed)";
static const char SQL_GEO_ALL[] =
    "SELECT id, lat, lng FROM listing WHERE status = 'published' AND provider_suspended = 0";

/* ---------- Redis keys ---------- */

#define GEO_KEY "pb:listing:geo"

static void key_listing(char *buf, size_t cap, uint64_t id)
{
    snprintf(buf, cap, "pb:listing:%llu", (unsigned long long)id);
}

/* Generation counters: "content" changes (text, price, status, location, rating) and
 * "availability" changes (nights), per city and for all cities. */
static void key_gen(char *buf, size_t cap, bool avail, const char *city)
{
    snprintf(buf, cap, "pb:search:%s:%s%s", avail ? "avail" : "gen", city ? "city:" : "all", city ? city : "");
}

/* ---------- rows ---------- */

static char *dup_cell(const struct db_rows *r, size_t i, size_t c)
{
    const char *s = db_rows_str(r, i, c);
    return strdup(s ? s : "");
}

static void row_to_listing(const struct db_rows *r, size_t i, bool detail, struct listing *l)
{
    memset(l, 0, sizeof *l);
    l->id = db_rows_u64(r, i, 0);
    l->provider_id = db_rows_u64(r, i, 1);
    int st = listing_status_parse(db_rows_str(r, i, 2));
    l->status = st < 0 ? LS_PAUSED : (enum listing_status)st;
    l->provider_suspended = db_rows_i64(r, i, 3) != 0;
    snprintf(l->title, sizeof l->title, "%s", db_rows_str(r, i, 4));
    snprintf(l->city, sizeof l->city, "%s", db_rows_str(r, i, 5));
    snprintf(l->district, sizeof l->district, "%s", db_rows_str(r, i, 6));
    l->lat = db_rows_dbl(r, i, 7);
    l->lng = db_rows_dbl(r, i, 8);
    l->species_mask = (unsigned)db_rows_i64(r, i, 9);
    l->max_weight_kg = db_rows_dbl(r, i, 10);
    l->capacity = (int)db_rows_i64(r, i, 11);
    l->price_fen = db_rows_i64(r, i, 12);
    l->rating_count = (long)db_rows_i64(r, i, 13);
    l->rating_sum = (long)db_rows_i64(r, i, 14);
    l->rating_score_milli = (long)db_rows_i64(r, i, 15);
    snprintf(l->status_reason, sizeof l->status_reason, "%s", db_rows_str(r, i, 16) ? db_rows_str(r, i, 16) : "");
    l->created_ms = db_rows_i64(r, i, 17);
    l->updated_ms = db_rows_i64(r, i, 18);
    l->submitted_ms = db_rows_i64(r, i, 19);
    if (detail) {
        l->description = dup_cell(r, i, NCOLS);
        l->address = dup_cell(r, i, NCOLS + 1);
        l->amenities_json = dup_cell(r, i, NCOLS + 2);
        l->house_rules = dup_cell(r, i, NCOLS + 3);
        l->photos_json = dup_cell(r, i, NCOLS + 4);
    }
}

void listings_free(struct listing *l, size_t n)
{
    for (size_t i = 0; l && i < n; i++)
        listing_clear(&l[i]);
    free(l);
}

static enum err rows_to_listings(const struct db_rows *r, bool detail, struct listing **out, size_t *n)
{
    size_t count = db_rows_count(r);
    *out = calloc(count ? count : 1, sizeof **out);
    if (!*out)
        return ERR_NO_MEMORY;
    for (size_t i = 0; i < count; i++)
        row_to_listing(r, i, detail, &(*out)[i]);
    *n = count;
    return ERR_OK;
}

/* ---------- create / read ---------- */

struct create_ctx {
    const struct listing *l;
};

static enum err create_tx(struct db_conn *c, void *arg)
{
    const struct listing *l = ((struct create_ctx *)arg)->l;
    enum err e = db_exec(c, NULL, SQL_INSERT, "uusssddidiiiii", l->id, l->provider_id, l->title, l->city,
                         l->district, l->lat, l->lng, (int64_t)l->species_mask, l->max_weight_kg,
                         (int64_t)l->capacity, l->price_fen, l->created_ms, l->updated_ms, l->submitted_ms);
    if (e != ERR_OK)
        return e;
    return db_exec(c, NULL, SQL_INSERT_DETAIL, "usssssi", l->id, l->description, l->address, l->amenities_json,
                   l->house_rules, l->photos_json, l->updated_ms);
}

enum err store_listing_create(struct svc *s, const struct listing *l)
{
    struct create_ctx x = {l};
    enum err e = db_tx(s->db, create_tx, &x);
    if (e == ERR_OK)
        store_after_change(s, NULL, l);
    return e;
}

static enum err get_on(struct db_conn *c, uint64_t id, bool detail, bool lock, struct listing *out)
{
    struct db_rows *r = NULL;
    const char *sql = lock ? SQL_GET_DETAIL_LOCK : detail ? SQL_GET_DETAIL : SQL_GET;
    enum err e = db_query(c, &r, sql, "u", id);
    if (e == ERR_OK && db_rows_count(r) == 0)
        e = ERR_NOT_FOUND;
    if (e == ERR_OK)
        row_to_listing(r, 0, detail || lock, out);
    db_rows_free(r);
    return e;
}

enum err store_listing_get(struct svc *s, uint64_t id, bool with_detail, struct listing *out)
{
    struct db_conn *c = db_acquire(s->db);
    if (!c)
        return ERR_UNAVAILABLE;
    enum err e = get_on(c, id, with_detail, false, out);
    db_release(c);
    return e;
}

/* ---------- update ---------- */

struct update_ctx {
    uint64_t id, provider_id;
    const struct listing_patch *p;
    struct listing *before, *after;
    int32_t bad_day;
};

/* Replace an owned string with a copy of v (when v is not NULL). */
static bool replace(char **dst, const char *v)
{
    if (!v)
        return true;
    char *c = strdup(v);
    if (!c)
        return false;
    free(*dst);
    *dst = c;
    return true;
}

static void copy_listing(struct listing *dst, const struct listing *src)
{
    *dst = *src;
    dst->description = src->description ? strdup(src->description) : NULL;
    dst->address = src->address ? strdup(src->address) : NULL;
    dst->amenities_json = src->amenities_json ? strdup(src->amenities_json) : NULL;
    dst->house_rules = src->house_rules ? strdup(src->house_rules) : NULL;
    dst->photos_json = src->photos_json ? strdup(src->photos_json) : NULL;
}

static enum err apply_patch(struct listing *l, const struct listing_patch *p, bool *text_changed)
{
    *text_changed = p->title || p->description || p->city || p->district || p->address || p->house_rules ||
                    p->amenities_json || p->photos_json;
    if (p->title)
        snprintf(l->title, sizeof l->title, "%s", p->title);
    if (p->city)
        snprintf(l->city, sizeof l->city, "%s", p->city);
    if (p->district)
        snprintf(l->district, sizeof l->district, "%s", p->district);
    if (!replace(&l->description, p->description) || !replace(&l->address, p->address) ||
        !replace(&l->house_rules, p->house_rules) || !replace(&l->amenities_json, p->amenities_json) ||
        !replace(&l->photos_json, p->photos_json))
        return ERR_NO_MEMORY;
    if (p->has_location) {
        l->lat = p->lat;
        l->lng = p->lng;
    }
    if (p->species_mask)
        l->species_mask = p->species_mask;
    if (p->max_weight_kg >= 0)
        l->max_weight_kg = p->max_weight_kg;
    if (p->capacity >= 0)
        l->capacity = p->capacity;
    if (p->price_fen >= 0)
        l->price_fen = p->price_fen;
    return ERR_OK;
}

static enum err update_tx(struct db_conn *c, void *arg)
{
    struct update_ctx *x = arg;
    struct listing *l = x->after;
    listing_clear(l);
    listing_clear(x->before);
    enum err e = get_on(c, x->id, true, true, l);
    if (e != ERR_OK)
        return e;
    if (l->provider_id != x->provider_id)
        return ERR_NOT_FOUND; /* another provider's listing does not exist for this caller */
    copy_listing(x->before, l);
    int64_t now = time_now_ms();
    bool text_changed = false;
    if ((e = apply_patch(l, x->p, &text_changed)) != ERR_OK)
        return e;
    enum listing_status to = l->status;
    if (x->p->status >= 0 &&
        (e = listing_transition(l->status, x->p->status == LS_PAUSED ? LE_PAUSE : LE_RESUME, &to)) != ERR_OK &&
        !(x->p->status == (int)l->status)) /* asking for the status it already has is a no-op */
        return e;
    if (text_changed) {
        listing_transition(to, LE_EDIT_TEXT, &to);
        l->submitted_ms = now;
        l->status_reason[0] = 0;
    }
    l->status = to;
    if (x->p->capacity >= 0 && x->p->capacity < x->before->capacity) {
        struct db_rows *r = NULL;
        char today[DATE_STR_LEN];
        e = db_query(c, &r, SQL_FIRST_OVERBOOKED, "usi", x->id, date_format(date_today(), today),
                     (int64_t)x->p->capacity);
        const char *bad = e == ERR_OK ? db_rows_str(r, 0, 0) : NULL;
        if (bad && date_parse(bad, &x->bad_day))
            e = ERR_CONFLICT;
        db_rows_free(r);
        if (e != ERR_OK)
            return e;
    }
    l->updated_ms = now;
    e = db_exec(c, NULL, SQL_UPDATE, "sssddidiisbiiu", l->title, l->city, l->district, l->lat, l->lng,
                (int64_t)l->species_mask, l->max_weight_kg, (int64_t)l->capacity, l->price_fen,
                LISTING_STATUS_NAMES[l->status], l->status_reason[0] ? l->status_reason : NULL, now, l->submitted_ms,
                l->id);
    if (e != ERR_OK)
        return e;
    return db_exec(c, NULL, SQL_UPDATE_DETAIL, "sssssiu", l->description, l->address, l->amenities_json,
                   l->house_rules, l->photos_json, now, l->id);
}

enum err store_listing_update(struct svc *s, uint64_t id, uint64_t provider_id, const struct listing_patch *p,
                              struct listing *out, int32_t *bad_day)
{
    struct listing before = {0};
    memset(out, 0, sizeof *out);
    struct update_ctx x = {id, provider_id, p, &before, out, 0};
    enum err e = db_tx(s->db, update_tx, &x);
    if (e == ERR_OK)
        store_after_change(s, &before, out);
    else
        listing_clear(out);
    *bad_day = x.bad_day;
    listing_clear(&before);
    return e;
}

struct decide_ctx {
    uint64_t id;
    enum listing_event ev;
    const char *reason;
    int64_t expected_updated_ms;
    struct listing *before, *after;
    bool changed;
};

static enum err decide_tx(struct db_conn *c, void *arg)
{
    struct decide_ctx *x = arg;
    listing_clear(x->after);
    enum err e = get_on(c, x->id, true, true, x->after);
    if (e != ERR_OK)
        return e;
    *x->before = *x->after; /* hot fields only: the detail pointers stay owned by after */
    x->before->description = x->before->address = x->before->amenities_json = NULL;
    x->before->house_rules = x->before->photos_json = NULL;
    enum listing_status to;
    if (x->expected_updated_ms && x->after->updated_ms != x->expected_updated_ms) {
        x->changed = true;
        return ERR_CONFLICT;
    }
    if ((e = listing_transition(x->after->status, x->ev, &to)) != ERR_OK)
        return e;
    int64_t now = time_now_ms();
    x->after->status = to;
    x->after->updated_ms = now;
    snprintf(x->after->status_reason, sizeof x->after->status_reason, "%s", x->reason ? x->reason : "");
    if ((e = db_exec(c, NULL, SQL_DECIDE, "ssiu", LISTING_STATUS_NAMES[to], x->reason, now, x->id)) != ERR_OK)
        return e;
    /* the decision as an event (docs/events.md), in the same transaction: the provider is told */
    char lid[IDS_STR_LEN], pid[IDS_STR_LEN];
    json_t *data = json_pack("{s:s,s:s,s:s,s:s?}", "listing_id", ids_format(x->id, lid), "provider_id",
                             ids_format(x->after->provider_id, pid), "title", x->after->title, "reason", x->reason);
    e = data ? events_outbox_add(c, "boarding", x->ev == LE_APPROVE ? "listing.approved" : "listing.rejected", 1, data,
                                 NULL)
             : ERR_NO_MEMORY;
    json_decref(data);
    return e;
}

enum err store_listing_decide(struct svc *s, uint64_t id, enum listing_event ev, const char *reason,
                              int64_t expected_updated_ms, struct listing *out, bool *changed)
{
    struct listing before = {0};
    memset(out, 0, sizeof *out);
    struct decide_ctx x = {id, ev, reason, expected_updated_ms, &before, out, false};
    enum err e = db_tx(s->db, decide_tx, &x);
    *changed = x.changed;
    if (e == ERR_OK) {
        store_after_change(s, &before, out);
        events_relay_nudge();
    } else
        listing_clear(out);
    return e;
}

enum err store_listing_rating_tx(struct db_conn *c, uint64_t id, long count, long sum, long score_milli)
{
    return db_exec(c, NULL, SQL_RATING, "iiiu", (int64_t)count, (int64_t)sum, (int64_t)score_milli, id);
}

enum err store_listing_rating(struct svc *s, uint64_t id, long count, long sum, long score_milli)
{
    uint64_t affected = 0;
    enum err e = db_exec1(s->db, &affected, SQL_RATING, "iiiu", (int64_t)count, (int64_t)sum, (int64_t)score_milli, id);
    if (e != ERR_OK)
        return e;
    struct listing l = {0};
    if ((e = store_listing_get(s, id, false, &l)) == ERR_OK)
        store_after_change(s, &l, &l);
    return e;
}

struct suspend_ctx {
    uint64_t provider_id;
    bool suspended;
    uint64_t *ids;
    size_t n;
};

static enum err suspend_tx(struct db_conn *c, void *arg)
{
    struct suspend_ctx *x = arg;
    struct db_rows *r = NULL;
    free(x->ids);
    x->ids = NULL;
    x->n = 0;
    enum err e = db_query(c, &r, SQL_PROVIDER_IDS, "u", x->provider_id);
    if (e == ERR_OK && db_rows_count(r)) {
        x->ids = calloc(db_rows_count(r), sizeof *x->ids);
        if (!x->ids)
            e = ERR_NO_MEMORY;
        for (size_t i = 0; e == ERR_OK && i < db_rows_count(r); i++)
            x->ids[x->n++] = db_rows_u64(r, i, 0);
    }
    db_rows_free(r);
    if (e == ERR_OK)
        e = db_exec(c, NULL, SQL_PROVIDER_SUSPEND, "biu", x->suspended, time_now_ms(), x->provider_id);
    return e;
}

enum err store_provider_suspend(struct svc *s, uint64_t provider_id, bool suspended, long *affected)
{
    struct suspend_ctx x = {provider_id, suspended, NULL, 0};
    enum err e = db_tx(s->db, suspend_tx, &x);
    for (size_t i = 0; e == ERR_OK && i < x.n; i++) {
        struct listing l = {0};
        if (store_listing_get(s, x.ids[i], false, &l) == ERR_OK) {
            struct listing before = l;
            before.provider_suspended = !suspended;
            store_after_change(s, &before, &l);
        }
    }
    *affected = (long)x.n;
    free(x.ids);
    return e;
}

enum err store_listings_by_provider(struct svc *s, uint64_t provider_id, uint64_t before_id, int limit,
                                    struct listing **out, size_t *n)
{
    struct db_rows *r = NULL;
    enum err e = db_query1(s->db, &r, SQL_BY_PROVIDER, "uui", provider_id, before_id ? before_id : (uint64_t)INT64_MAX,
                           (int64_t)limit);
    if (e == ERR_OK)
        e = rows_to_listings(r, true, out, n);
    db_rows_free(r);
    return e;
}

enum err store_listings_by_status(struct svc *s, enum listing_status st, int64_t after_ms, uint64_t after_id,
                                  int limit, struct listing **out, size_t *n)
{
    struct db_rows *r = NULL;
    enum err e = db_query1(s->db, &r, SQL_BY_STATUS, "siiui", LISTING_STATUS_NAMES[st], after_ms, after_ms, after_id,
                           (int64_t)limit);
    if (e == ERR_OK)
        e = rows_to_listings(r, true, out, n);
    db_rows_free(r);
    return e;
}

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
    enum err e = get_on(c, x->id, false, false, &x->l);
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
    if (e == ERR_OK)
        store_after_nights_change(s, &x.l);
    *bad_day = x.bad_day;
    listing_clear(&x.l);
    return e;
}

/* A statement assembled from constant fragments (never values: those are bound). */
struct sqlb {
    char buf[8192];
    size_t n;
    bool overflow;
};

/* Append a constant fragment of SQL (never a value: values are bound). */
static void sb(struct sqlb *b, const char *frag)
{
    size_t len = strlen(frag);
    if (b->n + len + 1 > sizeof b->buf) {
        b->overflow = true;
        return;
    }
    memcpy(b->buf + b->n, frag, len + 1);
    b->n += len;
}

/* ---------- capacity holds ---------- */

static const char SQL_HOLD_LOCK[] =
    "SELECT state, listing_id, start_date, end_date, pets FROM capacity_hold WHERE order_id = ? FOR UPDATE";
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
static const char SQL_HOLD_KNOWN[] = "SELECT 1 FROM capacity_hold WHERE order_id = ?";
static const char SQL_BOOKABLE[] =
    "SELECT status = 'published' AND provider_suspended = 0, city FROM listing WHERE id = ?";

/* How long a reservation waits for the listing's lock (PB_HOLD_LOCK_WAIT_MS). */
static long s_lock_wait_ms = 3000;

void store_set_lock_wait(long ms) { s_lock_wait_ms = ms; }

struct hold_ctx {
    const struct hold_request *h;
    enum hold_result res;
    char city[20 * 4 + 1];
};

static enum err hold_tx(struct db_conn *c, void *arg)
{
    struct hold_ctx *x = arg;
    const struct hold_request *h = x->h;
    char start[DATE_STR_LEN], end[DATE_STR_LEN];
    date_format(h->start, start);
    date_format(h->end, end);
    struct db_rows *r = NULL;
    enum err e = db_query(c, &r, SQL_HOLD_LOCK, "u", h->order_id);
    if (e == ERR_OK && db_rows_count(r)) {
        bool held = strcmp(db_rows_str(r, 0, 0), "held") == 0;
        bool same = held && db_rows_u64(r, 0, 1) == h->listing_id && strcmp(db_rows_str(r, 0, 2), start) == 0 &&
                    strcmp(db_rows_str(r, 0, 3), end) == 0 && db_rows_i64(r, 0, 4) == h->pets;
        x->res = !held ? HOLD_RELEASED : same ? HOLD_OK : HOLD_MISMATCH;
        db_rows_free(r);
        return ERR_OK; /* a repeated request: nothing to change */
    }
    db_rows_free(r);
    r = NULL;
    if (e != ERR_OK || (e = db_query(c, &r, SQL_BOOKABLE, "u", h->listing_id)) != ERR_OK)
        goto done;
    if (db_rows_count(r) == 0) {
        e = ERR_NOT_FOUND;
        goto done;
    }
    snprintf(x->city, sizeof x->city, "%s", db_rows_str(r, 0, 1));
    if (db_rows_i64(r, 0, 0) != 1) {
        x->res = HOLD_NOT_BOOKABLE;
        goto done;
    }
    /* make sure every night has a row (lazily created), then raise them all or none */
    struct sqlb b = {.n = 0};
    struct db_args a = {0};
    int nights = h->end - h->start;
    char days[SEARCH_MAX_NIGHTS][DATE_STR_LEN];
    sb(&b, "INSERT IGNORE INTO listing_day (listing_id, day) VALUES ");
    for (int i = 0; i < nights && i < SEARCH_MAX_NIGHTS; i++) {
        sb(&b, i ? ",(?, ?)" : "(?, ?)");
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
        e = db_exec(c, NULL, SQL_HOLD_INSERT, "uussii", h->order_id, h->listing_id, start, end, (int64_t)h->pets,
                    time_now_ms());
    if (e == ERR_CONFLICT) /* the same order's request ran concurrently: re-run, it is now known */
        e = ERR_RETRY;
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
    struct db_rows *r = NULL;
    bool known = db_query1(s->db, &r, SQL_HOLD_KNOWN, "u", h->order_id) != ERR_OK || db_rows_count(r) > 0;
    db_rows_free(r);
    int32_t full = 0;
    if (!known && lacking_night(s, h->listing_id, h->start, h->end, h->pets, &full) != ERR_OK)
        full = 0;
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
    if (e == ERR_OK && x.res == HOLD_OK && x.city[0]) {
        struct listing l = {0};
        snprintf(l.city, sizeof l.city, "%s", x.city);
        store_after_nights_change(s, &l);
    }
    return e;
}

struct release_ctx {
    uint64_t order_id;
    uint64_t listing_id;
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
    struct release_ctx x = {order_id, 0, false};
    enum err e = db_tx(s->db, release_tx, &x);
    if (e == ERR_OK && x.released_now) {
        struct listing l = {0};
        if (store_listing_get(s, x.listing_id, false, &l) == ERR_OK)
            store_after_nights_change(s, &l);
        listing_clear(&l);
    }
    return e;
}

/* ---------- caches and the geo index ---------- */

static const struct aside_opts LISTING_CACHE = {.name = "listing", .ttl_ms = 300000, .negative_ttl_ms = 10000};
static const struct aside_opts SEARCH_CACHE = {.name = "search", .ttl_ms = 30000, .negative_ttl_ms = 5000};

struct load_ctx {
    struct svc *s;
    uint64_t id;
};

/* The cached payload is the visibility flag ('1'/'0') followed by the public JSON. */
static enum err load_listing(void *arg, char **out, size_t *len)
{
    struct load_ctx *x = arg;
    struct listing l = {0};
    enum err e = store_listing_get(x->s, x->id, true, &l);
    if (e != ERR_OK)
        return e;
    char *body = http_json_text(listing_json(&l, false), NULL);
    e = ERR_NO_MEMORY;
    if (body) {
        size_t n = strlen(body);
        *out = malloc(n + 2);
        if (*out) {
            (*out)[0] = listing_visible(&l) ? '1' : '0';
            memcpy(*out + 1, body, n + 1);
            *len = n + 1;
            e = ERR_OK;
        }
        free(body);
    }
    listing_clear(&l);
    return e;
}

enum err store_listing_json_cached(struct svc *s, uint64_t id, char **out, size_t *len, bool *visible)
{
    char key[64], *raw = NULL;
    size_t rlen = 0;
    struct load_ctx x = {s, id};
    key_listing(key, sizeof key, id);
    enum err e = aside_get(s->cache, key, &LISTING_CACHE, load_listing, &x, &raw, &rlen);
    if (e != ERR_OK)
        return e;
    if (rlen < 2) {
        free(raw);
        return ERR_INTERNAL;
    }
    *visible = raw[0] == '1';
    memmove(raw, raw + 1, rlen); /* drop the flag, keep the NUL */
    *out = raw;
    *len = rlen - 1;
    return ERR_OK;
}

static const char BUMP_LUA[] = "for i, k in ipairs(KEYS) do redis.call('incr', k) end return #KEYS";

static void bump(struct svc *s, bool avail, const char *city_a, const char *city_b)
{
    char all[128], a[160], b[160];
    key_gen(all, sizeof all, avail, NULL);
    key_gen(a, sizeof a, avail, city_a);
    key_gen(b, sizeof b, avail, city_b ? city_b : city_a);
    /* durable: a bump lost in a Redis failover would bring back pages of the old generation */
    redisReply *r = cache_cmd_durable(s->cache, "EVAL %s 3 %s %s %s", BUMP_LUA, all, a, b);
    if (r)
        freeReplyObject(r);
    else
        LOG_E("boarding: could not bump search generations (pages expire within 30 s)");
}

void store_after_change(struct svc *s, const struct listing *before, const struct listing *after)
{
    char key[64], id[IDS_STR_LEN];
    key_listing(key, sizeof key, after->id);
    aside_invalidate(s->cache, key);
    bump(s, false, after->city, before ? before->city : NULL);
    ids_format(after->id, id);
    redisReply *r;
    if (listing_visible(after)) {
        char lng[32], lat[32];
        snprintf(lng, sizeof lng, "%.7f", after->lng);
        snprintf(lat, sizeof lat, "%.7f", after->lat);
        r = cache_cmd_durable(s->cache, "GEOADD %s %s %s %s", GEO_KEY, lng, lat, id);
    } else {
        r = cache_cmd_durable(s->cache, "ZREM %s %s", GEO_KEY, id);
    }
    if (r)
        freeReplyObject(r);
    else
        LOG_E("boarding: geo index not updated for %s (rebuilt at the next start)", id);
}

void store_after_nights_change(struct svc *s, const struct listing *l) { bump(s, true, l->city, NULL); }

enum err store_geo_rebuild(struct svc *s)
{
    struct db_rows *r = NULL;
    enum err e = db_query1(s->db, &r, SQL_GEO_ALL, "");
    if (e != ERR_OK)
        return e;
    char tmp[96], tok[33];
    auth_random_hex(tok);
    snprintf(tmp, sizeof tmp, "%s:rebuild:%s", GEO_KEY, tok);
    size_t n = db_rows_count(r);
    for (size_t i = 0; i < n && e == ERR_OK; i++) {
        redisReply *rep = cache_cmd(s->cache, "GEOADD %s %s %s %s", tmp, db_rows_str(r, i, 2), db_rows_str(r, i, 1),
                                    db_rows_str(r, i, 0));
        if (!rep)
            e = ERR_UNAVAILABLE;
        else
            freeReplyObject(rep);
    }
    db_rows_free(r);
    redisReply *rep = e != ERR_OK ? NULL
                      : n         ? cache_cmd(s->cache, "RENAME %s %s", tmp, GEO_KEY)
                                  : cache_cmd(s->cache, "DEL %s", GEO_KEY);
    if (rep)
        freeReplyObject(rep);
    else
        e = ERR_UNAVAILABLE;
    if (e == ERR_OK) {
        bump(s, false, NULL, NULL);
        LOG_I("boarding: geo index rebuilt with %zu listings", n);
    }
    return e;
}

/* ---------- search ---------- */

struct hit {
    uint64_t id;
    int64_t price, score, dist_dm; /* distance in decimetres (geo searches) */
};

static int64_t sort_key(const struct hit *h, enum search_sort sort)
{
    return sort == SORT_DISTANCE ? h->dist_dm : sort == SORT_RATING ? h->score : h->price;
}

/* Order: distance asc, price asc, price desc, rating desc; ties by id in the same direction. */
static int hit_cmp_sort(const struct hit *a, const struct hit *b, enum search_sort sort)
{
    int64_t ka = sort_key(a, sort), kb = sort_key(b, sort);
    bool desc = sort == SORT_PRICE_DESC || sort == SORT_RATING;
    if (ka != kb)
        return (ka < kb) == desc ? 1 : -1;
    if (a->id != b->id)
        return (a->id < b->id) == desc ? 1 : -1;
    return 0;
}

/* Whether h comes strictly after the cursor in the sort order. */
static bool after_cursor(const struct hit *h, const struct search *q)
{
    struct hit c = {.id = q->cursor_id, .price = q->cursor_key, .score = q->cursor_key, .dist_dm = q->cursor_key};
    return hit_cmp_sort(h, &c, q->sort) > 0;
}

/* Geo candidates: ids within the radius, nearest first (at most 2000). */
static enum err geo_candidates(struct svc *s, const struct search *q, struct hit **out, size_t *n)
{
    char lng[32], lat[32], rad[32];
    snprintf(lng, sizeof lng, "%.7f", q->lng);
    snprintf(lat, sizeof lat, "%.7f", q->lat);
    snprintf(rad, sizeof rad, "%.3f", q->radius_km);
    redisReply *r = cache_cmd(s->cache, "GEOSEARCH %s FROMLONLAT %s %s BYRADIUS %s km ASC WITHDIST COUNT 2000",
                              GEO_KEY, lng, lat, rad);
    if (!r)
        return ERR_UNAVAILABLE;
    *n = 0;
    *out = calloc(r->type == REDIS_REPLY_ARRAY && r->elements ? r->elements : 1, sizeof **out);
    if (!*out) {
        freeReplyObject(r);
        return ERR_NO_MEMORY;
    }
    for (size_t i = 0; r->type == REDIS_REPLY_ARRAY && i < r->elements; i++) {
        redisReply *e = r->element[i];
        uint64_t id;
        if (e->type != REDIS_REPLY_ARRAY || e->elements != 2 || !ids_parse(e->element[0]->str, &id))
            continue;
        (*out)[*n].id = id;
        (*out)[*n].dist_dm = llround(strtod(e->element[1]->str, NULL) * 10000.0);
        (*n)++;
    }
    freeReplyObject(r);
    return ERR_OK;
}

/* Build the WHERE clause shared by both search paths; values go to args. */
static void where_clause(struct sqlb *b, struct db_args *a, const struct search *q, char (*like)[20 * 8 + 3])
{
    sb(b, " WHERE l.status = 'published' AND l.provider_suspended = 0");
    if (q->city[0]) {
        sb(b, " AND l.city = ?");
        db_args_s(a, q->city);
    }
    if (q->district[0]) {
        sb(b, " AND l.district = ?");
        db_args_s(a, q->district);
    }
    if (q->species_mask) {
        sb(b, " AND (l.species_mask & ?) <> 0");
        db_args_i(a, q->species_mask);
    }
    if (q->has_min_price) {
        sb(b, " AND l.price_per_night_fen >= ?");
        db_args_i(a, q->min_price);
    }
    if (q->has_max_price) {
        sb(b, " AND l.price_per_night_fen <= ?");
        db_args_i(a, q->max_price);
    }
    if (q->has_min_rating) {
        sb(b, " AND l.rating_score_milli >= ?");
        db_args_i(a, q->min_rating_milli);
    }
    for (int i = 0; i < q->nwords; i++) {
        /* Latin letters match in any case: compare under a case-insensitive collation */
        sb(b, " AND (l.title COLLATE utf8mb4_unicode_ci LIKE ? ESCAPE '\\\\' OR "
              "d.description COLLATE utf8mb4_unicode_ci LIKE ? ESCAPE '\\\\')");
        db_args_s(a, like[i]);
        db_args_s(a, like[i]);
    }
    if (!q->has_dates) {
        sb(b, " AND l.capacity >= ?");
        db_args_i(a, q->pets);
    }
}

/* Availability over the nights [start, end): every night with a row must have room and be
 * open; nights without a row have the default capacity, which must fit too unless every
 * night has an override row. */
static void dates_clause(struct sqlb *b, struct db_args *a, const struct search *q, const char *start, const char *end)
{
    if (!q->has_dates)
        return;
    sb(b, " AND NOT EXISTS (SELECT 1 FROM listing_day n WHERE n.listing_id = l.id AND n.day >= ? AND n.day < ?"
          " AND (n.closed = 1 OR COALESCE(n.capacity, l.capacity) - n.reserved < ?))"
          " AND (l.capacity >= ? OR (SELECT COUNT(*) FROM listing_day m WHERE m.listing_id = l.id AND m.day >= ?"
          " AND m.day < ? AND m.capacity IS NOT NULL) = ?)");
    db_args_s(a, start);
    db_args_s(a, end);
    db_args_i(a, q->pets);
    db_args_i(a, q->pets);
    db_args_s(a, start);
    db_args_s(a, end);
    db_args_i(a, q->end - q->start);
}

static void keyset_clause(struct sqlb *b, struct db_args *a, const struct search *q)
{
    if (!q->has_cursor)
        return;
    static const char *const frag[] = {
        [SORT_RATING] = " AND (l.rating_score_milli < ? OR (l.rating_score_milli = ? AND l.id < ?))",
        [SORT_PRICE_ASC] = " AND (l.price_per_night_fen > ? OR (l.price_per_night_fen = ? AND l.id > ?))",
        [SORT_PRICE_DESC] = " AND (l.price_per_night_fen < ? OR (l.price_per_night_fen = ? AND l.id < ?))",
    };
    sb(b, frag[q->sort]);
    db_args_i(a, q->cursor_key);
    db_args_i(a, q->cursor_key);
    db_args_u(a, q->cursor_id);
}

/* Find the page: limit+1 hits in order (the extra one says whether a next page exists). */
static enum err find_hits(struct svc *s, const struct search *q, struct hit **out, size_t *n)
{
    struct sqlb b = {.n = 0};
    struct db_args a = {0};
    struct hit *geo = NULL;
    size_t ngeo = 0;
    struct db_rows *r = NULL;
    char like[SEARCH_MAX_WORDS][20 * 8 + 3], start[DATE_STR_LEN], end[DATE_STR_LEN];
    enum err e = ERR_OK;
    for (int i = 0; i < q->nwords; i++) {
        char esc[20 * 8 + 1];
        like_escape(q->words[i], esc, sizeof esc);
        snprintf(like[i], sizeof like[i], "%%%s%%", esc);
    }
    date_format(q->start, start);
    date_format(q->end, end);
    *out = NULL;
    *n = 0;
    if (q->has_near) {
        if ((e = geo_candidates(s, q, &geo, &ngeo)) != ERR_OK || ngeo == 0)
            goto done;
    }
    sb(&b, "SELECT l.id, l.price_per_night_fen, l.rating_score_milli FROM listing l");
    if (q->nwords)
        sb(&b, " JOIN listing_detail d ON d.listing_id = l.id");
    where_clause(&b, &a, q, like);
    dates_clause(&b, &a, q, start, end);
    if (q->has_near) {
        sb(&b, " AND l.id IN (");
        for (size_t i = 0; i < ngeo; i++) {
            sb(&b, i ? ",?" : "?");
            db_args_u(&a, geo[i].id);
        }
        sb(&b, ")");
    } else {
        static const char *const order[] = {
            [SORT_RATING] = " ORDER BY l.rating_score_milli DESC, l.id DESC",
            [SORT_PRICE_ASC] = " ORDER BY l.price_per_night_fen ASC, l.id ASC",
            [SORT_PRICE_DESC] = " ORDER BY l.price_per_night_fen DESC, l.id DESC",
        };
        keyset_clause(&b, &a, q);
        sb(&b, order[q->sort]);
        sb(&b, " LIMIT ?");
        db_args_i(&a, q->limit + 1);
    }
    if (b.overflow || a.failed) {
        e = b.overflow ? ERR_INTERNAL : ERR_NO_MEMORY;
        goto done;
    }
    struct db_conn *c = db_acquire(s->db);
    if (!c) {
        e = ERR_UNAVAILABLE;
        goto done;
    }
    e = db_execv(c, NULL, &r, b.buf, a.p, a.n);
    db_release(c);
    if (e != ERR_OK)
        goto done;
    size_t rows = db_rows_count(r);
    struct hit *hits = calloc(rows ? rows : 1, sizeof *hits);
    if (!hits) {
        e = ERR_NO_MEMORY;
        goto done;
    }
    size_t k = 0;
    for (size_t i = 0; i < rows; i++) {
        struct hit h = {.id = db_rows_u64(r, i, 0), .price = db_rows_i64(r, i, 1), .score = db_rows_i64(r, i, 2)};
        if (q->has_near) { /* attach the distance, then apply the cursor in memory */
            for (size_t g = 0; g < ngeo; g++)
                if (geo[g].id == h.id) {
                    h.dist_dm = geo[g].dist_dm;
                    break;
                }
            if (q->has_cursor && !after_cursor(&h, q))
                continue;
        }
        hits[k++] = h;
    }
    if (q->has_near) {
        /* insertion sort keeps this reentrant (no global comparator state); n <= 2000 */
        for (size_t i = 1; i < k; i++) {
            struct hit h = hits[i];
            size_t j = i;
            while (j > 0 && hit_cmp_sort(&hits[j - 1], &h, q->sort) > 0) {
                hits[j] = hits[j - 1];
                j--;
            }
            hits[j] = h;
        }
        if (k > (size_t)q->limit + 1)
            k = (size_t)q->limit + 1;
    }
    *out = hits;
    *n = k;
done:
    db_rows_free(r);
    db_args_free(&a);
    free(geo);
    return e;
}

/* Render the page: the listings of the first `limit` hits, in order, plus next_cursor. */
static enum err render_page(struct svc *s, const struct search *q, const struct hit *hits, size_t n, char **body,
                            size_t *len)
{
    size_t shown = n > (size_t)q->limit ? (size_t)q->limit : n;
    struct sqlb b = {.n = 0};
    struct db_args a = {0};
    struct db_rows *r = NULL;
    enum err e = ERR_OK;
    json_t *items = json_array();
    char next[96] = "";
    if (shown) {
        sb(&b, "SELECT " LISTING_COLS ", " DETAIL_COLS
               " FROM listing l JOIN listing_detail d ON d.listing_id = l.id WHERE l.id IN (");
        for (size_t i = 0; i < shown; i++) {
            sb(&b, i ? ",?" : "?");
            db_args_u(&a, hits[i].id);
        }
        sb(&b, ")");
        struct db_conn *c = a.failed ? NULL : db_acquire(s->db);
        if (!c) {
            e = a.failed ? ERR_NO_MEMORY : ERR_UNAVAILABLE;
            goto done;
        }
        e = db_execv(c, NULL, &r, b.buf, a.p, a.n);
        db_release(c);
        if (e != ERR_OK)
            goto done;
    }
    for (size_t i = 0; i < shown; i++) {
        for (size_t k = 0; k < db_rows_count(r); k++) {
            if (db_rows_u64(r, k, 0) != hits[i].id)
                continue;
            struct listing l;
            row_to_listing(r, k, true, &l);
            json_t *j = listing_json(&l, false);
            if (q->has_near)
                json_object_set_new(j, "distance_km", json_real((double)hits[i].dist_dm / 10000.0));
            json_array_append_new(items, j);
            listing_clear(&l);
            break;
        }
    }
    if (n > (size_t)q->limit) {
        const struct hit *last = &hits[shown - 1];
        search_cursor_encode(q->sort, sort_key(last, q->sort), last->id, next, sizeof next);
    }
    *body = http_json_text(http_page_body(json_incref(items), *next ? next : NULL), len);
    if (!*body)
        e = ERR_NO_MEMORY;
done:
    json_decref(items);
    db_rows_free(r);
    db_args_free(&a);
    return e;
}

struct search_ctx {
    struct svc *s;
    const struct search *q;
};

static enum err load_search(void *arg, char **out, size_t *len)
{
    struct search_ctx *x = arg;
    struct hit *hits = NULL;
    size_t n = 0;
    enum err e = find_hits(x->s, x->q, &hits, &n);
    if (e == ERR_OK)
        e = render_page(x->s, x->q, hits, n, out, len);
    free(hits);
    return e;
}

enum err store_search(struct svc *s, const struct search *q, char **body, size_t *len)
{
    char canon[1024], g1[160], g2[160], key[256];
    unsigned char h[16];
    char hex[33];
    search_canonical(q, canon, sizeof canon);
    crypto_generichash(h, sizeof h, (const unsigned char *)canon, strlen(canon), NULL, 0);
    sodium_bin2hex(hex, sizeof hex, h, sizeof h);
    key_gen(g1, sizeof g1, false, q->city[0] ? q->city : NULL);
    key_gen(g2, sizeof g2, true, q->city[0] ? q->city : NULL);
    /* the generations are read before the database: a write that commits after this read
     * bumps them, so its effect can only land in a page no later reader will ask for */
    redisReply *r = cache_cmd(s->cache, "MGET %s %s", g1, g2);
    struct search_ctx x = {s, q};
    if (!r || r->type != REDIS_REPLY_ARRAY || r->elements != 2) {
        if (r)
            freeReplyObject(r);
        metrics_count("pb_cache_requests_total", "cache=\"search\",result=\"redis_down\"", 1);
        return load_search(&x, body, len);
    }
    snprintf(key, sizeof key, "pb:search:page:%s:%s:%s",
             r->element[0]->type == REDIS_REPLY_STRING ? r->element[0]->str : "0",
             q->has_dates && r->element[1]->type == REDIS_REPLY_STRING ? r->element[1]->str : "-", hex);
    freeReplyObject(r);
    return aside_get(s->cache, key, &SEARCH_CACHE, load_search, &x, body, len);
}
