/* The boarding service: listings, their details, per-night capacity, search and the geo index. */
#include "config.h"
#include "consumers.h"
#include "events.h"
#include "log.h"
#include "routes.h"
#include "store.h"

static enum err init(struct svc *s)
{
    store_set_lock_wait(config_long("PB_HOLD_LOCK_WAIT_MS", 3000, 10, 60000));
    store_set_max_listings(config_long("PB_LISTING_MAX_PER_PROVIDER", LISTING_MAX_PER_PROVIDER_DEFAULT, 1, 1000000));
    /* listing details, search pages and their generations: served from memory, kept
     * coherent by Redis client-side caching (lib/near.h); PB_NEAR_CACHE_MB=0 turns it off.
     * 3 MB: under uniform reads of 20,800 keys 4 MB served no measurably more (alternated three
     * times) and kept the service over its 20 MB (docs/benchmarks.md, "memory") */
    static const char *const near_prefixes[] = {"pb:listing:", "pb:search:", NULL};
    long near_mb = config_long("PB_NEAR_CACHE_MB", 3, 0, 1024);
    if (near_mb > 0 && cache_near_enable(s->cache, (size_t)near_mb << 20, near_prefixes) != 0)
        LOG_W("boarding: near cache not started; cached reads go to Redis");
    /* the geo index lives in Redis and is derived from MariaDB: rebuild it at start so a
     * missed update (Redis down during a write) heals on the next start of any replica */
    if (store_geo_rebuild(s) != ERR_OK)
        LOG_W("boarding: geo index not rebuilt (Redis or MariaDB unavailable); near-searches may miss listings");
    return events_relay_start(s) == 0 && consumers_start(s) == 0 ? ERR_OK : ERR_INTERNAL;
}

int main(int argc, char **argv)
{
    static const struct svc_spec spec = {
        .name = "boarding",
        .needs = SVC_DB | SVC_CACHE | SVC_BUS,
        .init = init,
        .routes = boarding_routes,
        /* reads served from memory: 8 threads gave 35 % of the reference where 32 gave 26 %
         * (bench reads, same run); a hold waiting for its listing's lock is bounded by
         * PB_HOLD_LOCK_WAIT_MS */
        .http_threads = 8,
        /* one malloc arena: after the reads 17.4 and 18.1 MB 45 s later against 18.4 and 18.5 with
         * two, throughput within the noise (alternated twice, docs/benchmarks.md, "memory") */
        .malloc_arenas = 1,
    };
    return svc_main(argc, argv, &spec);
}
