/* hiredis pool with Sentinel discovery, TTL jitter and a token-checked distributed lock. */
#include "cache.h"
#include "log.h"
#include "near.h"

#include <errno.h>
#include <pthread.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct slot {
    redisContext *ctx;
    unsigned epoch; /* c->epoch when ctx was opened */
    bool in_use;
};

struct cache {
    char host[64];
    unsigned port;
    char *sentinels;
    char master_name[64];
    unsigned timeout_ms;
    unsigned wait_replicas, wait_ms, retry_ms;
    /* bumped when a connection breaks: connections opened before may lead to a primary that
     * is gone (or demoted) and are reopened at their next use, instead of each failing once */
    unsigned epoch;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    size_t n;
    struct slot *slots;
    struct near *near; /* NULL unless cache_near_enable */
};

static const char UNLOCK_LUA[] =
    "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";
static const char RENEW_LUA[] =
    "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end";

struct cache *cache_new(const struct cache_opts *o)
{
    struct cache *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    snprintf(c->host, sizeof c->host, "%s", o->host ? o->host : "127.0.0.1");
    c->port = o->port ? o->port : 6379;
    snprintf(c->master_name, sizeof c->master_name, "%s", o->master_name ? o->master_name : "pbmaster");
    c->timeout_ms = o->timeout_ms ? o->timeout_ms : 500;
    c->wait_replicas = o->wait_replicas;
    c->wait_ms = o->wait_ms ? o->wait_ms : 100;
    c->retry_ms = o->retry_ms;
    c->n = o->pool_size ? o->pool_size : 16;
    c->slots = calloc(c->n, sizeof *c->slots);
    if (o->sentinels && *o->sentinels)
        c->sentinels = strdup(o->sentinels);
    if (!c->slots || (o->sentinels && *o->sentinels && !c->sentinels)) {
        free(c->slots);
        free(c->sentinels);
        free(c);
        return NULL;
    }
    pthread_mutex_init(&c->mu, NULL);
    pthread_cond_init(&c->cv, NULL);
    if (sodium_init() < 0)
        LOG_W("cache: sodium_init failed");
    return c;
}

void cache_free(struct cache *c)
{
    if (!c)
        return;
    near_free(c->near); /* its tracker connects through c: stop it first */
    for (size_t i = 0; i < c->n; i++)
        if (c->slots[i].ctx)
            redisFree(c->slots[i].ctx);
    pthread_mutex_destroy(&c->mu);
    pthread_cond_destroy(&c->cv);
    free(c->slots);
    free(c->sentinels);
    free(c);
}

static redisContext *connect_to(const char *host, unsigned port, unsigned timeout_ms)
{
    struct timeval tv = {timeout_ms / 1000, (timeout_ms % 1000) * 1000};
    redisContext *ctx = redisConnectWithTimeout(host, (int)port, tv);
    if (!ctx || ctx->err) {
        if (ctx)
            redisFree(ctx);
        return NULL;
    }
    redisSetTimeout(ctx, tv);
    return ctx;
}

/* Ask the sentinels, in order, where the primary is; then check that it says so itself
 * (a restarted old primary may still be a replica). */
static redisContext *connect_via_sentinel(struct cache *c)
{
    char list[512];
    snprintf(list, sizeof list, "%s", c->sentinels);
    char *save = NULL;
    for (char *tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        char *colon = strrchr(tok, ':');
        if (!colon)
            continue;
        *colon = 0;
        redisContext *s = connect_to(tok, (unsigned)atoi(colon + 1), c->timeout_ms);
        if (!s)
            continue;
        redisReply *r = redisCommand(s, "SENTINEL get-master-addr-by-name %s", c->master_name);
        char host[64] = "";
        unsigned port = 0;
        if (r && r->type == REDIS_REPLY_ARRAY && r->elements == 2) {
            snprintf(host, sizeof host, "%s", r->element[0]->str);
            port = (unsigned)atoi(r->element[1]->str);
        }
        if (r)
            freeReplyObject(r);
        redisFree(s);
        if (!port)
            continue;
        redisContext *m = connect_to(host, port, c->timeout_ms);
        if (!m)
            continue;
        redisReply *role = redisCommand(m, "ROLE");
        bool primary = role && role->type == REDIS_REPLY_ARRAY && role->elements > 0 &&
                       role->element[0]->type == REDIS_REPLY_STRING && strcmp(role->element[0]->str, "master") == 0;
        if (role)
            freeReplyObject(role);
        if (primary)
            return m;
        redisFree(m);
    }
    LOG_E("cache: no sentinel of [%s] named a reachable primary for %s", c->sentinels, c->master_name);
    return NULL;
}

