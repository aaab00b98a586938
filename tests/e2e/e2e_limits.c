/* Bounds on what one account can create, through the gateway: pets per owner, listings per
 * provider, vaccination records per pet and open orders per owner (422 limit_reached at the limit, one below still
 * accepted, a deleted pet or a cancelled order frees its slot, concurrent creations never
 * pass the last slot twice), photos per account in 24 hours (429 rate_limited with
 * Retry-After, free again a day later); and the retention of read notifications (old read
 * ones deleted by the job in batches, unread ones and the unread count untouched). */
#include "harness.h"
#include "dates.h"
#include "ids.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PETS_MAX 50     /* PB_PET_MAX_PER_OWNER's default */
#define LISTINGS_MAX 50 /* PB_LISTING_MAX_PER_PROVIDER's default */
#define ORDERS_MAX 20   /* PB_ORDER_MAX_OPEN_PER_OWNER's default */
#define VACCINATIONS_MAX 100 /* records per pet (PET_MAX_VACCINATIONS) */
#define PHOTOS_MAX 3    /* PB_MEDIA_MAX_PER_DAY of this suite's media service (default 500) */

static const char *const MEDIA_ENV[] = {"PB_MEDIA_MAX_PER_DAY=3", NULL};
static const char *const NOTIF_ENV[] = {"PB_NOTIFICATION_RETENTION_INTERVAL_MS=200", NULL};

static int setup(void **state)
{
    (void)state;
    e2e_stack_service("media", "restart", MEDIA_ENV);
    e2e_stack_service("notification", "restart", NOTIF_ENV);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    e2e_stack_service("media", "restart", NULL); /* back to the defaults */
    e2e_stack_service("notification", "restart", NULL);
    return 0;
}

/* Expect 422 limit_reached whose message names the limit. */
static void expect_limit(struct resp *r, int limit)
{
    char n[16];
    EXPECT_ERROR(r, 422, "limit_reached");
    snprintf(n, sizeof n, " %d ", limit);
    assert_non_null(strstr(e2e_str(r, "error.message"), n));
    e2e_resp_free(r);
}

/* A parallel round of creations: how many got 201 and how many the limit's answer. */
struct race {
    const struct e2e_user *u;
    const char *listing, *pet; /* orders */
    long limit_status;
    const char *limit_code;
    int ok, limited, other;
    pthread_mutex_t mu;
};

static void race_count(struct race *x, struct resp *r)
{
    pthread_mutex_lock(&x->mu);
    const char *code = e2e_str(r, "error.code");
    if (r->status == 201)
        x->ok++;
    else if (r->status == x->limit_status && code && strcmp(code, x->limit_code) == 0)
        x->limited++;
    else {
        x->other++;
        print_error("unexpected answer %ld: %s\n", r->status, r->body ? r->body : "");
    }
    pthread_mutex_unlock(&x->mu);
    e2e_resp_free(r);
}

/* ---------- pets ---------- */

static struct resp *post_pet(const struct e2e_user *u)
{
    return e2e_call("POST", "/api/v1/pets", u->token,
                    json_pack("{s:s,s:s,s:f}", "name", "旺财", "species", "dog", "weight_kg", 10.0));
}

static void pet_racer(int i, void *arg)
{
    (void)i;
    struct race *x = arg;
    race_count(x, post_pet(x->u));
}

static long long live_pets(const struct e2e_user *u)
{
    return e2e_db_int("SELECT COUNT(*) FROM pb_pet.pet WHERE owner_id = ? AND deleted_ms IS NULL", "s", u->id);
}

