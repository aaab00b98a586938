/* HTTP routes of the payment service. */
#ifndef PAYMENT_ROUTES_H
#define PAYMENT_ROUTES_H

#include "svc.h"

void payment_routes(struct svc *s);

#endif
