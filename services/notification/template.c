/* Notification plans and texts: event -> recipients and kinds, kinds -> zh/en words (pure). */
#include "template.h"
#include "dates.h"
#include "ids.h"

#include <stdio.h>
#include <string.h>

/* ---------- the words ---------- */

struct kind_info {
    const char *type, *role;
    bool prompt;
    const char *zh_title, *zh_body, *en_title, *en_body;
};

static const struct kind_info KINDS[NK__COUNT] = {
    [NK_USER_SUSPENDED] = {"user.suspended", "user", false, "账号已被暂停", "您的账号已被平台暂停使用。原因：{reason}",
                           "Your account has been suspended",
                           "Your account has been suspended by the platform. Reason: {reason}"},
    [NK_USER_REINSTATED] = {"user.reinstated", "user", false, "账号已恢复", "您的账号已恢复正常，可以继续使用了。",
                            "Your account has been reinstated", "Your account is active again. Welcome back!"},
    [NK_PROVIDER_APPROVED] = {"provider.approved", "provider", false, "服务商认证已通过",
                              "恭喜！您的服务商资质已通过审核，现在可以发布寄养房源了。",
                              "You are now a verified provider",
                              "Your provider application was approved. You can now publish listings."},
    [NK_PROVIDER_REJECTED] = {"provider.rejected", "provider", false, "服务商认证未通过",
                              "很抱歉，您的服务商资质未通过审核。原因：{reason}", "Provider application not approved",
                              "Your provider application was not approved. Reason: {reason}"},
    [NK_LISTING_APPROVED] = {"listing.approved", "provider", false, "房源已上线",
                             "您的房源「{title}」已通过审核，现已上线。", "Listing approved",
                             "Your listing \"{title}\" was approved and is now visible to pet owners."},
    [NK_LISTING_REJECTED] = {"listing.rejected", "provider", false, "房源未通过审核",
                             "您的房源「{title}」未通过审核。原因：{reason}", "Listing not approved",
                             "Your listing \"{title}\" was not approved. Reason: {reason}"},
    [NK_ORDER_CREATED] = {"order.created", "owner", true, "订单待支付",
                          "您在「{title}」的预订（{start} 至 {end}）已创建，请在 {time} 前完成支付，逾期订单将自动取消。",
                          "Please complete your payment",
                          "Your booking at \"{title}\" ({start} to {end}) was created. Please pay before {time} "
                          "(UTC+8) or it will be cancelled."},
    [NK_ORDER_PAID_OWNER] = {"order.paid", "owner", false, "支付成功，等待服务商确认",
                             "您在「{title}」的预订（{start} 至 {end}）已支付 {amount}，正在等待服务商确认。",
                             "Payment received",
                             "We received {amount} for your booking at \"{title}\" ({start} to {end}). "
                             "Waiting for the provider to accept."},
    [NK_ORDER_PAID_PROVIDER] = {"order.paid", "provider", true, "新的预订请求",
                                "「{title}」收到新的预订（{start} 至 {end}），请在 {time} 前接受或拒绝，逾期将自动拒绝并退款。",
                                "New booking request",
                                "\"{title}\" has a new booking ({start} to {end}). Please accept or reject it "
                                "before {time} (UTC+8); otherwise it is rejected and refunded automatically."},
    [NK_ORDER_ACCEPTED] = {"order.accepted", "owner", false, "预订已确认",
                           "服务商已接受您在「{title}」的预订（{start} 至 {end}）。", "Booking confirmed",
                           "The provider accepted your booking at \"{title}\" ({start} to {end})."},
    [NK_ORDER_REJECTED_OWNER] = {"order.rejected", "owner", false, "预订被拒绝",
                                 "很抱歉，「{title}」的服务商拒绝了您的预订（{start} 至 {end}），款项将全额退回。原因：{reason}",
                                 "Booking declined",
                                 "The provider of \"{title}\" declined your booking ({start} to {end}). You will "
                                 "be refunded in full. Reason: {reason}"},
    [NK_ORDER_REJECTED_TIMEOUT_OWNER] = {"order.rejected", "owner", false, "预订未被及时确认",
                                         "「{title}」的服务商未在规定时间内确认您的预订（{start} 至 {end}），订单已取消，款项将全额退回。",
                                         "Booking not accepted in time",
                                         "The provider of \"{title}\" did not accept your booking ({start} to {end}) "
                                         "in time. It is cancelled and you will be refunded in full."},
    [NK_ORDER_REJECTED_TIMEOUT_PROVIDER] = {"order.rejected", "provider", false, "预订已自动拒绝",
                                            "您未在规定时间内处理「{title}」的预订（{start} 至 {end}），系统已自动拒绝并为宠物主人退款。",
                                            "Booking rejected automatically",
                                            "You did not answer the booking for \"{title}\" ({start} to {end}) in "
                                            "time; it was rejected and the owner refunded."},
    [NK_ORDER_EXPIRED] = {"order.expired", "owner", false, "订单已过期",
                          "您在「{title}」的预订（{start} 至 {end}）未在规定时间内支付，订单已自动取消。",
                          "Booking expired",
                          "Your booking at \"{title}\" ({start} to {end}) was not paid in time and has been "
                          "cancelled."},
    [NK_ORDER_CANCELLED_OWNER_BY_OWNER] = {"order.cancelled", "owner", false, "订单已取消",
                                           "您已取消「{title}」的预订（{start} 至 {end}），退款金额 {amount}。",
                                           "Booking cancelled",
                                           "You cancelled your booking at \"{title}\" ({start} to {end}). Refund: "
                                           "{amount}."},
    [NK_ORDER_CANCELLED_PROVIDER_BY_OWNER] = {"order.cancelled", "provider", false, "预订已被取消",
                                              "宠物主人取消了「{title}」的预订（{start} 至 {end}）。",
                                              "Booking cancelled by the owner",
                                              "The owner cancelled the booking for \"{title}\" ({start} to {end})."},
    [NK_ORDER_CANCELLED_OWNER_BY_PROVIDER] = {"order.cancelled", "owner", false, "服务商取消了您的预订",
                                              "很抱歉，「{title}」的服务商取消了您的预订（{start} 至 {end}），退款金额 {amount}。",
                                              "The provider cancelled your booking",
                                              "The provider of \"{title}\" cancelled your booking ({start} to {end}). "
                                              "Refund: {amount}."},
    [NK_ORDER_CANCELLED_PROVIDER_BY_PROVIDER] = {"order.cancelled", "provider", false, "您已取消预订",
                                                 "您已取消「{title}」的预订（{start} 至 {end}），已为宠物主人退款 {amount}。",
                                                 "You cancelled a booking",
                                                 "You cancelled the booking for \"{title}\" ({start} to {end}). The "
                                                 "owner is refunded {amount}."},
    [NK_ORDER_CHECKED_IN] = {"order.checked_in", "owner", false, "宠物已入住",
                             "您的宠物已在「{title}」入住，寄养期间可随时查看每日照护日志。", "Checked in",
                             "Your pet has checked in at \"{title}\". Follow the daily care log in the app."},
    [NK_ORDER_COMPLETED_OWNER] = {"order.completed", "owner", false, "寄养已完成",
                                  "您在「{title}」的寄养（{start} 至 {end}）已完成，感谢使用！", "Stay completed",
                                  "Your stay at \"{title}\" ({start} to {end}) is complete. Thank you!"},
    [NK_ORDER_COMPLETED_PROVIDER] = {"order.completed", "provider", false, "订单已完成",
                                     "「{title}」的订单（{start} 至 {end}）已完成。", "Booking completed",
                                     "The booking for \"{title}\" ({start} to {end}) is complete."},
    [NK_PAYMENT_SUCCEEDED] = {"payment.succeeded", "owner", false, "支付成功", "您已成功支付 {amount}。",
                              "Payment succeeded", "Your payment of {amount} succeeded."},
    [NK_PAYMENT_FAILED] = {"payment.failed", "owner", false, "支付失败",
                           "您的支付（{amount}）未成功。原因：{reason}。请在订单过期前重新支付。", "Payment failed",
                           "Your payment of {amount} failed. Reason: {reason}. Please try again before the booking "
                           "expires."},
    [NK_REFUND_SUCCEEDED] = {"refund.succeeded", "owner", false, "退款已到账", "{amount} 已退回您的支付账户。",
                             "Refund completed", "{amount} has been refunded to your payment account."},
    [NK_CARE_LOG_ADDED] = {"care_log.added", "owner", false, "新的照护日志", "{date} 的照护日志已更新：{summary}",
                           "New care log", "New care log for {date}: {summary}"},
    [NK_REVIEW_POSTED] = {"review.posted", "provider", false, "收到新评价", "您的房源收到了一条 {rating} 星评价。",
                          "New review", "Your listing received a {rating}-star review."},
    [NK_REVIEW_REPLIED] = {"review.replied", "owner", false, "服务商回复了您的评价",
                           "服务商回复了您的评价，快去看看吧。", "The provider replied",
                           "The provider replied to your review."},
    [NK_REVIEW_HIDDEN] = {"review.hidden", "owner", false, "您的评价已被隐藏",
                          "您的评价因违反平台规则已被隐藏。原因：{reason}", "Your review was hidden",
                          "Your review was hidden by moderation. Reason: {reason}"},
    [NK_REMIND_PAYMENT_DUE] = {"reminder.payment_due", "owner", true, "订单即将过期",
                               "您在「{title}」的预订将于 {time} 过期，请尽快完成支付。", "Payment due soon",
                               "Your booking at \"{title}\" expires at {time} (UTC+8). Please pay now to keep it."},
    [NK_REMIND_ACCEPT_DUE] = {"reminder.accept_due", "provider", true, "请尽快处理预订",
                              "「{title}」的预订（{start} 至 {end}）需在 {time} 前处理，逾期将自动拒绝。",
                              "A booking awaits your answer",
                              "The booking for \"{title}\" ({start} to {end}) must be accepted before {time} "
                              "(UTC+8), or it will be rejected automatically."},
    [NK_REMIND_CHECKIN_OWNER] = {"reminder.checkin_tomorrow", "owner", false, "明天入住",
                                 "您在「{title}」的寄养明天（{start}）开始，请准备好宠物的食物和用品。",
                                 "Check-in tomorrow",
                                 "Your stay at \"{title}\" starts tomorrow ({start}). Remember your pet's food and "
                                 "things."},
    [NK_REMIND_CHECKIN_PROVIDER] = {"reminder.checkin_tomorrow", "provider", false, "明天有宠物入住",
                                    "「{title}」明天（{start}）有宠物入住，请做好准备。", "Arrival tomorrow",
                                    "A pet arrives at \"{title}\" tomorrow ({start}). Please get ready."},
    [NK_REMIND_CHECKOUT_OWNER] = {"reminder.checkout_today", "owner", false, "今天接宠",
                                  "您在「{title}」的寄养今天（{end}）结束，请按时接回您的宠物。", "Pick-up today",
                                  "Your stay at \"{title}\" ends today ({end}). Please pick up your pet on time."},
    [NK_REMIND_CHECKOUT_PROVIDER] = {"reminder.checkout_today", "provider", false, "今天有宠物离店",
                                     "「{title}」今天（{end}）有宠物离店，请按时办理退房。", "Check-out today",
                                     "A pet leaves \"{title}\" today ({end}). Please check it out on time."},
    [NK_REMIND_REVIEW_INVITE] = {"reminder.review_invite", "owner", false, "邀请您评价",
                                 "您在「{title}」的寄养已结束，分享一下您的体验吧！", "How was the stay?",
                                 "Your stay at \"{title}\" is over. Tell other owners how it went: write a review."},
};

