/* libmicrohttpd glue: body accumulation with a limit, routing, replies, metrics, access log. */
#include "http.h"
#include "gz.h"
#include "log.h"
#include "metrics.h"
#include "router.h"
#include "ids.h"

#include <arpa/inet.h>
#include <poll.h>
#include <pthread.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define MAX_EXTRA_HEADERS 8
#define MAX_ROUTES 128

struct http_stream {
    struct http_server *srv;
    struct MHD_Connection *conn;
    http_stream_fill fill;
    void *arg;
    void (*on_close)(void *);
    long heartbeat_ms;
    int64_t last_write_ms;
    int fd;                   /* the client's socket, watched while the stream is parked; -1 if unknown */
    bool suspended, pending, heartbeat_due;
    atomic_bool gone;         /* the client hung up while the stream was parked: end it */
    struct http_stream *next; /* the server's list of live streams */
};

struct http_server {
    struct MHD_Daemon *daemon;
    /* event streams: parked connections are woken by writers and by the heartbeat thread */
    pthread_mutex_t streams_mu;
    struct http_stream *streams;
    struct pollfd *watch;     /* the heartbeat thread's: parked streams' sockets */
    size_t watch_cap;
    pthread_t heartbeat;
    bool heartbeat_running, stopping;
    struct router *router;
    struct http_opts opts;
    char service[32];
    void *app;
    bool access_log;
    /* the router stores pointers to these slots: a function pointer cannot travel as void * */
    http_handler handlers[MAX_ROUTES];
    size_t nhandlers;
};

struct http_req {
    struct http_server *srv;
    struct MHD_Connection *conn;
    const char *method, *path;
    char *body;
    size_t body_len, body_cap;
    size_t body_hint; /* the Content-Length announced (within the limit), 0 if none */
    bool too_large, replied;
    struct router_match match;
    const char *route;
    char rid[65];
    char ip[INET6_ADDRSTRLEN];
    struct auth_principal principal;
    bool has_principal;
    struct timespec start;
    double stream_started_s; /* an event stream: seconds until it started (its latency); 0 otherwise */
    int status;
    size_t nextra;
    char *extra[MAX_EXTRA_HEADERS][2];
};

static const char JSON_TYPE[] = "application/json; charset=utf-8";

/* Seconds since start (CLOCK_MONOTONIC). */
static double elapsed(const struct timespec *start)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - start->tv_sec) + (double)(now.tv_nsec - start->tv_nsec) / 1e9;
}

/* ---------- server ---------- */

struct http_server *http_server_new(const struct http_opts *o, const char *service, void *app)
{
    struct http_server *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->router = router_new();
    if (!s->router) {
        free(s);
        return NULL;
    }
    s->opts = *o;
    if (!s->opts.bind)
        s->opts.bind = "127.0.0.1";
    if (!s->opts.threads)
        s->opts.threads = 32;
    if (!s->opts.max_body)
        s->opts.max_body = 256 * 1024;
    if (!s->opts.conn_limit)
        s->opts.conn_limit = 1024;
    if (!s->opts.timeout_s)
        s->opts.timeout_s = 60;
    snprintf(s->service, sizeof s->service, "%s", service);
    s->app = app;
    pthread_mutex_init(&s->streams_mu, NULL);
    const char *al = getenv("PB_ACCESS_LOG");
    s->access_log = !al || strcmp(al, "0") != 0;
    return s;
}

int http_route(struct http_server *s, const char *method, const char *pattern, http_handler h)
{
    if (s->nhandlers == MAX_ROUTES || router_add(s->router, method, pattern, &s->handlers[s->nhandlers]) != 0) {
        LOG_E("http: cannot add route %s %s", method, pattern);
        return -1;
    }
    s->handlers[s->nhandlers++] = h;
    return 0;
}

/* ---------- request accessors ---------- */

