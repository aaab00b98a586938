/* No overselling, ever: hundreds of concurrent bookings of one listing, a boarding service
 * killed while bookings are in flight, and the Redis lock's safety properties. After each,
 * the invariant checker must find every night's reserved count equal to the pets of the
 * live orders covering it, within capacity. */
#include "harness.h"
#include "cache.h"
#include "dates.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define OWNERS 30
#define PETS_EACH 20

static struct e2e_user owners[OWNERS];
static char pets[OWNERS][PETS_EACH][24];

static void make_owner(int i, void *arg)
{
    (void)arg;
    e2e_user_new(&owners[i], "owner");
    for (int k = 0; k < PETS_EACH; k++)
        e2e_pet_new(&owners[i], NULL, pets[i][k]);
}

static int setup(void **state)
{
    (void)state;
    e2e_parallel(OWNERS, make_owner, NULL);
    return 0;
}

struct storm {
    const char *listing;
    int base;     /* first day of the window (each storm its own days: the pets are shared) */
    int requests;
    unsigned seed;
    int created, full, other;
    int nights_pets[16]; /* pets per night offset from successful bookings */
    pthread_mutex_t mu;
};

static void one_booking(int i, void *arg)
{
    struct storm *st = arg;
    unsigned seed = st->seed + (unsigned)i * 7919u;
    int owner = i % OWNERS, slot = i / OWNERS; /* each request has its own pets */
    int npets = 1 + (int)(rand_r(&seed) % 2), start = st->base + (int)(rand_r(&seed) % 5);
    int nights = 1 + (int)(rand_r(&seed) % 4);
    char s[DATE_STR_LEN], e[DATE_STR_LEN];
    date_format(date_today() + start, s);
    date_format(date_today() + start + nights, e);
    json_t *ids = json_array();
    for (int k = 0; k < npets; k++)
        json_array_append_new(ids, json_string(pets[owner][(slot * 2 + k) % PETS_EACH]));
    struct resp *r = e2e_call("POST", "/api/v1/orders", owners[owner].token,
                              json_pack("{s:s,s:o,s:s,s:s}", "listing_id", st->listing, "pet_ids", ids, "start_date", s,
                                        "end_date", e));
    pthread_mutex_lock(&st->mu);
    if (r->status == 201) {
        st->created++;
        for (int d = start; d < start + nights; d++)
            st->nights_pets[d - st->base] += npets;
    } else if (r->status == 409 && e2e_str(r, "error.code") && strcmp(e2e_str(r, "error.code"), "fully_booked") == 0) {
        st->full++;
    } else {
        st->other++;
        print_error("unexpected answer %ld: %s\n", r->status, r->body ? r->body : "");
    }
    pthread_mutex_unlock(&st->mu);
    e2e_resp_free(r);
}

static void storm(int capacity, int requests, unsigned seed, int base)
{
    struct e2e_user provider;
    e2e_provider_approved(&provider);
    char listing[24];
    e2e_listing_new(&provider, json_pack("{s:i,s:f}", "capacity", capacity, "max_weight_kg", 50.0), true, listing);
    struct storm st = {.listing = listing, .base = base, .requests = requests, .seed = seed,
                       .mu = PTHREAD_MUTEX_INITIALIZER};
    e2e_parallel(requests, one_booking, &st);
    assert_int_equal(st.other, 0);            /* no 5xx, nothing but 201 or fully_booked */
    assert_int_equal(st.created + st.full, requests);
    assert_true(st.created > 0 && st.full > 0);
    /* what the clients were told adds up to what boarding holds, night by night */
    for (int d = 0; d < 9; d++) {
        char day[DATE_STR_LEN];
        date_format(date_today() + base + d, day);
        long long reserved = 0;
        if (e2e_db_int("SELECT COUNT(*) FROM pb_boarding.listing_day WHERE listing_id = ? AND day = ?", "ss", listing,
                       day))
            reserved = e2e_db_int("SELECT reserved FROM pb_boarding.listing_day WHERE listing_id = ? AND day = ?", "ss",
                                  listing, day);
        assert_int_equal(reserved, st.nights_pets[d]);
        assert_true(reserved <= capacity);
    }
    assert_true(e2e_invariants_hold());
}

static void storm_of_300_on_capacity_3(void **state)
{
    (void)state;
    storm(3, 300, 42, 1);
}

static void storm_of_300_on_capacity_1(void **state)
{
    (void)state;
    storm(1, 300, 4242, 11);
}

struct inflight {
    const char *listing;
    int answered;
    pthread_mutex_t mu;
};

