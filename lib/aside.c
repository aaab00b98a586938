/* Cache-aside with versioned write-back, negative markers, jitter and single-flight rebuilds. */
#include "aside.h"
#include "auth.h"
#include "dates.h"
#include "log.h"
#include "metrics.h"
#include "near.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Take the rebuild lock (KEYS[1], token ARGV[1], ttl ARGV[2] ms) and, in the same round trip,
 * read the value (KEYS[2]) and its version (KEYS[3]) again: a rebuild may have finished
 * between the caller's first read and now. {1, value|nil, version|nil} when taken, {0} not. */
static const char LOCK_READ_LUA[] =
    "if redis.call('set', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then "
    "return {1, redis.call('get', KEYS[2]) or false, redis.call('get', KEYS[3]) or false} end "
    "return {0}";
/* Write the value (KEYS[1]) only if its version (KEYS[2]) is still what the reader saw
 * (ARGV[1]), then release the rebuild lock (KEYS[3]) if it still holds our token (ARGV[4]):
 * one round trip. 1 when written. */
static const char WRITE_UNLOCK_LUA[] =
    "local w = 0 "
    "if (redis.call('get', KEYS[2]) or '') == ARGV[1] then "
    "redis.call('set', KEYS[1], ARGV[2], 'PX', ARGV[3]) w = 1 end "
    "if redis.call('get', KEYS[3]) == ARGV[4] then redis.call('del', KEYS[3]) end "
    "return w";
/* Bump the version (kept a day, far longer than any value) and drop the value. */
static const char INVALIDATE_LUA[] =
    "redis.call('incr', KEYS[2]) redis.call('pexpire', KEYS[2], 86400000) "
    "return redis.call('del', KEYS[1])";

#define GRACE_FACTOR 2 /* a value physically lives ttl*2: the second half is the stale window */

static void defaults(const struct aside_opts *in, struct aside_opts *o)
{
    *o = *in;
    if (!o->name)
        o->name = "default";
    if (o->ttl_ms <= 0)
        o->ttl_ms = 60000;
    if (!o->jitter_pct)
        o->jitter_pct = 20;
    if (o->negative_ttl_ms <= 0)
        o->negative_ttl_ms = 5000;
    if (o->lock_ttl_ms <= 0)
        o->lock_ttl_ms = 3000;
    if (o->wait_ms <= 0)
        o->wait_ms = 500;
}

static void count(const struct aside_opts *o, const char *result)
{
    char labels[128];
    snprintf(labels, sizeof labels, "cache=\"%s\",result=\"%s\"", o->name, result);
    metrics_count("pb_cache_requests_total", labels, 1);
}

size_t aside_encode(char *buf, size_t cap, long long soft_expiry_ms, char kind, const char *payload, size_t len)
{
    int n = snprintf(buf, cap, "%lld|%c|", soft_expiry_ms, kind);
    if (n < 0 || (size_t)n + len + 1 > cap)
        return 0;
    memcpy(buf + n, payload, len);
    buf[(size_t)n + len] = 0;
    return (size_t)n + len;
}

int aside_decode(const char *buf, size_t len, long long *soft_expiry_ms, char *kind, const char **payload,
                 size_t *plen)
{
    const char *bar = memchr(buf, '|', len);
    if (!bar || bar == buf || (size_t)(bar - buf) > 18 || (size_t)(bar - buf) + 3 > len || bar[2] != '|' ||
        (bar[1] != 'V' && bar[1] != 'N'))
        return -1;
    long long t = 0;
    for (const char *p = buf; p < bar; p++) {
        if (*p < '0' || *p > '9')
            return -1;
        t = t * 10 + (*p - '0');
    }
    *soft_expiry_ms = t;
    *kind = bar[1];
    *payload = bar + 3;
    *plen = len - (size_t)(bar + 3 - buf);
    return 0;
}

static void ver_key(char *buf, size_t cap, const char *key) { snprintf(buf, cap, "%s:ver", key); }
static void lock_key(char *buf, size_t cap, const char *key) { snprintf(buf, cap, "%s:lock", key); }

