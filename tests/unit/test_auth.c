/* JWT: a signed token verifies; forged ones (alg none, HS256 with the public key, another
 * key, tampered payload, expired, wrong type) never do. Also TTL jitter and roles. */
#include "unit.h"
#include "auth.h"
#include "cache.h"

#include <jwt.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A key pair made for these tests only. */
static const char PRIV[] = "-----BEGIN EC PRIVATE KEY-----\n"
                           "MHcCAQEEIBiOsoeOgPPfzUvhJHQ/QrFSDxt3GK/jf8s0mykKBUIZoAoGCCqGSM49\n"
                           "AwEHoUQDQgAEZTuuCj5UP8TKDeH/ueAN58Nbhxk8c0VPyybujVjH2I+TP6FDxs7F\n"
                           "RuhwWXCSjxZvTbymRUTHwKWXyqf+p2Ixmw==\n"
                           "-----END EC PRIVATE KEY-----\n";
static const char PUB[] = "-----BEGIN PUBLIC KEY-----\n"
                          "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEZTuuCj5UP8TKDeH/ueAN58Nbhxk8\n"
                          "c0VPyybujVjH2I+TP6FDxs7FRuhwWXCSjxZvTbymRUTHwKWXyqf+p2Ixmw==\n"
                          "-----END PUBLIC KEY-----\n";
static const char OTHER_PUB[] = "-----BEGIN PUBLIC KEY-----\n"
                                "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEPVH/jFn/V2OF2N+smTCgKqOYk3dw\n"
                                "X5EkuKovRRvMSG1ymLuH090n/UNXWZmtXcDHt3Ch+xNMnCGP+FuVGyROEQ==\n"
                                "-----END PUBLIC KEY-----\n";

#define NOW 1795000000LL

static struct auth_principal principal(void)
{
    struct auth_principal p = {0};
    p.user_id = 123456789;
    p.role = ROLE_PROVIDER;
    strcpy(p.sid, "0123456789abcdef0123456789abcdef");
    p.iat_ms = NOW * 1000;
    return p;
}

static void sign_and_verify(void **state)
{
    (void)state;
    struct auth_principal p = principal(), out;
    char *tok = auth_sign(PRIV, &p, 900);
    assert_non_null(tok);
    assert_int_equal(auth_verify(PUB, tok, NOW + 10, &out), ERR_OK);
    assert_int_equal(out.user_id, 123456789);
    assert_int_equal(out.role, ROLE_PROVIDER);
    assert_string_equal(out.sid, p.sid);
    assert_int_equal(out.exp, NOW + 900);
    assert_int_equal(out.iat_ms, NOW * 1000);
    /* expired: at exp and after */
    assert_int_equal(auth_verify(PUB, tok, NOW + 900, &out), ERR_UNAUTHENTICATED);
    /* another key */
    assert_int_equal(auth_verify(OTHER_PUB, tok, NOW + 10, &out), ERR_UNAUTHENTICATED);
    /* tampered payload: flip a character in the middle part */
    char *dot = strchr(tok, '.');
    assert_non_null(dot);
    dot[5] = dot[5] == 'A' ? 'B' : 'A';
    assert_int_equal(auth_verify(PUB, tok, NOW + 10, &out), ERR_UNAUTHENTICATED);
    free(tok);
}

