/* Review content rules: the canonical form and its SHA-256 (pinned by known vectors), that
 * every content field changes the hash, integrity checks of reviews and replies, how visible,
 * hidden and tampered reviews are shown, and reading order.completed events. */
#include "unit.h"
#include "content.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

static struct review sample(void)
{
    struct review r = {
        .id = 300000000000000001ULL,
        .order_id = 300000000000000002ULL,
        .listing_id = 300000000000000003ULL,
        .provider_id = 300000000000000004ULL,
        .owner_id = 300000000000000005ULL,
        .owner_display_name = "小王",
        .rating = 5,
        .care = 4,
        .communication = 0,
        .cleanliness = 3,
        .text = "很好的寄养。\n狗狗很开心！",
        .created_ms = 1767225600000LL,
    };
    return r;
}

static void canonical_form_and_known_hashes(void **state)
{
    (void)state;
    struct review r = sample();
    size_t len = 0;
    char *c = review_canonical(&r, &len);
    assert_non_null(c);
    const char *want_head = "pb-review/1\nid=300000000000000001\norder_id=300000000000000002\n"
                            "listing_id=300000000000000003\nprovider_id=300000000000000004\n"
                            "owner_id=300000000000000005\nrating=5\ncare=4\ncommunication=\ncleanliness=3\n"
                            "created_ms=1767225600000\ntext=";
    assert_int_equal(strncmp(c, want_head, strlen(want_head)), 0);
    assert_int_equal(len, strlen(c));
    free(c);
    assert_true(review_seal(&r));
    /* pinned: computed independently (Python hashlib) from the documented form */
    assert_string_equal(r.sha256, "5fc56a5a7ce7929d6102b5351a4f0a29e138d7d40178ea0d8e51825776dd164d");
    r.reply_text = "谢谢！";
    r.reply_ms = 1767312000000LL;
    assert_true(review_seal_reply(&r));
    assert_string_equal(r.reply_sha256, "6706e947573b8b0458c6d5cf8adf5b350768e9014a7ed9fb683c7009118c8962");
    assert_true(review_intact(&r));
    /* the same content always hashes the same */
    struct review again = sample();
    assert_true(review_seal(&again));
    assert_string_equal(again.sha256, "5fc56a5a7ce7929d6102b5351a4f0a29e138d7d40178ea0d8e51825776dd164d");
}

static void every_content_field_counts(void **state)
{
    (void)state;
    struct review base = sample();
    assert_true(review_seal(&base));
    for (int k = 0; k < 12; k++) {
        struct review r = sample();
        switch (k) {
        case 0: r.id++; break;
        case 1: r.order_id++; break;
        case 2: r.listing_id++; break;
        case 3: r.provider_id++; break;
        case 4: r.owner_id++; break;
        case 5: r.rating = 4; break;
        case 6: r.care = 0; break;
        case 7: r.communication = 1; break;
        case 8: r.cleanliness = 5; break;
        case 9: r.created_ms++; break;
        case 10: r.text = "很好的寄养。\n狗狗很开心!"; break;
        default: r.text = ""; break;
        }
        assert_true(review_seal(&r));
        assert_string_not_equal(r.sha256, base.sha256);
        /* a stored hash of the original does not match the changed content */
        memcpy(r.sha256, base.sha256, sizeof r.sha256);
        assert_false(review_intact(&r));
    }
    /* moderation state and the display name are not content */
    struct review r = sample();
    r.owner_display_name = "改名了";
    r.hidden = true;
    r.hidden_reason = "spam";
    memcpy(r.sha256, base.sha256, sizeof r.sha256);
    assert_true(review_intact(&r));
    /* the text is length-prefixed: text that imitates a field boundary is still different */
    struct review a = sample(), b = sample();
    a.text = "x\ntext=1:y";
    b.text = "x";
    assert_true(review_seal(&a));
    assert_true(review_seal(&b));
    assert_string_not_equal(a.sha256, b.sha256);
}

