/* HTTP serving on libmicrohttpd: a thread pool (handlers may block on MariaDB and Redis),
 * a route table, request accessors, and the one place responses and error bodies are built.
 * Every handler must send exactly one reply through the http_reply_* functions. */
#ifndef PB_HTTP_H
#define PB_HTTP_H

#include "auth.h"
#include "errors.h"
#include "jv.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct http_server;
struct http_req;

typedef void (*http_handler)(struct http_req *req);

struct http_opts {
    const char *bind;     /* default "127.0.0.1" */
    unsigned port;
    unsigned threads;     /* handler threads, default 32 */
    size_t max_body;      /* bytes, default 256 KiB; larger bodies get 413 while being read */
    unsigned conn_limit;  /* default 1024 */
    unsigned timeout_s;   /* idle connection timeout, default 60 */
};

/* Create a server; service names the metrics; app is returned by http_app(). */
struct http_server *http_server_new(const struct http_opts *opts, const char *service, void *app);
/* Register a route (see router.h for patterns). Returns 0 or -1. */
int http_route(struct http_server *s, const char *method, const char *pattern, http_handler h);
/* Start listening. Returns 0, or -1 (logged) when the port cannot be bound. */
int http_server_start(struct http_server *s);
/* Stop (closing connections) and free. NULL is a no-op. */
void http_server_free(struct http_server *s);

/* ---- request accessors (borrowed strings, valid during the handler) ---- */
void *http_app(const struct http_req *r);
const char *http_method(const struct http_req *r);
const char *http_path(const struct http_req *r);
const char *http_route_pattern(const struct http_req *r);
/* A `{name}` path parameter. */
const char *http_param(const struct http_req *r, const char *name);
/* A query parameter (URL-decoded; may be invalid UTF-8: validate with jv_q_*), or NULL. */
const char *http_query(const struct http_req *r, const char *name);
const char *http_header(const struct http_req *r, const char *name);
const char *http_body(const struct http_req *r, size_t *len);
const char *http_request_id(const struct http_req *r);
/* The client address the gateway saw (X-Real-IP), else the peer address. */
const char *http_client_ip(const struct http_req *r);
/* The authenticated caller, set by svc_auth_or_reply; NULL before. */
const struct auth_principal *http_principal(const struct http_req *r);
void http_set_principal(struct http_req *r, const struct auth_principal *p);

/* ---- JSON bodies ---- */
/* The text of a JSON body exactly as replies send it: compact, numbers with a fraction at
 * most 15 significant digits (120.15, never 120.15000000000001: enough for coordinates,
 * weights and averages). Takes j (even on error; NULL gives NULL). Returns malloc'd text, or
 * NULL when j is NULL or out of memory; *len (len may be NULL) is its length. Use it for
 * JSON kept to be sent later (cached pages, stored idempotent answers) too. */
char *http_json_text(json_t *j, size_t *len);
/* The documented error body {"error":{code,message,fields?,request_id}} of e: message NULL
 * uses the default for e; fields (taken) may be NULL, and is left out when empty; request_id
 * is the request's (http_request_id, or log_request_id where the request is not at hand).
 * A new reference, NULL when out of memory. http_reply_error sends it; build it here only to
 * add to it or to keep it as text. */
json_t *http_error_body(enum err e, const char *message, json_t *fields, const char *request_id);
/* The documented list page {"items": items, "next_cursor": next_cursor or null}: items
 * (taken) is the page's array; next_cursor (copied) is NULL on the last page. A new
 * reference, NULL when out of memory. */
json_t *http_page_body(json_t *items, const char *next_cursor);

/* ---- replies ---- */
/* Out of memory is answered one way by the JSON replies below and http_reply_raw: 503 with
 * the error body of ERR_NO_MEMORY (code "unavailable", request_id) and Retry-After: 1,
 * whatever status was asked; only when even that body cannot be made is the 503 sent
 * without a body. */
/* Every reply to a request whose caller was authenticated (http_set_principal: svc_auth_*)
 * carries Cache-Control: no-store, unless the handler added a Cache-Control of its own: it
 * may hold the caller's data, which no browser or proxy cache keeps. Anonymous replies (the
 * public listings) carry none and stay cacheable. */
