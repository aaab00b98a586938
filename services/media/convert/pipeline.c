/* The photo pipeline of pb-media-convert: header check, thumbnailing, flattening, JPEG encoding. */
#include "pipeline.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <vips/vips.h>

#define FULL_SIDE 1280
#define THUMB_SIDE 320
#define JPEG_QUALITY 82

/* libvips reports what it tolerates (and every failed tile of a broken upload, hundreds of
 * lines) as GLib warnings: the error buffer below says what matters, so they are dropped. */
static void drop_vips_warning(const gchar *domain, GLogLevelFlags level, const gchar *msg, gpointer data)
{
    (void)domain;
    (void)level;
    (void)msg;
    (void)data;
}

/* libvips' error text into detail (dcap bytes), without its trailing newlines, then cleared. */
static void take_vips_error(char *detail, size_t dcap)
{
    const char *msg = vips_error_buffer();
    size_t n = strlen(msg);
    while (n && msg[n - 1] == '\n')
        n--;
    snprintf(detail, dcap, "%.*s", (int)n, n ? msg : "(no detail)");
    vips_error_clear();
}

bool pipeline_init(const char *argv0, char *detail, size_t dcap)
{
    /* libvips loads its modules (ImageMagick, Poppler, HEIF, JPEG XL, OpenSlide: dozens of
     * libraries) from under its prefix, which VIPSHOME overrides: a prefix that does not
     * exist loads none of them. Nothing else is read from it (the sRGB and CMYK profiles
     * are built in). liborc, which generates the SIMD code of the resize at run time, first
     * tries temporary files the sandbox does not let it create, then maps anonymous memory. */
    if (setenv("VIPSHOME", "/nonexistent", 1) != 0 || VIPS_INIT(argv0 ? argv0 : "pb-media-convert")) {
        take_vips_error(detail, dcap);
        return false;
    }
    /* one worker thread and no operation cache: one image per process, nothing kept */
    g_log_set_handler("VIPS", G_LOG_LEVEL_WARNING | G_LOG_LEVEL_MESSAGE | G_LOG_LEVEL_INFO, drop_vips_warning, NULL);
    vips_concurrency_set(1);
    vips_cache_set_max(0);
    vips_cache_set_max_mem(0);
    vips_cache_set_max_files(0);
    /* only the three formats we accept can ever be parsed, whatever the bytes claim */
    vips_block_untrusted_set(TRUE);
    vips_operation_block_set("VipsForeignLoad", TRUE);
    vips_operation_block_set("VipsForeignLoadJpeg", FALSE);
    vips_operation_block_set("VipsForeignLoadPng", FALSE);
    vips_operation_block_set("VipsForeignLoadWebp", FALSE);
    return true;
}

void pipeline_shutdown(void) { vips_shutdown(); }

/* Only the header: libvips loaders are lazy, so no pixel is decoded here. */
static int load_header(enum media_format f, const void *buf, size_t len, VipsImage **out)
{
    void *b = (void *)buf; /* libvips takes a non-const pointer and only reads it */
    switch (f) {
    case MEDIA_FORMAT_JPEG:
        return vips_jpegload_buffer(b, len, out, "access", VIPS_ACCESS_SEQUENTIAL, NULL);
    case MEDIA_FORMAT_PNG:
        return vips_pngload_buffer(b, len, out, "access", VIPS_ACCESS_SEQUENTIAL, NULL);
    case MEDIA_FORMAT_WEBP:
        return vips_webpload_buffer(b, len, out, "access", VIPS_ACCESS_SEQUENTIAL, NULL);
    case MEDIA_FORMAT_NONE:
        break;
    }
    return -1;
}

/* The fitted image: shrink-on-load, upright, never enlarged, converted to sRGB from an
 * embedded profile when there is one, then flattened on white and made 8-bit RGB. The
 * result is still lazy: its pixels are decoded when it is copied to memory. */
