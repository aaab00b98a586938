/* The router (lib/router.c) on client paths: the method on the first line, the path after
 * it, matched against the route table of every service (generated from their svc_route
 * calls). Then the same bytes as patterns of a fresh router (router_add must refuse what it
 * cannot hold) matched against themselves. Properties: a match names the segments of the
 * path, each parameter a non-empty segment of at most 127 bytes without '/'. */
#include "fuzz.h"
#include "router.h"

#include <stdbool.h>

static const char *const ROUTES[][2] = {
#include "pb_fuzz_routes.h"
    {"GET", "/healthz"},
    {"GET", "/readyz"},
    {"GET", "/metrics"},
};
#define NROUTES (sizeof ROUTES / sizeof ROUTES[0])

static struct router *table;

static void check_match(const char *path, const struct router_match *m)
{
    FUZZ_CHECK(m->pattern != NULL);
    FUZZ_CHECK(m->nparams <= ROUTER_MAX_PARAMS);
    for (size_t i = 0; i < m->nparams; i++) {
        size_t len = strlen(m->values[i]);
        FUZZ_CHECK(len > 0 && len < sizeof m->values[i]);
        FUZZ_CHECK(strchr(m->values[i], '/') == NULL);
        FUZZ_CHECK(strstr(path, m->values[i]) != NULL);
        FUZZ_CHECK(router_param(m, m->names[i]) != NULL);
    }
}

static void match_one(const struct router *r, const char *method, const char *path)
{
    struct router_match m;
    enum router_result res = router_match(r, method, path, &m);
    FUZZ_CHECK(res == ROUTER_FOUND || res == ROUTER_NOT_FOUND || res == ROUTER_METHOD_NOT_ALLOWED);
    if (res == ROUTER_FOUND)
        check_match(path, &m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!table) {
        table = router_new();
        FUZZ_CHECK(table != NULL);
        for (size_t i = 0; i < NROUTES; i++)
            FUZZ_CHECK(router_add(table, ROUTES[i][0], ROUTES[i][1], (void *)(i + 1)) == 0);
    }
    const uint8_t *rest;
    size_t rest_len;
    char *method = fuzz_split(data, size, &rest, &rest_len);
    char *path = fuzz_cstr(rest, rest_len);
    match_one(table, method, path);

    /* the path as a pattern (and the method as a method name) of a router of its own */
    struct router *own = router_new();
    FUZZ_CHECK(own != NULL);
    if (router_add(own, method, path, own) == 0) {
        match_one(own, method, path);
        match_one(own, "GET", path);
    }
    router_free(own);
    free(path);
    free(method);
    return 0;
}
