/* Accounts through the gateway: registration, login (by username, phone, email), tokens
 * (refresh rotation, replay detection, logout), profiles (own, public, edits), suspension,
 * and a provider's verification documents (who may submit them, who sees them). */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct resp *get_me(const char *token) { return e2e_call("GET", "/api/v1/users/me", token, NULL); }

static void register_owner_and_provider(void **state)
{
    (void)state;
    char name[64];
    e2e_unique_name(name, sizeof name, "reg");
    struct resp *r = e2e_call("POST", "/api/v1/auth/register", NULL,
                              json_pack("{s:s,s:s,s:s,s:s}", "username", name, "password", "correct horse 1",
                                        "role", "owner", "display_name", "小明"));
    EXPECT_STATUS(r, 201);
    assert_string_equal(e2e_str(r, "username"), name);
    assert_string_equal(e2e_str(r, "role"), "owner");
    assert_string_equal(e2e_str(r, "status"), "active");
    assert_string_equal(e2e_str(r, "display_name"), "小明");
    assert_non_null(e2e_str(r, "id"));
    assert_non_null(e2e_str(r, "created_at"));
    assert_null(e2e_get(r, "password_hash"));
    assert_null(e2e_get(r, "password"));
    assert_non_null(strstr(r->location, e2e_str(r, "id")));
    assert_true(r->request_id[0] != 0);
    e2e_resp_free(r);

    struct e2e_user p;
    e2e_user_new(&p, "provider");
    r = get_me(p.token);
    EXPECT_STATUS(r, 200);
    assert_string_equal(e2e_str(r, "status"), "pending_review");
    assert_string_equal(e2e_str(r, "role"), "provider");
    e2e_resp_free(r);

    /* the same username again, in another letter case: one account per name */
    for (char *c = name; *c; c++)
        if (*c >= 'a' && *c <= 'z')
            *c = (char)(*c - 'a' + 'A');
    r = e2e_call("POST", "/api/v1/auth/register", NULL,
                 json_pack("{s:s,s:s,s:s,s:s}", "username", name, "password", "another pass 2", "role", "owner",
                           "display_name", "x"));
    EXPECT_ERROR(r, 409, "conflict");
    assert_string_equal(e2e_str(r, "error.fields.username"), "is already taken");
    e2e_resp_free(r);

    /* nobody registers as admin */
    e2e_unique_name(name, sizeof name, "adm");
    r = e2e_call("POST", "/api/v1/auth/register", NULL,
                 json_pack("{s:s,s:s,s:s,s:s}", "username", name, "password", "correct horse 1", "role", "admin",
                           "display_name", "x"));
    EXPECT_ERROR(r, 422, "validation_failed");
    assert_non_null(e2e_str(r, "error.fields.role"));
    e2e_resp_free(r);
}

static void login_variants_and_failures(void **state)
{
    (void)state;
    char name[64], phone[20], email[80];
    e2e_unique_name(name, sizeof name, "log");
    snprintf(phone, sizeof phone, "+86139%08lld", e2e_now_ms() % 100000000);
    snprintf(email, sizeof email, "%s@Example.com", name);
    struct resp *r = e2e_call("POST", "/api/v1/auth/register", NULL,
                              json_pack("{s:s,s:s,s:s,s:s,s:s,s:s}", "username", name, "password", "pass word 9", "role",
                                        "owner", "display_name", "登录", "phone", phone, "email", email));
    EXPECT_STATUS(r, 201);
    e2e_resp_free(r);
    const char *names[] = {name, phone, email};
    for (int i = 0; i < 3; i++) {
        r = e2e_call("POST", "/api/v1/auth/login", NULL, json_pack("{s:s,s:s}", "username", names[i], "password", "pass word 9"));
        EXPECT_STATUS(r, 200);
        assert_string_equal(e2e_str(r, "user.username"), name);
        assert_string_equal(e2e_str(r, "token_type"), "Bearer");
        assert_true(e2e_int(r, "expires_in") > 0);
        assert_non_null(e2e_str(r, "refresh_token"));
        e2e_resp_free(r);
    }
    /* email login ignores case */
    char upper[80];
    snprintf(upper, sizeof upper, "%s", email);
    for (char *c = upper; *c; c++)
        if (*c >= 'a' && *c <= 'z')
            *c = (char)(*c - 'a' + 'A');
    r = e2e_call("POST", "/api/v1/auth/login", NULL, json_pack("{s:s,s:s}", "username", upper, "password", "pass word 9"));
    EXPECT_STATUS(r, 200);
    e2e_resp_free(r);
    /* wrong password and unknown user look the same */
    r = e2e_call("POST", "/api/v1/auth/login", NULL, json_pack("{s:s,s:s}", "username", name, "password", "nope nope"));
    EXPECT_ERROR(r, 401, "unauthenticated");
    struct resp *r2 = e2e_call("POST", "/api/v1/auth/login", NULL,
                               json_pack("{s:s,s:s}", "username", "no-such-user-xyz", "password", "nope nope"));
    EXPECT_ERROR(r2, 401, "unauthenticated");
    assert_string_equal(e2e_str(r, "error.message"), e2e_str(r2, "error.message"));
    e2e_resp_free(r);
    e2e_resp_free(r2);
}

