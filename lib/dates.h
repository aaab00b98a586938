/* Calendar dates as day numbers (days since 1970-01-01) and RFC 3339 timestamps (UTC).
 * A calendar date of the platform (a stay's nights, "today", a day's figures) is a day of the
 * platform's time zone: PB_UTC_OFFSET_S seconds east of UTC, default 28800 (China Standard
 * Time, UTC+8, which has no daylight saving). Timestamps are always UTC. */
#ifndef PB_DATES_H
#define PB_DATES_H

#include <stdbool.h>
#include <stdint.h>

#define DATE_STR_LEN 11  /* "YYYY-MM-DD" + NUL */
#define TIME_STR_LEN 25  /* "YYYY-MM-DDTHH:MM:SS.mmmZ" + NUL */

/* Day number of a civil date (proleptic Gregorian). */
int32_t date_from_civil(int y, unsigned m, unsigned d);
/* Civil date of a day number. */
void date_to_civil(int32_t days, int *y, unsigned *m, unsigned *d);
/* Strict "YYYY-MM-DD" (a real date, years 1900..2999). */
bool date_parse(const char *s, int32_t *out);
/* Render "YYYY-MM-DD" into buf (DATE_STR_LEN bytes); returns buf. */
char *date_format(int32_t days, char *buf);
/* Today's day number in the platform's time zone, shifted by PB_CLOCK_OFFSET_S seconds if
 * set (tests move time through configuration, never by sleeping). */
int32_t date_today(void);
/* The platform day (day number in its time zone) of a Unix time in milliseconds. */
int32_t date_of_ms(int64_t unix_ms);
/* The Unix time in milliseconds at which a platform day begins (its local midnight). */
int64_t date_start_ms(int32_t days);
/* The platform's offset from UTC in seconds (PB_UTC_OFFSET_S, -14 h..+14 h, default 28800). */
long date_utc_offset_s(void);

/* Current Unix time in milliseconds, including PB_CLOCK_OFFSET_S. */
int64_t time_now_ms(void);
/* Milliseconds of CLOCK_MONOTONIC: for intervals (never moves back, ignores PB_CLOCK_OFFSET_S). */
int64_t time_mono_ms(void);
/* RFC 3339 UTC with milliseconds, e.g. "2026-11-21T09:54:00.000Z"; returns buf. */
char *time_format_ms(int64_t unix_ms, char *buf);
/* Parse what time_format_ms writes (also accepts no fraction and SQL "YYYY-MM-DD HH:MM:SS[.ffffff]"). */
bool time_parse_ms(const char *s, int64_t *out_ms);

#endif
