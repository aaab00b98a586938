/* Canonical review content, its SHA-256, and the public view of a review. Pure. */
#include "content.h"
#include "dates.h"
#include "ids.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* An id field of an object, given as a string. */
static bool id_field(const json_t *o, const char *key, uint64_t *out)
{
    return ids_parse(json_string_value(json_object_get(o, key)), out);
}

bool review_parse_completed(const json_t *data, struct review_eligible *out)
{
    const json_t *order = json_object_get(data, "order");
    struct review_eligible e;
    if (!json_is_object(order) || !id_field(order, "id", &e.order_id) || !id_field(order, "owner_id", &e.owner_id) ||
        !id_field(order, "listing_id", &e.listing_id) || !id_field(order, "provider_id", &e.provider_id) ||
        !time_parse_ms(json_string_value(json_object_get(data, "completed_at")), &e.completed_ms))
        return false;
    *out = e;
    return true;
}

/* A sub-rating as it appears in the canonical form: "1".."5" or "" when not given. */
static const char *sub(int v, char *buf)
{
    if (v >= 1 && v <= 5)
        snprintf(buf, 2, "%d", v);
    else
        buf[0] = 0;
    return buf;
}

/* Format head (a printf result) followed by "text=<len>:<text>\n" into a new string. */
static char *with_text(const char *head, int hlen, const char *text, size_t *len)
{
    if (hlen < 0)
        return NULL;
    const char *t = text ? text : "";
    size_t tl = strlen(t);
    char pre[32];
    int pl = snprintf(pre, sizeof pre, "text=%zu:", tl);
    size_t total = (size_t)hlen + (size_t)pl + tl + 1;
    char *out = malloc(total + 1);
    if (!out)
        return NULL;
    memcpy(out, head, (size_t)hlen);
    memcpy(out + hlen, pre, (size_t)pl);
    memcpy(out + hlen + pl, t, tl);
    out[total - 1] = '\n';
    out[total] = 0;
    *len = total;
    return out;
}

char *review_canonical(const struct review *r, size_t *len)
{
    char head[512], a[2], b[2], c[2];
    int n = snprintf(head, sizeof head,
                     "pb-review/1\nid=%llu\norder_id=%llu\nlisting_id=%llu\nprovider_id=%llu\nowner_id=%llu\n"
                     "rating=%d\ncare=%s\ncommunication=%s\ncleanliness=%s\ncreated_ms=%lld\n",
                     (unsigned long long)r->id, (unsigned long long)r->order_id, (unsigned long long)r->listing_id,
                     (unsigned long long)r->provider_id, (unsigned long long)r->owner_id, r->rating,
                     sub(r->care, a), sub(r->communication, b), sub(r->cleanliness, c), (long long)r->created_ms);
    return with_text(head, n, r->text, len);
}

char *review_reply_canonical(uint64_t review_id, uint64_t provider_id, int64_t created_ms, const char *text,
                             size_t *len)
{
    char head[160];
    int n = snprintf(head, sizeof head, "pb-review-reply/1\nreview_id=%llu\nprovider_id=%llu\ncreated_ms=%lld\n",
                     (unsigned long long)review_id, (unsigned long long)provider_id, (long long)created_ms);
    return with_text(head, n, text, len);
}

void review_sha256_hex(const char *data, size_t len, char out[REVIEW_SHA256_HEX])
{
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, (const unsigned char *)data, len);
    sodium_bin2hex(out, REVIEW_SHA256_HEX, h, sizeof h);
}

bool review_seal(struct review *r)
{
    size_t len = 0;
    char *c = review_canonical(r, &len);
    if (!c)
        return false;
    review_sha256_hex(c, len, r->sha256);
    free(c);
    return true;
}

bool review_seal_reply(struct review *r)
{
    size_t len = 0;
    char *c = review_reply_canonical(r->id, r->provider_id, r->reply_ms, r->reply_text, &len);
    if (!c)
        return false;
    review_sha256_hex(c, len, r->reply_sha256);
    free(c);
    return true;
}

/* Whether the hash of canonical text c (freed here) equals want. */
static bool matches(char *c, size_t len, const char *want)
{
    if (!c)
        return false;
    char got[REVIEW_SHA256_HEX];
    review_sha256_hex(c, len, got);
    free(c);
    return strlen(want) == REVIEW_SHA256_HEX - 1 && sodium_memcmp(got, want, REVIEW_SHA256_HEX - 1) == 0;
}

