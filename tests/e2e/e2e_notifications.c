/* Notifications through the gateway, fed with synthetic events on the real JetStream (their
 * producers are other services): every catalogued type lands in the right inbox once, in the
 * recipient's language; redeliveries, a killed consumer and a stopped service lose and repeat
 * nothing; the unread counter matches the inbox; pages; the authorization matrix; the
 * Server-Sent Events stream in order, resumed with Last-Event-ID, with heartbeats and a
 * wake-up from another replica; reminders fire once at their times (the service restarted
 * with PB_CLOCK_OFFSET_S); a backlog of many users' events, consumed in batches, moves each
 * counter once; Redis stopped while events are consumed loses no notification; and the
 * Redis pipeline the batches use (cache_pipeline). */
#include "harness.h"
#include "bus.h"
#include "cache.h"
#include "dates.h"
#include "events.h"
#include "ids.h"
#include "svc.h"

#include <curl/curl.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---------- helpers ---------- */

static const char *fresh_id(char *buf)
{
    return ids_format(ids_next(), buf);
}

/* The user's whole inbox (newest first), up to 500 items across pages; a new reference. */
static json_t *inbox_q(const struct e2e_user *u, const char *query)
{
    json_t *all = json_array();
    char path[256], cursor[32] = "";
    for (int page = 0; page < 5; page++) {
        snprintf(path, sizeof path, "/api/v1/notifications?limit=100%s%s%s", query, cursor[0] ? "&cursor=" : "", cursor);
        struct resp *r = e2e_call("GET", path, u->token, NULL);
        EXPECT_STATUS(r, 200);
        json_array_extend(all, e2e_get(r, "items"));
        const char *next = e2e_str(r, "next_cursor");
        snprintf(cursor, sizeof cursor, "%s", next ? next : "");
        e2e_resp_free(r);
        if (!cursor[0])
            break;
    }
    return all;
}

static json_t *inbox(const struct e2e_user *u) { return inbox_q(u, ""); }

static size_t inbox_count(const struct e2e_user *u)
{
    json_t *a = inbox(u);
    size_t n = json_array_size(a);
    json_decref(a);
    return n;
}

/* How many of the user's notifications have this type. */
static size_t count_type(const struct e2e_user *u, const char *type)
{
    json_t *a = inbox(u), *it;
    size_t i, n = 0;
    json_array_foreach(a, i, it)
    {
        n += strcmp(json_string_value(json_object_get(it, "type")), type) == 0;
    }
    json_decref(a);
    return n;
}

static long long unread_count(const struct e2e_user *u)
{
    struct resp *r = e2e_call("GET", "/api/v1/notifications/unread-count", u->token, NULL);
    EXPECT_STATUS(r, 200);
    long long n = e2e_int(r, "unread");
    e2e_resp_free(r);
    return n;
}

struct want_count {
    const struct e2e_user *u;
    size_t n;
};

static bool has_count(void *arg)
{
    struct want_count *w = arg;
    return inbox_count(w->u) >= w->n;
}

/* Wait until u holds at least n notifications. */
static bool wait_count(const struct e2e_user *u, size_t n, long timeout_ms)
{
    struct want_count w = {u, n};
    return e2e_eventually(has_count, &w, timeout_ms);
}

static bool has_cjk(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; p && *p; p++)
        if (*p >= 0xE4 && *p <= 0xE9)
            return true;
    return false;
}

/* The order object of order events. */
static json_t *order_obj(const char *id, const struct e2e_user *owner, const struct e2e_user *provider,
                         const char *status, int32_t start, int32_t end, int64_t pay_before_ms)
{
    char s[DATE_STR_LEN], e[DATE_STR_LEN], pb[TIME_STR_LEN], listing[IDS_STR_LEN];
    return json_pack("{s:s,s:s,s:s,s:s,s:s,s:[s],s:s,s:s,s:i,s:i,s:s,s:s,s:s}", "id", id, "listing_id",
                     fresh_id(listing), "listing_title", "阳光宠物之家", "owner_id", owner->id, "provider_id",
                     provider->id, "pet_ids", "1", "start_date", date_format(start, s), "end_date", date_format(end, e),
                     "nights", (int)(end - start), "total_fen", 30000, "currency", "CNY", "status", status, "pay_before",
                     time_format_ms(pay_before_ms, pb));
}

/* data {order: ..., <extra fields>} of an order event (extra taken). */
static json_t *order_event(const char *id, const struct e2e_user *o, const struct e2e_user *p, const char *status,
                           json_t *extra)
{
    int32_t today = date_today();
    json_t *d = extra ? extra : json_object();
    json_object_set_new(d, "order", order_obj(id, o, p, status, today + 7, today + 10, time_now_ms() + 15 * 60000));
    return d;
}

static char *redis_cli(const char *args)
{
    char cmd[512];
    const char *port = getenv("PB_REDIS_PORT");
    snprintf(cmd, sizeof cmd, "redis-cli -h 127.0.0.1 -p %s %s 2>/dev/null", port ? port : "16379", args);
    FILE *f = popen(cmd, "r");
    if (!f)
        fail_msg("cannot run redis-cli");
    char line[256] = "";
    if (!fgets(line, sizeof line, f))
        line[0] = 0;
    pclose(f);
    line[strcspn(line, "\n")] = 0;
    return strdup(line);
}

/* The inbox shard table of a user, as the service picks it. */
static void shard_table(const char *uid, char *buf, size_t cap)
{
    long long n = e2e_db_int("SELECT CAST(v AS UNSIGNED) FROM pb_notification.schema_meta WHERE k = 'shards'", "");
    snprintf(buf, cap, "pb_notification.notification_%u", ids_shard(strtoull(uid, NULL, 10), (unsigned)n));
}

static long long db_count_type(const char *uid, const char *type)
{
    char table[96], sql[256];
    shard_table(uid, table, sizeof table);
    snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM %s WHERE user_id = ? AND type = ?", table);
    return e2e_db_int(sql, "us", strtoull(uid, NULL, 10), type);
}

/* ---------- every type, the right inbox, once ---------- */

struct step {
    const char *type;
    json_t *data;
    int to_owner, to_provider; /* notifications each should receive */
};

