/* Listings through the gateway: provider -> review -> search path, edits and the status
 * machine, availability, authorization, the detail cache (invalidation, stampede), and
 * photos: the provider's own listing photos by media id, shown with their public URLs in the
 * detail, search, the provider's list and the admin's review queue; coordinates read back as
 * written. */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct resp *get_listing(const char *id, const char *token)
{
    char path[96];
    snprintf(path, sizeof path, "/api/v1/listings/%s", id);
    return e2e_call("GET", path, token, NULL);
}

static struct resp *patch_listing(const char *id, const char *token, json_t *body)
{
    char path[96];
    snprintf(path, sizeof path, "/api/v1/listings/%s", id);
    return e2e_call("PATCH", path, token, body);
}

/* Whether a search finds listing id. */
static bool search_finds(const char *query, const char *id)
{
    char path[512];
    snprintf(path, sizeof path, "/api/v1/listings?%s&limit=100", query);
    struct resp *r = e2e_call("GET", path, NULL, NULL);
    EXPECT_STATUS(r, 200);
    bool found = false;
    json_t *items = e2e_get(r, "items");
    for (size_t i = 0; i < json_array_size(items); i++)
        found |= strcmp(json_string_value(json_object_get(json_array_get(items, i), "id")), id) == 0;
    e2e_resp_free(r);
    return found;
}

/* Whether body prints lat and lng exactly as the test wrote them. */
static bool coordinates_as_written(const char *body)
{
    return strstr(body, "\"lat\":30.27,") && strstr(body, "\"lng\":120.15,");
}

/* Coordinates read back as written (120.15, never 120.15000000000001): in the detail as built
 * and as cached, and in the search page. */
static void coordinates_read_back_as_written(void **state)
{
    (void)state;
    struct e2e_user p;
    e2e_provider_approved(&p);
    char city[24], q[96], id[24];
    e2e_unique_name(city, sizeof city, "C");
    e2e_listing_new(&p, json_pack("{s:s,s:f,s:f}", "city", city, "lat", 30.27, "lng", 120.15), true, id);
    for (int i = 0; i < 2; i++) { /* the first read fills the detail cache, the second reads it */
        struct resp *r = get_listing(id, NULL);
        EXPECT_STATUS(r, 200);
        assert_true(coordinates_as_written(r->body));
        e2e_resp_free(r);
    }
    snprintf(q, sizeof q, "/api/v1/listings?city=%s", city);
    struct resp *r = e2e_call("GET", q, NULL, NULL);
    EXPECT_STATUS(r, 200);
    assert_int_equal(json_array_size(e2e_get(r, "items")), 1);
    assert_true(coordinates_as_written(r->body));
    e2e_resp_free(r);
}

static void provider_review_search_path(void **state)
{
    (void)state;
    struct e2e_user p;
    e2e_provider_approved(&p);
    char city[24], q[96], id[24];
    e2e_unique_name(city, sizeof city, "C");
    snprintf(q, sizeof q, "city=%s", city);
    e2e_listing_new(&p, json_pack("{s:s}", "city", city), false, id);
    /* pending: its provider sees it, nobody else, and search does not list it */
    struct resp *r = get_listing(id, p.token);
    EXPECT_STATUS(r, 200);
    assert_string_equal(e2e_str(r, "status"), "pending_review");
    assert_string_equal(e2e_str(r, "title"), "阳光宠物之家");
    assert_int_equal(e2e_int(r, "price_per_night_fen"), 12000);
    assert_string_equal(e2e_str(r, "currency"), "CNY");
    assert_string_equal(e2e_str(r, "species.1"), "cat");
    assert_string_equal(e2e_str(r, "amenities.1"), "院子");
    assert_string_equal(e2e_str(r, "provider_id"), p.id);
    e2e_resp_free(r);
    r = get_listing(id, NULL);
    EXPECT_ERROR(r, 404, "not_found");
    e2e_resp_free(r);
    assert_false(search_finds(q, id));
    /* approved: public, searchable */
    char path[128];
    snprintf(path, sizeof path, "/internal/v1/listings/%s/approve", id);
    r = e2e_service("boarding", "POST", path, json_pack("{s:s}", "reason", "ok"));
    EXPECT_STATUS(r, 200);
    assert_string_equal(e2e_str(r, "status"), "published");
    e2e_resp_free(r);
    r = get_listing(id, NULL);
    EXPECT_STATUS(r, 200);
    assert_string_equal(e2e_str(r, "status"), "published");
    assert_null(e2e_get(r, "status_reason")); /* private fields stay private */
    e2e_resp_free(r);
    assert_true(search_finds(q, id));
    /* approving again is a conflict */
    r = e2e_service("boarding", "POST", path, json_pack("{}"));
    EXPECT_ERROR(r, 409, "conflict");
    e2e_resp_free(r);
    /* the provider's own list shows it with its status */
    r = e2e_call("GET", "/api/v1/providers/me/listings", p.token, NULL);
    EXPECT_STATUS(r, 200);
    assert_string_equal(e2e_str(r, "items.0.id"), id);
    e2e_resp_free(r);
}

