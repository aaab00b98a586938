/* JSON validation: types (400) vs values (422), unknown fields, lengths in characters,
 * UTF-8, control characters, nested objects, arrays, query values. */
#include "unit.h"
#include "jv.h"

#include <string.h>

static const char *const ALLOWED[] = {"name", "age", "weight", "ok", "species", "born", "care", "tags", "pet_ids", NULL};
static const char *const SPECIES[] = {"dog", "cat", "other", NULL};

static void parse(struct jv *v, const char *body)
{
    char msg[128];
    assert_int_equal(jv_parse(v, body, strlen(body), ALLOWED, msg, sizeof msg), JV_PARSED);
}

static const char *err(struct jv *v, const char *field)
{
    return json_string_value(json_object_get(v->errors, field));
}

static const char *terr(struct jv *v, const char *field)
{
    return json_string_value(json_object_get(v->type_errors, field));
}

static void malformed_and_not_object(void **state)
{
    (void)state;
    struct jv v;
    char msg[128];
    assert_int_equal(jv_parse(&v, "{\"name\": ", 9, ALLOWED, msg, sizeof msg), JV_MALFORMED);
    assert_non_null(strstr(msg, "malformed"));
    jv_free(&v);
    assert_int_equal(jv_parse(&v, "[1,2]", 5, ALLOWED, msg, sizeof msg), JV_NOT_OBJECT);
    jv_free(&v);
    assert_int_equal(jv_parse(&v, "", 0, ALLOWED, msg, sizeof msg), JV_EMPTY);
    jv_free(&v);
    /* invalid UTF-8 inside a string: jansson refuses the document */
    assert_int_equal(jv_parse(&v, "{\"name\":\"\xff\xfe\"}", 13, ALLOWED, msg, sizeof msg), JV_MALFORMED);
    jv_free(&v);
    /* duplicate keys are ambiguous: refused */
    const char *dup = "{\"name\":\"a\",\"name\":\"b\"}";
    assert_int_equal(jv_parse(&v, dup, strlen(dup), ALLOWED, msg, sizeof msg), JV_MALFORMED);
    jv_free(&v);
}

static void unknown_fields_are_named(void **state)
{
    (void)state;
    struct jv v;
    parse(&v, "{\"name\":\"Bobo\",\"role\":\"admin\"}");
    assert_true(jv_failed(&v));
    assert_string_equal(err(&v, "role"), "unknown field");
    jv_free(&v);
}

static void strings(void **state)
{
    (void)state;
    struct jv v;
    const char *s;
    parse(&v, "{\"name\":\"\xe8\x82\xa5\xe7\x8c\xab\"}"); /* two Chinese characters, six bytes */
    assert_true(jv_str(&v, "name", JV_REQUIRED, 1, 2, &s));
    assert_false(jv_failed(&v));
    jv_free(&v);

    parse(&v, "{\"name\":\"abc\"}");
    assert_false(jv_str(&v, "name", JV_REQUIRED, 1, 2, &s));
    assert_string_equal(err(&v, "name"), "must be at most 2 characters");
    jv_free(&v);

    parse(&v, "{\"name\":42}");
    assert_false(jv_str(&v, "name", JV_REQUIRED, 1, 10, &s));
    assert_string_equal(terr(&v, "name"), "must be a string");
    jv_free(&v);

    parse(&v, "{}");
    assert_false(jv_str(&v, "name", JV_REQUIRED, 1, 10, &s));
    assert_string_equal(err(&v, "name"), "is required");
    assert_false(jv_str(&v, "age", 0, 1, 10, &s)); /* optional and absent: no error */
    assert_null(err(&v, "age"));
    jv_free(&v);

    parse(&v, "{\"name\":\"a\\nb\"}");
    assert_false(jv_str(&v, "name", JV_REQUIRED, 1, 10, &s));
    assert_string_equal(err(&v, "name"), "must not contain control characters");
    jv_free(&v);
    parse(&v, "{\"name\":\"a\\nb\"}");
    assert_true(jv_str(&v, "name", JV_REQUIRED | JV_MULTILINE, 1, 10, &s));
    jv_free(&v);

    parse(&v, "{\"name\":\"\"}");
    assert_false(jv_str(&v, "name", JV_REQUIRED, 1, 10, &s));
    assert_string_equal(err(&v, "name"), "must not be empty");
    jv_free(&v);

    parse(&v, "{\"name\":null}");
    assert_false(jv_str(&v, "name", JV_REQUIRED, 1, 10, &s));
    assert_string_equal(err(&v, "name"), "is required");
    assert_true(jv_is_null(&v, "name"));
    jv_free(&v);

    /* SQL metacharacters are just characters */
    parse(&v, "{\"name\":\"o'brien\\\"; DROP TABLE user_0;--\"}");
    assert_true(jv_str(&v, "name", JV_REQUIRED, 1, 64, &s));
    assert_string_equal(s, "o'brien\"; DROP TABLE user_0;--");
    jv_free(&v);
}

