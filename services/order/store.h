/* Storage of the order service: orders in monthly tables (orders_YYYYMM, with their
 * history in order_history_YYYYMM), "my orders" index tables split by user id, pet nights,
 * idempotency keys and the outbox. Every state change writes the order, both index rows,
 * the history, the pet nights and the event in one transaction. */
#ifndef ORDER_STORE_H
#define ORDER_STORE_H

#include "order.h"
#include "svc.h"

struct order_app {
    unsigned shards;                 /* index tables (schema_meta) */
    int64_t pay_window_ms;           /* pay_before = created + this (PB_PAY_WINDOW_S, 15 min) */
    int64_t accept_window_ms;        /* accept_before = paid + this (PB_ACCEPT_WINDOW_S, 24 h) */
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
 * nights (*busy_pet, *busy_day). */
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
/* The status history of an order, oldest first, as a JSON array. */
enum err store_history(struct svc *s, const struct order *o, json_t **out);
/* A page of a user's orders (role ACTOR_OWNER or ACTOR_PROVIDER), newest first, before
 * order id `before` (0: from the newest), optional status filter (-1: any visible). */
enum err store_list(struct svc *s, uint64_t user_id, enum actor role, int status, uint64_t before, int limit,
                    struct order **out, size_t *n);
/* A provider's live stays overlapping from..to. */
enum err store_stays(struct svc *s, uint64_t provider_id, int32_t from, int32_t to, struct stay **out, size_t *n);
/* Ids of orders due for a job (see order_due in jobs.c): orders of the last `months`
 * monthly tables matching the job's condition at now, at most limit. */
enum due_kind { DUE_EXPIRE, DUE_ACCEPT_TIMEOUT, DUE_STALE_CREATING, DUE_RELEASE, DUE_GRANTS };
enum err store_due(struct svc *s, enum due_kind kind, int64_t now, int months, uint64_t *ids, size_t max, size_t *n);

/* ---- figures of a day (the admin dashboard) ---- */
struct order_day_stats {
    int64_t created;    /* orders made that day that got past the reservation (not creating or failed) */
    int64_t paid;       /* orders whose status became paid that day */
    int64_t in_care;    /* stays in care now */
    int64_t arrivals;   /* paid, confirmed, in-care or completed stays starting that day */
    int64_t departures; /* the same, ending that day */
};
/* The figures of day (a platform day, UTC+8 by default, lib/dates.h). Orders made that day
 * live in the monthly tables of the UTC months the day spans (their snowflake ids bound the
 * range); a payment comes at most
 * a day after its order, so "paid" reads the history of that day's and the two days before's
 * months; stays are looked for in every month table (in care: by its status index; arrivals
 * and departures: in the tables of the last 400 days, since bookings start at most a year
 * ahead). */
enum err store_day_stats(struct svc *s, int32_t day, struct order_day_stats *out);

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

/* ---- care logs ---- */
struct care_entry {
    int32_t day;
    const char *meals, *medication, *mood, *notes, *photos_json; /* borrowed; NULL = not given */
    int walks;                                                   /* -1 = not given */
};
/* Add an entry for order id by its provider (checked under the order's lock: the provider,
 * the stay's window and the date). ERR_NOT_FOUND when it is not the provider's order;
 * ERR_CONFLICT (*why) outside the window; ERR_INVALID (*why) for a date outside the stay.
 * The care_log.added event is written in the same transaction. *out is the entry as JSON. */
enum err store_care_add(struct svc *s, uint64_t id, uint64_t provider_id, const struct care_entry *in, json_t **out,
                        const char **why);
/* The entries of an order, by day then time, as a JSON array. */
enum err store_care_list(struct svc *s, uint64_t id, json_t **out);

/* Record that the hold or the grants reached their target ("released", "given", "none"). */
enum err store_set_hold(struct svc *s, uint64_t id, const char *from, const char *to);
enum err store_set_grants(struct svc *s, uint64_t id, const char *from, const char *to);

#endif
