/* Bookings through the gateway: creation rules, server-side price, idempotency, the stay
 * lifecycle with every transition (and illegal ones), cancellation and refunds by policy,
 * timed expiry and acceptance timeout, pet access during a stay, schedules, my-orders
 * pagination across a month boundary, price quotes (what a booking costs, refused alike,
 * nothing held) and refund quotes (what a cancellation refunds); the order service's idle
 * MariaDB connections closed once a burst is over. */
#include "harness.h"
#include "dates.h"
#include "ids.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void day(int offset, char *buf) { date_format(date_today() + offset, buf); }

/* POST a booking body to path (/api/v1/orders or /api/v1/orders/quote). */
static struct resp *post_booking(const char *path, const struct e2e_user *u, const char *listing,
                                 const char *const *pets, int npets, int from, int nights, const char *key)
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
    struct resp *r = e2e_call_raw("POST", path, u->token, "application/json", text, strlen(text), key ? h : NULL);
    free(text);
    return r;
}

static struct resp *book(const struct e2e_user *u, const char *listing, const char *const *pets, int npets, int from,
                         int nights, const char *key)
{
    return post_booking("/api/v1/orders", u, listing, pets, npets, from, nights, key);
}

static struct resp *quote(const struct e2e_user *u, const char *listing, const char *const *pets, int npets, int from,
                          int nights)
{
    return post_booking("/api/v1/orders/quote", u, listing, pets, npets, from, nights, NULL);
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
    /* the pets of a booking are read at once: one bad among good ones refuses it all */
    const char *mixed[] = {w.dog, w.others_pet}, *ghost[] = {w.dog, "999999999999"};
    r = book(&w.owner, w.listing, mixed, 2, 1, 1, NULL);
    EXPECT_ERROR(r, 404, "not_found");
    assert_non_null(e2e_field_error(r, "pet_ids"));
    e2e_resp_free(r);
    r = book(&w.owner, w.listing, ghost, 2, 1, 1, NULL);
    EXPECT_ERROR(r, 404, "not_found");
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

    /* a stay of three nights from today, checked out the day it began: the schedule shows it
     * leaving today and no longer in care on the nights it was booked for; the order keeps them */
    char p3[24], o3[24];
    e2e_pet_new(&w.owner, NULL, p3);
    const char *c3[] = {p3};
    r = book(&w.owner, w.listing, c3, 1, 0, 3, NULL);
    EXPECT_STATUS(r, 201);
    snprintf(o3, sizeof o3, "%s", e2e_str(r, "id"));
    e2e_resp_free(r);
    e2e_pay(&w.owner, o3, NULL);
    static const char *const steps[] = {"accept", "check-in", "check-out"};
    for (size_t i = 0; i < 3; i++) {
        r = act(o3, steps[i], &w.provider, NULL);
        EXPECT_STATUS(r, 200);
        e2e_resp_free(r);
    }
    day(0, from);
    day(3, to);
    snprintf(path, sizeof path, "/api/v1/providers/me/schedule?from=%s&to=%s", from, to);
    r = e2e_call("GET", path, w.provider.token, NULL);
    EXPECT_STATUS(r, 200);
    assert_string_equal(e2e_str(r, "0.arrivals.0"), o3);
    assert_string_equal(e2e_str(r, "0.departures.0"), o3);
    assert_int_equal(e2e_int(r, "0.in_care.orders"), 0);
    assert_int_equal(e2e_int(r, "1.in_care.orders"), 0); /* o1 arrives on day 2 */
    assert_int_equal(e2e_int(r, "2.in_care.orders"), 1); /* o1 only */
    assert_int_equal(json_array_size(e2e_get(r, "3.departures")), 0);
    e2e_resp_free(r);
    snprintf(path, sizeof path, "/api/v1/orders/%s", o3);
    r = e2e_call("GET", path, w.owner.token, NULL);
    assert_string_equal(e2e_str(r, "status"), "completed");
    day(3, to);
    assert_string_equal(e2e_str(r, "end_date"), to);
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

/* ---------- quotes ---------- */

static long long listing_rows(const char *table, const char *listing)
{
    char sql[160];
    snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM pb_boarding.%s WHERE listing_id = ?", table);
    return e2e_db_int(sql, "u", strtoull(listing, NULL, 10));
}

static long long pet_nights(const char *pet)
{
    return e2e_db_int("SELECT COUNT(*) FROM pb_order.pet_night WHERE pet_id = ?", "u", strtoull(pet, NULL, 10));
}

static size_t my_orders(const struct e2e_user *u)
{
    struct resp *r = e2e_call("GET", "/api/v1/orders?limit=100", u->token, NULL);
    EXPECT_STATUS(r, 200);
    size_t n = json_array_size(e2e_get(r, "items"));
    e2e_resp_free(r);
    return n;
}

/* A quote is the total of the booking then made with the same body, and holds nothing. */
static void quote_is_what_the_booking_costs(void **state)
{
    (void)state;
    struct world w;
    world_new(&w);
    char dog2[24];
    e2e_pet_new(&w.owner, NULL, dog2);
    const char *pets[] = {w.dog, dog2};
    long long days_before = listing_rows("listing_day", w.listing), holds_before = listing_rows("capacity_hold", w.listing);
    struct resp *q = quote(&w.owner, w.listing, pets, 2, 3, 4);
    EXPECT_STATUS(q, 200);
    char sd[DATE_STR_LEN], ed[DATE_STR_LEN];
    day(3, sd);
    day(7, ed);
    assert_int_equal(json_object_size(q->json), 8);
    assert_string_equal(e2e_str(q, "listing_id"), w.listing);
    assert_string_equal(e2e_str(q, "start_date"), sd);
    assert_string_equal(e2e_str(q, "end_date"), ed);
    assert_int_equal(e2e_int(q, "nights"), 4);
    assert_int_equal(e2e_int(q, "pets"), 2);
    assert_int_equal(e2e_int(q, "price_per_night_fen"), 12000);
    assert_int_equal(e2e_int(q, "total_fen"), 96000); /* 12000 x 4 nights x 2 pets, not the 1 the client sent */
    assert_string_equal(e2e_str(q, "currency"), "CNY");
    /* asking again gives the same answer: nothing changed in between */
    struct resp *again = quote(&w.owner, w.listing, pets, 2, 3, 4);
    EXPECT_STATUS(again, 200);
    assert_string_equal(again->body, q->body);
    e2e_resp_free(again);
    /* nothing was reserved or written anywhere */
    for (int d = 3; d < 7; d++)
        assert_int_equal(reserved_on(w.listing, d), 0);
    assert_int_equal(listing_rows("listing_day", w.listing), days_before);
    assert_int_equal(listing_rows("capacity_hold", w.listing), holds_before);
    assert_int_equal(pet_nights(w.dog) + pet_nights(dog2), 0);
    assert_int_equal(my_orders(&w.owner), 0);
    /* the booking with the same body costs exactly the quote */
    struct resp *b = book(&w.owner, w.listing, pets, 2, 3, 4, NULL);
    EXPECT_STATUS(b, 201);
    assert_int_equal(e2e_int(b, "total_fen"), e2e_int(q, "total_fen"));
    assert_int_equal(e2e_int(b, "price_per_night_fen"), e2e_int(q, "price_per_night_fen"));
    assert_int_equal(e2e_int(b, "nights"), e2e_int(q, "nights"));
    assert_int_equal(json_array_size(e2e_get(b, "pet_ids")), (size_t)e2e_int(q, "pets"));
    assert_string_equal(e2e_str(b, "start_date"), e2e_str(q, "start_date"));
    assert_string_equal(e2e_str(b, "end_date"), e2e_str(q, "end_date"));
    e2e_resp_free(b);
    e2e_resp_free(q);
    /* the literal is not an order id */
    struct resp *r = e2e_call("GET", "/api/v1/orders/quote", w.owner.token, NULL);
    EXPECT_ERROR(r, 405, "method_not_allowed");
    e2e_resp_free(r);
    assert_true(e2e_invariants_hold());
}

/* A quote over a full night is the booking's 409 fully_booked naming that night, and the
 * calendar is exactly as it was. */
static void quote_of_a_full_night(void **state)
{
    (void)state;
    struct world w;
    world_new(&w);
    char l1[24], p[2][24];
    e2e_listing_new(&w.provider, json_pack("{s:i}", "capacity", 1), true, l1);
    for (int i = 0; i < 2; i++)
        e2e_pet_new(&w.owner, NULL, p[i]);
    const char *a[] = {p[0]}, *b[] = {p[1]};
    struct resp *r = book(&w.owner, l1, a, 1, 5, 2, NULL);
    EXPECT_STATUS(r, 201);
    e2e_resp_free(r);
    long long before[5], days = listing_rows("listing_day", l1), holds = listing_rows("capacity_hold", l1);
    for (int d = 3; d < 8; d++)
        before[d - 3] = reserved_on(l1, d);
    char d5[DATE_STR_LEN];
    day(5, d5);
    struct resp *q = quote(&w.owner, l1, b, 1, 3, 4); /* nights 3..6: 5 is full */
    EXPECT_ERROR(q, 409, "fully_booked");
    assert_string_equal(e2e_field_error(q, "night"), d5);
    for (int d = 3; d < 8; d++)
        assert_int_equal(reserved_on(l1, d), before[d - 3]);
    assert_int_equal(listing_rows("listing_day", l1), days);
    assert_int_equal(listing_rows("capacity_hold", l1), holds);
    assert_int_equal(pet_nights(p[1]), 0);
    /* the booking of the same body is refused the same way */
    r = book(&w.owner, l1, b, 1, 3, 4, NULL);
    EXPECT_ERROR(r, 409, "fully_booked");
    assert_string_equal(e2e_field_error(r, "night"), d5);
    assert_string_equal(e2e_str(r, "error.message"), e2e_str(q, "error.message"));
    e2e_resp_free(r);
    e2e_resp_free(q);
    /* the nights before the full one are free */
    q = quote(&w.owner, l1, b, 1, 3, 2);
    EXPECT_STATUS(q, 200);
    e2e_resp_free(q);
    assert_true(e2e_invariants_hold());
}

/* Both answers refuse alike: status, code, message and every named field. */
static void expect_same_refusal(const struct resp *q, const struct resp *b, const char *what)
{
    if (q->status != b->status || q->status < 400)
        fail_msg("%s: quote %ld %s, booking %ld %s", what, q->status, q->body, b->status, b->body);
    assert_string_equal(e2e_str(q, "error.code"), e2e_str(b, "error.code"));
    assert_string_equal(e2e_str(q, "error.message"), e2e_str(b, "error.message"));
    json_t *qf = e2e_get(q, "error.fields"), *bf = e2e_get(b, "error.fields");
    assert_int_equal(json_object_size(qf), json_object_size(bf));
    const char *k;
    json_t *v;
    json_object_foreach(qf, k, v)
    {
        if (!json_equal(v, json_object_get(bf, k)))
            fail_msg("%s: field %s: quote %s, booking %s", what, k, q->body, b->body);
    }
}

static void quote_and_book_raw(const struct e2e_user *u, const char *body, const char *what)
{
    struct resp *q = e2e_call_raw("POST", "/api/v1/orders/quote", u->token, "application/json", body, strlen(body), NULL);
    struct resp *b = e2e_call_raw("POST", "/api/v1/orders", u->token, "application/json", body, strlen(body), NULL);
    expect_same_refusal(q, b, what);
    e2e_resp_free(q);
    e2e_resp_free(b);
}

/* Every refusal of a booking is the quote's too, with the same fields named. */
static void quote_refuses_like_a_booking(void **state)
{
    (void)state;
    struct world w;
    world_new(&w);
    char pending[24], other_dog_listing[24];
    e2e_listing_new(&w.provider, NULL, false, pending);
    e2e_listing_new(&w.provider2, NULL, true, other_dog_listing);
    struct resp *r = book(&w.owner, w.listing, (const char *[]){w.dog}, 1, 10, 3, NULL);
    EXPECT_STATUS(r, 201); /* the dog stays at w.listing on nights 10..12 */
    e2e_resp_free(r);
    const struct {
        const struct e2e_user *u;
        const char *listing, *pet;
        int from, nights;
        long status;
        const char *field, *what;
    } cases[] = {
        {&w.provider, w.listing, w.dog, 1, 1, 403, NULL, "a provider"},
        {&w.owner, w.listing, w.others_pet, 1, 1, 404, "pet_ids", "another owner's pet"},
        {&w.owner, w.listing, w.dog, -1, 2, 422, "start_date", "a start in the past"},
        {&w.owner, w.listing, w.dog, 1, 0, 422, "end_date", "no night"},
        {&w.owner, w.listing, w.dog, 1, 61, 422, "end_date", "61 nights"},
        {&w.owner, "99999999999", w.dog, 1, 1, 422, "listing_id", "no such listing"},
        {&w.owner, pending, w.dog, 1, 1, 422, "listing_id", "an unpublished listing"},
        {&w.owner, w.listing, w.cat, 1, 1, 422, "pet_ids", "a cat at a dogs-only listing"},
        {&w.owner, w.listing, w.big, 1, 1, 422, "pet_ids", "45 kg where 30 are taken"},
        {&w.owner, other_dog_listing, w.dog, 12, 2, 409, "pet_ids", "a pet already staying that night"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        const char *pets[] = {cases[i].pet};
        struct resp *q = quote(cases[i].u, cases[i].listing, pets, 1, cases[i].from, cases[i].nights);
        struct resp *b = book(cases[i].u, cases[i].listing, pets, 1, cases[i].from, cases[i].nights, NULL);
        if (q->status != cases[i].status)
            fail_msg("%s: quote answered %ld %s", cases[i].what, q->status, q->body);
        if (cases[i].field)
            assert_non_null(e2e_field_error(q, cases[i].field));
        expect_same_refusal(q, b, cases[i].what);
        e2e_resp_free(q);
        e2e_resp_free(b);
    }
    /* malformed, mistyped, missing and unknown fields */
    quote_and_book_raw(&w.owner, "{\"listing_id\":", "malformed JSON");
    quote_and_book_raw(&w.owner, "{\"listing_id\":5,\"pet_ids\":\"x\"}", "wrong types");
    quote_and_book_raw(&w.owner, "{}", "nothing given");
    quote_and_book_raw(&w.owner, "{\"listing_id\":\"1\",\"pet_ids\":[\"1\",\"1\"],\"start_date\":\"2020-13-01\","
                                 "\"end_date\":\"x\",\"color\":\"red\"}",
                       "bad values and an unknown field");
    r = e2e_call_raw("POST", "/api/v1/orders/quote", w.owner.token, "application/json", "{}", 2, NULL);
    EXPECT_ERROR(r, 422, "validation_failed");
    assert_string_equal(e2e_field_error(r, "pet_ids"), "is required");
    assert_string_equal(e2e_field_error(r, "listing_id"), "is required");
    e2e_resp_free(r);
    r = e2e_call_raw("POST", "/api/v1/orders/quote", NULL, "application/json", "{}", 2, NULL);
    EXPECT_ERROR(r, 401, "unauthenticated");
    e2e_resp_free(r);
    /* the refused bookings kept nothing, and the quotes wrote nothing */
    assert_int_equal(pet_nights(w.dog), 3);
    assert_true(e2e_invariants_hold());
}

static struct resp *refund_quote(const char *order, const char *token)
{
    char path[128];
    snprintf(path, sizeof path, "/api/v1/orders/%s/refund-quote", order);
    return e2e_call("GET", path, token, NULL);
}

/* Quote, then cancel: the cancellation refunds exactly what the quote said. */
static long long quote_then_cancel(const struct world *w, const char *order, long long paid, int percent,
                                   long long min_hours)
{
    struct resp *q = refund_quote(order, w->owner.token);
    EXPECT_STATUS(q, 200);
    assert_string_equal(e2e_str(q, "order_id"), order);
    assert_true(json_is_true(e2e_get(q, "cancellable")));
    assert_int_equal(e2e_int(q, "paid_fen"), paid);
    assert_int_equal(e2e_int(q, "percent"), percent);
    assert_int_equal(e2e_int(q, "refund_fen"), paid * percent / 100);
    assert_string_equal(e2e_str(q, "rule.basis"), "policy");
    assert_int_equal(e2e_int(q, "rule.min_hours_before"), min_hours);
    assert_int_equal(e2e_int(q, "rule.percent"), percent);
    assert_true(e2e_int(q, "rule.hours_before") >= min_hours);
    long long quoted = e2e_int(q, "refund_fen");
    e2e_resp_free(q);
    struct resp *c = act(order, "cancel", &w->owner, NULL);
    EXPECT_STATUS(c, 200);
    assert_string_equal(e2e_str(c, "status"), "cancelled");
    assert_int_equal(e2e_int(c, "refund_fen"), quoted);
    e2e_resp_free(c);
    /* afterwards: nothing more to cancel */
    q = refund_quote(order, w->owner.token);
    EXPECT_STATUS(q, 200);
    assert_string_equal(e2e_str(q, "status"), "cancelled");
    assert_true(json_is_false(e2e_get(q, "cancellable")));
    assert_int_equal(e2e_int(q, "refund_fen"), 0);
    assert_string_equal(e2e_str(q, "rule.basis"), "not_cancellable");
    e2e_resp_free(q);
    return quoted;
}

static void new_order(const struct world *w, int from, bool pay, char *id)
{
    struct resp *r = book(&w->owner, w->listing, (const char *[]){w->dog}, 1, from, 1, NULL);
    EXPECT_STATUS(r, 201);
    snprintf(id, 24, "%s", e2e_str(r, "id"));
    e2e_resp_free(r);
    if (pay)
        e2e_pay(&w->owner, id, NULL);
}

/* A new price applies to new bookings only: an order keeps the price it was made at (paid or
 * not), while a quote and a booking made after the change use the new price; a price outside
 * the platform rules is refused and changes nothing. */
static void a_new_price_applies_to_new_bookings_only(void **state)
{
    (void)state;
    struct world w;
    world_new(&w);
    char paid[24], unpaid[24], path[96];
    new_order(&w, 3, true, paid);
    new_order(&w, 5, false, unpaid);
    snprintf(path, sizeof path, "/api/v1/listings/%s", w.listing);
    struct resp *r = e2e_call("PATCH", path, w.provider.token, json_pack("{s:i}", "price_per_night_fen", 15000));
    EXPECT_STATUS(r, 200);
    assert_int_equal(e2e_int(r, "price_per_night_fen"), 15000);
    assert_string_equal(e2e_str(r, "status"), "published"); /* a price is no text: no new review */
    e2e_resp_free(r);
    r = e2e_call("PATCH", path, w.provider.token, json_pack("{s:i}", "price_per_night_fen", 9000000));
    EXPECT_ERROR(r, 422, "validation_failed");
    assert_string_equal(e2e_str(r, "error.violations.0.rule"), "max_price");
    e2e_resp_free(r);
    /* the orders made before keep their amounts */
    const char *before[] = {paid, unpaid};
    for (int i = 0; i < 2; i++) {
        char op[96];
        snprintf(op, sizeof op, "/api/v1/orders/%s", before[i]);
        r = e2e_call("GET", op, w.owner.token, NULL);
        EXPECT_STATUS(r, 200);
        assert_int_equal(e2e_int(r, "price_per_night_fen"), 12000);
        assert_int_equal(e2e_int(r, "total_fen"), 12000);
        assert_string_equal(e2e_str(r, "status"), i == 0 ? "paid" : "pending_payment");
        if (i == 0)
            assert_int_equal(e2e_int(r, "paid_fen"), 12000);
        e2e_resp_free(r);
    }
    /* a new quote and a new booking use the new price */
    const char *pets[] = {w.dog};
    r = quote(&w.owner, w.listing, pets, 1, 8, 2);
    EXPECT_STATUS(r, 200);
    assert_int_equal(e2e_int(r, "price_per_night_fen"), 15000);
    assert_int_equal(e2e_int(r, "total_fen"), 30000);
    e2e_resp_free(r);
    r = book(&w.owner, w.listing, pets, 1, 8, 2, NULL);
    EXPECT_STATUS(r, 201);
    assert_int_equal(e2e_int(r, "price_per_night_fen"), 15000);
    assert_int_equal(e2e_int(r, "total_fen"), 30000);
    e2e_resp_free(r);
    assert_true(e2e_invariants_hold());
}

/* Who may act is decided before the body is read: another user's order with an invalid body
 * is 404 (as for any other user's order), a role that may not act at all is 403, and the
 * body is looked at only for a party to the order. */
static void authorization_comes_before_the_body(void **state)
{
    (void)state;
    struct world w;
    world_new(&w);
    char id[24], path[128];
    new_order(&w, 3, true, id);
    char long_reason[600];
    memset(long_reason, 'x', sizeof long_reason - 1);
    long_reason[sizeof long_reason - 1] = 0;
    /* cancel: another owner and another provider, with a reason too long */
    struct resp *r = act(id, "cancel", &w.other, json_pack("{s:s}", "reason", long_reason));
    EXPECT_ERROR(r, 404, "not_found");
    e2e_resp_free(r);
    r = act(id, "cancel", &w.provider2, json_pack("{s:s,s:s}", "reason", "x", "extra", "field"));
    EXPECT_ERROR(r, 404, "not_found");
    e2e_resp_free(r);
    /* accept is the provider's: the owner gets 403 whatever the body */
    r = act(id, "accept", &w.owner, json_pack("{s:i}", "reason", 5));
    EXPECT_ERROR(r, 403, "forbidden");
    e2e_resp_free(r);
    /* a party to the order with the same bodies gets the validation errors */
    r = act(id, "cancel", &w.owner, json_pack("{s:s}", "reason", long_reason));
    EXPECT_ERROR(r, 422, "validation_failed");
    assert_non_null(e2e_str(r, "error.fields.reason"));
    e2e_resp_free(r);
    /* care logs: the owner (wrong role) 403, another provider 404, each with an invalid body */
    snprintf(path, sizeof path, "/api/v1/orders/%s/care-logs", id);
    r = e2e_call("POST", path, w.owner.token, json_pack("{s:s}", "mood", "furious"));
    EXPECT_ERROR(r, 403, "forbidden");
    e2e_resp_free(r);
    r = e2e_call("POST", path, w.provider2.token, json_pack("{s:s}", "mood", "furious"));
    EXPECT_ERROR(r, 404, "not_found");
    e2e_resp_free(r);
    r = e2e_call("POST", path, w.provider.token, json_pack("{s:s}", "mood", "furious"));
    EXPECT_ERROR(r, 422, "validation_failed");
    e2e_resp_free(r);
}

/* The refund quote on each side of the policy's threshold (48 h before check-in: all back;
 * later: half) is what the cancellation then refunds; statuses the owner cannot cancel
 * from quote nothing; nobody but the owner sees it. */
static void refund_quote_is_what_the_cancellation_refunds(void **state)
{
    (void)state;
    struct world w;
    world_new(&w);
    char early[24], late[24], unpaid[24], staying[24];
    new_order(&w, 10, true, early);
    new_order(&w, 1, true, late);
    new_order(&w, 4, false, unpaid);
    new_order(&w, 0, true, staying);
    /* who may ask: the owner only */
    struct e2e_user admin;
    e2e_admin(&admin);
    const char *others[] = {w.other.token, w.provider.token, w.provider2.token, admin.token};
    for (size_t i = 0; i < sizeof others / sizeof *others; i++) {
        struct resp *r = refund_quote(early, others[i]);
        EXPECT_ERROR(r, 404, "not_found");
        e2e_resp_free(r);
    }
    struct resp *r = refund_quote(early, NULL);
    EXPECT_ERROR(r, 401, "unauthenticated");
    e2e_resp_free(r);
    r = refund_quote("12345", w.owner.token);
    EXPECT_ERROR(r, 404, "not_found");
    e2e_resp_free(r);
    /* before the threshold, after it, and with nothing paid */
    assert_int_equal(quote_then_cancel(&w, early, 12000, 100, 48), 12000);
    assert_int_equal(quote_then_cancel(&w, late, 12000, 50, -1000000), 6000);
    assert_int_equal(quote_then_cancel(&w, unpaid, 0, 100, 48), 0);
    /* once the pet is in care the owner cannot cancel: the quote says so */
    r = act(staying, "accept", &w.provider, NULL);
    EXPECT_STATUS(r, 200);
    e2e_resp_free(r);
    r = act(staying, "check-in", &w.provider, NULL);
    EXPECT_STATUS(r, 200);
    e2e_resp_free(r);
    r = refund_quote(staying, w.owner.token);
    EXPECT_STATUS(r, 200);
    assert_string_equal(e2e_str(r, "status"), "in_care");
    assert_true(json_is_false(e2e_get(r, "cancellable")));
    assert_int_equal(e2e_int(r, "paid_fen"), 12000);
    assert_int_equal(e2e_int(r, "refund_fen"), 0);
    assert_int_equal(e2e_int(r, "percent"), 0);
    assert_string_equal(e2e_str(r, "rule.basis"), "not_cancellable");
    e2e_resp_free(r);
    r = act(staying, "cancel", &w.owner, NULL);
    EXPECT_ERROR(r, 409, "conflict");
    e2e_resp_free(r);
    assert_true(e2e_invariants_hold());
}

static void list_mine(int i, void *arg)
{
    (void)i;
    const struct e2e_user *u = arg;
    struct resp *r = e2e_call("GET", "/api/v1/orders", u->token, NULL);
    EXPECT_STATUS(r, 200);
    e2e_resp_free(r);
}

static long long order_db_connections(void)
{
    return e2e_db_int("SELECT COUNT(*) FROM information_schema.processlist WHERE user = 'pb_order'", "");
}

/* A connection nobody has used for PB_DB_IDLE_S (1 s here) is closed, with the statements
 * prepared on it: a burst of reads opens several, and once it is over the order service keeps
 * one; the next requests are served as before. */
static void idle_database_connections_are_closed(void **state)
{
    (void)state;
    static const char *const idle[] = {"PB_DB_IDLE_S=1", "PB_MALLOC_TRIM_S=1", NULL};
    struct world w;
    world_new(&w);
    e2e_stack_service("order", "restart", idle);
    long long burst = 0, after = 0;
    for (int k = 0; k < 10 && burst < 2; k++) {
        e2e_parallel(32, list_mine, &w.owner);
        burst = order_db_connections();
    }
    after = burst;
    for (int k = 0; k < 100 && after > 1; k++) {
        usleep(100 * 1000);
        after = order_db_connections();
    }
    e2e_parallel(8, list_mine, &w.owner);
    e2e_stack_service("order", "restart", NULL);
    if (burst < 2)
        fail_msg("32 reads at once never had the order service open a second MariaDB connection");
    assert_int_equal(after, 1);
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
        cmocka_unit_test(quote_is_what_the_booking_costs),
        cmocka_unit_test(quote_of_a_full_night),
        cmocka_unit_test(quote_refuses_like_a_booking),
        cmocka_unit_test(refund_quote_is_what_the_cancellation_refunds),
        cmocka_unit_test(a_new_price_applies_to_new_bookings_only),
        cmocka_unit_test(authorization_comes_before_the_body),
        cmocka_unit_test(idle_database_connections_are_closed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
