/* The boarding service's client input (services/boarding/listing.c and the listing body of
 * routes.c): the first byte picks what the rest is.
 *   0  GET /listings?... : a query string (name=value&..., values taken as the gateway has
 *      decoded them) through search_parse, then search_canonical, the keyset cursor of the
 *      result re-encoded and decoded, and like_escape of every word;
 *   1  POST /listings   2  PATCH /listings/{id}: the body through the fields routes.c reads
 *      (read_fields: keep them in step);
 *   3  a bare cursor through search_cursor_decode for every sort.
 * Properties: a search that validates keeps its limits (a limit of 1..100, at most 5 words
 * of at most 20 characters, a date range inside the allowed window), and a cursor that
 * decodes encodes back to one that decodes to the same position. */
#include "dates.h"
#include "fuzz.h"
#include "jv.h"
#include "listing.h"

static void check_cursor(enum search_sort sort, int64_t key, uint64_t id)
{
    char buf[128];
    int64_t k2;
    uint64_t id2;
    search_cursor_encode(sort, key, id, buf, sizeof buf);
    FUZZ_CHECK(search_cursor_decode(buf, sort, &k2, &id2) && k2 == key && id2 == id);
}

static void search(const char *qs, int32_t today)
{
    struct search_params p = {0};
    char *copy = strdup(qs), *save = NULL;
    FUZZ_CHECK(copy != NULL);
    for (char *kv = strtok_r(copy, "&", &save); kv; kv = strtok_r(NULL, "&", &save)) {
        char *eq = strchr(kv, '=');
        const char *val = eq ? eq + 1 : "";
        if (eq)
            *eq = 0;
        static const struct {
            const char *name;
            size_t off;
        } NAMES[] = {
#define P(f, n) {n, offsetof(struct search_params, f)}
            P(city, "city"),       P(district, "district"),   P(species, "species"),
            P(min_price_fen, "min_price_fen"), P(max_price_fen, "max_price_fen"), P(start_date, "start_date"),
            P(end_date, "end_date"), P(pets, "pets"),         P(near, "near"),
            P(radius_km, "radius_km"), P(min_rating, "min_rating"), P(words, "q"),
            P(sort, "sort"),       P(limit, "limit"),         P(cursor, "cursor"),
#undef P
        };
        for (size_t i = 0; i < sizeof NAMES / sizeof NAMES[0]; i++)
            if (strcmp(kv, NAMES[i].name) == 0)
                *(const char **)((char *)&p + NAMES[i].off) = val;
    }
    struct jv v;
    struct search q;
    jv_init(&v);
    search_parse(&v, &q, today, &p);
    if (!jv_failed(&v)) {
        char canon[1024], esc[SEARCH_WORD_CAP * 2 + 1];
        FUZZ_CHECK(q.limit >= 1 && q.limit <= 100 && q.pets >= 1 && q.pets <= 10);
        FUZZ_CHECK(q.nwords >= 0 && q.nwords <= SEARCH_MAX_WORDS);
        for (int i = 0; i < q.nwords; i++) {
            long chars = utf8_count(q.words[i], strlen(q.words[i]));
            FUZZ_CHECK(chars >= 1 && chars <= SEARCH_WORD_MAX_CHARS);
            FUZZ_CHECK(like_escape(q.words[i], esc, sizeof esc));
        }
        if (q.has_dates)
            FUZZ_CHECK(q.start >= today && q.end > q.start && q.end - q.start <= SEARCH_MAX_NIGHTS);
        if (q.has_near)
            FUZZ_CHECK(q.lat >= -90 && q.lat <= 90 && q.lng >= -180 && q.lng <= 180);
        search_canonical(&q, canon, sizeof canon);
        FUZZ_CHECK(strlen(canon) < sizeof canon);
        if (q.has_cursor)
            check_cursor(q.sort, q.cursor_key, q.cursor_id);
    }
    jv_free(&v);
    free(copy);
}

/* routes.c read_fields, on local variables instead of a listing_patch */
static void read_fields(struct jv *v, bool create)
{
    static const char *const STATUSES[] = {"published", "paused", NULL};
    unsigned req = create ? JV_REQUIRED : 0;
    const char *s;
    json_t *arr = NULL;
    int64_t n;
    double d, lat, lng;
    uint64_t *photo_ids = NULL;
    size_t nphotos = 0;
    unsigned mask = 0;
    int st;
    jv_str(v, "title", req, 2, 60, &s);
    jv_str(v, "description", req | JV_MULTILINE, 10, 2000, &s);
    jv_str(v, "city", req, 1, 20, &s);
    jv_str(v, "district", req, 1, 20, &s);
    jv_str(v, "address", req, 1, 200, &s);
    bool has_lat = jv_num(v, "lat", req, -90, 90, &lat), has_lng = jv_num(v, "lng", req, -180, 180, &lng);
    if (!create && has_lat != has_lng && !jv_failed(v))
        jv_fail(v, has_lat ? "lng" : "lat", "lat and lng change together");
    if (jv_str_array(v, "species", req, 1, 3, 10, &arr)) {
        size_t i;
        json_t *it;
        json_array_foreach(arr, i, it)
        {
            unsigned bit = species_bit(json_string_value(it));
            if (!bit)
                jv_fail(v, "species", "items must be dog, cat or other");
            mask |= bit;
        }
    }
    jv_num(v, "max_weight_kg", req, 0.5, 150, &d);
    jv_int(v, "capacity", req, 1, LISTING_MAX_CAPACITY, &n);
    jv_int(v, "price_per_night_fen", req, 100, LISTING_MAX_PRICE_FEN, &n);
    if (jv_str_array(v, "amenities", 0, 0, 20, 20, &arr)) {
        char *dump = json_dumps(arr, JSON_COMPACT);
        FUZZ_CHECK(dump != NULL);
        free(dump);
    }
    jv_str(v, "house_rules", JV_MULTILINE, 0, 2000, &s);
    jv_id_array(v, "photos", 0, 0, LISTING_MAX_PHOTOS, &photo_ids, &nphotos);
    if (jv_enum(v, "status", 0, STATUSES, &st) && create)
        jv_fail(v, "status", "is set by review, not by the provider");
    if (!jv_failed(v) && mask) {
        json_t *j = species_json(mask);
        FUZZ_CHECK(j && json_array_size(j) >= 1);
        json_decref(j);
    }
    free(photo_ids);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const LISTING_FIELDS[] = {"title", "description", "city", "district", "address", "lat", "lng",
                                                 "species", "max_weight_kg", "capacity", "price_per_night_fen",
                                                 "amenities", "house_rules", "photos", "status", NULL};
    if (size < 1)
        return 0;
    int32_t today = date_from_civil(2026, 11, 21);
    unsigned mode = data[0] % 4;
    if (mode == 0 || mode == 3) {
        char *s = fuzz_cstr(data + 1, size - 1);
        if (mode == 0) {
            search(s, today);
        } else {
            for (int sort = SORT_RATING; sort <= SORT_DISTANCE; sort++) {
                int64_t key;
                uint64_t id;
                if (search_cursor_decode(s, (enum search_sort)sort, &key, &id))
                    check_cursor((enum search_sort)sort, key, id);
            }
        }
        free(s);
        return 0;
    }
    struct jv v;
    char msg[256];
    if (jv_parse(&v, (const char *)data + 1, size - 1, LISTING_FIELDS, msg, sizeof msg) == JV_PARSED)
        read_fields(&v, mode == 1);
    jv_free(&v);
    return 0;
}