enum notif_lang notif_lang_parse(const char *s) { return s && strcmp(s, "en") == 0 ? LANG_EN : LANG_ZH; }
const char *notif_lang_name(enum notif_lang l) { return l == LANG_EN ? "en" : "zh"; }

static const struct kind_info *info(enum notif_kind k)
{
    return (unsigned)k < NK__COUNT ? &KINDS[k] : &KINDS[NK_USER_REINSTATED];
}

const char *notif_type(enum notif_kind k) { return info(k)->type; }
const char *notif_role(enum notif_kind k) { return info(k)->role; }
bool notif_is_prompt(enum notif_kind k) { return info(k)->prompt; }

const char *notif_template(enum notif_kind k, enum notif_lang l, bool body)
{
    const struct kind_info *i = info(k);
    if (l == LANG_EN)
        return body ? i->en_body : i->en_title;
    return body ? i->zh_body : i->zh_title;
}

/* ---------- text ---------- */

/* Bytes of the UTF-8 sequence starting with lead byte c (1 for stray continuation bytes). */
static size_t utf8_len(unsigned char c)
{
    return c < 0x80 ? 1 : c >= 0xF0 && c <= 0xF7 ? 4 : c >= 0xE0 ? (c <= 0xEF ? 3 : 1) : c >= 0xC0 ? 2 : 1;
}

