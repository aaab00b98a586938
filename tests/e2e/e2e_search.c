/* Search through the gateway against a seeded set whose right answers are known: every
 * filter and sort, dates with room, words, nearby; 250 results paged without repeats or
 * gaps under every sort; wrong filter values; the page cache and its invalidation; pages sent
 * gzip-compressed to the clients that take it. */
#include "harness.h"
#include "dates.h"
#include "gz.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KM_LAT 0.0089932 /* degrees of latitude per km */

static struct e2e_user P;
static char CITY[24], L[5][24];
static const double LAT0 = 30.0, LNG0 = 104.0;

static void set_rating(const char *id, int count, int sum, double score)
{
    char path[128];
    snprintf(path, sizeof path, "/internal/v1/listings/%s/rating", id);
    struct resp *r = e2e_service("boarding", "POST", path, json_pack("{s:i,s:i,s:f}", "count", count, "sum", sum, "score", score));
    EXPECT_STATUS(r, 204);
    e2e_resp_free(r);
}

static int setup(void **state)
{
    (void)state;
    e2e_provider_approved(&P);
    e2e_unique_name(CITY, sizeof CITY, "Q");
    struct {
        const char *district, *title;
        const char *species[2];
        int price, cap;
        double km;
        bool publish;
    } seed[5] = {
        {"东区", "阳光小院 Alpha", {"dog", NULL}, 8000, 3, 0.5, true},
        {"东区", "猫咪公寓 Beta", {"cat", NULL}, 12000, 1, 2, true},
        {"西区", "豪华别墅 Gamma", {"dog", "cat"}, 20000, 2, 5, true},
        {"西区", "小宠天地 Delta 100%", {"other", NULL}, 5000, 5, 15, true},
        {"东区", "未审核 Epsilon", {"dog", NULL}, 12000, 2, 1, false},
    };
    for (int i = 0; i < 5; i++) {
        json_t *sp = json_array();
        for (int k = 0; k < 2 && seed[i].species[k]; k++)
            json_array_append_new(sp, json_string(seed[i].species[k]));
        e2e_listing_new(&P,
                        json_pack("{s:s,s:s,s:s,s:o,s:i,s:i,s:f,s:f}", "city", CITY, "district", seed[i].district,
                                  "title", seed[i].title, "species", sp, "price_per_night_fen", seed[i].price,
                                  "capacity", seed[i].cap, "lat", LAT0 + seed[i].km * KM_LAT, "lng", LNG0),
                        seed[i].publish, L[i]);
    }
    set_rating(L[0], 10, 42, 4.2);
    set_rating(L[1], 100, 480, 4.8);
    set_rating(L[2], 3, 9, 3.0);
    return 0;
}

/* Run a search in CITY and return the ids in order, as "0,1,2" indexes into L (or ids). */
static void expect(const char *query, const char *want)
{
    char path[512], got[256] = "";
    snprintf(path, sizeof path, "/api/v1/listings?city=%s&limit=100%s%s", CITY, query[0] ? "&" : "", query);
    struct resp *r = e2e_call("GET", path, NULL, NULL);
    EXPECT_STATUS(r, 200);
    json_t *items = e2e_get(r, "items");
    for (size_t i = 0; i < json_array_size(items); i++) {
        const char *id = json_string_value(json_object_get(json_array_get(items, i), "id"));
        int k = -1;
        for (int j = 0; j < 5; j++)
            if (strcmp(L[j], id) == 0)
                k = j;
        char one[8];
        snprintf(one, sizeof one, "%s%d", i ? "," : "", k);
        strcat(got, one);
    }
    assert_true(json_is_null(e2e_get(r, "next_cursor")));
    e2e_resp_free(r);
    if (strcmp(got, want) != 0)
        fail_msg("search [%s]: expected [%s], got [%s]", query, want, got);
}

static void filters_and_sorts(void **state)
{
    (void)state;
    expect("sort=price_asc", "3,0,1,2");       /* the unpublished one never shows */
    expect("sort=price_desc", "2,1,0,3");
    expect("", "1,0,2,3");                      /* default: rating, best first */
    expect("sort=rating", "1,0,2,3");
    expect("district=%E4%B8%9C%E5%8C%BA&sort=price_asc", "0,1"); /* 东区 */
    expect("species=cat&sort=price_asc", "1,2");
    expect("species=other", "3");
    expect("min_price_fen=8000&max_price_fen=12000&sort=price_asc", "0,1");
    expect("min_price_fen=12001&sort=price_asc", "2");
    expect("min_rating=4&sort=rating", "1,0");
    expect("min_rating=4.5", "1");
    expect("pets=3&sort=price_asc", "3,0");     /* default capacity 5 and 3 */
    expect("q=%E5%85%AC%E5%AF%93", "1");        /* 公寓 */
    expect("q=gamma", "2");                     /* Latin letters match in any case */
}

