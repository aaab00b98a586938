/* Photo references: the resolve body, media's answers mapped onto the caller's field (items in
 * order, 422 per id, everything else unavailable or internal), and the rendering of stored
 * photos (private ids signed, public objects as stored, legacy URLs, junk left out). */
#include "unit.h"
#include "mediaref.h"
#include "mediaurl.h"

#include <stdlib.h>
#include <string.h>

static const char TOKEN[] = "0f3a9c1e5b7d2f4a6c8e0b1d3f5a7c9e1b3d5f7a9c0e2b4d6f8a0c2e4b6d8f0a";
#define HOUR 3600
#define NOW (1790000000LL - 1790000000LL % HOUR + 1234)

static const uint64_t IDS[] = {7001, 7002, 7003};

static int setup(void **state)
{
    (void)state;
    return mediaurl_init(TOKEN) ? 0 : -1;
}

/* A response as lib/httpc.h hands it over. */
static struct httpc_resp answer(long status, const char *body)
{
    struct httpc_resp r = {.status = status, .body = strdup(body), .len = strlen(body)};
    r.json = json_loads(body, 0, NULL);
    return r;
}

static void resolve_body(void **state)
{
    (void)state;
    json_t *b = mediaref_resolve_body(42, "pet", IDS, 3);
    char *s = json_dumps(b, JSON_COMPACT | JSON_SORT_KEYS);
    assert_string_equal(s, "{\"ids\":[\"7001\",\"7002\",\"7003\"],\"owner_id\":\"42\",\"purpose\":\"pet\"}");
    free(s);
    json_decref(b);
    b = mediaref_ids_json(IDS, 0);
    assert_true(json_is_array(b) && json_array_size(b) == 0);
    json_decref(b);
}

static void resolved_items_in_order(void **state)
{
    (void)state;
    struct httpc_resp r = answer(200, "{\"items\":["
                                      "{\"id\":\"7001\",\"visibility\":\"public\",\"url\":\"/u1\",\"thumb_url\":\"/t1\"},"
                                      "{\"id\":\"7002\",\"visibility\":\"public\",\"url\":\"/u2\",\"thumb_url\":\"/t2\"}]}");
    json_t *items = NULL, *fields = NULL;
    assert_int_equal(mediaref_resolve_answer(ERR_OK, &r, "photos", IDS, 2, &items, &fields), ERR_OK);
    assert_null(fields);
    char *s = json_dumps(items, JSON_COMPACT | JSON_SORT_KEYS);
    assert_string_equal(s, "[{\"id\":\"7001\",\"thumb_url\":\"/t1\",\"url\":\"/u1\"},"
                           "{\"id\":\"7002\",\"thumb_url\":\"/t2\",\"url\":\"/u2\"}]");
    free(s);
    json_decref(items);
    /* not the ids asked for, or not all of them: not an answer to this request */
    items = NULL;
    assert_int_equal(mediaref_resolve_answer(ERR_OK, &r, "photos", IDS + 1, 2, &items, NULL), ERR_UNAVAILABLE);
    assert_int_equal(mediaref_resolve_answer(ERR_OK, &r, "photos", IDS, 3, &items, NULL), ERR_UNAVAILABLE);
    assert_null(items);
    httpc_resp_free(&r);
    r = answer(200, "{\"items\":[{\"id\":\"7001\",\"url\":\"/u1\"}]}");
    assert_int_equal(mediaref_resolve_answer(ERR_OK, &r, "photos", IDS, 1, &items, NULL), ERR_UNAVAILABLE);
    httpc_resp_free(&r);
}

static void refusals_name_the_callers_field(void **state)
{
    (void)state;
    struct httpc_resp r = answer(422, "{\"error\":{\"code\":\"validation_failed\",\"fields\":{"
                                      "\"ids.0\":\"no such photo of this owner\","
                                      "\"ids.2\":\"was uploaded for listing, not pet\"}}}");
    json_t *items = NULL, *fields = NULL;
    assert_int_equal(mediaref_resolve_answer(ERR_OK, &r, "documents", IDS, 3, &items, &fields), ERR_INVALID);
    assert_null(items);
    char *s = json_dumps(fields, JSON_COMPACT | JSON_SORT_KEYS);
    assert_string_equal(s, "{\"documents.0\":\"no such photo of this owner\","
                           "\"documents.2\":\"was uploaded for listing, not pet\"}");
    free(s);
    json_decref(fields);
    /* an index beyond what was asked, or a field of the request itself, is our own bug */
    fields = NULL;
    assert_int_equal(mediaref_resolve_answer(ERR_OK, &r, "photos", IDS, 2, NULL, &fields), ERR_INTERNAL);
    assert_null(fields);
    httpc_resp_free(&r);
    r = answer(422, "{\"error\":{\"fields\":{\"owner_id\":\"is required\"}}}");
    assert_int_equal(mediaref_resolve_answer(ERR_OK, &r, "photos", IDS, 1, NULL, &fields), ERR_INTERNAL);
    httpc_resp_free(&r);
    r = answer(403, "{\"error\":{\"code\":\"forbidden\"}}");
    assert_int_equal(mediaref_resolve_answer(ERR_OK, &r, "photos", IDS, 1, NULL, NULL), ERR_INTERNAL);
    httpc_resp_free(&r);
}

