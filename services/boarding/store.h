/* Storage of the boarding service: listings (hot `listing` + vertical `listing_detail`) and
 * the cached listing JSON (store.c); per-night inventory (`listing_day`) and capacity holds
 * (nights.h, nights.c); the Redis geo index of visible listings and cached search pages
 * (search.h, search.c). Cache keys carry generation counters that every write bumps (so a
 * changed listing never shows in an old page). Including store.h brings all three. */
#ifndef BOARDING_STORE_H
#define BOARDING_STORE_H

#include "listing.h"
#include "nights.h"
#include "search.h"
#include "svc.h"

/* Fields a provider's PATCH may change (NULL / negative = untouched). Strings borrowed. */
/* Insert a new listing with its detail row. ERR_LIMIT_REACHED when the provider already has
 * store_max_listings() listings (of any status: a listing is never deleted): the count and
 * the insert run under the provider's create_lock row (db_lock_account), so concurrent
 * creations cannot overshoot. */
enum err store_listing_create(struct svc *s, const struct listing *l);
/* The listings one provider may have (PB_LISTING_MAX_PER_PROVIDER, set once at start). */
void store_set_max_listings(long n);
long store_max_listings(void);
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

/* The public JSON of a listing through the cache; *visible says whether anyone may see it. */
enum err store_listing_json_cached(struct svc *s, uint64_t id, char **out, size_t *len, bool *visible);
/* After a committed change: drop the cached JSON, bump the search generations of the cities
 * involved, and add to / remove from the geo index. before may be NULL (creation). */
void store_after_change(struct svc *s, const struct listing *before, const struct listing *after);
/* After a change of nights [start, end) (availability): bump the availability generations of
 * the weeks they fall in, for the listing's city and for all cities. */
void store_after_nights_change(struct svc *s, const struct listing *l, int32_t start, int32_t end);

#endif
