/* The cache-aside envelope (aside_encode / aside_decode): a round trip, and what is not an
 * envelope, including an expiry too long for a long long (found by tests/fuzz/fuzz_aside.c). */
#include "unit.h"
#include "aside.h"

#include <string.h>

static void round_trip(void **state)
{
    (void)state;
    char buf[64];
    long long t;
    char kind;
    const char *payload;
    size_t plen;
    size_t n = aside_encode(buf, sizeof buf, 1795000000123LL, 'V', "{\"a\":1}", 7);
    assert_int_equal(n, strlen("1795000000123|V|{\"a\":1}"));
    assert_int_equal(aside_decode(buf, n, &t, &kind, &payload, &plen), 0);
    assert_true(t == 1795000000123LL);
    assert_int_equal(kind, 'V');
    assert_int_equal(plen, 7);
    assert_memory_equal(payload, "{\"a\":1}", 7);
    assert_int_equal(aside_encode(buf, 8, 1795000000123LL, 'N', "", 0), 0); /* does not fit */
}

static void not_envelopes(void **state)
{
    (void)state;
    long long t;
    char kind;
    const char *payload;
    size_t plen;
    static const char *const BAD[] = {"", "|V|x", "12|X|x", "12|V", "1a|V|x", "plain text",
                                      /* 19 and 20 digits: past what a long long holds */
                                      "9999999999999999999|V|x", "10100000000000000000|V|x"};
    for (size_t i = 0; i < sizeof BAD / sizeof BAD[0]; i++)
        assert_int_equal(aside_decode(BAD[i], strlen(BAD[i]), &t, &kind, &payload, &plen), -1);
    /* 18 digits still are one */
    const char ok[] = "999999999999999999|N|";
    assert_int_equal(aside_decode(ok, strlen(ok), &t, &kind, &payload, &plen), 0);
    assert_true(t == 999999999999999999LL);
    assert_int_equal(plen, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(round_trip), cmocka_unit_test(not_envelopes)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
