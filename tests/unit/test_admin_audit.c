/* Admin audit trail helpers: how a callee's status maps to ours, call details, the detail
 * of a refusal by the rules, UTF-8-safe clipping, and how an entry is rendered. */
#include "unit.h"
#include "audit.h"

#include <string.h>

static void callee_statuses_keep_their_meaning(void **state)
{
    (void)state;
    assert_int_equal(audit_err_for_status(200), ERR_OK);
    assert_int_equal(audit_err_for_status(201), ERR_OK);
    assert_int_equal(audit_err_for_status(400), ERR_BAD_REQUEST);
    assert_int_equal(audit_err_for_status(403), ERR_FORBIDDEN);
    assert_int_equal(audit_err_for_status(404), ERR_NOT_FOUND);
    assert_int_equal(audit_err_for_status(409), ERR_CONFLICT);
    assert_int_equal(audit_err_for_status(422), ERR_INVALID);
    /* no answer, overload and the callee's own failures are ours to call unavailable */
    assert_int_equal(audit_err_for_status(0), ERR_UNAVAILABLE);
    assert_int_equal(audit_err_for_status(429), ERR_UNAVAILABLE);
    assert_int_equal(audit_err_for_status(500), ERR_UNAVAILABLE);
    assert_int_equal(audit_err_for_status(503), ERR_UNAVAILABLE);
    /* a refused internal token or a wrong method is our mistake, not the admin's */
    assert_int_equal(audit_err_for_status(401), ERR_INTERNAL);
    assert_int_equal(audit_err_for_status(405), ERR_INTERNAL);
    assert_int_equal(audit_outcome_parse("done"), AUDIT_DONE);
    assert_int_equal(audit_outcome_parse("requested"), AUDIT_REQUESTED);
    assert_int_equal(audit_outcome_parse("nope"), -1);
}

static void call_details(void **state)
{
    (void)state;
    char buf[200];
    json_t *user = json_pack("{s:s,s:s}", "id", "1", "status", "active");
    audit_call_detail(buf, sizeof buf, "user", true, 200, user);
    assert_string_equal(buf, "user service: 200, status now active");
    json_t *aff = json_pack("{s:i}", "affected", 3);
    audit_call_detail(buf, sizeof buf, "boarding", true, 200, aff);
    assert_string_equal(buf, "boarding service: 200, 3 listings affected");
    json_t *err = json_pack("{s:{s:s,s:s}}", "error", "code", "conflict", "message", "not pending");
    audit_call_detail(buf, sizeof buf, "user", true, 409, err);
    assert_string_equal(buf, "user service: 409 conflict: not pending");
    audit_call_detail(buf, sizeof buf, "boarding", false, 0, NULL);
    assert_string_equal(buf, "boarding service did not answer");
    audit_call_detail(buf, sizeof buf, "user", true, 502, NULL);
    assert_string_equal(buf, "user service: 502");
    /* a long Chinese message is cut on a character boundary */
    json_t *zh = json_pack("{s:{s:s,s:s}}", "error", "code", "conflict", "message", "状态不允许此操作状态不允许此操作");
    for (size_t cap = 1; cap < 80; cap++) {
        char small[80];
        audit_call_detail(small, cap, "user", true, 409, zh);
        assert_true(strlen(small) < cap);
        json_t *j = json_string(small);
        assert_non_null(j); /* jansson refuses invalid UTF-8 */
        json_decref(j);
    }
    json_decref(zh);
    json_decref(user);
    json_decref(aff);
    json_decref(err);
}

