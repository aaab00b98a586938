/* 64-bit snowflake ids: 41 bits of milliseconds since 2024-01-01 UTC, 10 bits of worker id,
 * 12 bits of sequence. Ids are time-ordered, unique per worker, and carry their creation
 * time, which is what the order service uses to pick the monthly table of an order. */
#ifndef PB_IDS_H
#define PB_IDS_H

#include <stdbool.h>
#include <stdint.h>

#define IDS_EPOCH_MS 1704067200000LL /* 2024-01-01T00:00:00Z */
#define IDS_WORKER_BITS 10
#define IDS_SEQ_BITS 12
#define IDS_MAX_WORKER ((1u << IDS_WORKER_BITS) - 1)
#define IDS_STR_LEN 21 /* room for the decimal digits of any uint64 plus NUL */

/* Pure: build an id from its parts. ms is Unix time in milliseconds (>= IDS_EPOCH_MS). */
uint64_t ids_compose(int64_t unix_ms, unsigned worker, unsigned seq);
/* Pure: the Unix time in milliseconds an id was made at. */
int64_t ids_unix_ms(uint64_t id);
/* Pure: the worker that made an id. */
unsigned ids_worker(uint64_t id);

/* Set this process's worker id (0..1023). Two live processes must never share one. */
void ids_init(unsigned worker);
/* A new id, strictly greater than every id this process made before. Thread-safe. If the
 * wall clock steps back, ids keep increasing from the last time used. */
uint64_t ids_next(void);
/* Same, but as if made at unix_ms (used to create rows in a chosen month in tests). */
uint64_t ids_next_at(int64_t unix_ms);

/* Pure: the shard (0..n-1) an id belongs to: mix64(id) mod n. A snowflake's low bits are
 * a per-millisecond sequence that is almost always 0 at human request rates, so plain
 * id mod n would put nearly every row in shard 0; the mix spreads them evenly and is
 * stable forever (the shard of a row never changes). */
unsigned ids_shard(uint64_t id, unsigned n);

/* Strict decimal parse: digits only, no sign, no spaces, no leading zeros, nonzero, fits. */
bool ids_parse(const char *s, uint64_t *out);
/* Decimal rendering into buf (at least IDS_STR_LEN bytes); returns buf. */
char *ids_format(uint64_t id, char *buf);

#endif
