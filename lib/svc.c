/* Service skeleton: wiring, health endpoints, authentication, background threads, shutdown. */
#include "svc.h"
#include "config.h"
#include "dates.h"
#include "httpc.h"
#include "ids.h"
#include "log.h"
#include "mediaurl.h"
#include "metrics.h"
#include "pb_services.h"

#include <ctype.h>
#include <malloc.h>
#include <signal.h>
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define MAX_THREADS 16

/* The services in port order, from services.list (CMakeLists.txt generates the header). */
static const char *const SERVICES[] = {PB_SERVICE_NAMES, NULL};

struct worker {
    pthread_t tid;
    struct svc *s;
    void (*fn)(struct svc *, void *);
    void *arg;
};

/* process-wide: one service per process */
static struct svc *g_svc;
static pthread_mutex_t stop_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t stop_cv = PTHREAD_COND_INITIALIZER;
static bool g_stopping;
static struct worker g_workers[MAX_THREADS];
static size_t g_nworkers;

struct svc *svc_of(const struct http_req *r) { return http_app(r); }

void svc_route(struct svc *s, const char *method, const char *pattern, http_handler h)
{
    if (http_route(s->http, method, pattern, h) != 0)
        exit(2); /* a programming error: fail loudly at start-up */
}

const char *const *svc_names(void) { return SERVICES; }

unsigned svc_port_offset(const char *service)
{
    for (unsigned i = 0; service && SERVICES[i]; i++)
        if (strcmp(SERVICES[i], service) == 0)
            return i + 1;
    return 0;
}

const char *svc_url(const char *service)
{
    static _Thread_local char buf[128];
    char var[64];
    snprintf(var, sizeof var, "PB_%s_URL", service);
    for (char *p = var; *p; p++)
        *p = (char)toupper((unsigned char)*p);
    const char *v = getenv(var);
    if (v && *v)
        return v;
    long base = config_long("PB_PORT_BASE", 8080, 1, 65000);
    snprintf(buf, sizeof buf, "http://127.0.0.1:%ld", base + (long)svc_port_offset(service));
    return buf;
}

void svc_key_session_revoked(char *buf, size_t len, const char *sid)
{
    snprintf(buf, len, "pb:auth:revoked:%s", sid);
}

void svc_key_user_tokens_after(char *buf, size_t len, uint64_t user_id)
{
    snprintf(buf, len, "pb:auth:user:%llu:after", (unsigned long long)user_id);
}

void svc_reply_err(struct http_req *r, enum err e)
{
    http_reply_error(r, e, NULL, NULL);
}

/* ---------- authentication ---------- */

static const char *bearer(struct http_req *r)
{
    const char *h = http_header(r, "Authorization");
    if (!h || strncasecmp(h, "Bearer ", 7) != 0)
        return NULL;
    h += 7;
    while (*h == ' ')
        h++;
    return *h ? h : NULL;
}

enum err svc_token_revoked(struct svc *s, const struct auth_principal *p, bool *revoked)
{
    char k1[96], k2[96];
    svc_key_session_revoked(k1, sizeof k1, p->sid);
    svc_key_user_tokens_after(k2, sizeof k2, p->user_id);
    /* every authenticated request asks: it rides out a Redis failover rather than failing */
    redisReply *rep = cache_read(s->cache, true, "MGET %s %s", k1, k2);
    if (!rep || rep->type != REDIS_REPLY_ARRAY || rep->elements != 2) {
        if (rep)
            freeReplyObject(rep);
        return ERR_UNAVAILABLE;
    }
    *revoked = rep->element[0]->type == REDIS_REPLY_STRING ||
               (rep->element[1]->type == REDIS_REPLY_STRING && strtoll(rep->element[1]->str, NULL, 10) > p->iat_ms);
    freeReplyObject(rep);
    return ERR_OK;
}

static bool verify_or_reply(struct http_req *r, const char *tok, struct auth_principal *p)
{
    struct svc *s = svc_of(r);
    if (auth_verify_cached(s->jwt_public_pem, tok, time_now_ms() / 1000, p) != ERR_OK) {
        http_reply_error(r, ERR_UNAUTHENTICATED, "invalid or expired access token", NULL);
        return false;
    }
    bool revoked = true;
    if (svc_token_revoked(s, p, &revoked) != ERR_OK) {
        http_reply_error(r, ERR_UNAVAILABLE, "cannot check the token's revocation", NULL);
        return false;
    }
    if (revoked) {
        http_reply_error(r, ERR_UNAUTHENTICATED, "the access token was revoked", NULL);
        return false;
    }
    http_set_principal(r, p);
    return true;
}

