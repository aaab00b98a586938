/* Private to the order storage files (store.c: orders, their changes and idempotency; lists.c;
 * stats.c; care.c): the order columns, the table names of an id or a user, reading an order
 * and adding its events. */
#ifndef ORDER_STORE_PRIV_H
#define ORDER_STORE_PRIV_H

#include "store.h"

/* The columns of an order row, in the order row_to_order reads them. */
#define ORDER_COLS                                                                                         \
    "id, listing_id, listing_title, owner_id, provider_id, pet_ids, pets, start_date, end_date, nights, " \
    "price_per_night_fen, total_fen, status, hold, grants, note, pay_before_ms, accept_before_ms, "       \
    "payment_id, paid_fen, refund_fen, refunded_fen, created_ms, updated_ms"

/* Format a statement with one table name (a month or shard table from a closed set); returns buf. */
const char *sql1(char *buf, size_t cap, const char *fmt, const char *table);
/* The monthly orders table of an order id ("orders_YYYYMM"). */
void orders_table(uint64_t id, char *buf, size_t cap);
/* The index table of a user in a role (its shard of order_by_owner_N / order_by_provider_N). */
void index_table(struct svc *s, enum actor role, uint64_t user, char *buf, size_t cap);

/* Row i of ORDER_COLS into *o. */
void row_to_order(const struct db_rows *r, size_t i, struct order *o);
/* Read order id on c (FOR UPDATE when lock). ERR_NOT_FOUND for an unknown id or month. */
enum err order_get_on(struct db_conn *c, uint64_t id, bool lock, struct order *out);

/* Add an "order" event of type with data (taken; NULL: ERR_NO_MEMORY) to the outbox on c. */
enum err add_event(struct db_conn *c, const char *type, json_t *data);
#endif
