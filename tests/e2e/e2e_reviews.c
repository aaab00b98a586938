/* Reviews through the gateway: eligibility from order.completed events (published here as
 * the order service would), posting and its validation, the eligibility matrix including ten
 * concurrent attempts and the 30-day window, who may do what, provider replies, pages newest
 * first, the rating summary's math and cache, hiding by moderation (the admin endpoint, its
 * audit entry, the hidden review still listed), the admin's list of every review with the
 * originals moderation withholds, the events in the outbox, the boarding
 * listing's rating fed by rating.updated, tamper evidence, and the consumer's behaviour with
 * duplicate, malformed and while-stopped events. */
#include "harness.h"
#include "dates.h"
#include "ids.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DAY_MS 86400000LL

/* ---------- helpers ---------- */

/* A provider with a published listing and an owner. */
struct world {
    struct e2e_user provider, owner;
    char listing[24];
};

static void world_new(struct world *w)
{
    e2e_provider_approved(&w->provider);
    e2e_listing_new(&w->provider, NULL, true, w->listing);
    e2e_user_new(&w->owner, "owner");
}

static uint64_t u64(const char *s) { return strtoull(s, NULL, 10); }

static const char *item_str(const json_t *o, const char *k) { return json_string_value(json_object_get(o, k)); }

static long long item_int(const json_t *o, const char *k) { return json_integer_value(json_object_get(o, k)); }

/* A fresh order id (a snowflake no service makes: this process's worker id). */
static void order_id_new(char *buf)
{
    char id[IDS_STR_LEN];
    snprintf(buf, 24, "%s", ids_format(ids_next(), id));
}

/* The data of an order.completed event, as the order service publishes it. */
static json_t *completed_data(const char *order, const char *listing, const char *owner, const char *provider,
                              int64_t completed_ms)
{
    char at[TIME_STR_LEN], start[DATE_STR_LEN], end[DATE_STR_LEN];
    int32_t last = (int32_t)(completed_ms / DAY_MS);
    return json_pack("{s:{s:s,s:s,s:s,s:s,s:s,s:[],s:s,s:s,s:i,s:i,s:s,s:s,s:n},s:s}", "order", "id", order,
                     "listing_id", listing, "listing_title", "阳光宠物之家", "owner_id", owner, "provider_id",
                     provider, "pet_ids", "start_date", date_format(last - 3, start), "end_date",
                     date_format(last, end), "nights", 3, "total_fen", 36000, "currency", "CNY", "status",
                     "completed", "pay_before", "completed_at", time_format_ms(completed_ms, at));
}

static bool eligible_exists(void *arg)
{
    return e2e_db_int("SELECT COUNT(*) FROM pb_review.eligible_order WHERE order_id = ?", "u", u64(arg)) > 0;
}

/* Publish order.completed for a new order of owner on the world's listing, completed at
 * completed_ms, and wait until the review service has recorded it. */
static void complete_order_at(const struct world *w, const struct e2e_user *owner, int64_t completed_ms, char *order)
{
    order_id_new(order);
    e2e_publish_event("order", "order.completed", completed_data(order, w->listing, owner->id, w->provider.id,
                                                                 completed_ms), NULL);
    if (!e2e_eventually(eligible_exists, order, 10000))
        fail_msg("order.completed %s was not consumed within 10 s", order);
}

static void complete_order(const struct world *w, const struct e2e_user *owner, char *order)
{
    complete_order_at(w, owner, time_now_ms(), order);
}

static struct resp *post_review(const char *token, const char *order, int rating, const char *text)
{
    return e2e_call("POST", "/api/v1/reviews", token,
                    json_pack("{s:s,s:i,s:s}", "order_id", order, "rating", rating, "text", text));
}

/* Post a review (201 expected) and copy its id. */
static void review_new(const struct world *w, const struct e2e_user *owner, int rating, char *id)
{
    char order[24];
    complete_order(w, owner, order);
    struct resp *r = post_review(owner->token, order, rating, "不错");
    EXPECT_STATUS(r, 201);
    snprintf(id, 24, "%s", e2e_str(r, "id"));
    e2e_resp_free(r);
}

static struct resp *get_fmt(const char *fmt, const char *id, const char *token)
{
    char p[256];
    snprintf(p, sizeof p, fmt, id);
    return e2e_call("GET", p, token, NULL);
}

static struct resp *rating_of(const char *listing)
{
    struct resp *r = get_fmt("/api/v1/listings/%s/rating", listing, NULL);
    EXPECT_STATUS(r, 200);
    return r;
}

static struct resp *post_fmt(const char *fmt, const char *id, const char *token, json_t *body)
{
    char p[256];
    snprintf(p, sizeof p, fmt, id);
    return e2e_call("POST", p, token, body);
}

/* The review with this id in the first page of the listing's reviews (a copy), or NULL. */
static json_t *listed(const char *listing, const char *id)
{
    struct resp *r = get_fmt("/api/v1/listings/%s/reviews?limit=100", listing, NULL);
    EXPECT_STATUS(r, 200);
    json_t *found = NULL, *it;
    size_t i;
    json_array_foreach(e2e_get(r, "items"), i, it)
    {
        if (strcmp(item_str(it, "id"), id) == 0)
            found = json_deep_copy(it);
    }
    e2e_resp_free(r);
    return found;
}

/* Expect an error naming field in error.fields. */
#define EXPECT_FIELD(r, code, errcode, field) expect_field((r), (code), (errcode), (field), __FILE__, __LINE__)
static void expect_field(const struct resp *r, long code, const char *errcode, const char *field, const char *file,
                         int line)
{
    e2e_expect_error(r, code, errcode, file, line);
    if (!json_is_string(json_object_get(e2e_get(r, "error.fields"), field))) {
        print_error("%s:%d: expected error.fields to name %s, got %.1500s\n", file, line, field, r->body ? r->body : "");
        _fail(file, line);
    }
}

/* Expect an error with this message. */
static void expect_message(const struct resp *r, long code, const char *errcode, const char *msg)
{
    EXPECT_ERROR(r, code, errcode);
    assert_string_equal(e2e_str(r, "error.message"), msg);
}

/* The numeric value at a JSON path of the newest outbox event of a subject whose data field
 * key equals value (-1 when there is none). */
static long long outbox_value(const char *type, const char *key, const char *value, const char *path)
{
    char subject[96], kpath[64];
    snprintf(subject, sizeof subject, "petboarding.%s", type);
    snprintf(kpath, sizeof kpath, "$.data.%s", key);
    return e2e_db_int("SELECT COALESCE((SELECT CAST(JSON_VALUE(payload, ?) AS DECIMAL(20,3)) * 1000 FROM "
                      "pb_review.outbox WHERE subject = ? AND JSON_VALUE(payload, ?) = ? ORDER BY id DESC LIMIT 1), "
                      "-1)",
                      "ssss", path, subject, kpath, value);
}

static long long outbox_count(const char *type, const char *key, const char *value)
{
    char subject[96], kpath[64];
    snprintf(subject, sizeof subject, "petboarding.%s", type);
    snprintf(kpath, sizeof kpath, "$.data.%s", key);
    return e2e_db_int("SELECT COUNT(*) FROM pb_review.outbox WHERE subject = ? AND JSON_VALUE(payload, ?) = ?", "sss",
                      subject, kpath, value);
}

/* Whether the newest outbox event of a subject whose data field key equals value has the
 * string other at JSON path. */
static bool outbox_has(const char *type, const char *key, const char *value, const char *path, const char *other)
{
    char subject[96], kpath[64];
    snprintf(subject, sizeof subject, "petboarding.%s", type);
    snprintf(kpath, sizeof kpath, "$.data.%s", key);
    return e2e_db_int("SELECT COALESCE((SELECT JSON_VALUE(payload, ?) = ? FROM pb_review.outbox WHERE subject = ? AND "
                      "JSON_VALUE(payload, ?) = ? ORDER BY id DESC LIMIT 1), 0)",
                      "sssss", path, other, subject, kpath, value) == 1;
}

