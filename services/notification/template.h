/* What each event means for whom, and the words of every notification (pure). An event of the
 * catalogue (docs/events.md) becomes a plan: its recipients, each with a kind, the values the
 * texts need and the ids the client can link to. A kind has a notification type ("order.paid",
 * "reminder.payment_due"), the role it is written for, and a title and body template in
 * Chinese (the default) and English with {placeholders}. */
#ifndef NOTIFICATION_TEMPLATE_H
#define NOTIFICATION_TEMPLATE_H

#include "reminder.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum notif_lang { LANG_ZH, LANG_EN };

/* "en" -> LANG_EN; anything else (NULL, "zh", unknown) -> LANG_ZH. */
enum notif_lang notif_lang_parse(const char *s);
const char *notif_lang_name(enum notif_lang l);

enum notif_kind {
    NK_USER_SUSPENDED,
    NK_USER_REINSTATED,
    NK_PROVIDER_APPROVED,
    NK_PROVIDER_REJECTED,
    NK_LISTING_APPROVED,
    NK_LISTING_REJECTED,
    NK_ORDER_CREATED,               /* owner: pay before ... (a prompt) */
    NK_ORDER_PAID_OWNER,            /* owner: payment received, waiting for the provider */
    NK_ORDER_PAID_PROVIDER,         /* provider: new booking to accept before ... (a prompt) */
    NK_ORDER_ACCEPTED,              /* owner */
    NK_ORDER_REJECTED_OWNER,        /* owner: the provider declined */
    NK_ORDER_REJECTED_TIMEOUT_OWNER,    /* owner: the provider did not answer in time */
    NK_ORDER_REJECTED_TIMEOUT_PROVIDER, /* provider: you did not answer in time */
    NK_ORDER_EXPIRED,               /* owner */
    NK_ORDER_CANCELLED_OWNER_BY_OWNER,       /* owner's copy when the owner cancelled */
    NK_ORDER_CANCELLED_PROVIDER_BY_OWNER,    /* provider's copy when the owner cancelled */
    NK_ORDER_CANCELLED_OWNER_BY_PROVIDER,    /* owner's copy when the provider cancelled */
    NK_ORDER_CANCELLED_PROVIDER_BY_PROVIDER, /* provider's copy when the provider cancelled */
    NK_ORDER_CHECKED_IN,            /* owner */
    NK_ORDER_COMPLETED_OWNER,
    NK_ORDER_COMPLETED_PROVIDER,
    NK_PAYMENT_SUCCEEDED,
    NK_PAYMENT_FAILED,
    NK_REFUND_SUCCEEDED,
    NK_CARE_LOG_ADDED,
    NK_REVIEW_POSTED,
    NK_REVIEW_REPLIED,
    NK_REVIEW_HIDDEN,
    NK_REMIND_PAYMENT_DUE,
    NK_REMIND_ACCEPT_DUE,
    NK_REMIND_CHECKIN_OWNER,
    NK_REMIND_CHECKIN_PROVIDER,
    NK_REMIND_CHECKOUT_OWNER,
    NK_REMIND_CHECKOUT_PROVIDER,
    NK_REMIND_REVIEW_INVITE,
    NK__COUNT
};

/* The notification's type: the event type for event kinds ("order.paid"), "reminder.<name>"
 * for reminders. */
const char *notif_type(enum notif_kind k);
/* "owner", "provider" or "user": whom the kind is written for. */
const char *notif_role(enum notif_kind k);
/* Whether the kind asks the recipient to act by a deadline (pay, accept): such a prompt is
 * dropped when the order has already moved past that step (a late, out-of-order event). */
bool notif_is_prompt(enum notif_kind k);
/* The raw templates, for tests: title or body in a language. */
const char *notif_template(enum notif_kind k, enum notif_lang l, bool body);

#define NOTIF_TITLE_CHARS 100 /* at most, after expansion (the column holds 200) */
#define NOTIF_BODY_CHARS 900  /* at most, after expansion (the column holds 1000) */
#define NOTIF_TITLE_CAP 512   /* bytes of a rendered title buffer */
#define NOTIF_BODY_CAP 4096   /* bytes of a rendered body buffer */

/* The values the templates use, already formatted; an empty string means "not given" ({reason}
 * then reads "未说明" / "not given", any other placeholder renders as nothing). */
struct notif_args {
    char title[ORDER_TITLE_MAX]; /* {title}: the listing's title */
    char reason[2004];           /* {reason}: at most 500 characters */
    char amount[40];             /* {amount}: "¥1234.50" */
    char time[32];               /* {time}: a deadline, "2026-11-21 18:00" in Beijing time */
    char date[16], start[16], end[16]; /* {date} {start} {end}: "YYYY-MM-DD" */
    char rating[8];              /* {rating}: "1".."5" */
    char summary[808];           /* {summary}: a care log summary, at most 200 characters */
};

/* Render template k in lang with a into title (NOTIF_TITLE_CAP) and body (NOTIF_BODY_CAP),
 * each cut at a character boundary to at most NOTIF_TITLE_CHARS / NOTIF_BODY_CHARS. */
void notif_render(enum notif_kind k, enum notif_lang lang, const struct notif_args *a, char *title, char *body);

/* Expand {name} placeholders of tmpl with a into out (cap bytes, always NUL-terminated; cut
 * at a UTF-8 character boundary and at max_chars characters). Unknown names are copied as
 * they are. Returns the characters written. */
size_t notif_expand(const char *tmpl, enum notif_lang lang, const struct notif_args *a, char *out, size_t cap,
                    size_t max_chars);

/* Copy at most max_chars characters of UTF-8 text src into dst (cap bytes), never cutting a
 * character; control characters other than \n become spaces. NULL src copies "". */
void notif_copy_text(char *dst, size_t cap, const char *src, size_t max_chars);

/* "¥1234.50" (fen; negative amounts keep their sign) into buf. */
void notif_format_money(int64_t fen, char *buf, size_t cap);
/* A Unix time in ms as "YYYY-MM-DD HH:MM" in Beijing time (UTC+8, no daylight saving). */
void notif_format_time(int64_t unix_ms, char *buf, size_t cap);

#define NOTIF_MAX_RECIPIENTS 2

/* One notification to write: for whom and which text. */
struct notif_draft {
    uint64_t user_id;
    enum notif_kind kind;
};

/* What an event or a reminder produces. */
struct notif_plan {
    size_t n;
    struct notif_draft d[NOTIF_MAX_RECIPIENTS];
    struct notif_args args;
    json_t *data;          /* owned: ids the client can link to ({"order_id": "...", ...}) */
    bool has_order;        /* order.* events: the order as this event describes it */
    struct order_view order;
    int order_rank;        /* order_status_rank of the status this event reports */
};

enum notif_plan_result {
    PLAN_OK,        /* out->n drafts to write (may be 0) */
    PLAN_IGNORED,   /* a type the notification service does not consume (ack it) */
    PLAN_UNKNOWN,   /* a consumed type in a version this code does not know (log, ack) */
    PLAN_INVALID,   /* a consumed type whose data lacks what it needs (log, ack) */
    PLAN_NO_MEMORY, /* try again later */
};

/* Plan the notifications of an event (type, version, data as in the envelope). out is
 * initialised here whatever the result; notif_plan_clear releases it. */
enum notif_plan_result notif_plan_event(const char *type, int version, const json_t *data, struct notif_plan *out);
/* Plan reminder k of order o (recipients by the rules in reminder.h). */
void notif_plan_reminder(enum remind_kind k, const struct order_view *o, struct notif_plan *out);
void notif_plan_clear(struct notif_plan *p);

#endif
