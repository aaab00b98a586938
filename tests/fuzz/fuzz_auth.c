/* Access tokens (lib/auth.c auth_verify) as the Authorization header brings them, verified
 * with a fixed test key pair (the one of tests/unit/test_auth.c, made for tests only).
 * First byte 0..3 picks the mode, the rest is:
 *   0  a compact token, verified as is;
 *   1  a claims object, signed ES256 with the test key, then verified: the claim checks;
 *   2  a claims object signed HS256 with the public key as the secret (algorithm confusion):
 *      it must never verify;
 *   3  a header object and the fixed valid claims, signed ES256: the header checks.
 * Whatever verifies carries a nonzero user, a known role, a 32-hex-digit session and an
 * expiry after now. */
#include "auth.h"
#include "fuzz.h"

#include <ctype.h>
#include <jwt.h>

static const char PRIV[] = "-----BEGIN EC PRIVATE KEY-----\n"
                           "MHcCAQEEIBiOsoeOgPPfzUvhJHQ/QrFSDxt3GK/jf8s0mykKBUIZoAoGCCqGSM49\n"
                           "AwEHoUQDQgAEZTuuCj5UP8TKDeH/ueAN58Nbhxk8c0VPyybujVjH2I+TP6FDxs7F\n"
                           "RuhwWXCSjxZvTbymRUTHwKWXyqf+p2Ixmw==\n"
                           "-----END EC PRIVATE KEY-----\n";
static const char PUB[] = "-----BEGIN PUBLIC KEY-----\n"
                          "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEZTuuCj5UP8TKDeH/ueAN58Nbhxk8\n"
                          "c0VPyybujVjH2I+TP6FDxs7FRuhwWXCSjxZvTbymRUTHwKWXyqf+p2Ixmw==\n"
                          "-----END PUBLIC KEY-----\n";
#define NOW 1795000000LL
static const char VALID_CLAIMS[] = "{\"iss\":\"petboarding\",\"typ\":\"access\",\"sub\":\"123456789\",\"role\":"
                                   "\"owner\",\"sid\":\"0123456789abcdef0123456789abcdef\",\"iat\":1795000000,"
                                   "\"iat_ms\":1795000000000,\"exp\":1795000900}";

/* A token of these claims and extra headers signed with alg and key; NULL when libjwt
 * refuses them (not JSON, say). */
static char *sign(const char *claims, const char *headers, jwt_alg_t alg, const char *key)
{
    jwt_t *jwt = NULL;
    char *tok = NULL;
    if (jwt_new(&jwt) != 0)
        return NULL;
    if (jwt_add_grants_json(jwt, claims) == 0 && (!headers || jwt_add_headers_json(jwt, headers) == 0) &&
        jwt_set_alg(jwt, alg, (const unsigned char *)key, (int)strlen(key)) == 0)
        tok = jwt_encode_str(jwt);
    jwt_free(jwt);
    return tok;
}

static void check_principal(const struct auth_principal *p)
{
    FUZZ_CHECK(p->user_id != 0);
    FUZZ_CHECK(p->role == ROLE_OWNER || p->role == ROLE_PROVIDER || p->role == ROLE_ADMIN);
    FUZZ_CHECK(strlen(p->sid) == AUTH_SID_LEN);
    for (size_t i = 0; i < AUTH_SID_LEN; i++)
        FUZZ_CHECK(isxdigit((unsigned char)p->sid[i]));
    FUZZ_CHECK(p->exp > NOW && p->iat_ms > 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    unsigned mode = data[0] % 4;
    char *in = fuzz_cstr(data + 1, size - 1), *tok = NULL;
    struct auth_principal p;
    enum err e;
    switch (mode) {
    case 0:
        if ((e = auth_verify(PUB, in, NOW, &p)) == ERR_OK)
            check_principal(&p);
        (void)auth_role_parse(in);
        break;
    case 1:
        if ((tok = sign(in, NULL, JWT_ALG_ES256, PRIV)) && auth_verify(PUB, tok, NOW, &p) == ERR_OK)
            check_principal(&p);
        break;
    case 2:
        if ((tok = sign(in, NULL, JWT_ALG_HS256, PUB)))
            FUZZ_CHECK(auth_verify(PUB, tok, NOW, &p) == ERR_UNAUTHENTICATED);
        break;
    default:
        if ((tok = sign(VALID_CLAIMS, in, JWT_ALG_ES256, PRIV)) && auth_verify(PUB, tok, NOW, &p) == ERR_OK)
            check_principal(&p);
        break;
    }
    free(tok);
    free(in);
    return 0;
}
