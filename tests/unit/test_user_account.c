/* User service rules: validation of names, passwords, phones, emails; login keys; the
 * account status machine; login throttling; what each view shows. */
#include "unit.h"
#include "account.h"
#include "mediaurl.h"

#include <string.h>

#define NOW_S 1790000000LL

static int setup(void **state)
{
    (void)state;
    return mediaurl_init("a-test-internal-token") ? 0 : -1;
}

static void usernames(void **state)
{
    (void)state;
    assert_null(account_username_problem("bob"));
    assert_null(account_username_problem("o'b\"r;--x"));           /* punctuation is fine */
    assert_null(account_username_problem("小明同学"));                /* 4 characters */
    assert_non_null(account_username_problem("ab"));
    assert_non_null(account_username_problem("abcdefghijabcdefghijabcdefghijabc")); /* 33 */
    assert_non_null(account_username_problem("has space"));
    assert_non_null(account_username_problem("tab\there"));
    assert_non_null(account_username_problem("全角\xe3\x80\x80空格"));   /* ideographic space */
    assert_non_null(account_username_problem("bad\xff"));
}

static void passwords_phones_emails(void **state)
{
    (void)state;
    assert_null(account_password_problem("12345678", "bob"));
    assert_non_null(account_password_problem("1234567", "bob"));
    assert_non_null(account_password_problem("bobbobbob", "bobbobbob"));
    assert_null(account_phone_problem("13800138000"));
    assert_null(account_phone_problem("+8613800138000"));
    assert_non_null(account_phone_problem("12345"));
    assert_non_null(account_phone_problem("138-0013-8000"));
    assert_non_null(account_phone_problem("+"));
    assert_null(account_email_problem("a.b@example.cn"));
    assert_non_null(account_email_problem("no-at.example.cn"));
    assert_non_null(account_email_problem("a@b"));
    assert_non_null(account_email_problem("a@@b.cn"));
    assert_non_null(account_email_problem("a b@c.cn"));
    assert_non_null(account_email_problem("a@b."));
}

static void login_keys(void **state)
{
    (void)state;
    char k[64];
    assert_true(account_login_key(LOGIN_USERNAME, "Bob_Smith", k, sizeof k));
    assert_string_equal(k, "u:bob_smith");
    assert_true(account_login_key(LOGIN_EMAIL, "A@Example.CN", k, sizeof k));
    assert_string_equal(k, "e:a@example.cn");
    assert_true(account_login_key(LOGIN_PHONE, "+86138", k, sizeof k));
    assert_string_equal(k, "p:+86138");
    assert_true(account_login_key(LOGIN_USERNAME, "小明", k, sizeof k)); /* non-ASCII untouched */
    assert_string_equal(k, "u:小明");
    assert_false(account_login_key(LOGIN_USERNAME, "a-very-long-name-that-does-not-fit-in-the-buffer-at-all-no", k, 16));
}

static void search_keys(void **state)
{
    (void)state;
    char like[64], exact[64];
    /* a username prefix, compared as logins are (ASCII case-insensitively) */
    assert_true(account_search_keys("Alice", like, sizeof like, exact, sizeof exact));
    assert_string_equal(like, "u:alice%");
    assert_string_equal(exact, "");
    /* LIKE's wildcards and the escape character itself stand for themselves */
    assert_true(account_search_keys("a_b%c!d", like, sizeof like, exact, sizeof exact));
    assert_string_equal(like, "u:a!_b!%c!!d%");
    /* a phone or an email is also looked up exactly */
    assert_true(account_search_keys("+8613800138000", like, sizeof like, exact, sizeof exact));
    assert_string_equal(like, "u:+8613800138000%");
    assert_string_equal(exact, "p:+8613800138000");
    assert_true(account_search_keys("Bob@Example.COM", like, sizeof like, exact, sizeof exact));
    assert_string_equal(exact, "e:bob@example.com");
    assert_true(account_search_keys("小明", like, sizeof like, exact, sizeof exact));
    assert_string_equal(like, "u:小明%");
    /* too small a buffer is refused, never truncated */
    assert_false(account_search_keys("abcdefgh", like, 8, exact, sizeof exact));
    assert_false(account_search_keys("13800138000", like, sizeof like, exact, 5));
}

