/* Pure rules of the payment service: payment statuses, the status a payment's ledger
 * implies, how much of a refund request can be paid back, the sandbox gateway's retry
 * schedule, and the payment's API shape. No I/O: unit-tested in tests/unit/test_payment_rules.c. */
#ifndef PAYMENT_RULES_H
#define PAYMENT_RULES_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum pay_status { PS_PENDING = 0, PS_SUCCEEDED, PS_FAILED, PS_REFUNDED, PS_PARTIALLY_REFUNDED, PS__COUNT };
extern const char *const PAY_STATUS_NAMES[]; /* NULL-terminated, in enum order */
/* The status named s, or -1. */
int pay_status_parse(const char *s);
/* Whether money was captured: succeeded, partially_refunded or refunded. */
bool pay_status_captured(enum pay_status s);

/* One row of the ledger: a charge (+amount) or a refund (-amount), in fen. */
enum ledger_kind { LEDGER_CHARGE = 0, LEDGER_REFUND };
struct ledger_row {
    enum ledger_kind kind;
    int64_t amount_fen; /* signed as stored: > 0 for a charge, < 0 for a refund */
};

struct ledger_totals {
    int charges;       /* charge rows */
    int64_t charged;   /* sum of charges */
    int64_t refunded;  /* sum of refunds, as a positive number */
    int64_t net;       /* sum of all rows = charged - refunded */
};

/* The status a payment has after these ledger rows, starting from `before` (its status
 * when no money moved: pending or failed). Captured money: succeeded with nothing refunded,
 * refunded when the net reaches 0, partially_refunded in between. *out (may be NULL)
 * receives the sums. */
enum pay_status ledger_status(enum pay_status before, const struct ledger_row *rows, size_t n,
                              struct ledger_totals *out);

/* The status of a captured payment of amount_fen of which refunded_fen went back. */
enum pay_status pay_status_refunded(int64_t amount_fen, int64_t refunded_fen);

/* What a refund request turns into. */
struct refund_plan {
    bool needed;        /* false: record it, move no money, announce nothing */
    bool clamped;       /* amount < requested */
    int64_t amount_fen; /* what will be refunded (0 when not needed) */
    const char *note;   /* why it was clamped or is not needed (static), or NULL */
};

/* Plan a refund of requested_fen against a payment in status st for amount_fen, of which
 * refunded_fen has been refunded and pending_fen is already on its way back: never more
 * than what is left (clamped), nothing for a payment that captured no money. */
struct refund_plan refund_plan(enum pay_status st, int64_t amount_fen, int64_t refunded_fen, int64_t pending_fen,
                               int64_t requested_fen);

/* Delay before the next delivery attempt after `attempts` failed ones (1, 2, ...):
 * base_ms doubled per attempt, at most max_ms, plus up to a quarter more of jitter from rnd
 * (so retries of many callbacks spread out). */
long retry_delay_ms(int attempts, long base_ms, long max_ms, unsigned rnd);

/* A payment as stored. */
struct payment {
    uint64_t id, order_id, owner_id;
    int64_t amount_fen, refunded_fen;
    enum pay_status status;
    char failure_reason[100 * 4 + 1]; /* at most 100 characters of UTF-8 */
    int64_t created_ms, updated_ms;
};

/* The API shape {payment_id, order_id, amount_fen, currency, status, pay_url, refunded_fen,
 * created_at, updated_at} (+ failure_reason when failed); a new reference. */
json_t *payment_json(const struct payment *p);

/* The types of gateway callbacks (the webhook's `type`). */
enum gw_type { GW_PAYMENT_SUCCEEDED = 0, GW_PAYMENT_FAILED, GW_REFUND_SUCCEEDED, GW__COUNT };
extern const char *const GW_TYPE_NAMES[]; /* NULL-terminated */

#endif
