/* The payment webhook (services/payment): the X-Sandbox-Signature header (signature.c
 * sig_verify) and the request bodies (routes.c; GW_TYPE_NAMES from rules.c). The first byte
 * picks the mode:
 *   0  a header on the first line, the raw body after it, verified with a fixed secret;
 *   1  the body signed now (sig_header) with the rest of the first line appended to the
 *      header (more entries: other v1= candidates, unknown keys, garbage);
 *   2  the callback's body (webhook_fields_or_reply: keep it in step)
 *   3  POST /payments ({"order_id", ...})
 * Properties: a header never verifies unless one of its v1 values is the HMAC of its own t
 * and the body (in hex of either case); a correctly signed body stays valid whatever well-formed entries follow, and
 * is never reported stale or mismatched; a valid callback has a printable transaction id. */
#include "dates.h"
#include "fuzz.h"
#include "jv.h"
#include "rules.h"
#include "signature.h"

#define NOW 1795000000LL
static const unsigned char SECRET[] = "fuzz-webhook-secret-for-tests-only";

static void webhook(struct jv *v)
{
    int type = -1;
    const char *at = NULL, *txn = NULL, *reason;
    uint64_t payment_id, refund_id;
    int64_t amount, occurred;
    if (jv_enum(v, "type", JV_REQUIRED, GW_TYPE_NAMES, &type))
        FUZZ_CHECK(type >= 0 && type < GW__COUNT);
    if (jv_str(v, "transaction_id", JV_REQUIRED, 1, 64, &txn))
        for (const char *c = txn; *c; c++)
            if (*c <= 0x20 || *c >= 0x7F) {
                jv_fail(v, "transaction_id", "must be printable ASCII");
                break;
            }
    jv_id(v, "payment_id", JV_REQUIRED, &payment_id);
    jv_id(v, "refund_id", type == GW_REFUND_SUCCEEDED ? JV_REQUIRED : 0, &refund_id);
    if (type >= 0 && type != GW_REFUND_SUCCEEDED && jv_has(v, "refund_id"))
        jv_fail(v, "refund_id", "only refund.succeeded names a refund");
    jv_int(v, "amount_fen", JV_REQUIRED, 0, INT64_MAX / 4, &amount);
    if (jv_str(v, "occurred_at", JV_REQUIRED, 1, 40, &at) && !time_parse_ms(at, &occurred))
        jv_fail(v, "occurred_at", "must be an RFC 3339 time");
    jv_str(v, "reason", 0, 1, 100, &reason);
    if (!jv_failed(v)) {
        FUZZ_CHECK(amount >= 0 && amount <= INT64_MAX / 4);
        for (const char *c = txn; *c; c++)
            FUZZ_CHECK(*c > 0x20 && *c < 0x7F);
    }
}

/* Whether one of header's v1= values is the signature sig_header makes for its t= and body.
 * Hex digits in either case are the same signature (sig_verify decodes them). */
static bool signed_by_us(const char *header, const char *body, size_t len)
{
    const char *t = strstr(header, "t=");
    if (!t || (t != header && t[-1] != ','))
        return false;
    char good[SIG_HEADER_MAX];
    if (sig_header(SECRET, sizeof SECRET - 1, strtoll(t + 2, NULL, 10), body, len, good, sizeof good) != 0)
        return false;
    return strcasestr(header, strstr(good, "v1=")) != NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const F_WEBHOOK[] = {"type",       "transaction_id", "payment_id", "refund_id",
                                            "amount_fen", "occurred_at",    "reason",     NULL};
    static const char *const F_CREATE[] = {"order_id", "amount_fen", "currency", NULL};
    if (size < 1)
        return 0;
    unsigned mode = data[0] % 4;
    const uint8_t *body;
    size_t body_len;
    if (mode <= 1) {
        char *line = fuzz_split(data + 1, size - 1, &body, &body_len);
        enum sig_result r;
        if (mode == 0) {
            r = sig_verify(SECRET, sizeof SECRET - 1, line, (const char *)body, body_len, NOW, SIG_TOLERANCE_S);
            if (r == SIG_OK)
                FUZZ_CHECK(signed_by_us(line, (const char *)body, body_len));
        } else {
            size_t cap = SIG_HEADER_MAX + strlen(line);
            char *header = malloc(cap);
            FUZZ_CHECK(header != NULL);
            FUZZ_CHECK(sig_header(SECRET, sizeof SECRET - 1, NOW, (const char *)body, body_len, header, cap) == 0);
            strcat(header, line);
            r = sig_verify(SECRET, sizeof SECRET - 1, header, (const char *)body, body_len, NOW, SIG_TOLERANCE_S);
            FUZZ_CHECK(r == SIG_OK || r == SIG_MALFORMED);
            free(header);
        }
        FUZZ_CHECK(sig_result_name(r) != NULL);
        free(line);
        return 0;
    }
    struct jv v;
    char msg[256];
    uint64_t order_id;
    if (jv_parse(&v, (const char *)data + 1, size - 1, mode == 2 ? F_WEBHOOK : F_CREATE, msg, sizeof msg) ==
        JV_PARSED) {
        if (mode == 2)
            webhook(&v);
        else
            jv_id(&v, "order_id", JV_REQUIRED, &order_id);
    }
    jv_free(&v);
    return 0;
}
