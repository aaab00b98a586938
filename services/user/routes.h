/* Routes of the user service. */
#ifndef USER_ROUTES_H
#define USER_ROUTES_H

#include "svc.h"

void user_routes(struct svc *s);

#endif
