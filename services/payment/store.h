/* Storage of the payment service: payments, refunds, the ledger, the gateway's verified
 * callbacks (gateway_event), the sandbox gateway's pending callbacks, Idempotency-Keys and
 * the outbox. Every change of money writes its effect, its ledger row, the callback's
 * transaction id and the event announcing it in one transaction. */
#ifndef PAYMENT_STORE_H
#define PAYMENT_STORE_H

#include "rules.h"
#include "svc.h"

struct pay_app {
    unsigned char *secret;        /* the webhook secret (PB_WEBHOOK_SECRET_FILE), owned */
    size_t secret_len;
    char webhook_url[320];        /* PB_PUBLIC_URL + /api/v1/payments/webhook */
    long delay_min_ms, delay_max_ms; /* the sandbox gateway answers after this long */
    long retry_base_ms, retry_max_ms;
    long give_up_s;               /* a callback still failing after this long is abandoned */
    long lease_ms;                /* a claimed callback is not taken by another replica for this long */
    long http_timeout_ms;
};

struct pay_app *pay_app(struct svc *s);

/* ---- reads ---- */
/* ERR_NOT_FOUND for an unknown id. */
enum err store_get(struct svc *s, uint64_t id, struct payment *out);

/* ---- creation (POST /payments) ---- */
enum idem_state { IDEM_NEW, IDEM_REPLAY, IDEM_MISMATCH };

struct create_req {
    uint64_t owner_id, order_id;
    int64_t amount_fen;  /* the order's total, from the order service */
    const char *key;     /* Idempotency-Key or NULL */
    char hash[65];       /* SHA-256 of the request (hex) */
};

struct create_out {
    enum idem_state idem;
    int status;          /* 201 new, 200 the pending payment of the order, or the replayed status */
    struct payment p;    /* unless replayed */
    char *body;          /* owned: the answer (or the replayed one) */
};

/* Look up a key outside any transaction (a replay needs no call to the order service). */
enum err store_idem_get(struct svc *s, const struct create_req *in, struct create_out *out);
/* In one transaction: the key again (under lock), the order's live payment (pending: it is
 * the answer, 200; captured: ERR_CONFLICT), else a new pending payment (201); the answer is
 * stored for the key. */
enum err store_create(struct svc *s, const struct create_req *in, struct create_out *out);

/* ---- the sandbox gateway ---- */
/* The owner's decision in the sandbox: record the gateway transaction and its signed-later
 * callback, due after the configured delay. ERR_NOT_FOUND: not this owner's payment;
 * ERR_CONFLICT: already decided (*why says how). */
enum err store_sandbox_decide(struct svc *s, uint64_t payment_id, uint64_t owner_id, bool succeed, char *txn,
                              size_t txn_cap, struct payment *out, const char **why);

struct callback {
    uint64_t id;
    char transaction_id[65];
    char request_id[65];
    char *body;          /* owned */
    int attempts;        /* including this one */
    int64_t created_ms;
};
/* Take up to max due callbacks (rows other replicas hold are skipped) and lease them for
 * lease_ms: nobody else takes them meanwhile; a replica that dies leaves them to the next
 * one after the lease. */
enum err store_callbacks_claim(struct svc *s, int64_t now, long lease_ms, struct callback *out, size_t max,
                               size_t *n);
void store_callbacks_free(struct callback *cb, size_t n);
/* The webhook answered 2xx. */
enum err store_callback_delivered(struct svc *s, uint64_t id, int64_t now, long status);
/* Another attempt at next_ms (or abandon it), remembering what happened. */
enum err store_callback_retry(struct svc *s, uint64_t id, int64_t next_ms, long status, const char *error,
                              bool abandon);
/* The earliest next_attempt_ms of pending callbacks, or 0 when none. */
enum err store_callbacks_next_due(struct svc *s, int64_t *out);
/* Gauge: callbacks not yet delivered (-1 when the database does not answer). */
double store_callbacks_pending(void *svc);

/* ---- the webhook ---- */
struct webhook {
    enum gw_type type;
    const char *transaction_id;
    uint64_t payment_id, refund_id; /* refund_id 0 unless refund.succeeded */
    int64_t amount_fen, occurred_ms;
    const char *reason;             /* payment.failed, may be NULL */
};
enum webhook_result { WH_APPLIED, WH_DUPLICATE, WH_IGNORED };
/* Apply a verified callback in one transaction: gateway_event (its transaction id is the
 * key: a repeat is WH_DUPLICATE and changes nothing), the payment's or refund's status, the
 * ledger row and the outbox event. A callback that does not fit the current state (a second
 * outcome, another amount) is recorded as WH_IGNORED with *note and logged for
 * reconciliation. ERR_NOT_FOUND when the payment or refund does not exist. */
enum err store_webhook(struct svc *s, const struct webhook *w, enum webhook_result *res, const char **note);

/* ---- refunds (consumer of order.refund_requested) ---- */
struct refund_req {
    uint64_t event_id, order_id, owner_id, payment_id;
    int64_t amount_fen;
    const char *reason;
    const char *request_id;
};
/* Inside the consumer's transaction c: the refund row (unique by event id; clamped to what
 * is left; not_needed when no money can move) and, when money moves, the sandbox callback
 * that will settle it. *queued says whether a callback was added. */
enum err store_refund_request_tx(struct svc *s, struct db_conn *c, const struct refund_req *rq, bool *queued);

/* ---- figures of a day (the admin dashboard) ---- */
struct pay_day_stats {
    int64_t captured_fen; /* charges recorded in the ledger that day */
    int64_t refunded_fen; /* refunds recorded in the ledger that day (a positive amount) */
    int64_t charges;      /* payments that succeeded that day (ledger charge rows) */
};
/* The money the ledger recorded on day (a platform day, UTC+8 by default, lib/dates.h). */
enum err store_day_stats(struct svc *s, int32_t day, struct pay_day_stats *out);

/* ---- housekeeping ---- */
/* Forget Idempotency-Keys older than before_ms. */
enum err store_idem_purge(struct svc *s, int64_t before_ms);

#endif