static void booking_during_crash(int i, void *arg)
{
    struct inflight *f = arg;
    int owner = i % OWNERS;
    char s[DATE_STR_LEN], e[DATE_STR_LEN];
    date_format(date_today() + 25 + i % 3, s);
    date_format(date_today() + 27 + i % 3, e);
    struct resp *r = e2e_call("POST", "/api/v1/orders", owners[owner].token,
                              json_pack("{s:s,s:[s],s:s,s:s}", "listing_id", f->listing, "pet_ids",
                                        pets[owner][PETS_EACH - 1 - i / OWNERS], "start_date", s, "end_date", e));
    /* 201, fully_booked, or 503 while boarding is down; never a 500 */
    if (r->status != 201 && r->status != 409 && r->status != 503)
        print_error("unexpected answer %ld: %s\n", r->status, r->body ? r->body : "");
    pthread_mutex_lock(&f->mu);
    f->answered += r->status == 201 || r->status == 409 || r->status == 503;
    pthread_mutex_unlock(&f->mu);
    e2e_resp_free(r);
}

static void *killer(void *arg)
{
    (void)arg;
    usleep(150 * 1000);
    e2e_stack_service("boarding", "kill", NULL);
    return NULL;
}

static bool settled(void *arg)
{
    (void)arg;
    return e2e_invariants_hold();
}

static void killing_boarding_leaves_no_orphaned_holds(void **state)
{
    (void)state;
    struct e2e_user provider;
    e2e_provider_approved(&provider);
    char listing[24];
    e2e_listing_new(&provider, json_pack("{s:i}", "capacity", 5), true, listing);
    struct inflight f = {listing, 0, PTHREAD_MUTEX_INITIALIZER};
    pthread_t t;
    pthread_create(&t, NULL, killer, NULL);
    e2e_parallel(60, booking_during_crash, &f);
    pthread_join(t, NULL);
    assert_int_equal(f.answered, 60);
    e2e_stack_service("boarding", "start", NULL);
    /* the order service's job gives back whatever was held for orders that gave up */
    assert_true(e2e_eventually(settled, NULL, 20000));
}

static struct cache *test_redis(void)
{
    const char *port = getenv("PB_REDIS_PORT");
    struct cache_opts o = {.host = "127.0.0.1", .port = (unsigned)atoi(port ? port : "16379"), .pool_size = 2};
    return cache_new(&o);
}

static void lock_holders_that_die_or_expire(void **state)
{
    (void)state;
    struct cache *c = test_redis();
    char key[64];
    e2e_unique_name(key, sizeof key, "pb:lock:test:");
    struct cache_lock a, b;
    assert_int_equal(cache_lock(c, key, 300, 0, &a), ERR_OK);
    /* a second taker does not get it while it is held... */
    assert_int_equal(cache_lock(c, key, 300, 50, &b), ERR_CONFLICT);
    /* ...but a holder that dies (never releases) frees it after its TTL */
    long long t0 = e2e_now_ms();
    assert_int_equal(cache_lock(c, key, 5000, 2000, &b), ERR_OK);
    long long waited = e2e_now_ms() - t0;
    assert_true(waited >= 150 && waited < 1500);
    /* the expired holder's release must not delete the new holder's lock */
    assert_int_equal(cache_unlock(c, &a), ERR_NOT_FOUND);
    assert_int_equal(cache_lock_renew(c, &a, 5000), ERR_NOT_FOUND);
    redisReply *r = cache_cmd(c, "GET %s", key);
    assert_non_null(r);
    assert_string_equal(r->str, b.token);
    freeReplyObject(r);
    assert_int_equal(cache_unlock(c, &b), ERR_OK);
    r = cache_cmd(c, "EXISTS %s", key);
    assert_int_equal(r->integer, 0);
    freeReplyObject(r);
    cache_free(c);
}

/* PUT /internal/v1/holds/{order}, as the order service calls it, answered "held" (200) or
 * refused with the status and message given. */
static void hold(const char *order, const char *listing, int from, int to, int npets, long status, const char *message)
{
    char path[96], sd[DATE_STR_LEN], ed[DATE_STR_LEN];
    snprintf(path, sizeof path, "/internal/v1/holds/%s", order);
    date_format(date_today() + from, sd);
    date_format(date_today() + to, ed);
    struct resp *r = e2e_service("boarding", "PUT", path,
                                 json_pack("{s:s,s:s,s:s,s:i}", "listing_id", listing, "start_date", sd, "end_date", ed,
                                           "pets", npets));
    EXPECT_STATUS(r, status);
    if (message)
        assert_string_equal(e2e_str(r, "error.message"), message);
    else
        assert_string_equal(e2e_str(r, "state"), "held");
    e2e_resp_free(r);
}

