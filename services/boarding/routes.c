/* HTTP handlers of the boarding service: listings, availability, search, internal admin API. */
#include "routes.h"
#include "dates.h"
#include "ids.h"
#include "log.h"
#include "mediaref.h"
#include "peers.h"
#include "store.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------- helpers ---------- */

static const char *query_of(void *r, const char *name) { return http_query(r, name); }

static void reply_listing(struct http_req *r, int status, const struct listing *l, bool with_private)
{
    http_reply_json(r, status, listing_json(l, with_private));
}

/* Whether the caller is an approved provider: asks the user service (listing creation and
 * edits are rare; the answer must be current, so it is not cached). */
static bool approved_provider_or_reply(struct http_req *r, uint64_t provider_id)
{
    bool ok = false;
    if (peer_provider_approved(provider_id, &ok) != ERR_OK)
        http_reply_error(r, ERR_UNAVAILABLE, "cannot check the provider's verification", NULL);
    else if (!ok)
        http_reply_error(r, ERR_FORBIDDEN, "only providers approved by an admin can publish or change listings", NULL);
    return ok;
}

/* Whether listing id is the provider's, before anything of the request body is read:
 * another provider's listing is 404 as if it did not exist (the store checks again under its
 * row lock). On false the reply was sent. */
static bool own_listing_or_reply(struct http_req *r, uint64_t id, uint64_t provider_id)
{
    struct listing l = {0};
    enum err e = store_listing_get(svc_of(r), id, false, &l);
    if (e == ERR_OK && l.provider_id != provider_id)
        e = ERR_NOT_FOUND;
    listing_clear(&l);
    if (e != ERR_OK)
        svc_reply_err(r, e);
    return e == ERR_OK;
}

/* Whether a validated listing body (a create, or a patch: only the fields it changes) keeps
 * the platform rules that approval checks, asked of the admin service (the rules are its
 * data, and so is their evaluation). A body without rule-relevant fields is not sent. On
 * false the reply was sent: 422 validation_failed naming each field with its broken rule
 * (error.fields, plus error.violations [{rule, field, detail, word?}] and
 * error.rules_version, as approval's 409), or 503 when the rules cannot be checked. */
static bool platform_rules_or_reply(struct http_req *r, const json_t *body)
{
    static const char *const RULE_FIELDS[] = {"title", "description", "house_rules", "amenities",
                                              "price_per_night_fen"};
    json_t *given = json_object(), *answer = NULL;
    bool ok = false;
    for (size_t i = 0; given && i < sizeof RULE_FIELDS / sizeof *RULE_FIELDS; i++) {
        json_t *f = json_object_get(body, RULE_FIELDS[i]);
        if (f && json_object_set(given, RULE_FIELDS[i], f) != 0) {
            json_decref(given);
            given = NULL;
        }
    }
    if (!given) {
        http_reply_error(r, ERR_NO_MEMORY, NULL, NULL);
        return false;
    }
    if (json_object_size(given) == 0) {
        ok = true;
    } else if (peer_rules_check(given, &answer) != ERR_OK) {
        http_reply_error(r, ERR_UNAVAILABLE, "cannot check the listing against the platform rules", NULL);
    } else if (json_array_size(json_object_get(answer, "violations")) == 0) {
        ok = true;
    } else {
        json_t *err = http_error_body(ERR_INVALID, "the listing breaks the platform rules",
                                      json_incref(json_object_get(answer, "fields")), http_request_id(r));
        json_t *inner = json_object_get(err, "error");
        if (json_object_set(inner, "violations", json_object_get(answer, "violations")) != 0 ||
            json_object_set(inner, "rules_version", json_object_get(answer, "rules_version")) != 0) {
            json_decref(err);
            err = NULL;
        }
        http_reply_json(r, err_http_status(ERR_INVALID), err);
    }
    json_decref(answer);
    json_decref(given);
    return ok;
}