static void every_event_type_reaches_the_right_inbox_once(void **state)
{
    (void)state;
    struct e2e_user o, p, other;
    e2e_user_new(&o, "owner");
    e2e_user_new(&p, "provider"); /* not approved: approval itself would notify */
    e2e_user_new(&other, "owner");
    char oid[IDS_STR_LEN], x[IDS_STR_LEN], y[IDS_STR_LEN];
    fresh_id(oid);
    struct step steps[] = {
        {"user.suspended", json_pack("{s:s,s:s}", "user_id", o.id, "reason", "发布违规内容"), 1, 0},
        {"user.reinstated", json_pack("{s:s}", "user_id", o.id), 1, 0},
        {"provider.approved", json_pack("{s:s,s:n}", "user_id", p.id, "reason"), 0, 1},
        {"provider.rejected", json_pack("{s:s,s:s}", "user_id", p.id, "reason", "证件照片模糊"), 0, 1},
        {"listing.approved", json_pack("{s:s,s:s,s:s,s:n}", "listing_id", fresh_id(x), "provider_id", p.id, "title",
                                       "阳光宠物之家", "reason"),
         0, 1},
        {"listing.rejected", json_pack("{s:s,s:s,s:s,s:s}", "listing_id", fresh_id(x), "provider_id", p.id, "title",
                                       "阳光宠物之家", "reason", "价格不合规"),
         0, 1},
        {"order.created", order_event(oid, &o, &p, "pending_payment", NULL), 1, 0},
        {"order.paid", order_event(oid, &o, &p, "paid", json_pack("{s:s,s:s}", "payment_id", fresh_id(x),
                                                                   "accept_before", "2099-01-01T00:00:00.000Z")),
         1, 1},
        {"payment.succeeded", json_pack("{s:s,s:s,s:s,s:i}", "payment_id", fresh_id(x), "order_id", oid, "owner_id",
                                        o.id, "amount_fen", 30000),
         1, 0},
        {"payment.failed", json_pack("{s:s,s:s,s:s,s:i,s:s}", "payment_id", fresh_id(x), "order_id", oid, "owner_id",
                                     o.id, "amount_fen", 30000, "reason", "card declined"),
         1, 0},
        {"order.accepted", order_event(oid, &o, &p, "confirmed", NULL), 1, 0},
        {"order.checked_in", order_event(oid, &o, &p, "in_care", NULL), 1, 0},
        {"care_log.added", json_pack("{s:s,s:s,s:s,s:s,s:s,s:s}", "order_id", oid, "owner_id", o.id, "provider_id",
                                     p.id, "entry_id", fresh_id(x), "date", "2026-11-23", "summary", "吃得很好，散步两次"),
         1, 0},
        {"order.completed", order_event(oid, &o, &p, "completed", json_pack("{s:s}", "completed_at",
                                                                             "2026-11-25T03:00:00.000Z")),
         1, 1},
        {"review.posted", json_pack("{s:s,s:s,s:s,s:s,s:s,s:i}", "review_id", fresh_id(x), "order_id", oid,
                                    "listing_id", fresh_id(y), "provider_id", p.id, "owner_id", o.id, "rating", 5),
         0, 1},
        {"review.replied", json_pack("{s:s,s:s,s:s,s:s}", "review_id", x, "listing_id", y, "provider_id", p.id,
                                     "owner_id", o.id),
         1, 0},
        {"review.hidden", json_pack("{s:s,s:s,s:s,s:s}", "review_id", x, "listing_id", y, "owner_id", o.id, "reason",
                                    "含有辱骂内容"),
         1, 0},
        /* a second order for the exits */
        {"order.rejected", order_event(fresh_id(x), &o, &p, "rejected", json_pack("{s:s,s:s}", "by", "provider",
                                                                                  "reason", "那几天满了")),
         1, 0},
        {"order.rejected", order_event(fresh_id(x), &o, &p, "rejected", json_pack("{s:s,s:n}", "by", "timeout",
                                                                                  "reason")),
         1, 1},
        {"order.expired", order_event(fresh_id(x), &o, &p, "expired", NULL), 1, 0},
        {"order.cancelled", order_event(fresh_id(x), &o, &p, "cancelled", json_pack("{s:s,s:i}", "by", "owner",
                                                                                    "refund_fen", 15000)),
         1, 1},
        {"order.cancelled", order_event(fresh_id(x), &o, &p, "cancelled", json_pack("{s:s,s:i}", "by", "provider",
                                                                                    "refund_fen", 30000)),
         1, 1},
        {"refund.succeeded", json_pack("{s:s,s:s,s:s,s:s,s:i}", "refund_id", fresh_id(x), "payment_id", fresh_id(y),
                                       "order_id", oid, "owner_id", o.id, "amount_fen", 15000),
         1, 0},
    };
    size_t want_o = 0, want_p = 0;
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
        struct step *s = &steps[i];
        char ev[IDS_STR_LEN];
        const char *source = strncmp(s->type, "order.", 6) == 0 || strncmp(s->type, "care_log", 8) == 0 ? "order"
                             : strncmp(s->type, "payment", 7) == 0 || strncmp(s->type, "refund", 6) == 0 ? "payment"
                             : strncmp(s->type, "review", 6) == 0 ? "review"
                             : strncmp(s->type, "listing", 7) == 0 ? "boarding"
                                                                    : "user";
        long long t0 = e2e_now_ms();
        e2e_publish_event(source, s->type, json_deep_copy(s->data), ev);
        e2e_publish_event_id(source, s->type, s->data, ev); /* the same event again */
        want_o += (size_t)s->to_owner;
        want_p += (size_t)s->to_provider;
        if (!wait_count(&o, want_o, 2000) || !wait_count(&p, want_p, 2000))
            fail_msg("%s (step %zu) did not arrive within 2 s: owner %zu/%zu, provider %zu/%zu", s->type, i,
                     inbox_count(&o), want_o, inbox_count(&p), want_p);
        assert_true(e2e_now_ms() - t0 < 2000);
        /* the newest of each recipient is of this type, written in Chinese */
        const struct e2e_user *who[2] = {&o, &p};
        int got[2] = {s->to_owner, s->to_provider};
        for (int k = 0; k < 2; k++) {
            if (!got[k])
                continue;
            json_t *a = inbox(who[k]);
            json_t *first = json_array_get(a, 0);
            assert_string_equal(json_string_value(json_object_get(first, "type")), s->type);
            assert_true(has_cjk(json_string_value(json_object_get(first, "title"))));
            assert_true(has_cjk(json_string_value(json_object_get(first, "body"))));
            assert_false(json_is_true(json_object_get(first, "read")));
            assert_true(json_is_object(json_object_get(first, "data")));
            if (strncmp(s->type, "order.", 6) == 0)
                assert_non_null(json_string_value(json_object_get(json_object_get(first, "data"), "order_id")));
            json_decref(a);
        }
    }
    usleep(300000); /* nothing more comes: each exactly once */
    assert_int_equal(inbox_count(&o), want_o);
    assert_int_equal(inbox_count(&p), want_p);
    assert_int_equal(inbox_count(&other), 0);
    /* the link data names what the client can open */
    json_t *a = inbox(&o);
    size_t i;
    json_t *it;
    bool saw_care = false;
    json_array_foreach(a, i, it)
    {
        if (strcmp(json_string_value(json_object_get(it, "type")), "care_log.added") == 0) {
            json_t *d = json_object_get(it, "data");
            assert_string_equal(json_string_value(json_object_get(d, "order_id")), oid);
            assert_string_equal(json_string_value(json_object_get(d, "date")), "2026-11-23");
            assert_non_null(strstr(json_string_value(json_object_get(it, "body")), "吃得很好"));
            saw_care = true;
        }
    }
    assert_true(saw_care);
    json_decref(a);
}

/* A payment prompt that arrives after the order was paid is dropped; the news is not. */
static void late_prompts_are_dropped(void **state)
{
    (void)state;
    struct e2e_user o, p;
    e2e_user_new(&o, "owner");
    e2e_user_new(&p, "provider");
    char oid[IDS_STR_LEN];
    fresh_id(oid);
    e2e_publish_event("order", "order.accepted", order_event(oid, &o, &p, "confirmed", NULL), NULL);
    assert_true(wait_count(&o, 1, 2000));
    e2e_publish_event("order", "order.created", order_event(oid, &o, &p, "pending_payment", NULL), NULL);
    e2e_publish_event("order", "order.paid",
                      order_event(oid, &o, &p, "paid",
                                  json_pack("{s:s,s:s}", "payment_id", "1", "accept_before", "2099-01-01T00:00:00Z")),
                      NULL);
    assert_true(wait_count(&o, 2, 2000)); /* "payment received" still tells the owner something true */
    usleep(300000);
    assert_int_equal(count_type(&o, "order.created"), 0);
    assert_int_equal(count_type(&o, "order.paid"), 1);
    assert_int_equal(inbox_count(&p), 0); /* no "accept before" for an order already accepted */
}

/* The same out-of-order events queued while the service is stopped, so that they are taken in
 * one batch with another order's: each event is judged against the order as the events before
 * it left it (the late prompts dropped), the other order's prompts are not, every recipient's
 * ids follow the events' order, and the order view ends at the furthest status. */
static void late_prompts_in_one_batch_are_dropped(void **state)
{
    (void)state;
    struct e2e_user o, p, o2, p2;
    e2e_user_new(&o, "owner");
    e2e_user_new(&p, "provider");
    e2e_user_new(&o2, "owner");
    e2e_user_new(&p2, "provider");
    char oid[IDS_STR_LEN], oid2[IDS_STR_LEN], x[IDS_STR_LEN];
    fresh_id(oid);
    fresh_id(oid2);
    json_t *paid_extra = json_pack("{s:s,s:s}", "payment_id", fresh_id(x), "accept_before", "2099-01-01T00:00:00Z");
    e2e_stack_service("notification", "stop", NULL);
    e2e_publish_event("order", "order.created", order_event(oid2, &o2, &p2, "pending_payment", NULL), NULL);
    e2e_publish_event("order", "order.accepted", order_event(oid, &o, &p, "confirmed", NULL), NULL);
    e2e_publish_event("order", "order.created", order_event(oid, &o, &p, "pending_payment", NULL), NULL);
    e2e_publish_event("order", "order.paid", order_event(oid, &o, &p, "paid", json_deep_copy(paid_extra)), NULL);
    e2e_publish_event("order", "order.paid", order_event(oid2, &o2, &p2, "paid", paid_extra), NULL);
    e2e_stack_service("notification", "start", NULL);
    assert_true(wait_count(&o, 2, 20000));
    assert_true(wait_count(&o2, 2, 20000));
    assert_true(wait_count(&p2, 1, 20000));
    usleep(300000);
    assert_true(e2e_metric("notification", "pb_events_batches_total{service=\"notification\"") > 0);
    assert_int_equal(count_type(&o, "order.accepted"), 1);
    assert_int_equal(count_type(&o, "order.created"), 0); /* "pay before": the order was accepted */
    assert_int_equal(count_type(&o, "order.paid"), 1);
    assert_int_equal(inbox_count(&p), 0); /* no "accept before" for an order already accepted */
    /* the other order, in order, prompts as usual */
    assert_int_equal(count_type(&o2, "order.created"), 1);
    assert_int_equal(count_type(&o2, "order.paid"), 1);
    assert_int_equal(count_type(&p2, "order.paid"), 1);
    json_t *a = inbox(&o2); /* newest first: paid, then created */
    assert_int_equal(json_array_size(a), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(a, 0), "type")), "order.paid");
    assert_string_equal(json_string_value(json_object_get(json_array_get(a, 1), "type")), "order.created");
    assert_true(strtoull(json_string_value(json_object_get(json_array_get(a, 0), "id")), NULL, 10) >
                strtoull(json_string_value(json_object_get(json_array_get(a, 1), "id")), NULL, 10));
    json_decref(a);
    const char *sql = "SELECT status_rank FROM pb_notification.order_view WHERE id = ?";
    assert_int_equal(e2e_db_int(sql, "u", strtoull(oid, NULL, 10)), 3); /* confirmed */
    assert_int_equal(e2e_db_int(sql, "u", strtoull(oid2, NULL, 10)), 2); /* paid */
    assert_int_equal(e2e_db_int("SELECT COUNT(*) FROM pb_notification.order_view WHERE id = ? AND status = 'confirmed' "
                                "AND listing_title = '阳光宠物之家' AND start_date IS NOT NULL AND total_fen = 30000",
                                "u", strtoull(oid, NULL, 10)),
                     1);
}

