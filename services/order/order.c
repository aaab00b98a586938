/* The order state machine, price, refund policy, dates, monthly tables and schedules. */
#include "order.h"
#include "dates.h"
#include "ids.h"

#include <stdio.h>
#include <string.h>

const char *const ORDER_STATUS_NAMES[] = {"creating", "pending_payment", "paid",     "confirmed", "in_care",
                                          "completed", "expired",        "rejected", "cancelled", "failed",
                                          NULL};
const char *const ORDER_ACTION_NAMES[] = {"reserved", "create_failed", "pay",    "accept",         "reject",
                                          "check_in", "check_out",     "cancel", "expire", "accept_timeout",
                                          NULL};
const char *const ACTOR_NAMES[] = {"system", "owner", "provider", "admin", NULL};

int order_status_parse(const char *s)
{
    for (int i = 0; s && ORDER_STATUS_NAMES[i]; i++)
        if (strcmp(s, ORDER_STATUS_NAMES[i]) == 0)
            return i;
    return -1;
}

bool order_status_live(enum order_status s)
{
    return s == OS_PENDING_PAYMENT || s == OS_PAID || s == OS_CONFIRMED || s == OS_IN_CARE || s == OS_COMPLETED;
}

bool order_status_visible(enum order_status s) { return s != OS_CREATING && s != OS_FAILED; }

/* The transition table: for each action, who may do it, from which statuses, to what. */
static const struct {
    unsigned who;  /* bit per actor */
    unsigned from; /* bit per status */
    enum order_status to;
} T[OA__COUNT] = {
#define B(x) (1u << (x))
    [OA_RESERVED] = {B(ACTOR_SYSTEM), B(OS_CREATING), OS_PENDING_PAYMENT},
    [OA_CREATE_FAILED] = {B(ACTOR_SYSTEM), B(OS_CREATING), OS_FAILED},
    [OA_PAY] = {B(ACTOR_SYSTEM), B(OS_PENDING_PAYMENT), OS_PAID},
    [OA_ACCEPT] = {B(ACTOR_PROVIDER), B(OS_PAID), OS_CONFIRMED},
    [OA_REJECT] = {B(ACTOR_PROVIDER), B(OS_PAID), OS_REJECTED},
    [OA_CHECK_IN] = {B(ACTOR_PROVIDER), B(OS_CONFIRMED), OS_IN_CARE},
    [OA_CHECK_OUT] = {B(ACTOR_PROVIDER), B(OS_IN_CARE), OS_COMPLETED},
    [OA_CANCEL] = {B(ACTOR_OWNER) | B(ACTOR_PROVIDER) | B(ACTOR_ADMIN),
                   B(OS_PENDING_PAYMENT) | B(OS_PAID) | B(OS_CONFIRMED), OS_CANCELLED},
    [OA_EXPIRE] = {B(ACTOR_SYSTEM), B(OS_PENDING_PAYMENT), OS_EXPIRED},
    [OA_ACCEPT_TIMEOUT] = {B(ACTOR_SYSTEM), B(OS_PAID), OS_REJECTED},
#undef B
};

enum err order_next(enum order_status from, enum order_action a, enum actor who, enum order_status *to)
{
    if ((unsigned)a >= OA__COUNT || !(T[a].who & (1u << who)))
        return ERR_FORBIDDEN;
    if (!(T[a].from & (1u << from)))
        return ERR_CONFLICT;
    /* a provider may cancel only before accepting: after that the owner counts on the stay */
    if (a == OA_CANCEL && who == ACTOR_PROVIDER && from == OS_CONFIRMED)
        return ERR_CONFLICT;
    *to = T[a].to;
    return ERR_OK;
}

bool order_releases(enum order_status from, enum order_status to)
{
    return order_status_live(from) && (to == OS_EXPIRED || to == OS_REJECTED || to == OS_CANCELLED);
}

const char *order_dates_problem(int32_t start, int32_t end, int32_t today, int max_nights, const char **field)
{
    if (start < today) {
        *field = "start_date";
        return "must be today or later";
    }
    *field = "end_date";
    if (end <= start)
        return "must be after start_date (at least one night)";
    if (end - start > max_nights)
        return "a stay is at most 60 nights";
    if (start > today + 365)
        return "must be within a year";
    return NULL;
}

