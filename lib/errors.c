/* Mapping of the error vocabulary onto HTTP statuses and API error codes. */
#include "errors.h"

static const struct {
    int status;
    const char *code;
    const char *message;
} table[ERR__COUNT] = {
    [ERR_OK] = {200, "ok", "ok"},
    [ERR_BAD_REQUEST] = {400, "bad_request", "the request is malformed"},
    [ERR_UNAUTHENTICATED] = {401, "unauthenticated", "a valid access token is required"},
    [ERR_FORBIDDEN] = {403, "forbidden", "you are not allowed to do this"},
    [ERR_NOT_FOUND] = {404, "not_found", "no such resource"},
    [ERR_METHOD_NOT_ALLOWED] = {405, "method_not_allowed", "method not allowed on this resource"},
    [ERR_CONFLICT] = {409, "conflict", "the request conflicts with the current state"},
    [ERR_FULLY_BOOKED] = {409, "fully_booked", "a night of the stay has no room left"},
    [ERR_TOO_LARGE] = {413, "payload_too_large", "the request body is too large"},
    [ERR_UNSUPPORTED_MEDIA] = {415, "unsupported_media_type", "the body must be application/json"},
    [ERR_INVALID] = {422, "validation_failed", "some fields are invalid"},
    [ERR_LIMIT_REACHED] = {422, "limit_reached", "this account has reached its limit for these"},
    [ERR_RATE_LIMITED] = {429, "rate_limited", "too many requests, slow down"},
    [ERR_INTERNAL] = {500, "internal", "internal error"},
    [ERR_UNAVAILABLE] = {503, "unavailable", "a dependency is unavailable, retry later"},
    [ERR_NO_MEMORY] = {503, "unavailable", "out of memory, retry later"},
    [ERR_RETRY] = {503, "unavailable", "transient conflict, retry later"},
};

static unsigned idx(enum err e)
{
    return (unsigned)e < ERR__COUNT ? (unsigned)e : ERR_INTERNAL;
}

int err_http_status(enum err e) { return table[idx(e)].status; }
const char *err_code(enum err e) { return table[idx(e)].code; }
const char *err_message(enum err e) { return table[idx(e)].message; }
