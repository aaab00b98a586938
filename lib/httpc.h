/* HTTP client for service-to-service calls (/internal/...) and webhooks: libcurl with one
 * keep-alive handle per thread, a timeout on every call, the caller's request id and the
 * internal service token on every request. */
#ifndef PB_HTTPC_H
#define PB_HTTPC_H

#include "errors.h"

#include <jansson.h>
#include <stddef.h>

struct httpc_resp {
    long status;   /* HTTP status */
    char *body;    /* owned, NUL-terminated (may be empty) */
    size_t len;
    json_t *json;  /* owned: the body parsed as JSON, or NULL */
};

/* Call once at start-up (before threads); token is sent as X-Internal-Token (may be NULL). */
void httpc_init(const char *internal_token);
void httpc_cleanup(void);
/* Free the calling thread's handle (call before a background thread ends). */
void httpc_cleanup_thread(void);

/* Send method url with an optional JSON body (borrowed) and extra header lines (NULL-
 * terminated array of "Name: value", may be NULL). ERR_OK means an HTTP answer arrived
 * (any status: look at out->status); ERR_UNAVAILABLE means no answer (refused, timed out,
 * reset). Free out with httpc_resp_free in both cases. */
enum err httpc_request(const char *method, const char *url, const json_t *body, const char *const *headers,
                       long timeout_ms, struct httpc_resp *out);
/* The same with a raw body and content type. */
enum err httpc_request_raw(const char *method, const char *url, const char *content_type, const char *body,
                           size_t len, const char *const *headers, long timeout_ms, struct httpc_resp *out);
/* A call outside the platform (a third party, or the public gateway standing in for one):
 * neither the internal token nor the request id is sent; otherwise as httpc_request_raw. */
enum err httpc_request_public(const char *method, const char *url, const char *content_type, const char *body,
                              size_t len, const char *const *headers, long timeout_ms, struct httpc_resp *out);
void httpc_resp_free(struct httpc_resp *r);

#endif
