/* Signed URLs of private photos: the documented key and message, expiry rounding, and
 * refusal of expired, tampered, foreign and malformed signatures. */
#include "unit.h"
#include "mediaurl.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char TOKEN[] = "0f3a9c1e5b7d2f4a6c8e0b1d3f5a7c9e1b3d5f7a9c0e2b4d6f8a0c2e4b6d8f0a";
#define ID 1234567890123456789ULL
#define HOUR 3600
#define NOW (1790000000LL - 1790000000LL % HOUR + 1234) /* 20 min 34 s into an hour */

static int setup(void **state)
{
    (void)state;
    return mediaurl_init(TOKEN) ? 0 : -1;
}

/* exp = the end of the next whole hour: the same URL all hour, alive 1..2 hours. */
static void expiry_rounding(void **state)
{
    (void)state;
    int64_t h = NOW - NOW % HOUR;
    assert_int_equal(mediaurl_expiry(h), h + 2 * HOUR);
    assert_int_equal(mediaurl_expiry(h + 1), h + 2 * HOUR);
    assert_int_equal(mediaurl_expiry(NOW), h + 2 * HOUR);
    assert_int_equal(mediaurl_expiry(h + HOUR - 1), h + 2 * HOUR);
    assert_int_equal(mediaurl_expiry(h + HOUR), h + 3 * HOUR);
    for (int64_t t = h; t < h + 2 * HOUR; t += 37) {
        int64_t life = mediaurl_expiry(t) - t;
        assert_true(life > HOUR && life <= 2 * HOUR);
    }
    /* the URL made at any second of one hour is the same */
    char a[MEDIAURL_LEN], b[MEDIAURL_LEN];
    assert_true(mediaurl_private(ID, MEDIAURL_FULL, h, a, sizeof a));
    assert_true(mediaurl_private(ID, MEDIAURL_FULL, h + HOUR - 1, b, sizeof b));
    assert_string_equal(a, b);
    assert_true(mediaurl_private(ID, MEDIAURL_FULL, h + HOUR, b, sizeof b));
    assert_string_not_equal(a, b);
}

/* key = HMAC-SHA256(token, "pb media url v1"); sig = base64url(HMAC-SHA256(key, "<id>.<exp>")). */
static void known_answer(void **state)
{
    (void)state;
    unsigned char key[32], mac[32];
    crypto_auth_hmacsha256_state st;
    crypto_auth_hmacsha256_init(&st, (const unsigned char *)TOKEN, strlen(TOKEN));
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)"pb media url v1", 15);
    crypto_auth_hmacsha256_final(&st, key);
    char msg[64], want[64], got[MEDIAURL_SIG_LEN + 1];
    int64_t exp = mediaurl_expiry(NOW);
    snprintf(msg, sizeof msg, "%llu.%lld", (unsigned long long)ID, (long long)exp);
    crypto_auth_hmacsha256(mac, (const unsigned char *)msg, strlen(msg), key);
    sodium_bin2base64(want, sizeof want, mac, sizeof mac, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    assert_true(mediaurl_sign(ID, exp, got));
    assert_int_equal(strlen(got), MEDIAURL_SIG_LEN);
    assert_string_equal(got, want);

    char url[MEDIAURL_LEN], expect[MEDIAURL_LEN];
    snprintf(expect, sizeof expect, "/media/p/%llu/320?exp=%lld&sig=%s", (unsigned long long)ID, (long long)exp, want);
    assert_true(mediaurl_private(ID, MEDIAURL_THUMB, NOW, url, sizeof url));
    assert_string_equal(url, expect);
}

static void sign_and_verify(void **state)
{
    (void)state;
    char sig[MEDIAURL_SIG_LEN + 1];
    int64_t exp = mediaurl_expiry(NOW);
    assert_true(mediaurl_sign(ID, exp, sig));
    assert_true(mediaurl_verify(ID, exp, sig, NOW));
    /* alive until the second before exp, dead from exp on */
    assert_true(mediaurl_verify(ID, exp, sig, exp - 1));
    assert_false(mediaurl_verify(ID, exp, sig, exp));
    assert_false(mediaurl_verify(ID, exp, sig, exp + 86400));
}