static void edits_and_the_status_machine(void **state)
{
    (void)state;
    struct e2e_user p, other;
    e2e_provider_approved(&p);
    e2e_provider_approved(&other);
    char city[24], q[96], id[24];
    e2e_unique_name(city, sizeof city, "E");
    snprintf(q, sizeof q, "city=%s", city);
    e2e_listing_new(&p, json_pack("{s:s}", "city", city), true, id);
    /* warm the cache, then change the price: read back at once, still published */
    struct resp *r = get_listing(id, NULL);
    e2e_resp_free(r);
    r = patch_listing(id, p.token, json_pack("{s:i}", "price_per_night_fen", 15800));
    EXPECT_STATUS(r, 200);
    assert_string_equal(e2e_str(r, "status"), "published");
    e2e_resp_free(r);
    r = get_listing(id, NULL);
    assert_int_equal(e2e_int(r, "price_per_night_fen"), 15800);
    e2e_resp_free(r);
    snprintf(q, sizeof q, "city=%s&min_price_fen=15000", city);
    assert_true(search_finds(q, id));
    /* another provider's edit: 404, nothing changed */
    r = patch_listing(id, other.token, json_pack("{s:i}", "price_per_night_fen", 100));
    EXPECT_ERROR(r, 404, "not_found");
    e2e_resp_free(r);
    /* an owner or an anonymous caller cannot edit */
    struct e2e_user owner;
    e2e_user_new(&owner, "owner");
    r = patch_listing(id, owner.token, json_pack("{s:i}", "price_per_night_fen", 100));
    EXPECT_ERROR(r, 403, "forbidden");
    e2e_resp_free(r);
    r = patch_listing(id, NULL, json_pack("{s:i}", "price_per_night_fen", 100));
    EXPECT_ERROR(r, 401, "unauthenticated");
    e2e_resp_free(r);
    /* pause and resume */
    r = patch_listing(id, p.token, json_pack("{s:s}", "status", "paused"));
    EXPECT_STATUS(r, 200);
    assert_string_equal(e2e_str(r, "status"), "paused");
    e2e_resp_free(r);
    snprintf(q, sizeof q, "city=%s", city);
    assert_false(search_finds(q, id));
    r = get_listing(id, NULL);
    EXPECT_ERROR(r, 404, "not_found");
    e2e_resp_free(r);
    r = patch_listing(id, p.token, json_pack("{s:s}", "status", "published"));
    EXPECT_STATUS(r, 200);
    e2e_resp_free(r);
    assert_true(search_finds(q, id));
    /* a text edit goes back to review at once: the cached copy is gone */
    r = patch_listing(id, p.token, json_pack("{s:s}", "description", "新的描述：提供猫爬架和每日照片。"));
    EXPECT_STATUS(r, 200);
    assert_string_equal(e2e_str(r, "status"), "pending_review");
    e2e_resp_free(r);
    r = get_listing(id, NULL);
    EXPECT_ERROR(r, 404, "not_found");
    e2e_resp_free(r);
    assert_false(search_finds(q, id));
    r = get_listing(id, p.token);
    assert_string_equal(e2e_str(r, "description"), "新的描述：提供猫爬架和每日照片。");
    e2e_resp_free(r);
    /* resuming is not a way around review */
    r = patch_listing(id, p.token, json_pack("{s:s}", "status", "published"));
    EXPECT_ERROR(r, 409, "conflict");
    e2e_resp_free(r);
    /* rejected with a reason, which its provider sees */
    char path[128];
    snprintf(path, sizeof path, "/internal/v1/listings/%s/reject", id);
    r = e2e_service("boarding", "POST", path, json_pack("{}"));
    EXPECT_ERROR(r, 422, "validation_failed");
    e2e_resp_free(r);
    r = e2e_service("boarding", "POST", path, json_pack("{s:s}", "reason", "照片不清晰"));
    EXPECT_STATUS(r, 200);
    e2e_resp_free(r);
    r = get_listing(id, p.token);
    assert_string_equal(e2e_str(r, "status"), "rejected");
    assert_string_equal(e2e_str(r, "status_reason"), "照片不清晰");
    e2e_resp_free(r);
}

/* ---------- photos ---------- */

/* The search result item of listing id (a new reference), NULL when search does not list it. */
static json_t *search_item(const char *query, const char *id)
{
    char path[512];
    snprintf(path, sizeof path, "/api/v1/listings?%s&limit=100", query);
    struct resp *r = e2e_call("GET", path, NULL, NULL);
    EXPECT_STATUS(r, 200);
    json_t *found = NULL, *items = e2e_get(r, "items");
    for (size_t i = 0; i < json_array_size(items) && !found; i++)
        if (strcmp(json_string_value(json_object_get(json_array_get(items, i), "id")), id) == 0)
            found = json_incref(json_array_get(items, i));
    e2e_resp_free(r);
    return found;
}

/* Listing id as the admin's review queue shows it (a new reference), NULL when not queued. */
static json_t *queued_listing(const struct e2e_user *admin, const char *id)
{
    char cursor[256] = "";
    for (int page = 0; page < 50; page++) {
        char path[384];
        snprintf(path, sizeof path, "/api/v1/admin/reviews-queue?kind=listing&limit=100%s%s",
                 cursor[0] ? "&cursor=" : "", cursor);
        struct resp *r = e2e_call("GET", path, admin->token, NULL);
        EXPECT_STATUS(r, 200);
        json_t *items = e2e_get(r, "items");
        for (size_t i = 0; i < json_array_size(items); i++) {
            json_t *it = json_array_get(items, i);
            if (strcmp(json_string_value(json_object_get(it, "id")), id) == 0) {
                json_incref(it);
                e2e_resp_free(r);
                return it;
            }
        }
        const char *next = e2e_str(r, "next_cursor");
        snprintf(cursor, sizeof cursor, "%s", next ? next : "");
        e2e_resp_free(r);
        if (!cursor[0])
            break;
    }
    return NULL;
}

