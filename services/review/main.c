/* The review service: write-once, tamper-evident reviews of completed stays, provider
 * replies, moderation, and the rating aggregates other services rank and show listings by.
 * Who may review what comes from order.completed events, never from a call to the order
 * service. */
#include "config.h"
#include "consumers.h"
#include "content.h"
#include "events.h"
#include "log.h"
#include "metrics.h"
#include "routes.h"
#include "store.h"

static struct review_app app;

/* A decimal setting (PB_RATING_PRIOR_*): def when unset; false when malformed. */
static bool config_number(const char *name, double def, double *out)
{
    const char *v = config_str(name, NULL);
    if (!v) {
        *out = def;
        return true;
    }
    if (rating_parse_number(v, out))
        return true;
    LOG_E("%s=%s is not a number", name, v);
    return false;
}

static enum err init(struct svc *s)
{
    s->app = &app;
    if (!config_number("PB_RATING_PRIOR_MEAN", RATING_PRIOR_MEAN_DEFAULT, &app.prior.mean) ||
        !config_number("PB_RATING_PRIOR_WEIGHT", RATING_PRIOR_WEIGHT_DEFAULT, &app.prior.weight))
        return ERR_INVALID;
    const char *why = rating_prior_problem(&app.prior);
    if (why) {
        LOG_E("%s", why);
        return ERR_INVALID;
    }
    app.window_days = (int)config_long("PB_REVIEW_WINDOW_DAYS", RATING_WINDOW_DAYS_DEFAULT, 1, 3650);
    app.user_timeout_ms = config_long("PB_REVIEW_USER_TIMEOUT_MS", 1000, 50, 30000);
    metrics_describe("pb_review_integrity_failures_total",
                     "reviews shown as hidden because their content does not match its SHA-256");
    if (events_relay_start(s) != 0 || consumers_start(s) != 0)
        return ERR_INTERNAL;
    LOG_I("review: score prior mean %.3g weight %.3g, review window %d days", app.prior.mean, app.prior.weight,
          app.window_days);
    return ERR_OK;
}

int main(int argc, char **argv)
{
    static const struct svc_spec spec = {
        .name = "review",
        .needs = SVC_DB | SVC_CACHE | SVC_BUS,
        .init = init,
        .routes = review_routes,
    };
    return svc_main(argc, argv, &spec);
}
