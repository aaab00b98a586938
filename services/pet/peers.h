/* The pet service's one call to another service: checking the photos an owner attaches to a
 * pet with the media service (POST /internal/v1/media/resolve, lib/mediaref.h). */
#ifndef PET_PEERS_H
#define PET_PEERS_H

#include "errors.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

/* Whether ids[0..n) (1..PET_PHOTOS_MAX, distinct) are pet photos that owner uploaded, within
 * MEDIAREF_TIMEOUT_MS, carrying the request id and the internal token: ERR_OK; ERR_INVALID
 * with *fields = {"photos.<i>": why} (a new object) naming each bad one; ERR_UNAVAILABLE
 * (logged) when the media service gives no usable answer. */
enum err peer_pet_photos(uint64_t owner, const uint64_t *ids, size_t n, json_t **fields);

#endif