struct out {
    char *buf;
    size_t cap, len, chars, max_chars;
};

/* Append s (NULL = nothing), character by character, while room and the character budget last. */
static void out_text(struct out *o, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; p && *p && o->chars < o->max_chars;) {
        size_t n = utf8_len(*p);
        for (size_t i = 1; i < n; i++)
            if ((p[i] & 0xC0) != 0x80) /* truncated or malformed: treat the lead byte alone */
                n = 1;
        if (o->len + n + 1 > o->cap)
            break;
        if (n == 1 && (*p < 0x20 || *p == 0x7F || *p >= 0x80))
            o->buf[o->len] = *p == '\n' ? '\n' : (*p >= 0x80 ? '?' : ' ');
        else
            memcpy(o->buf + o->len, p, n);
        o->len += n;
        o->chars++;
        p += n;
    }
    o->buf[o->len] = 0;
}

void notif_copy_text(char *dst, size_t cap, const char *src, size_t max_chars)
{
    if (!cap)
        return;
    struct out o = {dst, cap, 0, 0, max_chars};
    dst[0] = 0;
    out_text(&o, src);
}

/* The value of placeholder name (len bytes), or NULL when it is not one of ours. */
static const char *arg_value(const char *name, size_t len, enum notif_lang lang, const struct notif_args *a)
{
    static const struct {
        const char *name;
        size_t off;
    } F[] = {
        {"title", offsetof(struct notif_args, title)},   {"reason", offsetof(struct notif_args, reason)},
        {"amount", offsetof(struct notif_args, amount)}, {"time", offsetof(struct notif_args, time)},
        {"date", offsetof(struct notif_args, date)},     {"start", offsetof(struct notif_args, start)},
        {"end", offsetof(struct notif_args, end)},       {"rating", offsetof(struct notif_args, rating)},
        {"summary", offsetof(struct notif_args, summary)},
    };
    for (size_t i = 0; i < sizeof F / sizeof F[0]; i++) {
        if (strlen(F[i].name) != len || memcmp(F[i].name, name, len) != 0)
            continue;
        const char *v = (const char *)a + F[i].off;
        if (!*v && strcmp(F[i].name, "reason") == 0)
            return lang == LANG_EN ? "not given" : "未说明";
        return v;
    }
    return NULL;
}

