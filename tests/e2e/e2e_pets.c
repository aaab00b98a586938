/* Pets through the gateway: the full round trip of every field, list pages, every validation
 * rule and wrong type, the authorization matrix, soft delete and the internal view, provider
 * grants given by the order service, vaccination records, the pet cache staying fresh, and
 * photos: media ids checked with the media service, rendered with signed URLs that fetch. */
#include "harness.h"
#include "dates.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------- helpers ---------- */

/* A path from a format with one %s (pathf) or two (pathf2). */
static void pathf(char *buf, size_t cap, const char *fmt, const char *a) { snprintf(buf, cap, fmt, a); }
static void pathf2(char *buf, size_t cap, const char *fmt, const char *a, const char *b)
{
    snprintf(buf, cap, fmt, a, b);
}

static struct resp *send_raw(const char *method, const char *path, const char *token, const char *json)
{
    return e2e_call_raw(method, path, token, "application/json", json, strlen(json), NULL);
}

/* Expect an error naming field in error.fields (field names may contain dots: care.feeding). */
#define EXPECT_FIELD(r, code, errcode, field) expect_field((r), (code), (errcode), (field), __FILE__, __LINE__)
static void expect_field(const struct resp *r, long code, const char *errcode, const char *field, const char *file,
                         int line)
{
    e2e_expect_error(r, code, errcode, file, line);
    json_t *fields = json_object_get(e2e_get(r, "error"), "fields");
    if (!json_is_string(json_object_get(fields, field))) {
        print_error("%s:%d: expected error.fields to name %s, got %.1500s\n", file, line, field, r->body ? r->body : "");
        _fail(file, line);
    }
}

/* A day number as "YYYY-MM-DD" in a static rotating buffer (for building bodies). */
static const char *day_str(int32_t day)
{
    static _Thread_local char bufs[8][DATE_STR_LEN];
    static _Thread_local int k;
    k = (k + 1) % 8;
    return date_format(day, bufs[k]);
}

/* The same calendar day n years ago (29 February becomes 28 February). */
static int32_t years_ago(int n)
{
    int y;
    unsigned m, d;
    date_to_civil(date_today(), &y, &m, &d);
    y -= n;
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (m == 2 && d == 29 && !leap)
        d = 28;
    return date_from_civil(y, m, d);
}

/* Create a small pet and copy its id. */
static void create_pet(const struct e2e_user *o, const char *name, char *id, size_t cap)
{
    struct resp *r = e2e_call("POST", "/api/v1/pets", o->token,
                              json_pack("{s:s,s:s,s:f}", "name", name, "species", "cat", "weight_kg", 4.5));
    EXPECT_STATUS(r, 201);
    snprintf(id, cap, "%s", e2e_str(r, "id"));
    e2e_resp_free(r);
}

static struct resp *get_path(const char *fmt, const char *id, const char *token)
{
    char p[160];
    pathf(p, sizeof p, fmt, id);
    return e2e_call("GET", p, token, NULL);
}

static long long pets_of(const struct e2e_user *o)
{
    return e2e_db_int("SELECT COUNT(*) FROM pb_pet.pet WHERE owner_id = ?", "u", strtoull(o->id, NULL, 10));
}

static double pet_loads(void) { return e2e_metric("pet", "pb_cache_loads_total{service=\"pet\",cache=\"pet\"}"); }

/* Status of a direct call to the pet service with no internal token at all. */
static long service_status_without_token(const char *method, const char *path)
{
    const char *base = getenv("PB_PORT_BASE");
    char url[256];
    snprintf(url, sizeof url, "http://127.0.0.1:%d%s", (base ? atoi(base) : 18080) + 2, path);
    CURL *h = curl_easy_init();
    long status = 0;
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, 10L);
    FILE *sink = fopen("/dev/null", "w");
    curl_easy_setopt(h, CURLOPT_WRITEDATA, sink);
    if (curl_easy_perform(h) == CURLE_OK)
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(h);
    if (sink)
        fclose(sink);
    return status;
}

/* Every field; photos: n new pet photos of o (their ids written to ids when not NULL). */
static json_t *full_body(const char *birth, const struct e2e_user *o, int n, char (*ids)[24])
{
    json_t *photos = json_array();
    for (int i = 0; i < n; i++) {
        char id[24];
        e2e_photo_new(o, "pet", id);
        json_array_append_new(photos, json_string(id));
        if (ids)
            memcpy(ids[i], id, sizeof id);
    }
    return json_pack("{s:s,s:s,s:s,s:s,s:s,s:f,s:b,s:s,s:o,s:{s:s,s:s,s:s,s:s}}", "name", "旺财", "species", "dog",
                     "breed", "柴犬", "birth_date", birth, "sex", "male", "weight_kg", 8.35, "neutered", 1,
                     "description", "性格温顺，喜欢散步。\n怕打雷。", "photos", photos, "care", "feeding",
                     "早晚各一次\n每次 100 克狗粮", "medication", "无", "allergies", "鸡肉", "vet_contact",
                     "瑞鹏宠物医院 021-12345678");
}

/* Expect r's photos to be exactly the photo objects of ids (n of them), each fetchable. */
static void expect_photos(const struct resp *r, char (*ids)[24], size_t n)
{
    json_t *photos = e2e_get(r, "photos");
    assert_int_equal(json_array_size(photos), n);
    for (size_t i = 0; i < n; i++)
        e2e_expect_photo(json_array_get(photos, i), ids[i]);
}

/* ---------- round trip ---------- */

