/* Routes of the notification service. */
#ifndef NOTIFICATION_ROUTES_H
#define NOTIFICATION_ROUTES_H

#include "svc.h"

/* Register the public /api/v1/notifications... routes. */
void notification_routes(struct svc *s);

#endif