/* photos of j are the public photo objects of ids, in order, each fetchable. */
static void expect_listing_photos(const json_t *j, const char (*ids)[24], size_t n)
{
    json_t *photos = json_object_get(j, "photos");
    assert_int_equal(json_array_size(photos), n);
    for (size_t i = 0; i < n; i++) {
        json_t *ph = json_array_get(photos, i);
        assert_non_null(strstr(json_string_value(json_object_get(ph, "url")), "/media/pub/"));
        e2e_expect_photo(ph, ids[i]);
    }
}

static void photos_are_the_providers_listing_photos(void **state)
{
    (void)state;
    struct e2e_user p, other, admin;
    e2e_provider_approved(&p);
    e2e_provider_approved(&other);
    e2e_admin(&admin);
    char mine[3][24], care[24], theirs[24], city[24], q[96], id[24], path[128];
    for (int i = 0; i < 3; i++)
        e2e_photo_new(&p, "listing", mine[i]);
    e2e_photo_new(&p, "care_log", care);
    e2e_photo_new(&other, "listing", theirs);
    e2e_unique_name(city, sizeof city, "P");
    snprintf(q, sizeof q, "city=%s", city);
    e2e_listing_new(&p, json_pack("{s:s,s:[s,s]}", "city", city, "photos", mine[0], mine[1]), true, id);

    /* everyone sees them: the detail, search, the provider's own list */
    struct resp *r = get_listing(id, NULL);
    EXPECT_STATUS(r, 200);
    expect_listing_photos(r->json, (const char (*)[24])mine, 2);
    e2e_resp_free(r);
    json_t *hit = search_item(q, id);
    assert_non_null(hit);
    expect_listing_photos(hit, (const char (*)[24])mine, 2);
    json_decref(hit);
    r = e2e_call("GET", "/api/v1/providers/me/listings", p.token, NULL);
    EXPECT_STATUS(r, 200);
    assert_string_equal(e2e_str(r, "items.0.id"), id);
    expect_listing_photos(json_array_get(e2e_get(r, "items"), 0), (const char (*)[24])mine, 2);
    e2e_resp_free(r);
    /* stored as media resolved them: reads never ask the media service */
    assert_int_equal(e2e_db_int("SELECT COUNT(*) FROM pb_boarding.listing_detail WHERE listing_id = ? AND "
                                "JSON_VALUE(photos, '$[0].id') = ? AND JSON_VALUE(photos, '$[1].id') = ? AND "
                                "JSON_VALUE(photos, '$[0].url') LIKE '/media/pub/%'",
                                "uss", strtoull(id, NULL, 10), mine[0], mine[1]), 1);

    /* another provider's photo, a care-log photo, an unknown id, 21 ids: 422, nothing changes */
    struct {
        json_t *photos;
        const char *field;
    } bad[] = {
        {json_pack("[s]", theirs), "photos.0"},
        {json_pack("[s,s]", mine[2], care), "photos.1"},
        {json_pack("[s,s]", "999999999999", mine[2]), "photos.0"},
        {json_array(), "photos"},
    };
    for (int i = 1; i <= 21; i++)
        json_array_append_new(bad[3].photos, json_sprintf("%d", i));
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        r = patch_listing(id, p.token, json_pack("{s:o}", "photos", bad[i].photos));
        EXPECT_ERROR(r, 422, "validation_failed");
        if (!e2e_field_error(r, bad[i].field))
            fail_msg("expected %s to be named: %s", bad[i].field, r->body);
        e2e_resp_free(r);
    }
    r = get_listing(id, NULL);
    EXPECT_STATUS(r, 200); /* still published, the same photos */
    expect_listing_photos(r->json, (const char (*)[24])mine, 2);
    e2e_resp_free(r);
    /* a new listing with someone else's photo is refused too */
    r = e2e_call("POST", "/api/v1/listings", p.token,
                 json_pack("{s:s,s:s,s:s,s:s,s:s,s:f,s:f,s:[s],s:f,s:i,s:i,s:[s]}", "title", "别人的照片",
                           "description", "宽敞的院子，每天遛狗两次。", "city", city, "district", "区", "address",
                           "某路 1 号", "lat", 31.2, "lng", 121.4, "species", "dog", "max_weight_kg", 20.0, "capacity",
                           2, "price_per_night_fen", 9000, "photos", theirs));
    EXPECT_ERROR(r, 422, "validation_failed");
    assert_non_null(e2e_field_error(r, "photos.0"));
    e2e_resp_free(r);

    /* a change of photos sends it back to review: gone from the detail and search at once */
    r = patch_listing(id, p.token, json_pack("{s:[s,s]}", "photos", mine[2], mine[0]));
    EXPECT_STATUS(r, 200);
    assert_string_equal(e2e_str(r, "status"), "pending_review");
    char now_shown[2][24];
    memcpy(now_shown[0], mine[2], 24);
    memcpy(now_shown[1], mine[0], 24);
    expect_listing_photos(r->json, (const char (*)[24])now_shown, 2);
    e2e_resp_free(r);
    r = get_listing(id, NULL);
    EXPECT_ERROR(r, 404, "not_found");
    e2e_resp_free(r);
    assert_null(search_item(q, id));
    /* the admin reviews it with its photos */
    json_t *queued = queued_listing(&admin, id);
    assert_non_null(queued);
    expect_listing_photos(queued, (const char (*)[24])now_shown, 2);
    json_decref(queued);
    snprintf(path, sizeof path, "/api/v1/admin/listings/%s/approve", id);
    r = e2e_call("POST", path, admin.token, json_pack("{s:s}", "reason", "照片清晰"));
    EXPECT_STATUS(r, 200);
    e2e_resp_free(r);
    /* published again: detail and search show the new photos, not a cached page of the old */
    r = get_listing(id, NULL);
    EXPECT_STATUS(r, 200);
    expect_listing_photos(r->json, (const char (*)[24])now_shown, 2);
    e2e_resp_free(r);
    hit = search_item(q, id);
    assert_non_null(hit);
    expect_listing_photos(hit, (const char (*)[24])now_shown, 2);
    json_decref(hit);
    /* [] removes them (another review) */
    r = patch_listing(id, p.token, json_pack("{s:[]}", "photos"));
    EXPECT_STATUS(r, 200);
    assert_int_equal(json_array_size(e2e_get(r, "photos")), 0);
    assert_string_equal(e2e_str(r, "status"), "pending_review");
    e2e_resp_free(r);
}

