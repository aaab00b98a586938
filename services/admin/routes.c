/* HTTP handlers of the admin service: authenticate the admin, validate, write the audit
 * entry, call the other service's internal API, record how it went, reply. Every endpoint
 * needs role admin (anonymous 401, owner and provider 403). */
#include "routes.h"
#include "audit.h"
#include "dashboard.h"
#include "dates.h"
#include "ids.h"
#include "log.h"
#include "pages.h"
#include "peers.h"
#include "rules.h"
#include "store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const KINDS[] = {"provider", "listing", NULL};
enum { KIND_PROVIDER = 0, KIND_LISTING = 1 };

/* ---------- input ---------- */

/* Read an optional JSON body: an empty one counts as {} (approve and reinstate need none). */
static bool body_or_reply(struct http_req *r, struct jv *v, const char *const *allowed)
{
    size_t len = 0;
    http_body(r, &len);
    if (len == 0) {
        char msg[8];
        jv_parse(v, "{}", 2, allowed, msg, sizeof msg);
        return true;
    }
    return http_json_or_reply(r, v, allowed);
}

static bool blank(const char *s)
{
    for (; *s; s++)
        if (*s != ' ' && *s != '\n' && *s != '\r' && *s != '\t')
            return false;
    return true;
}

/* Read an optional or required "reason" (1..500 characters, not only whitespace). */
static void read_reason(struct jv *v, bool required, const char **out)
{
    if (jv_str(v, "reason", (required ? JV_REQUIRED : 0) | JV_MULTILINE, 1, AUDIT_REASON_CHARS, out) && blank(*out))
        jv_fail(v, "reason", "must not be blank");
}

/* One decision about one user or listing, from the request to its audit entry. */
struct decision {
    struct auth_principal admin;
    uint64_t id;        /* the {id} of the path */
    const char *reason; /* borrowed from v; NULL when none was given */
    struct jv v;
    struct audit_entry a;
};

/* Authenticate an admin, read the {id} and the {reason} body. On false the reply was sent.
 * The caller frees d->v in every case. */
static bool decision_input_or_reply(struct http_req *r, bool reason_required, struct decision *d)
{
    static const char *const F[] = {"reason", NULL};
    d->reason = NULL;
    jv_init(&d->v);
    if (!svc_auth_or_reply(r, ROLE_ADMIN, &d->admin) || !http_id_param_or_reply(r, "id", &d->id))
        return false;
    jv_free(&d->v);
    if (!body_or_reply(r, &d->v, F))
        return false;
    read_reason(&d->v, reason_required, &d->reason);
    return http_jv_ok_or_reply(r, &d->v);
}

/* ---------- audit ---------- */

/* Fill an audit entry for a decision by admin p (who, what, why, when, which request). */
static void audit_prepare(struct audit_entry *a, struct http_req *r, const struct auth_principal *p,
                          const char *action, const char *target_type, uint64_t target_id, const char *reason)
{
    memset(a, 0, sizeof *a);
    a->id = ids_next();
    a->actor_id = p->user_id;
    snprintf(a->action, sizeof a->action, "%s", action);
    snprintf(a->target_type, sizeof a->target_type, "%s", target_type);
    if (target_id)
        ids_format(target_id, a->target_id);
    a->has_reason = reason != NULL;
    snprintf(a->reason, sizeof a->reason, "%s", reason ? reason : "");
    a->outcome = AUDIT_REQUESTED;
    snprintf(a->request_id, sizeof a->request_id, "%s", http_request_id(r));
    a->created_ms = a->updated_ms = time_now_ms();
}

/* Write the "requested" entry before anything else happens: a decision that cannot be
 * audited is not made (503). */
static bool audit_begin_or_reply(struct http_req *r, struct decision *d, const char *action, const char *target_type)
{
    audit_prepare(&d->a, r, &d->admin, action, target_type, d->id, d->reason);
    if (store_audit_begin(svc_of(r), &d->a) == ERR_OK)
        return true;
    http_reply_error(r, ERR_UNAVAILABLE, "the decision could not be written to the audit log, so it was not made", NULL);
    return false;
}

