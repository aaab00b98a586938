/* The dashboard's reading of /metrics: the text format line by line (labels, escapes,
 * special values, timestamps, junk), whole scrapes as lib/metrics.c renders them, and the
 * interval figures of two scrapes (rates, share of 5xx, p99 by interpolation, cache hit
 * ratio, restarts), plus the error-rate alert's thresholds. */
#include "unit.h"
#include "metrics.h"
#include "sample.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static bool line(const char *text, struct sample_series *out) { return sample_parse_line(text, strlen(text), out); }

static void lines_with_labels_values_and_timestamps(void **state)
{
    (void)state;
    struct sample_series s;
    assert_true(line("pb_http_requests_total{service=\"user\",method=\"GET\",route=\"/api/v1/users/{id}\","
                     "status=\"200\"} 42",
                     &s));
    assert_string_equal(s.name, "pb_http_requests_total");
    assert_int_equal(s.nlabels, 4);
    assert_string_equal(sample_label(&s, "route"), "/api/v1/users/{id}");
    assert_string_equal(sample_label(&s, "status"), "200");
    assert_null(sample_label(&s, "le"));
    assert_true(s.value == 42);

    assert_true(line("up 1", &s));
    assert_string_equal(s.name, "up");
    assert_int_equal(s.nlabels, 0);
    assert_true(line("  job:rate5m{a=\"x\"}\t0.25   1700000000000  ", &s)); /* colon, tab, timestamp */
    assert_true(s.value == 0.25);
    assert_true(line("x{} 3", &s));
    assert_true(line("x{a=\"1\",} -2.5e3", &s)); /* trailing comma */
    assert_true(s.value == -2500);
    assert_true(line("x NaN", &s) && isnan(s.value));
    assert_true(line("x +Inf", &s) && isinf(s.value) && s.value > 0);
    assert_true(line("x -Inf", &s) && isinf(s.value) && s.value < 0);
    assert_true(line("x{msg=\"say \\\"hi\\\"\\\\ \\n,}\"} 1", &s)); /* escapes, and , } inside a value */
    assert_string_equal(sample_label(&s, "msg"), "say \"hi\"\\ \n,}");
    assert_true(line("x{ a = \"1\" , b=\"2\" } 7", &s)); /* blanks around everything */
    assert_string_equal(sample_label(&s, "b"), "2");
}

static void comments_blanks_and_junk_are_not_series(void **state)
{
    (void)state;
    struct sample_series s;
    const char *bad[] = {
        "",
        "   ",
        "# HELP x a counter",
        "# TYPE x counter",
        "x",                       /* no value */
        "x{a=\"1\"}",              /* no value */
        "x{a=\"1\"}7",             /* no blank before the value */
        "x{a=\"1} 7",              /* unterminated value */
        "x{a=1} 7",                /* unquoted value */
        "x{a=\"\\q\"} 7",          /* unknown escape */
        "x{1a=\"1\"} 7",           /* bad label name */
        "x{a:b=\"1\"} 7",          /* ':' in a label name */
        "9x 7",                    /* bad metric name */
        "x 7 12 13",               /* junk after the timestamp */
        "x 7 12ms",                /* a timestamp that is no integer */
        "x seven",                 /* no number */
        "x 7e",                    /* half a number */
        "x{a=\"1\" b=\"2\"} 7",    /* no comma */
        "x{a=\"1\",b=\"2\",c=\"3\",d=\"4\",e=\"5\",f=\"6\",g=\"7\",h=\"8\",i=\"9\"} 1", /* too many labels */
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        if (line(bad[i], &s))
            fail_msg("accepted: %s", bad[i]);
    }
    char longname[300];
    memset(longname, 'a', sizeof longname);
    memcpy(longname + 280, " 1", 3);
    assert_false(line(longname, &s)); /* a name longer than we keep */
}

static double g_value;
static double value_of(void *arg) { return *(const double *)arg; }

