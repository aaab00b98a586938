/* Boarding search: the Redis geo index of visible listings and the result pages of a search,
 * cached under the generation counters of store.c. */
#include "store.h"
#include "store_priv.h"
#include "aside.h"
#include "gz.h"
#include "dates.h"
#include "ids.h"
#include "log.h"
#include "metrics.h"

#include <math.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char SQL_GEO_ALL[] =
    "SELECT id, lat, lng FROM listing WHERE status = 'published' AND provider_suspended = 0";
/* pages are keyed by the generations every listing and night change bumps, so a page cannot
 * outlive what it shows: the TTL only bounds memory and the tail of rarely asked pages */
static const struct aside_opts SEARCH_CACHE = {.name = "search", .ttl_ms = 120000, .negative_ttl_ms = 5000};

/* The most listings a near-search considers: the nearest, read from the geo index. */
#define GEO_MAX_CANDIDATES 2000
/* A search word escaped for LIKE (each byte may gain a backslash) with its NUL, and the
 * pattern %<escaped word>% that matches it anywhere. */
#define LIKE_ESCAPED_CAP ((SEARCH_WORD_CAP - 1) * 2 + 1)
#define LIKE_PATTERN_CAP (LIKE_ESCAPED_CAP + 2)

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
        bump_generations(s, NULL, NULL);
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

