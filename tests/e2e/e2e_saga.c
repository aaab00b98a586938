/* The booking saga under faults, across services through the gateway: the order service
 * killed between the payment callback and the order update, NATS stopped for 10 s during a
 * burst of bookings and payments, a consumer left by an older version with another ack wait,
 * and one whole stay from booking to review. Every scenario
 * ends with the invariant checker. */
#include "harness.h"
#include "dates.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct e2e_user owner, provider;
static char listing[24];

static int setup(void **state)
{
    (void)state;
    e2e_user_new(&owner, "owner");
    e2e_provider_approved(&provider);
    e2e_listing_new(&provider, json_pack("{s:i}", "capacity", 20), true, listing);
    return 0;
}

/* Book nights [from, from+nights) for a new pet; the order id goes to id. */
static void book(int from, int nights, char *id)
{
    char pet[24], s[DATE_STR_LEN], e[DATE_STR_LEN];
    e2e_pet_new(&owner, NULL, pet);
    date_format(date_today() + from, s);
    date_format(date_today() + from + nights, e);
    struct resp *r = e2e_call("POST", "/api/v1/orders", owner.token,
                              json_pack("{s:s,s:[s],s:s,s:s}", "listing_id", listing, "pet_ids", pet, "start_date", s,
                                        "end_date", e));
    EXPECT_STATUS(r, 201);
    snprintf(id, 24, "%s", e2e_str(r, "id"));
    e2e_resp_free(r);
}

/* Start a payment (the payment service asks the order service for the amount). */
static void pay_start(const char *order, char *pid)
{
    struct resp *r = e2e_call("POST", "/api/v1/payments", owner.token, json_pack("{s:s}", "order_id", order));
    EXPECT_STATUS(r, 201);
    snprintf(pid, 24, "%s", e2e_str(r, "payment_id"));
    e2e_resp_free(r);
}

/* The sandbox gateway decides "succeed" and calls the webhook back asynchronously. */
static void pay_decide(const char *pid)
{
    char path[96];
    snprintf(path, sizeof path, "/api/v1/payments/%s/sandbox", pid);
    struct resp *r = e2e_call("POST", path, owner.token, json_pack("{s:s}", "outcome", "succeed"));
    EXPECT_STATUS(r, 202);
    e2e_resp_free(r);
}

struct probe {
    const char *path;
    const char *field, *want;
};

static bool field_is(void *arg)
{
    struct probe *p = arg;
    struct resp *r = e2e_call("GET", p->path, owner.token, NULL);
    bool ok = r->status == 200 && e2e_str(r, p->field) && strcmp(e2e_str(r, p->field), p->want) == 0;
    e2e_resp_free(r);
    return ok;
}

static bool status_is(const char *kind, const char *id, const char *want, long timeout_ms)
{
    char path[96];
    snprintf(path, sizeof path, "/api/v1/%s/%s", kind, id);
    struct probe p = {path, "status", want};
    return e2e_eventually(field_is, &p, timeout_ms);
}

static void order_killed_between_callback_and_update(void **state)
{
    (void)state;
    char order[24], pid[24];
    book(2, 2, order);
    pay_start(order, pid);
    e2e_stack_service("order", "kill", NULL);
    pay_decide(pid);
    /* the payment completes while the order service is dead: the fact waits in the stream */
    assert_true(status_is("payments", pid, "succeeded", 10000));
    e2e_stack_service("order", "start", NULL);
    assert_true(status_is("orders", order, "paid", 10000)); /* with no help */
    assert_true(e2e_invariants_hold());
}

/* A durable consumer left by an older version with another ack wait (a client refuses to bind
 * to a durable whose stored configuration differs from what it asks for): the order service
 * brings it to this version's 10 s when it starts, and the payment made meanwhile still makes
 * the order paid. */
