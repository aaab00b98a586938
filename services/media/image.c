/* Photo processing with libvips: header check, thumbnailing, flattening, JPEG encoding. */
#include "image.h"
#include "log.h"

#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <vips/vips.h>

#define FULL_SIDE 1280
#define THUMB_SIDE 320
#define JPEG_QUALITY 82

/* processing slots: at most `workers` images in libvips at once */
static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_cv;
static unsigned g_free_slots;
static bool g_started;

/* libvips reports what it tolerates (and every failed tile of a broken upload, hundreds of
 * lines) as GLib warnings on stderr: keep them out of the log unless debugging. */
static void on_vips_warning(const gchar *domain, GLogLevelFlags level, const gchar *msg, gpointer data)
{
    (void)domain;
    (void)level;
    (void)data;
    LOG_D("media: libvips: %s", msg);
}

bool image_init(const char *argv0, unsigned workers)
{
    if (VIPS_INIT(argv0 ? argv0 : "pb-media")) {
        LOG_E("media: libvips cannot start: %s", vips_error_buffer());
        vips_error_clear();
        return false;
    }
    /* one worker thread per pipeline and no operation cache: requests run side by side
     * (bounded by the slots below) and nothing decoded outlives its request */
    g_log_set_handler("VIPS", G_LOG_LEVEL_WARNING | G_LOG_LEVEL_MESSAGE | G_LOG_LEVEL_INFO, on_vips_warning, NULL);
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

    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&g_cv, &ca);
    pthread_condattr_destroy(&ca);
    g_free_slots = workers ? workers : 1;
    g_started = true;
    return true;
}

void image_shutdown(void)
{
    if (!g_started)
        return;
    g_started = false;
    pthread_cond_destroy(&g_cv);
    vips_shutdown();
}

/* Wait up to wait_ms for a processing slot. */
static bool slot_acquire(long wait_ms)
{
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_sec += wait_ms / 1000;
    until.tv_nsec += (wait_ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&g_mu);
    int rc = 0;
    while (g_free_slots == 0 && rc != ETIMEDOUT)
        rc = pthread_cond_timedwait(&g_cv, &g_mu, &until);
    bool got = g_free_slots > 0;
    if (got)
        g_free_slots--;
    pthread_mutex_unlock(&g_mu);
    return got;
}

static void slot_release(void)
{
    pthread_mutex_lock(&g_mu);
    g_free_slots++;
    pthread_cond_signal(&g_cv);
    pthread_mutex_unlock(&g_mu);
}

/* libvips' error text, logged once and cleared (it is a process-wide buffer). */
static void log_vips_error(const char *what)
{
    char *msg = vips_error_buffer_copy();
    size_t n = msg ? strlen(msg) : 0;
    while (n && msg[n - 1] == '\n')
        msg[--n] = 0;
    LOG_W("media: %s: %s", what, n ? msg : "(no detail)");
    g_free(msg);
}

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

static enum image_result process(enum media_format fmt, const void *buf, size_t len, const struct media_limits *lim,
                                 struct image_out *out, char *why, size_t cap)
{
    VipsImage *hdr = NULL, *fitted = NULL, *small = NULL;
    void *full = NULL, *thumb = NULL;
    size_t full_len = 0, thumb_len = 0;
    enum image_result res = IMAGE_UNDECODABLE;
    if (load_header(fmt, buf, len, &hdr)) {
        log_vips_error("unreadable image header");
        snprintf(why, cap, "the %s image's header cannot be read", media_format_name(fmt));
        goto fail;
    }
    unsigned w = (unsigned)vips_image_get_width(hdr), h = (unsigned)vips_image_get_height(hdr);
    if (!media_dims_ok(lim, w, h, why, cap)) {
        res = IMAGE_BAD_SIZE;
        goto fail;
    }
    bool has_icc = vips_image_get_typeof(hdr, VIPS_META_ICC_NAME) != 0;
    /* The pipeline runs while the JPEG is written: that is where a truncated or corrupt body
     * fails (the loaders' fail_on reports to the sink; a copy to memory would not fail). */
    if (fit(buf, len, has_icc, &fitted) || encode(fitted, &full, &full_len)) {
        log_vips_error("image cannot be decoded");
        snprintf(why, cap, "the %s image cannot be decoded (broken or truncated)", media_format_name(fmt));
        goto fail;
    }
    /* the small one from the large JPEG: shrink-on-load makes that cheaper than decoding the
     * upload again, and nothing of the upload is kept in memory meanwhile */
    res = IMAGE_FAILED;
    if (vips_thumbnail_buffer(full, full_len, &small, THUMB_SIDE, "height", THUMB_SIDE, "size", VIPS_SIZE_DOWN,
                              "no_rotate", TRUE, NULL) ||
        encode(small, &thumb, &thumb_len)) {
        log_vips_error("cannot make the small version");
        snprintf(why, cap, "the image could not be processed");
        goto fail;
    }
    *out = (struct image_out){
        .format = fmt,
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
    res = IMAGE_OK;
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

enum image_result image_process(const void *buf, size_t len, const struct media_limits *lim, long wait_ms,
                                struct image_out *out, char *why, size_t cap)
{
    enum media_format fmt = media_sniff(buf, len);
    if (fmt == MEDIA_FORMAT_NONE) {
        snprintf(why, cap, "the content is not a JPEG, PNG or WebP image");
        return IMAGE_NOT_IMAGE;
    }
    if (!slot_acquire(wait_ms)) {
        snprintf(why, cap, "every image processing slot is busy, retry later");
        return IMAGE_BUSY;
    }
    enum image_result res = process(fmt, buf, len, lim, out, why, cap);
    slot_release();
    /* decoding leaves tens of MB free in glibc's per-thread arenas: give them back, so the
     * resident size after a burst of uploads returns near its idle level */
    malloc_trim(0);
    return res;
}

void image_out_free(struct image_out *out)
{
    if (!out)
        return;
    g_free(out->full);
    g_free(out->thumb);
    out->full = out->thumb = NULL;
}
