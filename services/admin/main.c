/* The admin service: review queues, provider and listing decisions, suspensions, platform
 * rules and the audit log of every decision. It changes other services' state only through
 * their internal APIs. */
#include "config.h"
#include "peers.h"
#include "routes.h"
#include "store.h"

static struct admin_app app;

static enum err init(struct svc *s)
{
    s->app = &app;
    app.call_timeout_ms = config_long("PB_ADMIN_CALL_TIMEOUT_MS", 3000, 100, 60000);
    peers_init(app.call_timeout_ms);
    return store_init(s);
}

int main(int argc, char **argv)
{
    static const struct svc_spec spec = {
        .name = "admin",
        .needs = SVC_DB | SVC_CACHE,
        .init = init,
        .routes = admin_routes,
    };
    return svc_main(argc, argv, &spec);
}