/* MGET key ver: *raw (malloc'd) is the stored envelope or NULL; *ver the version string.
 * Returns false when Redis is unreachable. */
static bool read_both(struct cache *c, const char *key, char **raw, size_t *rawlen, char *ver, size_t vercap)
{
    char vk[256];
    ver_key(vk, sizeof vk, key);
    redisReply *r = cache_read(c, false, "MGET %s %s", key, vk);
    if (!r || r->type != REDIS_REPLY_ARRAY || r->elements != 2) {
        if (r)
            freeReplyObject(r);
        return false;
    }
    *raw = NULL;
    if (r->element[0]->type == REDIS_REPLY_STRING) {
        *raw = malloc(r->element[0]->len + 1);
        if (*raw) {
            memcpy(*raw, r->element[0]->str, r->element[0]->len);
            (*raw)[r->element[0]->len] = 0;
            *rawlen = r->element[0]->len;
        }
    }
    snprintf(ver, vercap, "%s", r->element[1]->type == REDIS_REPLY_STRING ? r->element[1]->str : "");
    freeReplyObject(r);
    return true;
}

/* Hand the payload of an envelope to the caller. */
static enum err deliver(char kind, const char *payload, size_t plen, char **out, size_t *len)
{
    if (kind == 'N')
        return ERR_NOT_FOUND;
    *out = malloc(plen + 1);
    if (!*out)
        return ERR_NO_MEMORY;
    memcpy(*out, payload, plen);
    (*out)[plen] = 0;
    *len = plen;
    return ERR_OK;
}

/* Every call of the loader goes through here, so "database loads" can be counted exactly
 * (the stampede test asserts on this counter). */
static enum err do_load(const struct aside_opts *o, aside_load_fn load, void *ctx, char **out, size_t *len)
{
    char labels[96];
    snprintf(labels, sizeof labels, "cache=\"%s\"", o->name);
    metrics_count("pb_cache_loads_total", labels, 1);
    return load(ctx, out, len);
}

/* Load from the source and write back under the version seen before the load, releasing
 * the rebuild lock held as *lock. */
static enum err rebuild(struct cache *c, const char *key, const struct aside_opts *o, aside_load_fn load, void *ctx,
                        const char *ver, const struct cache_lock *lock, char **out, size_t *len)
{
    char *val = NULL;
    size_t vlen = 0;
    enum err e = do_load(o, load, ctx, &val, &vlen);
    if (e != ERR_OK && e != ERR_NOT_FOUND) {
        cache_unlock(c, lock);
        return e;
    }
    long ttl = e == ERR_OK ? cache_jitter_ttl(o->ttl_ms, o->jitter_pct, randombytes_random())
                           : cache_jitter_ttl(o->negative_ttl_ms, o->jitter_pct, randombytes_random());
    size_t cap = (e == ERR_OK ? vlen : 0) + 32;
    char *env = malloc(cap);
    size_t elen = env ? aside_encode(env, cap, (long long)(time_now_ms() + ttl), e == ERR_OK ? 'V' : 'N',
                                     e == ERR_OK ? val : "", e == ERR_OK ? vlen : 0)
                      : 0;
    if (elen) {
        char vk[256], px[24];
        ver_key(vk, sizeof vk, key);
        snprintf(px, sizeof px, "%ld", ttl * GRACE_FACTOR);
        redisReply *r = cache_cmd(c, "EVAL %s 3 %s %s %s %s %b %s %s", WRITE_UNLOCK_LUA, key, vk, lock->key, ver, env,
                                  elen, px, lock->token);
        if (r) {
            if (r->type == REDIS_REPLY_INTEGER && r->integer == 0)
                count(o, "writeback_skipped"); /* a writer changed it meanwhile: do not cache */
            freeReplyObject(r);
        }
    } else {
        cache_unlock(c, lock);
    }
    free(env);
    if (e == ERR_OK) {
        *out = val;
        *len = vlen;
    }
    return e;
}

