/* Photo processing on images made here, through pb-media-convert as the media service runs it
 * (one process per image, its reply through a pipe): fitting without enlarging, rotation by
 * EXIF orientation, metadata stripped, transparency flattened on white, limits checked on
 * the header, broken and foreign bytes refused; a converter that crashes, answers garbage or
 * overruns its time is a refused image, one that cannot start keeps the service from
 * starting. */
#include "unit.h"
#include "image.h"
#include "../fixtures/jpegmeta.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <vips/vips.h>

static const struct media_limits LIMITS = MEDIA_LIMITS_DEFAULT;

struct blob {
    void *buf;
    size_t len;
};

static void blob_free(struct blob *b)
{
    g_free(b->buf);
    b->buf = NULL;
}

/* A w × h 3-band gradient (smooth: compresses well). */
static VipsImage *gradient(int w, int h)
{
    VipsImage *x = NULL, *r = NULL, *g = NULL, *b = NULL, *out = NULL;
    VipsImage *bands[3];
    assert_int_equal(vips_xyz(&x, w, h, NULL), 0);
    VipsImage *xy[2] = {NULL, NULL};
    assert_int_equal(vips_extract_band(x, &xy[0], 0, NULL), 0);
    assert_int_equal(vips_extract_band(x, &xy[1], 1, NULL), 0);
    assert_int_equal(vips_linear1(xy[0], &r, 255.0 / w, 0, "uchar", TRUE, NULL), 0);
    assert_int_equal(vips_linear1(xy[1], &g, 255.0 / h, 0, "uchar", TRUE, NULL), 0);
    assert_int_equal(vips_linear1(xy[0], &b, -255.0 / w, 255, "uchar", TRUE, NULL), 0);
    bands[0] = r;
    bands[1] = g;
    bands[2] = b;
    assert_int_equal(vips_bandjoin(bands, &out, 3, NULL), 0);
    g_object_unref(xy[0]);
    g_object_unref(xy[1]);
    g_object_unref(x);
    g_object_unref(r);
    g_object_unref(g);
    g_object_unref(b);
    return out;
}

static struct blob save(VipsImage *im, const char *fmt)
{
    struct blob o = {0};
    int rc = strcmp(fmt, "jpeg") == 0  ? vips_jpegsave_buffer(im, &o.buf, &o.len, "Q", 90, "strip", TRUE, NULL)
             : strcmp(fmt, "png") == 0 ? vips_pngsave_buffer(im, &o.buf, &o.len, NULL)
                                       : vips_webpsave_buffer(im, &o.buf, &o.len, NULL);
    assert_int_equal(rc, 0);
    return o;
}

static struct blob make(int w, int h, const char *fmt)
{
    VipsImage *im = gradient(w, h);
    struct blob o = save(im, fmt);
    g_object_unref(im);
    return o;
}

static enum image_result run(const void *buf, size_t len, struct image_out *out, char *why)
{
    memset(out, 0, sizeof *out);
    return image_process(buf, len, &LIMITS, 1000, out, why, 256);
}

/* Decode an output JPEG (to check it is one, and its pixels). */
static VipsImage *decode(const struct image_out *o, bool thumb)
{
    VipsImage *im = NULL;
    assert_int_equal(
        vips_jpegload_buffer((void *)(thumb ? o->thumb : o->full), thumb ? o->thumb_len : o->full_len, &im, NULL), 0);
    return im;
}

/* The converter built beside this test, with the service's default limits. */
static struct image_opts opts(const char *converter, long timeout_ms)
{
    return (struct image_opts){
        .converter = converter, .workers = 2, .mem_mb = 1024, .cpu_s = 20, .timeout_ms = timeout_ms};
}

static int setup(void **state)
{
    (void)state;
    if (VIPS_INIT("test_media_image"))
        return -1;
    struct image_opts o = opts(PB_MEDIA_CONVERT, 30000);
    return image_init(&o) ? 0 : -1;
}

