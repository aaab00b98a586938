/* HTTP handlers of the review service: parse and validate, call the store, render. */
#include "routes.h"
#include "content.h"
#include "dates.h"
#include "ids.h"
#include "log.h"
#include "metrics.h"
#include "peers.h"
#include "store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const HIDE_FIELDS[] = {"reason", NULL};

/* ---------- helpers ---------- */

static struct review_app *app_of(struct http_req *r) { return svc_of(r)->app; }

/* Whether a stored review matches its hashes: a mismatch is logged as an error and counted
 * in pb_review_integrity_failures_total (every view then shows it as failing the check). */
static bool checked_intact(const struct review *v)
{
    bool intact = review_intact(v);
    if (!intact) {
        metrics_count("pb_review_integrity_failures_total", NULL, 1);
        LOG_E("review: %llu fails its integrity check (its content does not match the stored SHA-256): shown as "
              "hidden",
              (unsigned long long)v->id);
    }
    return intact;
}

/* The public JSON of a stored review; one failing its integrity check is shown as hidden
 * ("integrity check failed"). */
static json_t *render(const struct review *v) { return review_json(v, checked_intact(v)); }

/* The moderator's JSON of a stored review (review_admin_json). */
static json_t *render_admin(const struct review *v) { return review_admin_json(v, checked_intact(v)); }

static void render_into(const struct review *v, void *ctx) { *(json_t **)ctx = render(v); }

/* Reply status with the review as stored now. */
static void reply_stored(struct http_req *r, int status, uint64_t id)
{
    json_t *j = NULL;
    enum err e = store_review_get(svc_of(r), id, render_into, &j);
    if (e != ERR_OK)
        svc_reply_err(r, e);
    else
        http_reply_json(r, status, j);
}

/* ?limit= of a list: 1..100, default 20. */
static void read_limit(struct http_req *r, struct jv *v, int64_t *limit)
{
    *limit = 20;
    jv_q_int(v, "limit", http_query(r, "limit"), 0, 1, 100, limit);
}

/* ---------- POST /api/v1/reviews ---------- */

static void reply_post_refused(struct http_req *r, enum err e, enum review_refusal why)
{
    static const char *const MSG[] = {
        [REFUSAL_NOT_COMPLETED] = "only a completed stay can be reviewed",
        [REFUSAL_DUPLICATE] = "this stay has already been reviewed",
        [REFUSAL_WINDOW_CLOSED] = "the review window has closed",
    };
    http_reply_error(r, e, e == ERR_CONFLICT && why != REFUSAL_NONE ? MSG[why] : NULL, NULL);
}

static void h_post(struct http_req *r)
{
    struct auth_principal me;
    struct jv v = {0};
    struct review rv = {0};
    char name[REVIEW_NAME_MAX * 4 + 1];
    if (!svc_auth_or_reply(r, ROLE_OWNER, &me))
        goto done;
    if (!http_json_or_reply(r, &v, REVIEW_POST_FIELDS))
        goto done;
    review_read_body(&v, &rv);
    if (!http_jv_ok_or_reply(r, &v))
        goto done;
    struct review_app *app = app_of(r);
    rv.id = ids_next();
    rv.owner_id = me.user_id;
    rv.owner_display_name = peer_display_name(me.user_id, app->user_timeout_ms, name, sizeof name) ? name : NULL;
    rv.created_ms = time_now_ms();
    enum review_refusal why = REFUSAL_NONE;
    enum err e = store_review_post(svc_of(r), &rv, app->window_days, &why);
    if (e != ERR_OK) {
        reply_post_refused(r, e, why);
        goto done;
    }
    LOG_I("review: %llu of order %llu posted by owner %llu (%d stars)", (unsigned long long)rv.id,
          (unsigned long long)rv.order_id, (unsigned long long)me.user_id, rv.rating);
    http_reply_json(r, 201, render(&rv));
done:
    jv_free(&v);
}