static double real(const struct resp *r, const char *path) { return json_number_value(e2e_get(r, path)); }

static void expect_real(double got, double want)
{
    if (got < want - 1e-9 || got > want + 1e-9)
        fail_msg("got %.12g, want %.12g", got, want);
}

/* A rating summary: count, average (negative = null), score, histogram 1..5. */
static void expect_rating(const struct resp *r, const char *listing, long count, double average, double score,
                          const long hist[5])
{
    assert_string_equal(e2e_str(r, "listing_id"), listing);
    assert_int_equal(e2e_int(r, "count"), count);
    if (average < 0)
        assert_true(json_is_null(e2e_get(r, "average")));
    else
        expect_real(real(r, "average"), average);
    expect_real(real(r, "score"), score);
    const char *keys[] = {"histogram.1", "histogram.2", "histogram.3", "histogram.4", "histogram.5"};
    for (int i = 0; i < 5; i++)
        assert_int_equal(e2e_int(r, keys[i]), hist[i]);
}

/* ---------- posting ---------- */

static void post_and_read_back(void **state)
{
    (void)state;
    struct world w;
    world_new(&w);
    char order[24];
    complete_order(&w, &w.owner, order);
    const char *text = "寄养体验很好，每天都有照片。\n狗狗回家后很开心！\n\t下次还来。";
    struct resp *c = e2e_call("POST", "/api/v1/reviews", w.owner.token,
                              json_pack("{s:s,s:i,s:i,s:i,s:i,s:s}", "order_id", order, "rating", 5, "care", 4,
                                        "communication", 5, "cleanliness", 3, "text", text));
    EXPECT_STATUS(c, 201);
    char id[32];
    snprintf(id, sizeof id, "%s", e2e_str(c, "id"));
    assert_true(ids_parse(id, &(uint64_t){0}));
    assert_string_equal(e2e_str(c, "order_id"), order);
    assert_string_equal(e2e_str(c, "listing_id"), w.listing);
    assert_string_equal(e2e_str(c, "owner_id"), w.owner.id);
    assert_string_equal(e2e_str(c, "owner_display_name"), "测试用户");
    assert_int_equal(e2e_int(c, "rating"), 5);
    assert_int_equal(e2e_int(c, "care"), 4);
    assert_int_equal(e2e_int(c, "communication"), 5);
    assert_int_equal(e2e_int(c, "cleanliness"), 3);
    assert_string_equal(e2e_str(c, "text"), text);
    assert_true(json_is_null(e2e_get(c, "reply")));
    assert_true(json_is_false(e2e_get(c, "hidden")));
    assert_true(json_is_null(e2e_get(c, "hidden_reason")));
    int64_t at = 0;
    assert_true(time_parse_ms(e2e_str(c, "created_at"), &at));
    assert_true(at > time_now_ms() - 60000 && at <= time_now_ms() + 1000);

    /* listed exactly as answered */
    json_t *l = listed(w.listing, id);
    assert_non_null(l);
    assert_true(json_equal(l, c->json));
    json_decref(l);
    /* and found by its stay (the stay's page asks so), by anyone */
    char q[96];
    snprintf(q, sizeof q, "/api/v1/reviews?order_id=%s", order);
    struct resp *byo = e2e_call("GET", q, NULL, NULL);
    EXPECT_STATUS(byo, 200);
    assert_int_equal(json_array_size(e2e_get(byo, "items")), 1);
    assert_true(json_equal(e2e_get(byo, "items.0"), c->json));
    assert_true(json_is_null(e2e_get(byo, "next_cursor")));
    e2e_resp_free(byo);
    e2e_resp_free(c);
    /* a stay without a review: none; a missing or malformed order id: 422 naming it */
    byo = e2e_call("GET", "/api/v1/reviews?order_id=123456789012345", NULL, NULL);
    EXPECT_STATUS(byo, 200);
    assert_int_equal(json_array_size(e2e_get(byo, "items")), 0);
    e2e_resp_free(byo);
    const char *bad[] = {"/api/v1/reviews", "/api/v1/reviews?order_id=abc", "/api/v1/reviews?order_id="};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        byo = e2e_call("GET", bad[i], NULL, NULL);
        EXPECT_ERROR(byo, 422, "validation_failed");
        assert_non_null(e2e_field_error(byo, "order_id"));
        e2e_resp_free(byo);
    }

    /* what MariaDB holds: the SHA-256 of the documented canonical form, computed by MariaDB */
    assert_int_equal(e2e_db_int("SELECT COUNT(*) FROM pb_review.review WHERE id = ? AND content_sha256 = SHA2(CONCAT("
                                "'pb-review/1\\nid=', id, '\\norder_id=', order_id, '\\nlisting_id=', listing_id, "
                                "'\\nprovider_id=', provider_id, '\\nowner_id=', owner_id, '\\nrating=', rating, "
                                "'\\ncare=', COALESCE(care, ''), '\\ncommunication=', COALESCE(communication, ''), "
                                "'\\ncleanliness=', COALESCE(cleanliness, ''), '\\ncreated_ms=', created_ms, "
                                "'\\ntext=', OCTET_LENGTH(text), ':', text, '\\n'), 256) AND provider_id = ?",
                                "uu", u64(id), u64(w.provider.id)),
                     1);

    /* the events, written in the same transaction */
    assert_int_equal(outbox_count("review.posted", "review_id", id), 1);
    assert_int_equal(outbox_value("review.posted", "review_id", id, "$.data.rating"), 5000);
    assert_true(outbox_has("review.posted", "review_id", id, "$.data.order_id", order));
    assert_true(outbox_has("review.posted", "review_id", id, "$.data.provider_id", w.provider.id));
    assert_int_equal(outbox_value("rating.updated", "listing_id", w.listing, "$.data.listing.count"), 1000);
    assert_int_equal(outbox_value("rating.updated", "listing_id", w.listing, "$.data.listing.sum"), 5000);
    assert_int_equal(outbox_value("rating.updated", "listing_id", w.listing, "$.data.listing.score"), 4091);
    assert_int_equal(outbox_value("rating.updated", "listing_id", w.listing, "$.data.provider.count"), 1000);
    /* and the relay publishes them */
    long long pending;
    for (int i = 0; i < 250; i++) {
        pending = e2e_db_int("SELECT COUNT(*) FROM pb_review.outbox WHERE sent_ms IS NULL AND "
                             "JSON_VALUE(payload, '$.data.listing_id') = ?",
                             "s", w.listing);
        if (pending == 0)
            break;
        usleep(20000);
    }
    assert_int_equal(pending, 0);

    /* an empty text is a review too (stars only) */
    complete_order(&w, &w.owner, order);
    c = post_review(w.owner.token, order, 4, "");
    EXPECT_STATUS(c, 201);
    assert_string_equal(e2e_str(c, "text"), "");
    assert_true(json_is_null(e2e_get(c, "care")));
    e2e_resp_free(c);
    struct resp *r = rating_of(w.listing);
    expect_rating(r, w.listing, 2, 4.5, 4.083, (long[]){0, 0, 0, 1, 1}); /* (40 + 9) / 12 */
    e2e_resp_free(r);
}