/* Run the tests that follow with another converter (the real one again at the end). */
static bool use_converter(const char *path, long timeout_ms)
{
    image_shutdown();
    struct image_opts o = opts(path, timeout_ms);
    return image_init(&o);
}

static int teardown(void **state)
{
    (void)state;
    image_shutdown();
    vips_shutdown();
    return 0;
}

static void fits_large_jpeg(void **state)
{
    (void)state;
    struct blob in = make(3000, 2000, "jpeg");
    struct image_out o;
    char why[256];
    assert_int_equal(run(in.buf, in.len, &o, why), IMAGE_OK);
    assert_int_equal(o.format, MEDIA_FORMAT_JPEG);
    assert_int_equal(o.src_width, 3000);
    assert_int_equal(o.src_height, 2000);
    assert_int_equal(o.width, 1280);
    assert_int_equal(o.height, 853);
    assert_int_equal(o.thumb_width, 320);
    assert_int_equal(o.thumb_height, 213);
    VipsImage *a = decode(&o, false), *b = decode(&o, true);
    assert_int_equal(vips_image_get_width(a), 1280);
    assert_int_equal(vips_image_get_bands(a), 3);
    assert_int_equal(vips_image_get_width(b), 320);
    g_object_unref(a);
    g_object_unref(b);
    image_out_free(&o);
    blob_free(&in);

    /* portrait: the long side is the height */
    in = make(1000, 4000, "png");
    assert_int_equal(run(in.buf, in.len, &o, why), IMAGE_OK);
    assert_int_equal(o.width, 320);
    assert_int_equal(o.height, 1280);
    assert_int_equal(o.thumb_width, 80);
    assert_int_equal(o.thumb_height, 320);
    image_out_free(&o);
    blob_free(&in);
}

static void never_upscales(void **state)
{
    (void)state;
    struct blob in = make(200, 100, "png");
    struct image_out o;
    char why[256];
    assert_int_equal(run(in.buf, in.len, &o, why), IMAGE_OK);
    assert_int_equal(o.format, MEDIA_FORMAT_PNG);
    assert_int_equal(o.width, 200);
    assert_int_equal(o.height, 100);
    assert_int_equal(o.thumb_width, 200);
    assert_int_equal(o.thumb_height, 100);
    image_out_free(&o);
    blob_free(&in);

    in = make(500, 400, "webp");
    assert_int_equal(run(in.buf, in.len, &o, why), IMAGE_OK);
    assert_int_equal(o.format, MEDIA_FORMAT_WEBP);
    assert_int_equal(o.width, 500);
    assert_int_equal(o.thumb_width, 320);
    assert_int_equal(o.thumb_height, 256);
    image_out_free(&o);
    blob_free(&in);
}

/* Orientation 6 (rotate 90° clockwise to view) turns 300×200 into 200×300; the Exif block
 * with its GPS position, and a comment, are gone from both outputs. */
