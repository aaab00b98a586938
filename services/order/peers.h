/* Calls from the order service to the boarding, pet and media services' internal APIs (the
 * orchestrator calls outward; nobody calls the order service back synchronously). Each
 * returns ERR_UNAVAILABLE when no answer came in time. */
#ifndef ORDER_PEERS_H
#define ORDER_PEERS_H

#include "errors.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct listing_info {
    uint64_t provider_id;
    char title[60 * 4 + 1];
    char status[20];
    unsigned species_mask; /* a set of species_bit (lib/species.h) */
    double max_weight_kg;
    int64_t price_fen;
};

struct pet_info {
    uint64_t owner_id;
    unsigned species_bit; /* species_bit of its species (lib/species.h), 0 if unknown */
    double weight_kg;
    bool deleted;
    char name[32 * 4 + 1];
};

/* ERR_NOT_FOUND when the listing or pet does not exist. */
enum err peer_listing(uint64_t id, struct listing_info *out);
/* Pets ids[0..n-1] (n <= ORDER_MAX_PETS) in one request: out[i] for ids[i]; ERR_NOT_FOUND
 * when any of them does not exist. */
enum err peer_pets(const uint64_t *ids, size_t n, struct pet_info *out);

enum hold_answer { HA_HELD, HA_FULL, HA_NOT_BOOKABLE, HA_UNKNOWN_LISTING, HA_REFUSED };
/* Ask boarding to hold the nights for an order (idempotent by order id). ERR_OK with *res
 * on an answer; ERR_UNAVAILABLE when none came (the outcome is unknown). For HA_FULL,
 * night (11 bytes) names the first full night. */
enum err peer_hold(uint64_t order_id, uint64_t listing_id, int32_t start, int32_t end, int pets, enum hold_answer *res,
                   char *night);
/* Ask boarding whether the nights start..end-1 have room for pets now, holding nothing (a
 * price quote): the answers of peer_hold, HA_HELD meaning "there is room". */
enum err peer_room(uint64_t listing_id, int32_t start, int32_t end, int pets, enum hold_answer *res, char *night);
/* Give an order's nights back (idempotent). ERR_OK once boarding confirmed. */
enum err peer_release(uint64_t order_id);

/* Let the provider read the pet until the day after the stay (idempotent), or stop. */
enum err peer_grant(uint64_t pet_id, uint64_t order_id, uint64_t provider_id, int32_t until);
enum err peer_revoke(uint64_t pet_id, uint64_t order_id);


#endif
