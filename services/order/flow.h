/* The booking flows of the order service: creating a booking (validation through the pet
 * and boarding services, capacity held idempotently, every failure compensated) and
 * applying a state change with its effects after the commit (capacity released, pet read
 * grants given or taken back). Used by the HTTP handlers, the jobs and the event consumers. */
#ifndef ORDER_FLOW_H
#define ORDER_FLOW_H

#include "order.h"
#include "store.h"
#include "svc.h"

struct create_in {
    uint64_t owner_id, listing_id;
    uint64_t pet_ids[ORDER_MAX_PETS];
    size_t npets;
    int32_t start, end;
    const char *note;
    const char *idem_key; /* may be NULL */
};

/* An HTTP answer: status and JSON body (owned). */
struct answer {
    int status;
    char *body;
    uint64_t order_id; /* set on 201 */
};

/* Book: 201 with the order, or the documented error (404 pet, 422 listing/dates/species/
 * weight, 409 fully_booked naming the night, 409 pet already staying, 503 retry with the
 * same Idempotency-Key). A repeated Idempotency-Key replays the first answer. */
void flow_create(struct svc *s, const struct create_in *in, struct answer *out);

/* Quote a booking: the same checks, in the same order and with the same errors, as
 * flow_create (422 naming fields, 404 pet, 409 pet already staying, 409 fully_booked naming
 * the night, 503), then 200 with order_quote_json. Nothing is written or reserved: the pets'
 * nights and the listing's calendar are only read, so the answer is a snapshot that a booking
 * made later may contradict. */
void flow_quote(struct svc *s, const struct create_in *in, struct answer *out);

/* Apply a change (see store_change), then release capacity and update pet grants as the
 * new state requires; what cannot be done now is left to the jobs (hold "releasing",
 * grants "wanted"/"revoke"). */
enum err flow_change(struct svc *s, uint64_t id, const struct change *ch, struct order *out, const char **why);

/* After-commit effects for an order as stored (also run by the jobs). */
void flow_release(struct svc *s, const struct order *o);
void flow_grants(struct svc *s, const struct order *o);

#endif