static void tampering(void **state)
{
    (void)state;
    char sig[MEDIAURL_SIG_LEN + 1], bad[MEDIAURL_SIG_LEN + 2];
    int64_t exp = mediaurl_expiry(NOW);
    assert_true(mediaurl_sign(ID, exp, sig));
    /* another id, another expiry (a longer life) */
    assert_false(mediaurl_verify(ID + 1, exp, sig, NOW));
    assert_false(mediaurl_verify(ID, exp + HOUR, sig, NOW));
    assert_false(mediaurl_verify(ID, exp - 1, sig, NOW));
    /* every single character changed */
    for (size_t i = 0; i < MEDIAURL_SIG_LEN; i++) {
        memcpy(bad, sig, sizeof sig);
        bad[i] = bad[i] == 'A' ? 'B' : 'A';
        assert_false(mediaurl_verify(ID, exp, bad, NOW));
    }
    /* malformed: missing, empty, truncated, extended, padded */
    assert_false(mediaurl_verify(ID, exp, NULL, NOW));
    assert_false(mediaurl_verify(ID, exp, "", NOW));
    memcpy(bad, sig, sizeof sig);
    bad[MEDIAURL_SIG_LEN - 1] = 0;
    assert_false(mediaurl_verify(ID, exp, bad, NOW));
    snprintf(bad, sizeof bad, "%s=", sig);
    assert_false(mediaurl_verify(ID, exp, bad, NOW));
}

/* A validly signed exp further ahead than any URL made now could be is not one we made
 * (made with a key that leaked, or by a host whose clock is far off). */
static void too_far_ahead(void **state)
{
    (void)state;
    char sig[MEDIAURL_SIG_LEN + 1];
    int64_t exp = NOW + MEDIAURL_MAX_TTL_S + MEDIAURL_SKEW_S;
    assert_true(mediaurl_sign(ID, exp, sig));
    assert_true(mediaurl_verify(ID, exp, sig, NOW));
    assert_true(mediaurl_sign(ID, exp + 1, sig));
    assert_false(mediaurl_verify(ID, exp + 1, sig, NOW));
    assert_true(mediaurl_sign(ID, NOW + 30 * 86400, sig));
    assert_false(mediaurl_verify(ID, NOW + 30 * 86400, sig, NOW));
}

/* Another token is another key: URLs of one deployment are refused by another. */
static void other_key(void **state)
{
    (void)state;
    char sig[MEDIAURL_SIG_LEN + 1];
    int64_t exp = mediaurl_expiry(NOW);
    assert_true(mediaurl_sign(ID, exp, sig));
    assert_true(mediaurl_init("another-token"));
    assert_false(mediaurl_verify(ID, exp, sig, NOW));
    assert_true(mediaurl_init(TOKEN));
    assert_true(mediaurl_verify(ID, exp, sig, NOW));
}

static void photo_object(void **state)
{
    (void)state;
    json_t *p = mediaurl_photo(ID, NOW);
    assert_non_null(p);
    assert_string_equal(json_string_value(json_object_get(p, "id")), "1234567890123456789");
    char full[MEDIAURL_LEN], thumb[MEDIAURL_LEN];
    assert_true(mediaurl_private(ID, MEDIAURL_FULL, NOW, full, sizeof full));
    assert_true(mediaurl_private(ID, MEDIAURL_THUMB, NOW, thumb, sizeof thumb));
    assert_string_equal(json_string_value(json_object_get(p, "url")), full);
    assert_string_equal(json_string_value(json_object_get(p, "thumb_url")), thumb);
    assert_int_equal(json_object_size(p), 3);
    json_decref(p);
    /* only the two stored sizes; a buffer too small is refused, not truncated */
    assert_false(mediaurl_private(ID, 640, NOW, full, sizeof full));
    assert_false(mediaurl_private(ID, MEDIAURL_FULL, NOW, full, 40));
}

/* Without a token nothing is signed and nothing verifies. */
static void no_key(void **state)
{
    (void)state;
    char sig[MEDIAURL_SIG_LEN + 1], url[MEDIAURL_LEN];
    int64_t exp = mediaurl_expiry(NOW);
    assert_true(mediaurl_sign(ID, exp, sig));
    assert_false(mediaurl_init(NULL));
    assert_false(mediaurl_sign(ID, exp, url));
    assert_false(mediaurl_verify(ID, exp, sig, NOW));
    assert_false(mediaurl_private(ID, MEDIAURL_FULL, NOW, url, sizeof url));
    assert_null(mediaurl_photo(ID, NOW));
    assert_false(mediaurl_init(""));
    assert_true(mediaurl_init(TOKEN));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(expiry_rounding), cmocka_unit_test(known_answer), cmocka_unit_test(sign_and_verify),
        cmocka_unit_test(tampering),       cmocka_unit_test(too_far_ahead), cmocka_unit_test(other_key),
        cmocka_unit_test(photo_object),    cmocka_unit_test(no_key),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
