/* Bookings through the gateway: creation rules, server-side price, idempotency, the stay
 * lifecycle with every transition (and illegal ones), cancellation and refunds by policy,
 * timed expiry and acceptance timeout, pet access during a stay, schedules, my-orders
 * pagination across a month boundary. */
#include "harness.h"
#include "dates.h"
#include "ids.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void day(int offset, char *buf) { date_format(date_today() + offset, buf); }

static struct resp *book(const struct e2e_user *u, const char *listing, const char *const *pets, int npets, int from,
                         int nights, const char *key)
{
    char s[DATE_STR_LEN], e[DATE_STR_LEN], hdr[128];
    day(from, s);
    day(from + nights, e);
    json_t *ids = json_array();
    for (int i = 0; i < npets; i++)
        json_array_append_new(ids, json_string(pets[i]));
    json_t *body = json_pack("{s:s,s:o,s:s,s:s,s:i}", "listing_id", listing, "pet_ids", ids, "start_date", s,
                             "end_date", e, "total_fen", 1); /* a client price is ignored */
    char *text = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    snprintf(hdr, sizeof hdr, "Idempotency-Key: %s", key ? key : "");
    const char *h[] = {hdr, NULL};
    struct resp *r = e2e_call_raw("POST", "/api/v1/orders", u->token, "application/json", text, strlen(text),
                                  key ? h : NULL);
    free(text);
    return r;
}

static struct resp *act(const char *order, const char *action, const struct e2e_user *u, json_t *body)
{
    char path[128];
    snprintf(path, sizeof path, "/api/v1/orders/%s/%s", order, action);
    return e2e_call("POST", path, u ? u->token : NULL, body);
}

static long long reserved_on(const char *listing, int offset)
{
    char d[DATE_STR_LEN];
    day(offset, d);
    char path[192];
    snprintf(path, sizeof path, "/api/v1/listings/%s/availability?from=%s&to=%s", listing, d, d);
    struct resp *r = e2e_call("GET", path, NULL, NULL);
    long long v = e2e_int(r, "0.reserved");
    e2e_resp_free(r);
    return v;
}

struct world {
    struct e2e_user owner, other, provider, provider2;
    char listing[24], cat_listing[24], dog[24], cat[24], big[24], others_pet[24];
};

static void world_new(struct world *w)
{
    e2e_user_new(&w->owner, "owner");
    e2e_user_new(&w->other, "owner");
    e2e_provider_approved(&w->provider);
    e2e_provider_approved(&w->provider2);
    e2e_listing_new(&w->provider, json_pack("{s:i,s:i,s:[s],s:f}", "capacity", 3, "price_per_night_fen", 12000,
                                            "species", "dog", "max_weight_kg", 30.0),
                    true, w->listing);
    e2e_listing_new(&w->provider2, json_pack("{s:[s]}", "species", "cat"), true, w->cat_listing);
    e2e_pet_new(&w->owner, NULL, w->dog);
    e2e_pet_new(&w->owner, json_pack("{s:s,s:s,s:f}", "name", "咪咪", "species", "cat", "weight_kg", 4.0), w->cat);
    e2e_pet_new(&w->owner, json_pack("{s:s,s:f}", "name", "大黄", "weight_kg", 45.0), w->big);
    e2e_pet_new(&w->other, NULL, w->others_pet);
}

