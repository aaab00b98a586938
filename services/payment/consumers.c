/* The events the payment service consumes: order.refund_requested (money to give back). */
#include "consumers.h"
#include "events.h"
#include "ids.h"
#include "log.h"
#include "sandbox.h"
#include "store.h"
#include "utf8.h"

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

int consumers_start(struct svc *s) { return events_consume_start(s, &refund_consumer); }
