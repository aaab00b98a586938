/* Outbox relay and idempotent JetStream consumers. */
#include "events.h"
#include "bus.h"
#include "dates.h"
#include "ids.h"
#include "log.h"
#include "metrics.h"
#include "svc.h"

#include <nats/nats.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char SQL_OUTBOX_ADD[] =
    "INSERT INTO outbox (id, subject, payload, created_ms, attempts) VALUES (?, ?, ?, ?, 0)";
static const char SQL_OUTBOX_TAKE[] =
    "SELECT id, subject, payload FROM outbox WHERE sent_ms IS NULL ORDER BY id LIMIT 100 FOR UPDATE SKIP LOCKED";
/* the rows a batch published, in one statement: their ids bound as one JSON array of numbers */
static const char SQL_OUTBOX_SENT[] =
    "UPDATE outbox o JOIN JSON_TABLE(?, '$[*]' COLUMNS (id BIGINT UNSIGNED PATH '$')) AS j ON o.id = j.id "
    "SET o.sent_ms = ?, o.attempts = o.attempts + 1";
static const char SQL_OUTBOX_FAILED[] = "UPDATE outbox SET attempts = attempts + 1 WHERE id = ?";
static const char SQL_OUTBOX_PENDING[] = "SELECT COUNT(*), MIN(created_ms) FROM outbox WHERE sent_ms IS NULL";
static const char SQL_OUTBOX_PURGE[] = "DELETE FROM outbox WHERE sent_ms IS NOT NULL AND sent_ms < ? LIMIT 1000";
static const char SQL_PROCESSED[] =
    "INSERT IGNORE INTO processed_event (consumer, event_id, processed_ms) VALUES (?, ?, ?)";
/* A batch's events in one statement: their ids bound as one JSON array of numbers. */
static const char SQL_PROCESSED_MANY[] =
    "INSERT IGNORE INTO processed_event (consumer, event_id, processed_ms) "
    "SELECT ?, j.id, ? FROM JSON_TABLE(?, '$[*]' COLUMNS (id BIGINT UNSIGNED PATH '$')) AS j";

/* ---------- envelope ---------- */

json_t *events_envelope(uint64_t id, const char *type, int version, int64_t occurred_ms, const char *source,
                        const char *request_id, const json_t *data)
{
    char sid[IDS_STR_LEN], at[TIME_STR_LEN];
    return json_pack("{s:s,s:s,s:i,s:s,s:s,s:s,s:O}", "id", ids_format(id, sid), "type", type, "version", version,
                     "occurred_at", time_format_ms(occurred_ms, at), "source", source, "request_id",
                     request_id ? request_id : "", "data", data);
}

bool events_parse(const json_t *env, struct event *ev)
{
    memset(ev, 0, sizeof *ev);
    const char *id = json_string_value(json_object_get(env, "id"));
    const char *at = json_string_value(json_object_get(env, "occurred_at"));
    ev->type = json_string_value(json_object_get(env, "type"));
    ev->source = json_string_value(json_object_get(env, "source"));
    ev->request_id = json_string_value(json_object_get(env, "request_id"));
    ev->data = json_object_get(env, "data");
    ev->version = (int)json_integer_value(json_object_get(env, "version"));
    return id && ids_parse(id, &ev->id) && ev->type && at && time_parse_ms(at, &ev->occurred_ms) && ev->source &&
           json_is_object(ev->data) && ev->version > 0;
}

enum err events_outbox_add(struct db_conn *c, const char *source, const char *type, int version, const json_t *data,
                           uint64_t *out_id)
{
    uint64_t id = ids_next();
    int64_t now = time_now_ms();
    char subject[160];
    snprintf(subject, sizeof subject, "petboarding.%s", type);
    json_t *env = events_envelope(id, type, version, now, source, log_request_id(), data);
    char *payload = env ? json_dumps(env, JSON_COMPACT) : NULL;
    json_decref(env);
    if (!payload)
        return ERR_NO_MEMORY;
    enum err e = db_exec(c, NULL, SQL_OUTBOX_ADD, "ussi", id, subject, payload, now);
    free(payload);
    if (e == ERR_OK && out_id)
        *out_id = id;
    return e;
}

/* ---------- relay ---------- */

static pthread_mutex_t relay_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t relay_cv = PTHREAD_COND_INITIALIZER;
static bool relay_nudged;

