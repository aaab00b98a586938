/* The admin service through the gateway, against the real user and boarding services (a
 * service of the stack that is not running fails the tests, it never skips them): who may
 * call it, provider reviews (with the documents providers submit), suspensions, platform
 * rules, listing reviews checked against the rules, the audit log of every decision, and
 * decisions while the boarding service is stopped. */
#include "harness.h"
#include "ids.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---------- helpers ---------- */

/* An id that is well-formed but belongs to nothing, different in every run. */
static void fake_id(char *buf, size_t cap)
{
    static unsigned seq;
    snprintf(buf, cap, "9%011lld%03u", e2e_now_ms() % 100000000000LL, (unsigned)(getpid() + ++seq) % 1000);
}

static struct resp *admin_call(const char *method, const char *token, json_t *body, const char *fmt, const char *id)
{
    char path[512];
    snprintf(path, sizeof path, fmt, id);
    return e2e_call(method, path, token, body);
}

static struct resp *decide(const char *token, const char *what, const char *id, const char *verb, const char *reason)
{
    char path[256];
    snprintf(path, sizeof path, "/api/v1/admin/%s/%s/%s", what, id, verb);
    return e2e_call("POST", path, token, reason ? json_pack("{s:s}", "reason", reason) : json_object());
}

static void url_escape(const char *in, char *out, size_t cap)
{
    static const char HEX[] = "0123456789ABCDEF";
    size_t o = 0;
    for (const unsigned char *p = (const unsigned char *)in; *p && o + 4 < cap; p++) {
        if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || strchr("-._~", *p)) {
            out[o++] = (char)*p;
        } else {
            out[o++] = '%';
            out[o++] = HEX[*p >> 4];
            out[o++] = HEX[*p & 15];
        }
    }
    out[o] = 0;
}

static const char *item_str(const json_t *item, const char *key) { return json_string_value(json_object_get(item, key)); }

/* Walk every page of a review queue (limit per page) and return a copy of the item with this
 * id, or NULL. Fails if an item repeats across pages; for providers, also unless the queue
 * is oldest first. */
static json_t *queue_find(const char *token, const char *kind, const char *id, int limit)
{
    char cursor[512] = "", esc[1024] = "", last_created[40] = "";
    json_t *seen = json_object(), *found = NULL;
    for (int page = 0; page < 1000; page++) {
        char q[1200];
        url_escape(cursor, esc, sizeof esc);
        snprintf(q, sizeof q, "/api/v1/admin/reviews-queue?kind=%s&limit=%d%s%s", kind, limit,
                 cursor[0] ? "&cursor=" : "", esc);
        struct resp *r = e2e_call("GET", q, token, NULL);
        EXPECT_STATUS(r, 200);
        json_t *items = e2e_get(r, "items");
        assert_true(json_is_array(items));
        assert_true(json_array_size(items) <= (size_t)limit);
        size_t i;
        json_t *it;
        json_array_foreach(items, i, it)
        {
            const char *iid = item_str(it, "id");
            assert_non_null(iid);
            assert_null(json_object_get(seen, iid)); /* never twice */
            json_object_set_new(seen, iid, json_true());
            assert_string_equal(item_str(it, "status"), "pending_review");
            if (strcmp(kind, "provider") == 0) {
                assert_string_equal(item_str(it, "role"), "provider");
                assert_true(strcmp(last_created, item_str(it, "created_at")) <= 0); /* oldest first */
                snprintf(last_created, sizeof last_created, "%s", item_str(it, "created_at"));
            } else {
                assert_true(json_is_array(json_object_get(it, "rule_violations")));
            }
            if (strcmp(iid, id) == 0 && !found)
                found = json_deep_copy(it);
        }
        const char *next = e2e_str(r, "next_cursor");
        assert_true(next || json_is_null(e2e_get(r, "next_cursor")));
        snprintf(cursor, sizeof cursor, "%s", next ? next : "");
        e2e_resp_free(r);
        if (!cursor[0])
            break;
    }
    json_decref(seen);
    return found;
}

/* The audit entries of one target, newest first (one page of up to 100). */
static struct resp *audit_of(const char *token, const char *target_id)
{
    char q[256];
    snprintf(q, sizeof q, "/api/v1/admin/audit-log?target_id=%s&limit=100", target_id);
    struct resp *r = e2e_call("GET", q, token, NULL);
    EXPECT_STATUS(r, 200);
    return r;
}

/* Check one audit entry's fields (reason NULL = must be null). */
static void expect_entry(const json_t *e, const char *actor, const char *action, const char *target_type,
                         const char *target_id, const char *reason, const char *outcome)
{
    assert_non_null(e);
    assert_string_equal(item_str(e, "actor_id"), actor);
    assert_string_equal(item_str(e, "action"), action);
    assert_string_equal(item_str(e, "target_type"), target_type);
    assert_string_equal(item_str(e, "target_id"), target_id);
    if (reason)
        assert_string_equal(item_str(e, "reason"), reason);
    else
        assert_true(json_is_null(json_object_get(e, "reason")));
    assert_string_equal(item_str(e, "outcome"), outcome);
    assert_non_null(item_str(e, "id"));
    assert_non_null(item_str(e, "created_at"));
    assert_non_null(item_str(e, "detail"));
}

static bool boarding_runs(void *arg)
{
    (void)arg;
    struct resp *r = e2e_service("boarding", "GET", "/healthz", NULL);
    bool up = r->status == 200;
    e2e_resp_free(r);
    return up;
}

/* The tests need the boarding service: one that is down is a failure of the stack. */
static void require_boarding(void)
{
    if (!boarding_runs(NULL))
        fail_msg("the boarding service does not answer /healthz: the stack is incomplete");
}

static struct resp *me(const char *token) { return e2e_call("GET", "/api/v1/users/me", token, NULL); }

static void login_expect(struct e2e_user *u, long status)
{
    struct resp *r = e2e_call("POST", "/api/v1/auth/login", NULL,
                              json_pack("{s:s,s:s}", "username", u->username, "password", u->password));
    EXPECT_STATUS(r, status);
    if (status == 200)
        snprintf(u->token, sizeof u->token, "%s", e2e_str(r, "access_token"));
    e2e_resp_free(r);
}

/* ---------- authorization ---------- */

static void every_endpoint_is_for_admins_only(void **state)
{
    (void)state;
    struct e2e_user admin, owner, provider;
    e2e_admin(&admin);
    e2e_user_new(&owner, "owner");
    e2e_user_new(&provider, "provider");
    char id[32];
    fake_id(id, sizeof id);
    require_boarding();
    const struct {
        const char *method, *fmt;
        bool body;
        long admin_status; /* what the admin gets for this id (unknown to everyone) */
    } eps[] = {
        {"GET", "/api/v1/admin/reviews-queue?kind=provider", false, 200},
        {"POST", "/api/v1/admin/providers/%s/approve", true, 404},
        {"POST", "/api/v1/admin/providers/%s/reject", true, 404},
        {"POST", "/api/v1/admin/listings/%s/approve", true, 404},
        {"POST", "/api/v1/admin/listings/%s/reject", true, 404},
        {"POST", "/api/v1/admin/users/%s/suspend", true, 404},
        {"POST", "/api/v1/admin/users/%s/reinstate", true, 404},
        {"GET", "/api/v1/admin/audit-log", false, 200},
        {"GET", "/api/v1/admin/rules", false, 200},
        {"GET", "/api/v1/admin/users?limit=1", false, 200},
        {"GET", "/api/v1/admin/reviews?limit=1", false, 200},
        {"PUT", "/api/v1/admin/rules", true, 422}, /* an invalid body: proves the admin got through */
    };
    const char *tokens[] = {NULL, "not-a-jwt", owner.token, provider.token};
    const long want[] = {401, 401, 403, 403};
    const char *codes[] = {"unauthenticated", "unauthenticated", "forbidden", "forbidden"};
    int admin_posts = 0;
    for (size_t i = 0; i < sizeof eps / sizeof *eps; i++) {
        for (size_t t = 0; t < 4; t++) {
            struct resp *r = admin_call(eps[i].method, tokens[t],
                                        eps[i].body ? json_pack("{s:s}", "reason", "测试") : NULL, eps[i].fmt, id);
            EXPECT_ERROR(r, want[t], codes[t]);
            e2e_resp_free(r);
        }
        struct resp *r = admin_call(eps[i].method, admin.token,
                                    eps[i].body ? json_pack("{s:s}", "reason", "测试") : NULL, eps[i].fmt, id);
        EXPECT_STATUS(r, eps[i].admin_status);
        e2e_resp_free(r);
        admin_posts += strcmp(eps[i].method, "POST") == 0;
    }
    /* refused callers left no trace; each admin decision did, as failed (nothing to act on) */
    struct resp *r = audit_of(admin.token, id);
    json_t *items = e2e_get(r, "items");
    assert_int_equal(json_array_size(items), admin_posts);
    size_t i;
    json_t *it;
    json_array_foreach(items, i, it)
    {
        assert_string_equal(item_str(it, "actor_id"), admin.id);
        assert_string_equal(item_str(it, "outcome"), "failed");
        assert_string_equal(item_str(it, "reason"), "测试");
    }
    e2e_resp_free(r);
    /* the gateway serves nothing else under /api/v1/admin and refuses wrong methods */
    r = e2e_call("DELETE", "/api/v1/admin/rules", admin.token, NULL);
    EXPECT_ERROR(r, 405, "method_not_allowed");
    e2e_resp_free(r);
    r = e2e_call("GET", "/api/v1/admin/nothing-here", admin.token, NULL);
    EXPECT_ERROR(r, 404, "not_found");
    e2e_resp_free(r);
}

