/* Order rules: every transition of the state machine and the illegal ones, who may do
 * what, capacity release, dates, price, the refund policy at its boundaries, monthly
 * tables and the provider schedule. */
#include "unit.h"
#include "dates.h"
#include "ids.h"
#include "order.h"

#include <string.h>

static void legal_path(void **state)
{
    (void)state;
    enum order_status s;
    assert_int_equal(order_next(OS_CREATING, OA_RESERVED, ACTOR_SYSTEM, &s), ERR_OK);
    assert_int_equal(s, OS_PENDING_PAYMENT);
    assert_int_equal(order_next(s, OA_PAY, ACTOR_SYSTEM, &s), ERR_OK);
    assert_int_equal(s, OS_PAID);
    assert_int_equal(order_next(s, OA_ACCEPT, ACTOR_PROVIDER, &s), ERR_OK);
    assert_int_equal(s, OS_CONFIRMED);
    assert_int_equal(order_next(s, OA_CHECK_IN, ACTOR_PROVIDER, &s), ERR_OK);
    assert_int_equal(s, OS_IN_CARE);
    assert_int_equal(order_next(s, OA_CHECK_OUT, ACTOR_PROVIDER, &s), ERR_OK);
    assert_int_equal(s, OS_COMPLETED);
}

/* Every (status, action) pair: exactly the table's transitions succeed. */
static void every_pair(void **state)
{
    (void)state;
    struct {
        enum order_status from;
        enum order_action a;
        enum actor who;
        enum order_status to;
    } legal[] = {
        {OS_CREATING, OA_RESERVED, ACTOR_SYSTEM, OS_PENDING_PAYMENT},
        {OS_CREATING, OA_CREATE_FAILED, ACTOR_SYSTEM, OS_FAILED},
        {OS_PENDING_PAYMENT, OA_PAY, ACTOR_SYSTEM, OS_PAID},
        {OS_PENDING_PAYMENT, OA_EXPIRE, ACTOR_SYSTEM, OS_EXPIRED},
        {OS_PENDING_PAYMENT, OA_CANCEL, ACTOR_OWNER, OS_CANCELLED},
        {OS_PENDING_PAYMENT, OA_CANCEL, ACTOR_PROVIDER, OS_CANCELLED},
        {OS_PAID, OA_ACCEPT, ACTOR_PROVIDER, OS_CONFIRMED},
        {OS_PAID, OA_REJECT, ACTOR_PROVIDER, OS_REJECTED},
        {OS_PAID, OA_ACCEPT_TIMEOUT, ACTOR_SYSTEM, OS_REJECTED},
        {OS_PAID, OA_CANCEL, ACTOR_OWNER, OS_CANCELLED},
        {OS_PAID, OA_CANCEL, ACTOR_PROVIDER, OS_CANCELLED},
        {OS_CONFIRMED, OA_CHECK_IN, ACTOR_PROVIDER, OS_IN_CARE},
        {OS_CONFIRMED, OA_CANCEL, ACTOR_OWNER, OS_CANCELLED},
        {OS_IN_CARE, OA_CHECK_OUT, ACTOR_PROVIDER, OS_COMPLETED},
    };
    int successes = 0;
    for (int from = 0; from < OS__COUNT; from++)
        for (int a = 0; a < OA__COUNT; a++)
            for (int who = ACTOR_SYSTEM; who <= ACTOR_ADMIN; who++) {
                enum order_status to;
                enum err e = order_next((enum order_status)from, (enum order_action)a, (enum actor)who, &to);
                bool want = false;
                enum order_status want_to = OS_FAILED;
                for (size_t k = 0; k < sizeof legal / sizeof *legal; k++)
                    if (legal[k].from == (enum order_status)from && legal[k].a == (enum order_action)a &&
                        legal[k].who == (enum actor)who) {
                        want = true;
                        want_to = legal[k].to;
                    }
                if (a == OA_CANCEL && who == ACTOR_ADMIN &&
                    (from == OS_PENDING_PAYMENT || from == OS_PAID || from == OS_CONFIRMED)) {
                    want = true; /* the platform may cancel for anyone */
                    want_to = OS_CANCELLED;
                }
                if (want) {
                    assert_int_equal(e, ERR_OK);
                    assert_int_equal(to, want_to);
                    successes++;
                } else {
                    assert_true(e == ERR_CONFLICT || e == ERR_FORBIDDEN);
                }
            }
    assert_int_equal(successes, 17);
    /* roles that never may: 403, states that do not allow: 409 */
    enum order_status to;
    assert_int_equal(order_next(OS_PAID, OA_ACCEPT, ACTOR_OWNER, &to), ERR_FORBIDDEN);
    assert_int_equal(order_next(OS_PENDING_PAYMENT, OA_ACCEPT, ACTOR_PROVIDER, &to), ERR_CONFLICT);
    assert_int_equal(order_next(OS_IN_CARE, OA_CHECK_IN, ACTOR_PROVIDER, &to), ERR_CONFLICT);   /* twice */
    assert_int_equal(order_next(OS_CONFIRMED, OA_CANCEL, ACTOR_PROVIDER, &to), ERR_CONFLICT);   /* after accepting */
    assert_int_equal(order_next(OS_IN_CARE, OA_CANCEL, ACTOR_OWNER, &to), ERR_CONFLICT);        /* once in care */
    assert_int_equal(order_next(OS_COMPLETED, OA_CANCEL, ACTOR_OWNER, &to), ERR_CONFLICT);
    assert_int_equal(order_next(OS_CANCELLED, OA_PAY, ACTOR_SYSTEM, &to), ERR_CONFLICT);
}