void *http_app(const struct http_req *r) { return r->srv->app; }
const char *http_method(const struct http_req *r) { return r->method; }
const char *http_path(const struct http_req *r) { return r->path; }
const char *http_route_pattern(const struct http_req *r) { return r->route; }
const char *http_param(const struct http_req *r, const char *name) { return router_param(&r->match, name); }
const char *http_request_id(const struct http_req *r) { return r->rid; }

const char *http_query(const struct http_req *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}

const char *http_header(const struct http_req *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

const char *http_body(const struct http_req *r, size_t *len)
{
    if (len)
        *len = r->body_len;
    return r->body;
}

const struct auth_principal *http_principal(const struct http_req *r)
{
    return r->has_principal ? &r->principal : NULL;
}

void http_set_principal(struct http_req *r, const struct auth_principal *p)
{
    r->principal = *p;
    r->has_principal = true;
}

const char *http_client_ip(const struct http_req *r) { return r->ip; }

static void set_client_ip(struct http_req *r)
{
    const char *xr = http_header(r, "X-Real-IP");
    if (xr && strlen(xr) < sizeof r->ip) {
        struct in6_addr a6;
        struct in_addr a4;
        if (inet_pton(AF_INET, xr, &a4) == 1 || inet_pton(AF_INET6, xr, &a6) == 1) {
            strcpy(r->ip, xr);
            return;
        }
    }
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    strcpy(r->ip, "unknown");
    if (ci && ci->client_addr) {
        if (ci->client_addr->sa_family == AF_INET)
            inet_ntop(AF_INET, &((const struct sockaddr_in *)ci->client_addr)->sin_addr, r->ip, sizeof r->ip);
        else if (ci->client_addr->sa_family == AF_INET6)
            inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)ci->client_addr)->sin6_addr, r->ip, sizeof r->ip);
    }
}

/* Accept the gateway's request id when it is a sane token, else make one. */
static void set_request_id(struct http_req *r)
{
    const char *h = http_header(r, "X-Request-Id");
    size_t n = h ? strlen(h) : 0;
    bool ok = n > 0 && n < sizeof r->rid;
    for (size_t i = 0; ok && i < n; i++)
        ok = (h[i] >= 'a' && h[i] <= 'z') || (h[i] >= 'A' && h[i] <= 'Z') || (h[i] >= '0' && h[i] <= '9') ||
             h[i] == '-' || h[i] == '_' || h[i] == '.';
    if (ok)
        memcpy(r->rid, h, n + 1);
    else
        auth_random_hex(r->rid);
}

/* ---------- replies ---------- */

void http_header_add(struct http_req *r, const char *name, const char *value)
{
    if (r->nextra == MAX_EXTRA_HEADERS)
        return;
    char *n = strdup(name), *v = strdup(value);
    if (!n || !v) {
        free(n);
        free(v);
        return;
    }
    r->extra[r->nextra][0] = n;
    r->extra[r->nextra][1] = v;
    r->nextra++;
}

bool http_replied(const struct http_req *r) { return r->replied; }

static bool has_extra_header(const struct http_req *r, const char *name)
{
    for (size_t i = 0; i < r->nextra; i++)
        if (strcasecmp(r->extra[i][0], name) == 0)
            return true;
    return false;
}

void http_reply_take(struct http_req *r, int status, const char *content_type, char *body, size_t len)
{
    if (r->replied) {
        LOG_E("http: second reply to %s %s dropped", r->method, r->path);
        free(body);
        return;
    }
    r->replied = true;
    r->status = status;
    struct MHD_Response *resp =
        body ? MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE)
             : MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
    if (!resp) {
        free(body);
        return; /* MHD closes the connection */
    }
    if (content_type)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
    MHD_add_response_header(resp, "X-Request-Id", r->rid);
    bool cache_set = false;
    for (size_t i = 0; i < r->nextra; i++) {
        MHD_add_response_header(resp, r->extra[i][0], r->extra[i][1]);
        cache_set = cache_set || strcasecmp(r->extra[i][0], MHD_HTTP_HEADER_CACHE_CONTROL) == 0;
    }
    /* an answer made for an authenticated caller may hold their data: no cache keeps it */
    if (r->has_principal && !cache_set)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    MHD_queue_response(r->conn, (unsigned)status, resp);
    MHD_destroy_response(resp);
}

