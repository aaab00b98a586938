/* User service rules: validation of names, passwords, phones, emails; login keys; the
 * account status machine; login throttling; what each view shows. */
#include "unit.h"
#include "account.h"

#include <string.h>

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
    assert_false(account_login_throttled(4, 0, 5, 100));
    assert_true(account_login_throttled(5, 0, 5, 100));
    assert_true(account_login_throttled(0, 100, 5, 100));
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
    json_t *pub = account_user_json(&u, VIEW_PUBLIC), *self = account_user_json(&u, VIEW_SELF);
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(usernames),
        cmocka_unit_test(passwords_phones_emails),
        cmocka_unit_test(login_keys),
        cmocka_unit_test(search_keys),
        cmocka_unit_test(status_machine),
        cmocka_unit_test(throttling),
        cmocka_unit_test(views_show_only_what_they_should),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