void events_relay_nudge(void)
{
    pthread_mutex_lock(&relay_mu);
    relay_nudged = true;
    pthread_cond_signal(&relay_cv);
    pthread_mutex_unlock(&relay_mu);
}

/* Wait for a nudge or the poll interval. */
static void relay_wait(long ms)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_nsec += (ms % 1000) * 1000000L;
    until.tv_sec += ms / 1000 + until.tv_nsec / 1000000000L;
    until.tv_nsec %= 1000000000L;
    pthread_mutex_lock(&relay_mu);
    while (!relay_nudged && pthread_cond_timedwait(&relay_cv, &relay_mu, &until) == 0)
        ;
    relay_nudged = false;
    pthread_mutex_unlock(&relay_mu);
}

struct relay_ctx {
    struct svc *s;
    size_t published;
    bool bus_down;
};

/* One batch: take pending rows (skipping rows another replica holds), publish them in id
 * order, mark what went out. A publish failure stops the batch; the rest waits. */
static enum err relay_tx(struct db_conn *c, void *arg)
{
    struct relay_ctx *x = arg;
    struct db_rows *r = NULL;
    x->published = 0;
    x->bus_down = false;
    enum err e = db_query(c, &r, SQL_OUTBOX_TAKE, "");
    size_t n = e == ERR_OK ? db_rows_count(r) : 0, sent = 0;
    /* "[id,id,...]": at most 100 ids of 20 digits */
    char ids[100 * 21 + 3];
    size_t len = 0;
    ids[len++] = '[';
    for (; sent < n && sent < 100; sent++) {
        const char *id = db_rows_str(r, sent, 0), *subject = db_rows_str(r, sent, 1), *payload = db_rows_str(r, sent, 2);
        if (bus_publish(x->s->bus, subject, id, payload, strlen(payload), 2000) != ERR_OK) {
            x->bus_down = true;
            e = db_exec(c, NULL, SQL_OUTBOX_FAILED, "u", db_rows_u64(r, sent, 0));
            break;
        }
        len += (size_t)snprintf(ids + len, sizeof ids - len, "%s%llu", sent ? "," : "",
                                (unsigned long long)db_rows_u64(r, sent, 0));
    }
    ids[len++] = ']';
    ids[len] = '\0';
    db_rows_free(r);
    if (e == ERR_OK && sent > 0 && (e = db_exec(c, NULL, SQL_OUTBOX_SENT, "si", ids, time_now_ms())) == ERR_OK)
        x->published = sent;
    return e;
}

static double outbox_stat(struct svc *s, int col)
{
    struct db_rows *r = NULL;
    double v = -1;
    if (db_query1(s->db, &r, SQL_OUTBOX_PENDING, "") == ERR_OK) {
        if (col == 0)
            v = (double)db_rows_i64(r, 0, 0);
        else
            v = db_rows_null(r, 0, 1) ? 0 : (double)(time_now_ms() - db_rows_i64(r, 0, 1)) / 1000.0;
    }
    db_rows_free(r);
    return v;
}

static double gauge_pending(void *s) { return outbox_stat(s, 0); }
static double gauge_oldest(void *s) { return outbox_stat(s, 1); }

static void relay_main(struct svc *s, void *arg)
{
    (void)arg;
    struct relay_ctx x = {s, 0, false};
    long idle_ms = 200;
    int64_t last_purge = 0;
    while (!svc_stopping(s)) {
        enum err e = db_tx(s->db, relay_tx, &x);
        if (e == ERR_OK && x.published) {
            metrics_count("pb_outbox_published_total", NULL, x.published);
            continue; /* there may be more */
        }
        if (x.bus_down || e != ERR_OK)
            LOG_W("events: relay waiting (%s)", x.bus_down ? "NATS unavailable" : err_code(e));
        if (time_now_ms() - last_purge > 3600 * 1000) { /* sent rows are kept a week for audit */
            db_exec1(s->db, NULL, SQL_OUTBOX_PURGE, "i", time_now_ms() - 7LL * 86400 * 1000);
            last_purge = time_now_ms();
        }
        relay_wait(x.bus_down || e != ERR_OK ? 1000 : idle_ms);
    }
}

int events_relay_start(struct svc *s)
{
    metrics_gauge("pb_outbox_pending", "events in the outbox not yet published", gauge_pending, s);
    metrics_gauge("pb_outbox_oldest_pending_seconds", "age of the oldest unpublished event", gauge_oldest, s);
    metrics_describe("pb_outbox_published_total", "events published by the outbox relay");
    return svc_spawn(s, relay_main, NULL);
}

