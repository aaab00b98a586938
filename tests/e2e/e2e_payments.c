/* Payments through the gateway: the amount comes from the order, one live payment per
 * order, Idempotency-Key, the sandbox gateway's signed asynchronous callbacks (and forged,
 * stale, missing or repeated ones), refunds from order.refund_requested with clamping and
 * redelivery, a callback that waits out a restart of the payment service, the ledger, the
 * outbox and the order's own status. */
#include "harness.h"
#include "dates.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define PRICE 12000

/* ---------- set-up ---------- */

struct world {
    struct e2e_user owner, other, provider;
    char listing[24], pet[24], others_pet[24];
};

static void world_new(struct world *w)
{
    e2e_user_new(&w->owner, "owner");
    e2e_user_new(&w->other, "owner");
    e2e_provider_approved(&w->provider);
    e2e_listing_new(&w->provider, json_pack("{s:i,s:i}", "capacity", 20, "price_per_night_fen", PRICE), true,
                    w->listing);
    e2e_pet_new(&w->owner, NULL, w->pet);
    e2e_pet_new(&w->other, NULL, w->others_pet);
}

/* Book `nights` nights starting in `from` days for u's pet; the order id into id. */
static void book(const struct world *w, const struct e2e_user *u, const char *pet, int from, int nights, char *id)
{
    char s[DATE_STR_LEN], e[DATE_STR_LEN];
    date_format(date_today() + from, s);
    date_format(date_today() + from + nights, e);
    struct resp *r = e2e_call("POST", "/api/v1/orders", u->token,
                              json_pack("{s:s,s:[s],s:s,s:s}", "listing_id", w->listing, "pet_ids", pet, "start_date",
                                        s, "end_date", e));
    EXPECT_STATUS(r, 201);
    assert_string_equal(e2e_str(r, "status"), "pending_payment");
    snprintf(id, 24, "%s", e2e_str(r, "id"));
    e2e_resp_free(r);
}

/* POST /payments with an optional Idempotency-Key and a raw JSON body. */
static struct resp *create_raw(const struct e2e_user *u, const char *body, const char *key)
{
    char hdr[128];
    snprintf(hdr, sizeof hdr, "Idempotency-Key: %s", key ? key : "");
    const char *h[] = {hdr, NULL};
    return e2e_call_raw("POST", "/api/v1/payments", u ? u->token : NULL, "application/json", body, strlen(body),
                        key ? h : NULL);
}

static struct resp *create(const struct e2e_user *u, const char *order, const char *key)
{
    char body[96];
    snprintf(body, sizeof body, "{\"order_id\":\"%s\"}", order);
    return create_raw(u, body, key);
}

/* A new pending payment for a new order of w->owner; ids into order and payment. */
static void pending_payment(const struct world *w, int from, int nights, char *order, char *payment)
{
    book(w, &w->owner, w->pet, from, nights, order);
    struct resp *r = create(&w->owner, order, NULL);
    EXPECT_STATUS(r, 201);
    snprintf(payment, 24, "%s", e2e_str(r, "payment_id"));
    e2e_resp_free(r);
}

static struct resp *sandbox(const struct e2e_user *u, const char *payment, const char *outcome)
{
    char path[96];
    snprintf(path, sizeof path, "/api/v1/payments/%s/sandbox", payment);
    return e2e_call("POST", path, u ? u->token : NULL, json_pack("{s:s}", "outcome", outcome));
}

struct probe {
    const struct e2e_user *u;
    const char *id;
    const char *status;
    long long refunded; /* -1: any */
};

static bool payment_is(void *arg)
{
    struct probe *p = arg;
    char path[96];
    snprintf(path, sizeof path, "/api/v1/payments/%s", p->id);
    struct resp *r = e2e_call("GET", path, p->u->token, NULL);
    bool ok = r->status == 200 && strcmp(e2e_str(r, "status"), p->status) == 0 &&
              (p->refunded < 0 || e2e_int(r, "refunded_fen") == p->refunded);
    e2e_resp_free(r);
    return ok;
}

static void expect_payment(const struct e2e_user *u, const char *id, const char *status, long long refunded)
{
    struct probe p = {u, id, status, refunded};
    if (!e2e_eventually(payment_is, &p, 8000)) {
        char path[96];
        snprintf(path, sizeof path, "/api/v1/payments/%s", id);
        struct resp *r = e2e_call("GET", path, u->token, NULL);
        fail_msg("payment %s is not %s (refunded %lld) after 8 s: %s", id, status, refunded, r->body);
    }
}

static bool order_is(void *arg)
{
    struct probe *p = arg;
    char path[96];
    snprintf(path, sizeof path, "/api/v1/orders/%s", p->id);
    struct resp *r = e2e_call("GET", path, p->u->token, NULL);
    bool ok = r->status == 200 && strcmp(e2e_str(r, "status"), p->status) == 0;
    e2e_resp_free(r);
    return ok;
}

static long long ledger_rows(const char *payment)
{
    return e2e_db_int("SELECT COUNT(*) FROM pb_payment.ledger WHERE payment_id = ?", "s", payment);
}

static long long ledger_sum(const char *payment)
{
    return e2e_db_int("SELECT COALESCE(SUM(amount_fen), 0) FROM pb_payment.ledger WHERE payment_id = ?", "s", payment);
}

static long long outbox_events(const char *type, const char *payment)
{
    char subject[96];
    snprintf(subject, sizeof subject, "petboarding.%s", type);
    return e2e_db_int("SELECT COUNT(*) FROM pb_payment.outbox WHERE subject = ? "
                      "AND payload LIKE CONCAT('%\"payment_id\":\"', ?, '\"%')",
                      "ss", subject, payment);
}

