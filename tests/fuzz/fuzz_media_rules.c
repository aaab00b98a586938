/* What the media service reads from a client before any pixel is decoded (services/media/
 * rules.c with lib/mediaurl.c): the upload's declared Content-Type and its magic bytes, and
 * the signed URL of a private photo, /media/p/<id>/<size>?exp=<exp>&sig=<sig>. The input's
 * lines are id, size, exp, sig and Content-Type; media_sniff sees the whole input. A URL
 * verifies only with the signature mediaurl_sign makes and an expiry in the allowed window.
 * (The images themselves are decoded by libvips, which is not fuzzed here.) */
#include "fuzz.h"
#include "ids.h"
#include "mediaurl.h"
#include "rules.h"

#include <stdbool.h>

#define NOW 1795000000LL

static char *next_line(const uint8_t **data, size_t *size)
{
    const uint8_t *rest;
    size_t rest_len;
    char *line = fuzz_split(*data, *size, &rest, &rest_len);
    *data = rest;
    *size = rest_len;
    return line;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool ready;
    if (!ready)
        ready = mediaurl_init("fuzz-internal-token-for-tests-only");
    FUZZ_CHECK(ready);

    enum media_format f = media_sniff(data, size);
    FUZZ_CHECK(f == MEDIA_FORMAT_NONE || size >= 3);
    FUZZ_CHECK(media_format_name(f) != NULL);

    const uint8_t *p = data;
    size_t n = size;
    char *id_s = next_line(&p, &n), *size_s = next_line(&p, &n), *exp_s = next_line(&p, &n);
    char *sig = next_line(&p, &n), *ct = next_line(&p, &n);
    uint64_t id;
    unsigned px;
    int64_t exp;
    bool id_ok = ids_parse(id_s, &id);
    if (media_size_parse(size_s, &px))
        FUZZ_CHECK(px == MEDIAURL_FULL || px == MEDIAURL_THUMB);
    if (media_exp_parse(exp_s, &exp)) {
        FUZZ_CHECK(exp >= 0 && exp <= 999999999999LL);
        if (id_ok && mediaurl_verify(id, exp, sig, NOW)) {
            char good[MEDIAURL_SIG_LEN + 1];
            FUZZ_CHECK(mediaurl_sign(id, exp, good) && strcmp(good, sig) == 0);
            FUZZ_CHECK(exp > NOW && exp <= NOW + MEDIAURL_MAX_TTL_S + MEDIAURL_SKEW_S);
        }
    }
    if (media_sha_ok(id_s)) {
        char buf[160];
        FUZZ_CHECK(strlen(id_s) == MEDIA_SHA_HEX_LEN);
        FUZZ_CHECK(media_rel_path(false, id_s, MEDIAURL_THUMB, buf, sizeof buf));
        FUZZ_CHECK(media_accel_path(id_s, MEDIAURL_FULL, buf, sizeof buf));
    }
    (void)media_content_type_ok(ct);
    free(id_s);
    free(size_s);
    free(exp_s);
    free(sig);
    free(ct);
    return 0;
}
