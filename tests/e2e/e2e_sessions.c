/* Login sessions through the gateway: a password change ends every other session and keeps
 * the one that changed it; the list of one's sessions (user agent, address, which is this
 * one), logging one out, logging out everywhere else; the limit of live sessions per
 * account (a new login ends the oldest). */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One login of an account: its tokens. */
struct login {
    char token[2048];
    char refresh[96];
};

/* Log u in with this User-Agent (NULL: none), 200 expected. */
static void login_as(const struct e2e_user *u, const char *ua, struct login *out)
{
    char hdr[160];
    const char *headers[] = {hdr, NULL};
    snprintf(hdr, sizeof hdr, "User-Agent: %s", ua ? ua : "");
    json_t *body = json_pack("{s:s,s:s}", "username", u->username, "password", u->password);
    char *text = json_dumps(body, JSON_COMPACT);
    struct resp *r = e2e_call_raw("POST", "/api/v1/auth/login", NULL, "application/json", text, strlen(text),
                                  ua ? headers : NULL);
    EXPECT_STATUS(r, 200);
    snprintf(out->token, sizeof out->token, "%s", e2e_str(r, "access_token"));
    snprintf(out->refresh, sizeof out->refresh, "%s", e2e_str(r, "refresh_token"));
    e2e_resp_free(r);
    free(text);
    json_decref(body);
}

/* POST /auth/refresh with l's refresh token: the status; on 200 l holds the new pair. */
static long refresh(struct login *l)
{
    struct resp *r = e2e_call("POST", "/api/v1/auth/refresh", NULL, json_pack("{s:s}", "refresh_token", l->refresh));
    long st = r->status;
    if (st == 200) {
        snprintf(l->token, sizeof l->token, "%s", e2e_str(r, "access_token"));
        snprintf(l->refresh, sizeof l->refresh, "%s", e2e_str(r, "refresh_token"));
    } else {
        EXPECT_ERROR(r, 401, "unauthenticated");
    }
    e2e_resp_free(r);
    return st;
}

/* GET /users/me with an access token: the status. */
static long me_status(const char *token)
{
    struct resp *r = e2e_call("GET", "/api/v1/users/me", token, NULL);
    long st = r->status;
    e2e_resp_free(r);
    return st;
}

/* The item of a session list whose user_agent is ua, or NULL. */
static json_t *session_by_agent(const struct resp *r, const char *ua)
{
    size_t i;
    json_t *it;
    json_array_foreach(e2e_get(r, "items"), i, it)
    {
        const char *a = json_string_value(json_object_get(it, "user_agent"));
        if (a && strcmp(a, ua) == 0)
            return it;
    }
    return NULL;
}

static const char *jstr(const json_t *o, const char *key) { return json_string_value(json_object_get(o, key)); }

static void password_change_ends_every_other_session(void **state)
{
    (void)state;
    struct e2e_user u;
    struct login a = {0}, b = {0}, first = {0};
    e2e_user_new(&u, "owner");
    snprintf(first.token, sizeof first.token, "%s", u.token);
    snprintf(first.refresh, sizeof first.refresh, "%s", u.refresh);
    login_as(&u, "pb-e2e device A", &a);
    login_as(&u, "pb-e2e device B", &b);
    char newpw[sizeof u.password];
    snprintf(newpw, sizeof newpw, "new-%.50s", u.password);
    struct resp *r = e2e_call("PATCH", "/api/v1/users/me", a.token,
                              json_pack("{s:s,s:s}", "password", newpw, "current_password", u.password));
    EXPECT_STATUS(r, 200);
    e2e_resp_free(r);
    /* the other sessions are over: their refresh tokens and their access tokens */
    assert_int_equal(refresh(&b), 401);
    assert_int_equal(refresh(&first), 401);
    r = e2e_call("GET", "/api/v1/users/me", b.token, NULL);
    EXPECT_ERROR(r, 401, "unauthenticated");
    assert_string_equal(e2e_str(r, "error.message"), "the access token was revoked");
    e2e_resp_free(r);
    assert_int_equal(me_status(first.token), 401);
    /* the one that changed the password goes on, with its access token and its refresh token */
    assert_int_equal(me_status(a.token), 200);
    assert_int_equal(refresh(&a), 200);
    assert_int_equal(me_status(a.token), 200);
    r = e2e_call("GET", "/api/v1/users/me/sessions", a.token, NULL);
    EXPECT_STATUS(r, 200);
    assert_int_equal(json_array_size(e2e_get(r, "items")), 1);
    assert_true(json_is_true(e2e_get(r, "items.0.current")));
    e2e_resp_free(r);
    /* the new password logs in, the old one no longer does */
    r = e2e_call("POST", "/api/v1/auth/login", NULL, json_pack("{s:s,s:s}", "username", u.username, "password", u.password));
    EXPECT_ERROR(r, 401, "unauthenticated");
    e2e_resp_free(r);
    snprintf(u.password, sizeof u.password, "%s", newpw);
    e2e_login(&u);
    /* a profile edit without a password ends nothing */
    r = e2e_call("PATCH", "/api/v1/users/me", u.token, json_pack("{s:s}", "display_name", "改名"));
    EXPECT_STATUS(r, 200);
    e2e_resp_free(r);
    assert_int_equal(me_status(a.token), 200);
    assert_int_equal(refresh(&a), 200);
}

