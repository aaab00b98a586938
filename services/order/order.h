/* Pure rules of the order service: the stay's state machine (who may move an order from
 * which status to which), the server-side price, the refund policy, booking date rules, the
 * monthly table an id belongs to, and the provider's day-by-day schedule. No I/O:
 * unit-tested in tests/unit/test_order_order.c. */
#ifndef ORDER_ORDER_H
#define ORDER_ORDER_H

#include "errors.h"
#include "orderstatus.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The statuses are lib/orderstatus.h's: CREATING and FAILED are internal, such orders are
 * never shown to users. The name of each status, indexed by it (OS_CREATING..OS_FAILED). */
extern const char *const ORDER_STATUS_NAMES[]; /* NULL-terminated */
/* The status of a name, -1 for an unknown one. */
int order_status_parse(const char *s);
/* Whether the status holds capacity and pet nights (a "live" stay). */
bool order_status_live(enum order_status s);
/* Whether users may see the order at all. */
bool order_status_visible(enum order_status s);

enum order_action {
    OA_RESERVED,       /* system: creating -> pending_payment (capacity held) */
    OA_CREATE_FAILED,  /* system: creating -> failed */
    OA_PAY,            /* system (payment): pending_payment -> paid */
    OA_ACCEPT,         /* provider: paid -> confirmed */
    OA_REJECT,         /* provider: paid -> rejected */
    OA_CHECK_IN,       /* provider: confirmed -> in_care, on or after the start date */
    OA_CHECK_OUT,      /* provider: in_care -> completed */
    OA_CANCEL,         /* owner: pending_payment, paid, confirmed; provider: before accepting */
    OA_EXPIRE,         /* system: pending_payment past pay_before -> expired */
    OA_ACCEPT_TIMEOUT, /* system: paid past accept_before -> rejected */
    OA__COUNT
};
extern const char *const ORDER_ACTION_NAMES[];

enum actor { ACTOR_SYSTEM = 0, ACTOR_OWNER, ACTOR_PROVIDER, ACTOR_ADMIN };
extern const char *const ACTOR_NAMES[];

/* The status after action by who from `from`. ERR_FORBIDDEN when that actor may never do
 * it, ERR_CONFLICT when the order's status does not allow it (an illegal transition). */
enum err order_next(enum order_status from, enum order_action a, enum actor who, enum order_status *to);
/* Whether leaving `from` for `to` gives the capacity back. */
bool order_releases(enum order_status from, enum order_status to);

/* Booking dates: start today or later, end after start, at most max_nights. NULL when
 * valid; otherwise *field names the field and the result is the reason. */
const char *order_dates_problem(int32_t start, int32_t end, int32_t today, int max_nights, const char **field);

/* total = price per night x nights x pets; false on overflow or nonsense input. */
bool order_price(int64_t price_per_night_fen, int nights, int pets, int64_t *total_fen);

struct order;

/* The refund policy is data: rows of (min_hours_before_check_in, percent), checked in order
 * of decreasing hours; the first row with hours_before >= min applies. */
struct refund_rule {
    int min_hours;
    int percent;
};

/* Check-in time: 14:00 in the platform's time zone (06:00 UTC for China) on the start date. */
int64_t order_check_in_ms(int32_t start_date);

/* What an owner's cancellation refunds: paid_fen x the percent of the first matching rule
 * (none once the stay has started, i.e. status in_care). Providers' cancellations, rejections
 * and acceptance timeouts always refund everything paid. */
int64_t order_refund(enum actor who, enum order_status from, int64_t paid_fen, int32_t start_date, int64_t now_ms,
                     const struct refund_rule *rules, size_t nrules);

/* Which part of the policy decided a refund (see order_refund_explain). */
enum refund_basis {
    RB_POLICY,       /* a policy row applied: min_hours and percent are that row's */
    RB_NO_RULE,      /* no row covers hours_before: nothing back */
    RB_STAY_STARTED, /* in care or completed: nothing back */
    RB_NOT_OWNER,    /* the provider's or the platform's decision: everything back */
};
extern const char *const REFUND_BASIS_NAMES[]; /* NULL-terminated, by enum refund_basis */

