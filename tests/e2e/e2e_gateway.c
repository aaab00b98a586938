/* The gateway: routing, JSON errors of its own (malformed requests included), request ids
 * end to end, /internal/ closed, rate limits on login and registration, the hardening
 * headers (nosniff, no-store on personal data, the web pages' policy). */
#include "harness.h"
#include "gz.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void health_and_unknown_paths(void **state)
{
    (void)state;
    struct resp *r = e2e_call("GET", "/healthz", NULL, NULL);
    EXPECT_STATUS(r, 200);
    assert_string_equal(e2e_str(r, "status"), "ok");
    e2e_resp_free(r);
    r = e2e_call("GET", "/api/v1/no-such-thing", NULL, NULL);
    EXPECT_ERROR(r, 404, "not_found");
    e2e_resp_free(r);
    r = e2e_call("GET", "/internal/v1/users/1", NULL, NULL);
    EXPECT_ERROR(r, 404, "not_found");
    e2e_resp_free(r);
    r = e2e_call("DELETE", "/api/v1/users/me", NULL, NULL);
    EXPECT_ERROR(r, 405, "method_not_allowed");
    e2e_resp_free(r);
}

static bool log_has(const char *file, const char *needle)
{
    char *log = e2e_home_file(file);
    bool found = false;
    if (log) {
        found = strstr(log, needle) != NULL;
        free(log);
    }
    return found;
}

struct log_probe {
    const char *file, *needle;
};

static bool probe(void *arg)
{
    const struct log_probe *p = arg;
    return log_has(p->file, p->needle);
}

static void request_ids_flow_through(void **state)
{
    (void)state;
    char rid[64];
    e2e_unique_name(rid, sizeof rid, "trace-");
    char hdr[96];
    snprintf(hdr, sizeof hdr, "X-Request-Id: %s", rid);
    const char *h[] = {hdr, NULL};
    struct resp *r = e2e_call_raw("GET", "/api/v1/users/999999999", NULL, NULL, NULL, 0, h);
    EXPECT_ERROR(r, 404, "not_found");
    assert_string_equal(r->request_id, rid);                 /* echoed in the header */
    assert_string_equal(e2e_str(r, "error.request_id"), rid); /* and in the error body from the service */
    e2e_resp_free(r);
    /* the service's JSON log and the gateway's access log carry it; both are written just
     * after the response leaves, so allow them a moment */
    char needle[96];
    snprintf(needle, sizeof needle, "\"rid\":\"%s\"", rid);
    struct log_probe svc = {"services/user.log", needle}, gw = {"nginx/logs/access.log", rid};
    assert_true(e2e_eventually(probe, &svc, 2000));
    assert_true(e2e_eventually(probe, &gw, 2000));

    /* a client id that is not a sane token is replaced */
    const char *bad[] = {"X-Request-Id: a b", NULL};
    r = e2e_call_raw("GET", "/healthz", NULL, NULL, NULL, 0, bad);
    assert_true(strlen(r->request_id) >= 16);
    assert_string_not_equal(r->request_id, "a b");
    e2e_resp_free(r);
    /* and without one, the gateway makes one */
    r = e2e_call("GET", "/api/v1/users/me", NULL, NULL);
    assert_true(strlen(r->request_id) >= 16);
    assert_string_equal(e2e_str(r, "error.request_id"), r->request_id);
    e2e_resp_free(r);
}

struct flood {
    int limited, other_4xx, server_errors;
    pthread_mutex_t mu;
};

static void flood_one(int i, void *arg)
{
    struct flood *f = arg;
    (void)i;
    e2e_source_ip("127.0.0.2"); /* its own bucket: other tests keep theirs */
    for (int k = 0; k < 10; k++) {
        /* an empty body is refused cheaply by the service; the limiter acts before it */
        struct resp *r = e2e_call_raw("POST", "/api/v1/auth/login", NULL, "application/json", "{}", 2, NULL);
        pthread_mutex_lock(&f->mu);
        if (r->status == 429 && strcmp(e2e_str(r, "error.code") ? e2e_str(r, "error.code") : "", "rate_limited") == 0)
            f->limited++;
        else if (r->status >= 400 && r->status < 500)
            f->other_4xx++;
        else
            f->server_errors++;
        pthread_mutex_unlock(&f->mu);
        e2e_resp_free(r);
    }
}

static void login_flood_is_rate_limited(void **state)
{
    (void)state;
    struct flood f = {0, 0, 0, PTHREAD_MUTEX_INITIALIZER};
    e2e_parallel(40, flood_one, &f);
    assert_true(f.limited > 0);
    assert_true(f.other_4xx > 0);      /* some got through to the service */
    assert_int_equal(f.server_errors, 0);
}