static char *b64url(const char *s)
{
    size_t n = strlen(s);
    size_t cap = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    char *out = malloc(cap);
    sodium_bin2base64(out, cap, (const unsigned char *)s, n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    return out;
}

static void alg_none_is_refused(void **state)
{
    (void)state;
    char payload[512];
    snprintf(payload, sizeof payload,
             "{\"iss\":\"petboarding\",\"typ\":\"access\",\"sub\":\"1\",\"role\":\"admin\","
             "\"sid\":\"0123456789abcdef0123456789abcdef\",\"iat\":%lld,\"iat_ms\":%lld,\"exp\":%lld}",
             NOW, NOW * 1000, NOW + 900);
    char *h = b64url("{\"alg\":\"none\",\"typ\":\"JWT\"}"), *b = b64url(payload);
    char tok[1024];
    struct auth_principal out;
    snprintf(tok, sizeof tok, "%s.%s.", h, b);
    assert_int_equal(auth_verify(PUB, tok, NOW + 1, &out), ERR_UNAUTHENTICATED);
    snprintf(tok, sizeof tok, "%s.%s", h, b);
    assert_int_equal(auth_verify(PUB, tok, NOW + 1, &out), ERR_UNAUTHENTICATED);
    free(h);
    free(b);
}

static void hs256_with_public_key_is_refused(void **state)
{
    (void)state;
    /* the classic algorithm confusion: sign with HMAC using the public key as secret */
    jwt_t *jwt = NULL;
    assert_int_equal(jwt_new(&jwt), 0);
    jwt_add_grant(jwt, "iss", "petboarding");
    jwt_add_grant(jwt, "typ", "access");
    jwt_add_grant(jwt, "sub", "1");
    jwt_add_grant(jwt, "role", "admin");
    jwt_add_grant(jwt, "sid", "0123456789abcdef0123456789abcdef");
    jwt_add_grant_int(jwt, "iat_ms", (long)(NOW * 1000));
    jwt_add_grant_int(jwt, "exp", (long)(NOW + 900));
    assert_int_equal(jwt_set_alg(jwt, JWT_ALG_HS256, (const unsigned char *)PUB, (int)strlen(PUB)), 0);
    char *tok = jwt_encode_str(jwt);
    struct auth_principal out;
    assert_int_equal(auth_verify(PUB, tok, NOW + 1, &out), ERR_UNAUTHENTICATED);
    free(tok);
    jwt_free(jwt);
}

static void junk_is_refused(void **state)
{
    (void)state;
    struct auth_principal out;
    assert_int_equal(auth_verify(PUB, "", NOW, &out), ERR_UNAUTHENTICATED);
    assert_int_equal(auth_verify(PUB, "abc", NOW, &out), ERR_UNAUTHENTICATED);
    assert_int_equal(auth_verify(PUB, "a.b.c", NOW, &out), ERR_UNAUTHENTICATED);
    assert_int_equal(auth_verify(NULL, "a.b.c", NOW, &out), ERR_UNAUTHENTICATED);
    char big[4096];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = 0;
    assert_int_equal(auth_verify(PUB, big, NOW, &out), ERR_UNAUTHENTICATED);
}

static void memo_keeps_security_checks(void **state)
{
    (void)state;
    struct auth_principal p = principal(), out;
    char *tok = auth_sign(PRIV, &p, 900);
    assert_int_equal(auth_verify_cached(PUB, tok, NOW + 1, &out), ERR_OK);
    assert_int_equal(auth_verify_cached(PUB, tok, NOW + 2, &out), ERR_OK); /* from the memo */
    assert_int_equal(out.user_id, 123456789);
    assert_int_equal(auth_verify_cached(PUB, tok, NOW + 900, &out), ERR_UNAUTHENTICATED); /* expiry still applies */
    /* a token that failed is not remembered as good, and altered bytes are a different key */
    char *bad = strdup(tok);
    bad[strlen(bad) - 3] = bad[strlen(bad) - 3] == 'A' ? 'B' : 'A';
    assert_int_equal(auth_verify_cached(PUB, bad, NOW + 1, &out), ERR_UNAUTHENTICATED);
    assert_int_equal(auth_verify_cached(PUB, bad, NOW + 1, &out), ERR_UNAUTHENTICATED);
    /* the memo is keyed by the token, never by claims: another key's token is still refused */
    assert_int_equal(auth_verify_cached(OTHER_PUB, bad, NOW + 1, &out), ERR_UNAUTHENTICATED);
    free(bad);
    free(tok);
}

static void roles(void **state)
{
    (void)state;
    assert_int_equal(auth_role_parse("owner"), ROLE_OWNER);
    assert_int_equal(auth_role_parse("provider"), ROLE_PROVIDER);
    assert_int_equal(auth_role_parse("admin"), ROLE_ADMIN);
    assert_int_equal(auth_role_parse("Admin"), ROLE_NONE);
    assert_int_equal(auth_role_parse(NULL), ROLE_NONE);
    assert_string_equal(auth_role_name(ROLE_ADMIN), "admin");
}

static void ttl_jitter_spreads_within_bounds(void **state)
{
    (void)state;
    long lo = 1 << 30, hi = 0;
    for (unsigned r = 0; r < 100000; r += 7) {
        long t = cache_jitter_ttl(60000, 20, r * 2654435761u);
        assert_true(t >= 60000 && t <= 72000);
        lo = t < lo ? t : lo;
        hi = t > hi ? t : hi;
    }
    assert_true(hi - lo > 10000); /* actually spread, not constant */
    assert_int_equal(cache_jitter_ttl(60000, 0, 12345), 60000);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sign_and_verify),
        cmocka_unit_test(alg_none_is_refused),
        cmocka_unit_test(hs256_with_public_key_is_refused),
        cmocka_unit_test(junk_is_refused),
        cmocka_unit_test(memo_keeps_security_checks),
        cmocka_unit_test(roles),
        cmocka_unit_test(ttl_jitter_spreads_within_bounds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