static long login_status(const struct e2e_user *u, const char *password, char *retry_after, size_t cap)
{
    struct resp *r = e2e_call("POST", "/api/v1/auth/login", NULL,
                              json_pack("{s:s,s:s}", "username", u->username, "password", password));
    long st = r->status;
    if (st == 429)
        EXPECT_ERROR(r, 429, "rate_limited");
    else if (st != 200)
        EXPECT_ERROR(r, 401, "unauthenticated");
    if (retry_after)
        snprintf(retry_after, cap, "%s", r->retry_after);
    e2e_resp_free(r);
    return st;
}

/* Failures lock the pair (login name, client address), never the name: the gateway passes
 * the address it sees, so the test calls from distinct loopback addresses. */
static void login_is_throttled_per_name_and_address(void **state)
{
    (void)state;
    struct e2e_user u, other;
    char after[32];
    e2e_user_new(&u, "owner");
    e2e_user_new(&other, "owner");
    e2e_source_ip("127.0.0.41"); /* X, the one guessing */
    for (int i = 0; i < 5; i++)
        assert_int_equal(login_status(&u, "wrong-pass", NULL, 0), 401);
    /* X now waits, even with the right password, and is told how long (30 s at first) */
    assert_int_equal(login_status(&u, "wrong-pass", after, sizeof after), 429);
    assert_int_equal(login_status(&u, u.password, after, sizeof after), 429);
    assert_true(atoi(after) >= 1 && atoi(after) <= 30);
    /* X may still log in to other accounts */
    assert_int_equal(login_status(&other, other.password, NULL, 0), 200);
    /* Y, the owner elsewhere, is not locked out */
    e2e_source_ip("127.0.0.42");
    assert_int_equal(login_status(&u, u.password, NULL, 0), 200);
    /* nor is a Y that got it wrong a few times first */
    for (int i = 0; i < 4; i++)
        assert_int_equal(login_status(&u, "wrong-pass", NULL, 0), 401);
    assert_int_equal(login_status(&u, u.password, NULL, 0), 200);
    /* and Y's success does not free X */
    e2e_source_ip("127.0.0.41");
    assert_int_equal(login_status(&u, u.password, NULL, 0), 429);
    e2e_source_ip(NULL);
}