static void crud_round_trip_reads_back_every_field(void **state)
{
    (void)state;
    struct e2e_user o;
    e2e_user_new(&o, "owner");
    int32_t birth = years_ago(3);
    char photo[3][24];
    struct resp *c = e2e_call("POST", "/api/v1/pets", o.token, full_body(day_str(birth), &o, 2, photo));
    EXPECT_STATUS(c, 201);
    const char *id = e2e_str(c, "id");
    assert_non_null(id);
    assert_non_null(strstr(c->location, id));
    assert_string_equal(e2e_str(c, "owner_id"), o.id);
    assert_string_equal(e2e_str(c, "name"), "旺财");
    assert_string_equal(e2e_str(c, "species"), "dog");
    assert_string_equal(e2e_str(c, "breed"), "柴犬");
    assert_string_equal(e2e_str(c, "birth_date"), day_str(birth));
    assert_int_equal(e2e_int(c, "age_years"), 3); /* computed from birth_date, birthday today */
    assert_string_equal(e2e_str(c, "sex"), "male");
    assert_true(json_real_value(e2e_get(c, "weight_kg")) == 8.35);
    assert_non_null(strstr(c->body, "\"weight_kg\":8.35,"));
    assert_true(json_is_true(e2e_get(c, "neutered")));
    assert_string_equal(e2e_str(c, "description"), "性格温顺，喜欢散步。\n怕打雷。");
    expect_photos(c, photo, 2); /* in the order given, signed, fetchable */
    assert_non_null(strstr(e2e_str(c, "photos.0.url"), "/media/p/"));
    assert_string_equal(e2e_str(c, "care.feeding"), "早晚各一次\n每次 100 克狗粮");
    assert_string_equal(e2e_str(c, "care.medication"), "无");
    assert_string_equal(e2e_str(c, "care.allergies"), "鸡肉");
    assert_string_equal(e2e_str(c, "care.vet_contact"), "瑞鹏宠物医院 021-12345678");
    assert_non_null(e2e_str(c, "created_at"));
    assert_non_null(e2e_str(c, "updated_at"));
    assert_null(e2e_get(c, "deleted"));
    char petid[32], path[96];
    snprintf(petid, sizeof petid, "%s", id);
    pathf(path, sizeof path, "/api/v1/pets/%s", petid);

    /* the read is exactly what the create answered */
    struct resp *g = e2e_call("GET", path, o.token, NULL);
    EXPECT_STATUS(g, 200);
    assert_true(json_equal(g->json, c->json));
    e2e_resp_free(g);
    e2e_resp_free(c);
    /* what MariaDB holds: grams, the long text in the split table */
    uint64_t pid = strtoull(petid, NULL, 10);
    assert_int_equal(e2e_db_int("SELECT weight_g FROM pb_pet.pet WHERE id = ?", "u", pid), 8350);
    assert_int_equal(e2e_db_int("SELECT COUNT(*) FROM pb_pet.pet_care WHERE pet_id = ? AND allergies = '鸡肉' "
                                "AND JSON_LENGTH(photos) = 2", "u", pid), 1);
    /* photos are stored as media ids, never as URLs */
    assert_int_equal(e2e_db_int("SELECT COUNT(*) FROM pb_pet.pet_care WHERE pet_id = ? AND "
                                "JSON_EQUALS(photos, JSON_ARRAY(?, ?))", "uss", pid, photo[0], photo[1]), 1);
    assert_int_equal(e2e_db_int("SELECT COUNT(*) FROM information_schema.columns WHERE table_schema = 'pb_pet' AND "
                                "table_name = 'pet' AND column_name IN ('description', 'feeding', 'medication', "
                                "'allergies', 'vet_contact', 'photos')", ""), 0);

    /* a subset: the rest stays */
    e2e_photo_new(&o, "pet", photo[2]);
    struct resp *p = e2e_call("PATCH", path, o.token,
                              json_pack("{s:s,s:f,s:s,s:b,s:{s:s},s:[s]}", "name", "旺财二号", "weight_kg", 9.0, "sex",
                                        "unknown", "neutered", 0, "care", "feeding", "一天三次", "photos", photo[2]));
    EXPECT_STATUS(p, 200);
    assert_string_equal(e2e_str(p, "name"), "旺财二号");
    assert_true(json_number_value(e2e_get(p, "weight_kg")) == 9.0);
    assert_string_equal(e2e_str(p, "sex"), "unknown");
    assert_true(json_is_false(e2e_get(p, "neutered")));
    assert_string_equal(e2e_str(p, "care.feeding"), "一天三次");
    assert_string_equal(e2e_str(p, "care.allergies"), "鸡肉");
    assert_string_equal(e2e_str(p, "breed"), "柴犬");
    assert_string_equal(e2e_str(p, "birth_date"), day_str(birth));
    expect_photos(p, photo + 2, 1);
    g = e2e_call("GET", path, o.token, NULL);
    assert_true(json_equal(g->json, p->json));
    e2e_resp_free(g);
    e2e_resp_free(p);

    /* null clears the optional fields */
    p = e2e_call("PATCH", path, o.token,
                 json_pack("{s:n,s:n,s:n,s:{s:n,s:n}}", "breed", "description", "birth_date", "care", "medication",
                           "vet_contact"));
    EXPECT_STATUS(p, 200);
    assert_true(json_is_null(e2e_get(p, "breed")));
    assert_true(json_is_null(e2e_get(p, "description")));
    assert_true(json_is_null(e2e_get(p, "birth_date")));
    assert_true(json_is_null(e2e_get(p, "age_years")));
    assert_true(json_is_null(e2e_get(p, "care.medication")));
    assert_true(json_is_null(e2e_get(p, "care.vet_contact")));
    assert_string_equal(e2e_str(p, "care.feeding"), "一天三次");
    e2e_resp_free(p);
    /* an estimated age instead of a birth date, and back */
    p = e2e_call("PATCH", path, o.token, json_pack("{s:i}", "age_years", 5));
    EXPECT_STATUS(p, 200);
    assert_int_equal(e2e_int(p, "age_years"), 5);
    assert_true(json_is_null(e2e_get(p, "birth_date")));
    e2e_resp_free(p);
    int32_t younger = birth + 1; /* birthday tomorrow: still 2 */
    p = e2e_call("PATCH", path, o.token, json_pack("{s:s,s:n}", "birth_date", day_str(younger), "age_years"));
    EXPECT_STATUS(p, 200);
    assert_string_equal(e2e_str(p, "birth_date"), day_str(younger));
    assert_int_equal(e2e_int(p, "age_years"), 2);
    e2e_resp_free(p);
    p = e2e_call("PATCH", path, o.token, json_pack("{s:n,s:[]}", "care", "photos"));
    EXPECT_STATUS(p, 200);
    assert_true(json_is_null(e2e_get(p, "care.feeding")));
    assert_true(json_is_null(e2e_get(p, "care.allergies")));
    assert_int_equal(json_array_size(e2e_get(p, "photos")), 0);
    e2e_resp_free(p);

    /* delete: gone for the owner */
    struct resp *d = e2e_call("DELETE", path, o.token, NULL);
    EXPECT_STATUS(d, 204);
    e2e_resp_free(d);
    g = e2e_call("GET", path, o.token, NULL);
    EXPECT_ERROR(g, 404, "not_found");
    e2e_resp_free(g);
    d = e2e_call("DELETE", path, o.token, NULL);
    EXPECT_ERROR(d, 404, "not_found");
    e2e_resp_free(d);
}

/* ---------- photos ---------- */

static long long photo_rows(const char *pet)
{
    return e2e_db_int("SELECT JSON_LENGTH(photos) FROM pb_pet.pet_care WHERE pet_id = ?", "u",
                      strtoull(pet, NULL, 10));
}

static void photos_are_the_owners_pet_photos_checked_by_the_media_service(void **state)
{
    (void)state;
    struct e2e_user o, b, prov;
    e2e_user_new(&o, "owner");
    e2e_user_new(&b, "owner");
    e2e_provider_approved(&prov);
    char mine[2][24], theirs[24], listing_photo[24], x[32], path[96];
    e2e_photo_new(&o, "pet", mine[0]);
    e2e_photo_new(&o, "pet", mine[1]);
    e2e_photo_new(&b, "pet", theirs);
    e2e_photo_new(&prov, "listing", listing_photo);
    create_pet(&o, "有照片", x, sizeof x);
    pathf(path, sizeof path, "/api/v1/pets/%s", x);

    /* another owner's photo, another purpose's, an id that names no photo: 422 naming each
     * by its place, and nothing is written */
    struct {
        const char *a, *b;
        const char *field;
    } bad[] = {
        {mine[0], theirs, "photos.1"},
        {listing_photo, mine[0], "photos.0"},
        {"999999999999", mine[1], "photos.0"},
    };
    long long before = pets_of(&o);
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        struct resp *r = e2e_call("PATCH", path, o.token, json_pack("{s:[s,s]}", "photos", bad[i].a, bad[i].b));
        EXPECT_FIELD(r, 422, "validation_failed", bad[i].field);
        assert_int_equal(json_object_size(e2e_get(r, "error.fields")), 1);
        e2e_resp_free(r);
        r = e2e_call("POST", "/api/v1/pets", o.token,
                     json_pack("{s:s,s:s,s:f,s:[s,s]}", "name", "x", "species", "cat", "weight_kg", 3.0, "photos",
                               bad[i].a, bad[i].b));
        EXPECT_FIELD(r, 422, "validation_failed", bad[i].field);
        e2e_resp_free(r);
    }
    assert_int_equal(pets_of(&o), before);
    assert_int_equal(photo_rows(x), 0);
    /* another owner cannot attach even their own photos to this pet */
    struct resp *r = e2e_call("PATCH", path, b.token, json_pack("{s:[s]}", "photos", theirs));
    EXPECT_ERROR(r, 404, "not_found");
    e2e_resp_free(r);

    /* the owner's own: attached in order, readable by the owner and an admin */
    r = e2e_call("PATCH", path, o.token, json_pack("{s:[s,s]}", "photos", mine[1], mine[0]));
    EXPECT_STATUS(r, 200);
    char order[2][24];
    memcpy(order[0], mine[1], 24);
    memcpy(order[1], mine[0], 24);
    expect_photos(r, order, 2);
    e2e_resp_free(r);
    struct e2e_user adm;
    e2e_admin(&adm);
    r = e2e_call("GET", path, adm.token, NULL);
    EXPECT_STATUS(r, 200);
    expect_photos(r, order, 2);
    e2e_resp_free(r);
    r = e2e_call("GET", "/api/v1/pets?limit=1", o.token, NULL);
    EXPECT_STATUS(r, 200);
    assert_string_equal(e2e_str(r, "items.0.photos.0.id"), mine[1]);
    e2e_resp_free(r);

    /* with the media service down, attaching is 503 and changes nothing; reading and other
     * edits go on (private URLs are signed here, without asking it) */
    e2e_stack_service("media", "stop", NULL);
    r = e2e_call("PATCH", path, o.token, json_pack("{s:[s]}", "photos", mine[0]));
    long attach_status = r->status;
    char code[32];
    snprintf(code, sizeof code, "%s", e2e_str(r, "error.code") ? e2e_str(r, "error.code") : "");
    e2e_resp_free(r);
    r = e2e_call("PATCH", path, o.token, json_pack("{s:s}", "name", "改名"));
    long edit_status = r->status;
    e2e_resp_free(r);
    r = e2e_call("GET", path, o.token, NULL);
    long read_status = r->status;
    size_t shown = json_array_size(e2e_get(r, "photos"));
    e2e_resp_free(r);
    e2e_stack_service("media", "start", NULL);
    assert_int_equal(attach_status, 503);
    assert_string_equal(code, "unavailable");
    assert_int_equal(edit_status, 200);
    assert_int_equal(read_status, 200);
    assert_int_equal(shown, 2);
    assert_int_equal(photo_rows(x), 2);

    /* [] removes them all */
    r = e2e_call("PATCH", path, o.token, json_pack("{s:[]}", "photos"));
    EXPECT_STATUS(r, 200);
    assert_int_equal(json_array_size(e2e_get(r, "photos")), 0);
    e2e_resp_free(r);
    assert_int_equal(photo_rows(x), 0);
}

