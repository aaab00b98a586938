/* What the user service stores: accounts spread over the shards as the router says, the
 * vertical split, unique login names under concurrency, and the profile cache. */
#include "harness.h"
#include "ids.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct race {
    char name[64];
    int created, conflict, other;
    pthread_mutex_t mu;
};

static void register_same(int i, void *arg)
{
    struct race *x = arg;
    char display[32];
    snprintf(display, sizeof display, "racer %d", i);
    struct resp *r = e2e_call("POST", "/api/v1/auth/register", NULL,
                              json_pack("{s:s,s:s,s:s,s:s}", "username", x->name, "password", "same password 1",
                                        "role", i % 2 ? "owner" : "provider", "display_name", display));
    pthread_mutex_lock(&x->mu);
    if (r->status == 201)
        x->created++;
    else if (r->status == 409 && strcmp(e2e_str(r, "error.code"), "conflict") == 0)
        x->conflict++;
    else
        x->other++;
    pthread_mutex_unlock(&x->mu);
    e2e_resp_free(r);
}

static void fifty_parallel_registrations_make_one_account(void **state)
{
    (void)state;
    struct race x = {.mu = PTHREAD_MUTEX_INITIALIZER};
    e2e_unique_name(x.name, sizeof x.name, "race");
    e2e_parallel(50, register_same, &x);
    assert_int_equal(x.created, 1);
    assert_int_equal(x.conflict, 49);
    assert_int_equal(x.other, 0);
    assert_int_equal(e2e_db_int("SELECT COUNT(*) FROM pb_user.user_login WHERE login = CONCAT('u:', LOWER(?))", "s", x.name), 1);
    long long rows = 0;
    for (int k = 0; k < 4; k++) {
        char sql[128];
        snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM pb_user.user_%d WHERE username = ?", k);
        rows += e2e_db_int(sql, "s", x.name);
    }
    assert_int_equal(rows, 1);
}

static void accounts_live_in_their_shard(void **state)
{
    (void)state;
    long long shards = e2e_db_int("SELECT v FROM pb_user.schema_meta WHERE k = 'shards'", "");
    assert_int_equal(shards, 4);
    int per_shard[4] = {0};
    for (int i = 0; i < 40; i++) {
        struct e2e_user u;
        e2e_user_new(&u, i % 3 ? "owner" : "provider");
        uint64_t id = strtoull(u.id, NULL, 10);
        unsigned want = ids_shard(id, 4);
        for (unsigned k = 0; k < 4; k++) {
            char sql[160];
            snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM pb_user.user_%u WHERE id = ?", k);
            long long n = e2e_db_int(sql, "u", id);
            assert_int_equal(n, k == want ? 1 : 0);
            snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM pb_user.user_details_%u WHERE user_id = ?", k);
            assert_int_equal(e2e_db_int(sql, "u", id), k == want ? 1 : 0);
        }
        per_shard[want]++;
    }
    for (int k = 0; k < 4; k++)
        assert_true(per_shard[k] > 0); /* the mix spreads consecutive ids */
    /* vertical split: the hot table has no long text columns */
    assert_int_equal(e2e_db_int("SELECT COUNT(*) FROM information_schema.columns WHERE table_schema = 'pb_user' "
                                "AND table_name = 'user_0' AND column_name IN ('bio', 'address', 'emergency_contact')", ""), 0);
}

static double loads(void)
{
    return e2e_metric("user", "pb_cache_loads_total{service=\"user\",cache=\"user_profile\"}");
}

static void profiles_are_cached_and_invalidated(void **state)
{
    (void)state;
    struct e2e_user u;
    e2e_user_new(&u, "provider");
    char path[96];
    snprintf(path, sizeof path, "/api/v1/users/%s", u.id);
    double before = loads();
    for (int i = 0; i < 20; i++) {
        struct resp *r = e2e_call("GET", path, NULL, NULL);
        EXPECT_STATUS(r, 200);
        e2e_resp_free(r);
    }
    assert_int_equal((long)(loads() - before), 1); /* one database read for twenty requests */
    struct resp *r = e2e_call("PATCH", "/api/v1/users/me", u.token, json_pack("{s:s}", "display_name", "新名字"));
    EXPECT_STATUS(r, 200);
    e2e_resp_free(r);
    r = e2e_call("GET", path, NULL, NULL);
    assert_string_equal(e2e_str(r, "display_name"), "新名字");
    e2e_resp_free(r);
    /* unknown ids are remembered as absent for a while (no penetration to the database) */
    before = loads();
    for (int i = 0; i < 10; i++) {
        r = e2e_call("GET", "/api/v1/users/1234567", NULL, NULL);
        EXPECT_ERROR(r, 404, "not_found");
        e2e_resp_free(r);
    }
    assert_true(loads() - before <= 1);
}

static void cold_read(int i, void *arg)
{
    (void)i;
    struct resp *r = e2e_call("GET", arg, NULL, NULL);
    EXPECT_STATUS(r, 200);
    e2e_resp_free(r);
}

static void cold_hot_key_is_rebuilt_once(void **state)
{
    (void)state;
    struct e2e_user u;
    e2e_user_new(&u, "owner");
    char path[96];
    snprintf(path, sizeof path, "/api/v1/users/%s", u.id);
    double before = loads();
    e2e_parallel(100, cold_read, path);
    assert_int_equal((long)(loads() - before), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fifty_parallel_registrations_make_one_account),
        cmocka_unit_test(accounts_live_in_their_shard),
        cmocka_unit_test(profiles_are_cached_and_invalidated),
        cmocka_unit_test(cold_hot_key_is_rebuilt_once),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