/* ---------- GET /api/v1/listings/{id}/reviews ---------- */

struct list_ctx {
    json_t *items;
    uint64_t last;
    json_t *(*render)(const struct review *v);
};

static void add_review(const struct review *v, void *arg)
{
    struct list_ctx *l = arg;
    json_array_append_new(l->items, l->render(v));
    l->last = v->id;
}

/* Reply 200 {items, next_cursor} with a page of f's reviews, each rendered by view. */
static void reply_page(struct http_req *r, const struct review_filter *f, uint64_t before, size_t limit,
                       json_t *(*view)(const struct review *v))
{
    struct list_ctx l = {json_array(), 0, view};
    bool more = false;
    enum err e = store_reviews_page(svc_of(r), f, before, limit, add_review, &l, &more);
    char next[IDS_STR_LEN];
    http_reply_page_or_error(r, e, l.items, more ? ids_format(l.last, next) : NULL);
}

/* ?cursor= of a list: the id of the last review of the previous page. */
static void read_cursor(struct http_req *r, struct jv *v, uint64_t *before)
{
    const char *cursor = NULL;
    *before = UINT64_MAX;
    if (jv_q_str(v, "cursor", http_query(r, "cursor"), 0, 1, IDS_STR_LEN, &cursor) && !ids_parse(cursor, before))
        jv_fail(v, "cursor", "is not a cursor from a previous page");
}

static void h_list(struct http_req *r)
{
    struct jv v;
    uint64_t listing, before;
    int64_t limit;
    jv_init(&v);
    if (!http_id_param_or_reply(r, "id", &listing))
        goto done;
    read_limit(r, &v, &limit);
    read_cursor(r, &v, &before);
    if (!http_jv_ok_or_reply(r, &v))
        goto done;
    struct review_filter f = {.listing_id = listing, .hidden = -1};
    reply_page(r, &f, before, (size_t)limit, render);
done:
    jv_free(&v);
}

/* ---------- GET /api/v1/reviews?order_id= ---------- */

/* The review of one stay (public like every review): {items: [it]} or {items: []}. */
static void h_by_order(struct http_req *r)
{
    struct jv v;
    const char *order = NULL;
    uint64_t order_id = 0;
    jv_init(&v);
    if (jv_q_str(&v, "order_id", http_query(r, "order_id"), JV_REQUIRED, 1, IDS_STR_LEN, &order) &&
        !ids_parse(order, &order_id))
        jv_fail(&v, "order_id", "is not a valid id");
    if (!http_jv_ok_or_reply(r, &v))
        goto done;
    struct review_filter f = {.order_id = order_id, .hidden = -1};
    reply_page(r, &f, UINT64_MAX, 1, render);
done:
    jv_free(&v);
}

/* ---------- GET /api/v1/listings/{id}/rating ---------- */

static void h_rating(struct http_req *r)
{
    uint64_t listing;
    char *body = NULL;
    size_t len = 0;
    if (!http_id_param_or_reply(r, "id", &listing))
        return;
    enum err e = store_rating_json_cached(svc_of(r), listing, &body, &len);
    if (e != ERR_OK)
        svc_reply_err(r, e);
    else
        http_reply_json_text(r, 200, body, len);
}

/* ---------- POST /api/v1/reviews/{id}/reply ---------- */

static void provider_into(const struct review *v, void *ctx) { *(uint64_t *)ctx = v->provider_id; }

/* Whether review id is about one of the provider's listings, decided before the body is read:
 * otherwise 404, as the store answers (it checks again in its transaction). On false the
 * reply was sent. */
static bool own_review_or_reply(struct http_req *r, uint64_t id, uint64_t provider_id)
{
    uint64_t of = 0;
    enum err e = store_review_get(svc_of(r), id, provider_into, &of);
    if (e == ERR_OK && of != provider_id)
        e = ERR_NOT_FOUND;
    if (e != ERR_OK)
        svc_reply_err(r, e);
    return e == ERR_OK;
}