/* Geo candidates: ids within the radius, nearest first (at most GEO_MAX_CANDIDATES). */
static enum err geo_candidates(struct svc *s, const struct search *q, struct hit **out, size_t *n)
{
    char lng[32], lat[32], rad[32], count[16];
    snprintf(lng, sizeof lng, "%.7f", q->lng);
    snprintf(lat, sizeof lat, "%.7f", q->lat);
    snprintf(rad, sizeof rad, "%.3f", q->radius_km);
    snprintf(count, sizeof count, "%d", GEO_MAX_CANDIDATES);
    redisReply *r = cache_cmd(s->cache, "GEOSEARCH %s FROMLONLAT %s %s BYRADIUS %s km ASC WITHDIST COUNT %s",
                              GEO_KEY, lng, lat, rad, count);
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
static void where_clause(struct sqlb *b, struct db_args *a, const struct search *q, char (*like)[LIKE_PATTERN_CAP])
{
    sql_add(b, " WHERE l.status = 'published' AND l.provider_suspended = 0");
    if (q->city[0]) {
        sql_add(b, " AND l.city = ?");
        db_args_s(a, q->city);
    }
    if (q->district[0]) {
        sql_add(b, " AND l.district = ?");
        db_args_s(a, q->district);
    }
    if (q->species_mask) {
        sql_add(b, " AND (l.species_mask & ?) <> 0");
        db_args_i(a, q->species_mask);
    }
    if (q->has_min_price) {
        sql_add(b, " AND l.price_per_night_fen >= ?");
        db_args_i(a, q->min_price);
    }
    if (q->has_max_price) {
        sql_add(b, " AND l.price_per_night_fen <= ?");
        db_args_i(a, q->max_price);
    }
    if (q->has_min_rating) {
        sql_add(b, " AND l.rating_score_milli >= ?");
        db_args_i(a, q->min_rating_milli);
    }
    for (int i = 0; i < q->nwords; i++) {
        /* Latin letters match in any case: compare under a case-insensitive collation */
        sql_add(b, " AND (l.title COLLATE utf8mb4_unicode_ci LIKE ? ESCAPE '\\\\' OR "
                   "d.description COLLATE utf8mb4_unicode_ci LIKE ? ESCAPE '\\\\')");
        db_args_s(a, like[i]);
        db_args_s(a, like[i]);
    }
    if (!q->has_dates) {
        sql_add(b, " AND l.capacity >= ?");
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
    sql_add(b, " AND NOT EXISTS (SELECT 1 FROM listing_day n WHERE n.listing_id = l.id AND n.day >= ? AND n.day < ?"
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
    sql_add(b, frag[q->sort]);
    db_args_i(a, q->cursor_key);
    db_args_i(a, q->cursor_key);
    db_args_u(a, q->cursor_id);
}

/* The statement that finds a page's hits (id, price, score) into b and a: by the filters and,
 * for a near-search, among the geo candidates (ordered and cut in memory); otherwise in the
 * sort order from the cursor on, limit+1 rows. like holds the words' LIKE patterns. */
static void hits_query(struct sqlb *b, struct db_args *a, const struct search *q, char (*like)[LIKE_PATTERN_CAP],
                       const char *start, const char *end, const struct hit *geo, size_t ngeo)
{
    sql_add(b, "SELECT l.id, l.price_per_night_fen, l.rating_score_milli FROM listing l");
    if (q->nwords)
        sql_add(b, " JOIN listing_detail d ON d.listing_id = l.id");
    where_clause(b, a, q, like);
    dates_clause(b, a, q, start, end);
    if (q->has_near) {
        sql_add(b, " AND l.id IN (");
        for (size_t i = 0; i < ngeo; i++) {
            sql_add(b, i ? ",?" : "?");
            db_args_u(a, geo[i].id);
        }
        sql_add(b, ")");
    } else {
        static const char *const order[] = {
            [SORT_RATING] = " ORDER BY l.rating_score_milli DESC, l.id DESC",
            [SORT_PRICE_ASC] = " ORDER BY l.price_per_night_fen ASC, l.id ASC",
            [SORT_PRICE_DESC] = " ORDER BY l.price_per_night_fen DESC, l.id DESC",
        };
        keyset_clause(b, a, q);
        sql_add(b, order[q->sort]);
        sql_add(b, " LIMIT ?");
        db_args_i(a, q->limit + 1);
    }
}

/* The rows of hits_query as hits in *out (caller frees), *n of them: for a near-search with
 * their distance, after the cursor, sorted and cut to limit+1. */
static enum err rows_to_hits(const struct db_rows *r, const struct search *q, const struct hit *geo, size_t ngeo,
                             struct hit **out, size_t *n)
{
    size_t rows = db_rows_count(r), k = 0;
    struct hit *hits = calloc(rows ? rows : 1, sizeof *hits);
    if (!hits)
        return ERR_NO_MEMORY;
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
        /* insertion sort keeps this reentrant (no global comparator state); k <= GEO_MAX_CANDIDATES */
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
    return ERR_OK;
}

/* Find the page: limit+1 hits in order (the extra one says whether a next page exists). */
static enum err find_hits(struct svc *s, const struct search *q, struct hit **out, size_t *n)
{
    struct sqlb b = {.n = 0};
    struct db_args a = {0};
    struct hit *geo = NULL;
    size_t ngeo = 0;
    struct db_rows *r = NULL;
    struct db_conn *c = NULL;
    char like[SEARCH_MAX_WORDS][LIKE_PATTERN_CAP], start[DATE_STR_LEN], end[DATE_STR_LEN];
    enum err e = ERR_OK;
    *out = NULL;
    *n = 0;
    for (int i = 0; i < q->nwords; i++) {
        char esc[LIKE_ESCAPED_CAP];
        like_escape(q->words[i], esc, sizeof esc);
        snprintf(like[i], sizeof like[i], "%%%s%%", esc);
    }
    date_format(q->start, start);
    date_format(q->end, end);
    if (q->has_near && ((e = geo_candidates(s, q, &geo, &ngeo)) != ERR_OK || ngeo == 0))
        goto done; /* no listing near: an empty page */
    hits_query(&b, &a, q, like, start, end, geo, ngeo);
    if (b.overflow || a.failed) {
        e = b.overflow ? ERR_INTERNAL : ERR_NO_MEMORY;
        goto done;
    }
    if (!(c = db_acquire(s->db))) {
        e = ERR_UNAVAILABLE;
        goto done;
    }
    e = db_execv(c, NULL, &r, b.buf, a.p, a.n);
    db_release(c);
    if (e == ERR_OK)
        e = rows_to_hits(r, q, geo, ngeo, out, n);
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
    json_t *items = json_array(), *next = json_null();
    if (shown) {
        sql_add(&b, "SELECT " LISTING_COLS ", " DETAIL_COLS
                    " FROM listing l JOIN listing_detail d ON d.listing_id = l.id WHERE l.id IN (");
        for (size_t i = 0; i < shown; i++) {
            sql_add(&b, i ? ",?" : "?");
            db_args_u(&a, hits[i].id);
        }
        sql_add(&b, ")");
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
        char cur[96];
        const struct hit *last = &hits[shown - 1];
        search_cursor_encode(q->sort, sort_key(last, q->sort), last->id, cur, sizeof cur);
        json_decref(next);
        next = json_string(cur);
    }
    json_t *page = json_pack("{s:O,s:O}", "items", items, "next_cursor", next);
    *body = http_json_text(page, NULL); /* takes page */
    if (!*body)
        e = ERR_NO_MEMORY;
    else
        *len = strlen(*body);
done:
    json_decref(items);
    json_decref(next);
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
    char *json = NULL;
    size_t jlen = 0;
    enum err e = find_hits(x->s, x->q, &hits, &n);
    if (e == ERR_OK)
        e = render_page(x->s, x->q, hits, n, &json, &jlen);
    /* stored and sent compressed (a 13 KB page is 2 KB): less to move through Redis, the near
     * cache, the gateway and the client's network; inflated only for a client without gzip */
    if (e == ERR_OK && !gz_compress(json, jlen, out, len))
        e = ERR_NO_MEMORY;
    free(json);
    free(hits);
    return e;
}

/* A dated search reads the content generation and the availability generations of the weeks
 * its nights fall in: at most SEARCH_MAX_NIGHTS / 7 + 2 of them. */
#define SEARCH_GENS (1 + SEARCH_MAX_NIGHTS / 7 + 2)
_Static_assert(SEARCH_GENS <= ASIDE_SMALL_MAX, "a search's generations are read at once");

enum err store_search(struct svc *s, const struct search *q, char **body, size_t *len)
{
    char canon[1024], names[SEARCH_GENS][192], key[768];
    unsigned char h[16];
    char hex[33];
    const char *city = q->city[0] ? q->city : NULL;
    search_canonical(q, canon, sizeof canon);
    crypto_generichash(h, sizeof h, (const unsigned char *)canon, strlen(canon), NULL, 0);
    sodium_bin2hex(hex, sizeof hex, h, sizeof h);
    const char *gens[SEARCH_GENS];
    size_t n = 0;
    key_generation(names[n], sizeof names[n], city);
    gens[n] = names[n];
    n++;
    for (int32_t w = AVAIL_WEEK(q->start); q->has_dates && w <= AVAIL_WEEK(q->end - 1) && n < SEARCH_GENS; w++) {
        key_avail_week(names[n], sizeof names[n], city, w);
        gens[n] = names[n];
        n++;
    }
    /* the generations are read before the database: a write that commits after this read
     * bumps them, so its effect can only land in a page no later reader will ask for */
    char gv[SEARCH_GENS][ASIDE_SMALL];
    struct search_ctx x = {s, q};
    if (!aside_read_small(s->cache, n, gens, gv)) {
        metrics_count("pb_cache_requests_total", "cache=\"search\",result=\"redis_down\"", 1);
        return load_search(&x, body, len);
    }
    /* pb:search:pagez:<content gen>:<week gens, dot-separated, or ->:<hash of the query>; the
     * z: gzip pages, which a version that cached them as plain JSON never reads */
    size_t at = (size_t)snprintf(key, sizeof key, "pb:search:pagez:%s:", gv[0][0] ? gv[0] : "0");
    for (size_t i = 1; i < n && at < sizeof key; i++)
        at += (size_t)snprintf(key + at, sizeof key - at, "%s%s", i > 1 ? "." : "", gv[i][0] ? gv[i] : "0");
    if (at < sizeof key)
        at += (size_t)snprintf(key + at, sizeof key - at, "%s:%s", n > 1 ? "" : "-", hex);
    if (at >= sizeof key)
        return load_search(&x, body, len); /* cannot happen: counters are short */
    return aside_get(s->cache, key, &SEARCH_CACHE, load_search, &x, body, len);
}
