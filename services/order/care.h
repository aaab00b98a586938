/* Care logs of a stay (care.c): the entries a provider adds each day, read by both sides. */
#ifndef ORDER_CARE_H
#define ORDER_CARE_H

#include "order.h"
#include "svc.h"

struct care_entry {
    int32_t day;
    const char *meals, *medication, *mood, *notes, *photos_json; /* borrowed; NULL = not given */
    int walks;                                                   /* -1 = not given */
};
/* Add an entry for order id by its provider (checked under the order's lock: the provider,
 * the stay's window and the date). ERR_NOT_FOUND when it is not the provider's order;
 * ERR_CONFLICT (*why) outside the window; ERR_INVALID (*why) for a date outside the stay.
 * The care_log.added event is written in the same transaction. *out is the entry as JSON. */
enum err store_care_add(struct svc *s, uint64_t id, uint64_t provider_id, const struct care_entry *in, json_t **out,
                        const char **why);
/* The entries of an order, by day then time, as a JSON array. */
enum err store_care_list(struct svc *s, uint64_t id, json_t **out);

#endif