/* Serialize a validated array of strings. */
/* Resolve the photos of a body with the media service (the provider's own listing photos)
 * and keep what media answered, their public {id, url, thumb_url}, as the stored form: reads
 * never call the media service. On false the reply was sent (422 naming photos.<i>, 503). */
static bool photos_or_reply(struct http_req *r, uint64_t provider_id, struct listing_fields *f)
{
    json_t *items = NULL, *fields = NULL;
    if (!f->photo_ids)
        return true;
    enum err e = mediaref_resolve(provider_id, "listing", "photos", f->photo_ids, f->nphotos, &items, &fields);
    if (!mediaref_ok_or_reply(r, e, fields))
        return false;
    f->photos = items ? json_dumps(items, JSON_COMPACT) : strdup("[]");
    json_decref(items);
    if (!f->photos) {
        http_reply_error(r, ERR_NO_MEMORY, NULL, NULL);
        return false;
    }
    f->p.photos_json = f->photos;
    return true;
}

/* ---------- listings ---------- */

static void h_create(struct http_req *r)
{
    struct svc *s = svc_of(r);
    struct auth_principal p;
    struct jv v = {0};
    struct listing_fields f = {0};
    /* who may act is decided before the body is read: the role, then the approval */
    if (!svc_auth_or_reply(r, ROLE_PROVIDER, &p) || !approved_provider_or_reply(r, p.user_id))
        goto done;
    if (!http_json_or_reply(r, &v, LISTING_BODY_FIELDS))
        goto done;
    listing_read_fields(&v, true, &f);
    if (!http_jv_ok_or_reply(r, &v) || !platform_rules_or_reply(r, v.obj) || !photos_or_reply(r, p.user_id, &f))
        goto done;
    struct listing l = {0};
    int64_t now = time_now_ms();
    l.id = ids_next();
    l.provider_id = p.user_id;
    l.status = LS_PENDING_REVIEW;
    snprintf(l.title, sizeof l.title, "%s", f.p.title);
    snprintf(l.city, sizeof l.city, "%s", f.p.city);
    snprintf(l.district, sizeof l.district, "%s", f.p.district);
    l.lat = f.p.lat;
    l.lng = f.p.lng;
    l.species_mask = f.p.species_mask;
    l.max_weight_kg = f.p.max_weight_kg;
    l.capacity = f.p.capacity;
    l.price_fen = f.p.price_fen;
    l.created_ms = l.updated_ms = l.submitted_ms = now;
    /* borrowed for the insert and the reply; not freed through listing_clear */
    l.description = (char *)f.p.description;
    l.address = (char *)f.p.address;
    l.house_rules = (char *)(f.p.house_rules ? f.p.house_rules : "");
    l.amenities_json = f.amenities ? f.amenities : (char *)"[]";
    l.photos_json = f.photos ? f.photos : (char *)"[]";
    enum err e = store_listing_create(s, &l);
    if (e == ERR_LIMIT_REACHED) {
        char msg[64];
        snprintf(msg, sizeof msg, "a provider may have at most %ld listings", store_max_listings());
        http_reply_error(r, e, msg, NULL);
        goto done;
    }
    if (e != ERR_OK) {
        svc_reply_err(r, e);
        goto done;
    }
    char loc[64], id[IDS_STR_LEN];
    snprintf(loc, sizeof loc, "/api/v1/listings/%s", ids_format(l.id, id));
    http_header_add(r, "Location", loc);
    reply_listing(r, 201, &l, true);
done:
    listing_fields_free(&f);
    jv_free(&v);
}

