/* Storage of the pet service: every SQL statement and Redis key it uses. A pet is a hot row
 * (pet) plus its long text (pet_care); vaccinations and provider grants hang off it. The
 * rendered pet is cached in Redis at pb:pet:<id> (cache-aside, lib/aside.h), invalidated
 * after every committed change of the pet. */
#ifndef PET_STORE_H
#define PET_STORE_H

#include "rules.h"
#include "svc.h"

/* Insert a new pet (p->id, owner_id and times already set) with its care row in one
 * transaction. ERR_LIMIT_REACHED when the owner already has max_pets live pets: the count
 * and the insert run under the owner's create_lock row (db_lock_account), so concurrent
 * creations cannot overshoot. */
enum err store_pet_create(struct svc *s, const struct pet *p, long max_pets);

/* Load a pet, soft-deleted or not, fresh from the database. ERR_NOT_FOUND if it never
 * existed. *out is initialised here; the caller pet_clears it on ERR_OK. */
enum err store_pet_get(struct svc *s, uint64_t id, struct pet *out);
/* The most pets store_pets_get reads at once: an order's most pets. */
#define PET_MANY_MAX 4
/* Pets ids[0..n-1] (1 <= n <= PET_MANY_MAX), soft-deleted or not, in one read: each found
 * pet is passed to each() (borrowed for the call), in id order; ids not found are skipped. */
enum err store_pets_get(struct svc *s, const uint64_t *ids, size_t n, void (*each)(const struct pet *p, void *ctx),
                        void *ctx);

/* Apply an edit as the owner: in one transaction lock the pet, check that it is owner's and
 * live (else ERR_NOT_FOUND), apply x as of today, write both rows. *out (initialised here,
 * caller pet_clears it on ERR_OK) is the pet afterwards. The cache is invalidated after the
 * commit. */
enum err store_pet_update(struct svc *s, uint64_t id, uint64_t owner, const struct pet_patch *x, struct pet *out);

/* Soft-delete the owner's live pet. ERR_NOT_FOUND when it is not a live pet of owner. */
enum err store_pet_delete(struct svc *s, uint64_t id, uint64_t owner);

/* The owner's live pets, newest first, with id < before_id (UINT64_MAX to start): calls
 * each(pet, ctx) for at most limit of them; *more tells whether others follow. */
enum err store_pets_by_owner(struct svc *s, uint64_t owner, uint64_t before_id, size_t limit,
                             void (*each)(const struct pet *p, void *ctx), void *ctx, bool *more);

/* The public JSON of a live pet through the cache, and its owner (for the access decision).
 * Its photos carry signed URLs (for whoever the caller lets read the pet): a cached copy
 * rendered on another day or whose URLs were signed in another hour is rebuilt, so every
 * reader gets the URLs of this hour. ERR_NOT_FOUND for unknown and soft-deleted pets. *json
 * is malloc'd (caller frees). */
enum err store_pet_json_cached(struct svc *s, uint64_t id, uint64_t *owner, char **json, size_t *len);

/* ---- vaccinations ---- */
/* Add v (id, pet_id, created_ms set) to the owner's live pet: ERR_NOT_FOUND when it is not
 * one, ERR_LIMIT_REACHED when the pet already has PET_MAX_VACCINATIONS records. */
enum err store_vaccination_add(struct svc *s, uint64_t owner, const struct pet_vaccination *v);
/* Records of a pet, newest given_on first, strictly after the cursor (given_on, id); start
 * with (INT32_MAX, UINT64_MAX). Calls each for at most limit of them; *more as above. No
 * access check: the caller has decided. */
enum err store_vaccinations(struct svc *s, uint64_t pet_id, int32_t after_given, uint64_t after_id, size_t limit,
                            void (*each)(const struct pet_vaccination *v, void *ctx), void *ctx, bool *more);
/* Remove a record of the owner's live pet. ERR_NOT_FOUND when either does not exist. */
enum err store_vaccination_delete(struct svc *s, uint64_t owner, uint64_t pet_id, uint64_t vaccination_id);

/* ---- provider grants (written by the order service) ---- */
struct pet_grant {
    uint64_t pet_id, order_id, provider_id;
    int32_t until_date;
    int64_t created_ms, updated_ms;
};

/* Create or update the grant of (pet_id, order_id): the same call twice leaves one grant.
 * *out is the grant as stored. ERR_NOT_FOUND when the pet never existed. */
enum err store_grant_put(struct svc *s, uint64_t pet_id, uint64_t order_id, uint64_t provider_id, int32_t until_date,
                         struct pet_grant *out);
/* Remove the grant of (pet_id, order_id); no error when there was none. */
enum err store_grant_delete(struct svc *s, uint64_t pet_id, uint64_t order_id);
/* Whether provider holds a grant on the pet with until_date >= today. */
enum err store_grant_active(struct svc *s, uint64_t pet_id, uint64_t provider_id, int32_t today, bool *active);

#endif
