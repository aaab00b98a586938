/* GET /api/v1/admin/dashboard: the scraper's latest snapshot (monitor.h) plus today's business
 * figures, asked of the order and payment services' internal stats and counted from the
 * review queues of the user and boarding services at request time. */
#ifndef ADMIN_DASHBOARD_H
#define ADMIN_DASHBOARD_H

#include <jansson.h>

/* Today's figures: {date, orders_created, orders_paid, revenue_fen, refunds_fen, captured_fen,
 * payments_succeeded, stays_in_care, arrivals, departures, pending_audits: {providers,
 * listings, capped}, errors: {<service>: why}}. Each call gets timeout_ms. A service that
 * does not answer (or answers wrongly) leaves its figures null and says why in errors; this
 * never fails except when memory is short (NULL). date is the order service's day, else the
 * payment service's, else this service's (date_today(): UTC). */
json_t *dashboard_business_today(long timeout_ms);

/* The whole answer: the snapshot with generated_at and business_today added. NULL when
 * memory is short. */
json_t *dashboard_json(long timeout_ms);

#endif
