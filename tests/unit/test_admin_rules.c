/* Admin platform rules: case-insensitive UTF-8-safe matching, rule-set validation, listing
 * evaluation (one violation per hit), change summaries. */
#include "unit.h"
#include "rules.h"

#include <stdlib.h>
#include <string.h>

static bool contains(const char *hay, const char *needle)
{
    return rules_contains_ci(hay, strlen(hay), needle, strlen(needle));
}

static void matching_ignores_ascii_case_and_is_utf8_safe(void **state)
{
    (void)state;
    assert_true(contains("No ABUSE here", "abuse"));
    assert_true(contains("no abuse here", "AbUsE"));
    assert_true(contains("abuse", "abuse"));
    assert_false(contains("abus", "abuse"));
    assert_false(contains("anything", ""));
    /* Chinese words inside Chinese text */
    assert_true(contains("本店严禁虐待动物", "虐待"));
    assert_true(contains("虐待", "虐待"));
    assert_false(contains("本店爱护动物", "虐待"));
    /* mixed scripts, and the match may sit next to ASCII letters */
    assert_true(contains("no虐待ok", "虐待"));
    assert_true(contains("Dogfight俱乐部", "DOGFIGHT"));
    /* only ASCII letters are folded: bytes of multi-byte characters are never changed */
    assert_false(contains("\xc3\xa0", "\xc3\x80")); /* à is not À */
    assert_true(contains("AB虐待CD", "b虐待c"));
    /* non-ASCII letters are compared exactly (no Unicode case folding) */
    assert_false(contains("ÉCOLE", "école"));
    assert_true(rules_same_word("Abuse", 5, "aBUSE", 5));
    assert_false(rules_same_word("abuse", 5, "abused", 6));
}

static json_t *words(const char *json)
{
    json_t *w = json_loads(json, JSON_ALLOW_NUL, NULL);
    assert_non_null(w);
    return w;
}

static bool words_ok(const char *json, char *why, size_t cap)
{
    json_t *w = words(json);
    bool ok = rules_words_ok(w, why, cap);
    json_decref(w);
    return ok;
}

static void banned_word_lists_are_validated(void **state)
{
    (void)state;
    char why[256];
    assert_true(words_ok("[]", why, sizeof why));
    assert_true(words_ok("[\"虐待\",\"abuse\",\"dog fight\"]", why, sizeof why));
    /* 32 characters are fine, 33 are not; characters, not bytes */
    assert_true(words_ok("[\"一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十一二\"]", why, sizeof why));
    assert_false(words_ok("[\"一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十一二三\"]", why, sizeof why));
    assert_string_equal(why, "word #1 must be 1 to 32 characters");
    assert_false(words_ok("[\"ok\",\"\"]", why, sizeof why));
    assert_string_equal(why, "word #2 must be 1 to 32 characters");
    /* duplicates, also in another letter case */
    assert_false(words_ok("[\"abuse\",\"x\",\"abuse\"]", why, sizeof why));
    assert_string_equal(why, "word #3 (\"abuse\") repeats word #1 ignoring case");
    assert_false(words_ok("[\"Abuse\",\"ABUSE\"]", why, sizeof why));
    assert_false(words_ok("[\"毒品\",\"毒品\"]", why, sizeof why));
    /* padding and control characters */
    assert_false(words_ok("[\" abuse\"]", why, sizeof why));
    assert_string_equal(why, "word #1 must not start or end with a space");
    assert_false(words_ok("[\"虐待\u3000\"]", why, sizeof why));
    assert_false(words_ok("[\"a\\tb\"]", why, sizeof why));
    assert_false(words_ok("[\"a\\u0000b\"]", why, sizeof why));
    /* types and size */
    assert_false(words_ok("[1]", why, sizeof why));
    assert_false(words_ok("{}", why, sizeof why));
    json_t *many = json_array();
    for (int i = 0; i < RULES_MAX_WORDS; i++)
        json_array_append_new(many, json_sprintf("w%d", i));
    assert_true(rules_words_ok(many, why, sizeof why));
    json_array_append_new(many, json_string("one-too-many"));
    assert_false(rules_words_ok(many, why, sizeof why));
    json_decref(many);
    /* a tiny buffer still gets a NUL-terminated message */
    char tiny[12];
    assert_false(words_ok("[\"虐待虐待\",\"虐待虐待\"]", tiny, sizeof tiny));
    assert_true(strlen(tiny) < sizeof tiny);
}

