/* The admin's account pages: exactly the documented fields, missing ones as null, in order. */
#include "unit.h"
#include "pages.h"

#include <string.h>

static void users_are_reduced_to_the_documented_fields(void **state)
{
    (void)state;
    json_t *in = json_pack("[{s:s,s:s,s:s,s:s,s:s,s:s,s:n,s:s,s:s,s:s,s:{s:i}},{s:s,s:s,s:s,s:s,s:s,s:s}]",
                           /* an active owner: no status_reason, no phone; lang and the rest dropped */
                           "id", "1", "username", "alice", "role", "owner", "status", "active", "display_name",
                           "爱丽丝", "email", "a@example.com", "phone", "lang", "zh", "created_at",
                           "2026-01-01T00:00:00.000Z", "updated_at", "2026-01-02T00:00:00.000Z", "rating", "count", 3,
                           /* a suspended provider */
                           "id", "2", "username", "bob", "role", "provider", "status", "suspended", "status_reason",
                           "违规", "created_at", "2026-01-03T00:00:00.000Z");
    json_t *out = pages_users(in);
    assert_non_null(out);
    assert_int_equal(json_array_size(out), 2);
    json_t *a = json_array_get(out, 0), *b = json_array_get(out, 1);
    size_t nfields = 0;
    while (PAGES_USER_FIELDS[nfields])
        nfields++;
    assert_int_equal(json_object_size(a), nfields);
    assert_int_equal(json_object_size(b), nfields);
    assert_string_equal(json_string_value(json_object_get(a, "display_name")), "爱丽丝");
    assert_true(json_is_null(json_object_get(a, "status_reason")));
    assert_true(json_is_null(json_object_get(a, "phone")));
    assert_null(json_object_get(a, "lang"));
    assert_null(json_object_get(a, "rating"));
    assert_string_equal(json_string_value(json_object_get(b, "status_reason")), "违规");
    assert_true(json_is_null(json_object_get(b, "email")));
    /* keys come out in the documented order */
    size_t i = 0;
    const char *k;
    json_t *v;
    json_object_foreach(a, k, v)
    {
        (void)v;
        assert_string_equal(k, PAGES_USER_FIELDS[i++]);
    }
    json_decref(out);
    json_decref(in);
}

static void a_page_that_is_not_accounts_is_refused(void **state)
{
    (void)state;
    json_t *in = json_pack("[{s:s},i]", "id", "1", 5);
    assert_null(pages_users(in));
    json_decref(in);
    in = json_array();
    json_t *out = pages_users(in);
    assert_int_equal(json_array_size(out), 0);
    json_decref(out);
    json_decref(in);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(users_are_reduced_to_the_documented_fields),
        cmocka_unit_test(a_page_that_is_not_accounts_is_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
