/* Reminder rules: each reminder is due exactly inside its window (both boundaries checked),
 * only in its order status, never without the time or date it depends on; order statuses
 * only move forward. */
#include "unit.h"
#include "dates.h"
#include "reminder.h"

#include <string.h>

#define MIN (60LL * 1000)
#define HOUR (60 * MIN)
#define DAY (24 * HOUR)

static const int64_t NOW = 1790000000000LL; /* some instant in 2026 */

static struct order_view order(enum order_status st)
{
    struct order_view o;
    memset(&o, 0, sizeof o);
    o.id = 1;
    o.owner_id = 2;
    o.provider_id = 3;
    o.status = st;
    return o;
}

static void payment_due_within_five_minutes_before_the_deadline(void **state)
{
    (void)state;
    struct order_view o = order(OS_PENDING_PAYMENT);
    int32_t today = 20000;
    o.pay_before_ms = NOW + 5 * MIN; /* exactly 5 minutes left: due */
    assert_true(remind_due(REMIND_PAYMENT_DUE, &o, NOW, today));
    o.pay_before_ms = NOW + 5 * MIN + 1; /* a millisecond more: not yet */
    assert_false(remind_due(REMIND_PAYMENT_DUE, &o, NOW, today));
    o.pay_before_ms = NOW + 1; /* the last millisecond */
    assert_true(remind_due(REMIND_PAYMENT_DUE, &o, NOW, today));
    o.pay_before_ms = NOW; /* the deadline itself: too late, the order expires */
    assert_false(remind_due(REMIND_PAYMENT_DUE, &o, NOW, today));
    o.pay_before_ms = 0; /* unknown */
    assert_false(remind_due(REMIND_PAYMENT_DUE, &o, NOW, today));
    o.pay_before_ms = NOW + MIN;
    o.status = OS_PAID; /* paid meanwhile */
    assert_false(remind_due(REMIND_PAYMENT_DUE, &o, NOW, today));
}

static void accept_due_within_two_hours(void **state)
{
    (void)state;
    struct order_view o = order(OS_PAID);
    o.accept_before_ms = NOW + 2 * HOUR;
    assert_true(remind_due(REMIND_ACCEPT_DUE, &o, NOW, 0));
    o.accept_before_ms = NOW + 2 * HOUR + 1;
    assert_false(remind_due(REMIND_ACCEPT_DUE, &o, NOW, 0));
    o.accept_before_ms = NOW;
    assert_false(remind_due(REMIND_ACCEPT_DUE, &o, NOW, 0));
    o.accept_before_ms = NOW + HOUR;
    assert_true(remind_due(REMIND_ACCEPT_DUE, &o, NOW, 0));
    o.status = OS_CONFIRMED;
    assert_false(remind_due(REMIND_ACCEPT_DUE, &o, NOW, 0));
    o.status = OS_PENDING_PAYMENT;
    assert_false(remind_due(REMIND_ACCEPT_DUE, &o, NOW, 0));
}

static void check_in_tomorrow_only_the_day_before(void **state)
{
    (void)state;
    int32_t today = date_from_civil(2026, 11, 21);
    struct order_view o = order(OS_CONFIRMED);
    o.start_date = today + 1;
    assert_true(remind_due(REMIND_CHECKIN_TOMORROW, &o, NOW, today));
    assert_false(remind_due(REMIND_CHECKIN_TOMORROW, &o, NOW, today - 1)); /* two days before */
    assert_false(remind_due(REMIND_CHECKIN_TOMORROW, &o, NOW, today + 1)); /* the day itself */
    o.status = OS_PAID; /* not accepted: no check-in to prepare */
    assert_false(remind_due(REMIND_CHECKIN_TOMORROW, &o, NOW, today));
    o.status = OS_CONFIRMED;
    o.start_date = 0;
    assert_false(remind_due(REMIND_CHECKIN_TOMORROW, &o, NOW, today));
    /* month and year ends are plain day numbers */
    today = date_from_civil(2026, 12, 31);
    o.start_date = date_from_civil(2027, 1, 1);
    assert_true(remind_due(REMIND_CHECKIN_TOMORROW, &o, NOW, today));
}

static void check_out_today_while_in_care(void **state)
{
    (void)state;
    int32_t today = date_from_civil(2026, 11, 25);
    struct order_view o = order(OS_IN_CARE);
    o.end_date = today;
    assert_true(remind_due(REMIND_CHECKOUT_TODAY, &o, NOW, today));
    assert_false(remind_due(REMIND_CHECKOUT_TODAY, &o, NOW, today - 1));
    assert_false(remind_due(REMIND_CHECKOUT_TODAY, &o, NOW, today + 1));
    o.status = OS_COMPLETED; /* checked out early */
    assert_false(remind_due(REMIND_CHECKOUT_TODAY, &o, NOW, today));
    o.status = OS_CONFIRMED; /* never checked in */
    assert_false(remind_due(REMIND_CHECKOUT_TODAY, &o, NOW, today));
}

static void review_invitation_after_an_hour_for_a_week(void **state)
{
    (void)state;
    struct order_view o = order(OS_COMPLETED);
    o.completed_ms = NOW - HOUR; /* exactly an hour: not "more than" */
    assert_false(remind_due(REMIND_REVIEW_INVITE, &o, NOW, 0));
    o.completed_ms = NOW - HOUR - 1;
    assert_true(remind_due(REMIND_REVIEW_INVITE, &o, NOW, 0));
    o.completed_ms = NOW - 7 * DAY; /* the last moment of the week */
    assert_true(remind_due(REMIND_REVIEW_INVITE, &o, NOW, 0));
    o.completed_ms = NOW - 7 * DAY - 1;
    assert_false(remind_due(REMIND_REVIEW_INVITE, &o, NOW, 0));
    o.completed_ms = 0;
    assert_false(remind_due(REMIND_REVIEW_INVITE, &o, NOW, 0));
    o.completed_ms = NOW - 2 * HOUR;
    o.status = OS_CANCELLED;
    assert_false(remind_due(REMIND_REVIEW_INVITE, &o, NOW, 0));
}

