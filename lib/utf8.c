/* UTF-8 clipping. */
#include "utf8.h"

#include <string.h>

size_t utf8_clip(const char *s, size_t len, size_t max_bytes)
{
    size_t n = len < max_bytes ? len : max_bytes;
    /* find where the last character of s[0..n) starts (at most 3 continuation bytes back) */
    size_t i = n;
    while (i > 0 && n - i < 3 && ((unsigned char)s[i - 1] & 0xC0) == 0x80)
        i--;
    if (i > 0) {
        unsigned char c = (unsigned char)s[i - 1];
        size_t need = c < 0xC0 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
        if (n - (i - 1) < need) /* its bytes were cut (or never all there): drop it */
            n = i - 1;
    }
    return n;
}

void utf8_clip_str(char *s, size_t max_bytes) { s[utf8_clip(s, strlen(s), max_bytes)] = 0; }

void utf8_copy_clipped(char *dst, size_t cap, const char *s)
{
    size_t n = utf8_clip(s, strlen(s), cap - 1);
    memcpy(dst, s, n);
    dst[n] = 0;
}