size_t notif_expand(const char *tmpl, enum notif_lang lang, const struct notif_args *a, char *out, size_t cap,
                    size_t max_chars)
{
    if (!cap)
        return 0;
    struct out o = {out, cap, 0, 0, max_chars};
    out[0] = 0;
    char one[2] = {0, 0};
    for (const char *p = tmpl; p && *p && o.chars < max_chars;) {
        const char *close = *p == '{' ? strchr(p, '}') : NULL;
        const char *v = close ? arg_value(p + 1, (size_t)(close - p - 1), lang, a) : NULL;
        if (v) {
            out_text(&o, v);
            p = close + 1;
            continue;
        }
        /* a literal character (possibly multi-byte): copy it whole */
        size_t n = utf8_len((unsigned char)*p), len0 = o.len;
        if (n == 1) {
            one[0] = *p;
            out_text(&o, one);
        } else if (strnlen(p, n) == n && o.len + n + 1 <= o.cap) {
            memcpy(o.buf + o.len, p, n);
            o.len += n;
            o.chars++;
            o.buf[o.len] = 0;
        }
        if (o.len == len0)
            break; /* full */
        p += n;
    }
    return o.chars;
}

void notif_render(enum notif_kind k, enum notif_lang lang, const struct notif_args *a, char *title, char *body)
{
    notif_expand(notif_template(k, lang, false), lang, a, title, NOTIF_TITLE_CAP, NOTIF_TITLE_CHARS);
    notif_expand(notif_template(k, lang, true), lang, a, body, NOTIF_BODY_CAP, NOTIF_BODY_CHARS);
}