static void numbers_bools_enums_dates(void **state)
{
    (void)state;
    struct jv v;
    int64_t i;
    double d;
    bool b;
    int e;
    int32_t day;
    parse(&v, "{\"age\":3,\"weight\":4.5,\"ok\":true,\"species\":\"cat\",\"born\":\"2020-02-29\"}");
    assert_true(jv_int(&v, "age", JV_REQUIRED, 0, 40, &i));
    assert_int_equal(i, 3);
    assert_true(jv_num(&v, "weight", JV_REQUIRED, 0.01, 150, &d));
    assert_true(d == 4.5);
    assert_true(jv_bool(&v, "ok", JV_REQUIRED, &b));
    assert_true(b);
    assert_true(jv_enum(&v, "species", JV_REQUIRED, SPECIES, &e));
    assert_int_equal(e, 1);
    assert_true(jv_date(&v, "born", JV_REQUIRED, &day));
    assert_false(jv_failed(&v));
    jv_free(&v);

    parse(&v, "{\"age\":\"3\",\"weight\":-1,\"ok\":1,\"species\":\"horse\",\"born\":\"2021-02-29\"}");
    assert_false(jv_int(&v, "age", JV_REQUIRED, 0, 40, &i));
    assert_false(jv_num(&v, "weight", JV_REQUIRED, 0.01, 150, &d));
    assert_false(jv_bool(&v, "ok", JV_REQUIRED, &b));
    assert_false(jv_enum(&v, "species", JV_REQUIRED, SPECIES, &e));
    assert_false(jv_date(&v, "born", JV_REQUIRED, &day));
    assert_string_equal(terr(&v, "age"), "must be an integer");
    assert_string_equal(terr(&v, "ok"), "must be true or false");
    assert_non_null(err(&v, "weight"));
    assert_string_equal(err(&v, "species"), "must be one of: dog, cat, other");
    assert_string_equal(err(&v, "born"), "must be a date YYYY-MM-DD");
    jv_free(&v);

    parse(&v, "{\"age\":2.5}");
    assert_false(jv_int(&v, "age", JV_REQUIRED, 0, 40, &i)); /* not an integer value */
    jv_free(&v);
    char msg[128];
    assert_int_equal(jv_parse(&v, "{\"age\":1e400}", 13, ALLOWED, msg, sizeof msg), JV_MALFORMED); /* overflow */
    jv_free(&v);
}

/* An integer written as a real at the edge of the range: (double)INT64_MAX rounds up to 2^63,
 * and INT64_MAX / 4 to 2^61, so a range check in doubles let 2^63 through to an undefined
 * cast and 2^61 through one above the maximum (both found by tests/fuzz/). */
static void integer_reals_at_the_edges(void **state)
{
    (void)state;
    struct jv v;
    int64_t i = 7;
    parse(&v, "{\"age\":9223372036854775807.0}"); /* is 2^63 as a double */
    assert_false(jv_int(&v, "age", 0, 1, INT64_MAX, &i));
    assert_non_null(err(&v, "age"));
    jv_free(&v);
    parse(&v, "{\"age\":-1e19}"); /* below INT64_MIN: its cast is undefined too */
    assert_false(jv_int(&v, "age", 0, INT64_MIN, INT64_MAX, &i));
    jv_free(&v);
    parse(&v, "{\"age\":2305843009213693952.0}"); /* 2^61 = INT64_MAX / 4 + 1 */
    assert_false(jv_int(&v, "age", 0, 0, INT64_MAX / 4, &i));
    jv_free(&v);
    assert_int_equal(i, 7);
    parse(&v, "{\"age\":4611686018427387904.0}"); /* 2^62, inside the range */
    assert_true(jv_int(&v, "age", 0, 1, INT64_MAX, &i));
    assert_true(i == 4611686018427387904LL);
    jv_free(&v);
}

