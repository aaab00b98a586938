/* Review service storage: eligible orders, reviews, rating aggregates, outbox, the rating cache. */
#include "store.h"
#include "aside.h"
#include "dates.h"
#include "events.h"
#include "ids.h"
#include "log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------- SQL ---------- */

static const char SQL_ELIGIBLE_ADD[] =
    "INSERT IGNORE INTO eligible_order (order_id, owner_id, listing_id, provider_id, completed_ms, event_id, "
    "created_ms) VALUES (?, ?, ?, ?, ?, ?, ?)";
static const char SQL_ELIGIBLE_GET[] =
    "SELECT owner_id, listing_id, provider_id, completed_ms FROM eligible_order WHERE order_id = ?";

#define REVIEW_COLS                                                                                        \
    "id, order_id, listing_id, provider_id, owner_id, owner_display_name, rating, care, communication, "   \
    "cleanliness, text, created_ms, content_sha256, reply_text, reply_ms, reply_sha256, hidden, "          \
    "hidden_reason, hidden_ms"

static const char SQL_REVIEW_INSERT[] =
    "INSERT INTO review (id, order_id, listing_id, provider_id, owner_id, owner_display_name, rating, care, "
    "communication, cleanliness, text, created_ms, content_sha256) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
static const char SQL_REVIEW_GET[] = "SELECT " REVIEW_COLS " FROM review WHERE id = ?";
/* Pages newest first, by what they filter on (a listing, the moderation state, both, none). */
static const char SQL_REVIEWS_BY_LISTING[] =
    "SELECT " REVIEW_COLS " FROM review WHERE listing_id = ? AND id < ? ORDER BY id DESC LIMIT ?";
static const char SQL_REVIEWS_BY_LISTING_HIDDEN[] =
    "SELECT " REVIEW_COLS " FROM review WHERE listing_id = ? AND hidden = ? AND id < ? ORDER BY id DESC LIMIT ?";
static const char SQL_REVIEWS_BY_HIDDEN[] =
    "SELECT " REVIEW_COLS " FROM review WHERE hidden = ? AND id < ? ORDER BY id DESC LIMIT ?";
static const char SQL_REVIEWS_BY_ORDER[] =
    "SELECT " REVIEW_COLS " FROM review WHERE order_id = ? AND id < ? ORDER BY id DESC LIMIT ?";
static const char SQL_REVIEWS_ALL[] = "SELECT " REVIEW_COLS " FROM review WHERE id < ? ORDER BY id DESC LIMIT ?";
static const char SQL_REVIEW_HEAD[] =
    "SELECT listing_id, provider_id, owner_id, reply_ms IS NOT NULL, hidden FROM review WHERE id = ?";
static const char SQL_REVIEW_REPLY[] =
    "UPDATE review SET reply_text = ?, reply_ms = ?, reply_sha256 = ? WHERE id = ? AND reply_ms IS NULL";
static const char SQL_REVIEW_HIDE[] =
    "UPDATE review SET hidden = 1, hidden_reason = ?, hidden_ms = ? WHERE id = ? AND hidden = 0";

/* The provider's aggregate row is the lock that serialises every change of the provider's
 * visible reviews (and so of each of their listings'): the recomputation below then sees
 * every committed change, and two changes never publish aggregates out of order. An
 * INSERT ... ON DUPLICATE KEY UPDATE takes the row's exclusive lock whether it exists or not. */
static const char SQL_PROVIDER_LOCK[] =
    "INSERT INTO provider_rating (provider_id, count, sum, seq, updated_ms) VALUES (?, 0, 0, 0, ?) "
    "ON DUPLICATE KEY UPDATE provider_id = VALUES(provider_id)";
/* Locking reads: they see the latest committed rows, not the transaction's snapshot (which
 * may predate the lock wait above). */
static const char SQL_LISTING_HIST[] =
    "SELECT rating, COUNT(*) FROM review WHERE listing_id = ? AND hidden = 0 GROUP BY rating LOCK IN SHARE MODE";
static const char SQL_PROVIDER_SUM[] =
    "SELECT COUNT(*), COALESCE(SUM(rating), 0) FROM review WHERE provider_id = ? AND hidden = 0 LOCK IN SHARE MODE";
static const char SQL_LISTING_RATING_PUT[] =
    "INSERT INTO listing_rating (listing_id, provider_id, n1, n2, n3, n4, n5, seq, updated_ms) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?) ON DUPLICATE KEY UPDATE n1 = VALUES(n1), n2 = VALUES(n2), "
    "n3 = VALUES(n3), n4 = VALUES(n4), n5 = VALUES(n5), seq = seq + 1, updated_ms = VALUES(updated_ms)";
