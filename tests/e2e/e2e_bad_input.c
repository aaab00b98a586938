/* Bad input is expected input: every malformed request gets the documented 4xx error body,
 * and nothing is written. Forged, expired and alg:none tokens are refused. */
#include "harness.h"
#include "auth.h"
#include "dates.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct resp *reg_raw(const char *ctype, const char *body)
{
    return e2e_call_raw("POST", "/api/v1/auth/register", NULL, ctype, body, strlen(body), NULL);
}

static void malformed_bodies(void **state)
{
    (void)state;
    struct resp *r = reg_raw("application/json", "{\"username\": \"abc\", ");
    EXPECT_ERROR(r, 400, "bad_request");
    e2e_resp_free(r);
    r = reg_raw("application/json", "[\"not\", \"an\", \"object\"]");
    EXPECT_ERROR(r, 400, "bad_request");
    e2e_resp_free(r);
    r = reg_raw("application/json", "");
    EXPECT_ERROR(r, 400, "bad_request");
    e2e_resp_free(r);
    /* invalid UTF-8 inside a JSON string */
    r = reg_raw("application/json", "{\"username\":\"bad\xff\xfe\",\"password\":\"12345678\",\"role\":\"owner\",\"display_name\":\"x\"}");
    EXPECT_ERROR(r, 400, "bad_request");
    e2e_resp_free(r);
    /* wrong content types */
    r = reg_raw("text/plain", "{\"username\":\"abc\"}");
    EXPECT_ERROR(r, 415, "unsupported_media_type");
    e2e_resp_free(r);
    r = reg_raw(NULL, "{\"username\":\"abc\"}");
    EXPECT_ERROR(r, 415, "unsupported_media_type");
    e2e_resp_free(r);
    r = reg_raw("application/jsonp", "{}");
    EXPECT_ERROR(r, 415, "unsupported_media_type");
    e2e_resp_free(r);
}

static void wrong_types_missing_and_unknown_fields(void **state)
{
    (void)state;
    struct resp *r = e2e_call("POST", "/api/v1/auth/register", NULL,
                              json_pack("{s:i,s:b,s:s,s:[]}", "username", 12345, "password", 1, "role", "owner",
                                        "display_name"));
    EXPECT_ERROR(r, 400, "bad_request");
    assert_string_equal(e2e_str(r, "error.fields.username"), "must be a string");
    assert_string_equal(e2e_str(r, "error.fields.password"), "must be a string");
    assert_string_equal(e2e_str(r, "error.fields.display_name"), "must be a string");
    e2e_resp_free(r);
    r = e2e_call("POST", "/api/v1/auth/register", NULL, json_pack("{s:s}", "role", "owner"));
    EXPECT_ERROR(r, 422, "validation_failed");
    assert_string_equal(e2e_str(r, "error.fields.username"), "is required");
    assert_string_equal(e2e_str(r, "error.fields.password"), "is required");
    assert_string_equal(e2e_str(r, "error.fields.display_name"), "is required");
    e2e_resp_free(r);
    char name[64];
    e2e_unique_name(name, sizeof name, "unk");
    r = e2e_call("POST", "/api/v1/auth/register", NULL,
                 json_pack("{s:s,s:s,s:s,s:s,s:s}", "username", name, "password", "good password", "role", "owner",
                           "display_name", "x", "status", "active"));
    EXPECT_ERROR(r, 422, "validation_failed");
    assert_string_equal(e2e_str(r, "error.fields.status"), "unknown field");
    e2e_resp_free(r);
    /* nothing half-written: the name is still free */
    assert_int_equal(e2e_db_int("SELECT COUNT(*) FROM pb_user.user_login WHERE login = CONCAT('u:', LOWER(?))", "s", name), 0);
}