bool svc_auth_or_reply(struct http_req *r, unsigned roles, struct auth_principal *out)
{
    struct auth_principal p;
    const char *tok = bearer(r);
    if (!tok) {
        http_reply_error(r, ERR_UNAUTHENTICATED, "an Authorization: Bearer token is required", NULL);
        return false;
    }
    if (!verify_or_reply(r, tok, &p))
        return false;
    if (!(p.role & roles)) {
        http_reply_error(r, ERR_FORBIDDEN, "your role cannot do this", NULL);
        return false;
    }
    if (out)
        *out = p;
    return true;
}

bool svc_auth_peek(struct http_req *r, struct auth_principal *out)
{
    struct svc *s = svc_of(r);
    struct auth_principal p;
    bool revoked = true;
    const char *tok = bearer(r);
    if (!tok || auth_verify_cached(s->jwt_public_pem, tok, time_now_ms() / 1000, &p) != ERR_OK)
        return false;
    if (svc_token_revoked(s, &p, &revoked) != ERR_OK) {
        LOG_W("svc: cannot check a token's revocation (Redis unavailable): treated as no token");
        return false;
    }
    if (revoked)
        return false;
    http_set_principal(r, &p);
    *out = p;
    return true;
}

bool svc_auth_optional_or_reply(struct http_req *r, struct auth_principal *out)
{
    struct auth_principal p = {0};
    if (http_header(r, "Authorization") && !svc_auth_or_reply(r, ROLE_ANY, &p))
        return false;
    if (out)
        *out = p;
    return true;
}

bool svc_internal_or_reply(struct http_req *r)
{
    struct svc *s = svc_of(r);
    const char *t = http_header(r, "X-Internal-Token");
    size_t n = s->internal_token ? strlen(s->internal_token) : 0;
    if (n && t && strlen(t) == n && sodium_memcmp(t, s->internal_token, n) == 0)
        return true;
    http_reply_error(r, ERR_FORBIDDEN, "internal endpoint", NULL);
    return false;
}

/* ---------- health ---------- */

static void h_healthz(struct http_req *r)
{
    http_reply_json(r, 200, json_pack("{s:s,s:s}", "status", "ok", "service", svc_of(r)->name));
}

static void h_readyz(struct http_req *r)
{
    struct svc *s = svc_of(r);
    json_t *checks = json_object();
    bool ok = true;
    if (s->db) {
        bool up = db_ping(s->db) == ERR_OK;
        ok &= up;
        json_object_set_new(checks, "db", json_string(up ? "ok" : "down"));
    }
    if (s->cache) {
        bool up = cache_ping(s->cache) == ERR_OK;
        ok &= up;
        json_object_set_new(checks, "cache", json_string(up ? "ok" : "down"));
    }
    if (s->bus) {
        bool up = bus_connected(s->bus);
        ok &= up;
        json_object_set_new(checks, "bus", json_string(up ? "ok" : "down"));
    }
    http_reply_json(r, ok ? 200 : 503,
                    json_pack("{s:s,s:s,s:o}", "status", ok ? "ready" : "not_ready", "service", s->name, "checks", checks));
}

static void h_metrics(struct http_req *r)
{
    char *text = metrics_render(svc_of(r)->name);
    if (!text) {
        http_reply_error(r, ERR_NO_MEMORY, NULL, NULL);
        return;
    }
    http_reply_take(r, 200, "text/plain; version=0.0.4", text, strlen(text));
}

/* ---------- background threads ---------- */

bool svc_stopping(const struct svc *s)
{
    (void)s;
    pthread_mutex_lock(&stop_mu);
    bool v = g_stopping;
    pthread_mutex_unlock(&stop_mu);
    return v;
}

bool svc_sleep_ms(struct svc *s, long ms)
{
    (void)s;
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += ms / 1000;
    until.tv_nsec += (ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&stop_mu);
    while (!g_stopping && pthread_cond_timedwait(&stop_cv, &stop_mu, &until) == 0)
        ;
    bool go_on = !g_stopping;
    pthread_mutex_unlock(&stop_mu);
    return go_on;
}

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    log_set_request_id(NULL);
    w->fn(w->s, w->arg);
    httpc_cleanup_thread();
    return NULL;
}

int svc_spawn(struct svc *s, void (*fn)(struct svc *, void *), void *arg)
{
    if (g_nworkers == MAX_THREADS)
        return -1;
    struct worker *w = &g_workers[g_nworkers];
    *w = (struct worker){0, s, fn, arg};
    if (pthread_create(&w->tid, NULL, worker_main, w) != 0)
        return -1;
    g_nworkers++;
    return 0;
}