static void a_consumer_left_with_another_ack_wait_still_consumes(void **state)
{
    (void)state;
    char order[24], pid[24];
    book(6, 1, order);
    pay_start(order, pid);
    e2e_stack_service("order", "stop", NULL);
    assert_int_equal(e2e_consumer_ack_wait_ms("order-payments", 45000), 45000);
    pay_decide(pid);
    assert_true(status_is("payments", pid, "succeeded", 10000));
    e2e_stack_service("order", "start", NULL);
    assert_true(status_is("orders", order, "paid", 15000));
    assert_int_equal(e2e_consumer_ack_wait_ms("order-payments", 0), 10000);
    assert_true(e2e_invariants_hold());
}

static bool outboxes_empty(void *arg)
{
    (void)arg;
    return e2e_db_int("SELECT COUNT(*) FROM pb_payment.outbox WHERE sent_ms IS NULL", "") == 0 &&
           e2e_db_int("SELECT COUNT(*) FROM pb_order.outbox WHERE sent_ms IS NULL", "") == 0;
}

static void nats_down_for_ten_seconds_during_a_burst(void **state)
{
    (void)state;
    enum { N = 8 };
    char orders[N][24], pids[N][24];
    e2e_stack_infra("nats", "stop");
    for (int i = 0; i < N; i++) { /* bookings and payments go on without the bus */
        book(5 + i % 3, 1, orders[i]);
        pay_start(orders[i], pids[i]);
        pay_decide(pids[i]);
    }
    for (int i = 0; i < N; i++)
        assert_true(status_is("payments", pids[i], "succeeded", 10000));
    sleep(10);
    /* nothing could be announced: the orders still wait, the events wait in the outboxes */
    assert_true(status_is("orders", orders[0], "pending_payment", 100));
    assert_true(e2e_db_int("SELECT COUNT(*) FROM pb_payment.outbox WHERE sent_ms IS NULL", "") >= N);
    e2e_stack_infra("nats", "start");
    for (int i = 0; i < N; i++)
        assert_true(status_is("orders", orders[i], "paid", 20000));
    /* the outboxes drain: the last order's own order.paid may still be on its way out */
    assert_true(e2e_eventually(outboxes_empty, NULL, 5000));
    assert_true(e2e_invariants_hold());
}

struct rating_probe {
    const char *path;
    long long count;
};

static bool rating_count(void *arg)
{
    struct rating_probe *p = arg;
    struct resp *r = e2e_call("GET", p->path, NULL, NULL);
    bool ok = r->status == 200 && e2e_int(r, "rating.count") == p->count;
    e2e_resp_free(r);
    return ok;
}

static struct resp *act(const char *order, const char *action)
{
    char path[128];
    snprintf(path, sizeof path, "/api/v1/orders/%s/%s", order, action);
    return e2e_call("POST", path, provider.token, NULL);
}

/* One stay from the booking to the listing's new rating, every step through the gateway. */
static void whole_stay_journey(void **state)
{
    (void)state;
    char order[24];
    book(0, 1, order);
    e2e_pay(&owner, order, NULL);
    const char *steps[] = {"accept", "check-in", "check-out"};
    for (int i = 0; i < 3; i++) {
        struct resp *r = act(order, steps[i]);
        EXPECT_STATUS(r, 200);
        e2e_resp_free(r);
    }
    /* order.completed reaches the review service: the owner may now review */
    struct resp *r = NULL;
    for (int i = 0; i < 100; i++) {
        e2e_resp_free(r);
        r = e2e_call("POST", "/api/v1/reviews", owner.token,
                     json_pack("{s:s,s:i,s:s}", "order_id", order, "rating", 5, "text", "非常用心，每天都有照片！"));
        if (r->status != 409)
            break;
        usleep(100000);
    }
    EXPECT_STATUS(r, 201);
    e2e_resp_free(r);
    /* rating.updated reaches the listing (search sorts by it) */
    char path[96];
    snprintf(path, sizeof path, "/api/v1/listings/%s", listing);
    struct rating_probe p = {path, 1};
    assert_true(e2e_eventually(rating_count, &p, 10000));
    assert_true(e2e_invariants_hold());
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(order_killed_between_callback_and_update),
        cmocka_unit_test(nats_down_for_ten_seconds_during_a_burst),
        cmocka_unit_test(a_consumer_left_with_another_ack_wait_still_consumes),
        cmocka_unit_test(whole_stay_journey),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
