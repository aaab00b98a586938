/* The admin service: review queues, provider and listing decisions, suspensions, platform
 * rules, the audit log of every decision, and the monitoring dashboard. It changes other
 * services' state only through their internal APIs. */
#include "config.h"
#include "monitor.h"
#include "peers.h"
#include "routes.h"
#include "store.h"

static struct admin_app app;

static enum err init(struct svc *s)
{
    s->app = &app;
    app.call_timeout_ms = config_long("PB_ADMIN_CALL_TIMEOUT_MS", 3000, 100, 60000);
    app.dashboard_timeout_ms = config_long("PB_DASHBOARD_CALL_TIMEOUT_MS", 1000, 50, 60000);
    peers_init(app.call_timeout_ms);
    enum err e = store_init(s);
    if (e == ERR_OK && monitor_start(s) != 0)
        e = ERR_INTERNAL;
    return e;
}

static void fini(struct svc *s)
{
    (void)s;
    monitor_free();
}

int main(int argc, char **argv)
{
    static const struct svc_spec spec = {
        .name = "admin",
        .needs = SVC_DB | SVC_CACHE,
        .init = init,
        .routes = admin_routes,
        .fini = fini,
    };
    return svc_main(argc, argv, &spec);
}