/* ---------- providers ---------- */

static void provider_review_flow(void **state)
{
    (void)state;
    struct e2e_user admin, p, p2, p3, owner;
    e2e_admin(&admin);
    e2e_user_new(&p, "provider");
    e2e_user_new(&p2, "provider");
    e2e_user_new(&p3, "provider");
    e2e_user_new(&owner, "owner");

    /* a new provider waits in the queue (walked two per page, oldest first) */
    json_t *item = queue_find(admin.token, "provider", p.id, 2);
    assert_non_null(item);
    assert_string_equal(item_str(item, "username"), p.username);
    json_decref(item);
    struct resp *r = e2e_call("GET", "/api/v1/admin/reviews-queue", admin.token, NULL);
    EXPECT_ERROR(r, 422, "validation_failed"); /* kind is required */
    assert_non_null(e2e_str(r, "error.fields.kind"));
    e2e_resp_free(r);
    r = e2e_call("GET", "/api/v1/admin/reviews-queue?kind=pets", admin.token, NULL);
    EXPECT_ERROR(r, 422, "validation_failed");
    assert_non_null(e2e_str(r, "error.fields.kind"));
    e2e_resp_free(r);
    r = e2e_call("GET", "/api/v1/admin/reviews-queue?kind=provider&limit=101", admin.token, NULL);
    EXPECT_ERROR(r, 422, "validation_failed");
    assert_non_null(e2e_str(r, "error.fields.limit"));
    e2e_resp_free(r);
    r = e2e_call("GET", "/api/v1/admin/reviews-queue?kind=provider&cursor=garbage", admin.token, NULL);
    EXPECT_ERROR(r, 422, "validation_failed"); /* the user service's verdict, passed on */
    assert_non_null(e2e_str(r, "error.fields.cursor"));
    e2e_resp_free(r);

    /* approve: the provider sees it at once, and leaves the queue */
    r = decide(admin.token, "providers", p.id, "approve", "资料齐全");
    EXPECT_STATUS(r, 200);
    assert_string_equal(e2e_str(r, "id"), p.id);
    assert_string_equal(e2e_str(r, "status"), "active");
    char approve_rid[96];
    snprintf(approve_rid, sizeof approve_rid, "%s", r->request_id);
    e2e_resp_free(r);
    r = me(p.token);
    EXPECT_STATUS(r, 200);
    assert_string_equal(e2e_str(r, "status"), "active");
    e2e_resp_free(r);
    assert_null(queue_find(admin.token, "provider", p.id, 50));
    /* approving twice: the user service's 409 with its meaning */
    r = decide(admin.token, "providers", p.id, "approve", NULL);
    EXPECT_ERROR(r, 409, "conflict");
    assert_string_equal(e2e_str(r, "error.message"), "this action does not apply to the account's current status");
    e2e_resp_free(r);

    /* reject needs a reason (missing, blank, too long); with one it works */
    r = decide(admin.token, "providers", p2.id, "reject", NULL);
    EXPECT_ERROR(r, 422, "validation_failed");
    assert_string_equal(e2e_str(r, "error.fields.reason"), "is required");
    e2e_resp_free(r);
    r = decide(admin.token, "providers", p2.id, "reject", "   ");
    EXPECT_ERROR(r, 422, "validation_failed");
    e2e_resp_free(r);
    char longer[520];
    memset(longer, 'x', 501);
    longer[501] = 0;
    r = decide(admin.token, "providers", p2.id, "reject", longer);
    EXPECT_ERROR(r, 422, "validation_failed");
    e2e_resp_free(r);
    r = e2e_call_raw("POST", "/api/v1/admin/providers/1/reject", admin.token, "text/plain", "x", 1, NULL);
    EXPECT_ERROR(r, 415, "unsupported_media_type");
    e2e_resp_free(r);
    char path[128];
    snprintf(path, sizeof path, "/api/v1/admin/providers/%s/reject", p2.id);
    r = e2e_call("POST", path, admin.token, json_pack("{s:i}", "reason", 5));
    EXPECT_ERROR(r, 400, "bad_request");
    e2e_resp_free(r);
    r = e2e_call("POST", path, admin.token, json_pack("{s:s,s:b}", "reason", "x", "force", 1));
    EXPECT_ERROR(r, 422, "validation_failed");
    assert_string_equal(e2e_str(r, "error.fields.force"), "unknown field");
    e2e_resp_free(r);
    r = me(p2.token);
    assert_string_equal(e2e_str(r, "status"), "pending_review"); /* none of that changed anything */
    e2e_resp_free(r);
    r = decide(admin.token, "providers", p2.id, "reject", "证件照片模糊\n请重新上传");
    EXPECT_STATUS(r, 200);
    assert_string_equal(e2e_str(r, "status"), "rejected");
    e2e_resp_free(r);
    r = me(p2.token);
    assert_string_equal(e2e_str(r, "status"), "rejected");
    e2e_resp_free(r);
    /* approve without any body at all */
    snprintf(path, sizeof path, "/api/v1/admin/providers/%s/approve", p3.id);
    r = e2e_call_raw("POST", path, admin.token, NULL, NULL, 0, NULL);
    EXPECT_STATUS(r, 200);
    assert_string_equal(e2e_str(r, "status"), "active");
    e2e_resp_free(r);
    /* owners are not reviewed; unknown and malformed ids are 404 */
    r = decide(admin.token, "providers", owner.id, "approve", NULL);
    EXPECT_ERROR(r, 409, "conflict");
    e2e_resp_free(r);
    char unknown[32];
    fake_id(unknown, sizeof unknown);
    r = decide(admin.token, "providers", unknown, "approve", NULL);
    EXPECT_ERROR(r, 404, "not_found");
    e2e_resp_free(r);
    r = decide(admin.token, "providers", "abc", "approve", NULL);
    EXPECT_ERROR(r, 404, "not_found");
    e2e_resp_free(r);

    /* the audit trail of p: the failed second approval, then the first, newest first */
    r = audit_of(admin.token, p.id);
    assert_int_equal(json_array_size(e2e_get(r, "items")), 2);
    expect_entry(e2e_get(r, "items.0"), admin.id, "provider.approve", "user", p.id, NULL, "failed");
    assert_int_equal(e2e_int(r, "items.0.callee_status"), 409);
    expect_entry(e2e_get(r, "items.1"), admin.id, "provider.approve", "user", p.id, "资料齐全", "done");
    assert_int_equal(e2e_int(r, "items.1.callee_status"), 200);
    assert_non_null(strstr(e2e_str(r, "items.1.detail"), "status now active"));
    assert_string_equal(e2e_str(r, "items.1.request_id"), approve_rid);
    e2e_resp_free(r);
    r = audit_of(admin.token, p2.id); /* refused inputs were never decisions */
    assert_int_equal(json_array_size(e2e_get(r, "items")), 1);
    expect_entry(e2e_get(r, "items.0"), admin.id, "provider.reject", "user", p2.id, "证件照片模糊\n请重新上传", "done");
    e2e_resp_free(r);
    r = audit_of(admin.token, unknown);
    expect_entry(e2e_get(r, "items.0"), admin.id, "provider.approve", "user", unknown, NULL, "failed");
    assert_int_equal(e2e_int(r, "items.0.callee_status"), 404);
    e2e_resp_free(r);
    /* the database holds the same, finished */
    assert_int_equal(e2e_db_int("SELECT COUNT(*) FROM pb_admin.audit_log WHERE target_id = ? AND outcome = 'done' "
                                "AND action = 'provider.approve' AND actor_id = CAST(? AS UNSIGNED)",
                                "ss", p.id, admin.id),
                     1);
}

