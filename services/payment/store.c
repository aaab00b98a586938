/* Payment storage: payments, refunds, ledger, gateway callbacks, sandbox deliveries, keys. */
#include "store.h"
#include "dates.h"
#include "events.h"
#include "ids.h"
#include "log.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct pay_app *pay_app(struct svc *s) { return s->app; }

/* ---------- SQL ---------- */

#define PAY_COLS "id, order_id, owner_id, amount_fen, status, refunded_fen, failure_reason, created_ms, updated_ms"

static const char SQL_GET[] = "SELECT " PAY_COLS " FROM payment WHERE id = ?";
static const char SQL_GET_LOCK[] = "SELECT " PAY_COLS " FROM payment WHERE id = ? FOR UPDATE";
static const char SQL_LIVE_LOCK[] = "SELECT " PAY_COLS " FROM payment WHERE live_order_id = ? FOR UPDATE";
static const char SQL_INSERT[] =
    "INSERT INTO payment (id, order_id, owner_id, amount_fen, currency, status, refunded_fen, live_order_id, "
    "created_ms, updated_ms) VALUES (?, ?, ?, ?, 'CNY', 'pending', 0, ?, ?, ?)";
static const char SQL_SUCCEEDED[] =
    "UPDATE payment SET status = 'succeeded', decided_ms = ?, updated_ms = ? WHERE id = ? AND status = 'pending'";
static const char SQL_FAILED[] =
    "UPDATE payment SET status = 'failed', live_order_id = NULL, failure_reason = ?, decided_ms = ?, updated_ms = ? "
    "WHERE id = ? AND status = 'pending'";
static const char SQL_REFUNDED[] = "UPDATE payment SET status = ?, refunded_fen = ?, updated_ms = ? WHERE id = ?";

static const char SQL_IDEM_GET[] =
    "SELECT request_hash, status_code, response FROM idempotency WHERE user_id = ? AND idem_key = ?";
static const char SQL_IDEM_GET_LOCK[] =
    "SELECT request_hash, status_code, response FROM idempotency WHERE user_id = ? AND idem_key = ? FOR UPDATE";
static const char SQL_IDEM_PUT[] =
    "INSERT INTO idempotency (user_id, idem_key, request_hash, payment_id, status_code, response, created_ms) "
    "VALUES (?, ?, ?, ?, ?, ?, ?)";
static const char SQL_IDEM_PURGE[] = "DELETE FROM idempotency WHERE created_ms < ? LIMIT 1000";

static const char SQL_CB_ADD[] =
    "INSERT INTO sandbox_callback (id, transaction_id, decides, payment_id, refund_id, type, body, request_id, "
    "next_attempt_ms, created_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
static const char SQL_CB_TAKE[] =
    "SELECT id, transaction_id, request_id, body, attempts, created_ms FROM sandbox_callback "
    "WHERE state = 'pending' AND next_attempt_ms <= ? ORDER BY next_attempt_ms LIMIT ? FOR UPDATE SKIP LOCKED";
static const char SQL_CB_LEASE[] =
    "UPDATE sandbox_callback SET next_attempt_ms = ?, attempts = attempts + 1 WHERE id = ?";
static const char SQL_CB_DELIVERED[] =
    "UPDATE sandbox_callback SET state = 'delivered', delivered_ms = ?, last_status = ?, last_error = NULL "
    "WHERE id = ? AND state = 'pending'";
static const char SQL_CB_RETRY[] =
    "UPDATE sandbox_callback SET state = ?, next_attempt_ms = ?, last_status = ?, last_error = ? "
    "WHERE id = ? AND state = 'pending'";
static const char SQL_CB_NEXT[] = "SELECT MIN(next_attempt_ms) FROM sandbox_callback WHERE state = 'pending'";
static const char SQL_CB_PENDING[] = "SELECT COUNT(*) FROM sandbox_callback WHERE state = 'pending'";

static const char SQL_GW_ADD[] =
    "INSERT INTO gateway_event (transaction_id, type, payment_id, refund_id, amount_fen, occurred_ms, received_ms, "
    "outcome) VALUES (?, ?, ?, ?, ?, ?, ?, 'applied')";
static const char SQL_GW_IGNORED[] =
    "UPDATE gateway_event SET outcome = 'ignored', note = ? WHERE transaction_id = ?";
