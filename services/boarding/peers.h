/* The boarding service's calls to other services' internal APIs: whether a provider is
 * approved (the user service), whether a listing write keeps the platform rules (the admin
 * service) and the photos a provider attaches to a listing (the media service). Each carries the request id and the internal token (lib/httpc.h) and returns
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


/* POST admin /internal/v1/rules/check within 3 s: the platform rules that approval checks,
 * applied to the rule-relevant fields of a listing write (a JSON object of some of title,
 * description, house_rules, amenities, price_per_night_fen). ERR_OK with *answer (a new
 * reference: {rules_version, violations, fields}, violations empty when the write complies);
 * ERR_UNAVAILABLE (logged) without a usable answer. Not cached: a change of rules counts at
 * once. */
enum err peer_rules_check(const json_t *fields, json_t **answer);

#endif
