/* JWT signing and verification with libjwt (ES256 only). */
#include "auth.h"
#include "ids.h"
#include "log.h"

#include <jwt.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ISSUER "petboarding"
#define MAX_TOKEN 2048

static const char *const role_names[] = {"owner", "provider", "admin"};

enum role auth_role_parse(const char *s)
{
    for (int i = 0; s && i < 3; i++)
        if (strcmp(s, role_names[i]) == 0)
            return (enum role)(1 << i);
    return ROLE_NONE;
}

const char *auth_role_name(enum role r)
{
    switch (r) {
    case ROLE_OWNER: return role_names[0];
    case ROLE_PROVIDER: return role_names[1];
    case ROLE_ADMIN: return role_names[2];
    default: return "none";
    }
}

static bool is_hex(const char *s, size_t len)
{
    if (!s || strlen(s) != len)
        return false;
    for (size_t i = 0; i < len; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    return true;
}

enum err auth_verify(const char *public_pem, const char *token, int64_t now_s, struct auth_principal *out)
{
    if (!public_pem || !token || !*token || strlen(token) > MAX_TOKEN)
        return ERR_UNAUTHENTICATED;
    jwt_t *jwt = NULL;
    enum err e = ERR_UNAUTHENTICATED;
    if (jwt_decode(&jwt, token, (const unsigned char *)public_pem, (int)strlen(public_pem)) != 0 || !jwt)
        goto done;
    /* libjwt verifies with whatever alg the header names; insist on ours */
    if (jwt_get_alg(jwt) != JWT_ALG_ES256)
        goto done;
    const char *iss = jwt_get_grant(jwt, "iss"), *typ = jwt_get_grant(jwt, "typ");
    const char *sub = jwt_get_grant(jwt, "sub"), *role = jwt_get_grant(jwt, "role");
    const char *sid = jwt_get_grant(jwt, "sid");
    long exp = jwt_get_grant_int(jwt, "exp"), iat_ms = jwt_get_grant_int(jwt, "iat_ms");
    struct auth_principal p = {0};
    if (!iss || strcmp(iss, ISSUER) != 0 || !typ || strcmp(typ, "access") != 0)
        goto done;
    if (exp <= 0 || exp <= now_s || iat_ms <= 0)
        goto done;
    if (!ids_parse(sub, &p.user_id) || (p.role = auth_role_parse(role)) == ROLE_NONE || !is_hex(sid, AUTH_SID_LEN))
        goto done;
    memcpy(p.sid, sid, AUTH_SID_LEN + 1);
    p.exp = exp;
    p.iat_ms = iat_ms;
    *out = p;
    e = ERR_OK;
done:
    jwt_free(jwt);
    return e;
}

/* A direct-mapped memo: 4096 slots, 64 lock stripes. A collision simply replaces the slot. */
#define MEMO_SLOTS 4096
#define MEMO_STRIPES 64

struct memo_slot {
    unsigned char digest[16];
    bool used;
    struct auth_principal p;
};

static struct memo_slot memo[MEMO_SLOTS];
static pthread_mutex_t memo_mu[MEMO_STRIPES];
static pthread_once_t memo_once = PTHREAD_ONCE_INIT;

static void memo_init(void)
{
    for (int i = 0; i < MEMO_STRIPES; i++)
        pthread_mutex_init(&memo_mu[i], NULL);
}

enum err auth_verify_cached(const char *public_pem, const char *token, int64_t now_s, struct auth_principal *out)
{
    if (!public_pem || !token || !*token || strlen(token) > MAX_TOKEN)
        return ERR_UNAUTHENTICATED;
    pthread_once(&memo_once, memo_init);
    unsigned char d[16];
    crypto_generichash(d, sizeof d, (const unsigned char *)token, strlen(token), NULL, 0);
    unsigned slot = (unsigned)(d[0] | d[1] << 8) % MEMO_SLOTS;
    pthread_mutex_t *mu = &memo_mu[slot % MEMO_STRIPES];
    bool hit = false;
    struct auth_principal p = {0};
    pthread_mutex_lock(mu);
    if (memo[slot].used && memcmp(memo[slot].digest, d, sizeof d) == 0) {
        p = memo[slot].p;
        hit = true;
    }
    pthread_mutex_unlock(mu);
    if (hit) {
        if (p.exp <= now_s)
            return ERR_UNAUTHENTICATED;
        *out = p;
        return ERR_OK;
    }
    enum err e = auth_verify(public_pem, token, now_s, &p);
    if (e != ERR_OK)
        return e;
    pthread_mutex_lock(mu);
    memcpy(memo[slot].digest, d, sizeof d);
    memo[slot].p = p;
    memo[slot].used = true;
    pthread_mutex_unlock(mu);
    *out = p;
    return ERR_OK;
}

char *auth_sign(const char *private_pem, const struct auth_principal *p, long ttl_s)
{
    jwt_t *jwt = NULL;
    char *tok = NULL, sub[IDS_STR_LEN];
    if (jwt_new(&jwt) != 0)
        goto done;
    long iat = (long)(p->iat_ms / 1000);
    if (jwt_add_grant(jwt, "iss", ISSUER) || jwt_add_grant(jwt, "typ", "access") ||
        jwt_add_grant(jwt, "sub", ids_format(p->user_id, sub)) || jwt_add_grant(jwt, "role", auth_role_name(p->role)) ||
        jwt_add_grant(jwt, "sid", p->sid) || jwt_add_grant_int(jwt, "iat", iat) ||
        jwt_add_grant_int(jwt, "iat_ms", (long)p->iat_ms) || jwt_add_grant_int(jwt, "exp", iat + ttl_s) ||
        jwt_set_alg(jwt, JWT_ALG_ES256, (const unsigned char *)private_pem, (int)strlen(private_pem)))
        goto done;
    tok = jwt_encode_str(jwt);
done:
    if (!tok)
        LOG_E("auth: cannot sign a token");
    jwt_free(jwt);
    return tok;
}

void auth_random_hex(char *buf)
{
    unsigned char raw[AUTH_SID_LEN / 2];
    randombytes_buf(raw, sizeof raw);
    sodium_bin2hex(buf, AUTH_SID_LEN + 1, raw, sizeof raw);
}
