/* The service skeleton every binary shares: configuration from the environment, the
 * connections a service declares (MariaDB, Redis, NATS), the HTTP server with /healthz,
 * /readyz and /metrics, authentication of callers, background threads, and orderly
 * shutdown on SIGTERM. A service's main() is a svc_spec and one call to svc_main. */
#ifndef PB_SVC_H
#define PB_SVC_H

#include "auth.h"
#include "bus.h"
#include "cache.h"
#include "db.h"
#include "errors.h"
#include "http.h"

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum svc_needs { SVC_DB = 1, SVC_CACHE = 2, SVC_BUS = 4 };

struct svc;

struct svc_spec {
    const char *name;      /* "user", "pet", ... also the default database name pb_<name> */
    unsigned needs;        /* SVC_DB | SVC_CACHE | SVC_BUS */
    /* after connections are set up, before serving; non-OK stops start-up */
    enum err (*init)(struct svc *s);
    /* register the service's routes with svc_route */
    void (*routes)(struct svc *s);
    /* after serving stopped and background threads ended */
    void (*fini)(struct svc *s);
    /* optional command-line mode: `pb-<name> <command> ...` runs this instead of serving */
    int (*command)(struct svc *s, int argc, char **argv);
    /* request threads when PB_HTTP_THREADS is not set (0: 32). Few threads suit a service
     * whose requests mostly compute (fewer context switches); many suit one whose requests wait
     * on locks and on other services. */
    unsigned http_threads;
    /* MariaDB connections when PB_DB_POOL is not set (0: 24). Each open connection keeps the
     * statements prepared on it (about 8 KB each in Connector/C), so a pool wider than the
     * transactions MariaDB can usefully run at once only holds memory. */
    unsigned db_pool;
    /* the request body limit in bytes when PB_MAX_BODY is not set (0: 256 KiB) */
    size_t max_body;
    /* glibc malloc arenas when PB_MALLOC_ARENAS is not set (0: 2). One suits a service that
     * keeps long-lived values beside short-lived request memory (a near cache): the holes its
     * evictions leave are reused by every thread instead of by the arena's own threads only. */
    unsigned malloc_arenas;
};

struct svc {
    const struct svc_spec *spec;
    const char *name;
    struct db *db;         /* NULL unless SVC_DB */
    struct cache *cache;   /* NULL unless SVC_CACHE */
    struct bus *bus;       /* NULL unless SVC_BUS */
    struct http_server *http;
    char *jwt_public_pem;  /* owned */
    char *internal_token;  /* owned */
    unsigned port;
    unsigned instance;     /* PB_INSTANCE: 1, 2, ... in cluster mode */
    void *app;             /* the service's own state */
};

/* Run the service described by spec. Returns the process exit status. */
int svc_main(int argc, char **argv, const struct svc_spec *spec);

/* The HTTP server's connection limit (PB_HTTP_CONN_LIMIT, default 1024, 16..65536): every
 * connection, idle keep-alive and event streams included, counts against it. */
unsigned svc_http_conn_limit(void);

/* The service a request belongs to. */
struct svc *svc_of(const struct http_req *r);

/* Register a route on the service's server. */
void svc_route(struct svc *s, const char *method, const char *pattern, http_handler h);

/* The platform's services in port order (services.list), a NULL-terminated array of names
 * that lives as long as the process. */
const char *const *svc_names(void);

/* The default port of a service is PB_PORT_BASE plus this offset: its 1-based place in
 * svc_names(). 0 when service is NULL or not one of them. */
unsigned svc_port_offset(const char *service);

/* Base URL of another service: $PB_<NAME>_URL, else http://127.0.0.1:<its default port>. */
const char *svc_url(const char *service);

/* Authenticate the caller from `Authorization: Bearer <jwt>`: signature and expiry locally,
 * then one Redis round trip for revocation (logged-out session, suspended user). Missing or
 * bad token: 401. Role not in roles (a mask of enum role): 403. Redis down: 503. On true the
 * principal is stored in the request and copied to *out (if not NULL). */
bool svc_auth_or_reply(struct http_req *r, unsigned roles, struct auth_principal *out);

/* Like svc_auth_or_reply but a request without Authorization passes as anonymous (returns
 * true with *out zeroed); a present but bad token is still refused. */
bool svc_auth_optional_or_reply(struct http_req *r, struct auth_principal *out);

/* Authenticate like svc_auth_or_reply but never reply: true with the principal in *out (and
 * in the request) when a valid, unrevoked Bearer token is present; false when there is none,
 * it is bad or revoked, or Redis cannot be asked. For answers where every refusal must look
 * the same (a private photo fetched with a signed URL or a token: 404). */
bool svc_auth_peek(struct http_req *r, struct auth_principal *out);

/* Require the internal service token (X-Internal-Token); otherwise 403. */
bool svc_internal_or_reply(struct http_req *r);

/* Map an error from a store call to its reply (the detail was logged where it happened). */
void svc_reply_err(struct http_req *r, enum err e);

/* Redis keys of token revocation, shared by the user service (writer) and every verifier. */
void svc_key_session_revoked(char *buf, size_t len, const char *sid);
void svc_key_user_tokens_after(char *buf, size_t len, uint64_t user_id);

/* Whether a verified token was revoked since it was issued (its session logged out, or all
 * of its user's tokens revoked, e.g. at a suspension): ERR_OK and *revoked, or
 * ERR_UNAVAILABLE when Redis cannot be asked (retried through a Sentinel failover first). */
enum err svc_token_revoked(struct svc *s, const struct auth_principal *p, bool *revoked);

/* ---- background work ---- */
/* Start fn(s, arg) on a thread that svc_main joins at shutdown. Returns 0 or -1. */
int svc_spawn(struct svc *s, void (*fn)(struct svc *s, void *arg), void *arg);
/* Sleep up to ms; returns false at once when the service is stopping. */
bool svc_sleep_ms(struct svc *s, long ms);
bool svc_stopping(const struct svc *s);

#endif