static void integrity_of_stored_rows(void **state)
{
    (void)state;
    struct review r = sample();
    assert_true(review_seal(&r));
    assert_true(review_intact(&r));
    /* a malformed or missing stored hash never matches */
    struct review m = r;
    m.sha256[0] = 0;
    assert_false(review_intact(&m));
    m = r;
    m.sha256[10] = m.sha256[10] == 'a' ? 'b' : 'a';
    assert_false(review_intact(&m));
    /* the reply is checked too */
    r.reply_text = "感谢好评";
    r.reply_ms = 1767312000000LL;
    assert_true(review_seal_reply(&r));
    assert_true(review_intact(&r));
    struct review t = r;
    t.reply_text = "感谢差评";
    assert_false(review_intact(&t));
    t = r;
    t.reply_ms++;
    assert_false(review_intact(&t));
    t = r;
    t.reply_sha256[0] = 0;
    assert_false(review_intact(&t));
}

static const char *str(const json_t *j, const char *k) { return json_string_value(json_object_get(j, k)); }

static void views(void **state)
{
    (void)state;
    struct review r = sample();
    assert_true(review_seal(&r));
    json_t *j = review_json(&r, true);
    assert_non_null(j);
    assert_string_equal(str(j, "id"), "300000000000000001");
    assert_string_equal(str(j, "order_id"), "300000000000000002");
    assert_string_equal(str(j, "listing_id"), "300000000000000003");
    assert_string_equal(str(j, "owner_id"), "300000000000000005");
    assert_string_equal(str(j, "owner_display_name"), "小王");
    assert_int_equal(json_integer_value(json_object_get(j, "rating")), 5);
    assert_int_equal(json_integer_value(json_object_get(j, "care")), 4);
    assert_true(json_is_null(json_object_get(j, "communication")));
    assert_int_equal(json_integer_value(json_object_get(j, "cleanliness")), 3);
    assert_string_equal(str(j, "text"), "很好的寄养。\n狗狗很开心！");
    assert_true(json_is_null(json_object_get(j, "reply")));
    assert_true(json_is_false(json_object_get(j, "hidden")));
    assert_true(json_is_null(json_object_get(j, "hidden_reason")));
    assert_string_equal(str(j, "created_at"), "2026-01-01T00:00:00.000Z");
    assert_null(json_object_get(j, "provider_id")); /* not part of the public shape */
    json_decref(j);

    /* hidden by moderation: listed, content withheld, reason shown, reply kept */
    r.reply_text = "谢谢";
    r.reply_ms = 1767312000000LL;
    assert_true(review_seal_reply(&r));
    r.hidden = true;
    r.hidden_reason = "含有辱骂内容";
    j = review_json(&r, true);
    assert_true(json_is_true(json_object_get(j, "hidden")));
    assert_string_equal(str(j, "hidden_reason"), "含有辱骂内容");
    const char *gone[] = {"rating", "care", "communication", "cleanliness", "text"};
    for (size_t i = 0; i < 5; i++)
        assert_true(json_is_null(json_object_get(j, gone[i])));
    assert_string_equal(str(json_object_get(j, "reply"), "text"), "谢谢");
    assert_string_equal(str(json_object_get(j, "reply"), "created_at"), "2026-01-02T00:00:00.000Z");
    assert_string_equal(str(j, "id"), "300000000000000001");
    json_decref(j);

    /* failing the integrity check: shown as hidden with that reason, reply withheld too */
    r.hidden = false;
    r.hidden_reason = NULL;
    j = review_json(&r, false);
    assert_true(json_is_true(json_object_get(j, "hidden")));
    assert_string_equal(str(j, "hidden_reason"), REVIEW_INTEGRITY_REASON);
    for (size_t i = 0; i < 5; i++)
        assert_true(json_is_null(json_object_get(j, gone[i])));
    assert_true(json_is_null(json_object_get(j, "reply")));
    json_decref(j);
}