static void who_may_create(void **state)
{
    (void)state;
    struct e2e_user owner, pending, admin;
    e2e_user_new(&owner, "owner");
    e2e_user_new(&pending, "provider");
    e2e_admin(&admin);
    json_t *body = json_pack("{s:s,s:s,s:s,s:s,s:s,s:f,s:f,s:[s],s:f,s:i,s:i}", "title", "好地方", "description",
                             "一个足够长的描述文本。", "city", "北京", "district", "朝阳区", "address", "x", "lat", 39.9,
                             "lng", 116.4, "species", "dog", "max_weight_kg", 10.0, "capacity", 2, "price_per_night_fen",
                             9000);
    struct resp *r = e2e_call("POST", "/api/v1/listings", owner.token, json_deep_copy(body));
    EXPECT_ERROR(r, 403, "forbidden");
    e2e_resp_free(r);
    r = e2e_call("POST", "/api/v1/listings", pending.token, json_deep_copy(body));
    EXPECT_ERROR(r, 403, "forbidden"); /* not approved yet */
    e2e_resp_free(r);
    r = e2e_call("POST", "/api/v1/listings", admin.token, json_deep_copy(body));
    EXPECT_ERROR(r, 403, "forbidden");
    e2e_resp_free(r);
    r = e2e_call("POST", "/api/v1/listings", NULL, body);
    EXPECT_ERROR(r, 401, "unauthenticated");
    e2e_resp_free(r);
    r = e2e_call("GET", "/api/v1/providers/me/listings", owner.token, NULL);
    EXPECT_ERROR(r, 403, "forbidden");
    e2e_resp_free(r);
    r = e2e_call("GET", "/api/v1/providers/me/listings", NULL, NULL);
    EXPECT_ERROR(r, 401, "unauthenticated");
    e2e_resp_free(r);
    assert_int_equal(e2e_db_int("SELECT COUNT(*) FROM pb_boarding.listing WHERE provider_id IN (?, ?)", "ss", owner.id,
                                pending.id), 0);
}

/* Who may act is decided before the body is read: with an invalid body, a provider not yet
 * approved and an owner get 403, another provider's listing is 404 (as for any other
 * provider's listing), and only the listing's own approved provider gets the 422. */
static void authorization_comes_before_the_body(void **state)
{
    (void)state;
    struct e2e_user owner, pending, p, other;
    e2e_user_new(&owner, "owner");
    e2e_user_new(&pending, "provider");
    e2e_provider_approved(&p);
    e2e_provider_approved(&other);
    json_t *bad = json_pack("{s:s,s:i,s:s}", "title", "x", "price_per_night_fen", 50, "owner", "me");
    struct resp *r = e2e_call("POST", "/api/v1/listings", pending.token, json_deep_copy(bad));
    EXPECT_ERROR(r, 403, "forbidden"); /* not approved: the body is not looked at */
    e2e_resp_free(r);
    r = e2e_call("POST", "/api/v1/listings", owner.token, json_deep_copy(bad));
    EXPECT_ERROR(r, 403, "forbidden");
    e2e_resp_free(r);
    r = e2e_call_raw("POST", "/api/v1/listings", pending.token, "application/json", "{not json", 9, NULL);
    EXPECT_ERROR(r, 403, "forbidden");
    e2e_resp_free(r);
    char id[24], path[128];
    e2e_listing_new(&p, NULL, true, id);
    r = patch_listing(id, other.token, json_deep_copy(bad));
    EXPECT_ERROR(r, 404, "not_found");
    e2e_resp_free(r);
    r = patch_listing(id, owner.token, json_deep_copy(bad));
    EXPECT_ERROR(r, 403, "forbidden");
    e2e_resp_free(r);
    r = patch_listing(id, pending.token, json_deep_copy(bad));
    EXPECT_ERROR(r, 403, "forbidden");
    e2e_resp_free(r);
    snprintf(path, sizeof path, "/api/v1/listings/%s/availability", id);
    r = e2e_call("PUT", path, other.token, json_pack("{s:s}", "days", "all"));
    EXPECT_ERROR(r, 404, "not_found");
    e2e_resp_free(r);
    r = e2e_call("PUT", path, owner.token, json_pack("{s:s}", "days", "all"));
    EXPECT_ERROR(r, 403, "forbidden");
    e2e_resp_free(r);
    /* the listing's provider gets the validation errors */
    r = patch_listing(id, p.token, bad);
    EXPECT_ERROR(r, 422, "validation_failed");
    assert_string_equal(e2e_str(r, "error.fields.owner"), "unknown field");
    e2e_resp_free(r);
    r = e2e_call("PUT", path, p.token, json_pack("{s:s}", "days", "all"));
    EXPECT_ERROR(r, 400, "bad_request");
    e2e_resp_free(r);
}

