/* The media service's pure rules: what a body is (magic bytes), which purposes exist and who
 * may upload for each, the accepted Content-Types, the pixel limits, and the names of stored
 * files and their URLs. No I/O: unit-tested in tests/unit/test_media_rules.c. */
#ifndef PB_MEDIA_RULES_H
#define PB_MEDIA_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum media_format { MEDIA_FORMAT_NONE = 0, MEDIA_FORMAT_JPEG, MEDIA_FORMAT_PNG, MEDIA_FORMAT_WEBP };

/* The format the first bytes announce (JPEG FF D8 FF; PNG's 8-byte signature; WebP's RIFF
 * container with the WEBP form type), whatever the declared Content-Type; NONE otherwise. */
enum media_format media_sniff(const void *buf, size_t len);
/* "jpeg", "png", "webp" ("none" for NONE). */
const char *media_format_name(enum media_format f);

enum media_purpose { MEDIA_LISTING = 0, MEDIA_PET, MEDIA_CARE_LOG, MEDIA_VERIFICATION, MEDIA_PURPOSE_COUNT };
/* "listing", "pet", "care_log", "verification", NULL-terminated (for jv_q_enum). */
extern const char *const MEDIA_PURPOSE_NAMES[];

/* Whether photos of this purpose are public (listing) or private (the rest). */
bool media_purpose_public(enum media_purpose p);
/* The roles (a mask of enum role) that may upload for this purpose: pet → owner; listing,
 * care_log, verification → provider. */
unsigned media_purpose_roles(enum media_purpose p);
/* Whether the uploader must be a provider an admin approved (listing, care_log); a provider's
 * verification documents are uploaded while pending review or rejected as well. */
bool media_purpose_needs_approval(enum media_purpose p);

/* Whether a declared Content-Type is one an upload may carry: image/jpeg, image/png,
 * image/webp or application/octet-stream (any case, parameters after ';' allowed). NULL is
 * false. */
bool media_content_type_ok(const char *ct);

struct media_limits {
    unsigned min_side;   /* px, each side at least (16) */
    unsigned max_side;   /* px, each side at most (10000) */
    uint64_t max_pixels; /* width * height at most (40 000 000) */
};
#define MEDIA_LIMITS_DEFAULT {16, 10000, 40000000}

/* Whether an image of w × h pixels is within the limits; if not, the message for
 * fields.file is written to why. Checked on the header, before any pixel is decoded. */
bool media_dims_ok(const struct media_limits *l, unsigned w, unsigned h, char *why, size_t cap);

/* Uploads per account in any 24 hours (PB_MEDIA_MAX_PER_DAY; 429 beyond): photos are never
 * deleted, so the bound is a rate, not a total that would lock an account out for good. */
#define MEDIA_MAX_PER_DAY_DEFAULT 500
#define MEDIA_WINDOW_MS (24LL * 3600 * 1000)
/* Retry-After (seconds, >= 1) for an account whose oldest upload of the window was made at
 * oldest_ms: when that upload leaves the window at now_ms, a slot is free again. */
long media_retry_after_s(int64_t oldest_ms, int64_t now_ms);

#define MEDIA_SHA_HEX_LEN 64
/* Whether s is a SHA-256 in lower-case hex. */
bool media_sha_ok(const char *s);

/* A stored size from a path segment: "1280" or "320". */
bool media_size_parse(const char *s, unsigned *out);
/* An exp query value: 1..12 decimal digits, no sign. */
bool media_exp_parse(const char *s, int64_t *out);

/* The file of one size of a photo, relative to the media folder:
 * "<public|private>/<first 2 hex>/<sha>_<size>.jpg". false when buf is too small or sha is
 * not a SHA-256. */
bool media_rel_path(bool pub, const char *sha, unsigned size, char *buf, size_t cap);
/* The URL nginx serves a public file at: "/media/pub/<2 hex>/<sha>_<size>.jpg". */
bool media_public_url(const char *sha, unsigned size, char *buf, size_t cap);
/* Where the service sends nginx (X-Accel-Redirect) for a private file: the gateway's internal
 * location "/_media/private/<2 hex>/<sha>_<size>.jpg". */
bool media_accel_path(const char *sha, unsigned size, char *buf, size_t cap);

#endif
