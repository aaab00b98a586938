/* Routes of the boarding service. */
#ifndef BOARDING_ROUTES_H
#define BOARDING_ROUTES_H

#include "svc.h"

void boarding_routes(struct svc *s);

#endif