static void booking_and_price(void **state)
{
    (void)state;
    struct world w;
    world_new(&w);
    const char *pets[] = {w.dog};
    struct resp *r = book(&w.owner, w.listing, pets, 1, 3, 3, NULL);
    EXPECT_STATUS(r, 201);
    assert_string_equal(e2e_str(r, "status"), "pending_payment");
    assert_int_equal(e2e_int(r, "total_fen"), 36000); /* 12000 x 3 nights x 1 pet, not the 1 the client sent */
    assert_int_equal(e2e_int(r, "nights"), 3);
    assert_string_equal(e2e_str(r, "currency"), "CNY");
    assert_string_equal(e2e_str(r, "provider_id"), w.provider.id);
    assert_non_null(e2e_str(r, "pay_before"));
    assert_non_null(strstr(r->location, e2e_str(r, "id")));
    char id[24];
    snprintf(id, sizeof id, "%s", e2e_str(r, "id"));
    e2e_resp_free(r);
    for (int d = 3; d < 6; d++)
        assert_int_equal(reserved_on(w.listing, d), 1);
    assert_int_equal(reserved_on(w.listing, 6), 0);
    /* the owner, the provider and an admin see it with its history; nobody else does */
    char path[96];
    snprintf(path, sizeof path, "/api/v1/orders/%s", id);
    r = e2e_call("GET", path, w.owner.token, NULL);
    EXPECT_STATUS(r, 200);
    assert_string_equal(e2e_str(r, "history.0.status"), "pending_payment");
    assert_string_equal(e2e_str(r, "history.0.by"), "owner");
    e2e_resp_free(r);
    r = e2e_call("GET", path, w.provider.token, NULL);
    EXPECT_STATUS(r, 200);
    e2e_resp_free(r);
    struct e2e_user admin;
    e2e_admin(&admin);
    r = e2e_call("GET", path, admin.token, NULL);
    EXPECT_STATUS(r, 200);
    e2e_resp_free(r);
    r = e2e_call("GET", path, w.other.token, NULL);
    EXPECT_ERROR(r, 404, "not_found");
    e2e_resp_free(r);
    r = e2e_call("GET", path, w.provider2.token, NULL);
    EXPECT_ERROR(r, 404, "not_found");
    e2e_resp_free(r);
    assert_true(e2e_invariants_hold());
}

static void idempotent_booking(void **state)
{
    (void)state;
    struct world w;
    world_new(&w);
    const char *pets[] = {w.dog};
    char key[40];
    e2e_unique_name(key, sizeof key, "book-");
    struct resp *a = book(&w.owner, w.listing, pets, 1, 2, 2, key), *b = book(&w.owner, w.listing, pets, 1, 2, 2, key);
    EXPECT_STATUS(a, 201);
    EXPECT_STATUS(b, 201);
    assert_string_equal(e2e_str(a, "id"), e2e_str(b, "id")); /* the first answer, replayed */
    e2e_resp_free(a);
    e2e_resp_free(b);
    assert_int_equal(reserved_on(w.listing, 2), 1); /* held once */
    /* the same key with another request is refused */
    b = book(&w.owner, w.listing, pets, 1, 5, 2, key);
    EXPECT_ERROR(b, 422, "validation_failed");
    assert_non_null(e2e_field_error(b, "Idempotency-Key"));
    e2e_resp_free(b);
}