static void rotates_and_strips(void **state)
{
    (void)state;
    struct blob base = make(300, 200, "jpeg");
    unsigned char exif[JM_EXIF_LEN], com[64];
    size_t n1, n2;
    jm_exif_app1(6, exif);
    unsigned char *with_exif = jm_insert(base.buf, base.len, exif, sizeof exif, &n1);
    size_t clen = jm_comment("taken at home, 12 Example Road", com, sizeof com);
    unsigned char *in = jm_insert(with_exif, n1, com, clen, &n2);

    /* the input really carries them */
    VipsImage *src = NULL;
    assert_int_equal(vips_jpegload_buffer(in, n2, &src, NULL), 0);
    assert_int_not_equal(vips_image_get_typeof(src, "exif-ifd3-GPSLatitude"), 0);
    assert_int_equal(vips_image_get_orientation(src), 6);
    g_object_unref(src);
    struct jm_markers m;
    assert_true(jm_scan(in, n2, &m));
    assert_int_equal(m.app1, 1);
    assert_int_equal(m.com, 1);

    struct image_out o;
    char why[256];
    assert_int_equal(run(in, n2, &o, why), IMAGE_OK);
    assert_int_equal(o.src_width, 300);
    assert_int_equal(o.width, 200);
    assert_int_equal(o.height, 300);
    for (int k = 0; k < 2; k++) {
        const unsigned char *b = k ? o.thumb : o.full;
        size_t len = k ? o.thumb_len : o.full_len;
        assert_true(jm_scan(b, len, &m));
        assert_int_equal(m.app1 + m.app2 + m.app13 + m.other_app + m.com, 0);
        assert_false(jm_contains(b, len, "Exif"));
        assert_false(jm_contains(b, len, "Example Road"));
        VipsImage *d = decode(&o, k);
        assert_int_equal(vips_image_get_typeof(d, "exif-data"), 0);
        assert_int_equal(vips_image_get_typeof(d, "exif-ifd3-GPSLatitude"), 0);
        assert_int_equal(vips_image_get_typeof(d, VIPS_META_ICC_NAME), 0);
        assert_int_equal(vips_image_get_typeof(d, VIPS_META_XMP_NAME), 0);
        g_object_unref(d);
    }
    image_out_free(&o);
    free(in);
    free(with_exif);
    blob_free(&base);
}

/* A transparent PNG comes out white, a grey 16-bit one as 8-bit RGB. */
static void flattens_on_white(void **state)
{
    (void)state;
    VipsImage *rgb = gradient(64, 64), *alpha = NULL, *rgba = NULL;
    assert_int_equal(vips_black(&alpha, 64, 64, NULL), 0);
    VipsImage *a8 = NULL;
    assert_int_equal(vips_cast_uchar(alpha, &a8, NULL), 0);
    assert_int_equal(vips_bandjoin2(rgb, a8, &rgba, NULL), 0);
    struct blob in = save(rgba, "png");
    struct image_out o;
    char why[256];
    assert_int_equal(run(in.buf, in.len, &o, why), IMAGE_OK);
    VipsImage *d = decode(&o, false);
    double mn = 0;
    assert_int_equal(vips_min(d, &mn, NULL), 0);
    assert_true(mn >= 250); /* every pixel white, give or take JPEG */
    assert_int_equal(vips_image_get_bands(d), 3);
    g_object_unref(d);
    image_out_free(&o);
    blob_free(&in);
    g_object_unref(a8);
    g_object_unref(alpha);
    g_object_unref(rgba);
    g_object_unref(rgb);

    VipsImage *g = NULL, *g16 = NULL;
    assert_int_equal(vips_black(&g, 40, 30, NULL), 0);
    assert_int_equal(vips_cast_ushort(g, &g16, NULL), 0);
    VipsImage *g16i = NULL;
    assert_int_equal(vips_copy(g16, &g16i, "interpretation", VIPS_INTERPRETATION_GREY16, NULL), 0);
    in = save(g16i, "png");
    assert_int_equal(run(in.buf, in.len, &o, why), IMAGE_OK);
    d = decode(&o, false);
    assert_int_equal(vips_image_get_bands(d), 3);
    assert_int_equal(o.width, 40);
    g_object_unref(d);
    image_out_free(&o);
    blob_free(&in);
    g_object_unref(g16i);
    g_object_unref(g16);
    g_object_unref(g);
}

