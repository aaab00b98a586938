/* HTTP handlers of the media service: uploads, an upload's description, private files (by
 * signed URL or token, served by nginx through X-Accel-Redirect), and resolving ids for the
 * services photos are attached in. */
#include "routes.h"
#include "dates.h"
#include "files.h"
#include "ids.h"
#include "image.h"
#include "log.h"
#include "mediaurl.h"
#include "metrics.h"
#include "peers.h"
#include "store.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const RESOLVE_FIELDS[] = {"owner_id", "purpose", "ids", NULL};

static struct media_app *app_of(struct http_req *r) { return svc_of(r)->app; }

static int64_t now_s(void) { return time_now_ms() / 1000; }

/* ---------- rendering ---------- */

/* The two URLs of an upload: public paths nginx serves, or signed private paths made now. */
static bool media_urls(const struct media *m, int64_t now, char *full, char *thumb)
{
    if (m->pub)
        return media_public_url(m->sha256, MEDIAURL_FULL, full, MEDIAURL_LEN) &&
               media_public_url(m->sha256, MEDIAURL_THUMB, thumb, MEDIAURL_LEN);
    return mediaurl_private(m->id, MEDIAURL_FULL, now, full, MEDIAURL_LEN) &&
           mediaurl_private(m->id, MEDIAURL_THUMB, now, thumb, MEDIAURL_LEN);
}

/* The upload as its uploader (or an admin) sees it: the 201 and GET /api/v1/media/{id}. */
static json_t *render(const struct media *m)
{
    char full[MEDIAURL_LEN], thumb[MEDIAURL_LEN], id[IDS_STR_LEN], at[TIME_STR_LEN];
    if (!media_urls(m, now_s(), full, thumb))
        return NULL;
    return json_pack("{s:s,s:s,s:s,s:I,s:I,s:s,s:s,s:s}", "id", ids_format(m->id, id), "purpose",
                     MEDIA_PURPOSE_NAMES[m->purpose], "visibility", m->pub ? "public" : "private", "width",
                     (json_int_t)m->width, "height", (json_int_t)m->height, "url", full, "thumb_url", thumb,
                     "created_at", time_format_ms(m->created_ms, at));
}

static void reply_media(struct http_req *r, int status, const struct media *m)
{
    json_t *j = render(m);
    if (!j) {
        LOG_E("media: cannot render %llu (no signing key, or out of memory)", (unsigned long long)m->id);
        http_reply_error(r, ERR_INTERNAL, NULL, NULL);
        return;
    }
    http_reply_json(r, status, j);
}

/* ---------- POST /api/v1/media?purpose= ---------- */

static void count_upload(int purpose, const char *result)
{
    char labels[96];
    snprintf(labels, sizeof labels, "purpose=\"%s\",result=\"%s\"",
             purpose >= 0 ? MEDIA_PURPOSE_NAMES[purpose] : "unknown", result);
    metrics_count("pb_media_uploads_total", labels, 1);
}

/* Whether this caller may upload for this purpose: its role, and for listing and care-log
 * photos an approved provider (asked of the user service). */
static bool may_upload_or_reply(struct http_req *r, const struct auth_principal *me, enum media_purpose p)
{
    if (!(me->role & media_purpose_roles(p))) {
        http_reply_error(r, ERR_FORBIDDEN, "your role cannot upload photos for this purpose", NULL);
        return false;
    }
    if (!media_purpose_needs_approval(p))
        return true;
    bool approved = false;
    if (peer_provider_approved(me->user_id, app_of(r)->user_timeout_ms, &approved) != ERR_OK) {
        http_reply_error(r, ERR_UNAVAILABLE, "cannot check the provider's verification", NULL);
        return false;
    }
    if (!approved)
        http_reply_error(r, ERR_FORBIDDEN, "only providers approved by an admin can upload listing and care-log photos",
                         NULL);
    return approved;
}