static void status_machine(void **state)
{
    (void)state;
    enum account_status to;
    /* providers: pending -> approved or rejected; rejected may be approved later */
    assert_int_equal(account_transition(ROLE_PROVIDER, ST_PENDING_REVIEW, ST_ACTIVE, ACT_APPROVE, &to), ERR_OK);
    assert_int_equal(to, ST_ACTIVE);
    assert_int_equal(account_transition(ROLE_PROVIDER, ST_PENDING_REVIEW, ST_ACTIVE, ACT_REJECT, &to), ERR_OK);
    assert_int_equal(to, ST_REJECTED);
    assert_int_equal(account_transition(ROLE_PROVIDER, ST_REJECTED, ST_ACTIVE, ACT_APPROVE, &to), ERR_OK);
    assert_int_equal(account_transition(ROLE_PROVIDER, ST_ACTIVE, ST_ACTIVE, ACT_APPROVE, &to), ERR_CONFLICT);
    assert_int_equal(account_transition(ROLE_PROVIDER, ST_ACTIVE, ST_ACTIVE, ACT_REJECT, &to), ERR_CONFLICT);
    /* owners need no approval */
    assert_int_equal(account_transition(ROLE_OWNER, ST_ACTIVE, ST_ACTIVE, ACT_APPROVE, &to), ERR_CONFLICT);
    /* suspension remembers where to return */
    assert_int_equal(account_transition(ROLE_OWNER, ST_ACTIVE, ST_ACTIVE, ACT_SUSPEND, &to), ERR_OK);
    assert_int_equal(to, ST_SUSPENDED);
    assert_int_equal(account_transition(ROLE_OWNER, ST_SUSPENDED, ST_ACTIVE, ACT_SUSPEND, &to), ERR_CONFLICT);
    assert_int_equal(account_transition(ROLE_PROVIDER, ST_SUSPENDED, ST_PENDING_REVIEW, ACT_REINSTATE, &to), ERR_OK);
    assert_int_equal(to, ST_PENDING_REVIEW);
    assert_int_equal(account_transition(ROLE_OWNER, ST_ACTIVE, ST_ACTIVE, ACT_REINSTATE, &to), ERR_CONFLICT);
    /* admins are out of reach */
    assert_int_equal(account_transition(ROLE_ADMIN, ST_ACTIVE, ST_ACTIVE, ACT_SUSPEND, &to), ERR_FORBIDDEN);
    assert_int_equal(account_status_parse("suspended"), ST_SUSPENDED);
    assert_int_equal(account_action_parse("delete"), -1);
}

static void throttling(void **state)
{
    (void)state;
    /* no wait below the limit, then 30 s doubling with each further failure, at most 15 min */
    assert_int_equal(account_login_delay_s(0, 5, 30, 900), 0);
    assert_int_equal(account_login_delay_s(4, 5, 30, 900), 0);
    assert_int_equal(account_login_delay_s(5, 5, 30, 900), 30);
    assert_int_equal(account_login_delay_s(6, 5, 30, 900), 60);
    assert_int_equal(account_login_delay_s(7, 5, 30, 900), 120);
    assert_int_equal(account_login_delay_s(9, 5, 30, 900), 480);
    assert_int_equal(account_login_delay_s(10, 5, 30, 900), 900);
    assert_int_equal(account_login_delay_s(1000000, 5, 30, 900), 900);
    assert_int_equal(account_login_delay_s(1, 1, 1, 900), 1);
    assert_int_equal(account_login_delay_s(5, 5, 2000, 900), 900); /* the cap wins */
    /* nothing spent, nothing locked: go ahead */
    assert_int_equal(account_login_retry_after_s(99, 100, 900, 0), 0);
    assert_int_equal(account_login_retry_after_s(0, 100, 900, -5), 0);
    /* the address's budget: the window */
    assert_int_equal(account_login_retry_after_s(100, 100, 900, 0), 900);
    /* a locked pair: what is left of it, rounded up */
    assert_int_equal(account_login_retry_after_s(0, 100, 900, 29001), 30);
    assert_int_equal(account_login_retry_after_s(0, 100, 900, 1), 1);
    assert_int_equal(account_login_retry_after_s(100, 100, 900, 1000000), 1000);
}

static void user_agents_are_cleaned(void **state)
{
    (void)state;
    char out[ACCOUNT_USER_AGENT_MAX + 1], big[600];
    account_user_agent_clean(NULL, out, sizeof out);
    assert_string_equal(out, "");
    account_user_agent_clean("Mozilla/5.0 (X11; Linux)", out, sizeof out);
    assert_string_equal(out, "Mozilla/5.0 (X11; Linux)");
    account_user_agent_clean("a\tb\xe4\xbd\xa0\x7f", out, sizeof out);
    assert_string_equal(out, "a?b????");
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = 0;
    account_user_agent_clean(big, out, sizeof out);
    assert_int_equal(strlen(out), ACCOUNT_USER_AGENT_MAX);
    account_user_agent_clean("abcdef", out, 4);
    assert_string_equal(out, "abc");
}

