/* Payment and refund events applied to orders, each in the consumer's transaction. */
#include "consumers.h"
#include "dates.h"
#include "events.h"
#include "flow.h"
#include "ids.h"
#include "log.h"
#include "store.h"

#include <stdio.h>
#include <string.h>

static bool read_ids(const struct event *ev, uint64_t *order, uint64_t *payment, int64_t *amount)
{
    *amount = json_integer_value(json_object_get(ev->data, "amount_fen"));
    return ev->version == 1 && ids_parse(json_string_value(json_object_get(ev->data, "order_id")), order) &&
           ids_parse(json_string_value(json_object_get(ev->data, "payment_id")), payment) && *amount > 0;
}

/* payment.succeeded: pending_payment -> paid; anything else -> a refund of the whole
 * amount (the owner is never charged for an order that ended: "paid then refunded"). */
static enum err on_payment(struct svc *s, struct db_conn *c, const struct event *ev, void *arg)
{
    (void)arg;
    uint64_t id, payment;
    int64_t amount;
    if (!read_ids(ev, &id, &payment, &amount)) {
        LOG_E("order: %s without order_id/payment_id/amount: parked", ev->type);
        return ERR_INVALID; /* retried, then dead-lettered: a malformed event needs a human */
    }
    if (strcmp(ev->type, "payment.failed") == 0)
        return store_payment_failed(c, s, id, json_string_value(json_object_get(ev->data, "reason")));
    struct order o = {0};
    enum err e = store_get(s, id, &o);
    if (e == ERR_NOT_FOUND) {
        LOG_E("order: payment %llu for unknown order %llu", (unsigned long long)payment, (unsigned long long)id);
        return ERR_OK; /* nothing to attach it to; the payment service's checks see it */
    }
    if (e != ERR_OK)
        return e;
    if (o.status == OS_PENDING_PAYMENT && amount == o.total_fen) {
        struct change ch = {OA_PAY, ACTOR_SYSTEM, 0, NULL, payment, amount, time_now_ms(), NULL};
        const char *why = NULL;
        e = store_change_tx(c, s, id, &ch, &o, &why);
        if (e != ERR_CONFLICT)
            return e; /* paid (or a real error: retry) */
        /* the state changed under us (expired or cancelled meanwhile): refund below */
    } else if (o.payment_id == payment && o.status != OS_PENDING_PAYMENT) {
        return ERR_OK; /* this payment is already the order's: nothing to do */
    }
    if (o.status == OS_PENDING_PAYMENT && amount != o.total_fen)
        LOG_E("order: payment %llu of %lld fen for order %llu of %lld fen: refunded", (unsigned long long)payment,
              (long long)amount, (unsigned long long)id, (long long)o.total_fen);
    return store_late_payment(c, s, id, payment, amount);
}

static void after_payment(struct svc *s, const struct event *ev)
{
    uint64_t id, payment;
    int64_t amount;
    struct order o = {0};
    if (read_ids(ev, &id, &payment, &amount) && store_get(s, id, &o) == ERR_OK) {
        flow_release(s, &o);
        flow_grants(s, &o);
    }
    events_relay_nudge();
}

static enum err on_refund(struct svc *s, struct db_conn *c, const struct event *ev, void *arg)
{
    (void)arg;
    uint64_t id, payment;
    int64_t amount;
    if (!read_ids(ev, &id, &payment, &amount)) {
        LOG_E("order: %s without order_id/payment_id/amount: parked", ev->type);
        return ERR_INVALID;
    }
    char note[64];
    snprintf(note, sizeof note, "%lld fen refunded", (long long)amount);
    enum err e = store_refunded(c, s, id, amount, note);
    return e == ERR_NOT_FOUND ? ERR_OK : e;
}

static struct events_consumer payments = {
    .durable = "order-payments",
    .filter = "petboarding.payment.>",
    .handler = on_payment,
    .after_commit = after_payment,
    /* payments of different orders are paid at once; their after-commit calls (the pets'
     * grants) no longer hold up the next order's payment */
    .threads = 4,
};

static struct events_consumer refunds = {
    .durable = "order-refunds",
    .filter = "petboarding.refund.succeeded",
    .handler = on_refund,
};

int consumers_start(struct svc *s)
{
    return events_consume_start(s, &payments) == 0 && events_consume_start(s, &refunds) == 0 ? 0 : -1;
}