/* The same event delivered twice by the stream (a new message id, as after a publisher
 * crash outside the duplicate window) is written once: processed_event. */
static void a_redelivered_event_is_written_once(void **state)
{
    (void)state;
    struct e2e_user o;
    e2e_user_new(&o, "owner");
    char url[64], eid[IDS_STR_LEN], pid[IDS_STR_LEN];
    const char *port = getenv("PB_NATS_PORT");
    snprintf(url, sizeof url, "nats://127.0.0.1:%s", port ? port : "14222");
    struct bus *b = bus_new(url);
    for (int i = 0; i < 100 && !bus_connected(b); i++)
        usleep(50000);
    double dups0 = e2e_metric("notification", "pb_events_duplicates_total{service=\"notification\",consumer=\"notification\"}");
    json_t *data = json_pack("{s:s,s:s,s:s,s:i}", "payment_id", fresh_id(pid), "order_id", "1", "owner_id", o.id,
                             "amount_fen", 100);
    json_t *env = events_envelope(ids_next(), "payment.succeeded", 1, time_now_ms(), "payment", "e2e", data);
    char *payload = json_dumps(env, JSON_COMPACT);
    for (int i = 0; i < 3; i++) /* three message ids, one event id */
        assert_int_equal(bus_publish(b, "petboarding.payment.succeeded", fresh_id(eid), payload, strlen(payload), 5000),
                         ERR_OK);
    assert_true(wait_count(&o, 1, 2000));
    long long t0 = e2e_now_ms();
    while (e2e_metric("notification", "pb_events_duplicates_total{service=\"notification\",consumer=\"notification\"}") <
               dups0 + 2 &&
           e2e_now_ms() - t0 < 3000)
        usleep(50000);
    /* the consumer saw all three and recognised two as processed before */
    assert_true(e2e_metric("notification",
                           "pb_events_duplicates_total{service=\"notification\",consumer=\"notification\"}") >=
                dups0 + 2);
    assert_int_equal(inbox_count(&o), 1);
    assert_int_equal(unread_count(&o), 1);
    free(payload);
    json_decref(env);
    json_decref(data);
    bus_free(b);
}

/* ---------- language ---------- */

static void english_for_users_who_chose_it_chinese_when_unsure(void **state)
{
    (void)state;
    struct e2e_user en, zh, fallback;
    e2e_user_new(&en, "owner");
    e2e_user_new(&zh, "provider");
    e2e_user_new(&fallback, "owner");
    struct e2e_user *ens[2] = {&en, &fallback};
    for (int i = 0; i < 2; i++) {
        struct resp *r = e2e_call("PATCH", "/api/v1/users/me", ens[i]->token, json_pack("{s:s}", "lang", "en"));
        EXPECT_STATUS(r, 200);
        e2e_resp_free(r);
    }
    char oid[IDS_STR_LEN];
    e2e_publish_event("order", "order.paid",
                      order_event(fresh_id(oid), &en, &zh, "paid",
                                  json_pack("{s:s,s:s}", "payment_id", "1", "accept_before", "2099-01-01T00:00:00Z")),
                      NULL);
    assert_true(wait_count(&en, 1, 2000) && wait_count(&zh, 1, 2000));
    json_t *a = inbox(&en);
    assert_string_equal(json_string_value(json_object_get(json_array_get(a, 0), "title")), "Payment received");
    assert_non_null(strstr(json_string_value(json_object_get(json_array_get(a, 0), "body")), "¥300.00"));
    json_decref(a);
    a = inbox(&zh);
    assert_string_equal(json_string_value(json_object_get(json_array_get(a, 0), "title")), "新的预订请求");
    json_decref(a);
    /* the user service down: the notification still comes, in Chinese */
    e2e_stack_service("user", "stop", NULL);
    e2e_publish_event("payment", "payment.succeeded",
                      json_pack("{s:s,s:s,s:s,s:i}", "payment_id", "2", "order_id", oid, "owner_id", fallback.id,
                                "amount_fen", 30000),
                      NULL);
    bool arrived = wait_count(&fallback, 1, 3000);
    e2e_stack_service("user", "start", NULL);
    assert_true(arrived);
    a = inbox(&fallback);
    assert_string_equal(json_string_value(json_object_get(json_array_get(a, 0), "title")), "支付成功");
    json_decref(a);
}

/* ---------- batches: one round trip to Redis per step ---------- */

/* The replies of a pipeline come in order, an error reply takes only its own place, and a
 * connection the server dropped fails that one pipeline (nothing sent again) and is replaced
 * at the next use. */
static void cache_pipeline_in_order_and_reconnects(void **state)
{
    (void)state;
    signal(SIGPIPE, SIG_IGN); /* a write to the dropped connection must fail, not end the test */
    const char *port = getenv("PB_REDIS_PORT");
    struct cache_opts o = {.host = "127.0.0.1", .port = (unsigned)atoi(port ? port : "16379"), .pool_size = 1};
    struct cache *c = cache_new(&o);
    assert_non_null(c);
    char key[64];
    e2e_unique_name(key, sizeof key, "pb:test:pipeline:");
    const char *set[] = {"SET", key, "v"}, *incr[] = {"INCR", key}, *get[] = {"GET", key}, *id[] = {"CLIENT", "ID"};
    const struct cache_argv_cmd cmds[] = {{3, set, NULL}, {2, incr, NULL}, {2, get, NULL}, {2, id, NULL}};
    redisReply *r[4];
    assert_int_equal(cache_pipeline(c, 0, cmds, r), 0);
    assert_int_equal(cache_pipeline(c, 4, cmds, r), 3);
    assert_non_null(r[0]);
    assert_int_equal(r[0]->type, REDIS_REPLY_STATUS);
    assert_null(r[1]); /* "not an integer": its own place only */
    assert_non_null(r[2]);
    assert_string_equal(r[2]->str, "v");
    assert_non_null(r[3]);
    assert_int_equal(r[3]->type, REDIS_REPLY_INTEGER);
    char kill[96];
    snprintf(kill, sizeof kill, "CLIENT KILL ID %lld", r[3]->integer);
    for (int i = 0; i < 4; i++)
        if (r[i])
            freeReplyObject(r[i]);
    free(redis_cli(kill));
    /* the pool's one connection is gone: this pipeline fails whole, and is not sent again */
    const char *set2[] = {"SET", key, "w"};
    const struct cache_argv_cmd again[] = {{3, set2, NULL}, {2, get, NULL}};
    assert_int_equal(cache_pipeline(c, 2, again, r), 0);
    assert_null(r[0]);
    assert_null(r[1]);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "GET %s", key);
    char *v = redis_cli(cmd);
    assert_string_equal(v, "v");
    free(v);
    /* the next one reconnects */
    assert_int_equal(cache_pipeline(c, 2, again, r), 2);
    assert_string_equal(r[1]->str, "w");
    freeReplyObject(r[0]);
    freeReplyObject(r[1]);
    snprintf(cmd, sizeof cmd, "DEL %s", key);
    free(redis_cli(cmd));
    cache_free(c);
}

struct many {
    const struct e2e_user *u;
    int n;
};

static bool each_has(void *arg)
{
    const struct many *m = arg;
    for (int i = 0; i < m->n; i++)
        if (inbox_count(&m->u[i]) < 10)
            return false;
    return true;
}

/* A backlog consumed in batches of many users' events, with an event delivered twice among
 * them: every counter moves by exactly what was written, and no busy mark is left behind. */
static void a_batch_moves_every_counter_once(void **state)
{
    (void)state;
    struct e2e_user u[4];
    char key[96];
    for (int i = 0; i < 4; i++) {
        e2e_user_new(&u[i], "owner");
        assert_int_equal(unread_count(&u[i]), 0); /* the counter exists: batches move it */
        snprintf(key, sizeof key, "GET pb:notif:unread:%s", u[i].id);
        char *v = redis_cli(key);
        assert_string_equal(v, "0");
        free(v);
    }
    e2e_stack_service("notification", "stop", NULL);
    char x[IDS_STR_LEN], twice[IDS_STR_LEN] = "";
    for (int k = 0; k < 10; k++)
        for (int i = 0; i < 4; i++) {
            json_t *d = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s}", "order_id", "1", "owner_id", u[i].id, "provider_id", "2",
                                  "entry_id", fresh_id(x), "date", "2026-11-23", "summary", "ok");
            json_t *copy = k == 3 && i == 1 ? json_deep_copy(d) : NULL;
            e2e_publish_event("order", "care_log.added", d, copy ? twice : NULL);
            if (copy) /* the same event again, as a publisher retrying it would */
                e2e_publish_event_id("order", "care_log.added", copy, twice);
        }
    e2e_stack_service("notification", "start", NULL);
    struct many m = {u, 4};
    assert_true(e2e_eventually(each_has, &m, 20000));
    usleep(300000);
    /* counted since the start: the backlog went in batches */
    assert_true(e2e_metric("notification", "pb_events_batches_total{service=\"notification\"") > 0);
    for (int i = 0; i < 4; i++) {
        assert_int_equal(inbox_count(&u[i]), 10);
        snprintf(key, sizeof key, "GET pb:notif:unread:%s", u[i].id);
        char *v = redis_cli(key);
        assert_string_equal(v, "10"); /* moved, not rebuilt */
        free(v);
        assert_int_equal(unread_count(&u[i]), 10);
        snprintf(key, sizeof key, "EXISTS pb:notif:unread:%s:busy", u[i].id);
        v = redis_cli(key);
        assert_string_equal(v, "0");
        free(v);
    }
}