static void booking_refusals(void **state)
{
    (void)state;
    struct world w;
    world_new(&w);
    const char *dog[] = {w.dog}, *cat[] = {w.cat}, *big[] = {w.big}, *foreign[] = {w.others_pet};
    struct resp *r = book(&w.provider, w.listing, dog, 1, 1, 1, NULL);
    EXPECT_ERROR(r, 403, "forbidden");
    e2e_resp_free(r);
    r = book(&w.owner, w.listing, foreign, 1, 1, 1, NULL);
    EXPECT_ERROR(r, 404, "not_found"); /* someone else's pet */
    e2e_resp_free(r);
    r = book(&w.owner, w.listing, dog, 1, -1, 2, NULL);
    EXPECT_ERROR(r, 422, "validation_failed");
    assert_non_null(e2e_field_error(r, "start_date"));
    e2e_resp_free(r);
    r = book(&w.owner, w.listing, dog, 1, 1, 0, NULL);
    EXPECT_ERROR(r, 422, "validation_failed");
    assert_non_null(e2e_field_error(r, "end_date"));
    e2e_resp_free(r);
    r = book(&w.owner, w.listing, dog, 1, 1, 61, NULL);
    EXPECT_ERROR(r, 422, "validation_failed");
    assert_non_null(e2e_field_error(r, "end_date"));
    e2e_resp_free(r);
    r = book(&w.owner, "99999999999", dog, 1, 1, 1, NULL);
    EXPECT_ERROR(r, 422, "validation_failed");
    assert_non_null(e2e_field_error(r, "listing_id"));
    e2e_resp_free(r);
    char pending[24];
    e2e_listing_new(&w.provider, NULL, false, pending);
    r = book(&w.owner, pending, dog, 1, 1, 1, NULL);
    EXPECT_ERROR(r, 422, "validation_failed"); /* not published */
    e2e_resp_free(r);
    r = book(&w.owner, w.listing, cat, 1, 1, 1, NULL);
    EXPECT_ERROR(r, 422, "validation_failed"); /* a cat at a dogs-only listing */
    e2e_resp_free(r);
    r = book(&w.owner, w.listing, big, 1, 1, 1, NULL);
    EXPECT_ERROR(r, 422, "validation_failed"); /* 45 kg, the listing takes 30 */
    e2e_resp_free(r);
    /* malformed and mistyped */
    r = e2e_call_raw("POST", "/api/v1/orders", w.owner.token, "application/json", "{\"listing_id\":", 14, NULL);
    EXPECT_ERROR(r, 400, "bad_request");
    e2e_resp_free(r);
    r = e2e_call("POST", "/api/v1/orders", w.owner.token, json_pack("{s:i,s:s}", "listing_id", 5, "pet_ids", "x"));
    EXPECT_ERROR(r, 400, "bad_request");
    e2e_resp_free(r);
    r = e2e_call("POST", "/api/v1/orders", w.owner.token, json_pack("{}"));
    EXPECT_ERROR(r, 422, "validation_failed");
    assert_string_equal(e2e_field_error(r, "pet_ids"), "is required");
    e2e_resp_free(r);
    /* one pet cannot be in two stays on one night */
    r = book(&w.owner, w.listing, dog, 1, 10, 3, NULL);
    EXPECT_STATUS(r, 201);
    e2e_resp_free(r);
    r = book(&w.owner, w.cat_listing, dog, 1, 12, 2, NULL);
    EXPECT_ERROR(r, 422, "validation_failed"); /* cats only: species first */
    e2e_resp_free(r);
    char other_dog_listing[24];
    e2e_listing_new(&w.provider2, NULL, true, other_dog_listing);
    r = book(&w.owner, other_dog_listing, dog, 1, 12, 2, NULL);
    EXPECT_ERROR(r, 409, "conflict");
    assert_non_null(e2e_field_error(r, "pet_ids"));
    e2e_resp_free(r);
    r = book(&w.owner, other_dog_listing, dog, 1, 13, 2, NULL); /* the day it leaves: fine */
    EXPECT_STATUS(r, 201);
    e2e_resp_free(r);
    /* nothing of the refusals was kept */
    assert_true(e2e_invariants_hold());
}

static void fully_booked_names_the_night(void **state)
{
    (void)state;
    struct world w;
    world_new(&w);
    char l1[24], p[3][24];
    e2e_listing_new(&w.provider, json_pack("{s:i}", "capacity", 1), true, l1);
    for (int i = 0; i < 3; i++)
        e2e_pet_new(&w.owner, NULL, p[i]);
    const char *a[] = {p[0]}, *b[] = {p[1]};
    struct resp *r = book(&w.owner, l1, a, 1, 5, 2, NULL);
    EXPECT_STATUS(r, 201);
    e2e_resp_free(r);
    r = book(&w.owner, l1, b, 1, 3, 4, NULL); /* nights 3..6: 5 is full */
    EXPECT_ERROR(r, 409, "fully_booked");
    char d5[DATE_STR_LEN];
    day(5, d5);
    assert_string_equal(e2e_field_error(r, "night"), d5);
    e2e_resp_free(r);
    assert_int_equal(reserved_on(l1, 3), 0); /* all or nothing */
    assert_int_equal(reserved_on(l1, 5), 1);
    assert_true(e2e_invariants_hold());
}

