/* Payment rules: the status a set of ledger rows implies, refund clamping, the retry
 * schedule of the sandbox gateway, and the payment's API shape. */
#include "unit.h"
#include "rules.h"

#include <string.h>

#define CHARGE(x) {LEDGER_CHARGE, (x)}
#define REFUND(x) {LEDGER_REFUND, -(x)}

static void status_names(void **state)
{
    (void)state;
    for (int i = 0; i < PS__COUNT; i++)
        assert_int_equal(pay_status_parse(PAY_STATUS_NAMES[i]), i);
    assert_int_equal(pay_status_parse("paid"), -1);
    assert_int_equal(pay_status_parse(NULL), -1);
    assert_false(pay_status_captured(PS_PENDING));
    assert_false(pay_status_captured(PS_FAILED));
    assert_true(pay_status_captured(PS_SUCCEEDED));
    assert_true(pay_status_captured(PS_PARTIALLY_REFUNDED));
    assert_true(pay_status_captured(PS_REFUNDED));
}

static void status_after_ledger_rows(void **state)
{
    (void)state;
    struct ledger_totals t;
    /* nothing moved: the status stays pending (or failed) */
    assert_int_equal(ledger_status(PS_PENDING, NULL, 0, &t), PS_PENDING);
    assert_int_equal(t.net, 0);
    assert_int_equal(ledger_status(PS_FAILED, NULL, 0, &t), PS_FAILED);
    /* a charge */
    struct ledger_row a[] = {CHARGE(36000)};
    assert_int_equal(ledger_status(PS_PENDING, a, 1, &t), PS_SUCCEEDED);
    assert_int_equal(t.charges, 1);
    assert_int_equal(t.charged, 36000);
    assert_int_equal(t.net, 36000);
    /* part refunded, in two refunds */
    struct ledger_row b[] = {CHARGE(36000), REFUND(10000), REFUND(8000)};
    assert_int_equal(ledger_status(PS_PENDING, b, 3, &t), PS_PARTIALLY_REFUNDED);
    assert_int_equal(t.refunded, 18000);
    assert_int_equal(t.net, 18000);
    /* everything back: refunded, net 0 */
    struct ledger_row c[] = {CHARGE(36000), REFUND(18000), REFUND(18000)};
    assert_int_equal(ledger_status(PS_PENDING, c, 3, &t), PS_REFUNDED);
    assert_int_equal(t.net, 0);
    /* rows in any order */
    struct ledger_row d[] = {REFUND(1), CHARGE(2)};
    assert_int_equal(ledger_status(PS_PENDING, d, 2, &t), PS_PARTIALLY_REFUNDED);
    assert_int_equal(t.net, 1);
    /* a single fen left */
    struct ledger_row e[] = {CHARGE(100), REFUND(99)};
    assert_int_equal(ledger_status(PS_SUCCEEDED, e, 2, NULL), PS_PARTIALLY_REFUNDED);
    /* the same numbers through the shortcut the webhook uses */
    assert_int_equal(pay_status_refunded(36000, 0), PS_SUCCEEDED);
    assert_int_equal(pay_status_refunded(36000, 1), PS_PARTIALLY_REFUNDED);
    assert_int_equal(pay_status_refunded(36000, 35999), PS_PARTIALLY_REFUNDED);
    assert_int_equal(pay_status_refunded(36000, 36000), PS_REFUNDED);
}

