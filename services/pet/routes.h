/* Routes of the pet service. */
#ifndef PET_ROUTES_H
#define PET_ROUTES_H

#include "svc.h"

/* The service's settings (svc->app). */
struct pet_app {
    long max_pets; /* live pets per owner (PB_PET_MAX_PER_OWNER, default PET_MAX_PER_OWNER_DEFAULT) */
};

static inline struct pet_app *pet_app(struct svc *s) { return s->app; }

/* Register the public /api/v1/pets... and internal /internal/v1/pets... routes. */
void pet_routes(struct svc *s);

#endif