static void bad_input(void **state)
{
    (void)state;
    struct world w;
    world_new(&w);
    char order[24];
    complete_order(&w, &w.owner, order);
    const char *tok = w.owner.token;
    char *long_text = malloc(2002 * 3 + 1);
    long_text[0] = 0;
    for (int i = 0; i < 2001; i++)
        strcat(long_text, "好");
    struct {
        json_t *body;
        long status;
        const char *field;
    } cases[] = {
        {json_pack("{}"), 422, "order_id"},
        {json_pack("{s:s,s:s}", "order_id", order, "text", "x"), 422, "rating"},
        {json_pack("{s:s,s:i}", "order_id", order, "rating", 5), 422, "text"},
        {json_pack("{s:s,s:i,s:s}", "order_id", "abc", "rating", 5, "text", "x"), 422, "order_id"},
        {json_pack("{s:s,s:i,s:s}", "order_id", order, "rating", 0, "text", "x"), 422, "rating"},
        {json_pack("{s:s,s:i,s:s}", "order_id", order, "rating", 6, "text", "x"), 422, "rating"},
        {json_pack("{s:s,s:f,s:s}", "order_id", order, "rating", 4.5, "text", "x"), 422, "rating"},
        {json_pack("{s:s,s:i,s:i,s:s}", "order_id", order, "rating", 5, "care", 0, "text", "x"), 422, "care"},
        {json_pack("{s:s,s:i,s:i,s:s}", "order_id", order, "rating", 5, "communication", 6, "text", "x"), 422,
         "communication"},
        {json_pack("{s:s,s:i,s:i,s:s}", "order_id", order, "rating", 5, "cleanliness", -1, "text", "x"), 422,
         "cleanliness"},
        {json_pack("{s:s,s:i,s:s}", "order_id", order, "rating", 5, "text", long_text), 422, "text"},
        {json_pack("{s:s,s:i,s:s}", "order_id", order, "rating", 5, "text", "bell\x07"), 422, "text"},
        {json_pack("{s:s,s:i,s:s,s:b}", "order_id", order, "rating", 5, "text", "x", "verified", 1), 422,
         "verified"},
        {json_pack("{s:s,s:s,s:s}", "order_id", order, "rating", "5", "text", "x"), 400, "rating"},
        {json_pack("{s:i,s:i,s:s}", "order_id", 123, "rating", 5, "text", "x"), 400, "order_id"},
        {json_pack("{s:s,s:i,s:i}", "order_id", order, "rating", 5, "text", 5), 400, "text"},
        {json_pack("{s:s,s:i,s:s,s:s}", "order_id", order, "rating", 5, "care", "good", "text", "x"), 400, "care"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        struct resp *r = e2e_call("POST", "/api/v1/reviews", tok, cases[i].body);
        EXPECT_FIELD(r, cases[i].status, cases[i].status == 400 ? "bad_request" : "validation_failed", cases[i].field);
        e2e_resp_free(r);
    }
    free(long_text);
    /* every problem at once */
    struct resp *r = e2e_call("POST", "/api/v1/reviews", tok, json_pack("{s:i,s:i}", "rating", 9, "care", 0));
    EXPECT_FIELD(r, 422, "validation_failed", "order_id");
    EXPECT_FIELD(r, 422, "validation_failed", "rating");
    EXPECT_FIELD(r, 422, "validation_failed", "care");
    EXPECT_FIELD(r, 422, "validation_failed", "text");
    e2e_resp_free(r);
    /* not JSON, not an object, not application/json */
    const char *raw[] = {"{\"order_id\":", "[1,2]", ""};
    for (size_t i = 0; i < 3; i++) {
        r = e2e_call_raw("POST", "/api/v1/reviews", tok, "application/json", raw[i], strlen(raw[i]), NULL);
        EXPECT_ERROR(r, 400, "bad_request");
        e2e_resp_free(r);
    }
    r = e2e_call_raw("POST", "/api/v1/reviews", tok, "text/plain", "{}", 2, NULL);
    EXPECT_ERROR(r, 415, "unsupported_media_type");
    e2e_resp_free(r);
    /* nothing was stored; then 2000 characters over several lines are fine */
    assert_int_equal(e2e_db_int("SELECT COUNT(*) FROM pb_review.review WHERE order_id = ?", "u", u64(order)), 0);
    char *max_text = malloc(2000 * 3 + 1);
    max_text[0] = 0;
    for (int i = 0; i < 2000; i++)
        strcat(max_text, i % 100 == 99 ? "\n" : "好");
    r = post_review(tok, order, 3, max_text);
    EXPECT_STATUS(r, 201);
    assert_string_equal(e2e_str(r, "text"), max_text);
    e2e_resp_free(r);
    free(max_text);
    /* junk ids in paths are unknown resources */
    r = e2e_call("GET", "/api/v1/listings/abc/reviews", NULL, NULL);
    EXPECT_ERROR(r, 404, "not_found");
    e2e_resp_free(r);
    r = e2e_call("GET", "/api/v1/listings/0/rating", NULL, NULL);
    EXPECT_ERROR(r, 404, "not_found");
    e2e_resp_free(r);
    r = e2e_call("POST", "/api/v1/reviews/x1/reply", w.provider.token, json_pack("{s:s}", "text", "谢谢"));
    EXPECT_ERROR(r, 404, "not_found");
    e2e_resp_free(r);
}

/* ---------- eligibility ---------- */

struct race {
    const char *token, *order;
    long status[10];
};

static void race_one(int i, void *arg)
{
    struct race *x = arg;
    struct resp *r = post_review(x->token, x->order, 1 + i % 5, "同时提交");
    x->status[i] = r->status;
    e2e_resp_free(r);
}

static void eligibility_matrix(void **state)
{
    (void)state;
    struct world w;
    world_new(&w);
    struct e2e_user other;
    e2e_user_new(&other, "owner");

    /* an order that never completed (unknown here) */
    char unknown[24];
    order_id_new(unknown);
    struct resp *r = post_review(w.owner.token, unknown, 5, "好");
    expect_message(r, 409, "conflict", "only a completed stay can be reviewed");
    e2e_resp_free(r);

    /* another owner's completed order: 404, exactly as for an order that does not exist at all */
    char theirs[24];
    complete_order(&w, &other, theirs);
    r = post_review(w.owner.token, theirs, 1, "不是我的订单");
    EXPECT_ERROR(r, 404, "not_found");
    assert_null(strstr(r->body, theirs));
    e2e_resp_free(r);

    /* one review per order */
    char mine[24];
    complete_order(&w, &w.owner, mine);
    r = post_review(w.owner.token, mine, 4, "第一次");
    EXPECT_STATUS(r, 201);
    e2e_resp_free(r);
    r = post_review(w.owner.token, mine, 1, "改主意了");
    expect_message(r, 409, "conflict", "this stay has already been reviewed");
    e2e_resp_free(r);
    /* the other owner's own review of it is fine */
    r = post_review(other.token, theirs, 2, "一般");
    EXPECT_STATUS(r, 201);
    e2e_resp_free(r);

    /* ten attempts at once: exactly one review */
    char raced[24];
    complete_order(&w, &w.owner, raced);
    struct race x = {w.owner.token, raced, {0}};
    e2e_parallel(10, race_one, &x);
    int created = 0, conflicts = 0;
    for (int i = 0; i < 10; i++) {
        created += x.status[i] == 201;
        conflicts += x.status[i] == 409;
    }
    assert_int_equal(created, 1);
    assert_int_equal(conflicts, 9);
    assert_int_equal(e2e_db_int("SELECT COUNT(*) FROM pb_review.review WHERE order_id = ?", "u", u64(raced)), 1);
    assert_int_equal(outbox_count("review.posted", "order_id", raced), 1);
    /* the aggregates count it once */
    r = rating_of(w.listing);
    assert_int_equal(e2e_int(r, "count"), 3);
    e2e_resp_free(r);
    assert_int_equal(e2e_db_int("SELECT count FROM pb_review.provider_rating WHERE provider_id = ?", "u",
                                u64(w.provider.id)),
                     3);
}

/* Restart the user and review services offset seconds in the future (0: back to now). */
static void shift_clock(long offset_s)
{
    char env[64];
    snprintf(env, sizeof env, "PB_CLOCK_OFFSET_S=%ld", offset_s);
    const char *const e[] = {env, NULL};
    e2e_stack_service("user", "restart", offset_s ? e : NULL);
    e2e_stack_service("review", "restart", offset_s ? e : NULL);
}

static void review_window(void **state)
{
    (void)state;
    struct world w;
    world_new(&w);
    char done_now[24], done_later[24];
    complete_order(&w, &w.owner, done_now);
    complete_order_at(&w, &w.owner, time_now_ms() + 2 * DAY_MS, done_later);
    /* 31 days on: the stay completed now is out of the window, the one completed two days
     * later (29 days ago by then) is not. Tokens must be issued in that future too: the user
     * service moves with the review service. */
    shift_clock(31L * 86400);
    e2e_login(&w.owner);
    struct resp *r = post_review(w.owner.token, done_now, 5, "晚了");
    expect_message(r, 409, "conflict", "the review window has closed");
    e2e_resp_free(r);
    r = post_review(w.owner.token, done_later, 5, "还来得及");
    EXPECT_STATUS(r, 201);
    e2e_resp_free(r);
    shift_clock(0);
    e2e_login(&w.owner);
    assert_int_equal(e2e_db_int("SELECT COUNT(*) FROM pb_review.review WHERE order_id = ?", "u", u64(done_now)), 0);
}

/* ---------- who may do what ---------- */

/* Status of a direct call to the review service with no internal token. */
static long service_status_without_token(const char *method, const char *path)
{
    const char *base = getenv("PB_PORT_BASE");
    char url[256];
    snprintf(url, sizeof url, "http://127.0.0.1:%d%s", (base ? atoi(base) : 18080) + 6, path);
    CURL *h = curl_easy_init();
    long status = 0;
    struct curl_slist *hd = curl_slist_append(NULL, "Content-Type: application/json");
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hd);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, "{\"reason\":\"x\"}");
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, 10L);
    FILE *sink = fopen("/dev/null", "w");
    curl_easy_setopt(h, CURLOPT_WRITEDATA, sink);
    if (curl_easy_perform(h) == CURLE_OK)
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(h);
    curl_slist_free_all(hd);
    if (sink)
        fclose(sink);
    return status;
}