static void refund_clamping(void **state)
{
    (void)state;
    struct refund_plan p;
    /* the whole amount */
    p = refund_plan(PS_SUCCEEDED, 36000, 0, 0, 36000);
    assert_true(p.needed);
    assert_false(p.clamped);
    assert_int_equal(p.amount_fen, 36000);
    assert_null(p.note);
    /* part of it */
    p = refund_plan(PS_SUCCEEDED, 36000, 0, 0, 18000);
    assert_true(p.needed);
    assert_int_equal(p.amount_fen, 18000);
    /* more than was paid: clamped to the payment */
    p = refund_plan(PS_SUCCEEDED, 36000, 0, 0, 50000);
    assert_true(p.needed);
    assert_true(p.clamped);
    assert_int_equal(p.amount_fen, 36000);
    assert_non_null(p.note);
    /* what was refunded and what is on its way back count */
    p = refund_plan(PS_PARTIALLY_REFUNDED, 36000, 20000, 10000, 10000);
    assert_true(p.clamped);
    assert_int_equal(p.amount_fen, 6000);
    p = refund_plan(PS_PARTIALLY_REFUNDED, 36000, 20000, 0, 16000);
    assert_false(p.clamped);
    assert_int_equal(p.amount_fen, 16000);
    /* nothing left */
    p = refund_plan(PS_REFUNDED, 36000, 36000, 0, 1);
    assert_false(p.needed);
    assert_int_equal(p.amount_fen, 0);
    p = refund_plan(PS_SUCCEEDED, 36000, 0, 36000, 100);
    assert_false(p.needed);
    /* a payment that captured nothing needs no refund */
    p = refund_plan(PS_PENDING, 36000, 0, 0, 36000);
    assert_false(p.needed);
    assert_int_equal(p.amount_fen, 0);
    assert_non_null(p.note);
    p = refund_plan(PS_FAILED, 36000, 0, 0, 36000);
    assert_false(p.needed);
    /* nonsense requests */
    p = refund_plan(PS_SUCCEEDED, 36000, 0, 0, 0);
    assert_false(p.needed);
    p = refund_plan(PS_SUCCEEDED, 36000, 0, 0, -5);
    assert_false(p.needed);
    /* extreme values do not overflow */
    p = refund_plan(PS_SUCCEEDED, INT64_MAX / 4, 0, 0, INT64_MAX);
    assert_int_equal(p.amount_fen, INT64_MAX / 4);
}

static void retry_schedule(void **state)
{
    (void)state;
    /* without jitter (rnd 0): 250, 500, 1000, ... up to the cap */
    assert_int_equal(retry_delay_ms(1, 250, 60000, 0), 250);
    assert_int_equal(retry_delay_ms(2, 250, 60000, 0), 500);
    assert_int_equal(retry_delay_ms(3, 250, 60000, 0), 1000);
    assert_int_equal(retry_delay_ms(8, 250, 60000, 0), 32000);
    assert_int_equal(retry_delay_ms(9, 250, 60000, 0), 60000);
    assert_int_equal(retry_delay_ms(1000, 250, 60000, 0), 60000);
    /* jitter adds at most a quarter */
    for (unsigned rnd = 0; rnd < 2000; rnd += 7) {
        long d = retry_delay_ms(3, 250, 60000, rnd);
        assert_true(d >= 1000 && d <= 1250);
    }
    /* odd settings stay sane */
    assert_int_equal(retry_delay_ms(0, 250, 60000, 0), 250);
    assert_int_equal(retry_delay_ms(5, 0, 0, 0), 1);
    assert_int_equal(retry_delay_ms(3, 500, 100, 0), 500);
}

static void payment_shape(void **state)
{
    (void)state;
    struct payment p = {.id = 4242, .order_id = 77, .owner_id = 9, .amount_fen = 36000, .refunded_fen = 6000,
                        .status = PS_PARTIALLY_REFUNDED, .created_ms = 1790000000000LL, .updated_ms = 1790000001000LL};
    json_t *j = payment_json(&p);
    assert_string_equal(json_string_value(json_object_get(j, "payment_id")), "4242");
    assert_string_equal(json_string_value(json_object_get(j, "order_id")), "77");
    assert_int_equal(json_integer_value(json_object_get(j, "amount_fen")), 36000);
    assert_int_equal(json_integer_value(json_object_get(j, "refunded_fen")), 6000);
    assert_string_equal(json_string_value(json_object_get(j, "currency")), "CNY");
    assert_string_equal(json_string_value(json_object_get(j, "status")), "partially_refunded");
    assert_string_equal(json_string_value(json_object_get(j, "pay_url")), "/api/v1/payments/4242/sandbox");
    assert_string_equal(json_string_value(json_object_get(j, "created_at")), "2026-09-21T14:13:20.000Z");
    assert_null(json_object_get(j, "owner_id"));
    assert_null(json_object_get(j, "failure_reason"));
    json_decref(j);
    p.status = PS_FAILED;
    strcpy(p.failure_reason, "declined");
    j = payment_json(&p);
    assert_string_equal(json_string_value(json_object_get(j, "failure_reason")), "declined");
    json_decref(j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(status_names),
        cmocka_unit_test(status_after_ledger_rows),
        cmocka_unit_test(refund_clamping),
        cmocka_unit_test(retry_schedule),
        cmocka_unit_test(payment_shape),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