static void pets_per_owner(void **state)
{
    (void)state;
    struct e2e_user owner, other;
    char id[24], first[24];
    e2e_user_new(&owner, "owner");
    e2e_user_new(&other, "owner");
    e2e_pet_new(&owner, NULL, first);
    for (int i = 1; i < PETS_MAX - 2; i++)
        e2e_pet_new(&owner, NULL, id);
    /* two slots left, six at once: exactly two get them */
    struct race x = {.u = &owner, .limit_status = 422, .limit_code = "limit_reached", .mu = PTHREAD_MUTEX_INITIALIZER};
    e2e_parallel(6, pet_racer, &x);
    assert_int_equal(x.ok, 2);
    assert_int_equal(x.limited, 4);
    assert_int_equal(x.other, 0);
    assert_int_equal(live_pets(&owner), PETS_MAX);
    expect_limit(post_pet(&owner), PETS_MAX);
    /* the limit is the owner's: another owner is not affected */
    e2e_pet_new(&other, NULL, id);
    /* a deleted pet frees its slot, once */
    char path[64];
    snprintf(path, sizeof path, "/api/v1/pets/%s", first);
    struct resp *r = e2e_call("DELETE", path, owner.token, NULL);
    EXPECT_STATUS(r, 204);
    e2e_resp_free(r);
    e2e_pet_new(&owner, NULL, id);
    expect_limit(post_pet(&owner), PETS_MAX);
    assert_int_equal(live_pets(&owner), PETS_MAX);
}

/* ---------- vaccination records ---------- */

static struct resp *post_vaccination(const struct e2e_user *u, const char *pet, int i)
{
    char path[64], name[32];
    snprintf(path, sizeof path, "/api/v1/pets/%s/vaccinations", pet);
    snprintf(name, sizeof name, "dose %d", i);
    return e2e_call("POST", path, u->token, json_pack("{s:s,s:s}", "name", name, "given_on", "2026-01-05"));
}

static void vaccinations_per_pet(void **state)
{
    (void)state;
    struct e2e_user owner;
    char pet[24];
    e2e_user_new(&owner, "owner");
    e2e_pet_new(&owner, NULL, pet);
    for (int i = 0; i < VACCINATIONS_MAX; i++) {
        struct resp *r = post_vaccination(&owner, pet, i);
        EXPECT_STATUS(r, 201);
        e2e_resp_free(r);
    }
    expect_limit(post_vaccination(&owner, pet, VACCINATIONS_MAX), VACCINATIONS_MAX);
    assert_int_equal(e2e_db_int("SELECT COUNT(*) FROM pb_pet.pet_vaccination WHERE pet_id = ?", "s", pet),
                     VACCINATIONS_MAX);
}

/* ---------- listings ---------- */

static struct resp *post_listing(const struct e2e_user *p)
{
    json_t *body = json_pack("{s:s,s:s,s:s,s:s,s:s,s:f,s:f,s:[s],s:f,s:i,s:i,s:[s],s:s}", "title", "阳光宠物之家",
                             "description", "宽敞的院子，每天遛狗两次。", "city", "上海", "district", "徐汇区",
                             "address", "漕溪北路 88 号", "lat", 31.19, "lng", 121.44, "species", "dog",
                             "max_weight_kg", 30.0, "capacity", 3, "price_per_night_fen", 12000, "amenities", "院子",
                             "house_rules", "需提供疫苗证明");
    return e2e_call("POST", "/api/v1/listings", p->token, body);
}

static void listing_racer(int i, void *arg)
{
    (void)i;
    struct race *x = arg;
    race_count(x, post_listing(x->u));
}

static void listings_per_provider(void **state)
{
    (void)state;
    struct e2e_user provider, other;
    char id[24];
    e2e_provider_approved(&provider);
    e2e_provider_approved(&other);
    for (int i = 0; i < LISTINGS_MAX - 3; i++)
        e2e_listing_new(&provider, NULL, i == 0, id);
    /* three slots left, seven at once: exactly three get them */
    struct race x = {.u = &provider, .limit_status = 422, .limit_code = "limit_reached",
                     .mu = PTHREAD_MUTEX_INITIALIZER};
    e2e_parallel(7, listing_racer, &x);
    assert_int_equal(x.ok, 3);
    assert_int_equal(x.limited, 4);
    assert_int_equal(x.other, 0);
    assert_int_equal(e2e_db_int("SELECT COUNT(*) FROM pb_boarding.listing WHERE provider_id = ?", "s", provider.id),
                     LISTINGS_MAX);
    expect_limit(post_listing(&provider), LISTINGS_MAX);
    e2e_listing_new(&other, NULL, false, id); /* per provider */
}

