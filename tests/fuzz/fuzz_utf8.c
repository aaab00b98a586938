/* UTF-8 (lib/utf8.c utf8_clip and friends, lib/jv.c utf8_count) on arbitrary bytes: the first
 * byte is the byte budget, the rest the text. A clip never grows the text, never exceeds the
 * budget, and of valid text keeps valid text that is the longest such prefix; utf8_count
 * accepts exactly what a strict decoder does. */
#include "fuzz.h"
#include "jv.h"
#include "utf8.h"

#include <stdbool.h>

/* The length of the character starting at s[0] when it is valid at that point, else 0. */
static size_t char_len(const unsigned char *s, size_t len)
{
    size_t need = s[0] < 0x80 ? 1 : s[0] >= 0xC2 && s[0] <= 0xDF ? 2 : s[0] >= 0xE0 && s[0] <= 0xEF ? 3
                  : s[0] >= 0xF0 && s[0] <= 0xF4                 ? 4
                                                                 : 0;
    if (!need || need > len)
        return 0;
    return utf8_count((const char *)s, need) == 1 ? need : 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t max = data[0];
    const char *s = (const char *)data + 1;
    size_t len = size - 1;

    long count = utf8_count(s, len);
    /* an independent walk: valid iff every character decodes at its place */
    long walked = 0;
    bool valid = true;
    for (size_t i = 0; i < len;) {
        size_t n = char_len((const unsigned char *)s + i, len - i);
        if (!n) {
            valid = false;
            break;
        }
        i += n;
        walked++;
    }
    FUZZ_CHECK(valid ? count == walked : count == -1);

    size_t n = utf8_clip(s, len, max);
    FUZZ_CHECK(n <= len && n <= max);
    if (valid) {
        FUZZ_CHECK(utf8_count(s, n) >= 0);
        /* the longest: the next character would not fit */
        if (n < len)
            FUZZ_CHECK(n + char_len((const unsigned char *)s + n, len - n) > max);
    }

    char *str = fuzz_cstr((const uint8_t *)s, len);
    size_t slen = strlen(str);
    char dst[64];
    utf8_copy_clipped(dst, sizeof dst, str);
    FUZZ_CHECK(strlen(dst) < sizeof dst && strncmp(dst, str, strlen(dst)) == 0);
    utf8_clip_str(str, max);
    FUZZ_CHECK(strlen(str) <= max && strlen(str) <= slen);
    free(str);
    return 0;
}
