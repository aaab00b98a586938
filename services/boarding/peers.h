/* The boarding service's calls to other services' internal APIs: whether a provider is
 * approved (the user service) and the photos a provider attaches to a listing (the media
 * service). Each carries the request id and the internal token (lib/httpc.h) and returns
 * ERR_UNAVAILABLE (logged) when no usable answer came in time. */
#ifndef BOARDING_PEERS_H
#define BOARDING_PEERS_H

#include "errors.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* GET user /internal/v1/users/{id} within 3 s: ERR_OK with *approved = the account exists and
 * is active. Not cached: listing writes are rare and a decision must count at once. */
enum err peer_provider_approved(uint64_t provider_id, bool *approved);


#endif
