/* Notification texts and plans: every kind renders in Chinese and English with nothing left
 * unexpanded, every consumed event type plans the right recipients, bad and unknown events are
 * told apart, text is cut on character boundaries, money and Beijing times are formatted. */
#include "unit.h"
#include "dates.h"
#include "template.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool has_cjk(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p >= 0xE4 && *p <= 0xE9) /* lead bytes of the CJK unified ideographs */
            return true;
    return false;
}

static void fill_args(struct notif_args *a)
{
    memset(a, 0, sizeof *a);
    snprintf(a->title, sizeof a->title, "阳光宠物之家");
    snprintf(a->reason, sizeof a->reason, "资料不全");
    snprintf(a->amount, sizeof a->amount, "¥300.00");
    snprintf(a->time, sizeof a->time, "2026-11-21 18:00");
    snprintf(a->date, sizeof a->date, "2026-11-22");
    snprintf(a->start, sizeof a->start, "2026-11-22");
    snprintf(a->end, sizeof a->end, "2026-11-25");
    snprintf(a->rating, sizeof a->rating, "5");
    snprintf(a->summary, sizeof a->summary, "ate well");
}

static void every_kind_renders_in_both_languages(void **state)
{
    (void)state;
    struct notif_args a;
    fill_args(&a);
    char title[NOTIF_TITLE_CAP], body[NOTIF_BODY_CAP];
    for (int k = 0; k < NK__COUNT; k++) {
        for (int l = LANG_ZH; l <= LANG_EN; l++) {
            notif_render((enum notif_kind)k, (enum notif_lang)l, &a, title, body);
            assert_true(strlen(title) > 0);
            assert_true(strlen(body) > 0);
            assert_null(strchr(title, '{'));
            assert_null(strchr(body, '{'));
            if (l == LANG_ZH) {
                assert_true(has_cjk(title));
                assert_true(has_cjk(body) || strstr(notif_template((enum notif_kind)k, LANG_ZH, true), "{amount}"));
            } else {
                assert_false(has_cjk(title));
                /* English words around the values; only the values may be Chinese */
                assert_false(has_cjk(notif_template((enum notif_kind)k, LANG_EN, true)));
            }
        }
        const char *type = notif_type((enum notif_kind)k);
        assert_true(strlen(type) > 3 && strchr(type, '.'));
        const char *role = notif_role((enum notif_kind)k);
        assert_true(strcmp(role, "owner") == 0 || strcmp(role, "provider") == 0 || strcmp(role, "user") == 0);
    }
}

static void chosen_texts_read_as_written(void **state)
{
    (void)state;
    struct notif_args a;
    fill_args(&a);
    char title[NOTIF_TITLE_CAP], body[NOTIF_BODY_CAP];
    notif_render(NK_ORDER_PAID_PROVIDER, LANG_ZH, &a, title, body);
    assert_string_equal(title, "新的预订请求");
    assert_string_equal(body, "「阳光宠物之家」收到新的预订（2026-11-22 至 2026-11-25），请在 2026-11-21 18:00 "
                              "前接受或拒绝，逾期将自动拒绝并退款。");
    notif_render(NK_ORDER_PAID_OWNER, LANG_EN, &a, title, body);
    assert_string_equal(title, "Payment received");
    assert_string_equal(body, "We received ¥300.00 for your booking at \"阳光宠物之家\" (2026-11-22 to 2026-11-25). "
                              "Waiting for the provider to accept.");
    notif_render(NK_REVIEW_POSTED, LANG_EN, &a, title, body);
    assert_string_equal(body, "Your listing received a 5-star review.");
    notif_render(NK_CARE_LOG_ADDED, LANG_ZH, &a, title, body);
    assert_string_equal(body, "2026-11-22 的照护日志已更新：ate well");
    /* a reason not given */
    a.reason[0] = 0;
    notif_render(NK_PROVIDER_REJECTED, LANG_ZH, &a, title, body);
    assert_string_equal(body, "很抱歉，您的服务商资质未通过审核。原因：未说明");
    notif_render(NK_PROVIDER_REJECTED, LANG_EN, &a, title, body);
    assert_string_equal(body, "Your provider application was not approved. Reason: not given");
    assert_int_equal(notif_lang_parse("en"), LANG_EN);
    assert_int_equal(notif_lang_parse("zh"), LANG_ZH);
    assert_int_equal(notif_lang_parse(NULL), LANG_ZH);
    assert_int_equal(notif_lang_parse("fr"), LANG_ZH);
}