static void refresh_rotates_and_replay_burns_the_session(void **state)
{
    (void)state;
    struct e2e_user u;
    e2e_user_new(&u, "owner");
    char first[96];
    snprintf(first, sizeof first, "%s", u.refresh);
    struct resp *r = e2e_call("POST", "/api/v1/auth/refresh", NULL, json_pack("{s:s}", "refresh_token", first));
    EXPECT_STATUS(r, 200);
    const char *second = e2e_str(r, "refresh_token");
    assert_string_not_equal(second, first);
    char second_copy[96], access2[2048];
    snprintf(second_copy, sizeof second_copy, "%s", second);
    snprintf(access2, sizeof access2, "%s", e2e_str(r, "access_token"));
    e2e_resp_free(r);
    r = get_me(access2);
    EXPECT_STATUS(r, 200);
    e2e_resp_free(r);
    /* replaying the spent token: refused, and the whole session dies */
    r = e2e_call("POST", "/api/v1/auth/refresh", NULL, json_pack("{s:s}", "refresh_token", first));
    EXPECT_ERROR(r, 401, "unauthenticated");
    e2e_resp_free(r);
    r = e2e_call("POST", "/api/v1/auth/refresh", NULL, json_pack("{s:s}", "refresh_token", second_copy));
    EXPECT_ERROR(r, 401, "unauthenticated");
    e2e_resp_free(r);
    r = get_me(access2);
    EXPECT_ERROR(r, 401, "unauthenticated");
    e2e_resp_free(r);
    /* a garbage refresh token */
    r = e2e_call("POST", "/api/v1/auth/refresh", NULL, json_pack("{s:s}", "refresh_token", "not-a-token"));
    EXPECT_ERROR(r, 401, "unauthenticated");
    e2e_resp_free(r);
    /* other sessions of the same user live on */
    e2e_login(&u);
    r = get_me(u.token);
    EXPECT_STATUS(r, 200);
    e2e_resp_free(r);
}

static void logout_revokes_access_and_refresh(void **state)
{
    (void)state;
    struct e2e_user u;
    e2e_user_new(&u, "owner");
    struct resp *r = e2e_call("POST", "/api/v1/auth/logout", u.token, NULL);
    EXPECT_STATUS(r, 204); /* exactly: the contract says 204 with no body */
    assert_int_equal(r->len, 0);
    assert_null(r->json);
    e2e_resp_free(r);
    r = get_me(u.token);
    EXPECT_ERROR(r, 401, "unauthenticated");
    assert_string_equal(e2e_str(r, "error.message"), "the access token was revoked");
    e2e_resp_free(r);
    r = e2e_call("POST", "/api/v1/auth/refresh", NULL, json_pack("{s:s}", "refresh_token", u.refresh));
    EXPECT_ERROR(r, 401, "unauthenticated");
    e2e_resp_free(r);
    r = e2e_call("POST", "/api/v1/auth/logout", NULL, NULL);
    EXPECT_ERROR(r, 401, "unauthenticated");
    e2e_resp_free(r);
}

static void profile_edit_and_public_view(void **state)
{
    (void)state;
    struct e2e_user a, b;
    e2e_user_new(&a, "provider");
    e2e_user_new(&b, "owner");
    char phone[20];
    snprintf(phone, sizeof phone, "138%08lld", e2e_now_ms() % 100000000);
    struct resp *r = e2e_call("PATCH", "/api/v1/users/me", a.token,
                              json_pack("{s:s,s:s,s:s,s:{s:s,s:s,s:s}}", "display_name", "喵喵之家", "lang", "en",
                                        "phone", phone, "details", "bio", "十年养猫经验\n欢迎咨询", "address",
                                        "上海市徐汇区", "emergency_contact", "王女士 13800000000"));
    EXPECT_STATUS(r, 200);
    assert_string_equal(e2e_str(r, "display_name"), "喵喵之家");
    assert_string_equal(e2e_str(r, "details.bio"), "十年养猫经验\n欢迎咨询");
    e2e_resp_free(r);
    /* read back at once: the cached profile was invalidated, never stale */
    r = e2e_call("GET", "/api/v1/users/me", a.token, NULL);
    EXPECT_STATUS(r, 200);
    assert_string_equal(e2e_str(r, "display_name"), "喵喵之家");
    assert_string_equal(e2e_str(r, "lang"), "en");
    assert_string_equal(e2e_str(r, "phone"), phone);
    assert_string_equal(e2e_str(r, "details.address"), "上海市徐汇区");
    e2e_resp_free(r);
    /* public profile: no private fields */
    char path[128];
    snprintf(path, sizeof path, "/api/v1/users/%s", a.id);
    r = e2e_call("GET", path, NULL, NULL);
    EXPECT_STATUS(r, 200);
    assert_string_equal(e2e_str(r, "display_name"), "喵喵之家");
    assert_string_equal(e2e_str(r, "role"), "provider");
    assert_false(json_is_true(e2e_get(r, "verified")));
    assert_int_equal(e2e_int(r, "rating.count"), 0);
    assert_null(e2e_get(r, "phone"));
    assert_null(e2e_get(r, "username"));
    assert_null(e2e_get(r, "details"));
    e2e_resp_free(r);
    /* the phone is now a login name: nobody else may take it */
    r = e2e_call("PATCH", "/api/v1/users/me", b.token, json_pack("{s:s}", "phone", phone));
    EXPECT_ERROR(r, 409, "conflict");
    assert_string_equal(e2e_str(r, "error.fields.phone"), "is already taken");
    e2e_resp_free(r);
    /* clearing the phone frees it */
    r = e2e_call("PATCH", "/api/v1/users/me", a.token, json_pack("{s:n}", "phone"));
    EXPECT_STATUS(r, 200);
    assert_true(json_is_null(e2e_get(r, "phone")));
    e2e_resp_free(r);
    r = e2e_call("PATCH", "/api/v1/users/me", b.token, json_pack("{s:s}", "phone", phone));
    EXPECT_STATUS(r, 200);
    e2e_resp_free(r);
    /* unknown and malformed ids: 404 */
    r = e2e_call("GET", "/api/v1/users/999999999999", NULL, NULL);
    EXPECT_ERROR(r, 404, "not_found");
    e2e_resp_free(r);
    r = e2e_call("GET", "/api/v1/users/abc", NULL, NULL);
    EXPECT_ERROR(r, 404, "not_found");
    e2e_resp_free(r);
}