static const char SQL_LISTING_SEQ[] = "SELECT seq FROM listing_rating WHERE listing_id = ?";
static const char SQL_PROVIDER_RATING_PUT[] =
    "UPDATE provider_rating SET count = ?, sum = ?, seq = seq + 1, updated_ms = ? WHERE provider_id = ?";
static const char SQL_PROVIDER_SEQ[] = "SELECT seq FROM provider_rating WHERE provider_id = ?";
static const char SQL_LISTING_RATING_GET[] = "SELECT n1, n2, n3, n4, n5 FROM listing_rating WHERE listing_id = ?";

static const char SOURCE[] = "review";

/* ---------- rows ---------- */

static struct review_app *app_of(struct svc *s) { return s->app; }

static int cell_stars(const struct db_rows *r, size_t i, size_t col)
{
    return db_rows_null(r, i, col) ? 0 : (int)db_rows_i64(r, i, col);
}

/* Fill v from row i of a REVIEW_COLS result (strings borrowed from r). */
static void row_to_review(const struct db_rows *r, size_t i, struct review *v)
{
    memset(v, 0, sizeof *v);
    v->id = db_rows_u64(r, i, 0);
    v->order_id = db_rows_u64(r, i, 1);
    v->listing_id = db_rows_u64(r, i, 2);
    v->provider_id = db_rows_u64(r, i, 3);
    v->owner_id = db_rows_u64(r, i, 4);
    v->owner_display_name = db_rows_str(r, i, 5);
    v->rating = cell_stars(r, i, 6);
    v->care = cell_stars(r, i, 7);
    v->communication = cell_stars(r, i, 8);
    v->cleanliness = cell_stars(r, i, 9);
    v->text = db_rows_str(r, i, 10);
    v->created_ms = db_rows_i64(r, i, 11);
    snprintf(v->sha256, sizeof v->sha256, "%s", db_rows_str(r, i, 12) ? db_rows_str(r, i, 12) : "");
    v->reply_text = db_rows_str(r, i, 13);
    v->reply_ms = db_rows_i64(r, i, 14);
    snprintf(v->reply_sha256, sizeof v->reply_sha256, "%s", db_rows_str(r, i, 15) ? db_rows_str(r, i, 15) : "");
    v->hidden = db_rows_i64(r, i, 16) != 0;
    v->hidden_reason = db_rows_str(r, i, 17);
    v->hidden_ms = db_rows_i64(r, i, 18);
}

/* A sub-rating to bind: NULL when not given. */
static const char *opt_stars(int v, char *buf)
{
    if (v < 1 || v > 5)
        return NULL;
    snprintf(buf, 2, "%d", v);
    return buf;
}

static json_t *id_json(uint64_t id)
{
    char b[IDS_STR_LEN];
    return json_string(ids_format(id, b));
}

/* ---------- cache ---------- */

static void key_rating(char *buf, size_t cap, uint64_t listing_id)
{
    snprintf(buf, cap, "pb:rating:%llu", (unsigned long long)listing_id);
}

/* After a commit that changed a listing's visible reviews. */
static void after_change(struct svc *s, uint64_t listing_id)
{
    char key[48];
    events_relay_nudge();
    key_rating(key, sizeof key, listing_id);
    if (aside_invalidate(s->cache, key) != ERR_OK)
        LOG_W("review: could not invalidate %s (the cache TTL bounds the staleness)", key);
}

/* ---------- aggregates ---------- */

static enum err lock_provider(struct db_conn *c, uint64_t provider_id)
{
    return db_exec(c, NULL, SQL_PROVIDER_LOCK, "ui", provider_id, time_now_ms());
}

/* One integer from a single-row query. */
static enum err query_i64(struct db_conn *c, int64_t *out, const char *sql, uint64_t arg)
{
    struct db_rows *r = NULL;
    enum err e = db_query(c, &r, sql, "u", arg);
    if (e == ERR_OK && db_rows_count(r) != 1)
        e = ERR_INTERNAL;
    if (e == ERR_OK)
        *out = db_rows_i64(r, 0, 0);
    db_rows_free(r);
    return e;
}

/* Recompute the listing's and the provider's aggregates over visible reviews (the provider's
 * row must be locked by this transaction), store them, and add rating.updated. */