/* A scrape as the services render it, produced by lib/metrics.c itself. */
static void a_whole_scrape(void **state)
{
    (void)state;
    metrics_reset();
    for (int i = 0; i < 90; i++)
        metrics_observe_request("GET", "/api/v1/orders/{id}", 200, 0.003);
    for (int i = 0; i < 10; i++)
        metrics_observe_request("POST", "/api/v1/orders", 503, 0.2);
    for (int i = 0; i < 50; i++)
        metrics_observe_request("GET", "/metrics", 200, 3.0);
    metrics_observe_request("GET", "/healthz", 500, 3.0);
    metrics_count("pb_cache_requests_total", "cache=\"listing\",result=\"hit\"", 30);
    metrics_count("pb_cache_requests_total", "cache=\"listing\",result=\"stale\"", 6);
    metrics_count("pb_cache_requests_total", "cache=\"search\",result=\"miss\"", 4);
    metrics_count("pb_cache_requests_total", "cache=\"search\",result=\"bypass\"", 1000);
    metrics_count("pb_outbox_published_total", NULL, 3);
    g_value = 7;
    double oldest = 1.5, lag = 120;
    metrics_gauge("pb_outbox_pending", "events waiting", value_of, &g_value);
    metrics_gauge("pb_outbox_oldest_pending_seconds", "age", value_of, &oldest);
    metrics_gauge_labeled("pb_events_consumer_pending", "consumer=\"order-payments\"", "lag", value_of, &lag);
    metrics_gauge_labeled("pb_events_consumer_pending", "consumer=\"order-refunds\"", "lag", value_of, &oldest);
    char *t = metrics_render("order");
    metrics_reset();
    struct sample s;
    assert_true(sample_parse(t, strlen(t), &s));
    free(t);
    assert_int_equal(s.skipped, 0);
    assert_true(s.requests == 100);
    assert_true(s.errors == 10);
    assert_true(s.inf == 100);
    assert_int_equal(s.nbuckets, 13);
    assert_true(s.le[0] == 0.0005 && s.le[12] == 5);
    assert_true(s.cum[3] == 90);  /* le=0.005 */
    assert_true(s.cum[8] == 100); /* le=0.25 */
    assert_true(s.cache_hits == 36);
    assert_true(s.cache_misses == 4);
    assert_true(fabs(sample_hit_ratio_total(&s) - 0.9) < 1e-9);
    assert_true(s.has_outbox);
    assert_true(s.outbox_pending == 7);
    assert_true(s.outbox_oldest_s == 1.5);
    assert_int_equal(s.nconsumers, 2);
    assert_string_equal(s.consumers[0].name, "order-payments");
    assert_true(s.consumers[0].pending == 120);
    assert_string_equal(s.consumers[1].name, "order-refunds");

    /* a service without outbox, cache or traffic yet */
    metrics_reset();
    t = metrics_render("pet");
    assert_true(sample_parse(t, strlen(t), &s) || s.series == 0);
    free(t);
    assert_false(s.has_outbox);
    assert_true(isnan(sample_hit_ratio_total(&s)));
    assert_true(s.requests == 0 && s.nbuckets == 0);

    /* not the exposition format at all; junk lines among good ones are skipped and counted */
    const char *html = "<html><body>502 Bad Gateway</body></html>\n";
    assert_false(sample_parse(html, strlen(html), &s));
    const char *mixed = "# HELP a b\r\npb_http_requests_total{route=\"/x\",status=\"200\"} 5\r\ngarbage here\n\n"
                        "pb_http_requests_total{route=\"/x\",status=\"500\"} 1";
    assert_true(sample_parse(mixed, strlen(mixed), &s));
    assert_int_equal(s.series, 2);
    assert_int_equal(s.skipped, 1);
    assert_true(s.requests == 6 && s.errors == 1);
}

/* Build a sample by hand: requests, errors, and a histogram with the platform's bounds. */
static void fill(struct sample *s, double requests, double errors, const double *cum)
{
    static const double LE[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5};
    memset(s, 0, sizeof *s);
    s->requests = requests;
    s->errors = errors;
    s->nbuckets = 13;
    for (size_t i = 0; i < 13; i++) {
        s->le[i] = LE[i];
        s->cum[i] = cum[i];
    }
    s->inf = requests;
}

