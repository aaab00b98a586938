/* The JSON request validator (lib/jv.c) on its own: the first line is a query-string value,
 * the rest a request body. The body is parsed as every route parses it (jv_parse with an
 * allowed-field list, duplicates refused), then every reader runs on fixed field names with
 * the limits the services use, nested objects included; the query value goes through every
 * jv_q_* reader. Properties: a reader that returns true wrote a value inside its limits
 * (lengths in characters of valid UTF-8 without control characters, numbers in range, ids
 * nonzero, array items distinct), and every problem is recorded under the field's name. The
 * per-service targets (fuzz_<service>_<module>) run the real schemas. */
#include "dates.h"
#include "fuzz.h"
#include "ids.h"
#include "jv.h"

#include <math.h>

static const char *const ALLOWED[] = {"s", "ml", "i", "big", "amount", "n", "b", "e", "d", "id", "sa", "ia", "o", NULL};
static const char *const NESTED[] = {"s", "i", "o", NULL};
static const char *const CHOICES[] = {"owner", "provider", "admin", NULL};

static void check_text(const char *s, size_t min, size_t max, bool multiline)
{
    long chars = utf8_count(s, strlen(s));
    FUZZ_CHECK(chars >= 0 && (size_t)chars >= min && (size_t)chars <= max);
    for (const unsigned char *c = (const unsigned char *)s; *c; c++)
        FUZZ_CHECK((*c >= 0x20 && *c != 0x7F) || (multiline && (*c == '\n' || *c == '\r' || *c == '\t')));
}

/* Every reader on the fields of one object (top level or nested). */
static void read_all(struct jv *v, int depth)
{
    const char *s;
    int64_t n;
    double d;
    bool b;
    int idx;
    int32_t day;
    uint64_t id, *ids = NULL;
    size_t nids = 0;
    json_t *arr;
    if (jv_str(v, "s", JV_REQUIRED, 1, 20, &s))
        check_text(s, 1, 20, false);
    s = NULL; /* an explicit null reads as absent: false, s untouched (jv_is_null tells them apart) */
    if (jv_str(v, "ml", JV_MULTILINE, 0, 2000, &s))
        check_text(s, 0, 2000, true);
    FUZZ_CHECK(!s || !jv_is_null(v, "ml"));
    if (jv_int(v, "i", 0, 1, 50, &n))
        FUZZ_CHECK(n >= 1 && n <= 50);
    if (jv_int(v, "big", 0, 1, INT64_MAX, &n)) /* admin rules' version */
        FUZZ_CHECK(n >= 1);
    if (jv_int(v, "amount", 0, 0, INT64_MAX / 4, &n)) /* a webhook's amount_fen */
        FUZZ_CHECK(n >= 0 && n <= INT64_MAX / 4);
    if (jv_num(v, "n", 0, -180, 180, &d))
        FUZZ_CHECK(isfinite(d) && d >= -180 && d <= 180);
    (void)jv_bool(v, "b", 0, &b);
    if (jv_enum(v, "e", 0, CHOICES, &idx))
        FUZZ_CHECK(idx >= 0 && idx < 3);
    if (jv_date(v, "d", 0, &day)) {
        char buf[DATE_STR_LEN];
        FUZZ_CHECK(date_parse(date_format(day, buf), &day));
    }
    if (jv_id(v, "id", 0, &id))
        FUZZ_CHECK(id != 0);
    if (jv_str_array(v, "sa", 0, 0, 20, 20, &arr)) {
        FUZZ_CHECK(json_is_array(arr) && json_array_size(arr) <= 20);
        for (size_t i = 0; i < json_array_size(arr); i++)
            check_text(json_string_value(json_array_get(arr, i)), 1, 20, false);
    }
    if (jv_id_array(v, "ia", 0, 0, 20, &ids, &nids)) {
        FUZZ_CHECK(nids <= 20);
        for (size_t i = 0; i < nids; i++) {
            FUZZ_CHECK(ids[i] != 0);
            for (size_t j = 0; j < i; j++)
                FUZZ_CHECK(ids[i] != ids[j]);
        }
        free(ids);
    }
    (void)jv_is_null(v, "o");
    struct jv sub;
    if (depth < 4 && jv_obj(v, "o", 0, NESTED, &sub)) {
        read_all(&sub, depth + 1);
        jv_free(&sub); /* a no-op on a nested jv */
    }
}

static void read_query(const char *value)
{
    struct jv v;
    const char *s;
    int64_t n;
    double d;
    int32_t day;
    int idx;
    jv_init(&v);
    if (jv_q_str(&v, "q", value, 0, 1, 100, &s))
        check_text(s, 1, 100, false);
    if (jv_q_int(&v, "limit", value, 0, 1, 100, &n))
        FUZZ_CHECK(n >= 1 && n <= 100);
    if (jv_q_int(&v, "min_price_fen", value, 0, 0, INT64_MAX, &n))
        FUZZ_CHECK(n >= 0);
    if (jv_q_num(&v, "radius_km", value, 0, 0.1, 100, &d))
        FUZZ_CHECK(d >= 0.1 && d <= 100);
    (void)jv_q_date(&v, "start_date", value, 0, &day);
    if (jv_q_enum(&v, "role", value, 0, CHOICES, &idx))
        FUZZ_CHECK(idx >= 0 && idx < 3);
    (void)jv_failed(&v);
    jv_free(&v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *body;
    size_t body_len;
    char *query = fuzz_split(data, size, &body, &body_len);
    read_query(query);
    free(query);

    struct jv v;
    char msg[256] = "";
    enum jv_parse_result res = jv_parse(&v, (const char *)body, body_len, ALLOWED, msg, sizeof msg);
    FUZZ_CHECK(res == JV_PARSED || res == JV_MALFORMED || res == JV_NOT_OBJECT || res == JV_EMPTY);
    FUZZ_CHECK(strlen(msg) < sizeof msg);
    if (res == JV_PARSED) {
        read_all(&v, 0);
        /* every recorded problem is a message under a field name */
        const char *key;
        json_t *val;
        json_object_foreach(v.errors, key, val) FUZZ_CHECK(json_is_string(val));
        json_object_foreach(v.type_errors, key, val) FUZZ_CHECK(json_is_string(val));
        /* the whole answer can be rendered (valid UTF-8 field names and messages) */
        char *out = json_dumps(v.errors, JSON_COMPACT);
        FUZZ_CHECK(out != NULL);
        free(out);
    }
    jv_free(&v);
    return 0;
}
