/* Routes of the media service, and the state its handlers share. */
#ifndef PB_MEDIA_ROUTES_H
#define PB_MEDIA_ROUTES_H

#include "rules.h"
#include "svc.h"

struct media_app {
    char *dir;                  /* the media folder (PB_MEDIA_DIR), owned */
    struct media_limits limits; /* pixel limits of an upload */
    long wait_ms;               /* how long an upload waits for a processing slot */
    long user_timeout_ms;       /* the call to the user service (provider approval) */
    long max_per_day;           /* uploads per account in 24 hours (PB_MEDIA_MAX_PER_DAY) */
};

/* Register POST /api/v1/media, GET /api/v1/media/{id}, GET /media/p/{id}/{size} (the private
 * files, answered with X-Accel-Redirect) and POST /internal/v1/media/resolve. */
void media_routes(struct svc *s);

#endif