static void over_long_and_invalid_values(void **state)
{
    (void)state;
    char longname[64], pw[1100];
    memset(longname, 'a', 33);
    longname[33] = 0;
    memset(pw, 'p', 1025);
    pw[1025] = 0;
    struct resp *r = e2e_call("POST", "/api/v1/auth/register", NULL,
                              json_pack("{s:s,s:s,s:s,s:s,s:s,s:s}", "username", longname, "password", pw, "role",
                                        "owner", "display_name", "一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十一二三",
                                        "phone", "12-34", "email", "not-an-email"));
    EXPECT_ERROR(r, 422, "validation_failed");
    assert_string_equal(e2e_str(r, "error.fields.username"), "must be 3 to 32 characters");
    assert_string_equal(e2e_str(r, "error.fields.password"), "must be at most 1024 characters");
    assert_string_equal(e2e_str(r, "error.fields.display_name"), "must be at most 32 characters");
    assert_non_null(e2e_str(r, "error.fields.phone"));
    assert_non_null(e2e_str(r, "error.fields.email"));
    e2e_resp_free(r);
    /* 32 Chinese characters are 96 bytes but exactly 32 characters: accepted */
    char name[64];
    e2e_unique_name(name, sizeof name, "cn");
    r = e2e_call("POST", "/api/v1/auth/register", NULL,
                 json_pack("{s:s,s:s,s:s,s:s}", "username", name, "password", "good password", "role", "owner",
                           "display_name", "一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十一二"));
    EXPECT_STATUS(r, 201);
    e2e_resp_free(r);
    /* spaces and control characters in usernames */
    r = e2e_call("POST", "/api/v1/auth/register", NULL,
                 json_pack("{s:s,s:s,s:s,s:s}", "username", "has space", "password", "good password", "role", "owner",
                           "display_name", "x"));
    EXPECT_ERROR(r, 422, "validation_failed");
    e2e_resp_free(r);
    r = e2e_call("POST", "/api/v1/auth/register", NULL,
                 json_pack("{s:s,s:s,s:s,s:s}", "username", "tab\there", "password", "good password", "role", "owner",
                           "display_name", "x"));
    EXPECT_ERROR(r, 422, "validation_failed");
    e2e_resp_free(r);
}

static void huge_bodies(void **state)
{
    (void)state;
    size_t n = 2 * 1024 * 1024;
    char *big = malloc(n + 64);
    memset(big, 'a', n + 64);
    memcpy(big, "{\"username\":\"", 13);
    memcpy(big + n + 50, "\"}", 3);
    struct resp *r = e2e_call_raw("POST", "/api/v1/auth/register", NULL, "application/json", big, n + 52, NULL);
    EXPECT_ERROR(r, 413, "payload_too_large");
    e2e_resp_free(r);
    /* under the gateway's limit but over the service's: refused by the service itself */
    r = e2e_call_raw("POST", "/api/v1/auth/register", NULL, "application/json", big, 400 * 1024, NULL);
    EXPECT_ERROR(r, 413, "payload_too_large");
    e2e_resp_free(r);
    free(big);
}

static void sql_metacharacters_are_just_text(void **state)
{
    (void)state;
    char name[64], suffix[32];
    e2e_unique_name(suffix, sizeof suffix, "");
    snprintf(name, sizeof name, "o'b\"r;--%s", suffix);
    const char *display = "Robert'); DROP TABLE user_0;--";
    struct resp *r = e2e_call("POST", "/api/v1/auth/register", NULL,
                              json_pack("{s:s,s:s,s:s,s:s}", "username", name, "password", "quote'pass\"word", "role",
                                        "owner", "display_name", display));
    EXPECT_STATUS(r, 201);
    assert_string_equal(e2e_str(r, "username"), name);
    assert_string_equal(e2e_str(r, "display_name"), display);
    e2e_resp_free(r);
    r = e2e_call("POST", "/api/v1/auth/login", NULL, json_pack("{s:s,s:s}", "username", name, "password", "quote'pass\"word"));
    EXPECT_STATUS(r, 200);
    assert_string_equal(e2e_str(r, "user.username"), name);
    char token[2048];
    snprintf(token, sizeof token, "%s", e2e_str(r, "access_token"));
    e2e_resp_free(r);
    r = e2e_call("GET", "/api/v1/users/me", token, NULL);
    EXPECT_STATUS(r, 200);
    assert_string_equal(e2e_str(r, "display_name"), display);
    e2e_resp_free(r);
    /* the tables are all still there, and the name is stored verbatim */
    assert_int_equal(e2e_db_int("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'pb_user' "
                                "AND table_name = 'user_0'", ""), 1);
    assert_int_equal(e2e_db_int("SELECT COUNT(*) FROM pb_user.user_login WHERE login = CONCAT('u:', LOWER(?))", "s", name), 1);
}

