/* Media service storage: the `media` table (all of its SQL lives in store.c). */
#ifndef PB_MEDIA_STORE_H
#define PB_MEDIA_STORE_H

#include "rules.h"
#include "svc.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One upload. */
struct media {
    uint64_t id, owner_id;
    enum media_purpose purpose;
    bool pub;                             /* public (listing) or private */
    char sha256[MEDIA_SHA_HEX_LEN + 1];   /* of the large JPEG: names both files */
    enum media_format format;             /* of the upload */
    unsigned src_width, src_height;       /* of the upload, as its header said */
    unsigned width, height;               /* of the large version */
    unsigned thumb_width, thumb_height;   /* of the small version */
    uint64_t bytes, thumb_bytes, upload_bytes;
    int64_t created_ms;
};

/* The most ids one resolve call may name. */
#define STORE_MANY_MAX 20

/* How many uploads owner made in the MEDIA_WINDOW_MS before now_ms (*n), and when the
 * oldest of them was made (*oldest_ms, 0 when none). Read without locks: a cheap refusal
 * before an upload is processed; store_media_add decides. */
enum err store_media_recent(struct svc *s, uint64_t owner, int64_t now_ms, long long *n, int64_t *oldest_ms);

/* Insert a new upload unless its owner already made max uploads in the MEDIA_WINDOW_MS
 * before m->created_ms: then ERR_RATE_LIMITED and *oldest_ms is when the oldest of them was
 * made. The count and the insert run under the owner's create_lock row (db_lock_account),
 * so concurrent uploads cannot overshoot. ERR_CONFLICT on a duplicate id, ERR_UNAVAILABLE
 * when MariaDB is down. */
enum err store_media_add(struct svc *s, const struct media *m, long max, int64_t *oldest_ms);

/* The upload with this id into *out, or ERR_NOT_FOUND. */
enum err store_media_get(struct svc *s, uint64_t id, struct media *out);

/* Look up n (<= STORE_MANY_MAX) distinct ids in one query: out[i] and found[i] for ids[i]
 * (out[i] is written only when found). */
enum err store_media_get_many(struct svc *s, const uint64_t *ids, size_t n, struct media *out, bool *found);

#endif