/* A CMYK JPEG with its ICC profile comes out as 3-band sRGB with no profile attached. */
static void cmyk_to_srgb(void **state)
{
    (void)state;
    VipsImage *rgb = gradient(120, 80), *cmyk = NULL;
    assert_int_equal(vips_icc_export(rgb, &cmyk, "output_profile", "cmyk", NULL), 0);
    struct blob in = {0};
    assert_int_equal(vips_jpegsave_buffer(cmyk, &in.buf, &in.len, "Q", 90, NULL), 0);
    VipsImage *src = NULL;
    assert_int_equal(vips_jpegload_buffer(in.buf, in.len, &src, NULL), 0);
    assert_int_equal(vips_image_get_bands(src), 4);
    assert_int_not_equal(vips_image_get_typeof(src, VIPS_META_ICC_NAME), 0);
    g_object_unref(src);
    struct image_out o;
    char why[256];
    assert_int_equal(run(in.buf, in.len, &o, why), IMAGE_OK);
    VipsImage *d = decode(&o, false);
    assert_int_equal(vips_image_get_bands(d), 3);
    assert_int_equal(vips_image_get_typeof(d, VIPS_META_ICC_NAME), 0);
    /* the gradient's first column is dark red-free blue: still blue after the round trip */
    double px[3] = {0};
    double *v = NULL;
    int nv = 0;
    assert_int_equal(vips_getpoint(d, &v, &nv, 2, 40, NULL), 0);
    assert_int_equal(nv, 3);
    memcpy(px, v, sizeof px);
    g_free(v);
    assert_true(px[2] > 150 && px[0] < 100);
    g_object_unref(d);
    image_out_free(&o);
    blob_free(&in);
    g_object_unref(cmyk);
    g_object_unref(rgb);
}

/* Limits are checked on the header: a 41-megapixel PNG of a few hundred kB is refused
 * without being decoded. */
static void limits_from_header(void **state)
{
    (void)state;
    struct image_out o;
    char why[256];
    struct blob in = make(15, 200, "png");
    assert_int_equal(run(in.buf, in.len, &o, why), IMAGE_BAD_SIZE);
    assert_non_null(strstr(why, "at least 16"));
    blob_free(&in);
    in = make(16, 16, "png");
    assert_int_equal(run(in.buf, in.len, &o, why), IMAGE_OK);
    image_out_free(&o);
    blob_free(&in);
    in = make(10001, 16, "png");
    assert_int_equal(run(in.buf, in.len, &o, why), IMAGE_BAD_SIZE);
    assert_non_null(strstr(why, "at most 10000"));
    blob_free(&in);

    VipsImage *big = NULL;
    assert_int_equal(vips_black(&big, 6400, 6400, NULL), 0); /* 40.96 megapixels */
    in = save(big, "png");
    g_object_unref(big);
    assert_true(in.len < 1024 * 1024);
    assert_int_equal(run(in.buf, in.len, &o, why), IMAGE_BAD_SIZE);
    assert_non_null(strstr(why, "megapixels"));
    blob_free(&in);
}

static void refuses_broken_and_foreign(void **state)
{
    (void)state;
    struct image_out o;
    char why[256];
    static const char script[] = "#!/bin/sh\nrm -rf /\n";
    assert_int_equal(run(script, sizeof script - 1, &o, why), IMAGE_NOT_IMAGE);
    assert_int_equal(run("", 0, &o, why), IMAGE_NOT_IMAGE);
    static const char gif[] = "GIF89a\x01\x00\x01\x00\x00\x00\x00;";
    assert_int_equal(run(gif, sizeof gif - 1, &o, why), IMAGE_NOT_IMAGE);

    /* a PNG signature followed by garbage */
    unsigned char junk[4096];
    memcpy(junk, "\x89PNG\r\n\x1a\n", 8);
    for (size_t i = 8; i < sizeof junk; i++)
        junk[i] = (unsigned char)(i * 131 + 7);
    assert_int_equal(run(junk, sizeof junk, &o, why), IMAGE_UNDECODABLE);
    /* the same for JPEG and WebP magic */
    memcpy(junk, "\xFF\xD8\xFF\xE0", 4);
    assert_int_equal(run(junk, sizeof junk, &o, why), IMAGE_UNDECODABLE);
    memcpy(junk, "RIFF\x00\x10\x00\x00WEBPVP8 ", 16);
    assert_int_equal(run(junk, sizeof junk, &o, why), IMAGE_UNDECODABLE);

    /* truncated images: the header is fine, the pixels are not all there */
    struct blob in = make(800, 600, "jpeg");
    assert_int_equal(run(in.buf, in.len / 2, &o, why), IMAGE_UNDECODABLE);
    blob_free(&in);
    in = make(800, 600, "png");
    assert_int_equal(run(in.buf, in.len / 2, &o, why), IMAGE_UNDECODABLE);
    blob_free(&in);
    in = make(800, 600, "webp");
    assert_int_equal(run(in.buf, in.len / 2, &o, why), IMAGE_UNDECODABLE);
    blob_free(&in);
}

