/* Storage of a listing's nights (`listing_day`): the calendar a provider edits, and the
 * capacity holds the order service takes on it (`capacity_hold`), in nights.c. */
#ifndef BOARDING_NIGHTS_H
#define BOARDING_NIGHTS_H

#include "listing.h"
#include "svc.h"

/* One night of a listing's calendar. */
struct night {
    int32_t day;
    int capacity;     /* effective: the override or the listing's default */
    int reserved;
    bool closed, overridden;
};

/* A provider's change to one night: capacity < 0 resets to the default. */
struct night_change {
    int32_t day;
    bool set_capacity;
    int capacity;      /* -1: back to the listing's default */
    bool set_closed;
    bool closed;
};

/* The nights from..to inclusive (caller frees *out). */
enum err store_nights(struct svc *s, const struct listing *l, int32_t from, int32_t to, struct night **out,
                      size_t *n);
/* Apply night changes all-or-nothing; a capacity below what is reserved is ERR_CONFLICT
 * with *bad_day. ERR_NOT_FOUND unless provider_id owns the listing. */
enum err store_nights_set(struct svc *s, uint64_t id, uint64_t provider_id, const struct night_change *c, size_t n,
                          int32_t *bad_day);

/* ---- capacity holds (called by the order service) ---- */
struct hold_request {
    uint64_t order_id, listing_id;
    int32_t start, end; /* nights start..end-1 */
    int pets;
};

enum hold_result {
    HOLD_OK,            /* held now, or already held with the same terms */
    HOLD_FULL,          /* a night lacks room (or is closed): *full_night names the first */
    HOLD_NOT_BOOKABLE,  /* the listing is not published or its provider is suspended */
    HOLD_RELEASED,      /* this order's hold was released before: it cannot hold again */
    HOLD_MISMATCH,      /* a hold exists for this order with other terms */
};

/* Reserve pets on every night of the stay or on none, idempotently by order id, under the
 * listing's Redis lock (which only reduces contention; the conditional UPDATE is the
 * guarantee). ERR_NOT_FOUND for an unknown listing; ERR_UNAVAILABLE when the lock cannot be
 * had within its wait or a dependency is down. */
enum err store_hold(struct svc *s, const struct hold_request *h, enum hold_result *res, int32_t *full_night);
/* Whether the nights of h (order_id unused) have room for h->pets now, holding nothing (a
 * price quote): HOLD_OK, HOLD_FULL with *full_night, or HOLD_NOT_BOOKABLE, decided by the
 * rules of store_hold's pre-check, read without locks. ERR_NOT_FOUND for an unknown listing. */
enum err store_room(struct svc *s, const struct hold_request *h, enum hold_result *res, int32_t *full_night);
/* How long store_hold waits for the listing's lock before answering ERR_UNAVAILABLE. */
void store_set_lock_wait(long ms);
/* Release an order's hold (idempotent; an unknown order leaves a tombstone). */
enum err store_release(struct svc *s, uint64_t order_id);

#endif
