/* Near cache: sharded LRU hash of copies, invalidated by Redis client-side caching (BCAST). */
#include "near.h"
#include "cache.h"
#include "config.h"
#include "log.h"
#include "metrics.h"

#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SHARDS 16
#define BUCKETS 1024 /* per shard; chains stay short at the budgets used (a few thousand keys) */
#define MAX_PREFIXES 8

struct ent {
    struct ent *hnext;       /* bucket chain */
    struct ent *prev, *next; /* LRU list: head is the most recently used */
    uint64_t h;
    size_t klen, vlen;
    char data[]; /* key, NUL, value, NUL */
};

struct shard {
    pthread_mutex_t mu;
    uint64_t seq; /* bumped by every invalidation in this shard and by every flush */
    struct ent *buckets[BUCKETS];
    struct ent *head, *tail;
    size_t bytes, entries;
};

struct near {
    struct shard shards[SHARDS];
    size_t shard_budget;
    atomic_bool live;
    atomic_bool stop;
    atomic_uint_fast64_t hits, misses, puts, skipped, invalidations, flushes;
    /* the tracker */
    struct cache *cache;
    char *prefixes[MAX_PREFIXES];
    size_t nprefixes;
    pthread_t thread;
    bool started;
};

static uint64_t hash(const char *s, size_t len)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ULL;
    }
    return h;
}

static struct shard *shard_of(struct near *n, uint64_t h) { return &n->shards[h % SHARDS]; }
static size_t bucket_of(uint64_t h) { return (size_t)((h / SHARDS) % BUCKETS); }
static size_t ent_bytes(const struct ent *e) { return sizeof *e + e->klen + e->vlen + 2; }

struct near *near_new(size_t max_bytes)
{
    struct near *n = calloc(1, sizeof *n);
    if (!n)
        return NULL;
    n->shard_budget = max_bytes / SHARDS;
    for (size_t i = 0; i < SHARDS; i++) {
        pthread_mutex_init(&n->shards[i].mu, NULL);
        n->shards[i].seq = 1;
    }
    return n;
}

/* ---- one shard, its lock held ---- */

static void lru_unlink(struct shard *s, struct ent *e)
{
    if (e->prev)
        e->prev->next = e->next;
    else
        s->head = e->next;
    if (e->next)
        e->next->prev = e->prev;
    else
        s->tail = e->prev;
    e->prev = e->next = NULL;
}

static void lru_push_front(struct shard *s, struct ent *e)
{
    e->prev = NULL;
    e->next = s->head;
    if (s->head)
        s->head->prev = e;
    s->head = e;
    if (!s->tail)
        s->tail = e;
}

static struct ent **find(struct shard *s, uint64_t h, const char *key, size_t klen)
{
    struct ent **pp = &s->buckets[bucket_of(h)];
    while (*pp && !((*pp)->h == h && (*pp)->klen == klen && memcmp((*pp)->data, key, klen) == 0))
        pp = &(*pp)->hnext;
    return pp;
}

static void remove_at(struct shard *s, struct ent **pp)
{
    struct ent *e = *pp;
    *pp = e->hnext;
    lru_unlink(s, e);
    s->bytes -= ent_bytes(e);
    s->entries--;
    free(e);
}

static void remove_key(struct shard *s, uint64_t h, const char *key, size_t klen)
{
    struct ent **pp = find(s, h, key, klen);
    if (*pp)
        remove_at(s, pp);
}

static void clear_shard(struct shard *s)
{
    for (size_t b = 0; b < BUCKETS; b++) {
        struct ent *e = s->buckets[b];
        while (e) {
            struct ent *next = e->hnext;
            free(e);
            e = next;
        }
        s->buckets[b] = NULL;
    }
    s->head = s->tail = NULL;
    s->bytes = s->entries = 0;
    s->seq++;
}

/* ---- the public operations ---- */

bool near_live(struct near *n) { return n && atomic_load(&n->live); }

void near_set_live(struct near *n, bool live)
{
    if (live)
        near_flush(n); /* whatever was kept before cannot be trusted across the gap */
    atomic_store(&n->live, live);
    if (!live)
        near_flush(n);
}

bool near_get(struct near *n, const char *key, char **out, size_t *len)
{
    if (!near_live(n))
        return false;
    size_t klen = strlen(key);
    uint64_t h = hash(key, klen);
    struct shard *s = shard_of(n, h);
    bool got = false;
    pthread_mutex_lock(&s->mu);
    struct ent *e = *find(s, h, key, klen);
    if (e && (*out = malloc(e->vlen + 1)) != NULL) {
        memcpy(*out, e->data + e->klen + 1, e->vlen + 1);
        *len = e->vlen;
        lru_unlink(s, e);
        lru_push_front(s, e);
        got = true;
    }
    pthread_mutex_unlock(&s->mu);
    atomic_fetch_add(got ? &n->hits : &n->misses, 1);
    return got;
}