static void release(const char *order)
{
    char path[96];
    snprintf(path, sizeof path, "/internal/v1/holds/%s", order);
    struct resp *r = e2e_service("boarding", "DELETE", path, NULL);
    EXPECT_STATUS(r, 204);
    e2e_resp_free(r);
}

/* The pets reserved on listing's night today + d. */
static long long reserved_on(const char *listing, int d)
{
    char day[DATE_STR_LEN];
    date_format(date_today() + d, day);
    return e2e_db_int("SELECT COALESCE(SUM(reserved), 0) FROM pb_boarding.listing_day WHERE listing_id = ? AND day = ?",
                      "ss", listing, day);
}

static long long hold_rows(const char *order)
{
    return e2e_db_int("SELECT COUNT(*) FROM pb_boarding.capacity_hold WHERE order_id = ?", "s", order);
}

/* A hold is idempotent by order id: repeated, it reserves once; with other terms, or after
 * its release, or after a release that came first (a tombstone), it is refused and reserves
 * nothing; a refused hold (full, or a listing not open) leaves no row behind. */
static void holds_are_idempotent_by_order_id(void **state)
{
    (void)state;
    struct e2e_user provider;
    e2e_provider_approved(&provider);
    char listing[24], draft[24];
    e2e_listing_new(&provider, json_pack("{s:i}", "capacity", 2), true, listing);
    e2e_listing_new(&provider, json_pack("{s:i}", "capacity", 2), false, draft);
    const char *a = "7000000000000000001", *b = "7000000000000000002", *c = "7000000000000000003",
               *d = "7000000000000000004", *e = "7000000000000000005";
    hold(a, listing, 40, 42, 1, 200, NULL);
    hold(a, listing, 40, 42, 1, 200, NULL); /* the order service's retry */
    assert_int_equal(reserved_on(listing, 40), 1);
    assert_int_equal(reserved_on(listing, 41), 1);
    hold(a, listing, 40, 42, 2, 409, "this order holds other nights");
    assert_int_equal(reserved_on(listing, 40), 1);
    /* b takes the last place of night 41; c finds no room there (the lock-free precheck
     * says so), and 3 pets find none on nights without rows yet (the conditional update
     * says so): neither keeps a row */
    char msg[96], day41[DATE_STR_LEN], day50[DATE_STR_LEN];
    date_format(date_today() + 41, day41);
    date_format(date_today() + 50, day50);
    hold(b, listing, 41, 43, 1, 200, NULL);
    snprintf(msg, sizeof msg, "no room for 1 pet(s) on the night of %s", day41);
    hold(c, listing, 41, 42, 1, 409, msg);
    snprintf(msg, sizeof msg, "no room for 3 pet(s) on the night of %s", day50);
    hold(c, listing, 50, 52, 3, 409, msg);
    assert_int_equal(hold_rows(c), 0);
    assert_int_equal(reserved_on(listing, 50), 0);
    assert_int_equal(reserved_on(listing, 40), 1);
    assert_int_equal(reserved_on(listing, 41), 2);
    /* released, then retried late: refused, nothing reserved again */
    release(a);
    assert_int_equal(reserved_on(listing, 40), 0);
    assert_int_equal(reserved_on(listing, 41), 1);
    hold(a, listing, 40, 42, 1, 409, "this order's hold was released");
    assert_int_equal(reserved_on(listing, 40), 0);
    /* a release before the hold leaves a tombstone: the late hold takes nothing */
    release(d);
    hold(d, listing, 45, 46, 1, 409, "this order's hold was released");
    assert_int_equal(reserved_on(listing, 45), 0);
    /* a listing not open for bookings: refused, no hold row, no night rows */
    hold(e, draft, 40, 42, 1, 409, "the listing is not open for bookings");
    assert_int_equal(hold_rows(e), 0);
    assert_int_equal(e2e_db_int("SELECT COUNT(*) FROM pb_boarding.listing_day WHERE listing_id = ?", "s", draft), 0);
    release(b);
    release(c);
    release(e);
    assert_int_equal(reserved_on(listing, 41), 0);
    assert_true(e2e_invariants_hold());
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(lock_holders_that_die_or_expire),
        cmocka_unit_test(holds_are_idempotent_by_order_id),
        cmocka_unit_test(storm_of_300_on_capacity_3),
        cmocka_unit_test(storm_of_300_on_capacity_1),
        cmocka_unit_test(killing_boarding_leaves_no_orphaned_holds),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