static void full_lifecycle_and_illegal_moves(void **state)
{
    (void)state;
    struct world w;
    world_new(&w);
    const char *dog[] = {w.dog};
    struct resp *r = book(&w.owner, w.listing, dog, 1, 0, 2, NULL); /* starts today */
    EXPECT_STATUS(r, 201);
    char id[24];
    snprintf(id, sizeof id, "%s", e2e_str(r, "id"));
    e2e_resp_free(r);
    /* illegal before payment */
    r = act(id, "accept", &w.provider, NULL);
    EXPECT_ERROR(r, 409, "conflict");
    e2e_resp_free(r);
    r = act(id, "check-in", &w.provider, NULL);
    EXPECT_ERROR(r, 409, "conflict");
    e2e_resp_free(r);
    e2e_pay(&w.owner, id, NULL);
    r = act(id, "accept", &w.owner, NULL);
    EXPECT_ERROR(r, 403, "forbidden"); /* owners do not accept */
    e2e_resp_free(r);
    r = act(id, "accept", &w.provider2, NULL);
    EXPECT_ERROR(r, 404, "not_found"); /* another provider's order */
    e2e_resp_free(r);
    /* before acceptance the provider cannot read the pet */
    char pet_path[96];
    snprintf(pet_path, sizeof pet_path, "/api/v1/pets/%s", w.dog);
    r = e2e_call("GET", pet_path, w.provider.token, NULL);
    EXPECT_ERROR(r, 404, "not_found");
    e2e_resp_free(r);
    r = act(id, "accept", &w.provider, NULL);
    EXPECT_STATUS(r, 200);
    assert_string_equal(e2e_str(r, "status"), "confirmed");
    e2e_resp_free(r);
    r = e2e_call("GET", pet_path, w.provider.token, NULL); /* the stay grants read access */
    EXPECT_STATUS(r, 200);
    e2e_resp_free(r);
    r = act(id, "accept", &w.provider, NULL);
    EXPECT_ERROR(r, 409, "conflict");
    e2e_resp_free(r);
    r = act(id, "check-in", &w.provider, NULL);
    EXPECT_STATUS(r, 200);
    assert_string_equal(e2e_str(r, "status"), "in_care");
    e2e_resp_free(r);
    r = act(id, "check-in", &w.provider, NULL); /* a second check-in */
    EXPECT_ERROR(r, 409, "conflict");
    e2e_resp_free(r);
    r = act(id, "cancel", &w.owner, NULL); /* not once the pet is in care */
    EXPECT_ERROR(r, 409, "conflict");
    e2e_resp_free(r);
    r = act(id, "check-out", &w.provider, NULL);
    EXPECT_STATUS(r, 200);
    assert_string_equal(e2e_str(r, "status"), "completed");
    e2e_resp_free(r);
    r = act(id, "teleport", &w.provider, NULL);
    EXPECT_ERROR(r, 404, "not_found");
    e2e_resp_free(r);
    char path[96];
    snprintf(path, sizeof path, "/api/v1/orders/%s", id);
    r = e2e_call("GET", path, w.owner.token, NULL);
    const char *want[] = {"pending_payment", "paid", "confirmed", "in_care", "completed"};
    const char *by[] = {"owner", "system", "provider", "provider", "provider"};
    assert_int_equal(json_array_size(e2e_get(r, "history")), 5);
    for (int i = 0; i < 5; i++) {
        char f[32];
        snprintf(f, sizeof f, "history.%d.status", i);
        assert_string_equal(e2e_str(r, f), want[i]);
        snprintf(f, sizeof f, "history.%d.by", i);
        assert_string_equal(e2e_str(r, f), by[i]);
    }
    e2e_resp_free(r);
    /* a completed stay keeps its nights (they were used) */
    assert_int_equal(reserved_on(w.listing, 0), 1);
    assert_true(e2e_invariants_hold());
}

static void check_in_waits_for_the_start_date(void **state)
{
    (void)state;
    struct world w;
    world_new(&w);
    const char *dog[] = {w.dog};
    struct resp *r = book(&w.owner, w.listing, dog, 1, 3, 1, NULL);
    char id[24];
    snprintf(id, sizeof id, "%s", e2e_str(r, "id"));
    e2e_resp_free(r);
    e2e_pay(&w.owner, id, NULL);
    r = act(id, "accept", &w.provider, NULL);
    e2e_resp_free(r);
    r = act(id, "check-in", &w.provider, NULL);
    EXPECT_ERROR(r, 409, "conflict");
    assert_string_equal(e2e_str(r, "error.message"), "check-in opens on the start date");
    e2e_resp_free(r);
}

