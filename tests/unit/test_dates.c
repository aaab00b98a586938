/* Dates: civil conversions, strict parsing, timestamps. */
#include "unit.h"
#include "dates.h"

static void civil_roundtrip(void **state)
{
    (void)state;
    assert_int_equal(date_from_civil(1970, 1, 1), 0);
    assert_int_equal(date_from_civil(2000, 3, 1), 11017);
    char buf[DATE_STR_LEN];
    for (int32_t d = -1000; d < 40000; d += 7) {
        int y;
        unsigned m, dd;
        date_to_civil(d, &y, &m, &dd);
        assert_int_equal(date_from_civil(y, m, dd), d);
    }
    assert_string_equal(date_format(date_from_civil(2024, 2, 29), buf), "2024-02-29");
}

static void strict_date_parse(void **state)
{
    (void)state;
    int32_t d;
    assert_true(date_parse("2026-11-21", &d));
    assert_int_equal(d, date_from_civil(2026, 11, 21));
    assert_true(date_parse("2024-02-29", &d));
    assert_false(date_parse("2025-02-29", &d)); /* not a leap year */
    assert_false(date_parse("2026-13-01", &d));
    assert_false(date_parse("2026-00-10", &d));
    assert_false(date_parse("2026-04-31", &d));
    assert_false(date_parse("2026-4-1", &d));
    assert_false(date_parse("2026/04/01", &d));
    assert_false(date_parse("2026-04-011", &d));
    assert_false(date_parse("", &d));
    assert_false(date_parse(NULL, &d));
}

static void timestamps(void **state)
{
    (void)state;
    char buf[TIME_STR_LEN];
    int64_t ms = 1795000000123LL;
    assert_string_equal(time_format_ms(ms, buf), "2026-11-18T11:06:40.123Z");
    int64_t back;
    assert_true(time_parse_ms(buf, &back));
    assert_int_equal(back, ms);
    assert_true(time_parse_ms("2026-11-18 11:06:40.123456", &back));
    assert_int_equal(back, ms);
    assert_true(time_parse_ms("2026-11-18T11:06:40Z", &back));
    assert_int_equal(back, 1795000000000LL);
    assert_false(time_parse_ms("2026-11-18T25:06:40Z", &back));
    assert_false(time_parse_ms("2026-11-18T11:06:40Zjunk", &back));
    assert_string_equal(time_format_ms(0, buf), "1970-01-01T00:00:00.000Z");
}

/* The platform's days are China's (UTC+8 by default): 16:00 UTC is already the next day in
 * Beijing, and a day starts at 16:00 UTC of the day before. */
static void platform_days(void **state)
{
    (void)state;
    /* the default: the unit tests run without PB_UTC_OFFSET_S */
    assert_int_equal(date_utc_offset_s(), 28800);
    int32_t d = date_from_civil(2026, 12, 7);
    /* 2026-12-06T15:59:59.999Z is 23:59:59.999 on 6 December in Beijing */
    int64_t before = (int64_t)(d - 1) * 86400000 + 16 * 3600000 - 1;
    assert_int_equal(date_of_ms(before), d - 1);
    assert_int_equal(date_of_ms(before + 1), d);
    assert_int_equal(date_start_ms(d), before + 1);
    assert_int_equal(date_of_ms(date_start_ms(d) + 86399999), d);
    /* before 1970 in the platform's zone: floor, not truncation */
    assert_int_equal(date_of_ms(-28800000 - 1), -1);
    assert_int_equal(date_of_ms(-28800000), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(civil_roundtrip),
        cmocka_unit_test(strict_date_parse),
        cmocka_unit_test(timestamps),
        cmocka_unit_test(platform_days),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