/* The platform rules that approval checks (GET /admin/rules) hold for every write: a new
 * listing or an edit outside them is 422 naming the field and the rule, and changes nothing;
 * an edit that leaves the rule-checked fields alone is not refused. */
static void writes_keep_the_platform_rules(void **state)
{
    (void)state;
    struct e2e_user admin, p;
    e2e_admin(&admin);
    e2e_provider_approved(&p);
    struct resp *r = e2e_call("GET", "/api/v1/admin/rules", admin.token, NULL);
    EXPECT_STATUS(r, 200);
    json_int_t min = e2e_int(r, "min_price_fen"), max = e2e_int(r, "max_price_fen");
    char word[160];
    assert_true(json_array_size(e2e_get(r, "banned_words")) > 0);
    snprintf(word, sizeof word, "%s", e2e_str(r, "banned_words.0"));
    e2e_resp_free(r);
    assert_true(min > 100 && max < 10000000); /* inside the schema's own bounds */

    char id[24], title[256];
    e2e_listing_new(&p, json_pack("{s:I}", "price_per_night_fen", max), true, id);
    /* a price above the maximum: 422 naming the field and the rule; still published at its price */
    r = patch_listing(id, p.token, json_pack("{s:I}", "price_per_night_fen", max + 1));
    EXPECT_ERROR(r, 422, "validation_failed");
    assert_non_null(strstr(e2e_str(r, "error.fields.price_per_night_fen"), "above the maximum"));
    assert_string_equal(e2e_str(r, "error.violations.0.rule"), "max_price");
    assert_string_equal(e2e_str(r, "error.violations.0.field"), "price_per_night_fen");
    assert_true(e2e_int(r, "error.rules_version") >= 1);
    e2e_resp_free(r);
    r = patch_listing(id, p.token, json_pack("{s:I}", "price_per_night_fen", min - 1));
    EXPECT_ERROR(r, 422, "validation_failed");
    assert_string_equal(e2e_str(r, "error.violations.0.rule"), "min_price");
    e2e_resp_free(r);
    r = get_listing(id, NULL);
    EXPECT_STATUS(r, 200);
    assert_int_equal(e2e_int(r, "price_per_night_fen"), max);
    assert_string_equal(e2e_str(r, "status"), "published");
    e2e_resp_free(r);
    /* a banned word in the title or an amenity: refused, nothing changed */
    snprintf(title, sizeof title, "小院 %s", word);
    r = patch_listing(id, p.token, json_pack("{s:s}", "title", title));
    EXPECT_ERROR(r, 422, "validation_failed");
    assert_string_equal(e2e_str(r, "error.violations.0.rule"), "banned_word");
    assert_string_equal(e2e_str(r, "error.violations.0.word"), word);
    assert_non_null(e2e_str(r, "error.fields.title"));
    e2e_resp_free(r);
    r = patch_listing(id, p.token, json_pack("{s:[s,s]}", "amenities", "空调", word));
    EXPECT_ERROR(r, 422, "validation_failed");
    assert_non_null(e2e_field_error(r, "amenities.1"));
    e2e_resp_free(r);
    r = get_listing(id, p.token);
    EXPECT_STATUS(r, 200);
    assert_string_equal(e2e_str(r, "status"), "published");
    assert_null(strstr(r->body, word));
    e2e_resp_free(r);
    /* edits inside the rules pass: a price at the minimum stays published, pausing needs no check */
    r = patch_listing(id, p.token, json_pack("{s:I}", "price_per_night_fen", min));
    EXPECT_STATUS(r, 200);
    assert_string_equal(e2e_str(r, "status"), "published");
    e2e_resp_free(r);
    r = patch_listing(id, p.token, json_pack("{s:s,s:i}", "status", "paused", "capacity", 2));
    EXPECT_STATUS(r, 200);
    e2e_resp_free(r);
    /* a new listing outside the rules is not created */
    r = e2e_call("POST", "/api/v1/listings", p.token,
                 json_pack("{s:s,s:s,s:s,s:s,s:s,s:f,s:f,s:[s],s:f,s:i,s:I}", "title", title, "description",
                           "一个足够长的描述文本。", "city", "北京", "district", "朝阳区", "address", "x", "lat", 39.9,
                           "lng", 116.4, "species", "dog", "max_weight_kg", 10.0, "capacity", 2,
                           "price_per_night_fen", max + 1));
    EXPECT_ERROR(r, 422, "validation_failed");
    assert_non_null(e2e_str(r, "error.fields.title"));
    assert_non_null(e2e_str(r, "error.fields.price_per_night_fen"));
    assert_int_equal(json_array_size(e2e_get(r, "error.violations")), 2);
    e2e_resp_free(r);
    assert_int_equal(e2e_db_int("SELECT COUNT(*) FROM pb_boarding.listing WHERE provider_id = ?", "s", p.id), 1);
}

