/* The boarding service's event consumers (consumers.c): rating.updated from the review
 * service sets a listing's rating aggregate and refreshes its caches. */
#ifndef BOARDING_CONSUMERS_H
#define BOARDING_CONSUMERS_H

#include "svc.h"

/* Start every event consumer of the service (call from init, once). Each is a durable
 * JetStream consumer whose handler runs in one MariaDB transaction that also records the
 * event as processed (lib/events.h), so a redelivered event changes nothing. 0, or -1 when
 * one could not be started. */
int consumers_start(struct svc *s);

#endif
