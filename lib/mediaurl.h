/* Signed URLs of private photos (the media service's files that only some readers may see).
 * A service that has already decided a reader may see a private photo renders it with
 * mediaurl_photo(); the media service checks the URL with mediaurl_verify() when the browser
 * fetches it. An <img> tag cannot send a Bearer token, so the URL itself is the credential:
 * it is valid for 1 to 2 hours and cannot be revoked before then.
 *
 *   key = HMAC-SHA256(key: the internal service token, message: "pb media url v1")
 *   sig = base64url, unpadded (43 characters), of HMAC-SHA256(key, "<id>.<exp>")
 *   URL = /media/p/<id>/<1280|320>?exp=<exp>&sig=<sig>
 *
 * exp is rounded up to a whole hour (the end of the hour after this one), so a photo's URL is
 * the same for a whole hour (browsers and the gateway can cache it). One signature covers both
 * sizes of a photo. The key is derived once (svc_main does it for every service) and only
 * read afterwards, so every function here is thread-safe after mediaurl_init. */
#ifndef PB_MEDIAURL_H
#define PB_MEDIAURL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MEDIAURL_SIG_LEN 43     /* base64url of 32 bytes, no padding */
#define MEDIAURL_STEP_S 3600    /* URLs change once an hour */
#define MEDIAURL_MAX_TTL_S 7200 /* and live at most two hours */
#define MEDIAURL_SKEW_S 300     /* clock difference allowed between the signer's host and the checker's */
#define MEDIAURL_LEN 128        /* room for any private URL with its NUL */
#define MEDIAURL_FULL 1280      /* the two sizes a photo is stored in (longest side, px) */
#define MEDIAURL_THUMB 320

/* Derive the signing key from the internal service token. svc_main calls this once at
 * start-up, before any thread starts; tests call it directly. Returns false (and leaves
 * signing disabled: mediaurl_sign fails, mediaurl_verify refuses everything) when the token
 * is NULL or empty. Calling it again replaces the key. */
bool mediaurl_init(const char *internal_token);

/* Pure: the expiry of a URL made at now_s (Unix seconds): the end of the next whole hour,
 * (now_s / 3600 + 2) * 3600, so every URL made within one hour is the same and stays valid
 * for more than 1 and at most 2 hours. */
int64_t mediaurl_expiry(int64_t now_s);

/* Write the signature of (id, exp) into sig (MEDIAURL_SIG_LEN + 1 bytes). false when no key
 * was derived. */
bool mediaurl_sign(uint64_t id, int64_t exp, char *sig);

/* Whether sig is the signature of (id, exp) and the URL is alive at now_s: now_s < exp and
 * exp no further ahead than a URL made now could be (MEDIAURL_MAX_TTL_S + MEDIAURL_SKEW_S).
 * The signature is compared in constant time; a NULL or malformed sig is false. */
bool mediaurl_verify(uint64_t id, int64_t exp, const char *sig, int64_t now_s);

/* The signed path of size (MEDIAURL_FULL or MEDIAURL_THUMB) of private photo id made at
 * now_s, "/media/p/<id>/<size>?exp=<exp>&sig=<sig>", into buf (cap >= MEDIAURL_LEN). false
 * when no key was derived, size is neither, or buf is too small. */
bool mediaurl_private(uint64_t id, unsigned size, int64_t now_s, char *buf, size_t cap);

/* The photo object every service renders for a private photo it lets this reader see:
 * {"id": "<id>", "url": <signed 1280 path>, "thumb_url": <signed 320 path>}. New reference
 * (caller owns it), or NULL when no key was derived or out of memory. */
json_t *mediaurl_photo(uint64_t id, int64_t now_s);

#endif
