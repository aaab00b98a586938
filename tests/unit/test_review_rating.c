/* Review service rating rules: histograms and averages of a known set, the Bayesian score
 * (and why one 5-star review never outranks a hundred 4.8s), the review window's 30-day
 * boundary, configuration checks, and the rating summary's JSON. */
#include "unit.h"
#include "rating.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const struct rating_prior PRIOR = {RATING_PRIOR_MEAN_DEFAULT, RATING_PRIOR_WEIGHT_DEFAULT};

static void close_to(double got, double want)
{
    if (fabs(got - want) > 1e-9)
        fail_msg("got %.12g, want %.12g", got, want);
}

static void histogram_and_average_of_a_known_set(void **state)
{
    (void)state;
    struct rating_agg a = {{0}};
    const int stars[] = {5, 4, 4, 3};
    for (size_t i = 0; i < 4; i++)
        rating_agg_add(&a, stars[i], 1);
    rating_agg_add(&a, 0, 7); /* out of range: ignored */
    rating_agg_add(&a, 6, 7);
    assert_int_equal(rating_agg_count(&a), 4);
    assert_int_equal(rating_agg_sum(&a), 16);
    const long want[5] = {0, 0, 1, 2, 1};
    for (int i = 0; i < 5; i++)
        assert_int_equal(a.hist[i], want[i]);
    double avg = 0;
    assert_true(rating_average(4, 16, &avg));
    close_to(avg, 4.0);
    /* (40 + 16) / (10 + 4) */
    close_to(rating_score(&PRIOR, 4, 16), 4.0);
    /* rounding: 2 decimals for the average, half up; 3 for the score */
    assert_true(rating_average(3, 13, &avg));
    close_to(avg, 4.33);
    assert_true(rating_average(8, 33, &avg)); /* 4.125 */
    close_to(avg, 4.13);
    assert_true(rating_average(3, 14, &avg)); /* 4.6666 */
    close_to(avg, 4.67);
    close_to(rating_score(&PRIOR, 3, 13), 4.077); /* 53 / 13 = 4.0769.. */
    /* no reviews: no average, score 0 */
    avg = -1;
    assert_false(rating_average(0, 0, &avg));
    close_to(avg, -1);
    close_to(rating_score(&PRIOR, 0, 0), 0);
}

static void bayesian_score(void **state)
{
    (void)state;
    /* one 5-star review: (40 + 5) / 11 = 4.091; a hundred 4.8s: (40 + 480) / 110 = 4.727 */
    close_to(rating_score(&PRIOR, 1, 5), 4.091);
    close_to(rating_score(&PRIOR, 100, 480), 4.727);
    assert_true(rating_score(&PRIOR, 1, 5) < rating_score(&PRIOR, 100, 480));
    /* nor do three 5s outrank fifty 4.6s */
    assert_true(rating_score(&PRIOR, 3, 15) < rating_score(&PRIOR, 50, 230));
    /* the score moves from the prior mean towards the average as reviews accumulate */
    double prev = 4.0;
    for (long n = 1; n <= 1000; n *= 10) {
        double s = rating_score(&PRIOR, n, 5 * n);
        assert_true(s > prev && s < 5.0);
        prev = s;
    }
    close_to(rating_score(&PRIOR, 1000000, 3000000), 3.0);
    /* any review outranks none (score 0), however bad */
    assert_true(rating_score(&PRIOR, 1, 1) > rating_score(&PRIOR, 0, 0));
    /* configured priors */
    struct rating_prior p = {3.5, 2};
    close_to(rating_score(&p, 2, 10), 4.25); /* (7 + 10) / 4 */
    struct rating_prior plain = {4.0, 0};
    close_to(rating_score(&plain, 3, 14), 4.667); /* weight 0: the plain average */
}

static void review_window_boundary(void **state)
{
    (void)state;
    const int64_t done = 1767225600000LL; /* 2026-01-01T00:00:00Z */
    assert_true(rating_window_open(done, done, 30));
    assert_true(rating_window_open(done, done + 29 * RATING_DAY_MS, 30));
    assert_true(rating_window_open(done, done + 30 * RATING_DAY_MS, 30));     /* day 30: ok */
    assert_false(rating_window_open(done, done + 30 * RATING_DAY_MS + 1, 30)); /* a millisecond more: no */
    assert_false(rating_window_open(done, done + 31 * RATING_DAY_MS, 30));    /* day 31: refused */
    assert_true(rating_window_open(done, done - 5000, 30));                   /* completion "ahead" of us */
    assert_true(rating_window_open(done, done + 7 * RATING_DAY_MS, 7));
    assert_false(rating_window_open(done, done + 8 * RATING_DAY_MS, 7));
}

static void configuration(void **state)
{
    (void)state;
    double d = 0;
    assert_true(rating_parse_number("4.2", &d));
    close_to(d, 4.2);
    assert_true(rating_parse_number("10", &d));
    close_to(d, 10);
    const char *bad[] = {"", "x", "4.2x", "nan", "inf", " ", NULL};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        assert_false(rating_parse_number(bad[i], &d));
    assert_null(rating_prior_problem(&PRIOR));
    assert_null(rating_prior_problem(&(struct rating_prior){1, 0}));
    assert_null(rating_prior_problem(&(struct rating_prior){5, 1000000}));
    assert_non_null(rating_prior_problem(&(struct rating_prior){0.9, 10}));
    assert_non_null(rating_prior_problem(&(struct rating_prior){5.1, 10}));
    assert_non_null(rating_prior_problem(&(struct rating_prior){4, -1}));
    assert_non_null(rating_prior_problem(&(struct rating_prior){NAN, 1}));
}

static void summary_json(void **state)
{
    (void)state;
    struct rating_agg a = {{0}};
    rating_agg_add(&a, 5, 1);
    rating_agg_add(&a, 4, 2);
    rating_agg_add(&a, 3, 1);
    json_t *j = rating_json(291648517357568000ULL, &a, &PRIOR);
    assert_non_null(j);
    assert_string_equal(json_string_value(json_object_get(j, "listing_id")), "291648517357568000");
    assert_int_equal(json_integer_value(json_object_get(j, "count")), 4);
    close_to(json_real_value(json_object_get(j, "average")), 4.0);
    close_to(json_real_value(json_object_get(j, "score")), 4.0);
    json_t *h = json_object_get(j, "histogram");
    assert_int_equal(json_object_size(h), 5);
    const char *keys[] = {"1", "2", "3", "4", "5"};
    const json_int_t want[] = {0, 0, 1, 2, 1};
    for (int i = 0; i < 5; i++)
        assert_int_equal(json_integer_value(json_object_get(h, keys[i])), want[i]);
    json_decref(j);

    struct rating_agg none = {{0}};
    j = rating_json(1, &none, &PRIOR);
    assert_int_equal(json_integer_value(json_object_get(j, "count")), 0);
    assert_true(json_is_null(json_object_get(j, "average")));
    close_to(json_number_value(json_object_get(j, "score")), 0);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "histogram"), "5")), 0);
    json_decref(j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(histogram_and_average_of_a_known_set),
        cmocka_unit_test(bayesian_score),
        cmocka_unit_test(review_window_boundary),
        cmocka_unit_test(configuration),
        cmocka_unit_test(summary_json),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