static void releases_and_visibility(void **state)
{
    (void)state;
    assert_true(order_releases(OS_PENDING_PAYMENT, OS_EXPIRED));
    assert_true(order_releases(OS_PAID, OS_REJECTED));
    assert_true(order_releases(OS_CONFIRMED, OS_CANCELLED));
    assert_false(order_releases(OS_IN_CARE, OS_COMPLETED)); /* the nights were used */
    assert_false(order_releases(OS_CREATING, OS_FAILED));   /* never held as a live order */
    assert_false(order_status_visible(OS_CREATING));
    assert_false(order_status_visible(OS_FAILED));
    assert_true(order_status_live(OS_COMPLETED));
    assert_false(order_status_live(OS_EXPIRED));
}

static void dates_and_price(void **state)
{
    (void)state;
    const char *field;
    int32_t today = 20000;
    assert_null(order_dates_problem(today, today + 1, today, 60, &field));
    assert_null(order_dates_problem(today, today + 60, today, 60, &field));
    assert_non_null(order_dates_problem(today - 1, today + 1, today, 60, &field));
    assert_string_equal(field, "start_date");
    assert_non_null(order_dates_problem(today, today, today, 60, &field));
    assert_string_equal(field, "end_date");
    assert_non_null(order_dates_problem(today, today + 61, today, 60, &field));
    assert_string_equal(field, "end_date");
    int64_t total;
    assert_true(order_price(12000, 3, 2, &total));
    assert_int_equal(total, 72000);
    assert_false(order_price(INT64_MAX / 2, 3, 2, &total)); /* overflow refused */
    assert_false(order_price(0, 3, 1, &total));
    assert_false(order_price(100, 0, 1, &total));
}

static void refund_policy_boundaries(void **state)
{
    (void)state;
    const struct refund_rule rules[] = {{48, 100}, {-1000000, 50}};
    int32_t start = 20010;
    int64_t check_in = order_check_in_ms(start);
    assert_int_equal(check_in % 86400000, 6 * 3600000); /* 14:00 China time is 06:00 UTC */
    int64_t h = 3600000;
    assert_int_equal(order_refund(ACTOR_OWNER, OS_PAID, 10000, start, check_in - 49 * h, rules, 2), 10000);
    assert_int_equal(order_refund(ACTOR_OWNER, OS_PAID, 10000, start, check_in - 48 * h, rules, 2), 10000);
    assert_int_equal(order_refund(ACTOR_OWNER, OS_CONFIRMED, 10000, start, check_in - 47 * h, rules, 2), 5000);
    assert_int_equal(order_refund(ACTOR_OWNER, OS_CONFIRMED, 10000, start, check_in + 5 * h, rules, 2), 5000);
    assert_int_equal(order_refund(ACTOR_OWNER, OS_IN_CARE, 10000, start, check_in - 100 * h, rules, 2), 0);
    assert_int_equal(order_refund(ACTOR_PROVIDER, OS_PAID, 10000, start, check_in, rules, 2), 10000);
    assert_int_equal(order_refund(ACTOR_OWNER, OS_PENDING_PAYMENT, 0, start, check_in, rules, 2), 0);
    assert_int_equal(order_refund(ACTOR_OWNER, OS_PAID, 9999, start, check_in, rules, 2), 4999); /* rounds down */
}