static void price_bounds(void **state)
{
    (void)state;
    const char *field;
    assert_null(rules_price_problem(0, 0, &field));
    assert_null(rules_price_problem(1000, 500000, &field));
    assert_null(rules_price_problem(10000000, 10000000, &field));
    assert_non_null(rules_price_problem(600, 500, &field));
    assert_string_equal(field, "min_price_fen");
    assert_non_null(rules_price_problem(-1, 500, &field));
    assert_string_equal(field, "min_price_fen");
    assert_non_null(rules_price_problem(0, 10000001, &field));
    assert_string_equal(field, "max_price_fen");
}

static json_t *listing(const char *title, const char *description, const char *house_rules, json_int_t price)
{
    return json_pack("{s:s,s:s,s:s,s:[s,s],s:I}", "title", title, "description", description, "house_rules",
                     house_rules, "amenities", "空调", "garden", "price_per_night_fen", price);
}

static const json_t *find(const json_t *violations, const char *rule, const char *field)
{
    size_t i;
    const json_t *v;
    json_array_foreach(violations, i, v)
    {
        if (strcmp(json_string_value(json_object_get(v, "rule")), rule) == 0 &&
            strcmp(json_string_value(json_object_get(v, "field")), field) == 0)
            return v;
    }
    return NULL;
}

static void listings_are_evaluated(void **state)
{
    (void)state;
    json_t *w = words("[\"虐待\",\"abuse\",\"毒品\"]");
    struct rules r = {w, 1000, 500000};

    json_t *clean = listing("阳光小院", "宽敞的院子，每天遛狗两次", "请提前沟通", 12000);
    json_t *v = rules_evaluate(&r, clean);
    assert_true(json_is_array(v));
    assert_int_equal(json_array_size(v), 0);
    json_decref(v);
    json_decref(clean);

    /* one entry per hit: two words in the title, one in the description, one in house rules */
    json_t *bad = listing("No ABUSE, no 虐待", "我们绝不虐待动物", "no abuse of staff", 12000);
    v = rules_evaluate(&r, bad);
    assert_int_equal(json_array_size(v), 4);
    const json_t *hit = find(v, "banned_word", "title");
    assert_non_null(hit);
    assert_non_null(find(v, "banned_word", "description"));
    assert_non_null(find(v, "banned_word", "house_rules"));
    assert_string_equal(json_string_value(json_object_get(hit, "word")), "虐待");
    assert_string_equal(json_string_value(json_object_get(hit, "detail")), "contains the banned word \"虐待\"");
    json_decref(v);
    json_decref(bad);

    /* amenities are checked one by one, named by index; prices below and above the bounds */
    json_t *l = listing("ok", "ok", "ok", 999);
    json_array_set_new(json_object_get(l, "amenities"), 1, json_string("毒品 storage"));
    v = rules_evaluate(&r, l);
    assert_int_equal(json_array_size(v), 2);
    assert_non_null(find(v, "banned_word", "amenities.1"));
    hit = find(v, "min_price", "price_per_night_fen");
    assert_non_null(hit);
    assert_string_equal(json_string_value(json_object_get(hit, "detail")), "999 fen is below the minimum of 1000 fen");
    json_decref(v);
    json_object_set_new(l, "price_per_night_fen", json_integer(500001));
    json_array_set_new(json_object_get(l, "amenities"), 1, json_string("garden"));
    v = rules_evaluate(&r, l);
    assert_int_equal(json_array_size(v), 1);
    assert_non_null(find(v, "max_price", "price_per_night_fen"));
    json_decref(v);
    /* the bounds themselves are allowed */
    json_object_set_new(l, "price_per_night_fen", json_integer(500000));
    v = rules_evaluate(&r, l);
    assert_int_equal(json_array_size(v), 0);
    json_decref(v);
    /* a missing price and missing text fields */
    json_t *sparse = json_pack("{s:s}", "title", "abuse");
    v = rules_evaluate(&r, sparse);
    assert_int_equal(json_array_size(v), 2);
    assert_non_null(find(v, "price_missing", "price_per_night_fen"));
    json_decref(v);
    json_decref(sparse);
    json_decref(l);

    /* no banned words: only prices count */
    json_t *none = json_array();
    struct rules r2 = {none, 0, 10000000};
    json_t *x = listing("虐待 abuse", "", "", 5);
    v = rules_evaluate(&r2, x);
    assert_int_equal(json_array_size(v), 0);
    json_decref(v);
    json_decref(x);
    json_decref(none);
    json_decref(w);
}

