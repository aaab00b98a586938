/* The boarding service's client input (services/boarding/listing.c and the listing body of
 * routes.c): the first byte picks what the rest is.
 *   0  GET /listings?... : a query string (name=value&..., values taken as the gateway has
 *      decoded them) through search_parse, then search_canonical, the keyset cursor of the
 *      result re-encoded and decoded, and like_escape of every word;
 *   1  POST /listings   2  PATCH /listings/{id}: the body through listing_read_fields, as
 *      routes.c reads it;
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

/* The value of name in a query string of name=value pairs split at '&' (the first one), as
 * the gateway would have decoded it; NULL when absent. */
struct qs {
    char *pairs[64];
    size_t n;
};

static const char *qs_get(void *ctx, const char *name)
{
    struct qs *q = ctx;
    size_t len = strlen(name);
    for (size_t i = 0; i < q->n; i++)
        if (strncmp(q->pairs[i], name, len) == 0 && (q->pairs[i][len] == '=' || q->pairs[i][len] == 0))
            return q->pairs[i][len] ? q->pairs[i] + len + 1 : "";
    return NULL;
}

static void search(const char *qs, int32_t today)
{
    struct search_params p;
    struct qs pairs = {0};
    char *copy = strdup(qs), *save = NULL;
    FUZZ_CHECK(copy != NULL);
    for (char *kv = strtok_r(copy, "&", &save); kv && pairs.n < 64; kv = strtok_r(NULL, "&", &save))
        pairs.pairs[pairs.n++] = kv;
    search_params_read(&p, qs_get, &pairs);
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

/* A listing body as routes.c reads it; a valid one has its numbers inside the limits. */
static void read_fields(struct jv *v, bool create)
{
    struct listing_fields f;
    listing_read_fields(v, create, &f);
    if (!jv_failed(v)) {
        FUZZ_CHECK(!create || (f.p.capacity >= 1 && f.p.price_fen >= 100 && f.p.species_mask && f.p.has_location));
        FUZZ_CHECK(f.p.capacity <= LISTING_MAX_CAPACITY && f.p.price_fen <= LISTING_MAX_PRICE_FEN);
        FUZZ_CHECK(f.nphotos <= LISTING_MAX_PHOTOS);
        if (f.p.species_mask) {
            json_t *j = species_json(f.p.species_mask);
            FUZZ_CHECK(j && json_array_size(j) >= 1);
            json_decref(j);
        }
    }
    listing_fields_free(&f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
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
    if (jv_parse(&v, (const char *)data + 1, size - 1, LISTING_BODY_FIELDS, msg, sizeof msg) == JV_PARSED)
        read_fields(&v, mode == 1);
    jv_free(&v);
    return 0;
}