/* The documents a provider submits are what the admin reviews: the queue shows them with
 * URLs the admin can open; a rejected provider submits again and is back in the queue. */
static void provider_verification_in_the_queue(void **state)
{
    (void)state;
    struct e2e_user admin, p, owner;
    e2e_admin(&admin);
    e2e_user_new(&p, "provider");
    e2e_user_new(&owner, "owner");
    json_t *item = queue_find(admin.token, "provider", p.id, 100);
    assert_non_null(item);
    assert_true(json_is_null(json_object_get(item, "verification"))); /* nothing submitted yet */
    json_decref(item);

    char doc[2][24];
    e2e_photo_new(&p, "verification", doc[0]);
    struct resp *r = e2e_call("PUT", "/api/v1/users/me/verification", p.token,
                              json_pack("{s:[s],s:s}", "documents", doc[0], "note", "营业执照"));
    EXPECT_STATUS(r, 200);
    e2e_resp_free(r);
    item = queue_find(admin.token, "provider", p.id, 100);
    assert_non_null(item);
    json_t *docs = json_object_get(json_object_get(item, "verification"), "documents");
    assert_int_equal(json_array_size(docs), 1);
    e2e_expect_photo(json_array_get(docs, 0), doc[0]); /* the admin opens it */
    assert_string_equal(json_string_value(json_object_get(json_object_get(item, "verification"), "note")), "营业执照");
    json_decref(item);
    /* the queue is for admins only */
    r = e2e_call("GET", "/api/v1/admin/reviews-queue?kind=provider", p.token, NULL);
    EXPECT_ERROR(r, 403, "forbidden");
    e2e_resp_free(r);
    r = e2e_call("GET", "/api/v1/admin/reviews-queue?kind=provider", owner.token, NULL);
    EXPECT_ERROR(r, 403, "forbidden");
    e2e_resp_free(r);

    /* rejected: out of the queue; the provider submits again and is pending again */
    r = decide(admin.token, "providers", p.id, "reject", "营业执照不清晰");
    EXPECT_STATUS(r, 200);
    e2e_resp_free(r);
    assert_null(queue_find(admin.token, "provider", p.id, 100));
    r = me(p.token);
    assert_string_equal(e2e_str(r, "status"), "rejected");
    assert_string_equal(e2e_str(r, "status_reason"), "营业执照不清晰");
    e2e_resp_free(r);
    e2e_photo_new(&p, "verification", doc[1]);
    r = e2e_call("PUT", "/api/v1/users/me/verification", p.token, json_pack("{s:[s,s]}", "documents", doc[1], doc[0]));
    EXPECT_STATUS(r, 200);
    assert_string_equal(e2e_str(r, "status"), "pending_review");
    assert_null(e2e_get(r, "status_reason")); /* the rejection's reason no longer applies */
    e2e_resp_free(r);
    r = me(p.token);
    assert_string_equal(e2e_str(r, "status"), "pending_review");
    assert_string_equal(e2e_str(r, "verification.documents.0.id"), doc[1]);
    e2e_resp_free(r);
    item = queue_find(admin.token, "provider", p.id, 100);
    assert_non_null(item);
    docs = json_object_get(json_object_get(item, "verification"), "documents");
    assert_int_equal(json_array_size(docs), 2);
    e2e_expect_photo(json_array_get(docs, 0), doc[1]);
    e2e_expect_photo(json_array_get(docs, 1), doc[0]);
    json_decref(item);
    /* the resubmission is a fact others may react to */
    assert_int_equal(e2e_db_int("SELECT COUNT(*) FROM pb_user.outbox WHERE subject = 'petboarding.provider.resubmitted' "
                                "AND payload LIKE CONCAT('%', ?, '%')", "s", p.id),
                     1);
    /* approved: nothing more to submit */
    r = decide(admin.token, "providers", p.id, "approve", "资料齐全");
    EXPECT_STATUS(r, 200);
    e2e_resp_free(r);
    r = e2e_call("PUT", "/api/v1/users/me/verification", p.token, json_pack("{s:[s]}", "documents", doc[1]));
    EXPECT_ERROR(r, 409, "conflict");
    e2e_resp_free(r);
    r = me(p.token);
    assert_string_equal(e2e_str(r, "status"), "active");
    assert_int_equal(json_array_size(e2e_get(r, "verification.documents")), 2); /* what was reviewed stays */
    e2e_resp_free(r);
}

/* ---------- suspensions ---------- */

static void suspension_flow(void **state)
{
    (void)state;
    struct e2e_user admin, o;
    e2e_admin(&admin);
    e2e_user_new(&o, "owner");
    struct resp *r = decide(admin.token, "users", o.id, "suspend", NULL);
    EXPECT_ERROR(r, 422, "validation_failed");
    assert_string_equal(e2e_str(r, "error.fields.reason"), "is required");
    e2e_resp_free(r);
    r = me(o.token);
    EXPECT_STATUS(r, 200); /* still fine */
    e2e_resp_free(r);
    r = decide(admin.token, "users", o.id, "suspend", "多次发布虚假信息");
    EXPECT_STATUS(r, 200);
    assert_string_equal(e2e_str(r, "status"), "suspended");
    assert_null(e2e_get(r, "listings_affected")); /* owners have no listings */
    e2e_resp_free(r);
    /* the existing token dies at once; logging in is refused */
    r = me(o.token);
    EXPECT_ERROR(r, 401, "unauthenticated");
    e2e_resp_free(r);
    login_expect(&o, 403);
    r = decide(admin.token, "users", o.id, "suspend", "again");
    EXPECT_ERROR(r, 409, "conflict");
    e2e_resp_free(r);
    /* reinstate (no reason needed): login works again */
    r = decide(admin.token, "users", o.id, "reinstate", NULL);
    EXPECT_STATUS(r, 200);
    assert_string_equal(e2e_str(r, "status"), "active");
    e2e_resp_free(r);
    login_expect(&o, 200);
    r = me(o.token);
    EXPECT_STATUS(r, 200);
    e2e_resp_free(r);
    r = decide(admin.token, "users", o.id, "reinstate", "twice");
    EXPECT_ERROR(r, 409, "conflict");
    e2e_resp_free(r);
    /* admins are out of reach: the user service's 403 is passed on */
    r = decide(admin.token, "users", admin.id, "suspend", "试试看");
    EXPECT_ERROR(r, 403, "forbidden");
    assert_string_equal(e2e_str(r, "error.message"), "admin accounts cannot be changed this way");
    e2e_resp_free(r);
    login_expect(&admin, 200);

    r = audit_of(admin.token, o.id);
    json_t *items = e2e_get(r, "items");
    assert_int_equal(json_array_size(items), 4);
    expect_entry(json_array_get(items, 0), admin.id, "user.reinstate", "user", o.id, "twice", "failed");
    expect_entry(json_array_get(items, 1), admin.id, "user.reinstate", "user", o.id, NULL, "done");
    expect_entry(json_array_get(items, 2), admin.id, "user.suspend", "user", o.id, "again", "failed");
    expect_entry(json_array_get(items, 3), admin.id, "user.suspend", "user", o.id, "多次发布虚假信息", "done");
    e2e_resp_free(r);
    r = audit_of(admin.token, admin.id);
    expect_entry(e2e_get(r, "items.0"), admin.id, "user.suspend", "user", admin.id, "试试看", "failed");
    assert_int_equal(e2e_int(r, "items.0.callee_status"), 403);
    e2e_resp_free(r);
}

/* ---------- platform rules ---------- */

static struct resp *put_rules(const char *token, json_t *body)
{
    return e2e_call("PUT", "/api/v1/admin/rules", token, body);
}

static bool has_word(const json_t *words, const char *w)
{
    size_t i;
    json_t *it;
    json_array_foreach(words, i, it)
    {
        if (strcmp(json_string_value(it), w) == 0)
            return true;
    }
    return false;
}