static void cancellations_release_and_refund_by_policy(void **state)
{
    (void)state;
    struct world w;
    world_new(&w);
    const char *dog[] = {w.dog};
    /* unpaid: cancelled, nothing to refund, nights back, the pet free again */
    struct resp *r = book(&w.owner, w.listing, dog, 1, 4, 2, NULL);
    char id[24];
    snprintf(id, sizeof id, "%s", e2e_str(r, "id"));
    e2e_resp_free(r);
    char key[40], hdr[80];
    e2e_unique_name(key, sizeof key, "cancel-");
    snprintf(hdr, sizeof hdr, "Idempotency-Key: %s", key);
    const char *h[] = {hdr, NULL};
    char path[96];
    snprintf(path, sizeof path, "/api/v1/orders/%s/cancel", id);
    struct resp *c1 = e2e_call_raw("POST", path, w.owner.token, NULL, NULL, 0, h);
    struct resp *c2 = e2e_call_raw("POST", path, w.owner.token, NULL, NULL, 0, h);
    EXPECT_STATUS(c1, 200);
    EXPECT_STATUS(c2, 200); /* replayed, not a 409 */
    assert_string_equal(e2e_str(c1, "status"), "cancelled");
    assert_int_equal(e2e_int(c1, "refund_fen"), 0);
    e2e_resp_free(c1);
    e2e_resp_free(c2);
    r = act(id, "cancel", &w.owner, NULL); /* without the key: an illegal transition */
    EXPECT_ERROR(r, 409, "conflict");
    e2e_resp_free(r);
    assert_int_equal(reserved_on(w.listing, 4), 0);
    r = book(&w.owner, w.listing, dog, 1, 4, 2, NULL);
    EXPECT_STATUS(r, 201); /* the pet's nights were freed */
    e2e_resp_free(r);
    /* paid, then cancelled more than 48 h before check-in: everything back */
    r = book(&w.owner, w.listing, dog, 1, 10, 1, NULL);
    snprintf(id, sizeof id, "%s", e2e_str(r, "id"));
    e2e_resp_free(r);
    e2e_pay(&w.owner, id, NULL);
    r = act(id, "cancel", &w.owner, json_pack("{s:s}", "reason", "计划有变"));
    EXPECT_STATUS(r, 200);
    assert_int_equal(e2e_int(r, "refund_fen"), 12000);
    e2e_resp_free(r);
    /* paid, cancelled the day before: half */
    r = book(&w.owner, w.listing, dog, 1, 1, 1, NULL);
    snprintf(id, sizeof id, "%s", e2e_str(r, "id"));
    e2e_resp_free(r);
    e2e_pay(&w.owner, id, NULL);
    r = act(id, "cancel", &w.owner, NULL);
    EXPECT_STATUS(r, 200);
    assert_int_equal(e2e_int(r, "refund_fen"), 6000);
    e2e_resp_free(r);
    /* the provider rejects a paid request: everything back */
    r = book(&w.owner, w.listing, dog, 1, 20, 2, NULL);
    snprintf(id, sizeof id, "%s", e2e_str(r, "id"));
    e2e_resp_free(r);
    e2e_pay(&w.owner, id, NULL);
    r = act(id, "reject", &w.provider, json_pack("{s:s}", "reason", "那几天不在家"));
    EXPECT_STATUS(r, 200);
    assert_string_equal(e2e_str(r, "status"), "rejected");
    assert_int_equal(e2e_int(r, "refund_fen"), 24000);
    e2e_resp_free(r);
    assert_int_equal(reserved_on(w.listing, 20), 0);
    /* the refund is announced for the payment service */
    assert_true(e2e_db_int("SELECT COUNT(*) FROM pb_order.outbox WHERE subject = 'petboarding.order.refund_requested' "
                           "AND payload LIKE CONCAT('%', ?, '%')", "s", id) == 1);
    assert_true(e2e_invariants_hold());
}

struct order_probe {
    const char *id;
    const struct e2e_user *u;
    const char *status;
};

static bool order_is(void *arg)
{
    struct order_probe *p = arg;
    char path[96];
    snprintf(path, sizeof path, "/api/v1/orders/%s", p->id);
    struct resp *r = e2e_call("GET", path, p->u->token, NULL);
    bool ok = r->status == 200 && strcmp(e2e_str(r, "status"), p->status) == 0;
    e2e_resp_free(r);
    return ok;
}