/* Record the outcome. If this write fails the entry stays "requested", which is still
 * honest (asked for, result unknown to the log); the failure is logged with the outcome. */
static void audit_finish(struct http_req *r, const struct decision *d, enum audit_outcome o, long status,
                         const char *detail)
{
    if (store_audit_finish(svc_of(r), d->a.id, o, status, detail) != ERR_OK)
        LOG_E("admin: audit entry %llu stays 'requested'; its outcome was %s: %s", (unsigned long long)d->a.id,
              AUDIT_OUTCOME_NAMES[o], detail ? detail : "");
}

/* ---------- calls to other services ---------- */

static bool call_ok(enum err e, const struct httpc_resp *resp)
{
    return e == ERR_OK && resp->status >= 200 && resp->status < 300;
}

/* Answer with what the other service answered: the meaning, message and fields of its
 * 400/403/404/409/422; no answer or its 5xx is our 503; anything else our 500. */
static void reply_callee_error(struct http_req *r, const char *callee, enum err call_e, const struct httpc_resp *resp)
{
    enum err e = call_e == ERR_OK ? audit_err_for_status(resp->status) : ERR_UNAVAILABLE;
    const json_t *err = json_object_get(resp->json, "error");
    const char *msg = json_string_value(json_object_get(err, "message"));
    json_t *fields = json_deep_copy(json_object_get(err, "fields"));
    char buf[128];
    if (e == ERR_UNAVAILABLE || e == ERR_INTERNAL || e == ERR_OK) {
        if (e == ERR_INTERNAL || e == ERR_OK)
            LOG_E("admin: the %s service answered %ld unexpectedly", callee, resp->status);
        snprintf(buf, sizeof buf, "the %s service is %s", callee,
                 e == ERR_UNAVAILABLE ? "unavailable" : "answering unexpectedly");
        msg = buf;
        e = e == ERR_OK ? ERR_INTERNAL : e;
        json_decref(fields);
        fields = NULL;
    }
    http_reply_error(r, e, msg, fields);
}

/* Finish the decision's audit entry from one call's result; true when the call succeeded. */
static bool record_call(struct http_req *r, const struct decision *d, const char *callee, enum err call_e,
                        const struct httpc_resp *resp)
{
    char detail[AUDIT_DETAIL_BYTES];
    bool ok = call_ok(call_e, resp);
    audit_call_detail(detail, sizeof detail, callee, call_e == ERR_OK, resp->status, resp->json);
    audit_finish(r, d, ok ? AUDIT_DONE : AUDIT_FAILED, call_e == ERR_OK ? resp->status : 0, detail);
    return ok;
}

/* Reply 200 with the other service's answer (the changed user or listing), or its error. */
static void reply_call(struct http_req *r, const char *callee, enum err call_e, const struct httpc_resp *resp)
{
    if (!call_ok(call_e, resp))
        reply_callee_error(r, callee, call_e, resp);
    else if (!json_is_object(resp->json))
        reply_callee_error(r, callee, ERR_UNAVAILABLE, resp);
    else
        http_reply_json(r, 200, json_incref(resp->json));
}

/* ---------- reviews queue ---------- */

/* Add "rule_violations" to every listing of a page. */
static bool annotate_listings(json_t *items, const struct rules_state *rs)
{
    struct rules rules = {rs->banned_words, rs->min_price_fen, rs->max_price_fen};
    size_t i;
    json_t *item;
    json_array_foreach(items, i, item)
    {
        json_t *v = json_is_object(item) ? rules_evaluate(&rules, item) : NULL;
        if (!v || json_object_set_new(item, "rule_violations", v) != 0)
            return false;
    }
    return true;
}

/* ?limit= (1..100, default 20) and ?cursor= (opaque: the callee says if it is not one of
 * its cursors, and that 422 is passed on naming it) of a list read from another service. */