struct stored {
    const char *uid;
    long long n;
};

static bool db_has_care_logs(void *arg)
{
    const struct stored *w = arg;
    return db_count_type(w->uid, "care_log.added") >= w->n;
}

/* Every service answers /readyz with 200: its Redis pool has met the restarted server (the
 * connections the stop broke are replaced), so what runs next finds the stack whole. */
static bool all_ready(void *arg)
{
    (void)arg;
    for (const char *const *n = svc_names(); *n; n++) {
        struct resp *r = e2e_service(*n, "GET", "/readyz", NULL);
        bool ok = r->status == 200;
        e2e_resp_free(r);
        if (!ok)
            return false;
    }
    return true;
}

/* n care-log events for owner (a fresh entry each), published straight to JetStream. */
static void publish_care_logs(const char *owner, int n)
{
    char x[IDS_STR_LEN];
    for (int i = 0; i < n; i++)
        e2e_publish_event("order", "care_log.added",
                          json_pack("{s:s,s:s,s:s,s:s,s:s,s:s}", "order_id", "1", "owner_id", owner, "provider_id", "2",
                                    "entry_id", fresh_id(x), "date", "2026-11-23", "summary", "ok"),
                          NULL);
}

/* Redis down while events are consumed: every notification is still written (languages from
 * the user service, counters left to be rebuilt), and the counter is right once Redis is back. */
static void a_redis_outage_loses_no_notification(void **state)
{
    (void)state;
    struct e2e_user o;
    e2e_user_new(&o, "owner");
    e2e_stack_infra("redis", "stop");
    publish_care_logs(o.id, 5);
    struct stored w = {o.id, 5};
    bool written = e2e_eventually(db_has_care_logs, &w, 20000);
    e2e_stack_infra("redis", "start");
    assert_true(written);
    assert_true(e2e_eventually(all_ready, NULL, 10000));
    assert_int_equal(db_count_type(o.id, "care_log.added"), 5);
    assert_int_equal(unread_count(&o), 5);
    assert_int_equal(inbox_count(&o), 5);
}

/* ---------- the service down or killed ---------- */

static void events_wait_while_the_service_is_stopped(void **state)
{
    (void)state;
    struct e2e_user o;
    e2e_user_new(&o, "owner");
    e2e_stack_service("notification", "stop", NULL);
    publish_care_logs(o.id, 3);
    usleep(500000);
    struct resp *r = e2e_call("GET", "/api/v1/notifications", o.token, NULL);
    EXPECT_STATUS(r, 503); /* the gateway: nobody answers */
    e2e_resp_free(r);
    e2e_stack_service("notification", "start", NULL);
    assert_true(wait_count(&o, 3, 5000));
    usleep(300000);
    assert_int_equal(inbox_count(&o), 3);
}

struct burst {
    const struct e2e_user *o;
    int n;
};

static void publish_burst(int i, void *arg)
{
    (void)i;
    struct burst *b = arg;
    char x[IDS_STR_LEN], summary[32];
    for (int k = 0; k < b->n; k++) {
        snprintf(summary, sizeof summary, "entry %d", k);
        e2e_publish_event("order", "care_log.added",
                          json_pack("{s:s,s:s,s:s,s:s,s:s,s:s}", "order_id", "1", "owner_id", b->o->id, "provider_id",
                                    "2", "entry_id", fresh_id(x), "date", "2026-11-23", "summary", summary),
                          NULL);
        usleep(4000);
    }
}

static void *burst_main(void *arg)
{
    publish_burst(0, arg);
    return NULL;
}

static void killing_the_consumer_mid_burst_loses_and_repeats_nothing(void **state)
{
    (void)state;
    struct e2e_user o;
    e2e_user_new(&o, "owner");
    struct burst b = {&o, 50};
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, burst_main, &b), 0);
    bool started = wait_count(&o, 3, 5000);
    e2e_stack_service("notification", "kill", NULL); /* kill -9 while the burst is being consumed */
    pthread_join(th, NULL);
    e2e_stack_service("notification", "start", NULL);
    assert_true(started);
    /* fetched but unacknowledged events come back after the ack wait (10 s) */
    assert_true(wait_count(&o, 50, 30000));
    usleep(500000);
    json_t *a = inbox(&o), *it;
    size_t i;
    assert_int_equal(json_array_size(a), 50);
    int seen[50] = {0};
    json_array_foreach(a, i, it)
    {
        const char *e = strstr(json_string_value(json_object_get(it, "body")), "entry ");
        assert_non_null(e);
        int k = atoi(e + 6);
        if (k < 0 || k >= 50)
            fail_msg("unexpected body %s", e);
        else
            seen[k]++;
    }
    for (int k = 0; k < 50; k++)
        assert_int_equal(seen[k], 1);
    json_decref(a);
    assert_int_equal(unread_count(&o), 50);
}

/* ---------- the unread counter ---------- */

static void care_log_for(const struct e2e_user *o, int n)
{
    char x[IDS_STR_LEN];
    for (int i = 0; i < n; i++)
        e2e_publish_event("order", "care_log.added",
                          json_pack("{s:s,s:s,s:s,s:s,s:s,s:s}", "order_id", "1", "owner_id", o->id, "provider_id", "2",
                                    "entry_id", fresh_id(x), "date", "2026-11-23", "summary", "ok"),
                          NULL);
}

static struct resp *mark_read(const struct e2e_user *u, const char *id)
{
    char path[128];
    snprintf(path, sizeof path, "/api/v1/notifications/%s/read", id);
    return e2e_call("POST", path, u->token, NULL);
}

struct racer {
    const struct e2e_user *u;
};

/* thread 0 publishes 20 events; the others keep marking unread notifications read */
static void race(int i, void *arg)
{
    struct racer *x = arg;
    if (i == 0) {
        care_log_for(x->u, 20);
        return;
    }
    for (int round = 0; round < 15; round++) {
        json_t *a = inbox_q(x->u, "&unread=true"), *it;
        size_t k;
        json_array_foreach(a, k, it)
        {
            if ((k + (size_t)i) % 3)
                continue;
            struct resp *r = mark_read(x->u, json_string_value(json_object_get(it, "id")));
            e2e_resp_free(r);
        }
        json_decref(a);
        if (i == 1 && round % 5 == 4) {
            struct resp *r = e2e_call("POST", "/api/v1/notifications/read-all", x->u->token, NULL);
            e2e_resp_free(r);
        }
        usleep(20000);
    }
}

static long long unread_in_inbox(const struct e2e_user *u)
{
    json_t *a = inbox_q(u, "&unread=true");
    long long n = (long long)json_array_size(a);
    json_decref(a);
    return n;
}

static void the_unread_counter_matches_the_inbox(void **state)
{
    (void)state;
    struct e2e_user u;
    e2e_user_new(&u, "owner");
    assert_int_equal(unread_count(&u), 0);
    care_log_for(&u, 5);
    assert_true(wait_count(&u, 5, 2000));
    assert_int_equal(unread_count(&u), 5);
    char key[64];
    snprintf(key, sizeof key, "GET pb:notif:unread:%s", u.id);
    char *v = redis_cli(key);
    assert_string_equal(v, "5"); /* served from Redis */
    free(v);
    json_t *a = inbox(&u);
    const char *id = json_string_value(json_object_get(json_array_get(a, 2), "id"));
    struct resp *r = mark_read(&u, id);
    EXPECT_STATUS(r, 200);
    assert_string_equal(e2e_str(r, "id"), id);
    assert_true(json_is_true(e2e_get(r, "read")));
    e2e_resp_free(r);
    assert_int_equal(unread_count(&u), 4);
    r = mark_read(&u, id); /* again: nothing changes */
    EXPECT_STATUS(r, 200);
    e2e_resp_free(r);
    assert_int_equal(unread_count(&u), 4);
    json_decref(a);
    a = inbox_q(&u, "&unread=true");
    assert_int_equal(json_array_size(a), 4);
    json_decref(a);
    r = e2e_call("POST", "/api/v1/notifications/read-all", u.token, NULL);
    EXPECT_STATUS(r, 200);
    assert_int_equal(e2e_int(r, "updated"), 4);
    e2e_resp_free(r);
    assert_int_equal(unread_count(&u), 0);
    r = e2e_call("POST", "/api/v1/notifications/read-all", u.token, NULL);
    EXPECT_STATUS(r, 200);
    assert_int_equal(e2e_int(r, "updated"), 0);
    e2e_resp_free(r);
    a = inbox(&u);
    size_t i;
    json_t *it;
    json_array_foreach(a, i, it)
    {
        assert_true(json_is_true(json_object_get(it, "read")));
    }
    json_decref(a);
    care_log_for(&u, 2);
    assert_true(wait_count(&u, 7, 2000));
    assert_int_equal(unread_count(&u), 2);
    /* the key lost (evicted, flushed): rebuilt from MariaDB */
    snprintf(key, sizeof key, "DEL pb:notif:unread:%s", u.id);
    free(redis_cli(key));
    assert_int_equal(unread_count(&u), 2);
    snprintf(key, sizeof key, "GET pb:notif:unread:%s", u.id);
    v = redis_cli(key);
    assert_string_equal(v, "2");
    free(v);
    /* writers and readers at once: the counter ends where the inbox is */
    struct racer x = {&u};
    e2e_parallel(4, race, &x);
    assert_true(wait_count(&u, 27, 5000));
    usleep(300000);
    assert_int_equal(unread_count(&u), unread_in_inbox(&u));
    r = e2e_call("POST", "/api/v1/notifications/read-all", u.token, NULL);
    e2e_resp_free(r);
    assert_int_equal(unread_count(&u), 0);
    assert_int_equal(unread_in_inbox(&u), 0);
}

