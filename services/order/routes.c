/* HTTP handlers of the order service: bookings, the stay lifecycle, lists and schedules. */
#include "routes.h"
#include "dates.h"
#include "flow.h"
#include "ids.h"
#include "log.h"
#include "mediaref.h"
#include "peers.h"
#include "store.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void reply_answer(struct http_req *r, struct answer *a)
{
    if (a->status == 201 && a->order_id) {
        char loc[64], id[IDS_STR_LEN];
        snprintf(loc, sizeof loc, "/api/v1/orders/%s", ids_format(a->order_id, id));
        http_header_add(r, "Location", loc);
    }
    if (a->body && a->status == 503)
        http_header_add(r, "Retry-After", "1");
    http_reply_json_text(r, a->status, a->body, a->body ? strlen(a->body) : 0);
    a->body = NULL;
}

/* ---------- booking ---------- */

/* Read a booking request (POST /orders and POST /orders/quote take the same body) into *in:
 * strict fields, ids, 1..ORDER_MAX_PETS distinct pets, the dates rules, the note. On false
 * the reply was sent. The caller frees v in every case; in's strings are borrowed from v. */
static bool booking_input_or_reply(struct http_req *r, struct jv *v, struct create_in *in)
{
    /* total_fen and price fields are accepted and ignored: the price is the server's */
    static const char *const F[] = {"listing_id", "pet_ids", "start_date", "end_date", "note", "total_fen",
                                    "price_per_night_fen", NULL};
    uint64_t *pets = NULL;
    size_t npets = 0;
    const char *field = NULL, *why;
    jv_free(v);
    if (!http_json_or_reply(r, v, F))
        return false;
    jv_id(v, "listing_id", JV_REQUIRED, &in->listing_id);
    jv_id_array(v, "pet_ids", JV_REQUIRED, 1, ORDER_MAX_PETS, &pets, &npets);
    bool dates = jv_date(v, "start_date", JV_REQUIRED, &in->start) & jv_date(v, "end_date", JV_REQUIRED, &in->end);
    if (dates && (why = order_dates_problem(in->start, in->end, date_today(), 60, &field)))
        jv_fail(v, field, why);
    jv_str(v, "note", JV_MULTILINE, 0, 500, &in->note);
    bool ok = http_jv_ok_or_reply(r, v);
    if (ok) {
        memcpy(in->pet_ids, pets, npets * sizeof *pets);
        in->npets = npets;
    }
    free(pets);
    return ok;
}

static void h_create(struct http_req *r)
{
    struct auth_principal p;
    struct jv v;
    struct create_in in = {0};
    jv_init(&v);
    if (!svc_auth_or_reply(r, ROLE_OWNER, &p) || !http_idem_key_or_reply(r, &in.idem_key) ||
        !booking_input_or_reply(r, &v, &in))
        goto done;
    in.owner_id = p.user_id;
    struct answer a;
    flow_create(svc_of(r), &in, &a);
    reply_answer(r, &a);
    free(a.body);
done:
    jv_free(&v);
}

/* POST /orders/quote: what POST /orders would charge for the same body, checked the same
 * way, with nothing reserved or written (so no Idempotency-Key is needed: it is ignored). */
static void h_quote(struct http_req *r)
{
    struct auth_principal p;
    struct jv v;
    struct create_in in = {0};
    jv_init(&v);
    if (!svc_auth_or_reply(r, ROLE_OWNER, &p) || !booking_input_or_reply(r, &v, &in))
        goto done;
    in.owner_id = p.user_id;
    struct answer a;
    flow_quote(svc_of(r), &in, &a);
    reply_answer(r, &a);
    free(a.body);
done:
    jv_free(&v);
}

/* ---------- reading ---------- */

/* Authenticate the caller (one of roles, else 403) into *p and read the order {id} into *o
 * when the caller may see it: its owner, or with any_party also its provider and admins. An
 * order not yet visible, or one the caller may not see, is 404 (another user's order does not
 * exist for them). The writes call it before reading their body, so who may act is decided
 * before what they sent is looked at. On false the reply was sent. */