void notif_format_money(int64_t fen, char *buf, size_t cap)
{
    unsigned long long v = fen < 0 ? (unsigned long long)(-(fen + 1)) + 1 : (unsigned long long)fen;
    snprintf(buf, cap, "%s¥%llu.%02llu", fen < 0 ? "-" : "", v / 100, v % 100);
}

void notif_format_time(int64_t unix_ms, char *buf, size_t cap)
{
    int64_t s = unix_ms / 1000 + 8 * 3600; /* Beijing time: UTC+8 all year */
    int64_t days = s / 86400, rem = s % 86400;
    if (rem < 0) {
        rem += 86400;
        days--;
    }
    int y;
    unsigned m, d;
    date_to_civil((int32_t)days, &y, &m, &d);
    snprintf(buf, cap, "%04d-%02u-%02u %02d:%02d", y, m, d, (int)(rem / 3600), (int)(rem % 3600 / 60));
}

/* ---------- plans ---------- */

static const char *str_of(const json_t *o, const char *key) { return json_string_value(json_object_get(o, key)); }

static bool id_of(const json_t *o, const char *key, uint64_t *out) { return ids_parse(str_of(o, key), out); }

/* Copy the string ids (and date) the event carries into the client's link data. */
static void link_ids(json_t *data, const json_t *src)
{
    static const char *const KEYS[] = {"order_id", "listing_id", "payment_id", "refund_id",
                                       "review_id", "entry_id",   "date",       NULL};
    for (size_t i = 0; KEYS[i]; i++) {
        const char *v = str_of(src, KEYS[i]);
        if (v && strlen(v) <= 32)
            json_object_set_new(data, KEYS[i], json_string(v));
    }
}

static void add(struct notif_plan *p, uint64_t user, enum notif_kind k)
{
    if (p->n < NOTIF_MAX_RECIPIENTS)
        p->d[p->n++] = (struct notif_draft){user, k};
}

static void set_money(struct notif_plan *p, const json_t *o, const char *key)
{
    const json_t *v = json_object_get(o, key);
    if (json_is_integer(v))
        notif_format_money((int64_t)json_integer_value(v), p->args.amount, sizeof p->args.amount);
}

static void set_reason(struct notif_plan *p, const json_t *data)
{
    notif_copy_text(p->args.reason, sizeof p->args.reason, str_of(data, "reason"), 500);
}

static void set_time_ms(struct notif_plan *p, int64_t ms)
{
    if (ms > 0)
        notif_format_time(ms, p->args.time, sizeof p->args.time);
}

static int64_t time_of(const json_t *o, const char *key)
{
    int64_t ms = 0;
    const char *s = str_of(o, key);
    return s && time_parse_ms(s, &ms) ? ms : 0;
}

