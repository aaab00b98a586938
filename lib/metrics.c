/* A small Prometheus registry: arrays under one mutex; a service has tens of series. */
#include "metrics.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const double BUCKETS[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5};
#define NBUCKETS (sizeof BUCKETS / sizeof BUCKETS[0])

struct req_series {
    const char *method; /* interned literal from the HTTP layer */
    const char *route;
    int status;
    uint64_t count;
};

struct hist_series {
    const char *method;
    const char *route;
    uint64_t buckets[NBUCKETS];
    uint64_t count;
    double sum;
};

struct counter {
    char *family;
    char *labels;
    uint64_t value;
};

struct family_help {
    char *family;
    char *help;
};

struct gauge {
    char *family;
    char *labels; /* "" for none */
    char *help;
    double (*fn)(void *);
    void *arg;
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static struct req_series *reqs;
static size_t nreqs, capreqs;
static struct hist_series *hists;
static size_t nhists, caphists;
static struct counter *counters;
static size_t ncounters, capcounters;
static struct family_help *helps;
static size_t nhelps, caphelps;
static struct gauge *gauges;
static size_t ngauges, capgauges;

/* Make room for one more element; false (array untouched) when memory is short. */
static bool grow(void **arr, size_t n, size_t *cap, size_t elem)
{
    if (n < *cap)
        return true;
    size_t ncap = *cap ? *cap * 2 : 16;
    void *p = realloc(*arr, ncap * elem);
    if (!p)
        return false;
    *arr = p;
    *cap = ncap;
    return true;
}
#define GROW(arr, n, cap) grow((void **)&(arr), (n), &(cap), sizeof *(arr))

/* The method string comes from libmicrohttpd per request; map it to a static literal. */
static const char *intern_method(const char *m)
{
    static const char *const known[] = {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"};
    for (size_t i = 0; i < sizeof known / sizeof *known; i++)
        if (strcmp(m, known[i]) == 0)
            return known[i];
    return "OTHER";
}

void metrics_observe_request(const char *method, const char *route, int status, double seconds)
{
    method = intern_method(method);
    pthread_mutex_lock(&mu);
    size_t i;
    for (i = 0; i < nreqs; i++)
        if (reqs[i].status == status && reqs[i].route == route && reqs[i].method == method)
            break;
    if (i == nreqs && GROW(reqs, nreqs, capreqs))
        reqs[nreqs++] = (struct req_series){method, route, status, 0};
    if (i < nreqs)
        reqs[i].count++;
    for (i = 0; i < nhists; i++)
        if (hists[i].route == route && hists[i].method == method)
            break;
    if (i == nhists && GROW(hists, nhists, caphists)) {
        memset(&hists[nhists], 0, sizeof hists[nhists]);
        hists[nhists].method = method;
        hists[nhists].route = route;
        nhists++;
    }
    if (i < nhists) {
        for (size_t b = 0; b < NBUCKETS; b++)
            if (seconds <= BUCKETS[b])
                hists[i].buckets[b]++;
        hists[i].count++;
        hists[i].sum += seconds;
    }
    pthread_mutex_unlock(&mu);
}

static struct counter *find_counter(const char *family, const char *labels)
{
    for (size_t i = 0; i < ncounters; i++)
        if (strcmp(counters[i].family, family) == 0 && strcmp(counters[i].labels, labels) == 0)
            return &counters[i];
    return NULL;
}

void metrics_count(const char *family, const char *labels, uint64_t delta)
{
    if (!labels)
        labels = "";
    pthread_mutex_lock(&mu);
    struct counter *c = find_counter(family, labels);
    if (!c && GROW(counters, ncounters, capcounters)) {
        struct counter *slot = &counters[ncounters];
        slot->family = strdup(family);
        slot->labels = strdup(labels);
        slot->value = 0;
        if (slot->family && slot->labels) {
            c = slot;
            ncounters++;
        } else {
            free(slot->family);
            free(slot->labels);
        }
    }
    if (c)
        c->value += delta;
    pthread_mutex_unlock(&mu);
}

uint64_t metrics_counter_value(const char *family, const char *labels)
{
    pthread_mutex_lock(&mu);
    struct counter *c = find_counter(family, labels ? labels : "");
    uint64_t v = c ? c->value : 0;
    pthread_mutex_unlock(&mu);
    return v;
}

void metrics_describe(const char *family, const char *help)
{
    pthread_mutex_lock(&mu);
    if (GROW(helps, nhelps, caphelps)) {
        helps[nhelps].family = strdup(family);
        helps[nhelps].help = strdup(help);
        if (helps[nhelps].family && helps[nhelps].help)
            nhelps++;
        else {
            free(helps[nhelps].family);
            free(helps[nhelps].help);
        }
    }
    pthread_mutex_unlock(&mu);
}

void metrics_gauge_labeled(const char *family, const char *labels, const char *help, double (*fn)(void *), void *arg)
{
    pthread_mutex_lock(&mu);
    if (GROW(gauges, ngauges, capgauges)) {
        gauges[ngauges] = (struct gauge){strdup(family), strdup(labels ? labels : ""), strdup(help), fn, arg};
        if (gauges[ngauges].family && gauges[ngauges].labels && gauges[ngauges].help)
            ngauges++;
        else {
            free(gauges[ngauges].family);
            free(gauges[ngauges].labels);
            free(gauges[ngauges].help);
        }
    }
    pthread_mutex_unlock(&mu);
}

void metrics_gauge(const char *family, const char *help, double (*fn)(void *), void *arg)
{
    metrics_gauge_labeled(family, NULL, help, fn, arg);
}

static const char *help_of(const char *family)
{
    for (size_t i = 0; i < nhelps; i++)
        if (strcmp(helps[i].family, family) == 0)
            return helps[i].help;
    return "counter";
}

char *metrics_render(const char *service)
{
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    if (!f)
        return NULL;
    pthread_mutex_lock(&mu);
    fprintf(f, "# HELP pb_http_requests_total HTTP requests by route and status.\n"
               "# TYPE pb_http_requests_total counter\n");
    for (size_t i = 0; i < nreqs; i++)
        fprintf(f, "pb_http_requests_total{service=\"%s\",method=\"%s\",route=\"%s\",status=\"%d\"} %llu\n",
                service, reqs[i].method, reqs[i].route, reqs[i].status, (unsigned long long)reqs[i].count);
    fprintf(f, "# HELP pb_http_request_duration_seconds HTTP request latency by route.\n"
               "# TYPE pb_http_request_duration_seconds histogram\n");
    for (size_t i = 0; i < nhists; i++) {
        const struct hist_series *h = &hists[i];
        for (size_t b = 0; b < NBUCKETS; b++)
            fprintf(f, "pb_http_request_duration_seconds_bucket{service=\"%s\",method=\"%s\",route=\"%s\",le=\"%g\"} %llu\n",
                    service, h->method, h->route, BUCKETS[b], (unsigned long long)h->buckets[b]);
        fprintf(f, "pb_http_request_duration_seconds_bucket{service=\"%s\",method=\"%s\",route=\"%s\",le=\"+Inf\"} %llu\n",
                service, h->method, h->route, (unsigned long long)h->count);
        fprintf(f, "pb_http_request_duration_seconds_sum{service=\"%s\",method=\"%s\",route=\"%s\"} %.6f\n", service,
                h->method, h->route, h->sum);
        fprintf(f, "pb_http_request_duration_seconds_count{service=\"%s\",method=\"%s\",route=\"%s\"} %llu\n",
                service, h->method, h->route, (unsigned long long)h->count);
    }
    /* counters grouped by family, in first-seen order */
    for (size_t i = 0; i < ncounters; i++) {
        bool first = true;
        for (size_t j = 0; j < i; j++)
            if (strcmp(counters[j].family, counters[i].family) == 0)
                first = false;
        if (!first)
            continue;
        fprintf(f, "# HELP %s %s\n# TYPE %s counter\n", counters[i].family, help_of(counters[i].family),
                counters[i].family);
        for (size_t j = i; j < ncounters; j++)
            if (strcmp(counters[j].family, counters[i].family) == 0)
                fprintf(f, "%s{service=\"%s\"%s%s} %llu\n", counters[j].family, service,
                        counters[j].labels[0] ? "," : "", counters[j].labels, (unsigned long long)counters[j].value);
    }
    /* gauges: copy the list, evaluate outside the lock (a gauge may query a pool) */
    size_t ng = ngauges;
    struct gauge *gs = ng ? malloc(ng * sizeof *gs) : NULL;
    if (gs)
        memcpy(gs, gauges, ng * sizeof *gs);
    else
        ng = 0;
    pthread_mutex_unlock(&mu);
    /* grouped by family in first-seen order: one header per family, as the format requires */
    for (size_t i = 0; i < ng; i++) {
        bool first = true;
        for (size_t j = 0; j < i && first; j++)
            first = strcmp(gs[j].family, gs[i].family) != 0;
        if (!first)
            continue;
        fprintf(f, "# HELP %s %s\n# TYPE %s gauge\n", gs[i].family, gs[i].help, gs[i].family);
        for (size_t j = i; j < ng; j++)
            if (strcmp(gs[j].family, gs[i].family) == 0)
                fprintf(f, "%s{service=\"%s\"%s%s} %g\n", gs[j].family, service, gs[j].labels[0] ? "," : "",
                        gs[j].labels, gs[j].fn(gs[j].arg));
    }
    free(gs);
    fclose(f);
    return out;
}

void metrics_reset(void)
{
    pthread_mutex_lock(&mu);
    for (size_t i = 0; i < ncounters; i++) {
        free(counters[i].family);
        free(counters[i].labels);
    }
    for (size_t i = 0; i < nhelps; i++) {
        free(helps[i].family);
        free(helps[i].help);
    }
    for (size_t i = 0; i < ngauges; i++) {
        free(gauges[i].family);
        free(gauges[i].labels);
        free(gauges[i].help);
    }
    free(reqs);
    free(hists);
    free(counters);
    free(helps);
    free(gauges);
    reqs = NULL;
    hists = NULL;
    counters = NULL;
    helps = NULL;
    gauges = NULL;
    nreqs = capreqs = nhists = caphists = ncounters = capcounters = nhelps = caphelps = ngauges = capgauges = 0;
    pthread_mutex_unlock(&mu);
}
