/* The review service's one call to another service: the owner's display name from the user
 * service's internal API, snapshotted when a review is posted. */
#ifndef REVIEW_PEERS_H
#define REVIEW_PEERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* GET user /internal/v1/users/{id} within timeout_ms: copy its display_name into buf (cap
 * bytes). false (logged as a warning) when there is no usable answer: the review is then
 * posted without a name rather than refused. */
bool peer_display_name(uint64_t user_id, long timeout_ms, char *buf, size_t cap);

#endif