uint64_t near_stamp(struct near *n, const char *key)
{
    if (!near_live(n))
        return 0;
    size_t klen = strlen(key);
    struct shard *s = shard_of(n, hash(key, klen));
    pthread_mutex_lock(&s->mu);
    uint64_t seq = s->seq;
    pthread_mutex_unlock(&s->mu);
    return seq;
}

void near_put(struct near *n, const char *key, const char *val, size_t len, uint64_t stamp)
{
    if (!n || !stamp)
        return;
    size_t klen = strlen(key);
    uint64_t h = hash(key, klen);
    struct shard *s = shard_of(n, h);
    struct ent *e = malloc(sizeof *e + klen + len + 2);
    if (!e)
        return;
    e->h = h;
    e->klen = klen;
    e->vlen = len;
    e->hnext = e->prev = e->next = NULL;
    memcpy(e->data, key, klen + 1);
    memcpy(e->data + klen + 1, val, len);
    e->data[klen + 1 + len] = 0;
    size_t need = ent_bytes(e);
    pthread_mutex_lock(&s->mu);
    if (s->seq != stamp || !atomic_load(&n->live) || need > n->shard_budget) {
        pthread_mutex_unlock(&s->mu);
        free(e);
        atomic_fetch_add(&n->skipped, 1);
        return;
    }
    remove_key(s, h, key, klen);
    while (s->tail && s->bytes + need > n->shard_budget) { /* least recently used goes first */
        struct ent *old = s->tail;
        remove_at(s, find(s, old->h, old->data, old->klen));
    }
    struct ent **bucket = &s->buckets[bucket_of(h)];
    e->hnext = *bucket;
    *bucket = e;
    lru_push_front(s, e);
    s->bytes += need;
    s->entries++;
    pthread_mutex_unlock(&s->mu);
    atomic_fetch_add(&n->puts, 1);
}

void near_drop(struct near *n, const char *key)
{
    if (!n)
        return;
    size_t klen = strlen(key);
    uint64_t h = hash(key, klen);
    struct shard *s = shard_of(n, h);
    pthread_mutex_lock(&s->mu);
    s->seq++;
    remove_key(s, h, key, klen);
    pthread_mutex_unlock(&s->mu);
}

void near_flush(struct near *n)
{
    if (!n)
        return;
    for (size_t i = 0; i < SHARDS; i++) {
        pthread_mutex_lock(&n->shards[i].mu);
        clear_shard(&n->shards[i]);
        pthread_mutex_unlock(&n->shards[i].mu);
    }
    atomic_fetch_add(&n->flushes, 1);
}

void near_on_invalidate(struct near *n, const char *const *keys, const size_t *lens, size_t count)
{
    if (!keys) {
        near_flush(n);
        return;
    }
    for (size_t i = 0; i < count; i++) {
        uint64_t h = hash(keys[i], lens[i]);
        struct shard *s = shard_of(n, h);
        pthread_mutex_lock(&s->mu);
        s->seq++;
        remove_key(s, h, keys[i], lens[i]);
        pthread_mutex_unlock(&s->mu);
    }
    atomic_fetch_add(&n->invalidations, count);
}

void near_get_stats(struct near *n, struct near_stats *o)
{
    memset(o, 0, sizeof *o);
    if (!n)
        return;
    o->hits = atomic_load(&n->hits);
    o->misses = atomic_load(&n->misses);
    o->puts = atomic_load(&n->puts);
    o->puts_skipped = atomic_load(&n->skipped);
    o->invalidations = atomic_load(&n->invalidations);
    o->flushes = atomic_load(&n->flushes);
    for (size_t i = 0; i < SHARDS; i++) {
        pthread_mutex_lock(&n->shards[i].mu);
        o->entries += n->shards[i].entries;
        o->bytes += n->shards[i].bytes;
        pthread_mutex_unlock(&n->shards[i].mu);
    }
}

/* ---- the tracker ---- */

static void handle_message(struct near *n, const redisReply *r)
{
    /* ["message", "__redis__:invalidate", [key, ...] | nil] */
    if (r->type != REDIS_REPLY_ARRAY || r->elements != 3 || r->element[0]->type != REDIS_REPLY_STRING ||
        strcmp(r->element[0]->str, "message") != 0)
        return;
    const redisReply *keys = r->element[2];
    if (keys->type != REDIS_REPLY_ARRAY) {
        near_on_invalidate(n, NULL, NULL, 0);
        return;
    }
    for (size_t i = 0; i < keys->elements; i++)
        if (keys->element[i]->type == REDIS_REPLY_STRING) {
            const char *k = keys->element[i]->str;
            size_t len = keys->element[i]->len;
            near_on_invalidate(n, &k, &len, 1);
        }
}

/* The connection that asked for tracking must stay open and on the primary: ROLE answers
 * both questions. */
static bool still_primary(redisContext *trk)
{
    redisReply *r = redisCommand(trk, "ROLE");
    bool ok = r && r->type == REDIS_REPLY_ARRAY && r->elements > 0 && r->element[0]->type == REDIS_REPLY_STRING &&
              strcmp(r->element[0]->str, "master") == 0;
    if (r)
        freeReplyObject(r);
    return ok;
}