static void windows_match_the_rules(void **state)
{
    (void)state;
    /* what the candidate queries ask is what remind_due accepts, at both edges */
    int32_t today = date_from_civil(2026, 11, 21);
    for (int k = 0; k < REMIND__COUNT; k++) {
        struct remind_window w;
        remind_window((enum remind_kind)k, NOW, today, &w);
        struct order_view o = order(w.status);
        if (w.by_date) {
            if (k == REMIND_CHECKIN_TOMORROW)
                o.start_date = w.day;
            else
                o.end_date = w.day;
            assert_true(remind_due((enum remind_kind)k, &o, NOW, today));
            continue;
        }
        int64_t *t = k == REMIND_PAYMENT_DUE ? &o.pay_before_ms : k == REMIND_ACCEPT_DUE ? &o.accept_before_ms : &o.completed_ms;
        *t = w.hi_ms;
        assert_true(remind_due((enum remind_kind)k, &o, NOW, today));
        *t = w.lo_ms + 1;
        assert_true(remind_due((enum remind_kind)k, &o, NOW, today));
        *t = w.lo_ms;
        assert_false(remind_due((enum remind_kind)k, &o, NOW, today));
        *t = w.hi_ms + 1;
        assert_false(remind_due((enum remind_kind)k, &o, NOW, today));
    }
    assert_string_equal(remind_name(REMIND_CHECKOUT_TODAY), "checkout_today");
}

static void statuses_only_move_forward(void **state)
{
    (void)state;
    assert_true(order_status_rank(OS_PENDING_PAYMENT) < order_status_rank(OS_PAID));
    assert_true(order_status_rank(OS_PAID) < order_status_rank(OS_CONFIRMED));
    assert_true(order_status_rank(OS_CONFIRMED) < order_status_rank(OS_IN_CARE));
    assert_true(order_status_rank(OS_IN_CARE) < order_status_rank(OS_COMPLETED));
    assert_int_equal(order_status_rank(OS_COMPLETED), order_status_rank(OS_CANCELLED));
    assert_int_equal(order_status_rank(OS_EXPIRED), order_status_rank(OS_REJECTED));
    assert_int_equal(order_status_rank(OS_UNKNOWN), 0);
    const char *names[] = {"pending_payment", "paid", "confirmed", "in_care", "completed", "expired", "rejected",
                           "cancelled"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        assert_string_equal(order_status_name(order_status_parse(names[i])), names[i]);
    assert_int_equal(order_status_parse("shipped"), OS_UNKNOWN);
    assert_int_equal(order_status_parse(NULL), OS_UNKNOWN);
}

/* Events arrive out of order: a late order.paid neither takes a confirmed order back nor
 * erases what it does not carry; a cancellation after completion changes nothing but the
 * missing fields it brings. */
static void merging_keeps_the_furthest_status_and_what_events_lack(void **state)
{
    (void)state;
    struct order_view cur = order(OS_CONFIRMED), ev = order(OS_PAID);
    int rank = order_status_rank(OS_CONFIRMED);
    cur.listing_id = 7;
    strcpy(cur.title, "Cat hotel");
    cur.start_date = 20001;
    cur.end_date = 20003;
    cur.total_fen = 30000;
    cur.pay_before_ms = NOW;
    ev.accept_before_ms = NOW + HOUR; /* the late paid event: only the accept deadline */
    order_view_merge(&cur, &rank, &ev, order_status_rank(OS_PAID));
    assert_int_equal(cur.status, OS_CONFIRMED);
    assert_int_equal(rank, order_status_rank(OS_CONFIRMED));
    assert_int_equal(cur.listing_id, 7);
    assert_string_equal(cur.title, "Cat hotel");
    assert_int_equal(cur.start_date, 20001);
    assert_int_equal(cur.end_date, 20003);
    assert_int_equal(cur.total_fen, 30000);
    assert_int_equal(cur.pay_before_ms, NOW);
    assert_int_equal(cur.accept_before_ms, NOW + HOUR);

    struct order_view done = order(OS_COMPLETED);
    strcpy(done.title, "Renamed");
    done.completed_ms = NOW + DAY;
    done.total_fen = 0; /* not carried: keeps the stored total */
    order_view_merge(&cur, &rank, &done, order_status_rank(OS_COMPLETED));
    assert_int_equal(cur.status, OS_COMPLETED);
    assert_string_equal(cur.title, "Renamed");
    assert_int_equal(cur.completed_ms, NOW + DAY);
    assert_int_equal(cur.total_fen, 30000);

    struct order_view cancel = order(OS_CANCELLED); /* the same rank as completed: final */
    order_view_merge(&cur, &rank, &cancel, order_status_rank(OS_CANCELLED));
    assert_int_equal(cur.status, OS_COMPLETED);
    assert_int_equal(cur.owner_id, 2);
    assert_int_equal(cur.provider_id, 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(payment_due_within_five_minutes_before_the_deadline),
        cmocka_unit_test(accept_due_within_two_hours),
        cmocka_unit_test(check_in_tomorrow_only_the_day_before),
        cmocka_unit_test(check_out_today_while_in_care),
        cmocka_unit_test(review_invitation_after_an_hour_for_a_week),
        cmocka_unit_test(windows_match_the_rules),
        cmocka_unit_test(statuses_only_move_forward),
        cmocka_unit_test(merging_keeps_the_furthest_status_and_what_events_lack),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