static enum err recompute(struct db_conn *c, const struct review_app *app, uint64_t listing_id, uint64_t provider_id)
{
    struct rating_agg agg = {{0}};
    struct db_rows *r = NULL;
    enum err e = db_query(c, &r, SQL_LISTING_HIST, "u", listing_id);
    for (size_t i = 0; e == ERR_OK && i < db_rows_count(r); i++)
        rating_agg_add(&agg, (int)db_rows_i64(r, i, 0), (long)db_rows_i64(r, i, 1));
    db_rows_free(r);
    r = NULL;
    int64_t now = time_now_ms(), lseq = 0, pseq = 0, pcount = 0, psum = 0;
    if (e == ERR_OK)
        e = db_exec(c, NULL, SQL_LISTING_RATING_PUT, "uuiiiiii", listing_id, provider_id, (int64_t)agg.hist[0],
                    (int64_t)agg.hist[1], (int64_t)agg.hist[2], (int64_t)agg.hist[3], (int64_t)agg.hist[4], now);
    if (e == ERR_OK)
        e = query_i64(c, &lseq, SQL_LISTING_SEQ, listing_id);
    if (e == ERR_OK)
        e = db_query(c, &r, SQL_PROVIDER_SUM, "u", provider_id);
    if (e == ERR_OK && db_rows_count(r) == 1) {
        pcount = db_rows_i64(r, 0, 0);
        psum = db_rows_i64(r, 0, 1);
    }
    db_rows_free(r);
    if (e == ERR_OK)
        e = db_exec(c, NULL, SQL_PROVIDER_RATING_PUT, "iiiu", pcount, psum, now, provider_id);
    if (e == ERR_OK)
        e = query_i64(c, &pseq, SQL_PROVIDER_SEQ, provider_id);
    if (e != ERR_OK)
        return e;
    long count = rating_agg_count(&agg), sum = rating_agg_sum(&agg);
    json_t *data = json_pack("{s:o,s:o,s:{s:I,s:I,s:f,s:I},s:{s:I,s:I,s:I}}", "listing_id", id_json(listing_id),
                             "provider_id", id_json(provider_id), "listing", "count", (json_int_t)count, "sum",
                             (json_int_t)sum, "score", rating_score(&app->prior, count, sum), "seq", (json_int_t)lseq,
                             "provider", "count", (json_int_t)pcount, "sum", (json_int_t)psum, "seq",
                             (json_int_t)pseq);
    e = data ? events_outbox_add(c, SOURCE, "rating.updated", 1, data, NULL) : ERR_NO_MEMORY;
    json_decref(data);
    return e;
}

/* ---------- eligibility ---------- */

enum err store_eligible_add(struct db_conn *c, const struct review_eligible *e, uint64_t event_id)
{
    uint64_t added = 0;
    enum err err = db_exec(c, &added, SQL_ELIGIBLE_ADD, "uuuuiui", e->order_id, e->owner_id, e->listing_id,
                           e->provider_id, e->completed_ms, event_id, time_now_ms());
    if (err == ERR_OK && added == 0)
        LOG_I("review: order %llu was already eligible; this completion changes nothing",
              (unsigned long long)e->order_id);
    return err;
}

/* ---------- post ---------- */

struct post_ctx {
    struct review_app *app;
    struct review *r;
    int window_days;
    enum review_refusal why;
};

static enum err post_tx(struct db_conn *c, void *arg)
{
    struct post_ctx *x = arg;
    struct review *v = x->r;
    struct db_rows *r = NULL;
    x->why = REFUSAL_NONE;
    enum err e = db_query(c, &r, SQL_ELIGIBLE_GET, "u", v->order_id);
    bool found = e == ERR_OK && db_rows_count(r) == 1;
    uint64_t owner = found ? db_rows_u64(r, 0, 0) : 0;
    int64_t completed = found ? db_rows_i64(r, 0, 3) : 0;
    if (found) {
        v->listing_id = db_rows_u64(r, 0, 1);
        v->provider_id = db_rows_u64(r, 0, 2);
    }
    db_rows_free(r);
    if (e != ERR_OK)
        return e;
    if (!found) {
        x->why = REFUSAL_NOT_COMPLETED;
        return ERR_CONFLICT;
    }
    if (owner != v->owner_id)
        return ERR_NOT_FOUND; /* never say that someone else's order exists */
    if (!rating_window_open(completed, v->created_ms, x->window_days)) {
        x->why = REFUSAL_WINDOW_CLOSED;
        return ERR_CONFLICT;
    }
    if (!review_seal(v))
        return ERR_NO_MEMORY;
    if ((e = lock_provider(c, v->provider_id)) != ERR_OK)
        return e;
    char a[2], b[2], d[2];
    e = db_exec(c, NULL, SQL_REVIEW_INSERT, "uuuuusissssis", v->id, v->order_id, v->listing_id, v->provider_id,
                v->owner_id, v->owner_display_name, (int64_t)v->rating, opt_stars(v->care, a),
                opt_stars(v->communication, b), opt_stars(v->cleanliness, d), v->text, v->created_ms, v->sha256);
    if (e == ERR_CONFLICT)
        x->why = REFUSAL_DUPLICATE; /* the unique key on order_id */
    if (e != ERR_OK)
        return e;
    json_t *data = json_pack("{s:o,s:o,s:o,s:o,s:o,s:i}", "review_id", id_json(v->id), "order_id",
                             id_json(v->order_id), "listing_id", id_json(v->listing_id), "provider_id",
                             id_json(v->provider_id), "owner_id", id_json(v->owner_id), "rating", v->rating);
    e = data ? events_outbox_add(c, SOURCE, "review.posted", 1, data, NULL) : ERR_NO_MEMORY;
    json_decref(data);
    return e == ERR_OK ? recompute(c, x->app, v->listing_id, v->provider_id) : e;
}

