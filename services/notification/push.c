/* SSE streams of this replica, woken through the Redis channel pb:notify. */
#include "push.h"
#include "config.h"
#include "dates.h"
#include "ids.h"
#include "log.h"
#include "metrics.h"
#include "sse.h"
#include "store.h"
#include "streamcap.h"

#include <errno.h>
#include <hiredis.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BUCKETS 256
#define BATCH 50               /* notifications read per query */
#define RECHECK_MS 10000       /* a stream re-reads MariaDB at least this often (at its heartbeat) */
#define RETRY_MS 3000          /* EventSource's reconnection delay */
#define SUPERSEDED_RETRY_MS 30000 /* ... after a newer stream of the same user replaced this one */
#define FULL_RETRY_AFTER "5"   /* seconds, in the 503 of a replica holding all the streams it may */

struct stream {
    struct push *p;
    struct svc *s;
    uint64_t user;
    struct auth_principal who; /* the token the stream was opened with */
    uint64_t last_id;          /* the newest notification sent (or the starting point) */
    struct http_stream *st;    /* NULL until the reply started */
    uint64_t seq;              /* opening order on this replica: the smallest is the oldest */
    atomic_bool woken;         /* a notification may have been committed since the last read */
    atomic_bool superseded;    /* a newer stream of the user replaced it: say so and end */
    bool said_bye;             /* the superseded event is queued */
    bool more;                 /* the last read filled a whole batch */
    bool stalled;              /* this read could not queue a notification: skip the rest */
    bool started;
    int64_t last_read_ms;      /* monotonic */
    int64_t last_auth_ms;      /* monotonic: the token was last found valid */
    struct sse_queue q;
    struct stream *next;       /* bucket chain */
};

struct push {
    pthread_mutex_t mu;
    struct stream *buckets[BUCKETS];
    size_t count;              /* registered streams (the gauge) */
    size_t live;               /* of which not superseded (what the limits count) */
    uint64_t seq;
    long heartbeat_ms;
    size_t per_user, max_total;
};

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static unsigned bucket(uint64_t user) { return ids_shard(user, BUCKETS); }

struct push *push_new(long heartbeat_ms, size_t per_user, size_t max_total)
{
    struct push *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    pthread_mutex_init(&p->mu, NULL);
    p->heartbeat_ms = heartbeat_ms;
    p->per_user = per_user;
    p->max_total = max_total;
    return p;
}

void push_free(struct push *p)
{
    if (!p)
        return;
    pthread_mutex_destroy(&p->mu);
    free(p);
}

/* ---------- waking ---------- */

/* Caller holds p->mu. */
static void wake_locked(struct stream *x)
{
    atomic_store(&x->woken, true); /* before the wake: the woken fill must see it */
    if (x->st)
        http_stream_wake(x->st);
}

void push_wake_user(struct push *p, uint64_t user)
{
    pthread_mutex_lock(&p->mu);
    for (struct stream *x = p->buckets[bucket(user)]; x; x = x->next)
        if (x->user == user)
            wake_locked(x);
    pthread_mutex_unlock(&p->mu);
}

static void wake_all(struct push *p)
{
    pthread_mutex_lock(&p->mu);
    for (size_t b = 0; b < BUCKETS; b++)
        for (struct stream *x = p->buckets[b]; x; x = x->next)
            wake_locked(x);
    pthread_mutex_unlock(&p->mu);
}

/* ---------- one stream ---------- */

static void queue_notification(const struct notification *n, void *arg)
{
    struct stream *x = arg;
    if (x->stalled || n->id <= x->last_id)
        return;
    char *data = http_json_text(store_notification_json(n), NULL);
    size_t len = 0;
    char *text = data ? sse_event(n->id, "notification", data, &len) : NULL;
    if (text && sse_queue_push(&x->q, text, len))
        x->last_id = n->id;
    else
        x->stalled = true; /* no memory: the next read starts again from here */
    free(text);
    free(data);
}

