/* References from a service's resources to the media service's photos: how a service checks
 * the media ids a client attaches (the body of POST /internal/v1/media/resolve and its answer
 * mapped onto the caller's field), what it stores, and how it renders what it stored. Only
 * attaching calls the media service; reads never do: private photos are signed on every
 * rendering (lib/mediaurl.h), public ones were stored as media resolved them.
 *
 * A resource stores its photos as one JSON array whose items are:
 *   "<id>"                           a private photo (pet, care log, verification document):
 *                                    rendered {"id", "url", "thumb_url"} with signed URLs
 *   {"id", "url", "thumb_url"}       a public photo (listing), as resolved: rendered as is
 *   "http://..." or "https://..."    a photo attached as a URL before photos were media ids:
 *                                    rendered {"id": null, "url": <it>, "thumb_url": <it>}
 *
 * A service checks what a client attaches with mediaref_resolve (one call to the media service
 * through lib/httpc.h: its timeout, the request id, the internal token) and replies with
 * mediaref_ok_or_reply. */
#ifndef PB_MEDIAREF_H
#define PB_MEDIAREF_H

#include "errors.h"
#include "http.h"
#include "httpc.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MEDIAREF_RESOLVE_PATH "/internal/v1/media/resolve"
#define MEDIAREF_RESOLVE_MAX 20    /* ids per resolve (the media service's limit) */
#define MEDIAREF_TIMEOUT_MS 3000   /* a resolve is one indexed read of the media table */

/* Check ids[0..n) attached as the caller's field (e.g. "photos", "documents") with the media
 * service: they must exist, be owner_id's and have this purpose ("pet", "listing",
 * "care_log", "verification"). One POST /internal/v1/media/resolve within
 * MEDIAREF_TIMEOUT_MS; the answer is read as mediaref_resolve_answer says (ERR_OK with *items,
 * ERR_INVALID with *fields, ERR_UNAVAILABLE when media cannot say). n == 0 is ERR_OK at once,
 * without a call (*items then untouched). */
enum err mediaref_resolve(uint64_t owner_id, const char *purpose, const char *field, const uint64_t *ids, size_t n,
                          json_t **items, json_t **fields);

/* The body of a resolve: {"owner_id": "<owner>", "purpose": purpose, "ids": ["<id>", ...]}.
 * purpose is the media purpose ("pet", "listing", "care_log", "verification"). New reference,
 * or NULL when out of memory. */
json_t *mediaref_resolve_body(uint64_t owner_id, const char *purpose, const uint64_t *ids, size_t n);

/* Read the media service's answer to a resolve of ids[0..n) attached as the caller's field
 * (e.g. "photos", "documents"); call_e is what the HTTP call returned (resp is borrowed):
 *   200 with the n items in the order asked: ERR_OK, *items = a new array of
 *       {"id", "url", "thumb_url"} (what a public photo is stored as; visibility dropped)
 *   422 naming ids.<i>: ERR_INVALID, *fields = a new object {"<field>.<i>": <media's message>}
 *       (an unknown id, another owner's photo, another purpose: the media service's words)
 *   anything else (no answer, a 5xx, a body that is not such an answer): ERR_UNAVAILABLE,
 *       or ERR_INTERNAL for a 4xx that only a malformed request can cause; logged here.
 * items and fields may be NULL when the caller does not want them; they are written only on
 * the result they belong to. ERR_NO_MEMORY when a copy cannot be made. */
enum err mediaref_resolve_answer(enum err call_e, const struct httpc_resp *resp, const char *field,
                                 const uint64_t *ids, size_t n, json_t **items, json_t **fields);

/* Reply for a resolve that did not succeed and return false; true (no reply) when e is
 * ERR_OK. ERR_INVALID: 422 with fields; ERR_UNAVAILABLE: 503 saying the photos cannot be
 * checked now; anything else: its usual reply. Takes fields (NULL allowed) in every case. */
bool mediaref_ok_or_reply(struct http_req *r, enum err e, json_t *fields);

/* The stored form of private photos: ["<id>", ...] in the given order. New reference, or NULL
 * when out of memory. */
json_t *mediaref_ids_json(const uint64_t *ids, size_t n);

/* Render stored photos (borrowed; NULL, or anything but an array, renders as none) for a
 * reader the caller has already authorised: private ids signed as of now_s, public objects
 * and legacy URLs as described above; an item of no known form is left out (logged).
 * *signed_any (may be NULL) tells whether a URL was signed, i.e. whether the rendering expires
 * (mediaref_stamp). New array, or NULL when out of memory or when signing fails (no key). */
json_t *mediaref_render(const json_t *stored, int64_t now_s, bool *signed_any);

/* The stamp a cached rendering keeps beside its body: the expiry of the signed URLs it holds
 * (mediaurl_expiry(now_s)) when signed_any, else 0 (it never goes stale by time). */
int64_t mediaref_stamp(bool signed_any, int64_t now_s);
/* Whether a cached rendering stamped `stamp` may still be served at now_s: it signed nothing,
 * or its URLs are the ones a rendering made now would carry (the same hour), so every reader
 * gets the same URLs (browsers cache them) with more than an hour to live. */
bool mediaref_stamp_current(int64_t stamp, int64_t now_s);

#endif
