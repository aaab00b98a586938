/* Daily care logs through the gateway: the provider writes during the stay (and until a day
 * after it), the owner reads the timeline, nobody else sees it; every entry is announced.
 * Photos are the provider's care-log photos by media id, shown to the readers signed. */
#include "harness.h"
#include "dates.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct e2e_user owner, other_owner, provider, other_provider;
static char order_id[24], listing[24];

static struct resp *act(const char *id, const char *action, const struct e2e_user *u)
{
    char path[128];
    snprintf(path, sizeof path, "/api/v1/orders/%s/%s", id, action);
    return e2e_call("POST", path, u->token, NULL);
}

static struct resp *write_log(const char *id, const struct e2e_user *u, json_t *body)
{
    char path[128];
    snprintf(path, sizeof path, "/api/v1/orders/%s/care-logs", id);
    return e2e_call("POST", path, u ? u->token : NULL, body);
}

static struct resp *read_log(const char *id, const struct e2e_user *u)
{
    char path[128];
    snprintf(path, sizeof path, "/api/v1/orders/%s/care-logs", id);
    return e2e_call("GET", path, u ? u->token : NULL, NULL);
}

/* A stay of nights today..today+1, paid and accepted (not yet checked in). */
static void stay(char *id)
{
    char s[DATE_STR_LEN], e[DATE_STR_LEN], p2[24];
    date_format(date_today(), s);
    date_format(date_today() + 2, e);
    e2e_pet_new(&owner, NULL, p2);
    struct resp *r = e2e_call("POST", "/api/v1/orders", owner.token,
                              json_pack("{s:s,s:[s],s:s,s:s}", "listing_id", listing, "pet_ids", p2, "start_date", s,
                                        "end_date", e));
    EXPECT_STATUS(r, 201);
    snprintf(id, 24, "%s", e2e_str(r, "id"));
    e2e_resp_free(r);
    e2e_pay(&owner, id, NULL);
    r = act(id, "accept", &provider);
    EXPECT_STATUS(r, 200);
    e2e_resp_free(r);
}

static int setup(void **state)
{
    (void)state;
    e2e_user_new(&owner, "owner");
    e2e_user_new(&other_owner, "owner");
    e2e_provider_approved(&provider);
    e2e_provider_approved(&other_provider);
    e2e_listing_new(&provider, NULL, true, listing);
    stay(order_id);
    return 0;
}

static void written_only_in_care(void **state)
{
    (void)state;
    char today[DATE_STR_LEN];
    date_format(date_today(), today);
    struct resp *r = write_log(order_id, &provider, json_pack("{s:s,s:s}", "date", today, "notes", "还没入住"));
    EXPECT_ERROR(r, 409, "conflict"); /* confirmed, not checked in */
    e2e_resp_free(r);
    r = act(order_id, "check-in", &provider);
    EXPECT_STATUS(r, 200);
    e2e_resp_free(r);
    char photo[2][24];
    e2e_photo_new(&provider, "care_log", photo[0]);
    e2e_photo_new(&provider, "care_log", photo[1]);
    r = write_log(order_id, &provider,
                  json_pack("{s:s,s:s,s:i,s:s,s:s,s:s,s:[s,s]}", "date", today, "meals", "早晚各一次，吃得很香", "walks",
                            2, "medication_given", "驱虫药一片", "mood", "happy", "notes", "在院子里玩了很久\n晚上睡得很好",
                            "photos", photo[0], photo[1]));
    EXPECT_STATUS(r, 201);
    assert_string_equal(e2e_str(r, "mood"), "happy");
    assert_int_equal(e2e_int(r, "walks"), 2);
    assert_string_equal(e2e_str(r, "photos.1.id"), photo[1]);
    char entry[24];
    snprintf(entry, sizeof entry, "%s", e2e_str(r, "id"));
    e2e_resp_free(r);
    r = write_log(order_id, &provider, json_pack("{s:s,s:s}", "date", today, "notes", "下午又散步一次"));
    EXPECT_STATUS(r, 201); /* several entries a day */
    e2e_resp_free(r);
    /* the owner reads the timeline in order */
    r = read_log(order_id, &owner);
    EXPECT_STATUS(r, 200);
    assert_int_equal(json_array_size(e2e_get(r, "items")), 2);
    assert_string_equal(e2e_str(r, "items.0.id"), entry);
    assert_string_equal(e2e_str(r, "items.0.notes"), "在院子里玩了很久\n晚上睡得很好");
    assert_string_equal(e2e_str(r, "items.1.notes"), "下午又散步一次");
    /* with the photos, signed for the owner, in order, and fetchable */
    json_t *photos = e2e_get(r, "items.0.photos");
    assert_int_equal(json_array_size(photos), 2);
    e2e_expect_photo(json_array_get(photos, 0), photo[0]);
    e2e_expect_photo(json_array_get(photos, 1), photo[1]);
    assert_non_null(strstr(e2e_str(r, "items.0.photos.0.url"), "/media/p/"));
    assert_int_equal(json_array_size(e2e_get(r, "items.1.photos")), 0);
    e2e_resp_free(r);
    /* stored as media ids */
    assert_int_equal(e2e_db_int("SELECT COUNT(*) FROM pb_order.care_log WHERE id = ? AND "
                                "JSON_EQUALS(photos, JSON_ARRAY(?, ?))", "uss", strtoull(entry, NULL, 10), photo[0],
                                photo[1]), 1);
    /* the provider who wrote it reads the same photos */
    r = read_log(order_id, &provider);
    EXPECT_STATUS(r, 200);
    e2e_expect_photo(e2e_get(r, "items.0.photos.1"), photo[1]);
    e2e_resp_free(r);
    /* each entry is announced for the owner's notifications */
    assert_int_equal(e2e_db_int("SELECT COUNT(*) FROM pb_order.outbox WHERE subject = 'petboarding.care_log.added' "
                                "AND payload LIKE CONCAT('%', ?, '%')", "s", entry), 1);
}

