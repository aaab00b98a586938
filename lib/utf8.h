/* Clipping UTF-8 text to a byte budget without cutting a character in two: the one
 * implementation behind every shortened text the services store or show (audit details,
 * rule summaries, refund reasons). */
#ifndef PB_UTF8_H
#define PB_UTF8_H

#include <stddef.h>

/* Pure: the length of the longest prefix of s[0..len) that has at most max_bytes bytes and
 * does not end inside a UTF-8 character. A character whose bytes the budget would cut, or
 * that is already incomplete at the end of s, is left out whole; bytes before it are kept
 * as they are (validity is checked elsewhere: utf8_count in jv.h). */
size_t utf8_clip(const char *s, size_t len, size_t max_bytes);

/* Shorten the NUL-terminated s in place to utf8_clip(s, strlen(s), max_bytes) bytes. */
void utf8_clip_str(char *s, size_t max_bytes);

/* Copy s into dst (cap bytes, cap > 0) as far as it fits whole characters, NUL-terminated. */
void utf8_copy_clipped(char *dst, size_t cap, const char *s);

#endif