/* ---------- pages and bad input ---------- */

static void pages_newest_first_without_repeats_or_skips(void **state)
{
    (void)state;
    struct e2e_user u;
    e2e_user_new(&u, "owner");
    care_log_for(&u, 25);
    assert_true(wait_count(&u, 25, 3000));
    char path[256], cursor[32] = "";
    size_t sizes[3], total = 0;
    uint64_t prev = UINT64_MAX;
    for (int page = 0; page < 3; page++) {
        snprintf(path, sizeof path, "/api/v1/notifications?limit=10%s%s", cursor[0] ? "&cursor=" : "", cursor);
        struct resp *r = e2e_call("GET", path, u.token, NULL);
        EXPECT_STATUS(r, 200);
        json_t *items = e2e_get(r, "items"), *it;
        size_t i;
        sizes[page] = json_array_size(items);
        json_array_foreach(items, i, it)
        {
            uint64_t id = strtoull(json_string_value(json_object_get(it, "id")), NULL, 10);
            assert_true(id < prev); /* strictly newer to older: no repeat */
            prev = id;
            total++;
            assert_non_null(json_string_value(json_object_get(it, "created_at")));
        }
        const char *next = e2e_str(r, "next_cursor");
        snprintf(cursor, sizeof cursor, "%s", next ? next : "");
        if (page == 2)
            assert_true(json_is_null(e2e_get(r, "next_cursor")));
        e2e_resp_free(r);
    }
    assert_int_equal(sizes[0], 10);
    assert_int_equal(sizes[1], 10);
    assert_int_equal(sizes[2], 5);
    assert_int_equal(total, 25);
    /* the default page is 20; unread=true filters */
    struct resp *r = e2e_call("GET", "/api/v1/notifications", u.token, NULL);
    assert_int_equal(json_array_size(e2e_get(r, "items")), 20);
    const char *newest = json_string_value(json_object_get(json_array_get(e2e_get(r, "items"), 0), "id"));
    struct resp *m = mark_read(&u, newest);
    EXPECT_STATUS(m, 200);
    e2e_resp_free(m);
    e2e_resp_free(r);
    json_t *a = inbox_q(&u, "&unread=true");
    assert_int_equal(json_array_size(a), 24);
    json_decref(a);
    a = inbox_q(&u, "&unread=false");
    assert_int_equal(json_array_size(a), 25);
    json_decref(a);
    const char *bad[] = {"?limit=0", "?limit=101", "?limit=abc", "?cursor=junk", "?cursor=", "?unread=yes",
                         "?unread=1", NULL};
    for (int i = 0; bad[i]; i++) {
        snprintf(path, sizeof path, "/api/v1/notifications%s", bad[i]);
        r = e2e_call("GET", path, u.token, NULL);
        EXPECT_ERROR(r, 422, "validation_failed");
        e2e_resp_free(r);
    }
}

static void authorization_matrix_and_other_users_notifications(void **state)
{
    (void)state;
    struct e2e_user o, p, admin, other;
    e2e_user_new(&o, "owner");
    e2e_user_new(&p, "provider"); /* not approved: approval itself would notify */
    e2e_admin(&admin);
    e2e_user_new(&other, "owner");
    care_log_for(&o, 1);
    assert_true(wait_count(&o, 1, 2000));
    json_t *a = inbox(&o);
    char id[32];
    snprintf(id, sizeof id, "%s", json_string_value(json_object_get(json_array_get(a, 0), "id")));
    json_decref(a);
    /* anonymous: 401 everywhere */
    char read_path[96];
    snprintf(read_path, sizeof read_path, "/api/v1/notifications/%s/read", id);
    const char *const calls[][2] = {{"GET", "/api/v1/notifications"},
                                    {"GET", "/api/v1/notifications/unread-count"},
                                    {"POST", "/api/v1/notifications/read-all"},
                                    {"POST", read_path},
                                    {"GET", "/api/v1/notifications/stream"}};
    for (size_t i = 0; i < sizeof calls / sizeof calls[0]; i++) {
        struct resp *r = e2e_call(calls[i][0], calls[i][1], NULL, NULL);
        EXPECT_ERROR(r, 401, "unauthenticated");
        e2e_resp_free(r);
        r = e2e_call(calls[i][0], calls[i][1], "not-a-token", NULL);
        EXPECT_ERROR(r, 401, "unauthenticated");
        e2e_resp_free(r);
    }
    /* every role reads its own (empty) inbox */
    const struct e2e_user *roles[] = {&p, &admin, &other};
    for (int i = 0; i < 3; i++) {
        struct resp *r = e2e_call("GET", "/api/v1/notifications/unread-count", roles[i]->token, NULL);
        EXPECT_STATUS(r, 200);
        e2e_resp_free(r);
        r = e2e_call("GET", "/api/v1/notifications", roles[i]->token, NULL);
        EXPECT_STATUS(r, 200);
        if (roles[i] == &other)
            assert_int_equal(json_array_size(e2e_get(r, "items")), 0);
        e2e_resp_free(r);
    }
    /* someone else's notification: 404, like one that does not exist, and it stays unread */
    struct resp *r = mark_read(&other, id);
    EXPECT_ERROR(r, 404, "not_found");
    e2e_resp_free(r);
    r = mark_read(&admin, id);
    EXPECT_ERROR(r, 404, "not_found");
    e2e_resp_free(r);
    assert_int_equal(unread_count(&o), 1);
    char missing[IDS_STR_LEN];
    const char *junk[] = {fresh_id(missing), "abc", "0", "-5", NULL};
    for (int i = 0; junk[i]; i++) {
        r = mark_read(&o, junk[i]);
        EXPECT_ERROR(r, 404, "not_found");
        e2e_resp_free(r);
    }
    /* read-all of another user leaves this one alone */
    r = e2e_call("POST", "/api/v1/notifications/read-all", other.token, NULL);
    EXPECT_STATUS(r, 200);
    assert_int_equal(e2e_int(r, "updated"), 0);
    e2e_resp_free(r);
    assert_int_equal(unread_count(&o), 1);
    r = mark_read(&o, id);
    EXPECT_STATUS(r, 200);
    e2e_resp_free(r);
    /* a logged-out token is refused */
    struct e2e_user gone;
    e2e_user_new(&gone, "owner");
    r = e2e_call("POST", "/api/v1/auth/logout", gone.token, json_pack("{}"));
    EXPECT_STATUS(r, 204);
    e2e_resp_free(r);
    r = e2e_call("GET", "/api/v1/notifications", gone.token, NULL);
    EXPECT_ERROR(r, 401, "unauthenticated");
    e2e_resp_free(r);
}

/* ---------- Server-Sent Events ---------- */

#define SSE_MAX 256

struct sse_ev {
    char id[24], event[32];
    char *data;
};

/* A small EventSource: curl_easy_perform on a thread, events collected by the write
 * callback, stopped through the progress callback. */
struct sse {
    pthread_t th;
    char url[4096];
    struct curl_slist *headers;
    atomic_bool stop, connected, done;
    long status;
    pthread_mutex_t mu;
    struct sse_ev ev[SSE_MAX];
    size_t n;
    int heartbeats;
    char *buf;
    size_t len;
};

/* One block (the text between blank lines). */
static void sse_block(struct sse *c, char *block)
{
    struct sse_ev e = {"", "", NULL};
    bool data = false, beat = false;
    for (char *save = NULL, *line = strtok_r(block, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        if (strncmp(line, "id: ", 4) == 0)
            snprintf(e.id, sizeof e.id, "%s", line + 4);
        else if (strncmp(line, "event: ", 7) == 0)
            snprintf(e.event, sizeof e.event, "%s", line + 7);
        else if (strncmp(line, "data: ", 6) == 0) {
            free(e.data);
            e.data = strdup(line + 6); /* one line per event here */
            data = true;
        } else if (line[0] == ':' && strstr(line, "heartbeat"))
            beat = true;
    }
    pthread_mutex_lock(&c->mu);
    if (beat)
        c->heartbeats++;
    if (data && c->n < SSE_MAX)
        c->ev[c->n++] = e;
    else
        free(e.data);
    pthread_mutex_unlock(&c->mu);
}

static size_t sse_write(char *p, size_t size, size_t nmemb, void *ud)
{
    struct sse *c = ud;
    size_t n = size * nmemb;
    char *nb = realloc(c->buf, c->len + n + 1);
    if (!nb)
        return 0;
    c->buf = nb;
    memcpy(c->buf + c->len, p, n);
    c->len += n;
    c->buf[c->len] = 0;
    char *end;
    while ((end = strstr(c->buf, "\n\n"))) {
        *end = 0;
        sse_block(c, c->buf);
        size_t used = (size_t)(end + 2 - c->buf);
        memmove(c->buf, end + 2, c->len - used + 1);
        c->len -= used;
    }
    return n;
}

static size_t sse_header(char *p, size_t size, size_t nmemb, void *ud)
{
    struct sse *c = ud;
    size_t n = size * nmemb;
    if (n > 9 && strncmp(p, "HTTP/", 5) == 0)
        c->status = strtol(strchr(p, ' ') + 1, NULL, 10);
    if (n <= 2 && c->status == 200)
        atomic_store(&c->connected, true); /* the end of the headers */
    return n;
}

static int sse_progress(void *ud, curl_off_t a, curl_off_t b, curl_off_t x, curl_off_t y)
{
    (void)a, (void)b, (void)x, (void)y;
    return atomic_load(&((struct sse *)ud)->stop) ? 1 : 0;
}

static void *sse_main(void *arg)
{
    struct sse *c = arg;
    CURL *h = curl_easy_init();
    curl_easy_setopt(h, CURLOPT_URL, c->url);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, c->headers);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, sse_write);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, c);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, sse_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, c);
    curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, sse_progress);
    curl_easy_setopt(h, CURLOPT_XFERINFODATA, c);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_perform(h);
    curl_easy_cleanup(h);
    atomic_store(&c->done, true);
    return NULL;
}

