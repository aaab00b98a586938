/* The one error vocabulary of the platform, mapped one-to-one onto the HTTP errors of API.md. */
#ifndef PB_ERRORS_H
#define PB_ERRORS_H

enum err {
    ERR_OK = 0,
    ERR_BAD_REQUEST,       /* 400 bad_request: malformed JSON, wrong types */
    ERR_UNAUTHENTICATED,   /* 401 unauthenticated */
    ERR_FORBIDDEN,         /* 403 forbidden */
    ERR_NOT_FOUND,         /* 404 not_found (also other users' private resources) */
    ERR_METHOD_NOT_ALLOWED,/* 405 method_not_allowed */
    ERR_CONFLICT,          /* 409 conflict */
    ERR_FULLY_BOOKED,      /* 409 fully_booked: a night of the stay has no room */
    ERR_TOO_LARGE,         /* 413 payload_too_large */
    ERR_UNSUPPORTED_MEDIA, /* 415 unsupported_media_type */
    ERR_INVALID,           /* 422 validation_failed */
    ERR_LIMIT_REACHED,     /* 422 limit_reached: the account already has as many of these as
                              one account may (pets, listings, open orders) */
    ERR_RATE_LIMITED,      /* 429 rate_limited */
    ERR_INTERNAL,          /* 500 internal */
    ERR_UNAVAILABLE,       /* 503 unavailable: a dependency is down or timed out */
    ERR_NO_MEMORY,         /* 503 as well: out of memory is transient from the client's view */
    ERR_RETRY,             /* never reaches a client: a transaction lost a deadlock or a
                              certification conflict and may be run again */
    ERR__COUNT
};

/* HTTP status for an error (200 for ERR_OK). */
int err_http_status(enum err e);
/* The machine-readable `code` of the error body, e.g. "validation_failed". */
const char *err_code(enum err e);
/* A human-readable default message, used when the caller has nothing better. */
const char *err_message(enum err e);

#endif
