/* Id parsing (lib/ids.c ids_parse), as every {id} path parameter and id field is read: a
 * parsed id renders back to exactly the input (digits only, no leading zero, nonzero). */
#include "fuzz.h"
#include "ids.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = fuzz_cstr(data, size);
    uint64_t id;
    if (ids_parse(s, &id)) {
        char buf[IDS_STR_LEN];
        FUZZ_CHECK(id != 0);
        FUZZ_CHECK(strcmp(ids_format(id, buf), s) == 0);
        FUZZ_CHECK(ids_shard(id, 4) < 4);
        (void)ids_unix_ms(id);
        (void)ids_worker(id);
    }
    free(s);
    return 0;
}