bool order_price(int64_t price, int nights, int pets, int64_t *total)
{
    if (price <= 0 || nights <= 0 || pets <= 0 || price > INT64_MAX / nights / pets)
        return false;
    *total = price * nights * pets;
    return true;
}

int64_t order_check_in_ms(int32_t start_date) { return date_start_ms(start_date) + 14 * 3600 * 1000; }

const char *const REFUND_BASIS_NAMES[] = {"policy", "no_rule", "stay_started", "not_owner", NULL};

int64_t order_refund_explain(enum actor who, enum order_status from, int64_t paid_fen, int32_t start_date,
                             int64_t now_ms, const struct refund_rule *rules, size_t nrules,
                             struct refund_explain *why)
{
    struct refund_explain x = {RB_NO_RULE, 0, 0, (order_check_in_ms(start_date) - now_ms) / 3600000};
    if (who != ACTOR_OWNER) {
        x.basis = RB_NOT_OWNER; /* the provider's or the platform's decision: everything back */
        x.percent = 100;
    } else if (from == OS_IN_CARE || from == OS_COMPLETED) {
        x.basis = RB_STAY_STARTED;
    } else {
        for (size_t i = 0; i < nrules; i++)
            if (x.hours_before >= rules[i].min_hours) {
                x = (struct refund_explain){RB_POLICY, rules[i].percent, rules[i].min_hours, x.hours_before};
                break;
            }
    }
    if (why)
        *why = x;
    return paid_fen <= 0 ? 0 : paid_fen * x.percent / 100;
}

int64_t order_refund(enum actor who, enum order_status from, int64_t paid_fen, int32_t start_date, int64_t now_ms,
                     const struct refund_rule *rules, size_t nrules)
{
    return order_refund_explain(who, from, paid_fen, start_date, now_ms, rules, nrules, NULL);
}

bool order_owner_may_cancel(enum order_status st)
{
    enum order_status to;
    return order_next(st, OA_CANCEL, ACTOR_OWNER, &to) == ERR_OK;
}

json_t *order_refund_quote_json(const struct order *o, int64_t now_ms, const struct refund_rule *rules,
                                size_t nrules)
{
    char id[IDS_STR_LEN];
    bool cancellable = order_owner_may_cancel(o->status);
    struct refund_explain why = {RB_NO_RULE, 0, 0, 0};
    int64_t refund = cancellable ? order_refund_explain(ACTOR_OWNER, o->status, o->paid_fen, o->start, now_ms, rules,
                                                        nrules, &why)
                                 : 0;
    json_t *rule = cancellable ? json_pack("{s:s,s:o,s:i,s:I}", "basis", REFUND_BASIS_NAMES[why.basis],
                                           "min_hours_before",
                                           why.basis == RB_POLICY ? json_integer(why.min_hours) : json_null(),
                                           "percent", why.percent, "hours_before", (json_int_t)why.hours_before)
                               : json_pack("{s:s,s:n,s:i,s:n}", "basis", "not_cancellable", "min_hours_before",
                                           "percent", 0, "hours_before");
    return json_pack("{s:s,s:s,s:b,s:I,s:I,s:i,s:o}", "order_id", ids_format(o->id, id), "status",
                     ORDER_STATUS_NAMES[o->status], "cancellable", cancellable, "paid_fen", (json_int_t)o->paid_fen,
                     "refund_fen", (json_int_t)refund, "percent", cancellable ? why.percent : 0, "rule", rule);
}

void order_month_table(uint64_t id, const char *prefix, char *buf, size_t cap)
{
    int64_t ms = ids_unix_ms(id);
    int y;
    unsigned m, d;
    date_to_civil((int32_t)(ms / 86400000), &y, &m, &d);
    snprintf(buf, cap, "%s_%04u%02u", prefix, (unsigned)y % 10000u, m % 100u);
}

bool order_id_plausible(uint64_t id, int64_t now_ms)
{
    int64_t ms = ids_unix_ms(id);
    return ms > IDS_EPOCH_MS && ms <= now_ms + 86400000; /* ids of the epoch instant are junk */
}

