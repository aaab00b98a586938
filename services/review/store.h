/* Storage of the review service: every SQL statement and Redis key it uses. Reviews are
 * write-once rows carrying the SHA-256 of their content; a change of a listing's visible
 * reviews (a post, a hide) recomputes the listing's and the provider's aggregates and adds
 * review.* and rating.updated events to the outbox in the same transaction. The rating
 * summary of a listing is cached at pb:rating:<listing_id> (lib/aside.h), invalidated after
 * every such commit. */
#ifndef REVIEW_STORE_H
#define REVIEW_STORE_H

#include "content.h"
#include "rating.h"
#include "svc.h"

/* The service's configuration (svc->app). */
struct review_app {
    struct rating_prior prior;
    int window_days;
    long user_timeout_ms;
};

/* ---- eligibility (the order.completed consumer) ---- */

/* Record inside the consumer's transaction c that e->owner_id may review e->order_id. A
 * second event for the same order changes nothing (the first completion counts). */
enum err store_eligible_add(struct db_conn *c, const struct review_eligible *e, uint64_t event_id);

/* ---- reviews ---- */

/* Why a post was refused with ERR_CONFLICT. */
enum review_refusal { REFUSAL_NONE = 0, REFUSAL_NOT_COMPLETED, REFUSAL_DUPLICATE, REFUSAL_WINDOW_CLOSED };

/* Post r as its owner. The caller sets id, order_id, owner_id, owner_display_name, the
 * ratings, text and created_ms; on ERR_OK listing_id, provider_id and sha256 are filled in.
 * ERR_NOT_FOUND: the order is eligible for another owner. ERR_CONFLICT with *why: no
 * eligible order, already reviewed (the unique key on order_id decides under concurrency),
 * or the review window has closed (window_days after completed_at, as of created_ms). */
enum err store_review_post(struct svc *s, struct review *r, int window_days, enum review_refusal *why);

/* Called with each review; r and its strings are valid only during the call. */
typedef void (*store_review_fn)(const struct review *r, void *ctx);

/* One review, fresh from the database. ERR_NOT_FOUND if there is none. */
enum err store_review_get(struct svc *s, uint64_t id, store_review_fn each, void *ctx);

/* Which reviews a page holds. */
struct review_filter {
    uint64_t order_id;   /* 0: every order (a stay has at most one review) */
    uint64_t listing_id; /* 0: every listing */
    int hidden;          /* 1: only hidden by moderation, 0: only not hidden, -1: both */
};

/* Reviews matching f (hidden ones included unless f says otherwise), newest first, with
 * id < before_id (UINT64_MAX to start): each for at most limit of them; *more tells whether
 * others follow. */
enum err store_reviews_page(struct svc *s, const struct review_filter *f, uint64_t before_id, size_t limit,
                            store_review_fn each, void *ctx, bool *more);

/* Add the provider's one reply. ERR_NOT_FOUND unless the review exists and its listing is
 * provider_id's; ERR_CONFLICT when it already has a reply. */
enum err store_review_reply(struct svc *s, uint64_t id, uint64_t provider_id, const char *text);

/* Hide a review (moderation) with a reason. ERR_NOT_FOUND if there is none, ERR_CONFLICT
 * if it is hidden already. */
enum err store_review_hide(struct svc *s, uint64_t id, const char *reason);

/* The rating summary JSON of a listing (see rating_json) through the cache; a listing
 * without visible reviews has count 0. *body is malloc'd (caller frees). */
enum err store_rating_json_cached(struct svc *s, uint64_t listing_id, char **body, size_t *len);

#endif
