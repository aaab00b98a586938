/* Pure rules of the media service: sniffing, purposes and roles, limits, file names. */
#include "rules.h"
#include "auth.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

enum media_format media_sniff(const void *buf, size_t len)
{
    const unsigned char *b = buf;
    static const unsigned char PNG_SIG[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
    if (!b)
        return MEDIA_FORMAT_NONE;
    if (len >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF)
        return MEDIA_FORMAT_JPEG;
    if (len >= sizeof PNG_SIG && memcmp(b, PNG_SIG, sizeof PNG_SIG) == 0)
        return MEDIA_FORMAT_PNG;
    if (len >= 12 && memcmp(b, "RIFF", 4) == 0 && memcmp(b + 8, "WEBP", 4) == 0)
        return MEDIA_FORMAT_WEBP;
    return MEDIA_FORMAT_NONE;
}

const char *media_format_name(enum media_format f)
{
    switch (f) {
    case MEDIA_FORMAT_JPEG:
        return "jpeg";
    case MEDIA_FORMAT_PNG:
        return "png";
    case MEDIA_FORMAT_WEBP:
        return "webp";
    case MEDIA_FORMAT_NONE:
        break;
    }
    return "none";
}

const char *const MEDIA_PURPOSE_NAMES[] = {"listing", "pet", "care_log", "verification", NULL};

bool media_purpose_public(enum media_purpose p) { return p == MEDIA_LISTING; }

unsigned media_purpose_roles(enum media_purpose p)
{
    switch (p) {
    case MEDIA_PET:
        return ROLE_OWNER;
    case MEDIA_LISTING:
    case MEDIA_CARE_LOG:
    case MEDIA_VERIFICATION:
        return ROLE_PROVIDER;
    case MEDIA_PURPOSE_COUNT:
        break;
    }
    return ROLE_NONE;
}

bool media_purpose_needs_approval(enum media_purpose p) { return p == MEDIA_LISTING || p == MEDIA_CARE_LOG; }

bool media_content_type_ok(const char *ct)
{
    static const char *const OK[] = {"image/jpeg", "image/png", "image/webp", "application/octet-stream"};
    if (!ct)
        return false;
    while (*ct == ' ')
        ct++;
    size_t n = strcspn(ct, "; \t");
    for (size_t i = 0; i < sizeof OK / sizeof *OK; i++)
        if (n == strlen(OK[i]) && strncasecmp(ct, OK[i], n) == 0)
            return true;
    return false;
}

bool media_dims_ok(const struct media_limits *l, unsigned w, unsigned h, char *why, size_t cap)
{
    if (w < l->min_side || h < l->min_side)
        snprintf(why, cap, "the image is %ux%u pixels: each side must be at least %u", w, h, l->min_side);
    else if (w > l->max_side || h > l->max_side)
        snprintf(why, cap, "the image is %ux%u pixels: each side must be at most %u", w, h, l->max_side);
    else if ((uint64_t)w * h > l->max_pixels)
        snprintf(why, cap, "the image is %ux%u pixels: at most %.4g megapixels are accepted", w, h,
                 (double)l->max_pixels / 1e6);
    else
        return true;
    return false;
}

bool media_sha_ok(const char *s)
{
    if (!s || strlen(s) != MEDIA_SHA_HEX_LEN)
        return false;
    for (; *s; s++)
        if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
            return false;
    return true;
}

bool media_size_parse(const char *s, unsigned *out)
{
    if (!s)
        return false;
    if (strcmp(s, "1280") == 0)
        *out = 1280;
    else if (strcmp(s, "320") == 0)
        *out = 320;
    else
        return false;
    return true;
}

bool media_exp_parse(const char *s, int64_t *out)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n > 12)
        return false;
    int64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

/* "<prefix><2 hex>/<sha>_<size>.jpg" */
static bool file_name(const char *prefix, const char *sha, unsigned size, char *buf, size_t cap)
{
    if (!media_sha_ok(sha) || (size != 1280 && size != 320))
        return false;
    int n = snprintf(buf, cap, "%s%.2s/%s_%u.jpg", prefix, sha, sha, size);
    return n > 0 && (size_t)n < cap;
}

bool media_rel_path(bool pub, const char *sha, unsigned size, char *buf, size_t cap)
{
    return file_name(pub ? "public/" : "private/", sha, size, buf, cap);
}

bool media_public_url(const char *sha, unsigned size, char *buf, size_t cap)
{
    return file_name("/media/pub/", sha, size, buf, cap);
}

bool media_accel_path(const char *sha, unsigned size, char *buf, size_t cap)
{
    return file_name("/_media/private/", sha, size, buf, cap);
}

long media_retry_after_s(int64_t oldest_ms, int64_t now_ms)
{
    int64_t left = oldest_ms + MEDIA_WINDOW_MS - now_ms;
    if (left <= 1000)
        return 1;
    return (long)((left + 999) / 1000);
}
