/* The media service's pure rules: magic bytes, purposes and roles, accepted Content-Types,
 * pixel limits, and the names of stored files and their URLs. */
#include "unit.h"
#include "auth.h"
#include "rules.h"

#include <string.h>

static const char SHA[] = "9569ce88200be528747bfdfcf2f34e4103398bcd2f0f0594b0b44a28c9436d15";

static void sniff(void **state)
{
    (void)state;
    assert_int_equal(media_sniff("\xFF\xD8\xFF\xE0\x00\x10JFIF", 10), MEDIA_FORMAT_JPEG);
    assert_int_equal(media_sniff("\xFF\xD8\xFF", 3), MEDIA_FORMAT_JPEG);
    assert_int_equal(media_sniff("\x89PNG\r\n\x1a\n\x00\x00", 10), MEDIA_FORMAT_PNG);
    assert_int_equal(media_sniff("RIFF\x24\x00\x00\x00WEBPVP8 ", 16), MEDIA_FORMAT_WEBP);
    /* near misses */
    assert_int_equal(media_sniff("\xFF\xD8", 2), MEDIA_FORMAT_NONE);
    assert_int_equal(media_sniff("\x89PNG\r\n\x1a", 7), MEDIA_FORMAT_NONE);
    assert_int_equal(media_sniff("\x89PNG\n\r\x1a\n", 8), MEDIA_FORMAT_NONE);
    assert_int_equal(media_sniff("RIFF\x24\x00\x00\x00WAVEfmt ", 16), MEDIA_FORMAT_NONE);
    assert_int_equal(media_sniff("RIFF\x24\x00\x00\x00WEB", 11), MEDIA_FORMAT_NONE);
    assert_int_equal(media_sniff("GIF89a", 6), MEDIA_FORMAT_NONE);
    assert_int_equal(media_sniff("<svg xmlns=", 11), MEDIA_FORMAT_NONE);
    assert_int_equal(media_sniff("#!/bin/sh\n", 10), MEDIA_FORMAT_NONE);
    assert_int_equal(media_sniff("", 0), MEDIA_FORMAT_NONE);
    assert_int_equal(media_sniff(NULL, 10), MEDIA_FORMAT_NONE);
    assert_string_equal(media_format_name(MEDIA_FORMAT_WEBP), "webp");
    assert_string_equal(media_format_name(MEDIA_FORMAT_NONE), "none");
}

static void purposes(void **state)
{
    (void)state;
    assert_string_equal(MEDIA_PURPOSE_NAMES[MEDIA_LISTING], "listing");
    assert_string_equal(MEDIA_PURPOSE_NAMES[MEDIA_PET], "pet");
    assert_string_equal(MEDIA_PURPOSE_NAMES[MEDIA_CARE_LOG], "care_log");
    assert_string_equal(MEDIA_PURPOSE_NAMES[MEDIA_VERIFICATION], "verification");
    assert_null(MEDIA_PURPOSE_NAMES[MEDIA_PURPOSE_COUNT]);
    /* only listing photos are public */
    assert_true(media_purpose_public(MEDIA_LISTING));
    assert_false(media_purpose_public(MEDIA_PET));
    assert_false(media_purpose_public(MEDIA_CARE_LOG));
    assert_false(media_purpose_public(MEDIA_VERIFICATION));
    /* pet → owner; the rest → provider; admins upload nothing */
    assert_int_equal(media_purpose_roles(MEDIA_PET), ROLE_OWNER);
    assert_int_equal(media_purpose_roles(MEDIA_LISTING), ROLE_PROVIDER);
    assert_int_equal(media_purpose_roles(MEDIA_CARE_LOG), ROLE_PROVIDER);
    assert_int_equal(media_purpose_roles(MEDIA_VERIFICATION), ROLE_PROVIDER);
    for (int p = 0; p < MEDIA_PURPOSE_COUNT; p++)
        assert_false(media_purpose_roles((enum media_purpose)p) & ROLE_ADMIN);
    /* verification documents come before approval */
    assert_true(media_purpose_needs_approval(MEDIA_LISTING));
    assert_true(media_purpose_needs_approval(MEDIA_CARE_LOG));
    assert_false(media_purpose_needs_approval(MEDIA_VERIFICATION));
    assert_false(media_purpose_needs_approval(MEDIA_PET));
}

static void content_types(void **state)
{
    (void)state;
    const char *ok[] = {"image/jpeg", "image/png", "image/webp", "application/octet-stream", "IMAGE/JPEG",
                        "image/png; charset=binary", "image/webp ;x=y", " image/jpeg", NULL};
    const char *bad[] = {"image/gif", "image/jpg", "image/jpeg2", "image/svg+xml", "text/plain", "application/json",
                         "multipart/form-data; boundary=x", "", "image", "image/", "image/pngx", NULL};
    for (int i = 0; ok[i]; i++)
        if (!media_content_type_ok(ok[i]))
            fail_msg("%s should be accepted", ok[i]);
    for (int i = 0; bad[i]; i++)
        if (media_content_type_ok(bad[i]))
            fail_msg("%s should be refused", bad[i]);
    assert_false(media_content_type_ok(NULL));
}