static void invalid_listings(void **state)
{
    (void)state;
    struct e2e_user p;
    e2e_provider_approved(&p);
    struct resp *r = e2e_call("POST", "/api/v1/listings", p.token,
                              json_pack("{s:s,s:s,s:s,s:s,s:s,s:f,s:s,s:[s],s:f,s:i,s:i,s:[s],s:[s]}", "title", "x",
                                        "description", "short", "city", "", "district", "区", "address", "a", "lat",
                                        91.0, "lng", "east", "species", "horse", "max_weight_kg", 0.1, "capacity", 0,
                                        "price_per_night_fen", 50, "photos", "ftp://nope", "amenities", ""));
    EXPECT_ERROR(r, 400, "bad_request"); /* lng has the wrong type */
    assert_string_equal(e2e_str(r, "error.fields.lng"), "must be a number");
    e2e_resp_free(r);
    r = e2e_call("POST", "/api/v1/listings", p.token,
                 json_pack("{s:s,s:s,s:s,s:s,s:s,s:f,s:f,s:[s],s:f,s:i,s:i,s:[s],s:[s],s:s}", "title", "x", "description",
                           "short", "city", "", "district", "区", "address", "a", "lat", 91.0, "lng", 200.0, "species",
                           "horse", "max_weight_kg", 0.1, "capacity", 0, "price_per_night_fen", 50, "photos",
                           "ftp://nope", "amenities", "", "status", "published"));
    EXPECT_ERROR(r, 422, "validation_failed");
    const char *fields[] = {"title", "description", "city", "lat", "lng", "species", "max_weight_kg", "capacity",
                            "price_per_night_fen", "photos", "amenities", "status"};
    for (size_t i = 0; i < sizeof fields / sizeof *fields; i++) {
        char path[64];
        snprintf(path, sizeof path, "error.fields.%s", fields[i]);
        if (!e2e_str(r, path))
            fail_msg("no error named for %s: %s", fields[i], r->body);
    }
    e2e_resp_free(r);
    r = e2e_call("POST", "/api/v1/listings", p.token, json_pack("{s:s}", "title", "只有标题"));
    EXPECT_ERROR(r, 422, "validation_failed");
    assert_string_equal(e2e_str(r, "error.fields.price_per_night_fen"), "is required");
    e2e_resp_free(r);
    assert_int_equal(e2e_db_int("SELECT COUNT(*) FROM pb_boarding.listing WHERE provider_id = ?", "s", p.id), 0);
    char id[24];
    e2e_listing_new(&p, NULL, true, id);
    r = patch_listing(id, p.token, json_pack("{s:f}", "lat", 30.0));
    EXPECT_ERROR(r, 422, "validation_failed"); /* lat without lng */
    e2e_resp_free(r);
    r = patch_listing(id, p.token, json_pack("{s:s}", "owner", "me"));
    EXPECT_ERROR(r, 422, "validation_failed");
    assert_string_equal(e2e_str(r, "error.fields.owner"), "unknown field");
    e2e_resp_free(r);
    r = get_listing("abc", NULL);
    EXPECT_ERROR(r, 404, "not_found");
    e2e_resp_free(r);
    r = get_listing("99999999999", NULL);
    EXPECT_ERROR(r, 404, "not_found");
    e2e_resp_free(r);
}

