/* The payment service: payments for orders, the sandbox gateway, its signed webhook,
 * refunds, and the ledger of money moved. */
#include "config.h"
#include "events.h"
#include "ids.h"
#include "log.h"
#include "metrics.h"
#include "routes.h"
#include "sandbox.h"
#include "store.h"
#include "utf8.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct pay_app app;


/* order.refund_requested {order_id, owner_id, payment_id, amount_fen, reason}: record the
 * refund (clamped, or not needed) and have the sandbox gateway settle it. */
static enum err on_refund_requested(struct svc *s, struct db_conn *c, const struct event *ev, void *arg)
{
    (void)arg;
    if (ev->version != 1) {
        LOG_W("payment: ignoring %s version %d (only version 1 is known)", ev->type, ev->version);
        return ERR_OK;
    }
    struct refund_req rq = {.event_id = ev->id, .request_id = ev->request_id};
    const json_t *amount = json_object_get(ev->data, "amount_fen");
    const char *reason = json_string_value(json_object_get(ev->data, "reason"));
    char why[65];
    if (!ids_parse(json_string_value(json_object_get(ev->data, "order_id")), &rq.order_id) ||
        !ids_parse(json_string_value(json_object_get(ev->data, "owner_id")), &rq.owner_id) ||
        !ids_parse(json_string_value(json_object_get(ev->data, "payment_id")), &rq.payment_id) ||
        !json_is_integer(amount)) {
        LOG_E("payment: %s %llu cannot be read (ids, amount_fen)", ev->type, (unsigned long long)ev->id);
        return ERR_INVALID; /* retried, then parked on the dead-letter subject */
    }
    rq.amount_fen = (int64_t)json_integer_value(amount);
    utf8_copy_clipped(why, sizeof why, reason && *reason ? reason : "refund");
    rq.reason = why;
    bool queued = false;
    return store_refund_request_tx(s, c, &rq, &queued);
}

static void after_refund_requested(struct svc *s, const struct event *ev)
{
    (void)s;
    (void)ev;
    sandbox_nudge(); /* its callback is due after the sandbox delay */
}

static struct events_consumer refund_consumer = {
    .durable = "payment-refunds",
    .filter = "petboarding.order.refund_requested",
    .handler = on_refund_requested,
    .after_commit = after_refund_requested,
};

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
    if (events_relay_start(s) != 0 || events_consume_start(s, &refund_consumer) != 0 || sandbox_start(s) != 0)
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
