/* Photo references: the resolve request and its answer, the stored form, the rendering. */
#include "mediaref.h"
#include "ids.h"
#include "log.h"
#include "mediaurl.h"
#include "svc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

json_t *mediaref_resolve_body(uint64_t owner_id, const char *purpose, const uint64_t *ids, size_t n)
{
    char owner[IDS_STR_LEN];
    json_t *list = mediaref_ids_json(ids, n);
    if (!list)
        return NULL;
    return json_pack("{s:s,s:s,s:o}", "owner_id", ids_format(owner_id, owner), "purpose", purpose, "ids", list);
}

/* The index i of a media field name "ids.<i>" (i < n), or -1. */
static long ids_index(const char *key, size_t n)
{
    if (strncmp(key, "ids.", 4) != 0 || key[4] < '0' || key[4] > '9')
        return -1;
    char *end;
    unsigned long i = strtoul(key + 4, &end, 10);
    return *end == 0 && i < n ? (long)i : -1;
}

/* 422: every field named must be one of the ids asked for; they become <field>.<i>. */
static enum err map_invalid(const json_t *mfields, const char *field, size_t n, json_t **fields)
{
    const char *key;
    json_t *msg;
    if (!json_is_object(mfields) || json_object_size(mfields) == 0)
        return ERR_INTERNAL;
    json_t *out = json_object();
    if (!out)
        return ERR_NO_MEMORY;
    json_object_foreach((json_t *)mfields, key, msg)
    {
        char name[96];
        long i = ids_index(key, n);
        if (i < 0 || !json_is_string(msg)) {
            json_decref(out);
            return ERR_INTERNAL; /* a field of the request itself: our request was malformed */
        }
        snprintf(name, sizeof name, "%s.%ld", field, i);
        if (json_object_set_new(out, name, json_string(json_string_value(msg))) != 0) {
            json_decref(out);
            return ERR_NO_MEMORY;
        }
    }
    if (fields)
        *fields = out;
    else
        json_decref(out);
    return ERR_INVALID;
}

/* 200: exactly the ids asked for, in order, each with both URLs. */
static enum err map_items(const json_t *answer, const uint64_t *ids, size_t n, json_t **items)
{
    const json_t *list = json_object_get(answer, "items");
    if (!json_is_array(list) || json_array_size(list) != n)
        return ERR_UNAVAILABLE;
    json_t *out = json_array();
    if (!out)
        return ERR_NO_MEMORY;
    for (size_t i = 0; i < n; i++) {
        const json_t *it = json_array_get(list, i);
        const char *id = json_string_value(json_object_get(it, "id"));
        const char *url = json_string_value(json_object_get(it, "url"));
        const char *thumb = json_string_value(json_object_get(it, "thumb_url"));
        uint64_t got = 0;
        if (!id || !url || !thumb || !ids_parse(id, &got) || got != ids[i]) {
            json_decref(out);
            return ERR_UNAVAILABLE;
        }
        if (json_array_append_new(out, json_pack("{s:s,s:s,s:s}", "id", id, "url", url, "thumb_url", thumb)) != 0) {
            json_decref(out);
            return ERR_NO_MEMORY;
        }
    }
    if (items)
        *items = out;
    else
        json_decref(out);
    return ERR_OK;
}

enum err mediaref_resolve_answer(enum err call_e, const struct httpc_resp *resp, const char *field,
                                 const uint64_t *ids, size_t n, json_t **items, json_t **fields)
{
    enum err e = ERR_UNAVAILABLE;
    long status = resp ? resp->status : 0;
    if (call_e == ERR_OK && status == 200)
        e = map_items(resp->json, ids, n, items);
    else if (call_e == ERR_OK && status == 422)
        e = map_invalid(json_object_get(json_object_get(resp->json, "error"), "fields"), field, n, fields);
    else if (call_e == ERR_OK && status >= 400 && status < 500)
        e = ERR_INTERNAL;
    else if (call_e == ERR_NO_MEMORY)
        e = ERR_NO_MEMORY;
    if (e == ERR_UNAVAILABLE)
        LOG_W("mediaref: the media service gave no usable answer to a resolve of %s (%s, status %ld)", field,
              err_code(call_e), status);
    else if (e == ERR_INTERNAL)
        LOG_E("mediaref: the media service refused a resolve of %s as malformed: %ld %.300s", field, status,
              resp && resp->body ? resp->body : "");
    return e;
}