static void availability_calendar(void **state)
{
    (void)state;
    struct e2e_user p, other;
    e2e_provider_approved(&p);
    e2e_provider_approved(&other);
    char id[24], path[160];
    e2e_listing_new(&p, json_pack("{s:i}", "capacity", 4), true, id);
    snprintf(path, sizeof path, "/api/v1/listings/%s/availability", id);
    struct resp *r = e2e_call("GET", path, NULL, NULL);
    EXPECT_STATUS(r, 200);
    assert_int_equal(json_array_size(r->json), 30); /* default: the next 30 days */
    assert_int_equal(e2e_int(r, "0.capacity"), 4);
    assert_int_equal(e2e_int(r, "0.remaining"), 4);
    char d1[16], d2[16], d3[16];
    snprintf(d1, sizeof d1, "%s", e2e_str(r, "3.date"));
    snprintf(d2, sizeof d2, "%s", e2e_str(r, "4.date"));
    snprintf(d3, sizeof d3, "%s", e2e_str(r, "5.date"));
    e2e_resp_free(r);
    r = e2e_call("PUT", path, p.token,
                 json_pack("{s:[{s:s,s:i},{s:s,s:b},{s:s,s:i}]}", "days", "date", d1, "capacity", 1, "date", d2,
                           "closed", 1, "date", d3, "capacity", 6));
    EXPECT_STATUS(r, 200);
    assert_int_equal(json_array_size(r->json), 3);
    assert_int_equal(e2e_int(r, "0.capacity"), 1);
    assert_true(json_is_true(e2e_get(r, "1.closed")));
    assert_int_equal(e2e_int(r, "1.remaining"), 0);
    assert_int_equal(e2e_int(r, "2.capacity"), 6);
    e2e_resp_free(r);
    char q[256];
    snprintf(q, sizeof q, "%s?from=%s&to=%s", path, d1, d3);
    r = e2e_call("GET", q, NULL, NULL);
    assert_int_equal(json_array_size(r->json), 3);
    assert_int_equal(e2e_int(r, "0.remaining"), 1);
    e2e_resp_free(r);
    /* back to the default */
    r = e2e_call("PUT", path, p.token, json_pack("{s:[{s:s,s:n}]}", "days", "date", d1, "capacity"));
    EXPECT_STATUS(r, 200);
    assert_int_equal(e2e_int(r, "0.capacity"), 4);
    e2e_resp_free(r);
    /* bad input and other providers */
    r = e2e_call("PUT", path, other.token, json_pack("{s:[{s:s,s:i}]}", "days", "date", d1, "capacity", 1));
    EXPECT_ERROR(r, 404, "not_found");
    e2e_resp_free(r);
    r = e2e_call("PUT", path, p.token,
                 json_pack("{s:[{s:s,s:i},{s:s,s:i},{s:s},{s:s,s:i}]}", "days", "date", "2020-01-01", "capacity", 1,
                           "date", d2, "capacity", 99, "date", d3, "date", d3, "capacity", 1));
    EXPECT_ERROR(r, 422, "validation_failed");
    assert_non_null(e2e_field_error(r, "days.0.date"));
    assert_non_null(e2e_field_error(r, "days.1.capacity"));
    assert_non_null(e2e_field_error(r, "days.2.capacity"));
    assert_non_null(e2e_field_error(r, "days.3.date"));
    e2e_resp_free(r);
    snprintf(q, sizeof q, "%s?from=%s&to=2020-01-01", path, d1);
    r = e2e_call("GET", q, NULL, NULL);
    EXPECT_ERROR(r, 422, "validation_failed");
    e2e_resp_free(r);
    /* a lower default capacity is fine while nothing is reserved */
    r = patch_listing(id, p.token, json_pack("{s:i}", "capacity", 2));
    EXPECT_STATUS(r, 200);
    e2e_resp_free(r);
}

static double listing_loads(void)
{
    return e2e_metric("boarding", "pb_cache_loads_total{service=\"boarding\",cache=\"listing\"}");
}

static void cold_read(int i, void *arg)
{
    (void)i;
    struct resp *r = get_listing(arg, NULL);
    EXPECT_STATUS(r, 200);
    e2e_resp_free(r);
}

static void hot_key_stampede_is_one_rebuild(void **state)
{
    (void)state;
    struct e2e_user p;
    e2e_provider_approved(&p);
    char id[24];
    e2e_listing_new(&p, NULL, true, id);
    double before = listing_loads();
    e2e_parallel(200, cold_read, id);
    assert_int_equal((long)(listing_loads() - before), 1);
    /* and the next reads are hits */
    before = listing_loads();
    for (int i = 0; i < 10; i++)
        cold_read(i, id);
    assert_int_equal((long)(listing_loads() - before), 0);
    /* unknown ids: one load, then the negative marker answers */
    before = listing_loads();
    for (int i = 0; i < 10; i++) {
        struct resp *r = get_listing("123456789", NULL);
        EXPECT_ERROR(r, 404, "not_found");
        e2e_resp_free(r);
    }
    assert_true(listing_loads() - before <= 1);
}

static void provider_suspension_hides_listings(void **state)
{
    (void)state;
    struct e2e_user p;
    e2e_provider_approved(&p);
    char city[24], q[96], a[24], b[24], path[128];
    e2e_unique_name(city, sizeof city, "S");
    snprintf(q, sizeof q, "city=%s", city);
    e2e_listing_new(&p, json_pack("{s:s}", "city", city), true, a);
    e2e_listing_new(&p, json_pack("{s:s}", "city", city), true, b);
    assert_true(search_finds(q, a));
    snprintf(path, sizeof path, "/internal/v1/providers/%s/suspend", p.id);
    struct resp *r = e2e_service("boarding", "POST", path, json_pack("{}"));
    EXPECT_STATUS(r, 200);
    assert_int_equal(e2e_int(r, "affected"), 2);
    e2e_resp_free(r);
    assert_false(search_finds(q, a));
    assert_false(search_finds(q, b));
    r = get_listing(a, NULL);
    EXPECT_ERROR(r, 404, "not_found");
    e2e_resp_free(r);
    snprintf(path, sizeof path, "/internal/v1/providers/%s/reinstate", p.id);
    r = e2e_service("boarding", "POST", path, json_pack("{}"));
    EXPECT_STATUS(r, 200);
    e2e_resp_free(r);
    assert_true(search_finds(q, a));
    assert_true(search_finds(q, b));
}