/* Pets whose photos were stored as URL strings before photos were media ids still read:
 * such a photo is {id: null, url, thumb_url: url}; the next edit of photos replaces them. */
static void photos_stored_as_urls_still_read(void **state)
{
    (void)state;
    struct e2e_user o;
    e2e_user_new(&o, "owner");
    char x[32], photo[24], path[96];
    create_pet(&o, "老照片", x, sizeof x); /* never read yet: nothing cached */
    e2e_photo_new(&o, "pet", photo);
    e2e_db_exec("UPDATE pb_pet.pet_care SET photos = JSON_ARRAY('https://img.example.cn/pets/old.jpg', ?) "
                "WHERE pet_id = ?", "su", photo, strtoull(x, NULL, 10));
    pathf(path, sizeof path, "/api/v1/pets/%s", x);
    struct resp *r = e2e_call("GET", path, o.token, NULL);
    EXPECT_STATUS(r, 200);
    assert_int_equal(json_array_size(e2e_get(r, "photos")), 2);
    assert_true(json_is_null(e2e_get(r, "photos.0.id")));
    assert_string_equal(e2e_str(r, "photos.0.url"), "https://img.example.cn/pets/old.jpg");
    assert_string_equal(e2e_str(r, "photos.0.thumb_url"), "https://img.example.cn/pets/old.jpg");
    e2e_expect_photo(e2e_get(r, "photos.1"), photo);
    e2e_resp_free(r);
    r = e2e_call("GET", "/api/v1/pets", o.token, NULL);
    assert_true(json_is_null(e2e_get(r, "items.0.photos.0.id")));
    e2e_resp_free(r);
    r = e2e_call("PATCH", path, o.token, json_pack("{s:[s]}", "photos", photo));
    EXPECT_STATUS(r, 200);
    assert_int_equal(json_array_size(e2e_get(r, "photos")), 1);
    e2e_expect_photo(e2e_get(r, "photos.0"), photo);
    e2e_resp_free(r);
}

/* ---------- lists ---------- */

static void list_pages_newest_first_without_repeats_or_skips(void **state)
{
    (void)state;
    struct e2e_user o, other;
    e2e_user_new(&o, "owner");
    e2e_user_new(&other, "owner");
    char ids[25][32];
    for (int i = 0; i < 25; i++) {
        char name[16];
        snprintf(name, sizeof name, "pet-%02d", i);
        create_pet(&o, name, ids[i], sizeof ids[i]);
    }
    char cursor[64] = "";
    int seen = 0, pages = 0;
    for (;;) {
        char q[160];
        snprintf(q, sizeof q, "/api/v1/pets?limit=10%s%s", cursor[0] ? "&cursor=" : "", cursor);
        struct resp *r = e2e_call("GET", q, o.token, NULL);
        EXPECT_STATUS(r, 200);
        json_t *items = e2e_get(r, "items");
        pages++;
        assert_int_equal(json_array_size(items), pages < 3 ? 10 : 5);
        for (size_t i = 0; i < json_array_size(items); i++) {
            const char *id = json_string_value(json_object_get(json_array_get(items, i), "id"));
            assert_string_equal(id, ids[24 - seen]); /* newest first, each exactly once */
            seen++;
        }
        const char *next = e2e_str(r, "next_cursor");
        if (pages < 3)
            assert_non_null(next);
        else
            assert_true(json_is_null(e2e_get(r, "next_cursor")));
        snprintf(cursor, sizeof cursor, "%s", next ? next : "");
        e2e_resp_free(r);
        if (!cursor[0])
            break;
    }
    assert_int_equal(seen, 25);
    struct resp *r = e2e_call("GET", "/api/v1/pets", o.token, NULL);
    EXPECT_STATUS(r, 200);
    assert_int_equal(json_array_size(e2e_get(r, "items")), 20); /* the default page */
    assert_string_equal(e2e_str(r, "items.0.name"), "pet-24");
    assert_string_equal(e2e_str(r, "items.0.owner_id"), o.id);
    e2e_resp_free(r);
    r = e2e_call("GET", "/api/v1/pets?limit=100", o.token, NULL);
    assert_int_equal(json_array_size(e2e_get(r, "items")), 25);
    assert_true(json_is_null(e2e_get(r, "next_cursor")));
    e2e_resp_free(r);
    /* other owners see none of them */
    r = e2e_call("GET", "/api/v1/pets", other.token, NULL);
    EXPECT_STATUS(r, 200);
    assert_int_equal(json_array_size(e2e_get(r, "items")), 0);
    assert_true(json_is_null(e2e_get(r, "next_cursor")));
    e2e_resp_free(r);
    /* bad paging parameters */
    const char *bad[][2] = {{"/api/v1/pets?limit=0", "limit"},     {"/api/v1/pets?limit=101", "limit"},
                            {"/api/v1/pets?limit=ten", "limit"},   {"/api/v1/pets?cursor=abc", "cursor"},
                            {"/api/v1/pets?cursor=-5", "cursor"}};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        r = e2e_call("GET", bad[i][0], o.token, NULL);
        EXPECT_FIELD(r, 422, "validation_failed", bad[i][1]);
        e2e_resp_free(r);
    }
}

/* ---------- validation ---------- */

struct bad_case {
    char body[1400];
    const char *field;
};

static void long_text(char *buf, size_t n, char c)
{
    memset(buf, c, n);
    buf[n] = 0;
}