/* ---------- photos ---------- */

static struct resp *upload(const struct e2e_user *u, unsigned seed)
{
    size_t n = 0;
    unsigned char *png = e2e_png(32, 32, seed, &n);
    struct resp *r = e2e_upload(u, "pet", "image/png", png, n);
    free(png);
    return r;
}

static void photo_racer(int i, void *arg)
{
    struct race *x = arg;
    race_count(x, upload(x->u, 7000u + (unsigned)i));
}

static void expect_photo_limit(struct resp *r)
{
    char n[32];
    EXPECT_ERROR(r, 429, "rate_limited");
    snprintf(n, sizeof n, " %d photos in 24 hours", PHOTOS_MAX);
    assert_non_null(strstr(e2e_str(r, "error.message"), n));
    /* the oldest upload of the day leaves the window in a day, less the seconds since */
    long after = atol(r->retry_after);
    assert_true(after > 86400 - 120 && after <= 86400);
    e2e_resp_free(r);
}

static void photos_per_day(void **state)
{
    (void)state;
    struct e2e_user owner, other, racer;
    char id[24];
    e2e_user_new(&owner, "owner");
    e2e_user_new(&other, "owner");
    e2e_user_new(&racer, "owner");
    for (int i = 0; i < PHOTOS_MAX - 1; i++)
        e2e_photo_new(&owner, "pet", id);
    e2e_photo_new(&owner, "pet", id); /* the last one of the day */
    expect_photo_limit(upload(&owner, 1));
    e2e_photo_new(&other, "pet", id); /* per account */
    /* six at once with three slots: the count under the owner's lock lets exactly three in */
    struct race x = {.u = &racer, .limit_status = 429, .limit_code = "rate_limited", .mu = PTHREAD_MUTEX_INITIALIZER};
    e2e_parallel(6, photo_racer, &x);
    assert_int_equal(x.ok, PHOTOS_MAX);
    assert_int_equal(x.limited, 6 - PHOTOS_MAX);
    assert_int_equal(x.other, 0);
    assert_int_equal(e2e_db_int("SELECT COUNT(*) FROM pb_media.media WHERE owner_id = ?", "s", racer.id), PHOTOS_MAX);
    /* a day later the window holds none of them: the owner's uploads moved 24 h 1 min into
     * the past (the window is read from the ids' time, so the ids move with created_ms) */
    const int64_t back = 86460000, t = time_now_ms();
    e2e_db_exec("UPDATE pb_media.media SET id = id - ?, created_ms = created_ms - ? WHERE owner_id = ?", "uis",
                ids_compose(t, 0, 0) - ids_compose(t - back, 0, 0), back, owner.id);
    e2e_photo_new(&owner, "pet", id);
    e2e_photo_new(&owner, "pet", id);
}

/* ---------- open orders ---------- */

static struct resp *book(const struct e2e_user *u, const char *listing, const char *pet, int from, const char *key)
{
    char s[DATE_STR_LEN], e[DATE_STR_LEN], hdr[128];
    date_format(date_today() + from, s);
    date_format(date_today() + from + 1, e);
    char *text = NULL;
    json_t *body = json_pack("{s:s,s:[s],s:s,s:s}", "listing_id", listing, "pet_ids", pet, "start_date", s,
                             "end_date", e);
    text = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    snprintf(hdr, sizeof hdr, "Idempotency-Key: %s", key ? key : "");
    const char *h[] = {hdr, NULL};
    struct resp *r = e2e_call_raw("POST", "/api/v1/orders", u->token, "application/json", text, strlen(text),
                                  key ? h : NULL);
    free(text);
    return r;
}

static void order_racer(int i, void *arg)
{
    struct race *x = arg;
    race_count(x, book(x->u, x->listing, x->pet, 40 + i, NULL)); /* each its own night */
}