redisContext *cache_connect_primary(struct cache *c)
{
    return c->sentinels ? connect_via_sentinel(c) : connect_to(c->host, c->port, c->timeout_ms);
}

int cache_near_enable(struct cache *c, size_t max_bytes, const char *const *prefixes)
{
    if (c->near)
        return 0;
    struct near *n = near_new(max_bytes);
    if (!n || near_track(n, c, prefixes) != 0) {
        near_free(n);
        return -1;
    }
    c->near = n;
    return 0;
}

struct near *cache_near(struct cache *c) { return c ? c->near : NULL; }

static struct slot *acquire(struct cache *c)
{
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += 2;
    struct slot *s = NULL;
    pthread_mutex_lock(&c->mu);
    while (!s) {
        for (size_t i = 0; i < c->n && !s; i++)
            if (!c->slots[i].in_use && c->slots[i].ctx)
                s = &c->slots[i];
        for (size_t i = 0; i < c->n && !s; i++)
            if (!c->slots[i].in_use)
                s = &c->slots[i];
        if (!s && pthread_cond_timedwait(&c->cv, &c->mu, &deadline) == ETIMEDOUT)
            break;
    }
    unsigned epoch = c->epoch;
    if (s)
        s->in_use = true;
    pthread_mutex_unlock(&c->mu);
    if (!s) {
        LOG_E("cache: no free connection");
        return NULL;
    }
    if (s->ctx && s->epoch != epoch) {
        redisFree(s->ctx);
        s->ctx = NULL;
    }
    if (!s->ctx) {
        s->epoch = epoch;
        s->ctx = cache_connect_primary(c);
        if (!s->ctx) {
            if (!c->sentinels)
                LOG_E("cache: cannot connect to %s:%u", c->host, c->port);
            pthread_mutex_lock(&c->mu);
            s->in_use = false;
            pthread_cond_signal(&c->cv);
            pthread_mutex_unlock(&c->mu);
            return NULL;
        }
    }
    return s;
}

static void release(struct cache *c, struct slot *s, bool broken)
{
    if (broken && s->ctx) {
        redisFree(s->ctx);
        s->ctx = NULL;
    }
    pthread_mutex_lock(&c->mu);
    if (broken && s->epoch == c->epoch)
        c->epoch++;
    s->in_use = false;
    pthread_cond_signal(&c->cv);
    pthread_mutex_unlock(&c->mu);
}

/* Common tail: classify the reply; a lost connection or a demoted primary (READONLY) drops
 * the connection so the next use reconnects (through Sentinel when configured). */
static redisReply *finish(struct cache *c, struct slot *s, redisReply *r)
{
    bool broken = false;
    if (!r) {
        LOG_E("cache: command failed: %s", s->ctx->errstr);
        broken = true;
    } else if (r->type == REDIS_REPLY_ERROR) {
        LOG_E("cache: error reply: %s", r->str);
        broken = strncmp(r->str, "READONLY", 8) == 0 || strncmp(r->str, "LOADING", 7) == 0;
        freeReplyObject(r);
        r = NULL;
    }
    release(c, s, broken);
    return r;
}

enum run_mode {
    RUN_ONCE,    /* a write that may not run twice: one attempt */
    RUN_READ,    /* a read: once more on a fresh connection if the first was lost */
    RUN_RIDE,    /* a read that must not fail: retried through a failover (retry_ms) */
    RUN_DURABLE, /* a write that must survive a failover: WAIT for replicas, retried */
};

static long elapsed_ms(const struct timespec *t0)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (now.tv_sec - t0->tv_sec) * 1000L + (now.tv_nsec - t0->tv_nsec) / 1000000L;
}

