/* Server-Sent Events formatting, Last-Event-ID parsing and the per-stream byte queue (pure). */
#include "sse.h"
#include "ids.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *sse_event(uint64_t id, const char *event, const char *data, size_t *len)
{
    size_t lines = 1;
    for (const char *p = data; *p; p++)
        lines += *p == '\n';
    size_t dlen = strlen(data), cap = 64 + strlen(event) + dlen + lines * 7;
    char *out = malloc(cap);
    if (!out)
        return NULL;
    char sid[IDS_STR_LEN];
    size_t n = (size_t)snprintf(out, cap, "id: %s\nevent: %s\n", ids_format(id, sid), event);
    for (const char *p = data;;) {
        const char *nl = strchr(p, '\n');
        size_t l = nl ? (size_t)(nl - p) : strlen(p);
        if (l && p[l - 1] == '\r')
            l--; /* a CR would end the line early for the client */
        memcpy(out + n, "data: ", 6);
        memcpy(out + n + 6, p, l);
        n += 6 + l;
        out[n++] = '\n';
        if (!nl)
            break;
        p = nl + 1;
    }
    out[n++] = '\n';
    out[n] = 0;
    *len = n;
    return out;
}

size_t sse_retry(char *buf, size_t cap, long retry_ms)
{
    int n = snprintf(buf, cap, "retry: %ld\n\n", retry_ms);
    return n < 0 ? 0 : (size_t)n < cap ? (size_t)n : cap - 1;
}

size_t sse_superseded(char *buf, size_t cap, long retry_ms, long limit)
{
    int n = snprintf(buf, cap, "retry: %ld\nevent: superseded\ndata: {\"reason\":\"too_many_streams\",\"limit\":%ld}\n\n",
                     retry_ms, limit);
    return n < 0 ? 0 : (size_t)n < cap ? (size_t)n : cap - 1;
}

/* s without surrounding spaces, copied into buf; NULL when s is NULL or blank, "-" (not an
 * id) when it is far too long to be one. */
static const char *trimmed(const char *s, char *buf, size_t cap)
{
    if (!s)
        return NULL;
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    if (!n)
        return NULL;
    if (n >= cap)
        return "-";
    memcpy(buf, s, n);
    buf[n] = 0;
    return buf;
}

enum sse_last_id sse_parse_last_event_id(const char *header, const char *query, uint64_t *out)
{
    char hb[32], qb[32];
    const char *v = trimmed(header, hb, sizeof hb);
    if (!v)
        v = trimmed(query, qb, sizeof qb);
    if (!v)
        return SSE_LAST_NONE;
    if (strcmp(v, "0") == 0) {
        *out = 0;
        return SSE_LAST_OK;
    }
    return ids_parse(v, out) ? SSE_LAST_OK : SSE_LAST_BAD;
}

bool sse_queue_push(struct sse_queue *q, const char *s, size_t n)
{
    if (q->off && q->off == q->len)
        q->off = q->len = 0;
    if (q->len + n > q->cap) {
        size_t cap = q->cap ? q->cap : 4096;
        while (cap < q->len + n)
            cap *= 2;
        char *b = realloc(q->buf, cap);
        if (!b)
            return false;
        q->buf = b;
        q->cap = cap;
    }
    memcpy(q->buf + q->len, s, n);
    q->len += n;
    return true;
}

size_t sse_queue_take(struct sse_queue *q, char *dst, size_t max)
{
    size_t n = q->len - q->off;
    if (n > max)
        n = max;
    if (n)
        memcpy(dst, q->buf + q->off, n);
    q->off += n;
    if (q->off == q->len)
        q->off = q->len = 0;
    return n;
}

size_t sse_queue_pending(const struct sse_queue *q) { return q->len - q->off; }

void sse_queue_free(struct sse_queue *q)
{
    free(q->buf);
    *q = (struct sse_queue){0};
}