static void words_are_exact_and_literal(void **state)
{
    (void)state;
    expect("q=Gamma", "2");
    expect("q=%E9%98%B3%E5%85%89+Alpha", "0");  /* two words, both must match */
    expect("q=%25", "3");                        /* a literal %, not a wildcard: only "100%" */
    expect("q=_", "");                           /* a literal _, not "any character" */
}

static void nearby(void **state)
{
    (void)state;
    char q[128];
    snprintf(q, sizeof q, "near=%.6f,%.6f&radius_km=3", LAT0, LNG0);
    expect(q, "0,1");
    snprintf(q, sizeof q, "near=%.6f,%.6f&radius_km=10", LAT0, LNG0);
    expect(q, "0,1,2");
    snprintf(q, sizeof q, "near=%.6f,%.6f&radius_km=20&sort=price_asc", LAT0, LNG0);
    expect(q, "3,0,1,2");
    snprintf(q, sizeof q, "near=%.6f,%.6f&radius_km=20", LAT0, LNG0); /* near sorts by distance */
    expect(q, "0,1,2,3");
    char path[256];
    snprintf(path, sizeof path, "/api/v1/listings?city=%s&near=%.6f,%.6f&radius_km=20", CITY, LAT0, LNG0);
    struct resp *r = e2e_call("GET", path, NULL, NULL);
    double d0 = json_real_value(e2e_get(r, "items.0.distance_km")), d3 = json_real_value(e2e_get(r, "items.3.distance_km"));
    assert_true(fabs(d0 - 0.5) < 0.02);
    assert_true(fabs(d3 - 15.0) < 0.1);
    e2e_resp_free(r);
}

static void dates_with_room(void **state)
{
    (void)state;
    /* a night of L0 drops to capacity 1, a night of L3 closes */
    char avail[128], start[16], mid[16], end[16], later[16];
    snprintf(avail, sizeof avail, "/api/v1/listings/%s/availability", L[0]);
    struct resp *r = e2e_call("GET", avail, NULL, NULL);
    snprintf(start, sizeof start, "%s", e2e_str(r, "10.date"));
    snprintf(mid, sizeof mid, "%s", e2e_str(r, "11.date"));
    snprintf(end, sizeof end, "%s", e2e_str(r, "13.date"));
    snprintf(later, sizeof later, "%s", e2e_str(r, "20.date"));
    e2e_resp_free(r);
    r = e2e_call("PUT", avail, P.token, json_pack("{s:[{s:s,s:i}]}", "days", "date", mid, "capacity", 1));
    EXPECT_STATUS(r, 200);
    e2e_resp_free(r);
    snprintf(avail, sizeof avail, "/api/v1/listings/%s/availability", L[3]);
    r = e2e_call("PUT", avail, P.token, json_pack("{s:[{s:s,s:b}]}", "days", "date", mid, "closed", 1));
    EXPECT_STATUS(r, 200);
    e2e_resp_free(r);
    char q[160];
    snprintf(q, sizeof q, "start_date=%s&end_date=%s&pets=1&sort=price_asc", start, end);
    expect(q, "0,1,2");           /* L3 closed that night */
    snprintf(q, sizeof q, "start_date=%s&end_date=%s&pets=2&sort=price_asc", start, end);
    expect(q, "2");               /* L0 has one place that night, L1 holds one pet */
    snprintf(q, sizeof q, "start_date=%s&end_date=%s&pets=2&sort=price_asc", end, later);
    expect(q, "3,0,2");           /* later nights are back to normal */
    /* a night raised above the default makes room where the default would not (L1 holds
     * one pet by default; its night `later` now holds two) */
    snprintf(avail, sizeof avail, "/api/v1/listings/%s/availability", L[1]);
    r = e2e_call("PUT", avail, P.token, json_pack("{s:[{s:s,s:i}]}", "days", "date", later, "capacity", 2));
    EXPECT_STATUS(r, 200);
    e2e_resp_free(r);
    char after_later[16];
    snprintf(avail, sizeof avail, "/api/v1/listings/%s/availability?from=%s", L[1], later);
    r = e2e_call("GET", avail, NULL, NULL);
    snprintf(after_later, sizeof after_later, "%s", e2e_str(r, "1.date"));
    e2e_resp_free(r);
    snprintf(q, sizeof q, "start_date=%s&end_date=%s&pets=2&sort=price_asc", later, after_later);
    expect(q, "3,0,1,2");
}

