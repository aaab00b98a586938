/* HMAC-SHA256 webhook signatures with a timestamp against replays. */
#include "signature.h"

#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

const char *sig_result_name(enum sig_result r)
{
    static const char *const N[] = {"ok", "missing", "malformed", "stale", "mismatch"};
    return (unsigned)r < sizeof N / sizeof *N ? N[r] : "unknown";
}

/* HMAC-SHA256(secret, "<t>." + body) into mac. libsodium's streaming API takes a key of any
 * length (the one-shot crypto_auth_hmacsha256 wants exactly 32 bytes). */
static int mac_of(const unsigned char *secret, size_t secret_len, const char *t, size_t tlen, const char *body,
                  size_t len, unsigned char mac[crypto_auth_hmacsha256_BYTES])
{
    crypto_auth_hmacsha256_state st;
    if (crypto_auth_hmacsha256_init(&st, secret, secret_len) != 0 ||
        crypto_auth_hmacsha256_update(&st, (const unsigned char *)t, tlen) != 0 ||
        crypto_auth_hmacsha256_update(&st, (const unsigned char *)".", 1) != 0 ||
        crypto_auth_hmacsha256_update(&st, (const unsigned char *)body, len) != 0 ||
        crypto_auth_hmacsha256_final(&st, mac) != 0) {
        sodium_memzero(&st, sizeof st);
        return -1;
    }
    sodium_memzero(&st, sizeof st);
    return 0;
}

int sig_header(const unsigned char *secret, size_t secret_len, int64_t t_s, const char *body, size_t len, char *out,
               size_t cap)
{
    char t[24];
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    char hex[SIG_HEX_LEN + 1];
    int tn = snprintf(t, sizeof t, "%lld", (long long)t_s);
    if (tn <= 0 || (size_t)tn >= sizeof t || mac_of(secret, secret_len, t, (size_t)tn, body ? body : "", len, mac) != 0)
        return -1;
    sodium_bin2hex(hex, sizeof hex, mac, sizeof mac);
    int n = snprintf(out, cap, "t=%s,v1=%s", t, hex);
    return n > 0 && (size_t)n < cap ? 0 : -1;
}

static bool all_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return n > 0;
}

#define MAX_CANDIDATES 4

enum sig_result sig_verify(const unsigned char *secret, size_t secret_len, const char *header, const char *body,
                           size_t len, int64_t now_s, int64_t tolerance_s)
{
    if (!header)
        return SIG_MISSING;
    size_t hlen = strlen(header);
    if (hlen == 0 || hlen > 512)
        return hlen ? SIG_MALFORMED : SIG_MISSING;
    const char *t = NULL;
    size_t tlen = 0;
    unsigned char cand[MAX_CANDIDATES][crypto_auth_hmacsha256_BYTES];
    size_t ncand = 0;
    /* comma-separated key=value items; unknown keys (a future v2) are skipped */
    for (const char *p = header; *p;) {
        const char *end = strchr(p, ',');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        const char *eq = memchr(p, '=', n);
        if (!eq || eq == p)
            return SIG_MALFORMED;
        size_t klen = (size_t)(eq - p), vlen = n - klen - 1;
        const char *v = eq + 1;
        if (klen == 1 && p[0] == 't') {
            if (t || vlen > 12 || !all_digits(v, vlen))
                return SIG_MALFORMED;
            t = v;
            tlen = vlen;
        } else if (klen == 2 && p[0] == 'v' && p[1] == '1') {
            size_t bin = 0;
            if (vlen != SIG_HEX_LEN || ncand == MAX_CANDIDATES ||
                sodium_hex2bin(cand[ncand], sizeof cand[ncand], v, vlen, NULL, &bin, NULL) != 0 ||
                bin != crypto_auth_hmacsha256_BYTES)
                return SIG_MALFORMED;
            ncand++;
        }
        if (!end)
            break;
        p = end + 1;
        if (!*p)
            return SIG_MALFORMED; /* a trailing comma */
    }
    if (!t || !ncand)
        return SIG_MALFORMED;
    long long ts = 0;
    for (size_t i = 0; i < tlen; i++)
        ts = ts * 10 + (t[i] - '0');
    if (ts < now_s - tolerance_s || ts > now_s + tolerance_s)
        return SIG_STALE;
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    if (mac_of(secret, secret_len, t, tlen, body ? body : "", len, mac) != 0)
        return SIG_MISMATCH;
    int ok = 0;
    for (size_t i = 0; i < ncand; i++) /* look at every candidate: the time taken says nothing */
        ok |= sodium_memcmp(mac, cand[i], sizeof mac) == 0;
    sodium_memzero(mac, sizeof mac);
    return ok ? SIG_OK : SIG_MISMATCH;
}