/* Run the image through libvips; on false the reply was sent. */
static bool process_or_reply(struct http_req *r, const char *body, size_t len, struct image_out *out)
{
    struct media_app *app = app_of(r);
    char why[256];
    enum image_result res = image_process(body, len, &app->limits, app->wait_ms, out, why, sizeof why);
    switch (res) {
    case IMAGE_OK:
        return true;
    case IMAGE_NOT_IMAGE:
        http_reply_error(r, ERR_UNSUPPORTED_MEDIA, why, NULL);
        break;
    case IMAGE_BAD_SIZE:
    case IMAGE_UNDECODABLE:
        http_reply_error(r, ERR_INVALID, NULL, json_pack("{s:s}", "file", why));
        break;
    case IMAGE_BUSY:
        http_reply_error(r, ERR_UNAVAILABLE, why, NULL);
        break;
    case IMAGE_FAILED:
        http_reply_error(r, ERR_INTERNAL, NULL, NULL);
        break;
    }
    return false;
}

/* Store both files under the SHA-256 of the large one and fill m's file fields. */
static enum err store_files(struct media_app *app, const struct image_out *img, struct media *m)
{
    unsigned char h[crypto_hash_sha256_BYTES];
    char rel[256];
    crypto_hash_sha256(h, img->full, img->full_len);
    sodium_bin2hex(m->sha256, sizeof m->sha256, h, sizeof h);
    enum err e = ERR_INTERNAL;
    /* the small one first: once the large one (which names both) exists, both do */
    if (media_rel_path(m->pub, m->sha256, MEDIAURL_THUMB, rel, sizeof rel))
        e = files_put(app->dir, rel, img->thumb, img->thumb_len);
    if (e == ERR_OK)
        e = media_rel_path(m->pub, m->sha256, MEDIAURL_FULL, rel, sizeof rel)
                ? files_put(app->dir, rel, img->full, img->full_len)
                : ERR_INTERNAL;
    return e;
}

/* 429 for an account that made its uploads of the day: Retry-After says when the oldest of
 * them (made at oldest_ms) leaves the 24-hour window. */
static void reply_quota(struct http_req *r, int64_t oldest_ms)
{
    char after[24], msg[96];
    snprintf(after, sizeof after, "%ld", media_retry_after_s(oldest_ms, time_now_ms()));
    snprintf(msg, sizeof msg, "an account may upload at most %ld photos in 24 hours", app_of(r)->max_per_day);
    http_header_add(r, "Retry-After", after);
    http_reply_error(r, ERR_RATE_LIMITED, msg, NULL);
}

/* The cheap check before an upload is processed (store_media_add decides under a lock). */
static bool quota_or_reply(struct http_req *r, uint64_t owner)
{
    long long n = 0;
    int64_t oldest = 0;
    enum err e = store_media_recent(svc_of(r), owner, time_now_ms(), &n, &oldest);
    if (e != ERR_OK) {
        svc_reply_err(r, e);
        return false;
    }
    if (n >= app_of(r)->max_per_day) {
        reply_quota(r, oldest);
        return false;
    }
    return true;
}