static bool callback_delivered(void *arg)
{
    return e2e_db_int("SELECT COUNT(*) FROM pb_payment.sandbox_callback WHERE payment_id = ? AND state = 'delivered'",
                      "s", (const char *)arg) >= 1;
}

/* The gateway records the delivery after the webhook's answer: a moment after the effect. */
static void wait_delivered(const char *pay) { assert_true(e2e_eventually(callback_delivered, (void *)pay, 5000)); }

/* ---------- webhooks built and signed by the test ---------- */

static char *secret(void)
{
    char *s = e2e_home_file("secrets/webhook-secret");
    assert_non_null(s);
    size_t n = strlen(s);
    while (n && (s[n - 1] == '\n' || s[n - 1] == '\r'))
        s[--n] = 0; /* the service reads it without the newline */
    return s;
}

/* "t=<t>,v1=<hex HMAC-SHA256(key, t + "." + body)>" */
static void sign_with(const char *key, long long t, const char *body, char *out, size_t cap)
{
    char ts[24], hex[65];
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_state st;
    snprintf(ts, sizeof ts, "%lld", t);
    crypto_auth_hmacsha256_init(&st, (const unsigned char *)key, strlen(key));
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)ts, strlen(ts));
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)".", 1);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)body, strlen(body));
    crypto_auth_hmacsha256_final(&st, mac);
    sodium_bin2hex(hex, sizeof hex, mac, sizeof mac);
    snprintf(out, cap, "t=%s,v1=%s", ts, hex);
}

static void webhook_body(char *out, size_t cap, const char *type, const char *txn, const char *payment,
                         long long amount)
{
    snprintf(out, cap,
             "{\"type\":\"%s\",\"transaction_id\":\"%s\",\"payment_id\":\"%s\",\"amount_fen\":%lld,"
             "\"occurred_at\":\"2026-01-01T00:00:00.000Z\"}",
             type, txn, payment, amount);
}

/* POST the webhook with this signature header value (NULL: no header). */
static struct resp *post_webhook(const char *body, const char *signature)
{
    char hdr[256];
    snprintf(hdr, sizeof hdr, "X-Sandbox-Signature: %s", signature ? signature : "");
    const char *h[] = {hdr, NULL};
    return e2e_call_raw("POST", "/api/v1/payments/webhook", NULL, "application/json", body, strlen(body),
                        signature ? h : NULL);
}

static double webhooks(const char *result)
{
    char prefix[128];
    snprintf(prefix, sizeof prefix, "pb_payment_webhooks_total{service=\"payment\",result=\"%s\"", result);
    return e2e_metric("payment", prefix);
}

/* ---------- scenarios ---------- */

static void pay_through_the_sandbox(void **state)
{
    (void)state;
    struct world w;
    world_new(&w);
    char order[24], path[96];
    book(&w, &w.owner, w.pet, 3, 3, order);
    /* the client's amount is ignored: 12000 x 3 nights */
    char body[160];
    snprintf(body, sizeof body, "{\"order_id\":\"%s\",\"amount_fen\":1,\"currency\":\"CNY\"}", order);
    struct resp *r = create_raw(&w.owner, body, NULL);
    EXPECT_STATUS(r, 201);
    assert_int_equal(e2e_int(r, "amount_fen"), 3 * PRICE);
    assert_string_equal(e2e_str(r, "order_id"), order);
    assert_string_equal(e2e_str(r, "currency"), "CNY");
    assert_string_equal(e2e_str(r, "status"), "pending");
    assert_int_equal(e2e_int(r, "refunded_fen"), 0);
    assert_non_null(e2e_str(r, "created_at"));
    char pay[24];
    snprintf(pay, sizeof pay, "%s", e2e_str(r, "payment_id"));
    snprintf(path, sizeof path, "/api/v1/payments/%s/sandbox", pay);
    assert_string_equal(e2e_str(r, "pay_url"), path);
    assert_non_null(strstr(r->location, pay));
    e2e_resp_free(r);
    /* asking again while it is pending gives the same payment */
    r = create(&w.owner, order, NULL);
    EXPECT_STATUS(r, 200);
    assert_string_equal(e2e_str(r, "payment_id"), pay);
    e2e_resp_free(r);
    assert_int_equal(e2e_db_int("SELECT COUNT(*) FROM pb_payment.payment WHERE order_id = ?", "s", order), 1);
    /* who sees it */
    snprintf(path, sizeof path, "/api/v1/payments/%s", pay);
    struct e2e_user admin;
    e2e_admin(&admin);
    r = e2e_call("GET", path, admin.token, NULL);
    EXPECT_STATUS(r, 200);
    assert_int_equal(e2e_int(r, "amount_fen"), 3 * PRICE);
    e2e_resp_free(r);
    r = e2e_call("GET", path, w.other.token, NULL);
    EXPECT_ERROR(r, 404, "not_found");
    e2e_resp_free(r);
    r = e2e_call("GET", path, w.provider.token, NULL);
    EXPECT_ERROR(r, 404, "not_found");
    e2e_resp_free(r);
    r = e2e_call("GET", path, NULL, NULL);
    EXPECT_ERROR(r, 401, "unauthenticated");
    e2e_resp_free(r);
    /* the sandbox answers at once; the gateway calls the webhook a moment later */
    r = sandbox(&w.owner, pay, "succeed");
    EXPECT_STATUS(r, 202);
    assert_string_equal(e2e_str(r, "payment_id"), pay);
    assert_non_null(e2e_str(r, "transaction_id"));
    e2e_resp_free(r);
    r = sandbox(&w.owner, pay, "fail"); /* decided already */
    EXPECT_ERROR(r, 409, "conflict");
    e2e_resp_free(r);
    expect_payment(&w.owner, pay, "succeeded", 0);
    assert_int_equal(ledger_rows(pay), 1);
    assert_int_equal(e2e_db_int("SELECT COUNT(*) FROM pb_payment.ledger WHERE payment_id = ? AND kind = 'charge' "
                                "AND amount_fen = ?",
                                "si", pay, (int64_t)(3 * PRICE)),
                     1);
    assert_int_equal(outbox_events("payment.succeeded", pay), 1);
    wait_delivered(pay);
    /* decided: no more sandbox, no second payment */
    r = sandbox(&w.owner, pay, "succeed");
    EXPECT_ERROR(r, 409, "conflict");
    e2e_resp_free(r);
    r = create(&w.owner, order, NULL);
    EXPECT_ERROR(r, 409, "conflict");
    e2e_resp_free(r);
    /* the order service takes payment.succeeded: the order is paid */
    struct probe op = {&w.owner, order, "paid", -1};
    bool paid = e2e_eventually(order_is, &op, 5000);
    if (!paid)
        fail_msg("order %s did not become paid after payment.succeeded (the order service's consumer)", order);
    assert_true(e2e_invariants_hold());
}