/* ---------- consumers ---------- */

/* The lag of each durable consumer of this process (messages not yet delivered plus
 * delivered but not acknowledged), read from JetStream by the consumer's own thread every
 * LAG_REFRESH_MS and exposed as the gauge pb_events_consumer_pending{consumer="<durable>"}.
 * Reading it in the consumer thread keeps the scrape free of NATS round trips; a value not
 * refreshed for LAG_STALE_MS (NATS unreachable, not subscribed) is reported as -1, unknown. */
#define EVENTS_MAX_CONSUMERS 32
#define LAG_REFRESH_MS 2000
#define LAG_STALE_MS 30000
#define LAG_WAIT_MS 1000

struct consumer_lag {
    struct events_consumer *spec;
    double pending;  /* under lag_mu */
    int64_t read_ms; /* monotonic time of the last successful read; 0 never; under lag_mu */
    bool failing;    /* the last read failed (logged once per run of failures); consumer thread only */
};

/* One pulling thread of a consumer; the first of them also refreshes the consumer's lag. */
struct consumer_run {
    struct consumer_lag *lag;
    bool refresh_lag;
};

static pthread_mutex_t lag_mu = PTHREAD_MUTEX_INITIALIZER;
static struct consumer_lag g_lags[EVENTS_MAX_CONSUMERS];
static struct consumer_run g_runs[EVENTS_MAX_CONSUMERS][EVENTS_MAX_THREADS];
static size_t g_nlags;

static double gauge_lag(void *arg)
{
    const struct consumer_lag *l = arg;
    pthread_mutex_lock(&lag_mu);
    double v = l->read_ms && time_mono_ms() - l->read_ms <= LAG_STALE_MS ? l->pending : -1;
    pthread_mutex_unlock(&lag_mu);
    return v;
}

/* Ask JetStream for the consumer's state (bounded by LAG_WAIT_MS) and remember its lag. */
static void lag_refresh(struct svc *s, struct consumer_lag *l)
{
    jsOptions jo;
    jsConsumerInfo *ci = NULL;
    jsErrCode jerr = 0;
    if (jsOptions_Init(&jo) != NATS_OK)
        return;
    jo.Wait = LAG_WAIT_MS;
    natsStatus st = js_GetConsumerInfo(&ci, bus_js(s->bus), BUS_STREAM, l->spec->durable, &jo, &jerr);
    if (st == NATS_OK && ci) {
        pthread_mutex_lock(&lag_mu);
        l->pending = (double)ci->NumPending + (double)(ci->NumAckPending > 0 ? ci->NumAckPending : 0);
        l->read_ms = time_mono_ms();
        pthread_mutex_unlock(&lag_mu);
        l->failing = false;
    } else if (!l->failing) {
        l->failing = true;
        LOG_W("events: consumer %s: its state cannot be read: %s (%d)", l->spec->durable, natsStatus_GetText(st),
              (int)jerr);
    }
    jsConsumerInfo_Destroy(ci);
}

struct handle_ctx {
    struct svc *s;
    const struct events_consumer *spec;
    const struct event *ev;
    bool duplicate;
};

static enum err handle_tx(struct db_conn *c, void *arg)
{
    struct handle_ctx *x = arg;
    uint64_t inserted = 0;
    enum err e = db_exec(c, &inserted, SQL_PROCESSED, "sui", x->spec->durable, x->ev->id, time_now_ms());
    if (e != ERR_OK)
        return e;
    x->duplicate = inserted == 0;
    if (x->duplicate)
        return ERR_OK; /* processed before: nothing to do, ack again */
    e = x->spec->handler(x->s, c, x->ev, x->spec->arg);
    if (e == ERR_OK && x->spec->before_commit)
        e = x->spec->before_commit(x->s, c, x->spec->arg);
    return e;
}