static void password_change_needs_the_current_one(void **state)
{
    (void)state;
    struct e2e_user u;
    e2e_user_new(&u, "owner");
    struct resp *r = e2e_call("PATCH", "/api/v1/users/me", u.token, json_pack("{s:s}", "password", "brand new pass"));
    EXPECT_ERROR(r, 422, "validation_failed");
    assert_string_equal(e2e_str(r, "error.fields.current_password"), "is required");
    e2e_resp_free(r);
    r = e2e_call("PATCH", "/api/v1/users/me", u.token,
                 json_pack("{s:s,s:s}", "password", "brand new pass", "current_password", "wrong one"));
    EXPECT_ERROR(r, 422, "validation_failed");
    e2e_resp_free(r);
    r = e2e_call("PATCH", "/api/v1/users/me", u.token,
                 json_pack("{s:s,s:s}", "password", "brand new pass", "current_password", u.password));
    EXPECT_STATUS(r, 200);
    e2e_resp_free(r);
    r = e2e_call("POST", "/api/v1/auth/login", NULL, json_pack("{s:s,s:s}", "username", u.username, "password", u.password));
    EXPECT_ERROR(r, 401, "unauthenticated");
    e2e_resp_free(r);
    snprintf(u.password, sizeof u.password, "brand new pass");
    e2e_login(&u);
}

