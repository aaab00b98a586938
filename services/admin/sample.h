/* One scrape of a service instance's /metrics (the Prometheus text format that lib/metrics.c
 * renders), reduced to the figures the dashboard shows, and what two scrapes say about the
 * interval between them: request rate, share of 5xx, p99 latency, cache hit ratio. Also the
 * thresholds of the dashboard's alerts, which are those of deploy/prometheus/alerts.yml.
 * Pure: unit-tested in tests/unit/test_admin_sample.c. */
#ifndef ADMIN_SAMPLE_H
#define ADMIN_SAMPLE_H

#include <stdbool.h>
#include <stddef.h>

#define SAMPLE_MAX_LABELS 8
#define SAMPLE_MAX_BUCKETS 32
#define SAMPLE_MAX_CONSUMERS 16

/* Alert thresholds (the same numbers as the Prometheus rules). */
#define SAMPLE_ALERT_ERROR_RATE 0.05    /* HighErrorRate: share of 5xx above this ... */
#define SAMPLE_ALERT_MIN_REQUESTS 20    /* ... with at least this many requests in the interval */
#define SAMPLE_ALERT_CONSUMER_PENDING 100 /* ConsumerLag: pending + ack pending above this */
#define SAMPLE_ALERT_OUTBOX_AGE_S 60    /* OutboxBacklog: oldest unpublished event older than this */

/* One series line of the text format. */
struct sample_series {
    char name[128];
    size_t nlabels;
    struct {
        char name[64];
        char value[256]; /* unescaped */
    } labels[SAMPLE_MAX_LABELS];
    double value;
};

/* Parse one line ("name{a=\"b\",...} value [timestamp]", without its newline). false for a
 * comment, a blank line, or a line that is not valid (bad name, unterminated or too long
 * label, more than SAMPLE_MAX_LABELS labels, no value, junk after the timestamp). Label
 * values are unescaped (\\ \" \n). The value may be NaN, +Inf or -Inf. */
bool sample_parse_line(const char *line, size_t len, struct sample_series *out);

/* The value of label name in s, or NULL. */
const char *sample_label(const struct sample_series *s, const char *name);

struct sample_consumer {
    char name[64];
    double pending; /* pb_events_consumer_pending; -1 when the service does not know */
};

/* What one scrape says. Requests of the routes /metrics, /healthz and /readyz (the scrapers'
 * and health checkers' own traffic) are left out of requests, errors and the histogram. */
struct sample {
    double requests;                    /* sum of pb_http_requests_total */
    double errors;                      /* the same, status 5xx */
    size_t nbuckets;                    /* finite buckets of the latency histogram */
    double le[SAMPLE_MAX_BUCKETS];      /* their upper bounds in seconds, ascending */
    double cum[SAMPLE_MAX_BUCKETS];     /* cumulative counts at each bound, summed over routes */
    double inf;                         /* the +Inf bucket: every request observed */
    double cache_hits, cache_misses;    /* pb_cache_requests_total by result (see sample.c) */
    bool has_outbox;                    /* the service has an outbox relay */
    double outbox_pending;              /* pb_outbox_pending */
    double outbox_oldest_s;             /* pb_outbox_oldest_pending_seconds */
    size_t nconsumers;
    struct sample_consumer consumers[SAMPLE_MAX_CONSUMERS];
    size_t series;                      /* valid series lines read */
    size_t skipped;                     /* lines that were neither comments nor valid */
};

/* Parse a whole /metrics text into *out (zeroed first). Unknown families are ignored and
 * malformed lines skipped (counted in out->skipped). false when no valid series was found:
 * the text is not the exposition format at all. */
bool sample_parse(const char *text, size_t len, struct sample *out);

/* What happened between two scrapes of one instance. */
struct sample_rates {
    double seconds;         /* length of the interval */
    double requests;        /* requests in the interval */
    double request_rate;    /* requests per second */
    double error_rate;      /* share of 5xx among them; NAN when there was none */
    double p99_ms;          /* 99th percentile latency; NAN when there was no request */
    double cache_hit_ratio; /* hits / (hits + misses) in the interval; NAN when no cache read */
    bool reset;             /* a counter went down (the process restarted): counted from zero */
};

/* Rates between prev and cur taken seconds apart (> 0). A counter lower in cur than in prev
 * (or a histogram with other buckets) means the process restarted in between: the interval
 * then counts cur from zero. false when seconds <= 0. */
bool sample_rates(const struct sample *prev, const struct sample *cur, double seconds, struct sample_rates *out);

/* The q-quantile (0 < q < 1) of a cumulative histogram: n finite bounds le[] (ascending) with
 * cumulative counts cum[], total observations (the +Inf bucket). Linear interpolation inside
 * the bucket holding the rank, from the previous bound (0 for the first); a rank beyond the
 * last finite bound gives that bound (as Prometheus' histogram_quantile does). NAN when
 * total <= 0. In the unit of le. */
double sample_quantile(double q, const double *le, const double *cum, size_t n, double total);

/* Cache hit ratio since the process started; NAN when it made no cache read. */
double sample_hit_ratio_total(const struct sample *s);

/* The HighErrorRate condition on one interval: more than 5% 5xx among at least 20 requests. */
bool sample_error_alert(const struct sample_rates *r);

#endif