static bool order_for_or_reply(struct http_req *r, unsigned roles, bool any_party, struct auth_principal *p,
                               uint64_t *id, struct order *o)
{
    if (!svc_auth_or_reply(r, roles, p) || !http_id_param_or_reply(r, "id", id))
        return false;
    enum err e = store_get(svc_of(r), *id, o);
    bool party = o->owner_id == p->user_id ||
                 (any_party && (p->role == ROLE_ADMIN || o->provider_id == p->user_id));
    if (e == ERR_OK && (!order_status_visible(o->status) || !party))
        e = ERR_NOT_FOUND;
    if (e != ERR_OK)
        svc_reply_err(r, e);
    return e == ERR_OK;
}

/* order_for_or_reply for any role, when only the order matters. */
static bool order_for_caller_or_reply(struct http_req *r, bool any_party, struct order *o)
{
    struct auth_principal p;
    uint64_t id;
    return order_for_or_reply(r, ROLE_ANY, any_party, &p, &id, o);
}

static void h_get(struct http_req *r)
{
    struct order o = {0};
    json_t *history = NULL;
    if (!order_for_caller_or_reply(r, true, &o))
        return;
    enum err e = store_history(svc_of(r), &o, &history);
    if (e == ERR_OK)
        http_reply_json(r, 200, order_json(&o, history));
    else
        svc_reply_err(r, e);
}

/* GET /orders/{id}/refund-quote: what the owner's cancellation would refund now, by the
 * policy rows and the code the cancellation itself uses. Anyone but the owner: 404. */
static void h_refund_quote(struct http_req *r)
{
    struct order o = {0};
    if (!order_for_caller_or_reply(r, false, &o))
        return;
    struct order_app *a = order_app(svc_of(r));
    http_reply_json(r, 200, order_refund_quote_json(&o, time_now_ms(), a->rules, a->nrules));
}

static void h_list(struct http_req *r)
{
    static const char *const ROLES[] = {"owner", "provider", NULL};
    static const char *const STATUSES[] = {"pending_payment", "paid",     "confirmed", "in_care", "completed",
                                           "expired",         "rejected", "cancelled", NULL};
    struct auth_principal p;
    struct jv v;
    int role = -1, st = -1;
    int64_t limit = 20;
    const char *cur = NULL;
    uint64_t before = 0;
    jv_init(&v);
    if (!svc_auth_or_reply(r, ROLE_OWNER | ROLE_PROVIDER, &p))
        goto done;
    if (!jv_q_enum(&v, "role", http_query(r, "role"), 0, ROLES, &role))
        role = p.role == ROLE_PROVIDER ? 1 : 0;
    if (jv_q_enum(&v, "status", http_query(r, "status"), 0, STATUSES, &st))
        st = order_status_parse(STATUSES[st]);
    jv_q_int(&v, "limit", http_query(r, "limit"), 0, 1, 100, &limit);
    if (jv_q_str(&v, "cursor", http_query(r, "cursor"), 0, 1, 24, &cur) && !ids_parse(cur, &before))
        jv_fail(&v, "cursor", "is not a cursor from a previous page");
    if ((role == 1) != (p.role == ROLE_PROVIDER))
        jv_fail(&v, "role", role == 1 ? "only providers have orders as provider" : "providers list role=provider");
    if (!http_jv_ok_or_reply(r, &v))
        goto done;
    struct order *os = NULL;
    size_t n = 0;
    enum err e = store_list(svc_of(r), p.user_id, role == 1 ? ACTOR_PROVIDER : ACTOR_OWNER, st, before, (int)limit + 1,
                            &os, &n);
    if (e != ERR_OK) {
        free(os);
        svc_reply_err(r, e);
        goto done;
    }
    size_t shown = n > (size_t)limit ? (size_t)limit : n;
    json_t *items = json_array();
    for (size_t i = 0; i < shown; i++)
        json_array_append_new(items, order_json(&os[i], NULL));
    char next[IDS_STR_LEN];
    http_reply_page(r, items, n > shown ? ids_format(os[shown - 1].id, next) : NULL);
    free(os);
done:
    jv_free(&v);
}