static void unpaid_orders_expire_and_unanswered_ones_are_rejected(void **state)
{
    (void)state;
    /* long enough to pay the second order through the real payment flow first */
    const char *fast[] = {"PB_PAY_WINDOW_S=4", "PB_ACCEPT_WINDOW_S=2", "PB_JOB_INTERVAL_MS=200", NULL};
    e2e_stack_service("order", "restart", fast);
    struct world w;
    world_new(&w);
    const char *dog[] = {w.dog};
    struct resp *r = book(&w.owner, w.listing, dog, 1, 6, 2, NULL);
    char unpaid[24], unanswered[24];
    snprintf(unpaid, sizeof unpaid, "%s", e2e_str(r, "id"));
    e2e_resp_free(r);
    char pet2[24];
    e2e_pet_new(&w.owner, NULL, pet2);
    const char *p2[] = {pet2};
    r = book(&w.owner, w.listing, p2, 1, 6, 2, NULL);
    snprintf(unanswered, sizeof unanswered, "%s", e2e_str(r, "id"));
    e2e_resp_free(r);
    e2e_pay(&w.owner, unanswered, NULL);
    struct order_probe a = {unpaid, &w.owner, "expired"}, b = {unanswered, &w.owner, "rejected"};
    bool expired = e2e_eventually(order_is, &a, 8000), rejected = e2e_eventually(order_is, &b, 8000);
    e2e_stack_service("order", "restart", NULL);
    assert_true(expired);
    assert_true(rejected);
    char path[96];
    snprintf(path, sizeof path, "/api/v1/orders/%s", unanswered);
    r = e2e_call("GET", path, w.owner.token, NULL);
    assert_int_equal(e2e_int(r, "refund_fen"), 24000);
    assert_string_equal(e2e_str(r, "history.2.by"), "system");
    e2e_resp_free(r);
    assert_int_equal(reserved_on(w.listing, 6), 0);
    assert_true(e2e_invariants_hold());
}

static void provider_schedule(void **state)
{
    (void)state;
    struct world w;
    world_new(&w);
    char p2[24];
    e2e_pet_new(&w.owner, NULL, p2);
    const char *a[] = {w.dog}, *b[] = {p2};
    struct resp *r = book(&w.owner, w.listing, a, 1, 2, 3, NULL); /* nights 2,3,4 */
    char o1[24], o2[24];
    snprintf(o1, sizeof o1, "%s", e2e_str(r, "id"));
    e2e_resp_free(r);
    r = book(&w.owner, w.listing, b, 1, 4, 2, NULL); /* nights 4,5 */
    snprintf(o2, sizeof o2, "%s", e2e_str(r, "id"));
    e2e_resp_free(r);
    e2e_pay(&w.owner, o1, NULL);
    e2e_pay(&w.owner, o2, NULL);
    char from[DATE_STR_LEN], to[DATE_STR_LEN], path[128];
    day(1, from);
    day(6, to);
    snprintf(path, sizeof path, "/api/v1/providers/me/schedule?from=%s&to=%s", from, to);
    r = e2e_call("GET", path, w.provider.token, NULL);
    EXPECT_STATUS(r, 200);
    assert_int_equal(json_array_size(r->json), 6);
    /* day 2: o1 arrives; day 4: o2 arrives, two in care; day 5: o1 leaves; day 6: o2 leaves */
    assert_string_equal(e2e_str(r, "1.arrivals.0"), o1);
    assert_int_equal(e2e_int(r, "1.in_care.pets"), 1);
    assert_string_equal(e2e_str(r, "3.arrivals.0"), o2);
    assert_int_equal(e2e_int(r, "3.in_care.orders"), 2);
    assert_string_equal(e2e_str(r, "4.departures.0"), o1);
    assert_string_equal(e2e_str(r, "5.departures.0"), o2);
    assert_int_equal(e2e_int(r, "5.in_care.orders"), 0);
    e2e_resp_free(r);
    r = e2e_call("GET", path, w.owner.token, NULL);
    EXPECT_ERROR(r, 403, "forbidden");
    e2e_resp_free(r);
    snprintf(path, sizeof path, "/api/v1/providers/me/schedule?from=%s&to=%s", to, from);
    r = e2e_call("GET", path, w.provider.token, NULL);
    EXPECT_ERROR(r, 422, "validation_failed");
    e2e_resp_free(r);
}

/* Collect every page of a user's orders. */
static int list_all(const struct e2e_user *u, const char *query, char ids[][24], int max)
{
    char cursor[32] = "";
    int n = 0;
    for (int page = 0; page < 50; page++) {
        char path[256];
        snprintf(path, sizeof path, "/api/v1/orders?limit=4%s%s%s", query, cursor[0] ? "&cursor=" : "", cursor);
        struct resp *r = e2e_call("GET", path, u->token, NULL);
        EXPECT_STATUS(r, 200);
        json_t *items = e2e_get(r, "items");
        for (size_t i = 0; i < json_array_size(items) && n < max; i++)
            snprintf(ids[n++], 24, "%s", json_string_value(json_object_get(json_array_get(items, i), "id")));
        const char *next = e2e_str(r, "next_cursor");
        snprintf(cursor, sizeof cursor, "%s", next ? next : "");
        e2e_resp_free(r);
        if (!cursor[0])
            break;
    }
    return n;
}