static void declined_in_the_sandbox(void **state)
{
    (void)state;
    struct world w;
    world_new(&w);
    char order[24], pay[24];
    pending_payment(&w, 2, 2, order, pay);
    struct resp *r = sandbox(&w.owner, pay, "fail");
    EXPECT_STATUS(r, 202);
    e2e_resp_free(r);
    expect_payment(&w.owner, pay, "failed", 0);
    char path[96];
    snprintf(path, sizeof path, "/api/v1/payments/%s", pay);
    r = e2e_call("GET", path, w.owner.token, NULL);
    assert_non_null(e2e_str(r, "failure_reason"));
    e2e_resp_free(r);
    assert_int_equal(ledger_rows(pay), 0); /* no money moved */
    assert_int_equal(outbox_events("payment.failed", pay), 1);
    assert_int_equal(outbox_events("payment.succeeded", pay), 0);
    r = sandbox(&w.owner, pay, "succeed");
    EXPECT_ERROR(r, 409, "conflict");
    e2e_resp_free(r);
    /* the order still awaits payment: a new attempt is a new payment */
    struct probe op = {&w.owner, order, "pending_payment", -1};
    assert_true(order_is(&op));
    r = create(&w.owner, order, NULL);
    EXPECT_STATUS(r, 201);
    assert_string_not_equal(e2e_str(r, "payment_id"), pay);
    char second[24];
    snprintf(second, sizeof second, "%s", e2e_str(r, "payment_id"));
    e2e_resp_free(r);
    r = sandbox(&w.owner, second, "succeed");
    EXPECT_STATUS(r, 202);
    e2e_resp_free(r);
    expect_payment(&w.owner, second, "succeeded", 0);
    assert_int_equal(ledger_sum(second), 2 * PRICE);
    assert_true(e2e_invariants_hold());
}