/* What a burst leaves behind, given back when it is over: every PB_MALLOC_TRIM_S (default 10;
 * 0: never) the pages free()d meanwhile (glibc keeps them otherwise, and a service that served
 * a peak would hold its memory for good; a trim walks the two arenas), and, first, the MariaDB
 * connections nobody used for PB_DB_IDLE_S (default 30; 0: never) with the statements prepared
 * on them (about 8 KB each in Connector/C). */
struct housekeeping {
    long trim_s, db_idle_s;
};

static void housekeeping_loop(struct svc *s, void *arg)
{
    const struct housekeeping *h = arg;
    long tick_s = h->trim_s > 0 ? h->trim_s : 10;
    while (svc_sleep_ms(s, tick_s * 1000)) {
        if (s->db && h->db_idle_s > 0)
            db_close_idle(s->db, h->db_idle_s * 1000);
#ifdef __GLIBC__
        if (h->trim_s > 0)
            malloc_trim(0);
#endif
    }
}

static void stop_workers(void)
{
    pthread_mutex_lock(&stop_mu);
    g_stopping = true;
    pthread_cond_broadcast(&stop_cv);
    pthread_mutex_unlock(&stop_mu);
    for (size_t i = 0; i < g_nworkers; i++)
        pthread_join(g_workers[i].tid, NULL);
    g_nworkers = 0;
}

/* ---------- main ---------- */

static char *db_password(const char *name)
{
    char *p = config_file("PB_DB_PASSWORD_FILE");
    if (p)
        return p;
    (void)name;
    return strdup(config_str("PB_DB_PASSWORD", ""));
}

static int setup(struct svc *s, const struct svc_spec *spec)
{
    char dbname[64];
    snprintf(dbname, sizeof dbname, "pb_%s", spec->name);
    if (spec->needs & SVC_DB) {
        char *pw = db_password(spec->name);
        struct db_opts o = {
            .host = config_str("PB_DB_HOST", "127.0.0.1"),
            .port = (unsigned)config_long("PB_DB_PORT", 3306, 1, 65535),
            .hosts = config_str("PB_DB_HOSTS", NULL),
            .user = config_str("PB_DB_USER", dbname),
            .password = pw,
            .database = config_str("PB_DB_NAME", dbname),
            .pool_size = (unsigned)config_long("PB_DB_POOL", spec->db_pool ? (long)spec->db_pool : 24, 1, 512),
            .acquire_timeout_ms = (unsigned)config_long("PB_DB_ACQUIRE_TIMEOUT_MS", 2000, 1, 60000),
            .io_timeout_s = (unsigned)config_long("PB_DB_IO_TIMEOUT_S", 5, 1, 600),
        };
        s->db = pw ? db_new(&o) : NULL;
        free(pw);
        if (!s->db)
            return -1;
        metrics_gauge("pb_db_connections_in_use", "MariaDB pool connections borrowed", db_in_use, s->db);
        metrics_gauge("pb_db_statements", "statements prepared on the MariaDB pool's connections", db_statements,
                      s->db);
    }
    if (spec->needs & SVC_CACHE) {
        struct cache_opts o = {
            .host = config_str("PB_REDIS_HOST", "127.0.0.1"),
            .port = (unsigned)config_long("PB_REDIS_PORT", 6379, 1, 65535),
            .sentinels = config_str("PB_REDIS_SENTINELS", NULL),
            .master_name = config_str("PB_REDIS_MASTER", "pbmaster"),
            .pool_size = (unsigned)config_long("PB_REDIS_POOL", 32, 1, 512),
            .timeout_ms = (unsigned)config_long("PB_REDIS_TIMEOUT_MS", 500, 1, 60000),
            /* with Sentinel, a replica exists: invalidations and revocations wait for it and
             * ride out a failover (lib/cache.h cache_cmd_durable) */
            .wait_replicas = (unsigned)config_long("PB_REDIS_WAIT_REPLICAS", 0, 0, 8),
            .wait_ms = (unsigned)config_long("PB_REDIS_WAIT_MS", 100, 1, 10000),
            .retry_ms = (unsigned)config_long("PB_REDIS_RETRY_MS", 0, 0, 60000),
        };
        if (!(s->cache = cache_new(&o)))
            return -1;
    }
    if (spec->needs & SVC_BUS) {
        if (!(s->bus = bus_new(config_str("PB_NATS_URL", "nats://127.0.0.1:4222"))))
            return -1;
    }
    s->jwt_public_pem = config_file("PB_JWT_PUBLIC_KEY_FILE");
    s->internal_token = config_file("PB_INTERNAL_TOKEN_FILE");
    if (!s->jwt_public_pem)
        LOG_W("PB_JWT_PUBLIC_KEY_FILE is not set: every authenticated request will be refused");
    httpc_init(s->internal_token);
    /* every service may render private photos for readers it has authorised */
    if (!mediaurl_init(s->internal_token))
        LOG_W("PB_INTERNAL_TOKEN_FILE is not set: private photo URLs can be neither signed nor checked");
    return 0;
}