static long elapsed_ms(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long)((t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000);
}

/* A converter that dies of a signal, or answers bytes that are not a reply, refuses the
 * image like a broken one (422 for the client), and the next image is converted again. */
static void a_crash_or_garbage_is_a_refused_image(void **state)
{
    (void)state;
    struct image_out o;
    char why[256];
    struct blob in = make(640, 480, "jpeg");
    const char *fakes[] = {PB_REPO_DIR "/tests/fixtures/convert-crash.sh",
                           PB_REPO_DIR "/tests/fixtures/convert-garbage.sh"};
    for (int i = 0; i < 2; i++) {
        assert_true(use_converter(fakes[i], 30000));
        assert_int_equal(run(in.buf, in.len, &o, why), IMAGE_UNDECODABLE);
        assert_null(o.mem);
        assert_non_null(strstr(why, "the jpeg image cannot be decoded"));
    }
    assert_true(use_converter(PB_MEDIA_CONVERT, 30000));
    assert_int_equal(run(in.buf, in.len, &o, why), IMAGE_OK);
    image_out_free(&o);
    blob_free(&in);
}

/* A converter still working at its deadline is killed there: the image is refused at once
 * (a 40-megapixel 16-bit PNG with transparency takes seconds; the deadline is 200 ms). */
static void a_converter_over_its_time_is_stopped(void **state)
{
    (void)state;
    VipsImage *g = gradient(8000, 5000), *a = NULL, *im = NULL;
    assert_int_equal(vips_bandjoin_const1(g, &a, 255, NULL), 0);
    assert_int_equal(vips_cast_ushort(a, &im, NULL), 0);
    struct blob in = save(im, "png");
    g_object_unref(im);
    g_object_unref(a);
    g_object_unref(g);
    struct image_out o;
    char why[256];
    assert_true(use_converter(PB_MEDIA_CONVERT, 200));
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_int_equal(run(in.buf, in.len, &o, why), IMAGE_UNDECODABLE);
    long ms = elapsed_ms(&t0);
    if (ms > 2000)
        fail_msg("the converter was stopped after %ld ms, not near its 200 ms", ms);
    assert_non_null(strstr(why, "went over its memory or time limit"));
    assert_true(use_converter(PB_MEDIA_CONVERT, 30000));
    blob_free(&in);
}

/* A converter that is missing, or cannot start, fails the start-up check. */
static void a_converter_that_cannot_run_fails_the_start(void **state)
{
    (void)state;
    assert_false(use_converter(PB_REPO_DIR "/tests/fixtures/no-such-converter", 30000));
    assert_false(use_converter("/bin/false", 30000));
    assert_true(use_converter(PB_MEDIA_CONVERT, 30000));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fits_large_jpeg),
        cmocka_unit_test(never_upscales),
        cmocka_unit_test(rotates_and_strips),
        cmocka_unit_test(flattens_on_white),
        cmocka_unit_test(cmyk_to_srgb),
        cmocka_unit_test(limits_from_header),
        cmocka_unit_test(refuses_broken_and_foreign),
        cmocka_unit_test(a_crash_or_garbage_is_a_refused_image),
        cmocka_unit_test(a_converter_over_its_time_is_stopped),
        cmocka_unit_test(a_converter_that_cannot_run_fails_the_start),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