static void who_may_pay_and_bad_input(void **state)
{
    (void)state;
    struct world w;
    world_new(&w);
    char order[24], others[24], pay[24];
    pending_payment(&w, 4, 1, order, pay);
    book(&w, &w.other, w.others_pet, 4, 1, others);
    struct resp *r = create(&w.provider, order, NULL);
    EXPECT_ERROR(r, 403, "forbidden");
    e2e_resp_free(r);
    struct e2e_user admin;
    e2e_admin(&admin);
    r = create(&admin, order, NULL);
    EXPECT_ERROR(r, 403, "forbidden");
    e2e_resp_free(r);
    r = create(NULL, order, NULL);
    EXPECT_ERROR(r, 401, "unauthenticated");
    e2e_resp_free(r);
    r = create(&w.owner, others, NULL); /* another owner's order */
    EXPECT_ERROR(r, 404, "not_found");
    e2e_resp_free(r);
    r = create(&w.owner, "99999999999", NULL);
    EXPECT_ERROR(r, 404, "not_found");
    e2e_resp_free(r);
    r = create_raw(&w.owner, "{\"order_id\":", NULL);
    EXPECT_ERROR(r, 400, "bad_request");
    e2e_resp_free(r);
    r = create_raw(&w.owner, "{\"order_id\":5}", NULL);
    EXPECT_ERROR(r, 400, "bad_request");
    e2e_resp_free(r);
    r = create_raw(&w.owner, "{}", NULL);
    EXPECT_ERROR(r, 422, "validation_failed");
    assert_string_equal(e2e_field_error(r, "order_id"), "is required");
    e2e_resp_free(r);
    char body[128];
    snprintf(body, sizeof body, "{\"order_id\":\"%s\",\"tip_fen\":100}", order);
    r = create_raw(&w.owner, body, NULL);
    EXPECT_ERROR(r, 422, "validation_failed");
    assert_non_null(e2e_field_error(r, "tip_fen"));
    e2e_resp_free(r);
    r = e2e_call_raw("POST", "/api/v1/payments", w.owner.token, "text/plain", body, strlen(body), NULL);
    EXPECT_ERROR(r, 415, "unsupported_media_type");
    e2e_resp_free(r);
    /* an order that is no longer awaiting payment */
    char path[96], cancelled[24];
    book(&w, &w.owner, w.pet, 8, 1, cancelled);
    snprintf(path, sizeof path, "/api/v1/orders/%s/cancel", cancelled);
    r = e2e_call("POST", path, w.owner.token, NULL);
    EXPECT_STATUS(r, 200);
    e2e_resp_free(r);
    r = create(&w.owner, cancelled, NULL);
    EXPECT_ERROR(r, 409, "conflict");
    e2e_resp_free(r);
    /* the sandbox: the payment's owner only */
    r = sandbox(&w.other, pay, "succeed");
    EXPECT_ERROR(r, 404, "not_found");
    e2e_resp_free(r);
    r = sandbox(&w.provider, pay, "succeed");
    EXPECT_ERROR(r, 403, "forbidden");
    e2e_resp_free(r);
    r = sandbox(NULL, pay, "succeed");
    EXPECT_ERROR(r, 401, "unauthenticated");
    e2e_resp_free(r);
    /* whose payment it is comes before the body: another owner's is 404 even with an invalid one */
    r = sandbox(&w.other, pay, "maybe");
    EXPECT_ERROR(r, 404, "not_found");
    e2e_resp_free(r);
    r = sandbox(&w.provider, pay, "maybe");
    EXPECT_ERROR(r, 403, "forbidden");
    e2e_resp_free(r);
    r = sandbox(&w.owner, pay, "maybe");
    EXPECT_ERROR(r, 422, "validation_failed");
    assert_non_null(e2e_field_error(r, "outcome"));
    e2e_resp_free(r);
    r = sandbox(&w.owner, "99999999999", "succeed");
    EXPECT_ERROR(r, 404, "not_found");
    e2e_resp_free(r);
    r = e2e_call("GET", "/api/v1/payments/not-an-id", w.owner.token, NULL);
    EXPECT_ERROR(r, 404, "not_found");
    e2e_resp_free(r);
    r = e2e_call("GET", "/api/v1/payments/99999999999", w.owner.token, NULL);
    EXPECT_ERROR(r, 404, "not_found");
    e2e_resp_free(r);
    /* the internal API is not reachable through the gateway */
    snprintf(path, sizeof path, "/internal/v1/payments/%s", pay);
    r = e2e_call("GET", path, NULL, NULL);
    EXPECT_ERROR(r, 404, "not_found");
    e2e_resp_free(r);
    r = e2e_service("payment", "GET", path, NULL);
    EXPECT_STATUS(r, 200);
    assert_string_equal(e2e_str(r, "owner_id"), w.owner.id);
    e2e_resp_free(r);
    /* nothing of it moved money */
    assert_int_equal(ledger_rows(pay), 0);
    assert_true(e2e_invariants_hold());
}

struct rush {
    const struct e2e_user *u;
    const char *order;
    const char *key;
    long status[5];
    char pay[5][24];
};

static void create_one(int i, void *arg)
{
    struct rush *x = arg;
    struct resp *r = create(x->u, x->order, x->key);
    x->status[i] = r->status;
    snprintf(x->pay[i], sizeof x->pay[i], "%s", e2e_str(r, "payment_id") ? e2e_str(r, "payment_id") : "");
    e2e_resp_free(r);
}

/* Five requests at once for one order, with or without one key: one payment. */
static void five_at_once(const struct e2e_user *u, const char *order, const char *key)
{
    struct rush x = {u, order, key, {0}, {{0}}};
    e2e_parallel(5, create_one, &x);
    int created = 0;
    for (int i = 0; i < 5; i++) {
        if (x.status[i] != 201 && x.status[i] != 200)
            fail_msg("request %d answered %ld", i, x.status[i]);
        created += x.status[i] == 201;
        assert_string_equal(x.pay[i], x.pay[0]);
    }
    if (!key)
        assert_int_equal(created, 1); /* the others found the pending payment: 200 */
    assert_int_equal(e2e_db_int("SELECT COUNT(*) FROM pb_payment.payment WHERE order_id = ?", "s", order), 1);
}