void http_reply_raw(struct http_req *r, int status, const char *content_type, const char *body, size_t len)
{
    char *copy = malloc(len + 1);
    if (!copy) {
        http_reply_error(r, ERR_NO_MEMORY, NULL, NULL);
        return;
    }
    memcpy(copy, body, len);
    http_reply_take(r, status, content_type, copy, len);
}

void http_reply_empty(struct http_req *r, int status) { http_reply_take(r, status, NULL, NULL, 0); }

char *http_json_text(json_t *j, size_t *len)
{
    char *s = j ? json_dumps(j, JSON_COMPACT | JSON_REAL_PRECISION(15)) : NULL;
    json_decref(j);
    if (len)
        *len = s ? strlen(s) : 0;
    return s;
}

json_t *http_error_body(enum err e, const char *message, json_t *fields, const char *request_id)
{
    json_t *err = json_pack("{s:s,s:s,s:s}", "code", err_code(e), "message", message ? message : err_message(e),
                            "request_id", request_id ? request_id : "");
    if (err && json_object_size(fields) > 0 && json_object_set(err, "fields", fields) != 0) {
        json_decref(err);
        err = NULL;
    }
    json_decref(fields);
    return err ? json_pack("{s:o}", "error", err) : NULL;
}

json_t *http_page_body(json_t *items, const char *next_cursor)
{
    return json_pack("{s:o,s:o}", "items", items, "next_cursor", next_cursor ? json_string(next_cursor) : json_null());
}

void http_reply_error(struct http_req *r, enum err e, const char *message, json_t *fields)
{
    size_t len = 0;
    char *s = http_json_text(http_error_body(e, message, fields, r->rid), &len);
    if (!s && e != ERR_NO_MEMORY) {
        http_reply_error(r, ERR_NO_MEMORY, NULL, NULL);
        return;
    }
    int status = err_http_status(e);
    if (status == 503 && !has_extra_header(r, "Retry-After"))
        http_header_add(r, "Retry-After", "1");
    http_reply_take(r, status, s ? JSON_TYPE : NULL, s, len);
}

void http_reply_json_text(struct http_req *r, int status, char *text, size_t len)
{
    if (!text) {
        LOG_E("http: out of memory building the body of a %d reply to %s %s", status, r->method, r->path);
        http_reply_error(r, ERR_NO_MEMORY, NULL, NULL);
        return;
    }
    http_reply_take(r, status, JSON_TYPE, text, len);
}

void http_reply_json_gz(struct http_req *r, int status, char *gz, size_t len)
{
    char *text = NULL;
    size_t tlen = 0;
    if (!gz) {
        http_reply_json_text(r, status, NULL, 0);
        return;
    }
    http_header_add(r, "Vary", "Accept-Encoding");
    if (gz_accepted(http_header(r, "Accept-Encoding"))) {
        http_header_add(r, "Content-Encoding", "gzip");
        http_reply_take(r, status, JSON_TYPE, gz, len);
        return;
    }
    bool ok = gz_inflate(gz, len, GZ_INFLATE_MAX, &text, &tlen);
    free(gz);
    if (!ok) {
        LOG_E("http: a stored gzip body for %s %s does not inflate", r->method, r->path);
        http_reply_error(r, ERR_INTERNAL, NULL, NULL);
        return;
    }
    http_reply_take(r, status, JSON_TYPE, text, tlen);
}

void http_reply_json(struct http_req *r, int status, json_t *body)
{
    size_t len = 0;
    char *s = http_json_text(body, &len);
    http_reply_json_text(r, status, s, len);
}