/* Read what the user has newer than what was sent. */
static void read_newer(struct stream *x)
{
    size_t n = 0;
    x->last_read_ms = mono_ms();
    uint64_t before = x->last_id;
    x->stalled = false;
    enum err e = store_newer(x->s, x->user, x->last_id, BATCH, queue_notification, x, &n);
    if (e != ERR_OK) {
        x->more = false;
        x->last_read_ms = 0; /* try again at the next heartbeat */
        LOG_W("notification: stream of user %llu cannot read MariaDB (%s)", (unsigned long long)x->user, err_code(e));
        return;
    }
    x->more = n == BATCH && x->last_id != before && !x->stalled;
}

/* Whether the stream's token is still good: not expired, not revoked (logout, suspension).
 * Asked at most every RECHECK_MS; Redis unreachable counts as good (the stream only reads). */
static bool still_authorised(struct stream *x)
{
    int64_t now = mono_ms();
    if (now - x->last_auth_ms < RECHECK_MS)
        return true;
    x->last_auth_ms = now;
    if (time_now_ms() / 1000 >= x->who.exp)
        return false;
    bool revoked = false;
    return svc_token_revoked(x->s, &x->who, &revoked) != ERR_OK || !revoked;
}

/* A superseded stream: what was queued, then the superseded event, then the end. */
static long fill_superseded(struct stream *x, char *buf, size_t max)
{
    if (!x->said_bye) {
        char bye[160];
        size_t n = sse_superseded(bye, sizeof bye, SUPERSEDED_RETRY_MS, (long)x->p->per_user);
        if (!sse_queue_push(&x->q, bye, n))
            return -1;
        x->said_bye = true;
    }
    if (!sse_queue_pending(&x->q))
        return -1;
    return (long)sse_queue_take(&x->q, buf, max);
}

static long stream_fill(void *arg, char *buf, size_t max)
{
    struct stream *x = arg;
    if (atomic_load(&x->superseded))
        return fill_superseded(x, buf, max);
    if (!sse_queue_pending(&x->q) && !still_authorised(x)) {
        LOG_I("notification: stream of user %llu ended: its token expired or was revoked",
              (unsigned long long)x->user);
        return -1;
    }
    if (!x->started) {
        char retry[32];
        size_t n = sse_retry(retry, sizeof retry, RETRY_MS);
        if (!sse_queue_push(&x->q, retry, n))
            return -1;
        x->started = true;
    }
    if (!sse_queue_pending(&x->q)) {
        bool due = atomic_exchange(&x->woken, false) || x->more || mono_ms() - x->last_read_ms >= RECHECK_MS;
        if (due)
            read_newer(x);
    }
    return (long)sse_queue_take(&x->q, buf, max);
}

static void unregister(struct stream *x)
{
    struct push *p = x->p;
    pthread_mutex_lock(&p->mu);
    for (struct stream **pp = &p->buckets[bucket(x->user)]; *pp; pp = &(*pp)->next)
        if (*pp == x) {
            *pp = x->next;
            p->count--;
            if (!atomic_load(&x->superseded))
                p->live--;
            break;
        }
    pthread_mutex_unlock(&p->mu);
}

static void stream_close(void *arg)
{
    struct stream *x = arg;
    unregister(x);
    sse_queue_free(&x->q);
    free(x);
}

/* Caller holds p->mu. The user's live stream opened first, or NULL. */
static struct stream *oldest_of_locked(struct push *p, uint64_t user)
{
    struct stream *old = NULL;
    for (struct stream *y = p->buckets[bucket(user)]; y; y = y->next)
        if (y->user == user && !atomic_load(&y->superseded) && (!old || y->seq < old->seq))
            old = y;
    return old;
}

/* Apply the limits (streamcap_admit) and register x; false when the replica is full. The
 * streams x replaces are told to end (they say why, then close). */