/* GET /listings/{id}: the public cached copy; its provider and admins see any status. */
static void h_get(struct http_req *r)
{
    struct svc *s = svc_of(r);
    uint64_t id;
    struct auth_principal p;
    if (!http_id_param_or_reply(r, "id", &id) || !svc_auth_optional_or_reply(r, &p))
        return;
    if (p.role == ROLE_PROVIDER || p.role == ROLE_ADMIN) {
        struct listing l = {0};
        enum err e = store_listing_get(s, id, true, &l);
        if (e == ERR_OK && (p.role == ROLE_ADMIN || l.provider_id == p.user_id)) {
            reply_listing(r, 200, &l, true);
            listing_clear(&l);
            return;
        }
        listing_clear(&l);
        if (e != ERR_OK && e != ERR_NOT_FOUND) {
            svc_reply_err(r, e);
            return;
        }
    }
    char *body = NULL;
    size_t len = 0;
    bool visible = false;
    enum err e = store_listing_json_cached(s, id, &body, &len, &visible);
    if (e == ERR_OK && !visible)
        e = ERR_NOT_FOUND;
    if (e != ERR_OK) {
        free(body);
        svc_reply_err(r, e);
        return;
    }
    http_reply_json_text(r, 200, body, len);
}

static void h_patch(struct http_req *r)
{
    struct svc *s = svc_of(r);
    struct auth_principal p;
    uint64_t id;
    struct jv v = {0};
    struct listing_fields f = {0};
    /* who may act is decided before the body is read: role, approval, then ownership */
    if (!svc_auth_or_reply(r, ROLE_PROVIDER, &p) || !http_id_param_or_reply(r, "id", &id) ||
        !approved_provider_or_reply(r, p.user_id) || !own_listing_or_reply(r, id, p.user_id))
        goto done;
    if (!http_json_or_reply(r, &v, LISTING_BODY_FIELDS))
        goto done;
    listing_read_fields(&v, false, &f);
    if (!http_jv_ok_or_reply(r, &v) || !platform_rules_or_reply(r, v.obj) || !photos_or_reply(r, p.user_id, &f))
        goto done;
    struct listing l = {0};
    int32_t bad_day = 0;
    enum err e = store_listing_update(s, id, p.user_id, &f.p, &l, &bad_day);
    if (e == ERR_CONFLICT && bad_day) {
        char day[DATE_STR_LEN], msg[96];
        snprintf(msg, sizeof msg, "%s already has more pets reserved", date_format(bad_day, day));
        http_reply_error(r, ERR_CONFLICT, msg, json_pack("{s:s}", "capacity", msg));
    } else if (e == ERR_CONFLICT) {
        http_reply_error(r, ERR_CONFLICT, "this status change does not apply to the listing's current status", NULL);
    } else if (e != ERR_OK) {
        svc_reply_err(r, e);
    } else {
        reply_listing(r, 200, &l, true);
    }
    listing_clear(&l);
done:
    listing_fields_free(&f);
    jv_free(&v);
}

static void h_my_listings(struct http_req *r)
{
    struct auth_principal p;
    struct jv v;
    int64_t limit = 20;
    const char *cur = NULL;
    uint64_t before = 0;
    jv_init(&v);
    if (!svc_auth_or_reply(r, ROLE_PROVIDER, &p))
        goto done;
    jv_q_int(&v, "limit", http_query(r, "limit"), 0, 1, 100, &limit);
    if (jv_q_str(&v, "cursor", http_query(r, "cursor"), 0, 1, 24, &cur) && !ids_parse(cur, &before))
        jv_fail(&v, "cursor", "is not a cursor from a previous page");
    if (!http_jv_ok_or_reply(r, &v))
        goto done;
    struct listing *ls = NULL;
    size_t n = 0;
    enum err e = store_listings_by_provider(svc_of(r), p.user_id, before, (int)limit + 1, &ls, &n);
    if (e != ERR_OK) {
        svc_reply_err(r, e);
        goto done;
    }
    json_t *items = json_array();
    size_t shown = n > (size_t)limit ? (size_t)limit : n;
    for (size_t i = 0; i < shown; i++)
        json_array_append_new(items, listing_json(&ls[i], true));
    char next[IDS_STR_LEN];
    http_reply_page(r, items, n > shown ? ids_format(ls[shown - 1].id, next) : NULL);
    listings_free(ls, n);
done:
    jv_free(&v);
}

