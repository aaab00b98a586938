/* Photo processing with libvips behind a small API: bytes in, two JPEGs out. The header is
 * read and its dimensions checked before a single pixel is decoded (a small file can announce
 * gigapixels); decoding shrinks on load where the format allows (JPEG, WebP), rotates upright
 * by the EXIF orientation, fits the image in 1280×1280 and 320×320 without ever enlarging it,
 * flattens transparency onto white, converts to 8-bit sRGB, and encodes JPEG quality 82 with
 * every metadata block stripped (EXIF with GPS, XMP, IPTC, ICC, comments).
 *
 * libvips is set up for a small, steady footprint: its operation cache is off, each pipeline
 * uses one worker thread, and at most `workers` images are processed at once (others wait
 * their turn, for a bounded time). Only the JPEG, PNG and WebP loaders are enabled. */
#ifndef PB_MEDIA_IMAGE_H
#define PB_MEDIA_IMAGE_H

#include "rules.h"

#include <stdbool.h>
#include <stddef.h>

struct image_out {
    enum media_format format;      /* what the bytes were */
    unsigned src_width, src_height; /* as the file's header says (before rotation) */
    unsigned width, height;         /* the large version (longest side <= 1280) */
    unsigned thumb_width, thumb_height;
    unsigned char *full;            /* the large JPEG (malloc'd) */
    size_t full_len;
    unsigned char *thumb;           /* the small JPEG (malloc'd) */
    size_t thumb_len;
};

enum image_result {
    IMAGE_OK = 0,
    IMAGE_NOT_IMAGE,   /* not JPEG, PNG or WebP (magic bytes) */
    IMAGE_BAD_SIZE,    /* the header's dimensions are outside the limits */
    IMAGE_UNDECODABLE, /* a broken, truncated or unreadable image */
    IMAGE_BUSY,        /* no processing slot freed up in time */
    IMAGE_FAILED,      /* out of memory or a libvips failure unrelated to the input */
};

/* Start libvips (once per process, before threads serve requests): argv0 for its messages,
 * workers = how many images may be processed at once. false (logged) when it cannot start. */
bool image_init(const char *argv0, unsigned workers);
/* Release libvips' global state (at exit, after every request ended). */
void image_shutdown(void);

/* Process buf[0..len): on IMAGE_OK *out holds both JPEGs (free with image_out_free). On any
 * other result *out is untouched, and why (cap bytes) says what was wrong in words a client
 * can read. wait_ms bounds the wait for a processing slot (IMAGE_BUSY after it). */
enum image_result image_process(const void *buf, size_t len, const struct media_limits *lim, long wait_ms,
                                struct image_out *out, char *why, size_t cap);
void image_out_free(struct image_out *out);

#endif