static void rules_are_data(void **state)
{
    (void)state;
    struct e2e_user admin;
    e2e_admin(&admin);
    /* the defaults installed by the migration are version 1 */
    assert_int_equal(e2e_db_int("SELECT COUNT(*) FROM pb_admin.platform_rules_history WHERE version = 1 AND "
                                "min_price_fen = 1000 AND max_price_fen = 500000 AND updated_by IS NULL AND "
                                "JSON_CONTAINS(banned_words, '\"虐待\"') AND JSON_CONTAINS(banned_words, '\"abuse\"')",
                                ""),
                     1);
    struct resp *r = e2e_call("GET", "/api/v1/admin/rules", admin.token, NULL);
    EXPECT_STATUS(r, 200);
    json_int_t version = e2e_int(r, "version");
    json_t *orig_words = json_deep_copy(e2e_get(r, "banned_words"));
    json_int_t orig_min = e2e_int(r, "min_price_fen"), orig_max = e2e_int(r, "max_price_fen");
    assert_non_null(e2e_str(r, "updated_at"));
    if (version == 1) { /* a fresh stack: exactly the defaults */
        const char *defaults[] = {"虐待", "违禁", "毒品", "abuse"};
        for (size_t i = 0; i < 4; i++)
            assert_true(has_word(orig_words, defaults[i]));
        assert_int_equal(orig_min, 1000);
        assert_int_equal(orig_max, 500000);
        assert_true(json_is_null(e2e_get(r, "updated_by")));
    }
    e2e_resp_free(r);

    /* replace them */
    json_t *words = json_deep_copy(orig_words);
    json_array_append_new(words, json_string("斗狗比赛"));
    r = put_rules(admin.token, json_pack("{s:O,s:i,s:i,s:I,s:s}", "banned_words", words, "min_price_fen", 2000,
                                         "max_price_fen", 300000, "version", version, "reason", "春节前调整"));
    EXPECT_STATUS(r, 200);
    assert_int_equal(e2e_int(r, "version"), version + 1);
    assert_int_equal(e2e_int(r, "min_price_fen"), 2000);
    assert_int_equal(e2e_int(r, "max_price_fen"), 300000);
    assert_string_equal(e2e_str(r, "updated_by"), admin.id);
    assert_true(has_word(e2e_get(r, "banned_words"), "斗狗比赛"));
    e2e_resp_free(r);
    r = e2e_call("GET", "/api/v1/admin/rules", admin.token, NULL);
    EXPECT_STATUS(r, 200);
    assert_int_equal(e2e_int(r, "version"), version + 1);
    assert_true(has_word(e2e_get(r, "banned_words"), "斗狗比赛"));
    assert_int_equal(e2e_int(r, "max_price_fen"), 300000);
    e2e_resp_free(r);
    assert_int_equal(e2e_db_int("SELECT COUNT(*) FROM pb_admin.platform_rules_history WHERE version = ? AND "
                                "max_price_fen = 300000 AND updated_by = CAST(? AS UNSIGNED)",
                                "is", (int64_t)(version + 1), admin.id),
                     1);
    /* writing over a version that is no longer current is a conflict */
    r = put_rules(admin.token, json_pack("{s:O,s:i,s:i,s:I}", "banned_words", words, "min_price_fen", 0,
                                         "max_price_fen", 1, "version", version));
    EXPECT_ERROR(r, 409, "conflict");
    assert_non_null(e2e_str(r, "error.fields.version"));
    e2e_resp_free(r);

    /* validation: each problem named by its field, nothing stored */
    struct {
        const char *body, *field;
        long status;
    } bad[] = {
        {"{\"banned_words\":[\"abuse\",\"abuse\"],\"min_price_fen\":1,\"max_price_fen\":2}", "banned_words", 422},
        {"{\"banned_words\":[\"Abuse\",\"aBUSE\"],\"min_price_fen\":1,\"max_price_fen\":2}", "banned_words", 422},
        {"{\"banned_words\":[\"123456789012345678901234567890123\"],\"min_price_fen\":1,\"max_price_fen\":2}",
         "banned_words", 422},
        {"{\"banned_words\":[\"\"],\"min_price_fen\":1,\"max_price_fen\":2}", "banned_words", 422},
        {"{\"banned_words\":[\" padded\"],\"min_price_fen\":1,\"max_price_fen\":2}", "banned_words", 422},
        {"{\"banned_words\":[],\"min_price_fen\":5000,\"max_price_fen\":4000}", "min_price_fen", 422},
        {"{\"banned_words\":[],\"min_price_fen\":-1,\"max_price_fen\":4000}", "min_price_fen", 422},
        {"{\"banned_words\":[],\"min_price_fen\":0,\"max_price_fen\":10000001}", "max_price_fen", 422},
        {"{\"banned_words\":[],\"min_price_fen\":0}", "max_price_fen", 422},
        {"{\"min_price_fen\":0,\"max_price_fen\":1}", "banned_words", 422},
        {"{\"banned_words\":[],\"min_price_fen\":0,\"max_price_fen\":1,\"updated_by\":\"1\"}", "updated_by", 422},
        {"{\"banned_words\":\"abuse\",\"min_price_fen\":0,\"max_price_fen\":1}", "banned_words", 400},
        {"{\"banned_words\":[1],\"min_price_fen\":0,\"max_price_fen\":1}", "banned_words", 400},
        {"{\"banned_words\":[],\"min_price_fen\":\"0\",\"max_price_fen\":1}", "min_price_fen", 400},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        r = e2e_call_raw("PUT", "/api/v1/admin/rules", admin.token, "application/json", bad[i].body,
                         strlen(bad[i].body), NULL);
        EXPECT_ERROR(r, bad[i].status, bad[i].status == 400 ? "bad_request" : "validation_failed");
        if (!json_object_get(e2e_get(r, "error.fields"), bad[i].field))
            fail_msg("%s: error.fields does not name %s: %s", bad[i].body, bad[i].field, r->body);
        e2e_resp_free(r);
    }
    json_t *many = json_array();
    for (int i = 0; i < 501; i++)
        json_array_append_new(many, json_sprintf("词%d", i));
    r = put_rules(admin.token, json_pack("{s:o,s:i,s:i}", "banned_words", many, "min_price_fen", 0, "max_price_fen", 1));
    EXPECT_ERROR(r, 422, "validation_failed");
    assert_non_null(e2e_str(r, "error.fields.banned_words"));
    e2e_resp_free(r);
    r = e2e_call_raw("PUT", "/api/v1/admin/rules", admin.token, "text/plain", "{}", 2, NULL);
    EXPECT_ERROR(r, 415, "unsupported_media_type");
    e2e_resp_free(r);
    r = e2e_call("GET", "/api/v1/admin/rules", admin.token, NULL);
    assert_int_equal(e2e_int(r, "version"), version + 1); /* unchanged by all that */
    e2e_resp_free(r);

    /* the audit log shows the change: who, why, what changed */
    r = e2e_call("GET", "/api/v1/admin/audit-log?target_type=rules&limit=1", admin.token, NULL);
    EXPECT_STATUS(r, 200);
    char vs[24];
    snprintf(vs, sizeof vs, "%lld", (long long)(version + 1));
    expect_entry(e2e_get(r, "items.0"), admin.id, "rules.update", "rules", vs, "春节前调整", "done");
    assert_non_null(strstr(e2e_str(r, "items.0.detail"), "斗狗比赛"));
    assert_non_null(strstr(e2e_str(r, "items.0.detail"), "price: 2000..300000 fen"));
    e2e_resp_free(r);

    /* put the original rules back (no version: last writer wins) */
    r = put_rules(admin.token, json_pack("{s:o,s:I,s:I}", "banned_words", orig_words, "min_price_fen", orig_min,
                                         "max_price_fen", orig_max));
    EXPECT_STATUS(r, 200);
    assert_int_equal(e2e_int(r, "version"), version + 2);
    e2e_resp_free(r);
    json_decref(words);
}

/* POST /internal/v1/rules/check: the boarding service's check of a listing write against the
 * current rules, on the fields given (no price given, no price rule). */