static void read_page(struct http_req *r, struct jv *v, int64_t *limit, const char **cursor)
{
    *limit = 20;
    *cursor = NULL;
    jv_q_int(v, "limit", http_query(r, "limit"), 0, 1, 100, limit);
    jv_q_str(v, "cursor", http_query(r, "cursor"), 0, 1, 128, cursor);
}

/* The items of a page another service answered (borrowed from resp), or NULL after replying
 * with its error (its 4xx passed on, 503 when it did not answer or answered no page). */
static json_t *page_items_or_reply(struct http_req *r, const char *callee, enum err e, const struct httpc_resp *resp)
{
    json_t *items = call_ok(e, resp) ? json_object_get(resp->json, "items") : NULL;
    if (!json_is_array(items)) {
        reply_callee_error(r, callee, call_ok(e, resp) ? ERR_UNAVAILABLE : e, resp);
        return NULL;
    }
    return items;
}

/* Reply 200 {items, next_cursor} with items (borrowed) and the callee's next_cursor. */
static void reply_page(struct http_req *r, json_t *items, const struct httpc_resp *resp)
{
    http_reply_page(r, json_incref(items), json_string_value(json_object_get(resp->json, "next_cursor")));
}

static void h_queue(struct http_req *r)
{
    struct jv v;
    int kind = KIND_PROVIDER;
    int64_t limit;
    const char *cursor;
    struct httpc_resp resp = {0};
    struct rules_state rs = {0};
    enum err e;
    jv_init(&v);
    if (!svc_auth_or_reply(r, ROLE_ADMIN, NULL))
        goto done;
    jv_q_enum(&v, "kind", http_query(r, "kind"), JV_REQUIRED, KINDS, &kind);
    read_page(r, &v, &limit, &cursor);
    if (!http_jv_ok_or_reply(r, &v))
        goto done;
    if (kind == KIND_LISTING && (e = store_rules_get(svc_of(r), &rs)) != ERR_OK) {
        svc_reply_err(r, e);
        goto done;
    }
    const char *callee = kind == KIND_LISTING ? "boarding" : "user";
    e = kind == KIND_LISTING ? peer_pending_listings((long)limit, cursor, &resp)
                             : peer_pending_providers((long)limit, cursor, &resp);
    json_t *items = page_items_or_reply(r, callee, e, &resp);
    if (!items)
        goto done;
    if (kind == KIND_LISTING && !annotate_listings(items, &rs)) {
        svc_reply_err(r, ERR_NO_MEMORY);
        goto done;
    }
    reply_page(r, items, &resp);
done:
    rules_state_free(&rs);
    httpc_resp_free(&resp);
    jv_free(&v);
}

/* ---------- accounts and reviews ---------- */

/* GET /admin/users?q=&role=&status=&limit=&cursor=: accounts newest first from the user
 * service; q is a username prefix or an exact phone/email. */
static void h_users(struct http_req *r)
{
    static const char *const ROLES[] = {"owner", "provider", "admin", NULL};
    static const char *const STATUSES[] = {"active", "pending_review", "rejected", "suspended", NULL};
    struct jv v;
    int role = -1, status = -1;
    int64_t limit;
    const char *q = NULL, *cursor;
    struct httpc_resp resp = {0};
    jv_init(&v);
    if (!svc_auth_or_reply(r, ROLE_ADMIN, NULL))
        goto done;
    jv_q_str(&v, "q", http_query(r, "q"), 0, 1, 254, &q);
    jv_q_enum(&v, "role", http_query(r, "role"), 0, ROLES, &role);
    jv_q_enum(&v, "status", http_query(r, "status"), 0, STATUSES, &status);
    read_page(r, &v, &limit, &cursor);
    if (!http_jv_ok_or_reply(r, &v))
        goto done;
    enum err e = peer_users(q, role >= 0 ? ROLES[role] : NULL, status >= 0 ? STATUSES[status] : NULL, (long)limit,
                            cursor, &resp);
    json_t *items = page_items_or_reply(r, "user", e, &resp);
    json_t *users = items ? pages_users(items) : NULL;
    if (items && !users)
        reply_callee_error(r, "user", ERR_UNAVAILABLE, &resp); /* a page that holds no accounts */
    else if (users)
        reply_page(r, users, &resp);
    json_decref(users);
done:
    httpc_resp_free(&resp);
    jv_free(&v);
}

