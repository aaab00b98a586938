/* Snowflake id generation and parsing. */
#include "ids.h"
#include "dates.h"

#include <pthread.h>
#include <stdio.h>
#include <time.h>

static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
static unsigned g_worker;
static int64_t g_last_ms;
static unsigned g_seq;

uint64_t ids_compose(int64_t unix_ms, unsigned worker, unsigned seq)
{
    uint64_t t = (uint64_t)(unix_ms - IDS_EPOCH_MS) & ((1ULL << 41) - 1);
    return (t << (IDS_WORKER_BITS + IDS_SEQ_BITS)) | ((uint64_t)(worker & IDS_MAX_WORKER) << IDS_SEQ_BITS) |
           (seq & ((1u << IDS_SEQ_BITS) - 1));
}

int64_t ids_unix_ms(uint64_t id)
{
    return (int64_t)(id >> (IDS_WORKER_BITS + IDS_SEQ_BITS)) + IDS_EPOCH_MS;
}

unsigned ids_worker(uint64_t id)
{
    return (unsigned)(id >> IDS_SEQ_BITS) & IDS_MAX_WORKER;
}

void ids_init(unsigned worker)
{
    pthread_mutex_lock(&g_mu);
    g_worker = worker & IDS_MAX_WORKER;
    pthread_mutex_unlock(&g_mu);
}


uint64_t ids_next_at(int64_t ms)
{
    pthread_mutex_lock(&g_mu);
    /* A logical clock: never go back; when a millisecond's 4096 sequence numbers are used
     * up, borrow the next millisecond rather than spin. */
    if (ms > g_last_ms) {
        g_last_ms = ms;
        g_seq = 0;
    } else if (++g_seq >= (1u << IDS_SEQ_BITS)) {
        g_last_ms++;
        g_seq = 0;
    }
    uint64_t id = ids_compose(g_last_ms, g_worker, g_seq);
    pthread_mutex_unlock(&g_mu);
    return id;
}

/* The service's clock (time_now_ms honours PB_CLOCK_OFFSET_S), so a service whose clock a
 * test moved also makes ids of that time, and its rows land in that time's monthly tables. */
uint64_t ids_next(void) { return ids_next_at(time_now_ms()); }

unsigned ids_shard(uint64_t id, unsigned n)
{
    /* the splitmix64 finaliser: every input bit affects every output bit */
    uint64_t z = id + 0x9E3779B97F4A7C15ULL;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    z ^= z >> 31;
    return n ? (unsigned)(z % n) : 0;
}

bool ids_parse(const char *s, uint64_t *out)
{
    if (!s || !*s || *s == '0')
        return false;
    uint64_t v = 0;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9' || p - s >= 20)
            return false;
        unsigned d = (unsigned)(*p - '0');
        if (v > (UINT64_MAX - d) / 10)
            return false;
        v = v * 10 + d;
    }
    /* ids are positive signed 64-bit values, so that they survive any SQL BIGINT */
    if (v > (uint64_t)INT64_MAX)
        return false;
    *out = v;
    return true;
}

char *ids_format(uint64_t id, char *buf)
{
    snprintf(buf, IDS_STR_LEN, "%llu", (unsigned long long)id);
    return buf;
}