static void rules_check_for_listing_writes(void **state)
{
    (void)state;
    struct e2e_user admin;
    e2e_admin(&admin);
    struct resp *r = e2e_call("GET", "/api/v1/admin/rules", admin.token, NULL);
    EXPECT_STATUS(r, 200);
    json_int_t max = e2e_int(r, "max_price_fen"), version = e2e_int(r, "version");
    char word[160], title[200];
    snprintf(word, sizeof word, "%s", e2e_str(r, "banned_words.0"));
    e2e_resp_free(r);
    snprintf(title, sizeof title, "温馨%s小院", word);
    r = e2e_service("admin", "POST", "/internal/v1/rules/check",
                    json_pack("{s:s,s:I}", "title", title, "price_per_night_fen", max + 1));
    EXPECT_STATUS(r, 200);
    assert_int_equal(e2e_int(r, "rules_version"), version);
    assert_int_equal(json_array_size(e2e_get(r, "violations")), 2);
    assert_string_equal(e2e_str(r, "violations.0.rule"), "banned_word");
    assert_string_equal(e2e_str(r, "violations.1.rule"), "max_price");
    assert_non_null(e2e_str(r, "fields.title"));
    assert_non_null(e2e_str(r, "fields.price_per_night_fen"));
    e2e_resp_free(r);
    r = e2e_service("admin", "POST", "/internal/v1/rules/check", json_pack("{s:s}", "description", "安静整洁的小院"));
    EXPECT_STATUS(r, 200);
    assert_int_equal(json_array_size(e2e_get(r, "violations")), 0);
    assert_int_equal(json_object_size(e2e_get(r, "fields")), 0);
    e2e_resp_free(r);
    r = e2e_service("admin", "POST", "/internal/v1/rules/check", json_pack("{s:s}", "city", "北京"));
    EXPECT_ERROR(r, 422, "validation_failed");
    e2e_resp_free(r);
    r = e2e_service_raw("admin", "POST", "/internal/v1/rules/check", NULL, "application/json", "{}", 2, false);
    EXPECT_ERROR(r, 403, "forbidden");
    e2e_resp_free(r);
}

/* ---------- listings ---------- */

static void make_listing(const struct e2e_user *p, const char *city, const char *title, json_int_t price, char *id,
                         size_t cap)
{
    struct resp *r = e2e_call(
        "POST", "/api/v1/listings", p->token,
        json_pack("{s:s,s:s,s:s,s:s,s:s,s:f,s:f,s:[s],s:f,s:i,s:I,s:[],s:s,s:[]}", "title", title, "description",
                  "独立小院，每天遛狗两次，有监控", "city", city, "district", "西湖区", "address", "文三路 1 号", "lat",
                  30.27, "lng", 120.13, "species", "dog", "max_weight_kg", 30.0, "capacity", 3,
                  "price_per_night_fen", price, "amenities", "house_rules", "请提前一天沟通", "photos"));
    EXPECT_STATUS(r, 201);
    assert_string_equal(e2e_str(r, "status"), "pending_review");
    snprintf(id, cap, "%s", e2e_str(r, "id"));
    e2e_resp_free(r);
}

static const char *listing_status(const char *id, char *buf, size_t cap)
{
    char path[128];
    snprintf(path, sizeof path, "/internal/v1/listings/%s", id);
    struct resp *r = e2e_service("boarding", "GET", path, NULL);
    snprintf(buf, cap, "%s", r->status == 200 && e2e_str(r, "status") ? e2e_str(r, "status") : "?");
    e2e_resp_free(r);
    return buf;
}

struct search {
    const char *city, *id;
    bool want_visible;
};

/* Whether search by city shows (or hides) the listing as wanted. */
static bool search_matches(void *arg)
{
    struct search *s = arg;
    char esc[256], q[400];
    url_escape(s->city, esc, sizeof esc);
    snprintf(q, sizeof q, "/api/v1/listings?city=%s&limit=100", esc);
    struct resp *r = e2e_call("GET", q, NULL, NULL);
    bool seen = false;
    size_t i;
    json_t *it;
    json_array_foreach(e2e_get(r, "items"), i, it)
    {
        seen |= item_str(it, "id") && strcmp(item_str(it, "id"), s->id) == 0;
    }
    bool ok = r->status == 200 && seen == s->want_visible;
    e2e_resp_free(r);
    return ok;
}

/* Without the boarding service: listing decisions are refused as unavailable and audited as
 * failed; suspending a provider suspends the account but answers 503, and a repeat finishes. */
static void listings_without_boarding(const struct e2e_user *admin)
{
    struct resp *r = e2e_call("GET", "/api/v1/admin/reviews-queue?kind=listing", admin->token, NULL);
    EXPECT_ERROR(r, 503, "unavailable");
    assert_non_null(strstr(e2e_str(r, "error.message"), "boarding"));
    e2e_resp_free(r);
    char id[32];
    fake_id(id, sizeof id);
    r = decide(admin->token, "listings", id, "approve", NULL);
    EXPECT_ERROR(r, 503, "unavailable");
    e2e_resp_free(r);
    r = decide(admin->token, "listings", id, "reject", "含违禁内容");
    EXPECT_ERROR(r, 503, "unavailable");
    e2e_resp_free(r);
    r = audit_of(admin->token, id);
    expect_entry(e2e_get(r, "items.0"), admin->id, "listing.reject", "listing", id, "含违禁内容", "failed");
    assert_string_equal(e2e_str(r, "items.0.detail"), "boarding service did not answer");
    assert_true(json_is_null(e2e_get(r, "items.0.callee_status")));
    expect_entry(e2e_get(r, "items.1"), admin->id, "listing.approve", "listing", id, NULL, "failed");
    e2e_resp_free(r);

    struct e2e_user p;
    e2e_user_new(&p, "provider");
    r = decide(admin->token, "users", p.id, "suspend", "违规");
    EXPECT_ERROR(r, 503, "unavailable");
    assert_non_null(strstr(e2e_str(r, "error.message"), "repeat the request"));
    e2e_resp_free(r);
    login_expect(&p, 403); /* the account step happened */
    r = decide(admin->token, "users", p.id, "suspend", "违规");
    EXPECT_ERROR(r, 409, "conflict");
    e2e_resp_free(r);
    r = audit_of(admin->token, p.id);
    expect_entry(e2e_get(r, "items.0"), admin->id, "user.suspend", "user", p.id, "违规", "failed");
    expect_entry(e2e_get(r, "items.1"), admin->id, "user.suspend", "user", p.id, "违规", "failed");
    assert_non_null(strstr(e2e_str(r, "items.1.detail"), "status now suspended; boarding service did not answer"));
    e2e_resp_free(r);
    r = decide(admin->token, "users", p.id, "reinstate", NULL);
    EXPECT_ERROR(r, 503, "unavailable");
    e2e_resp_free(r);
    login_expect(&p, 200);
}