static void dead_letter(struct svc *s, const struct events_consumer *spec, natsMsg *m, const char *why)
{
    char subject[160], labels[128];
    snprintf(subject, sizeof subject, "petboarding.dlq.%s", spec->durable);
    snprintf(labels, sizeof labels, "consumer=\"%s\"", spec->durable);
    const char *data = natsMsg_GetData(m);
    int len = natsMsg_GetDataLength(m);
    /* the DLQ copy gets its own id: the original id may still be in the duplicate window */
    char mid[IDS_STR_LEN];
    ids_format(ids_next(), mid);
    if (bus_publish(s->bus, subject, mid, data ? data : "", len > 0 ? (size_t)len : 0, 2000) != ERR_OK)
        return; /* keep it for another round rather than lose it */
    metrics_count("pb_events_dead_lettered_total", labels, 1);
    LOG_E("events: %s parked on %s after repeated failures (%s)", natsMsg_GetSubject(m), subject, why);
    natsMsg_Term(m, NULL);
}

/* A batch of first deliveries in one transaction (spec->batch). */
struct batch_ctx {
    struct svc *s;
    const struct events_consumer *spec;
    struct event *ev;
    int n;
};

static enum err batch_tx(struct db_conn *c, void *arg)
{
    struct batch_ctx *x = arg;
    /* every event of the batch marked processed in one statement (one round trip instead of
     * one per event); when any of them was processed before, the whole batch rolls back and
     * the caller takes its events one at a time, which tells the duplicates apart */
    char ids[EVENTS_BATCH_MAX * (IDS_STR_LEN + 1) + 3];
    size_t at = 0;
    ids[at++] = '[';
    for (int i = 0; i < x->n; i++)
        at += (size_t)snprintf(ids + at, sizeof ids - at, "%s%llu", i ? "," : "", (unsigned long long)x->ev[i].id);
    if (at + 2 > sizeof ids)
        return ERR_INTERNAL; /* cannot happen: n <= EVENTS_BATCH_MAX */
    ids[at++] = ']';
    ids[at] = 0;
    uint64_t inserted = 0;
    enum err e = db_exec(c, &inserted, SQL_PROCESSED_MANY, "sis", x->spec->durable, time_now_ms(), ids);
    if (e != ERR_OK)
        return e;
    if (inserted != (uint64_t)x->n)
        return ERR_CONFLICT;
    for (int i = 0; i < x->n; i++) {
        x->ev[i].unit = x->ev[0].id;
        x->ev[i].unit_start = i == 0;
        log_set_request_id(x->ev[i].request_id);
        if ((e = x->spec->handler(x->s, c, &x->ev[i], x->spec->arg)) != ERR_OK)
            return e;
    }
    return x->spec->before_commit ? x->spec->before_commit(x->s, c, x->spec->arg) : ERR_OK;
}

/* Handle msgs (first deliveries, valid envelopes) in one transaction, ack them all: true.
 * false when it could not (nothing acked): the caller handles them one at a time. */
static bool handle_batch(struct svc *s, const struct events_consumer *spec, natsMsg **msgs, int n)
{
    json_t *env[EVENTS_BATCH_MAX] = {0};
    struct event ev[EVENTS_BATCH_MAX];
    bool ok = n > 1 && n <= EVENTS_BATCH_MAX;
    int parsed = 0;
    for (; ok && parsed < n; parsed++) {
        jsMsgMetaData *meta = NULL;
        bool first = natsMsg_GetMetaData(&meta, msgs[parsed]) == NATS_OK && meta->NumDelivered == 1;
        jsMsgMetaData_Destroy(meta);
        json_error_t jerr;
        env[parsed] = json_loadb(natsMsg_GetData(msgs[parsed]), (size_t)natsMsg_GetDataLength(msgs[parsed]), 0, &jerr);
        ok = first && env[parsed] && events_parse(env[parsed], &ev[parsed]);
        if (ok)
            ev[parsed].delivered = 1;
    }
    if (ok) {
        struct batch_ctx x = {s, spec, ev, n};
        if (spec->prepare)
            spec->prepare(s, ev, n, spec->arg);
        ok = db_tx(s->db, batch_tx, &x) == ERR_OK;
        log_set_request_id(NULL);
    }
    if (ok) {
        char labels[128];
        snprintf(labels, sizeof labels, "consumer=\"%s\"", spec->durable);
        for (int i = 0; i < n; i++) { /* none was a duplicate: batch_tx rolls back when one is */
            if (spec->after_commit)
                spec->after_commit(s, &ev[i]);
            natsMsg_Ack(msgs[i], NULL);
            metrics_count("pb_events_consumed_total", labels, 1);
        }
        metrics_count("pb_events_batches_total", labels, 1);
    }
    for (int i = 0; i < parsed; i++)
        json_decref(env[i]);
    return ok;
}