static void views_show_only_what_they_should(void **state)
{
    (void)state;
    struct user u;
    memset(&u, 0, sizeof u);
    u.id = 42;
    strcpy(u.username, "bob");
    u.role = ROLE_PROVIDER;
    u.status = ST_ACTIVE;
    strcpy(u.display_name, "Bob");
    strcpy(u.phone, "13800138000");
    strcpy(u.lang, "zh");
    strcpy(u.password_hash, "$argon2id$secret");
    u.rating_count = 3;
    u.rating_sum = 14;
    json_t *pub = account_user_json(&u, VIEW_PUBLIC, NOW_S), *self = account_user_json(&u, VIEW_SELF, NOW_S);
    assert_null(json_object_get(pub, "phone"));
    assert_null(json_object_get(pub, "username"));
    assert_true(json_is_true(json_object_get(pub, "verified")));
    assert_true(json_real_value(json_object_get(json_object_get(pub, "rating"), "average")) == 4.67);
    assert_string_equal(json_string_value(json_object_get(self, "phone")), "13800138000");
    assert_true(json_is_null(json_object_get(self, "email")));
    char *dump = json_dumps(self, 0);
    assert_null(strstr(dump, "argon2")); /* no view ever carries the hash */
    free(dump);
    dump = json_dumps(pub, 0);
    assert_null(strstr(dump, "argon2"));
    free(dump);
    json_decref(pub);
    json_decref(self);
}

static void verification_submissions(void **state)
{
    (void)state;
    enum account_status to = ST_ACTIVE;
    assert_int_equal(account_verification_submit(ROLE_PROVIDER, ST_PENDING_REVIEW, &to), ERR_OK);
    assert_int_equal(to, ST_PENDING_REVIEW);
    to = ST_ACTIVE;
    assert_int_equal(account_verification_submit(ROLE_PROVIDER, ST_REJECTED, &to), ERR_OK);
    assert_int_equal(to, ST_PENDING_REVIEW); /* back in the queue */
    assert_int_equal(account_verification_submit(ROLE_PROVIDER, ST_ACTIVE, &to), ERR_CONFLICT);
    assert_int_equal(account_verification_submit(ROLE_PROVIDER, ST_SUSPENDED, &to), ERR_CONFLICT);
    assert_int_equal(account_verification_submit(ROLE_OWNER, ST_ACTIVE, &to), ERR_FORBIDDEN);
    assert_int_equal(account_verification_submit(ROLE_ADMIN, ST_ACTIVE, &to), ERR_FORBIDDEN);
}

/* A provider's verification: signed documents in the self and internal views, never public;
 * null when nothing was submitted; absent when it was not read. */
static void verification_views(void **state)
{
    (void)state;
    static struct user u;
    memset(&u, 0, sizeof u);
    u.id = 42;
    u.role = ROLE_PROVIDER;
    u.status = ST_PENDING_REVIEW;
    strcpy(u.lang, "zh");
    json_t *self = account_user_json(&u, VIEW_SELF, NOW_S);
    assert_null(json_object_get(self, "verification")); /* not loaded: not shown */
    json_decref(self);
    u.has_verification = true;
    self = account_user_json(&u, VIEW_SELF, NOW_S);
    assert_true(json_is_null(json_object_get(self, "verification"))); /* nothing submitted */
    assert_false(account_view_signed(&u, VIEW_SELF));
    json_decref(self);
    u.verification_ms = 1767225600000LL;
    u.verification_count = 2;
    u.verification_docs[0] = 7001;
    u.verification_docs[1] = 7002;
    u.has_verification_note = true;
    strcpy(u.verification_note, "营业执照和身份证");
    for (enum user_view v = VIEW_PUBLIC; v <= VIEW_INTERNAL; v++) {
        json_t *j = account_user_json(&u, v, NOW_S), *ver = json_object_get(j, "verification");
        if (v == VIEW_PUBLIC) {
            assert_null(ver);
            assert_false(account_view_signed(&u, v));
        } else {
            json_t *want = mediaurl_photo(7002, NOW_S);
            assert_true(account_view_signed(&u, v));
            assert_int_equal(json_array_size(json_object_get(ver, "documents")), 2);
            assert_true(json_equal(json_array_get(json_object_get(ver, "documents"), 1), want));
            assert_string_equal(json_string_value(json_object_get(ver, "note")), "营业执照和身份证");
            assert_string_equal(json_string_value(json_object_get(ver, "submitted_at")), "2026-01-01T00:00:00.000Z");
            json_decref(want);
        }
        json_decref(j);
    }
    /* owners have no verification at all */
    u.role = ROLE_OWNER;
    self = account_user_json(&u, VIEW_SELF, NOW_S);
    assert_null(json_object_get(self, "verification"));
    json_decref(self);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(usernames),
        cmocka_unit_test(passwords_phones_emails),
        cmocka_unit_test(login_keys),
        cmocka_unit_test(search_keys),
        cmocka_unit_test(status_machine),
        cmocka_unit_test(throttling),
        cmocka_unit_test(user_agents_are_cleaned),
        cmocka_unit_test(views_show_only_what_they_should),
        cmocka_unit_test(verification_submissions),
        cmocka_unit_test(verification_views),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
