/* Webhook signatures: building, verifying, and refusing forged, stale, future, tampered
 * and malformed ones. */
#include "unit.h"
#include "signature.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

static const unsigned char SECRET[] = "3f1c9a0d5e7b2c4a6f8e1d3b5a7c9e0f";
#define SLEN (sizeof SECRET - 1)
static const char BODY[] = "{\"type\":\"payment.succeeded\",\"transaction_id\":\"sbx_1\",\"payment_id\":\"42\","
                           "\"amount_fen\":36000,\"occurred_at\":\"2026-11-21T10:00:00.000Z\"}";
#define NOW 1790000000LL

static enum sig_result verify(const char *header, const char *body, long long now)
{
    return sig_verify(SECRET, SLEN, header, body, strlen(body), now, SIG_TOLERANCE_S);
}

static void signed_header(long long t, const char *body, char *out)
{
    assert_int_equal(sig_header(SECRET, SLEN, t, body, strlen(body), out, SIG_HEADER_MAX), 0);
}

static void valid_signature(void **state)
{
    (void)state;
    char h[SIG_HEADER_MAX];
    signed_header(NOW, BODY, h);
    assert_int_equal(strncmp(h, "t=1790000000,v1=", 16), 0);
    assert_int_equal(strlen(h), 16 + SIG_HEX_LEN);
    assert_int_equal(verify(h, BODY, NOW), SIG_OK);
    /* within the tolerance either way */
    assert_int_equal(verify(h, BODY, NOW + SIG_TOLERANCE_S), SIG_OK);
    assert_int_equal(verify(h, BODY, NOW - SIG_TOLERANCE_S), SIG_OK);
    /* an empty body can be signed too */
    signed_header(NOW, "", h);
    assert_int_equal(verify(h, "", NOW), SIG_OK);
}

/* The HMAC is exactly HMAC-SHA256(secret, "<t>." + body), as documented for integrators. */
static void known_answer(void **state)
{
    (void)state;
    char h[SIG_HEADER_MAX], msg[512], hex[SIG_HEX_LEN + 1];
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_state st;
    snprintf(msg, sizeof msg, "%lld.%s", NOW, BODY);
    crypto_auth_hmacsha256_init(&st, SECRET, SLEN);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)msg, strlen(msg));
    crypto_auth_hmacsha256_final(&st, mac);
    sodium_bin2hex(hex, sizeof hex, mac, sizeof mac);
    signed_header(NOW, BODY, h);
    assert_string_equal(h + 16, hex);
    /* and with a 32-byte key it equals the one-shot API */
    unsigned char k32[crypto_auth_hmacsha256_KEYBYTES];
    memcpy(k32, SECRET, sizeof k32);
    crypto_auth_hmacsha256(mac, (const unsigned char *)msg, strlen(msg), k32);
    sodium_bin2hex(hex, sizeof hex, mac, sizeof mac);
    assert_string_equal(h + 16, hex);
}

static void forged_signature(void **state)
{
    (void)state;
    char h[SIG_HEADER_MAX];
    /* signed with another secret */
    static const unsigned char OTHER[] = "not-the-secret-not-the-secret-00";
    assert_int_equal(sig_header(OTHER, sizeof OTHER - 1, NOW, BODY, strlen(BODY), h, sizeof h), 0);
    assert_int_equal(verify(h, BODY, NOW), SIG_MISMATCH);
    /* one hex digit changed */
    signed_header(NOW, BODY, h);
    h[20] = h[20] == '0' ? '1' : '0';
    assert_int_equal(verify(h, BODY, NOW), SIG_MISMATCH);
    /* the timestamp changed (replaying an old signature with a fresh time) */
    signed_header(NOW - 1000, BODY, h);
    char moved[SIG_HEADER_MAX];
    snprintf(moved, sizeof moved, "t=%lld,%s", NOW, strchr(h, ',') + 1);
    assert_int_equal(verify(moved, BODY, NOW), SIG_MISMATCH);
    /* all zeros */
    snprintf(h, sizeof h, "t=%lld,v1=%064d", NOW, 0);
    assert_int_equal(verify(h, BODY, NOW), SIG_MISMATCH);
}

static void stale_and_future_timestamps(void **state)
{
    (void)state;
    char h[SIG_HEADER_MAX];
    signed_header(NOW - SIG_TOLERANCE_S - 1, BODY, h);
    assert_int_equal(verify(h, BODY, NOW), SIG_STALE);
    signed_header(NOW + SIG_TOLERANCE_S + 1, BODY, h);
    assert_int_equal(verify(h, BODY, NOW), SIG_STALE);
    signed_header(0, BODY, h);
    assert_int_equal(verify(h, BODY, NOW), SIG_STALE);
    /* the time is checked before the HMAC: a stale forgery says stale */
    snprintf(h, sizeof h, "t=%lld,v1=%064d", NOW - 3600, 0);
    assert_int_equal(verify(h, BODY, NOW), SIG_STALE);
}