/* Connect to /api/v1/notifications/stream[query] with the bearer token (NULL: none) and a
 * Last-Event-ID header (NULL: none); waits for the 200 headers. */
static struct sse *sse_open(const char *query, const char *token, const char *last_id)
{
    struct sse *c = calloc(1, sizeof *c);
    pthread_mutex_init(&c->mu, NULL);
    snprintf(c->url, sizeof c->url, "%s/api/v1/notifications/stream%s", e2e_gateway(), query ? query : "");
    char h[2200];
    c->headers = curl_slist_append(NULL, "Accept: text/event-stream");
    if (token) {
        snprintf(h, sizeof h, "Authorization: Bearer %s", token);
        c->headers = curl_slist_append(c->headers, h);
    }
    if (last_id) {
        snprintf(h, sizeof h, "Last-Event-ID: %s", last_id);
        c->headers = curl_slist_append(c->headers, h);
    }
    pthread_create(&c->th, NULL, sse_main, c);
    long long t0 = e2e_now_ms();
    while (!atomic_load(&c->connected) && !atomic_load(&c->done) && e2e_now_ms() - t0 < 5000)
        usleep(10000);
    if (!atomic_load(&c->connected))
        fail_msg("the stream did not open (status %ld)", c->status);
    return c; /* registered for wake-ups before the headers were sent */
}

static void sse_close(struct sse *c)
{
    atomic_store(&c->stop, true);
    pthread_join(c->th, NULL);
    for (size_t i = 0; i < c->n; i++)
        free(c->ev[i].data);
    curl_slist_free_all(c->headers);
    free(c->buf);
    pthread_mutex_destroy(&c->mu);
    free(c);
}

static size_t sse_count(struct sse *c)
{
    pthread_mutex_lock(&c->mu);
    size_t n = c->n;
    pthread_mutex_unlock(&c->mu);
    return n;
}

struct sse_want {
    struct sse *c;
    size_t n;
};

static bool sse_has(void *arg)
{
    struct sse_want *w = arg;
    return sse_count(w->c) >= w->n;
}

static bool sse_wait(struct sse *c, size_t n, long timeout_ms)
{
    struct sse_want w = {c, n};
    return e2e_eventually(sse_has, &w, timeout_ms);
}

/* Event i's notification type (and its JSON id equals the SSE id). */
static void sse_expect(struct sse *c, size_t i, const char *type)
{
    pthread_mutex_lock(&c->mu);
    struct sse_ev e = c->ev[i];
    pthread_mutex_unlock(&c->mu);
    assert_string_equal(e.event, "notification");
    json_t *j = json_loads(e.data, 0, NULL);
    assert_non_null(j);
    assert_string_equal(json_string_value(json_object_get(j, "type")), type);
    assert_string_equal(json_string_value(json_object_get(j, "id")), e.id);
    assert_non_null(json_string_value(json_object_get(j, "title")));
    json_decref(j);
}

static void sse_ids_increase(struct sse *c)
{
    for (size_t i = 1; i < sse_count(c); i++)
        assert_true(strtoull(c->ev[i].id, NULL, 10) > strtoull(c->ev[i - 1].id, NULL, 10));
}

static void booking_step(const char *type, const char *oid, const struct e2e_user *o, const struct e2e_user *p)
{
    char x[IDS_STR_LEN];
    if (strcmp(type, "care_log.added") == 0)
        e2e_publish_event("order", type,
                          json_pack("{s:s,s:s,s:s,s:s,s:s,s:s}", "order_id", oid, "owner_id", o->id, "provider_id",
                                    p->id, "entry_id", fresh_id(x), "date", "2026-11-23", "summary", "开心"),
                          NULL);
    else if (strcmp(type, "payment.succeeded") == 0)
        e2e_publish_event("payment", type,
                          json_pack("{s:s,s:s,s:s,s:i}", "payment_id", fresh_id(x), "order_id", oid, "owner_id", o->id,
                                    "amount_fen", 30000),
                          NULL);
    else if (strcmp(type, "order.paid") == 0)
        e2e_publish_event("order", type,
                          order_event(oid, o, p, "paid",
                                      json_pack("{s:s,s:s}", "payment_id", "1", "accept_before", "2099-01-01T00:00:00Z")),
                          NULL);
    else if (strcmp(type, "order.completed") == 0)
        e2e_publish_event("order", type,
                          order_event(oid, o, p, "completed", json_pack("{s:s}", "completed_at", "2026-11-25T03:00:00Z")),
                          NULL);
    else
        e2e_publish_event("order", type, order_event(oid, o, p, "confirmed", NULL), NULL);
}

static void the_stream_delivers_a_booking_in_order_and_resumes_where_it_left(void **state)
{
    (void)state;
    struct e2e_user o, p;
    e2e_user_new(&o, "owner");
    e2e_user_new(&p, "provider");
    char oid[IDS_STR_LEN];
    fresh_id(oid);
    care_log_for(&o, 2); /* older than the stream: not sent without Last-Event-ID */
    assert_true(wait_count(&o, 2, 2000));
    struct sse *c = sse_open(NULL, o.token, NULL);
    const char *booking[] = {"order.created", "order.paid", "payment.succeeded", "order.accepted",
                             "order.checked_in", "care_log.added"};
    for (size_t i = 0; i < 6; i++) {
        if (strcmp(booking[i], "order.created") == 0)
            e2e_publish_event("order", booking[i], order_event(oid, &o, &p, "pending_payment", NULL), NULL);
        else if (strcmp(booking[i], "order.checked_in") == 0)
            e2e_publish_event("order", booking[i], order_event(oid, &o, &p, "in_care", NULL), NULL);
        else
            booking_step(booking[i], oid, &o, &p);
    }
    assert_true(sse_wait(c, 6, 3000));
    usleep(300000);
    assert_int_equal(sse_count(c), 6);
    for (size_t i = 0; i < 6; i++)
        sse_expect(c, i, booking[i]);
    sse_ids_increase(c);
    /* the stream sent what the inbox holds */
    json_t *a = inbox(&o);
    assert_int_equal(json_array_size(a), 8);
    for (size_t i = 0; i < 6; i++)
        assert_string_equal(json_string_value(json_object_get(json_array_get(a, 5 - i), "id")), c->ev[i].id);
    json_decref(a);
    char last[24];
    snprintf(last, sizeof last, "%s", c->ev[5].id);
    char fifth[24];
    snprintf(fifth, sizeof fifth, "%s", c->ev[4].id);
    sse_close(c);

    /* away: three more */
    booking_step("care_log.added", oid, &o, &p);
    booking_step("care_log.added", oid, &o, &p);
    booking_step("order.completed", oid, &o, &p);
    assert_true(wait_count(&o, 11, 2000));

    /* back with Last-Event-ID: exactly the three, in order, then live ones */
    c = sse_open(NULL, o.token, last);
    assert_true(sse_wait(c, 3, 3000));
    usleep(500000);
    assert_int_equal(sse_count(c), 3);
    sse_expect(c, 0, "care_log.added");
    sse_expect(c, 1, "care_log.added");
    sse_expect(c, 2, "order.completed");
    assert_true(strtoull(c->ev[0].id, NULL, 10) > strtoull(last, NULL, 10));
    sse_ids_increase(c);
    booking_step("care_log.added", oid, &o, &p);
    assert_true(sse_wait(c, 4, 2000));
    sse_expect(c, 3, "care_log.added");
    usleep(300000);
    assert_int_equal(sse_count(c), 4);
    sse_close(c);

    /* EventSource cannot set headers: token and last id in the query */
    char q[2400];
    snprintf(q, sizeof q, "?access_token=%s&last_event_id=%s", o.token, fifth);
    c = sse_open(q, NULL, NULL);
    assert_true(sse_wait(c, 5, 3000)); /* the sixth of the booking, the three, the live one */
    usleep(300000);
    assert_int_equal(sse_count(c), 5);
    assert_string_equal(c->ev[0].id, last);
    sse_ids_increase(c);
    sse_close(c);

    /* the provider's own stream sees none of the owner's */
    struct sse *pc = sse_open(NULL, p.token, "0");
    assert_true(sse_wait(pc, 2, 3000)); /* order.paid and order.completed, from the very first */
    usleep(300000);
    assert_int_equal(sse_count(pc), 2);
    sse_expect(pc, 0, "order.paid");
    sse_expect(pc, 1, "order.completed");
    sse_close(pc);
}