/* GET /admin/reviews?hidden=true|false&listing_id=&limit=&cursor=: reviews newest first from
 * the review service, hidden ones with their reason and the withheld originals. */
static void h_reviews(struct http_req *r)
{
    static const char *const BOOLS[] = {"false", "true", NULL};
    struct jv v;
    int hidden = -1;
    int64_t limit;
    uint64_t id;
    const char *listing = NULL, *cursor;
    struct httpc_resp resp = {0};
    jv_init(&v);
    if (!svc_auth_or_reply(r, ROLE_ADMIN, NULL))
        goto done;
    jv_q_enum(&v, "hidden", http_query(r, "hidden"), 0, BOOLS, &hidden);
    if (jv_q_str(&v, "listing_id", http_query(r, "listing_id"), 0, 1, 20, &listing) && !ids_parse(listing, &id))
        jv_fail(&v, "listing_id", "must be an id");
    read_page(r, &v, &limit, &cursor);
    if (!http_jv_ok_or_reply(r, &v))
        goto done;
    enum err e = peer_reviews(hidden >= 0 ? BOOLS[hidden] : NULL, listing, (long)limit, cursor, &resp);
    json_t *items = page_items_or_reply(r, "review", e, &resp);
    if (items)
        reply_page(r, items, &resp);
done:
    httpc_resp_free(&resp);
    jv_free(&v);
}

/* ---------- decisions with one call ---------- */

struct remote_decision {
    const char *action;      /* audit action, e.g. "provider.approve" */
    const char *target_type; /* "user" or "listing" */
    const char *callee;      /* "user" or "boarding" */
    const char *verb;        /* the internal API's action: "approve", "reject" */
    bool reason_required;
    enum err (*call)(uint64_t id, const char *verb, const char *reason, struct httpc_resp *out);
};

static void run_remote_decision(struct http_req *r, const struct remote_decision *rd)
{
    struct decision d;
    struct httpc_resp resp = {0};
    if (!decision_input_or_reply(r, rd->reason_required, &d) || !audit_begin_or_reply(r, &d, rd->action, rd->target_type))
        goto done;
    enum err e = rd->call(d.id, rd->verb, d.reason, &resp);
    record_call(r, &d, rd->callee, e, &resp);
    reply_call(r, rd->callee, e, &resp);
done:
    httpc_resp_free(&resp);
    jv_free(&d.v);
}

static const struct remote_decision PROVIDER_APPROVE = {"provider.approve", "user", "user", "approve", false,
                                                        peer_user_action};
static const struct remote_decision PROVIDER_REJECT = {"provider.reject", "user", "user", "reject", true,
                                                       peer_user_action};
/* A rejection needs no version check: rejecting an edited listing sends nothing live. */
static enum err listing_reject_call(uint64_t id, const char *verb, const char *reason, struct httpc_resp *out)
{
    return peer_listing_action(id, verb, reason, NULL, out);
}

static const struct remote_decision LISTING_REJECT = {"listing.reject", "listing", "boarding", "reject", true,
                                                      listing_reject_call};

/* Hiding a review: it stays listed as "hidden by moderation" with the reason (review service). */
static const struct remote_decision REVIEW_HIDE = {"review.hide", "review", "review", "hide", true, peer_review_action};

