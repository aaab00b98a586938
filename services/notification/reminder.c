/* Reminder due-time rules and the merge of order events into the order view (pure). */
#include "reminder.h"

void remind_window(enum remind_kind k, int64_t now_ms, int32_t today, struct remind_window *out)
{
    *out = (struct remind_window){OS_UNKNOWN, false, 0, 0, 0};
    switch (k) {
    case REMIND_PAYMENT_DUE:
        *out = (struct remind_window){OS_PENDING_PAYMENT, false, now_ms, now_ms + REMIND_PAYMENT_LEAD_MS, 0};
        break;
    case REMIND_ACCEPT_DUE:
        *out = (struct remind_window){OS_PAID, false, now_ms, now_ms + REMIND_ACCEPT_LEAD_MS, 0};
        break;
    case REMIND_CHECKIN_TOMORROW: *out = (struct remind_window){OS_CONFIRMED, true, 0, 0, today + 1}; break;
    case REMIND_CHECKOUT_TODAY: *out = (struct remind_window){OS_IN_CARE, true, 0, 0, today}; break;
    case REMIND_REVIEW_INVITE:
        /* completed_at + 1 h < now <= completed_at + 7 d  <=>  now - 7 d <= completed_at < now - 1 h;
         * as (lo, hi]: lo = now - 7 d - 1, hi = now - 1 h - 1 */
        *out = (struct remind_window){OS_COMPLETED, false, now_ms - REMIND_REVIEW_WINDOW_MS - 1,
                                      now_ms - REMIND_REVIEW_DELAY_MS - 1, 0};
        break;
    case REMIND__COUNT: break;
    }
}

bool remind_due(enum remind_kind k, const struct order_view *o, int64_t now_ms, int32_t today)
{
    struct remind_window w;
    remind_window(k, now_ms, today, &w);
    if (w.status == OS_UNKNOWN || o->status != w.status)
        return false;
    if (w.by_date) {
        int32_t d = k == REMIND_CHECKIN_TOMORROW ? o->start_date : o->end_date;
        return d != 0 && d == w.day;
    }
    int64_t t = k == REMIND_PAYMENT_DUE ? o->pay_before_ms : k == REMIND_ACCEPT_DUE ? o->accept_before_ms : o->completed_ms;
    return t > 0 && t > w.lo_ms && t <= w.hi_ms;
}

void order_view_merge(struct order_view *cur, int *cur_rank, const struct order_view *ev, int rank)
{
    if (ev->listing_id)
        cur->listing_id = ev->listing_id;
    if (ev->title[0])
        memcpy(cur->title, ev->title, sizeof cur->title);
    if (rank > *cur_rank) {
        cur->status = ev->status;
        *cur_rank = rank;
    }
    if (ev->start_date)
        cur->start_date = ev->start_date;
    if (ev->end_date)
        cur->end_date = ev->end_date;
    if (ev->total_fen > 0)
        cur->total_fen = ev->total_fen;
    if (ev->pay_before_ms > 0)
        cur->pay_before_ms = ev->pay_before_ms;
    if (ev->accept_before_ms > 0)
        cur->accept_before_ms = ev->accept_before_ms;
    if (ev->completed_ms > 0)
        cur->completed_ms = ev->completed_ms;
}
