/* What the payment service asks other services: the order it is paying for. */
#ifndef PAYMENT_PEERS_H
#define PAYMENT_PEERS_H

#include "errors.h"

#include <stdint.h>

struct order_info {
    uint64_t owner_id;
    char status[24];
    int64_t total_fen;
    char currency[8];
};

/* GET {order}/internal/v1/orders/{id}: ERR_OK with *out, ERR_NOT_FOUND when the order
 * service says so, ERR_UNAVAILABLE when it does not answer or answers something else
 * (logged). */
enum err peer_order(uint64_t order_id, struct order_info *out);

#endif
