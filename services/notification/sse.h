/* Server-Sent Events text for the notification stream (pure): one event per notification,
 * the Last-Event-ID a reconnecting client sends, and the byte queue a stream drains into the
 * socket as the client can take it. */
#ifndef NOTIFICATION_SSE_H
#define NOTIFICATION_SSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One event: "id: <id>\nevent: <event>\ndata: <line>\n" for every line of data, then an
 * empty line. Returns a malloc'd string (caller frees) and its length in *len, or NULL on no
 * memory. event must be one line; data may hold any text (each line gets its own "data:"). */
char *sse_event(uint64_t id, const char *event, const char *data, size_t *len);

/* The first bytes of every stream: "retry: <ms>\n\n" tells EventSource how long to wait
 * before reconnecting. Writes into buf (cap bytes); returns the length. */
size_t sse_retry(char *buf, size_t cap, long retry_ms);

/* The last bytes of a stream replaced by a newer one of the same user (at most `limit` at
 * once): "retry: <ms>\nevent: superseded\ndata: {\"reason\":\"too_many_streams\",
 * \"limit\":<limit>}\n\n". It has no id (the client's Last-Event-ID stays the last
 * notification), and its retry makes a plain EventSource that reconnects anyway wait retry_ms
 * first, so tabs that keep replacing each other do so once per retry_ms at most. Writes into
 * buf (cap bytes); returns the length. */
size_t sse_superseded(char *buf, size_t cap, long retry_ms, long limit);

enum sse_last_id {
    SSE_LAST_NONE, /* neither given (or both empty): only live notifications */
    SSE_LAST_OK,   /* *out is the last id the client saw (0: from the very first) */
    SSE_LAST_BAD,  /* given but not an id */
};

/* The Last-Event-ID of a (re)connecting client: the header (what EventSource sends) wins over
 * the ?last_event_id= query parameter (for clients that cannot set headers). Surrounding
 * spaces are ignored; "0" means "everything"; anything else must be a decimal id. */
enum sse_last_id sse_parse_last_event_id(const char *header, const char *query, uint64_t *out);

/* A byte queue: events appended whole, drained in pieces of at most what the socket takes. */
struct sse_queue {
    char *buf;
    size_t len, off, cap;
};

/* Append n bytes; false on no memory (the queue is unchanged). */
bool sse_queue_push(struct sse_queue *q, const char *s, size_t n);
/* Move up to max bytes into dst; returns the count (0 when empty). An emptied queue rewinds. */
size_t sse_queue_take(struct sse_queue *q, char *dst, size_t max);
/* Bytes waiting. */
size_t sse_queue_pending(const struct sse_queue *q);
void sse_queue_free(struct sse_queue *q);

#endif