void http_reply_page(struct http_req *r, json_t *items, const char *next_cursor)
{
    http_reply_json(r, 200, http_page_body(items, next_cursor));
}

void http_reply_page_or_error(struct http_req *r, enum err e, json_t *items, const char *next_cursor)
{
    if (e == ERR_OK) {
        http_reply_page(r, items, next_cursor);
        return;
    }
    json_decref(items);
    http_reply_error(r, e, NULL, NULL);
}

/* ---------- Server-Sent Events ---------- */

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Resume a parked stream; caller holds streams_mu. */
static void stream_resume_locked(struct http_stream *st)
{
    if (st->suspended) {
        st->suspended = false;
        MHD_resume_connection(st->conn);
    } else {
        st->pending = true; /* the reader is running: make it look again instead of parking */
    }
}

void http_stream_wake(struct http_stream *st)
{
    if (!st)
        return;
    pthread_mutex_lock(&st->srv->streams_mu);
    stream_resume_locked(st);
    pthread_mutex_unlock(&st->srv->streams_mu);
}

static ssize_t stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    (void)pos;
    struct http_stream *st = cls;
    struct http_server *srv = st->srv;
    if (srv->stopping || atomic_load(&st->gone))
        return MHD_CONTENT_READER_END_OF_STREAM;
    long n = st->fill(st->arg, buf, max);
    if (n < 0)
        return MHD_CONTENT_READER_END_OF_STREAM;
    pthread_mutex_lock(&srv->streams_mu);
    if (n == 0 && st->heartbeat_due && max > 16) {
        memcpy(buf, ": heartbeat\n\n", 13);
        n = 13;
    }
    st->heartbeat_due = false;
    if (n > 0) {
        st->last_write_ms = mono_ms();
    } else if (st->pending) {
        st->pending = false; /* a wake came while filling: look again at once */
    } else {
        st->suspended = true;
        MHD_suspend_connection(st->conn);
    }
    pthread_mutex_unlock(&srv->streams_mu);
    return n;
}

static void stream_free(void *cls)
{
    struct http_stream *st = cls;
    struct http_server *srv = st->srv;
    pthread_mutex_lock(&srv->streams_mu);
    for (struct http_stream **p = &srv->streams; *p; p = &(*p)->next)
        if (*p == st) {
            *p = st->next;
            break;
        }
    pthread_mutex_unlock(&srv->streams_mu);
    st->on_close(st->arg);
    free(st);
}

/* A parked connection is out of libmicrohttpd's poll set, so a client that hangs up would
 * only be noticed at the stream's next write (its heartbeat, 15 s later): until then it holds
 * one of the server's connections. Look at the parked streams' sockets (without waiting) and
 * end those whose peer closed. Caller holds streams_mu; runs on the heartbeat thread. */
static void reap_hung_up_locked(struct http_server *srv)
{
    size_t n = 0;
    for (struct http_stream *st = srv->streams; st; st = st->next)
        n += st->suspended && st->fd >= 0;
    if (!n)
        return;
    if (n > srv->watch_cap) {
        struct pollfd *w = realloc(srv->watch, n * sizeof *w);
        if (!w)
            return; /* checked again in 250 ms; the heartbeat still finds them */
        srv->watch = w;
        srv->watch_cap = n;
    }
    size_t i = 0;
    for (struct http_stream *st = srv->streams; st; st = st->next)
        if (st->suspended && st->fd >= 0)
            srv->watch[i++] = (struct pollfd){.fd = st->fd, .events = POLLRDHUP};
    if (poll(srv->watch, n, 0) <= 0)
        return;
    i = 0;
    for (struct http_stream *st = srv->streams; st; st = st->next) {
        if (!st->suspended || st->fd < 0)
            continue;
        if (srv->watch[i++].revents & (POLLRDHUP | POLLHUP | POLLERR)) {
            atomic_store(&st->gone, true);
            stream_resume_locked(st); /* its read ends the stream and frees the connection */
        }
    }
}