static void suspension_stops_tokens_and_login(void **state)
{
    (void)state;
    struct e2e_user u;
    e2e_user_new(&u, "owner");
    char path[128];
    snprintf(path, sizeof path, "/internal/v1/users/%s/suspend", u.id);
    /* /internal/ is not reachable through the gateway */
    struct resp *r = e2e_call("POST", path, NULL, json_pack("{s:s}", "reason", "spam"));
    EXPECT_ERROR(r, 404, "not_found");
    e2e_resp_free(r);
    r = e2e_service("user", "POST", path, json_pack("{s:s}", "reason", "发布违规信息"));
    EXPECT_STATUS(r, 200);
    assert_string_equal(e2e_str(r, "status"), "suspended");
    e2e_resp_free(r);
    r = get_me(u.token);
    EXPECT_ERROR(r, 401, "unauthenticated");
    e2e_resp_free(r);
    r = e2e_call("POST", "/api/v1/auth/refresh", NULL, json_pack("{s:s}", "refresh_token", u.refresh));
    EXPECT_ERROR(r, 401, "unauthenticated");
    e2e_resp_free(r);
    r = e2e_call("POST", "/api/v1/auth/login", NULL, json_pack("{s:s,s:s}", "username", u.username, "password", u.password));
    EXPECT_ERROR(r, 403, "forbidden");
    e2e_resp_free(r);
    /* suspending twice is a conflict; reinstating restores login */
    r = e2e_service("user", "POST", path, json_pack("{s:s}", "reason", "again"));
    EXPECT_ERROR(r, 409, "conflict");
    e2e_resp_free(r);
    snprintf(path, sizeof path, "/internal/v1/users/%s/reinstate", u.id);
    r = e2e_service("user", "POST", path, json_pack("{}"));
    EXPECT_STATUS(r, 200);
    assert_string_equal(e2e_str(r, "status"), "active");
    e2e_resp_free(r);
    e2e_login(&u);
    r = get_me(u.token);
    EXPECT_STATUS(r, 200);
    e2e_resp_free(r);
    /* the internal API wants its token */
    char url_path[128];
    snprintf(url_path, sizeof url_path, "/internal/v1/users/%s", u.id);
    r = e2e_call_raw("GET", url_path, NULL, NULL, NULL, 0, NULL);
    EXPECT_ERROR(r, 404, "not_found");
    e2e_resp_free(r);
}

static void provider_approval_through_internal_api(void **state)
{
    (void)state;
    struct e2e_user p, o;
    e2e_user_new(&p, "provider");
    e2e_user_new(&o, "owner");
    char path[128];
    snprintf(path, sizeof path, "/internal/v1/users/%s/approve", o.id);
    struct resp *r = e2e_service("user", "POST", path, json_pack("{}"));
    EXPECT_ERROR(r, 409, "conflict"); /* owners need no approval */
    e2e_resp_free(r);
    snprintf(path, sizeof path, "/internal/v1/users/%s/reject", p.id);
    r = e2e_service("user", "POST", path, json_pack("{}"));
    EXPECT_ERROR(r, 422, "validation_failed"); /* a rejection needs a reason */
    e2e_resp_free(r);
    /* the pending queue lists the provider (walk the pages, oldest first) */
    bool listed = false;
    char cursor[64] = "";
    for (int page = 0; page < 100 && !listed; page++) {
        char q[192];
        snprintf(q, sizeof q, "/internal/v1/users?role=provider&status=pending_review&limit=50%s%s",
                 cursor[0] ? "&cursor=" : "", cursor);
        r = e2e_service("user", "GET", q, NULL);
        EXPECT_STATUS(r, 200);
        json_t *items = e2e_get(r, "items");
        for (size_t i = 0; i < json_array_size(items); i++)
            listed |= strcmp(json_string_value(json_object_get(json_array_get(items, i), "id")), p.id) == 0;
        const char *next = e2e_str(r, "next_cursor");
        snprintf(cursor, sizeof cursor, "%s", next ? next : "");
        e2e_resp_free(r);
        if (!cursor[0])
            break;
    }
    assert_true(listed);
    snprintf(path, sizeof path, "/internal/v1/users/%s/approve", p.id);
    r = e2e_service("user", "POST", path, json_pack("{s:s}", "reason", "资料齐全"));
    EXPECT_STATUS(r, 200);
    assert_string_equal(e2e_str(r, "status"), "active");
    e2e_resp_free(r);
    r = get_me(p.token); /* the cached profile shows the new status at once */
    EXPECT_STATUS(r, 200);
    assert_string_equal(e2e_str(r, "status"), "active");
    e2e_resp_free(r);
    snprintf(path, sizeof path, "/api/v1/users/%s", p.id);
    r = e2e_call("GET", path, NULL, NULL);
    assert_true(json_is_true(e2e_get(r, "verified")));
    e2e_resp_free(r);
}

/* ---------- verification documents ---------- */

static struct resp *put_verification(const struct e2e_user *u, json_t *body)
{
    return e2e_call("PUT", "/api/v1/users/me/verification", u ? u->token : NULL, body);
}

