/* Real-time push: the Server-Sent Event streams this replica holds, and the subscriber that
 * wakes them. Whoever commits a notification (the consumer or the reminder job, in any
 * replica) publishes the recipient's id on the Redis channel pb:notify; every replica runs a
 * subscriber thread (its own hiredis connection, reconnecting) that wakes its local streams of
 * that user, and a woken stream reads from MariaDB the user's notifications newer than the
 * last one it sent. MariaDB stays the only source of the events: a lost wake-up is caught up
 * by the next one or by the periodic re-check at the heartbeat, never lost. */
#ifndef NOTIFICATION_PUSH_H
#define NOTIFICATION_PUSH_H

#include "svc.h"

#include <stdbool.h>
#include <stdint.h>

struct push;

/* The registry of streams (heartbeat_ms between SSE comments), admitting at most per_user
 * live streams of one user (a new one replaces the oldest) and max_total in all on this
 * replica (streamcap.h). NULL on no memory. */
struct push *push_new(long heartbeat_ms, size_t per_user, size_t max_total);
/* Free it (after the HTTP server closed every stream and the subscriber stopped). */
void push_free(struct push *p);
/* Start the subscriber thread (joined at shutdown) and the gauge pb_notification_streams. */
int push_start(struct svc *s, struct push *p);

/* Answer r with an event stream of the caller's (me) notifications: those newer than last_id
 * first (when has_last; oldest first), then every new one as it is committed. Without
 * has_last only notifications newer than the newest one now are sent. The stream ends when
 * the caller's token expires or is revoked (checked every 10 s or so): the client reconnects
 * with a fresh token and its Last-Event-ID. A user's streams beyond the per-user limit
 * end, oldest first, with the `superseded` event; a replica at its total refuses with 503
 * and Retry-After. The reply (or an error) is sent. */
void push_stream_reply(struct http_req *r, struct svc *s, struct push *p, const struct auth_principal *me,
                       bool has_last, uint64_t last_id);

/* Wake the local streams of user (what the subscriber does for each message). */
void push_wake_user(struct push *p, uint64_t user);

#endif
