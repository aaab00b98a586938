/* The gateway: routing, JSON errors of its own, request ids end to end, /internal/ closed,
 * rate limits on login and registration. */
#include "harness.h"

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(health_and_unknown_paths),
        cmocka_unit_test(request_ids_flow_through),
        cmocka_unit_test(query_tokens_are_not_logged),
        cmocka_unit_test(login_flood_is_rate_limited),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