static void no_answer_is_unavailable(void **state)
{
    (void)state;
    struct httpc_resp none = {0};
    assert_int_equal(mediaref_resolve_answer(ERR_UNAVAILABLE, &none, "photos", IDS, 1, NULL, NULL), ERR_UNAVAILABLE);
    assert_int_equal(mediaref_resolve_answer(ERR_NO_MEMORY, &none, "photos", IDS, 1, NULL, NULL), ERR_NO_MEMORY);
    struct httpc_resp r = answer(503, "{\"error\":{\"code\":\"unavailable\"}}");
    assert_int_equal(mediaref_resolve_answer(ERR_OK, &r, "photos", IDS, 1, NULL, NULL), ERR_UNAVAILABLE);
    httpc_resp_free(&r);
    r = answer(200, "<html>");
    assert_int_equal(mediaref_resolve_answer(ERR_OK, &r, "photos", IDS, 1, NULL, NULL), ERR_UNAVAILABLE);
    httpc_resp_free(&r);
}

static void rendering(void **state)
{
    (void)state;
    json_t *stored = json_loads("[\"7001\", {\"id\":\"7002\",\"url\":\"/media/pub/a\",\"thumb_url\":\"/media/pub/b\"},"
                                "\"HTTPS://img.example.cn/1.jpg\", \"ftp://x\", 5, {\"url\":\"/x\"}, \"0\"]",
                                0, NULL);
    bool signed_any = false;
    json_t *out = mediaref_render(stored, NOW, &signed_any);
    assert_non_null(out);
    assert_true(signed_any);
    assert_int_equal(json_array_size(out), 3); /* the four of no known form are left out */
    json_t *want = mediaurl_photo(7001, NOW);
    assert_true(json_equal(json_array_get(out, 0), want));
    json_decref(want);
    char *s = json_dumps(json_array_get(out, 1), JSON_COMPACT | JSON_SORT_KEYS);
    assert_string_equal(s, "{\"id\":\"7002\",\"thumb_url\":\"/media/pub/b\",\"url\":\"/media/pub/a\"}");
    free(s);
    s = json_dumps(json_array_get(out, 2), JSON_COMPACT | JSON_SORT_KEYS);
    assert_string_equal(s, "{\"id\":null,\"thumb_url\":\"HTTPS://img.example.cn/1.jpg\","
                           "\"url\":\"HTTPS://img.example.cn/1.jpg\"}");
    free(s);
    json_decref(out);
    json_decref(stored);
    /* nothing private: nothing that expires */
    stored = json_loads("[\"https://a.cn/1\"]", 0, NULL);
    out = mediaref_render(stored, NOW, &signed_any);
    assert_false(signed_any);
    assert_int_equal(json_array_size(out), 1);
    json_decref(out);
    json_decref(stored);
    out = mediaref_render(NULL, NOW, &signed_any);
    assert_true(json_is_array(out) && json_array_size(out) == 0 && !signed_any);
    json_decref(out);
    /* without a key a private photo cannot be shown: the rendering fails as a whole */
    stored = json_loads("[\"7001\"]", 0, NULL);
    assert_false(mediaurl_init(NULL));
    assert_null(mediaref_render(stored, NOW, NULL));
    assert_true(mediaurl_init(TOKEN));
    json_decref(stored);
}

static void stamps(void **state)
{
    (void)state;
    int64_t h = NOW - NOW % HOUR;
    assert_int_equal(mediaref_stamp(false, NOW), 0);
    assert_int_equal(mediaref_stamp(true, NOW), h + 2 * HOUR);
    assert_true(mediaref_stamp_current(0, NOW + 10 * HOUR));
    assert_true(mediaref_stamp_current(mediaref_stamp(true, h), h + HOUR - 1));
    assert_false(mediaref_stamp_current(mediaref_stamp(true, h), h + HOUR)); /* the next hour's URLs differ */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(resolve_body),     cmocka_unit_test(resolved_items_in_order),
        cmocka_unit_test(refusals_name_the_callers_field), cmocka_unit_test(no_answer_is_unavailable),
        cmocka_unit_test(rendering),        cmocka_unit_test(stamps),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