static void nobody_else(void **state)
{
    (void)state;
    char today[DATE_STR_LEN];
    date_format(date_today(), today);
    json_t *body = json_pack("{s:s,s:s}", "date", today, "notes", "x");
    struct resp *r = write_log(order_id, &other_provider, json_deep_copy(body));
    EXPECT_ERROR(r, 404, "not_found");
    e2e_resp_free(r);
    r = write_log(order_id, &owner, json_deep_copy(body));
    EXPECT_ERROR(r, 403, "forbidden");
    e2e_resp_free(r);
    r = write_log(order_id, NULL, body);
    EXPECT_ERROR(r, 401, "unauthenticated");
    e2e_resp_free(r);
    r = read_log(order_id, &other_owner);
    EXPECT_ERROR(r, 404, "not_found");
    e2e_resp_free(r);
    r = read_log(order_id, &other_provider);
    EXPECT_ERROR(r, 404, "not_found");
    e2e_resp_free(r);
    r = read_log(order_id, NULL);
    EXPECT_ERROR(r, 401, "unauthenticated");
    e2e_resp_free(r);
    r = read_log(order_id, &provider); /* the writer sees what it wrote */
    EXPECT_STATUS(r, 200);
    e2e_resp_free(r);
    struct e2e_user admin;
    e2e_admin(&admin);
    r = read_log(order_id, &admin);
    EXPECT_STATUS(r, 200);
    e2e_resp_free(r);
}

