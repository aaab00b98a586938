/* The media service's one call to another service: whether a provider is approved, from the
 * user service's internal API (listing and care-log photos are for approved providers). */
#ifndef PB_MEDIA_PEERS_H
#define PB_MEDIA_PEERS_H

#include "errors.h"

#include <stdbool.h>
#include <stdint.h>

/* GET user /internal/v1/users/{id} within timeout_ms: ERR_OK with *approved = the account's
 * status is "active" (an unknown account is not approved), or ERR_UNAVAILABLE (logged) when
 * the user service gives no usable answer. Not cached: an upload is rare and a suspension
 * must count at once. */
enum err peer_provider_approved(uint64_t user_id, long timeout_ms, bool *approved);

#endif
