/* The review service's request bodies with its pure rules (services/review/content.c, whose
 * readers the routes use): the first byte picks the schema, the rest is the body.
 *   0  POST /reviews (review_read_body)   1  POST /reviews/{id}/reply (review_read_text)
 *   2  the data of an order.completed event (review_parse_completed) Properties: a valid
 * review has its stars in 1..5 and, sealed (review_seal), passes its integrity check and
 * renders; a reply sealed onto it too. */
#include "content.h"
#include "fuzz.h"
#include "jv.h"

static void sealed(struct review *rv)
{
    FUZZ_CHECK(review_seal(rv) && review_intact(rv));
    json_t *j = review_json(rv, true);
    FUZZ_CHECK(j != NULL);
    json_decref(j);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    unsigned schema = data[0] % 3;
    struct jv v;
    char msg[256];
    struct review rv = {.id = 11, .listing_id = 12, .provider_id = 13, .owner_id = 14, .created_ms = 1795000000000};
    const char *const *fields = schema == 0 ? REVIEW_POST_FIELDS : schema == 1 ? REVIEW_REPLY_FIELDS : NULL;
    if (jv_parse(&v, (const char *)data + 1, size - 1, fields, msg, sizeof msg) == JV_PARSED) {
        if (schema == 0) {
            review_read_body(&v, &rv);
            if (!jv_failed(&v)) {
                FUZZ_CHECK(rv.rating >= 1 && rv.rating <= 5);
                sealed(&rv);
            }
        } else if (schema == 1) {
            const char *text;
            review_read_text(&v, "text", REVIEW_REPLY_MAX, &text);
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
