/* Boarding storage of listings: the listing and its detail in MariaDB; the cached listing JSON,
 * the search generations and the geo entry every committed change refreshes, in Redis. */
#include "store.h"
#include "store_priv.h"
#include "aside.h"
#include "dates.h"
#include "events.h"
#include "ids.h"
#include "log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------- SQL ---------- */

static const char SQL_PROVIDER_COUNT[] = "SELECT COUNT(*) FROM listing WHERE provider_id = ?";
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
static const char SQL_FIRST_OVERBOOKED[] =
    "SELECT MIN(day) FROM listing_day WHERE listing_id = ? AND day >= ? AND capacity IS NULL AND reserved > ?";

/* ---------- Redis keys ---------- */


static void key_listing(char *buf, size_t cap, uint64_t id)
{
    snprintf(buf, cap, "pb:listing:%llu", (unsigned long long)id);
}

/* Generation counters: "content" changes (text, price, status, location, rating) per city and
 * for all cities; "availability" changes (nights) per city or all cities and week of nights. */
void key_generation(char *buf, size_t cap, const char *city)
{
    snprintf(buf, cap, "pb:search:gen:%s%s", city ? "city:" : "all", city ? city : "");
}

void key_avail_week(char *buf, size_t cap, const char *city, int32_t week)
{
    snprintf(buf, cap, "pb:search:avail:%s%s:w%ld", city ? "city:" : "all", city ? city : "", (long)week);
}

/* ---------- rows ---------- */

static char *dup_cell(const struct db_rows *r, size_t i, size_t c)
{
    const char *s = db_rows_str(r, i, c);
    return strdup(s ? s : "");
}

void row_to_listing(const struct db_rows *r, size_t i, bool detail, struct listing *l)
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

static long s_max_listings = LISTING_MAX_PER_PROVIDER_DEFAULT;

void store_set_max_listings(long n) { s_max_listings = n; }
long store_max_listings(void) { return s_max_listings; }

static enum err create_tx(struct db_conn *c, void *arg)
{
    const struct listing *l = ((struct create_ctx *)arg)->l;
    long long n = 0;
    /* the provider's lock row first: the count then sees every listing of a concurrent creation */
    enum err e = db_count_locked(c, l->provider_id, SQL_PROVIDER_COUNT, &n);
    if (e != ERR_OK)
        return e;
    if (n >= s_max_listings)
        return ERR_LIMIT_REACHED;
    e = db_exec(c, NULL, SQL_INSERT, "uusssddidiiiii", l->id, l->provider_id, l->title, l->city,
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

/* Row readers of db_get_one: a listing without / with its detail. */
static void fill_brief(const struct db_rows *r, size_t i, void *l) { row_to_listing(r, i, false, l); }
static void fill_detail(const struct db_rows *r, size_t i, void *l) { row_to_listing(r, i, true, l); }

enum err listing_get_on(struct db_conn *c, uint64_t id, bool detail, bool lock, struct listing *out)
{
    const char *sql = lock ? SQL_GET_DETAIL_LOCK : detail ? SQL_GET_DETAIL : SQL_GET;
    return db_get_one(c, detail || lock ? fill_detail : fill_brief, out, sql, "u", id);
}

enum err store_listing_get(struct svc *s, uint64_t id, bool with_detail, struct listing *out)
{
    return db_get_one1(s->db, with_detail ? fill_detail : fill_brief, out, with_detail ? SQL_GET_DETAIL : SQL_GET,
                       "u", id);
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
    enum err e = listing_get_on(c, x->id, true, true, l);
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
    enum err e = listing_get_on(c, x->id, true, true, x->after);
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

/* Append a constant fragment of SQL (never a value: values are bound). */
void sql_add(struct sqlb *b, const char *frag)
{
    size_t len = strlen(frag);
    if (b->n + len + 1 > sizeof b->buf) {
        b->overflow = true;
        return;
    }
    memcpy(b->buf + b->n, frag, len + 1);
    b->n += len;
}

/* ---------- caches and the geo index ---------- */

static const struct aside_opts LISTING_CACHE = {.name = "listing", .ttl_ms = 300000, .negative_ttl_ms = 10000};

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

void bump_generations(struct svc *s, const char *city_a, const char *city_b)
{
    char all[128], a[160], b[160];
    key_generation(all, sizeof all, NULL);
    key_generation(a, sizeof a, city_a);
    key_generation(b, sizeof b, city_b ? city_b : city_a);
    /* durable: a bump lost in a Redis failover would bring back pages of the old generation */
    redisReply *r = cache_cmd_durable(s->cache, "EVAL %s 3 %s %s %s", BUMP_LUA, all, a, b);
    aside_forget(s->cache, all); /* this instance searches with the new generations at once */
    aside_forget(s->cache, a);
    aside_forget(s->cache, b);
    if (r)
        freeReplyObject(r);
    else
        LOG_E("boarding: could not bump search generations (pages expire within 2 minutes)");
}

void store_after_change(struct svc *s, const struct listing *before, const struct listing *after)
{
    char key[64], id[IDS_STR_LEN];
    key_listing(key, sizeof key, after->id);
    aside_invalidate(s->cache, key);
    bump_generations(s, after->city, before ? before->city : NULL);
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

/* KEYS[1], KEYS[2]: the city's and all cities' availability key without its week number;
 * ARGV: the first and last week. */
static const char BUMP_WEEKS_LUA[] = "for w = tonumber(ARGV[1]), tonumber(ARGV[2]) do "
                                     "redis.call('incr', KEYS[1] .. w) redis.call('incr', KEYS[2] .. w) end return 1";

void store_after_nights_change(struct svc *s, const struct listing *l, int32_t start, int32_t end)
{
    char city[160], all[64], key[192];
    int32_t w0 = AVAIL_WEEK(start), w1 = AVAIL_WEEK(end > start ? end - 1 : start);
    snprintf(city, sizeof city, "pb:search:avail:city:%s:w", l->city);
    snprintf(all, sizeof all, "pb:search:avail:all:w");
    /* durable: a bump lost in a failover would bring back pages of the old generation */
    redisReply *r = cache_cmd_durable(s->cache, "EVAL %s 2 %s %s %ld %ld", BUMP_WEEKS_LUA, city, all, (long)w0, (long)w1);
    for (int32_t w = w0; w <= w1; w++) { /* this instance searches with the new generations at once */
        key_avail_week(key, sizeof key, l->city, w);
        aside_forget(s->cache, key);
        key_avail_week(key, sizeof key, NULL, w);
        aside_forget(s->cache, key);
    }
    if (r)
        freeReplyObject(r);
    else
        LOG_E("boarding: could not bump availability generations (pages expire within 2 minutes)");
}