static void every_validation_rule_names_its_field_and_writes_nothing(void **state)
{
    (void)state;
    struct e2e_user o;
    e2e_user_new(&o, "owner");
    char s33[40], s51[60], s65[70], s201[210], s501[510], s1001[1010];
    long_text(s33, 33, 'n');
    long_text(s51, 51, 'b');
    long_text(s65, 65, 'v');
    long_text(s201, 201, 'c');
    long_text(s501, 501, 'c');
    long_text(s1001, 1001, 'd');
    const char *tomorrow = day_str(date_today() + 1), *too_old = day_str(years_ago(40) - 1);
    static struct bad_case cases[48];
    size_t n = 0;
#define BASE "\"species\":\"dog\",\"weight_kg\":3"
#define CASE(f, ...) (snprintf(cases[n].body, sizeof cases[n].body, __VA_ARGS__), cases[n++].field = (f))
    CASE("name", "{" BASE "}");
    CASE("name", "{\"name\":null," BASE "}");
    CASE("name", "{\"name\":\"\"," BASE "}");
    CASE("name", "{\"name\":\"%s\"," BASE "}", s33);
    CASE("name", "{\"name\":\"   \"," BASE "}");
    CASE("name", "{\"name\":\"a\\u0001b\"," BASE "}");
    CASE("species", "{\"name\":\"a\",\"weight_kg\":3}");
    CASE("species", "{\"name\":\"a\",\"species\":\"bird\",\"weight_kg\":3}");
    CASE("weight_kg", "{\"name\":\"a\",\"species\":\"cat\"}");
    CASE("weight_kg", "{\"name\":\"a\",\"species\":\"cat\",\"weight_kg\":0.04}");
    CASE("weight_kg", "{\"name\":\"a\",\"species\":\"cat\",\"weight_kg\":150.01}");
    CASE("weight_kg", "{\"name\":\"a\",\"species\":\"cat\",\"weight_kg\":-1}");
    CASE("breed", "{\"name\":\"a\"," BASE ",\"breed\":\"%s\"}", s51);
    CASE("birth_date", "{\"name\":\"a\"," BASE ",\"birth_date\":\"2023-02-30\"}");
    CASE("birth_date", "{\"name\":\"a\"," BASE ",\"birth_date\":\"2023/01/01\"}");
    CASE("birth_date", "{\"name\":\"a\"," BASE ",\"birth_date\":\"%s\"}", tomorrow);
    CASE("birth_date", "{\"name\":\"a\"," BASE ",\"birth_date\":\"%s\"}", too_old);
    CASE("birth_date", "{\"name\":\"a\"," BASE ",\"birth_date\":\"2020-01-01\",\"age_years\":3}");
    CASE("age_years", "{\"name\":\"a\"," BASE ",\"birth_date\":\"2020-01-01\",\"age_years\":3}");
    CASE("age_years", "{\"name\":\"a\"," BASE ",\"age_years\":-1}");
    CASE("age_years", "{\"name\":\"a\"," BASE ",\"age_years\":41}");
    CASE("age_years", "{\"name\":\"a\"," BASE ",\"age_years\":2.5}");
    CASE("sex", "{\"name\":\"a\"," BASE ",\"sex\":\"boy\"}");
    CASE("sex", "{\"name\":\"a\"," BASE ",\"sex\":null}");
    CASE("neutered", "{\"name\":\"a\"," BASE ",\"neutered\":null}");
    CASE("description", "{\"name\":\"a\"," BASE ",\"description\":\"%s\"}", s1001);
    CASE("photos", "{\"name\":\"a\"," BASE ",\"photos\":[\"1\",\"2\",\"3\",\"4\",\"5\",\"6\",\"7\",\"8\",\"9\","
                   "\"10\",\"11\"]}");
    CASE("photos", "{\"name\":\"a\"," BASE ",\"photos\":[\"https://a.cn/1.jpg\"]}"); /* ids, not URLs */
    CASE("photos", "{\"name\":\"a\"," BASE ",\"photos\":[\"javascript:alert(1)\"]}");
    CASE("photos", "{\"name\":\"a\"," BASE ",\"photos\":[\"-5\"]}");
    CASE("photos", "{\"name\":\"a\"," BASE ",\"photos\":[\"77\",\"77\"]}");
    CASE("photos", "{\"name\":\"a\"," BASE ",\"photos\":[\"\"]}");
    CASE("photos", "{\"name\":\"a\"," BASE ",\"photos\":null}");
    CASE("care.feeding", "{\"name\":\"a\"," BASE ",\"care\":{\"feeding\":\"%s\"}}", s501);
    CASE("care.medication", "{\"name\":\"a\"," BASE ",\"care\":{\"medication\":\"%s\"}}", s501);
    CASE("care.allergies", "{\"name\":\"a\"," BASE ",\"care\":{\"allergies\":\"%s\"}}", s501);
    CASE("care.vet_contact", "{\"name\":\"a\"," BASE ",\"care\":{\"vet_contact\":\"%s\"}}", s201);
    CASE("care.bath", "{\"name\":\"a\"," BASE ",\"care\":{\"bath\":\"weekly\"}}");
    CASE("color", "{\"name\":\"a\"," BASE ",\"color\":\"black\"}");
    CASE("owner_id", "{\"name\":\"a\"," BASE ",\"owner_id\":\"%s\"}", o.id);
#undef CASE
#undef BASE
    for (size_t i = 0; i < n; i++) {
        struct resp *r = send_raw("POST", "/api/v1/pets", o.token, cases[i].body);
        EXPECT_FIELD(r, 422, "validation_failed", cases[i].field);
        e2e_resp_free(r);
    }
    assert_int_equal(pets_of(&o), 0); /* no rejected request wrote anything */

    /* the limits themselves are accepted */
    char s32[140] = "", s50[60], s200[210], s500[600], desc[1010], photo[24];
    for (int i = 0; i < 32; i++)
        strcat(s32, "猫");
    long_text(s50, 50, 'b');
    long_text(s200, 200, 'c');
    long_text(s500, 500, 'c');
    s500[100] = '\n';
    long_text(desc, 1000, 'd');
    desc[10] = '\n';
    desc[11] = '\t';
    json_t *photos = json_array();
    for (int i = 0; i < 10; i++) {
        e2e_photo_new(&o, "pet", photo);
        json_array_append_new(photos, json_string(photo));
    }
    struct resp *r = e2e_call("POST", "/api/v1/pets", o.token,
                              json_pack("{s:s,s:s,s:s,s:s,s:f,s:s,s:o,s:{s:s,s:s,s:s,s:s}}", "name", s32, "species",
                                        "other", "breed", s50, "birth_date", day_str(years_ago(40)), "weight_kg", 0.05,
                                        "description", desc, "photos", photos, "care", "feeding", s500, "medication",
                                        s500, "allergies", s500, "vet_contact", s200));
    EXPECT_STATUS(r, 201);
    assert_int_equal(e2e_int(r, "age_years"), 40);
    assert_true(json_real_value(e2e_get(r, "weight_kg")) == 0.05);
    assert_int_equal(json_array_size(e2e_get(r, "photos")), 10);
    e2e_resp_free(r);
    r = e2e_call("POST", "/api/v1/pets", o.token,
                 json_pack("{s:s,s:s,s:f,s:i,s:s}", "name", "b", "species", "dog", "weight_kg", 150.0, "age_years", 40,
                           "breed", ""));
    EXPECT_STATUS(r, 201);
    assert_int_equal(e2e_int(r, "age_years"), 40);
    assert_string_equal(e2e_str(r, "breed"), "");
    char pid[32], path[96];
    snprintf(pid, sizeof pid, "%s", e2e_str(r, "id"));
    e2e_resp_free(r);
    r = e2e_call("POST", "/api/v1/pets", o.token,
                 json_pack("{s:s,s:s,s:i,s:i,s:n}", "name", "c", "species", "cat", "weight_kg", 3, "age_years", 0,
                           "birth_date"));
    EXPECT_STATUS(r, 201);
    assert_int_equal(e2e_int(r, "age_years"), 0);
    assert_true(json_is_null(e2e_get(r, "birth_date")));
    e2e_resp_free(r);
    assert_int_equal(pets_of(&o), 3);

    /* PATCH: non-clearable fields refuse null, and a refused edit changes nothing */
    pathf(path, sizeof path, "/api/v1/pets/%s", pid);
    uint64_t id = strtoull(pid, NULL, 10);
    long long before = e2e_db_int("SELECT updated_ms FROM pb_pet.pet WHERE id = ?", "u", id);
    const char *patches[][2] = {
        {"{\"name\":null}", "name"},
        {"{\"species\":null}", "species"},
        {"{\"weight_kg\":null}", "weight_kg"},
        {"{\"sex\":null}", "sex"},
        {"{\"neutered\":null}", "neutered"},
        {"{\"photos\":null}", "photos"},
        {"{\"name\":\"\"}", "name"},
        {"{\"weight_kg\":151}", "weight_kg"},
        {"{\"birth_date\":\"2020-01-01\",\"age_years\":1}", "age_years"},
        {"{\"name\":\"ok\",\"id\":\"5\"}", "id"},
        {"{\"care\":{\"feeding\":\"x\",\"walks\":2}}", "care.walks"},
    };
    for (size_t i = 0; i < sizeof patches / sizeof *patches; i++) {
        r = send_raw("PATCH", path, o.token, patches[i][0]);
        EXPECT_FIELD(r, 422, "validation_failed", patches[i][1]);
        e2e_resp_free(r);
    }
    assert_int_equal(e2e_db_int("SELECT updated_ms FROM pb_pet.pet WHERE id = ?", "u", id), before);
    assert_int_equal(e2e_db_int("SELECT COUNT(*) FROM pb_pet.pet WHERE id = ? AND name = 'b'", "u", id), 1);
    assert_int_equal(e2e_db_int("SELECT updated_ms FROM pb_pet.pet_care WHERE pet_id = ?", "u", id), before);

    /* vaccinations */
    char vpath[128];
    pathf(vpath, sizeof vpath, "/api/v1/pets/%s/vaccinations", pid);
    char vb[10][200];
    const char *vfield[10];
    size_t vn = 0;
#define VCASE(f, ...) (snprintf(vb[vn], sizeof vb[vn], __VA_ARGS__), vfield[vn++] = (f))
    VCASE("name", "{\"given_on\":\"2025-01-01\"}");
    VCASE("name", "{\"name\":\"\",\"given_on\":\"2025-01-01\"}");
    VCASE("name", "{\"name\":\"%s\",\"given_on\":\"2025-01-01\"}", s65);
    VCASE("given_on", "{\"name\":\"狂犬疫苗\"}");
    VCASE("given_on", "{\"name\":\"狂犬疫苗\",\"given_on\":\"%s\"}", tomorrow);
    VCASE("given_on", "{\"name\":\"狂犬疫苗\",\"given_on\":\"2024-02-30\"}");
    VCASE("expires_on", "{\"name\":\"狂犬疫苗\",\"given_on\":\"2025-01-02\",\"expires_on\":\"2025-01-01\"}");
    VCASE("expires_on", "{\"name\":\"狂犬疫苗\",\"given_on\":\"2025-01-02\",\"expires_on\":\"soon\"}");
    VCASE("dose", "{\"name\":\"狂犬疫苗\",\"given_on\":\"2025-01-02\",\"dose\":\"1ml\"}");
#undef VCASE
    for (size_t i = 0; i < vn; i++) {
        r = send_raw("POST", vpath, o.token, vb[i]);
        EXPECT_FIELD(r, 422, "validation_failed", vfield[i]);
        e2e_resp_free(r);
    }
    assert_int_equal(e2e_db_int("SELECT COUNT(*) FROM pb_pet.pet_vaccination WHERE pet_id = ?", "u", id), 0);
}