static void h_upload(struct http_req *r)
{
    struct auth_principal me;
    struct image_out img = {0};
    struct jv v;
    int purpose = -1;
    size_t len = 0;
    jv_init(&v);
    if (!svc_auth_or_reply(r, ROLE_ANY, &me))
        goto done;
    jv_q_enum(&v, "purpose", http_query(r, "purpose"), JV_REQUIRED, MEDIA_PURPOSE_NAMES, &purpose);
    if (!http_jv_ok_or_reply(r, &v) || !may_upload_or_reply(r, &me, (enum media_purpose)purpose) ||
        !quota_or_reply(r, me.user_id))
        goto done;
    if (!media_content_type_ok(http_header(r, "Content-Type"))) {
        http_reply_error(r, ERR_UNSUPPORTED_MEDIA,
                         "Content-Type must be image/jpeg, image/png, image/webp or application/octet-stream", NULL);
        goto done;
    }
    const char *body = http_body(r, &len);
    if (len == 0) {
        http_reply_error(r, ERR_INVALID, NULL, json_pack("{s:s}", "file", "is required: send the image as the body"));
        goto done;
    }
    if (!process_or_reply(r, body, len, &img)) {
        count_upload(purpose, "refused");
        goto done;
    }
    struct media m = {
        .id = ids_next(),
        .owner_id = me.user_id,
        .purpose = (enum media_purpose)purpose,
        .pub = media_purpose_public((enum media_purpose)purpose),
        .format = img.format,
        .src_width = img.src_width,
        .src_height = img.src_height,
        .width = img.width,
        .height = img.height,
        .thumb_width = img.thumb_width,
        .thumb_height = img.thumb_height,
        .bytes = img.full_len,
        .thumb_bytes = img.thumb_len,
        .upload_bytes = len,
        .created_ms = time_now_ms(),
    };
    int64_t oldest = 0;
    enum err e = store_files(app_of(r), &img, &m);
    if (e == ERR_OK)
        e = store_media_add(svc_of(r), &m, app_of(r)->max_per_day, &oldest);
    if (e == ERR_RATE_LIMITED) { /* a concurrent upload took the last slot meanwhile */
        count_upload(purpose, "refused");
        reply_quota(r, oldest);
        goto done;
    }
    if (e != ERR_OK) {
        svc_reply_err(r, e);
        goto done;
    }
    count_upload(purpose, "stored");
    LOG_I("media: %llu stored for user %llu (%s, %s %ux%u -> %ux%u, %s)", (unsigned long long)m.id,
          (unsigned long long)me.user_id, MEDIA_PURPOSE_NAMES[purpose], media_format_name(m.format), m.src_width,
          m.src_height, m.width, m.height, m.sha256);
    char loc[64], id[IDS_STR_LEN];
    snprintf(loc, sizeof loc, "/api/v1/media/%s", ids_format(m.id, id));
    http_header_add(r, "Location", loc);
    reply_media(r, 201, &m);
done:
    image_out_free(&img);
    jv_free(&v);
}

/* ---------- GET /api/v1/media/{id} ---------- */

static void h_get(struct http_req *r)
{
    struct auth_principal me;
    struct media m;
    uint64_t id;
    if (!svc_auth_or_reply(r, ROLE_ANY, &me) || !http_id_param_or_reply(r, "id", &id))
        return;
    enum err e = store_media_get(svc_of(r), id, &m);
    if (e == ERR_OK && m.owner_id != me.user_id && me.role != ROLE_ADMIN)
        e = ERR_NOT_FOUND; /* someone else's upload is none of theirs, not even that it exists */
    if (e != ERR_OK)
        svc_reply_err(r, e);
    else
        reply_media(r, 200, &m);
}

/* ---------- GET /media/p/{id}/{size}?exp=&sig= (a private file, through the gateway) ---------- */

/* Every refusal is the same 404: an <img> has nothing to learn from the difference. */
static void not_found(struct http_req *r) { http_reply_error(r, ERR_NOT_FOUND, NULL, NULL); }

/* The file a request for a private photo may see: a valid signed URL, or a token of the
 * uploader or an admin; false for anything else (the reply is then the same 404, or a 503
 * when MariaDB is down). */
static bool private_file_or_reply(struct http_req *r, uint64_t id, struct media *m, int64_t *max_age)
{
    struct auth_principal me = {0};
    int64_t exp = 0, now = now_s();
    const char *sig = http_query(r, "sig");
    bool by_url = sig && media_exp_parse(http_query(r, "exp"), &exp) && mediaurl_verify(id, exp, sig, now);
    if (!by_url && !svc_auth_peek(r, &me)) {
        not_found(r);
        return false;
    }
    enum err e = store_media_get(svc_of(r), id, m);
    if (e == ERR_OK && (m->pub || (!by_url && m->owner_id != me.user_id && me.role != ROLE_ADMIN)))
        e = ERR_NOT_FOUND;
    if (e != ERR_OK) {
        svc_reply_err(r, e);
        return false;
    }
    *max_age = by_url ? exp - now : 0;
    return true;
}