/* Set tracking up on a fresh pair of connections; true when Redis confirmed both steps. */
static bool establish(struct near *n, redisContext *sub, redisContext *trk)
{
    redisReply *r = redisCommand(sub, "CLIENT ID");
    long long id = r && r->type == REDIS_REPLY_INTEGER ? r->integer : -1;
    if (r)
        freeReplyObject(r);
    if (id < 0)
        return false;
    r = redisCommand(sub, "SUBSCRIBE __redis__:invalidate");
    bool ok = r && r->type == REDIS_REPLY_ARRAY;
    if (r)
        freeReplyObject(r);
    if (!ok)
        return false;
    const char *argv[6 + 2 * MAX_PREFIXES];
    char idbuf[24];
    snprintf(idbuf, sizeof idbuf, "%lld", id);
    int argc = 0;
    argv[argc++] = "CLIENT";
    argv[argc++] = "TRACKING";
    argv[argc++] = "on";
    argv[argc++] = "REDIRECT";
    argv[argc++] = idbuf;
    argv[argc++] = "BCAST";
    for (size_t i = 0; i < n->nprefixes; i++) {
        argv[argc++] = "PREFIX";
        argv[argc++] = n->prefixes[i];
    }
    r = redisCommandArgv(trk, argc, argv, NULL);
    ok = r && r->type == REDIS_REPLY_STATUS;
    if (!ok)
        LOG_E("near cache: CLIENT TRACKING refused: %s", r && r->type == REDIS_REPLY_ERROR ? r->str : trk->errstr);
    if (r)
        freeReplyObject(r);
    return ok;
}

/* Read invalidations until a connection breaks, the primary changes, or we are stopped. */
static void serve(struct near *n, redisContext *sub, redisContext *trk, long check_ms)
{
    for (;;) {
        void *reply = NULL;
        if (redisGetReplyFromReader(sub, &reply) != REDIS_OK)
            return;
        if (reply) {
            handle_message(n, reply);
            freeReplyObject(reply);
            continue;
        }
        if (atomic_load(&n->stop))
            return;
        struct pollfd p = {.fd = sub->fd, .events = POLLIN};
        int rc = poll(&p, 1, (int)check_ms);
        if (rc < 0)
            return;
        if (rc == 0) {
            if (!still_primary(trk))
                return;
            continue;
        }
        if (redisBufferRead(sub) != REDIS_OK)
            return;
    }
}

static void pause_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static void *tracker(void *arg)
{
    struct near *n = arg;
    long check_ms = config_long("PB_NEAR_CHECK_MS", 500, 10, 10000);
    bool logged_down = false;
    while (!atomic_load(&n->stop)) {
        redisContext *sub = cache_connect_primary(n->cache), *trk = sub ? cache_connect_primary(n->cache) : NULL;
        if (sub && trk && establish(n, sub, trk)) {
            near_set_live(n, true);
            LOG_I("near cache: tracking established");
            logged_down = false;
            serve(n, sub, trk, check_ms);
            near_set_live(n, false);
        }
        if (!atomic_load(&n->stop) && !logged_down) {
            LOG_W("near cache: tracking lost; reads go to Redis until it is back");
            logged_down = true;
        }
        if (sub)
            redisFree(sub);
        if (trk)
            redisFree(trk);
        for (long w = 0; w < 500 && !atomic_load(&n->stop); w += 50)
            pause_ms(50);
    }
    return NULL;
}

static double gauge_entries(void *arg)
{
    struct near_stats st;
    near_get_stats(arg, &st);
    return (double)st.entries;
}

static double gauge_bytes(void *arg)
{
    struct near_stats st;
    near_get_stats(arg, &st);
    return (double)st.bytes;
}

int near_track(struct near *n, struct cache *c, const char *const *prefixes)
{
    n->cache = c;
    for (size_t i = 0; prefixes[i] && n->nprefixes < MAX_PREFIXES; i++)
        if (!(n->prefixes[n->nprefixes++] = strdup(prefixes[i])))
            return -1;
    if (pthread_create(&n->thread, NULL, tracker, n) != 0)
        return -1;
    n->started = true;
    metrics_gauge("pb_near_cache_entries", "values kept in the near cache", gauge_entries, n);
    metrics_gauge("pb_near_cache_bytes", "bytes the near cache's values take (of its budget)", gauge_bytes, n);
    return 0;
}

void near_free(struct near *n)
{
    if (!n)
        return;
    atomic_store(&n->stop, true);
    if (n->started)
        pthread_join(n->thread, NULL);
    for (size_t i = 0; i < SHARDS; i++) {
        clear_shard(&n->shards[i]);
        pthread_mutex_destroy(&n->shards[i].mu);
    }
    for (size_t i = 0; i < n->nprefixes; i++)
        free(n->prefixes[i]);
    free(n);
}