static void wrong_json_types_are_bad_requests(void **state)
{
    (void)state;
    struct e2e_user o;
    e2e_user_new(&o, "owner");
    const char *cases[][2] = {
        {"{\"name\":1,\"species\":\"dog\",\"weight_kg\":3}", "name"},
        {"{\"name\":\"a\",\"species\":true,\"weight_kg\":3}", "species"},
        {"{\"name\":\"a\",\"species\":\"dog\",\"weight_kg\":\"3\"}", "weight_kg"},
        {"{\"name\":\"a\",\"species\":\"dog\",\"weight_kg\":3,\"neutered\":\"yes\"}", "neutered"},
        {"{\"name\":\"a\",\"species\":\"dog\",\"weight_kg\":3,\"neutered\":1}", "neutered"},
        {"{\"name\":\"a\",\"species\":\"dog\",\"weight_kg\":3,\"photos\":\"https://a.cn/1\"}", "photos"},
        {"{\"name\":\"a\",\"species\":\"dog\",\"weight_kg\":3,\"photos\":[1]}", "photos"},
        {"{\"name\":\"a\",\"species\":\"dog\",\"weight_kg\":3,\"care\":\"feed twice\"}", "care"},
        {"{\"name\":\"a\",\"species\":\"dog\",\"weight_kg\":3,\"care\":{\"feeding\":2}}", "care.feeding"},
        {"{\"name\":\"a\",\"species\":\"dog\",\"weight_kg\":3,\"breed\":5}", "breed"},
        {"{\"name\":\"a\",\"species\":\"dog\",\"weight_kg\":3,\"birth_date\":20200101}", "birth_date"},
        {"{\"name\":\"a\",\"species\":\"dog\",\"weight_kg\":3,\"age_years\":\"3\"}", "age_years"},
        {"{\"name\":\"a\",\"species\":\"dog\",\"weight_kg\":3,\"description\":[]}", "description"},
        {"{\"name\":\"a\",\"species\":\"dog\",\"weight_kg\":3,\"sex\":0}", "sex"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        struct resp *r = send_raw("POST", "/api/v1/pets", o.token, cases[i][0]);
        EXPECT_FIELD(r, 400, "bad_request", cases[i][1]);
        e2e_resp_free(r);
    }
    const char *malformed[] = {"{\"name\":", "[1,2]", "\"pet\"", "{\"name\":\"a\",\"name\":\"b\"}"};
    for (size_t i = 0; i < sizeof malformed / sizeof *malformed; i++) {
        struct resp *r = send_raw("POST", "/api/v1/pets", o.token, malformed[i]);
        EXPECT_ERROR(r, 400, "bad_request");
        e2e_resp_free(r);
    }
    struct resp *r = e2e_call_raw("POST", "/api/v1/pets", o.token, "text/plain", "{}", 2, NULL);
    EXPECT_ERROR(r, 415, "unsupported_media_type");
    e2e_resp_free(r);
    r = e2e_call_raw("POST", "/api/v1/pets", o.token, "application/json", "", 0, NULL);
    EXPECT_ERROR(r, 400, "bad_request");
    e2e_resp_free(r);
    /* vaccinations and grants check types too */
    char id[32], path[128];
    create_pet(&o, "types", id, sizeof id);
    pathf(path, sizeof path, "/api/v1/pets/%s/vaccinations", id);
    r = send_raw("POST", path, o.token, "{\"name\":[\"x\"],\"given_on\":\"2025-01-01\"}");
    EXPECT_FIELD(r, 400, "bad_request", "name");
    e2e_resp_free(r);
    pathf(path, sizeof path, "/internal/v1/pets/%s/grants/77", id);
    r = e2e_service("pet", "PUT", path, json_pack("{s:i,s:s}", "provider_id", 5, "until_date", "2030-01-01"));
    EXPECT_FIELD(r, 400, "bad_request", "provider_id");
    e2e_resp_free(r);
    assert_int_equal(pets_of(&o), 1);
}

/* ---------- authorization ---------- */

static const char *code_for(long status)
{
    return status == 401 ? "unauthenticated" : status == 403 ? "forbidden" : "not_found";
}

static void authorization_matrix(void **state)
{
    (void)state;
    struct e2e_user a, b, prov, adm;
    e2e_user_new(&a, "owner");
    e2e_user_new(&b, "owner");
    e2e_user_new(&prov, "provider");
    e2e_admin(&adm);
    char x[32], vid[32], p_pet[96], p_vacc[128], p_vone[160];
    struct resp *r = e2e_call("POST", "/api/v1/pets", a.token, full_body("2021-06-01", &a, 1, NULL));
    EXPECT_STATUS(r, 201);
    snprintf(x, sizeof x, "%s", e2e_str(r, "id"));
    e2e_resp_free(r);
    pathf(p_pet, sizeof p_pet, "/api/v1/pets/%s", x);
    pathf(p_vacc, sizeof p_vacc, "/api/v1/pets/%s/vaccinations", x);
    r = e2e_call("POST", p_vacc, a.token, json_pack("{s:s,s:s}", "name", "狂犬疫苗", "given_on", "2025-01-01"));
    EXPECT_STATUS(r, 201);
    snprintf(vid, sizeof vid, "%s", e2e_str(r, "id"));
    e2e_resp_free(r);
    pathf2(p_vone, sizeof p_vone, "/api/v1/pets/%s/vaccinations/%s", x, vid);

    const char *new_pet = "{\"name\":\"x\",\"species\":\"dog\",\"weight_kg\":3}";
    const char *new_vacc = "{\"name\":\"x\",\"given_on\":\"2025-01-01\"}";
    struct {
        const char *method, *path, *body;
        long anon, other, provider, admin;
    } m[] = {
        {"POST", "/api/v1/pets", new_pet, 401, 201, 403, 403},
        {"GET", "/api/v1/pets", NULL, 401, 200, 403, 403},
        {"GET", p_pet, NULL, 401, 404, 404, 200},
        {"PATCH", p_pet, "{\"name\":\"stolen\"}", 401, 404, 403, 403},
        {"DELETE", p_pet, NULL, 401, 404, 403, 403},
        {"POST", p_vacc, new_vacc, 401, 404, 403, 403},
        /* who may act is decided before the body is read: invalid bodies are refused alike */
        {"PATCH", p_pet, "{\"name\":\"\",\"weight_kg\":-1,\"owner_id\":\"1\"}", 401, 404, 403, 403},
        {"POST", p_vacc, "{\"given_on\":\"never\"}", 401, 404, 403, 403},
        {"GET", p_vacc, NULL, 401, 404, 404, 200},
        {"DELETE", p_vone, NULL, 401, 404, 403, 403},
    };
    const char *nf_message = NULL;
    r = e2e_call("GET", "/api/v1/pets/999999999999", a.token, NULL); /* a pet that does not exist */
    EXPECT_ERROR(r, 404, "not_found");
    char nf[128];
    snprintf(nf, sizeof nf, "%s", e2e_str(r, "error.message"));
    nf_message = nf;
    e2e_resp_free(r);
    for (size_t i = 0; i < sizeof m / sizeof *m; i++) {
        const char *tokens[] = {NULL, b.token, prov.token, adm.token, "not-a-jwt"};
        long want[] = {m[i].anon, m[i].other, m[i].provider, m[i].admin, 401};
        for (int k = 0; k < 5; k++) {
            r = m[i].body ? send_raw(m[i].method, m[i].path, tokens[k], m[i].body)
                          : e2e_call(m[i].method, m[i].path, tokens[k], NULL);
            if (r->status != want[k])
                print_error("%s %s as caller %d\n", m[i].method, m[i].path, k);
            EXPECT_STATUS(r, want[k]);
            if (want[k] >= 400) {
                EXPECT_ERROR(r, want[k], code_for(want[k]));
                /* a refusal carries nothing of the pet, and looks like "no such pet" */
                assert_null(strstr(r->body, "旺财"));
                assert_null(strstr(r->body, a.id));
                if (want[k] == 404)
                    assert_string_equal(e2e_str(r, "error.message"), nf_message);
            }
            e2e_resp_free(r);
        }
    }
    /* nothing was changed by anyone but the owner */
    r = e2e_call("GET", p_pet, a.token, NULL);
    EXPECT_STATUS(r, 200);
    assert_string_equal(e2e_str(r, "name"), "旺财");
    e2e_resp_free(r);
    uint64_t pid = strtoull(x, NULL, 10);
    assert_int_equal(e2e_db_int("SELECT COUNT(*) FROM pb_pet.pet_vaccination WHERE pet_id = ?", "u", pid), 1);
    assert_int_equal(e2e_db_int("SELECT COUNT(*) FROM pb_pet.pet WHERE id = ? AND deleted_ms IS NULL", "u", pid), 1);
    /* the other owner's list does not show it; the admin read the whole pet */
    r = e2e_call("GET", "/api/v1/pets", b.token, NULL);
    assert_null(strstr(r->body, x));
    e2e_resp_free(r);
    r = e2e_call("GET", p_pet, adm.token, NULL);
    assert_string_equal(e2e_str(r, "care.allergies"), "鸡肉");
    e2e_resp_free(r);
    /* the owner may do all of it */
    r = send_raw("PATCH", p_pet, a.token, "{\"name\":\"旺财\"}");
    EXPECT_STATUS(r, 200);
    e2e_resp_free(r);
    r = e2e_call("DELETE", p_vone, a.token, NULL);
    EXPECT_STATUS(r, 204);
    e2e_resp_free(r);
    r = e2e_call("DELETE", p_pet, a.token, NULL);
    EXPECT_STATUS(r, 204);
    e2e_resp_free(r);
    /* junk ids are "no such pet" */
    r = e2e_call("GET", "/api/v1/pets/abc", a.token, NULL);
    EXPECT_ERROR(r, 404, "not_found");
    e2e_resp_free(r);
    r = e2e_call("GET", "/api/v1/pets/0", a.token, NULL);
    EXPECT_ERROR(r, 404, "not_found");
    e2e_resp_free(r);
    /* the internal API is not reachable through the gateway, nor without the service token */
    char ip[128];
    pathf(ip, sizeof ip, "/internal/v1/pets/%s", x);
    r = e2e_call("GET", ip, adm.token, NULL);
    EXPECT_ERROR(r, 404, "not_found");
    e2e_resp_free(r);
    pathf(ip, sizeof ip, "/internal/v1/pets/%s/grants/123", x);
    r = send_raw("PUT", ip, adm.token, "{\"provider_id\":\"1\",\"until_date\":\"2030-01-01\"}");
    EXPECT_ERROR(r, 404, "not_found");
    e2e_resp_free(r);
    assert_int_equal(service_status_without_token("DELETE", ip), 403);
    pathf(ip, sizeof ip, "/internal/v1/pets/%s", x);
    assert_int_equal(service_status_without_token("GET", ip), 403);
}

/* ---------- soft delete ---------- */

static void soft_delete_hides_the_pet_but_orders_still_see_it(void **state)
{
    (void)state;
    struct e2e_user o, prov, adm;
    e2e_user_new(&o, "owner");
    e2e_user_new(&prov, "provider");
    e2e_admin(&adm);
    char x[32], y[32], path[96], ip[128];
    create_pet(&o, "keep", y, sizeof y);
    create_pet(&o, "drop", x, sizeof x);
    pathf(path, sizeof path, "/api/v1/pets/%s/vaccinations", x);
    struct resp *r = e2e_call("POST", path, o.token, json_pack("{s:s,s:s}", "name", "猫三联", "given_on", "2025-05-01"));
    EXPECT_STATUS(r, 201);
    e2e_resp_free(r);
    pathf(ip, sizeof ip, "/internal/v1/pets/%s/grants/5550001", x);
    r = e2e_service("pet", "PUT", ip, json_pack("{s:s,s:s}", "provider_id", prov.id, "until_date", day_str(date_today() + 5)));
    EXPECT_STATUS(r, 200);
    e2e_resp_free(r);
    r = get_path("/api/v1/pets/%s", x, prov.token); /* readable during the stay ... */
    EXPECT_STATUS(r, 200);
    e2e_resp_free(r);

    pathf(path, sizeof path, "/api/v1/pets/%s", x);
    r = e2e_call("DELETE", path, o.token, NULL);
    EXPECT_STATUS(r, 204);
    e2e_resp_free(r);
    const char *gone[][2] = {{"GET", "/api/v1/pets/%s"},
                             {"PATCH", "/api/v1/pets/%s"},
                             {"DELETE", "/api/v1/pets/%s"},
                             {"GET", "/api/v1/pets/%s/vaccinations"},
                             {"POST", "/api/v1/pets/%s/vaccinations"}};
    for (size_t i = 0; i < sizeof gone / sizeof *gone; i++) {
        char p[128];
        pathf(p, sizeof p, gone[i][1], x);
        const char *body = i == 1 ? "{\"name\":\"back\"}" : i == 4 ? "{\"name\":\"x\",\"given_on\":\"2025-01-01\"}" : NULL;
        r = body ? send_raw(gone[i][0], p, o.token, body) : e2e_call(gone[i][0], p, o.token, NULL);
        EXPECT_ERROR(r, 404, "not_found");
        e2e_resp_free(r);
    }
    r = get_path("/api/v1/pets/%s", x, adm.token);
    EXPECT_ERROR(r, 404, "not_found");
    e2e_resp_free(r);
    r = get_path("/api/v1/pets/%s", x, prov.token); /* ... but not once deleted */
    EXPECT_ERROR(r, 404, "not_found");
    e2e_resp_free(r);
    r = e2e_call("GET", "/api/v1/pets", o.token, NULL);
    assert_int_equal(json_array_size(e2e_get(r, "items")), 1);
    assert_string_equal(e2e_str(r, "items.0.id"), y);
    e2e_resp_free(r);

    /* the order service still sees it, marked deleted */
    pathf(ip, sizeof ip, "/internal/v1/pets/%s", x);
    r = e2e_service("pet", "GET", ip, NULL);
    EXPECT_STATUS(r, 200);
    assert_true(json_is_true(e2e_get(r, "deleted")));
    assert_non_null(e2e_str(r, "deleted_at"));
    assert_string_equal(e2e_str(r, "owner_id"), o.id);
    assert_string_equal(e2e_str(r, "species"), "cat");
    assert_true(json_number_value(e2e_get(r, "weight_kg")) == 4.5);
    assert_string_equal(e2e_str(r, "name"), "drop");
    e2e_resp_free(r);
    pathf(ip, sizeof ip, "/internal/v1/pets/%s", y);
    r = e2e_service("pet", "GET", ip, NULL);
    EXPECT_STATUS(r, 200);
    assert_true(json_is_false(e2e_get(r, "deleted")));
    assert_null(e2e_get(r, "deleted_at"));
    e2e_resp_free(r);
    r = e2e_service("pet", "GET", "/internal/v1/pets/999999999999", NULL);
    EXPECT_ERROR(r, 404, "not_found");
    e2e_resp_free(r);
    /* a booking's pets in one read: the deleted one marked, an unknown id absent, id order */
    char many[160];
    snprintf(many, sizeof many, "/internal/v1/pets?ids=%s,999999999999,%s", x, y);
    r = e2e_service("pet", "GET", many, NULL);
    EXPECT_STATUS(r, 200);
    assert_int_equal(json_array_size(e2e_get(r, "items")), 2);
    bool x_first = strtoull(x, NULL, 10) < strtoull(y, NULL, 10);
    assert_string_equal(e2e_str(r, x_first ? "items.0.id" : "items.1.id"), x);
    assert_true(json_is_true(e2e_get(r, x_first ? "items.0.deleted" : "items.1.deleted")));
    assert_string_equal(e2e_str(r, x_first ? "items.1.id" : "items.0.id"), y);
    assert_true(json_is_false(e2e_get(r, x_first ? "items.1.deleted" : "items.0.deleted")));
    assert_string_equal(e2e_str(r, "items.0.owner_id"), o.id);
    e2e_resp_free(r);
    const char *bad[] = {"/internal/v1/pets", "/internal/v1/pets?ids=", "/internal/v1/pets?ids=abc",
                         "/internal/v1/pets?ids=1,,2", "/internal/v1/pets?ids=1,2,3,4,5"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        r = e2e_service("pet", "GET", bad[i], NULL);
        EXPECT_ERROR(r, 422, "validation_failed");
        assert_non_null(e2e_field_error(r, "ids"));
        e2e_resp_free(r);
    }
    assert_int_equal(service_status_without_token("GET", many), 403);
    r = e2e_call("GET", many, o.token, NULL); /* not reachable through the gateway */
    EXPECT_ERROR(r, 404, "not_found");
    e2e_resp_free(r);
    uint64_t id = strtoull(x, NULL, 10);
    assert_int_equal(e2e_db_int("SELECT COUNT(*) FROM pb_pet.pet WHERE id = ? AND deleted_ms IS NOT NULL", "u", id), 1);
    assert_int_equal(e2e_db_int("SELECT COUNT(*) FROM pb_pet.pet_care WHERE pet_id = ?", "u", id), 1);
    assert_int_equal(e2e_db_int("SELECT COUNT(*) FROM pb_pet.pet_vaccination WHERE pet_id = ?", "u", id), 1);
}

/* ---------- grants ---------- */

static struct resp *put_grant(const char *pet, const char *order, const char *provider, int32_t until)
{
    char p[160];
    pathf2(p, sizeof p, "/internal/v1/pets/%s/grants/%s", pet, order);
    return e2e_service("pet", "PUT", p, json_pack("{s:s,s:s}", "provider_id", provider, "until_date", day_str(until)));
}

static struct resp *delete_grant(const char *pet, const char *order)
{
    char p[160];
    pathf2(p, sizeof p, "/internal/v1/pets/%s/grants/%s", pet, order);
    return e2e_service("pet", "DELETE", p, NULL);
}

static void expect_provider_read(const char *pet, const struct e2e_user *prov, long status)
{
    struct resp *r = get_path("/api/v1/pets/%s", pet, prov->token);
    EXPECT_STATUS(r, status);
    e2e_resp_free(r);
    r = get_path("/api/v1/pets/%s/vaccinations", pet, prov->token);
    EXPECT_STATUS(r, status);
    e2e_resp_free(r);
}

static void providers_read_only_during_a_granted_stay(void **state)
{
    (void)state;
    struct e2e_user o, prov, prov2;
    e2e_user_new(&o, "owner");
    e2e_user_new(&prov, "provider");
    e2e_user_new(&prov2, "provider");
    char x[32], order[24], order2[24], path[96];
    snprintf(order, sizeof order, "%lld", 700000000000LL + e2e_now_ms() % 100000000);
    snprintf(order2, sizeof order2, "%lld", 800000000000LL + e2e_now_ms() % 100000000);
    char photo[2][24];
    struct resp *r = e2e_call("POST", "/api/v1/pets", o.token, full_body("2022-03-04", &o, 2, photo));
    EXPECT_STATUS(r, 201);
    snprintf(x, sizeof x, "%s", e2e_str(r, "id"));
    e2e_resp_free(r);
    uint64_t pid = strtoull(x, NULL, 10);
    int32_t today = date_today();
    expect_provider_read(x, &prov, 404);

    r = put_grant(x, order, prov.id, today + 3);
    EXPECT_STATUS(r, 200);
    assert_string_equal(e2e_str(r, "pet_id"), x);
    assert_string_equal(e2e_str(r, "order_id"), order);
    assert_string_equal(e2e_str(r, "provider_id"), prov.id);
    assert_string_equal(e2e_str(r, "until_date"), day_str(today + 3));
    e2e_resp_free(r);
    r = put_grant(x, order, prov.id, today + 3); /* idempotent */
    EXPECT_STATUS(r, 200);
    e2e_resp_free(r);
    assert_int_equal(e2e_db_int("SELECT COUNT(*) FROM pb_pet.pet_grant WHERE pet_id = ?", "u", pid), 1);

    r = get_path("/api/v1/pets/%s", x, prov.token);
    EXPECT_STATUS(r, 200);
    assert_string_equal(e2e_str(r, "care.feeding"), "早晚各一次\n每次 100 克狗粮");
    assert_string_equal(e2e_str(r, "care.allergies"), "鸡肉");
    expect_photos(r, photo, 2); /* the provider sees the photos and can fetch them */
    struct resp *mine = get_path("/api/v1/pets/%s", x, o.token);
    assert_true(json_equal(r->json, mine->json));
    e2e_resp_free(mine);
    e2e_resp_free(r);
    expect_provider_read(x, &prov, 200);
    expect_provider_read(x, &prov2, 404); /* the grant is for one provider */
    /* providers never write, grant or not */
    pathf(path, sizeof path, "/api/v1/pets/%s", x);
    r = send_raw("PATCH", path, prov.token, "{\"name\":\"x\"}");
    EXPECT_ERROR(r, 403, "forbidden");
    e2e_resp_free(r);
    r = e2e_call("DELETE", path, prov.token, NULL);
    EXPECT_ERROR(r, 403, "forbidden");
    e2e_resp_free(r);
    pathf(path, sizeof path, "/api/v1/pets/%s/vaccinations", x);
    r = send_raw("POST", path, prov.token, "{\"name\":\"x\",\"given_on\":\"2025-01-01\"}");
    EXPECT_ERROR(r, 403, "forbidden");
    e2e_resp_free(r);

    /* the stay ended yesterday: no access; it ends today: access through today */
    r = put_grant(x, order, prov.id, today - 1);
    EXPECT_STATUS(r, 200);
    e2e_resp_free(r);
    expect_provider_read(x, &prov, 404);
    r = put_grant(x, order, prov.id, today);
    EXPECT_STATUS(r, 200);
    e2e_resp_free(r);
    expect_provider_read(x, &prov, 200);
    assert_int_equal(e2e_db_int("SELECT COUNT(*) FROM pb_pet.pet_grant WHERE pet_id = ?", "u", pid), 1);

    /* revoked: gone at once; revoking again is fine */
    r = delete_grant(x, order);
    EXPECT_STATUS(r, 204);
    e2e_resp_free(r);
    r = delete_grant(x, order);
    EXPECT_STATUS(r, 204);
    e2e_resp_free(r);
    expect_provider_read(x, &prov, 404);
    assert_int_equal(e2e_db_int("SELECT COUNT(*) FROM pb_pet.pet_grant WHERE pet_id = ?", "u", pid), 0);

    /* any one live grant among several is enough */
    r = put_grant(x, order, prov.id, today - 10);
    e2e_resp_free(r);
    r = put_grant(x, order2, prov.id, today + 1);
    e2e_resp_free(r);
    expect_provider_read(x, &prov, 200);
    r = delete_grant(x, order2);
    e2e_resp_free(r);
    expect_provider_read(x, &prov, 404);

    /* the internal API's own errors */
    r = put_grant("999999999999", order, prov.id, today);
    EXPECT_ERROR(r, 404, "not_found");
    e2e_resp_free(r);
    r = put_grant("abc", order, prov.id, today);
    EXPECT_ERROR(r, 404, "not_found");
    e2e_resp_free(r);
    r = delete_grant("999999999999", order);
    EXPECT_STATUS(r, 204);
    e2e_resp_free(r);
    const char *bad[][2] = {{"{\"until_date\":\"2030-01-01\"}", "provider_id"},
                            {"{\"provider_id\":\"abc\",\"until_date\":\"2030-01-01\"}", "provider_id"},
                            {"{\"provider_id\":\"12\"}", "until_date"},
                            {"{\"provider_id\":\"12\",\"until_date\":\"2030-02-30\"}", "until_date"},
                            {"{\"provider_id\":\"12\",\"until_date\":\"2030-01-01\",\"order_id\":\"1\"}", "order_id"}};
    char gp[160];
    pathf2(gp, sizeof gp, "/internal/v1/pets/%s/grants/%s", x, "4242");
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        json_t *b = json_loads(bad[i][0], 0, NULL);
        r = e2e_service("pet", "PUT", gp, b);
        EXPECT_FIELD(r, 422, "validation_failed", bad[i][1]);
        e2e_resp_free(r);
    }
    assert_int_equal(e2e_db_int("SELECT COUNT(*) FROM pb_pet.pet_grant WHERE pet_id = ? AND order_id = 4242", "u", pid),
                     0);
}