static void idempotency_key(void **state)
{
    (void)state;
    struct world w;
    world_new(&w);
    char order[24], order2[24], key[40];
    book(&w, &w.owner, w.pet, 5, 2, order);
    book(&w, &w.owner, w.pet, 9, 1, order2);
    e2e_unique_name(key, sizeof key, "pay-");
    struct resp *a = create(&w.owner, order, key), *b = create(&w.owner, order, key);
    EXPECT_STATUS(a, 201);
    EXPECT_STATUS(b, 201); /* the first answer, replayed */
    assert_string_equal(e2e_str(a, "payment_id"), e2e_str(b, "payment_id"));
    assert_string_equal(a->body, b->body);
    char pay[24];
    snprintf(pay, sizeof pay, "%s", e2e_str(a, "payment_id"));
    e2e_resp_free(a);
    e2e_resp_free(b);
    assert_int_equal(e2e_db_int("SELECT COUNT(*) FROM pb_payment.payment WHERE order_id = ?", "s", order), 1);
    /* the same key with another body is refused, naming the header */
    b = create(&w.owner, order2, key);
    EXPECT_ERROR(b, 422, "validation_failed");
    assert_non_null(e2e_field_error(b, "Idempotency-Key"));
    e2e_resp_free(b);
    char body[160];
    snprintf(body, sizeof body, "{\"order_id\":\"%s\",\"amount_fen\":5}", order);
    b = create_raw(&w.owner, body, key);
    EXPECT_ERROR(b, 422, "validation_failed");
    e2e_resp_free(b);
    /* formatting does not make another request */
    snprintf(body, sizeof body, "{ \"order_id\" : \"%s\" }", order);
    b = create_raw(&w.owner, body, key);
    EXPECT_STATUS(b, 201);
    assert_string_equal(e2e_str(b, "payment_id"), pay);
    e2e_resp_free(b);
    /* keys belong to their user: the other owner's use of it is a request of its own */
    b = create(&w.other, order, key);
    EXPECT_ERROR(b, 404, "not_found");
    e2e_resp_free(b);
    /* a key is 1..64 printable characters */
    char long_key[80];
    memset(long_key, 'k', 65);
    long_key[65] = 0;
    b = create(&w.owner, order2, long_key);
    EXPECT_ERROR(b, 422, "validation_failed");
    assert_non_null(e2e_field_error(b, "Idempotency-Key"));
    e2e_resp_free(b);
    /* the replay stays the first answer after the payment moved on */
    b = sandbox(&w.owner, pay, "succeed");
    EXPECT_STATUS(b, 202);
    e2e_resp_free(b);
    expect_payment(&w.owner, pay, "succeeded", 0);
    b = create(&w.owner, order, key);
    EXPECT_STATUS(b, 201);
    assert_string_equal(e2e_str(b, "status"), "pending");
    e2e_resp_free(b);
    b = create(&w.owner, order, NULL); /* without the key: the order is paid now */
    EXPECT_ERROR(b, 409, "conflict");
    e2e_resp_free(b);
    /* concurrent first requests make one payment, with a shared key or with none */
    char order3[24], order4[24], key2[40];
    book(&w, &w.owner, w.pet, 12, 1, order3);
    book(&w, &w.owner, w.pet, 14, 1, order4);
    e2e_unique_name(key2, sizeof key2, "pay-");
    five_at_once(&w.owner, order3, key2);
    five_at_once(&w.owner, order4, NULL);
    assert_true(e2e_invariants_hold());
}

static void forged_webhooks_change_nothing(void **state)
{
    (void)state;
    struct world w;
    world_new(&w);
    char order[24], pay[24], body[400], sig[200], txn[48];
    pending_payment(&w, 6, 1, order, pay);
    e2e_unique_name(txn, sizeof txn, "e2e_txn_");
    webhook_body(body, sizeof body, "payment.succeeded", txn, pay, PRICE);
    char *key = secret();
    long long now = (long long)time(NULL);
    double rejected = webhooks("rejected");
    /* signed with another secret */
    sign_with("not-the-webhook-secret-at-all-000", now, body, sig, sizeof sig);
    struct resp *r = post_webhook(body, sig);
    EXPECT_ERROR(r, 401, "unauthenticated");
    e2e_resp_free(r);
    /* a genuine signature of ten minutes ago, and one from the future */
    sign_with(key, now - 600, body, sig, sizeof sig);
    r = post_webhook(body, sig);
    EXPECT_ERROR(r, 401, "unauthenticated");
    e2e_resp_free(r);
    sign_with(key, now + 600, body, sig, sizeof sig);
    r = post_webhook(body, sig);
    EXPECT_ERROR(r, 401, "unauthenticated");
    e2e_resp_free(r);
    /* no signature */
    r = post_webhook(body, NULL);
    EXPECT_ERROR(r, 401, "unauthenticated");
    e2e_resp_free(r);
    r = post_webhook(body, "t=1,v1=00");
    EXPECT_ERROR(r, 401, "unauthenticated");
    e2e_resp_free(r);
    /* a genuine signature over another body */
    char tampered[400];
    webhook_body(tampered, sizeof tampered, "payment.succeeded", txn, pay, 1);
    sign_with(key, now, body, sig, sizeof sig);
    r = post_webhook(tampered, sig);
    EXPECT_ERROR(r, 401, "unauthenticated");
    e2e_resp_free(r);
    assert_true(webhooks("rejected") >= rejected + 6);
    /* nothing changed */
    expect_payment(&w.owner, pay, "pending", 0);
    assert_int_equal(ledger_rows(pay), 0);
    assert_int_equal(e2e_db_int("SELECT COUNT(*) FROM pb_payment.gateway_event WHERE payment_id = ?", "s", pay), 0);
    assert_int_equal(outbox_events("payment.succeeded", pay), 0);
    /* a genuine, signed body that is not a callback is refused as such */
    char junk[] = "{\"type\":\"payment.refunded\",\"transaction_id\":\"x\"}";
    sign_with(key, now, junk, sig, sizeof sig);
    r = post_webhook(junk, sig);
    EXPECT_ERROR(r, 422, "validation_failed");
    e2e_resp_free(r);
    /* a genuine callback about a payment that does not exist: 404, nothing kept */
    char unknown[400], txn3[48];
    e2e_unique_name(txn3, sizeof txn3, "e2e_txn_");
    webhook_body(unknown, sizeof unknown, "payment.succeeded", txn3, "99999999999", PRICE);
    sign_with(key, now, unknown, sig, sizeof sig);
    r = post_webhook(unknown, sig);
    EXPECT_ERROR(r, 404, "not_found");
    e2e_resp_free(r);
    assert_int_equal(e2e_db_int("SELECT COUNT(*) FROM pb_payment.gateway_event WHERE transaction_id = ?", "s", txn3), 0);
    /* and the genuine one is taken */
    sign_with(key, (long long)time(NULL), body, sig, sizeof sig);
    r = post_webhook(body, sig);
    EXPECT_STATUS(r, 200);
    assert_string_equal(e2e_str(r, "result"), "applied");
    e2e_resp_free(r);
    expect_payment(&w.owner, pay, "succeeded", 0);
    assert_int_equal(ledger_sum(pay), PRICE);
    free(key);
    assert_true(e2e_invariants_hold());
}