/* ---------- search ---------- */

static void h_search(struct http_req *r)
{
    struct jv v;
    struct search q;
    jv_init(&v);
    struct search_params p;
    search_params_read(&p, query_of, r);
    search_parse(&v, &q, date_today(), &p);
    if (http_jv_ok_or_reply(r, &v)) {
        char *body = NULL;
        size_t len = 0;
        enum err e = store_search(svc_of(r), &q, &body, &len);
        if (e == ERR_OK)
            http_reply_json_gz(r, 200, body, len);
        else
            svc_reply_err(r, e);
    }
    jv_free(&v);
}

/* ---------- availability ---------- */

/* The listing a calendar request is about, if the caller may see it. */
static bool calendar_listing_or_reply(struct http_req *r, struct listing *l)
{
    uint64_t id;
    struct auth_principal p;
    if (!http_id_param_or_reply(r, "id", &id) || !svc_auth_optional_or_reply(r, &p))
        return false;
    enum err e = store_listing_get(svc_of(r), id, false, l);
    if (e == ERR_OK && !listing_visible(l) && p.role != ROLE_ADMIN && l->provider_id != p.user_id)
        e = ERR_NOT_FOUND;
    if (e != ERR_OK)
        svc_reply_err(r, e);
    return e == ERR_OK;
}

static json_t *nights_json(const struct night *nt, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++) {
        char day[DATE_STR_LEN];
        int remaining = nt[i].closed ? 0 : nt[i].capacity - nt[i].reserved;
        json_array_append_new(a, json_pack("{s:s,s:i,s:i,s:i,s:b}", "date", date_format(nt[i].day, day), "capacity",
                                           nt[i].capacity, "reserved", nt[i].reserved, "remaining",
                                           remaining < 0 ? 0 : remaining, "closed", nt[i].closed));
    }
    return a;
}

static void h_availability(struct http_req *r)
{
    struct listing l = {0};
    struct jv v;
    int32_t today = date_today(), from = today, to;
    jv_init(&v);
    if (!calendar_listing_or_reply(r, &l))
        goto done;
    jv_q_date(&v, "from", http_query(r, "from"), 0, &from);
    to = from + 29;
    jv_q_date(&v, "to", http_query(r, "to"), 0, &to);
    if (from < today - 366 || from > today + 366)
        jv_fail(&v, "from", "must be within a year of today");
    else if (to < from)
        jv_fail(&v, "to", "must not be before from");
    else if (to - from > 366)
        jv_fail(&v, "to", "at most 367 days at a time");
    if (!http_jv_ok_or_reply(r, &v))
        goto done;
    struct night *nt = NULL;
    size_t n = 0;
    enum err e = store_nights(svc_of(r), &l, from, to, &nt, &n);
    if (e == ERR_OK)
        http_reply_json(r, 200, nights_json(nt, n));
    else
        svc_reply_err(r, e);
    free(nt);
done:
    listing_clear(&l);
    jv_free(&v);
}