static void roles_and_replies(void **state)
{
    (void)state;
    struct world w;
    world_new(&w);
    struct e2e_user admin, stranger;
    e2e_admin(&admin);
    e2e_provider_approved(&stranger);
    char order[24];
    complete_order(&w, &w.owner, order);

    /* posting: owners only */
    const char *tokens[] = {NULL, "not-a-jwt", w.provider.token, admin.token};
    const long want[] = {401, 401, 403, 403};
    for (int i = 0; i < 4; i++) {
        struct resp *r = post_review(tokens[i], order, 5, "好");
        EXPECT_ERROR(r, want[i], want[i] == 401 ? "unauthenticated" : "forbidden");
        e2e_resp_free(r);
    }
    struct resp *r = post_review(w.owner.token, order, 2, "有点失望。\n但是沟通还行。");
    EXPECT_STATUS(r, 201);
    char id[32];
    snprintf(id, sizeof id, "%s", e2e_str(r, "id"));
    e2e_resp_free(r);

    /* replying: the listing's provider only, once */
    const char *rtokens[] = {NULL, "not-a-jwt", w.owner.token, admin.token};
    for (int i = 0; i < 4; i++) {
        r = post_fmt("/api/v1/reviews/%s/reply", id, rtokens[i], json_pack("{s:s}", "text", "谢谢"));
        EXPECT_ERROR(r, want[i], want[i] == 401 ? "unauthenticated" : "forbidden");
        e2e_resp_free(r);
    }
    r = post_fmt("/api/v1/reviews/%s/reply", id, stranger.token, json_pack("{s:s}", "text", "不是我的"));
    EXPECT_ERROR(r, 404, "not_found");
    e2e_resp_free(r);
    /* who may reply is decided before the body is read: an invalid body changes nothing */
    r = post_fmt("/api/v1/reviews/%s/reply", id, stranger.token, json_pack("{s:s,s:s}", "text", "", "rating", "5"));
    EXPECT_ERROR(r, 404, "not_found");
    e2e_resp_free(r);
    r = post_fmt("/api/v1/reviews/%s/reply", id, w.owner.token, json_pack("{s:i}", "text", 5));
    EXPECT_ERROR(r, 403, "forbidden");
    e2e_resp_free(r);
    char unknown[24];
    order_id_new(unknown);
    r = post_fmt("/api/v1/reviews/%s/reply", unknown, w.provider.token, json_pack("{s:s}", "text", "谢谢"));
    EXPECT_ERROR(r, 404, "not_found");
    e2e_resp_free(r);
    struct {
        json_t *body;
        long status;
        const char *field;
    } bad[] = {
        {json_pack("{}"), 422, "text"},
        {json_pack("{s:s}", "text", ""), 422, "text"},
        {json_pack("{s:s}", "text", " \n\t "), 422, "text"},
        {json_pack("{s:i}", "text", 5), 400, "text"},
        {json_pack("{s:s,s:s}", "text", "谢谢", "rating", "5"), 422, "rating"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        r = post_fmt("/api/v1/reviews/%s/reply", id, w.provider.token, bad[i].body);
        EXPECT_FIELD(r, bad[i].status, bad[i].status == 400 ? "bad_request" : "validation_failed", bad[i].field);
        e2e_resp_free(r);
    }
    char too_long[1002];
    memset(too_long, 'a', 1001);
    too_long[1001] = 0;
    r = post_fmt("/api/v1/reviews/%s/reply", id, w.provider.token, json_pack("{s:s}", "text", too_long));
    EXPECT_FIELD(r, 422, "validation_failed", "text");
    e2e_resp_free(r);
    assert_int_equal(e2e_db_int("SELECT COUNT(*) FROM pb_review.review WHERE id = ? AND reply_ms IS NULL", "u", u64(id)),
                     1);

    const char *reply = "很抱歉让您失望。\n我们会改进！";
    r = post_fmt("/api/v1/reviews/%s/reply", id, w.provider.token, json_pack("{s:s}", "text", reply));
    EXPECT_STATUS(r, 201);
    assert_string_equal(e2e_str(r, "id"), id);
    assert_string_equal(e2e_str(r, "reply.text"), reply);
    assert_non_null(e2e_str(r, "reply.created_at"));
    assert_int_equal(e2e_int(r, "rating"), 2);
    json_t *answered = json_incref(r->json);
    e2e_resp_free(r);
    r = post_fmt("/api/v1/reviews/%s/reply", id, w.provider.token, json_pack("{s:s}", "text", "再说一次"));
    expect_message(r, 409, "conflict", "this review already has a reply");
    e2e_resp_free(r);
    json_t *l = listed(w.listing, id);
    assert_true(json_equal(l, answered));
    json_decref(l);
    json_decref(answered);
    assert_int_equal(outbox_count("review.replied", "review_id", id), 1);
    assert_true(outbox_has("review.replied", "review_id", id, "$.data.owner_id", w.owner.id));
    /* the reply is sealed too */
    assert_int_equal(e2e_db_int("SELECT COUNT(*) FROM pb_review.review WHERE id = ? AND reply_sha256 = SHA2(CONCAT("
                                "'pb-review-reply/1\\nreview_id=', id, '\\nprovider_id=', provider_id, "
                                "'\\ncreated_ms=', reply_ms, '\\ntext=', OCTET_LENGTH(reply_text), ':', reply_text, "
                                "'\\n'), 256)",
                                "u", u64(id)),
                     1);

    /* reading is public: no token needed, any token works */
    r = get_fmt("/api/v1/listings/%s/reviews", w.listing, NULL);
    EXPECT_STATUS(r, 200);
    e2e_resp_free(r);
    r = get_fmt("/api/v1/listings/%s/rating", w.listing, stranger.token);
    EXPECT_STATUS(r, 200);
    e2e_resp_free(r);

    /* hiding is internal: the gateway refuses it, the service wants its token */
    r = post_fmt("/internal/v1/reviews/%s/hide", id, admin.token, json_pack("{s:s}", "reason", "x"));
    EXPECT_ERROR(r, 404, "not_found");
    e2e_resp_free(r);
    char path[96];
    snprintf(path, sizeof path, "/internal/v1/reviews/%s/hide", id);
    assert_int_equal(service_status_without_token("POST", path), 403);
    assert_int_equal(e2e_db_int("SELECT hidden FROM pb_review.review WHERE id = ?", "u", u64(id)), 0);
    /* and methods that do not exist */
    r = e2e_call("DELETE", "/api/v1/reviews", w.owner.token, NULL);
    EXPECT_ERROR(r, 405, "method_not_allowed");
    e2e_resp_free(r);
}

/* ---------- pages ---------- */

static void pages_newest_first(void **state)
{
    (void)state;
    struct world w;
    world_new(&w);
    char ids[8][24];
    for (int i = 0; i < 7; i++)
        review_new(&w, &w.owner, 1 + i % 5, ids[i]);
    json_t *seen = json_object();
    char cursor[64] = "", last_id[24] = "", last_at[32] = "";
    int pages = 0;
    size_t total = 0;
    for (;;) {
        char q[256];
        snprintf(q, sizeof q, "/api/v1/listings/%s/reviews?limit=3%s%s", w.listing, cursor[0] ? "&cursor=" : "",
                 cursor);
        struct resp *r = e2e_call("GET", q, NULL, NULL);
        EXPECT_STATUS(r, 200);
        json_t *items = e2e_get(r, "items");
        assert_true(json_array_size(items) <= 3);
        size_t i;
        json_t *it;
        json_array_foreach(items, i, it)
        {
            const char *id = item_str(it, "id");
            assert_null(json_object_get(seen, id));
            json_object_set_new(seen, id, json_true());
            if (last_id[0]) {
                assert_true(u64(id) < u64(last_id));
                assert_true(strcmp(item_str(it, "created_at"), last_at) <= 0);
            }
            snprintf(last_id, sizeof last_id, "%s", id);
            snprintf(last_at, sizeof last_at, "%s", item_str(it, "created_at"));
            assert_string_equal(item_str(it, "listing_id"), w.listing);
        }
        total += json_array_size(items);
        const char *next = e2e_str(r, "next_cursor");
        snprintf(cursor, sizeof cursor, "%s", next ? next : "");
        e2e_resp_free(r);
        if (++pages == 1) /* one posted mid-walk is newer than every cursor: it never shows up later */
            review_new(&w, &w.owner, 5, ids[7]);
        if (!cursor[0])
            break;
        assert_true(pages < 10);
    }
    assert_int_equal(pages, 3);
    assert_int_equal(total, 7);
    for (int i = 0; i < 7; i++)
        assert_non_null(json_object_get(seen, ids[i]));
    assert_null(json_object_get(seen, ids[7]));
    json_decref(seen);
    /* the first page is newest first from the top */
    struct resp *r = get_fmt("/api/v1/listings/%s/reviews?limit=2", w.listing, NULL);
    EXPECT_STATUS(r, 200);
    assert_string_equal(e2e_str(r, "items.0.id"), ids[7]);
    assert_string_equal(e2e_str(r, "items.1.id"), ids[6]);
    assert_string_equal(e2e_str(r, "next_cursor"), ids[6]);
    e2e_resp_free(r);
    /* default page size 20: everything fits */
    r = get_fmt("/api/v1/listings/%s/reviews", w.listing, NULL);
    assert_int_equal(json_array_size(e2e_get(r, "items")), 8);
    assert_true(json_is_null(e2e_get(r, "next_cursor")));
    e2e_resp_free(r);
    /* bad parameters */
    const char *bad[] = {"limit=0", "limit=101", "limit=abc", "cursor=xyz", "cursor=0"};
    const char *fields[] = {"limit", "limit", "limit", "cursor", "cursor"};
    for (size_t k = 0; k < sizeof bad / sizeof *bad; k++) {
        char q[160];
        snprintf(q, sizeof q, "/api/v1/listings/%s/reviews?%s", w.listing, bad[k]);
        r = e2e_call("GET", q, NULL, NULL);
        EXPECT_FIELD(r, 422, "validation_failed", fields[k]);
        e2e_resp_free(r);
    }
    /* a listing nobody reviewed */
    char empty[24];
    e2e_listing_new(&w.provider, NULL, true, empty);
    r = get_fmt("/api/v1/listings/%s/reviews", empty, NULL);
    EXPECT_STATUS(r, 200);
    assert_int_equal(json_array_size(e2e_get(r, "items")), 0);
    assert_true(json_is_null(e2e_get(r, "next_cursor")));
    e2e_resp_free(r);
    r = rating_of(empty);
    expect_rating(r, empty, 0, -1, 0, (long[]){0, 0, 0, 0, 0});
    e2e_resp_free(r);
}

/* ---------- rating, moderation ---------- */

struct listing_rating {
    const char *listing;
    long count;
    double average, score;
};

/* Whether the boarding service's listing shows this rating (fed by rating.updated). */
static bool boarding_shows(void *arg)
{
    const struct listing_rating *x = arg;
    struct resp *r = get_fmt("/api/v1/listings/%s", x->listing, NULL);
    double avg = json_number_value(e2e_get(r, "rating.average"));
    bool ok = r->status == 200 && e2e_int(r, "rating.count") == x->count && avg > x->average - 1e-9 &&
              avg < x->average + 1e-9 && real(r, "rating.score") > x->score - 1e-9 &&
              real(r, "rating.score") < x->score + 1e-9;
    e2e_resp_free(r);
    return ok;
}

static struct resp *admin_hide(const char *token, const char *id, json_t *body)
{
    return post_fmt("/api/v1/admin/reviews/%s/hide", id, token, body);
}

static void rating_math_and_moderation(void **state)
{
    (void)state;
    struct world w;
    world_new(&w);
    struct e2e_user admin;
    e2e_admin(&admin);
    const int stars[] = {5, 4, 4, 3};
    char ids[4][24];
    for (int i = 0; i < 4; i++)
        review_new(&w, &w.owner, stars[i], ids[i]);
    /* 5,4,4,3: count 4, sum 16, average 4.0, score (10 x 4.0 + 16) / (10 + 4) = 4.0 */
    struct resp *r = rating_of(w.listing);
    expect_rating(r, w.listing, 4, 4.0, 4.0, (long[]){0, 0, 1, 2, 1});
    e2e_resp_free(r);
    struct listing_rating want = {w.listing, 4, 4.0, 4.0};
    assert_true(e2e_eventually(boarding_shows, &want, 5000));

    /* who may hide: admins only */
    const char *tokens[] = {NULL, "not-a-jwt", w.owner.token, w.provider.token};
    const long codes[] = {401, 401, 403, 403};
    for (int i = 0; i < 4; i++) {
        r = admin_hide(tokens[i], ids[3], json_pack("{s:s}", "reason", "辱骂"));
        EXPECT_ERROR(r, codes[i], codes[i] == 401 ? "unauthenticated" : "forbidden");
        e2e_resp_free(r);
    }
    /* a reason is required */
    r = admin_hide(admin.token, ids[3], json_pack("{}"));
    EXPECT_FIELD(r, 422, "validation_failed", "reason");
    e2e_resp_free(r);
    r = admin_hide(admin.token, ids[3], json_pack("{s:s}", "reason", "   "));
    EXPECT_FIELD(r, 422, "validation_failed", "reason");
    e2e_resp_free(r);
    char unknown[24];
    order_id_new(unknown);
    r = admin_hide(admin.token, unknown, json_pack("{s:s}", "reason", "辱骂"));
    EXPECT_ERROR(r, 404, "not_found");
    e2e_resp_free(r);
    assert_int_equal(e2e_db_int("SELECT COUNT(*) FROM pb_review.review WHERE listing_id = ? AND hidden = 1", "u",
                                u64(w.listing)),
                     0);

    /* hide the 3-star review */
    const char *reason = "含有辱骂内容，已由管理员隐藏";
    r = admin_hide(admin.token, ids[3], json_pack("{s:s}", "reason", reason));
    EXPECT_STATUS(r, 200);
    assert_string_equal(e2e_str(r, "id"), ids[3]);
    assert_true(json_is_true(e2e_get(r, "hidden")));
    assert_string_equal(e2e_str(r, "hidden_reason"), reason);
    assert_true(json_is_null(e2e_get(r, "rating")));
    assert_true(json_is_null(e2e_get(r, "text")));
    e2e_resp_free(r);
    /* the rating changes at once: 5,4,4 -> count 3, average 4.33, score 53 / 13 = 4.077 */
    r = rating_of(w.listing);
    expect_rating(r, w.listing, 3, 4.33, 4.077, (long[]){0, 0, 0, 2, 1});
    e2e_resp_free(r);
    /* still listed, in its place, as hidden by moderation */
    json_t *l = listed(w.listing, ids[3]);
    assert_non_null(l);
    assert_true(json_is_true(json_object_get(l, "hidden")));
    assert_string_equal(item_str(l, "hidden_reason"), reason);
    const char *gone[] = {"rating", "care", "communication", "cleanliness", "text"};
    for (size_t i = 0; i < 5; i++)
        assert_true(json_is_null(json_object_get(l, gone[i])));
    assert_string_equal(item_str(l, "owner_id"), w.owner.id);
    json_decref(l);
    l = listed(w.listing, ids[2]);
    assert_true(json_is_false(json_object_get(l, "hidden")));
    assert_int_equal(item_int(l, "rating"), 4);
    json_decref(l);
    /* twice: 409, from the review service through the admin service and directly */
    r = admin_hide(admin.token, ids[3], json_pack("{s:s}", "reason", "再次"));
    expect_message(r, 409, "conflict", "this review is already hidden");
    e2e_resp_free(r);
    char path[96];
    snprintf(path, sizeof path, "/internal/v1/reviews/%s/hide", ids[3]);
    r = e2e_service("review", "POST", path, json_pack("{s:s}", "reason", "再次"));
    EXPECT_ERROR(r, 409, "conflict");
    e2e_resp_free(r);
    assert_int_equal(e2e_db_int("SELECT COUNT(*) FROM pb_review.review WHERE id = ? AND hidden = 1 AND "
                                "hidden_reason = ?",
                                "us", u64(ids[3]), reason),
                     1);

    /* the audit log has both decisions */
    char q[160];
    snprintf(q, sizeof q, "/api/v1/admin/audit-log?target_type=review&target_id=%s", ids[3]);
    r = e2e_call("GET", q, admin.token, NULL);
    EXPECT_STATUS(r, 200);
    assert_int_equal(json_array_size(e2e_get(r, "items")), 2);
    const char *outcomes[] = {"failed", "done"}; /* newest first */
    for (int i = 0; i < 2; i++) {
        json_t *it = json_array_get(e2e_get(r, "items"), (size_t)i);
        assert_string_equal(item_str(it, "action"), "review.hide");
        assert_string_equal(item_str(it, "target_type"), "review");
        assert_string_equal(item_str(it, "target_id"), ids[3]);
        assert_string_equal(item_str(it, "actor_id"), admin.id);
        assert_string_equal(item_str(it, "outcome"), outcomes[i]);
    }
    assert_string_equal(e2e_str(r, "items.1.reason"), reason);
    assert_int_equal(e2e_int(r, "items.1.callee_status"), 200);
    assert_int_equal(e2e_int(r, "items.0.callee_status"), 409);
    e2e_resp_free(r);

    /* the events */
    assert_int_equal(outbox_count("review.hidden", "review_id", ids[3]), 1);
    assert_true(outbox_has("review.hidden", "review_id", ids[3], "$.data.reason", reason));
    assert_int_equal(outbox_value("rating.updated", "listing_id", w.listing, "$.data.listing.count"), 3000);
    assert_int_equal(outbox_value("rating.updated", "listing_id", w.listing, "$.data.listing.sum"), 13000);
    assert_int_equal(outbox_value("rating.updated", "listing_id", w.listing, "$.data.listing.score"), 4077);
    assert_int_equal(outbox_value("rating.updated", "listing_id", w.listing, "$.data.provider.sum"), 13000);
    /* and the listing in the catalogue follows */
    want = (struct listing_rating){w.listing, 3, 4.33, 4.077};
    assert_true(e2e_eventually(boarding_shows, &want, 5000));
}

/* Post a review with this rating and text for a new completed order (201 expected). */
static void review_with(const struct world *w, int rating, const char *text, char *id)
{
    char order[24];
    complete_order(w, &w->owner, order);
    struct resp *r = post_review(w->owner.token, order, rating, text);
    EXPECT_STATUS(r, 201);
    snprintf(id, 24, "%s", e2e_str(r, "id"));
    e2e_resp_free(r);
}

/* Walk every page of /api/v1/admin/reviews?<query> with this limit: newest first
 * throughout, none twice. The ids found, in order, go to ids; returns their number. */
static size_t admin_reviews_walk(const char *token, const char *query, int limit, char ids[][24], size_t max)
{
    char cursor[32] = "";
    size_t n = 0;
    for (int page = 0; page < 1000; page++) {
        char q[512];
        snprintf(q, sizeof q, "/api/v1/admin/reviews?%s%slimit=%d%s%s", query, query[0] ? "&" : "", limit,
                 cursor[0] ? "&cursor=" : "", cursor);
        struct resp *r = e2e_call("GET", q, token, NULL);
        EXPECT_STATUS(r, 200);
        json_t *items = e2e_get(r, "items"), *it;
        assert_true(json_array_size(items) <= (size_t)limit);
        size_t i;
        json_array_foreach(items, i, it)
        {
            if (n > 0)
                assert_true(u64(item_str(it, "id")) < u64(ids[n - 1])); /* newest first, never twice */
            assert_true(n < max);
            snprintf(ids[n++], 24, "%s", item_str(it, "id"));
        }
        size_t shown = json_array_size(items);
        const char *next = e2e_str(r, "next_cursor");
        snprintf(cursor, sizeof cursor, "%s", next ? next : "");
        e2e_resp_free(r);
        if (!cursor[0])
            return n;
        assert_true(shown > 0);
    }
    fail_msg("more than 1000 pages");
    return n;
}

/* The admin's review list: newest first over every listing, hidden ones included with their
 * reason and, apart from the public fields, the originals moderation withholds; filters,
 * pages, who may read it, bad parameters, and the review service down. */
static void admin_review_list(void **state)
{
    (void)state;
    struct world w;
    world_new(&w);
    struct e2e_user admin;
    e2e_admin(&admin);
    char ids[3][24];
    const char *texts[] = {"第一条：很好", "第二条：老板电话 138xxxx，私下交易更便宜", "第三条：还不错"};
    const int stars[] = {5, 2, 4};
    for (int i = 0; i < 3; i++)
        review_with(&w, stars[i], texts[i], ids[i]);
    const char *reason = "含有私下交易信息";
    struct resp *r = admin_hide(admin.token, ids[1], json_pack("{s:s}", "reason", reason));
    EXPECT_STATUS(r, 200);
    e2e_resp_free(r);

    /* one listing's reviews: newest first, the hidden one with its reason and originals */
    char q[256];
    snprintf(q, sizeof q, "/api/v1/admin/reviews?listing_id=%s&limit=100", w.listing);
    r = e2e_call("GET", q, admin.token, NULL);
    EXPECT_STATUS(r, 200);
    assert_int_equal(json_array_size(e2e_get(r, "items")), 3);
    assert_true(json_is_null(e2e_get(r, "next_cursor")));
    for (int i = 0; i < 3; i++) {
        json_t *it = json_array_get(e2e_get(r, "items"), (size_t)i);
        int k = 2 - i;
        assert_string_equal(item_str(it, "id"), ids[k]);
        assert_string_equal(item_str(it, "listing_id"), w.listing);
        assert_string_equal(item_str(it, "provider_id"), w.provider.id);
        assert_true(json_is_true(json_object_get(it, "integrity_ok")));
        json_t *orig = json_object_get(it, "moderated_original");
        if (k == 1) {
            assert_true(json_is_true(json_object_get(it, "hidden")));
            assert_string_equal(item_str(it, "hidden_reason"), reason);
            assert_non_null(item_str(it, "hidden_at"));
            assert_true(json_is_null(json_object_get(it, "rating"))); /* the public fields stay withheld */
            assert_true(json_is_null(json_object_get(it, "text")));
            assert_int_equal(item_int(orig, "rating"), 2);
            assert_string_equal(item_str(orig, "text"), texts[1]);
        } else {
            assert_true(json_is_false(json_object_get(it, "hidden")));
            assert_true(json_is_null(json_object_get(it, "hidden_reason")));
            assert_true(json_is_null(json_object_get(it, "hidden_at")));
            assert_true(json_is_null(orig));
            assert_int_equal(item_int(it, "rating"), stars[k]);
            assert_string_equal(item_str(it, "text"), texts[k]);
        }
    }
    e2e_resp_free(r);
    /* the public list still withholds it, and shows no originals */
    json_t *pub = listed(w.listing, ids[1]);
    assert_true(json_is_null(json_object_get(pub, "text")));
    assert_null(json_object_get(pub, "moderated_original"));
    json_decref(pub);

    /* filters and pages */
    char got[8][24], f[160];
    snprintf(f, sizeof f, "listing_id=%s&hidden=true", w.listing);
    assert_int_equal(admin_reviews_walk(admin.token, f, 100, got, 8), 1);
    assert_string_equal(got[0], ids[1]);
    snprintf(f, sizeof f, "listing_id=%s&hidden=false", w.listing);
    assert_int_equal(admin_reviews_walk(admin.token, f, 1, got, 8), 2);
    assert_string_equal(got[0], ids[2]);
    assert_string_equal(got[1], ids[0]);
    snprintf(f, sizeof f, "listing_id=%s", w.listing);
    assert_int_equal(admin_reviews_walk(admin.token, f, 1, got, 8), 3);
    for (int i = 0; i < 3; i++)
        assert_string_equal(got[i], ids[2 - i]);
    /* every listing's hidden reviews: ours is among them, and nothing visible is */
    r = e2e_call("GET", "/api/v1/admin/reviews?hidden=true&limit=100", admin.token, NULL);
    EXPECT_STATUS(r, 200);
    bool found = false;
    size_t i;
    json_t *it;
    json_array_foreach(e2e_get(r, "items"), i, it)
    {
        assert_true(json_is_true(json_object_get(it, "hidden")));
        found |= strcmp(item_str(it, "id"), ids[1]) == 0;
    }
    assert_true(found);
    e2e_resp_free(r);
    r = e2e_call("GET", "/api/v1/admin/reviews?limit=2", admin.token, NULL);
    EXPECT_STATUS(r, 200);
    assert_int_equal(json_array_size(e2e_get(r, "items")), 2);
    assert_non_null(e2e_str(r, "next_cursor"));
    e2e_resp_free(r);

    /* admins only */
    const char *tokens[] = {NULL, "not-a-jwt", w.owner.token, w.provider.token};
    const long codes[] = {401, 401, 403, 403};
    for (int t = 0; t < 4; t++) {
        r = e2e_call("GET", "/api/v1/admin/reviews", tokens[t], NULL);
        EXPECT_ERROR(r, codes[t], codes[t] == 401 ? "unauthenticated" : "forbidden");
        e2e_resp_free(r);
    }
    /* every bad value names its parameter (the cursor is the review service's to judge) */
    const char *bad[] = {"hidden=yes", "hidden=1", "hidden=", "listing_id=abc", "listing_id=", "limit=0", "limit=101",
                         "cursor=", "cursor=xyz"};
    const char *fields[] = {"hidden", "hidden", "hidden", "listing_id", "listing_id", "limit", "limit", "cursor", "cursor"};
    for (size_t k = 0; k < sizeof bad / sizeof *bad; k++) {
        snprintf(q, sizeof q, "/api/v1/admin/reviews?%s", bad[k]);
        r = e2e_call("GET", q, admin.token, NULL);
        EXPECT_FIELD(r, 422, "validation_failed", fields[k]);
        e2e_resp_free(r);
    }
    /* the review service down: 503 naming it, and back */
    e2e_stack_service("review", "stop", NULL);
    r = e2e_call("GET", "/api/v1/admin/reviews", admin.token, NULL);
    EXPECT_ERROR(r, 503, "unavailable");
    assert_non_null(strstr(e2e_str(r, "error.message"), "review"));
    e2e_resp_free(r);
    e2e_stack_service("review", "start", NULL);
    r = e2e_call("GET", "/api/v1/admin/reviews?limit=1", admin.token, NULL);
    EXPECT_STATUS(r, 200);
    e2e_resp_free(r);
}

static double rating_loads(void)
{
    return e2e_metric("review", "pb_cache_loads_total{service=\"review\",cache=\"rating\"}");
}

static void rating_cache_stays_fresh(void **state)
{
    (void)state;
    struct world w;
    world_new(&w);
    char id[24], order[24];
    review_new(&w, &w.owner, 2, id);
    complete_order(&w, &w.owner, order);
    struct resp *r = rating_of(w.listing);
    expect_rating(r, w.listing, 1, 2.0, 3.818, (long[]){0, 1, 0, 0, 0}); /* 42 / 11 */
    json_t *first = json_incref(r->json);
    e2e_resp_free(r);
    /* a second read is served from Redis: no database load */
    double loads = rating_loads();
    r = rating_of(w.listing);
    assert_true(json_equal(r->json, first));
    e2e_resp_free(r);
    json_decref(first);
    assert_true(rating_loads() == loads);
    /* a new review shows at once */
    r = post_review(w.owner.token, order, 5, "第二次更好");
    EXPECT_STATUS(r, 201);
    e2e_resp_free(r);
    r = rating_of(w.listing);
    expect_rating(r, w.listing, 2, 3.5, 3.917, (long[]){0, 1, 0, 0, 1}); /* 47 / 12 */
    e2e_resp_free(r);
    assert_true(rating_loads() == loads + 1);
}

static void provider_aggregate_spans_listings(void **state)
{
    (void)state;
    struct world w;
    world_new(&w);
    struct world w2 = w;
    e2e_listing_new(&w.provider, NULL, true, w2.listing);
    char a[24], b[24], c[24];
    review_new(&w, &w.owner, 5, a);
    review_new(&w2, &w.owner, 3, b);
    review_new(&w2, &w.owner, 2, c);
    /* the newest rating.updated of each listing carries the provider's total */
    assert_int_equal(outbox_value("rating.updated", "listing_id", w2.listing, "$.data.listing.count"), 2000);
    assert_int_equal(outbox_value("rating.updated", "listing_id", w2.listing, "$.data.listing.sum"), 5000);
    assert_int_equal(outbox_value("rating.updated", "listing_id", w2.listing, "$.data.provider.count"), 3000);
    assert_int_equal(outbox_value("rating.updated", "listing_id", w2.listing, "$.data.provider.sum"), 10000);
    assert_int_equal(outbox_value("rating.updated", "listing_id", w.listing, "$.data.listing.count"), 1000);
    assert_int_equal(outbox_value("rating.updated", "listing_id", w.listing, "$.data.provider.count"), 1000);
    /* sequence numbers let consumers drop an aggregate older than one they applied */
    assert_int_equal(outbox_value("rating.updated", "listing_id", w2.listing, "$.data.listing.seq"), 2000);
    assert_int_equal(outbox_value("rating.updated", "listing_id", w2.listing, "$.data.provider.seq"), 3000);
    struct listing_rating want = {w2.listing, 2, 2.5, 3.75}; /* 45 / 12 */
    assert_true(e2e_eventually(boarding_shows, &want, 5000));
}

/* ---------- tamper evidence ---------- */

static void tampered_review_is_shown_as_hidden(void **state)
{
    (void)state;
    struct world w;
    world_new(&w);
    char id[24];
    review_new(&w, &w.owner, 1, id);
    json_t *l = listed(w.listing, id);
    assert_true(json_is_false(json_object_get(l, "hidden")));
    json_decref(l);
    /* someone with database access turns 1 star into 5 */
    double failures = e2e_metric("review", "pb_review_integrity_failures_total{service=\"review\"}");
    e2e_db_exec("UPDATE pb_review.review SET rating = 5 WHERE id = ?", "u", u64(id));
    l = listed(w.listing, id);
    assert_true(e2e_metric("review", "pb_review_integrity_failures_total{service=\"review\"}") >= failures + 1);
    assert_non_null(l);
    assert_true(json_is_true(json_object_get(l, "hidden")));
    assert_string_equal(item_str(l, "hidden_reason"), "integrity check failed");
    assert_true(json_is_null(json_object_get(l, "rating")));
    assert_true(json_is_null(json_object_get(l, "text")));
    json_decref(l);
    /* put back, it checks out again */
    e2e_db_exec("UPDATE pb_review.review SET rating = 1 WHERE id = ?", "u", u64(id));
    l = listed(w.listing, id);
    assert_true(json_is_false(json_object_get(l, "hidden")));
    assert_int_equal(item_int(l, "rating"), 1);
    json_decref(l);
    /* an edited reply is caught too */
    struct resp *r = post_fmt("/api/v1/reviews/%s/reply", id, w.provider.token, json_pack("{s:s}", "text", "抱歉"));
    EXPECT_STATUS(r, 201);
    e2e_resp_free(r);
    e2e_db_exec("UPDATE pb_review.review SET reply_text = '您说得对' WHERE id = ?", "u", u64(id));
    l = listed(w.listing, id);
    assert_true(json_is_true(json_object_get(l, "hidden")));
    assert_string_equal(item_str(l, "hidden_reason"), "integrity check failed");
    assert_true(json_is_null(json_object_get(l, "reply")));
    json_decref(l);
}

/* ---------- the order.completed consumer ---------- */

struct processed {
    const char *event_id;
};

static bool event_processed(void *arg)
{
    const struct processed *p = arg;
    return e2e_db_int("SELECT COUNT(*) FROM pb_review.processed_event WHERE consumer = 'review-order-completed' AND "
                      "event_id = ?",
                      "u", u64(p->event_id)) > 0;
}

static void duplicate_events_make_one_eligible_order(void **state)
{
    (void)state;
    struct world w;
    world_new(&w);
    char order[24], eid[24];
    order_id_new(order);
    order_id_new(eid);
    int64_t done = time_now_ms();
    e2e_publish_event_id("order", "order.completed",
                         completed_data(order, w.listing, w.owner.id, w.provider.id, done), eid);
    e2e_publish_event_id("order", "order.completed",
                         completed_data(order, w.listing, w.owner.id, w.provider.id, done), eid);
    assert_true(e2e_eventually(eligible_exists, order, 10000));
    /* the same order completed "again" under another event id changes nothing either */
    char eid2[24];
    e2e_publish_event("order", "order.completed",
                      completed_data(order, w.listing, w.owner.id, w.provider.id, done - 5 * DAY_MS), eid2);
    struct processed p = {eid2};
    assert_true(e2e_eventually(event_processed, &p, 10000));
    assert_int_equal(e2e_db_int("SELECT COUNT(*) FROM pb_review.eligible_order WHERE order_id = ?", "u", u64(order)),
                     1);
    assert_int_equal(e2e_db_int("SELECT COUNT(*) FROM pb_review.processed_event WHERE consumer = "
                                "'review-order-completed' AND event_id = ?",
                                "u", u64(eid)),
                     1);
    assert_int_equal(e2e_db_int("SELECT event_id = ? AND completed_ms = ? FROM pb_review.eligible_order WHERE "
                                "order_id = ?",
                                "uiu", u64(eid), done, u64(order)),
                     1);
    struct resp *r = post_review(w.owner.token, order, 4, "好");
    EXPECT_STATUS(r, 201);
    e2e_resp_free(r);
}

static bool dead_lettered(void *arg)
{
    double before = *(double *)arg;
    return e2e_metric("review", "pb_events_dead_lettered_total{service=\"review\",consumer=\"review-order-completed\"}") >
           before;
}

static void malformed_event_does_not_block(void **state)
{
    (void)state;
    struct world w;
    world_new(&w);
    double before =
        e2e_metric("review", "pb_events_dead_lettered_total{service=\"review\",consumer=\"review-order-completed\"}");
    /* no owner: never valid, retried with backoff, then parked on the dead-letter subject */
    json_t *bad = completed_data("1", w.listing, w.owner.id, w.provider.id, time_now_ms());
    json_object_del(json_object_get(bad, "order"), "owner_id");
    e2e_publish_event("order", "order.completed", bad, NULL);
    /* meanwhile later events go through */
    char order[24];
    complete_order(&w, &w.owner, order);
    assert_true(e2e_eventually(dead_lettered, &before, 45000));
}

static void events_wait_while_the_service_is_down(void **state)
{
    (void)state;
    struct world w;
    world_new(&w);
    e2e_stack_service("review", "stop", NULL);
    char order[24];
    order_id_new(order);
    e2e_publish_event("order", "order.completed",
                      completed_data(order, w.listing, w.owner.id, w.provider.id, time_now_ms()), NULL);
    usleep(300000);
    assert_int_equal(e2e_db_int("SELECT COUNT(*) FROM pb_review.eligible_order WHERE order_id = ?", "u", u64(order)),
                     0);
    e2e_stack_service("review", "start", NULL);
    assert_true(e2e_eventually(eligible_exists, order, 10000));
    struct resp *r = post_review(w.owner.token, order, 5, "服务重启后也能评价");
    EXPECT_STATUS(r, 201);
    e2e_resp_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(post_and_read_back),
        cmocka_unit_test(bad_input),
        cmocka_unit_test(eligibility_matrix),
        cmocka_unit_test(roles_and_replies),
        cmocka_unit_test(pages_newest_first),
        cmocka_unit_test(rating_math_and_moderation),
        cmocka_unit_test(admin_review_list),
        cmocka_unit_test(rating_cache_stays_fresh),
        cmocka_unit_test(provider_aggregate_spans_listings),
        cmocka_unit_test(tampered_review_is_shown_as_hidden),
        cmocka_unit_test(duplicate_events_make_one_eligible_order),
        cmocka_unit_test(events_wait_while_the_service_is_down),
        cmocka_unit_test(review_window),
        cmocka_unit_test(malformed_event_does_not_block),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