/* Page through every result of a query and check order, uniqueness and completeness. */
static void page_all(const char *city, const char *sort, const char *extra, int want_total)
{
    char cursor[128] = "";
    int total = 0;
    long long prev_key = 0;
    char prev_id[24] = "";
    char **seen = calloc((size_t)want_total + 100, sizeof *seen);
    for (int page = 0; page < 100; page++) {
        char path[512];
        snprintf(path, sizeof path, "/api/v1/listings?city=%s&sort=%s&limit=37%s%s%s", city, sort, extra,
                 cursor[0] ? "&cursor=" : "", cursor);
        struct resp *r = e2e_call("GET", path, NULL, NULL);
        EXPECT_STATUS(r, 200);
        json_t *items = e2e_get(r, "items");
        for (size_t i = 0; i < json_array_size(items); i++) {
            json_t *it = json_array_get(items, i);
            const char *id = json_string_value(json_object_get(it, "id"));
            long long key = strcmp(sort, "rating") == 0
                                ? llround(json_real_value(json_object_get(json_object_get(it, "rating"), "score")) * 1000)
                            : strcmp(sort, "distance") == 0
                                ? llround(json_real_value(json_object_get(it, "distance_km")) * 10000)
                                : json_integer_value(json_object_get(it, "price_per_night_fen"));
            for (int k = 0; k < total; k++)
                if (strcmp(seen[k], id) == 0)
                    fail_msg("sort %s: %s repeated on page %d", sort, id, page);
            if (total) {
                bool desc = strcmp(sort, "price_desc") == 0 || strcmp(sort, "rating") == 0;
                unsigned long long a = strtoull(prev_id, NULL, 10), b = strtoull(id, NULL, 10);
                bool ordered = desc ? (key < prev_key || (key == prev_key && b < a))
                                    : (key > prev_key || (key == prev_key && b > a));
                if (!ordered)
                    fail_msg("sort %s: %s (key %lld) after %s (key %lld)", sort, id, key, prev_id, prev_key);
            }
            seen[total++] = strdup(id);
            prev_key = key;
            snprintf(prev_id, sizeof prev_id, "%s", id);
        }
        const char *next = e2e_str(r, "next_cursor");
        snprintf(cursor, sizeof cursor, "%s", next ? next : "");
        e2e_resp_free(r);
        if (!cursor[0])
            break;
    }
    assert_int_equal(total, want_total);
    for (int k = 0; k < total; k++)
        free(seen[k]);
    free(seen);
}

/* 250 listings need 5 providers: one may have at most 50 (PB_LISTING_MAX_PER_PROVIDER) */
#define MASS_PROVIDERS 5
struct mass {
    struct e2e_user p[MASS_PROVIDERS];
    const char *city;
};

static void create_one(int i, void *arg)
{
    struct mass *m = arg;
    char id[24];
    /* prices repeat (ties are broken by id); positions spread over ~10 km */
    e2e_listing_new(&m->p[i % MASS_PROVIDERS],
                    json_pack("{s:s,s:i,s:f,s:f}", "city", m->city, "price_per_night_fen", 1000 + (i * 37) % 400 * 10,
                              "lat", 31.0 + (i % 50) * 0.002, "lng", 121.0 + (i / 50) * 0.002),
                    true, id);
    if (i % 3 == 0)
        set_rating(id, 10, 40 + i % 10, 4.0 + (i % 10) / 10.0);
}

static void two_hundred_fifty_results_paged(void **state)
{
    (void)state;
    char city[24];
    e2e_unique_name(city, sizeof city, "P");
    static struct mass m;
    m.city = city;
    for (int k = 0; k < MASS_PROVIDERS; k++)
        e2e_provider_approved(&m.p[k]);
    for (int i = 0; i < 250; i++)
        create_one(i, &m);
    page_all(city, "price_asc", "", 250);
    page_all(city, "price_desc", "", 250);
    page_all(city, "rating", "", 250);
    page_all(city, "distance", "&near=31.05,121.01&radius_km=30", 250);
}

