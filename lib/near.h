/* A near cache: an in-process copy of hot Redis values, so that a cached read needs no
 * network round trip at all. It is kept coherent by Redis's own client-side caching in
 * broadcast mode: a tracker thread holds two connections to the primary, one subscribed to
 * __redis__:invalidate and one that ran CLIENT TRACKING on REDIRECT <subscriber> BCAST
 * PREFIX <p>...; from then on Redis pushes the name of every key under those prefixes that
 * anyone changes, deletes or lets expire, and the tracker drops its copy.
 *
 * Staleness, stated exactly:
 *  - the instance that writes drops its own copy synchronously (near_drop, called by
 *    aside_invalidate and friends), so it reads its own writes at once;
 *  - another instance serves the old value until Redis's push reaches it (on loopback well
 *    under a millisecond; e2e and cluster tests measure it);
 *  - when the tracker loses either connection, or the primary stops being one (a failover),
 *    every copy is dropped and nothing is served from here until tracking is established
 *    again; the tracker checks its connections every PB_NEAR_CHECK_MS (default 500 ms),
 *    which bounds how long a silently broken channel can go unnoticed.
 * A value read from Redis is kept only if no invalidation of its shard arrived since the read
 * began (near_stamp before the read, near_put after), so a slow reader never re-inserts what a
 * writer has since changed. Memory is bounded (max_bytes, least recently used goes first). */
#ifndef PB_NEAR_H
#define PB_NEAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cache;
struct near;

/* A near cache of at most max_bytes (keys + values + bookkeeping). It serves nothing until
 * near_track has established tracking. */
struct near *near_new(size_t max_bytes);
/* Stops the tracker (if started) and frees every copy. */
void near_free(struct near *n);

/* Start the tracker thread on c's Redis (through Sentinel when c uses it) for keys under
 * the NULL-terminated prefixes (at most 8). Returns 0, or -1 when the thread cannot start.
 * Connection failures are retried in the background. */
int near_track(struct near *n, struct cache *c, const char *const *prefixes);

/* true while tracking is established (copies may be served). */
bool near_live(struct near *n);
/* The tracker's switch (and the unit tests'): live, copies may be kept and served; not live,
 * every copy is dropped and none is kept until it is live again. */
void near_set_live(struct near *n, bool live);

/* A copy of key's value: *out malloc'd (NUL-terminated, caller frees), *len its length.
 * false when there is none (or tracking is not established). */
bool near_get(struct near *n, const char *key, char **out, size_t *len);

/* Take before reading key from Redis; pass to near_put after. 0 when nothing may be kept. */
uint64_t near_stamp(struct near *n, const char *key);

/* Keep a copy of key's value read from Redis, unless an invalidation of its shard arrived
 * since stamp was taken (or stamp is 0, or the value is larger than a shard's budget). */
void near_put(struct near *n, const char *key, const char *val, size_t len, uint64_t stamp);

/* Drop key's copy now (the writer's own instance, after its Redis write). */
void near_drop(struct near *n, const char *key);

/* Drop every copy. */
void near_flush(struct near *n);

/* Counters for metrics and tests. */
struct near_stats {
    uint64_t hits, misses, puts, puts_skipped, invalidations, flushes, entries, bytes;
};
void near_get_stats(struct near *n, struct near_stats *out);

/* The tracker's handling of one message from __redis__:invalidate, exposed for unit tests:
 * keys is the pushed array of key names (NULL: Redis flushed everything). */
void near_on_invalidate(struct near *n, const char *const *keys, const size_t *lens, size_t count);

#endif
