/* Calls to the internal APIs of the user, boarding and review services (and, for the
 * dashboard's figures, the order and payment services): the only way the admin service
 * reads or changes their state. Each call has the configured timeout and carries
 * the request id and the internal token (lib/httpc.h). Every function returns ERR_OK when
 * an answer arrived (look at out->status), ERR_UNAVAILABLE when none did, ERR_NO_MEMORY;
 * out must be freed with httpc_resp_free in every case. */
#ifndef ADMIN_PEERS_H
#define ADMIN_PEERS_H

#include "httpc.h"

#include <stdbool.h>
#include <stdint.h>

/* Set the timeout of every call (milliseconds). */
void peers_init(long timeout_ms);

/* GET user /internal/v1/users?role=provider&status=pending_review&limit=&cursor= */
enum err peer_pending_providers(long limit, const char *cursor, struct httpc_resp *out);
/* GET user /internal/v1/users?order=newest&q=&role=&status=&limit=&cursor= (NULL filters
 * are left out; values are percent-encoded here) */
enum err peer_users(const char *q, const char *role, const char *status, long limit, const char *cursor,
                    struct httpc_resp *out);
/* GET user /internal/v1/users/{id} */
enum err peer_user_get(uint64_t id, struct httpc_resp *out);
/* POST user /internal/v1/users/{id}/{action} {reason?}; action approve|reject|suspend|reinstate */
enum err peer_user_action(uint64_t id, const char *action, const char *reason, struct httpc_resp *out);

/* GET boarding /internal/v1/listings?status=pending_review&limit=&cursor= */
enum err peer_pending_listings(long limit, const char *cursor, struct httpc_resp *out);
/* GET boarding /internal/v1/listings/{id} */
enum err peer_listing_get(uint64_t id, struct httpc_resp *out);
/* POST boarding /internal/v1/listings/{id}/{action} {reason?, expected_updated_at?}; action
 * approve|reject. expected_updated_at (may be NULL) is the updated_at of the version that was
 * checked: boarding refuses (409) if the listing changed since. */
enum err peer_listing_action(uint64_t id, const char *action, const char *reason, const char *expected_updated_at,
                             struct httpc_resp *out);
/* POST boarding /internal/v1/providers/{id}/suspend (visible false) or /reinstate (true), body {} */
enum err peer_provider_listings(uint64_t provider_id, bool visible, struct httpc_resp *out);

/* GET review /internal/v1/reviews?hidden=&listing_id=&limit=&cursor= (NULL filters left out) */
enum err peer_reviews(const char *hidden, const char *listing_id, long limit, const char *cursor,
                      struct httpc_resp *out);
/* POST review /internal/v1/reviews/{id}/{action} {reason}; action hide */
enum err peer_review_action(uint64_t id, const char *action, const char *reason, struct httpc_resp *out);

/* GET <service> /internal/v1/stats/today (service "order" or "payment") within timeout_ms. */
enum err peer_stats_today(const char *service, long timeout_ms, struct httpc_resp *out);

/* Count what waits for review: providers (the user service's pending_review providers) or,
 * when listings, the boarding service's pending_review listings, by walking their pages of
 * 100, each within timeout_ms, until the end or cap items. On ERR_OK *count holds the number
 * (at most cap) and *capped whether more may exist beyond cap. ERR_UNAVAILABLE when a page
 * did not come back as expected; *status is the last HTTP status (0: no answer). The
 * response is freed here (no out parameter). */
enum err peer_count_pending(bool listings, long timeout_ms, long cap, long *count, bool *capped, long *status);

#endif
