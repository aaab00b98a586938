/* The events the review service consumes: order.completed (who may review which stay). */
#include "consumers.h"
#include "content.h"
#include "events.h"
#include "log.h"
#include "store.h"

/* order.completed: the owner of the order may now review it (for window_days). */
static enum err on_order_completed(struct svc *s, struct db_conn *c, const struct event *ev, void *arg)
{
    (void)s;
    (void)arg;
    if (ev->version != 1) {
        LOG_W("review: ignoring %s version %d (only version 1 is known)", ev->type, ev->version);
        return ERR_OK;
    }
    struct review_eligible e;
    if (!review_parse_completed(ev->data, &e)) {
        /* never valid on a later delivery either: after the retries it is parked on the DLQ */
        LOG_E("review: %s event %llu lacks order ids or completed_at", ev->type, (unsigned long long)ev->id);
        return ERR_INVALID;
    }
    return store_eligible_add(c, &e, ev->id);
}

static struct events_consumer completed_consumer = {
    .durable = "review-order-completed",
    .filter = "petboarding.order.completed",
    .handler = on_order_completed,
};

int consumers_start(struct svc *s) { return events_consume_start(s, &completed_consumer); }