/* Another replica committed a notification and published the user id on pb:notify: this
 * replica's stream reads it from MariaDB. */
static void a_wake_up_from_another_replica_reaches_the_stream(void **state)
{
    (void)state;
    struct e2e_user o;
    e2e_user_new(&o, "owner");
    struct sse *c = sse_open(NULL, o.token, NULL);
    char table[96], sql[512], id[IDS_STR_LEN];
    shard_table(o.id, table, sizeof table);
    snprintf(sql, sizeof sql,
             "INSERT INTO %s (user_id, id, type, title, body, data, is_read, created_ms, source_key, source_ms) "
             "VALUES (?, ?, 'care_log.added', '新的照护日志', 'from replica 2', '{}', 0, ?, ?, ?)",
             table);
    uint64_t nid = ids_next();
    ids_format(nid, id);
    char src[48];
    snprintf(src, sizeof src, "test:%s", id);
    e2e_db_exec(sql, "uuisi", strtoull(o.id, NULL, 10), nid, (int64_t)time_now_ms(), src, (int64_t)time_now_ms());
    usleep(300000);
    assert_int_equal(sse_count(c), 0); /* nobody said so yet (the re-check comes only at the heartbeat) */
    char cmd[96];
    snprintf(cmd, sizeof cmd, "PUBLISH pb:notify %s", o.id);
    free(redis_cli(cmd));
    assert_true(sse_wait(c, 1, 2000));
    assert_string_equal(c->ev[0].id, id);
    sse_close(c);
    snprintf(cmd, sizeof cmd, "DEL pb:notif:unread:%s", o.id); /* it bypassed the counter */
    free(redis_cli(cmd));
}

static void stream_heartbeats_and_refusals(void **state)
{
    (void)state;
    struct e2e_user o;
    e2e_user_new(&o, "owner");
    struct resp *r = e2e_call("GET", "/api/v1/notifications/stream?access_token=garbage", NULL, NULL);
    EXPECT_ERROR(r, 401, "unauthenticated");
    assert_non_null(strstr(r->content_type, "application/json"));
    e2e_resp_free(r);
    r = e2e_call("GET", "/api/v1/notifications/stream", "garbage", NULL);
    EXPECT_ERROR(r, 401, "unauthenticated");
    e2e_resp_free(r);
    r = e2e_call("GET", "/api/v1/notifications/stream?last_event_id=abc", o.token, NULL);
    EXPECT_ERROR(r, 422, "validation_failed");
    assert_non_null(e2e_field_error(r, "last_event_id"));
    e2e_resp_free(r);
    const char *const h[] = {"Last-Event-ID: -1", NULL};
    r = e2e_call_raw("GET", "/api/v1/notifications/stream", o.token, NULL, NULL, 0, h);
    EXPECT_ERROR(r, 422, "validation_failed");
    e2e_resp_free(r);
    /* a quiet stream gets a heartbeat comment every 15 s through the gateway; the stream of
     * a user who logs out ends at the latest at that point */
    struct e2e_user gone;
    e2e_user_new(&gone, "owner");
    static const char DUR[] =
        "pb_http_request_duration_seconds_sum{service=\"notification\",method=\"GET\",route=\"/api/v1/notifications/stream\",status=\"200\"}";
    double dur_before = e2e_metric("notification", DUR);
    struct sse *c = sse_open(NULL, o.token, NULL);
    struct sse *g = sse_open(NULL, gone.token, NULL);
    r = e2e_call("POST", "/api/v1/auth/logout", gone.token, json_pack("{}"));
    EXPECT_STATUS(r, 204);
    e2e_resp_free(r);
    long long t0 = e2e_now_ms();
    while (e2e_now_ms() - t0 < 18000) {
        pthread_mutex_lock(&c->mu);
        int beats = c->heartbeats;
        pthread_mutex_unlock(&c->mu);
        if (beats > 0)
            break;
        usleep(100000);
    }
    assert_true(c->heartbeats > 0);
    assert_true(e2e_now_ms() - t0 >= 13000); /* not before it is due */
    assert_false(atomic_load(&c->done));     /* the gateway did not cut it */
    assert_int_equal(sse_count(c), 0);
    sse_close(c);
    while (!atomic_load(&g->done) && e2e_now_ms() - t0 < 20000)
        usleep(100000);
    assert_true(atomic_load(&g->done)); /* the revoked token's stream was ended */
    assert_int_equal(g->heartbeats, 0);
    sse_close(g);
    /* two streams open for 13 s or more count in the latency histogram with the time they
     * took to start, not their lifetime (else the dashboard's p99 is the streams' length) */
    usleep(300000);
    double dur = e2e_metric("notification", DUR) - dur_before;
    if (!(dur < 2.0))
        fail_msg("the streams counted %.1f s of latency", dur);
}

/* ---------- reminders ---------- */

static long long reminders_of(const char *oid)
{
    return e2e_db_int("SELECT COUNT(*) FROM pb_notification.reminder_sent WHERE order_id = ?", "u",
                      strtoull(oid, NULL, 10));
}

/* Restart the service with its clock offset_s ahead and a quick reminder round. */
static void clock_at(long offset_s)
{
    char off[64];
    snprintf(off, sizeof off, "PB_CLOCK_OFFSET_S=%ld", offset_s);
    const char *env[] = {off, "PB_NOTIFICATION_REMIND_INTERVAL_MS=300", NULL};
    e2e_stack_service("notification", "restart", env);
}

struct db_want {
    const char *uid, *type;
    long long n;
};

static bool db_has(void *arg)
{
    struct db_want *w = arg;
    return db_count_type(w->uid, w->type) >= w->n;
}

static void expect_reminder(const struct e2e_user *u, const char *type, long long n)
{
    struct db_want w = {u->id, type, n};
    if (!e2e_eventually(db_has, &w, 5000))
        fail_msg("%s for user %s: %lld, expected %lld", type, u->id, db_count_type(u->id, type), n);
}

static void reminders_fire_once_at_their_times(void **state)
{
    (void)state;
    struct e2e_user o, p;
    e2e_user_new(&o, "owner");
    e2e_user_new(&p, "provider"); /* not approved: approval itself would notify */
    const long stay_offset = 3L * 86400; /* the day the stay reminders are checked */
    int64_t now = time_now_ms();
    int32_t today = date_today();
    int32_t later = date_of_ms(now + (stay_offset + 120) * 1000LL); /* "today" at that offset */
    char a[IDS_STR_LEN], b[IDS_STR_LEN], cc[IDS_STR_LEN], d[IDS_STR_LEN], e[IDS_STR_LEN], x[IDS_STR_LEN],
        pb[TIME_STR_LEN], ab[TIME_STR_LEN], ca[TIME_STR_LEN];
    fresh_id(a), fresh_id(b), fresh_id(cc), fresh_id(d), fresh_id(e);
    /* A: unpaid, 10 minutes to pay */
    json_t *da = json_pack("{s:o}", "order", order_obj(a, &o, &p, "pending_payment", today + 7, today + 9, now + 600000));
    /* B: paid, 3 hours for the provider to accept */
    json_t *db = json_pack("{s:o,s:s,s:s}", "order", order_obj(b, &o, &p, "paid", today + 7, today + 9, now),
                           "payment_id", fresh_id(x), "accept_before", time_format_ms(now + 3 * 3600000LL, ab));
    /* C: confirmed, starting the day after `later` */
    json_t *dc = json_pack("{s:o}", "order", order_obj(cc, &o, &p, "confirmed", later + 1, later + 4, now));
    /* D: in care, ending on `later` */
    json_t *dd = json_pack("{s:o}", "order", order_obj(d, &o, &p, "in_care", later - 2, later, now));
    /* E: completed just now */
    json_t *de = json_pack("{s:o,s:s}", "order", order_obj(e, &o, &p, "completed", today - 3, today, now),
                           "completed_at", time_format_ms(now, ca));
    (void)pb;
    e2e_publish_event("order", "order.created", da, NULL);
    e2e_publish_event("order", "order.paid", db, NULL);
    e2e_publish_event("order", "order.accepted", dc, NULL);
    e2e_publish_event("order", "order.checked_in", dd, NULL);
    e2e_publish_event("order", "order.completed", de, NULL);
    /* owner: created, paid, accepted, checked in, completed; provider: paid, completed */
    assert_true(wait_count(&o, 5, 3000) && wait_count(&p, 2, 3000));
    const char *orders[] = {a, b, cc, d, e};

    clock_at(0); /* nothing is due yet */
    usleep(1200000);
    for (int i = 0; i < 5; i++)
        assert_int_equal(reminders_of(orders[i]), 0);

    clock_at(400); /* 6 min 40 s later: A's payment is due within 5 minutes */
    expect_reminder(&o, "reminder.payment_due", 1);
    usleep(1000000);
    assert_int_equal(reminders_of(a), 1);
    for (int i = 1; i < 5; i++)
        assert_int_equal(reminders_of(orders[i]), 0);
    assert_int_equal(count_type(&o, "reminder.payment_due"), 1); /* tokens still valid at +400 s */

    clock_at(3720); /* 1 h 2 min: B has under 2 h to be accepted, E ended over an hour ago */
    expect_reminder(&p, "reminder.accept_due", 1);
    expect_reminder(&o, "reminder.review_invite", 1);
    usleep(1000000);
    assert_int_equal(reminders_of(a), 1);
    assert_int_equal(reminders_of(b), 1);
    assert_int_equal(reminders_of(cc), 0);
    assert_int_equal(reminders_of(d), 0);
    assert_int_equal(reminders_of(e), 1);

    clock_at(stay_offset); /* C starts tomorrow, D ends today: both sides are told */
    expect_reminder(&o, "reminder.checkin_tomorrow", 1);
    expect_reminder(&p, "reminder.checkin_tomorrow", 1);
    expect_reminder(&o, "reminder.checkout_today", 1);
    expect_reminder(&p, "reminder.checkout_today", 1);

    clock_at(stay_offset); /* a restarted job sends nothing twice */
    usleep(1500000);
    for (int i = 0; i < 5; i++)
        assert_int_equal(reminders_of(orders[i]), 1);

    clock_at(0);
    const char *owner_types[] = {"reminder.payment_due", "reminder.review_invite", "reminder.checkin_tomorrow",
                                 "reminder.checkout_today"};
    for (int i = 0; i < 4; i++)
        assert_int_equal(count_type(&o, owner_types[i]), 1);
    const char *provider_types[] = {"reminder.accept_due", "reminder.checkin_tomorrow", "reminder.checkout_today"};
    for (int i = 0; i < 3; i++)
        assert_int_equal(count_type(&p, provider_types[i]), 1);
    assert_int_equal(count_type(&p, "reminder.payment_due"), 0);
    assert_int_equal(count_type(&o, "reminder.accept_due"), 0);
    assert_int_equal(inbox_count(&o), 9);
    assert_int_equal(inbox_count(&p), 5);
    assert_int_equal(unread_count(&o), 9);
    json_t *items = inbox(&o), *it;
    size_t i;
    json_array_foreach(items, i, it)
    {
        if (strcmp(json_string_value(json_object_get(it, "type")), "reminder.payment_due") == 0) {
            assert_string_equal(json_string_value(json_object_get(it, "title")), "订单即将过期");
            assert_string_equal(json_string_value(json_object_get(json_object_get(it, "data"), "order_id")), a);
        }
    }
    json_decref(items);
}

