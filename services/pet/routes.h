/* Routes of the pet service. */
#ifndef PET_ROUTES_H
#define PET_ROUTES_H

#include "svc.h"

/* Register the public /api/v1/pets... and internal /internal/v1/pets... routes. */
void pet_routes(struct svc *s);

#endif
