/* Clients of the user, boarding and review services' internal APIs. */
#include "peers.h"
#include "ids.h"
#include "log.h"
#include "svc.h"

#include <stdio.h>
#include <string.h>

static long g_timeout_ms = 3000;

/* The review queues: the user service's pending providers, the boarding service's pending listings. */
static const char PROVIDERS_BASE[] = "/internal/v1/users?role=provider&status=pending_review";
static const char LISTINGS_BASE[] = "/internal/v1/listings?status=pending_review";

void peers_init(long timeout_ms) { g_timeout_ms = timeout_ms; }

/* Percent-encode an opaque value for a query string (RFC 3986 unreserved bytes stay). */
static void url_escape(const char *in, char *out, size_t cap)
{
    static const char HEX[] = "0123456789ABCDEF";
    size_t o = 0;
    for (const unsigned char *p = (const unsigned char *)in; *p && o + 4 < cap; p++) {
        if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-' ||
            *p == '.' || *p == '_' || *p == '~') {
            out[o++] = (char)*p;
        } else {
            out[o++] = '%';
            out[o++] = HEX[*p >> 4];
            out[o++] = HEX[*p & 15];
        }
    }
    out[o] = 0;
}

static enum err call_within(const char *service, const char *method, const char *path, const json_t *body,
                            long timeout_ms, struct httpc_resp *out)
{
    char url[4608];
    int n = snprintf(url, sizeof url, "%s%s", svc_url(service), path);
    if (n < 0 || (size_t)n >= sizeof url) {
        memset(out, 0, sizeof *out);
        return ERR_INTERNAL;
    }
    enum err e = httpc_request(method, url, body, NULL, timeout_ms, out);
    if (e == ERR_OK && out->status >= 500)
        LOG_W("admin: %s %s answered %ld", method, url, out->status);
    return e;
}

static enum err call(const char *service, const char *method, const char *path, const json_t *body,
                     struct httpc_resp *out)
{
    return call_within(service, method, path, body, g_timeout_ms, out);
}

/* Append "name=<value percent-encoded>" to the query of path (len bytes used of cap), after
 * '?' or '&' as the path needs; a NULL value adds nothing. false when it does not fit. */
static bool query_add(char *path, size_t cap, size_t *len, const char *name, const char *value)
{
    char esc[3 * 1024 + 8];
    if (!value)
        return true;
    if (strlen(value) > 1024)
        return false;
    url_escape(value, esc, sizeof esc);
    int n = snprintf(path + *len, cap - *len, "%c%s=%s", strchr(path, '?') ? '&' : '?', name, esc);
    if (n < 0 || (size_t)n >= cap - *len)
        return false;
    *len += (size_t)n;
    return true;
}

/* One page of a list: base (a path with its query's filters) plus limit and cursor. */
static enum err list_within(const char *service, const char *base, long limit, const char *cursor, long timeout_ms,
                            struct httpc_resp *out)
{
    char path[4096], n[24];
    size_t len = (size_t)snprintf(path, sizeof path, "%s", base);
    snprintf(n, sizeof n, "%ld", limit);
    if (len >= sizeof path || !query_add(path, sizeof path, &len, "limit", n) ||
        !query_add(path, sizeof path, &len, "cursor", cursor)) {
        memset(out, 0, sizeof *out);
        return ERR_INTERNAL;
    }
    return call_within(service, "GET", path, NULL, timeout_ms, out);
}

static enum err list(const char *service, const char *base, long limit, const char *cursor, struct httpc_resp *out)
{
    return list_within(service, base, limit, cursor, g_timeout_ms, out);
}

/* A list whose base carries the filters given (name/value pairs, NULL values left out). */
static enum err list_filtered(const char *service, const char *base, const char *const *filters, size_t nfilters,
                              long limit, const char *cursor, struct httpc_resp *out)
{
    char path[3584];
    size_t len = (size_t)snprintf(path, sizeof path, "%s", base);
    for (size_t i = 0; i + 1 < nfilters && len < sizeof path; i += 2)
        if (!query_add(path, sizeof path, &len, filters[i], filters[i + 1])) {
            memset(out, 0, sizeof *out);
            return ERR_INTERNAL;
        }
    return list(service, path, limit, cursor, out);
}

static enum err post_action(const char *service, const char *fmt, uint64_t id, const char *action,
                            const char *reason, struct httpc_resp *out)
{
    char path[256], ids[IDS_STR_LEN];
    snprintf(path, sizeof path, fmt, ids_format(id, ids), action);
    json_t *body = reason ? json_pack("{s:s}", "reason", reason) : json_object();
    if (!body) {
        memset(out, 0, sizeof *out);
        return ERR_NO_MEMORY;
    }
    enum err e = call(service, "POST", path, body, out);
    json_decref(body);
    return e;
}

