/* The order service's event consumers (consumers.c), its side of the booking saga: it reacts
 * to payment events (through idempotent JetStream consumers) and turns them into order
 * transitions, or into refunds when a payment arrives for an order that can no longer take
 * it. */
#ifndef ORDER_CONSUMERS_H
#define ORDER_CONSUMERS_H

#include "svc.h"

/* Start every event consumer of the service (call from init, once): payment.* and
 * refund.succeeded. Each is a durable JetStream consumer whose handler runs in one MariaDB
 * transaction that also records the event as processed (lib/events.h), so a redelivered
 * event changes nothing. 0, or -1 when one could not be started. */
int consumers_start(struct svc *s);

#endif