static void handle_msg(struct svc *s, const struct events_consumer *spec, natsMsg *m)
{
    jsMsgMetaData *meta = NULL;
    uint64_t delivered = natsMsg_GetMetaData(&meta, m) == NATS_OK ? meta->NumDelivered : 1;
    jsMsgMetaData_Destroy(meta);
    char labels[128];
    snprintf(labels, sizeof labels, "consumer=\"%s\"", spec->durable);
    json_error_t jerr;
    json_t *env = json_loadb(natsMsg_GetData(m), (size_t)natsMsg_GetDataLength(m), 0, &jerr);
    struct event ev;
    if (!env || !events_parse(env, &ev)) {
        json_decref(env);
        dead_letter(s, spec, m, "not an event envelope");
        return;
    }
    ev.delivered = delivered;
    ev.unit = ev.id;
    ev.unit_start = true;
    log_set_request_id(ev.request_id);
    if (spec->prepare)
        spec->prepare(s, &ev, 1, spec->arg);
    struct handle_ctx x = {s, spec, &ev, false};
    enum err e = db_tx(s->db, handle_tx, &x);
    if (e == ERR_OK) {
        if (!x.duplicate && spec->after_commit)
            spec->after_commit(s, &ev);
        natsMsg_Ack(m, NULL);
        metrics_count("pb_events_consumed_total", labels, 1);
        if (x.duplicate)
            metrics_count("pb_events_duplicates_total", labels, 1);
    } else if (delivered >= (uint64_t)spec->max_deliver) {
        dead_letter(s, spec, m, err_code(e));
    } else {
        long delay = 100L << (delivered < 6 ? delivered : 6); /* 200 ms .. 6.4 s */
        LOG_W("events: %s failed (%s), delivery %llu: retry in %ld ms", ev.type, err_code(e),
              (unsigned long long)delivered, delay);
        natsMsg_NakWithDelay(m, delay, NULL);
    }
    log_set_request_id(NULL);
    json_decref(env);
}

/* The stored ack wait of the durable, in ns; 0 when it does not exist (or cannot be read).
 * *ci is its consumer info (or NULL), which the caller destroys. */
static int64_t stored_ack_wait(struct svc *s, const char *durable, jsConsumerInfo **ci)
{
    int64_t ns = 0;
    *ci = NULL;
    if (js_GetConsumerInfo(ci, bus_js(s->bus), BUS_STREAM, durable, NULL, NULL) == NATS_OK && *ci && (*ci)->Config)
        ns = (*ci)->Config->AckWait;
    return ns;
}

/* The ack wait to subscribe with. A durable made by an earlier version with another ack wait
 * keeps the stored value, and the client refuses to bind to a durable whose configuration
 * differs from the one it asks for: bring the stored value to this version's (read back: a
 * server that recovered the durable from disk answers the update with the old value), and if
 * it will not change, bind with the stored one rather than not consume at all. An absent
 * durable is left to the subscription, which creates it with the wanted value. */
static int64_t ack_wait_reconcile(struct svc *s, const struct events_consumer *spec, int64_t want_ns)
{
    jsConsumerInfo *ci = NULL, *updated = NULL, *after = NULL;
    jsErrCode jerr = 0;
    natsStatus st = NATS_OK;
    int64_t was = stored_ack_wait(s, spec->durable, &ci), now = was;
    if (was != 0 && was != want_ns) {
        jsConsumerConfig cc = *ci->Config; /* the stored configuration, ack wait changed */
        cc.AckWait = want_ns;
        st = js_UpdateConsumer(&updated, bus_js(s->bus), BUS_STREAM, &cc, NULL, &jerr);
        now = stored_ack_wait(s, spec->durable, &after);
        if (now == want_ns)
            LOG_I("events: consumer %s: ack wait %lld ms (was %lld)", spec->durable, (long long)(want_ns / 1000000),
                  (long long)(was / 1000000));
        else
            LOG_W("events: consumer %s keeps its ack wait of %lld ms: it cannot be changed to %lld (%s, %d)",
                  spec->durable, (long long)(was / 1000000), (long long)(want_ns / 1000000), natsStatus_GetText(st),
                  (int)jerr);
    }
    jsConsumerInfo_Destroy(after);
    jsConsumerInfo_Destroy(updated);
    jsConsumerInfo_Destroy(ci);
    return now ? now : want_ns;
}