static void h_reply(struct http_req *r)
{
    struct auth_principal me;
    struct jv v = {0};
    uint64_t id;
    const char *text = NULL;
    if (!svc_auth_or_reply(r, ROLE_PROVIDER, &me) || !http_id_param_or_reply(r, "id", &id) ||
        !own_review_or_reply(r, id, me.user_id))
        goto done;
    if (!http_json_or_reply(r, &v, REVIEW_REPLY_FIELDS))
        goto done;
    review_read_text(&v, "text", REVIEW_REPLY_MAX, &text);
    if (!http_jv_ok_or_reply(r, &v))
        goto done;
    enum err e = store_review_reply(svc_of(r), id, me.user_id, text);
    if (e != ERR_OK) {
        http_reply_error(r, e, e == ERR_CONFLICT ? "this review already has a reply" : NULL, NULL);
        goto done;
    }
    LOG_I("review: provider %llu replied to %llu", (unsigned long long)me.user_id, (unsigned long long)id);
    reply_stored(r, 201, id);
done:
    jv_free(&v);
}

/* ---------- POST /internal/v1/reviews/{id}/hide (the admin service) ---------- */

static void h_hide(struct http_req *r)
{
    struct jv v = {0};
    uint64_t id;
    const char *reason = NULL;
    if (!svc_internal_or_reply(r) || !http_id_param_or_reply(r, "id", &id))
        goto done;
    if (!http_json_or_reply(r, &v, HIDE_FIELDS))
        goto done;
    review_read_text(&v, "reason", REVIEW_REASON_MAX, &reason);
    if (!http_jv_ok_or_reply(r, &v))
        goto done;
    enum err e = store_review_hide(svc_of(r), id, reason);
    if (e != ERR_OK) {
        http_reply_error(r, e, e == ERR_CONFLICT ? "this review is already hidden" : NULL, NULL);
        goto done;
    }
    LOG_I("review: %llu hidden by moderation", (unsigned long long)id);
    reply_stored(r, 200, id);
done:
    jv_free(&v);
}

/* ---------- GET /internal/v1/reviews (the admin service) ---------- */

/* ?hidden=true|false&listing_id=&limit=&cursor=: every listing's reviews newest first, hidden
 * ones included (unless hidden=false) in the moderator's view. */
static void h_internal_list(struct http_req *r)
{
    static const char *const BOOLS[] = {"false", "true", NULL};
    struct jv v;
    struct review_filter f = {.hidden = -1};
    const char *listing = NULL;
    uint64_t before;
    int64_t limit;
    jv_init(&v);
    if (!svc_internal_or_reply(r))
        goto done;
    jv_q_enum(&v, "hidden", http_query(r, "hidden"), 0, BOOLS, &f.hidden);
    if (jv_q_str(&v, "listing_id", http_query(r, "listing_id"), 0, 1, IDS_STR_LEN, &listing) &&
        !ids_parse(listing, &f.listing_id))
        jv_fail(&v, "listing_id", "must be an id");
    read_limit(r, &v, &limit);
    read_cursor(r, &v, &before);
    if (!http_jv_ok_or_reply(r, &v))
        goto done;
    reply_page(r, &f, before, (size_t)limit, render_admin);
done:
    jv_free(&v);
}

void review_routes(struct svc *s)
{
    svc_route(s, "POST", "/api/v1/reviews", h_post);
    svc_route(s, "GET", "/api/v1/reviews", h_by_order);
    svc_route(s, "POST", "/api/v1/reviews/{id}/reply", h_reply);
    svc_route(s, "GET", "/api/v1/listings/{id}/reviews", h_list);
    svc_route(s, "GET", "/api/v1/listings/{id}/rating", h_rating);
    svc_route(s, "GET", "/internal/v1/reviews", h_internal_list);
    svc_route(s, "POST", "/internal/v1/reviews/{id}/hide", h_hide);
}
