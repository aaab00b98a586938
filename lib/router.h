/* Method + path routing with `{name}` segment parameters. Pure: no I/O, unit-tested. */
#ifndef PB_ROUTER_H
#define PB_ROUTER_H

#include <stddef.h>

#define ROUTER_MAX_PARAMS 4
#define ROUTER_MAX_SEGMENTS 12

struct router;

struct router_match {
    void *handler;                              /* what router_add stored */
    const char *pattern;                        /* the route's pattern, for metrics labels */
    size_t nparams;
    char names[ROUTER_MAX_PARAMS][24];
    char values[ROUTER_MAX_PARAMS][128];
};

enum router_result { ROUTER_FOUND, ROUTER_NOT_FOUND, ROUTER_METHOD_NOT_ALLOWED };

struct router *router_new(void);
void router_free(struct router *r);

/* Add a route. pattern is an absolute path whose segments are literals or `{name}`;
 * handler is opaque to the router. Returns 0, or -1 on a malformed pattern or no memory. */
int router_add(struct router *r, const char *method, const char *pattern, void *handler);

/* Find the route for method and path (no query string). When several patterns match, the
 * one with a literal segment where the other has a parameter wins (leftmost first), so
 * `/users/me` beats `/users/{id}`. A parameter matches one non-empty segment of at most
 * 127 bytes. ROUTER_METHOD_NOT_ALLOWED means the path exists for another method. */
enum router_result router_match(const struct router *r, const char *method, const char *path,
                                struct router_match *out);

/* Value of a named parameter in a match, or NULL. */
const char *router_param(const struct router_match *m, const char *name);

#endif
