/* Storage of the order service: orders in monthly tables (orders_YYYYMM, with their
 * history in order_history_YYYYMM), "my orders" index tables split by user id, pet nights,
 * idempotency keys and the outbox. Every state change writes the order, both index rows,
 * the history, the pet nights and the event in one transaction (store.c). The lists of a user's
 * orders, a provider's stays and the orders due (lists.h), the figures of a day (stats.h) and
 * care logs (care.h) have their own files; including store.h brings them all. */
#ifndef ORDER_STORE_H
#define ORDER_STORE_H

#include "care.h"
#include "lists.h"
#include "order.h"
#include "stats.h"
#include "svc.h"

struct order_app {
    unsigned shards;                 /* index tables (schema_meta) */
    int64_t pay_window_ms;           /* pay_before = created + this (PB_PAY_WINDOW_S, 15 min) */
    int64_t accept_window_ms;        /* accept_before = paid + this (PB_ACCEPT_WINDOW_S, 24 h) */
    long max_open;                   /* open orders per owner (PB_ORDER_MAX_OPEN_PER_OWNER, 20) */
    long max_care_per_day;           /* care-log entries per stay and day (PB_CARE_LOG_MAX_PER_DAY, 20) */
    struct refund_rule rules[16];    /* refund_policy, by decreasing min_hours */
    size_t nrules;
};

struct order_app *order_app(struct svc *s);

enum err store_init(struct svc *s);
/* Create this id's monthly tables if they do not exist (outside any transaction: DDL
 * commits implicitly). Creation is remembered per process. */
enum err store_ensure_month(struct svc *s, uint64_t id);

/* ---- creation ---- */
struct idem {
    uint64_t user_id;
    const char *scope; /* "create", "cancel:<id>" */
    const char *key;   /* NULL: no Idempotency-Key */
    char hash[65];     /* SHA-256 of the request */
};

enum idem_state { IDEM_NEW, IDEM_REPLAY, IDEM_IN_PROGRESS, IDEM_MISMATCH };

/* Look up a key: IDEM_REPLAY fills *status and *body (caller frees). */
enum err store_idem_get(struct svc *s, const struct idem *k, enum idem_state *st, int *status, char **body);
/* Record the answer to a key's request (insert or update). */
enum err store_idem_put(struct db_conn *c, const struct idem *k, uint64_t order_id, int status, const char *body);

/* First transaction of a booking: the Idempotency-Key (in progress), the order in status
 * creating with its hold "reserving", and one pet_night row per pet and night. ERR_CONFLICT
 * when a key exists (*st says how) or a pet is already staying somewhere on one of the
 * nights (*busy_pet, *busy_day); ERR_LIMIT_REACHED when the owner already has max_open open
 * orders (creating, pending_payment, paid, confirmed, in_care), counted under the owner's
 * create_lock row so that concurrent bookings cannot both take the last slot. */
enum err store_create_begin(struct svc *s, const struct order *o, const struct idem *k, enum idem_state *st,
                            uint64_t *busy_pet, int32_t *busy_day);
/* Whether a pet of o already has a live stay on one of o's nights (*busy), read without
 * locks (the primary key of pet_night decides at booking time); when busy, the first such
 * pet and night are in *busy_pet and *busy_day. ERR_UNAVAILABLE when it cannot be read. */
enum err store_pet_busy(struct svc *s, const struct order *o, bool *busy, uint64_t *busy_pet, int32_t *busy_day);
/* The capacity is held: pending_payment, index rows, history, order.created, and the
 * answer stored for the key. o is updated (pay_before). */
enum err store_create_reserved(struct svc *s, struct order *o, const struct idem *k);
/* The booking failed: status failed, hold as given ("none", "released" or "releasing"),
 * pet nights freed; the key keeps the answer (status, body) or, when body is NULL, is
 * forgotten so that a retry with the same key tries again. */
enum err store_create_failed(struct svc *s, const struct order *o, const char *hold, const struct idem *k, int status,
                             const char *body);

/* ---- reads ---- */
/* ERR_NOT_FOUND for an unknown id, including ids of months without a table. */
enum err store_get(struct svc *s, uint64_t id, struct order *out);
/* The first 32 entries of an order's history (statuses and payment events), oldest first, as a
 * JSON array. */
enum err store_history(struct svc *s, const struct order *o, json_t **out);

/* ---- changes ---- */
struct change {
    enum order_action action;
    enum actor who;
    uint64_t by_user;        /* the acting user (0 for the system) */
    const char *reason;      /* shown in the history and the event */
    uint64_t payment_id;     /* OA_PAY */
    int64_t paid_fen;        /* OA_PAY */
    int64_t now_ms;
    const struct idem *idem; /* optional: store the answer (200 + the order) for replays */
};

/* Apply a change in one transaction (checked against the current status, the actor's
 * relation to the order and the timing rules). ERR_NOT_FOUND when the actor is not the
 * order's owner/provider; ERR_CONFLICT for an illegal transition (*why says which rule).
 * *out is the order afterwards; it says whether capacity must now be released
 * (hold "releasing") and whether pet grants must change (grants "wanted" or "revoke"). */
enum err store_change(struct svc *s, uint64_t id, const struct change *ch, struct order *out, const char **why);

/* The same inside a caller's transaction c (event consumers); no relay nudge. */
enum err store_change_tx(struct db_conn *c, struct svc *s, uint64_t id, const struct change *ch, struct order *out,
                         const char **why);

/* A payment succeeded for an order that can no longer take it (expired, cancelled,
 * rejected, or already paid by another payment): inside c, record the charge on the order
 * when it has none, and ask for the whole amount back (order.refund_requested). */
enum err store_late_payment(struct db_conn *c, struct svc *s, uint64_t id, uint64_t payment_id, int64_t amount_fen);
/* A refund arrived: add it to the order's refunded amount, inside c. */
enum err store_refunded(struct db_conn *c, struct svc *s, uint64_t id, int64_t amount_fen, const char *note);
/* A payment failed: note it in the order's history, inside c. */
enum err store_payment_failed(struct db_conn *c, struct svc *s, uint64_t id, const char *reason);

/* Record that the hold or the grants reached their target ("released", "given", "none"). */
enum err store_set_hold(struct svc *s, uint64_t id, const char *from, const char *to);
enum err store_set_grants(struct svc *s, uint64_t id, const char *from, const char *to);

#endif
