/* HTTP handlers of the payment service: payments, the sandbox pay page's decision, the
 * gateway's signed webhook. */
#include "routes.h"
#include "dates.h"
#include "ids.h"
#include "log.h"
#include "metrics.h"
#include "peers.h"
#include "sandbox.h"
#include "signature.h"
#include "store.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* SHA-256 (hex) of the request body in canonical form (sorted keys, no spaces): the same
 * request sent twice hashes the same, whatever its formatting. */
static void body_hash(const json_t *root, char out[65])
{
    char *canon = json_dumps(root, JSON_COMPACT | JSON_SORT_KEYS);
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, (const unsigned char *)(canon ? canon : ""), canon ? strlen(canon) : 0);
    sodium_bin2hex(out, 65, h, sizeof h);
    free(canon);
}

static void reply_body(struct http_req *r, int status, char *body, uint64_t payment_id)
{
    if (status == 201 && payment_id) {
        char loc[64], id[IDS_STR_LEN];
        snprintf(loc, sizeof loc, "/api/v1/payments/%s", ids_format(payment_id, id));
        http_header_add(r, "Location", loc);
    }
    http_reply_json_text(r, status, body, body ? strlen(body) : 0);
}

/* The order being paid for must be the caller's and awaiting payment. */
static bool order_payable_or_reply(struct http_req *r, uint64_t owner, uint64_t order_id, int64_t *amount)
{
    struct order_info o;
    enum err e = peer_order(order_id, &o);
    if (e == ERR_OK && o.owner_id != owner)
        e = ERR_NOT_FOUND; /* another owner's order does not exist for this caller */
    if (e == ERR_NOT_FOUND) {
        http_reply_error(r, ERR_NOT_FOUND, "no such order", NULL);
        return false;
    }
    if (e != ERR_OK) { /* every 503 carries Retry-After (lib/http.c) */
        http_reply_error(r, ERR_UNAVAILABLE, "cannot reach the orders, retry with the same Idempotency-Key", NULL);
        return false;
    }
    if (strcmp(o.status, "pending_payment") != 0 || o.total_fen <= 0 || strcmp(o.currency, "CNY") != 0) {
        char msg[96];
        snprintf(msg, sizeof msg, "the order is not awaiting payment (it is %s)", o.status);
        http_reply_error(r, ERR_CONFLICT, msg, NULL);
        return false;
    }
    *amount = o.total_fen;
    return true;
}

static void h_create(struct http_req *r)
{
    /* amount_fen and currency are accepted and ignored: the amount is the order's */
    static const char *const F[] = {"order_id", "amount_fen", "currency", NULL};
    struct auth_principal p;
    struct jv v = {0};
    struct create_req in = {0};
    struct create_out out = {0};
    if (!svc_auth_or_reply(r, ROLE_OWNER, &p) || !http_idem_key_or_reply(r, &in.key))
        goto done;
    if (!http_json_or_reply(r, &v, F))
        goto done;
    jv_id(&v, "order_id", JV_REQUIRED, &in.order_id);
    if (!http_jv_ok_or_reply(r, &v))
        goto done;
    in.owner_id = p.user_id;
    body_hash(v.root, in.hash);
    enum err e = store_idem_get(svc_of(r), &in, &out);
    if (e == ERR_OK && out.idem == IDEM_NEW) {
        if (!order_payable_or_reply(r, p.user_id, in.order_id, &in.amount_fen))
            goto done;
        e = store_create(svc_of(r), &in, &out);
    }
    if (e == ERR_CONFLICT)
        http_reply_error(r, e, "this order has already been paid", NULL);
    else if (e != ERR_OK)
        svc_reply_err(r, e);
    else if (out.idem == IDEM_MISMATCH)
        http_reply_error(r, ERR_INVALID, NULL, json_pack("{s:s}", "Idempotency-Key", "was used for another request"));
    else {
        reply_body(r, out.status, out.body, out.idem == IDEM_NEW ? out.p.id : 0);
        out.body = NULL;
    }
done:
    free(out.body);
    jv_free(&v);
}

static void h_get(struct http_req *r)
{
    struct auth_principal p;
    uint64_t id;
    struct payment pay = {0};
    if (!svc_auth_or_reply(r, ROLE_ANY, &p) || !http_id_param_or_reply(r, "id", &id))
        return;
    enum err e = store_get(svc_of(r), id, &pay);
    if (e == ERR_OK && p.role != ROLE_ADMIN && pay.owner_id != p.user_id)
        e = ERR_NOT_FOUND; /* someone else's payment does not exist for this caller */
    if (e != ERR_OK)
        svc_reply_err(r, e);
    else
        http_reply_json(r, 200, payment_json(&pay));
}