static const char SQL_LEDGER_ADD[] =
    "INSERT INTO ledger (id, payment_id, order_id, refund_id, kind, amount_fen, transaction_id, created_ms) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)";

static const char SQL_REFUND_GET_LOCK[] =
    "SELECT payment_id, amount_fen, status FROM refund WHERE id = ? FOR UPDATE";
static const char SQL_REFUND_PENDING[] =
    "SELECT COALESCE(SUM(amount_fen), 0) FROM refund WHERE payment_id = ? AND status = 'pending' FOR UPDATE";
static const char SQL_REFUND_ADD[] =
    "INSERT INTO refund (id, payment_id, order_id, owner_id, event_id, requested_fen, amount_fen, status, reason, "
    "note, created_ms, updated_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
static const char SQL_REFUND_DONE[] =
    "UPDATE refund SET status = 'succeeded', updated_ms = ? WHERE id = ? AND status = 'pending'";

/* ---------- rows ---------- */

static void row_to_payment(const struct db_rows *r, size_t i, struct payment *p)
{
    memset(p, 0, sizeof *p);
    p->id = db_rows_u64(r, i, 0);
    p->order_id = db_rows_u64(r, i, 1);
    p->owner_id = db_rows_u64(r, i, 2);
    p->amount_fen = db_rows_i64(r, i, 3);
    int st = pay_status_parse(db_rows_str(r, i, 4));
    p->status = st < 0 ? PS_FAILED : (enum pay_status)st;
    p->refunded_fen = db_rows_i64(r, i, 5);
    snprintf(p->failure_reason, sizeof p->failure_reason, "%s", db_rows_str(r, i, 6) ? db_rows_str(r, i, 6) : "");
    p->created_ms = db_rows_i64(r, i, 7);
    p->updated_ms = db_rows_i64(r, i, 8);
}

/* The row reader of db_get_one. */
static void fill_payment(const struct db_rows *r, size_t i, void *p) { row_to_payment(r, i, p); }

/* One payment by a query with one id parameter; ERR_NOT_FOUND when there is none. */
static enum err get_on(struct db_conn *c, const char *sql, uint64_t id, struct payment *out)
{
    return db_get_one(c, fill_payment, out, sql, "u", id);
}

enum err store_get(struct svc *s, uint64_t id, struct payment *out)
{
    return db_get_one1(s->db, fill_payment, out, SQL_GET, "u", id);
}

static char *payment_body(const struct payment *p)
{
    return http_json_text(payment_json(p), NULL);
}

/* ---------- creation ---------- */

/* Read a key's row (r from SQL_IDEM_GET*) into out: replay or mismatch. */
static enum err idem_from_row(const struct db_rows *r, const struct create_req *in, struct create_out *out)
{
    if (strcmp(db_rows_str(r, 0, 0), in->hash) != 0) {
        out->idem = IDEM_MISMATCH;
        return ERR_OK;
    }
    out->idem = IDEM_REPLAY;
    out->status = (int)db_rows_i64(r, 0, 1);
    out->body = strdup(db_rows_str(r, 0, 2) ? db_rows_str(r, 0, 2) : "");
    return out->body ? ERR_OK : ERR_NO_MEMORY;
}

enum err store_idem_get(struct svc *s, const struct create_req *in, struct create_out *out)
{
    struct db_rows *r = NULL;
    out->idem = IDEM_NEW;
    out->body = NULL;
    if (!in->key)
        return ERR_OK;
    enum err e = db_query1(s->db, &r, SQL_IDEM_GET, "us", in->owner_id, in->key);
    if (e == ERR_OK && db_rows_count(r))
        e = idem_from_row(r, in, out);
    db_rows_free(r);
    return e;
}

struct create_ctx {
    const struct create_req *in;
    struct create_out *out;
};

