/* The photo pipeline of pb-media-convert, with libvips: bytes in, two JPEGs out. The header is
 * read and its dimensions checked before a single pixel is decoded (a small file can announce
 * gigapixels); decoding shrinks on load where the format allows (JPEG, WebP), rotates upright
 * by the EXIF orientation, fits the image in 1280×1280 and 320×320 without ever enlarging it,
 * flattens transparency onto white, converts to 8-bit sRGB, and encodes JPEG quality 82 with
 * every metadata block stripped (EXIF with GPS, XMP, IPTC, ICC, comments).
 *
 * libvips is set up for a small footprint: no operation cache, one worker thread, no modules
 * (ImageMagick, Poppler, HEIF, JPEG XL, OpenSlide are never loaded), and only the JPEG, PNG
 * and WebP loaders enabled. */
#ifndef PB_MEDIA_PIPELINE_H
#define PB_MEDIA_PIPELINE_H

#include "rules.h"
#include "wire.h"

#include <stdbool.h>
#include <stddef.h>

struct pipeline_out {
    unsigned src_width, src_height; /* as the file's header says (before rotation) */
    unsigned width, height;         /* the large version (longest side <= 1280) */
    unsigned thumb_width, thumb_height;
    void *full; /* the large JPEG (g_malloc'd) */
    size_t full_len;
    void *thumb; /* the small JPEG (g_malloc'd) */
    size_t thumb_len;
};

/* Start libvips (once, before anything else): argv0 for its messages. false when it cannot
 * start (its words in detail, dcap bytes). */
bool pipeline_init(const char *argv0, char *detail, size_t dcap);
/* Release libvips' global state (at exit). */
void pipeline_shutdown(void);

/* Process buf[0..len), whose magic bytes say fmt: on CONVERT_OK *out holds both JPEGs (free
 * with pipeline_out_free). On any other result *out is untouched, why (cap bytes) says what
 * was wrong in words a client can read and detail (dcap bytes) what libvips said. */
enum convert_result pipeline_process(enum media_format fmt, const void *buf, size_t len, const struct media_limits *lim,
                                     struct pipeline_out *out, char *why, size_t cap, char *detail, size_t dcap);
void pipeline_out_free(struct pipeline_out *out);

#endif