static char *b64url(const char *s)
{
    size_t n = strlen(s), cap = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    char *out = malloc(cap);
    sodium_bin2base64(out, cap, (const unsigned char *)s, n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    return out;
}

/* A key the platform never trusted. */
static const char FOREIGN_KEY[] = "-----BEGIN EC PRIVATE KEY-----\n"
                                  "MHcCAQEEIBiOsoeOgPPfzUvhJHQ/QrFSDxt3GK/jf8s0mykKBUIZoAoGCCqGSM49\n"
                                  "AwEHoUQDQgAEZTuuCj5UP8TKDeH/ueAN58Nbhxk8c0VPyybujVjH2I+TP6FDxs7F\n"
                                  "RuhwWXCSjxZvTbymRUTHwKWXyqf+p2Ixmw==\n"
                                  "-----END EC PRIVATE KEY-----\n";

static void forged_expired_and_none_tokens(void **state)
{
    (void)state;
    struct e2e_user u;
    e2e_user_new(&u, "owner");
    struct auth_principal p = {0};
    p.user_id = strtoull(u.id, NULL, 10);
    p.role = ROLE_ADMIN; /* what a forger would want */
    strcpy(p.sid, "0123456789abcdef0123456789abcdef");
    p.iat_ms = time_now_ms();
    char *forged = auth_sign(FOREIGN_KEY, &p, 600);
    assert_non_null(forged);
    struct resp *r = e2e_call("GET", "/api/v1/users/me", forged, NULL);
    EXPECT_ERROR(r, 401, "unauthenticated");
    e2e_resp_free(r);
    free(forged);

    /* signed with the real key but expired an hour ago */
    char *key = e2e_home_file("secrets/jwt-private.pem");
    assert_non_null(key);
    p.role = ROLE_OWNER;
    p.iat_ms = time_now_ms() - 7200 * 1000;
    char *expired = auth_sign(key, &p, 3600);
    r = e2e_call("GET", "/api/v1/users/me", expired, NULL);
    EXPECT_ERROR(r, 401, "unauthenticated");
    e2e_resp_free(r);
    free(expired);
    free(key);

    char payload[512];
    snprintf(payload, sizeof payload,
             "{\"iss\":\"petboarding\",\"typ\":\"access\",\"sub\":\"%s\",\"role\":\"admin\","
             "\"sid\":\"0123456789abcdef0123456789abcdef\",\"iat\":%lld,\"iat_ms\":%lld,\"exp\":%lld}",
             u.id, (long long)(time_now_ms() / 1000), (long long)time_now_ms(), (long long)(time_now_ms() / 1000 + 600));
    char *h = b64url("{\"alg\":\"none\",\"typ\":\"JWT\"}"), *b = b64url(payload), tok[1024];
    snprintf(tok, sizeof tok, "%s.%s.", h, b);
    r = e2e_call("GET", "/api/v1/users/me", tok, NULL);
    EXPECT_ERROR(r, 401, "unauthenticated");
    e2e_resp_free(r);
    free(h);
    free(b);

    /* tampering with a real token's payload breaks its signature */
    char tampered[2048];
    snprintf(tampered, sizeof tampered, "%s", u.token);
    char *dot = strchr(tampered, '.');
    dot[3] = dot[3] == 'x' ? 'y' : 'x';
    r = e2e_call("GET", "/api/v1/users/me", tampered, NULL);
    EXPECT_ERROR(r, 401, "unauthenticated");
    e2e_resp_free(r);
    /* no token, wrong scheme, empty bearer */
    r = e2e_call("GET", "/api/v1/users/me", NULL, NULL);
    EXPECT_ERROR(r, 401, "unauthenticated");
    e2e_resp_free(r);
    const char *basic[] = {"Authorization: Basic YWRtaW46YWRtaW4=", NULL};
    r = e2e_call_raw("GET", "/api/v1/users/me", NULL, NULL, NULL, 0, basic);
    EXPECT_ERROR(r, 401, "unauthenticated");
    e2e_resp_free(r);
    /* and the genuine token still works */
    r = e2e_call("GET", "/api/v1/users/me", u.token, NULL);
    EXPECT_STATUS(r, 200);
    e2e_resp_free(r);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(malformed_bodies),
        cmocka_unit_test(wrong_types_missing_and_unknown_fields),
        cmocka_unit_test(over_long_and_invalid_values),
        cmocka_unit_test(huge_bodies),
        cmocka_unit_test(sql_metacharacters_are_just_text),
        cmocka_unit_test(forged_expired_and_none_tokens),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