static void expansion_keeps_characters_whole(void **state)
{
    (void)state;
    struct notif_args a;
    memset(&a, 0, sizeof a);
    snprintf(a.title, sizeof a.title, "宠物之家");
    char out[64];
    /* 4 characters of budget: never half a character */
    assert_int_equal(notif_expand("「{title}」", LANG_ZH, &a, out, sizeof out, 4), 4);
    assert_string_equal(out, "「宠物之");
    /* a byte budget that ends inside a 3-byte character stops before it */
    assert_int_equal(notif_expand("{title}", LANG_ZH, &a, out, 8, 100), 2);
    assert_string_equal(out, "宠物");
    /* unknown names and a lone brace are text */
    notif_expand("{nope} {title", LANG_ZH, &a, out, sizeof out, 100);
    assert_string_equal(out, "{nope} {title");
    /* control characters from event data become spaces; newlines stay */
    char t[32];
    notif_copy_text(t, sizeof t, "a\tb\nc\x01", 10);
    assert_string_equal(t, "a b\nc ");
    notif_copy_text(t, sizeof t, NULL, 10);
    assert_string_equal(t, "");
    notif_copy_text(t, sizeof t, "一二三四五", 3);
    assert_string_equal(t, "一二三");
}

static void long_reasons_are_cut_to_the_column(void **state)
{
    (void)state;
    struct notif_args a;
    memset(&a, 0, sizeof a);
    char big[3000];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = 0;
    notif_copy_text(a.reason, sizeof a.reason, big, 500);
    assert_int_equal(strlen(a.reason), 500);
    char title[NOTIF_TITLE_CAP], body[NOTIF_BODY_CAP];
    notif_render(NK_LISTING_REJECTED, LANG_EN, &a, title, body);
    assert_true(strlen(body) <= NOTIF_BODY_CHARS);
}

static void money_and_beijing_time(void **state)
{
    (void)state;
    char b[64];
    notif_format_money(30000, b, sizeof b);
    assert_string_equal(b, "¥300.00");
    notif_format_money(5, b, sizeof b);
    assert_string_equal(b, "¥0.05");
    notif_format_money(-150, b, sizeof b);
    assert_string_equal(b, "-¥1.50");
    int64_t t;
    assert_true(time_parse_ms("2026-11-21T10:00:00.000Z", &t));
    notif_format_time(t, b, sizeof b);
    assert_string_equal(b, "2026-11-21 18:00");
    assert_true(time_parse_ms("2026-12-31T16:30:00.000Z", &t)); /* crosses midnight and the year */
    notif_format_time(t, b, sizeof b);
    assert_string_equal(b, "2027-01-01 00:30");
}

/* ---------- plans ---------- */

static json_t *order_obj(void)
{
    return json_pack("{s:s,s:s,s:s,s:s,s:s,s:[s],s:s,s:s,s:i,s:i,s:s,s:s,s:s}", "id", "9001", "listing_id", "8001",
                     "listing_title", "阳光宠物之家", "owner_id", "101", "provider_id", "202", "pet_ids", "7", "start_date",
                     "2026-11-22", "end_date", "2026-11-25", "nights", 3, "total_fen", 30000, "currency", "CNY",
                     "status", "paid", "pay_before", "2026-11-21T10:15:00.000Z");
}

struct expect {
    const char *type;
    json_t *data;
    size_t n;
    uint64_t to[2];
    enum notif_kind kind[2];
};

