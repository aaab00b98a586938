/* Calendar dates as day numbers (days since 1970-01-01, UTC) and RFC 3339 timestamps. Pure. */
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
/* Today's day number in UTC, shifted by PB_CLOCK_OFFSET_S seconds if set (tests move time
 * through configuration, never by sleeping). */
int32_t date_today(void);

/* Current Unix time in milliseconds, including PB_CLOCK_OFFSET_S. */
int64_t time_now_ms(void);
/* RFC 3339 UTC with milliseconds, e.g. "2026-11-21T09:54:00.000Z"; returns buf. */
char *time_format_ms(int64_t unix_ms, char *buf);
/* Parse what time_format_ms writes (also accepts no fraction and SQL "YYYY-MM-DD HH:MM:SS[.ffffff]"). */
bool time_parse_ms(const char *s, int64_t *out_ms);

#endif
