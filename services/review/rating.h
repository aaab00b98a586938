/* Pure rating rules of the review service: the histogram and average of a listing's visible
 * reviews, the Bayesian ranking score, the review window, and the JSON of a rating summary. */
#ifndef REVIEW_RATING_H
#define REVIEW_RATING_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#define RATING_PRIOR_MEAN_DEFAULT 4.0    /* m: what a listing is assumed to score before reviews */
#define RATING_PRIOR_WEIGHT_DEFAULT 10.0 /* C: how many reviews that assumption is worth */
#define RATING_WINDOW_DAYS_DEFAULT 30    /* how long after completed_at a stay may be reviewed */
#define RATING_DAY_MS 86400000LL

/* The Bayesian prior of the score. */
struct rating_prior {
    double mean;   /* 1..5 */
    double weight; /* >= 0 (0: the score is the plain average) */
};

/* Counts of visible reviews per star (hist[0] = 1 star ... hist[4] = 5 stars). */
struct rating_agg {
    long hist[5];
};

/* Add n reviews of stars (1..5; anything else is ignored). */
void rating_agg_add(struct rating_agg *a, int stars, long n);
/* Number of reviews and sum of their stars. */
long rating_agg_count(const struct rating_agg *a);
long rating_agg_sum(const struct rating_agg *a);

/* The ranking score of count reviews whose stars add up to sum:
 *   score = (C * m + sum) / (C + count), rounded to 3 decimals,
 * and 0 when count is 0 (a listing nobody reviewed does not outrank reviewed ones). */
double rating_score(const struct rating_prior *p, long count, long sum);

/* The plain average rounded to 2 decimals into *out; false (nothing written) when count is 0. */
bool rating_average(long count, long sum, double *out);

/* Whether a stay completed at completed_ms may still be reviewed at now_ms: at most
 * window_days * 24 h after it (exactly 30 days later is still allowed, a millisecond more
 * is not). A completion time in the future (clock skew) is allowed. */
bool rating_window_open(int64_t completed_ms, int64_t now_ms, int window_days);

/* Check a prior read from configuration: NULL when usable, else what is wrong. */
const char *rating_prior_problem(const struct rating_prior *p);

/* Parse a decimal number from configuration (whole string, finite); false if it is not one. */
bool rating_parse_number(const char *s, double *out);

/* The public summary {listing_id, count, average, score, histogram: {"1": n, .. "5": n}}
 * (a new reference, NULL on no memory). average is null when count is 0. */
json_t *rating_json(uint64_t listing_id, const struct rating_agg *a, const struct rating_prior *p);

#endif
