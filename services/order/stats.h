/* The figures of a day over the order storage (stats.c), for the admin dashboard. */
#ifndef ORDER_STATS_H
#define ORDER_STATS_H

#include "order.h"
#include "svc.h"

struct order_day_stats {
    int64_t created;    /* orders made that day that got past the reservation (not creating or failed) */
    int64_t paid;       /* orders whose status became paid that day */
    int64_t in_care;    /* stays in care now */
    int64_t arrivals;   /* paid, confirmed, in-care or completed stays starting that day */
    int64_t departures; /* the same, ending that day */
};
/* The figures of day (a platform day, UTC+8 by default, lib/dates.h). Orders made that day
 * live in the monthly tables of the UTC months the day spans (their snowflake ids bound the
 * range); a payment comes at most
 * a day after its order, so "paid" reads the history of that day's and the two days before's
 * months; stays are looked for in every month table (in care: by its status index; arrivals
 * and departures: in the tables of the last 400 days, since bookings start at most a year
 * ahead). */
enum err store_day_stats(struct svc *s, int32_t day, struct order_day_stats *out);

#endif