static void clipping(void **state)
{
    (void)state;
    char s[32];
    strcpy(s, "ab中文");          /* 2 + 3 + 3 bytes */
    audit_clip_utf8(s, 4);        /* would cut 中 in two */
    assert_string_equal(s, "ab");
    strcpy(s, "ab中文");
    audit_clip_utf8(s, 5);
    assert_string_equal(s, "ab中");
    strcpy(s, "ab中文");
    audit_clip_utf8(s, 100);
    assert_string_equal(s, "ab中文");
    strcpy(s, "ab\xe4\xb8");      /* already ends inside a character */
    audit_clip_utf8(s, 100);
    assert_string_equal(s, "ab");
    strcpy(s, "\xf0\x9f\x90\xb6x"); /* a 4-byte dog */
    audit_clip_utf8(s, 3);
    assert_string_equal(s, "");
    audit_clip_utf8(s, 0);
    assert_string_equal(s, "");
}

static void refusal_detail(void **state)
{
    (void)state;
    json_t *v = json_pack("[{s:s,s:s,s:s},{s:s,s:s,s:s}]", "rule", "banned_word", "field", "title", "detail",
                          "contains the banned word \"虐待\"", "rule", "min_price", "field", "price_per_night_fen",
                          "detail", "500 fen is below the minimum of 1000 fen");
    char buf[AUDIT_DETAIL_BYTES];
    audit_violations_detail(buf, sizeof buf, 3, v);
    assert_string_equal(buf, "refused: breaks platform rules (version 3); title: contains the banned word \"虐待\"; "
                             "price_per_night_fen: 500 fen is below the minimum of 1000 fen");
    for (size_t cap = 1; cap < 140; cap++) {
        char small[140];
        audit_violations_detail(small, cap, 3, v);
        assert_true(strlen(small) < cap);
        json_t *j = json_string(small);
        assert_non_null(j);
        json_decref(j);
    }
    json_decref(v);
}

static void entries_render(void **state)
{
    (void)state;
    struct audit_entry a;
    memset(&a, 0, sizeof a);
    a.id = 291648517357568000ULL;
    a.actor_id = 7;
    strcpy(a.action, "provider.reject");
    strcpy(a.target_type, "user");
    strcpy(a.target_id, "12345");
    a.outcome = AUDIT_FAILED;
    strcpy(a.detail, "user service: 409 conflict: x");
    a.callee_status = 409;
    a.created_ms = 1767225600000LL; /* 2026-01-01T00:00:00Z */
    a.updated_ms = a.created_ms + 5;
    json_t *j = audit_entry_json(&a);
    assert_string_equal(json_string_value(json_object_get(j, "id")), "291648517357568000");
    assert_string_equal(json_string_value(json_object_get(j, "actor_id")), "7");
    assert_string_equal(json_string_value(json_object_get(j, "action")), "provider.reject");
    assert_string_equal(json_string_value(json_object_get(j, "target_type")), "user");
    assert_string_equal(json_string_value(json_object_get(j, "target_id")), "12345");
    assert_true(json_is_null(json_object_get(j, "reason"))); /* none given */
    assert_string_equal(json_string_value(json_object_get(j, "outcome")), "failed");
    assert_int_equal(json_integer_value(json_object_get(j, "callee_status")), 409);
    assert_true(json_is_null(json_object_get(j, "request_id")));
    assert_string_equal(json_string_value(json_object_get(j, "created_at")), "2026-01-01T00:00:00.000Z");
    assert_string_equal(json_string_value(json_object_get(j, "updated_at")), "2026-01-01T00:00:00.005Z");
    json_decref(j);
    a.has_reason = true;
    strcpy(a.reason, "资料不全");
    a.outcome = AUDIT_REQUESTED;
    a.callee_status = 0;
    j = audit_entry_json(&a);
    assert_string_equal(json_string_value(json_object_get(j, "reason")), "资料不全");
    assert_string_equal(json_string_value(json_object_get(j, "outcome")), "requested");
    assert_true(json_is_null(json_object_get(j, "callee_status")));
    json_decref(j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(callee_statuses_keep_their_meaning),
        cmocka_unit_test(call_details),
        cmocka_unit_test(clipping),
        cmocka_unit_test(refusal_detail),
        cmocka_unit_test(entries_render),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
