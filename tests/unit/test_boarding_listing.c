/* Boarding rules: status machine, species, search validation, canonical keys, cursors,
 * LIKE escaping, URL checks, the JSON shape. */
#include "unit.h"
#include "dates.h"
#include "listing.h"

#include <stdlib.h>
#include <string.h>

static void status_machine(void **state)
{
    (void)state;
    enum listing_status to;
    assert_int_equal(listing_transition(LS_PENDING_REVIEW, LE_APPROVE, &to), ERR_OK);
    assert_int_equal(to, LS_PUBLISHED);
    assert_int_equal(listing_transition(LS_PENDING_REVIEW, LE_REJECT, &to), ERR_OK);
    assert_int_equal(to, LS_REJECTED);
    assert_int_equal(listing_transition(LS_PUBLISHED, LE_APPROVE, &to), ERR_CONFLICT);
    assert_int_equal(listing_transition(LS_REJECTED, LE_REJECT, &to), ERR_CONFLICT);
    for (int s = 0; s < LS__COUNT; s++) { /* any text edit goes back to review */
        assert_int_equal(listing_transition((enum listing_status)s, LE_EDIT_TEXT, &to), ERR_OK);
        assert_int_equal(to, LS_PENDING_REVIEW);
    }
    assert_int_equal(listing_transition(LS_PUBLISHED, LE_PAUSE, &to), ERR_OK);
    assert_int_equal(to, LS_PAUSED);
    assert_int_equal(listing_transition(LS_PAUSED, LE_RESUME, &to), ERR_OK);
    assert_int_equal(to, LS_PUBLISHED);
    assert_int_equal(listing_transition(LS_PENDING_REVIEW, LE_RESUME, &to), ERR_CONFLICT); /* no way around review */
    assert_int_equal(listing_transition(LS_REJECTED, LE_PAUSE, &to), ERR_CONFLICT);
}

static void species(void **state)
{
    (void)state;
    assert_int_equal(species_bit("dog"), 1);
    assert_int_equal(species_bit("cat"), 2);
    assert_int_equal(species_bit("other"), 4);
    assert_int_equal(species_bit("horse"), 0);
    json_t *a = species_json(5);
    assert_int_equal(json_array_size(a), 2);
    assert_string_equal(json_string_value(json_array_get(a, 1)), "other");
    json_decref(a);
}

#define TODAY 20000 /* a fixed day number: 2024-10-04 */

static int parse(struct search *q, const char *const kv[][2], size_t n, const char **bad_field)
{
    const char *v[16] = {0};
    static const char *const names[] = {"city", "district", "species", "min_price_fen", "max_price_fen",
                                        "start_date", "end_date", "pets", "near", "radius_km", "min_rating",
                                        "q", "sort", "limit", "cursor"};
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < 15; k++)
            if (strcmp(kv[i][0], names[k]) == 0)
                v[k] = kv[i][1];
    struct jv jv;
    jv_init(&jv);
    const struct search_params p = {v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11], v[12],
                                    v[13], v[14]}; /* in the order of names[] and of the struct */
    search_parse(&jv, q, TODAY, &p);
    int failed = jv_failed(&jv);
    static char field[64];
    const char *key;
    json_t *val;
    field[0] = 0;
    json_object_foreach(jv.errors, key, val)
    {
        snprintf(field, sizeof field, "%s", key); /* the first field named */
        break;
    }
    if (bad_field)
        *bad_field = field;
    jv_free(&jv);
    return failed;
}

static void search_validation(void **state)
{
    (void)state;
    struct search q;
    const char *bad;
    char d0[DATE_STR_LEN], d1[DATE_STR_LEN], d61[DATE_STR_LEN], dpast[DATE_STR_LEN];
    date_format(TODAY + 1, d0);
    date_format(TODAY + 3, d1);
    date_format(TODAY + 62, d61);
    date_format(TODAY - 1, dpast);
    const char *const ok[][2] = {{"city", "上海"}, {"species", "cat"}, {"start_date", d0}, {"end_date", d1},
                                 {"pets", "2"},     {"near", "31.2,121.4"}, {"radius_km", "5"}, {"sort", "price_desc"}};
    assert_false(parse(&q, ok, 8, &bad));
    assert_int_equal(q.species_mask, 2);
    assert_int_equal(q.end - q.start, 2);
    assert_int_equal(q.pets, 2);
    assert_true(q.has_near);
    assert_true(q.radius_km == 5);
    assert_int_equal(q.sort, SORT_PRICE_DESC);
    assert_int_equal(q.limit, 20);

    const char *const near_default[][2] = {{"near", "31.2,121.4"}};
    assert_false(parse(&q, near_default, 1, &bad));
    assert_int_equal(q.sort, SORT_DISTANCE);
    assert_true(q.radius_km == 10);

    const char *const long_stay[][2] = {{"start_date", d0}, {"end_date", d61}};
    assert_true(parse(&q, long_stay, 2, &bad));
    assert_string_equal(bad, "end_date");
    const char *const past[][2] = {{"start_date", dpast}, {"end_date", d1}};
    assert_true(parse(&q, past, 2, &bad));
    assert_string_equal(bad, "start_date");
    const char *const prices[][2] = {{"min_price_fen", "500"}, {"max_price_fen", "100"}};
    assert_true(parse(&q, prices, 2, &bad));
    assert_string_equal(bad, "max_price_fen");
    const char *const radius[][2] = {{"near", "1,2"}, {"radius_km", "-1"}};
    assert_true(parse(&q, radius, 2, &bad));
    assert_string_equal(bad, "radius_km");
    const char *const junk_near[][2] = {{"near", "north,east"}};
    assert_true(parse(&q, junk_near, 1, &bad));
    assert_string_equal(bad, "near");
    const char *const dist[][2] = {{"sort", "distance"}};
    assert_true(parse(&q, dist, 1, &bad));
    assert_string_equal(bad, "sort");
    const char *const words[][2] = {{"q", "猫\xe3\x80\x80狗  阳光"}}; /* ideographic space separates too */
    assert_false(parse(&q, words, 1, &bad));
    assert_int_equal(q.nwords, 3);
    assert_string_equal(q.words[1], "狗");
}

