/* UTF-8 clipping (lib/utf8). */
#include "unit.h"
#include "utf8.h"

#include <string.h>

static void clip_keeps_whole_characters(void **state)
{
    (void)state;
    const char *s = "ab中文"; /* 2 + 3 + 3 bytes */
    assert_int_equal(utf8_clip(s, strlen(s), 100), 8);
    assert_int_equal(utf8_clip(s, strlen(s), 8), 8);
    assert_int_equal(utf8_clip(s, strlen(s), 7), 5); /* would cut 文 */
    assert_int_equal(utf8_clip(s, strlen(s), 5), 5);
    assert_int_equal(utf8_clip(s, strlen(s), 4), 2); /* would cut 中 */
    assert_int_equal(utf8_clip(s, strlen(s), 2), 2);
    assert_int_equal(utf8_clip(s, strlen(s), 0), 0);
    const char *dog = "\xf0\x9f\x90\xb6x"; /* a 4-byte character, then x */
    assert_int_equal(utf8_clip(dog, 5, 3), 0);
    assert_int_equal(utf8_clip(dog, 5, 4), 4);
    assert_int_equal(utf8_clip(dog, 5, 5), 5);
    assert_int_equal(utf8_clip("é", 2, 1), 0); /* 2-byte character */
    /* a text that already ends inside a character loses that partial character */
    assert_int_equal(utf8_clip("ab\xe4\xb8", 4, 100), 2);
    /* stray continuation bytes are not characters to protect: they are kept as bytes */
    assert_int_equal(utf8_clip("\x80\x80\x80\x80\x80", 5, 5), 5);
}

static void clip_in_place_and_copy(void **state)
{
    (void)state;
    char s[32];
    strcpy(s, "ab中文");
    utf8_clip_str(s, 4);
    assert_string_equal(s, "ab");
    strcpy(s, "ab中文");
    utf8_clip_str(s, 100);
    assert_string_equal(s, "ab中文");
    char d[6];
    utf8_copy_clipped(d, sizeof d, "ab中文"); /* 5 bytes of room */
    assert_string_equal(d, "ab中");
    utf8_copy_clipped(d, 1, "ab");
    assert_string_equal(d, "");
    utf8_copy_clipped(d, sizeof d, "");
    assert_string_equal(d, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(clip_keeps_whole_characters),
        cmocka_unit_test(clip_in_place_and_copy),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
