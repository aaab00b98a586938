/* Routes of the review service. */
#ifndef REVIEW_ROUTES_H
#define REVIEW_ROUTES_H

#include "svc.h"

/* Register the public /api/v1/reviews..., /api/v1/listings/{id}/reviews and /rating routes and
 * the internal /internal/v1/reviews/{id}/hide. */
void review_routes(struct svc *s);

#endif
