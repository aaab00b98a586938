/* Common helpers of the libFuzzer targets (tests/fuzz/fuzz_*.c, built by scripts/fuzz.sh).
 * Each target defines LLVMFuzzerTestOneInput and calls pure code only: no network, no
 * database, no files. FUZZ_CHECK states a property the code must keep for every input; a
 * violation aborts, which libFuzzer reports as a crash like any sanitizer finding. */
#ifndef PB_FUZZ_H
#define PB_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond)                                                                   \
    do {                                                                                   \
        if (!(cond)) {                                                                     \
            fprintf(stderr, "%s:%d: property violated: %s\n", __FILE__, __LINE__, #cond); \
            abort();                                                                       \
        }                                                                                  \
    } while (0)

/* The input as a NUL-terminated string (malloc'd; the caller frees). An input holding a NUL
 * is cut there, as a C string from a header or a query string would be. */
static inline char *fuzz_cstr(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (!s)
        abort();
    memcpy(s, data, size);
    s[size] = '\0';
    return s;
}

/* Split the input at the first '\n': the part before as a new string (*head, malloc'd), the
 * part after in *rest / *rest_len (pointing into data). No '\n': all of it is the head. */
static inline char *fuzz_split(const uint8_t *data, size_t size, const uint8_t **rest, size_t *rest_len)
{
    const uint8_t *nl = memchr(data, '\n', size);
    size_t n = nl ? (size_t)(nl - data) : size;
    *rest = nl ? nl + 1 : data + size;
    *rest_len = nl ? size - n - 1 : 0;
    return fuzz_cstr(data, n);
}

#endif