static void canonical_form_ignores_spelling(void **state)
{
    (void)state;
    struct search a, b, c;
    const char *bad;
    const char *const qa[][2] = {{"city", "上海"}, {"limit", "20"}, {"sort", "rating"}};
    const char *const qb[][2] = {{"city", "上海"}};
    const char *const qc[][2] = {{"city", "上海"}, {"limit", "21"}};
    parse(&a, qa, 3, &bad);
    parse(&b, qb, 1, &bad);
    parse(&c, qc, 2, &bad);
    char ka[512], kb[512], kc[512];
    search_canonical(&a, ka, sizeof ka);
    search_canonical(&b, kb, sizeof kb);
    search_canonical(&c, kc, sizeof kc);
    assert_string_equal(ka, kb); /* defaults spelled out or not: one cache entry */
    assert_string_not_equal(ka, kc);
}

static void cursors(void **state)
{
    (void)state;
    char buf[96];
    int64_t key;
    uint64_t id;
    search_cursor_encode(SORT_PRICE_ASC, 12000, 987654321, buf, sizeof buf);
    assert_true(search_cursor_decode(buf, SORT_PRICE_ASC, &key, &id));
    assert_int_equal(key, 12000);
    assert_int_equal(id, 987654321);
    assert_false(search_cursor_decode(buf, SORT_RATING, &key, &id)); /* bound to its sort */
    search_cursor_encode(SORT_RATING, 0, 5, buf, sizeof buf);
    assert_true(search_cursor_decode(buf, SORT_RATING, &key, &id));
    assert_false(search_cursor_decode("bm9wZQ", SORT_RATING, &key, &id)); /* "nope" */
    assert_false(search_cursor_decode("!!!", SORT_RATING, &key, &id));
    assert_false(search_cursor_decode("", SORT_RATING, &key, &id));
}

static void like_escapes(void **state)
{
    (void)state;
    char out[32];
    assert_true(like_escape("100%_a\\b", out, sizeof out));
    assert_string_equal(out, "100\\%\\_a\\\\b");
    assert_false(like_escape("%%%%%%%%%%%%%%%%%%", out, 8));
}

static void json_shape(void **state)
{
    (void)state;
    struct listing l;
    memset(&l, 0, sizeof l);
    l.id = 11;
    l.provider_id = 22;
    l.status = LS_PUBLISHED;
    strcpy(l.title, "t");
    l.species_mask = 3;
    l.price_fen = 9900;
    l.rating_count = 3;
    l.rating_sum = 13;
    l.rating_score_milli = 4210;
    json_t *j = listing_json(&l, false);
    assert_string_equal(json_string_value(json_object_get(j, "id")), "11");
    assert_string_equal(json_string_value(json_object_get(j, "currency")), "CNY");
    assert_true(json_real_value(json_object_get(json_object_get(j, "rating"), "average")) == 4.33);
    assert_true(json_real_value(json_object_get(json_object_get(j, "rating"), "score")) == 4.21);
    assert_null(json_object_get(j, "status_reason"));
    assert_null(json_object_get(j, "description")); /* detail not loaded */
    json_decref(j);
    l.provider_suspended = true;
    j = listing_json(&l, true);
    assert_string_equal(json_string_value(json_object_get(j, "status")), "suspended");
    assert_true(json_is_null(json_object_get(j, "status_reason")));
    json_decref(j);
    assert_false(listing_visible(&l));
    /* the detail: photos as media resolved them, and a URL from before media ids */
    l.description = (char *)"d";
    l.address = (char *)"a";
    l.house_rules = (char *)"";
    l.amenities_json = (char *)"[]";
    l.photos_json = (char *)"[{\"id\":\"7\",\"url\":\"/media/pub/ab/x_1280.jpg\",\"thumb_url\":\"/media/pub/ab/x_320.jpg\"},"
                            "\"https://img.example.com/a.jpg\"]";
    j = listing_json(&l, false);
    json_t *ph = json_object_get(j, "photos");
    assert_int_equal(json_array_size(ph), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(ph, 0), "id")), "7");
    assert_string_equal(json_string_value(json_object_get(json_array_get(ph, 0), "thumb_url")), "/media/pub/ab/x_320.jpg");
    assert_true(json_is_null(json_object_get(json_array_get(ph, 1), "id")));
    assert_string_equal(json_string_value(json_object_get(json_array_get(ph, 1), "url")), "https://img.example.com/a.jpg");
    json_decref(j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(status_machine),
        cmocka_unit_test(species),
        cmocka_unit_test(search_validation),
        cmocka_unit_test(canonical_form_ignores_spelling),
        cmocka_unit_test(cursors),
        cmocka_unit_test(like_escapes),
        cmocka_unit_test(json_shape),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