enum err store_review_post(struct svc *s, struct review *r, int window_days, enum review_refusal *why)
{
    struct post_ctx x = {app_of(s), r, window_days, REFUSAL_NONE};
    enum err e = db_tx(s->db, post_tx, &x);
    *why = e == ERR_CONFLICT ? x.why : REFUSAL_NONE;
    if (e == ERR_OK)
        after_change(s, r->listing_id);
    return e;
}

/* ---------- read ---------- */

enum err store_review_get(struct svc *s, uint64_t id, store_review_fn each, void *ctx)
{
    struct db_rows *r = NULL;
    enum err e = db_query1(s->db, &r, SQL_REVIEW_GET, "u", id);
    if (e == ERR_OK && db_rows_count(r) == 0)
        e = ERR_NOT_FOUND;
    if (e == ERR_OK) {
        struct review v;
        row_to_review(r, 0, &v);
        each(&v, ctx);
    }
    db_rows_free(r);
    return e;
}

enum err store_reviews_page(struct svc *s, const struct review_filter *f, uint64_t before_id, size_t limit,
                            store_review_fn each, void *ctx, bool *more)
{
    struct db_rows *r = NULL;
    /* one row beyond the page says whether there is a next one */
    int64_t rows = (int64_t)limit + 1, hidden = f->hidden > 0;
    enum err e;
    if (f->order_id)
        e = db_query1(s->db, &r, SQL_REVIEWS_BY_ORDER, "uui", f->order_id, before_id, rows);
    else if (f->listing_id && f->hidden >= 0)
        e = db_query1(s->db, &r, SQL_REVIEWS_BY_LISTING_HIDDEN, "uiui", f->listing_id, hidden, before_id, rows);
    else if (f->listing_id)
        e = db_query1(s->db, &r, SQL_REVIEWS_BY_LISTING, "uui", f->listing_id, before_id, rows);
    else if (f->hidden >= 0)
        e = db_query1(s->db, &r, SQL_REVIEWS_BY_HIDDEN, "iui", hidden, before_id, rows);
    else
        e = db_query1(s->db, &r, SQL_REVIEWS_ALL, "ui", before_id, rows);
    if (e != ERR_OK)
        return e;
    size_t n = db_rows_count(r);
    for (size_t i = 0; i < n && i < limit; i++) {
        struct review v;
        row_to_review(r, i, &v);
        each(&v, ctx);
    }
    *more = n > limit;
    db_rows_free(r);
    return ERR_OK;
}

/* ---------- reply and hide ---------- */

struct head {
    uint64_t listing_id, provider_id, owner_id;
    bool replied, hidden;
};

static enum err review_head(struct db_conn *c, uint64_t id, struct head *h)
{
    struct db_rows *r = NULL;
    enum err e = db_query(c, &r, SQL_REVIEW_HEAD, "u", id);
    if (e == ERR_OK && db_rows_count(r) == 0)
        e = ERR_NOT_FOUND;
    if (e == ERR_OK) {
        h->listing_id = db_rows_u64(r, 0, 0);
        h->provider_id = db_rows_u64(r, 0, 1);
        h->owner_id = db_rows_u64(r, 0, 2);
        h->replied = db_rows_i64(r, 0, 3) != 0;
        h->hidden = db_rows_i64(r, 0, 4) != 0;
    }
    db_rows_free(r);
    return e;
}