static bool bypass(void)
{
    static int v = -1; /* benign race: every thread computes the same value */
    if (v < 0) {
        const char *e = getenv("PB_CACHE_BYPASS");
        v = e && strcmp(e, "1") == 0;
    }
    return v == 1;
}

/* A load without the cache (Redis down, or a rebuild waited for in vain): *out and *len are
 * written only when it succeeds. */
static enum err load_direct(const struct aside_opts *o, aside_load_fn load, void *ctx, char **out, size_t *len)
{
    char *val = NULL;
    size_t vlen = 0;
    enum err e = do_load(o, load, ctx, &val, &vlen);
    if (e == ERR_OK) {
        *out = val;
        *len = vlen;
    }
    return e;
}

/* A cold key that another caller is rebuilding: poll for its result for up to o->wait_ms.
 * true when it came (then *e is what delivering it gave); false when the wait ran out or
 * Redis stopped answering. */
static bool wait_for_rebuild(struct cache *c, const char *key, const struct aside_opts *o, char **out, size_t *len,
                             enum err *e)
{
    bool got = false;
    for (long waited = 0; waited < o->wait_ms && !got; waited += 5) {
        struct timespec ts = {0, 5 * 1000000L};
        nanosleep(&ts, NULL);
        char *raw = NULL, ver[32], kind = 0;
        size_t rawlen = 0, plen = 0;
        long long soft = 0;
        const char *payload = NULL;
        if (!read_both(c, key, &raw, &rawlen, ver, sizeof ver))
            break;
        if (raw && aside_decode(raw, rawlen, &soft, &kind, &payload, &plen) == 0) {
            *e = deliver(kind, payload, plen, out, len);
            got = true;
        }
        free(raw);
    }
    return got;
}

/* Take key's rebuild lock and re-read key with its version in the same round trip. true when
 * taken: *lock filled, *raw the stored envelope (malloc'd) or NULL, ver the version. */
static bool lock_and_reread(struct cache *c, const char *key, long ttl_ms, struct cache_lock *lock, char **raw,
                            size_t *rawlen, char *ver, size_t vercap)
{
    char vk[256], ttl[24];
    ver_key(vk, sizeof vk, key);
    snprintf(ttl, sizeof ttl, "%ld", ttl_ms);
    lock_key(lock->key, sizeof lock->key, key);
    auth_random_hex(lock->token);
    redisReply *r = cache_cmd(c, "EVAL %s 3 %s %s %s %s %s", LOCK_READ_LUA, lock->key, key, vk, lock->token, ttl);
    bool taken = r && r->type == REDIS_REPLY_ARRAY && r->elements == 3 && r->element[0]->type == REDIS_REPLY_INTEGER &&
                 r->element[0]->integer == 1;
    *raw = NULL;
    if (taken) {
        const redisReply *v = r->element[1], *vv = r->element[2];
        if (v->type == REDIS_REPLY_STRING && (*raw = malloc(v->len + 1)) != NULL) {
            memcpy(*raw, v->str, v->len);
            (*raw)[v->len] = 0;
            *rawlen = v->len;
        }
        snprintf(ver, vercap, "%s", vv->type == REDIS_REPLY_STRING ? vv->str : "");
    }
    if (r)
        freeReplyObject(r);
    return taken;
}

