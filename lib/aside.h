/* Cache-aside over Redis, with the three classic failures handled in one place:
 *  - avalanche: every TTL gets random jitter, so keys written together expire apart;
 *  - penetration: a loader's "not found" is cached briefly as a negative marker;
 *  - breakdown (stampede on a hot key): one caller rebuilds under a Redis lock; the others
 *    wait briefly for its result, and a soft-expired copy is served while it is refreshed.
 * Staleness: writers call aside_invalidate after their commit; it bumps a per-key version
 * and deletes the value. A reader writes its loaded value back only if the version is the
 * one it saw before reading the database, so a slow reader can never re-insert data that a
 * writer has since changed. Redis being down degrades to reading the database directly. */
#ifndef PB_ASIDE_H
#define PB_ASIDE_H

#include "cache.h"
#include "errors.h"

#include <stdbool.h>
#include <stddef.h>

/* PB_CACHE_BYPASS=1 turns every aside_get into a direct load (counted as result="bypass"):
 * an operational switch, and the "uncached" reference of the benchmarks. */

/* Load the value from the source of truth: set *out (malloc'd) and *len, or return
 * ERR_NOT_FOUND (cached as a negative marker) or another error (nothing cached). */
typedef enum err (*aside_load_fn)(void *ctx, char **out, size_t *len);

struct aside_opts {
    const char *name;      /* metrics label: cache="<name>" */
    long ttl_ms;           /* freshness; default 60000 */
    unsigned jitter_pct;   /* default 20: TTL is ttl..ttl*1.2 */
    long negative_ttl_ms;  /* "does not exist" markers; default 5000 */
    long lock_ttl_ms;      /* rebuild lock; default 3000 */
    long wait_ms;          /* how long others wait for a rebuild; default 300 */
};

/* Get key through the cache. ERR_OK: *out (malloc'd, NUL-terminated) and *len set.
 * ERR_NOT_FOUND: the source says it does not exist (possibly from a cached marker).
 * Other errors come from the loader. */
enum err aside_get(struct cache *c, const char *key, const struct aside_opts *o, aside_load_fn load, void *ctx,
                   char **out, size_t *len);

/* aside_get of n keys at once, each with its loader context ctxs[i]: what the near cache and
 * then one MGET of the rest find fresh is delivered without further round trips; each key left
 * over (absent, soft-expired, or Redis unreachable) goes through aside_get. errs[i], outs[i]
 * and lens[i] are what aside_get gives for keys[i] (outs[i] is set only when errs[i] is ERR_OK;
 * the caller frees it). */
void aside_get_many(struct cache *c, size_t n, const char *const *keys, const struct aside_opts *o,
                    aside_load_fn load, void *const *ctxs, enum err *errs, char **outs, size_t *lens);

/* After a write has committed: make every cached copy of key unusable. ERR_UNAVAILABLE if
 * Redis cannot be reached (callers log it; the TTL bounds how long a copy can survive). */
enum err aside_invalidate(struct cache *c, const char *key);

/* Forget this instance's near copy of key (lib/near.h) after a write to it in Redis that
 * does not go through aside_invalidate (a generation counter bumped by a script, say). */
void aside_forget(struct cache *c, const char *key);

/* Read up to ASIDE_SMALL_MAX small values (counters) at once, from the near cache when every
 * one is there, else with one MGET whose answers are kept there: vals[i] is the value, or ""
 * when the key does not exist (or does not fit). false when Redis cannot be reached. */
#define ASIDE_SMALL 32
#define ASIDE_SMALL_MAX 16
bool aside_read_small(struct cache *c, size_t n, const char *const *keys, char (*vals)[ASIDE_SMALL]);

/* The envelope every cached value is stored in: "<soft_expiry_ms>|<V|N>|payload" (V a value,
 * N a remembered not-found). Pure. aside_encode writes it into buf (NUL-terminated) and
 * returns its length, 0 when it does not fit in cap; aside_decode splits one, returning 0, or
 * -1 when buf is not an envelope (an expiry of more than 18 digits, which would overflow, is
 * not one either); *payload then points into buf. */
size_t aside_encode(char *buf, size_t cap, long long soft_expiry_ms, char kind, const char *payload, size_t len);
int aside_decode(const char *buf, size_t len, long long *soft_expiry_ms, char *kind, const char **payload,
                 size_t *plen);

#endif