static void h_provider_approve(struct http_req *r) { run_remote_decision(r, &PROVIDER_APPROVE); }
static void h_provider_reject(struct http_req *r) { run_remote_decision(r, &PROVIDER_REJECT); }
static void h_listing_reject(struct http_req *r) { run_remote_decision(r, &LISTING_REJECT); }
static void h_review_hide(struct http_req *r) { run_remote_decision(r, &REVIEW_HIDE); }

/* ---------- listing approval, checked against the rules ---------- */

/* Refuse an approval that breaks the rules: 409 whose error names every broken rule in
 * "fields" (the first problem per field) and "violations" (all of them). */
static void refuse_violations(struct http_req *r, const struct decision *d, json_t *violations, int64_t version)
{
    char detail[AUDIT_DETAIL_BYTES];
    audit_violations_detail(detail, sizeof detail, version, violations);
    audit_finish(r, d, AUDIT_FAILED, 0, detail);
    json_t *body = http_error_body(ERR_CONFLICT, "the listing breaks the platform rules, so it was not approved",
                                   rules_violation_fields(violations), http_request_id(r));
    json_t *err = json_object_get(body, "error");
    if (json_object_set(err, "violations", violations) != 0 ||
        json_object_set_new(err, "rules_version", json_integer(version)) != 0) {
        json_decref(body);
        body = NULL;
    }
    http_reply_json(r, err_http_status(ERR_CONFLICT), body);
}

static void h_listing_approve(struct http_req *r)
{
    struct decision d;
    struct httpc_resp got = {0}, resp = {0};
    struct rules_state rs = {0};
    json_t *violations = NULL;
    enum err e;
    if (!decision_input_or_reply(r, false, &d) || !audit_begin_or_reply(r, &d, "listing.approve", "listing"))
        goto done;
    e = peer_listing_get(d.id, &got);
    if (call_ok(e, &got) && !json_is_object(got.json))
        e = ERR_UNAVAILABLE; /* an answer that is no listing counts as none */
    if (!call_ok(e, &got)) {
        record_call(r, &d, "boarding", e, &got);
        reply_callee_error(r, "boarding", e, &got);
        goto done;
    }
    struct rules rules = {NULL, 0, 0};
    if ((e = store_rules_get(svc_of(r), &rs)) == ERR_OK) {
        rules = (struct rules){rs.banned_words, rs.min_price_fen, rs.max_price_fen};
        violations = rules_evaluate(&rules, got.json);
    }
    if (!violations) {
        audit_finish(r, &d, AUDIT_FAILED, 0, "the platform rules could not be checked: nothing was approved");
        svc_reply_err(r, e == ERR_OK ? ERR_NO_MEMORY : e);
    } else if (json_array_size(violations) > 0) {
        refuse_violations(r, &d, violations, rs.version);
    } else {
        /* approve exactly the version that was checked: an edit in between makes boarding refuse */
        e = peer_listing_action(d.id, "approve", d.reason, json_string_value(json_object_get(got.json, "updated_at")),
                                &resp);
        record_call(r, &d, "boarding", e, &resp);
        reply_call(r, "boarding", e, &resp);
    }
done:
    json_decref(violations);
    rules_state_free(&rs);
    httpc_resp_free(&resp);
    httpc_resp_free(&got);
    jv_free(&d.v);
}

/* ---------- suspension ---------- */

/* The account to make the provider's listings follow: the user service's answer when the
 * action succeeded; after a 409, the account as it is now if it is already in the target
 * state (a repeated request finishes a listing step that failed before). NULL when none. */
static const json_t *account_to_follow(uint64_t id, bool suspend, enum err e, const struct httpc_resp *resp,
                                       struct httpc_resp *now)
{
    if (call_ok(e, resp))
        return resp->json;
    if (e != ERR_OK || resp->status != 409 || !call_ok(peer_user_get(id, now), now))
        return NULL;
    const char *st = json_string_value(json_object_get(now->json, "status"));
    bool suspended = st && strcmp(st, "suspended") == 0;
    return suspended == suspend ? now->json : NULL;
}