enum err aside_get(struct cache *c, const char *key, const struct aside_opts *in, aside_load_fn load, void *ctx,
                   char **out, size_t *len)
{
    struct aside_opts o;
    struct cache_lock lock;
    char *raw = NULL, *raw2 = NULL, ver[32], ver2[32];
    size_t rawlen = 0, raw2len = 0, plen = 0;
    long long soft = 0;
    char kind = 0;
    const char *payload = NULL;
    bool have;
    enum err e;

    defaults(in, &o);
    if (bypass()) {
        count(&o, "bypass");
        e = do_load(&o, load, ctx, out, len);
        goto done;
    }
    struct near *nc = cache_near(c);
    /* the in-process copy first: no round trip at all */
    if (near_get(nc, key, &raw, &rawlen)) {
        if (aside_decode(raw, rawlen, &soft, &kind, &payload, &plen) == 0 && soft > time_now_ms()) {
            count(&o, kind == 'N' ? "near_hit_negative" : "near_hit");
            e = deliver(kind, payload, plen, out, len);
            goto done;
        }
        free(raw); /* soft-expired: the refresh below goes through Redis */
        raw = NULL;
    }
    uint64_t stamp = near_stamp(nc, key); /* before the read: see near_put */
    if (!read_both(c, key, &raw, &rawlen, ver, sizeof ver)) {
        count(&o, "redis_down");
        e = load_direct(&o, load, ctx, out, len);
        goto done;
    }
    have = raw && aside_decode(raw, rawlen, &soft, &kind, &payload, &plen) == 0;
    if (have && soft > time_now_ms()) {
        count(&o, kind == 'N' ? "hit_negative" : "hit");
        near_put(nc, key, raw, rawlen, stamp);
        e = deliver(kind, payload, plen, out, len);
        goto done;
    }
    if (lock_and_reread(c, key, o.lock_ttl_ms, &lock, &raw2, &raw2len, ver2, sizeof ver2)) {
        /* double-check: a rebuild may have finished between our read and our lock; the
         * version re-read with it precedes the load */
        if (raw2 && aside_decode(raw2, raw2len, &soft, &kind, &payload, &plen) == 0 && soft > time_now_ms()) {
            count(&o, "hit_after_wait");
            e = deliver(kind, payload, plen, out, len);
            cache_unlock(c, &lock);
        } else {
            count(&o, have ? "refresh" : "miss");
            e = rebuild(c, key, &o, load, ctx, ver2, &lock, out, len);
        }
        goto done;
    }
    if (have) { /* someone is refreshing: the soft-expired copy is still correct (writes delete) */
        count(&o, "stale");
        e = deliver(kind, payload, plen, out, len);
        goto done;
    }
    /* cold key being rebuilt by someone else: wait for its result */
    if (wait_for_rebuild(c, key, &o, out, len, &e)) {
        count(&o, "hit_after_wait");
    } else {
        count(&o, "wait_timeout");
        e = load_direct(&o, load, ctx, out, len);
    }
done:
    free(raw2);
    free(raw);
    return e;
}

/* A fresh envelope (raw, rawlen) of key delivered as aside_get would: true when it was. */
static bool deliver_fresh(const char *raw, size_t rawlen, char **out, size_t *len, enum err *e)
{
    long long soft = 0;
    char kind = 0;
    const char *payload = NULL;
    size_t plen = 0;
    if (aside_decode(raw, rawlen, &soft, &kind, &payload, &plen) != 0 || soft <= time_now_ms())
        return false;
    *e = deliver(kind, payload, plen, out, len);
    return true;
}