/* A token in the query (EventSource's ?access_token=) never reaches the access log. */
static void query_tokens_are_not_logged(void **state)
{
    (void)state;
    char secret[64], path[160], logged[160];
    e2e_unique_name(secret, sizeof secret, "tok");
    snprintf(path, sizeof path, "/api/v1/notifications/stream?last_event_id=0&access_token=%s&x=%s", secret, secret + 3);
    struct resp *r = e2e_call("GET", path, NULL, NULL);
    EXPECT_ERROR(r, 401, "unauthenticated");
    e2e_resp_free(r);
    snprintf(logged, sizeof logged, "stream?last_event_id=0&access_token=REDACTED&x=%s", secret + 3);
    struct log_probe gw = {"nginx/logs/access.log", logged};
    assert_true(e2e_eventually(probe, &gw, 2000));
    assert_false(log_has("nginx/logs/access.log", secret));
}

/* The error body of the gateway with this status and code, its request id the header's, and
 * nosniff, exactly once. */
static void expect_gateway_error(const struct resp *r, long status, const char *code, const char *what)
{
    char rid[96];
    if (r->status != status || !r->json) {
        print_message("%s: status %ld, body %.300s\n", what, r->status, r->body ? r->body : "(none)");
        fail();
    }
    assert_int_equal(strncmp(r->content_type, "application/json", 16), 0);
    assert_string_equal(e2e_str(r, "error.code"), code);
    assert_non_null(e2e_str(r, "error.message"));
    assert_int_equal(e2e_header(r, "X-Request-Id", rid, sizeof rid), 1);
    assert_string_equal(e2e_str(r, "error.request_id"), rid);
    assert_int_equal(e2e_header(r, "X-Content-Type-Options", NULL, 0), 1);
    assert_string_equal(r->content_type_options, "nosniff");
}

/* Send a request line and header lines (CRLF added after each, then the blank line). */
static struct resp *send_lines(const char *request_line, const char *headers)
{
    size_t n = strlen(request_line) + strlen(headers) + 64;
    char *req = malloc(n);
    assert_non_null(req);
    snprintf(req, n, "%s\r\nHost: gateway\r\n%sConnection: close\r\n\r\n", request_line, headers);
    struct resp *r = e2e_send_raw(req, strlen(req));
    free(req);
    return r;
}

/* Requests nginx refuses before it has a URI (the request line itself is bad) get the JSON
 * error body like every other error, never nginx's HTML page or a 5xx. */
static void malformed_requests_get_json_errors(void **state)
{
    (void)state;
    static const struct {
        const char *line, *what;
        long status;
    } bad[] = {
        {"GET /api/v1/listings/%00 HTTP/1.1", "a NUL byte in the path", 400},
        {"GET /%00 HTTP/1.1", "a NUL byte in a page's path", 400},
        {"GET /api/v1/list ings HTTP/1.1", "a space in the path", 400},
        {"GET /api/v1/listings HTTP/2.0", "an HTTP version nginx does not speak over HTTP/1", 400},
        {"GET /api/v1/listings HTTP/9.1", "an unknown HTTP version", 400},
        {"GET api/v1/listings HTTP/1.1", "a path without its slash", 400},
        {"GET /../../etc/passwd HTTP/1.1", "a path above the root", 400},
        {"\x01\x02garbage", "no request line at all", 400},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct resp *r = send_lines(bad[i].line, "");
        expect_gateway_error(r, bad[i].status, "bad_request", bad[i].what);
        e2e_resp_free(r);
    }
    /* a request line over large_client_header_buffers (8 KiB): 414 */
    char *line = malloc(9100);
    assert_non_null(line);
    strcpy(line, "GET /api/v1/listings/");
    memset(line + strlen(line), 'a', 9000);
    strcpy(line + 21 + 9000, " HTTP/1.1");
    struct resp *r = send_lines(line, "");
    expect_gateway_error(r, 414, "bad_request", "a 9000-byte path");
    e2e_resp_free(r);
    free(line);
    /* one header line over 8 KiB, or more than 32 KiB of headers: 431 */
    char *hdrs = malloc(6 * 7100 + 1);
    assert_non_null(hdrs);
    strcpy(hdrs, "X-Big: ");
    memset(hdrs + 7, 'b', 9000);
    strcpy(hdrs + 7 + 9000, "\r\n");
    r = send_lines("GET /api/v1/listings HTTP/1.1", hdrs);
    expect_gateway_error(r, 431, "bad_request", "a 9000-byte header");
    e2e_resp_free(r);
    hdrs[0] = 0;
    for (int k = 0; k < 6; k++) {
        size_t at = strlen(hdrs);
        snprintf(hdrs + at, 16, "X-H%d: ", k);
        at = strlen(hdrs);
        memset(hdrs + at, 'h', 7000);
        strcpy(hdrs + at + 7000, "\r\n");
    }
    r = send_lines("GET /api/v1/listings HTTP/1.1", hdrs);
    expect_gateway_error(r, 431, "bad_request", "42 KB of headers");
    e2e_resp_free(r);
    free(hdrs);
    /* a body encoding nginx does not know (it would answer 501) */
    r = send_lines("POST /api/v1/auth/login HTTP/1.1", "Transfer-Encoding: gzip\r\n");
    expect_gateway_error(r, 400, "bad_request", "Transfer-Encoding: gzip");
    e2e_resp_free(r);
    /* the error pages themselves are not addressable */
    r = send_lines("GET /_errors/500 HTTP/1.1", "");
    expect_gateway_error(r, 404, "not_found", "GET /_errors/500");
    e2e_resp_free(r);
}