static void check_plan(struct expect *x)
{
    struct notif_plan p;
    enum notif_plan_result r = notif_plan_event(x->type, 1, x->data, &p);
    if (r != PLAN_OK || p.n != x->n)
        fail_msg("%s: result %d, %zu drafts", x->type, (int)r, p.n);
    for (size_t i = 0; i < x->n; i++) {
        assert_int_equal(p.d[i].user_id, x->to[i]);
        assert_int_equal(p.d[i].kind, x->kind[i]);
        assert_string_equal(notif_type(p.d[i].kind), x->type);
    }
    notif_plan_clear(&p);
    json_decref(x->data);
}

static json_t *with_order(json_t *extra)
{
    json_object_set_new(extra, "order", order_obj());
    return extra;
}

static void every_event_type_reaches_its_recipients(void **state)
{
    (void)state;
    struct expect X[] = {
        {"user.suspended", json_pack("{s:s,s:s}", "user_id", "101", "reason", "spam"), 1, {101}, {NK_USER_SUSPENDED}},
        {"user.reinstated", json_pack("{s:s}", "user_id", "101"), 1, {101}, {NK_USER_REINSTATED}},
        {"provider.approved", json_pack("{s:s,s:s}", "user_id", "202", "reason", ""), 1, {202}, {NK_PROVIDER_APPROVED}},
        {"provider.rejected", json_pack("{s:s,s:s}", "user_id", "202", "reason", "x"), 1, {202}, {NK_PROVIDER_REJECTED}},
        {"listing.approved", json_pack("{s:s,s:s,s:s}", "listing_id", "8001", "provider_id", "202", "title", "t"), 1,
         {202}, {NK_LISTING_APPROVED}},
        {"listing.rejected", json_pack("{s:s,s:s,s:s,s:s}", "listing_id", "8001", "provider_id", "202", "title", "t",
                                       "reason", "r"),
         1, {202}, {NK_LISTING_REJECTED}},
        {"order.created", with_order(json_object()), 1, {101}, {NK_ORDER_CREATED}},
        {"order.paid", with_order(json_pack("{s:s,s:s}", "payment_id", "55", "accept_before", "2026-11-21T12:00:00Z")),
         2, {101, 202}, {NK_ORDER_PAID_OWNER, NK_ORDER_PAID_PROVIDER}},
        {"order.accepted", with_order(json_object()), 1, {101}, {NK_ORDER_ACCEPTED}},
        {"order.rejected", with_order(json_pack("{s:s,s:s}", "by", "provider", "reason", "full")), 1, {101},
         {NK_ORDER_REJECTED_OWNER}},
        {"order.rejected", with_order(json_pack("{s:s,s:n}", "by", "timeout", "reason")), 2, {101, 202},
         {NK_ORDER_REJECTED_TIMEOUT_OWNER, NK_ORDER_REJECTED_TIMEOUT_PROVIDER}},
        {"order.expired", with_order(json_object()), 1, {101}, {NK_ORDER_EXPIRED}},
        {"order.cancelled", with_order(json_pack("{s:s,s:i}", "by", "owner", "refund_fen", 15000)), 2, {101, 202},
         {NK_ORDER_CANCELLED_OWNER_BY_OWNER, NK_ORDER_CANCELLED_PROVIDER_BY_OWNER}},
        {"order.cancelled", with_order(json_pack("{s:s,s:i}", "by", "provider", "refund_fen", 30000)), 2, {101, 202},
         {NK_ORDER_CANCELLED_OWNER_BY_PROVIDER, NK_ORDER_CANCELLED_PROVIDER_BY_PROVIDER}},
        {"order.checked_in", with_order(json_object()), 1, {101}, {NK_ORDER_CHECKED_IN}},
        {"order.completed", with_order(json_pack("{s:s}", "completed_at", "2026-11-25T03:00:00Z")), 2, {101, 202},
         {NK_ORDER_COMPLETED_OWNER, NK_ORDER_COMPLETED_PROVIDER}},
        {"payment.succeeded",
         json_pack("{s:s,s:s,s:s,s:i}", "payment_id", "55", "order_id", "9001", "owner_id", "101", "amount_fen", 30000),
         1, {101}, {NK_PAYMENT_SUCCEEDED}},
        {"payment.failed",
         json_pack("{s:s,s:s,s:s,s:i,s:s}", "payment_id", "55", "order_id", "9001", "owner_id", "101", "amount_fen",
                   30000, "reason", "card declined"),
         1, {101}, {NK_PAYMENT_FAILED}},
        {"refund.succeeded",
         json_pack("{s:s,s:s,s:s,s:s,s:i}", "refund_id", "66", "payment_id", "55", "order_id", "9001", "owner_id", "101",
                   "amount_fen", 30000),
         1, {101}, {NK_REFUND_SUCCEEDED}},
        {"care_log.added",
         json_pack("{s:s,s:s,s:s,s:s,s:s,s:s}", "order_id", "9001", "owner_id", "101", "provider_id", "202", "entry_id",
                   "77", "date", "2026-11-23", "summary", "played"),
         1, {101}, {NK_CARE_LOG_ADDED}},
        {"review.posted",
         json_pack("{s:s,s:s,s:s,s:s,s:s,s:i}", "review_id", "88", "order_id", "9001", "listing_id", "8001",
                   "provider_id", "202", "owner_id", "101", "rating", 4),
         1, {202}, {NK_REVIEW_POSTED}},
        {"review.replied",
         json_pack("{s:s,s:s,s:s,s:s}", "review_id", "88", "listing_id", "8001", "provider_id", "202", "owner_id", "101"),
         1, {101}, {NK_REVIEW_REPLIED}},
        {"review.hidden",
         json_pack("{s:s,s:s,s:s,s:s}", "review_id", "88", "listing_id", "8001", "owner_id", "101", "reason", "abuse"), 1,
         {101}, {NK_REVIEW_HIDDEN}},
    };
    for (size_t i = 0; i < sizeof X / sizeof X[0]; i++)
        check_plan(&X[i]);
}

