/* Pure rules of a review's content: limits, what an order.completed event makes reviewable,
 * the canonical form whose SHA-256 makes a review tamper-evident, and how a review is shown
 * (visible, hidden by moderation, or failing its integrity check). */
#ifndef REVIEW_CONTENT_H
#define REVIEW_CONTENT_H

#include "jv.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define REVIEW_TEXT_MAX 2000       /* characters */
#define REVIEW_REPLY_MAX 1000
#define REVIEW_REASON_MAX 500
#define REVIEW_NAME_MAX 32         /* owner_display_name snapshot */
#define REVIEW_SHA256_HEX 65       /* 64 hex digits + NUL */
#define REVIEW_INTEGRITY_REASON "integrity check failed"

/* One review as stored. Strings are borrowed (from the request or a result set). */
struct review {
    uint64_t id, order_id, listing_id, provider_id, owner_id;
    const char *owner_display_name; /* NULL when unknown */
    int rating;                     /* 1..5 */
    int care, communication, cleanliness; /* 1..5, 0 when not given */
    const char *text;               /* 0..2000 characters, may hold newlines */
    int64_t created_ms;
    char sha256[REVIEW_SHA256_HEX]; /* of the canonical content */
    const char *reply_text;         /* NULL: no reply yet */
    int64_t reply_ms;
    char reply_sha256[REVIEW_SHA256_HEX];
    bool hidden;
    const char *hidden_reason;
    int64_t hidden_ms;
};

/* What an order.completed event makes reviewable: this owner may review this order. */
struct review_eligible {
    uint64_t order_id, owner_id, listing_id, provider_id;
    int64_t completed_ms;
};

/* Read the data of an order.completed event (version 1):
 *   {order: {id, listing_id, owner_id, provider_id, ...}, completed_at}
 * ids as strings, completed_at RFC 3339. false (out untouched) when a field is missing or
 * malformed. */
bool review_parse_completed(const json_t *data, struct review_eligible *out);

/* The canonical content of a review: a versioned, line-based text in which every field has a
 * fixed place and the text is length-prefixed, so two different reviews never share it:
 *   "pb-review/1\nid=<id>\norder_id=..\nlisting_id=..\nprovider_id=..\nowner_id=..\n"
 *   "rating=<1..5>\ncare=<1..5 or empty>\ncommunication=..\ncleanliness=..\n"
 *   "created_ms=<ms>\ntext=<byte length>:<text bytes>\n"
 * Returns a malloc'd string (*len bytes, NUL-terminated) or NULL on no memory. Moderation
 * state and the display name snapshot are not content (they are not part of the hash). */
char *review_canonical(const struct review *r, size_t *len);
/* The canonical content of a reply:
 *   "pb-review-reply/1\nreview_id=..\nprovider_id=..\ncreated_ms=..\ntext=<byte length>:<text>\n" */
char *review_reply_canonical(uint64_t review_id, uint64_t provider_id, int64_t created_ms, const char *text,
                             size_t *len);

/* Lower-case hex SHA-256 of len bytes into out. */
void review_sha256_hex(const char *data, size_t len, char out[REVIEW_SHA256_HEX]);
/* r->sha256 := the hash of r's canonical content. false on no memory. */
bool review_seal(struct review *r);
/* r->reply_sha256 := the hash of the reply (r->reply_text, r->reply_ms). false on no memory. */
bool review_seal_reply(struct review *r);
/* Whether the stored hashes match the content (the review's and, if there is one, the
 * reply's). A row whose hash is malformed or missing does not match. */
bool review_intact(const struct review *r);

/* The public JSON of a review (a new reference):
 *   {id, order_id, listing_id, owner_id, owner_display_name, rating, care, communication,
 *    cleanliness, text, reply: {text, created_at} | null, hidden, hidden_reason, created_at}
 * intact false (see review_intact) shows it as hidden with hidden_reason "integrity check
 * failed" and no reply. A hidden review keeps its place but its rating, sub-ratings and text
 * are null and hidden_reason says why; the provider's reply stays. */
json_t *review_json(const struct review *r, bool intact);

/* The moderator's view of a review (a new reference): review_json, with hidden and
 * hidden_reason saying what moderation decided (not the integrity check), plus
 *   provider_id, hidden_at (RFC 3339 or null), integrity_ok (review_intact's answer), and
 *   moderated_original: null while the public fields show the review; when they do not
 *   (hidden by moderation, or failing the integrity check) {rating, care, communication,
 *   cleanliness, text} as stored, which the public rating/.../text fields withhold.
 * The public fields keep their public values, so a client can show both side by side. */
json_t *review_admin_json(const struct review *r, bool intact);

/* ---- request bodies, as the routes read them ---- */
extern const char *const REVIEW_POST_FIELDS[];  /* POST /reviews */
extern const char *const REVIEW_REPLY_FIELDS[]; /* POST /reviews/{id}/reply */
/* A review body into rv (order_id, the stars, text; strings borrowed from v), every problem
 * recorded in v. */
void review_read_body(struct jv *v, struct review *rv);
/* A required text of 1..max characters (several lines allowed) that is not only whitespace. */
void review_read_text(struct jv *v, const char *key, size_t max, const char **out);

#endif