static void h_sandbox(struct http_req *r)
{
    static const char *const F[] = {"outcome", NULL};
    static const char *const OUTCOMES[] = {"succeed", "fail", NULL};
    struct auth_principal p;
    struct jv v = {0};
    uint64_t id;
    int outcome = -1;
    if (!svc_auth_or_reply(r, ROLE_OWNER, &p) || !http_id_param_or_reply(r, "id", &id))
        goto done;
    /* whose payment it is, before the body is read (the store checks again) */
    struct payment mine = {0};
    enum err own = store_get(svc_of(r), id, &mine);
    if (own == ERR_OK && mine.owner_id != p.user_id)
        own = ERR_NOT_FOUND; /* someone else's payment does not exist for this caller */
    if (own != ERR_OK) {
        svc_reply_err(r, own);
        goto done;
    }
    if (!http_json_or_reply(r, &v, F))
        goto done;
    jv_enum(&v, "outcome", JV_REQUIRED, OUTCOMES, &outcome);
    if (!http_jv_ok_or_reply(r, &v))
        goto done;
    char txn[65] = "", pid[IDS_STR_LEN];
    struct payment pay = {0};
    const char *why = NULL;
    enum err e = store_sandbox_decide(svc_of(r), id, p.user_id, outcome == 0, txn, sizeof txn, &pay, &why);
    if (e == ERR_CONFLICT) {
        http_reply_error(r, e, why, NULL);
        goto done;
    }
    if (e != ERR_OK) {
        svc_reply_err(r, e);
        goto done;
    }
    sandbox_nudge();
    http_reply_json(r, 202, json_pack("{s:s,s:s,s:s,s:s,s:s}", "payment_id", ids_format(pay.id, pid), "transaction_id",
                                      txn, "outcome", OUTCOMES[outcome], "status", PAY_STATUS_NAMES[pay.status],
                                      "message", "the gateway will confirm the outcome through the webhook shortly"));
done:
    jv_free(&v);
}

/* ---------- the webhook ---------- */

static void count_webhook(const char *result, const char *reason)
{
    char labels[96];
    if (reason)
        snprintf(labels, sizeof labels, "result=\"%s\",reason=\"%s\"", result, reason);
    else
        snprintf(labels, sizeof labels, "result=\"%s\"", result);
    metrics_count("pb_payment_webhooks_total", labels, 1);
}

/* The signature over the raw body, before anything in it is believed. */
static bool signature_or_reply(struct http_req *r)
{
    struct pay_app *a = pay_app(svc_of(r));
    size_t len = 0;
    const char *body = http_body(r, &len);
    enum sig_result sr = sig_verify(a->secret, a->secret_len, http_header(r, SIG_HEADER), body ? body : "", len,
                                    time_now_ms() / 1000, SIG_TOLERANCE_S);
    if (sr == SIG_OK)
        return true;
    LOG_W("payment: webhook refused from %s: %s signature (%zu-byte body)", http_client_ip(r), sig_result_name(sr),
          len);
    count_webhook("rejected", sig_result_name(sr));
    http_reply_error(r, ERR_UNAUTHENTICATED, sr == SIG_MISSING ? "the X-Sandbox-Signature header is required"
                                         : sr == SIG_STALE   ? "the signature's timestamp is too far from now"
                                                             : "invalid webhook signature",
                     NULL);
    return false;
}

/* Read the callback's fields; false when a reply was sent. */
static bool webhook_fields_or_reply(struct http_req *r, struct jv *v, struct webhook *w)
{
    static const char *const F[] = {"type",       "transaction_id", "payment_id", "refund_id",
                                    "amount_fen", "occurred_at",    "reason",     NULL};
    int type = -1;
    const char *at = NULL;
    if (!http_json_or_reply(r, v, F)) {
        count_webhook("rejected", "body");
        return false;
    }
    if (jv_enum(v, "type", JV_REQUIRED, GW_TYPE_NAMES, &type))
        w->type = (enum gw_type)type;
    if (jv_str(v, "transaction_id", JV_REQUIRED, 1, 64, &w->transaction_id))
        for (const char *c = w->transaction_id; *c; c++)
            if (*c <= 0x20 || *c >= 0x7F) {
                jv_fail(v, "transaction_id", "must be printable ASCII");
                break;
            }
    jv_id(v, "payment_id", JV_REQUIRED, &w->payment_id);
    jv_id(v, "refund_id", type == GW_REFUND_SUCCEEDED ? JV_REQUIRED : 0, &w->refund_id);
    if (type >= 0 && type != GW_REFUND_SUCCEEDED && jv_has(v, "refund_id"))
        jv_fail(v, "refund_id", "only refund.succeeded names a refund");
    jv_int(v, "amount_fen", JV_REQUIRED, 0, INT64_MAX / 4, &w->amount_fen);
    if (jv_str(v, "occurred_at", JV_REQUIRED, 1, 40, &at) && !time_parse_ms(at, &w->occurred_ms))
        jv_fail(v, "occurred_at", "must be an RFC 3339 time");
    jv_str(v, "reason", 0, 1, 100, &w->reason);
    if (jv_failed(v))
        count_webhook("rejected", "body");
    return http_jv_ok_or_reply(r, v);
}