static void h_availability_put(struct http_req *r)
{
    static const char *const F[] = {"days", NULL}, *const DAY_F[] = {"date", "capacity", "closed", NULL};
    struct svc *s = svc_of(r);
    struct auth_principal p;
    uint64_t id;
    struct jv v = {0};
    struct night_change *ch = NULL;
    json_t *days = NULL;
    int32_t today = date_today();
    /* as for edits: role, approval, then ownership, before the body is read */
    if (!svc_auth_or_reply(r, ROLE_PROVIDER, &p) || !http_id_param_or_reply(r, "id", &id) ||
        !approved_provider_or_reply(r, p.user_id) || !own_listing_or_reply(r, id, p.user_id))
        goto done;
    if (!http_json_or_reply(r, &v, F))
        goto done;
    size_t n = 0;
    if (jv_has(&v, "days") && !json_is_array(json_object_get(v.obj, "days")))
        jv_type_fail(&v, "days", "must be an array");
    else if (!(days = json_object_get(v.obj, "days")) || json_array_size(days) < 1 || json_array_size(days) > 366)
        jv_fail(&v, "days", "must have between 1 and 366 items");
    else if (!(ch = calloc(json_array_size(days), sizeof *ch)))
        jv_fail(&v, "days", "too many items");
    for (size_t i = 0; ch && i < json_array_size(days); i++) {
        struct jv dv = v, item;
        char pre[32];
        snprintf(pre, sizeof pre, "days.%zu", i);
        json_t *holder = json_pack("{s:O}", pre, json_array_get(days, i));
        dv.obj = holder;
        dv.nested = true;
        int64_t cap;
        if (jv_obj(&dv, pre, JV_REQUIRED, DAY_F, &item)) {
            ch[n].set_capacity = jv_has(&item, "capacity");
            ch[n].capacity = -1;
            if (!jv_is_null(&item, "capacity") && jv_int(&item, "capacity", 0, 0, LISTING_MAX_CAPACITY, &cap))
                ch[n].capacity = (int)cap;
            ch[n].set_closed = jv_bool(&item, "closed", 0, &ch[n].closed);
            if (jv_date(&item, "date", JV_REQUIRED, &ch[n].day) && (ch[n].day < today || ch[n].day > today + 365))
                jv_fail(&item, "date", "must be between today and a year from now");
            if (!ch[n].set_capacity && !ch[n].set_closed)
                jv_fail(&item, "capacity", "give capacity or closed");
            for (size_t k = 0; k < n; k++)
                if (ch[k].day == ch[n].day)
                    jv_fail(&item, "date", "appears twice");
            n++;
        }
        json_decref(holder);
    }
    if (!http_jv_ok_or_reply(r, &v))
        goto done;
    int32_t bad_day = 0;
    enum err e = store_nights_set(s, id, p.user_id, ch, n, &bad_day);
    if (e == ERR_CONFLICT) {
        char day[DATE_STR_LEN], msg[96];
        snprintf(msg, sizeof msg, "%s already has more pets reserved than that", date_format(bad_day, day));
        http_reply_error(r, ERR_CONFLICT, msg, json_pack("{s:s}", day, "capacity below reserved"));
        goto done;
    }
    if (e != ERR_OK) {
        svc_reply_err(r, e);
        goto done;
    }
    int32_t lo = ch[0].day;
    int32_t hi = lo;
    for (size_t i = 1; i < n; i++) {
        lo = ch[i].day < lo ? ch[i].day : lo;
        hi = ch[i].day > hi ? ch[i].day : hi;
    }
    struct listing l = {0};
    struct night *nt = NULL;
    size_t nn = 0;
    if ((e = store_listing_get(s, id, false, &l)) == ERR_OK && (e = store_nights(s, &l, lo, hi, &nt, &nn)) == ERR_OK)
        http_reply_json(r, 200, nights_json(nt, nn));
    else
        svc_reply_err(r, e);
    free(nt);
    listing_clear(&l);
done:
    free(ch);
    jv_free(&v);
}

/* ---------- internal (admin service) ---------- */