static void listing_review_flow(void **state)
{
    (void)state;
    struct e2e_user admin, p;
    e2e_admin(&admin);
    require_boarding();
    /* rules known to this test */
    struct resp *r = e2e_call("GET", "/api/v1/admin/rules", admin.token, NULL);
    json_t *orig = json_deep_copy(r->json);
    e2e_resp_free(r);
    r = put_rules(admin.token, json_pack("{s:[s],s:i,s:i}", "banned_words", "毒品", "min_price_fen", 100,
                                         "max_price_fen", 500000));
    EXPECT_STATUS(r, 200);
    e2e_resp_free(r);

    /* an approved provider lists a clean place and one the rules then come to forbid (a write
     * outside the rules is refused when made: e2e_listings) */
    e2e_user_new(&p, "provider");
    r = decide(admin.token, "providers", p.id, "approve", "资料齐全");
    EXPECT_STATUS(r, 200);
    e2e_resp_free(r);
    char city[64], good[32], bad[32], st[32];
    e2e_unique_name(city, sizeof city, "城");
    make_listing(&p, city, "阳光小院寄养", 12000, good, sizeof good);
    make_listing(&p, city, "便宜！绝不虐待 NO ABUSE", 500, bad, sizeof bad);
    r = put_rules(admin.token, json_pack("{s:[s,s,s],s:i,s:i}", "banned_words", "虐待", "abuse", "毒品",
                                         "min_price_fen", 1000, "max_price_fen", 500000));
    EXPECT_STATUS(r, 200);
    e2e_resp_free(r);

    /* both wait in the queue; the bad one says why it cannot be approved */
    json_t *g = queue_find(admin.token, "listing", good, 3);
    assert_non_null(g);
    assert_int_equal(json_array_size(json_object_get(g, "rule_violations")), 0);
    assert_string_equal(item_str(g, "provider_id"), p.id);
    json_decref(g);
    json_t *b = queue_find(admin.token, "listing", bad, 3);
    assert_non_null(b);
    json_t *v = json_object_get(b, "rule_violations");
    assert_int_equal(json_array_size(v), 3); /* 虐待, abuse, price */
    size_t i;
    json_t *it;
    int words = 0, price = 0;
    json_array_foreach(v, i, it)
    {
        words += strcmp(item_str(it, "rule"), "banned_word") == 0 && strcmp(item_str(it, "field"), "title") == 0;
        price += strcmp(item_str(it, "rule"), "min_price") == 0;
        assert_non_null(item_str(it, "detail"));
    }
    assert_int_equal(words, 2);
    assert_int_equal(price, 1);
    json_decref(b);

    /* approving the bad one is refused with every broken rule; it stays pending */
    r = decide(admin.token, "listings", bad, "approve", "看起来不错");
    EXPECT_ERROR(r, 409, "conflict");
    assert_non_null(e2e_str(r, "error.fields.title"));
    assert_non_null(e2e_str(r, "error.fields.price_per_night_fen"));
    assert_int_equal(json_array_size(e2e_get(r, "error.violations")), 3);
    e2e_resp_free(r);
    assert_string_equal(listing_status(bad, st, sizeof st), "pending_review");
    /* rejecting needs a reason */
    r = decide(admin.token, "listings", bad, "reject", NULL);
    EXPECT_ERROR(r, 422, "validation_failed");
    assert_string_equal(e2e_str(r, "error.fields.reason"), "is required");
    e2e_resp_free(r);
    r = decide(admin.token, "listings", bad, "reject", "标题含违规词，价格过低");
    EXPECT_STATUS(r, 200);
    assert_string_equal(e2e_str(r, "status"), "rejected");
    e2e_resp_free(r);
    assert_string_equal(listing_status(bad, st, sizeof st), "rejected");
    assert_null(queue_find(admin.token, "listing", bad, 50));

    /* the clean one is approved and published; twice is the boarding service's 409 */
    r = decide(admin.token, "listings", good, "approve", NULL);
    EXPECT_STATUS(r, 200);
    assert_string_equal(e2e_str(r, "status"), "published");
    e2e_resp_free(r);
    assert_null(queue_find(admin.token, "listing", good, 50));
    r = decide(admin.token, "listings", good, "approve", NULL);
    EXPECT_ERROR(r, 409, "conflict");
    e2e_resp_free(r);
    char unknown[32];
    fake_id(unknown, sizeof unknown);
    r = decide(admin.token, "listings", unknown, "approve", NULL);
    EXPECT_ERROR(r, 404, "not_found");
    e2e_resp_free(r);
    struct search s = {city, good, true};
    assert_true(e2e_eventually(search_matches, &s, 10000));

    /* suspending the provider hides the listing; reinstating shows it again */
    r = decide(admin.token, "users", p.id, "suspend", "投诉较多，暂停营业");
    EXPECT_STATUS(r, 200);
    assert_string_equal(e2e_str(r, "status"), "suspended");
    assert_true(e2e_int(r, "listings_affected") >= 1);
    e2e_resp_free(r);
    s.want_visible = false;
    assert_true(e2e_eventually(search_matches, &s, 10000));
    r = decide(admin.token, "users", p.id, "reinstate", "核实无误");
    EXPECT_STATUS(r, 200);
    assert_string_equal(e2e_str(r, "status"), "active");
    e2e_resp_free(r);
    s.want_visible = true;
    assert_true(e2e_eventually(search_matches, &s, 10000));

    /* the audit trail of each */
    r = audit_of(admin.token, bad);
    assert_int_equal(json_array_size(e2e_get(r, "items")), 2);
    expect_entry(e2e_get(r, "items.0"), admin.id, "listing.reject", "listing", bad, "标题含违规词，价格过低", "done");
    expect_entry(e2e_get(r, "items.1"), admin.id, "listing.approve", "listing", bad, "看起来不错", "failed");
    assert_non_null(strstr(e2e_str(r, "items.1.detail"), "refused: breaks platform rules"));
    e2e_resp_free(r);
    r = audit_of(admin.token, good);
    expect_entry(e2e_get(r, "items.0"), admin.id, "listing.approve", "listing", good, NULL, "failed");
    expect_entry(e2e_get(r, "items.1"), admin.id, "listing.approve", "listing", good, NULL, "done");
    e2e_resp_free(r);
    r = audit_of(admin.token, p.id);
    expect_entry(e2e_get(r, "items.0"), admin.id, "user.reinstate", "user", p.id, "核实无误", "done");
    expect_entry(e2e_get(r, "items.1"), admin.id, "user.suspend", "user", p.id, "投诉较多，暂停营业", "done");
    assert_non_null(strstr(e2e_str(r, "items.1.detail"), "listings affected"));
    e2e_resp_free(r);

    r = put_rules(admin.token, json_pack("{s:O,s:O,s:O}", "banned_words", json_object_get(orig, "banned_words"),
                                         "min_price_fen", json_object_get(orig, "min_price_fen"), "max_price_fen",
                                         json_object_get(orig, "max_price_fen")));
    EXPECT_STATUS(r, 200);
    e2e_resp_free(r);
    json_decref(orig);
}

/* ---------- the audit log ---------- */

/* a < b for decimal id strings */
static int id_cmp(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    return la != lb ? (la < lb ? -1 : 1) : strcmp(a, b);
}

static void audit_log_pages(void **state)
{
    (void)state;
    struct e2e_user admin;
    e2e_admin(&admin);
    /* a fresh decision is the newest entry */
    char id[32];
    fake_id(id, sizeof id);
    struct resp *r = decide(admin.token, "users", id, "suspend", "最新");
    EXPECT_ERROR(r, 404, "not_found");
    e2e_resp_free(r);
    r = e2e_call("GET", "/api/v1/admin/audit-log?limit=1", admin.token, NULL);
    EXPECT_STATUS(r, 200);
    assert_int_equal(json_array_size(e2e_get(r, "items")), 1);
    expect_entry(e2e_get(r, "items.0"), admin.id, "user.suspend", "user", id, "最新", "failed");
    e2e_resp_free(r);

    /* walk everything this admin decided, three per page, while new decisions arrive: no
     * entry twice, strictly newest first, and the new ones do not leak into later pages */
    json_t *seen = json_object();
    char cursor[64] = "", last_id[32] = "", last_at[40] = "", first_id[32] = "";
    int pages = 0;
    for (;;) {
        char q[256];
        snprintf(q, sizeof q, "/api/v1/admin/audit-log?actor_id=%s&limit=3%s%s", admin.id, cursor[0] ? "&cursor=" : "",
                 cursor);
        r = e2e_call("GET", q, admin.token, NULL);
        EXPECT_STATUS(r, 200);
        size_t i;
        json_t *it;
        json_array_foreach(e2e_get(r, "items"), i, it)
        {
            const char *eid = item_str(it, "id");
            assert_null(json_object_get(seen, eid));
            json_object_set_new(seen, eid, json_true());
            if (!first_id[0])
                snprintf(first_id, sizeof first_id, "%s", eid);
            if (last_id[0]) {
                assert_true(id_cmp(eid, last_id) < 0);
                assert_true(strcmp(item_str(it, "created_at"), last_at) <= 0);
            }
            snprintf(last_id, sizeof last_id, "%s", eid);
            snprintf(last_at, sizeof last_at, "%s", item_str(it, "created_at"));
            assert_string_equal(item_str(it, "actor_id"), admin.id);
            const char *o = item_str(it, "outcome");
            assert_true(strcmp(o, "done") == 0 || strcmp(o, "failed") == 0);
        }
        assert_true(json_array_size(e2e_get(r, "items")) <= 3);
        const char *next = e2e_str(r, "next_cursor");
        snprintf(cursor, sizeof cursor, "%s", next ? next : "");
        e2e_resp_free(r);
        if (++pages == 1) { /* a decision made mid-walk */
            struct resp *d = decide(admin.token, "providers", id, "approve", NULL);
            EXPECT_ERROR(d, 404, "not_found");
            e2e_resp_free(d);
        }
        if (!cursor[0])
            break;
        assert_true(pages < 2000);
    }
    /* exactly the entries that existed when the walk started */
    assert_true(json_object_size(seen) >= 2);
    assert_int_equal((long long)json_object_size(seen),
                     e2e_db_int("SELECT COUNT(*) FROM pb_admin.audit_log WHERE actor_id = CAST(? AS UNSIGNED) AND "
                                "id <= CAST(? AS UNSIGNED)",
                                "ss", admin.id, first_id));
    json_decref(seen);

    /* filters and bad parameters */
    r = e2e_call("GET", "/api/v1/admin/audit-log?target_type=user&limit=100", admin.token, NULL);
    EXPECT_STATUS(r, 200);
    size_t i;
    json_t *it;
    json_array_foreach(e2e_get(r, "items"), i, it)
    {
        assert_string_equal(item_str(it, "target_type"), "user");
    }
    e2e_resp_free(r);
    const char *bad[] = {"target_type=pets", "actor_id=abc", "cursor=xyz", "limit=0", "limit=101", "target_id=1;x"};
    const char *fields[] = {"target_type", "actor_id", "cursor", "limit", "limit", "target_id"};
    for (size_t k = 0; k < sizeof bad / sizeof *bad; k++) {
        char q[128];
        snprintf(q, sizeof q, "/api/v1/admin/audit-log?%s", bad[k]);
        r = e2e_call("GET", q, admin.token, NULL);
        EXPECT_ERROR(r, 422, "validation_failed");
        assert_non_null(json_object_get(e2e_get(r, "error.fields"), fields[k]));
        e2e_resp_free(r);
    }
    /* nothing was left half-done: every entry is finished */
    assert_int_equal(e2e_db_int("SELECT COUNT(*) FROM pb_admin.audit_log WHERE outcome = 'requested'", ""), 0);
}

