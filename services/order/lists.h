/* Lists read from the order storage (lists.c): a user's orders through the index tables, a
 * provider's stays, and the orders due for the timed jobs. */
#ifndef ORDER_LISTS_H
#define ORDER_LISTS_H

#include "order.h"
#include "svc.h"

/* A page of a user's orders (role ACTOR_OWNER or ACTOR_PROVIDER), newest first, before
 * order id `before` (0: from the newest), optional status filter (-1: any visible). */
enum err store_list(struct svc *s, uint64_t user_id, enum actor role, int status, uint64_t before, int limit,
                    struct order **out, size_t *n);
/* A provider's live stays overlapping from..to. */
enum err store_stays(struct svc *s, uint64_t provider_id, int32_t from, int32_t to, struct stay **out, size_t *n);
/* Ids of orders due for a job (see order_due in jobs.c): orders of the last `months`
 * monthly tables matching the job's condition at now, at most limit. */
enum due_kind { DUE_EXPIRE, DUE_ACCEPT_TIMEOUT, DUE_STALE_CREATING, DUE_RELEASE, DUE_GRANTS };
enum err store_due(struct svc *s, enum due_kind kind, int64_t now, int months, uint64_t *ids, size_t max, size_t *n);

#endif