static bool admit_and_register(struct push *p, struct stream *x)
{
    pthread_mutex_lock(&p->mu);
    size_t mine = 0, evict = 0;
    for (struct stream *y = p->buckets[bucket(x->user)]; y; y = y->next)
        mine += y->user == x->user && !atomic_load(&y->superseded);
    enum streamcap a = streamcap_admit(mine, p->live, p->per_user, p->max_total, &evict);
    if (a == STREAMCAP_FULL) {
        pthread_mutex_unlock(&p->mu);
        return false;
    }
    for (; evict; evict--) {
        struct stream *old = oldest_of_locked(p, x->user);
        if (!old)
            break;
        atomic_store(&old->superseded, true);
        p->live--;
        wake_locked(old);
        metrics_count("pb_notification_streams_superseded_total", NULL, 1);
    }
    x->seq = ++p->seq;
    x->next = p->buckets[bucket(x->user)];
    p->buckets[bucket(x->user)] = x;
    p->count++;
    p->live++;
    pthread_mutex_unlock(&p->mu);
    return true;
}

void push_stream_reply(struct http_req *r, struct svc *s, struct push *p, const struct auth_principal *me,
                       bool has_last, uint64_t last_id)
{
    uint64_t user = me->user_id;
    struct stream *x = calloc(1, sizeof *x);
    if (!x) {
        http_reply_error(r, ERR_NO_MEMORY, NULL, NULL);
        return;
    }
    x->p = p;
    x->s = s;
    x->user = user;
    x->who = *me;
    x->last_auth_ms = mono_ms();
    x->last_id = last_id;
    atomic_init(&x->woken, true); /* the first fill reads */
    atomic_init(&x->superseded, false);
    if (!has_last) {
        enum err e = store_newest_id(s, user, &x->last_id);
        if (e != ERR_OK) {
            free(x);
            svc_reply_err(r, e);
            return;
        }
    }
    /* registered before the reply starts: no wake-up after this point is missed */
    if (!admit_and_register(p, x)) {
        free(x);
        metrics_count("pb_notification_streams_refused_total", NULL, 1);
        http_header_add(r, "Retry-After", FULL_RETRY_AFTER);
        http_reply_error(r, ERR_UNAVAILABLE, "this server holds as many event streams as it may; try again shortly",
                         NULL);
        return;
    }
    struct http_stream *st = http_reply_sse(r, p->heartbeat_ms, stream_fill, x, stream_close);
    if (!st)
        return; /* stream_close ran */
    pthread_mutex_lock(&p->mu);
    x->st = st;
    pthread_mutex_unlock(&p->mu);
    metrics_count("pb_notification_streams_opened_total", NULL, 1);
}

/* ---------- the subscriber ---------- */

static redisContext *connect_to(const char *host, int port)
{
    struct timeval tv = {1, 0};
    redisContext *c = redisConnectWithTimeout(host, port, tv);
    if (!c || c->err) {
        if (c)
            redisFree(c);
        return NULL;
    }
    redisSetTimeout(c, tv);
    redisEnableKeepAlive(c);
    return c;
}

/* The primary: directly, or as the first answering sentinel names it (PB_REDIS_SENTINELS). */
static redisContext *connect_redis(void)
{
    const char *sentinels = config_str("PB_REDIS_SENTINELS", NULL);
    if (!sentinels || !*sentinels)
        return connect_to(config_str("PB_REDIS_HOST", "127.0.0.1"), (int)config_long("PB_REDIS_PORT", 6379, 1, 65535));
    char list[512];
    snprintf(list, sizeof list, "%s", sentinels);
    char *save = NULL;
    for (char *tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        char *colon = strrchr(tok, ':');
        if (!colon)
            continue;
        *colon = 0;
        redisContext *sc = connect_to(tok, atoi(colon + 1));
        if (!sc)
            continue;
        redisReply *r = redisCommand(sc, "SENTINEL get-master-addr-by-name %s", config_str("PB_REDIS_MASTER", "pbmaster"));
        char host[64] = "";
        int port = 0;
        if (r && r->type == REDIS_REPLY_ARRAY && r->elements == 2 && r->element[0]->str && r->element[1]->str) {
            snprintf(host, sizeof host, "%s", r->element[0]->str);
            port = atoi(r->element[1]->str);
        }
        if (r)
            freeReplyObject(r);
        redisFree(sc);
        redisContext *c = port ? connect_to(host, port) : NULL;
        if (c)
            return c;
    }
    return NULL;
}

