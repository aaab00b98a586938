/* Admission of notification event streams: per user (replace the oldest) and per replica. */
#include "streamcap.h"

enum streamcap streamcap_admit(size_t mine, size_t total, size_t per_user, size_t max_total, size_t *evict)
{
    *evict = 0;
    if (per_user < 1)
        per_user = 1;
    if (mine >= per_user) {
        *evict = mine - per_user + 1;
        return STREAMCAP_REPLACE;
    }
    return total >= max_total ? STREAMCAP_FULL : STREAMCAP_ADMIT;
}

size_t streamcap_max_default(unsigned conn_limit)
{
    size_t n = conn_limit / STREAMCAP_SHARE;
    return n ? n : 1;
}