static void h_internal_list(struct http_req *r)
{
    struct jv v;
    int st = LS_PENDING_REVIEW;
    int64_t limit = 20;
    const char *cur = NULL;
    long long after_ms = 0;
    unsigned long long after_id = 0;
    jv_init(&v);
    if (!svc_internal_or_reply(r))
        goto done;
    jv_q_enum(&v, "status", http_query(r, "status"), 0, LISTING_STATUS_NAMES, &st);
    jv_q_int(&v, "limit", http_query(r, "limit"), 0, 1, 100, &limit);
    char tail;
    if (jv_q_str(&v, "cursor", http_query(r, "cursor"), 0, 3, 48, &cur) &&
        sscanf(cur, "%lld.%llu%c", &after_ms, &after_id, &tail) != 2)
        jv_fail(&v, "cursor", "is not a cursor from a previous page");
    if (!http_jv_ok_or_reply(r, &v))
        goto done;
    struct listing *ls = NULL;
    size_t n = 0;
    enum err e = store_listings_by_status(svc_of(r), (enum listing_status)st, after_ms, after_id, (int)limit, &ls, &n);
    if (e != ERR_OK) {
        svc_reply_err(r, e);
        goto done;
    }
    json_t *items = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(items, listing_json(&ls[i], true));
    char next[48];
    if (n == (size_t)limit)
        snprintf(next, sizeof next, "%lld.%llu", (long long)ls[n - 1].submitted_ms, (unsigned long long)ls[n - 1].id);
    http_reply_page(r, items, n == (size_t)limit ? next : NULL);
    listings_free(ls, n);
done:
    jv_free(&v);
}

static void h_internal_get(struct http_req *r)
{
    uint64_t id;
    if (!svc_internal_or_reply(r) || !http_id_param_or_reply(r, "id", &id))
        return;
    struct listing l = {0};
    enum err e = store_listing_get(svc_of(r), id, true, &l);
    if (e == ERR_OK)
        reply_listing(r, 200, &l, true);
    else
        svc_reply_err(r, e);
    listing_clear(&l);
}

/* POST /internal/v1/listings/{id}/approve|reject {reason, expected_updated_at?}: the admin
 * service sends the updated_at of the version it checked against the platform rules. */
static void h_internal_decide(struct http_req *r)
{
    static const char *const F[] = {"reason", "expected_updated_at", NULL};
    uint64_t id;
    struct jv v = {0};
    const char *reason = NULL, *expected = NULL, *action = http_param(r, "action");
    int64_t expected_ms = 0;
    if (!svc_internal_or_reply(r) || !http_id_param_or_reply(r, "id", &id))
        goto done;
    bool approve = strcmp(action, "approve") == 0;
    if (!approve && strcmp(action, "reject") != 0) {
        http_reply_error(r, ERR_NOT_FOUND, "no such action", NULL);
        goto done;
    }
    if (!http_json_or_reply(r, &v, F))
        goto done;
    jv_str(&v, "reason", (approve ? 0 : JV_REQUIRED) | JV_MULTILINE, 1, 500, &reason);
    if (jv_str(&v, "expected_updated_at", 0, 1, 40, &expected) && !time_parse_ms(expected, &expected_ms))
        jv_fail(&v, "expected_updated_at", "must be an RFC 3339 time");
    if (!http_jv_ok_or_reply(r, &v))
        goto done;
    struct listing l = {0};
    bool changed = false;
    enum err e = store_listing_decide(svc_of(r), id, approve ? LE_APPROVE : LE_REJECT, reason, expected_ms, &l, &changed);
    if (changed)
        http_reply_error(r, e, "the listing was edited after it was checked: check it again", NULL);
    else if (e == ERR_CONFLICT)
        http_reply_error(r, e, "only a listing pending review can be approved or rejected", NULL);
    else if (e != ERR_OK)
        svc_reply_err(r, e);
    else
        reply_listing(r, 200, &l, true);
    listing_clear(&l);
done:
    jv_free(&v);
}

/* POST /internal/v1/listings/{id}/rating {count, sum, score}: the review service's aggregate
 * (score is the ranking score 0..5 that search sorts and filters on). */
static void h_internal_rating(struct http_req *r)
{
    static const char *const F[] = {"count", "sum", "score", NULL};
    uint64_t id;
    struct jv v = {0};
    int64_t count = 0, sum = 0;
    double score = 0;
    if (!svc_internal_or_reply(r) || !http_id_param_or_reply(r, "id", &id))
        goto done;
    if (!http_json_or_reply(r, &v, F))
        goto done;
    jv_int(&v, "count", JV_REQUIRED, 0, 100000000, &count);
    jv_int(&v, "sum", JV_REQUIRED, 0, 500000000, &sum);
    jv_num(&v, "score", JV_REQUIRED, 0, 5, &score);
    if (sum > count * 5 || sum < count)
        jv_fail(&v, "sum", "must be between count and 5 x count");
    if (!http_jv_ok_or_reply(r, &v))
        goto done;
    enum err e = store_listing_rating(svc_of(r), id, (long)count, (long)sum, lround(score * 1000));
    if (e == ERR_OK)
        http_reply_empty(r, 204);
    else
        svc_reply_err(r, e);
done:
    jv_free(&v);
}