static bool is_provider(const json_t *account)
{
    const char *role = json_string_value(json_object_get(account, "role"));
    return role && strcmp(role, "provider") == 0;
}

static void account_change(struct http_req *r, bool suspend)
{
    struct decision d;
    struct httpc_resp resp = {0}, now = {0}, vis = {0};
    char detail[AUDIT_DETAIL_BYTES], more[AUDIT_DETAIL_BYTES];
    if (!decision_input_or_reply(r, suspend, &d) ||
        !audit_begin_or_reply(r, &d, suspend ? "user.suspend" : "user.reinstate", "user"))
        goto done;
    enum err e = peer_user_action(d.id, suspend ? "suspend" : "reinstate", d.reason, &resp);
    if (call_ok(e, &resp) && !json_is_object(resp.json))
        e = ERR_UNAVAILABLE; /* an answer that is no account counts as none */
    bool user_ok = call_ok(e, &resp);
    audit_call_detail(detail, sizeof detail, "user", e == ERR_OK, resp.status, resp.json);
    const json_t *account = account_to_follow(d.id, suspend, e, &resp, &now);
    bool listings_ok = true;
    if (account && is_provider(account)) {
        enum err ve = peer_provider_listings(d.id, !suspend, &vis);
        listings_ok = call_ok(ve, &vis);
        audit_call_detail(more, sizeof more, "boarding", ve == ERR_OK, vis.status, vis.json);
        size_t len = strlen(detail);
        /* the combined detail is clipped to the column: truncation is intended here */
        int n = snprintf(detail + len, sizeof detail - len, "; %.*s", (int)(sizeof more / 2), more);
        if (n < 0 || (size_t)n >= sizeof detail - len)
            detail[sizeof detail - 1] = 0;
        audit_clip_utf8(detail, sizeof detail - 1);
    }
    audit_finish(r, &d, user_ok && listings_ok ? AUDIT_DONE : AUDIT_FAILED, e == ERR_OK ? resp.status : 0, detail);
    if (!user_ok) {
        reply_callee_error(r, "user", e, &resp);
    } else if (!listings_ok) {
        http_reply_error(r, ERR_UNAVAILABLE,
                         suspend ? "the account is suspended, but its listings could not be hidden yet: repeat the "
                                   "request to finish"
                                 : "the account is reinstated, but its listings could not be shown again yet: repeat "
                                   "the request to finish",
                         NULL);
    } else {
        json_t *out = json_deep_copy(resp.json);
        if (json_is_integer(json_object_get(vis.json, "affected")))
            json_object_set(out, "listings_affected", json_object_get(vis.json, "affected"));
        http_reply_json(r, 200, out);
    }
done:
    httpc_resp_free(&vis);
    httpc_resp_free(&now);
    httpc_resp_free(&resp);
    jv_free(&d.v);
}

static void h_user_suspend(struct http_req *r) { account_change(r, true); }
static void h_user_reinstate(struct http_req *r) { account_change(r, false); }

/* ---------- audit log ---------- */

static bool all_digits(const char *s)
{
    for (; *s; s++)
        if (*s < '0' || *s > '9')
            return false;
    return true;
}