/* Add a response header to the coming reply (copied). */
void http_header_add(struct http_req *r, const char *name, const char *value);
/* Send a JSON body (taken, even on error) as http_json_text prints it. NULL means the body
 * could not be built: the out-of-memory 503 above. */
void http_reply_json(struct http_req *r, int status, json_t *body);
/* Send JSON text made by http_json_text (taken; NULL: the out-of-memory 503), e.g. a cached
 * body; len is its length. */
void http_reply_json_text(struct http_req *r, int status, char *text, size_t len);
/* Send a JSON body stored gzip-compressed (gz taken; NULL: the out-of-memory 503): as is
 * with Content-Encoding: gzip to a client whose Accept-Encoding takes it, inflated for any
 * other; Vary: Accept-Encoding either way. */
void http_reply_json_gz(struct http_req *r, int status, char *gz, size_t len);
/* Reply 200 with the list page of http_page_body (items taken; next_cursor NULL on the last
 * page). */
void http_reply_page(struct http_req *r, json_t *items, const char *next_cursor);
/* The answer to a list read into items (taken either way) by a store call that returned e:
 * ERR_OK, the page of http_reply_page; anything else, e's error (http_reply_error). */
void http_reply_page_or_error(struct http_req *r, enum err e, json_t *items, const char *next_cursor);
/* Send body bytes (copied) with a content type. */
void http_reply_raw(struct http_req *r, int status, const char *content_type, const char *body, size_t len);
/* Send a body the server frees afterwards (takes ownership). */
void http_reply_take(struct http_req *r, int status, const char *content_type, char *body, size_t len);
/* Send a status with no body (204). */
void http_reply_empty(struct http_req *r, int status);
/* Send the error body of http_error_body with e's status (every 503 with Retry-After: 1,
 * unless http_header_add gave the reply its own Retry-After);
 * message NULL uses the default for e; fields (taken) may be NULL. */
void http_reply_error(struct http_req *r, enum err e, const char *message, json_t *fields);
/* ---- Server-Sent Events ---- */
struct http_stream;

/* The source of an event stream: called on a server thread whenever the client can take
 * more. Write at most max bytes of SSE text into buf and return the count; return 0 when
 * nothing is ready (the connection is parked, costing no thread, until http_stream_wake or
 * the next heartbeat); return -1 to end the stream. */
typedef long (*http_stream_fill)(void *arg, char *buf, size_t max);

/* Reply 200 text/event-stream and keep the connection open: fill produces the body as
 * above; every heartbeat_ms without data an SSE comment (": heartbeat") is sent. A parked
 * stream's socket is looked at every 250 ms: a client that hung up ends its stream then (its
 * connection is freed), not at the next heartbeat. on_close(arg) runs exactly once when the stream ends
 * (client gone, fill returned -1, server stopping); after it, the handle is invalid. The
 * returned handle is for http_stream_wake; NULL if the reply could not be started (an
 * error reply was sent and on_close has run). */
struct http_stream *http_reply_sse(struct http_req *r, long heartbeat_ms, http_stream_fill fill, void *arg,
                                   void (*on_close)(void *arg));
/* Tell a stream that data is ready (thread-safe; it may be parked or not). */
void http_stream_wake(struct http_stream *st);

/* Whether a reply was sent. */
bool http_replied(const struct http_req *r);

/* ---- validation glue ---- */
/* Require Content-Type application/json (415), a non-empty body (400), well-formed JSON
 * (400), an object (400), and only allowed fields (422, as http_jv_ok_or_reply). v is
 * overwritten without being freed: pass one that holds nothing (not yet started, zeroed, or
 * after jv_free). On false the reply was sent; the
 * caller still calls jv_free. */
bool http_json_or_reply(struct http_req *r, struct jv *v, const char *const *allowed);
/* If v recorded problems, reply 400 (type problems) or 422 with the fields and return false. */
bool http_jv_ok_or_reply(struct http_req *r, struct jv *v);
/* Parse the `{name}` path parameter as an id; an invalid one replies 404 (no such resource). */
bool http_id_param_or_reply(struct http_req *r, const char *name, uint64_t *out);
/* The Idempotency-Key header: absent (*key NULL, true) or 1..64 printable ASCII characters
 * (*key borrowed from the request); anything else replies 422 naming the header. */
bool http_idem_key_or_reply(struct http_req *r, const char **key);

#endif