/* ---------- vaccinations ---------- */

static void vaccination_records_list_expire_and_delete(void **state)
{
    (void)state;
    struct e2e_user o, b;
    e2e_user_new(&o, "owner");
    e2e_user_new(&b, "owner");
    char x[32], y[32], path[128];
    create_pet(&o, "vac", x, sizeof x);
    create_pet(&o, "other", y, sizeof y);
    pathf(path, sizeof path, "/api/v1/pets/%s/vaccinations", x);
    int32_t today = date_today();
    struct {
        const char *name;
        int32_t given, expires; /* expires 0: none */
        bool expired;
    } v[] = {
        {"狂犬疫苗", today - 400, today - 35, true},
        {"猫三联", today - 30, today, false},
        {"体内驱虫", today, 0, false},
        {"猫三联加强", today - 30, today + 335, false},
    };
    char ids[4][32];
    for (int i = 0; i < 4; i++) {
        json_t *body = json_pack("{s:s,s:s}", "name", v[i].name, "given_on", day_str(v[i].given));
        json_object_set_new(body, "expires_on", v[i].expires ? json_string(day_str(v[i].expires)) : json_null());
        struct resp *r = e2e_call("POST", path, o.token, body);
        EXPECT_STATUS(r, 201);
        snprintf(ids[i], sizeof ids[i], "%s", e2e_str(r, "id"));
        assert_string_equal(e2e_str(r, "pet_id"), x);
        assert_string_equal(e2e_str(r, "name"), v[i].name);
        assert_string_equal(e2e_str(r, "given_on"), day_str(v[i].given));
        if (v[i].expires)
            assert_string_equal(e2e_str(r, "expires_on"), day_str(v[i].expires));
        else
            assert_true(json_is_null(e2e_get(r, "expires_on")));
        assert_int_equal(json_is_true(e2e_get(r, "expired")), v[i].expired);
        assert_non_null(e2e_str(r, "created_at"));
        e2e_resp_free(r);
    }
    /* newest given_on first; equal dates newest record first */
    const int order[] = {2, 3, 1, 0};
    struct resp *r = e2e_call("GET", path, o.token, NULL);
    EXPECT_STATUS(r, 200);
    assert_int_equal(json_array_size(e2e_get(r, "items")), 4);
    for (int i = 0; i < 4; i++) {
        char k[32];
        snprintf(k, sizeof k, "items.%d.id", i);
        assert_string_equal(e2e_str(r, k), ids[order[i]]);
        snprintf(k, sizeof k, "items.%d.expired", i);
        assert_int_equal(json_is_true(e2e_get(r, k)), v[order[i]].expired);
    }
    assert_true(json_is_null(e2e_get(r, "next_cursor")));
    e2e_resp_free(r);
    /* one per page, the same order */
    char cursor[64] = "";
    for (int i = 0; i < 4; i++) {
        char q[256];
        snprintf(q, sizeof q, "%s?limit=1%s%s", path, cursor[0] ? "&cursor=" : "", cursor);
        r = e2e_call("GET", q, o.token, NULL);
        EXPECT_STATUS(r, 200);
        assert_string_equal(e2e_str(r, "items.0.id"), ids[order[i]]);
        const char *next = e2e_str(r, "next_cursor");
        assert_true(i < 3 ? next != NULL : json_is_null(e2e_get(r, "next_cursor")));
        snprintf(cursor, sizeof cursor, "%s", next ? next : "");
        e2e_resp_free(r);
    }
    char q[256];
    snprintf(q, sizeof q, "%s?cursor=nonsense", path);
    r = e2e_call("GET", q, o.token, NULL);
    EXPECT_FIELD(r, 422, "validation_failed", "cursor");
    e2e_resp_free(r);
    /* delete: once; not through another pet; not by another owner */
    char one[192];
    pathf2(one, sizeof one, "/api/v1/pets/%s/vaccinations/%s", y, ids[0]);
    r = e2e_call("DELETE", one, o.token, NULL);
    EXPECT_ERROR(r, 404, "not_found");
    e2e_resp_free(r);
    pathf2(one, sizeof one, "/api/v1/pets/%s/vaccinations/%s", x, ids[1]);
    r = e2e_call("DELETE", one, b.token, NULL);
    EXPECT_ERROR(r, 404, "not_found");
    e2e_resp_free(r);
    r = e2e_call("DELETE", one, o.token, NULL);
    EXPECT_STATUS(r, 204);
    e2e_resp_free(r);
    r = e2e_call("DELETE", one, o.token, NULL);
    EXPECT_ERROR(r, 404, "not_found");
    e2e_resp_free(r);
    r = e2e_call("GET", path, o.token, NULL);
    assert_int_equal(json_array_size(e2e_get(r, "items")), 3);
    assert_null(strstr(r->body, ids[1]));
    e2e_resp_free(r);
    pathf(one, sizeof one, "/api/v1/pets/%s/vaccinations/xyz", x);
    r = e2e_call("DELETE", one, o.token, NULL);
    EXPECT_ERROR(r, 404, "not_found");
    e2e_resp_free(r);
}

