/* The scraper thread of the dashboard and the snapshot it leaves for requests. */
#include "monitor.h"
#include "config.h"
#include "dates.h"
#include "httpc.h"
#include "log.h"
#include "sample.h"
#include "svc.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_INSTANCES 16 /* per service */
#define MAX_MONITORS 8
#define URL_CAP 256


/* One instance as the scraper knows it. Touched only by the scraper thread. */
struct instance {
    const char *service; /* one of svc_names(): every service of the platform */
    char url[URL_CAP];   /* base URL without a trailing slash */
    bool tried, up;
    char error[200];
    int64_t sampled_ms;     /* wall clock of the last attempt */
    int64_t down_since_ms;  /* wall clock of the first failed attempt in a row; 0 while up */
    bool have_cur, have_rates;
    struct sample prev, cur;
    int64_t prev_mono, cur_mono;
    struct sample_rates rates;
};

static struct {
    struct instance *inst;
    size_t n;
    char monitors[MAX_MONITORS][URL_CAP];
    size_t nmonitors;
    long interval_ms, timeout_ms;
    pthread_mutex_t mu;
    json_t *snapshot; /* under mu */
} M = {.mu = PTHREAD_MUTEX_INITIALIZER};

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---------- configuration ---------- */

/* Split a comma list of base URLs into out (cap entries of URL_CAP bytes): blanks trimmed,
 * empty entries skipped, a trailing slash dropped. -1 (logged) on an entry that is not an
 * http(s) URL or is too long, or on too many entries. */
static int split_urls(const char *var, const char *list, char (*out)[URL_CAP], size_t cap, size_t *n)
{
    *n = 0;
    for (const char *p = list; *p;) {
        const char *comma = strchr(p, ',');
        const char *end = comma ? comma : p + strlen(p);
        while (p < end && (*p == ' ' || *p == '\t'))
            p++;
        while (end > p && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '/'))
            end--;
        size_t len = (size_t)(end - p);
        if (len > 0) {
            bool http = (len > 7 && strncmp(p, "http://", 7) == 0) || (len > 8 && strncmp(p, "https://", 8) == 0);
            if (!http || len >= URL_CAP || *n == cap) {
                LOG_E("admin: %s: \"%.*s\" is not an http(s) base URL, or there are more than %zu", var, (int)len, p,
                      cap);
                return -1;
            }
            memcpy(out[*n], p, len);
            out[(*n)++][len] = 0;
        }
        p = comma ? comma + 1 : end;
    }
    return 0;
}

/* The instances of every service: PB_<SERVICE>_INSTANCES or svc_url. */
static int read_instances(void)
{
    static char urls[MAX_INSTANCES][URL_CAP];
    size_t total = 0;
    for (size_t k = 0; svc_names()[k]; k++)
        total += MAX_INSTANCES;
    M.inst = calloc(total, sizeof *M.inst);
    if (!M.inst)
        return -1;
    for (size_t k = 0; svc_names()[k]; k++) {
        char var[64];
        size_t n = 0;
        snprintf(var, sizeof var, "PB_%s_INSTANCES", svc_names()[k]);
        for (char *c = var; *c; c++)
            *c = (char)(*c >= 'a' && *c <= 'z' ? *c - 'a' + 'A' : *c);
        const char *list = config_str(var, NULL);
        if (list && split_urls(var, list, urls, MAX_INSTANCES, &n) != 0)
            return -1;
        if (n == 0 && split_urls(var, svc_url(svc_names()[k]), urls, 1, &n) != 0)
            return -1;
        for (size_t i = 0; i < n; i++) {
            struct instance *in = &M.inst[M.n++];
            in->service = svc_names()[k];
            memcpy(in->url, urls[i], sizeof in->url); /* both URL_CAP bytes, NUL-terminated */
            snprintf(in->error, sizeof in->error, "no sample yet");
        }
    }
    return 0;
}

static int read_monitors(void)
{
    char def[64];
    snprintf(def, sizeof def, "http://127.0.0.1:%ld", config_long("PB_NATS_MONITOR_PORT", 8222, 1, 65535));
    const char *list = config_str("PB_NATS_MONITOR_URLS", def);
    if (split_urls("PB_NATS_MONITOR_URLS", list, M.monitors, MAX_MONITORS, &M.nmonitors) != 0)
        return -1;
    if (M.nmonitors == 0)
        return split_urls("PB_NATS_MONITOR_URLS", def, M.monitors, MAX_MONITORS, &M.nmonitors);
    return 0;
}

/* ---------- scraping ---------- */