static void bad_filters(void **state)
{
    (void)state;
    const struct {
        const char *query, *field;
    } cases[] = {
        {"min_price_fen=5000&max_price_fen=100", "max_price_fen"},
        {"min_price_fen=-1", "min_price_fen"},
        {"max_price_fen=abc", "max_price_fen"},
        {"start_date=2030-01-10&end_date=2030-01-10", "end_date"},
        {"start_date=2030-01-10&end_date=2030-01-05", "end_date"},
        {"start_date=2020-01-01&end_date=2020-01-05", "start_date"},
        {"start_date=2030-01-01&end_date=2031-02-05", "end_date"}, /* 400 days */
        {"start_date=2030-01-01", "end_date"},
        {"start_date=tomorrow&end_date=2030-01-05", "start_date"},
        {"near=31.2,121.4&radius_km=-1", "radius_km"},
        {"near=abc,def", "near"},
        {"near=91,121", "near"},
        {"near=31.2", "near"},
        {"radius_km=5", "radius_km"},
        {"sort=distance", "sort"},
        {"sort=cheapest", "sort"},
        {"species=horse", "species"},
        {"pets=0", "pets"},
        {"pets=two", "pets"},
        {"min_rating=6", "min_rating"},
        {"limit=0", "limit"},
        {"limit=101", "limit"},
        {"cursor=not-a-cursor", "cursor"},
        {"district=x", "district"},
        {"q=a+b+c+d+e+f", "q"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char path[256];
        snprintf(path, sizeof path, "/api/v1/listings?%s", cases[i].query);
        struct resp *r = e2e_call("GET", path, NULL, NULL);
        if (r->status != 422 || !e2e_field_error(r, cases[i].field))
            fail_msg("%s: expected 422 naming %s, got %ld %s", cases[i].query, cases[i].field, r->status, r->body);
        e2e_resp_free(r);
    }
    /* a cursor of one sort is refused by another */
    char path[256];
    snprintf(path, sizeof path, "/api/v1/listings?city=%s&sort=price_asc&limit=1", CITY);
    struct resp *r = e2e_call("GET", path, NULL, NULL);
    char cur[128];
    snprintf(cur, sizeof cur, "%s", e2e_str(r, "next_cursor"));
    e2e_resp_free(r);
    snprintf(path, sizeof path, "/api/v1/listings?city=%s&sort=rating&cursor=%s", CITY, cur);
    r = e2e_call("GET", path, NULL, NULL);
    EXPECT_ERROR(r, 422, "validation_failed");
    e2e_resp_free(r);
}

static double search_loads(void)
{
    return e2e_metric("boarding", "pb_cache_loads_total{service=\"boarding\",cache=\"search\"}");
}

static void pages_are_cached_and_never_stale(void **state)
{
    (void)state;
    char path[256];
    snprintf(path, sizeof path, "/api/v1/listings?city=%s&sort=price_asc", CITY);
    struct resp *r = e2e_call("GET", path, NULL, NULL);
    e2e_resp_free(r);
    double before = search_loads();
    for (int i = 0; i < 10; i++) {
        r = e2e_call("GET", path, NULL, NULL);
        EXPECT_STATUS(r, 200);
        e2e_resp_free(r);
    }
    assert_int_equal((long)(search_loads() - before), 0); /* ten hits */
    /* a price change shows in the very next search */
    char lp[96];
    snprintf(lp, sizeof lp, "/api/v1/listings/%s", L[3]);
    r = e2e_call("PATCH", lp, P.token, json_pack("{s:i}", "price_per_night_fen", 30000));
    EXPECT_STATUS(r, 200);
    e2e_resp_free(r);
    r = e2e_call("GET", path, NULL, NULL);
    assert_string_equal(e2e_str(r, "items.3.id"), L[3]);
    assert_int_equal(e2e_int(r, "items.3.price_per_night_fen"), 30000);
    e2e_resp_free(r);
}

/* A search of the nights [from, from + nights) days ahead in CITY for one pet, by price. */
static struct resp *dated_search(int from, int nights)
{
    char path[256], s[DATE_STR_LEN], e[DATE_STR_LEN];
    snprintf(path, sizeof path, "/api/v1/listings?city=%s&sort=price_asc&pets=1&start_date=%s&end_date=%s", CITY,
             date_format(date_today() + from, s), date_format(date_today() + from + nights, e));
    struct resp *r = e2e_call("GET", path, NULL, NULL);
    EXPECT_STATUS(r, 200);
    return r;
}

static bool lists(const struct resp *r, const char *id)
{
    json_t *items = e2e_get(r, "items");
    for (size_t i = 0; i < json_array_size(items); i++)
        if (strcmp(json_string_value(json_object_get(json_array_get(items, i), "id")), id) == 0)
            return true;
    return false;
}

/* A change of nights empties the dated pages of the weeks it touches, and only those: a page
 * two months away keeps being served from the cache while the nights of next month change, and
 * the page of next month shows the change at its very next read. */
static void a_change_of_nights_empties_only_the_pages_of_its_weeks(void **state)
{
    (void)state;
    e2e_resp_free(dated_search(70, 2));
    e2e_resp_free(dated_search(35, 2));
    double before = search_loads();
    struct resp *r = dated_search(35, 2);
    assert_true(lists(r, L[0]));
    e2e_resp_free(r);
    assert_int_equal((long)(search_loads() - before), 0); /* cached */
    /* L0 closes the first of those nights */
    char avail[128], day[DATE_STR_LEN];
    snprintf(avail, sizeof avail, "/api/v1/listings/%s/availability", L[0]);
    r = e2e_call("PUT", avail, P.token,
                 json_pack("{s:[{s:s,s:b}]}", "days", "date", date_format(date_today() + 35, day), "closed", 1));
    EXPECT_STATUS(r, 200);
    e2e_resp_free(r);
    before = search_loads();
    r = dated_search(70, 2); /* other weeks: still the cached page */
    assert_true(lists(r, L[0]));
    e2e_resp_free(r);
    assert_int_equal((long)(search_loads() - before), 0);
    r = dated_search(35, 2); /* its week: built again, without L0 */
    assert_false(lists(r, L[0]));
    e2e_resp_free(r);
    assert_int_equal((long)(search_loads() - before), 1);
}

/* A page through the gateway with these Accept-Encoding lines (NULL: none). */
static struct resp *search_with(const char *path, const char *accept)
{
    char line[128];
    snprintf(line, sizeof line, "Accept-Encoding: %s", accept ? accept : "");
    const char *h[] = {line, NULL};
    struct resp *r = e2e_call_raw("GET", path, NULL, NULL, NULL, 0, accept ? h : NULL);
    EXPECT_STATUS(r, 200);
    char vary[64];
    assert_int_equal(e2e_header(r, "Vary", vary, sizeof vary), 1); /* a shared cache keeps both apart */
    assert_string_equal(vary, "Accept-Encoding");
    return r;
}

/* A browser (Accept-Encoding: gzip, ...) gets the page compressed and it is the same page a
 * client without gzip gets as plain JSON; gzip;q=0 means plain. Cached or not, both ways. */
static void a_page_comes_gzip_to_a_client_that_takes_it(void **state)
{
    (void)state;
    char path[256], ce[32];
    snprintf(path, sizeof path, "/api/v1/listings?city=%s&sort=price_desc&limit=20", CITY);
    for (int round = 0; round < 2; round++) { /* the first may build the page, the second is a hit */
        struct resp *z = search_with(path, "gzip, deflate, br, zstd");
        struct resp *plain = search_with(path, NULL);
        struct resp *refused = search_with(path, "gzip;q=0, identity");
        assert_int_equal(e2e_header(z, "Content-Encoding", ce, sizeof ce), 1);
        assert_string_equal(ce, "gzip");
        assert_int_equal(e2e_header(plain, "Content-Encoding", NULL, 0), 0);
        assert_int_equal(e2e_header(refused, "Content-Encoding", NULL, 0), 0);
        assert_non_null(plain->json);
        assert_true(json_array_size(json_object_get(plain->json, "items")) >= 3);
        char *body = NULL;
        size_t len = 0;
        assert_true(gz_inflate(z->body, z->len, GZ_INFLATE_MAX, &body, &len));
        assert_int_equal(len, plain->len);
        assert_memory_equal(body, plain->body, len);
        assert_int_equal(refused->len, plain->len);
        assert_true(z->len < plain->len / 2);
        free(body);
        e2e_resp_free(z);
        e2e_resp_free(plain);
        e2e_resp_free(refused);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(filters_and_sorts),
        cmocka_unit_test(words_are_exact_and_literal),
        cmocka_unit_test(nearby),
        cmocka_unit_test(dates_with_room),
        cmocka_unit_test(two_hundred_fifty_results_paged),
        cmocka_unit_test(bad_filters),
        cmocka_unit_test(pages_are_cached_and_never_stale),
        cmocka_unit_test(a_change_of_nights_empties_only_the_pages_of_its_weeks),
        cmocka_unit_test(a_page_comes_gzip_to_a_client_that_takes_it),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