static void h_schedule(struct http_req *r)
{
    struct auth_principal p;
    struct jv v;
    int32_t today = date_today(), from = today, to;
    jv_init(&v);
    if (!svc_auth_or_reply(r, ROLE_PROVIDER, &p))
        goto done;
    jv_q_date(&v, "from", http_query(r, "from"), 0, &from);
    to = from + 13;
    jv_q_date(&v, "to", http_query(r, "to"), 0, &to);
    if (to < from)
        jv_fail(&v, "to", "must not be before from");
    else if (to - from > 61)
        jv_fail(&v, "to", "at most 62 days at a time");
    if (!http_jv_ok_or_reply(r, &v))
        goto done;
    struct stay *stays = NULL;
    size_t n = 0;
    enum err e = store_stays(svc_of(r), p.user_id, from, to, &stays, &n);
    if (e == ERR_OK)
        http_reply_json(r, 200, order_schedule(stays, n, from, to));
    else
        svc_reply_err(r, e);
    free(stays);
done:
    jv_free(&v);
}

/* ---------- the lifecycle ---------- */

static const struct {
    const char *path;
    enum order_action action;
    unsigned roles;
} ACTIONS[] = {
    {"accept", OA_ACCEPT, ROLE_PROVIDER},
    {"reject", OA_REJECT, ROLE_PROVIDER},
    {"check-in", OA_CHECK_IN, ROLE_PROVIDER},
    {"check-out", OA_CHECK_OUT, ROLE_PROVIDER},
    {"cancel", OA_CANCEL, ROLE_OWNER | ROLE_PROVIDER | ROLE_ADMIN},
};

static void h_action(struct http_req *r)
{
    static const char *const F[] = {"reason", NULL};
    struct svc *s = svc_of(r);
    struct auth_principal p;
    uint64_t id;
    struct jv v = {0};
    const char *reason = NULL, *key = NULL, *action = http_param(r, "action");
    size_t blen = 0;
    int which = -1;
    char scope[40];
    for (size_t i = 0; i < sizeof ACTIONS / sizeof *ACTIONS; i++)
        if (strcmp(ACTIONS[i].path, action) == 0)
            which = (int)i;
    if (which < 0) {
        http_reply_error(r, ERR_NOT_FOUND, "no such action", NULL);
        goto done;
    }
    struct order o = {0};
    /* the caller's role and party to the order first (the store checks again in its
     * transaction), then the Idempotency-Key and the body */
    if (!order_for_or_reply(r, ACTIONS[which].roles, true, &p, &id, &o) || !http_idem_key_or_reply(r, &key))
        goto done;
    http_body(r, &blen);
    if (blen) { /* the body is optional: {reason} */
        if (!http_json_or_reply(r, &v, F))
            goto done;
        jv_str(&v, "reason", JV_MULTILINE, 1, 500, &reason);
        if (!http_jv_ok_or_reply(r, &v))
            goto done;
    }
    snprintf(scope, sizeof scope, "%s:%llu", action, (unsigned long long)id);
    struct idem k = {p.user_id, scope, key, ""};
    if (key) {
        enum idem_state st;
        int status = 0;
        char *body = NULL;
        crypto_hash_sha256_state hs; /* the request is the action and its reason */
        unsigned char h[crypto_hash_sha256_BYTES];
        crypto_hash_sha256_init(&hs);
        crypto_hash_sha256_update(&hs, (const unsigned char *)scope, strlen(scope));
        crypto_hash_sha256_update(&hs, (const unsigned char *)(reason ? reason : ""), reason ? strlen(reason) : 0);
        crypto_hash_sha256_final(&hs, h);
        sodium_bin2hex(k.hash, sizeof k.hash, h, sizeof h);
        enum err ie = store_idem_get(s, &k, &st, &status, &body);
        if (ie == ERR_OK && st == IDEM_REPLAY) {
            http_reply_json_text(r, status, body, strlen(body));
            goto done;
        }
        free(body);
        if (ie == ERR_OK && st == IDEM_MISMATCH) {
            http_reply_error(r, ERR_INVALID, NULL, json_pack("{s:s}", "Idempotency-Key", "was used for another request"));
            goto done;
        }
    }
    enum actor who = p.role == ROLE_OWNER ? ACTOR_OWNER : p.role == ROLE_PROVIDER ? ACTOR_PROVIDER : ACTOR_ADMIN;
    struct change ch = {ACTIONS[which].action, who, p.user_id, reason, 0, 0, time_now_ms(), key ? &k : NULL};
    const char *why = NULL;
    enum err e = flow_change(s, id, &ch, &o, &why);
    if (e == ERR_CONFLICT || e == ERR_FORBIDDEN)
        http_reply_error(r, e, why, NULL);
    else if (e != ERR_OK)
        svc_reply_err(r, e);
    else
        http_reply_json(r, 200, order_json(&o, NULL));
done:
    jv_free(&v);
}