static redisReply *run(struct cache *c, enum run_mode mode, const char *fmt, va_list ap)
{
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (unsigned attempt = 0;; attempt++) {
        struct slot *s = acquire(c);
        redisReply *r = NULL;
        if (s) {
            va_list aq;
            va_copy(aq, ap);
            r = redisvCommand(s->ctx, fmt, aq);
            va_end(aq);
            if (mode == RUN_DURABLE && r && r->type != REDIS_REPLY_ERROR && c->wait_replicas) {
                redisReply *w = redisCommand(s->ctx, "WAIT %u %u", c->wait_replicas, c->wait_ms);
                if (w && w->type == REDIS_REPLY_INTEGER && w->integer < (long long)c->wait_replicas)
                    LOG_W("cache: a write reached %lld of %u replicas within %u ms", w->integer, c->wait_replicas,
                          c->wait_ms);
                if (w)
                    freeReplyObject(w);
            }
            bool lost = !r;
            r = finish(c, s, r);
            if (r || !lost)
                return r; /* an answer, or an error reply: nothing to retry */
        }
        if (mode == RUN_ONCE || (mode == RUN_READ && attempt >= 1))
            return NULL;
        if (mode == RUN_READ)
            continue; /* at once, on a fresh connection */
        if (elapsed_ms(&t0) >= (long)c->retry_ms)
            return NULL;
        if (attempt == 0)
            LOG_W("cache: Redis unreachable; retrying for up to %u ms (failover)", c->retry_ms);
        struct timespec pause = {0, 200 * 1000000L}; /* Sentinel promotes a replica in ~2 s */
        nanosleep(&pause, NULL);
    }
}

redisReply *cache_cmd(struct cache *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    redisReply *r = run(c, RUN_ONCE, fmt, ap);
    va_end(ap);
    return r;
}

redisReply *cache_read(struct cache *c, bool ride_failover, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    redisReply *r = run(c, ride_failover ? RUN_RIDE : RUN_READ, fmt, ap);
    va_end(ap);
    return r;
}

redisReply *cache_cmd_durable(struct cache *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    redisReply *r = run(c, RUN_DURABLE, fmt, ap);
    va_end(ap);
    return r;
}

redisReply *cache_argv(struct cache *c, int argc, const char **argv, const size_t *lens)
{
    struct slot *s = acquire(c);
    if (!s)
        return NULL;
    return finish(c, s, redisCommandArgv(s->ctx, argc, argv, lens));
}

size_t cache_pipeline(struct cache *c, size_t n, const struct cache_argv_cmd *cmds, redisReply **replies)
{
    for (size_t i = 0; i < n; i++)
        replies[i] = NULL;
    if (n == 0)
        return 0;
    struct slot *s = acquire(c);
    if (!s)
        return 0;
    bool broken = false;
    size_t answered = 0;
    for (size_t i = 0; i < n && !broken; i++)
        broken = redisAppendCommandArgv(s->ctx, cmds[i].argc, cmds[i].argv, cmds[i].lens) != REDIS_OK;
    if (broken) { /* out of memory: part of the batch may sit unsent in the buffer, which goes */
        LOG_E("cache: pipeline of %zu commands not sent: %s", n, s->ctx->errstr);
        release(c, s, true);
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        void *r = NULL;
        if (redisGetReply(s->ctx, &r) != REDIS_OK) { /* the first read sends the whole batch */
            LOG_E("cache: pipeline failed after %zu of %zu replies: %s", i, n, s->ctx->errstr);
            broken = true;
            break;
        }
        redisReply *rep = r;
        if (rep && rep->type == REDIS_REPLY_ERROR) {
            LOG_E("cache: error reply: %s", rep->str);
            broken |= strncmp(rep->str, "READONLY", 8) == 0 || strncmp(rep->str, "LOADING", 7) == 0;
            freeReplyObject(rep);
            rep = NULL;
        }
        replies[i] = rep;
        answered += rep != NULL;
    }
    release(c, s, broken);
    return answered;
}

enum err cache_ping(struct cache *c)
{
    redisReply *r = cache_read(c, false, "PING");
    enum err e = r ? ERR_OK : ERR_UNAVAILABLE;
    if (r)
        freeReplyObject(r);
    return e;
}