static void moderator_view(void **state)
{
    (void)state;
    struct review r = sample();
    assert_true(review_seal(&r));
    /* visible: nothing withheld, so no originals */
    json_t *j = review_admin_json(&r, true);
    assert_false(json_is_true(json_object_get(j, "hidden")));
    assert_true(json_is_null(json_object_get(j, "moderated_original")));
    assert_true(json_is_true(json_object_get(j, "integrity_ok")));
    assert_true(json_is_null(json_object_get(j, "hidden_at")));
    assert_string_equal(json_string_value(json_object_get(j, "provider_id")), "300000000000000004");
    assert_int_equal(json_integer_value(json_object_get(j, "rating")), 5);
    json_decref(j);
    /* hidden: the public fields stay withheld, the originals are beside them */
    r.hidden = true;
    r.hidden_reason = "含广告";
    r.hidden_ms = 1767312000000LL;
    j = review_admin_json(&r, true);
    assert_true(json_is_true(json_object_get(j, "hidden")));
    assert_string_equal(json_string_value(json_object_get(j, "hidden_reason")), "含广告");
    assert_string_equal(json_string_value(json_object_get(j, "hidden_at")), "2026-01-02T00:00:00.000Z");
    assert_true(json_is_null(json_object_get(j, "rating")));
    assert_true(json_is_null(json_object_get(j, "text")));
    json_t *o = json_object_get(j, "moderated_original");
    assert_int_equal(json_integer_value(json_object_get(o, "rating")), 5);
    assert_int_equal(json_integer_value(json_object_get(o, "care")), 4);
    assert_true(json_is_null(json_object_get(o, "communication")));
    assert_int_equal(json_integer_value(json_object_get(o, "cleanliness")), 3);
    assert_string_equal(json_string_value(json_object_get(o, "text")), "很好的寄养。\n狗狗很开心！");
    json_decref(j);
    /* failing its integrity check but not moderated: hidden stays false, integrity_ok says why */
    r.hidden = false;
    r.hidden_reason = NULL;
    r.hidden_ms = 0;
    j = review_admin_json(&r, false);
    assert_false(json_is_true(json_object_get(j, "hidden")));
    assert_true(json_is_null(json_object_get(j, "hidden_reason")));
    assert_true(json_is_false(json_object_get(j, "integrity_ok")));
    assert_non_null(json_string_value(json_object_get(json_object_get(j, "moderated_original"), "text")));
    json_decref(j);
}

static void order_completed_events(void **state)
{
    (void)state;
    json_t *d = json_pack("{s:{s:s,s:s,s:s,s:s,s:s,s:[s],s:s,s:s,s:i,s:i,s:s,s:s,s:n},s:s}", "order", "id",
                          "300000000000000010", "listing_id", "300000000000000011", "listing_title", "阳光宠物之家",
                          "owner_id", "300000000000000012", "provider_id", "300000000000000013", "pet_ids",
                          "300000000000000014", "start_date", "2026-01-01", "end_date", "2026-01-04", "nights", 3,
                          "total_fen", 36000, "currency", "CNY", "status", "completed", "pay_before",
                          "completed_at", "2026-01-04T10:00:00.000Z");
    struct review_eligible e;
    assert_true(review_parse_completed(d, &e));
    assert_true(e.order_id == 300000000000000010ULL);
    assert_true(e.listing_id == 300000000000000011ULL);
    assert_true(e.owner_id == 300000000000000012ULL);
    assert_true(e.provider_id == 300000000000000013ULL);
    assert_true(e.completed_ms == 1767520800000LL);
    /* each missing or malformed field makes it unreadable */
    const char *paths[] = {"id", "listing_id", "owner_id", "provider_id"};
    for (size_t i = 0; i < 4; i++) {
        json_t *c = json_deep_copy(d);
        json_object_set_new(json_object_get(c, "order"), paths[i], json_integer(5));
        assert_false(review_parse_completed(c, &e));
        json_object_del(json_object_get(c, "order"), paths[i]);
        assert_false(review_parse_completed(c, &e));
        json_decref(c);
    }
    json_t *c = json_deep_copy(d);
    json_object_set_new(c, "completed_at", json_string("yesterday"));
    assert_false(review_parse_completed(c, &e));
    json_object_del(c, "completed_at");
    assert_false(review_parse_completed(c, &e));
    json_object_del(c, "order");
    assert_false(review_parse_completed(c, &e));
    json_decref(c);
    json_decref(d);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(canonical_form_and_known_hashes),
        cmocka_unit_test(every_content_field_counts),
        cmocka_unit_test(integrity_of_stored_rows),
        cmocka_unit_test(views),
        cmocka_unit_test(moderator_view),
        cmocka_unit_test(order_completed_events),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