static void plans_carry_values_and_links(void **state)
{
    (void)state;
    struct notif_plan p;
    json_t *d = with_order(json_pack("{s:s,s:s}", "payment_id", "55", "accept_before", "2026-11-21T12:00:00.000Z"));
    assert_int_equal(notif_plan_event("order.paid", 1, d, &p), PLAN_OK);
    assert_true(p.has_order);
    assert_int_equal(p.order.id, 9001);
    assert_int_equal(p.order.status, OS_PAID); /* as the event type says */
    assert_int_equal(p.order_rank, order_status_rank(OS_PAID));
    assert_string_equal(p.args.title, "阳光宠物之家");
    assert_string_equal(p.args.amount, "¥300.00");
    assert_string_equal(p.args.time, "2026-11-21 20:00");
    assert_string_equal(p.args.start, "2026-11-22");
    assert_string_equal(json_string_value(json_object_get(p.data, "order_id")), "9001");
    assert_string_equal(json_string_value(json_object_get(p.data, "listing_id")), "8001");
    assert_string_equal(json_string_value(json_object_get(p.data, "payment_id")), "55");
    assert_true(p.order.accept_before_ms > 0 && p.order.pay_before_ms > 0);
    assert_true(notif_is_prompt(NK_ORDER_PAID_PROVIDER));
    assert_false(notif_is_prompt(NK_ORDER_PAID_OWNER));
    notif_plan_clear(&p);
    json_decref(d);

    d = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s}", "order_id", "9001", "owner_id", "101", "provider_id", "202", "entry_id",
                  "77", "date", "2026-11-23", "summary", "played\nfetch");
    assert_int_equal(notif_plan_event("care_log.added", 1, d, &p), PLAN_OK);
    assert_string_equal(p.args.summary, "played\nfetch");
    assert_string_equal(json_string_value(json_object_get(p.data, "entry_id")), "77");
    assert_string_equal(json_string_value(json_object_get(p.data, "date")), "2026-11-23");
    notif_plan_clear(&p);
    json_decref(d);
}