static void my_orders_across_a_month_boundary(void **state)
{
    (void)state;
    struct world w;
    world_new(&w);
    char pets[6][24], made[6][24];
    for (int i = 0; i < 6; i++)
        e2e_pet_new(&w.owner, NULL, pets[i]);
    /* three orders made "40 days ago" (the order service's clock moved back), three now */
    const char *back[] = {"PB_CLOCK_OFFSET_S=-3456000", NULL};
    e2e_stack_service("order", "restart", back);
    for (int i = 0; i < 3; i++) {
        const char *p[] = {pets[i]};
        struct resp *r = book(&w.owner, w.listing, p, 1, -38 + i, 1, NULL);
        EXPECT_STATUS(r, 201);
        snprintf(made[i], 24, "%s", e2e_str(r, "id"));
        e2e_resp_free(r);
    }
    e2e_stack_service("order", "restart", NULL);
    for (int i = 3; i < 6; i++) {
        const char *p[] = {pets[i]};
        struct resp *r = book(&w.owner, w.listing, p, 1, 30 + i, 1, NULL);
        EXPECT_STATUS(r, 201);
        snprintf(made[i], 24, "%s", e2e_str(r, "id"));
        e2e_resp_free(r);
    }
    /* the two groups live in two monthly tables */
    char m_old[32], m_new[32];
    int64_t ms_old = ids_unix_ms(strtoull(made[0], NULL, 10)), ms_new = ids_unix_ms(strtoull(made[5], NULL, 10));
    char d_old[DATE_STR_LEN], d_new[DATE_STR_LEN];
    date_format((int32_t)(ms_old / 86400000), d_old);
    date_format((int32_t)(ms_new / 86400000), d_new);
    snprintf(m_old, sizeof m_old, "orders_%.4s%.2s", d_old, d_old + 5);
    snprintf(m_new, sizeof m_new, "orders_%.4s%.2s", d_new, d_new + 5);
    assert_string_not_equal(m_old, m_new);
    char sql[160];
    snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM pb_order.%s WHERE owner_id = ?", m_old);
    assert_int_equal(e2e_db_int(sql, "s", w.owner.id), 3);
    snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM pb_order.%s WHERE owner_id = ?", m_new);
    assert_int_equal(e2e_db_int(sql, "s", w.owner.id), 3);
    /* pages of 4 walk newest first across both months, no repeats, nothing skipped */
    char got[10][24];
    int n = list_all(&w.owner, "", got, 10);
    assert_int_equal(n, 6);
    for (int i = 0; i < 6; i++)
        assert_string_equal(got[i], made[5 - i]);
    /* and each one is found by id in its month */
    for (int i = 0; i < 6; i++) {
        char path[96];
        snprintf(path, sizeof path, "/api/v1/orders/%.23s", made[i]);
        struct resp *r = e2e_call("GET", path, w.owner.token, NULL);
        EXPECT_STATUS(r, 200);
        e2e_resp_free(r);
    }
    /* the provider's view and a status filter */
    n = list_all(&w.provider, "&role=provider", got, 10);
    assert_int_equal(n, 6);
    struct resp *r = act(made[4], "cancel", &w.owner, NULL);
    EXPECT_STATUS(r, 200);
    e2e_resp_free(r);
    n = list_all(&w.owner, "&status=cancelled", got, 10);
    assert_int_equal(n, 1);
    assert_string_equal(got[0], made[4]);
    r = e2e_call("GET", "/api/v1/orders?status=creating", w.owner.token, NULL);
    EXPECT_ERROR(r, 422, "validation_failed");
    e2e_resp_free(r);
    r = e2e_call("GET", "/api/v1/orders/99999999999", w.owner.token, NULL);
    EXPECT_ERROR(r, 404, "not_found");
    e2e_resp_free(r);
}

struct refunded_probe {
    const char *id;
    const struct e2e_user *u;
    long long want;
};