/* user.* and provider.*: {user_id, reason?} to that user. */
static enum notif_plan_result plan_user(struct notif_plan *p, const json_t *data, enum notif_kind k)
{
    uint64_t user;
    if (!id_of(data, "user_id", &user))
        return PLAN_INVALID;
    set_reason(p, data);
    add(p, user, k);
    return PLAN_OK;
}

/* listing.*: {listing_id, provider_id, title, reason} to the provider. */
static enum notif_plan_result plan_listing(struct notif_plan *p, const json_t *data, enum notif_kind k)
{
    uint64_t provider;
    if (!id_of(data, "provider_id", &provider))
        return PLAN_INVALID;
    notif_copy_text(p->args.title, sizeof p->args.title, str_of(data, "title"), 100);
    set_reason(p, data);
    add(p, provider, k);
    return PLAN_OK;
}

/* The order object of an order event into p->order; status as the event type implies. */
static bool read_order(struct notif_plan *p, const json_t *data, enum order_status st)
{
    const json_t *o = json_object_get(data, "order");
    struct order_view *v = &p->order;
    if (!json_is_object(o) || !id_of(o, "id", &v->id) || !id_of(o, "owner_id", &v->owner_id) ||
        !id_of(o, "provider_id", &v->provider_id))
        return false;
    id_of(o, "listing_id", &v->listing_id);
    notif_copy_text(v->title, sizeof v->title, str_of(o, "listing_title"), 100);
    v->status = st;
    if (!date_parse(str_of(o, "start_date") ? str_of(o, "start_date") : "", &v->start_date))
        v->start_date = 0;
    if (!date_parse(str_of(o, "end_date") ? str_of(o, "end_date") : "", &v->end_date))
        v->end_date = 0;
    const json_t *total = json_object_get(o, "total_fen");
    v->total_fen = json_is_integer(total) ? (int64_t)json_integer_value(total) : 0;
    v->pay_before_ms = time_of(o, "pay_before");
    p->has_order = true;
    p->order_rank = order_status_rank(st);
    memcpy(p->args.title, v->title, sizeof p->args.title);
    if (v->start_date)
        date_format(v->start_date, p->args.start);
    if (v->end_date)
        date_format(v->end_date, p->args.end);
    char id[IDS_STR_LEN];
    json_object_set_new(p->data, "order_id", json_string(ids_format(v->id, id)));
    if (v->listing_id)
        json_object_set_new(p->data, "listing_id", json_string(ids_format(v->listing_id, id)));
    return true;
}

