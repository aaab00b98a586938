/* How many event streams a replica admits (pure): a few per user, where a new one replaces
 * the user's oldest, and at most a share of the HTTP server's connections in all, so streams
 * can never take the connections ordinary requests need. */
#ifndef NOTIFICATION_STREAMCAP_H
#define NOTIFICATION_STREAMCAP_H

#include <stddef.h>

#define STREAMCAP_PER_USER_DEFAULT 3
/* The share of the HTTP server's connection limit streams may hold: 1/STREAMCAP_SHARE. The
 * rest stays for requests and the gateway's idle keep-alive connections (64 per nginx worker
 * and upstream). */
#define STREAMCAP_SHARE 2

enum streamcap {
    STREAMCAP_ADMIT,      /* open it */
    STREAMCAP_REPLACE,    /* open it and end the user's *evict oldest streams */
    STREAMCAP_FULL,       /* refuse (503): the replica holds max_total streams of other users */
};

/* The answer to a new stream of a user who holds `mine` live streams on this replica, when
 * the replica holds `total` in all (mine included), under at most per_user for one user
 * (>= 1) and max_total in all. A user at their limit is always admitted by replacing their
 * oldest ones (*evict = mine - per_user + 1): the total does not grow, so a full replica
 * still lets a user move a stream to a new tab. Otherwise a full replica refuses.
 * *evict is 0 unless STREAMCAP_REPLACE. */
enum streamcap streamcap_admit(size_t mine, size_t total, size_t per_user, size_t max_total, size_t *evict);

/* The default max_total for an HTTP server of conn_limit connections: conn_limit /
 * STREAMCAP_SHARE, at least 1. */
size_t streamcap_max_default(unsigned conn_limit);

#endif