static void refund_explained(void **state)
{
    (void)state;
    const struct refund_rule rules[] = {{48, 100}, {24, 50}};
    int32_t start = 20010;
    int64_t check_in = order_check_in_ms(start), h = 3600000;
    struct refund_explain why;
    assert_int_equal(order_refund_explain(ACTOR_OWNER, OS_PAID, 10000, start, check_in - 50 * h, rules, 2, &why), 10000);
    assert_int_equal(why.basis, RB_POLICY);
    assert_int_equal(why.min_hours, 48);
    assert_int_equal(why.percent, 100);
    assert_int_equal(why.hours_before, 50);
    assert_int_equal(order_refund_explain(ACTOR_OWNER, OS_CONFIRMED, 10000, start, check_in - 30 * h, rules, 2, &why),
                     5000);
    assert_int_equal(why.min_hours, 24);
    assert_int_equal(why.percent, 50);
    /* no row covers 10 hours: nothing back, and it says so */
    assert_int_equal(order_refund_explain(ACTOR_OWNER, OS_PAID, 10000, start, check_in - 10 * h, rules, 2, &why), 0);
    assert_int_equal(why.basis, RB_NO_RULE);
    assert_int_equal(why.percent, 0);
    /* nothing paid yet: the rule still applies, the refund is 0 */
    assert_int_equal(order_refund_explain(ACTOR_OWNER, OS_PENDING_PAYMENT, 0, start, check_in - 50 * h, rules, 2, &why),
                     0);
    assert_int_equal(why.basis, RB_POLICY);
    assert_int_equal(why.percent, 100);
    assert_int_equal(order_refund_explain(ACTOR_OWNER, OS_IN_CARE, 10000, start, check_in - 50 * h, rules, 2, &why), 0);
    assert_int_equal(why.basis, RB_STAY_STARTED);
    assert_int_equal(order_refund_explain(ACTOR_PROVIDER, OS_PAID, 10000, start, check_in, rules, 2, &why), 10000);
    assert_int_equal(why.basis, RB_NOT_OWNER);
    /* order_refund is the same function: every branch agrees */
    for (int hours = -100; hours <= 100; hours += 7)
        for (int st = OS_PENDING_PAYMENT; st <= OS_CANCELLED; st++)
            assert_int_equal(order_refund(ACTOR_OWNER, st, 9999, start, check_in - hours * h, rules, 2),
                             order_refund_explain(ACTOR_OWNER, st, 9999, start, check_in - hours * h, rules, 2, NULL));
}

static void refund_quote_shape(void **state)
{
    (void)state;
    const struct refund_rule rules[] = {{48, 100}, {-1000000, 50}};
    struct order o = {.id = 123, .status = OS_CONFIRMED, .paid_fen = 12000, .start = 20010};
    int64_t check_in = order_check_in_ms(o.start), h = 3600000;
    json_t *q = order_refund_quote_json(&o, check_in - 30 * h, rules, 2);
    assert_string_equal(json_string_value(json_object_get(q, "order_id")), "123");
    assert_string_equal(json_string_value(json_object_get(q, "status")), "confirmed");
    assert_true(json_is_true(json_object_get(q, "cancellable")));
    assert_int_equal(json_integer_value(json_object_get(q, "paid_fen")), 12000);
    assert_int_equal(json_integer_value(json_object_get(q, "refund_fen")), 6000);
    assert_int_equal(json_integer_value(json_object_get(q, "percent")), 50);
    json_t *rule = json_object_get(q, "rule");
    assert_string_equal(json_string_value(json_object_get(rule, "basis")), "policy");
    assert_int_equal(json_integer_value(json_object_get(rule, "min_hours_before")), -1000000);
    assert_int_equal(json_integer_value(json_object_get(rule, "percent")), 50);
    assert_int_equal(json_integer_value(json_object_get(rule, "hours_before")), 30);
    json_decref(q);
    /* the owner cannot cancel once the pet is in care, nor a finished order */
    const enum order_status closed[] = {OS_IN_CARE, OS_COMPLETED, OS_EXPIRED, OS_REJECTED, OS_CANCELLED};
    for (size_t i = 0; i < sizeof closed / sizeof *closed; i++) {
        o.status = closed[i];
        q = order_refund_quote_json(&o, check_in - 100 * h, rules, 2);
        assert_true(json_is_false(json_object_get(q, "cancellable")));
        assert_int_equal(json_integer_value(json_object_get(q, "refund_fen")), 0);
        assert_int_equal(json_integer_value(json_object_get(q, "percent")), 0);
        rule = json_object_get(q, "rule");
        assert_string_equal(json_string_value(json_object_get(rule, "basis")), "not_cancellable");
        assert_true(json_is_null(json_object_get(rule, "min_hours_before")));
        json_decref(q);
    }
    assert_true(order_owner_may_cancel(OS_PENDING_PAYMENT));
    assert_true(order_owner_may_cancel(OS_PAID));
    assert_true(order_owner_may_cancel(OS_CONFIRMED));
}