static bool refunded_is(void *arg)
{
    struct refunded_probe *p = arg;
    char path[96];
    snprintf(path, sizeof path, "/api/v1/orders/%s", p->id);
    struct resp *r = e2e_call("GET", path, p->u->token, NULL);
    bool ok = r->status == 200 && e2e_int(r, "refunded_fen") == p->want;
    e2e_resp_free(r);
    return ok;
}

/* The saga's order side, fed with the payment service's events: a payment makes a pending
 * order paid; a payment for an order that already ended is refunded in full; a refund is
 * counted once however often it is delivered. */
static void payment_events_drive_orders(void **state)
{
    (void)state;
    struct world w;
    world_new(&w);
    char p2[24];
    e2e_pet_new(&w.owner, NULL, p2);
    const char *a[] = {w.dog}, *b[] = {p2};
    struct resp *r = book(&w.owner, w.listing, a, 1, 8, 2, NULL);
    char live[24], ended[24];
    snprintf(live, sizeof live, "%s", e2e_str(r, "id"));
    e2e_resp_free(r);
    r = book(&w.owner, w.listing, b, 1, 8, 2, NULL);
    snprintf(ended, sizeof ended, "%s", e2e_str(r, "id"));
    e2e_resp_free(r);
    r = act(ended, "cancel", &w.owner, NULL);
    EXPECT_STATUS(r, 200);
    e2e_resp_free(r);
    e2e_publish_event("payment", "payment.succeeded",
                      json_pack("{s:s,s:s,s:s,s:i}", "payment_id", "9001", "order_id", live, "owner_id", w.owner.id,
                                "amount_fen", 24000),
                      NULL);
    e2e_publish_event("payment", "payment.succeeded",
                      json_pack("{s:s,s:s,s:s,s:i}", "payment_id", "9002", "order_id", ended, "owner_id", w.owner.id,
                                "amount_fen", 24000),
                      NULL);
    struct order_probe paid = {live, &w.owner, "paid"};
    assert_true(e2e_eventually(order_is, &paid, 5000));
    char path[96];
    snprintf(path, sizeof path, "/api/v1/orders/%s", live);
    r = e2e_call("GET", path, w.owner.token, NULL);
    assert_string_equal(e2e_str(r, "payment_id"), "9001");
    assert_non_null(e2e_str(r, "accept_before"));
    e2e_resp_free(r);
    /* the cancelled order keeps its status and asks for the money back */
    snprintf(path, sizeof path, "/api/v1/orders/%s", ended);
    for (int i = 0; i < 100; i++) {
        if (e2e_db_int("SELECT COUNT(*) FROM pb_order.outbox WHERE subject = 'petboarding.order.refund_requested' "
                       "AND payload LIKE CONCAT('%', ?, '%')", "s", ended))
            break;
        usleep(50000);
    }
    r = e2e_call("GET", path, w.owner.token, NULL);
    assert_string_equal(e2e_str(r, "status"), "cancelled");
    assert_int_equal(e2e_int(r, "paid_fen"), 24000);
    assert_int_equal(e2e_int(r, "refund_fen"), 24000);
    e2e_resp_free(r);
    /* a refund delivered twice is counted once */
    char ev[24];
    json_t *refund = json_pack("{s:s,s:s,s:s,s:s,s:i}", "refund_id", "9100", "payment_id", "9002", "order_id", ended,
                               "owner_id", w.owner.id, "amount_fen", 24000);
    e2e_publish_event("payment", "refund.succeeded", json_deep_copy(refund), ev);
    e2e_publish_event_id("payment", "refund.succeeded", refund, ev);
    struct refunded_probe rp = {ended, &w.owner, 24000};
    assert_true(e2e_eventually(refunded_is, &rp, 5000));
    usleep(500000);
    assert_true(refunded_is(&rp));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(booking_and_price),
        cmocka_unit_test(idempotent_booking),
        cmocka_unit_test(booking_refusals),
        cmocka_unit_test(fully_booked_names_the_night),
        cmocka_unit_test(full_lifecycle_and_illegal_moves),
        cmocka_unit_test(check_in_waits_for_the_start_date),
        cmocka_unit_test(cancellations_release_and_refund_by_policy),
        cmocka_unit_test(unpaid_orders_expire_and_unanswered_ones_are_rejected),
        cmocka_unit_test(provider_schedule),
        cmocka_unit_test(my_orders_across_a_month_boundary),
        cmocka_unit_test(payment_events_drive_orders),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
