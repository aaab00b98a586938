/* Access tokens: ES256 JWTs signed by the user service with its private key and verified
 * by every service with the public key, so authenticating a request never calls the user
 * service. Verification pins the algorithm (no "none", no HS256-with-the-public-key). */
#ifndef PB_AUTH_H
#define PB_AUTH_H

#include "errors.h"

#include <stdbool.h>
#include <stdint.h>

enum role { ROLE_NONE = 0, ROLE_OWNER = 1, ROLE_PROVIDER = 2, ROLE_ADMIN = 4 };
#define ROLE_ANY (ROLE_OWNER | ROLE_PROVIDER | ROLE_ADMIN)
#define AUTH_SID_LEN 32

struct auth_principal {
    uint64_t user_id;
    enum role role;
    char sid[AUTH_SID_LEN + 1]; /* login session: shared by the access and refresh tokens */
    int64_t iat_ms;             /* issue time in ms, compared with per-user revocation marks */
    int64_t exp;                /* expiry, Unix seconds */
};

/* "owner" -> ROLE_OWNER ...; ROLE_NONE for anything else. */
enum role auth_role_parse(const char *s);
const char *auth_role_name(enum role r);

/* Verify a compact JWT with the PEM public key: signature, alg ES256, iss "petboarding",
 * typ "access", exp in the future (now_s), and well-formed claims. ERR_UNAUTHENTICATED
 * for anything wrong; *out written only on success. */
enum err auth_verify(const char *public_pem, const char *token, int64_t now_s, struct auth_principal *out);

/* auth_verify with a process-wide memo of successful verifications: the digest (BLAKE2b,
 * 128 bits) of the exact token bytes maps to its verified claims until the token expires.
 * A session presents the same token on every request, and a libjwt ES256 verification
 * costs ~0.5 ms here (OpenSSL 3 decodes the PEM key on every call), so this turns the
 * signature check into a hash lookup after the first request. Expiry is checked on every
 * call; revocation is not the verifier's job (svc_auth_or_reply asks Redis every time).
 * Failed verifications are never remembered. */
enum err auth_verify_cached(const char *public_pem, const char *token, int64_t now_s, struct auth_principal *out);

/* Sign an access token for p valid ttl_s seconds from now (p->iat_ms is the issue time).
 * Returns a malloc'd string, or NULL on failure (logged). */
char *auth_sign(const char *private_pem, const struct auth_principal *p, long ttl_s);

/* A random session/token id: 32 hex characters into buf (33 bytes). */
void auth_random_hex(char *buf);

#endif