static enum err create_tx(struct db_conn *c, void *arg)
{
    struct create_ctx *x = arg;
    const struct create_req *in = x->in;
    struct create_out *out = x->out;
    struct db_rows *r = NULL;
    enum err e = ERR_OK;
    free(out->body); /* a retried transaction starts over */
    out->body = NULL;
    out->idem = IDEM_NEW;
    if (in->key) {
        e = db_query(c, &r, SQL_IDEM_GET_LOCK, "us", in->owner_id, in->key);
        if (e == ERR_OK && db_rows_count(r))
            e = idem_from_row(r, in, out);
        db_rows_free(r);
        if (e != ERR_OK || out->idem != IDEM_NEW)
            return e;
    }
    e = get_on(c, SQL_LIVE_LOCK, in->order_id, &out->p);
    if (e == ERR_OK) {
        if (out->p.status != PS_PENDING)
            return ERR_CONFLICT; /* captured: at most one payment per order takes money */
        out->status = 200;
    } else if (e == ERR_NOT_FOUND) {
        int64_t now = time_now_ms();
        out->p = (struct payment){.id = ids_next(), .order_id = in->order_id, .owner_id = in->owner_id,
                                  .amount_fen = in->amount_fen, .status = PS_PENDING, .created_ms = now,
                                  .updated_ms = now};
        e = db_exec(c, NULL, SQL_INSERT, "uuuiuii", out->p.id, in->order_id, in->owner_id, in->amount_fen,
                    in->order_id, now, now);
        if (e == ERR_CONFLICT)
            return ERR_RETRY; /* a concurrent request made the order's payment: run again and find it */
        out->status = 201;
    }
    if (e != ERR_OK)
        return e;
    if (!(out->body = payment_body(&out->p)))
        return ERR_NO_MEMORY;
    if (in->key) {
        e = db_exec(c, NULL, SQL_IDEM_PUT, "ussuisi", in->owner_id, in->key, in->hash, out->p.id,
                    (int64_t)out->status, out->body, time_now_ms());
        if (e == ERR_CONFLICT)
            return ERR_RETRY; /* the same key at the same moment: run again and replay it */
    }
    return e;
}

enum err store_create(struct svc *s, const struct create_req *in, struct create_out *out)
{
    struct create_ctx x = {in, out};
    out->body = NULL;
    enum err e = db_tx(s->db, create_tx, &x);
    if (e != ERR_OK) {
        free(out->body);
        out->body = NULL;
    }
    return e;
}

enum err store_idem_purge(struct svc *s, int64_t before_ms)
{
    return db_exec1(s->db, NULL, SQL_IDEM_PURGE, "i", before_ms);
}

/* ---------- the sandbox gateway ---------- */

/* When a new callback is first due: after the configured delay, with some spread. */
static int64_t first_due(struct svc *s, int64_t now)
{
    struct pay_app *a = pay_app(s);
    long span = a->delay_max_ms - a->delay_min_ms;
    return now + a->delay_min_ms + (span > 0 ? (long)randombytes_uniform((uint32_t)span + 1) : 0);
}

