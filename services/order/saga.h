/* The order service's side of the booking saga: it reacts to payment events (through
 * idempotent JetStream consumers) and turns them into order transitions, or into refunds
 * when a payment arrives for an order that can no longer take it. */
#ifndef ORDER_SAGA_H
#define ORDER_SAGA_H

#include "svc.h"

/* Start the consumers (call from init). */
int saga_start(struct svc *s);

#endif