static void h_webhook(struct http_req *r)
{
    static const char *const RESULTS[] = {"applied", "duplicate", "ignored"};
    struct jv v;
    struct webhook w = {0};
    jv_init(&v);
    if (!signature_or_reply(r))
        goto done;
    jv_free(&v);
    if (!webhook_fields_or_reply(r, &v, &w))
        goto done;
    enum webhook_result res = WH_APPLIED;
    const char *note = NULL;
    enum err e = store_webhook(svc_of(r), &w, &res, &note);
    if (e == ERR_NOT_FOUND) {
        LOG_W("payment: webhook %s names an unknown payment or refund", w.transaction_id);
        count_webhook("rejected", "unknown");
        http_reply_error(r, e, "no such payment or refund", NULL);
        goto done;
    }
    if (e != ERR_OK) {
        svc_reply_err(r, e);
        goto done;
    }
    if (res == WH_IGNORED)
        LOG_E("payment: webhook %s (%s) recorded but not applied: %s", w.transaction_id, GW_TYPE_NAMES[w.type], note);
    else
        LOG_I("payment: webhook %s (%s) %s", w.transaction_id, GW_TYPE_NAMES[w.type], RESULTS[res]);
    count_webhook(res == WH_APPLIED ? "accepted" : RESULTS[res], NULL);
    json_t *body = json_pack("{s:b,s:s,s:s}", "received", 1, "transaction_id", w.transaction_id, "result", RESULTS[res]);
    if (body && note)
        json_object_set_new(body, "note", json_string(note));
    http_reply_json(r, 200, body);
done:
    jv_free(&v);
}

/* ---------- internal ---------- */

static void h_internal_get(struct http_req *r)
{
    uint64_t id;
    struct payment pay = {0};
    if (!svc_internal_or_reply(r) || !http_id_param_or_reply(r, "id", &id))
        return;
    enum err e = store_get(svc_of(r), id, &pay);
    if (e != ERR_OK) {
        svc_reply_err(r, e);
        return;
    }
    char own[IDS_STR_LEN];
    json_t *j = payment_json(&pay);
    if (j)
        json_object_set_new(j, "owner_id", json_string(ids_format(pay.owner_id, own)));
    http_reply_json(r, 200, j);
}

/* The money of day as the admin dashboard shows it. */
static json_t *day_money_json(int32_t day, const struct pay_day_stats *st)
{
    char date[DATE_STR_LEN];
    return json_pack("{s:s,s:I,s:I,s:I,s:I}", "date", date_format(day, date), "captured_fen",
                     (json_int_t)st->captured_fen, "refunded_fen", (json_int_t)st->refunded_fen, "net_fen",
                     (json_int_t)(st->captured_fen - st->refunded_fen), "payments_succeeded", (json_int_t)st->charges);
}

/* GET /internal/v1/stats/today: today's money for the admin dashboard. */
static void h_internal_stats(struct http_req *r)
{
    struct pay_day_stats st;
    int32_t today = date_today();
    if (!svc_internal_or_reply(r))
        return;
    enum err e = store_day_stats(svc_of(r), today, &st);
    if (e == ERR_OK)
        http_reply_json(r, 200, day_money_json(today, &st));
    else
        svc_reply_err(r, e);
}

void payment_routes(struct svc *s)
{
    svc_route(s, "POST", "/api/v1/payments", h_create);
    svc_route(s, "POST", "/api/v1/payments/webhook", h_webhook);
    svc_route(s, "GET", "/api/v1/payments/{id}", h_get);
    svc_route(s, "POST", "/api/v1/payments/{id}/sandbox", h_sandbox);
    svc_route(s, "GET", "/internal/v1/payments/{id}", h_internal_get);
    svc_route(s, "GET", "/internal/v1/stats/today", h_internal_stats);
}
