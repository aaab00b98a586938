/* The Prometheus registry: counters and request series render with the service label,
 * gauges with and without labels render under one header per family. */
#include "unit.h"
#include "metrics.h"

#include <stdlib.h>
#include <string.h>

static double fixed(void *arg) { return *(const double *)arg; }

/* How many times needle occurs in hay. */
static int occurrences(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

static void plain_gauges_keep_their_shape(void **state)
{
    (void)state;
    metrics_reset();
    double v = 3;
    metrics_gauge("pb_outbox_pending", "events waiting", fixed, &v);
    char *t = metrics_render("order");
    assert_non_null(strstr(t, "# HELP pb_outbox_pending events waiting\n# TYPE pb_outbox_pending gauge\n"
                              "pb_outbox_pending{service=\"order\"} 3\n"));
    free(t);
    metrics_reset();
}

static void labeled_gauges_share_one_header(void **state)
{
    (void)state;
    metrics_reset();
    double a = 7, b = 0, c = 1;
    metrics_gauge_labeled("pb_events_consumer_pending", "consumer=\"order-payments\"", "pending messages", fixed, &a);
    metrics_gauge("pb_outbox_pending", "events waiting", fixed, &c);
    metrics_gauge_labeled("pb_events_consumer_pending", "consumer=\"order-refunds\"", "other help is ignored", fixed,
                          &b);
    char *t = metrics_render("order");
    assert_int_equal(occurrences(t, "# TYPE pb_events_consumer_pending gauge\n"), 1);
    assert_int_equal(occurrences(t, "# HELP pb_events_consumer_pending pending messages\n"), 1);
    assert_non_null(strstr(t, "# TYPE pb_events_consumer_pending gauge\n"
                              "pb_events_consumer_pending{service=\"order\",consumer=\"order-payments\"} 7\n"
                              "pb_events_consumer_pending{service=\"order\",consumer=\"order-refunds\"} 0\n"));
    assert_non_null(strstr(t, "pb_outbox_pending{service=\"order\"} 1\n"));
    free(t);
    /* values are read at every scrape */
    a = 250;
    t = metrics_render("order");
    assert_non_null(strstr(t, "pb_events_consumer_pending{service=\"order\",consumer=\"order-payments\"} 250\n"));
    free(t);
    metrics_reset();
}

static void counters_and_requests(void **state)
{
    (void)state;
    metrics_reset();
    metrics_count("pb_cache_requests_total", "cache=\"listing\",result=\"hit\"", 2);
    metrics_count("pb_cache_requests_total", "cache=\"listing\",result=\"hit\"", 1);
    metrics_count("pb_outbox_published_total", NULL, 5);
    assert_int_equal(metrics_counter_value("pb_cache_requests_total", "cache=\"listing\",result=\"hit\""), 3);
    metrics_observe_request("GET", "/api/v1/x", 200, 0.003);
    metrics_observe_request("GET", "/api/v1/x", 503, 0.3);
    char *t = metrics_render("pet");
    assert_non_null(strstr(t, "pb_cache_requests_total{service=\"pet\",cache=\"listing\",result=\"hit\"} 3\n"));
    assert_non_null(strstr(t, "pb_outbox_published_total{service=\"pet\"} 5\n"));
    assert_non_null(
        strstr(t, "pb_http_requests_total{service=\"pet\",method=\"GET\",route=\"/api/v1/x\",status=\"503\"} 1\n"));
    assert_non_null(strstr(
        t, "pb_http_request_duration_seconds_bucket{service=\"pet\",method=\"GET\",route=\"/api/v1/x\",le=\"0.005\"} 1\n"));
    assert_non_null(strstr(
        t, "pb_http_request_duration_seconds_bucket{service=\"pet\",method=\"GET\",route=\"/api/v1/x\",le=\"+Inf\"} 2\n"));
    free(t);
    metrics_reset();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(plain_gauges_keep_their_shape),
        cmocka_unit_test(labeled_gauges_share_one_header),
        cmocka_unit_test(counters_and_requests),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