static void consume_main(struct svc *s, void *arg)
{
    const struct consumer_run *run = arg;
    struct consumer_lag *lag = run->lag;
    const struct events_consumer *spec = lag->spec;
    natsSubscription *sub = NULL;
    int64_t lag_due = 0;
    while (!svc_stopping(s)) {
        /* only while subscribed: else the value goes stale */
        if (run->refresh_lag && sub && time_mono_ms() >= lag_due) {
            lag_refresh(s, lag);
            lag_due = time_mono_ms() + LAG_REFRESH_MS;
        }
        if (!sub) {
            jsSubOptions so;
            jsErrCode jerr = 0;
            jsSubOptions_Init(&so);
            so.Stream = BUS_STREAM;
            so.Config.Durable = spec->durable;
            so.Config.AckPolicy = js_AckExplicit;
            so.Config.AckWait = ack_wait_reconcile(s, spec, (int64_t)spec->ack_wait_ms * 1000000);
            so.Config.MaxDeliver = -1; /* we count deliveries and dead-letter ourselves */
            so.Config.DeliverPolicy = js_DeliverAll;
            so.Config.FilterSubject = spec->filter;
            so.Config.MaxAckPending = 1000;
            natsStatus st = js_PullSubscribe(&sub, bus_js(s->bus), spec->filter, spec->durable, NULL, &so, &jerr);
            if (st != NATS_OK) {
                sub = NULL;
                LOG_W("events: consumer %s cannot subscribe yet: %s (%d)", spec->durable, natsStatus_GetText(st),
                      (int)jerr);
                svc_sleep_ms(s, 1000);
                continue;
            }
            LOG_I("events: consumer %s on %s", spec->durable, spec->filter);
        }
        natsMsgList list = {0};
        natsStatus st = natsSubscription_Fetch(&list, sub, EVENTS_BATCH_MAX, 1000, NULL);
        if (st == NATS_TIMEOUT)
            continue;
        if (st != NATS_OK) {
            if (st == NATS_CONNECTION_CLOSED || st == NATS_INVALID_SUBSCRIPTION) {
                natsSubscription_Destroy(sub); /* Destroy, not Unsubscribe: the durable stays */
                sub = NULL;
            }
            svc_sleep_ms(s, 500);
            continue;
        }
        if (!spec->batch || !handle_batch(s, spec, list.Msgs, list.Count))
            for (int i = 0; i < list.Count; i++)
                handle_msg(s, spec, list.Msgs[i]);
        natsMsgList_Destroy(&list);
    }
    natsSubscription_Destroy(sub);
}

int events_consume_start(struct svc *s, struct events_consumer *spec)
{
    if (spec->max_deliver <= 0)
        spec->max_deliver = 8;
    if (spec->ack_wait_ms <= 0)
        spec->ack_wait_ms = EVENTS_ACK_WAIT_MS;
    if (spec->threads <= 0)
        spec->threads = 1;
    if (spec->threads > EVENTS_MAX_THREADS)
        spec->threads = EVENTS_MAX_THREADS;
    pthread_mutex_lock(&lag_mu);
    size_t slot = g_nlags;
    struct consumer_lag *lag = g_nlags < EVENTS_MAX_CONSUMERS ? &g_lags[g_nlags++] : NULL;
    if (lag)
        *lag = (struct consumer_lag){spec, -1, 0, false};
    pthread_mutex_unlock(&lag_mu);
    if (!lag) {
        LOG_E("events: more than %d consumers in one process", EVENTS_MAX_CONSUMERS);
        return -1;
    }
    char labels[128];
    snprintf(labels, sizeof labels, "consumer=\"%s\"", spec->durable);
    metrics_gauge_labeled("pb_events_consumer_pending", labels,
                          "messages of the durable consumer not yet delivered or not yet acknowledged (-1: unknown)",
                          gauge_lag, lag);
    metrics_describe("pb_events_consumed_total", "events handled and acknowledged");
    metrics_describe("pb_events_duplicates_total", "redelivered events that were already processed");
    metrics_describe("pb_events_dead_lettered_total", "events parked on the dead-letter subject");
    metrics_describe("pb_events_batches_total", "batches of events handled in one transaction");
    for (int i = 0; i < spec->threads; i++) {
        g_runs[slot][i] = (struct consumer_run){lag, i == 0};
        if (svc_spawn(s, consume_main, &g_runs[slot][i]) != 0)
            return -1;
    }
    return 0;
}