struct storm {
    const char *body;
    const char *sig;
    long status[5];
    char result[5][16];
};

static void post_one(int i, void *arg)
{
    struct storm *s = arg;
    struct resp *r = post_webhook(s->body, s->sig);
    s->status[i] = r->status;
    snprintf(s->result[i], sizeof s->result[i], "%s", e2e_str(r, "result") ? e2e_str(r, "result") : "");
    e2e_resp_free(r);
}

static void the_same_callback_five_times_at_once(void **state)
{
    (void)state;
    struct world w;
    world_new(&w);
    char order[24], pay[24], body[400], sig[200], txn[48];
    pending_payment(&w, 7, 2, order, pay);
    e2e_unique_name(txn, sizeof txn, "e2e_txn_");
    webhook_body(body, sizeof body, "payment.succeeded", txn, pay, 2 * PRICE);
    char *key = secret();
    sign_with(key, (long long)time(NULL), body, sig, sizeof sig);
    double dups = webhooks("duplicate");
    struct storm s = {body, sig, {0}, {{0}}};
    e2e_parallel(5, post_one, &s);
    int applied = 0, duplicate = 0;
    for (int i = 0; i < 5; i++) {
        if (s.status[i] < 200 || s.status[i] > 299)
            fail_msg("copy %d answered %ld", i, s.status[i]);
        applied += strcmp(s.result[i], "applied") == 0;
        duplicate += strcmp(s.result[i], "duplicate") == 0;
    }
    assert_int_equal(applied, 1);
    assert_int_equal(duplicate, 4);
    assert_true(webhooks("duplicate") >= dups + 4);
    expect_payment(&w.owner, pay, "succeeded", 0);
    assert_int_equal(ledger_rows(pay), 1);
    assert_int_equal(ledger_sum(pay), 2 * PRICE);
    assert_int_equal(outbox_events("payment.succeeded", pay), 1);
    /* later copies too */
    struct resp *r = post_webhook(body, sig);
    EXPECT_STATUS(r, 200);
    assert_string_equal(e2e_str(r, "result"), "duplicate");
    e2e_resp_free(r);
    /* a second success under another transaction id takes no second charge */
    char txn2[48], body2[400];
    e2e_unique_name(txn2, sizeof txn2, "e2e_txn_");
    webhook_body(body2, sizeof body2, "payment.succeeded", txn2, pay, 2 * PRICE);
    sign_with(key, (long long)time(NULL), body2, sig, sizeof sig);
    r = post_webhook(body2, sig);
    EXPECT_STATUS(r, 200);
    assert_string_equal(e2e_str(r, "result"), "ignored");
    e2e_resp_free(r);
    assert_int_equal(ledger_rows(pay), 1);
    /* the sandbox gateway's own decision is refused now */
    r = sandbox(&w.owner, pay, "succeed");
    EXPECT_ERROR(r, 409, "conflict");
    e2e_resp_free(r);
    free(key);
    assert_true(e2e_invariants_hold());
}

/* A succeeded payment of `nights` nights for a new order. */
static void paid_payment(const struct world *w, int from, int nights, char *order, char *pay)
{
    pending_payment(w, from, nights, order, pay);
    struct resp *r = sandbox(&w->owner, pay, "succeed");
    EXPECT_STATUS(r, 202);
    e2e_resp_free(r);
    expect_payment(&w->owner, pay, "succeeded", 0);
}

static json_t *refund_request(const struct world *w, const char *order, const char *pay, long long amount)
{
    return json_pack("{s:s,s:s,s:s,s:I,s:s}", "order_id", order, "owner_id", w->owner.id, "payment_id", pay,
                     "amount_fen", (json_int_t)amount, "reason", "cancelled");
}

static long long refunds(const char *pay, const char *status)
{
    return e2e_db_int("SELECT COUNT(*) FROM pb_payment.refund WHERE payment_id = ? AND status = ?", "ss", pay, status);
}

static bool refunds_recorded(void *arg)
{
    const long long *want = arg;
    char id[24];
    snprintf(id, sizeof id, "%lld", want[1]);
    return e2e_db_int("SELECT COUNT(*) FROM pb_payment.refund WHERE payment_id = ?", "s", id) >= want[0];
}

static void wait_refund_rows(const char *pay, long long n)
{
    long long want[2] = {n, strtoll(pay, NULL, 10)};
    assert_true(e2e_eventually(refunds_recorded, want, 8000));
}

