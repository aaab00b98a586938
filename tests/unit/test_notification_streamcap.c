/* Admission of event streams: a user's new stream replaces the oldest beyond the per-user
 * limit, a full replica refuses other users, and the default total keeps half the HTTP
 * server's connections for requests. */
#include "unit.h"
#include "streamcap.h"

static void under_both_limits_a_stream_is_admitted(void **state)
{
    (void)state;
    size_t evict = 99;
    assert_int_equal(streamcap_admit(0, 0, 3, 512, &evict), STREAMCAP_ADMIT);
    assert_int_equal(evict, 0);
    assert_int_equal(streamcap_admit(2, 511, 3, 512, &evict), STREAMCAP_ADMIT);
    assert_int_equal(evict, 0);
}

static void the_fourth_of_a_user_replaces_the_oldest(void **state)
{
    (void)state;
    size_t evict = 0;
    assert_int_equal(streamcap_admit(3, 10, 3, 512, &evict), STREAMCAP_REPLACE);
    assert_int_equal(evict, 1);
    /* the limit was lowered while a user held more: back to the limit at once */
    assert_int_equal(streamcap_admit(5, 10, 3, 512, &evict), STREAMCAP_REPLACE);
    assert_int_equal(evict, 3);
    /* one per user: every new stream replaces the previous one */
    assert_int_equal(streamcap_admit(1, 1, 1, 512, &evict), STREAMCAP_REPLACE);
    assert_int_equal(evict, 1);
    /* a per-user limit of 0 means 1 */
    assert_int_equal(streamcap_admit(1, 1, 0, 512, &evict), STREAMCAP_REPLACE);
    assert_int_equal(evict, 1);
}

static void a_full_replica_refuses_new_users_but_lets_one_move_a_stream(void **state)
{
    (void)state;
    size_t evict = 7;
    assert_int_equal(streamcap_admit(0, 512, 3, 512, &evict), STREAMCAP_FULL);
    assert_int_equal(evict, 0);
    assert_int_equal(streamcap_admit(2, 600, 3, 512, &evict), STREAMCAP_FULL);
    /* replacing does not grow the total: allowed even when full */
    assert_int_equal(streamcap_admit(3, 512, 3, 512, &evict), STREAMCAP_REPLACE);
    assert_int_equal(evict, 1);
}

static void the_default_total_is_half_the_connections(void **state)
{
    (void)state;
    assert_int_equal(streamcap_max_default(1024), 512);
    assert_int_equal(streamcap_max_default(16), 8);
    assert_int_equal(streamcap_max_default(1), 1);
    assert_int_equal(streamcap_max_default(0), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(under_both_limits_a_stream_is_admitted),
        cmocka_unit_test(the_fourth_of_a_user_replaces_the_oldest),
        cmocka_unit_test(a_full_replica_refuses_new_users_but_lets_one_move_a_stream),
        cmocka_unit_test(the_default_total_is_half_the_connections),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