static void sessions_are_listed_and_logged_out(void **state)
{
    (void)state;
    struct e2e_user u, other;
    struct login a = {0}, b = {0}, first = {0};
    e2e_user_new(&u, "owner");
    e2e_user_new(&other, "provider");
    snprintf(first.refresh, sizeof first.refresh, "%s", u.refresh);
    login_as(&u, "pb-e2e phone A (Android 14)", &a);
    e2e_source_ip("127.0.0.31"); /* B logs in from another address */
    login_as(&u, "pb-e2e tablet B", &b);
    e2e_source_ip(NULL);

    struct resp *r = e2e_call("GET", "/api/v1/users/me/sessions", a.token, NULL);
    EXPECT_STATUS(r, 200);
    assert_int_equal(json_array_size(e2e_get(r, "items")), 3);
    assert_true(json_is_null(e2e_get(r, "next_cursor")));
    /* newest first: B, A, then the first login (which sent no User-Agent) */
    assert_string_equal(e2e_str(r, "items.0.user_agent"), "pb-e2e tablet B");
    assert_true(json_is_null(e2e_get(r, "items.2.user_agent")));
    json_t *sa = session_by_agent(r, "pb-e2e phone A (Android 14)"), *sb = session_by_agent(r, "pb-e2e tablet B");
    assert_non_null(sa);
    assert_non_null(sb);
    assert_true(json_is_true(json_object_get(sa, "current")));
    assert_true(json_is_false(json_object_get(sb, "current")));
    assert_string_equal(jstr(sb, "ip"), "127.0.0.31");
    assert_string_equal(jstr(sa, "ip"), "127.0.0.1");
    assert_non_null(jstr(sa, "created_at"));
    assert_non_null(jstr(sa, "last_used_at"));
    assert_null(json_object_get(sa, "sid"));
    char a_id[32], b_id[32], path[128];
    snprintf(a_id, sizeof a_id, "%s", jstr(sa, "id"));
    snprintf(b_id, sizeof b_id, "%s", jstr(sb, "id"));
    e2e_resp_free(r);

    /* another user cannot see or end them */
    r = e2e_call("GET", "/api/v1/users/me/sessions", other.token, NULL);
    EXPECT_STATUS(r, 200);
    assert_int_equal(json_array_size(e2e_get(r, "items")), 1);
    e2e_resp_free(r);
    snprintf(path, sizeof path, "/api/v1/users/me/sessions/%s", b_id);
    r = e2e_call("DELETE", path, other.token, NULL);
    EXPECT_ERROR(r, 404, "not_found");
    e2e_resp_free(r);
    assert_int_equal(me_status(b.token), 200);
    /* nor anybody without a token; junk ids are 404 */
    r = e2e_call("GET", "/api/v1/users/me/sessions", NULL, NULL);
    EXPECT_ERROR(r, 401, "unauthenticated");
    e2e_resp_free(r);
    r = e2e_call("DELETE", path, NULL, NULL);
    EXPECT_ERROR(r, 401, "unauthenticated");
    e2e_resp_free(r);
    r = e2e_call("DELETE", "/api/v1/users/me/sessions/abc", a.token, NULL);
    EXPECT_ERROR(r, 404, "not_found");
    e2e_resp_free(r);

    /* A logs B out: B's tokens stop working, A's do not */
    r = e2e_call("DELETE", path, a.token, NULL);
    EXPECT_STATUS(r, 204);
    e2e_resp_free(r);
    assert_int_equal(me_status(b.token), 401);
    assert_int_equal(refresh(&b), 401);
    assert_int_equal(me_status(a.token), 200);
    r = e2e_call("DELETE", path, a.token, NULL); /* already ended */
    EXPECT_ERROR(r, 404, "not_found");
    e2e_resp_free(r);
    r = e2e_call("GET", "/api/v1/users/me/sessions", a.token, NULL);
    EXPECT_STATUS(r, 200);
    assert_int_equal(json_array_size(e2e_get(r, "items")), 2);
    assert_null(session_by_agent(r, "pb-e2e tablet B"));
    e2e_resp_free(r);

    /* a refresh is a use: the session's last_used_at moves, its id stays */
    assert_int_equal(refresh(&a), 200);
    r = e2e_call("GET", "/api/v1/users/me/sessions", a.token, NULL);
    EXPECT_STATUS(r, 200);
    sa = session_by_agent(r, "pb-e2e phone A (Android 14)");
    assert_non_null(sa);
    assert_string_equal(jstr(sa, "id"), a_id);
    assert_true(strcmp(jstr(sa, "last_used_at"), jstr(sa, "created_at")) > 0);
    e2e_resp_free(r);

    /* log out everywhere else: the first login ends, A stays */
    r = e2e_call("DELETE", "/api/v1/users/me/sessions", a.token, NULL);
    EXPECT_STATUS(r, 204);
    e2e_resp_free(r);
    assert_int_equal(me_status(u.token), 401);
    assert_int_equal(refresh(&first), 401);
    assert_int_equal(me_status(a.token), 200);
    r = e2e_call("GET", "/api/v1/users/me/sessions", a.token, NULL);
    EXPECT_STATUS(r, 200);
    assert_int_equal(json_array_size(e2e_get(r, "items")), 1);
    assert_string_equal(e2e_str(r, "items.0.id"), a_id);
    e2e_resp_free(r);

    /* a session may end itself too: then it is logged out */
    snprintf(path, sizeof path, "/api/v1/users/me/sessions/%s", a_id);
    r = e2e_call("DELETE", path, a.token, NULL);
    EXPECT_STATUS(r, 204);
    e2e_resp_free(r);
    assert_int_equal(me_status(a.token), 401);
    assert_int_equal(refresh(&a), 401);
    /* logout removes the session from the list */
    r = e2e_call("POST", "/api/v1/auth/logout", other.token, NULL);
    EXPECT_STATUS(r, 204);
    e2e_resp_free(r);
    e2e_login(&other);
    r = e2e_call("GET", "/api/v1/users/me/sessions", other.token, NULL);
    EXPECT_STATUS(r, 200);
    assert_int_equal(json_array_size(e2e_get(r, "items")), 1);
    e2e_resp_free(r);
}