static void refunds_through_the_same_path(void **state)
{
    (void)state;
    struct world w;
    world_new(&w);
    char order[24], pay[24], ev[24];
    paid_payment(&w, 10, 3, order, pay); /* 36000 */
    /* part of it */
    e2e_publish_event("order", "order.refund_requested", refund_request(&w, order, pay, 10000), ev);
    expect_payment(&w.owner, pay, "partially_refunded", 10000);
    assert_int_equal(refunds(pay, "succeeded"), 1);
    assert_int_equal(ledger_rows(pay), 2);
    assert_int_equal(ledger_sum(pay), 3 * PRICE - 10000);
    assert_int_equal(outbox_events("refund.succeeded", pay), 1);
    /* the same event again changes nothing */
    e2e_publish_event_id("order", "order.refund_requested", refund_request(&w, order, pay, 10000), ev);
    usleep(1500 * 1000);
    assert_int_equal(e2e_db_int("SELECT COUNT(*) FROM pb_payment.refund WHERE payment_id = ?", "s", pay), 1);
    expect_payment(&w.owner, pay, "partially_refunded", 10000);
    /* more than is left: clamped to the 26000 left */
    e2e_publish_event("order", "order.refund_requested", refund_request(&w, order, pay, 999999), NULL);
    expect_payment(&w.owner, pay, "refunded", 3 * PRICE);
    assert_int_equal(e2e_db_int("SELECT amount_fen FROM pb_payment.refund WHERE payment_id = ? AND requested_fen = ?",
                                "si", pay, (int64_t)999999),
                     3 * PRICE - 10000);
    assert_int_equal(ledger_sum(pay), 0);
    assert_int_equal(ledger_rows(pay), 3);
    assert_int_equal(outbox_events("refund.succeeded", pay), 2);
    /* nothing left: recorded as not needed, no money, no event */
    e2e_publish_event("order", "order.refund_requested", refund_request(&w, order, pay, 100), NULL);
    wait_refund_rows(pay, 3);
    assert_int_equal(refunds(pay, "not_needed"), 1);
    assert_int_equal(ledger_rows(pay), 3);
    assert_int_equal(outbox_events("refund.succeeded", pay), 2);
    assert_true(e2e_invariants_hold());
}

static void refund_of_a_payment_that_never_succeeded(void **state)
{
    (void)state;
    struct world w;
    world_new(&w);
    char order[24], pay[24];
    pending_payment(&w, 12, 1, order, pay);
    e2e_publish_event("order", "order.refund_requested", refund_request(&w, order, pay, PRICE), NULL);
    wait_refund_rows(pay, 1);
    assert_int_equal(refunds(pay, "not_needed"), 1);
    assert_int_equal(e2e_db_int("SELECT COUNT(*) FROM pb_payment.sandbox_callback WHERE payment_id = ? "
                                "AND type = 'refund.succeeded'",
                                "s", pay),
                     0);
    assert_int_equal(outbox_events("refund.succeeded", pay), 0);
    expect_payment(&w.owner, pay, "pending", 0);
    assert_int_equal(ledger_rows(pay), 0);
    assert_true(e2e_invariants_hold());
}

static void a_callback_waits_out_a_restart(void **state)
{
    (void)state;
    struct world w;
    world_new(&w);
    char order[24], pay[24];
    pending_payment(&w, 14, 1, order, pay);
    /* a slower sandbox gateway, so the service is surely down when the callback is due */
    const char *slow[] = {"PB_SANDBOX_DELAY_MIN_MS=1500", "PB_SANDBOX_DELAY_MAX_MS=1500", NULL};
    e2e_stack_service("payment", "restart", slow);
    struct resp *r = sandbox(&w.owner, pay, "succeed");
    EXPECT_STATUS(r, 202);
    e2e_resp_free(r);
    e2e_stack_service("payment", "stop", NULL);
    assert_int_equal(e2e_db_int("SELECT COUNT(*) FROM pb_payment.sandbox_callback WHERE payment_id = ? "
                                "AND state = 'pending'",
                                "s", pay),
                     1);
    assert_int_equal(e2e_db_int("SELECT COUNT(*) FROM pb_payment.payment WHERE id = ? AND status = 'pending'", "s",
                                pay),
                     1);
    usleep(2000 * 1000); /* past the callback's due time, with nobody there */
    e2e_stack_service("payment", "start", NULL);
    expect_payment(&w.owner, pay, "succeeded", 0);
    wait_delivered(pay);
    assert_int_equal(ledger_rows(pay), 1);
    assert_int_equal(outbox_events("payment.succeeded", pay), 1);
    assert_true(e2e_invariants_hold());
}

static bool order_refunded(void *arg)
{
    struct probe *p = arg;
    char path[96];
    snprintf(path, sizeof path, "/api/v1/orders/%s", p->id);
    struct resp *r = e2e_call("GET", path, p->u->token, NULL);
    bool ok = r->status == 200 && e2e_int(r, "refunded_fen") == p->refunded;
    e2e_resp_free(r);
    return ok;
}

static void cancel(const struct e2e_user *u, const char *order, long long want_refund)
{
    char path[96];
    snprintf(path, sizeof path, "/api/v1/orders/%s/cancel", order);
    struct resp *r = e2e_call("POST", path, u->token, NULL);
    EXPECT_STATUS(r, 200);
    assert_string_equal(e2e_str(r, "status"), "cancelled");
    assert_int_equal(e2e_int(r, "refund_fen"), want_refund);
    e2e_resp_free(r);
}

/* The whole saga: the order service turns cancellations (and a payment that arrives after
 * the order ended) into order.refund_requested; the refunds come back as refund.succeeded. */