void aside_get_many(struct cache *c, size_t n, const char *const *keys, const struct aside_opts *in,
                    aside_load_fn load, void *const *ctxs, enum err *errs, char **outs, size_t *lens)
{
    struct aside_opts o;
    struct near *nc = cache_near(c);
    const char **argv = NULL;
    size_t *idx = NULL, *lens_argv = NULL;
    uint64_t *stamps = NULL;
    redisReply *r = NULL;
    bool *done = calloc(n ? n : 1, sizeof *done);
    size_t left = 0;

    defaults(in, &o);
    if (!done || bypass())
        goto rest;
    for (size_t i = 0; i < n; i++) { /* the in-process copies first */
        char *raw = NULL;
        size_t rawlen = 0;
        if (near_get(nc, keys[i], &raw, &rawlen) && deliver_fresh(raw, rawlen, &outs[i], &lens[i], &errs[i])) {
            count(&o, errs[i] == ERR_NOT_FOUND ? "near_hit_negative" : "near_hit");
            done[i] = true;
        }
        free(raw);
        left += !done[i];
    }
    if (!left)
        goto rest;
    argv = malloc((left + 1) * sizeof *argv);
    lens_argv = malloc((left + 1) * sizeof *lens_argv);
    idx = malloc(left * sizeof *idx);
    stamps = malloc(left * sizeof *stamps);
    if (!argv || !lens_argv || !idx || !stamps)
        goto rest;
    argv[0] = "MGET";
    lens_argv[0] = 4;
    for (size_t i = 0, k = 0; i < n; i++)
        if (!done[i]) {
            idx[k] = i;
            stamps[k] = near_stamp(nc, keys[i]); /* before the read: see near_put */
            argv[k + 1] = keys[i];
            lens_argv[k + 1] = strlen(keys[i]);
            k++;
        }
    r = cache_argv(c, (int)left + 1, argv, lens_argv);
    if (r && r->type == REDIS_REPLY_ARRAY && r->elements == left) {
        for (size_t k = 0; k < left; k++) {
            const redisReply *v = r->element[k];
            size_t i = idx[k];
            if (v->type == REDIS_REPLY_STRING && deliver_fresh(v->str, v->len, &outs[i], &lens[i], &errs[i])) {
                count(&o, errs[i] == ERR_NOT_FOUND ? "hit_negative" : "hit");
                near_put(nc, keys[i], v->str, v->len, stamps[k]);
                done[i] = true;
            }
        }
    }
rest: /* whatever was not served above: the whole single-key path (rebuild, lock, wait, Redis down) */
    for (size_t i = 0; i < n; i++)
        if (!done || !done[i])
            errs[i] = aside_get(c, keys[i], in, load, ctxs[i], &outs[i], &lens[i]);
    if (r)
        freeReplyObject(r);
    free(stamps);
    free(idx);
    free(lens_argv);
    free(argv);
    free(done);
}

enum err aside_invalidate(struct cache *c, const char *key)
{
    char vk[256];
    ver_key(vk, sizeof vk, key);
    /* durable: an invalidation lost in a Redis failover would let the promoted replica
     * serve the value the write replaced */
    redisReply *r = cache_cmd_durable(c, "EVAL %s 2 %s %s", INVALIDATE_LUA, key, vk);
    near_drop(cache_near(c), key); /* this instance reads its own write at once */
    if (!r) {
        LOG_E("cache: could not invalidate %s", key);
        return ERR_UNAVAILABLE;
    }
    freeReplyObject(r);
    return ERR_OK;
}

void aside_forget(struct cache *c, const char *key) { near_drop(cache_near(c), key); }

bool aside_read_small(struct cache *c, size_t n, const char *const *keys, char (*vals)[ASIDE_SMALL])
{
    struct near *nc = cache_near(c);
    uint64_t stamps[ASIDE_SMALL_MAX];
    size_t found = 0;
    if (n == 0 || n > ASIDE_SMALL_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        char *v = NULL;
        size_t vlen = 0;
        vals[i][0] = 0;
        if (near_get(nc, keys[i], &v, &vlen)) {
            snprintf(vals[i], ASIDE_SMALL, "%s", v);
            found++;
        }
        free(v);
    }
    if (found == n)
        return true;
    for (size_t i = 0; i < n; i++)
        stamps[i] = near_stamp(nc, keys[i]);
    const char *argv[ASIDE_SMALL_MAX + 1] = {"MGET"};
    for (size_t i = 0; i < n; i++)
        argv[i + 1] = keys[i];
    redisReply *r = cache_argv(c, (int)n + 1, argv, NULL);
    if (!r || r->type != REDIS_REPLY_ARRAY || r->elements != n) {
        if (r)
            freeReplyObject(r);
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        const redisReply *v = r->element[i];
        bool str = v->type == REDIS_REPLY_STRING && v->len < ASIDE_SMALL;
        snprintf(vals[i], ASIDE_SMALL, "%s", str ? v->str : "");
        near_put(nc, keys[i], vals[i], strlen(vals[i]), stamps[i]);
    }
    freeReplyObject(r);
    return true;
}