enum err cache_get(struct cache *c, const char *key, char **out, size_t *len)
{
    redisReply *r = cache_read(c, false, "GET %s", key);
    if (!r)
        return ERR_UNAVAILABLE;
    enum err e = ERR_NOT_FOUND;
    if (r->type == REDIS_REPLY_STRING) {
        *out = malloc(r->len + 1);
        if (*out) {
            memcpy(*out, r->str, r->len);
            (*out)[r->len] = 0;
            if (len)
                *len = r->len;
            e = ERR_OK;
        } else {
            e = ERR_NO_MEMORY;
        }
    }
    freeReplyObject(r);
    return e;
}

enum err cache_set(struct cache *c, const char *key, const char *val, size_t len, long ttl_ms)
{
    redisReply *r = ttl_ms > 0 ? cache_cmd(c, "SET %s %b PX %ld", key, val, len, ttl_ms)
                               : cache_cmd(c, "SET %s %b", key, val, len);
    if (!r)
        return ERR_UNAVAILABLE;
    freeReplyObject(r);
    return ERR_OK;
}

enum err cache_del(struct cache *c, const char *key)
{
    redisReply *r = cache_cmd(c, "DEL %s", key);
    if (!r)
        return ERR_UNAVAILABLE;
    freeReplyObject(r);
    return ERR_OK;
}

long cache_jitter_ttl(long base_ms, unsigned pct, unsigned rnd)
{
    long span = base_ms / 100 * (long)pct;
    return span > 0 ? base_ms + (long)(rnd % (unsigned long)(span + 1)) : base_ms;
}

enum err cache_lock(struct cache *c, const char *key, long ttl_ms, long wait_ms, struct cache_lock *out)
{
    unsigned char raw[16];
    randombytes_buf(raw, sizeof raw);
    sodium_bin2hex(out->token, sizeof out->token, raw, sizeof raw);
    snprintf(out->key, sizeof out->key, "%s", key);
    struct timespec start, now;
    clock_gettime(CLOCK_MONOTONIC, &start);
    long backoff_us = 500;
    for (;;) {
        redisReply *r = cache_cmd(c, "SET %s %s NX PX %ld", out->key, out->token, ttl_ms);
        if (!r)
            return ERR_UNAVAILABLE;
        bool got = r->type == REDIS_REPLY_STATUS;
        freeReplyObject(r);
        if (got)
            return ERR_OK;
        clock_gettime(CLOCK_MONOTONIC, &now);
        long waited_ms = (now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000;
        if (waited_ms >= wait_ms)
            return ERR_CONFLICT;
        /* full jitter: sleep a random part of an exponentially growing window */
        long sleep_us = (long)randombytes_uniform((uint32_t)backoff_us) + 100;
        long left_us = (wait_ms - waited_ms) * 1000;
        if (sleep_us > left_us)
            sleep_us = left_us;
        struct timespec ts = {sleep_us / 1000000, (sleep_us % 1000000) * 1000};
        nanosleep(&ts, NULL);
        if (backoff_us < 50000)
            backoff_us *= 2;
    }
}

enum err cache_unlock(struct cache *c, const struct cache_lock *l)
{
    redisReply *r = cache_cmd(c, "EVAL %s 1 %s %s", UNLOCK_LUA, l->key, l->token);
    if (!r)
        return ERR_UNAVAILABLE;
    enum err e = r->type == REDIS_REPLY_INTEGER && r->integer == 1 ? ERR_OK : ERR_NOT_FOUND;
    freeReplyObject(r);
    return e;
}

enum err cache_lock_renew(struct cache *c, const struct cache_lock *l, long ttl_ms)
{
    redisReply *r = cache_cmd(c, "EVAL %s 1 %s %s %ld", RENEW_LUA, l->key, l->token, ttl_ms);
    if (!r)
        return ERR_UNAVAILABLE;
    enum err e = r->type == REDIS_REPLY_INTEGER && r->integer == 1 ? ERR_OK : ERR_NOT_FOUND;
    freeReplyObject(r);
    return e;
}