/* ---------- the account list ---------- */

#define SEARCH_MAX 24

/* Register an account (201 expected); its id into id (24 bytes). */
static void account_new(const char *name, const char *role, const char *phone, const char *email, char *id)
{
    json_t *b = json_pack("{s:s,s:s,s:s,s:s}", "username", name, "password", "pw-search-secret-1", "role", role,
                          "display_name", "搜索测试");
    if (phone)
        json_object_set_new(b, "phone", json_string(phone));
    if (email)
        json_object_set_new(b, "email", json_string(email));
    struct resp *r = e2e_call("POST", "/api/v1/auth/register", NULL, b);
    EXPECT_STATUS(r, 201);
    assert_non_null(e2e_str(r, "id")); /* the answer is the new account itself */
    snprintf(id, 24, "%s", e2e_str(r, "id"));
    e2e_resp_free(r);
}

/* Walk every page of /api/v1/admin/users?<query> with this limit: each page at most limit
 * items of exactly the documented fields, no account twice, newest first throughout. The
 * ids found, in order, go to ids; returns their number. */
static size_t users_walk(const char *token, const char *query, int limit, char ids[][24], size_t max)
{
    static const char *const FIELDS[] = {"id",           "username", "role",  "status",     "status_reason",
                                         "display_name", "phone",    "email", "created_at", NULL};
    char cursor[160] = "", esc[512], last_at[40] = "", last_id[24] = "";
    size_t n = 0;
    for (int page = 0; page < 1000; page++) {
        char q[1024];
        url_escape(cursor, esc, sizeof esc);
        snprintf(q, sizeof q, "/api/v1/admin/users?%s&limit=%d%s%s", query, limit, cursor[0] ? "&cursor=" : "", esc);
        struct resp *r = e2e_call("GET", q, token, NULL);
        EXPECT_STATUS(r, 200);
        json_t *items = e2e_get(r, "items");
        assert_true(json_array_size(items) <= (size_t)limit);
        size_t i;
        json_t *it;
        json_array_foreach(items, i, it)
        {
            size_t nf = 0;
            for (; FIELDS[nf]; nf++)
                assert_non_null(json_object_get(it, FIELDS[nf]));
            assert_int_equal(json_object_size(it), nf);
            const char *id = item_str(it, "id"), *at = item_str(it, "created_at");
            for (size_t k = 0; k < n; k++)
                assert_string_not_equal(ids[k], id); /* never twice */
            if (last_id[0]) /* newest first: (created_at, id) never grows */
                assert_true(strcmp(at, last_at) < 0 || (strcmp(at, last_at) == 0 && id_cmp(id, last_id) < 0));
            snprintf(last_at, sizeof last_at, "%s", at);
            snprintf(last_id, sizeof last_id, "%s", id);
            assert_true(n < max);
            snprintf(ids[n++], 24, "%s", id);
        }
        size_t shown = json_array_size(items);
        const char *next = e2e_str(r, "next_cursor");
        snprintf(cursor, sizeof cursor, "%s", next ? next : "");
        e2e_resp_free(r);
        if (!cursor[0])
            return n;
        assert_true(shown > 0); /* a page that promises more is never empty */
    }
    fail_msg("more than 1000 pages");
    return n;
}

/* The ids of a search must be exactly want (in any order: the walk checks the order). */
static void expect_ids(char got[][24], size_t ngot, char want[][24], size_t nwant, const char *what)
{
    if (ngot != nwant)
        fail_msg("%s: %zu accounts found, %zu expected", what, ngot, nwant);
    for (size_t i = 0; i < nwant; i++) {
        bool found = false;
        for (size_t k = 0; k < ngot && !found; k++)
            found = strcmp(got[k], want[i]) == 0;
        if (!found)
            fail_msg("%s: account %s not found", what, want[i]);
    }
}

struct account {
    char id[24], name[64];
    const char *role;
};