/* ---------- care logs ---------- */

/* The photos of a care-log entry, as stored (*json, malloc'd: the media ids), once the media
 * service has said they are the provider's care-log photos; NULL when none were given. On
 * false the reply was sent (422 naming photos.<i>, 503). */
static bool care_photos_or_reply(struct http_req *r, uint64_t provider, const uint64_t *ids, size_t n, char **json)
{
    json_t *fields = NULL, *stored = NULL;
    *json = NULL;
    if (!ids)
        return true;
    enum err e = mediaref_resolve(provider, "care_log", "photos", ids, n, NULL, &fields);
    if (!mediaref_ok_or_reply(r, e, fields))
        return false;
    if ((stored = mediaref_ids_json(ids, n)))
        *json = json_dumps(stored, JSON_COMPACT);
    json_decref(stored);
    if (!*json)
        http_reply_error(r, ERR_NO_MEMORY, NULL, NULL);
    return *json != NULL;
}

/* POST /orders/{id}/care-logs: the stay's provider writes an entry. */
static void h_care_add(struct http_req *r)
{
    static const char *const F[] = {"date", "meals", "walks", "medication_given", "mood", "notes", "photos", NULL};
    static const char *const MOODS[] = {"happy", "calm", "anxious", "unwell", NULL};
    struct auth_principal p;
    uint64_t id;
    struct jv v = {0};
    struct care_entry in = {.walks = -1};
    uint64_t *photo_ids = NULL;
    size_t nphotos = 0;
    char *photos_json = NULL;
    int64_t walks;
    int mood;
    struct order o = {0};
    /* the stay's provider only, decided before the body is read (the store checks again) */
    if (!order_for_or_reply(r, ROLE_PROVIDER, true, &p, &id, &o))
        goto done;
    if (!http_json_or_reply(r, &v, F))
        goto done;
    jv_date(&v, "date", JV_REQUIRED, &in.day);
    jv_str(&v, "meals", 0, 1, 200, &in.meals);
    if (jv_int(&v, "walks", 0, 0, 20, &walks))
        in.walks = (int)walks;
    jv_str(&v, "medication_given", 0, 1, 200, &in.medication);
    if (jv_enum(&v, "mood", 0, MOODS, &mood))
        in.mood = MOODS[mood];
    jv_str(&v, "notes", JV_MULTILINE, 1, 1000, &in.notes);
    jv_id_array(&v, "photos", 0, 0, ORDER_CARE_PHOTOS_MAX, &photo_ids, &nphotos);
    if (!in.meals && in.walks < 0 && !in.medication && !in.mood && !in.notes && !photo_ids)
        jv_fail(&v, "notes", "an entry needs at least one of meals, walks, medication_given, mood, notes, photos");
    if (!http_jv_ok_or_reply(r, &v) || !care_photos_or_reply(r, p.user_id, photo_ids, nphotos, &photos_json))
        goto done;
    in.photos_json = photos_json;
    json_t *entry = NULL;
    const char *why = NULL;
    enum err e = store_care_add(svc_of(r), id, p.user_id, &in, &entry, &why);
    if (e == ERR_INVALID)
        http_reply_error(r, e, NULL, json_pack("{s:s}", "date", why));
    else if (e == ERR_CONFLICT)
        http_reply_error(r, e, why, NULL);
    else if (e == ERR_LIMIT_REACHED) {
        char msg[96];
        snprintf(msg, sizeof msg, "a stay may have at most %ld care-log entries a day",
                 order_app(svc_of(r))->max_care_per_day);
        http_reply_error(r, e, msg, NULL);
    } else if (e != ERR_OK)
        svc_reply_err(r, e);
    else
        http_reply_json(r, 201, entry);
done:
    free(photos_json);
    free(photo_ids);
    jv_free(&v);
}