static void scrape_instance(struct instance *in)
{
    char url[URL_CAP + 16];
    struct httpc_resp resp = {0};
    struct sample *fresh = malloc(sizeof *fresh);
    snprintf(url, sizeof url, "%s/metrics", in->url);
    /* /metrics needs no token: no internal token or request id goes along */
    enum err e = fresh ? httpc_request_public("GET", url, NULL, NULL, 0, NULL, M.timeout_ms, &resp) : ERR_NO_MEMORY;
    int64_t at = mono_ms();
    bool ok = e == ERR_OK && resp.status == 200 && sample_parse(resp.body, resp.len, fresh);
    in->sampled_ms = time_now_ms();
    if (!ok) {
        if (e == ERR_NO_MEMORY)
            snprintf(in->error, sizeof in->error, "not scraped: out of memory");
        else if (e != ERR_OK)
            snprintf(in->error, sizeof in->error, "no answer within %ld ms (refused, reset or timed out)",
                     M.timeout_ms);
        else if (resp.status != 200)
            snprintf(in->error, sizeof in->error, "/metrics answered %ld", resp.status);
        else
            snprintf(in->error, sizeof in->error, "/metrics answered 200 but not in the Prometheus text format");
        if (in->up || !in->down_since_ms) {
            in->down_since_ms = in->sampled_ms;
            LOG_W("admin: %s instance %s is down: %s", in->service, in->url, in->error);
        }
        /* the next success starts a new series: no rate across the gap */
        in->up = in->have_cur = in->have_rates = false;
    } else {
        if (in->tried && !in->up)
            LOG_I("admin: %s instance %s is up again", in->service, in->url);
        in->up = true;
        in->down_since_ms = 0;
        in->error[0] = 0;
        if (in->have_cur) {
            in->prev = in->cur;
            in->prev_mono = in->cur_mono;
        }
        in->cur = *fresh;
        in->cur_mono = at;
        in->have_rates =
            in->have_cur && sample_rates(&in->prev, &in->cur, (double)(in->cur_mono - in->prev_mono) / 1000.0, &in->rates);
        in->have_cur = true;
    }
    in->tried = true;
    httpc_resp_free(&resp);
    free(fresh);
}

static double num(const json_t *o, const char *key) { return json_number_value(json_object_get(o, key)); }

/* The consumers of every stream in a /jsz?consumers=true answer. */
static json_t *jsz_consumers(const json_t *jsz, const char *node)
{
    json_t *out = json_array();
    const json_t *acc, *st, *c;
    size_t i, j, k;
    json_array_foreach(json_object_get(jsz, "account_details"), i, acc)
    {
        json_array_foreach(json_object_get(acc, "stream_detail"), j, st)
        {
            json_array_foreach(json_object_get(st, "consumer_detail"), k, c)
            {
                const char *name = json_string_value(json_object_get(c, "name"));
                if (!name)
                    continue;
                json_array_append_new(
                    out, json_pack("{s:s?,s:s,s:I,s:I,s:I,s:s,s:s}", "stream",
                                   json_string_value(json_object_get(st, "name")), "name", name, "pending",
                                   (json_int_t)num(c, "num_pending"), "ack_pending", (json_int_t)num(c, "num_ack_pending"),
                                   "redelivered", (json_int_t)num(c, "num_redelivered"), "node", node, "source", "nats"));
            }
        }
    }
    return out;
}

/* Ask the NATS monitoring endpoints in turn; the first that answers gives the consumers.
 * *nats receives {monitor, ok, error, server_id}; the result is the consumers or NULL. */
static json_t *scrape_nats(json_t **nats)
{
    char last[URL_CAP + 64] = "no NATS monitoring URL is configured";
    for (size_t i = 0; i < M.nmonitors; i++) {
        char url[URL_CAP + 32];
        struct httpc_resp resp = {0};
        snprintf(url, sizeof url, "%s/jsz?consumers=true", M.monitors[i]);
        enum err e = httpc_request_public("GET", url, NULL, NULL, 0, NULL, M.timeout_ms, &resp);
        /* reserved limits are 2^64-1: read integers as reals, which jansson cannot hold otherwise */
        json_t *jsz = e == ERR_OK && resp.status == 200
                          ? json_loadb(resp.body, resp.len, JSON_DECODE_INT_AS_REAL, NULL)
                          : NULL;
        if (json_is_object(jsz)) {
            const char *id = json_string_value(json_object_get(jsz, "server_id"));
            json_t *consumers = jsz_consumers(jsz, M.monitors[i]);
            *nats = json_pack("{s:s,s:b,s:n,s:s?}", "monitor", M.monitors[i], "ok", 1, "error", "server_id", id);
            json_decref(jsz);
            httpc_resp_free(&resp);
            return consumers;
        }
        if (e != ERR_OK)
            snprintf(last, sizeof last, "%s: no answer within %ld ms (refused, reset or timed out)", M.monitors[i],
                     M.timeout_ms);
        else
            snprintf(last, sizeof last, "%s/jsz answered %ld without JetStream details", M.monitors[i], resp.status);
        json_decref(jsz);
        httpc_resp_free(&resp);
    }
    *nats = json_pack("{s:n,s:b,s:s,s:n}", "monitor", "ok", 0, "error", last, "server_id");
    return NULL;
}