static void *heartbeat_main(void *arg)
{
    struct http_server *srv = arg;
    for (;;) {
        struct timespec ts = {0, 250 * 1000000L};
        nanosleep(&ts, NULL);
        pthread_mutex_lock(&srv->streams_mu);
        bool stop = srv->stopping;
        int64_t now = mono_ms();
        if (!stop)
            reap_hung_up_locked(srv);
        for (struct http_stream *st = srv->streams; st; st = st->next)
            if (stop || (st->heartbeat_ms > 0 && now - st->last_write_ms >= st->heartbeat_ms)) {
                st->heartbeat_due = !stop;
                stream_resume_locked(st);
            }
        pthread_mutex_unlock(&srv->streams_mu);
        if (stop)
            return NULL;
    }
}

struct http_stream *http_reply_sse(struct http_req *r, long heartbeat_ms, http_stream_fill fill, void *arg,
                                   void (*on_close)(void *arg))
{
    struct http_server *srv = r->srv;
    struct http_stream *st = calloc(1, sizeof *st);
    struct MHD_Response *resp = NULL;
    if (!st || r->replied)
        goto fail;
    *st = (struct http_stream){.srv = srv, .conn = r->conn, .fill = fill, .arg = arg, .on_close = on_close,
                               .heartbeat_ms = heartbeat_ms, .last_write_ms = mono_ms(), .fd = -1};
    atomic_init(&st->gone, false);
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CONNECTION_FD);
    if (ci)
        st->fd = ci->connect_fd;
    resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096, stream_read, st, stream_free);
    if (!resp)
        goto fail;
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "text/event-stream; charset=utf-8");
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    MHD_add_response_header(resp, "X-Accel-Buffering", "no"); /* nginx: pass every byte on at once */
    MHD_add_response_header(resp, "X-Request-Id", r->rid);
    pthread_mutex_lock(&srv->streams_mu);
    st->next = srv->streams;
    srv->streams = st;
    if (!srv->heartbeat_running && pthread_create(&srv->heartbeat, NULL, heartbeat_main, srv) == 0)
        srv->heartbeat_running = true;
    pthread_mutex_unlock(&srv->streams_mu);
    r->replied = true;
    r->status = 200;
    /* a stream lasts as long as its client stays: its latency is the time it took to start,
     * or every open stream would count as one very slow request in the p99 */
    r->stream_started_s = elapsed(&r->start);
    MHD_queue_response(r->conn, 200, resp); /* from now on stream_free owns st */
    MHD_destroy_response(resp);
    return st;
fail:
    free(st);
    on_close(arg);
    if (!r->replied)
        http_reply_error(r, ERR_NO_MEMORY, NULL, NULL);
    return NULL;
}

/* ---------- validation glue ---------- */

bool http_json_or_reply(struct http_req *r, struct jv *v, const char *const *allowed)
{
    const char *ct = http_header(r, MHD_HTTP_HEADER_CONTENT_TYPE);
    if (!ct || strncasecmp(ct, "application/json", 16) != 0 || (ct[16] && ct[16] != ';' && ct[16] != ' ')) {
        jv_init(v);
        http_reply_error(r, ERR_UNSUPPORTED_MEDIA, "Content-Type must be application/json", NULL);
        return false;
    }
    char msg[256] = "";
    switch (jv_parse(v, r->body, r->body_len, allowed, msg, sizeof msg)) {
    case JV_EMPTY:
        http_reply_error(r, ERR_BAD_REQUEST, "a JSON body is required", NULL);
        return false;
    case JV_MALFORMED:
        http_reply_error(r, ERR_BAD_REQUEST, msg, NULL);
        return false;
    case JV_NOT_OBJECT:
        http_reply_error(r, ERR_BAD_REQUEST, "the body must be a JSON object", NULL);
        return false;
    case JV_PARSED:
        break;
    }
    return true;
}