/* A stay of the capacity API: 1 to SEARCH_MAX_NIGHTS nights. */
static void check_stay(struct jv *v, int32_t start, int32_t end)
{
    if (end <= start || end - start > SEARCH_MAX_NIGHTS)
        jv_fail(v, "end_date", "must be 1 to 60 nights after start_date");
}

/* Reply to a hold or a room check that found no room (409 fully_booked naming the night) or
 * a listing that takes no bookings (409 conflict); true when it replied. */
static bool reply_no_room(struct http_req *r, enum hold_result res, int pets, int32_t night)
{
    char day[DATE_STR_LEN], msg[96];
    if (res == HOLD_FULL) {
        snprintf(msg, sizeof msg, "no room for %d pet(s) on the night of %s", pets, date_format(night, day));
        http_reply_error(r, ERR_FULLY_BOOKED, msg, json_pack("{s:s}", "night", day));
        return true;
    }
    if (res != HOLD_OK) {
        http_reply_error(r, ERR_CONFLICT,
                         res == HOLD_NOT_BOOKABLE ? "the listing is not open for bookings"
                         : res == HOLD_RELEASED   ? "this order's hold was released"
                                                  : "this order holds other nights",
                         NULL);
        return true;
    }
    return false;
}

/* PUT /internal/v1/holds/{order_id} {listing_id, start_date, end_date, pets}: the order
 * service reserves capacity for an order, idempotently by order id. */
static void h_hold(struct http_req *r)
{
    static const char *const F[] = {"listing_id", "start_date", "end_date", "pets", NULL};
    struct hold_request h = {0};
    struct jv v = {0};
    int64_t pets = 0;
    if (!svc_internal_or_reply(r) || !http_id_param_or_reply(r, "order_id", &h.order_id))
        goto done;
    if (!http_json_or_reply(r, &v, F))
        goto done;
    jv_id(&v, "listing_id", JV_REQUIRED, &h.listing_id);
    if (jv_date(&v, "start_date", JV_REQUIRED, &h.start) & jv_date(&v, "end_date", JV_REQUIRED, &h.end))
        check_stay(&v, h.start, h.end);
    if (jv_int(&v, "pets", JV_REQUIRED, 1, LISTING_MAX_CAPACITY, &pets))
        h.pets = (int)pets;
    if (!http_jv_ok_or_reply(r, &v))
        goto done;
    enum hold_result res = HOLD_OK;
    int32_t night = 0;
    enum err e = store_hold(svc_of(r), &h, &res, &night);
    if (e != ERR_OK) {
        svc_reply_err(r, e);
    } else if (!reply_no_room(r, res, h.pets, night)) {
        char oid[IDS_STR_LEN];
        http_reply_json(r, 200, json_pack("{s:s,s:s}", "order_id", ids_format(h.order_id, oid), "state", "held"));
    }
done:
    jv_free(&v);
}

/* GET /internal/v1/listings/{id}/room?start_date=&end_date=&pets=: whether a stay fits now,
 * holding nothing (the order service's price quote). 200 {listing_id, start_date, end_date,
 * pets, room: true}, or the refusals of a hold (409 fully_booked naming the night, 409 not
 * open for bookings, 404 unknown listing). */