bool mediaref_ok_or_reply(struct http_req *r, enum err e, json_t *fields)
{
    if (e == ERR_OK) {
        json_decref(fields);
        return true;
    }
    if (e == ERR_INVALID) {
        http_reply_error(r, ERR_INVALID, NULL, fields);
        return false;
    }
    json_decref(fields);
    http_reply_error(r, e, e == ERR_UNAVAILABLE ? "the photos cannot be checked now: the media service does not answer"
                                                : NULL,
                     NULL);
    return false;
}

json_t *mediaref_ids_json(const uint64_t *ids, size_t n)
{
    json_t *a = json_array();
    char s[IDS_STR_LEN];
    for (size_t i = 0; a && i < n; i++)
        if (json_array_append_new(a, json_string(ids_format(ids[i], s))) != 0) {
            json_decref(a);
            a = NULL;
        }
    return a;
}

static bool is_web_url(const char *s)
{
    return strncasecmp(s, "http://", 7) == 0 || strncasecmp(s, "https://", 8) == 0;
}

/* One stored item as rendered: a new reference, NULL with *skip for an unknown form, NULL
 * without it when signing or memory failed. */
static json_t *render_item(const json_t *it, int64_t now_s, bool *signed_any, bool *skip)
{
    uint64_t id;
    *skip = false;
    if (json_is_string(it) && ids_parse(json_string_value(it), &id)) {
        *signed_any = true;
        return mediaurl_photo(id, now_s);
    }
    if (json_is_string(it) && is_web_url(json_string_value(it)))
        return json_pack("{s:n,s:s,s:s}", "id", "url", json_string_value(it), "thumb_url", json_string_value(it));
    const json_t *pid = json_object_get(it, "id");
    const char *url = json_string_value(json_object_get(it, "url"));
    const char *thumb = json_string_value(json_object_get(it, "thumb_url"));
    if (json_is_object(it) && url && thumb && (json_is_string(pid) || json_is_null(pid)))
        return json_pack("{s:O,s:s,s:s}", "id", pid, "url", url, "thumb_url", thumb);
    *skip = true;
    return NULL;
}

json_t *mediaref_render(const json_t *stored, int64_t now_s, bool *signed_any)
{
    bool any = false;
    json_t *out = json_array();
    size_t i;
    const json_t *it;
    if (!out)
        return NULL;
    json_array_foreach(stored, i, it)
    {
        bool skip;
        json_t *p = render_item(it, now_s, &any, &skip);
        if (skip) {
            LOG_W("mediaref: stored photo %zu is of no known form; not shown", i);
            continue;
        }
        if (!p || json_array_append_new(out, p) != 0) {
            json_decref(out);
            return NULL;
        }
    }
    if (signed_any)
        *signed_any = any;
    return out;
}

int64_t mediaref_stamp(bool signed_any, int64_t now_s) { return signed_any ? mediaurl_expiry(now_s) : 0; }

bool mediaref_stamp_current(int64_t stamp, int64_t now_s) { return stamp == 0 || stamp == mediaurl_expiry(now_s); }

enum err mediaref_resolve(uint64_t owner_id, const char *purpose, const char *field, const uint64_t *ids, size_t n,
                          json_t **items, json_t **fields)
{
    if (n == 0)
        return ERR_OK;
    char url[256];
    struct httpc_resp resp = {0};
    json_t *body = mediaref_resolve_body(owner_id, purpose, ids, n);
    if (!body)
        return ERR_NO_MEMORY;
    snprintf(url, sizeof url, "%s%s", svc_url("media"), MEDIAREF_RESOLVE_PATH);
    enum err e = httpc_request("POST", url, body, NULL, MEDIAREF_TIMEOUT_MS, &resp);
    e = mediaref_resolve_answer(e, &resp, field, ids, n, items, fields);
    json_decref(body);
    httpc_resp_free(&resp);
    return e;
}
