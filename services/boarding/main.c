/* The boarding service: listings, their details, per-night capacity, search and the geo index. */
#include "log.h"
#include "routes.h"
#include "store.h"

static enum err init(struct svc *s)
{
    /* the geo index lives in Redis and is derived from MariaDB: rebuild it at start so a
     * missed update (Redis down during a write) heals on the next start of any replica */
    if (store_geo_rebuild(s) != ERR_OK)
        LOG_W("boarding: geo index not rebuilt (Redis or MariaDB unavailable); near-searches may miss listings");
    return ERR_OK;
}

int main(int argc, char **argv)
{
    static const struct svc_spec spec = {
        .name = "boarding",
        .needs = SVC_DB | SVC_CACHE,
        .init = init,
        .routes = boarding_routes,
    };
    return svc_main(argc, argv, &spec);
}