static void h_audit_log(struct http_req *r)
{
    struct jv v;
    int64_t limit = 20;
    int ti = 0;
    const char *cursor = NULL, *actor = NULL, *target_id = NULL;
    uint64_t before = UINT64_MAX;
    struct audit_filter f = {0};
    struct audit_entry *rows = NULL;
    jv_init(&v);
    if (!svc_auth_or_reply(r, ROLE_ADMIN, NULL))
        goto done;
    jv_q_int(&v, "limit", http_query(r, "limit"), 0, 1, 100, &limit);
    if (jv_q_str(&v, "cursor", http_query(r, "cursor"), 0, 1, 24, &cursor) && !ids_parse(cursor, &before))
        jv_fail(&v, "cursor", "is not a cursor from a previous page");
    if (jv_q_enum(&v, "target_type", http_query(r, "target_type"), 0, AUDIT_TARGET_NAMES, &ti))
        f.target_type = AUDIT_TARGET_NAMES[ti];
    if (jv_q_str(&v, "target_id", http_query(r, "target_id"), 0, 1, 20, &target_id) && !all_digits(target_id))
        jv_fail(&v, "target_id", "must be an id");
    f.target_id = target_id;
    if (jv_q_str(&v, "actor_id", http_query(r, "actor_id"), 0, 1, 20, &actor) && !ids_parse(actor, &f.actor_id))
        jv_fail(&v, "actor_id", "must be an id");
    if (!http_jv_ok_or_reply(r, &v))
        goto done;
    /* one row more than asked tells whether another page exists */
    size_t n = 0, want = (size_t)limit + 1;
    rows = calloc(want, sizeof *rows);
    enum err e = rows ? store_audit_list(svc_of(r), &f, before, want, rows, &n) : ERR_NO_MEMORY;
    if (e != ERR_OK) {
        svc_reply_err(r, e);
        goto done;
    }
    json_t *items = json_array();
    for (size_t i = 0; i < n && i < (size_t)limit; i++)
        json_array_append_new(items, audit_entry_json(&rows[i]));
    char next[IDS_STR_LEN];
    http_reply_page(r, items, n > (size_t)limit ? ids_format(rows[limit - 1].id, next) : NULL);
done:
    free(rows);
    jv_free(&v);
}

/* ---------- platform rules ---------- */

static json_t *rules_json(const struct rules_state *rs)
{
    char at[TIME_STR_LEN], by[IDS_STR_LEN];
    return json_pack("{s:I,s:O,s:I,s:I,s:s,s:o}", "version", (json_int_t)rs->version, "banned_words",
                     rs->banned_words, "min_price_fen", (json_int_t)rs->min_price_fen, "max_price_fen",
                     (json_int_t)rs->max_price_fen, "updated_at", time_format_ms(rs->updated_ms, at), "updated_by",
                     rs->updated_by ? json_string(ids_format(rs->updated_by, by)) : json_null());
}

static void h_rules_get(struct http_req *r)
{
    struct rules_state rs = {0};
    if (!svc_auth_or_reply(r, ROLE_ADMIN, NULL))
        return;
    enum err e = store_rules_get(svc_of(r), &rs);
    if (e != ERR_OK)
        svc_reply_err(r, e);
    else
        http_reply_json(r, 200, rules_json(&rs));
    rules_state_free(&rs);
}

static void h_rules_put(struct http_req *r)
{
    static const char *const F[] = {"banned_words", "min_price_fen", "max_price_fen", "version", "reason", NULL};
    struct auth_principal p;
    struct jv v = {0};
    json_t *words = NULL;
    int64_t min = 0, max = 0, version = 0;
    const char *reason = NULL, *why, *field;
    char msg[256];
    struct audit_entry a;
    struct rules_state rs = {0};
    if (!svc_auth_or_reply(r, ROLE_ADMIN, &p))
        goto done;
    if (!http_json_or_reply(r, &v, F))
        goto done;
    if (jv_str_array(&v, "banned_words", JV_REQUIRED, 0, RULES_MAX_WORDS, RULES_MAX_WORD_CHARS, &words) &&
        !rules_words_ok(words, msg, sizeof msg))
        jv_fail(&v, "banned_words", msg);
    bool have_min = jv_int(&v, "min_price_fen", JV_REQUIRED, 0, RULES_MAX_PRICE_FEN, &min);
    if (jv_int(&v, "max_price_fen", JV_REQUIRED, 0, RULES_MAX_PRICE_FEN, &max) && have_min &&
        (why = rules_price_problem(min, max, &field)))
        jv_fail(&v, field, why);
    jv_int(&v, "version", 0, 1, INT64_MAX, &version);
    read_reason(&v, false, &reason);
    if (!http_jv_ok_or_reply(r, &v))
        goto done;
    audit_prepare(&a, r, &p, "rules.update", "rules", 0, reason);
    enum err e = store_rules_put(svc_of(r), words, min, max, version, &a, &rs);
    if (e == ERR_CONFLICT)
        http_reply_error(r, ERR_CONFLICT, "the rules were changed since that version: read them again",
                         json_pack("{s:s}", "version", "is not the current version"));
    else if (e != ERR_OK)
        svc_reply_err(r, e);
    else
        http_reply_json(r, 200, rules_json(&rs));
done:
    rules_state_free(&rs);
    jv_free(&v);
}

