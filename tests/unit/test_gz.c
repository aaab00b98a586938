/* gzip bodies (lib/gz): what a cached search page goes through, and which clients get it
 * compressed. */
#include "unit.h"
#include "gz.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A search-page-like body: 20 similar listings, ~13 KB. */
static char *page(size_t *len)
{
    size_t cap = 20000, n = 0;
    char *s = malloc(cap);
    assert_non_null(s);
    n += (size_t)snprintf(s + n, cap - n, "{\"items\":[");
    for (int i = 0; i < 20; i++)
        n += (size_t)snprintf(s + n, cap - n,
                              "%s{\"id\":\"3883316898955386%02d\",\"title\":\"海淀区温馨宠物之家 %d\",\"city\":\"北京\","
                              "\"price_per_night_fen\":%d,\"description\":\"独立寄养空间，每日遛狗两次，提供护理日志与照片。\"}",
                              i ? "," : "", i, i, 10000 + i * 700);
    n += (size_t)snprintf(s + n, cap - n, "],\"next_cursor\":null}");
    *len = n;
    return s;
}

static void a_page_comes_back_whole_and_smaller(void **state)
{
    (void)state;
    size_t len, zlen, back;
    char *json = page(&len), *z = NULL, *out = NULL;
    assert_true(gz_compress(json, len, &z, &zlen));
    assert_true(zlen < len / 3);
    assert_int_equal((unsigned char)z[0], 0x1f); /* a gzip member, as Content-Encoding: gzip says */
    assert_int_equal((unsigned char)z[1], 0x8b);
    assert_true(gz_inflate(z, zlen, GZ_INFLATE_MAX, &out, &back));
    assert_int_equal(back, len);
    assert_memory_equal(out, json, len);
    assert_int_equal(out[back], 0);
    free(out);
    free(z);
    free(json);
}

static void broken_or_oversized_input_is_refused(void **state)
{
    (void)state;
    size_t len, zlen, back = 7;
    char *json = page(&len), *z = NULL, *out = (char *)1;
    assert_true(gz_compress(json, len, &z, &zlen));
    assert_false(gz_inflate(z, zlen - 5, GZ_INFLATE_MAX, &out, &back)); /* truncated */
    assert_null(out);
    assert_int_equal(back, 0);
    assert_false(gz_inflate(z, zlen, len - 1, &out, &back)); /* inflates past the bound */
    char *longer = malloc(zlen + 3);
    memcpy(longer, z, zlen);
    memcpy(longer + zlen, "abc", 3);
    assert_false(gz_inflate(longer, zlen + 3, GZ_INFLATE_MAX, &out, &back)); /* bytes after the member */
    assert_false(gz_inflate(json, len, GZ_INFLATE_MAX, &out, &back));        /* not gzip at all */
    assert_false(gz_inflate("", 0, GZ_INFLATE_MAX, &out, &back));
    assert_true(gz_compress("", 0, &out, &back)); /* an empty body is a valid member */
    char *empty = NULL;
    size_t elen = 9;
    assert_true(gz_inflate(out, back, GZ_INFLATE_MAX, &empty, &elen));
    assert_int_equal(elen, 0);
    free(empty);
    free(out);
    free(longer);
    free(z);
    free(json);
}

static void accept_encoding_is_read_as_rfc_9110_says(void **state)
{
    (void)state;
    /* what browsers send */
    assert_true(gz_accepted("gzip, deflate, br, zstd"));
    assert_true(gz_accepted("gzip, deflate"));
    assert_true(gz_accepted("br;q=1.0, gzip;q=0.8, *;q=0.1"));
    assert_true(gz_accepted("GZIP"));
    assert_true(gz_accepted("x-gzip"));
    assert_true(gz_accepted("*"));
    assert_true(gz_accepted("deflate , gzip ; q=0.5"));
    /* no gzip */
    assert_false(gz_accepted(NULL));
    assert_false(gz_accepted(""));
    assert_false(gz_accepted("identity"));
    assert_false(gz_accepted("br, deflate"));
    assert_false(gz_accepted("gzip;q=0"));
    assert_false(gz_accepted("gzip;q=0.000, *"));  /* a listed gzip decides over "*" */
    assert_false(gz_accepted("*;q=0"));
    assert_false(gz_accepted("gzipx, gzi"));
    assert_false(gz_accepted("gzip;q=2"));       /* malformed q: the element is ignored */
    assert_false(gz_accepted("gzip;level=9"));
    assert_true(gz_accepted("gzip;q=2, *"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_page_comes_back_whole_and_smaller),
        cmocka_unit_test(broken_or_oversized_input_is_refused),
        cmocka_unit_test(accept_encoding_is_read_as_rfc_9110_says),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
