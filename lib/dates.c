/* Date arithmetic (Howard Hinnant's civil-from-days algorithms) and timestamp formatting. */
#include "dates.h"

#include <limits.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int32_t date_from_civil(int y, unsigned m, unsigned d)
{
    y -= m <= 2;
    const int era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = (unsigned)(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int32_t)doe - 719468;
}

void date_to_civil(int32_t z, int *y, unsigned *m, unsigned *d)
{
    z += 719468;
    const int32_t era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = (unsigned)(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int)yoe + era * 400 + (*m <= 2);
}

static bool digits(const char *s, int n)
{
    for (int i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

static unsigned num(const char *s, int n)
{
    unsigned v = 0;
    for (int i = 0; i < n; i++)
        v = v * 10 + (unsigned)(s[i] - '0');
    return v;
}

static unsigned days_in_month(int y, unsigned m)
{
    static const unsigned dm[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : dm[m - 1];
}

bool date_parse(const char *s, int32_t *out)
{
    if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-' || !digits(s, 4) || !digits(s + 5, 2) ||
        !digits(s + 8, 2))
        return false;
    int y = (int)num(s, 4);
    unsigned m = num(s + 5, 2), d = num(s + 8, 2);
    if (y < 1900 || y > 2999 || m < 1 || m > 12 || d < 1 || d > days_in_month(y, m))
        return false;
    *out = date_from_civil(y, m, d);
    return true;
}

char *date_format(int32_t days, char *buf)
{
    int y;
    unsigned m, d;
    date_to_civil(days, &y, &m, &d);
    snprintf(buf, DATE_STR_LEN, "%04u-%02u-%02u", (unsigned)y % 10000u, m % 100u, d % 100u);
    return buf;
}

int64_t time_mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t time_now_ms(void)
{
    static _Atomic long cached = LONG_MIN;
    long offset_s = atomic_load_explicit(&cached, memory_order_relaxed);
    if (offset_s == LONG_MIN) { /* every thread computes the same value: storing it twice is harmless */
        const char *o = getenv("PB_CLOCK_OFFSET_S");
        offset_s = o ? strtol(o, NULL, 10) : 0;
        if (offset_s == LONG_MIN)
            offset_s = 0;
        atomic_store_explicit(&cached, offset_s, memory_order_relaxed);
    }
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return ((int64_t)ts.tv_sec + offset_s) * 1000 + ts.tv_nsec / 1000000;
}

long date_utc_offset_s(void)
{
    static _Atomic long cached = LONG_MIN;
    long v = atomic_load_explicit(&cached, memory_order_relaxed);
    if (v == LONG_MIN) { /* every thread computes the same value: storing it twice is harmless */
        const char *o = getenv("PB_UTC_OFFSET_S");
        char *end = NULL;
        v = o && *o ? strtol(o, &end, 10) : 28800;
        if (o && *o && (*end || v < -14 * 3600 || v > 14 * 3600))
            v = 28800;
        atomic_store_explicit(&cached, v, memory_order_relaxed);
    }
    return v;
}

int32_t date_of_ms(int64_t unix_ms)
{
    int64_t ms = unix_ms + (int64_t)date_utc_offset_s() * 1000;
    return (int32_t)((ms >= 0 ? ms : ms - 86399999) / 86400000);
}

int64_t date_start_ms(int32_t days) { return (int64_t)days * 86400000 - (int64_t)date_utc_offset_s() * 1000; }

int32_t date_today(void) { return date_of_ms(time_now_ms()); }

char *time_format_ms(int64_t ms, char *buf)
{
    int64_t secs = ms >= 0 ? ms / 1000 : (ms - 999) / 1000;
    int32_t days = (int32_t)((secs >= 0 ? secs : secs - 86399) / 86400);
    int64_t sod = secs - (int64_t)days * 86400;
    int y;
    unsigned m, d;
    date_to_civil(days, &y, &m, &d);
    snprintf(buf, TIME_STR_LEN, "%04u-%02u-%02uT%02u:%02u:%02u.%03uZ", (unsigned)y % 10000u, m % 100u, d % 100u,
             (unsigned)(sod / 3600) % 24u, (unsigned)(sod / 60 % 60), (unsigned)(sod % 60),
             (unsigned)(ms - secs * 1000) % 1000u);
    return buf;
}

bool time_parse_ms(const char *s, int64_t *out)
{
    size_t len = s ? strlen(s) : 0;
    if (len < 19 || (s[10] != 'T' && s[10] != ' ') || s[13] != ':' || s[16] != ':' || !digits(s + 11, 2) ||
        !digits(s + 14, 2) || !digits(s + 17, 2))
        return false;
    char day[11];
    memcpy(day, s, 10);
    day[10] = 0;
    int32_t days;
    if (!date_parse(day, &days))
        return false;
    unsigned hh = num(s + 11, 2), mm = num(s + 14, 2), ss = num(s + 17, 2);
    if (hh > 23 || mm > 59 || ss > 59)
        return false;
    const char *p = s + 19;
    unsigned frac = 0;
    if (*p == '.') {
        int n = 0;
        p++;
        while (p[n] >= '0' && p[n] <= '9')
            n++;
        if (n == 0)
            return false;
        for (int i = 0; i < 3; i++)
            frac = frac * 10 + (i < n ? (unsigned)(p[i] - '0') : 0);
        p += n;
    }
    if (*p == 'Z')
        p++;
    if (*p)
        return false;
    *out = ((int64_t)days * 86400 + hh * 3600 + mm * 60 + ss) * 1000 + frac;
    return true;
}