static void quote_shape(void **state)
{
    (void)state;
    struct order o = {.listing_id = 77, .pets = 2, .start = 20010, .end = 20013, .nights = 3, .price_fen = 12000};
    assert_true(order_price(o.price_fen, o.nights, o.pets, &o.total_fen));
    json_t *q = order_quote_json(&o);
    assert_int_equal(json_object_size(q), 8);
    assert_string_equal(json_string_value(json_object_get(q, "listing_id")), "77");
    assert_string_equal(json_string_value(json_object_get(q, "start_date")), "2024-10-14");
    assert_string_equal(json_string_value(json_object_get(q, "end_date")), "2024-10-17");
    assert_int_equal(json_integer_value(json_object_get(q, "nights")), 3);
    assert_int_equal(json_integer_value(json_object_get(q, "pets")), 2);
    assert_int_equal(json_integer_value(json_object_get(q, "price_per_night_fen")), 12000);
    assert_int_equal(json_integer_value(json_object_get(q, "total_fen")), 72000);
    assert_string_equal(json_string_value(json_object_get(q, "currency")), "CNY");
    json_decref(q);
}

static void month_tables(void **state)
{
    (void)state;
    char t[32];
    uint64_t id = ids_compose(1796000000000LL, 1, 0); /* 2026-11-30 */
    order_month_table(id, "orders", t, sizeof t);
    assert_string_equal(t, "orders_202611");
    id = ids_compose(1796000000000LL + 86400000LL * 2, 1, 0); /* two days later: December */
    order_month_table(id, "orders", t, sizeof t);
    assert_string_equal(t, "orders_202612");
    assert_true(order_id_plausible(id, 1796000000000LL + 86400000LL * 2));
    assert_false(order_id_plausible(5, 1796000000000LL)); /* at the epoch instant: junk */
    assert_false(order_id_plausible(ids_compose(1796000000000LL + 10 * 86400000LL, 1, 0), 1796000000000LL));
}

static void schedule(void **state)
{
    (void)state;
    struct stay s[] = {{11, 100, 103, 1, OS_CONFIRMED}, {22, 102, 104, 2, OS_PAID}};
    json_t *days = order_schedule(s, 2, 100, 104);
    assert_int_equal(json_array_size(days), 5);
    json_t *d102 = json_array_get(days, 2);
    assert_int_equal(json_array_size(json_object_get(d102, "arrivals")), 1);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(d102, "in_care"), "pets")), 3);
    json_t *d103 = json_array_get(days, 3);
    assert_string_equal(json_string_value(json_array_get(json_object_get(d103, "departures"), 0)), "11");
    assert_int_equal(json_integer_value(json_object_get(json_object_get(d103, "in_care"), "orders")), 1);
    json_t *d104 = json_array_get(days, 4);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(d104, "in_care"), "orders")), 0);
    json_decref(days);
}

static void care_window(void **state)
{
    (void)state;
    int32_t start = 100, end = 103;
    assert_null(order_care_window_problem(OS_IN_CARE, end, 101));
    assert_null(order_care_window_problem(OS_COMPLETED, end, 104));     /* the day after the stay */
    assert_non_null(order_care_window_problem(OS_COMPLETED, end, 105)); /* more than a day after */
    assert_non_null(order_care_window_problem(OS_CONFIRMED, end, 100)); /* before check-in */
    assert_non_null(order_care_window_problem(OS_CANCELLED, end, 101));
    assert_null(order_care_date_problem(start, end, 100, 101));
    assert_null(order_care_date_problem(start, end, 103, 104));        /* the departure day */
    assert_non_null(order_care_date_problem(start, end, 99, 101));
    assert_non_null(order_care_date_problem(start, end, 102, 101));    /* future */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(legal_path),        cmocka_unit_test(every_pair),
        cmocka_unit_test(releases_and_visibility), cmocka_unit_test(dates_and_price),
        cmocka_unit_test(refund_policy_boundaries), cmocka_unit_test(month_tables),
        cmocka_unit_test(schedule),        cmocka_unit_test(care_window),
        cmocka_unit_test(refund_explained), cmocka_unit_test(refund_quote_shape),
        cmocka_unit_test(quote_shape),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
