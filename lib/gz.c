/* gzip through zlib: deflate with the gzip wrapper, inflate bounded, Accept-Encoding read. */
#include "gz.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>

#define GZIP_WINDOW (15 + 16) /* inflate: any window up to 32 KiB, gzip wrapper */
/* deflate: a 16 KiB window and memLevel 7 take 128 KiB per call instead of 256 KiB (zlib.h:
 * (1 << (windowBits + 2)) + (1 << (memLevel + 9))); a page is 2-16 KB, so nothing is lost to
 * the shorter window, and 8 threads compressing at once hold 1 MB less */
#define DEFLATE_WINDOW (14 + 16)
#define DEFLATE_MEMLEVEL 7

bool gz_compress(const char *in, size_t len, char **out, size_t *olen)
{
    z_stream z = {0};
    char *buf = NULL;
    *out = NULL;
    *olen = 0;
    if (len > UINT32_MAX || deflateInit2(&z, 1, Z_DEFLATED, DEFLATE_WINDOW, DEFLATE_MEMLEVEL, Z_DEFAULT_STRATEGY) != Z_OK)
        return false;
    uLong cap = deflateBound(&z, (uLong)len);
    if (!(buf = malloc(cap)))
        goto fail;
    z.next_in = (Bytef *)(uintptr_t)in; /* zlib does not write through next_in */
    z.avail_in = (uInt)len;
    z.next_out = (Bytef *)buf;
    z.avail_out = (uInt)cap;
    if (deflate(&z, Z_FINISH) != Z_STREAM_END)
        goto fail;
    *olen = z.total_out;
    *out = buf;
    deflateEnd(&z);
    return true;
fail:
    free(buf);
    deflateEnd(&z);
    return false;
}

bool gz_inflate(const char *in, size_t len, size_t max, char **out, size_t *olen)
{
    z_stream z = {0};
    size_t cap = len * 8 + 64 < max ? len * 8 + 64 : max;
    char *buf = NULL;
    *out = NULL;
    *olen = 0;
    if (len == 0 || len > UINT32_MAX || inflateInit2(&z, GZIP_WINDOW) != Z_OK)
        return false;
    if (!(buf = malloc(cap + 1)))
        goto fail;
    z.next_in = (Bytef *)(uintptr_t)in;
    z.avail_in = (uInt)len;
    for (;;) {
        z.next_out = (Bytef *)buf + z.total_out;
        z.avail_out = (uInt)(cap - z.total_out);
        int rc = inflate(&z, Z_NO_FLUSH);
        if (rc == Z_STREAM_END)
            break;
        if (rc != Z_OK && rc != Z_BUF_ERROR)
            goto fail;
        if (z.avail_out > 0) /* no progress possible: the input ended before the member did */
            goto fail;
        if (cap >= max)
            goto fail; /* inflates past max */
        size_t ncap = cap * 2 < max ? cap * 2 : max;
        char *nb = realloc(buf, ncap + 1);
        if (!nb)
            goto fail;
        buf = nb;
        cap = ncap;
    }
    if (z.avail_in != 0) /* bytes after the member */
        goto fail;
    buf[z.total_out] = 0;
    *olen = z.total_out;
    *out = buf;
    inflateEnd(&z);
    return true;
fail:
    free(buf);
    inflateEnd(&z);
    return false;
}

/* The q-value of one element's parameters ("; q=0.5"), 1 when absent, -1 when malformed. */
static double qvalue(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t'))
        p++;
    if (p == end)
        return 1;
    if (*p != ';')
        return -1;
    p++;
    while (p < end && (*p == ' ' || *p == '\t'))
        p++;
    if (end - p < 2 || (p[0] != 'q' && p[0] != 'Q') || p[1] != '=')
        return -1;
    p += 2;
    /* qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ) */
    if (p == end || (*p != '0' && *p != '1'))
        return -1;
    double q = *p++ - '0', scale = 0.1;
    if (p < end && *p == '.') {
        p++;
        for (int digits = 0; p < end && isdigit((unsigned char)*p) && digits < 3; digits++, p++, scale /= 10)
            q += (*p - '0') * scale;
    }
    while (p < end && (*p == ' ' || *p == '\t'))
        p++;
    return p == end && q <= 1 ? q : -1;
}

bool gz_accepted(const char *ae)
{
    double gzip = -1, star = -1; /* -1: not listed */
    for (const char *p = ae; p && *p;) {
        const char *end = strchr(p, ',');
        if (!end)
            end = p + strlen(p);
        while (p < end && (*p == ' ' || *p == '\t'))
            p++;
        size_t n = 0;
        while (p + n < end && (isalnum((unsigned char)p[n]) || p[n] == '-' || p[n] == '*'))
            n++;
        double q = qvalue(p + n, end);
        if (q >= 0) {
            if ((n == 4 && strncasecmp(p, "gzip", 4) == 0) || (n == 6 && strncasecmp(p, "x-gzip", 6) == 0))
                gzip = q > gzip ? q : gzip;
            else if (n == 1 && *p == '*')
                star = q;
        }
        p = *end ? end + 1 : end;
    }
    return gzip >= 0 ? gzip > 0 : star > 0;
}