/* Queue a gateway transaction's callback inside c: body built here, signed when sent. */
static enum err callback_add(struct svc *s, struct db_conn *c, enum gw_type type, uint64_t decides,
                             const struct payment *p, uint64_t refund_id, int64_t amount, const char *reason,
                             const char *request_id, char *txn, size_t txn_cap)
{
    int64_t now = time_now_ms();
    uint64_t id = ids_next();
    char pid[IDS_STR_LEN], rid[IDS_STR_LEN], at[TIME_STR_LEN], tx[40], req[65];
    /* the request id travels on as X-Request-Id: keep it only if it looks like one (an event
     * may carry anything; the gateway's own ids always pass) */
    size_t rl = request_id ? strspn(request_id, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") : 0;
    snprintf(req, sizeof req, "%s", rl && rl <= 64 && !request_id[rl] ? request_id : "");
    snprintf(tx, sizeof tx, "sbx_%s", ids_format(id, pid));
    json_t *b = json_pack("{s:s,s:s,s:s,s:I,s:s}", "type", GW_TYPE_NAMES[type], "transaction_id", tx, "payment_id",
                          ids_format(p->id, pid), "amount_fen", (json_int_t)amount, "occurred_at",
                          time_format_ms(now, at));
    if (b && refund_id)
        json_object_set_new(b, "refund_id", json_string(ids_format(refund_id, rid)));
    if (b && reason)
        json_object_set_new(b, "reason", json_string(reason));
    char *body = b ? json_dumps(b, JSON_COMPACT) : NULL;
    json_decref(b);
    if (!body)
        return ERR_NO_MEMORY;
    struct db_param prm[] = {
        {.type = 'u', .v.u = id},        {.type = 's', .v.s = tx},
        {.type = 'u', .v.u = decides},   {.type = 'u', .v.u = p->id},
        {.type = 'n'},                   {.type = 's', .v.s = GW_TYPE_NAMES[type]},
        {.type = 's', .v.s = body},      {.type = 's', .v.s = req},
        {.type = 'i', .v.i = first_due(s, now)}, {.type = 'i', .v.i = now},
    };
    if (refund_id)
        prm[4] = (struct db_param){.type = 'u', .v.u = refund_id};
    enum err e = db_execv(c, NULL, NULL, SQL_CB_ADD, prm, sizeof prm / sizeof *prm);
    free(body);
    if (e == ERR_OK && txn)
        snprintf(txn, txn_cap, "%s", tx);
    return e;
}

struct decide_ctx {
    struct svc *s;
    uint64_t payment_id, owner_id;
    bool succeed;
    char *txn;
    size_t txn_cap;
    struct payment *p;
    const char *why;
};

static enum err decide_tx(struct db_conn *c, void *arg)
{
    struct decide_ctx *x = arg;
    x->why = NULL;
    enum err e = get_on(c, SQL_GET_LOCK, x->payment_id, x->p);
    if (e == ERR_OK && x->p->owner_id != x->owner_id)
        e = ERR_NOT_FOUND; /* another owner's payment does not exist for this caller */
    if (e != ERR_OK)
        return e;
    if (x->p->status != PS_PENDING) {
        x->why = "the payment has already been decided";
        return ERR_CONFLICT;
    }
    e = callback_add(x->s, c, x->succeed ? GW_PAYMENT_SUCCEEDED : GW_PAYMENT_FAILED, x->p->id, x->p, 0,
                     x->p->amount_fen, x->succeed ? NULL : "declined in the sandbox", log_request_id(), x->txn,
                     x->txn_cap);
    if (e == ERR_CONFLICT) /* one decision per payment: its callback is on its way */
        x->why = "the gateway has already decided this payment; its callback is on its way";
    return e;
}

enum err store_sandbox_decide(struct svc *s, uint64_t payment_id, uint64_t owner_id, bool succeed, char *txn,
                              size_t txn_cap, struct payment *out, const char **why)
{
    struct decide_ctx x = {s, payment_id, owner_id, succeed, txn, txn_cap, out, NULL};
    enum err e = db_tx(s->db, decide_tx, &x);
    *why = x.why;
    return e;
}

struct claim_ctx {
    int64_t now;
    long lease_ms;
    struct callback *out;
    size_t max, n;
};

static enum err claim_tx(struct db_conn *c, void *arg)
{
    struct claim_ctx *x = arg;
    struct db_rows *r = NULL;
    store_callbacks_free(x->out, x->n); /* a retried transaction starts over */
    x->n = 0;
    enum err e = db_query(c, &r, SQL_CB_TAKE, "ii", x->now, (int64_t)x->max);
    for (size_t i = 0; e == ERR_OK && i < db_rows_count(r) && x->n < x->max; i++) {
        struct callback *cb = &x->out[x->n];
        memset(cb, 0, sizeof *cb);
        cb->id = db_rows_u64(r, i, 0);
        snprintf(cb->transaction_id, sizeof cb->transaction_id, "%s", db_rows_str(r, i, 1));
        snprintf(cb->request_id, sizeof cb->request_id, "%s", db_rows_str(r, i, 2) ? db_rows_str(r, i, 2) : "");
        cb->attempts = (int)db_rows_i64(r, i, 4) + 1;
        cb->created_ms = db_rows_i64(r, i, 5);
        if (!(cb->body = strdup(db_rows_str(r, i, 3) ? db_rows_str(r, i, 3) : ""))) {
            e = ERR_NO_MEMORY;
            break;
        }
        x->n++;
        e = db_exec(c, NULL, SQL_CB_LEASE, "iu", x->now + x->lease_ms, cb->id);
    }
    db_rows_free(r);
    return e;
}

enum err store_callbacks_claim(struct svc *s, int64_t now, long lease_ms, struct callback *out, size_t max,
                               size_t *n)
{
    struct claim_ctx x = {now, lease_ms, out, max, 0};
    enum err e = db_tx(s->db, claim_tx, &x);
    if (e != ERR_OK) {
        store_callbacks_free(out, x.n);
        x.n = 0;
    }
    *n = x.n;
    return e;
}

void store_callbacks_free(struct callback *cb, size_t n)
{
    for (size_t i = 0; cb && i < n; i++) {
        free(cb[i].body);
        cb[i].body = NULL;
    }
}

enum err store_callback_delivered(struct svc *s, uint64_t id, int64_t now, long status)
{
    return db_exec1(s->db, NULL, SQL_CB_DELIVERED, "iiu", now, (int64_t)status, id);
}

enum err store_callback_retry(struct svc *s, uint64_t id, int64_t next_ms, long status, const char *error,
                              bool abandon)
{
    struct db_param p[] = {
        {.type = 's', .v.s = abandon ? "abandoned" : "pending"},
        {.type = 'i', .v.i = next_ms},
        {.type = 'n'},
        {.type = 's', .v.s = error},
        {.type = 'u', .v.u = id},
    };
    if (status > 0)
        p[2] = (struct db_param){.type = 'i', .v.i = status};
    struct db_conn *c = db_acquire(s->db);
    if (!c)
        return ERR_UNAVAILABLE;
    enum err e = db_execv(c, NULL, NULL, SQL_CB_RETRY, p, sizeof p / sizeof *p);
    db_release(c);
    return e;
}

enum err store_callbacks_next_due(struct svc *s, int64_t *out)
{
    struct db_rows *r = NULL;
    enum err e = db_query1(s->db, &r, SQL_CB_NEXT, "");
    if (e == ERR_OK)
        *out = db_rows_count(r) && !db_rows_null(r, 0, 0) ? db_rows_i64(r, 0, 0) : 0;
    db_rows_free(r);
    return e;
}

/* Ledger ids are snowflakes made when the row is written: the id bound (a day early, to be
 * generous with clocks) lets the primary key narrow the scan; created_ms decides. */
static const char SQL_DAY_LEDGER[] =
    "SELECT SUM(CASE WHEN kind = 'charge' THEN amount_fen ELSE 0 END), "
    "SUM(CASE WHEN kind = 'refund' THEN -amount_fen ELSE 0 END), SUM(kind = 'charge') "
    "FROM ledger WHERE id >= ? AND created_ms >= ? AND created_ms < ?";

enum err store_day_stats(struct svc *s, int32_t day, struct pay_day_stats *out)
{
    int64_t from = date_start_ms(day), to = from + 86400000; /* the platform's day, in UTC ms */
    struct db_rows *r = NULL;
    enum err e = db_query1(s->db, &r, SQL_DAY_LEDGER, "uii", ids_compose(from - 86400000, 0, 0), from, to);
    if (e == ERR_OK)
        *out = (struct pay_day_stats){db_rows_i64(r, 0, 0), db_rows_i64(r, 0, 1), db_rows_i64(r, 0, 2)};
    db_rows_free(r);
    return e;
}

double store_callbacks_pending(void *svc)
{
    struct svc *s = svc;
    struct db_rows *r = NULL;
    double v = -1;
    if (db_query1(s->db, &r, SQL_CB_PENDING, "") == ERR_OK && db_rows_count(r))
        v = (double)db_rows_i64(r, 0, 0);
    db_rows_free(r);
    return v;
}

/* ---------- events ---------- */

/* Add an event (data taken) to the outbox inside c. */
static enum err add_event(struct db_conn *c, const char *type, json_t *data)
{
    if (!data)
        return ERR_NO_MEMORY;
    enum err e = events_outbox_add(c, "payment", type, 1, data, NULL);
    json_decref(data);
    return e;
}

/* {payment_id, order_id, owner_id, amount_fen} of a payment (a new reference). */
static json_t *payment_event_data(const struct payment *p, int64_t amount)
{
    char id[IDS_STR_LEN], oid[IDS_STR_LEN], own[IDS_STR_LEN];
    return json_pack("{s:s,s:s,s:s,s:I}", "payment_id", ids_format(p->id, id), "order_id", ids_format(p->order_id, oid),
                     "owner_id", ids_format(p->owner_id, own), "amount_fen", (json_int_t)amount);
}

/* ---------- the webhook ---------- */

struct webhook_ctx {
    const struct webhook *w;
    enum webhook_result res;
    const char *note;
};

/* The callback is genuine but does not fit the current state: keep it (so a repeat is a
 * duplicate) and change nothing else. */
static enum err ignore(struct db_conn *c, struct webhook_ctx *x, const char *note)
{
    x->res = WH_IGNORED;
    x->note = note;
    return db_exec(c, NULL, SQL_GW_IGNORED, "ss", note, x->w->transaction_id);
}

static enum err apply_charge(struct db_conn *c, struct webhook_ctx *x, const struct payment *p, int64_t now)
{
    const struct webhook *w = x->w;
    if (p->status != PS_PENDING)
        return ignore(c, x, p->status == PS_FAILED ? "a success for a payment recorded as failed: reconcile by hand"
                                                   : "the payment has already succeeded");
    if (w->amount_fen != p->amount_fen)
        return ignore(c, x, "the amount differs from the payment's: reconcile by hand");
    uint64_t changed = 0;
    enum err e = db_exec(c, &changed, SQL_SUCCEEDED, "iiu", now, now, p->id);
    if (e == ERR_OK && changed != 1)
        e = ERR_RETRY; /* cannot happen under the row lock; look again rather than guess */
    if (e == ERR_OK)
        e = db_exec(c, NULL, SQL_LEDGER_ADD, "uuunsisi", ids_next(), p->id, p->order_id, "charge", p->amount_fen,
                    w->transaction_id, now);
    if (e == ERR_OK)
        e = add_event(c, "payment.succeeded", payment_event_data(p, p->amount_fen));
    return e;
}

static enum err apply_failure(struct db_conn *c, struct webhook_ctx *x, const struct payment *p, int64_t now)
{
    const struct webhook *w = x->w;
    const char *reason = w->reason && *w->reason ? w->reason : "declined";
    if (p->status != PS_PENDING)
        return ignore(c, x, pay_status_captured(p->status) ? "a failure for a payment that succeeded: reconcile by hand"
                                                           : "the payment has already failed");
    char clipped[sizeof p->failure_reason];
    snprintf(clipped, sizeof clipped, "%s", reason); /* validated to at most 100 characters: it fits */
    enum err e = db_exec(c, NULL, SQL_FAILED, "siiu", clipped, now, now, p->id);
    if (e == ERR_OK) {
        json_t *d = payment_event_data(p, p->amount_fen);
        if (d)
            json_object_set_new(d, "reason", json_string(clipped));
        e = add_event(c, "payment.failed", d);
    }
    return e;
}

static enum err apply_refund(struct db_conn *c, struct webhook_ctx *x, const struct payment *p, int64_t now)
{
    const struct webhook *w = x->w;
    struct db_rows *r = NULL;
    enum err e = db_query(c, &r, SQL_REFUND_GET_LOCK, "u", w->refund_id);
    bool found = e == ERR_OK && db_rows_count(r) == 1 && db_rows_u64(r, 0, 0) == p->id;
    int64_t amount = found ? db_rows_i64(r, 0, 1) : 0;
    bool pending = found && strcmp(db_rows_str(r, 0, 2), "pending") == 0;
    db_rows_free(r);
    if (e != ERR_OK)
        return e;
    if (!found)
        return ERR_NOT_FOUND;
    if (!pending)
        return ignore(c, x, "the refund has already been settled");
    if (w->amount_fen != amount)
        return ignore(c, x, "the amount differs from the refund's: reconcile by hand");
    if (!pay_status_captured(p->status) || p->refunded_fen + amount > p->amount_fen)
        return ignore(c, x, "the refund exceeds what the payment captured: reconcile by hand");
    int64_t refunded = p->refunded_fen + amount;
    e = db_exec(c, NULL, SQL_REFUND_DONE, "iu", now, w->refund_id);
    if (e == ERR_OK)
        e = db_exec(c, NULL, SQL_REFUNDED, "siiu", PAY_STATUS_NAMES[pay_status_refunded(p->amount_fen, refunded)],
                    refunded, now, p->id);
    if (e == ERR_OK)
        e = db_exec(c, NULL, SQL_LEDGER_ADD, "uuuusisi", ids_next(), p->id, p->order_id, w->refund_id, "refund",
                    -amount, w->transaction_id, now);
    if (e == ERR_OK) {
        char rid[IDS_STR_LEN];
        json_t *d = payment_event_data(p, amount);
        if (d)
            json_object_set_new(d, "refund_id", json_string(ids_format(w->refund_id, rid)));
        e = add_event(c, "refund.succeeded", d);
    }
    return e;
}

static enum err webhook_tx(struct db_conn *c, void *arg)
{
    struct webhook_ctx *x = arg;
    const struct webhook *w = x->w;
    int64_t now = time_now_ms();
    x->res = WH_APPLIED;
    x->note = NULL;
    struct db_param prm[] = {
        {.type = 's', .v.s = w->transaction_id}, {.type = 's', .v.s = GW_TYPE_NAMES[w->type]},
        {.type = 'u', .v.u = w->payment_id},     {.type = 'n'},
        {.type = 'i', .v.i = w->amount_fen},     {.type = 'i', .v.i = w->occurred_ms},
        {.type = 'i', .v.i = now},
    };
    if (w->refund_id)
        prm[3] = (struct db_param){.type = 'u', .v.u = w->refund_id};
    /* the transaction id first: a concurrent copy of this callback waits here for our
     * commit, then finds the row and does nothing */
    enum err e = db_execv(c, NULL, NULL, SQL_GW_ADD, prm, sizeof prm / sizeof *prm);
    if (e == ERR_CONFLICT) {
        x->res = WH_DUPLICATE;
        return ERR_OK;
    }
    struct payment p;
    if (e == ERR_OK)
        e = get_on(c, SQL_GET_LOCK, w->payment_id, &p);
    if (e != ERR_OK)
        return e;
    switch (w->type) {
    case GW_PAYMENT_SUCCEEDED:
        return apply_charge(c, x, &p, now);
    case GW_PAYMENT_FAILED:
        return apply_failure(c, x, &p, now);
    case GW_REFUND_SUCCEEDED:
        return apply_refund(c, x, &p, now);
    default:
        return ERR_INVALID;
    }
}

enum err store_webhook(struct svc *s, const struct webhook *w, enum webhook_result *res, const char **note)
{
    struct webhook_ctx x = {w, WH_APPLIED, NULL};
    enum err e = db_tx(s->db, webhook_tx, &x);
    *res = x.res;
    *note = x.note;
    if (e == ERR_OK && x.res == WH_APPLIED)
        events_relay_nudge();
    return e;
}

/* ---------- refunds ---------- */

enum err store_refund_request_tx(struct svc *s, struct db_conn *c, const struct refund_req *rq, bool *queued)
{
    struct payment p;
    int64_t pending = 0;
    *queued = false;
    enum err e = get_on(c, SQL_GET_LOCK, rq->payment_id, &p);
    if (e != ERR_OK && e != ERR_NOT_FOUND)
        return e;
    struct refund_plan plan = {false, false, 0, NULL};
    if (e == ERR_NOT_FOUND) {
        plan.note = "no such payment";
        memset(&p, 0, sizeof p);
        p.id = rq->payment_id;
    } else if (p.order_id != rq->order_id || p.owner_id != rq->owner_id) {
        plan.note = "the payment belongs to another order or owner";
    } else {
        struct db_rows *r = NULL;
        e = db_query(c, &r, SQL_REFUND_PENDING, "u", p.id);
        if (e == ERR_OK && db_rows_count(r))
            pending = db_rows_i64(r, 0, 0);
        db_rows_free(r);
        if (e != ERR_OK)
            return e;
        plan = refund_plan(p.status, p.amount_fen, p.refunded_fen, pending, rq->amount_fen);
    }
    int64_t now = time_now_ms();
    uint64_t id = ids_next();
    e = db_exec(c, NULL, SQL_REFUND_ADD, "uuuuuiisssii", id, rq->payment_id, rq->order_id, rq->owner_id, rq->event_id,
                rq->amount_fen, plan.amount_fen, plan.needed ? "pending" : "not_needed", rq->reason, plan.note, now,
                now);
    if (e == ERR_CONFLICT) { /* this request was recorded before (under another consumer name?) */
        LOG_I("payment: refund request %llu already recorded", (unsigned long long)rq->event_id);
        return ERR_OK;
    }
    if (e != ERR_OK)
        return e;
    if (!plan.needed) {
        LOG_I("payment: refund %llu of payment %llu (%lld fen asked) not needed: %s", (unsigned long long)id,
              (unsigned long long)rq->payment_id, (long long)rq->amount_fen, plan.note);
        return ERR_OK;
    }
    if (plan.clamped)
        LOG_W("payment: refund %llu of payment %llu clamped from %lld to %lld fen (paid %lld, refunded %lld, "
              "pending %lld)",
              (unsigned long long)id, (unsigned long long)p.id, (long long)rq->amount_fen, (long long)plan.amount_fen,
              (long long)p.amount_fen, (long long)p.refunded_fen, (long long)pending);
    e = callback_add(s, c, GW_REFUND_SUCCEEDED, id, &p, id, plan.amount_fen, NULL, rq->request_id, NULL, 0);
    *queued = e == ERR_OK;
    return e;
}