static void h_room(struct http_req *r)
{
    struct hold_request h = {0};
    struct jv v;
    int64_t pets = 0;
    jv_init(&v);
    if (!svc_internal_or_reply(r) || !http_id_param_or_reply(r, "id", &h.listing_id))
        goto done;
    if (jv_q_date(&v, "start_date", http_query(r, "start_date"), JV_REQUIRED, &h.start) &
        jv_q_date(&v, "end_date", http_query(r, "end_date"), JV_REQUIRED, &h.end))
        check_stay(&v, h.start, h.end);
    if (jv_q_int(&v, "pets", http_query(r, "pets"), JV_REQUIRED, 1, LISTING_MAX_CAPACITY, &pets))
        h.pets = (int)pets;
    if (!http_jv_ok_or_reply(r, &v))
        goto done;
    enum hold_result res = HOLD_OK;
    int32_t night = 0;
    enum err e = store_room(svc_of(r), &h, &res, &night);
    if (e != ERR_OK) {
        svc_reply_err(r, e);
    } else if (!reply_no_room(r, res, h.pets, night)) {
        char lid[IDS_STR_LEN], sd[DATE_STR_LEN], ed[DATE_STR_LEN];
        http_reply_json(r, 200, json_pack("{s:s,s:s,s:s,s:i,s:b}", "listing_id", ids_format(h.listing_id, lid),
                                          "start_date", date_format(h.start, sd), "end_date",
                                          date_format(h.end, ed), "pets", h.pets, "room", 1));
    }
done:
    jv_free(&v);
}

/* DELETE /internal/v1/holds/{order_id}: give the nights back (idempotent). */
static void h_release(struct http_req *r)
{
    uint64_t order_id;
    if (!svc_internal_or_reply(r) || !http_id_param_or_reply(r, "order_id", &order_id))
        return;
    enum err e = store_release(svc_of(r), order_id);
    if (e == ERR_OK)
        http_reply_empty(r, 204);
    else
        svc_reply_err(r, e);
}

static void h_internal_provider(struct http_req *r)
{
    uint64_t id;
    const char *action = http_param(r, "action");
    if (!svc_internal_or_reply(r) || !http_id_param_or_reply(r, "id", &id))
        return;
    bool suspend = strcmp(action, "suspend") == 0;
    if (!suspend && strcmp(action, "reinstate") != 0) {
        http_reply_error(r, ERR_NOT_FOUND, "no such action", NULL);
        return;
    }
    long affected = 0;
    enum err e = store_provider_suspend(svc_of(r), id, suspend, &affected);
    if (e != ERR_OK) {
        svc_reply_err(r, e);
        return;
    }
    http_reply_json(r, 200, json_pack("{s:I}", "affected", (json_int_t)affected));
}

void boarding_routes(struct svc *s)
{
    svc_route(s, "POST", "/api/v1/listings", h_create);
    svc_route(s, "GET", "/api/v1/listings", h_search);
    svc_route(s, "GET", "/api/v1/listings/{id}", h_get);
    svc_route(s, "PATCH", "/api/v1/listings/{id}", h_patch);
    svc_route(s, "GET", "/api/v1/listings/{id}/availability", h_availability);
    svc_route(s, "PUT", "/api/v1/listings/{id}/availability", h_availability_put);
    svc_route(s, "GET", "/api/v1/providers/me/listings", h_my_listings);
    svc_route(s, "GET", "/internal/v1/listings", h_internal_list);
    svc_route(s, "GET", "/internal/v1/listings/{id}", h_internal_get);
    svc_route(s, "GET", "/internal/v1/listings/{id}/room", h_room);
    svc_route(s, "POST", "/internal/v1/listings/{id}/rating", h_internal_rating);
    svc_route(s, "POST", "/internal/v1/listings/{id}/{action}", h_internal_decide);
    svc_route(s, "POST", "/internal/v1/providers/{id}/{action}", h_internal_provider);
    svc_route(s, "PUT", "/internal/v1/holds/{order_id}", h_hold);
    svc_route(s, "DELETE", "/internal/v1/holds/{order_id}", h_release);
}