json_t *order_schedule(const struct stay *stays, size_t n, int32_t from, int32_t to)
{
    json_t *days = json_array();
    for (int32_t d = from; d <= to; d++) {
        json_t *arr = json_array(), *dep = json_array();
        int orders = 0, pets = 0;
        char id[IDS_STR_LEN], day[DATE_STR_LEN];
        for (size_t i = 0; i < n; i++) {
            const struct stay *s = &stays[i];
            if (s->start == d)
                json_array_append_new(arr, json_string(ids_format(s->order_id, id)));
            if (s->end == d)
                json_array_append_new(dep, json_string(ids_format(s->order_id, id)));
            if (s->start <= d && d < s->end) {
                orders++;
                pets += s->pets;
            }
        }
        json_array_append_new(days, json_pack("{s:s,s:o,s:o,s:{s:i,s:i}}", "date", date_format(d, day), "arrivals",
                                              arr, "departures", dep, "in_care", "orders", orders, "pets", pets));
    }
    return days;
}

json_t *order_pet_ids_json(const struct order *o)
{
    json_t *a = json_array();
    char id[IDS_STR_LEN];
    for (int i = 0; i < o->pets; i++)
        json_array_append_new(a, json_string(ids_format(o->pet_ids[i], id)));
    return a;
}

json_t *order_quote_json(const struct order *o)
{
    char lid[IDS_STR_LEN], sd[DATE_STR_LEN], ed[DATE_STR_LEN];
    return json_pack("{s:s,s:s,s:s,s:i,s:i,s:I,s:I,s:s}", "listing_id", ids_format(o->listing_id, lid), "start_date",
                     date_format(o->start, sd), "end_date", date_format(o->end, ed), "nights", o->nights, "pets",
                     o->pets, "price_per_night_fen", (json_int_t)o->price_fen, "total_fen",
                     (json_int_t)o->total_fen, "currency", "CNY");
}

static json_t *time_or_null(int64_t ms)
{
    char buf[TIME_STR_LEN];
    return ms ? json_string(time_format_ms(ms, buf)) : json_null();
}

json_t *order_json(const struct order *o, json_t *history)
{
    char id[IDS_STR_LEN], lid[IDS_STR_LEN], oid[IDS_STR_LEN], pid[IDS_STR_LEN], sd[DATE_STR_LEN], ed[DATE_STR_LEN];
    json_t *j = json_pack("{s:s,s:s,s:s,s:s,s:s,s:o,s:s,s:s,s:i,s:I,s:I,s:s,s:s,s:o,s:o,s:I,s:I,s:I,s:o,s:o,s:o}",
                          "id", ids_format(o->id, id), "listing_id", ids_format(o->listing_id, lid), "listing_title",
                          o->listing_title, "owner_id", ids_format(o->owner_id, oid), "provider_id",
                          ids_format(o->provider_id, pid), "pet_ids", order_pet_ids_json(o), "start_date",
                          date_format(o->start, sd), "end_date", date_format(o->end, ed), "nights", o->nights,
                          "price_per_night_fen", (json_int_t)o->price_fen, "total_fen", (json_int_t)o->total_fen,
                          "currency", "CNY", "status", ORDER_STATUS_NAMES[o->status], "pay_before",
                          time_or_null(o->pay_before_ms), "accept_before", time_or_null(o->accept_before_ms),
                          "paid_fen", (json_int_t)o->paid_fen, "refund_fen", (json_int_t)o->refund_fen,
                          "refunded_fen", (json_int_t)o->refunded_fen, "note",
                          o->note[0] ? json_string(o->note) : json_null(), "created_at", time_or_null(o->created_ms),
                          "updated_at", time_or_null(o->updated_ms));
    if (j && o->payment_id) {
        char pay[IDS_STR_LEN];
        json_object_set_new(j, "payment_id", json_string(ids_format(o->payment_id, pay)));
    }
    if (j && history)
        json_object_set_new(j, "history", history);
    else
        json_decref(history);
    return j;
}

const char *order_care_window_problem(enum order_status st, int32_t end, int32_t today)
{
    if (st == OS_IN_CARE)
        return NULL;
    if (st == OS_COMPLETED)
        return today <= end + 1 ? NULL : "the care log closes a day after the stay";
    return "care logs are written while the pet is in care";
}

const char *order_care_date_problem(int32_t start, int32_t end, int32_t day, int32_t today)
{
    if (day < start || day > end)
        return "must be a day of the stay";
    if (day > today)
        return "must not be in the future";
    return NULL;
}
