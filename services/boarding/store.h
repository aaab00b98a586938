/* Storage of the boarding service: listings (hot `listing` + vertical `listing_detail`),
 * per-night inventory (`listing_day`), the Redis geo index of visible listings, the cached
 * listing JSON and cached search pages, whose keys carry generation counters that every
 * write bumps (so a changed listing never shows in an old page). */
#ifndef BOARDING_STORE_H
#define BOARDING_STORE_H

#include "listing.h"
#include "svc.h"

/* Fields a provider's PATCH may change (NULL / negative = untouched). Strings borrowed. */
struct listing_patch {
    const char *title, *description, *city, *district, *address, *house_rules;
    const char *amenities_json, *photos_json; /* serialized, validated arrays */
    bool has_location;
    double lat, lng;
    unsigned species_mask;                    /* 0: untouched */
    double max_weight_kg;                     /* <0: untouched */
    int capacity;                             /* <0: untouched */
    int64_t price_fen;                        /* <0: untouched */
    int status;                               /* <0: untouched; LS_PAUSED or LS_PUBLISHED */
};

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

enum err store_listing_create(struct svc *s, const struct listing *l);
/* Load a listing; with_detail also the vertically split text. ERR_NOT_FOUND if absent. */
enum err store_listing_get(struct svc *s, uint64_t id, bool with_detail, struct listing *out);
/* Apply a provider's patch under a row lock: text changes send it back to review, a lower
 * default capacity must still cover every reserved night (else ERR_CONFLICT and *bad_day).
 * ERR_NOT_FOUND unless provider_id owns it. *out is the listing afterwards (with detail). */
enum err store_listing_update(struct svc *s, uint64_t id, uint64_t provider_id, const struct listing_patch *p,
                              struct listing *out, int32_t *bad_day);
/* An admin decision (LE_APPROVE / LE_REJECT) with its reason. When expected_updated_ms is
 * not 0, the listing must still be the version the admin checked: otherwise ERR_CONFLICT
 * with *changed set (a provider's edit slipped in between the rule check and the decision). */
enum err store_listing_decide(struct svc *s, uint64_t id, enum listing_event ev, const char *reason,
                              int64_t expected_updated_ms, struct listing *out, bool *changed);
/* Hide or show every listing of a provider; *affected counts the listings. */
enum err store_provider_suspend(struct svc *s, uint64_t provider_id, bool suspended, long *affected);

/* Set a listing's rating aggregate (from the review service). */
enum err store_listing_rating(struct svc *s, uint64_t id, long count, long sum, long score_milli);
/* The same inside a consumer's transaction c (rating.updated events); the caches are
 * refreshed by store_after_change once the transaction commits, so this only writes. */
enum err store_listing_rating_tx(struct db_conn *c, uint64_t id, long count, long sum, long score_milli);

/* A provider's listings, newest first, after cursor id (0 = from the start). Caller frees
 * *out with listings_free. */
enum err store_listings_by_provider(struct svc *s, uint64_t provider_id, uint64_t before_id, int limit,
                                    struct listing **out, size_t *n);
/* Listings in a status, oldest submission first, after (after_ms, after_id), with detail. */
enum err store_listings_by_status(struct svc *s, enum listing_status st, int64_t after_ms, uint64_t after_id,
                                  int limit, struct listing **out, size_t *n);
void listings_free(struct listing *l, size_t n);

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

/* The public JSON of a listing through the cache; *visible says whether anyone may see it. */
enum err store_listing_json_cached(struct svc *s, uint64_t id, char **out, size_t *len, bool *visible);
/* After a committed change: drop the cached JSON, bump the search generations of the cities
 * involved, and add to / remove from the geo index. before may be NULL (creation). */
void store_after_change(struct svc *s, const struct listing *before, const struct listing *after);
/* After a change of nights (availability): bump the availability generation of the city. */
void store_after_nights_change(struct svc *s, const struct listing *l);
/* Rebuild the geo index from the database (start-up; atomic RENAME). */
enum err store_geo_rebuild(struct svc *s);

/* A search result page as the JSON body {items, next_cursor}, through the page cache. */
enum err store_search(struct svc *s, const struct search *q, char **body, size_t *len);

#endif
