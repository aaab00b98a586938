/* Routes of the order service. */
#ifndef ORDER_ROUTES_H
#define ORDER_ROUTES_H

#include "svc.h"

void order_routes(struct svc *s);

#endif