static void rates_between_two_scrapes(void **state)
{
    (void)state;
    struct sample a, b;
    struct sample_rates r;
    /* 100 requests before; then 200 more in 5 s: 180 at <= 5 ms, 20 in (0.1, 0.25], 10 of them 5xx */
    const double before[13] = {0, 0, 50, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100};
    const double after[13] = {0, 0, 130, 280, 280, 280, 280, 280, 300, 300, 300, 300, 300};
    fill(&a, 100, 0, before);
    fill(&b, 300, 10, after);
    a.cache_hits = 10, a.cache_misses = 10;
    b.cache_hits = 40, b.cache_misses = 20;
    assert_true(sample_rates(&a, &b, 5.0, &r));
    assert_false(r.reset);
    assert_true(r.requests == 200);
    assert_true(fabs(r.request_rate - 40) < 1e-9);
    assert_true(fabs(r.error_rate - 0.05) < 1e-9);
    /* rank 0.99 x 200 = 198 lies in (0.1, 0.25] holding 180..200: 0.1 + 0.15 x 18/20 = 0.235 s */
    assert_true(fabs(r.p99_ms - 235) < 1e-6);
    assert_true(fabs(r.cache_hit_ratio - 0.75) < 1e-9);
    assert_false(sample_error_alert(&r)); /* exactly 5% is not above */

    /* an idle interval: no rate of errors, no latency, no cache reads */
    assert_true(sample_rates(&b, &b, 5.0, &r));
    assert_true(r.requests == 0 && r.request_rate == 0);
    assert_true(isnan(r.error_rate) && isnan(r.p99_ms) && isnan(r.cache_hit_ratio));
    assert_false(sample_error_alert(&r));
    assert_false(sample_rates(&a, &b, 0, &r));

    /* the process restarted: counters start again from zero */
    const double small[13] = {0, 0, 10, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20};
    struct sample c;
    fill(&c, 20, 2, small);
    assert_true(sample_rates(&b, &c, 2.0, &r));
    assert_true(r.reset);
    assert_true(r.requests == 20 && r.request_rate == 10);
    assert_true(fabs(r.error_rate - 0.1) < 1e-9);
    assert_true(sample_error_alert(&r)); /* 10% of 20 */
    /* a restart that already served more than before shows in a bucket going down */
    const double more[13] = {0, 0, 10, 20, 20, 20, 20, 500, 500, 500, 500, 500, 500};
    fill(&c, 500, 0, more);
    assert_true(sample_rates(&b, &c, 2.0, &r));
    assert_true(r.reset);
    assert_true(r.requests == 500);

    /* the first request after start brings the histogram: no restart */
    struct sample empty;
    memset(&empty, 0, sizeof empty);
    assert_true(sample_rates(&empty, &a, 1.0, &r));
    assert_false(r.reset);
    assert_true(r.requests == 100);
    /* 0.99 x 100 = 99 in (0.0025, 0.005] holding 50..100 */
    assert_true(fabs(r.p99_ms - (2.5 + 2.5 * 49.0 / 50.0)) < 1e-6);
}

static void quantiles(void **state)
{
    (void)state;
    const double le[] = {0.1, 0.5, 1};
    const double even[] = {10, 20, 30};
    /* 0.5 x 30 = 15: halfway through (0.1, 0.5] */
    assert_true(fabs(sample_quantile(0.5, le, even, 3, 30) - 0.3) < 1e-12);
    /* the first bucket interpolates from 0 */
    assert_true(fabs(sample_quantile(0.1, le, even, 3, 30) - 0.03) < 1e-12);
    /* beyond the last finite bound: that bound */
    const double tail[] = {10, 20, 30};
    assert_true(sample_quantile(0.99, le, tail, 3, 100) == 1);
    /* empty buckets before the rank are skipped */
    const double late[] = {0, 0, 10};
    assert_true(fabs(sample_quantile(0.5, le, late, 3, 10) - 0.75) < 1e-12);
    assert_true(isnan(sample_quantile(0.99, le, even, 3, 0)));
    assert_true(isnan(sample_quantile(0, le, even, 3, 30)));
    assert_true(isnan(sample_quantile(0.99, le, even, 0, 0)));
}

static void error_alert_needs_enough_requests(void **state)
{
    (void)state;
    struct sample_rates r = {.requests = 19, .error_rate = 1.0};
    assert_false(sample_error_alert(&r));
    r.requests = 20;
    assert_true(sample_error_alert(&r));
    r.error_rate = 0.0501;
    assert_true(sample_error_alert(&r));
    r.error_rate = 0.05;
    assert_false(sample_error_alert(&r));
    r.error_rate = NAN;
    assert_false(sample_error_alert(&r));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(lines_with_labels_values_and_timestamps),
        cmocka_unit_test(comments_blanks_and_junk_are_not_series),
        cmocka_unit_test(a_whole_scrape),
        cmocka_unit_test(rates_between_two_scrapes),
        cmocka_unit_test(quantiles),
        cmocka_unit_test(error_alert_needs_enough_requests),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
