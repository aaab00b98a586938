/* gzip bodies: a cached response stored compressed once and sent as is to the clients that
 * take gzip (every browser), inflated for the others. */
#ifndef PB_GZ_H
#define PB_GZ_H

#include <stdbool.h>
#include <stddef.h>

/* The most a body may inflate to (a search page is ~13 KB; a cached body larger than this
 * is not ours). */
#define GZ_INFLATE_MAX (4u << 20)

/* in[0..len) compressed as a gzip member (level 1: a page costs ~65 us, and 2 KB of its 13 KB
 * remain): *out malloc'd (caller frees), *olen its length. false when out of memory. */
bool gz_compress(const char *in, size_t len, char **out, size_t *olen);

/* A gzip member inflated: *out malloc'd and NUL-terminated (caller frees), *olen its length.
 * false when in is not one whole gzip member or inflates past max bytes. */
bool gz_inflate(const char *in, size_t len, size_t max, char **out, size_t *olen);

/* Whether an Accept-Encoding header value takes gzip (RFC 9110 §12.5.3): "gzip" or "x-gzip"
 * or "*" listed with a q-value above 0 (a listed gzip decides over "*"). NULL: no. */
bool gz_accepted(const char *accept_encoding);

#endif