/* A body over the location's limit is refused from its Content-Length, before it is sent;
 * methods nginx itself does not allow are a JSON 405. */
static void oversized_bodies_and_wrong_methods(void **state)
{
    (void)state;
    struct resp *r = send_lines("POST /api/v1/auth/register HTTP/1.1",
                                "Content-Type: application/json\r\nContent-Length: 5000000\r\n");
    expect_gateway_error(r, 413, "payload_too_large", "a 5 MB registration");
    assert_non_null(strstr(e2e_str(r, "error.message"), "1 MiB"));
    e2e_resp_free(r);
    /* the photo upload's limit is 8 MiB, and the message says so */
    r = send_lines("POST /api/v1/media?purpose=pet HTTP/1.1", "Content-Type: image/png\r\nContent-Length: 20000000\r\n");
    expect_gateway_error(r, 413, "payload_too_large", "a 20 MB photo");
    assert_non_null(strstr(e2e_str(r, "error.message"), "8 MiB"));
    e2e_resp_free(r);
    /* a POST to a page of the web app (nginx serves those files itself) */
    r = e2e_call_raw("POST", "/index.html", NULL, "text/plain", "x", 1, NULL);
    if (r->status != 404) /* 404 when the stack runs without the web app (PB_WEB=0) */
        expect_gateway_error(r, 405, "method_not_allowed", "POST /index.html");
    e2e_resp_free(r);
}

/* Whether a Cache-Control value forbids storing. */
static bool no_store(const struct resp *r) { return strstr(r->cache_control, "no-store") != NULL; }

static void expect_personal(const char *path, const char *token)
{
    struct resp *r = e2e_call("GET", path, token, NULL);
    if (!no_store(r) || e2e_header(r, "Cache-Control", NULL, 0) != 1) {
        print_message("GET %s: status %ld, Cache-Control \"%s\"\n", path, r->status, r->cache_control);
        fail();
    }
    assert_true(r->status < 500);
    assert_int_equal(e2e_header(r, "X-Content-Type-Options", NULL, 0), 1);
    e2e_resp_free(r);
}

/* nosniff on every response, one Cache-Control: no-store on every answer to an authenticated
 * caller (their data), none on the public listings, and the web pages' own policy. */
