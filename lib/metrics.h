/* Process-wide Prometheus metrics: per-route request counts and latency histograms, named
 * counters, and gauges read at scrape time. Thread-safe. */
#ifndef PB_METRICS_H
#define PB_METRICS_H

#include <stdint.h>

/* Record one finished HTTP request. route is the matched pattern ("unmatched" otherwise);
 * the pointer must stay valid for the process lifetime (patterns and literals do). */
void metrics_observe_request(const char *method, const char *route, int status, double seconds);

/* Add delta to a counter. family is a metric name like "pb_cache_requests_total", labels a
 * Prometheus label body like `cache="listing",result="hit"` (or NULL). Both are copied. */
void metrics_count(const char *family, const char *labels, uint64_t delta);

/* Read a counter's current value (0 when unknown); for tests and the dashboard. */
uint64_t metrics_counter_value(const char *family, const char *labels);

/* Register a gauge evaluated at every scrape: fn(arg) returns the value. */
void metrics_gauge(const char *family, const char *help, double (*fn)(void *arg), void *arg);

/* The same for one labelled series of a gauge family: labels is a Prometheus label body like
 * `consumer="order-payments"` (or NULL for none). Series of one family are rendered together
 * under one HELP/TYPE header (the first registration's help). family, labels and help are
 * copied; arg is borrowed and must stay valid while the registry lives. */
void metrics_gauge_labeled(const char *family, const char *labels, const char *help, double (*fn)(void *arg),
                           void *arg);

/* Describe a counter family (HELP text); optional. */
void metrics_describe(const char *family, const char *help);

/* Render everything in the Prometheus text exposition format. Caller frees. */
char *metrics_render(const char *service);

/* Forget everything (unit tests). */
void metrics_reset(void);

#endif
