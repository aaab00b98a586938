/* Routes of the admin service. */
#ifndef ADMIN_ROUTES_H
#define ADMIN_ROUTES_H

#include "svc.h"

void admin_routes(struct svc *s);

#endif
