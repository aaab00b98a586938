/* What pb-media and its image converter, pb-media-convert, say to each other. pb-media
 * starts one converter per upload with the limits as arguments:
 *
 *   pb-media-convert --min-side N --max-side N --max-pixels N --mem-mb N --cpu-s N
 *
 * writes the upload's bytes to its stdin and closes it, and reads from its stdout one
 * struct convert_reply followed by full_len bytes (the large JPEG) and thumb_len bytes (the
 * small one). The converter exits 0 whenever it wrote a reply, whatever its result, and
 * CONVERT_EXIT_CANNOT_START when it could not get ready (bad arguments, libvips missing or
 * failing to start, the limits or the sandbox refused). `--check` instead of reading stdin
 * tries what the sandbox must refuse, converts an image it makes itself under the same limits,
 * and writes one line of text ("ok ...").
 *
 * Both ends are built from this tree for the same machine: the header is raw, native-endian. */
#ifndef PB_MEDIA_CONVERT_WIRE_H
#define PB_MEDIA_CONVERT_WIRE_H

#include <stdint.h>

#define CONVERT_MAGIC 0x31636d70u /* "pmc1" */
#define CONVERT_EXIT_CANNOT_START 3
#define CONVERT_WHY_LEN 256           /* the client's words (fields.file), NUL-terminated */
#define CONVERT_DETAIL_LEN 512        /* libvips's words, for pb-media's log, NUL-terminated */
#define CONVERT_MAX_JPEG (16u << 20)  /* each JPEG at most (a 1280 one of pure noise is ~1.5 MB) */
#define CONVERT_MAX_INPUT (64u << 20) /* the converter reads at most this much (uploads: 8 MiB) */

enum convert_result {
    CONVERT_OK = 0,
    CONVERT_BAD_SIZE,    /* the header's dimensions are outside the limits */
    CONVERT_UNDECODABLE, /* broken, truncated or unreadable */
    CONVERT_FAILED,      /* a libvips failure unrelated to the input */
    CONVERT_RESULT_COUNT
};

struct convert_reply {
    uint32_t magic;
    uint32_t result;                /* enum convert_result */
    uint32_t src_width, src_height; /* as the file's header says (before rotation) */
    uint32_t width, height;         /* the large version */
    uint32_t thumb_width, thumb_height;
    uint64_t full_len, thumb_len;
    char why[CONVERT_WHY_LEN];
    char detail[CONVERT_DETAIL_LEN];
};

#endif