static void verification_documents_of_a_provider(void **state)
{
    (void)state;
    struct e2e_user p, other, owner, active;
    e2e_user_new(&p, "provider");
    e2e_user_new(&other, "provider");
    e2e_user_new(&owner, "owner");
    e2e_provider_approved(&active);
    /* nothing submitted yet: null for a provider, no such field for anyone else */
    struct resp *r = get_me(p.token);
    EXPECT_STATUS(r, 200);
    assert_true(json_is_null(e2e_get(r, "verification")));
    e2e_resp_free(r);
    r = get_me(owner.token);
    assert_null(e2e_get(r, "verification"));
    e2e_resp_free(r);

    char doc[2][24], theirs[24], listing_photo[24];
    e2e_photo_new(&p, "verification", doc[0]); /* a provider waiting for review may upload these */
    e2e_photo_new(&p, "verification", doc[1]);
    e2e_photo_new(&other, "verification", theirs);
    e2e_photo_new(&active, "listing", listing_photo);

    /* only providers; the body is checked field by field, then each document */
    r = put_verification(NULL, json_pack("{s:[s]}", "documents", doc[0]));
    EXPECT_ERROR(r, 401, "unauthenticated");
    e2e_resp_free(r);
    r = put_verification(&owner, json_pack("{s:[s]}", "documents", doc[0]));
    EXPECT_ERROR(r, 403, "forbidden");
    e2e_resp_free(r);
    char note501[510];
    memset(note501, 'n', 501);
    note501[501] = 0;
    json_t *eleven = json_array();
    for (int i = 1; i <= 11; i++)
        json_array_append_new(eleven, json_sprintf("%d", i));
    struct {
        json_t *body;
        const char *field;
    } bad[] = {
        {json_pack("{}"), "documents"},
        {json_pack("{s:[]}", "documents"), "documents"},
        {json_pack("{s:o}", "documents", eleven), "documents"},
        {json_pack("{s:[s,s]}", "documents", doc[0], doc[0]), "documents"},
        {json_pack("{s:[s],s:s}", "documents", doc[0], "note", note501), "note"},
        {json_pack("{s:[s],s:s}", "documents", doc[0], "extra", "x"), "extra"},
        {json_pack("{s:[s,s]}", "documents", doc[0], theirs), "documents.1"},       /* another's */
        {json_pack("{s:[s,s]}", "documents", "999999999999", doc[1]), "documents.0"}, /* no such */
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        r = put_verification(&p, bad[i].body);
        EXPECT_ERROR(r, 422, "validation_failed");
        if (!e2e_field_error(r, bad[i].field))
            fail_msg("expected %s to be named: %s", bad[i].field, r->body);
        e2e_resp_free(r);
    }
    r = get_me(p.token);
    assert_true(json_is_null(e2e_get(r, "verification"))); /* none of that was stored */
    e2e_resp_free(r);

    /* submitted: the provider sees its documents, signed, in order, with the note */
    r = put_verification(&p, json_pack("{s:[s,s],s:s}", "documents", doc[0], doc[1], "note", "营业执照与身份证\n请审核"));
    EXPECT_STATUS(r, 200);
    assert_string_equal(e2e_str(r, "id"), p.id);
    assert_string_equal(e2e_str(r, "status"), "pending_review");
    assert_int_equal(json_array_size(e2e_get(r, "verification.documents")), 2);
    e2e_expect_photo(e2e_get(r, "verification.documents.0"), doc[0]);
    e2e_expect_photo(e2e_get(r, "verification.documents.1"), doc[1]);
    assert_string_equal(e2e_str(r, "verification.note"), "营业执照与身份证\n请审核");
    assert_non_null(e2e_str(r, "verification.submitted_at"));
    json_t *submitted = json_deep_copy(e2e_get(r, "verification"));
    e2e_resp_free(r);
    r = get_me(p.token); /* read back at once through the profile cache */
    EXPECT_STATUS(r, 200);
    assert_true(json_equal(e2e_get(r, "verification"), submitted));
    e2e_resp_free(r);
    json_decref(submitted);
    /* stored as media ids beside the note, in the account's details row (whichever shard) */
    assert_int_equal(e2e_db_int("SELECT COUNT(*) FROM (SELECT user_id, verification_documents d, verification_note n "
                                "FROM pb_user.user_details_0 UNION ALL SELECT user_id, verification_documents, "
                                "verification_note FROM pb_user.user_details_1 UNION ALL SELECT user_id, "
                                "verification_documents, verification_note FROM pb_user.user_details_2 UNION ALL "
                                "SELECT user_id, verification_documents, verification_note FROM "
                                "pb_user.user_details_3) x WHERE x.user_id = CAST(? AS UNSIGNED) AND "
                                "JSON_EQUALS(x.d, JSON_ARRAY(?, ?)) AND x.n LIKE '营业执照%'",
                                "sss", p.id, doc[0], doc[1]),
                     1);

    /* nobody else sees them: not the public profile, not the media API, not the file by token */
    char path[160];
    snprintf(path, sizeof path, "/api/v1/users/%s", p.id);
    r = e2e_call("GET", path, owner.token, NULL);
    EXPECT_STATUS(r, 200);
    assert_null(e2e_get(r, "verification"));
    assert_null(strstr(r->body, doc[0]));
    e2e_resp_free(r);
    snprintf(path, sizeof path, "/api/v1/media/%s", doc[0]);
    r = e2e_call("GET", path, other.token, NULL);
    EXPECT_ERROR(r, 404, "not_found");
    e2e_resp_free(r);
    snprintf(path, sizeof path, "/media/p/%s/1280", doc[0]);
    r = e2e_call("GET", path, owner.token, NULL);
    EXPECT_ERROR(r, 404, "not_found");
    e2e_resp_free(r);

    /* a second submission replaces the first; null clears the note */
    r = put_verification(&p, json_pack("{s:[s],s:n}", "documents", doc[1], "note"));
    EXPECT_STATUS(r, 200);
    assert_int_equal(json_array_size(e2e_get(r, "verification.documents")), 1);
    assert_string_equal(e2e_str(r, "verification.documents.0.id"), doc[1]);
    assert_true(json_is_null(e2e_get(r, "verification.note")));
    e2e_resp_free(r);

    /* an active provider has nothing to submit: 409 (a photo of another purpose: 422 first) */
    char mine[24];
    e2e_photo_new(&active, "verification", mine);
    r = put_verification(&active, json_pack("{s:[s]}", "documents", mine));
    EXPECT_ERROR(r, 409, "conflict");
    e2e_resp_free(r);
    r = put_verification(&active, json_pack("{s:[s]}", "documents", listing_photo));
    EXPECT_ERROR(r, 422, "validation_failed");
    assert_non_null(e2e_field_error(r, "documents.0"));
    e2e_resp_free(r);
    r = get_me(active.token);
    assert_string_equal(e2e_str(r, "status"), "active");
    assert_true(json_is_null(e2e_get(r, "verification")));
    e2e_resp_free(r);
}

static void admin_account_exists(void **state)
{
    (void)state;
    struct e2e_user a;
    e2e_admin(&a);
    struct resp *r = get_me(a.token);
    EXPECT_STATUS(r, 200);
    assert_string_equal(e2e_str(r, "role"), "admin");
    e2e_resp_free(r);
    char path[128];
    snprintf(path, sizeof path, "/internal/v1/users/%s/suspend", a.id);
    r = e2e_service("user", "POST", path, json_pack("{s:s}", "reason", "x"));
    EXPECT_ERROR(r, 403, "forbidden");
    e2e_resp_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(register_owner_and_provider),
        cmocka_unit_test(login_variants_and_failures),
        cmocka_unit_test(login_is_throttled_per_name_and_address),
        cmocka_unit_test(refresh_rotates_and_replay_burns_the_session),
        cmocka_unit_test(logout_revokes_access_and_refresh),
        cmocka_unit_test(profile_edit_and_public_view),
        cmocka_unit_test(password_change_needs_the_current_one),
        cmocka_unit_test(suspension_stops_tokens_and_login),
        cmocka_unit_test(provider_approval_through_internal_api),
        cmocka_unit_test(verification_documents_of_a_provider),
        cmocka_unit_test(admin_account_exists),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