/* GET /orders/{id}/care-logs: the stay's owner (and its provider, and admins) read it. */
static void h_care_list(struct http_req *r)
{
    struct order o = {0};
    json_t *items = NULL;
    if (!order_for_caller_or_reply(r, true, &o))
        return;
    enum err e = store_care_list(svc_of(r), o.id, &items);
    if (e != ERR_OK) {
        svc_reply_err(r, e);
        return;
    }
    char oid[IDS_STR_LEN];
    http_reply_json(r, 200, json_pack("{s:s,s:o}", "order_id", ids_format(o.id, oid), "items", items));
}

/* ---------- internal ---------- */

static void h_internal_get(struct http_req *r)
{
    uint64_t id;
    if (!svc_internal_or_reply(r) || !http_id_param_or_reply(r, "id", &id))
        return;
    struct order o = {0};
    enum err e = store_get(svc_of(r), id, &o);
    if (e == ERR_OK && !order_status_visible(o.status))
        e = ERR_NOT_FOUND;
    if (e == ERR_OK)
        http_reply_json(r, 200, order_json(&o, NULL));
    else
        svc_reply_err(r, e);
}

/* The bookings and stays of day as the admin dashboard shows them. */
static json_t *day_orders_json(int32_t day, const struct order_day_stats *st)
{
    char date[DATE_STR_LEN];
    return json_pack("{s:s,s:I,s:I,s:I,s:I,s:I}", "date", date_format(day, date), "orders_created",
                     (json_int_t)st->created, "orders_paid", (json_int_t)st->paid, "stays_in_care",
                     (json_int_t)st->in_care, "arrivals", (json_int_t)st->arrivals, "departures",
                     (json_int_t)st->departures);
}

/* GET /internal/v1/stats/today: the figures of today for the admin dashboard. */
static void h_internal_stats(struct http_req *r)
{
    int32_t today = date_today();
    struct order_day_stats st;
    if (!svc_internal_or_reply(r))
        return;
    enum err e = store_day_stats(svc_of(r), today, &st);
    if (e == ERR_OK)
        http_reply_json(r, 200, day_orders_json(today, &st));
    else
        svc_reply_err(r, e);
}

void order_routes(struct svc *s)
{
    svc_route(s, "POST", "/api/v1/orders", h_create);
    svc_route(s, "POST", "/api/v1/orders/quote", h_quote);
    svc_route(s, "GET", "/api/v1/orders", h_list);
    svc_route(s, "GET", "/api/v1/orders/{id}", h_get);
    svc_route(s, "GET", "/api/v1/orders/{id}/refund-quote", h_refund_quote);
    svc_route(s, "POST", "/api/v1/orders/{id}/{action}", h_action);
    svc_route(s, "POST", "/api/v1/orders/{id}/care-logs", h_care_add);
    svc_route(s, "GET", "/api/v1/orders/{id}/care-logs", h_care_list);
    svc_route(s, "GET", "/api/v1/providers/me/schedule", h_schedule);
    svc_route(s, "GET", "/internal/v1/orders/{id}", h_internal_get);
    svc_route(s, "GET", "/internal/v1/stats/today", h_internal_stats);
}