static void bad_unknown_and_foreign_events(void **state)
{
    (void)state;
    struct notif_plan p;
    json_t *d = json_pack("{s:s}", "user_id", "101");
    assert_int_equal(notif_plan_event("user.suspended", 2, d, &p), PLAN_UNKNOWN); /* a version we do not know */
    notif_plan_clear(&p);
    assert_int_equal(notif_plan_event("rating.updated", 1, d, &p), PLAN_IGNORED); /* review -> boarding, user */
    notif_plan_clear(&p);
    assert_int_equal(notif_plan_event("order.refund_requested", 1, d, &p), PLAN_IGNORED);
    notif_plan_clear(&p);
    assert_int_equal(notif_plan_event("dlq.notification", 1, d, &p), PLAN_IGNORED);
    notif_plan_clear(&p);
    assert_int_equal(notif_plan_event("martian.landed", 1, d, &p), PLAN_IGNORED);
    notif_plan_clear(&p);
    json_decref(d);
    /* the ids it needs are missing or not ids */
    d = json_pack("{s:i}", "user_id", 101);
    assert_int_equal(notif_plan_event("user.suspended", 1, d, &p), PLAN_INVALID);
    notif_plan_clear(&p);
    json_decref(d);
    d = json_pack("{s:{s:s}}", "order", "id", "1");
    assert_int_equal(notif_plan_event("order.paid", 1, d, &p), PLAN_INVALID);
    notif_plan_clear(&p);
    json_decref(d);
    d = json_pack("{s:s}", "owner_id", "x");
    assert_int_equal(notif_plan_event("payment.failed", 1, d, &p), PLAN_INVALID);
    notif_plan_clear(&p);
    json_decref(d);
}

static void reminders_plan_both_sides_where_due(void **state)
{
    (void)state;
    struct order_view o = {.id = 9001, .listing_id = 8001, .owner_id = 101, .provider_id = 202, .status = OS_CONFIRMED};
    snprintf(o.title, sizeof o.title, "小窝");
    o.start_date = date_from_civil(2026, 11, 22);
    o.end_date = date_from_civil(2026, 11, 25);
    o.pay_before_ms = 1000;
    struct {
        enum remind_kind k;
        size_t n;
        uint64_t to[2];
        enum notif_kind kind[2];
    } X[] = {
        {REMIND_PAYMENT_DUE, 1, {101}, {NK_REMIND_PAYMENT_DUE}},
        {REMIND_ACCEPT_DUE, 1, {202}, {NK_REMIND_ACCEPT_DUE}},
        {REMIND_CHECKIN_TOMORROW, 2, {101, 202}, {NK_REMIND_CHECKIN_OWNER, NK_REMIND_CHECKIN_PROVIDER}},
        {REMIND_CHECKOUT_TODAY, 2, {101, 202}, {NK_REMIND_CHECKOUT_OWNER, NK_REMIND_CHECKOUT_PROVIDER}},
        {REMIND_REVIEW_INVITE, 1, {101}, {NK_REMIND_REVIEW_INVITE}},
    };
    for (size_t i = 0; i < sizeof X / sizeof X[0]; i++) {
        struct notif_plan p;
        notif_plan_reminder(X[i].k, &o, &p);
        assert_int_equal(p.n, X[i].n);
        for (size_t j = 0; j < p.n; j++) {
            assert_int_equal(p.d[j].user_id, X[i].to[j]);
            assert_int_equal(p.d[j].kind, X[i].kind[j]);
            char want[48];
            snprintf(want, sizeof want, "reminder.%s", remind_name(X[i].k));
            assert_string_equal(notif_type(p.d[j].kind), want);
        }
        assert_string_equal(json_string_value(json_object_get(p.data, "order_id")), "9001");
        assert_string_equal(p.args.title, "小窝");
        assert_string_equal(p.args.start, "2026-11-22");
        notif_plan_clear(&p);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_kind_renders_in_both_languages),
        cmocka_unit_test(chosen_texts_read_as_written),
        cmocka_unit_test(expansion_keeps_characters_whole),
        cmocka_unit_test(long_reasons_are_cut_to_the_column),
        cmocka_unit_test(money_and_beijing_time),
        cmocka_unit_test(every_event_type_reaches_its_recipients),
        cmocka_unit_test(plans_carry_values_and_links),
        cmocka_unit_test(bad_unknown_and_foreign_events),
        cmocka_unit_test(reminders_plan_both_sides_where_due),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
