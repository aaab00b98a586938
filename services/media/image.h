/* Photo processing, as the media service sees it: bytes in, two JPEGs out. The work is done
 * by pb-media-convert (services/media/convert/: libvips, the header checked before a pixel is
 * decoded, shrink-on-load, EXIF rotation, 1280 and 320 fits never enlarged, flattened onto
 * white, 8-bit sRGB, JPEG quality 82 with every metadata block stripped), one process per
 * upload, under limits on its address space, CPU time and wall-clock time and a seccomp
 * filter. pb-media itself never links libvips and never parses an image (but for the magic
 * bytes): a decoder that crashes or goes over a limit ends its own process, and the upload
 * is refused like a broken image.
 *
 * At most `workers` images are converted at once (others wait their turn, for a bounded
 * time). */
#ifndef PB_MEDIA_IMAGE_H
#define PB_MEDIA_IMAGE_H

#include "rules.h"

#include <stdbool.h>
#include <stddef.h>

struct image_opts {
    const char *converter; /* the path of pb-media-convert */
    unsigned workers;      /* images converted at once */
    unsigned long mem_mb;  /* the converter's address space limit, MB (0: none) */
    unsigned long cpu_s;   /* its CPU time limit, s (0: none) */
    long timeout_ms;       /* its wall-clock limit, ms */
};

struct image_out {
    enum media_format format;       /* what the bytes were */
    unsigned src_width, src_height; /* as the file's header says (before rotation) */
    unsigned width, height;         /* the large version (longest side <= 1280) */
    unsigned thumb_width, thumb_height;
    const unsigned char *full;      /* the large JPEG (inside mem) */
    size_t full_len;
    const unsigned char *thumb;     /* the small JPEG (inside mem) */
    size_t thumb_len;
    void *mem;                      /* owns both (malloc'd) */
};

enum image_result {
    IMAGE_OK = 0,
    IMAGE_NOT_IMAGE,   /* not JPEG, PNG or WebP (magic bytes) */
    IMAGE_BAD_SIZE,    /* the header's dimensions are outside the limits */
    IMAGE_UNDECODABLE, /* a broken, truncated or unreadable image, or one whose decoding
                        * crashed the converter or took it over a limit */
    IMAGE_BUSY,        /* no processing slot freed up in time */
    IMAGE_FAILED,      /* the converter cannot run, or a libvips failure unrelated to the input */
};

/* Check that the converter runs here (once, before threads serve requests): it converts an
 * image of its own under the limits. false (logged) when it cannot. */
bool image_init(const struct image_opts *o);
/* Release what image_init kept (at exit, after every request ended). */
void image_shutdown(void);

/* Process buf[0..len): on IMAGE_OK *out holds both JPEGs (free with image_out_free). On any
 * other result *out is untouched, and why (cap bytes) says what was wrong in words a client
 * can read. wait_ms bounds the wait for a processing slot (IMAGE_BUSY after it). */
enum image_result image_process(const void *buf, size_t len, const struct media_limits *lim, long wait_ms,
                                struct image_out *out, char *why, size_t cap);
void image_out_free(struct image_out *out);

#endif