static long long open_orders(const struct e2e_user *u)
{
    struct resp *r = e2e_call("GET", "/api/v1/orders?limit=100", u->token, NULL);
    EXPECT_STATUS(r, 200);
    long long n = 0;
    json_t *items = e2e_get(r, "items"), *it;
    size_t i;
    json_array_foreach(items, i, it)
    {
        const char *st = json_string_value(json_object_get(it, "status"));
        n += strcmp(st, "pending_payment") == 0 || strcmp(st, "paid") == 0 || strcmp(st, "confirmed") == 0 ||
             strcmp(st, "in_care") == 0;
    }
    e2e_resp_free(r);
    return n;
}

static void open_orders_per_owner(void **state)
{
    (void)state;
    struct e2e_user owner, provider;
    char listing[24], pet[24], first[24] = "", id[24], key[48];
    e2e_user_new(&owner, "owner");
    e2e_provider_approved(&provider);
    e2e_listing_new(&provider, NULL, true, listing);
    e2e_pet_new(&owner, NULL, pet);
    for (int i = 0; i < ORDERS_MAX - 1; i++) {
        struct resp *r = book(&owner, listing, pet, 1 + i, NULL);
        EXPECT_STATUS(r, 201);
        if (i == 0)
            snprintf(first, sizeof first, "%s", e2e_str(r, "id"));
        e2e_resp_free(r);
    }
    /* one slot left, five bookings at once: exactly one gets it */
    struct race x = {.u = &owner, .listing = listing, .pet = pet, .limit_status = 422, .limit_code = "limit_reached",
                     .mu = PTHREAD_MUTEX_INITIALIZER};
    e2e_parallel(5, order_racer, &x);
    assert_int_equal(x.ok, 1);
    assert_int_equal(x.limited, 4);
    assert_int_equal(x.other, 0);
    assert_int_equal(open_orders(&owner), ORDERS_MAX);
    /* a refused booking holds nothing: its pet's night stays free */
    assert_int_equal(e2e_db_int("SELECT COUNT(*) FROM pb_order.pet_night WHERE pet_id = ?", "s", pet), ORDERS_MAX);
    e2e_unique_name(key, sizeof key, "limit-key-");
    expect_limit(book(&owner, listing, pet, 30, key), ORDERS_MAX);
    /* an order that ends (here cancelled) frees its slot; the refused key was not spent */
    char path[96];
    snprintf(path, sizeof path, "/api/v1/orders/%s/cancel", first);
    struct resp *r = e2e_call("POST", path, owner.token, json_pack("{s:s}", "reason", "计划有变"));
    EXPECT_STATUS(r, 200);
    e2e_resp_free(r);
    r = book(&owner, listing, pet, 30, key);
    EXPECT_STATUS(r, 201);
    snprintf(id, sizeof id, "%s", e2e_str(r, "id"));
    e2e_resp_free(r);
    expect_limit(book(&owner, listing, pet, 31, NULL), ORDERS_MAX);
    assert_int_equal(open_orders(&owner), ORDERS_MAX);
}

/* ---------- notification retention ---------- */

static void inbox_table(const char *uid, char *buf, size_t cap)
{
    long long n = e2e_db_int("SELECT CAST(v AS UNSIGNED) FROM pb_notification.schema_meta WHERE k = 'shards'", "");
    snprintf(buf, cap, "pb_notification.notification_%u", ids_shard(strtoull(uid, NULL, 10), (unsigned)n));
}

/* The user's rows in their inbox table (the shard's name is the only text formatted in; the
 * values are bound): all of them, or those with this source_key when key is not NULL. */
static long long inbox_rows(const char *table, const char *uid, const char *key)
{
    char sql[256];
    snprintf(sql, sizeof sql, key ? "SELECT COUNT(*) FROM %s WHERE user_id = ? AND source_key = ?"
                                  : "SELECT COUNT(*) FROM %s WHERE user_id = ?",
             table);
    return key ? e2e_db_int(sql, "ss", uid, key) : e2e_db_int(sql, "s", uid);
}

static long long inbox_unread_rows(const char *table, const char *uid)
{
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM %s WHERE user_id = ? AND is_read = 0", table);
    return e2e_db_int(sql, "s", uid);
}

static long long unread_count(const struct e2e_user *u)
{
    struct resp *r = e2e_call("GET", "/api/v1/notifications/unread-count", u->token, NULL);
    EXPECT_STATUS(r, 200);
    long long n = e2e_int(r, "unread");
    e2e_resp_free(r);
    return n;
}