static void hardening_headers(void **state)
{
    (void)state;
    struct e2e_user owner, provider, admin;
    e2e_user_new(&owner, "owner");
    e2e_provider_approved(&provider);
    e2e_admin(&admin);
    char listing[24], path[96], pet[24];
    e2e_listing_new(&provider, NULL, true, listing);
    e2e_pet_new(&owner, NULL, pet);

    /* personal data: no cache may keep it */
    expect_personal("/api/v1/users/me", owner.token);
    expect_personal("/api/v1/pets", owner.token);
    snprintf(path, sizeof path, "/api/v1/pets/%s", pet);
    expect_personal(path, owner.token);
    expect_personal("/api/v1/orders", owner.token);
    expect_personal("/api/v1/notifications", owner.token);
    expect_personal("/api/v1/notifications/unread-count", owner.token);
    expect_personal("/api/v1/payments/1", owner.token); /* a 404, still to an authenticated caller */
    expect_personal("/api/v1/providers/me/listings", provider.token);
    expect_personal("/api/v1/admin/users", admin.token);
    expect_personal("/api/v1/admin/audit-log", admin.token);
    /* the provider's own view of the listing (its draft fields) is theirs too */
    snprintf(path, sizeof path, "/api/v1/listings/%s", listing);
    expect_personal(path, provider.token);

    /* public answers stay cacheable: no no-store on the listings an anonymous visitor reads */
    struct resp *r = e2e_call("GET", path, NULL, NULL);
    EXPECT_STATUS(r, 200);
    assert_false(no_store(r));
    assert_string_equal(r->content_type_options, "nosniff");
    assert_int_equal(e2e_header(r, "X-Content-Type-Options", NULL, 0), 1);
    e2e_resp_free(r);
    /* the search reads no token: the same public answer when the web app sends one */
    for (int signed_in = 0; signed_in < 2; signed_in++) {
        r = e2e_call("GET", "/api/v1/listings?city=Hangzhou", signed_in ? owner.token : NULL, NULL);
        EXPECT_STATUS(r, 200);
        assert_false(no_store(r));
        assert_int_equal(e2e_header(r, "X-Content-Type-Options", NULL, 0), 1);
        e2e_resp_free(r);
    }
    r = e2e_call("GET", "/healthz", NULL, NULL);
    assert_int_equal(e2e_header(r, "X-Content-Type-Options", NULL, 0), 1);
    e2e_resp_free(r);

    /* errors: the gateway's own and a service's */
    r = e2e_call("GET", "/api/v1/no-such-thing", NULL, NULL);
    expect_gateway_error(r, 404, "not_found", "an unknown API path");
    e2e_resp_free(r);
    r = e2e_call("GET", "/api/v1/users/me", NULL, NULL);
    EXPECT_ERROR(r, 401, "unauthenticated");
    assert_int_equal(e2e_header(r, "X-Content-Type-Options", NULL, 0), 1);
    assert_false(no_store(r));
    e2e_resp_free(r);

    /* the web app and the API explorer: a policy without inline script, never framed */
    static const char *const pages[] = {"/", "/login", "/docs/"};
    for (size_t i = 0; i < sizeof pages / sizeof pages[0]; i++) {
        char csp[512], v[128];
        r = e2e_call("GET", pages[i], NULL, NULL);
        assert_int_equal(e2e_header(r, "Content-Security-Policy", csp, sizeof csp), 1);
        assert_non_null(strstr(csp, "script-src 'self';"));
        assert_null(strstr(csp, "unsafe-eval"));
        assert_non_null(strstr(csp, "frame-ancestors 'none'"));
        assert_non_null(strstr(csp, "object-src 'none'"));
        assert_int_equal(e2e_header(r, "X-Frame-Options", v, sizeof v), 1);
        assert_string_equal(v, "DENY");
        assert_int_equal(e2e_header(r, "Referrer-Policy", v, sizeof v), 1);
        assert_string_equal(v, "strict-origin-when-cross-origin");
        assert_int_equal(e2e_header(r, "X-Content-Type-Options", NULL, 0), 1);
        e2e_resp_free(r);
    }
}

/* The web app's files go to a browser compressed (the .gz the build wrote, gzip_static), with
 * Vary: Accept-Encoding, and inflate to the very bytes a client without gzip gets. */
static void the_web_app_comes_gzip_to_a_browser(void **state)
{
    (void)state;
    struct resp *page = e2e_call_raw("GET", "/", NULL, NULL, NULL, 0, NULL);
    if (page->status == 404) { /* the stack runs without the web app (PB_WEB=0) */
        e2e_resp_free(page);
        skip();
    }
    EXPECT_STATUS(page, 200);
    const char *at = strstr(page->body, "/assets/index-");
    assert_non_null(at);
    char path[128];
    size_t n = strcspn(at, "\"' >");
    assert_true(n < sizeof path);
    memcpy(path, at, n);
    path[n] = 0;
    const char *browser[] = {"Accept-Encoding: gzip, deflate, br, zstd", NULL};
    struct resp *z = e2e_call_raw("GET", path, NULL, NULL, NULL, 0, browser);
    struct resp *plain = e2e_call_raw("GET", path, NULL, NULL, NULL, 0, NULL);
    EXPECT_STATUS(z, 200);
    EXPECT_STATUS(plain, 200);
    char ce[32], vary[64];
    assert_int_equal(e2e_header(z, "Content-Encoding", ce, sizeof ce), 1);
    assert_string_equal(ce, "gzip");
    assert_int_equal(e2e_header(z, "Vary", vary, sizeof vary), 1);
    assert_string_equal(vary, "Accept-Encoding");
    assert_int_equal(e2e_header(plain, "Content-Encoding", NULL, 0), 0);
    char *body = NULL;
    size_t len = 0;
    assert_true(gz_inflate(z->body, z->len, GZ_INFLATE_MAX, &body, &len));
    assert_int_equal(len, plain->len);
    assert_memory_equal(body, plain->body, len);
    assert_true(z->len < plain->len / 2);
    free(body);
    e2e_resp_free(z);
    e2e_resp_free(plain);
    e2e_resp_free(page);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(health_and_unknown_paths),
        cmocka_unit_test(request_ids_flow_through),
        cmocka_unit_test(query_tokens_are_not_logged),
        cmocka_unit_test(malformed_requests_get_json_errors),
        cmocka_unit_test(oversized_bodies_and_wrong_methods),
        cmocka_unit_test(hardening_headers),
        cmocka_unit_test(the_web_app_comes_gzip_to_a_browser),
        cmocka_unit_test(login_flood_is_rate_limited),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