static enum notif_plan_result plan_order(struct notif_plan *p, const char *type, const json_t *data)
{
    static const struct {
        const char *type;
        enum order_status st;
    } T[] = {{"order.created", OS_PENDING_PAYMENT}, {"order.paid", OS_PAID},           {"order.accepted", OS_CONFIRMED},
             {"order.rejected", OS_REJECTED},       {"order.expired", OS_EXPIRED},     {"order.cancelled", OS_CANCELLED},
             {"order.checked_in", OS_IN_CARE},      {"order.completed", OS_COMPLETED}};
    enum order_status st = OS_UNKNOWN;
    for (size_t i = 0; i < sizeof T / sizeof T[0]; i++)
        if (strcmp(type, T[i].type) == 0)
            st = T[i].st;
    if (!read_order(p, data, st))
        return PLAN_INVALID;
    const struct order_view *o = &p->order;
    const char *by = str_of(data, "by");
    switch (st) {
    case OS_PENDING_PAYMENT:
        set_time_ms(p, o->pay_before_ms);
        add(p, o->owner_id, NK_ORDER_CREATED);
        break;
    case OS_PAID:
        p->order.accept_before_ms = time_of(data, "accept_before");
        set_time_ms(p, o->accept_before_ms);
        notif_format_money(o->total_fen, p->args.amount, sizeof p->args.amount);
        if (str_of(data, "payment_id"))
            json_object_set_new(p->data, "payment_id", json_string(str_of(data, "payment_id")));
        add(p, o->owner_id, NK_ORDER_PAID_OWNER);
        add(p, o->provider_id, NK_ORDER_PAID_PROVIDER);
        break;
    case OS_CONFIRMED: add(p, o->owner_id, NK_ORDER_ACCEPTED); break;
    case OS_REJECTED:
        set_reason(p, data);
        if (by && strcmp(by, "timeout") == 0) {
            add(p, o->owner_id, NK_ORDER_REJECTED_TIMEOUT_OWNER);
            add(p, o->provider_id, NK_ORDER_REJECTED_TIMEOUT_PROVIDER);
        } else {
            add(p, o->owner_id, NK_ORDER_REJECTED_OWNER);
        }
        break;
    case OS_EXPIRED: add(p, o->owner_id, NK_ORDER_EXPIRED); break;
    case OS_CANCELLED: {
        bool by_provider = by && strcmp(by, "provider") == 0;
        notif_format_money(0, p->args.amount, sizeof p->args.amount);
        set_money(p, data, "refund_fen");
        add(p, o->owner_id, by_provider ? NK_ORDER_CANCELLED_OWNER_BY_PROVIDER : NK_ORDER_CANCELLED_OWNER_BY_OWNER);
        add(p, o->provider_id,
            by_provider ? NK_ORDER_CANCELLED_PROVIDER_BY_PROVIDER : NK_ORDER_CANCELLED_PROVIDER_BY_OWNER);
        break;
    }
    case OS_IN_CARE: add(p, o->owner_id, NK_ORDER_CHECKED_IN); break;
    case OS_COMPLETED:
        p->order.completed_ms = time_of(data, "completed_at");
        add(p, o->owner_id, NK_ORDER_COMPLETED_OWNER);
        add(p, o->provider_id, NK_ORDER_COMPLETED_PROVIDER);
        break;
    case OS_UNKNOWN:
    case OS_CREATING:
    case OS_FAILED:
    case OS__COUNT: return PLAN_IGNORED;
    }
    return PLAN_OK;
}

/* payment.*, refund.*, care_log.*, review.*: to the owner or the provider named in data. */
static enum notif_plan_result plan_other(struct notif_plan *p, const char *type, const json_t *data)
{
    static const struct {
        const char *type, *to;
        enum notif_kind kind;
    } T[] = {{"payment.succeeded", "owner_id", NK_PAYMENT_SUCCEEDED}, {"payment.failed", "owner_id", NK_PAYMENT_FAILED},
             {"refund.succeeded", "owner_id", NK_REFUND_SUCCEEDED},   {"care_log.added", "owner_id", NK_CARE_LOG_ADDED},
             {"review.posted", "provider_id", NK_REVIEW_POSTED},      {"review.replied", "owner_id", NK_REVIEW_REPLIED},
             {"review.hidden", "owner_id", NK_REVIEW_HIDDEN}};
    for (size_t i = 0; i < sizeof T / sizeof T[0]; i++) {
        if (strcmp(type, T[i].type) != 0)
            continue;
        uint64_t to;
        if (!id_of(data, T[i].to, &to))
            return PLAN_INVALID;
        set_money(p, data, "amount_fen");
        set_reason(p, data);
        notif_copy_text(p->args.summary, sizeof p->args.summary, str_of(data, "summary"), 200);
        notif_copy_text(p->args.date, sizeof p->args.date, str_of(data, "date"), 10);
        const json_t *rating = json_object_get(data, "rating");
        if (json_is_integer(rating) && json_integer_value(rating) >= 1 && json_integer_value(rating) <= 5)
            snprintf(p->args.rating, sizeof p->args.rating, "%d", (int)json_integer_value(rating));
        link_ids(p->data, data);
        add(p, to, T[i].kind);
        return PLAN_OK;
    }
    return PLAN_IGNORED;
}

static void plan_init(struct notif_plan *p)
{
    memset(p, 0, sizeof *p);
    p->data = json_object();
}