/* A listing write is checked on the fields it gives: no price given breaks no price rule. */
static void writes_are_evaluated_on_what_they_give(void **state)
{
    (void)state;
    json_t *w = words("[\"虐待\",\"abuse\"]");
    struct rules r = {w, 1000, 500000};

    json_t *price_only = json_pack("{s:I}", "price_per_night_fen", (json_int_t)9000000);
    json_t *v = rules_evaluate_given(&r, price_only);
    assert_int_equal(json_array_size(v), 1);
    assert_non_null(find(v, "max_price", "price_per_night_fen"));
    json_decref(v);
    json_object_set_new(price_only, "price_per_night_fen", json_integer(999));
    v = rules_evaluate_given(&r, price_only);
    assert_non_null(find(v, "min_price", "price_per_night_fen"));
    json_decref(v);
    json_object_set_new(price_only, "price_per_night_fen", json_integer(12000));
    v = rules_evaluate_given(&r, price_only);
    assert_int_equal(json_array_size(v), 0);
    json_decref(v);
    json_decref(price_only);

    /* text without a price: only the words count (rules_evaluate would add price_missing) */
    json_t *title = json_pack("{s:s,s:[s,s]}", "title", "No ABUSE here", "amenities", "garden", "虐待 room");
    v = rules_evaluate_given(&r, title);
    assert_int_equal(json_array_size(v), 2);
    assert_non_null(find(v, "banned_word", "title"));
    assert_non_null(find(v, "banned_word", "amenities.1"));
    assert_null(find(v, "price_missing", "price_per_night_fen"));
    json_t *fields = rules_violation_fields(v);
    assert_int_equal(json_object_size(fields), 2);
    assert_string_equal(json_string_value(json_object_get(fields, "title")), "contains the banned word \"abuse\"");
    json_decref(fields);
    json_decref(v);
    json_decref(title);

    /* nothing given: nothing broken */
    json_t *empty = json_object();
    v = rules_evaluate_given(&r, empty);
    assert_int_equal(json_array_size(v), 0);
    fields = rules_violation_fields(v);
    assert_int_equal(json_object_size(fields), 0);
    json_decref(fields);
    json_decref(v);
    json_decref(empty);
    json_decref(w);
}

/* The error fields name each field once, with its first violation. */
static void violation_fields_name_each_field_once(void **state)
{
    (void)state;
    json_t *w = words("[\"虐待\",\"abuse\"]");
    struct rules r = {w, 1000, 500000};
    json_t *bad = listing("No ABUSE, no 虐待", "ok", "ok", 500);
    json_t *v = rules_evaluate(&r, bad);
    assert_int_equal(json_array_size(v), 3);
    json_t *fields = rules_violation_fields(v);
    assert_int_equal(json_object_size(fields), 2);
    assert_string_equal(json_string_value(json_object_get(fields, "title")), "contains the banned word \"虐待\"");
    assert_string_equal(json_string_value(json_object_get(fields, "price_per_night_fen")),
                        "500 fen is below the minimum of 1000 fen");
    json_decref(fields);
    json_decref(v);
    json_decref(bad);
    json_decref(w);
}

static void change_summaries(void **state)
{
    (void)state;
    json_t *a = words("[\"虐待\",\"abuse\"]"), *b = words("[\"虐待\",\"斗狗\",\"gambling\"]");
    struct rules before = {a, 1000, 400000}, after = {b, 1000, 500000};
    char buf[256];
    rules_change_summary(&before, &after, buf, sizeof buf);
    assert_string_equal(buf, "banned_words: 3 (+2: 斗狗, gambling; -1: abuse); price: 1000..500000 fen (was 1000..400000)");
    rules_change_summary(&after, &after, buf, sizeof buf);
    assert_string_equal(buf, "banned_words: 3 (+0; -0); price: 1000..500000 fen");
    rules_change_summary(NULL, &after, buf, sizeof buf);
    assert_string_equal(buf, "banned_words: 3; price: 1000..500000 fen");
    /* too long: cut with "..." on a character boundary, still valid UTF-8 */
    char small[24];
    rules_change_summary(&before, &after, small, sizeof small);
    assert_true(strlen(small) < sizeof small);
    assert_non_null(strstr(small, "..."));
    json_t *check = json_string(small);
    assert_non_null(check); /* jansson refuses invalid UTF-8 */
    json_decref(check);
    for (size_t cap = 4; cap < 80; cap++) {
        char *t = malloc(cap);
        rules_change_summary(&before, &after, t, cap);
        json_t *j = json_string(t);
        assert_non_null(j);
        json_decref(j);
        free(t);
    }
    json_decref(a);
    json_decref(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(matching_ignores_ascii_case_and_is_utf8_safe),
        cmocka_unit_test(banned_word_lists_are_validated),
        cmocka_unit_test(price_bounds),
        cmocka_unit_test(listings_are_evaluated),
        cmocka_unit_test(writes_are_evaluated_on_what_they_give),
        cmocka_unit_test(violation_fields_name_each_field_once),
        cmocka_unit_test(change_summaries),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