static void h_private_file(struct http_req *r)
{
    struct media m;
    uint64_t id;
    unsigned size;
    int64_t max_age = 0;
    char path[256], cache[64];
    if (!ids_parse(http_param(r, "id"), &id) || !media_size_parse(http_param(r, "size"), &size)) {
        not_found(r);
        return;
    }
    if (!private_file_or_reply(r, id, &m, &max_age))
        return;
    if (!media_accel_path(m.sha256, size, path, sizeof path)) {
        http_reply_error(r, ERR_INTERNAL, NULL, NULL);
        return;
    }
    /* a signed URL may be cached until it expires; an answer to a token is revalidated */
    if (max_age > 0)
        snprintf(cache, sizeof cache, "private, max-age=%lld", (long long)max_age);
    else
        snprintf(cache, sizeof cache, "private, no-cache");
    /* nginx serves the file from its internal location and keeps Content-Type and
     * Cache-Control of this answer; it drops the rest (the location adds nosniff again) */
    http_header_add(r, "X-Accel-Redirect", path);
    http_header_add(r, "Cache-Control", cache);
    http_header_add(r, "X-Content-Type-Options", "nosniff");
    http_reply_raw(r, 200, "image/jpeg", "", 0);
}

/* ---------- POST /internal/v1/media/resolve ---------- */

/* The problem with ids[i] for this owner and purpose, or NULL. Unknown and other owners'
 * ids read the same. */
static const char *resolve_problem(const struct media *m, bool found, uint64_t owner, int purpose, char *buf,
                                   size_t cap)
{
    if (!found || m->owner_id != owner)
        return "no such photo of this owner";
    if ((int)m->purpose != purpose) {
        snprintf(buf, cap, "was uploaded for %s, not %s", MEDIA_PURPOSE_NAMES[m->purpose], MEDIA_PURPOSE_NAMES[purpose]);
        return buf;
    }
    return NULL;
}

static json_t *resolved_item(const struct media *m, int64_t now)
{
    char full[MEDIAURL_LEN], thumb[MEDIAURL_LEN], id[IDS_STR_LEN];
    if (!media_urls(m, now, full, thumb))
        return NULL;
    return json_pack("{s:s,s:s,s:s,s:s}", "id", ids_format(m->id, id), "visibility", m->pub ? "public" : "private",
                     "url", full, "thumb_url", thumb);
}

static void h_resolve(struct http_req *r)
{
    struct media rows[STORE_MANY_MAX];
    bool found[STORE_MANY_MAX];
    struct jv v = {0};
    uint64_t owner = 0, *ids = NULL;
    size_t n = 0;
    int purpose = -1;
    json_t *fields = NULL, *items = NULL;
    if (!svc_internal_or_reply(r))
        goto done;
    if (!http_json_or_reply(r, &v, RESOLVE_FIELDS))
        goto done;
    jv_id(&v, "owner_id", JV_REQUIRED, &owner);
    jv_enum(&v, "purpose", JV_REQUIRED, MEDIA_PURPOSE_NAMES, &purpose);
    jv_id_array(&v, "ids", JV_REQUIRED, 0, STORE_MANY_MAX, &ids, &n);
    if (!http_jv_ok_or_reply(r, &v))
        goto done;
    enum err e = store_media_get_many(svc_of(r), ids, n, rows, found);
    if (e != ERR_OK) {
        svc_reply_err(r, e);
        goto done;
    }
    fields = json_object();
    items = json_array();
    int64_t now = now_s();
    for (size_t i = 0; i < n; i++) {
        char key[32], buf[96];
        const char *why = resolve_problem(&rows[i], found[i], owner, purpose, buf, sizeof buf);
        snprintf(key, sizeof key, "ids.%zu", i);
        if (why)
            json_object_set_new(fields, key, json_string(why));
        else if (json_array_append_new(items, resolved_item(&rows[i], now)) != 0)
            e = ERR_INTERNAL;
    }
    if (json_object_size(fields) > 0) {
        http_reply_error(r, ERR_INVALID, NULL, fields);
        fields = NULL;
    } else if (e != ERR_OK) {
        svc_reply_err(r, e);
    } else {
        http_reply_json(r, 200, json_pack("{s:O}", "items", items));
    }
done:
    json_decref(items);
    json_decref(fields);
    free(ids);
    jv_free(&v);
}

void media_routes(struct svc *s)
{
    metrics_describe("pb_media_uploads_total", "photo uploads by purpose and result (stored, refused)");
    svc_route(s, "POST", "/api/v1/media", h_upload);
    svc_route(s, "GET", "/api/v1/media/{id}", h_get);
    svc_route(s, "GET", "/media/p/{id}/{size}", h_private_file);
    svc_route(s, "POST", "/internal/v1/media/resolve", h_resolve);
}