/* A pub/sub message ["message", channel, "<user id>"]: wake that user's streams. */
static void on_message(struct push *p, const redisReply *r)
{
    uint64_t user;
    if (r->type == REDIS_REPLY_ARRAY && r->elements == 3 && r->element[0]->type == REDIS_REPLY_STRING &&
        strcmp(r->element[0]->str, "message") == 0 && r->element[2]->type == REDIS_REPLY_STRING &&
        ids_parse(r->element[2]->str, &user)) {
        push_wake_user(p, user);
        metrics_count("pb_notification_wakeups_total", NULL, 1);
    }
}

/* Read messages until the connection breaks or the service stops. */
static void listen_on(struct svc *s, struct push *p, redisContext *c)
{
    while (!svc_stopping(s)) {
        void *reply = NULL;
        if (redisGetReplyFromReader(c, &reply) != REDIS_OK)
            return;
        if (reply) {
            on_message(p, reply);
            freeReplyObject(reply);
            continue;
        }
        struct pollfd pfd = {.fd = c->fd, .events = POLLIN};
        int n = poll(&pfd, 1, 500); /* wakes twice a second to notice a stopping service */
        if (n < 0 && errno != EINTR)
            return;
        if (n > 0 && redisBufferRead(c) != REDIS_OK)
            return;
    }
}

static void subscriber_main(struct svc *s, void *arg)
{
    struct push *p = arg;
    bool warned = false;
    while (!svc_stopping(s)) {
        redisContext *c = connect_redis();
        redisReply *r = c ? redisCommand(c, "SUBSCRIBE %s", STORE_WAKE_CHANNEL) : NULL;
        bool ok = r && r->type == REDIS_REPLY_ARRAY;
        if (r)
            freeReplyObject(r);
        if (!ok) {
            if (!warned)
                LOG_W("notification: cannot subscribe to %s yet; streams fall back to re-reading every %d s",
                      STORE_WAKE_CHANNEL, RECHECK_MS / 1000);
            warned = true;
            if (c)
                redisFree(c);
            svc_sleep_ms(s, 1000);
            continue;
        }
        LOG_I("notification: subscribed to %s", STORE_WAKE_CHANNEL);
        warned = false;
        wake_all(p); /* whatever was published while not subscribed */
        listen_on(s, p, c);
        redisFree(c);
        if (!svc_stopping(s))
            LOG_W("notification: lost the %s subscription; reconnecting", STORE_WAKE_CHANNEL);
    }
}

static double gauge_streams(void *arg)
{
    struct push *p = arg;
    pthread_mutex_lock(&p->mu);
    double n = (double)p->count;
    pthread_mutex_unlock(&p->mu);
    return n;
}

int push_start(struct svc *s, struct push *p)
{
    metrics_gauge("pb_notification_streams", "open notification event streams on this replica", gauge_streams, p);
    metrics_describe("pb_notification_wakeups_total", "wake-ups received on the pb:notify channel");
    metrics_describe("pb_notification_streams_opened_total", "notification event streams opened");
    metrics_describe("pb_notification_streams_superseded_total",
                     "event streams ended because a newer one of the same user replaced them");
    metrics_describe("pb_notification_streams_refused_total",
                     "event streams refused (503) because the replica held as many as it may");
    return svc_spawn(s, subscriber_main, p);
}