/* ---------- the real producers ---------- */

struct want_type {
    const struct e2e_user *u;
    const char *type;
    size_t n;
};

static bool has_type(void *arg)
{
    struct want_type *w = arg;
    return count_type(w->u, w->type) >= w->n;
}

/* Wait until u holds n notifications of type (2 s: the bound, plus the relay's). */
static void expect_type(const struct e2e_user *u, const char *type, size_t n)
{
    struct want_type w = {u, type, n};
    if (!e2e_eventually(has_type, &w, 3000))
        fail_msg("user %s (%s) holds %zu %s notification(s), expected %zu", u->id, u->role, count_type(u, type), type,
                 n);
}

static struct resp *post_order(const char *order, const char *what, const struct e2e_user *u, json_t *body)
{
    char path[128];
    snprintf(path, sizeof path, "/api/v1/orders/%s/%s", order, what);
    return e2e_call("POST", path, u->token, body);
}

/* No synthetic events: the services' own outboxes feed the inboxes, from the provider's
 * approval to the review's reply and an account's suspension. */
static void the_platform_itself_notifies_every_step(void **state)
{
    (void)state;
    struct e2e_user o, p, admin;
    e2e_user_new(&o, "owner");
    e2e_provider_approved(&p); /* the user service's outbox */
    expect_type(&p, "provider.approved", 1);
    char listing[24], pet[24], s[DATE_STR_LEN], e[DATE_STR_LEN];
    e2e_listing_new(&p, NULL, true, listing); /* the boarding service's outbox */
    expect_type(&p, "listing.approved", 1);
    e2e_pet_new(&o, NULL, pet);
    struct resp *r = e2e_call("POST", "/api/v1/orders", o.token,
                              json_pack("{s:s,s:[s],s:s,s:s}", "listing_id", listing, "pet_ids", pet, "start_date",
                                        date_format(date_today(), s), "end_date", date_format(date_today() + 1, e)));
    EXPECT_STATUS(r, 201);
    char order[24];
    snprintf(order, sizeof order, "%s", e2e_str(r, "id"));
    e2e_resp_free(r);
    expect_type(&o, "order.created", 1);
    e2e_pay(&o, order, NULL); /* the payment service's outbox, then the order saga's */
    expect_type(&o, "payment.succeeded", 1);
    expect_type(&o, "order.paid", 1);
    expect_type(&p, "order.paid", 1);
    const char *steps[] = {"accept", "check-in"}, *types[] = {"order.accepted", "order.checked_in"};
    for (int i = 0; i < 2; i++) {
        r = post_order(order, steps[i], &p, NULL);
        EXPECT_STATUS(r, 200);
        e2e_resp_free(r);
        expect_type(&o, types[i], 1);
    }
    r = post_order(order, "care-logs", &p,
                   json_pack("{s:s,s:s,s:s}", "date", s, "mood", "happy", "notes", "吃得很香，散步两次"));
    EXPECT_STATUS(r, 201);
    e2e_resp_free(r);
    expect_type(&o, "care_log.added", 1);
    r = post_order(order, "check-out", &p, NULL);
    EXPECT_STATUS(r, 200);
    e2e_resp_free(r);
    expect_type(&o, "order.completed", 1);
    expect_type(&p, "order.completed", 1);
    /* the review service learns of the completion from the same stream */
    r = NULL;
    for (int i = 0; i < 100; i++) {
        e2e_resp_free(r);
        r = e2e_call("POST", "/api/v1/reviews", o.token, json_pack("{s:s,s:i,s:s}", "order_id", order, "rating", 5,
                                                                     "text", "照顾得很好，每天都有日志"));
        if (r->status != 409)
            break;
        usleep(100000);
    }
    EXPECT_STATUS(r, 201);
    char review[24], path[96];
    snprintf(review, sizeof review, "%s", e2e_str(r, "id"));
    e2e_resp_free(r);
    expect_type(&p, "review.posted", 1);
    snprintf(path, sizeof path, "/api/v1/reviews/%s/reply", review);
    r = e2e_call("POST", path, p.token, json_pack("{s:s}", "text", "谢谢您的信任！"));
    EXPECT_STATUS(r, 201);
    e2e_resp_free(r);
    expect_type(&o, "review.replied", 1);
    /* each cause once: nothing was written twice along the way */
    const char *once_o[] = {"order.created", "payment.succeeded", "order.paid", "order.accepted", "order.checked_in",
                            "care_log.added", "order.completed", "review.replied"};
    for (size_t i = 0; i < sizeof once_o / sizeof *once_o; i++)
        assert_int_equal(count_type(&o, once_o[i]), 1);
    const char *once_p[] = {"provider.approved", "listing.approved", "order.paid", "order.completed", "review.posted"};
    for (size_t i = 0; i < sizeof once_p / sizeof *once_p; i++)
        assert_int_equal(count_type(&p, once_p[i]), 1);

    /* an admin suspends the owner, then reinstates: both reach the owner's inbox */
    e2e_admin(&admin);
    snprintf(path, sizeof path, "/api/v1/admin/users/%s/suspend", o.id);
    r = e2e_call("POST", path, admin.token, json_pack("{s:s}", "reason", "测试：发布不实评价"));
    EXPECT_STATUS(r, 200);
    e2e_resp_free(r);
    snprintf(path, sizeof path, "/api/v1/admin/users/%s/reinstate", o.id);
    r = e2e_call("POST", path, admin.token, json_object());
    EXPECT_STATUS(r, 200);
    e2e_resp_free(r);
    e2e_login(&o); /* the suspension revoked the old token */
    expect_type(&o, "user.suspended", 1);
    expect_type(&o, "user.reinstated", 1);
    json_t *items = inbox(&o), *it;
    size_t i;
    bool reason_shown = false;
    json_array_foreach(items, i, it)
    {
        if (strcmp(json_string_value(json_object_get(it, "type")), "user.suspended") == 0)
            reason_shown = strstr(json_string_value(json_object_get(it, "body")), "发布不实评价") != NULL;
    }
    json_decref(items);
    assert_true(reason_shown);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_event_type_reaches_the_right_inbox_once),
        cmocka_unit_test(the_platform_itself_notifies_every_step),
        cmocka_unit_test(late_prompts_are_dropped),
        cmocka_unit_test(late_prompts_in_one_batch_are_dropped),
        cmocka_unit_test(a_redelivered_event_is_written_once),
        cmocka_unit_test(english_for_users_who_chose_it_chinese_when_unsure),
        cmocka_unit_test(the_unread_counter_matches_the_inbox),
        cmocka_unit_test(pages_newest_first_without_repeats_or_skips),
        cmocka_unit_test(authorization_matrix_and_other_users_notifications),
        cmocka_unit_test(the_stream_delivers_a_booking_in_order_and_resumes_where_it_left),
        cmocka_unit_test(a_wake_up_from_another_replica_reaches_the_stream),
        cmocka_unit_test(stream_heartbeats_and_refusals),
        cmocka_unit_test(reminders_fire_once_at_their_times),
        cmocka_unit_test(events_wait_while_the_service_is_stopped),
        cmocka_unit_test(killing_the_consumer_mid_burst_loses_and_repeats_nothing),
        cmocka_unit_test(cache_pipeline_in_order_and_reconnects),
        cmocka_unit_test(a_batch_moves_every_counter_once),
        cmocka_unit_test(a_redis_outage_loses_no_notification),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