bool http_jv_ok_or_reply(struct http_req *r, struct jv *v)
{
    if (json_object_size(v->type_errors) > 0) {
        http_reply_error(r, ERR_BAD_REQUEST, "some fields have the wrong type", json_incref(v->type_errors));
        return false;
    }
    if (json_object_size(v->errors) > 0) {
        http_reply_error(r, ERR_INVALID, NULL, json_incref(v->errors));
        return false;
    }
    return true;
}

bool http_idem_key_or_reply(struct http_req *r, const char **key)
{
    const char *k = http_header(r, "Idempotency-Key");
    *key = NULL;
    if (!k)
        return true;
    size_t n = strlen(k);
    bool ok = n >= 1 && n <= 64;
    for (size_t i = 0; ok && i < n; i++)
        ok = k[i] > 0x20 && k[i] < 0x7F;
    if (!ok) {
        http_reply_error(r, ERR_INVALID, NULL,
                         json_pack("{s:s}", "Idempotency-Key", "must be 1 to 64 printable ASCII characters"));
        return false;
    }
    *key = k;
    return true;
}

bool http_id_param_or_reply(struct http_req *r, const char *name, uint64_t *out)
{
    if (ids_parse(http_param(r, name), out))
        return true;
    http_reply_error(r, ERR_NOT_FOUND, NULL, NULL);
    return false;
}

/* ---------- libmicrohttpd callbacks ---------- */

static void dispatch(struct http_req *r)
{
    const char *method = strcmp(r->method, "HEAD") == 0 ? "GET" : r->method;
    enum router_result rr = router_match(r->srv->router, method, r->path, &r->match);
    r->route = rr == ROUTER_FOUND ? r->match.pattern : "unmatched";
    if (r->too_large) {
        http_reply_error(r, ERR_TOO_LARGE, NULL, NULL);
        return;
    }
    if (rr == ROUTER_NOT_FOUND) {
        http_reply_error(r, ERR_NOT_FOUND, "no such endpoint", NULL);
        return;
    }
    if (rr == ROUTER_METHOD_NOT_ALLOWED) {
        http_reply_error(r, ERR_METHOD_NOT_ALLOWED, NULL, NULL);
        return;
    }
    http_handler h = *(http_handler *)r->match.handler;
    h(r);
    if (!r->replied) {
        LOG_E("http: handler for %s %s sent no reply", r->method, r->route);
        http_reply_error(r, ERR_INTERNAL, NULL, NULL);
    }
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
                                  const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
    (void)version;
    struct http_server *srv = cls;
    struct http_req *r = *con_cls;
    if (!r) {
        r = calloc(1, sizeof *r);
        if (!r)
            return MHD_NO;
        clock_gettime(CLOCK_MONOTONIC, &r->start);
        r->srv = srv;
        r->conn = conn;
        r->method = method;
        r->path = url;
        set_request_id(r);
        set_client_ip(r);
        *con_cls = r;
        const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        unsigned long long announced = cl ? strtoull(cl, NULL, 10) : 0;
        if (announced > srv->opts.max_body)
            r->too_large = true; /* answered at the end; the body is discarded as it arrives */
        else
            r->body_hint = (size_t)announced;
        return MHD_YES;
    }
    if (*upload_size) {
        size_t n = *upload_size;
        *upload_size = 0;
        if (r->too_large || r->body_len + n > srv->opts.max_body) {
            r->too_large = true;
            return MHD_YES;
        }
        if (r->body_len + n + 1 > r->body_cap) {
            /* one allocation of the announced size: doubling an 8 MiB upload would end
             * in a 16 MiB buffer */
            size_t cap = r->body_cap ? r->body_cap : r->body_hint + 1 > 1024 ? r->body_hint + 1 : 1024;
            while (cap < r->body_len + n + 1)
                cap *= 2;
            char *nb = realloc(r->body, cap);
            if (!nb)
                return MHD_NO;
            r->body = nb;
            r->body_cap = cap;
        }
        memcpy(r->body + r->body_len, upload, n);
        r->body_len += n;
        r->body[r->body_len] = 0;
        return MHD_YES;
    }
    if (r->replied)
        return MHD_YES;
    log_set_request_id(r->rid);
    dispatch(r);
    return MHD_YES;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls, enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)conn;
    struct http_req *r = *con_cls;
    if (!r)
        return;
    if (r->replied) {
        double secs = elapsed(&r->start);
        metrics_observe_request(r->method, r->route, r->status, r->stream_started_s > 0 ? r->stream_started_s : secs);
        /* scrapes and probes (every few seconds from Prometheus, the dashboard, the
         * scripts) would drown the requests people make: logged only when they fail */
        bool probe = r->status < 400 && (strcmp(r->path, "/metrics") == 0 || strcmp(r->path, "/healthz") == 0 ||
                                         strcmp(r->path, "/readyz") == 0);
        if ((r->srv->access_log && !probe) || r->status >= 500) {
            log_set_request_id(r->rid);
            log_access(r->method, r->path, r->status, secs);
        }
    } else if (toe != MHD_REQUEST_TERMINATED_COMPLETED_OK) {
        LOG_D("http: %s %s ended before a reply (code %d)", r->method, r->path, (int)toe);
    }
    log_set_request_id(NULL);
    for (size_t i = 0; i < r->nextra; i++) {
        free(r->extra[i][0]);
        free(r->extra[i][1]);
    }
    free(r->body);
    free(r);
    *con_cls = NULL;
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    char buf[512];
    vsnprintf(buf, sizeof buf, fmt, ap);
    size_t n = strlen(buf);
    while (n && buf[n - 1] == '\n')
        buf[--n] = 0;
    LOG_W("mhd: %s", buf);
}

