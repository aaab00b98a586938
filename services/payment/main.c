/* The payment service: payments for orders, the sandbox gateway, its signed webhook,
 * refunds, and the ledger of money moved. */
#include "config.h"
#include "consumers.h"
#include "events.h"
#include "log.h"
#include "metrics.h"
#include "routes.h"
#include "sandbox.h"
#include "store.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct pay_app app;

static enum err init(struct svc *s)
{
    s->app = &app;
    char *secret = config_file("PB_WEBHOOK_SECRET_FILE");
    if (!secret || strlen(secret) < 16) {
        LOG_E("payment: PB_WEBHOOK_SECRET_FILE must name a file with the webhook secret (16 bytes or more)");
        free(secret);
        return ERR_INTERNAL;
    }
    app.secret = (unsigned char *)secret;
    app.secret_len = strlen(secret);
    char base[256];
    const char *pub = config_str("PB_PUBLIC_URL", NULL);
    if (pub)
        snprintf(base, sizeof base, "%s", pub);
    else
        snprintf(base, sizeof base, "http://127.0.0.1:%ld", config_long("PB_PORT_BASE", 8080, 1, 65000));
    size_t bl = strlen(base);
    while (bl && base[bl - 1] == '/')
        base[--bl] = 0;
    snprintf(app.webhook_url, sizeof app.webhook_url, "%s/api/v1/payments/webhook", base);
    app.delay_min_ms = config_long("PB_SANDBOX_DELAY_MIN_MS", 100, 0, 600000);
    app.delay_max_ms = config_long("PB_SANDBOX_DELAY_MAX_MS", 300, app.delay_min_ms, 600000);
    app.retry_base_ms = config_long("PB_SANDBOX_RETRY_BASE_MS", 250, 10, 600000);
    app.retry_max_ms = config_long("PB_SANDBOX_RETRY_MAX_MS", 60000, app.retry_base_ms, 86400000);
    app.give_up_s = config_long("PB_SANDBOX_GIVE_UP_S", 3 * 86400, 1, 30 * 86400);
    app.lease_ms = config_long("PB_SANDBOX_LEASE_MS", 15000, 1000, 600000);
    app.http_timeout_ms = config_long("PB_SANDBOX_HTTP_TIMEOUT_MS", 5000, 100, 60000);
    if (app.lease_ms < app.http_timeout_ms * 2)
        app.lease_ms = app.http_timeout_ms * 2; /* a lease outlives the attempt it covers */
    metrics_describe("pb_payment_webhooks_total",
                     "gateway callbacks received, by result (accepted, duplicate, ignored, rejected)");
    LOG_I("payment: sandbox gateway calls back %s", app.webhook_url);
    if (events_relay_start(s) != 0 || consumers_start(s) != 0 || sandbox_start(s) != 0)
        return ERR_INTERNAL;
    return ERR_OK;
}

static void fini(struct svc *s)
{
    (void)s;
    if (app.secret) {
        sodium_memzero(app.secret, app.secret_len);
        free(app.secret);
        app.secret = NULL;
    }
}

int main(int argc, char **argv)
{
    static const struct svc_spec spec = {
        .name = "payment",
        .needs = SVC_DB | SVC_CACHE | SVC_BUS,
        .init = init,
        .routes = payment_routes,
        .fini = fini,
    };
    return svc_main(argc, argv, &spec);
}
