/* Redis access: a pool of hiredis connections (found directly or through Sentinel), string
 * get/set with jittered TTLs, and a distributed lock (SET NX PX with a random token,
 * released and renewed only by compare-and-act Lua scripts). */
#ifndef PB_CACHE_H
#define PB_CACHE_H

#include "errors.h"

#include <hiredis.h>
#include <stdbool.h>
#include <stddef.h>

struct cache;

struct cache_opts {
    const char *host;        /* used when sentinels is NULL/empty */
    unsigned port;
    const char *sentinels;   /* "127.0.0.1:26379,127.0.0.1:26380": find the primary through them */
    const char *master_name; /* Sentinel's name for the primary, default "pbmaster" */
    unsigned pool_size;      /* default 16 */
    unsigned timeout_ms;     /* connect and command timeout, default 500 */
    /* With a replica (Sentinel), writes that must survive a failover (cache_cmd_durable)
     * wait for this many replicas to acknowledge them (WAIT), at most wait_ms; and retry
     * for up to retry_ms while the primary is being replaced. 0: no wait, no retry. */
    unsigned wait_replicas;
    unsigned wait_ms;
    unsigned retry_ms;
};

struct cache *cache_new(const struct cache_opts *opts);
void cache_free(struct cache *c);

/* Run one command (hiredis format: %s and %b are separate, binary-safe arguments, never
 * pasted into the command text). Returns the reply (caller frees with freeReplyObject), or
 * NULL when Redis cannot be reached or answered with an error (both logged). */
redisReply *cache_cmd(struct cache *c, const char *fmt, ...);
redisReply *cache_argv(struct cache *c, int argc, const char **argv, const size_t *lens);

/* Several commands in one round trip (pipelined on one connection of the pool): cmds[i] is an
 * argv command as cache_argv takes it (lens NULL: NUL-terminated arguments), and replies[i]
 * receives its reply (the caller frees each with freeReplyObject), or NULL when that command
 * answered with an error or no answer came (both logged). Like cache_argv, one attempt and
 * nothing sent twice (it fits writes): a connection found lost, or a demoted primary
 * (READONLY, LOADING), is dropped so that the next use reconnects (through Sentinel when
 * configured); the commands whose replies were not read then may or may not have run.
 * Returns how many replies are not NULL: n when every command answered. */
struct cache_argv_cmd {
    int argc;
    const char **argv;
    const size_t *lens;
};
size_t cache_pipeline(struct cache *c, size_t n, const struct cache_argv_cmd *cmds, redisReply **replies);

/* A read-only command (GET, MGET, PING, ...): like cache_cmd, but a connection found lost
 * (its server died or was demoted) is replaced and the command sent again, once; with
 * ride_failover, retried for up to retry_ms while Sentinel replaces the primary (for reads
 * whose failure would fail the request, like the token revocation check). */
redisReply *cache_read(struct cache *c, bool ride_failover, const char *fmt, ...);

/* A write that must not be lost in a failover (an invalidation, a version bump, a
 * revocation): like cache_cmd, then WAIT for the configured replicas on the same connection
 * (Redis replicates asynchronously: a primary that dies right after answering may not have
 * passed the write on, and its promoted replica would serve what the write removed). When
 * Redis cannot be reached, retried for up to retry_ms (a Sentinel failover takes ~2 s) with a
 * fresh connection each time. A replica that does not acknowledge in time is logged, not an
 * error: the write is on the primary. */
redisReply *cache_cmd_durable(struct cache *c, const char *fmt, ...);

/* A new connection to the primary (through Sentinel when configured), outside the pool;
 * the caller frees it with redisFree. NULL when none can be reached. */
redisContext *cache_connect_primary(struct cache *c);

/* Keep an in-process near cache (lib/near.h) of the values under the NULL-terminated key
 * prefixes, at most max_bytes: aside_get serves from it and aside_invalidate drops from it.
 * Returns 0, or -1 when it cannot be set up (the cache then works without it). */
int cache_near_enable(struct cache *c, size_t max_bytes, const char *const *prefixes);
/* The near cache, NULL unless enabled. */
struct near *cache_near(struct cache *c);

/* PING: ERR_OK or ERR_UNAVAILABLE. */
enum err cache_ping(struct cache *c);

/* GET: *out is a malloc'd NUL-terminated copy (caller frees), *len its length.
 * ERR_NOT_FOUND when the key is absent, ERR_UNAVAILABLE when Redis is down. */
enum err cache_get(struct cache *c, const char *key, char **out, size_t *len);
/* SET with a TTL in milliseconds (0 = no expiry). */
enum err cache_set(struct cache *c, const char *key, const char *val, size_t len, long ttl_ms);
enum err cache_del(struct cache *c, const char *key);

/* Pure: base_ms plus a random 0..pct% extra, so keys written together expire apart
 * (no avalanche). rnd is a random number (tests pass fixed ones). */
long cache_jitter_ttl(long base_ms, unsigned pct, unsigned rnd);

/* ---- distributed lock ---- */
struct cache_lock {
    char key[192];
    char token[33]; /* 128 random bits, hex */
};

/* Try to take key for ttl_ms; retry with exponential backoff plus jitter for up to wait_ms.
 * ERR_OK: held (out filled). ERR_CONFLICT: someone else held it for the whole wait.
 * ERR_UNAVAILABLE: Redis cannot be reached. */
enum err cache_lock(struct cache *c, const char *key, long ttl_ms, long wait_ms, struct cache_lock *out);
/* Release only if the key still holds our token (compare-and-delete in one Lua script).
 * ERR_NOT_FOUND when the lock had expired or belongs to someone else: nothing was deleted. */
enum err cache_unlock(struct cache *c, const struct cache_lock *l);
/* Extend our lock to ttl_ms from now, only if still ours. ERR_NOT_FOUND if lost. */
enum err cache_lock_renew(struct cache *c, const struct cache_lock *l, long ttl_ms);

#endif