static void review_queue_lists_pending_oldest_first(void **state)
{
    (void)state;
    struct e2e_user p;
    e2e_provider_approved(&p);
    char a[24], b[24];
    e2e_listing_new(&p, NULL, false, a);
    e2e_listing_new(&p, NULL, false, b);
    /* walk the whole queue: a comes before b, each once */
    int pos_a = -1, pos_b = -1, seen = 0;
    char cursor[64] = "";
    for (int page = 0; page < 1000; page++) {
        char path[160];
        snprintf(path, sizeof path, "/internal/v1/listings?status=pending_review&limit=50%s%s",
                 cursor[0] ? "&cursor=" : "", cursor);
        struct resp *r = e2e_service("boarding", "GET", path, NULL);
        EXPECT_STATUS(r, 200);
        json_t *items = e2e_get(r, "items");
        for (size_t i = 0; i < json_array_size(items); i++, seen++) {
            const char *id = json_string_value(json_object_get(json_array_get(items, i), "id"));
            if (strcmp(id, a) == 0) {
                assert_int_equal(pos_a, -1);
                pos_a = seen;
            }
            if (strcmp(id, b) == 0) {
                assert_int_equal(pos_b, -1);
                pos_b = seen;
            }
        }
        snprintf(cursor, sizeof cursor, "%s", e2e_str(r, "next_cursor") ? e2e_str(r, "next_cursor") : "");
        e2e_resp_free(r);
        if (!cursor[0])
            break;
    }
    assert_true(pos_a >= 0 && pos_b > pos_a);
}

/* The admin checks a version against the rules; an edit slipped in before the approval
 * must not be published unchecked. */
static void approving_a_stale_version_is_refused(void **state)
{
    (void)state;
    struct e2e_user p;
    e2e_provider_approved(&p);
    char id[24], path[128];
    e2e_listing_new(&p, NULL, false, id);
    snprintf(path, sizeof path, "/internal/v1/listings/%s", id);
    struct resp *r = e2e_service("boarding", "GET", path, NULL);
    char checked[40];
    snprintf(checked, sizeof checked, "%s", e2e_str(r, "updated_at"));
    e2e_resp_free(r);
    r = patch_listing(id, p.token, json_pack("{s:s}", "title", "改过的标题"));
    EXPECT_STATUS(r, 200);
    e2e_resp_free(r);
    snprintf(path, sizeof path, "/internal/v1/listings/%s/approve", id);
    r = e2e_service("boarding", "POST", path, json_pack("{s:s}", "expected_updated_at", checked));
    EXPECT_ERROR(r, 409, "conflict");
    e2e_resp_free(r);
    r = get_listing(id, p.token);
    assert_string_equal(e2e_str(r, "status"), "pending_review");
    char now[40];
    snprintf(now, sizeof now, "%s", e2e_str(r, "updated_at"));
    e2e_resp_free(r);
    r = e2e_service("boarding", "POST", path, json_pack("{s:s}", "expected_updated_at", now));
    EXPECT_STATUS(r, 200);
    assert_string_equal(e2e_str(r, "status"), "published");
    e2e_resp_free(r);
}

struct rating_probe {
    const char *path;
    const char *field;
    long long want;
};

static bool rating_is(void *arg)
{
    const struct rating_probe *p = arg;
    struct resp *r = e2e_call("GET", p->path, NULL, NULL);
    bool ok = r->status == 200 && e2e_int(r, p->field) == p->want;
    e2e_resp_free(r);
    return ok;
}

/* The review service announces new aggregates as rating.updated events: the listing (its
 * detail, and search by rating) and the provider's public profile follow, once each even if
 * the event is delivered twice. */
static void rating_events_reach_listing_and_profile(void **state)
{
    (void)state;
    struct e2e_user p;
    e2e_provider_approved(&p);
    char id[24], ev[24];
    e2e_listing_new(&p, NULL, true, id);
    json_t *data = json_pack("{s:s,s:s,s:{s:i,s:i,s:f},s:{s:i,s:i}}", "listing_id", id, "provider_id", p.id, "listing",
                             "count", 12, "sum", 55, "score", 4.35, "provider", "count", 30, "sum", 140);
    e2e_publish_event("review", "rating.updated", json_deep_copy(data), ev);
    e2e_publish_event_id("review", "rating.updated", data, ev); /* a redelivery */
    char lp[96], pp[96];
    snprintf(lp, sizeof lp, "/api/v1/listings/%s", id);
    snprintf(pp, sizeof pp, "/api/v1/users/%s", p.id);
    struct rating_probe listing = {lp, "rating.count", 12}, provider = {pp, "rating.count", 30};
    assert_true(e2e_eventually(rating_is, &listing, 5000));
    assert_true(e2e_eventually(rating_is, &provider, 5000));
    struct resp *r = e2e_call("GET", lp, NULL, NULL);
    assert_true(json_real_value(e2e_get(r, "rating.score")) == 4.35);
    assert_true(json_real_value(e2e_get(r, "rating.average")) == 4.58);
    e2e_resp_free(r);
    assert_int_equal(e2e_db_int("SELECT COUNT(*) FROM pb_boarding.processed_event WHERE event_id = ?", "s", ev), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(provider_review_search_path),
        cmocka_unit_test(coordinates_read_back_as_written),
        cmocka_unit_test(edits_and_the_status_machine),
        cmocka_unit_test(photos_are_the_providers_listing_photos),
        cmocka_unit_test(who_may_create),
        cmocka_unit_test(invalid_listings),
        cmocka_unit_test(authorization_comes_before_the_body),
        cmocka_unit_test(writes_keep_the_platform_rules),
        cmocka_unit_test(availability_calendar),
        cmocka_unit_test(hot_key_stampede_is_one_rebuild),
        cmocka_unit_test(provider_suspension_hides_listings),
        cmocka_unit_test(review_queue_lists_pending_oldest_first),
        cmocka_unit_test(approving_a_stale_version_is_refused),
        cmocka_unit_test(rating_events_reach_listing_and_profile),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
