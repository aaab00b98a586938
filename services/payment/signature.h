/* Webhook signatures of the (sandbox) payment gateway: the header
 *   X-Sandbox-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>." + raw body)>
 * built by the gateway when it sends a callback and checked by the webhook before anything
 * else is read. Several v1= entries may be present (a gateway rotating its secret); one
 * matching is enough. Pure (libsodium only), unit-tested in tests/unit/test_payment_signature.c. */
#ifndef PAYMENT_SIGNATURE_H
#define PAYMENT_SIGNATURE_H

#include <stddef.h>
#include <stdint.h>

#define SIG_HEADER "X-Sandbox-Signature"
#define SIG_HEX_LEN 64           /* hex digits of one HMAC-SHA256 */
#define SIG_HEADER_MAX 160       /* room for "t=<20 digits>,v1=<64 hex>" and NUL */
#define SIG_TOLERANCE_S 300      /* a timestamp further than this from now is refused */

enum sig_result {
    SIG_OK = 0,
    SIG_MISSING,    /* no header at all */
    SIG_MALFORMED,  /* not t=<digits>,v1=<64 hex>[,...] */
    SIG_STALE,      /* the timestamp is more than the tolerance before or after now */
    SIG_MISMATCH,   /* well-formed and fresh, but no v1 matches this body and secret */
};

/* A short name for logs and metrics: "ok", "missing", "malformed", "stale", "mismatch". */
const char *sig_result_name(enum sig_result r);

/* Write the header value for body[0..len) signed at unix time t_s with the secret into out
 * (cap >= SIG_HEADER_MAX). Returns 0, or -1 when it does not fit or the HMAC fails. */
int sig_header(const unsigned char *secret, size_t secret_len, int64_t t_s, const char *body, size_t len, char *out,
               size_t cap);

/* Check a header value (NULL: missing) against body[0..len) at unix time now_s, accepting
 * timestamps within tolerance_s either way. Every v1 candidate is compared in constant time.
 * The format is checked first, then the time, then the HMAC. */
enum sig_result sig_verify(const unsigned char *secret, size_t secret_len, const char *header, const char *body,
                           size_t len, int64_t now_s, int64_t tolerance_s);

#endif