static void users_search_filters_and_pages(void **state)
{
    (void)state;
    struct e2e_user admin, owner;
    e2e_admin(&admin);
    e2e_user_new(&owner, "owner");
    long long shards = e2e_db_int("SELECT v FROM pb_user.schema_meta WHERE k = 'shards'", "");
    assert_true(shards >= 2);
    /* accounts named <base><suffix>: owners and providers, one with a phone, one with an
     * email, one with an underscore; registered until they span at least two shards */
    char base[40], lower[40], phone[24], email[96], emailq[96], decoy[64], decoy_id[24];
    e2e_unique_name(base, sizeof base, "SrCh");
    for (size_t i = 0; i <= strlen(base); i++)
        lower[i] = (char)tolower((unsigned char)base[i]);
    snprintf(phone, sizeof phone, "+86%011lld", (e2e_now_ms() * 7 + getpid()) % 100000000000LL);
    snprintf(email, sizeof email, "%s@Example.com", lower);
    for (size_t i = 0; i <= strlen(email); i++)
        emailq[i] = (char)toupper((unsigned char)email[i]);
    struct account a[SEARCH_MAX] = {0};
    size_t n = 0;
    unsigned shard_mask = 0;
    static const char *const SUFFIX[] = {"a", "b", "_u", "c", "d", "e", "f"};
    static const char *const ROLE[] = {"owner", "owner", "owner", "provider", "provider", "owner", "provider"};
    while (n < SEARCH_MAX && (n < 7 || __builtin_popcount(shard_mask) < 2)) {
        snprintf(a[n].name, sizeof a[n].name, "%s%s%zu", base, n < 7 ? SUFFIX[n] : "x", n);
        a[n].role = n < 7 ? ROLE[n] : "owner";
        account_new(a[n].name, a[n].role, n == 5 ? phone : NULL, n == 6 ? email : NULL, a[n].id);
        shard_mask |= 1u << ids_shard(strtoull(a[n].id, NULL, 10), (unsigned)shards);
        n++;
    }
    assert_true(__builtin_popcount(shard_mask) >= 2);
    snprintf(decoy, sizeof decoy, "x%s", base); /* holds the prefix, but not at the start */
    account_new(decoy, "owner", NULL, NULL, decoy_id);
    char all[SEARCH_MAX][24], got[SEARCH_MAX][24], want[SEARCH_MAX][24], q[256];
    for (size_t i = 0; i < n; i++)
        snprintf(all[i], 24, "%s", a[i].id);

    /* a username prefix, in any letter case: exactly these accounts, one page or one per page */
    snprintf(q, sizeof q, "q=%s", lower);
    size_t ng = users_walk(admin.token, q, 100, got, SEARCH_MAX);
    expect_ids(got, ng, all, n, "q=prefix");
    char paged[SEARCH_MAX][24];
    assert_int_equal(users_walk(admin.token, q, 1, paged, SEARCH_MAX), ng);
    for (size_t i = 0; i < ng; i++)
        assert_string_equal(paged[i], got[i]); /* the same order, page by page */
    assert_string_equal(got[0], a[n - 1].id);  /* newest first */
    assert_int_equal(users_walk(admin.token, q, 3, paged, SEARCH_MAX), ng);
    /* the accounts carry their fields */
    snprintf(q, sizeof q, "/api/v1/admin/users?q=%s&limit=100", lower);
    struct resp *r = e2e_call("GET", q, admin.token, NULL);
    EXPECT_STATUS(r, 200);
    size_t i;
    json_t *it;
    json_array_foreach(e2e_get(r, "items"), i, it)
    {
        if (strcmp(item_str(it, "id"), a[5].id) == 0)
            assert_string_equal(item_str(it, "phone"), phone);
        if (strcmp(item_str(it, "id"), a[6].id) == 0) {
            assert_string_equal(item_str(it, "email"), email);
            assert_string_equal(item_str(it, "role"), "provider");
            assert_string_equal(item_str(it, "status"), "pending_review");
        }
        if (strcmp(item_str(it, "id"), a[0].id) == 0) {
            assert_string_equal(item_str(it, "username"), a[0].name);
            assert_string_equal(item_str(it, "display_name"), "搜索测试");
            assert_true(json_is_null(json_object_get(it, "status_reason")));
            assert_true(json_is_null(json_object_get(it, "phone")));
        }
    }
    e2e_resp_free(r);
    /* LIKE's wildcards are plain characters: "_" finds only the name with an underscore */
    char esc[128];
    snprintf(q, sizeof q, "%s_", base);
    url_escape(q, esc, sizeof esc);
    snprintf(q, sizeof q, "q=%s", esc);
    ng = users_walk(admin.token, q, 100, got, SEARCH_MAX);
    snprintf(want[0], 24, "%s", a[2].id);
    expect_ids(got, ng, want, 1, "q=prefix_");
    snprintf(q, sizeof q, "%s%%", base);
    url_escape(q, esc, sizeof esc);
    snprintf(q, sizeof q, "q=%s", esc);
    assert_int_equal(users_walk(admin.token, q, 100, got, SEARCH_MAX), 0);
    /* an exact phone or email (in any case) */
    url_escape(phone, esc, sizeof esc);
    snprintf(q, sizeof q, "q=%s", esc);
    ng = users_walk(admin.token, q, 100, got, SEARCH_MAX);
    snprintf(want[0], 24, "%s", a[5].id);
    expect_ids(got, ng, want, 1, "q=phone");
    url_escape(emailq, esc, sizeof esc);
    snprintf(q, sizeof q, "q=%s", esc);
    ng = users_walk(admin.token, q, 100, got, SEARCH_MAX);
    snprintf(want[0], 24, "%s", a[6].id);
    expect_ids(got, ng, want, 1, "q=email");
    snprintf(q, sizeof q, "q=%s&role=provider", esc);
    assert_int_equal(users_walk(admin.token, q, 100, got, SEARCH_MAX), 1);
    snprintf(q, sizeof q, "q=%s&role=owner", esc);
    assert_int_equal(users_walk(admin.token, q, 100, got, SEARCH_MAX), 0);

    /* role and status filters, alone and together, paged one by one */
    size_t nw = 0;
    for (size_t k = 0; k < n; k++)
        if (strcmp(a[k].role, "provider") == 0)
            snprintf(want[nw++], 24, "%s", a[k].id);
    snprintf(q, sizeof q, "q=%s&role=provider", lower);
    ng = users_walk(admin.token, q, 1, got, SEARCH_MAX);
    expect_ids(got, ng, want, nw, "role=provider");
    snprintf(q, sizeof q, "q=%s&role=provider&status=pending_review", lower);
    ng = users_walk(admin.token, q, 1, got, SEARCH_MAX);
    expect_ids(got, ng, want, nw, "role=provider&status=pending_review");
    char path[128];
    snprintf(path, sizeof path, "/internal/v1/users/%s/approve", a[3].id);
    r = e2e_service("user", "POST", path, json_pack("{}"));
    EXPECT_STATUS(r, 200);
    e2e_resp_free(r);
    r = decide(admin.token, "users", a[1].id, "suspend", "刷单");
    EXPECT_STATUS(r, 200);
    e2e_resp_free(r);
    snprintf(q, sizeof q, "q=%s&status=active&role=provider", lower);
    ng = users_walk(admin.token, q, 1, got, SEARCH_MAX);
    snprintf(want[0], 24, "%s", a[3].id);
    expect_ids(got, ng, want, 1, "status=active&role=provider");
    snprintf(q, sizeof q, "/api/v1/admin/users?q=%s&status=suspended", lower);
    r = e2e_call("GET", q, admin.token, NULL);
    EXPECT_STATUS(r, 200);
    assert_int_equal(json_array_size(e2e_get(r, "items")), 1);
    assert_string_equal(e2e_str(r, "items.0.id"), a[1].id);
    assert_string_equal(e2e_str(r, "items.0.status"), "suspended");
    assert_string_equal(e2e_str(r, "items.0.status_reason"), "刷单");
    assert_true(json_is_null(e2e_get(r, "next_cursor")));
    e2e_resp_free(r);
    nw = 0;
    for (size_t k = 0; k < n; k++)
        if (strcmp(a[k].role, "owner") == 0)
            snprintf(want[nw++], 24, "%s", a[k].id);
    snprintf(q, sizeof q, "q=%s&role=owner", lower);
    ng = users_walk(admin.token, q, 2, got, SEARCH_MAX);
    expect_ids(got, ng, want, nw, "role=owner");
    /* without q: every account, newest first; the newest are the ones just made */
    r = e2e_call("GET", "/api/v1/admin/users?limit=2", admin.token, NULL);
    EXPECT_STATUS(r, 200);
    assert_int_equal(json_array_size(e2e_get(r, "items")), 2);
    assert_non_null(e2e_str(r, "next_cursor"));
    e2e_resp_free(r);

    /* admins only */
    snprintf(q, sizeof q, "/api/v1/admin/users?q=%s", lower);
    r = e2e_call("GET", q, owner.token, NULL);
    EXPECT_ERROR(r, 403, "forbidden");
    e2e_resp_free(r);
    r = e2e_call("GET", q, NULL, NULL);
    EXPECT_ERROR(r, 401, "unauthenticated");
    e2e_resp_free(r);
    /* every bad value names its parameter (the cursor is the user service's to judge) */
    char longq[300];
    memset(longq, 'a', 255);
    longq[255] = 0;
    const char *bad[] = {"q=", NULL, "role=cat", "status=gone", "limit=0", "limit=101", "limit=x", "cursor=", "cursor=xyz",
                         "cursor=1.2.3"};
    const char *fields[] = {"q", "q", "role", "status", "limit", "limit", "limit", "cursor", "cursor", "cursor"};
    for (size_t k = 0; k < sizeof bad / sizeof *bad; k++) {
        char bq[512];
        snprintf(bq, sizeof bq, "/api/v1/admin/users?%s%s", bad[k] ? bad[k] : "q=", bad[k] ? "" : longq);
        r = e2e_call("GET", bq, admin.token, NULL);
        EXPECT_ERROR(r, 422, "validation_failed");
        if (!e2e_field_error(r, fields[k]))
            fail_msg("%s: no error on %s: %s", bq, fields[k], r->body);
        e2e_resp_free(r);
    }
    /* the user service down: 503 naming it, and back */
    e2e_stack_service("user", "stop", NULL);
    r = e2e_call("GET", q, admin.token, NULL);
    EXPECT_ERROR(r, 503, "unavailable");
    assert_non_null(strstr(e2e_str(r, "error.message"), "user"));
    e2e_resp_free(r);
    e2e_stack_service("user", "start", NULL);
    r = e2e_call("GET", q, admin.token, NULL);
    EXPECT_STATUS(r, 200);
    e2e_resp_free(r);
}

/* The boarding service stopped on purpose: listing decisions and suspensions degrade as
 * listings_without_boarding says; the service is started again for what follows. */
static void decisions_while_boarding_is_stopped(void **state)
{
    (void)state;
    struct e2e_user admin;
    e2e_admin(&admin);
    require_boarding();
    e2e_stack_service("boarding", "stop", NULL);
    listings_without_boarding(&admin);
    e2e_stack_service("boarding", "start", NULL);
    assert_true(e2e_eventually(boarding_runs, NULL, 10000));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_endpoint_is_for_admins_only),
        cmocka_unit_test(provider_review_flow),
        cmocka_unit_test(provider_verification_in_the_queue),
        cmocka_unit_test(suspension_flow),
        cmocka_unit_test(rules_are_data),
        cmocka_unit_test(rules_check_for_listing_writes),
        cmocka_unit_test(listing_review_flow),
        cmocka_unit_test(audit_log_pages),
        cmocka_unit_test(users_search_filters_and_pages),
        cmocka_unit_test(decisions_while_boarding_is_stopped),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
