/* Reminder rules of the notification service (pure): the service's own view of an order, as
 * the order events describe it, and when each reminder is due. Reminders are not events: the
 * leader-elected job asks these rules about every candidate order and sends each reminder of
 * an order at most once (reminder_sent). */
#ifndef NOTIFICATION_REMINDER_H
#define NOTIFICATION_REMINDER_H

#include "orderstatus.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

/* Order statuses are lib/orderstatus.h's; this service only ever sees those the order
 * events report (never OS_CREATING or OS_FAILED, which it treats as unknown). */

/* "pending_payment" -> OS_PENDING_PAYMENT ...; OS_UNKNOWN for anything else. */
static inline enum order_status order_status_parse(const char *s)
{
    static const struct {
        const char *name;
        enum order_status st;
    } T[] = {{"pending_payment", OS_PENDING_PAYMENT}, {"paid", OS_PAID},         {"confirmed", OS_CONFIRMED},
             {"in_care", OS_IN_CARE},                 {"completed", OS_COMPLETED}, {"expired", OS_EXPIRED},
             {"rejected", OS_REJECTED},               {"cancelled", OS_CANCELLED}};
    for (size_t i = 0; s && i < sizeof T / sizeof T[0]; i++)
        if (strcmp(s, T[i].name) == 0)
            return T[i].st;
    return OS_UNKNOWN;
}

/* The name of a status ("unknown" for OS_UNKNOWN). */
static inline const char *order_status_name(enum order_status st)
{
    switch (st) {
    case OS_PENDING_PAYMENT: return "pending_payment";
    case OS_PAID: return "paid";
    case OS_CONFIRMED: return "confirmed";
    case OS_IN_CARE: return "in_care";
    case OS_COMPLETED: return "completed";
    case OS_EXPIRED: return "expired";
    case OS_REJECTED: return "rejected";
    case OS_CANCELLED: return "cancelled";
    case OS_UNKNOWN:
    case OS_CREATING:
    case OS_FAILED:
    case OS__COUNT: break;
    }
    return "unknown";
}

/* How far along the booking saga a status is: pending_payment 1 < paid 2 < confirmed 3 <
 * in_care 4 < the end states (completed, expired, rejected, cancelled) 9; 0 for unknown.
 * Events can arrive out of order, so the view only ever moves to a higher rank: a late
 * order.paid never takes a confirmed order back to paid, and an end state is final. */
static inline int order_status_rank(enum order_status st)
{
    switch (st) {
    case OS_PENDING_PAYMENT: return 1;
    case OS_PAID: return 2;
    case OS_CONFIRMED: return 3;
    case OS_IN_CARE: return 4;
    case OS_COMPLETED:
    case OS_EXPIRED:
    case OS_REJECTED:
    case OS_CANCELLED: return 9;
    case OS_UNKNOWN:
    case OS_CREATING:
    case OS_FAILED:
    case OS__COUNT: break;
    }
    return 0;
}

#define ORDER_TITLE_MAX 404 /* 100 characters of UTF-8 and a NUL */

/* The notification service's view of one order (table order_view). Times in Unix ms, 0 when
 * unknown; dates as day numbers (lib/dates.h), 0 when unknown. */
struct order_view {
    uint64_t id, listing_id, owner_id, provider_id;
    char title[ORDER_TITLE_MAX];
    enum order_status status;
    int32_t start_date, end_date;
    int64_t total_fen;
    int64_t pay_before_ms, accept_before_ms, completed_ms;
};

/* Merge what an order event says (ev, whose status has rank) into the stored view cur of rank
 * *cur_rank: the status (and rank) move only to a higher rank, so a late event never takes an
 * order back and an end state is final; the listing, title, dates, total and times the event
 * carries replace the stored ones, and those it lacks (0, "") keep them; the id, owner and
 * provider are the order's own and do not change. */
void order_view_merge(struct order_view *cur, int *cur_rank, const struct order_view *ev, int rank);

/* The reminders, each sent at most once per order. */
enum remind_kind {
    REMIND_PAYMENT_DUE,      /* to the owner: pending_payment and pay_before within 5 minutes */
    REMIND_ACCEPT_DUE,       /* to the provider: paid and accept_before within 2 hours */
    REMIND_CHECKIN_TOMORROW, /* to both: confirmed and the stay starts tomorrow */
    REMIND_CHECKOUT_TODAY,   /* to both: in care and the stay ends today */
    REMIND_REVIEW_INVITE,    /* to the owner: completed more than an hour ago (and at most 7 days) */
    REMIND__COUNT
};

#define REMIND_PAYMENT_LEAD_MS (5LL * 60 * 1000)
#define REMIND_ACCEPT_LEAD_MS (2LL * 3600 * 1000)
#define REMIND_REVIEW_DELAY_MS (3600LL * 1000)
#define REMIND_REVIEW_WINDOW_MS (7LL * 86400 * 1000)

/* "payment_due", "accept_due", "checkin_tomorrow", "checkout_today", "review_invite": the
 * reminder_sent key and the suffix of the notification type "reminder.<name>". */
static inline const char *remind_name(enum remind_kind k)
{
    switch (k) {
    case REMIND_PAYMENT_DUE: return "payment_due";
    case REMIND_ACCEPT_DUE: return "accept_due";
    case REMIND_CHECKIN_TOMORROW: return "checkin_tomorrow";
    case REMIND_CHECKOUT_TODAY: return "checkout_today";
    case REMIND_REVIEW_INVITE: return "review_invite";
    case REMIND__COUNT: break;
    }
    return "unknown";
}

/* Whether reminder k of order o is due at now_ms on day today (date_today()):
 *  payment_due       status pending_payment, now < pay_before <= now + 5 min
 *  accept_due        status paid,            now < accept_before <= now + 2 h
 *  checkin_tomorrow  status confirmed,       start_date == today + 1
 *  checkout_today    status in_care,         end_date == today
 *  review_invite     status completed,       completed_at + 1 h < now <= completed_at + 7 d
 * A deadline already passed is not reminded (the order service expires or rejects the order
 * then), and a missing time or date is never due. */
bool remind_due(enum remind_kind k, const struct order_view *o, int64_t now_ms, int32_t today);

/* The window a candidate query may use for k at now_ms/today (what remind_due checks, as SQL
 * bounds): *status, and either a time range (lo_ms, hi_ms] or a single date *day. */
struct remind_window {
    enum order_status status;
    bool by_date;
    int64_t lo_ms, hi_ms; /* by time: lo_ms < t <= hi_ms */
    int32_t day;          /* by date: the date column equals day */
};
void remind_window(enum remind_kind k, int64_t now_ms, int32_t today, struct remind_window *out);

#endif