/* Without NATS: the lag each service reports for its own consumers (the largest report of
 * a consumer wins: instances of one service share the consumer; pending is null while no
 * instance knows it, -1 on /metrics). */
static json_t *metrics_consumers(void)
{
    json_t *by_name = json_object(), *out = json_array();
    for (size_t i = 0; i < M.n; i++) {
        const struct instance *in = &M.inst[i];
        for (size_t k = 0; in->up && k < in->cur.nconsumers; k++) {
            const struct sample_consumer *c = &in->cur.consumers[k];
            json_t *seen = json_object_get(by_name, c->name);
            if (!seen || (c->pending >= 0 && (json_is_null(seen) || json_number_value(seen) < c->pending)))
                json_object_set_new(by_name, c->name, c->pending >= 0 ? json_integer((json_int_t)c->pending)
                                                                      : json_null());
        }
    }
    const char *name;
    json_t *v;
    json_object_foreach(by_name, name, v)
    {
        json_array_append_new(out, json_pack("{s:n,s:s,s:O,s:n,s:n,s:n,s:s}", "stream", "name", name, "pending", v,
                                             "ack_pending", "redelivered", "node", "source", "metrics"));
    }
    json_decref(by_name);
    return out;
}

/* ---------- the snapshot ---------- */

/* A figure rounded to `places` decimals, or null when it is not a number. */
static json_t *figure(double v, int places)
{
    if (isnan(v) || isinf(v))
        return json_null();
    double scale = pow(10, places);
    return json_real(round(v * scale) / scale);
}

static json_t *time_or_null(int64_t ms)
{
    char at[TIME_STR_LEN];
    return ms ? json_string(time_format_ms(ms, at)) : json_null();
}

static json_t *instance_json(const struct instance *in)
{
    const struct sample_rates *r = in->have_rates ? &in->rates : NULL;
    const struct sample *s = in->up ? &in->cur : NULL;
    return json_pack("{s:s,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o}", "url", in->url, "up",
                     in->tried ? json_boolean(in->up) : json_null(), "error",
                     in->error[0] ? json_string(in->error) : json_null(), "request_rate",
                     figure(r ? r->request_rate : NAN, 3), "error_rate", figure(r ? r->error_rate : NAN, 4), "p99_ms",
                     figure(r ? r->p99_ms : NAN, 3), "cache_hit_ratio", figure(r ? r->cache_hit_ratio : NAN, 4),
                     "cache_hit_ratio_total", figure(s ? sample_hit_ratio_total(s) : NAN, 4), "outbox_pending",
                     figure(s && s->has_outbox && s->outbox_pending >= 0 ? s->outbox_pending : NAN, 0),
                     "outbox_oldest_s", figure(s && s->has_outbox && s->outbox_pending >= 0 ? s->outbox_oldest_s : NAN, 3),
                     "sampled_at", time_or_null(in->tried ? in->sampled_ms : 0), "down_since",
                     time_or_null(in->tried && !in->up ? in->down_since_ms : 0), "interval_s",
                     figure(r ? r->seconds : NAN, 3));
}

static json_t *alert(const char *name, const char *severity, const char *service, const char *instance,
                     const char *consumer, double value, const char *message)
{
    return json_pack("{s:s,s:s,s:s?,s:s?,s:s?,s:o,s:s}", "name", name, "severity", severity, "service", service,
                     "instance", instance, "consumer", consumer, "value", figure(value, 4), "message", message);
}

/* What the Prometheus rules would fire on now, for one instance. */
static void instance_alerts(const struct instance *in, json_t *alerts)
{
    char msg[URL_CAP + 320];
    if (in->tried && !in->up) {
        snprintf(msg, sizeof msg, "%s instance %s is down: %s", in->service, in->url, in->error);
        json_array_append_new(alerts, alert("InstanceDown", "critical", in->service, in->url, NULL, NAN, msg));
        return;
    }
    if (in->have_rates && sample_error_alert(&in->rates)) {
        snprintf(msg, sizeof msg, "%s instance %s answered %.1f%% of %.0f requests with 5xx in the last %.1f s",
                 in->service, in->url, in->rates.error_rate * 100, in->rates.requests, in->rates.seconds);
        json_array_append_new(alerts,
                              alert("HighErrorRate", "warning", in->service, in->url, NULL, in->rates.error_rate, msg));
    }
    if (in->up && in->cur.has_outbox && in->cur.outbox_oldest_s > SAMPLE_ALERT_OUTBOX_AGE_S) {
        snprintf(msg, sizeof msg, "%s instance %s: the oldest unpublished event waits for %.0f s (%.0f pending)",
                 in->service, in->url, in->cur.outbox_oldest_s, in->cur.outbox_pending);
        json_array_append_new(
            alerts, alert("OutboxBacklog", "warning", in->service, in->url, NULL, in->cur.outbox_oldest_s, msg));
    }
}

