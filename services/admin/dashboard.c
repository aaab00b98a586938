/* Today's business figures from the other services, and the dashboard's answer. */
#include "dashboard.h"
#include "dates.h"
#include "monitor.h"
#include "peers.h"

#include <stdio.h>
#include <string.h>

/* Pending reviews counted up to this many per kind (ten pages of the callee's list). */
#define PENDING_CAP 1000

/* Why a call brought nothing usable, in the errors object: no answer (status 0), an error
 * status, or a 200 without the expected figures. */
static void note_error(json_t *errors, const char *service, long status, long timeout_ms)
{
    char why[160];
    if (status == 0)
        snprintf(why, sizeof why, "the %s service did not answer within %ld ms", service, timeout_ms);
    else if (status == 200)
        snprintf(why, sizeof why, "the %s service answered without the expected figures", service);
    else
        snprintf(why, sizeof why, "the %s service answered %ld", service, status);
    json_object_set_new(errors, service, json_string(why));
}

/* Copy integer fields of a stats answer into out under their names there (NULL-terminated
 * pairs {from, to}); false, leaving out untouched, when one is missing. */
static bool copy_ints(json_t *out, const json_t *answer, const char *const (*pairs)[2])
{
    for (size_t i = 0; pairs[i][0]; i++)
        if (!json_is_integer(json_object_get(answer, pairs[i][0])))
            return false;
    for (size_t i = 0; pairs[i][0]; i++)
        json_object_set(out, pairs[i][1], json_object_get(answer, pairs[i][0]));
    return true;
}

/* Ask one service for its stats and copy them; on failure its figures stay null. */
static void stats_of(json_t *out, json_t *errors, const char *service, const char *const (*pairs)[2], long timeout_ms,
                     char *date, size_t date_cap)
{
    struct httpc_resp resp = {0};
    enum err e = peer_stats_today(service, timeout_ms, &resp);
    bool ok = e == ERR_OK && resp.status == 200 && copy_ints(out, resp.json, pairs);
    const char *d = json_string_value(json_object_get(resp.json, "date"));
    if (!ok)
        note_error(errors, service, e == ERR_OK ? resp.status : 0, timeout_ms);
    else if (d && !date[0])
        snprintf(date, date_cap, "%s", d);
    httpc_resp_free(&resp);
}

static json_t *pending_count(json_t *errors, bool listings, long timeout_ms, bool *capped)
{
    long n = 0, status = 0;
    bool more = false;
    enum err e = peer_count_pending(listings, timeout_ms, PENDING_CAP, &n, &more, &status);
    if (e != ERR_OK) {
        note_error(errors, listings ? "boarding" : "user", status, timeout_ms);
        return json_null();
    }
    *capped |= more;
    return json_integer(n);
}

json_t *dashboard_business_today(long timeout_ms)
{
    static const char *const ORDER[][2] = {{"orders_created", "orders_created"},
                                           {"orders_paid", "orders_paid"},
                                           {"stays_in_care", "stays_in_care"},
                                           {"arrivals", "arrivals"},
                                           {"departures", "departures"},
                                           {NULL, NULL}};
    static const char *const PAYMENT[][2] = {{"net_fen", "revenue_fen"},
                                             {"refunded_fen", "refunds_fen"},
                                             {"captured_fen", "captured_fen"},
                                             {"payments_succeeded", "payments_succeeded"},
                                             {NULL, NULL}};
    char date[DATE_STR_LEN] = "";
    bool capped = false;
    json_t *errors = json_object();
    json_t *out = json_pack("{s:n,s:n,s:n,s:n,s:n,s:n,s:n,s:n,s:n,s:n}", "date", "orders_created", "orders_paid",
                            "revenue_fen", "refunds_fen", "captured_fen", "payments_succeeded", "stays_in_care",
                            "arrivals", "departures");
    if (!out || !errors) {
        json_decref(out);
        json_decref(errors);
        return NULL;
    }
    stats_of(out, errors, "order", ORDER, timeout_ms, date, sizeof date);
    stats_of(out, errors, "payment", PAYMENT, timeout_ms, date, sizeof date);
    json_t *providers = pending_count(errors, false, timeout_ms, &capped);
    json_t *listings = pending_count(errors, true, timeout_ms, &capped);
    json_object_set_new(out, "pending_audits",
                        json_pack("{s:o,s:o,s:b}", "providers", providers, "listings", listings, "capped", capped));
    if (!date[0])
        date_format(date_today(), date);
    json_object_set_new(out, "date", json_string(date));
    json_object_set_new(out, "errors", errors);
    return out;
}

json_t *dashboard_json(long timeout_ms)
{
    char at[TIME_STR_LEN];
    json_t *d = monitor_snapshot();
    json_t *b = d ? dashboard_business_today(timeout_ms) : NULL;
    if (!b) {
        json_decref(d);
        return NULL;
    }
    json_object_set_new(d, "generated_at", json_string(time_format_ms(time_now_ms(), at)));
    json_object_set_new(d, "business_today", b);
    return d;
}
