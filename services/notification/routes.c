/* HTTP handlers of the notification service: parse and validate, call the store, render. */
#include "routes.h"
#include "dates.h"
#include "ids.h"
#include "log.h"
#include "push.h"
#include "sse.h"
#include "store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const BOOLS[] = {"true", "false", NULL};

/* ---------- GET /api/v1/notifications?unread=true&limit=&cursor= ---------- */

struct list_ctx {
    json_t *items;
    uint64_t last;
};

static void add_item(const struct notification *n, void *arg)
{
    struct list_ctx *l = arg;
    json_array_append_new(l->items, store_notification_json(n));
    l->last = n->id;
}

static void h_list(struct http_req *r)
{
    struct auth_principal me;
    struct jv v;
    int64_t limit = 20;
    int unread = 1; /* index in BOOLS: "false" */
    const char *cursor = NULL;
    uint64_t before = UINT64_MAX;
    jv_init(&v);
    if (!svc_auth_or_reply(r, ROLE_ANY, &me))
        goto done;
    jv_q_enum(&v, "unread", http_query(r, "unread"), 0, BOOLS, &unread);
    jv_q_int(&v, "limit", http_query(r, "limit"), 0, 1, 100, &limit);
    if (jv_q_str(&v, "cursor", http_query(r, "cursor"), 0, 1, IDS_STR_LEN, &cursor) && !ids_parse(cursor, &before))
        jv_fail(&v, "cursor", "is not a cursor from a previous page");
    if (!http_jv_ok_or_reply(r, &v))
        goto done;
    struct list_ctx l = {json_array(), 0};
    bool more = false;
    enum err e = store_list(svc_of(r), me.user_id, unread == 0, before, (size_t)limit, add_item, &l, &more);
    char next[IDS_STR_LEN];
    http_reply_page_or_error(r, e, l.items, more ? ids_format(l.last, next) : NULL);
done:
    jv_free(&v);
}

/* ---------- POST /api/v1/notifications/{id}/read ---------- */

static void keep_one(const struct notification *n, void *arg)
{
    json_t **out = arg;
    json_decref(*out); /* a transaction run again delivers it again */
    *out = store_notification_json(n);
}

static void h_read(struct http_req *r)
{
    struct auth_principal me;
    uint64_t id;
    if (!svc_auth_or_reply(r, ROLE_ANY, &me) || !http_id_param_or_reply(r, "id", &id))
        return;
    json_t *n = NULL;
    /* another user's notification is "not found", exactly as one that does not exist */
    enum err e = store_mark_read(svc_of(r), me.user_id, id, keep_one, &n);
    if (e != ERR_OK) {
        json_decref(n);
        svc_reply_err(r, e);
        return;
    }
    http_reply_json(r, 200, n);
}

/* ---------- POST /api/v1/notifications/read-all ---------- */

static void h_read_all(struct http_req *r)
{
    struct auth_principal me;
    if (!svc_auth_or_reply(r, ROLE_ANY, &me))
        return;
    uint64_t changed = 0;
    enum err e = store_mark_all_read(svc_of(r), me.user_id, &changed);
    if (e != ERR_OK) {
        svc_reply_err(r, e);
        return;
    }
    http_reply_json(r, 200, json_pack("{s:I}", "updated", (json_int_t)changed));
}

/* ---------- GET /api/v1/notifications/unread-count ---------- */

static void h_unread_count(struct http_req *r)
{
    struct auth_principal me;
    if (!svc_auth_or_reply(r, ROLE_ANY, &me))
        return;
    long long n = 0;
    bool cached = false;
    enum err e = store_unread_count(svc_of(r), me.user_id, &n, &cached);
    if (e != ERR_OK) {
        svc_reply_err(r, e);
        return;
    }
    http_reply_json(r, 200, json_pack("{s:I}", "unread", (json_int_t)n));
}

/* ---------- GET /api/v1/notifications/stream ---------- */

/* The caller, from the Authorization header or, for browsers' EventSource (which cannot set
 * headers), from ?access_token=: the same checks as svc_auth_or_reply (signature and expiry
 * through the verified-token memo, then revocation in Redis). */
static bool stream_auth_or_reply(struct http_req *r, struct auth_principal *me)
{
    if (http_header(r, "Authorization"))
        return svc_auth_or_reply(r, ROLE_ANY, me);
    struct svc *s = svc_of(r);
    const char *tok = http_query(r, "access_token");
    if (!tok || !*tok) {
        http_reply_error(r, ERR_UNAUTHENTICATED, "an Authorization: Bearer token or ?access_token= is required", NULL);
        return false;
    }
    if (strlen(tok) > 4096 || auth_verify_cached(s->jwt_public_pem, tok, time_now_ms() / 1000, me) != ERR_OK) {
        http_reply_error(r, ERR_UNAUTHENTICATED, "invalid or expired access token", NULL);
        return false;
    }
    bool revoked = true;
    enum err e = svc_token_revoked(s, me, &revoked);
    if (e != ERR_OK) {
        http_reply_error(r, ERR_UNAVAILABLE, "cannot check the token's revocation", NULL);
        return false;
    }
    if (revoked) {
        http_reply_error(r, ERR_UNAUTHENTICATED, "the access token was revoked", NULL);
        return false;
    }
    if (!(me->role & ROLE_ANY)) {
        http_reply_error(r, ERR_FORBIDDEN, "your role cannot do this", NULL);
        return false;
    }
    http_set_principal(r, me);
    return true;
}

static void h_stream(struct http_req *r)
{
    struct auth_principal me;
    if (!stream_auth_or_reply(r, &me))
        return;
    uint64_t last = 0;
    enum sse_last_id k = sse_parse_last_event_id(http_header(r, "Last-Event-ID"), http_query(r, "last_event_id"), &last);
    if (k == SSE_LAST_BAD) {
        http_reply_error(r, ERR_INVALID, NULL,
                         json_pack("{s:s}", "last_event_id", "must be the id of a notification this stream sent"));
        return;
    }
    push_stream_reply(r, svc_of(r), notif_app(svc_of(r))->push, &me, k == SSE_LAST_OK, last);
}

void notification_routes(struct svc *s)
{
    svc_route(s, "GET", "/api/v1/notifications", h_list);
    svc_route(s, "GET", "/api/v1/notifications/unread-count", h_unread_count);
    svc_route(s, "GET", "/api/v1/notifications/stream", h_stream);
    svc_route(s, "POST", "/api/v1/notifications/read-all", h_read_all);
    svc_route(s, "POST", "/api/v1/notifications/{id}/read", h_read);
}