/* ---------- cache ---------- */

struct par_patch {
    char path[96];
    const char *token;
};

static void patch_weight(int i, void *arg)
{
    struct par_patch *x = arg;
    struct resp *r = e2e_call("PATCH", x->path, x->token, json_pack("{s:f}", "weight_kg", 1.0 + i));
    EXPECT_STATUS(r, 200);
    e2e_resp_free(r);
    r = e2e_call("GET", x->path, x->token, NULL);
    EXPECT_STATUS(r, 200);
    e2e_resp_free(r);
}

static void edits_are_visible_at_once_through_the_cache(void **state)
{
    (void)state;
    struct e2e_user o, adm;
    e2e_user_new(&o, "owner");
    e2e_admin(&adm);
    char x[32];
    create_pet(&o, "cached", x, sizeof x);
    struct par_patch pp;
    pathf(pp.path, sizeof pp.path, "/api/v1/pets/%s", x);
    pp.token = o.token;
    double before = pet_loads();
    for (int i = 0; i < 10; i++) {
        struct resp *r = e2e_call("GET", pp.path, i % 2 ? adm.token : o.token, NULL);
        EXPECT_STATUS(r, 200);
        e2e_resp_free(r);
    }
    assert_int_equal((long)(pet_loads() - before), 1); /* one database read for ten requests */
    struct resp *r = send_raw("PATCH", pp.path, o.token, "{\"name\":\"新名字\",\"care\":{\"feeding\":\"少吃多餐\"}}");
    EXPECT_STATUS(r, 200);
    e2e_resp_free(r);
    r = e2e_call("GET", pp.path, o.token, NULL);
    assert_string_equal(e2e_str(r, "name"), "新名字");
    assert_string_equal(e2e_str(r, "care.feeding"), "少吃多餐");
    e2e_resp_free(r);
    r = e2e_call("GET", pp.path, adm.token, NULL);
    assert_string_equal(e2e_str(r, "name"), "新名字");
    e2e_resp_free(r);
    /* concurrent edits and reads: what is cached afterwards is what was committed last */
    e2e_parallel(16, patch_weight, &pp);
    r = e2e_call("GET", pp.path, o.token, NULL);
    double shown = json_number_value(e2e_get(r, "weight_kg"));
    e2e_resp_free(r);
    long long grams = e2e_db_int("SELECT weight_g FROM pb_pet.pet WHERE id = ?", "u", strtoull(x, NULL, 10));
    assert_true((long long)(shown * 1000 + 0.5) == grams);
    /* deletion is seen at once too */
    r = e2e_call("DELETE", pp.path, o.token, NULL);
    EXPECT_STATUS(r, 204);
    e2e_resp_free(r);
    r = e2e_call("GET", pp.path, o.token, NULL);
    EXPECT_ERROR(r, 404, "not_found");
    e2e_resp_free(r);
    /* unknown pets are remembered as absent (no database read per request) */
    before = pet_loads();
    for (int i = 0; i < 10; i++) {
        r = e2e_call("GET", "/api/v1/pets/123456789", o.token, NULL);
        EXPECT_ERROR(r, 404, "not_found");
        e2e_resp_free(r);
    }
    assert_true(pet_loads() - before <= 1);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(crud_round_trip_reads_back_every_field),
        cmocka_unit_test(photos_are_the_owners_pet_photos_checked_by_the_media_service),
        cmocka_unit_test(photos_stored_as_urls_still_read),
        cmocka_unit_test(list_pages_newest_first_without_repeats_or_skips),
        cmocka_unit_test(every_validation_rule_names_its_field_and_writes_nothing),
        cmocka_unit_test(wrong_json_types_are_bad_requests),
        cmocka_unit_test(authorization_matrix),
        cmocka_unit_test(soft_delete_hides_the_pet_but_orders_still_see_it),
        cmocka_unit_test(providers_read_only_during_a_granted_stay),
        cmocka_unit_test(vaccination_records_list_expire_and_delete),
        cmocka_unit_test(edits_are_visible_at_once_through_the_cache),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
