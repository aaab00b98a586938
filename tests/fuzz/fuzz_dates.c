/* Dates and times from clients (lib/dates.c): date_parse (every "YYYY-MM-DD" field and query
 * value) and time_parse_ms (RFC 3339 times, e.g. a webhook's occurred_at). A parsed date
 * renders back to the input and survives the civil round trip; a parsed time renders to a
 * string that parses to the same instant. */
#include "dates.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = fuzz_cstr(data, size);
    int32_t day;
    if (date_parse(s, &day)) {
        char buf[DATE_STR_LEN];
        int y;
        unsigned m, d;
        FUZZ_CHECK(strcmp(date_format(day, buf), s) == 0);
        date_to_civil(day, &y, &m, &d);
        FUZZ_CHECK(y >= 1900 && y <= 2999 && m >= 1 && m <= 12 && d >= 1 && d <= 31);
        FUZZ_CHECK(date_from_civil(y, m, d) == day);
        FUZZ_CHECK(date_of_ms(date_start_ms(day)) == day);
    }
    int64_t ms;
    if (time_parse_ms(s, &ms)) {
        char buf[TIME_STR_LEN], again_buf[TIME_STR_LEN];
        int64_t again;
        time_format_ms(ms, buf);
        FUZZ_CHECK(strlen(buf) < TIME_STR_LEN);
        FUZZ_CHECK(time_parse_ms(buf, &again) && again == ms);
        FUZZ_CHECK(strcmp(time_format_ms(again, again_buf), buf) == 0);
    }
    free(s);
    return 0;
}