struct refund_explain {
    enum refund_basis basis;
    int percent;          /* of paid_fen: 0..100 */
    int min_hours;        /* the applied row's min_hours (RB_POLICY only) */
    int64_t hours_before; /* whole hours from now to check-in, as the rows are compared */
};

/* order_refund, also saying why (*why, if not NULL, is written in every case). order_refund
 * is this function: a quote and the cancellation share every branch. */
int64_t order_refund_explain(enum actor who, enum order_status from, int64_t paid_fen, int32_t start_date,
                             int64_t now_ms, const struct refund_rule *rules, size_t nrules,
                             struct refund_explain *why);

/* Whether the owner may cancel an order in this status now (the transition table). */
bool order_owner_may_cancel(enum order_status st);

/* What an owner's cancellation of o would refund at now_ms, as the API's refund quote (a new
 * reference): {order_id, status, cancellable, paid_fen, refund_fen, percent, rule}. rule is
 * {"basis": "policy"|"no_rule"|"stay_started"|"not_cancellable", "min_hours_before": int|null,
 * "percent": int, "hours_before": int|null}. A status the owner cannot cancel from is
 * cancellable false with refund 0, percent 0 and basis "not_cancellable". */
json_t *order_refund_quote_json(const struct order *o, int64_t now_ms, const struct refund_rule *rules,
                                size_t nrules);

/* The monthly table of an order id: "orders_YYYYMM" from the id's creation time. */
void order_month_table(uint64_t id, const char *prefix, char *buf, size_t cap);
/* Whether an id could belong to this platform (its time is after the epoch and not in the
 * future by more than a day): junk ids are 404 without touching the database. */
bool order_id_plausible(uint64_t id, int64_t now_ms);

#define ORDER_MAX_PETS 4

/* One order as stored (a row of orders_YYYYMM). */
struct order {
    uint64_t id, listing_id, owner_id, provider_id;
    char listing_title[60 * 4 + 1];
    uint64_t pet_ids[ORDER_MAX_PETS];
    int pets;
    int32_t start, end;
    int nights;
    int64_t price_fen, total_fen;
    enum order_status status;
    char hold[12], grants[8];
    char note[500 * 4 + 1];
    int64_t pay_before_ms, accept_before_ms; /* accept_before 0 until paid */
    uint64_t payment_id;
    int64_t paid_fen, refund_fen, refunded_fen;
    int64_t created_ms, updated_ms;
};

/* The API shape {id, listing_id, listing_title, owner_id, provider_id, pet_ids, start_date,
 * end_date, nights, price_per_night_fen, total_fen, currency, status, pay_before,
 * accept_before, paid_fen, refund_fen, refunded_fen, note, created_at, updated_at}; history
 * (taken, may be NULL) is attached as "history". */
json_t *order_json(const struct order *o, json_t *history);
/* The JSON array of pet ids of an order. */
json_t *order_pet_ids_json(const struct order *o);
/* A price quote for a booking that was validated like one (o as flow_create fills it before
 * reserving: listing_id, pets, start, end, nights, price_fen, total_fen) (a new reference):
 * {listing_id, start_date, end_date, nights, pets, price_per_night_fen, total_fen, currency}
 * with pets the number of pets. */
json_t *order_quote_json(const struct order *o);

#define ORDER_CARE_PHOTOS_MAX 9 /* media ids per care-log entry (purpose care_log, the provider's) */

/* Whether care log entries may be written now for a stay: while the pet is in care, and
 * until the end of the day after the stay ends. NULL when yes, else why not. */
const char *order_care_window_problem(enum order_status st, int32_t end, int32_t today);
/* Whether an entry's date belongs to the stay and is not in the future. */
const char *order_care_date_problem(int32_t start, int32_t end, int32_t day, int32_t today);

/* One stay in a provider's schedule. */
struct stay {
    uint64_t order_id;
    int32_t start, end;
    int pets;
    enum order_status status;
};

/* The schedule from..to inclusive as a JSON array of {date, arrivals: [order ids],
 * departures: [order ids], in_care: {orders, pets}} (a new reference). A stay is in care on
 * each night start..end-1; it arrives on start and departs on end. */
json_t *order_schedule(const struct stay *stays, size_t n, int32_t from, int32_t to);

#endif
