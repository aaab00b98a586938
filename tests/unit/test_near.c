/* The near cache's bookkeeping: copies served only while live, a read that raced an
 * invalidation is not kept, invalidations and flushes drop copies, memory stays in budget. */
#include "unit.h"
#include "near.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct near *live_cache(size_t bytes)
{
    struct near *n = near_new(bytes);
    assert_non_null(n);
    near_set_live(n, true);
    return n;
}

static void put(struct near *n, const char *key, const char *val)
{
    near_put(n, key, val, strlen(val), near_stamp(n, key));
}

/* the value of key as a string, or NULL (caller frees) */
static char *get(struct near *n, const char *key)
{
    char *v = NULL;
    size_t len = 0;
    if (!near_get(n, key, &v, &len))
        return NULL;
    assert_int_equal(strlen(v), len);
    return v;
}

static void nothing_is_served_or_kept_until_live(void **state)
{
    (void)state;
    struct near *n = near_new(1 << 20);
    assert_int_equal(near_stamp(n, "pb:listing:1"), 0);
    put(n, "pb:listing:1", "v1");
    assert_null(get(n, "pb:listing:1"));
    near_set_live(n, true);
    assert_null(get(n, "pb:listing:1")); /* nothing was kept while not live */
    put(n, "pb:listing:1", "v1");
    char *v = get(n, "pb:listing:1");
    assert_string_equal(v, "v1");
    free(v);
    /* losing tracking drops every copy: they cannot be trusted across the gap */
    near_set_live(n, false);
    near_set_live(n, true);
    assert_null(get(n, "pb:listing:1"));
    near_free(n);
}

static void a_read_that_raced_an_invalidation_is_not_kept(void **state)
{
    (void)state;
    struct near *n = live_cache(1 << 20);
    uint64_t stamp = near_stamp(n, "pb:listing:7"); /* a reader starts reading Redis... */
    const char *key = "pb:listing:7";
    size_t klen = strlen(key);
    near_on_invalidate(n, &key, &klen, 1); /* ...a writer changes the key meanwhile */
    near_put(n, "pb:listing:7", "old", 3, stamp);
    assert_null(get(n, "pb:listing:7"));
    /* the writer's own drop counts the same way */
    stamp = near_stamp(n, "pb:listing:7");
    near_drop(n, "pb:listing:7");
    near_put(n, "pb:listing:7", "old", 3, stamp);
    assert_null(get(n, "pb:listing:7"));
    /* a read that did not race is kept */
    put(n, "pb:listing:7", "new");
    char *v = get(n, "pb:listing:7");
    assert_string_equal(v, "new");
    free(v);
    struct near_stats st;
    near_get_stats(n, &st);
    assert_int_equal(st.puts_skipped, 2);
    assert_int_equal(st.entries, 1);
    near_free(n);
}

static void invalidations_drop_only_their_keys_and_nil_drops_all(void **state)
{
    (void)state;
    struct near *n = live_cache(1 << 20);
    put(n, "pb:listing:1", "a");
    put(n, "pb:listing:2", "b");
    put(n, "pb:search:gen:all", "5");
    const char *keys[] = {"pb:listing:2", "pb:search:gen:all"};
    size_t lens[] = {strlen(keys[0]), strlen(keys[1])};
    near_on_invalidate(n, keys, lens, 2);
    char *v = get(n, "pb:listing:1");
    assert_string_equal(v, "a");
    free(v);
    assert_null(get(n, "pb:listing:2"));
    assert_null(get(n, "pb:search:gen:all"));
    near_on_invalidate(n, NULL, NULL, 0); /* FLUSHALL: Redis pushes a nil */
    assert_null(get(n, "pb:listing:1"));
    near_free(n);
}

static void a_new_value_replaces_the_old(void **state)
{
    (void)state;
    struct near *n = live_cache(1 << 20);
    put(n, "k", "first");
    put(n, "k", "second, longer");
    char *v = get(n, "k");
    assert_string_equal(v, "second, longer");
    free(v);
    struct near_stats st;
    near_get_stats(n, &st);
    assert_int_equal(st.entries, 1);
    near_free(n);
}

static void memory_stays_in_budget_least_recently_used_first(void **state)
{
    (void)state;
    size_t budget = 64 * 1024;
    struct near *n = live_cache(budget);
    char key[32], val[512];
    memset(val, 'x', sizeof val - 1);
    val[sizeof val - 1] = 0;
    put(n, "hot", "kept");
    for (int i = 0; i < 2000; i++) {
        snprintf(key, sizeof key, "pb:listing:%d", i);
        put(n, key, val);
        if (i % 16 == 0) { /* "hot" is read often: it stays */
            char *v = get(n, "hot");
            if (v) /* (it lives in one shard: only that shard's traffic can push it out) */
                free(v);
        }
    }
    struct near_stats st;
    near_get_stats(n, &st);
    assert_true(st.bytes <= budget);
    assert_true(st.entries > 0 && st.entries < 2000);
    assert_null(get(n, "pb:listing:0")); /* the oldest went first */
    snprintf(key, sizeof key, "pb:listing:%d", 1999);
    char *v = get(n, key);
    assert_non_null(v); /* the newest is there */
    free(v);
    /* a value larger than a shard's budget is never kept */
    char *big = malloc(budget);
    memset(big, 'y', budget - 1);
    big[budget - 1] = 0;
    put(n, "big", big);
    assert_null(get(n, "big"));
    free(big);
    near_free(n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(nothing_is_served_or_kept_until_live),
        cmocka_unit_test(a_read_that_raced_an_invalidation_is_not_kept),
        cmocka_unit_test(invalidations_drop_only_their_keys_and_nil_drops_all),
        cmocka_unit_test(a_new_value_replaces_the_old),
        cmocka_unit_test(memory_stays_in_budget_least_recently_used_first),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
