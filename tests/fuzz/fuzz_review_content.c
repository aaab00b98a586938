/* The review service's request bodies (services/review/routes.c) with its pure rules
 * (services/review/content.c): the first byte picks the schema, the rest is the body.
 *   0  POST /reviews (read_review)   1  POST /reviews/{id}/reply (read_text)
 *   2  the data of an order.completed event (review_parse_completed)
 * Each schema reads the fields the route reads (keep them in step). Properties: a valid
 * review has its stars in 1..5 and, sealed (review_seal), passes its integrity check and
 * renders; a reply sealed onto it too. */
#include "content.h"
#include "fuzz.h"
#include "jv.h"

static bool blank(const char *s)
{
    for (; *s; s++)
        if (*s != ' ' && *s != '\n' && *s != '\r' && *s != '\t')
            return false;
    return true;
}

static void read_text(struct jv *v, const char *key, size_t max, const char **out)
{
    if (jv_str(v, key, JV_REQUIRED | JV_MULTILINE, 1, max, out) && blank(*out))
        jv_fail(v, key, "must not be blank");
}

static int read_stars(struct jv *v, const char *key, unsigned flags)
{
    int64_t n = 0;
    return jv_int(v, key, flags, 1, 5, &n) ? (int)n : 0;
}

static void sealed(struct review *rv)
{
    FUZZ_CHECK(review_seal(rv) && review_intact(rv));
    json_t *j = review_json(rv, true);
    FUZZ_CHECK(j != NULL);
    json_decref(j);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const POST_FIELDS[] = {"order_id", "rating", "care", "communication", "cleanliness", "text",
                                              NULL};
    static const char *const REPLY_FIELDS[] = {"text", NULL};
    if (size < 1)
        return 0;
    unsigned schema = data[0] % 3;
    struct jv v;
    char msg[256];
    struct review rv = {.id = 11, .listing_id = 12, .provider_id = 13, .owner_id = 14, .created_ms = 1795000000000};
    if (jv_parse(&v, (const char *)data + 1, size - 1, schema == 0 ? POST_FIELDS : schema == 1 ? REPLY_FIELDS : NULL,
                 msg, sizeof msg) == JV_PARSED) {
        if (schema == 0) {
            jv_id(&v, "order_id", JV_REQUIRED, &rv.order_id);
            rv.rating = read_stars(&v, "rating", JV_REQUIRED);
            rv.care = read_stars(&v, "care", 0);
            rv.communication = read_stars(&v, "communication", 0);
            rv.cleanliness = read_stars(&v, "cleanliness", 0);
            jv_str(&v, "text", JV_REQUIRED | JV_MULTILINE, 0, REVIEW_TEXT_MAX, &rv.text);
            if (!jv_failed(&v)) {
                FUZZ_CHECK(rv.rating >= 1 && rv.rating <= 5);
                sealed(&rv);
            }
        } else if (schema == 1) {
            const char *text;
            read_text(&v, "text", REVIEW_REPLY_MAX, &text);
            if (!jv_failed(&v)) {
                rv.order_id = 10;
                rv.rating = 5;
                rv.text = "";
                rv.reply_text = text;
                rv.reply_ms = 1795000001000;
                FUZZ_CHECK(review_seal_reply(&rv));
                sealed(&rv);
            }
        } else {
            struct review_eligible e;
            if (review_parse_completed(v.root, &e))
                FUZZ_CHECK(e.order_id && e.owner_id && e.listing_id && e.provider_id);
        }
    }
    jv_free(&v);
    return 0;
}
