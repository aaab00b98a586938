/* Payment statuses, ledger arithmetic, refund clamping, retry schedule, payment JSON. */
#include "rules.h"
#include "dates.h"
#include "ids.h"

#include <stdio.h>
#include <string.h>

const char *const PAY_STATUS_NAMES[] = {"pending", "succeeded", "failed", "refunded", "partially_refunded", NULL};
const char *const GW_TYPE_NAMES[] = {"payment.succeeded", "payment.failed", "refund.succeeded", NULL};

int pay_status_parse(const char *s)
{
    for (int i = 0; s && PAY_STATUS_NAMES[i]; i++)
        if (strcmp(s, PAY_STATUS_NAMES[i]) == 0)
            return i;
    return -1;
}

bool pay_status_captured(enum pay_status s)
{
    return s == PS_SUCCEEDED || s == PS_PARTIALLY_REFUNDED || s == PS_REFUNDED;
}

enum pay_status pay_status_refunded(int64_t amount_fen, int64_t refunded_fen)
{
    if (refunded_fen <= 0)
        return PS_SUCCEEDED;
    return refunded_fen >= amount_fen ? PS_REFUNDED : PS_PARTIALLY_REFUNDED;
}

enum pay_status ledger_status(enum pay_status before, const struct ledger_row *rows, size_t n,
                              struct ledger_totals *out)
{
    struct ledger_totals t = {0};
    for (size_t i = 0; i < n; i++) {
        if (rows[i].kind == LEDGER_CHARGE) {
            t.charges++;
            t.charged += rows[i].amount_fen;
        } else {
            t.refunded -= rows[i].amount_fen; /* stored negative */
        }
    }
    t.net = t.charged - t.refunded;
    if (out)
        *out = t;
    if (t.charges == 0)
        return before == PS_FAILED ? PS_FAILED : PS_PENDING; /* no money moved */
    return pay_status_refunded(t.charged, t.refunded);
}

struct refund_plan refund_plan(enum pay_status st, int64_t amount_fen, int64_t refunded_fen, int64_t pending_fen,
                               int64_t requested_fen)
{
    struct refund_plan p = {false, false, 0, NULL};
    if (!pay_status_captured(st)) {
        p.note = "the payment never succeeded: no money to give back";
        return p;
    }
    if (requested_fen <= 0) {
        p.note = "nothing was asked for";
        return p;
    }
    int64_t left = amount_fen - (refunded_fen > 0 ? refunded_fen : 0) - (pending_fen > 0 ? pending_fen : 0);
    if (left <= 0) {
        p.note = "everything paid has already been refunded";
        return p;
    }
    p.needed = true;
    p.amount_fen = requested_fen;
    if (requested_fen > left) {
        p.amount_fen = left;
        p.clamped = true;
        p.note = "clamped to what is left of the payment";
    }
    return p;
}

long retry_delay_ms(int attempts, long base_ms, long max_ms, unsigned rnd)
{
    if (base_ms < 1)
        base_ms = 1;
    if (max_ms < base_ms)
        max_ms = base_ms;
    long d = base_ms;
    for (int i = 1; i < attempts && d < max_ms; i++)
        d = d > max_ms / 2 ? max_ms : d * 2;
    if (d > max_ms)
        d = max_ms;
    return d + (long)(rnd % (unsigned)(d / 4 + 1));
}

json_t *payment_json(const struct payment *p)
{
    char id[IDS_STR_LEN], oid[IDS_STR_LEN], url[64], c[TIME_STR_LEN], u[TIME_STR_LEN];
    snprintf(url, sizeof url, "/api/v1/payments/%s/sandbox", ids_format(p->id, id));
    json_t *j = json_pack("{s:s,s:s,s:I,s:s,s:s,s:s,s:I,s:s,s:s}", "payment_id", id, "order_id",
                          ids_format(p->order_id, oid), "amount_fen", (json_int_t)p->amount_fen, "currency", "CNY",
                          "status", PAY_STATUS_NAMES[p->status < PS__COUNT ? p->status : PS_PENDING], "pay_url", url,
                          "refunded_fen", (json_int_t)p->refunded_fen, "created_at", time_format_ms(p->created_ms, c),
                          "updated_at", time_format_ms(p->updated_ms, u));
    if (j && p->status == PS_FAILED && p->failure_reason[0])
        json_object_set_new(j, "failure_reason", json_string(p->failure_reason));
    return j;
}