struct purged {
    const char *table, *uid;
    long long want;
};

static bool rows_left(void *arg)
{
    struct purged *p = arg;
    return inbox_rows(p->table, p->uid, NULL) == p->want;
}

static void read_notifications_expire(void **state)
{
    (void)state;
    const int64_t day = 86400000, now = time_now_ms();
    struct e2e_user u;
    char table[96], sql[512], id[IDS_STR_LEN];
    e2e_user_new(&u, "owner");
    inbox_table(u.id, table, sizeof table);
    /* 2,500 read 181 days ago (several batches of 1,000), one read 179 days ago, two unread
     * (one of them 300 days old), and one that the user reads through the API */
    snprintf(sql, sizeof sql,
             "INSERT INTO %s (user_id, id, type, title, body, data, is_read, read_ms, created_ms, source_key, "
             "source_ms) SELECT ?, ? + seq, 'order.paid', 't', 'b', '{}', 1, ?, ?, CONCAT('test:old:', seq), ? "
             "FROM pb_notification.seq_1_to_2500",
             table);
    e2e_db_exec(sql, "suiii", u.id, ids_next_at(now - 200 * day), now - 181 * day, now - 200 * day, now - 200 * day);
    snprintf(sql, sizeof sql,
             "INSERT INTO %s (user_id, id, type, title, body, data, is_read, read_ms, created_ms, source_key, "
             "source_ms) VALUES (?, ?, 'order.paid', 't', 'b', '{}', ?, ?, ?, ?, ?)",
             table);
    e2e_db_exec(sql, "suiiisi", u.id, ids_next_at(now - 190 * day), (int64_t)1, now - 179 * day, now - 190 * day, "test:recent",
                now - 190 * day);
    e2e_db_exec(sql, "suinisi", u.id, ids_next_at(now - 300 * day), (int64_t)0, now - 300 * day, "test:unread-old",
                now - 300 * day);
    e2e_db_exec(sql, "suinisi", u.id, ids_next(), (int64_t)0, now, "test:unread", now);
    uint64_t mine = ids_next();
    e2e_db_exec(sql, "suinisi", u.id, mine, (int64_t)0, now, "test:mine", now);
    assert_int_equal(unread_count(&u), 3); /* counted in MariaDB, then kept in Redis */
    char path[96];
    snprintf(path, sizeof path, "/api/v1/notifications/%s/read", ids_format(mine, id));
    struct resp *r = e2e_call("POST", path, u.token, NULL);
    EXPECT_STATUS(r, 200);
    e2e_resp_free(r);
    assert_int_equal(unread_count(&u), 2);
    /* read long ago: due as well */
    snprintf(sql, sizeof sql, "UPDATE %s SET read_ms = ? WHERE user_id = ? AND id = ?", table);
    e2e_db_exec(sql, "isu", now - 181 * day, u.id, mine);
    /* the job (every 200 ms here) deletes the 2,501 due ones and nothing else */
    struct purged p = {table, u.id, 3};
    assert_true(e2e_eventually(rows_left, &p, 20000));
    assert_int_equal(inbox_unread_rows(table, u.id), 2);
    assert_int_equal(inbox_rows(table, u.id, "test:recent"), 1);
    assert_int_equal(inbox_rows(table, u.id, "test:unread-old"), 1);
    /* the unread count did not move, and still matches the inbox */
    assert_int_equal(unread_count(&u), 2);
    r = e2e_call("GET", "/api/v1/notifications?limit=100", u.token, NULL);
    EXPECT_STATUS(r, 200);
    assert_int_equal(json_array_size(e2e_get(r, "items")), 3);
    e2e_resp_free(r);
    assert_true(e2e_metric("notification", "pb_notifications_purged_total") >= 2501);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(pets_per_owner),
        cmocka_unit_test(vaccinations_per_pet),
        cmocka_unit_test(listings_per_provider),
        cmocka_unit_test(photos_per_day),
        cmocka_unit_test(open_orders_per_owner),
        cmocka_unit_test(read_notifications_expire),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
