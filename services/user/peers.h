/* The user service's one call to another service: checking the verification documents a
 * provider submits with the media service (POST /internal/v1/media/resolve, lib/mediaref.h).
 * The media service calls the user service too (is a provider approved?), but neither call
 * is made while serving the other: no request waits on itself. */
#ifndef USER_PEERS_H
#define USER_PEERS_H

#include "errors.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

/* Whether ids[0..n) (1..ACCOUNT_VERIFICATION_DOCS_MAX, distinct) are verification photos that
 * provider uploaded, within MEDIAREF_TIMEOUT_MS, with the request id and the internal token:
 * ERR_OK; ERR_INVALID with *fields = {"documents.<i>": why} (a new object) naming each bad
 * one; ERR_UNAVAILABLE (logged) when the media service gives no usable answer. */
enum err peer_verification_documents(uint64_t provider, const uint64_t *ids, size_t n, json_t **fields);

#endif