static void bad_entries(void **state)
{
    (void)state;
    char yesterday[DATE_STR_LEN], tomorrow[DATE_STR_LEN], today[DATE_STR_LEN];
    date_format(date_today() - 1, yesterday);
    date_format(date_today() + 1, tomorrow);
    date_format(date_today(), today);
    struct resp *r = write_log(order_id, &provider, json_pack("{s:s,s:s}", "date", yesterday, "notes", "入住前"));
    EXPECT_ERROR(r, 422, "validation_failed"); /* not a day of the stay */
    assert_non_null(e2e_field_error(r, "date"));
    e2e_resp_free(r);
    r = write_log(order_id, &provider, json_pack("{s:s,s:s}", "date", tomorrow, "notes", "明天"));
    EXPECT_ERROR(r, 422, "validation_failed"); /* in the future */
    e2e_resp_free(r);
    r = write_log(order_id, &provider, json_pack("{s:s}", "date", today));
    EXPECT_ERROR(r, 422, "validation_failed"); /* empty */
    e2e_resp_free(r);
    r = write_log(order_id, &provider, json_pack("{s:s,s:s,s:i,s:[s]}", "date", today, "mood", "grumpy", "walks", 99,
                                                "photos", "file:///etc/passwd"));
    EXPECT_ERROR(r, 422, "validation_failed");
    assert_non_null(e2e_field_error(r, "mood"));
    assert_non_null(e2e_field_error(r, "walks"));
    assert_non_null(e2e_field_error(r, "photos"));
    e2e_resp_free(r);
    r = write_log(order_id, &provider, json_pack("{s:s,s:i}", "date", today, "notes", 5));
    EXPECT_ERROR(r, 400, "bad_request");
    e2e_resp_free(r);
    /* photos: only the provider's own care-log photos, at most 9 */
    char mine[24], listing_photo[24], theirs[24];
    e2e_photo_new(&provider, "care_log", mine);
    e2e_photo_new(&provider, "listing", listing_photo);
    e2e_photo_new(&other_provider, "care_log", theirs);
    struct {
        json_t *photos;
        const char *field;
    } bad[] = {
        {json_pack("[s,s]", mine, theirs), "photos.1"},        /* another provider's */
        {json_pack("[s]", listing_photo), "photos.0"},         /* another purpose */
        {json_pack("[s,s]", "999999999999", mine), "photos.0"}, /* no such photo */
        {json_pack("[s,s,s,s,s,s,s,s,s,s]", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10"), "photos"},
        {json_pack("[s,s]", mine, mine), "photos"},
    };
    long long before = e2e_db_int("SELECT COUNT(*) FROM pb_order.care_log WHERE order_id = ?", "u",
                                  strtoull(order_id, NULL, 10));
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        r = write_log(order_id, &provider, json_pack("{s:s,s:s,s:o}", "date", today, "notes", "照片", "photos",
                                                    bad[i].photos));
        EXPECT_ERROR(r, 422, "validation_failed");
        if (!e2e_field_error(r, bad[i].field))
            fail_msg("expected %s to be named: %s", bad[i].field, r->body);
        e2e_resp_free(r);
    }
    assert_int_equal(e2e_db_int("SELECT COUNT(*) FROM pb_order.care_log WHERE order_id = ?", "u",
                                strtoull(order_id, NULL, 10)),
                     before);
}

/* A day of a stay takes at most PB_CARE_LOG_MAX_PER_DAY (20) entries: one more is 422
 * limit_reached and writes nothing. */
static void a_day_has_a_bounded_number_of_entries(void **state)
{
    (void)state;
    char id[24], today[DATE_STR_LEN];
    stay(id);
    struct resp *r = act(id, "check-in", &provider);
    EXPECT_STATUS(r, 200);
    e2e_resp_free(r);
    date_format(date_today(), today);
    for (int i = 0; i < 20; i++) {
        r = write_log(id, &provider, json_pack("{s:s,s:s}", "date", today, "notes", "又一条记录"));
        EXPECT_STATUS(r, 201);
        e2e_resp_free(r);
    }
    r = write_log(id, &provider, json_pack("{s:s,s:s}", "date", today, "notes", "第二十一条"));
    EXPECT_ERROR(r, 422, "limit_reached");
    if (!strstr(r->body, "20 care-log entries a day"))
        fail_msg("the message should name the limit: %s", r->body);
    e2e_resp_free(r);
    assert_int_equal(e2e_db_int("SELECT COUNT(*) FROM pb_order.care_log WHERE order_id = ?", "u",
                                strtoull(id, NULL, 10)),
                     20);
    r = read_log(id, &owner);
    EXPECT_STATUS(r, 200);
    assert_int_equal(json_array_size(json_object_get(r->json, "items")), 20);
    e2e_resp_free(r);
}

static void closes_a_day_after_the_stay(void **state)
{
    (void)state;
    struct resp *r = act(order_id, "check-out", &provider);
    EXPECT_STATUS(r, 200);
    e2e_resp_free(r);
    char today[DATE_STR_LEN];
    date_format(date_today(), today);
    r = write_log(order_id, &provider, json_pack("{s:s,s:s}", "date", today, "notes", "离店总结：一切顺利"));
    EXPECT_STATUS(r, 201); /* right after check-out: still open */
    e2e_resp_free(r);
    /* four days later (the stay ended two days from today): closed. Both the order and the
     * user service move their clocks, so tokens made then are valid then. */
    const char *later[] = {"PB_CLOCK_OFFSET_S=345600", NULL};
    e2e_stack_service("user", "restart", later);
    e2e_stack_service("order", "restart", later);
    struct e2e_user p = provider;
    e2e_login(&p);
    r = write_log(order_id, &p, json_pack("{s:s,s:s}", "date", today, "notes", "太晚了"));
    e2e_stack_service("order", "restart", NULL);
    e2e_stack_service("user", "restart", NULL);
    EXPECT_ERROR(r, 409, "conflict");
    e2e_resp_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(written_only_in_care),
        cmocka_unit_test(nobody_else),
        cmocka_unit_test(bad_entries),
        cmocka_unit_test(a_day_has_a_bounded_number_of_entries),
        cmocka_unit_test(closes_a_day_after_the_stay),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