static enum err get_one(const char *service, const char *fmt, uint64_t id, struct httpc_resp *out)
{
    char path[256], ids[IDS_STR_LEN];
    snprintf(path, sizeof path, fmt, ids_format(id, ids));
    return call(service, "GET", path, NULL, out);
}

enum err peer_pending_providers(long limit, const char *cursor, struct httpc_resp *out)
{
    return list("user", PROVIDERS_BASE, limit, cursor, out);
}

enum err peer_users(const char *q, const char *role, const char *status, long limit, const char *cursor,
                    struct httpc_resp *out)
{
    const char *const filters[] = {"q", q, "role", role, "status", status};
    return list_filtered("user", "/internal/v1/users?order=newest", filters, 6, limit, cursor, out);
}

enum err peer_user_get(uint64_t id, struct httpc_resp *out)
{
    return get_one("user", "/internal/v1/users/%s", id, out);
}

enum err peer_user_action(uint64_t id, const char *action, const char *reason, struct httpc_resp *out)
{
    return post_action("user", "/internal/v1/users/%s/%s", id, action, reason, out);
}

enum err peer_pending_listings(long limit, const char *cursor, struct httpc_resp *out)
{
    return list("boarding", LISTINGS_BASE, limit, cursor, out);
}

enum err peer_listing_get(uint64_t id, struct httpc_resp *out)
{
    return get_one("boarding", "/internal/v1/listings/%s", id, out);
}

enum err peer_listing_action(uint64_t id, const char *action, const char *reason, const char *expected_updated_at,
                             struct httpc_resp *out)
{
    char path[256], ids[IDS_STR_LEN];
    snprintf(path, sizeof path, "/internal/v1/listings/%s/%s", ids_format(id, ids), action);
    json_t *body = json_object();
    if (reason)
        json_object_set_new(body, "reason", json_string(reason));
    if (expected_updated_at)
        json_object_set_new(body, "expected_updated_at", json_string(expected_updated_at));
    enum err e = call("boarding", "POST", path, body, out);
    json_decref(body);
    return e;
}

enum err peer_provider_listings(uint64_t provider_id, bool visible, struct httpc_resp *out)
{
    return post_action("boarding", "/internal/v1/providers/%s/%s", provider_id, visible ? "reinstate" : "suspend",
                       NULL, out);
}

enum err peer_reviews(const char *hidden, const char *listing_id, long limit, const char *cursor,
                      struct httpc_resp *out)
{
    const char *const filters[] = {"hidden", hidden, "listing_id", listing_id};
    return list_filtered("review", "/internal/v1/reviews", filters, 4, limit, cursor, out);
}

enum err peer_review_action(uint64_t id, const char *action, const char *reason, struct httpc_resp *out)
{
    return post_action("review", "/internal/v1/reviews/%s/%s", id, action, reason, out);
}

enum err peer_stats_today(const char *service, long timeout_ms, struct httpc_resp *out)
{
    return call_within(service, "GET", "/internal/v1/stats/today", NULL, timeout_ms, out);
}

enum err peer_count_pending(bool listings, long timeout_ms, long cap, long *count, bool *capped, long *status)
{
    const char *service = listings ? "boarding" : "user";
    char cursor[130] = "";
    long n = 0;
    bool more = true;
    enum err e = ERR_OK;
    *status = 0;
    while (e == ERR_OK && more && n < cap) {
        struct httpc_resp resp = {0};
        e = list_within(service, listings ? LISTINGS_BASE : PROVIDERS_BASE, 100, cursor[0] ? cursor : NULL, timeout_ms,
                        &resp);
        *status = e == ERR_OK ? resp.status : 0;
        const json_t *items = json_object_get(resp.json, "items");
        const char *next = json_string_value(json_object_get(resp.json, "next_cursor"));
        if (e == ERR_OK && (resp.status != 200 || !json_is_array(items)))
            e = ERR_UNAVAILABLE;
        if (e == ERR_OK) {
            n += (long)json_array_size(items);
            more = next && next[0] && strlen(next) < sizeof cursor;
            if (more)
                snprintf(cursor, sizeof cursor, "%s", next);
        }
        httpc_resp_free(&resp);
    }
    if (e == ERR_OK) {
        *capped = more && n >= cap;
        *count = n < cap ? n : cap;
    }
    return e;
}