static void nested_and_arrays(void **state)
{
    (void)state;
    static const char *const CARE[] = {"feeding", "medication", NULL};
    struct jv v, sub;
    const char *s;
    json_t *tags;
    uint64_t *ids = NULL;
    size_t n = 0;
    parse(&v, "{\"care\":{\"feeding\":\"twice\",\"bath\":\"no\"},\"tags\":[\"a\",\"a\"],\"pet_ids\":[\"12\",\"x\"]}");
    assert_false(jv_obj(&v, "care", 0, CARE, &sub));
    assert_true(jv_str(&sub, "feeding", JV_REQUIRED, 1, 10, &s));
    assert_false(jv_str(&sub, "medication", JV_REQUIRED, 1, 10, &s));
    assert_string_equal(err(&v, "care.bath"), "unknown field");
    assert_string_equal(err(&v, "care.medication"), "is required");
    assert_false(jv_str_array(&v, "tags", 0, 0, 5, 10, &tags));
    assert_string_equal(err(&v, "tags"), "must not repeat an item");
    assert_false(jv_id_array(&v, "pet_ids", JV_REQUIRED, 1, 4, &ids, &n));
    assert_string_equal(err(&v, "pet_ids"), "contains an invalid id");
    assert_null(ids);
    jv_free(&v);

    parse(&v, "{\"pet_ids\":[\"12\",\"13\"]}");
    assert_true(jv_id_array(&v, "pet_ids", JV_REQUIRED, 1, 4, &ids, &n));
    assert_int_equal(n, 2);
    assert_int_equal(ids[1], 13);
    free(ids);
    jv_free(&v);
}

static void query_values(void **state)
{
    (void)state;
    struct jv v;
    jv_init(&v);
    int64_t i;
    double d;
    int32_t day;
    const char *s;
    assert_true(jv_q_int(&v, "limit", "20", 0, 1, 100, &i));
    assert_false(jv_q_int(&v, "pets", "2x", 0, 1, 10, &i));
    assert_false(jv_q_num(&v, "radius_km", "-1", 0, 0.1, 100, &d));
    assert_false(jv_q_num(&v, "lat", "abc", 0, -90, 90, &d));
    assert_false(jv_q_num(&v, "lng", "nan", 0, -180, 180, &d));
    assert_false(jv_q_date(&v, "start_date", "tomorrow", 0, &day));
    assert_false(jv_q_str(&v, "city", "\xc3\x28", 0, 1, 10, &s));
    assert_false(jv_q_int(&v, "absent", NULL, 0, 1, 10, &i));
    assert_non_null(err(&v, "pets"));
    assert_non_null(err(&v, "radius_km"));
    assert_non_null(err(&v, "lat"));
    assert_non_null(err(&v, "lng"));
    assert_non_null(err(&v, "start_date"));
    assert_non_null(terr(&v, "city"));
    assert_null(err(&v, "limit"));
    assert_null(err(&v, "absent"));
    jv_free(&v);
}

static void utf8(void **state)
{
    (void)state;
    assert_int_equal(utf8_count("abc", 3), 3);
    assert_int_equal(utf8_count("\xe5\xae\xa0\xe7\x89\xa9", 6), 2);          /* 宠物 */
    assert_int_equal(utf8_count("\xf0\x9f\x90\xb6", 4), 1);                  /* dog face emoji */
    assert_int_equal(utf8_count("\xc0\xaf", 2), -1);                          /* overlong '/' */
    assert_int_equal(utf8_count("\xed\xa0\x80", 3), -1);                      /* surrogate */
    assert_int_equal(utf8_count("\xf4\x90\x80\x80", 4), -1);                  /* > U+10FFFF */
    assert_int_equal(utf8_count("\xe5\xae", 2), -1);                          /* truncated */
    assert_int_equal(utf8_count("\x80", 1), -1);                              /* lone continuation */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(malformed_and_not_object),
        cmocka_unit_test(unknown_fields_are_named),
        cmocka_unit_test(strings),
        cmocka_unit_test(numbers_bools_enums_dates),
        cmocka_unit_test(integer_reals_at_the_edges),
        cmocka_unit_test(nested_and_arrays),
        cmocka_unit_test(query_values),
        cmocka_unit_test(utf8),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