static int fit(const void *buf, size_t len, bool has_icc, VipsImage **out)
{
    VipsImage *t = NULL, *c = NULL, *f = NULL;
    VipsArrayDouble *white = NULL;
    void *b = (void *)buf;
    /* fail_on goes to the loader in its option string: libvips 8.14's thumbnail_buffer does
     * not pass its own fail_on on, and without it a truncated image is padded with grey */
    int rc = has_icc ? vips_thumbnail_buffer(b, len, &t, FULL_SIDE, "height", FULL_SIDE, "size", VIPS_SIZE_DOWN,
                                             "option_string", "fail_on=error", "export_profile", "srgb", NULL)
                     : vips_thumbnail_buffer(b, len, &t, FULL_SIDE, "height", FULL_SIDE, "size", VIPS_SIZE_DOWN,
                                             "option_string", "fail_on=error", NULL);
    if (rc)
        goto fail;
    /* grey, 16-bit, CMYK ...: 8-bit sRGB (an alpha band is kept for the flatten below) */
    if (vips_image_get_interpretation(t) != VIPS_INTERPRETATION_sRGB || vips_image_get_format(t) != VIPS_FORMAT_UCHAR) {
        if ((rc = vips_colourspace(t, &c, VIPS_INTERPRETATION_sRGB, NULL)))
            goto fail;
    } else {
        c = t;
        g_object_ref(c);
    }
    if (vips_image_hasalpha(c)) {
        white = vips_array_double_newv(3, 255.0, 255.0, 255.0);
        if ((rc = vips_flatten(c, &f, "background", white, NULL)))
            goto fail;
    } else {
        f = c;
        g_object_ref(f);
    }
    if (vips_image_get_bands(f) != 3) {
        rc = -1;
        vips_error("media", "%d bands after conversion to sRGB", vips_image_get_bands(f));
        goto fail;
    }
    rc = vips_image_get_format(f) == VIPS_FORMAT_UCHAR ? vips_copy(f, out, NULL) : vips_cast_uchar(f, out, NULL);
fail:
    if (white)
        vips_area_unref(VIPS_AREA(white));
    if (f)
        g_object_unref(f);
    if (c)
        g_object_unref(c);
    if (t)
        g_object_unref(t);
    return rc;
}

/* Encode as JPEG with every metadata block stripped. */
static int encode(VipsImage *in, void **buf, size_t *len)
{
    return vips_jpegsave_buffer(in, buf, len, "Q", JPEG_QUALITY, "strip", TRUE, "optimize_coding", TRUE, NULL);
}

enum convert_result pipeline_process(enum media_format fmt, const void *buf, size_t len, const struct media_limits *lim,
                                     struct pipeline_out *out, char *why, size_t cap, char *detail, size_t dcap)
{
    VipsImage *hdr = NULL, *fitted = NULL, *small = NULL;
    void *full = NULL, *thumb = NULL;
    size_t full_len = 0, thumb_len = 0;
    enum convert_result res = CONVERT_UNDECODABLE;
    if (load_header(fmt, buf, len, &hdr)) {
        take_vips_error(detail, dcap);
        snprintf(why, cap, "the %s image's header cannot be read", media_format_name(fmt));
        goto fail;
    }
    unsigned w = (unsigned)vips_image_get_width(hdr), h = (unsigned)vips_image_get_height(hdr);
    if (!media_dims_ok(lim, w, h, why, cap)) {
        res = CONVERT_BAD_SIZE;
        goto fail;
    }
    bool has_icc = vips_image_get_typeof(hdr, VIPS_META_ICC_NAME) != 0;
    /* The pipeline runs while the JPEG is written: that is where a truncated or corrupt body
     * fails (the loaders' fail_on reports to the sink; a copy to memory would not fail). */
    if (fit(buf, len, has_icc, &fitted) || encode(fitted, &full, &full_len)) {
        take_vips_error(detail, dcap);
        snprintf(why, cap, "the %s image cannot be decoded (broken or truncated)", media_format_name(fmt));
        goto fail;
    }
    /* the small one from the large JPEG: shrink-on-load makes that cheaper than decoding the
     * upload again */
    res = CONVERT_FAILED;
    if (vips_thumbnail_buffer(full, full_len, &small, THUMB_SIDE, "height", THUMB_SIDE, "size", VIPS_SIZE_DOWN,
                              "no_rotate", TRUE, NULL) ||
        encode(small, &thumb, &thumb_len)) {
        take_vips_error(detail, dcap);
        snprintf(why, cap, "the image could not be processed");
        goto fail;
    }
    *out = (struct pipeline_out){
        .src_width = w,
        .src_height = h,
        .width = (unsigned)vips_image_get_width(fitted),
        .height = (unsigned)vips_image_get_height(fitted),
        .thumb_width = (unsigned)vips_image_get_width(small),
        .thumb_height = (unsigned)vips_image_get_height(small),
        .full = full,
        .full_len = full_len,
        .thumb = thumb,
        .thumb_len = thumb_len,
    };
    full = thumb = NULL;
    res = CONVERT_OK;
fail:
    g_free(thumb);
    g_free(full);
    if (small)
        g_object_unref(small);
    if (fitted)
        g_object_unref(fitted);
    if (hdr)
        g_object_unref(hdr);
    return res;
}

void pipeline_out_free(struct pipeline_out *out)
{
    if (!out)
        return;
    g_free(out->full);
    g_free(out->thumb);
    out->full = out->thumb = NULL;
}