static void tampered_body(void **state)
{
    (void)state;
    char h[SIG_HEADER_MAX], body[sizeof BODY];
    signed_header(NOW, BODY, h);
    memcpy(body, BODY, sizeof body);
    char *amount = strstr(body, "36000");
    amount[0] = '9'; /* 96000 */
    assert_int_equal(verify(h, body, NOW), SIG_MISMATCH);
    /* a byte more or less */
    assert_int_equal(sig_verify(SECRET, SLEN, h, BODY, strlen(BODY) - 1, NOW, SIG_TOLERANCE_S), SIG_MISMATCH);
    char longer[sizeof BODY + 1];
    snprintf(longer, sizeof longer, "%s ", BODY);
    assert_int_equal(verify(h, longer, NOW), SIG_MISMATCH);
}

static void malformed_headers(void **state)
{
    (void)state;
    char good[SIG_HEADER_MAX], h[SIG_HEADER_MAX * 2];
    signed_header(NOW, BODY, good);
    const char *v1 = strchr(good, ',') + 1; /* "v1=<hex>" */
    assert_int_equal(verify(NULL, BODY, NOW), SIG_MISSING);
    assert_int_equal(verify("", BODY, NOW), SIG_MISSING);
    assert_int_equal(verify("garbage", BODY, NOW), SIG_MALFORMED);
    assert_int_equal(verify(v1, BODY, NOW), SIG_MALFORMED); /* no t */
    snprintf(h, sizeof h, "t=%lld", NOW);
    assert_int_equal(verify(h, BODY, NOW), SIG_MALFORMED); /* no v1 */
    snprintf(h, sizeof h, "t=%lld,v1=abc", NOW);
    assert_int_equal(verify(h, BODY, NOW), SIG_MALFORMED); /* short hex */
    snprintf(h, sizeof h, "t=%lld,v1=%.63szz", NOW, v1 + 3);
    assert_int_equal(verify(h, BODY, NOW), SIG_MALFORMED); /* not hex */
    snprintf(h, sizeof h, "t=-5,%s", v1);
    assert_int_equal(verify(h, BODY, NOW), SIG_MALFORMED);
    snprintf(h, sizeof h, "t=,%s", v1);
    assert_int_equal(verify(h, BODY, NOW), SIG_MALFORMED);
    snprintf(h, sizeof h, "t=12x,%s", v1);
    assert_int_equal(verify(h, BODY, NOW), SIG_MALFORMED);
    snprintf(h, sizeof h, "t=99999999999999999999,%s", v1);
    assert_int_equal(verify(h, BODY, NOW), SIG_MALFORMED); /* absurdly long time */
    snprintf(h, sizeof h, "t=%lld,t=%lld,%s", NOW, NOW, v1);
    assert_int_equal(verify(h, BODY, NOW), SIG_MALFORMED); /* two times */
    snprintf(h, sizeof h, "%s,", good);
    assert_int_equal(verify(h, BODY, NOW), SIG_MALFORMED); /* trailing comma */
    snprintf(h, sizeof h, " %s", good);
    assert_int_equal(verify(h, BODY, NOW), SIG_MALFORMED); /* a space is not "t" */
    snprintf(h, sizeof h, "=1,%s", good);
    assert_int_equal(verify(h, BODY, NOW), SIG_MALFORMED);
}

static void several_candidates_and_unknown_keys(void **state)
{
    (void)state;
    char good[SIG_HEADER_MAX], h[SIG_HEADER_MAX * 3];
    signed_header(NOW, BODY, good);
    const char *v1 = strchr(good, ',') + 1;
    /* a rotating gateway sends one per secret: one matching is enough, in any position */
    snprintf(h, sizeof h, "t=%lld,v1=%064d,%s", NOW, 0, v1);
    assert_int_equal(verify(h, BODY, NOW), SIG_OK);
    snprintf(h, sizeof h, "%s,v1=%064d", good, 0);
    assert_int_equal(verify(h, BODY, NOW), SIG_OK);
    /* a scheme we do not know is skipped, not trusted */
    snprintf(h, sizeof h, "%s,v0=whatever", good);
    assert_int_equal(verify(h, BODY, NOW), SIG_OK);
    snprintf(h, sizeof h, "t=%lld,v0=%s", NOW, v1 + 3);
    assert_int_equal(verify(h, BODY, NOW), SIG_MALFORMED);
    assert_string_equal(sig_result_name(SIG_STALE), "stale");
    assert_string_equal(sig_result_name(SIG_MISMATCH), "mismatch");
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(valid_signature),
        cmocka_unit_test(known_answer),
        cmocka_unit_test(forged_signature),
        cmocka_unit_test(stale_and_future_timestamps),
        cmocka_unit_test(tampered_body),
        cmocka_unit_test(malformed_headers),
        cmocka_unit_test(several_candidates_and_unknown_keys),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