int http_server_start(struct http_server *s)
{
    struct sockaddr_in addr = {0};
    addr.sin_family = AF_INET;
    addr.sin_port = htons((uint16_t)s->opts.port);
    if (inet_pton(AF_INET, s->opts.bind, &addr.sin_addr) != 1) {
        LOG_E("http: bad bind address %s", s->opts.bind);
        return -1;
    }
    s->daemon = MHD_start_daemon(
        MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ERROR_LOG | MHD_ALLOW_SUSPEND_RESUME, (uint16_t)s->opts.port, NULL,
        NULL, on_request, s, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr, MHD_OPTION_THREAD_POOL_SIZE,
        s->opts.threads, MHD_OPTION_CONNECTION_LIMIT, s->opts.conn_limit, MHD_OPTION_CONNECTION_TIMEOUT,
        s->opts.timeout_s, MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024u, MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
        MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL, MHD_OPTION_END);
    if (!s->daemon) {
        LOG_E("http: cannot listen on %s:%u", s->opts.bind, s->opts.port);
        return -1;
    }
    return 0;
}

void http_server_free(struct http_server *s)
{
    if (!s)
        return;
    /* libmicrohttpd must not be stopped with parked connections: end every stream first */
    pthread_mutex_lock(&s->streams_mu);
    s->stopping = true;
    bool hb = s->heartbeat_running;
    pthread_mutex_unlock(&s->streams_mu);
    if (hb)
        pthread_join(s->heartbeat, NULL);
    for (int i = 0; i < 100; i++) { /* let the resumed streams finish (at most 1 s) */
        pthread_mutex_lock(&s->streams_mu);
        bool left = s->streams != NULL;
        for (struct http_stream *st = s->streams; st; st = st->next)
            stream_resume_locked(st);
        pthread_mutex_unlock(&s->streams_mu);
        if (!left)
            break;
        struct timespec ts = {0, 10 * 1000000L};
        nanosleep(&ts, NULL);
    }
    if (s->daemon)
        MHD_stop_daemon(s->daemon);
    pthread_mutex_destroy(&s->streams_mu);
    free(s->watch);
    router_free(s->router);
    free(s);
}