/* POST /internal/v1/rules/check {title?, description?, house_rules?, amenities?,
 * price_per_night_fen?}: the boarding service checks a listing write against the rules that
 * approval checks (rules_evaluate_given): 200 {rules_version, violations, fields}, empty when
 * the write complies. */
static void h_internal_rules_check(struct http_req *r)
{
    static const char *const F[] = {"title", "description", "house_rules", "amenities", "price_per_night_fen", NULL};
    struct jv v = {0};
    struct rules_state rs = {0};
    json_t *violations = NULL;
    if (!svc_internal_or_reply(r) || !http_json_or_reply(r, &v, F) || !http_jv_ok_or_reply(r, &v))
        goto done;
    enum err e = store_rules_get(svc_of(r), &rs);
    if (e != ERR_OK) {
        svc_reply_err(r, e);
        goto done;
    }
    struct rules rules = {rs.banned_words, rs.min_price_fen, rs.max_price_fen};
    json_t *fields = (violations = rules_evaluate_given(&rules, v.obj)) ? rules_violation_fields(violations) : NULL;
    http_reply_json(r, 200,
                    fields ? json_pack("{s:I,s:O,s:o}", "rules_version", (json_int_t)rs.version, "violations",
                                       violations, "fields", fields)
                           : NULL);
done:
    json_decref(violations);
    rules_state_free(&rs);
    jv_free(&v);
}

/* ---------- monitoring ---------- */

/* The scraper's latest snapshot and today's figures; never a 5xx for a service that is down
 * (its part is null with the reason). */
static void h_dashboard(struct http_req *r)
{
    if (!svc_auth_or_reply(r, ROLE_ADMIN, NULL))
        return;
    json_t *d = dashboard_json(admin_app(svc_of(r))->dashboard_timeout_ms);
    if (!d)
        svc_reply_err(r, ERR_NO_MEMORY);
    else
        http_reply_json(r, 200, d);
}

void admin_routes(struct svc *s)
{
    svc_route(s, "GET", "/api/v1/admin/reviews-queue", h_queue);
    svc_route(s, "POST", "/api/v1/admin/providers/{id}/approve", h_provider_approve);
    svc_route(s, "POST", "/api/v1/admin/providers/{id}/reject", h_provider_reject);
    svc_route(s, "POST", "/api/v1/admin/listings/{id}/approve", h_listing_approve);
    svc_route(s, "POST", "/api/v1/admin/listings/{id}/reject", h_listing_reject);
    svc_route(s, "GET", "/api/v1/admin/users", h_users);
    svc_route(s, "GET", "/api/v1/admin/reviews", h_reviews);
    svc_route(s, "POST", "/api/v1/admin/users/{id}/suspend", h_user_suspend);
    svc_route(s, "POST", "/api/v1/admin/users/{id}/reinstate", h_user_reinstate);
    svc_route(s, "POST", "/api/v1/admin/reviews/{id}/hide", h_review_hide);
    svc_route(s, "GET", "/api/v1/admin/audit-log", h_audit_log);
    svc_route(s, "GET", "/api/v1/admin/rules", h_rules_get);
    svc_route(s, "PUT", "/api/v1/admin/rules", h_rules_put);
    svc_route(s, "POST", "/internal/v1/rules/check", h_internal_rules_check);
    svc_route(s, "GET", "/api/v1/admin/dashboard", h_dashboard);
}