static void the_order_saga_refunds_through_payments(void **state)
{
    (void)state;
    struct world w;
    world_new(&w);
    char o1[24], p1[24], o2[24], p2[24], o3[24], p3[24];
    /* paid, then cancelled well before the stay: everything back */
    paid_payment(&w, 10, 2, o1, p1);
    struct probe op = {&w.owner, o1, "paid", -1};
    assert_true(e2e_eventually(order_is, &op, 5000));
    cancel(&w.owner, o1, 2 * PRICE);
    expect_payment(&w.owner, p1, "refunded", 2 * PRICE);
    struct probe orf = {&w.owner, o1, NULL, 2 * PRICE};
    assert_true(e2e_eventually(order_refunded, &orf, 5000));
    assert_int_equal(ledger_sum(p1), 0);
    /* paid, cancelled the day before: half back */
    paid_payment(&w, 1, 1, o2, p2);
    op.id = o2;
    assert_true(e2e_eventually(order_is, &op, 5000));
    cancel(&w.owner, o2, PRICE / 2);
    expect_payment(&w.owner, p2, "partially_refunded", PRICE / 2);
    assert_int_equal(ledger_sum(p2), PRICE / 2);
    /* the money arrives after the owner cancelled the unpaid order: all of it goes back */
    pending_payment(&w, 20, 1, o3, p3);
    cancel(&w.owner, o3, 0);
    struct resp *r = sandbox(&w.owner, p3, "succeed");
    EXPECT_STATUS(r, 202);
    e2e_resp_free(r);
    expect_payment(&w.owner, p3, "refunded", PRICE);
    assert_int_equal(ledger_rows(p3), 2);
    assert_int_equal(ledger_sum(p3), 0);
    struct probe orf3 = {&w.owner, o3, NULL, PRICE};
    assert_true(e2e_eventually(order_refunded, &orf3, 5000));
    assert_true(e2e_invariants_hold());
}

struct race {
    const struct world *w;
    char order[4][24], pay[4][24];
};

/* Pair k: the sandbox pays, and k x 250 ms later the owner cancels, so the callback lands
 * before, during or after the cancellation. */
static void pay_or_cancel(int i, void *arg)
{
    struct race *x = arg;
    int k = i / 2;
    if (i % 2 == 0) {
        struct resp *r = sandbox(&x->w->owner, x->pay[k], "succeed");
        EXPECT_STATUS(r, 202);
        e2e_resp_free(r);
    } else {
        usleep((useconds_t)k * 250 * 1000);
        char path[96];
        snprintf(path, sizeof path, "/api/v1/orders/%s/cancel", x->order[k]);
        struct resp *r = e2e_call("POST", path, x->w->owner.token, NULL);
        EXPECT_STATUS(r, 200);
        e2e_resp_free(r);
    }
}

static void paying_races_cancelling(void **state)
{
    (void)state;
    struct world w;
    world_new(&w);
    struct race x = {&w, {{0}}, {{0}}};
    for (int k = 0; k < 4; k++)
        pending_payment(&w, 30 + 2 * k, 1, x.order[k], x.pay[k]);
    e2e_parallel(8, pay_or_cancel, &x);
    /* whichever came first, the owner ends with everything back: a cancellation days before
     * the stay refunds all that was paid, and a payment after it is refunded whole */
    for (int k = 0; k < 4; k++) {
        expect_payment(&w.owner, x.pay[k], "refunded", PRICE);
        struct probe st = {&w.owner, x.order[k], "cancelled", -1}, rf = {&w.owner, x.order[k], NULL, PRICE};
        assert_true(order_is(&st));
        assert_true(e2e_eventually(order_refunded, &rf, 5000));
        assert_int_equal(ledger_sum(x.pay[k]), 0);
    }
    assert_true(e2e_invariants_hold());
}

static bool callback_attempts(void *arg)
{
    const char *pay = arg;
    return e2e_db_int("SELECT COALESCE(MAX(attempts), 0) FROM pb_payment.sandbox_callback WHERE payment_id = ?", "s",
                      pay) >= 3;
}

static void callbacks_are_retried_until_accepted(void **state)
{
    (void)state;
    struct world w;
    world_new(&w);
    char order[24], pay[24];
    pending_payment(&w, 16, 1, order, pay);
    /* the gateway cannot reach the webhook for a while */
    const char *down[] = {"PB_PUBLIC_URL=http://127.0.0.1:1", "PB_SANDBOX_RETRY_BASE_MS=100",
                          "PB_SANDBOX_RETRY_MAX_MS=400", NULL};
    e2e_stack_service("payment", "restart", down);
    struct resp *r = sandbox(&w.owner, pay, "succeed");
    EXPECT_STATUS(r, 202);
    e2e_resp_free(r);
    assert_true(e2e_eventually(callback_attempts, pay, 8000));
    assert_true(e2e_metric("payment", "pb_payment_callbacks_retried_total{service=\"payment\"}") >= 2);
    assert_int_equal(e2e_db_int("SELECT COUNT(*) FROM pb_payment.sandbox_callback WHERE payment_id = ? "
                                "AND state = 'pending' AND last_error IS NOT NULL",
                                "s", pay),
                     1);
    expect_payment(&w.owner, pay, "pending", 0);
    /* reachable again: the next attempt gets through */
    e2e_stack_service("payment", "restart", NULL);
    expect_payment(&w.owner, pay, "succeeded", 0);
    wait_delivered(pay);
    assert_int_equal(e2e_db_int("SELECT COUNT(*) FROM pb_payment.sandbox_callback WHERE payment_id = ? "
                                "AND state = 'delivered' AND attempts >= 4",
                                "s", pay),
                     1);
    assert_int_equal(ledger_rows(pay), 1);
    assert_true(e2e_invariants_hold());
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(pay_through_the_sandbox),
        cmocka_unit_test(declined_in_the_sandbox),
        cmocka_unit_test(who_may_pay_and_bad_input),
        cmocka_unit_test(idempotency_key),
        cmocka_unit_test(forged_webhooks_change_nothing),
        cmocka_unit_test(the_same_callback_five_times_at_once),
        cmocka_unit_test(refunds_through_the_same_path),
        cmocka_unit_test(refund_of_a_payment_that_never_succeeded),
        cmocka_unit_test(the_order_saga_refunds_through_payments),
        cmocka_unit_test(paying_races_cancelling),
        cmocka_unit_test(a_callback_waits_out_a_restart),
        cmocka_unit_test(callbacks_are_retried_until_accepted),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
