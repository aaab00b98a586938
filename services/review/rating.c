/* Rating aggregates, the Bayesian score, the review window. Pure. */
#include "rating.h"
#include "ids.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

void rating_agg_add(struct rating_agg *a, int stars, long n)
{
    if (stars >= 1 && stars <= 5)
        a->hist[stars - 1] += n;
}

long rating_agg_count(const struct rating_agg *a)
{
    long n = 0;
    for (int i = 0; i < 5; i++)
        n += a->hist[i];
    return n;
}

long rating_agg_sum(const struct rating_agg *a)
{
    long s = 0;
    for (int i = 0; i < 5; i++)
        s += a->hist[i] * (i + 1);
    return s;
}

double rating_score(const struct rating_prior *p, long count, long sum)
{
    if (count <= 0)
        return 0;
    double score = (p->weight * p->mean + (double)sum) / (p->weight + (double)count);
    return (double)llround(score * 1000.0) / 1000.0;
}

bool rating_average(long count, long sum, double *out)
{
    if (count <= 0)
        return false;
    /* integer rounding first, so 4.125 is 4.13 whatever the binary form of the quotient */
    *out = (double)((sum * 200 + count) / (count * 2)) / 100.0;
    return true;
}

bool rating_window_open(int64_t completed_ms, int64_t now_ms, int window_days)
{
    return now_ms - completed_ms <= (int64_t)window_days * RATING_DAY_MS;
}

const char *rating_prior_problem(const struct rating_prior *p)
{
    if (!isfinite(p->mean) || p->mean < 1 || p->mean > 5)
        return "PB_RATING_PRIOR_MEAN must be a number from 1 to 5";
    if (!isfinite(p->weight) || p->weight < 0 || p->weight > 1000000)
        return "PB_RATING_PRIOR_WEIGHT must be a number from 0 to 1000000";
    return NULL;
}

bool rating_parse_number(const char *s, double *out)
{
    if (!s || !*s)
        return false;
    char *end;
    double d = strtod(s, &end);
    if (*end || !isfinite(d))
        return false;
    *out = d;
    return true;
}

json_t *rating_json(uint64_t listing_id, const struct rating_agg *a, const struct rating_prior *p)
{
    char id[IDS_STR_LEN];
    long count = rating_agg_count(a), sum = rating_agg_sum(a);
    double avg = 0;
    json_t *average = rating_average(count, sum, &avg) ? json_real(avg) : json_null();
    json_t *hist = json_object();
    for (int i = 0; i < 5 && hist; i++) {
        char k[2] = {(char)('1' + i), 0};
        json_object_set_new(hist, k, json_integer(a->hist[i]));
    }
    return json_pack("{s:s,s:I,s:o,s:f,s:o}", "listing_id", ids_format(listing_id, id), "count", (json_int_t)count,
                     "average", average, "score", rating_score(p, count, sum), "histogram", hist);
}
