/* libcurl-based client with per-thread connection reuse. */
#include "httpc.h"
#include "log.h"

#include <curl/curl.h>
#include <stdbool.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_RESPONSE (8u << 20)

static pthread_key_t handle_key;
static pthread_once_t key_once = PTHREAD_ONCE_INIT;
static char g_token[256];

static void handle_destroy(void *h) { curl_easy_cleanup(h); }
static void make_key(void) { pthread_key_create(&handle_key, handle_destroy); }

void httpc_init(const char *internal_token)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    pthread_once(&key_once, make_key);
    snprintf(g_token, sizeof g_token, "%s", internal_token ? internal_token : "");
}

void httpc_cleanup_thread(void)
{
    pthread_once(&key_once, make_key);
    CURL *h = pthread_getspecific(handle_key);
    if (h) {
        curl_easy_cleanup(h);
        pthread_setspecific(handle_key, NULL);
    }
}

void httpc_cleanup(void)
{
    httpc_cleanup_thread();
    curl_global_cleanup();
}

static CURL *thread_handle(void)
{
    pthread_once(&key_once, make_key);
    CURL *h = pthread_getspecific(handle_key);
    if (h) {
        curl_easy_reset(h); /* keeps the connection cache: that is the keep-alive */
        return h;
    }
    h = curl_easy_init();
    if (h)
        pthread_setspecific(handle_key, h);
    return h;
}

static size_t on_data(char *ptr, size_t size, size_t nmemb, void *ud)
{
    struct httpc_resp *r = ud;
    size_t n = size * nmemb;
    if (r->len + n > MAX_RESPONSE)
        return 0;
    char *nb = realloc(r->body, r->len + n + 1);
    if (!nb)
        return 0;
    memcpy(nb + r->len, ptr, n);
    r->body = nb;
    r->len += n;
    r->body[r->len] = 0;
    return n;
}

void httpc_resp_free(struct httpc_resp *r)
{
    if (!r)
        return;
    free(r->body);
    json_decref(r->json);
    memset(r, 0, sizeof *r);
}

static enum err perform(const char *method, const char *url, const char *content_type, const char *body, size_t len,
                        const char *const *headers, long timeout_ms, bool internal, struct httpc_resp *out);

enum err httpc_request_raw(const char *method, const char *url, const char *content_type, const char *body,
                           size_t len, const char *const *headers, long timeout_ms, struct httpc_resp *out)
{
    return perform(method, url, content_type, body, len, headers, timeout_ms, true, out);
}

enum err httpc_request_public(const char *method, const char *url, const char *content_type, const char *body,
                              size_t len, const char *const *headers, long timeout_ms, struct httpc_resp *out)
{
    return perform(method, url, content_type, body, len, headers, timeout_ms, false, out);
}

static enum err perform(const char *method, const char *url, const char *content_type, const char *body, size_t len,
                        const char *const *headers, long timeout_ms, bool internal, struct httpc_resp *out)
{
    memset(out, 0, sizeof *out);
    CURL *h = thread_handle();
    struct curl_slist *hl = NULL;
    char line[320];
    enum err e = ERR_UNAVAILABLE;
    if (!h)
        return ERR_NO_MEMORY;
    if (content_type) {
        snprintf(line, sizeof line, "Content-Type: %s", content_type);
        hl = curl_slist_append(hl, line);
    }
    if (internal && *log_request_id()) {
        snprintf(line, sizeof line, "X-Request-Id: %s", log_request_id());
        hl = curl_slist_append(hl, line);
    }
    if (internal && g_token[0]) {
        snprintf(line, sizeof line, "X-Internal-Token: %s", g_token);
        hl = curl_slist_append(hl, line);
    }
    hl = curl_slist_append(hl, "Expect:"); /* no 100-continue round trip */
    for (size_t i = 0; headers && headers[i]; i++)
        hl = curl_slist_append(hl, headers[i]);
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hl);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    /* a name is looked up again after 2 s (libcurl keeps answers 60 s): a container that is
     * recreated (Compose) comes back with a new address, and calls to the old one would time
     * out for a minute; the lookups go to the container network's DNS or /etc/hosts */
    curl_easy_setopt(h, CURLOPT_DNS_CACHE_TIMEOUT, 2L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms < 1000 ? timeout_ms : 1000L);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, out);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    if (body) {
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    }
    CURLcode rc = curl_easy_perform(h);
    if (rc != CURLE_OK) {
        LOG_W("httpc: %s %s failed: %s", method, url, curl_easy_strerror(rc));
        goto done;
    }
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &out->status);
    if (!out->body) {
        out->body = strdup("");
        if (!out->body) {
            e = ERR_NO_MEMORY;
            goto done;
        }
    }
    out->json = out->len ? json_loadb(out->body, out->len, 0, NULL) : NULL;
    e = ERR_OK;
done:
    curl_slist_free_all(hl);
    return e;
}

enum err httpc_request(const char *method, const char *url, const json_t *body, const char *const *headers,
                       long timeout_ms, struct httpc_resp *out)
{
    char *s = body ? json_dumps(body, JSON_COMPACT) : NULL;
    if (body && !s) {
        memset(out, 0, sizeof *out);
        return ERR_NO_MEMORY;
    }
    enum err e = httpc_request_raw(method, url, body ? "application/json" : NULL, s, s ? strlen(s) : 0, headers,
                                   timeout_ms, out);
    free(s);
    return e;
}