struct change_ctx {
    struct review_app *app;
    uint64_t id, provider_id;
    const char *text;
    struct head h;
};

static enum err reply_tx(struct db_conn *c, void *arg)
{
    struct change_ctx *x = arg;
    enum err e = review_head(c, x->id, &x->h);
    if (e != ERR_OK)
        return e;
    if (x->h.provider_id != x->provider_id)
        return ERR_NOT_FOUND; /* another provider's review is none of theirs */
    if (x->h.replied)
        return ERR_CONFLICT;
    struct review v = {.id = x->id, .provider_id = x->h.provider_id, .reply_text = x->text, .reply_ms = time_now_ms()};
    if (!review_seal_reply(&v))
        return ERR_NO_MEMORY;
    uint64_t affected = 0;
    e = db_exec(c, &affected, SQL_REVIEW_REPLY, "sisu", v.reply_text, v.reply_ms, v.reply_sha256, x->id);
    if (e == ERR_OK && affected == 0)
        return ERR_CONFLICT; /* a concurrent reply won */
    if (e != ERR_OK)
        return e;
    json_t *data = json_pack("{s:o,s:o,s:o,s:o}", "review_id", id_json(x->id), "listing_id", id_json(x->h.listing_id),
                             "provider_id", id_json(x->h.provider_id), "owner_id", id_json(x->h.owner_id));
    e = data ? events_outbox_add(c, SOURCE, "review.replied", 1, data, NULL) : ERR_NO_MEMORY;
    json_decref(data);
    return e;
}

enum err store_review_reply(struct svc *s, uint64_t id, uint64_t provider_id, const char *text)
{
    struct change_ctx x = {.app = app_of(s), .id = id, .provider_id = provider_id, .text = text};
    enum err e = db_tx(s->db, reply_tx, &x);
    if (e == ERR_OK)
        events_relay_nudge();
    return e;
}

static enum err hide_tx(struct db_conn *c, void *arg)
{
    struct change_ctx *x = arg;
    enum err e = review_head(c, x->id, &x->h);
    if (e != ERR_OK)
        return e;
    if ((e = lock_provider(c, x->h.provider_id)) != ERR_OK)
        return e;
    uint64_t affected = 0;
    e = db_exec(c, &affected, SQL_REVIEW_HIDE, "siu", x->text, time_now_ms(), x->id);
    if (e == ERR_OK && affected == 0)
        return ERR_CONFLICT; /* hidden already */
    if (e != ERR_OK)
        return e;
    json_t *data = json_pack("{s:o,s:o,s:o,s:s}", "review_id", id_json(x->id), "listing_id", id_json(x->h.listing_id),
                             "owner_id", id_json(x->h.owner_id), "reason", x->text);
    e = data ? events_outbox_add(c, SOURCE, "review.hidden", 1, data, NULL) : ERR_NO_MEMORY;
    json_decref(data);
    return e == ERR_OK ? recompute(c, x->app, x->h.listing_id, x->h.provider_id) : e;
}

enum err store_review_hide(struct svc *s, uint64_t id, const char *reason)
{
    struct change_ctx x = {.app = app_of(s), .id = id, .text = reason};
    enum err e = db_tx(s->db, hide_tx, &x);
    if (e == ERR_OK)
        after_change(s, x.h.listing_id);
    return e;
}

/* ---------- rating summary ---------- */

struct rating_ctx {
    struct svc *s;
    uint64_t listing_id;
};

static enum err load_rating(void *arg, char **out, size_t *len)
{
    struct rating_ctx *x = arg;
    struct db_rows *r = NULL;
    enum err e = db_query1(x->s->db, &r, SQL_LISTING_RATING_GET, "u", x->listing_id);
    if (e != ERR_OK)
        return e;
    struct rating_agg agg = {{0}};
    for (int k = 0; k < 5 && db_rows_count(r) == 1; k++)
        rating_agg_add(&agg, k + 1, (long)db_rows_i64(r, 0, (size_t)k));
    db_rows_free(r);
    *out = http_json_text(rating_json(x->listing_id, &agg, &app_of(x->s)->prior), len);
    return *out ? ERR_OK : ERR_NO_MEMORY;
}

enum err store_rating_json_cached(struct svc *s, uint64_t listing_id, char **body, size_t *len)
{
    static const struct aside_opts opts = {.name = "rating", .ttl_ms = 60000};
    char key[48];
    key_rating(key, sizeof key, listing_id);
    struct rating_ctx x = {s, listing_id};
    return aside_get(s->cache, key, &opts, load_rating, &x, body, len);
}