static void limits(void **state)
{
    (void)state;
    const struct media_limits l = MEDIA_LIMITS_DEFAULT;
    char why[128];
    assert_true(media_dims_ok(&l, 16, 16, why, sizeof why));
    assert_true(media_dims_ok(&l, 10000, 4000, why, sizeof why));      /* exactly 40 megapixels */
    assert_true(media_dims_ok(&l, 6324, 6324, why, sizeof why));       /* 39.99 megapixels */
    assert_false(media_dims_ok(&l, 15, 1000, why, sizeof why));
    assert_non_null(strstr(why, "at least 16"));
    assert_false(media_dims_ok(&l, 1000, 0, why, sizeof why));
    assert_false(media_dims_ok(&l, 10001, 16, why, sizeof why));
    assert_non_null(strstr(why, "at most 10000"));
    assert_false(media_dims_ok(&l, 16, 65535, why, sizeof why));
    assert_false(media_dims_ok(&l, 10000, 4001, why, sizeof why));
    assert_non_null(strstr(why, "megapixels"));
    assert_false(media_dims_ok(&l, 6400, 6400, why, sizeof why));
    /* no overflow with the largest values a header can hold */
    assert_false(media_dims_ok(&l, 0xFFFFFFFFu, 0xFFFFFFFFu, why, sizeof why));
}

static void names_and_urls(void **state)
{
    (void)state;
    char buf[256];
    assert_true(media_sha_ok(SHA));
    assert_false(media_sha_ok("9569CE88200be528747bfdfcf2f34e4103398bcd2f0f0594b0b44a28c9436d15"));
    assert_false(media_sha_ok("9569ce88"));
    assert_false(media_sha_ok("../../../../../../../../../../../../../../../../../etc/passwd..."));
    assert_false(media_sha_ok(NULL));

    assert_true(media_rel_path(true, SHA, 1280, buf, sizeof buf));
    assert_string_equal(buf, "public/95/9569ce88200be528747bfdfcf2f34e4103398bcd2f0f0594b0b44a28c9436d15_1280.jpg");
    assert_true(media_rel_path(false, SHA, 320, buf, sizeof buf));
    assert_string_equal(buf, "private/95/9569ce88200be528747bfdfcf2f34e4103398bcd2f0f0594b0b44a28c9436d15_320.jpg");
    assert_true(media_public_url(SHA, 320, buf, sizeof buf));
    assert_string_equal(buf, "/media/pub/95/9569ce88200be528747bfdfcf2f34e4103398bcd2f0f0594b0b44a28c9436d15_320.jpg");
    assert_true(media_accel_path(SHA, 1280, buf, sizeof buf));
    assert_string_equal(buf,
                        "/_media/private/95/9569ce88200be528747bfdfcf2f34e4103398bcd2f0f0594b0b44a28c9436d15_1280.jpg");
    /* only the two sizes, only a real hash, never a truncated name */
    assert_false(media_rel_path(true, SHA, 640, buf, sizeof buf));
    assert_false(media_public_url("not-a-hash", 1280, buf, sizeof buf));
    assert_false(media_accel_path(SHA, 1280, buf, 40));

    unsigned size = 0;
    assert_true(media_size_parse("1280", &size) && size == 1280);
    assert_true(media_size_parse("320", &size) && size == 320);
    const char *bad_sizes[] = {"640", "01280", "1280 ", "", "-320", NULL};
    for (int i = 0; bad_sizes[i]; i++)
        assert_false(media_size_parse(bad_sizes[i], &size));
    assert_false(media_size_parse(NULL, &size));

    int64_t exp = 0;
    assert_true(media_exp_parse("1796594400", &exp) && exp == 1796594400);
    assert_true(media_exp_parse("0", &exp) && exp == 0);
    const char *bad_exp[] = {"", "-1", "+1", "17965944e2", "1796594400 ", "9999999999999", NULL};
    for (int i = 0; bad_exp[i]; i++)
        assert_false(media_exp_parse(bad_exp[i], &exp));
    assert_false(media_exp_parse(NULL, &exp));
}

static void retry_after(void **state)
{
    (void)state;
    const int64_t now = 1800000000000;
    /* the oldest upload of the window leaves it MEDIA_WINDOW_MS after it was made */
    assert_int_equal(media_retry_after_s(now - MEDIA_WINDOW_MS + 60000, now), 60);
    assert_int_equal(media_retry_after_s(now - MEDIA_WINDOW_MS + 60001, now), 61);
    assert_int_equal(media_retry_after_s(now, now), 86400);
    /* never 0 or negative: a slot frees at the earliest in a second */
    assert_int_equal(media_retry_after_s(now - MEDIA_WINDOW_MS, now), 1);
    assert_int_equal(media_retry_after_s(now - MEDIA_WINDOW_MS - 5000, now), 1);
    assert_int_equal(media_retry_after_s(now - MEDIA_WINDOW_MS + 1500, now), 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sniff),  cmocka_unit_test(purposes),       cmocka_unit_test(content_types),
        cmocka_unit_test(limits), cmocka_unit_test(names_and_urls), cmocka_unit_test(retry_after),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
