/* The cache-aside envelope (lib/aside.c aside_decode): "<soft_expiry_ms>|<V|N>|payload" read
 * back from Redis, where anything may have been written. A decoded envelope's payload lies
 * inside the input, and encoding what was decoded gives the input back when it was canonical. */
#include "aside.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *buf = (const char *)data;
    long long t;
    char kind;
    const char *payload;
    size_t plen;
    if (aside_decode(buf, size, &t, &kind, &payload, &plen) != 0)
        return 0;
    FUZZ_CHECK(kind == 'V' || kind == 'N');
    FUZZ_CHECK(t >= 0);
    FUZZ_CHECK(payload >= buf && payload + plen == buf + size);
    char *out = malloc(size + 32);
    FUZZ_CHECK(out != NULL);
    size_t n = aside_encode(out, size + 32, t, kind, payload, plen);
    FUZZ_CHECK(n > 0);
    if (buf[0] != '0' || buf[1] == '|')
        FUZZ_CHECK(n == size && memcmp(out, buf, size) == 0);
    free(out);
    return 0;
}