static void the_eleventh_login_ends_the_oldest(void **state)
{
    (void)state;
    struct e2e_user u;
    struct login oldest = {0}, logins[10] = {0};
    e2e_user_new(&u, "owner"); /* login 1 */
    snprintf(oldest.token, sizeof oldest.token, "%s", u.token);
    snprintf(oldest.refresh, sizeof oldest.refresh, "%s", u.refresh);
    for (int i = 0; i < 9; i++) /* logins 2..10: at the limit, nothing ends */
        login_as(&u, "pb-e2e many", &logins[i]);
    assert_int_equal(me_status(oldest.token), 200);
    login_as(&u, "pb-e2e many", &logins[9]); /* login 11 */
    assert_int_equal(me_status(oldest.token), 401);
    assert_int_equal(refresh(&oldest), 401);
    /* the next oldest and the newest live on */
    assert_int_equal(me_status(logins[0].token), 200);
    assert_int_equal(refresh(&logins[0]), 200);
    assert_int_equal(me_status(logins[9].token), 200);
    struct resp *r = e2e_call("GET", "/api/v1/users/me/sessions", logins[9].token, NULL);
    EXPECT_STATUS(r, 200);
    assert_int_equal(json_array_size(e2e_get(r, "items")), 10);
    e2e_resp_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(password_change_ends_every_other_session),
        cmocka_unit_test(sessions_are_listed_and_logged_out),
        cmocka_unit_test(the_eleventh_login_ends_the_oldest),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