void notif_plan_clear(struct notif_plan *p)
{
    if (!p)
        return;
    json_decref(p->data);
    p->data = NULL;
}

/* Every type the catalogue lists with the notification service among its consumers. */
static bool consumed(const char *type)
{
    static const char *const T[] = {"user.suspended", "user.reinstated", "provider.approved", "provider.rejected",
                                    "listing.approved", "listing.rejected", "order.created", "order.paid",
                                    "order.accepted", "order.rejected", "order.expired", "order.cancelled",
                                    "order.checked_in", "order.completed", "payment.succeeded", "payment.failed",
                                    "refund.succeeded", "care_log.added", "review.posted", "review.replied",
                                    "review.hidden", NULL};
    for (size_t i = 0; T[i]; i++)
        if (strcmp(type, T[i]) == 0)
            return true;
    return false;
}

enum notif_plan_result notif_plan_event(const char *type, int version, const json_t *data, struct notif_plan *out)
{
    plan_init(out);
    if (!type || !consumed(type))
        return PLAN_IGNORED;
    if (version != 1)
        return PLAN_UNKNOWN;
    if (!out->data)
        return PLAN_NO_MEMORY;
    if (!json_is_object(data))
        return PLAN_INVALID;
    if (strcmp(type, "user.suspended") == 0)
        return plan_user(out, data, NK_USER_SUSPENDED);
    if (strcmp(type, "user.reinstated") == 0)
        return plan_user(out, data, NK_USER_REINSTATED);
    if (strcmp(type, "provider.approved") == 0)
        return plan_user(out, data, NK_PROVIDER_APPROVED);
    if (strcmp(type, "provider.rejected") == 0)
        return plan_user(out, data, NK_PROVIDER_REJECTED);
    if (strcmp(type, "listing.approved") == 0 || strcmp(type, "listing.rejected") == 0) {
        link_ids(out->data, data);
        return plan_listing(out, data,
                            strcmp(type, "listing.approved") == 0 ? NK_LISTING_APPROVED : NK_LISTING_REJECTED);
    }
    if (strncmp(type, "order.", 6) == 0)
        return plan_order(out, type, data);
    return plan_other(out, type, data);
}

void notif_plan_reminder(enum remind_kind k, const struct order_view *o, struct notif_plan *out)
{
    plan_init(out);
    memcpy(out->args.title, o->title, sizeof out->args.title);
    out->args.title[sizeof out->args.title - 1] = 0;
    if (o->start_date)
        date_format(o->start_date, out->args.start);
    if (o->end_date)
        date_format(o->end_date, out->args.end);
    char id[IDS_STR_LEN];
    if (out->data) {
        json_object_set_new(out->data, "order_id", json_string(ids_format(o->id, id)));
        if (o->listing_id)
            json_object_set_new(out->data, "listing_id", json_string(ids_format(o->listing_id, id)));
    }
    switch (k) {
    case REMIND_PAYMENT_DUE:
        set_time_ms(out, o->pay_before_ms);
        add(out, o->owner_id, NK_REMIND_PAYMENT_DUE);
        break;
    case REMIND_ACCEPT_DUE:
        set_time_ms(out, o->accept_before_ms);
        add(out, o->provider_id, NK_REMIND_ACCEPT_DUE);
        break;
    case REMIND_CHECKIN_TOMORROW:
        add(out, o->owner_id, NK_REMIND_CHECKIN_OWNER);
        add(out, o->provider_id, NK_REMIND_CHECKIN_PROVIDER);
        break;
    case REMIND_CHECKOUT_TODAY:
        add(out, o->owner_id, NK_REMIND_CHECKOUT_OWNER);
        add(out, o->provider_id, NK_REMIND_CHECKOUT_PROVIDER);
        break;
    case REMIND_REVIEW_INVITE: add(out, o->owner_id, NK_REMIND_REVIEW_INVITE); break;
    case REMIND__COUNT: break;
    }
}