static void consumer_alerts(const json_t *consumers, json_t *alerts)
{
    size_t i;
    const json_t *c;
    json_array_foreach(consumers, i, c)
    {
        double lag = num(c, "pending") + num(c, "ack_pending");
        if (lag <= SAMPLE_ALERT_CONSUMER_PENDING)
            continue;
        char msg[300];
        const char *name = json_string_value(json_object_get(c, "name"));
        snprintf(msg, sizeof msg, "consumer %s has %.0f messages not yet processed", name ? name : "?", lag);
        json_array_append_new(alerts, alert("ConsumerLag", "warning", NULL, NULL, name, lag, msg));
    }
}

/* Build a snapshot from the instances (and, after a round, the NATS answer). */
static json_t *build(int64_t scraped_ms, json_t *consumers, json_t *nats)
{
    json_t *services = json_array(), *alerts = json_array();
    for (size_t k = 0; svc_names()[k]; k++) {
        json_t *list = json_array();
        json_int_t up = 0, total = 0;
        for (size_t i = 0; i < M.n; i++) {
            const struct instance *in = &M.inst[i];
            if (in->service != svc_names()[k])
                continue;
            json_array_append_new(list, instance_json(in));
            instance_alerts(in, alerts);
            up += in->up;
            total++;
        }
        json_array_append_new(services, json_pack("{s:s,s:o,s:I,s:I}", "name", svc_names()[k], "instances", list,
                                                  "up_count", up, "total", total));
    }
    consumer_alerts(consumers, alerts);
    return json_pack("{s:o,s:I,s:o,s:o,s:o,s:o}", "scraped_at", time_or_null(scraped_ms), "scrape_interval_ms",
                     (json_int_t)M.interval_ms, "services", services, "event_consumers", consumers, "nats", nats,
                     "alerts", alerts);
}

static void publish(json_t *snap)
{
    if (!snap)
        return; /* out of memory: keep the previous one */
    pthread_mutex_lock(&M.mu);
    json_t *old = M.snapshot;
    M.snapshot = snap;
    pthread_mutex_unlock(&M.mu);
    json_decref(old);
}

static void round_once(struct svc *s)
{
    for (size_t i = 0; i < M.n && !svc_stopping(s); i++)
        scrape_instance(&M.inst[i]);
    json_t *nats = NULL;
    json_t *consumers = scrape_nats(&nats);
    if (!consumers)
        consumers = metrics_consumers();
    publish(build(time_now_ms(), consumers, nats));
}

static void monitor_main(struct svc *s, void *arg)
{
    (void)arg;
    /* let this service's own server (and a stack that starts together) come up first */
    if (!svc_sleep_ms(s, M.interval_ms < 250 ? M.interval_ms : 250))
        return;
    while (!svc_stopping(s)) {
        int64_t t0 = mono_ms();
        round_once(s);
        int64_t spent = mono_ms() - t0;
        if (!svc_sleep_ms(s, spent < M.interval_ms ? M.interval_ms - (long)spent : 1))
            break;
    }
}

/* ---------- interface ---------- */

int monitor_start(struct svc *s)
{
    M.interval_ms = config_long("PB_DASHBOARD_SCRAPE_MS", 5000, 100, 3600000);
    M.timeout_ms = config_long("PB_DASHBOARD_SCRAPE_TIMEOUT_MS", 1000, 50, 60000);
    if (read_instances() != 0 || read_monitors() != 0)
        return -1;
    json_t *nats = json_pack("{s:n,s:b,s:s,s:n}", "monitor", "ok", 0, "error", "no sample yet", "server_id");
    publish(build(0, json_array(), nats));
    LOG_I("admin: dashboard scrapes %zu instances every %ld ms", M.n, M.interval_ms);
    return svc_spawn(s, monitor_main, NULL);
}

void monitor_free(void)
{
    pthread_mutex_lock(&M.mu);
    json_t *old = M.snapshot;
    M.snapshot = NULL;
    pthread_mutex_unlock(&M.mu);
    json_decref(old);
    free(M.inst);
    M.inst = NULL;
    M.n = 0;
}

json_t *monitor_snapshot(void)
{
    pthread_mutex_lock(&M.mu);
    json_t *copy = json_deep_copy(M.snapshot);
    pthread_mutex_unlock(&M.mu);
    return copy;
}
