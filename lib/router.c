/* Linear route table: services have a few dozen routes, so a scan is faster than any tree. */
#include "router.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

struct route {
    char method[8];
    char *pattern;
    size_t nseg;
    char *seg[ROUTER_MAX_SEGMENTS]; /* literal text, or "{name}" */
    unsigned param_mask;             /* bit i set: segment i is a parameter */
    void *handler;
};

struct router {
    struct route *routes;
    size_t n, cap;
};

struct router *router_new(void) { return calloc(1, sizeof(struct router)); }

static void route_clear(struct route *rt)
{
    for (size_t i = 0; i < rt->nseg; i++)
        free(rt->seg[i]);
    free(rt->pattern);
}

void router_free(struct router *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n; i++)
        route_clear(&r->routes[i]);
    free(r->routes);
    free(r);
}

int router_add(struct router *r, const char *method, const char *pattern, void *handler)
{
    if (!pattern || pattern[0] != '/' || strlen(method) >= sizeof(((struct route *)0)->method))
        return -1;
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 16;
        struct route *nr = realloc(r->routes, cap * sizeof *nr);
        if (!nr)
            return -1;
        r->routes = nr;
        r->cap = cap;
    }
    struct route rt = {0};
    strcpy(rt.method, method);
    rt.handler = handler;
    rt.pattern = strdup(pattern);
    if (!rt.pattern)
        goto fail;
    const char *p = pattern + 1;
    size_t nparams = 0;
    while (*p) {
        const char *slash = strchr(p, '/');
        size_t len = slash ? (size_t)(slash - p) : strlen(p);
        if (len == 0 || rt.nseg == ROUTER_MAX_SEGMENTS)
            goto fail;
        if (p[0] == '{') {
            if (len < 3 || p[len - 1] != '}' || len - 2 >= sizeof(((struct router_match *)0)->names[0]) ||
                nparams == ROUTER_MAX_PARAMS)
                goto fail;
            rt.param_mask |= 1u << rt.nseg;
            nparams++;
            rt.seg[rt.nseg] = strndup(p + 1, len - 2);
        } else {
            rt.seg[rt.nseg] = strndup(p, len);
        }
        if (!rt.seg[rt.nseg++])
            goto fail;
        p += len;
        if (*p == '/')
            p++;
    }
    r->routes[r->n++] = rt;
    return 0;
fail:
    route_clear(&rt);
    return -1;
}

/* Split path into segments (pointers into buf). Returns count, or -1 if too many/empty. */
static int split(char *buf, char **seg)
{
    int n = 0;
    char *p = buf;
    if (*p != '/')
        return -1;
    p++;
    if (!*p)
        return 0;
    for (;;) {
        if (n == ROUTER_MAX_SEGMENTS)
            return -1;
        seg[n++] = p;
        char *slash = strchr(p, '/');
        if (!slash)
            break;
        *slash = 0;
        p = slash + 1;
        if (!*p) /* trailing slash: an empty last segment never matches */
            return -1;
    }
    for (int i = 0; i < n; i++)
        if (!*seg[i])
            return -1;
    return n;
}

static bool path_matches(const struct route *rt, char **seg, int n)
{
    if ((size_t)n != rt->nseg)
        return false;
    for (int i = 0; i < n; i++) {
        if (rt->param_mask & (1u << i)) {
            if (strlen(seg[i]) >= sizeof(((struct router_match *)0)->values[0]))
                return false;
        } else if (strcmp(rt->seg[i], seg[i]) != 0) {
            return false;
        }
    }
    return true;
}

/* Literal segments outrank parameters, leftmost first: compare param masks bit-reversed,
 * i.e. the route whose first parameter comes later is more specific. */
static bool more_specific(const struct route *a, const struct route *b)
{
    for (size_t i = 0; i < a->nseg; i++) {
        unsigned pa = a->param_mask & (1u << i), pb = b->param_mask & (1u << i);
        if (pa != pb)
            return pa == 0;
    }
    return false;
}

enum router_result router_match(const struct router *r, const char *method, const char *path,
                                struct router_match *out)
{
    char buf[1024];
    char *seg[ROUTER_MAX_SEGMENTS];
    size_t len = strlen(path);
    if (len >= sizeof buf)
        return ROUTER_NOT_FOUND;
    memcpy(buf, path, len + 1);
    int n = split(buf, seg);
    if (n < 0)
        return ROUTER_NOT_FOUND;

    /* The most specific pattern that matches the path decides; if it has no route for this
     * method the answer is 405, never a fall-through to a parameter route (otherwise DELETE
     * /users/me would treat "me" as an id when only GET/PATCH /users/me exist). */
    const struct route *top = NULL, *best = NULL;
    for (size_t i = 0; i < r->n; i++) {
        const struct route *rt = &r->routes[i];
        if (path_matches(rt, seg, n) && (!top || more_specific(rt, top)))
            top = rt;
    }
    if (!top)
        return ROUTER_NOT_FOUND;
    for (size_t i = 0; i < r->n && !best; i++) {
        const struct route *rt = &r->routes[i];
        if (rt->param_mask == top->param_mask && path_matches(rt, seg, n) && strcmp(rt->method, method) == 0)
            best = rt;
    }
    if (!best)
        return ROUTER_METHOD_NOT_ALLOWED;

    memset(out, 0, sizeof *out);
    out->handler = best->handler;
    out->pattern = best->pattern;
    for (int i = 0; i < n; i++) {
        if (!(best->param_mask & (1u << i)))
            continue;
        strcpy(out->names[out->nparams], best->seg[i]);
        strcpy(out->values[out->nparams], seg[i]);
        out->nparams++;
    }
    return ROUTER_FOUND;
}

const char *router_param(const struct router_match *m, const char *name)
{
    for (size_t i = 0; i < m->nparams; i++)
        if (strcmp(m->names[i], name) == 0)
            return m->values[i];
    return NULL;
}