static void teardown(struct svc *s)
{
    http_server_free(s->http);
    stop_workers();
    if (s->spec->fini)
        s->spec->fini(s);
    bus_free(s->bus);
    cache_free(s->cache);
    db_free(s->db);
    free(s->jwt_public_pem);
    free(s->internal_token);
    httpc_cleanup();
}

unsigned svc_http_conn_limit(void) { return (unsigned)config_long("PB_HTTP_CONN_LIMIT", 1024, 16, 65536); }

int svc_main(int argc, char **argv, const struct svc_spec *spec)
{
    log_init(spec->name, config_str("PB_LOG_LEVEL", "info"));
#ifdef M_ARENA_MAX
    /* glibc gives each busy thread an arena of its own (up to 8 per core), and memory freed in
     * one cannot serve another: with dozens of request threads the resident size climbs for
     * minutes under load. Two arenas keep it flat at no measurable cost in throughput
     * (docs/benchmarks.md, "memory"). */
    mallopt(M_ARENA_MAX, (int)config_long("PB_MALLOC_ARENAS", spec->malloc_arenas ? spec->malloc_arenas : 2, 1, 64));
#endif
    if (sodium_init() < 0) {
        LOG_E("libsodium cannot start");
        return 1;
    }
    signal(SIGPIPE, SIG_IGN);
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL); /* every thread inherits this; main waits below */

    static struct svc s;
    s.spec = spec;
    s.name = spec->name;
    g_svc = &s;
    long base = config_long("PB_PORT_BASE", 8080, 1, 65000);
    s.port = (unsigned)config_long("PB_PORT", base + (long)svc_port_offset(spec->name), 1, 65535);
    s.instance = (unsigned)config_long("PB_INSTANCE", 1, 1, 64);
    ids_init((unsigned)config_long("PB_WORKER_ID", (long)(s.port % 1024), 0, IDS_MAX_WORKER));
    int rc = 1;
    if (setup(&s, spec) != 0) {
        LOG_E("start-up failed");
        goto out;
    }
    if (argc > 1) {
        rc = spec->command ? spec->command(&s, argc, argv) : 2;
        if (!spec->command)
            LOG_E("unknown command %s", argv[1]);
        goto out;
    }
    static struct housekeeping hk;
    hk.trim_s = config_long("PB_MALLOC_TRIM_S", 10, 0, 3600);
    hk.db_idle_s = config_long("PB_DB_IDLE_S", 30, 0, 86400);
#ifndef __GLIBC__
    hk.trim_s = 0; /* malloc_trim is glibc's */
#endif
    if ((hk.trim_s > 0 || (s.db && hk.db_idle_s > 0)) && svc_spawn(&s, housekeeping_loop, &hk) != 0)
        LOG_W("the housekeeping thread (memory trim, idle connections) did not start");
    if (spec->init && spec->init(&s) != ERR_OK) {
        LOG_E("service initialisation failed");
        goto out;
    }
    struct http_opts ho = {
        .bind = config_str("PB_BIND", "127.0.0.1"),
        .port = s.port,
        .threads = (unsigned)config_long("PB_HTTP_THREADS", spec->http_threads ? (long)spec->http_threads : 32, 1, 1024),
        .max_body = (size_t)config_long("PB_MAX_BODY", spec->max_body ? (long)spec->max_body : 256 * 1024, 1024,
                                        64L << 20),
        .conn_limit = svc_http_conn_limit(),
        .timeout_s = (unsigned)config_long("PB_HTTP_IDLE_TIMEOUT_S", 60, 1, 3600),
    };
    if (!(s.http = http_server_new(&ho, spec->name, &s)))
        goto out;
    svc_route(&s, "GET", "/healthz", h_healthz);
    svc_route(&s, "GET", "/readyz", h_readyz);
    svc_route(&s, "GET", "/metrics", h_metrics);
    spec->routes(&s);
    if (http_server_start(s.http) != 0)
        goto out;
    LOG_I("%s listening on %s:%u (instance %u)", spec->name, ho.bind, s.port, s.instance);
    int sig = 0;
    sigwait(&sigs, &sig);
    LOG_I("signal %d: shutting down", sig);
    rc = 0;
out:
    teardown(&s);
    return rc;
}