bool review_intact(const struct review *r)
{
    size_t len = 0;
    char *c = review_canonical(r, &len);
    if (!matches(c, len, r->sha256))
        return false;
    if (!r->reply_text)
        return true;
    c = review_reply_canonical(r->id, r->provider_id, r->reply_ms, r->reply_text, &len);
    return matches(c, len, r->reply_sha256);
}

static json_t *stars(int v) { return v >= 1 && v <= 5 ? json_integer(v) : json_null(); }

json_t *review_json(const struct review *r, bool intact)
{
    char id[IDS_STR_LEN], order[IDS_STR_LEN], listing[IDS_STR_LEN], owner[IDS_STR_LEN], at[TIME_STR_LEN],
        rat[TIME_STR_LEN];
    bool shown = intact && !r->hidden;
    json_t *reply = json_null();
    if (intact && r->reply_text)
        reply = json_pack("{s:s,s:s}", "text", r->reply_text, "created_at", time_format_ms(r->reply_ms, rat));
    const char *reason = !intact ? REVIEW_INTEGRITY_REASON : r->hidden ? r->hidden_reason : NULL;
    return json_pack("{s:s,s:s,s:s,s:s,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:b,s:o,s:s}", "id", ids_format(r->id, id),
                     "order_id", ids_format(r->order_id, order), "listing_id", ids_format(r->listing_id, listing),
                     "owner_id", ids_format(r->owner_id, owner), "owner_display_name",
                     r->owner_display_name ? json_string(r->owner_display_name) : json_null(), "rating",
                     shown ? stars(r->rating) : json_null(), "care", shown ? stars(r->care) : json_null(),
                     "communication", shown ? stars(r->communication) : json_null(), "cleanliness",
                     shown ? stars(r->cleanliness) : json_null(), "text",
                     shown ? json_string(r->text ? r->text : "") : json_null(), "reply", reply, "hidden", !shown,
                     "hidden_reason", reason ? json_string(reason) : json_null(), "created_at",
                     time_format_ms(r->created_ms, at));
}

json_t *review_admin_json(const struct review *r, bool intact)
{
    char pid[IDS_STR_LEN], at[TIME_STR_LEN];
    json_t *j = review_json(r, intact);
    json_t *original = json_null();
    if (r->hidden || !intact)
        original = json_pack("{s:o,s:o,s:o,s:o,s:s}", "rating", stars(r->rating), "care", stars(r->care),
                             "communication", stars(r->communication), "cleanliness", stars(r->cleanliness), "text",
                             r->text ? r->text : "");
    if (!j || !original) {
        json_decref(j);
        json_decref(original);
        return NULL;
    }
    /* hidden and hidden_reason say what moderation decided; integrity_ok says the rest */
    json_object_set_new(j, "hidden", json_boolean(r->hidden));
    json_object_set_new(j, "hidden_reason", r->hidden && r->hidden_reason ? json_string(r->hidden_reason) : json_null());
    json_object_set_new(j, "provider_id", json_string(ids_format(r->provider_id, pid)));
    json_object_set_new(j, "hidden_at", r->hidden && r->hidden_ms ? json_string(time_format_ms(r->hidden_ms, at))
                                                                  : json_null());
    json_object_set_new(j, "integrity_ok", json_boolean(intact));
    json_object_set_new(j, "moderated_original", original);
    return j;
}

/* ---------- request bodies ---------- */

const char *const REVIEW_POST_FIELDS[] = {"order_id", "rating", "care", "communication", "cleanliness", "text", NULL};
const char *const REVIEW_REPLY_FIELDS[] = {"text", NULL};

static bool blank(const char *s)
{
    for (; *s; s++)
        if (*s != ' ' && *s != '\n' && *s != '\r' && *s != '\t')
            return false;
    return true;
}

void review_read_text(struct jv *v, const char *key, size_t max, const char **out)
{
    if (jv_str(v, key, JV_REQUIRED | JV_MULTILINE, 1, max, out) && blank(*out))
        jv_fail(v, key, "must not be blank");
}

static int read_stars(struct jv *v, const char *key, unsigned flags)
{
    int64_t n = 0;
    return jv_int(v, key, flags, 1, 5, &n) ? (int)n : 0;
}

void review_read_body(struct jv *v, struct review *rv)
{
    jv_id(v, "order_id", JV_REQUIRED, &rv->order_id);
    rv->rating = read_stars(v, "rating", JV_REQUIRED);
    rv->care = read_stars(v, "care", 0);
    rv->communication = read_stars(v, "communication", 0);
    rv->cleanliness = read_stars(v, "cleanliness", 0);
    jv_str(v, "text", JV_REQUIRED | JV_MULTILINE, 0, REVIEW_TEXT_MAX, &rv->text);
}
