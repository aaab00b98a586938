/* Signed URLs of private photos: key derivation, signing, constant-time verification. */
#include "mediaurl.h"
#include "ids.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

static const char KEY_LABEL[] = "pb media url v1";

/* written once by mediaurl_init before threads start, read-only afterwards */
static unsigned char g_key[crypto_auth_hmacsha256_BYTES];
static bool g_ready;

bool mediaurl_init(const char *internal_token)
{
    size_t n = internal_token ? strlen(internal_token) : 0;
    g_ready = false;
    sodium_memzero(g_key, sizeof g_key);
    if (n == 0 || sodium_init() < 0)
        return false;
    crypto_auth_hmacsha256_state st;
    crypto_auth_hmacsha256_init(&st, (const unsigned char *)internal_token, n);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)KEY_LABEL, sizeof KEY_LABEL - 1);
    crypto_auth_hmacsha256_final(&st, g_key);
    sodium_memzero(&st, sizeof st);
    g_ready = true;
    return true;
}

int64_t mediaurl_expiry(int64_t now_s)
{
    if (now_s < 0)
        now_s = 0;
    return (now_s / MEDIAURL_STEP_S + 2) * MEDIAURL_STEP_S;
}

bool mediaurl_sign(uint64_t id, int64_t exp, char *sig)
{
    if (!g_ready)
        return false;
    char msg[64];
    int n = snprintf(msg, sizeof msg, "%llu.%lld", (unsigned long long)id, (long long)exp);
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256(mac, (const unsigned char *)msg, (unsigned long long)n, g_key);
    sodium_bin2base64(sig, MEDIAURL_SIG_LEN + 1, mac, sizeof mac, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    return true;
}

bool mediaurl_verify(uint64_t id, int64_t exp, const char *sig, int64_t now_s)
{
    char want[MEDIAURL_SIG_LEN + 1];
    if (!sig || strlen(sig) != MEDIAURL_SIG_LEN || exp <= now_s ||
        exp > now_s + MEDIAURL_MAX_TTL_S + MEDIAURL_SKEW_S || !mediaurl_sign(id, exp, want))
        return false;
    /* compare the text, not the decoded bytes: base64 has several spellings of the last
     * character's unused bits, and only the one we issue is accepted */
    return sodium_memcmp(want, sig, MEDIAURL_SIG_LEN) == 0;
}

bool mediaurl_private(uint64_t id, unsigned size, int64_t now_s, char *buf, size_t cap)
{
    char sig[MEDIAURL_SIG_LEN + 1];
    int64_t exp = mediaurl_expiry(now_s);
    if ((size != MEDIAURL_FULL && size != MEDIAURL_THUMB) || !mediaurl_sign(id, exp, sig))
        return false;
    int n = snprintf(buf, cap, "/media/p/%llu/%u?exp=%lld&sig=%s", (unsigned long long)id, size, (long long)exp, sig);
    return n > 0 && (size_t)n < cap;
}

json_t *mediaurl_photo(uint64_t id, int64_t now_s)
{
    char full[MEDIAURL_LEN], thumb[MEDIAURL_LEN], ids[IDS_STR_LEN];
    if (!mediaurl_private(id, MEDIAURL_FULL, now_s, full, sizeof full) ||
        !mediaurl_private(id, MEDIAURL_THUMB, now_s, thumb, sizeof thumb))
        return NULL;
    return json_pack("{s:s,s:s,s:s}", "id", ids_format(id, ids), "url", full, "thumb_url", thumb);
}
