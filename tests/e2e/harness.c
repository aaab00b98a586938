/* The e2e harness: libcurl calls, JSON path lookups, accounts, MariaDB reads, threads. */
#include "harness.h"
#include "bus.h"
#include "db.h"
#include "dates.h"
#include "events.h"
#include "ids.h"
#include "log.h"
#include "svc.h"

#include <curl/curl.h>
#include <nats/nats.h>
#include <fcntl.h>
#include <netdb.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

static _Thread_local char t_source_ip[64];
static pthread_mutex_t name_mu = PTHREAD_MUTEX_INITIALIZER;
static unsigned long name_seq;

const char *e2e_gateway(void)
{
    const char *g = getenv("PB_GATEWAY");
    return g && *g ? g : "http://127.0.0.1:18080";
}

void e2e_source_ip(const char *ip) { snprintf(t_source_ip, sizeof t_source_ip, "%s", ip ? ip : ""); }

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
    struct resp *r = ud;
    size_t k = size * n;
    char *nb = realloc(r->body, r->len + k + 1);
    if (!nb)
        return 0;
    memcpy(nb + r->len, p, k);
    r->body = nb;
    r->len += k;
    r->body[r->len] = 0;
    return k;
}

static void header_value(const char *line, size_t n, const char *name, char *dst, size_t cap)
{
    size_t nl = strlen(name);
    if (n <= nl + 1 || strncasecmp(line, name, nl) != 0 || line[nl] != ':')
        return;
    const char *v = line + nl + 1;
    while (*v == ' ')
        v++;
    size_t vl = n - (size_t)(v - line);
    while (vl && (v[vl - 1] == '\r' || v[vl - 1] == '\n'))
        vl--;
    snprintf(dst, cap, "%.*s", (int)vl, v);
}

static size_t on_header(char *p, size_t size, size_t n, void *ud)
{
    struct resp *r = ud;
    size_t k = size * n;
    size_t have = r->headers ? strlen(r->headers) : 0;
    char *nh = realloc(r->headers, have + k + 1);
    if (!nh)
        return 0;
    memcpy(nh + have, p, k);
    nh[have + k] = 0;
    r->headers = nh;
    header_value(p, k, "X-Request-Id", r->request_id, sizeof r->request_id);
    header_value(p, k, "Content-Type", r->content_type, sizeof r->content_type);
    header_value(p, k, "Retry-After", r->retry_after, sizeof r->retry_after);
    header_value(p, k, "Location", r->location, sizeof r->location);
    header_value(p, k, "Cache-Control", r->cache_control, sizeof r->cache_control);
    header_value(p, k, "X-Content-Type-Options", r->content_type_options, sizeof r->content_type_options);
    return k;
}

/* With PB_CONTRACT_LOG set, every answer of the gateway is appended to that file as one JSON
 * line (method, path, status, content type, body when it is JSON) for tests/e2e/contract.py to
 * check against docs/openapi.yaml after the suites ran. One write(2) per line on an O_APPEND
 * descriptor, so the lines of parallel tests and threads do not interleave. */
static void contract_record(const char *method, const char *url, const struct resp *r)
{
    const char *file = getenv("PB_CONTRACT_LOG");
    size_t base = strlen(e2e_gateway());
    if (!file || !*file || strncmp(url, e2e_gateway(), base) != 0 || url[base] != '/' || r->status == 0)
        return;
    json_t *line = json_pack("{s:s, s:s, s:I, s:s}", "method", method, "path", url + base, "status",
                             (json_int_t)r->status, "content_type", r->content_type);
    if (!line)
        return;
    if (r->json)
        json_object_set(line, "body", r->json);
    char *text = json_dumps(line, JSON_COMPACT);
    json_decref(line);
    if (!text)
        return;
    size_t n = strlen(text);
    int fd = open(file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd >= 0) {
        struct iovec v[2] = {{text, n}, {(void *)"\n", 1}};
        ssize_t w = writev(fd, v, 2);
        (void)w;
        close(fd);
    }
    free(text);
}

static struct resp *perform(const char *method, const char *url, const char *token, const char *ctype,
                            const char *body, size_t len, const char *const *headers, bool internal)
{
    struct resp *r = calloc(1, sizeof *r);
    CURL *h = curl_easy_init();
    struct curl_slist *hl = NULL;
    char line[2200];
    if (!r || !h)
        abort();
    if (token) {
        snprintf(line, sizeof line, "Authorization: Bearer %s", token);
        hl = curl_slist_append(hl, line);
    }
    if (ctype) {
        snprintf(line, sizeof line, "Content-Type: %s", ctype);
        hl = curl_slist_append(hl, line);
    } else if (body) {
        hl = curl_slist_append(hl, "Content-Type:"); /* curl would add a form type otherwise */
    }
    hl = curl_slist_append(hl, "Expect:");
    if (internal) {
        char *tok = e2e_home_file("secrets/internal-token");
        snprintf(line, sizeof line, "X-Internal-Token: %s", tok ? tok : "");
        free(tok);
        hl = curl_slist_append(hl, line);
    }
    for (size_t i = 0; headers && headers[i]; i++)
        hl = curl_slist_append(hl, headers[i]);
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hl);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, 60L);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, r);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, r);
    if (t_source_ip[0])
        curl_easy_setopt(h, CURLOPT_INTERFACE, t_source_ip);
    if (body) {
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    }
    if (strcmp(method, "HEAD") == 0)
        curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
    if (curl_easy_perform(h) == CURLE_OK)
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r->status);
    if (r->body && r->len)
        r->json = json_loadb(r->body, r->len, 0, NULL);
    if (!internal)
        contract_record(method, url, r);
    curl_slist_free_all(hl);
    curl_easy_cleanup(h);
    return r;
}

struct resp *e2e_call_raw(const char *method, const char *path, const char *token, const char *content_type,
                          const char *body, size_t len, const char *const *headers)
{
    char url[2048];
    snprintf(url, sizeof url, "%s%s", e2e_gateway(), path);
    return perform(method, url, token, content_type, body, len, headers, false);
}

struct resp *e2e_call(const char *method, const char *path, const char *token, json_t *body)
{
    char *s = body ? json_dumps(body, JSON_COMPACT) : NULL;
    json_decref(body);
    struct resp *r = e2e_call_raw(method, path, token, s ? "application/json" : NULL, s, s ? strlen(s) : 0, NULL);
    free(s);
    return r;
}

/* The service's port offset from PB_PORT_BASE, as the services compute it (lib/svc). */
static int service_offset(const char *service)
{
    unsigned off = svc_port_offset(service);
    if (off == 0)
        fail_msg("unknown service %s", service);
    return (int)off;
}

static void service_url(char *url, size_t cap, const char *service, const char *path)
{
    const char *base = getenv("PB_PORT_BASE");
    snprintf(url, cap, "http://127.0.0.1:%d%s", (base ? atoi(base) : 18080) + service_offset(service), path);
}

struct resp *e2e_service(const char *service, const char *method, const char *path, json_t *body)
{
    char url[2048];
    service_url(url, sizeof url, service, path);
    char *s = body ? json_dumps(body, JSON_COMPACT) : NULL;
    json_decref(body);
    struct resp *r = perform(method, url, NULL, s ? "application/json" : NULL, s, s ? strlen(s) : 0, NULL, true);
    free(s);
    return r;
}

struct resp *e2e_service_raw(const char *service, const char *method, const char *path, const char *token,
                             const char *content_type, const char *body, size_t len, bool internal)
{
    char url[2048];
    service_url(url, sizeof url, service, path);
    return perform(method, url, token, content_type, body, len, NULL, internal);
}

/* The gateway's host and port from PB_GATEWAY (http://host:port). */
static int gateway_connect(void)
{
    char host[256] = "127.0.0.1", port[16] = "80";
    const char *g = e2e_gateway(), *h = strstr(g, "://");
    h = h ? h + 3 : g;
    size_t hl = strcspn(h, ":/");
    snprintf(host, sizeof host, "%.*s", (int)hl, h);
    if (h[hl] == ':')
        snprintf(port, sizeof port, "%.*s", (int)strcspn(h + hl + 1, "/"), h + hl + 1);
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *ai = NULL;
    if (getaddrinfo(host, port, &hints, &ai) != 0)
        return -1;
    int fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
    if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
        close(fd);
        fd = -1;
    }
    freeaddrinfo(ai);
    if (fd >= 0) {
        struct timeval tv = {.tv_sec = 20};
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    }
    return fd;
}

/* Split a whole response read from a socket into r: status, headers (through on_header),
 * body (everything after the blank line). */
static void parse_raw_response(struct resp *r, const char *buf, size_t n)
{
    const char *end = n ? memmem(buf, n, "\r\n\r\n", 4) : NULL;
    if (!end || sscanf(buf, "HTTP/1.%*d %ld", &r->status) != 1) {
        r->status = 0;
        return;
    }
    const char *line = strstr(buf, "\r\n") + 2; /* after the status line */
    while (line < end + 2) {
        const char *eol = strstr(line, "\r\n");
        on_header((char *)line, 1, (size_t)(eol + 2 - line), r);
        line = eol + 2;
    }
    size_t blen = n - (size_t)(end + 4 - buf);
    r->body = malloc(blen + 1);
    if (!r->body)
        abort();
    memcpy(r->body, end + 4, blen);
    r->body[blen] = 0;
    r->len = blen;
    if (blen)
        r->json = json_loadb(r->body, blen, 0, NULL);
}

struct resp *e2e_send_raw(const char *bytes, size_t len)
{
    struct resp *r = calloc(1, sizeof *r);
    if (!r)
        abort();
    int fd = gateway_connect();
    if (fd < 0)
        return r;
    size_t off = 0;
    while (off < len) {
        ssize_t k = send(fd, bytes + off, len - off, MSG_NOSIGNAL);
        if (k <= 0)
            break; /* the gateway may answer and close before reading everything */
        off += (size_t)k;
    }
    /* no shutdown of the writing side: nginx takes a half-closed connection for a client
     * that went away (and drops a proxied request) */
    size_t cap = 65536, n = 0;
    char *buf = malloc(cap + 1);
    if (!buf)
        abort();
    for (;;) {
        if (n == cap) {
            char *nb = realloc(buf, 2 * cap + 1);
            if (!nb)
                abort();
            buf = nb;
            cap *= 2;
        }
        ssize_t k = recv(fd, buf + n, cap - n, 0);
        if (k <= 0)
            break;
        n += (size_t)k;
    }
    buf[n] = 0;
    close(fd);
    parse_raw_response(r, buf, n);
    free(buf);
    return r;
}

int e2e_header(const struct resp *r, const char *name, char *value, size_t cap)
{
    int count = 0;
    size_t nl = strlen(name);
    if (value && cap)
        value[0] = 0;
    for (const char *line = r->headers; line && *line;) {
        size_t ll = strcspn(line, "\n");
        if (ll > nl && strncasecmp(line, name, nl) == 0 && line[nl] == ':') {
            if (count++ == 0 && value && cap)
                header_value(line, ll, name, value, cap);
        }
        line += ll + (line[ll] == '\n');
    }
    return count;
}

void e2e_resp_free(struct resp *r)
{
    if (!r)
        return;
    free(r->headers);
    free(r->body);
    json_decref(r->json);
    free(r);
}

json_t *e2e_get(const struct resp *r, const char *path)
{
    json_t *cur = r ? r->json : NULL;
    char buf[256];
    snprintf(buf, sizeof buf, "%s", path);
    char *save = NULL;
    for (char *tok = strtok_r(buf, ".", &save); tok && cur; tok = strtok_r(NULL, ".", &save)) {
        if (json_is_array(cur)) {
            char *end;
            long i = strtol(tok, &end, 10);
            cur = *end ? NULL : json_array_get(cur, (size_t)i);
        } else {
            cur = json_object_get(cur, tok);
        }
    }
    return cur;
}

const char *e2e_str(const struct resp *r, const char *path) { return json_string_value(e2e_get(r, path)); }
long long e2e_int(const struct resp *r, const char *path) { return json_integer_value(e2e_get(r, path)); }

const char *e2e_field_error(const struct resp *r, const char *name)
{
    return json_string_value(json_object_get(e2e_get(r, "error.fields"), name));
}

void e2e_expect_status(const struct resp *r, long code, const char *file, int line)
{
    if (r->status == code)
        return;
    print_error("%s:%d: expected HTTP %ld, got %ld: %.1500s\n", file, line, code, r->status, r->body ? r->body : "");
    _fail(file, line);
}

void e2e_expect_error(const struct resp *r, long code, const char *errcode, const char *file, int line)
{
    e2e_expect_status(r, code, file, line);
    const char *got = e2e_str(r, "error.code");
    if (!got || strcmp(got, errcode) != 0 || !e2e_str(r, "error.message") || !e2e_str(r, "error.request_id") ||
        strncmp(r->content_type, "application/json", 16) != 0 || !r->request_id[0]) {
        print_error("%s:%d: expected error body with code %s (and message, request_id, JSON type), got [%s] %.1500s\n",
                    file, line, errcode, r->content_type, r->body ? r->body : "");
        _fail(file, line);
    }
}

void e2e_unique_name(char *buf, size_t cap, const char *prefix)
{
    pthread_mutex_lock(&name_mu);
    unsigned long n = ++name_seq;
    pthread_mutex_unlock(&name_mu);
    snprintf(buf, cap, "%.10s%x%lx%lu", prefix, (unsigned)getpid(), (unsigned long)(e2e_now_ms() % 0xffffff), n);
}

void e2e_login(struct e2e_user *u)
{
    struct resp *r = e2e_call("POST", "/api/v1/auth/login", NULL,
                              json_pack("{s:s,s:s}", "username", u->username, "password", u->password));
    EXPECT_STATUS(r, 200);
    snprintf(u->token, sizeof u->token, "%s", e2e_str(r, "access_token"));
    snprintf(u->refresh, sizeof u->refresh, "%s", e2e_str(r, "refresh_token"));
    snprintf(u->id, sizeof u->id, "%s", e2e_str(r, "user.id"));
    snprintf(u->role, sizeof u->role, "%s", e2e_str(r, "user.role"));
    e2e_resp_free(r);
}

void e2e_user_new(struct e2e_user *u, const char *role)
{
    memset(u, 0, sizeof *u);
    e2e_unique_name(u->username, sizeof u->username, role[0] == 'o' ? "own" : "prv");
    snprintf(u->password, sizeof u->password, "pw-%.40s-secret", u->username);
    struct resp *r = e2e_call("POST", "/api/v1/auth/register", NULL,
                              json_pack("{s:s,s:s,s:s,s:s}", "username", u->username, "password", u->password, "role",
                                        role, "display_name", "测试用户"));
    EXPECT_STATUS(r, 201);
    e2e_resp_free(r);
    e2e_login(u);
}

void e2e_admin(struct e2e_user *u)
{
    memset(u, 0, sizeof *u);
    const char *n = getenv("PB_ADMIN_USER"), *p = getenv("PB_ADMIN_PASSWORD");
    snprintf(u->username, sizeof u->username, "%s", n ? n : "admin");
    snprintf(u->password, sizeof u->password, "%s", p ? p : "");
    e2e_login(u);
}

void e2e_provider_approved(struct e2e_user *u)
{
    e2e_user_new(u, "provider");
    char path[128];
    snprintf(path, sizeof path, "/internal/v1/users/%s/approve", u->id);
    struct resp *r = e2e_service("user", "POST", path, json_pack("{s:s}", "reason", "e2e"));
    EXPECT_STATUS(r, 200);
    e2e_resp_free(r);
}

void e2e_listing_new(const struct e2e_user *p, json_t *overrides, bool publish, char *id)
{
    json_t *body = json_pack("{s:s,s:s,s:s,s:s,s:s,s:f,s:f,s:[s,s],s:f,s:i,s:i,s:[s,s],s:s}", "title",
                             "阳光宠物之家", "description", "宽敞的院子，每天遛狗两次，专人照看。", "city", "上海",
                             "district", "徐汇区", "address", "漕溪北路 88 号", "lat", 31.19, "lng", 121.44, "species",
                             "dog", "cat", "max_weight_kg", 30.0, "capacity", 3, "price_per_night_fen", 12000,
                             "amenities", "空调", "院子", "house_rules", "需提供疫苗证明");
    if (overrides) {
        json_object_update(body, overrides);
        json_decref(overrides);
    }
    struct resp *r = e2e_call("POST", "/api/v1/listings", p->token, body);
    EXPECT_STATUS(r, 201);
    snprintf(id, 24, "%s", e2e_str(r, "id"));
    e2e_resp_free(r);
    if (publish) {
        char path[128];
        snprintf(path, sizeof path, "/internal/v1/listings/%s/approve", id);
        r = e2e_service("boarding", "POST", path, json_pack("{}"));
        EXPECT_STATUS(r, 200);
        e2e_resp_free(r);
    }
}

void e2e_pet_new(const struct e2e_user *u, json_t *overrides, char *id)
{
    json_t *body = json_pack("{s:s,s:s,s:s,s:f,s:s}", "name", "旺财", "species", "dog", "breed", "中华田园犬",
                             "weight_kg", 10.0, "sex", "male");
    if (overrides) {
        json_object_update(body, overrides);
        json_decref(overrides);
    }
    struct resp *r = e2e_call("POST", "/api/v1/pets", u->token, body);
    EXPECT_STATUS(r, 201);
    snprintf(id, 24, "%s", e2e_str(r, "id"));
    e2e_resp_free(r);
}

/* ---------- photos ---------- */

static void put_be32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

static uint32_t crc32_update(uint32_t crc, const unsigned char *p, size_t n)
{
    crc = ~crc;
    for (size_t i = 0; i < n; i++) {
        crc ^= p[i];
        for (int k = 0; k < 8; k++)
            crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
    }
    return ~crc;
}

/* Append a chunk (length, type, data, CRC of type and data) at out + *at. */
static void png_chunk(unsigned char *out, size_t *at, const char *type, const unsigned char *data, size_t n)
{
    put_be32(out + *at, (uint32_t)n);
    memcpy(out + *at + 4, type, 4);
    if (n)
        memcpy(out + *at + 8, data, n);
    put_be32(out + *at + 8 + n, crc32_update(0, out + *at + 4, n + 4));
    *at += 12 + n;
}

unsigned char *e2e_png(unsigned w, unsigned h, unsigned seed, size_t *len)
{
    size_t row = 1 + (size_t)w * 3, raw_len = row * h;
    size_t blocks = (raw_len + 65534) / 65535;
    size_t idat_len = 2 + raw_len + 5 * blocks + 4;
    size_t total = 8 + (12 + 13) + (12 + idat_len) + 12;
    unsigned char *raw = malloc(raw_len), *idat = malloc(idat_len), *out = malloc(total);
    if (!raw || !idat || !out)
        abort();
    /* scanlines: filter 0, then a gradient whose colours depend on seed */
    for (unsigned y = 0; y < h; y++) {
        unsigned char *p = raw + row * y;
        p[0] = 0;
        for (unsigned x = 0; x < w; x++) {
            p[1 + 3 * x] = (unsigned char)(x * 255 / (w > 1 ? w - 1 : 1) + seed * 37);
            p[2 + 3 * x] = (unsigned char)(y * 255 / (h > 1 ? h - 1 : 1) + seed * 91);
            p[3 + 3 * x] = (unsigned char)(seed * 53 + (x + y) * 2);
        }
    }
    /* zlib: header, stored (uncompressed) deflate blocks, Adler-32 */
    size_t at = 0;
    idat[at++] = 0x78;
    idat[at++] = 0x01;
    uint32_t a = 1, b = 0;
    for (size_t off = 0; off < raw_len; off += 65535) {
        size_t n = raw_len - off < 65535 ? raw_len - off : 65535;
        idat[at++] = off + n >= raw_len ? 1 : 0;
        idat[at++] = (unsigned char)(n & 0xFF);
        idat[at++] = (unsigned char)(n >> 8);
        idat[at++] = (unsigned char)(~n & 0xFF);
        idat[at++] = (unsigned char)((~n >> 8) & 0xFF);
        memcpy(idat + at, raw + off, n);
        at += n;
        for (size_t i = 0; i < n; i++) {
            a = (a + raw[off + i]) % 65521;
            b = (b + a) % 65521;
        }
    }
    put_be32(idat + at, (b << 16) | a);
    at += 4;
    unsigned char ihdr[13] = {0};
    put_be32(ihdr, w);
    put_be32(ihdr + 4, h);
    ihdr[8] = 8; /* bits per sample */
    ihdr[9] = 2; /* RGB */
    size_t o = 8;
    memcpy(out, "\x89PNG\r\n\x1a\n", 8);
    png_chunk(out, &o, "IHDR", ihdr, sizeof ihdr);
    png_chunk(out, &o, "IDAT", idat, at);
    png_chunk(out, &o, "IEND", NULL, 0);
    free(raw);
    free(idat);
    *len = o;
    return out;
}

struct resp *e2e_upload(const struct e2e_user *u, const char *purpose, const char *ctype, const void *buf, size_t len)
{
    char path[96];
    snprintf(path, sizeof path, "/api/v1/media?purpose=%s", purpose);
    return e2e_call_raw("POST", path, u ? u->token : NULL, ctype, buf, len, NULL);
}

void e2e_photo_new(const struct e2e_user *u, const char *purpose, char *id)
{
    static atomic_uint seq;
    size_t len = 0;
    unsigned char *png = e2e_png(48, 32, atomic_fetch_add(&seq, 1), &len);
    struct resp *r = e2e_upload(u, purpose, "image/png", png, len);
    free(png);
    EXPECT_STATUS(r, 201);
    snprintf(id, 24, "%s", e2e_str(r, "id"));
    e2e_resp_free(r);
}

void e2e_expect_photo(const json_t *photo, const char *id)
{
    const char *pid = json_string_value(json_object_get(photo, "id"));
    const char *url = json_string_value(json_object_get(photo, "url"));
    const char *thumb = json_string_value(json_object_get(photo, "thumb_url"));
    if (!json_is_object(photo) || !pid || !url || !thumb || (id && strcmp(pid, id) != 0))
        fail_msg("not the photo object of %s: %s", id ? id : "a photo", photo ? json_dumps(photo, JSON_COMPACT) : "null");
    const char *urls[] = {url, thumb};
    for (int i = 0; i < 2; i++) {
        struct resp *r = e2e_call_raw("GET", urls[i], NULL, NULL, NULL, 0, NULL);
        EXPECT_STATUS(r, 200);
        if (strcmp(r->content_type, "image/jpeg") != 0 || r->len < 3 || (unsigned char)r->body[0] != 0xFF ||
            (unsigned char)r->body[1] != 0xD8)
            fail_msg("%s is not served as a JPEG (%s, %zu bytes)", urls[i], r->content_type, r->len);
        e2e_resp_free(r);
    }
}

struct paid_probe {
    const struct e2e_user *u;
    const char *order;
};

static bool order_paid(void *arg)
{
    struct paid_probe *p = arg;
    char path[96];
    snprintf(path, sizeof path, "/api/v1/orders/%s", p->order);
    struct resp *r = e2e_call("GET", path, p->u->token, NULL);
    bool ok = r->status == 200 && e2e_str(r, "status") && strcmp(e2e_str(r, "status"), "paid") == 0;
    e2e_resp_free(r);
    return ok;
}

void e2e_pay(const struct e2e_user *owner, const char *order_id, char *payment_id)
{
    struct resp *r = e2e_call("POST", "/api/v1/payments", owner->token, json_pack("{s:s}", "order_id", order_id));
    if (r->status != 201 && r->status != 200)
        EXPECT_STATUS(r, 201);
    char pid[24], path[96];
    snprintf(pid, sizeof pid, "%s", e2e_str(r, "payment_id"));
    e2e_resp_free(r);
    snprintf(path, sizeof path, "/api/v1/payments/%s/sandbox", pid);
    r = e2e_call("POST", path, owner->token, json_pack("{s:s}", "outcome", "succeed"));
    EXPECT_STATUS(r, 202);
    e2e_resp_free(r);
    struct paid_probe p = {owner, order_id};
    if (!e2e_eventually(order_paid, &p, 10000))
        fail_msg("order %s was not paid within 10 s", order_id);
    if (payment_id)
        snprintf(payment_id, 24, "%s", pid);
}

bool e2e_invariants_hold(void)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "%s/scripts/check-invariants.sh > /tmp/pb-invariants.$$ 2>&1; rc=$?; "
             "[ $rc -eq 0 ] || cat /tmp/pb-invariants.$$; rm -f /tmp/pb-invariants.$$; exit $rc", PB_REPO_DIR);
    return system(cmd) == 0;
}

static struct bus *event_bus(void)
{
    static struct bus *bus;
    static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
    pthread_mutex_lock(&mu);
    if (!bus) {
        char url[64];
        const char *port = getenv("PB_NATS_PORT");
        snprintf(url, sizeof url, "nats://127.0.0.1:%s", port ? port : "14222");
        bus = bus_new(url);
        for (int i = 0; i < 100 && !bus_connected(bus); i++)
            usleep(50000);
        ids_init(1000); /* a worker id no service uses */
    }
    pthread_mutex_unlock(&mu);
    return bus;
}

/* Publish an envelope (data taken) with id, or a fresh id when 0. */
/* msg_id NULL: the event id, as the relays publish it; otherwise another message id, which
 * JetStream's duplicate window does not drop, so the copy reaches the consumers. */
static void publish(const char *source, const char *type, json_t *data, uint64_t id, const char *msg_id,
                    char *id_out)
{
    struct bus *bus = event_bus();
    if (!id)
        id = ids_next();
    char sid[IDS_STR_LEN], subject[160];
    json_t *env = events_envelope(id, type, 1, time_now_ms(), source, "e2e-test", data);
    char *payload = json_dumps(env, JSON_COMPACT);
    snprintf(subject, sizeof subject, "petboarding.%s", type);
    ids_format(id, sid);
    if (bus_publish(bus, subject, msg_id ? msg_id : sid, payload, strlen(payload), 5000) != ERR_OK)
        fail_msg("cannot publish %s", type);
    if (id_out)
        snprintf(id_out, 24, "%s", sid);
    free(payload);
    json_decref(env);
    json_decref(data);
}

void e2e_publish_event(const char *source, const char *type, json_t *data, char *id_out)
{
    publish(source, type, data, 0, NULL, id_out);
}

void e2e_publish_event_id(const char *source, const char *type, json_t *data, const char *id)
{
    uint64_t v;
    if (!ids_parse(id, &v))
        fail_msg("not an id: %s", id);
    static atomic_uint copies;
    char msg_id[64];
    snprintf(msg_id, sizeof msg_id, "%s.copy%u", id, atomic_fetch_add(&copies, 1) + 1);
    publish(source, type, data, v, msg_id, NULL);
}

long long e2e_consumer_ack_wait_ms(const char *durable, long long set_ms)
{
    jsCtx *js = bus_js(event_bus());
    jsConsumerInfo *ci = NULL, *updated = NULL;
    long long out = -1;
    natsStatus st = js_GetConsumerInfo(&ci, js, BUS_STREAM, durable, NULL, NULL);
    if (st == NATS_OK && ci && ci->Config && set_ms > 0) {
        jsConsumerConfig cc = *ci->Config;
        cc.AckWait = set_ms * 1000000;
        st = js_UpdateConsumer(&updated, js, BUS_STREAM, &cc, NULL, NULL);
        jsConsumerInfo_Destroy(ci);
        ci = NULL;
        /* read back: a server that recovered the durable from disk answers with the old value */
        if (st == NATS_OK)
            st = js_GetConsumerInfo(&ci, js, BUS_STREAM, durable, NULL, NULL);
    }
    if (st == NATS_OK && ci && ci->Config)
        out = ci->Config->AckWait / 1000000;
    jsConsumerInfo_Destroy(updated);
    jsConsumerInfo_Destroy(ci);
    return out;
}

void e2e_stack_service(const char *name, const char *action, const char *const *env)
{
    char cmd[2048];
    size_t n = (size_t)snprintf(cmd, sizeof cmd, "env");
    for (size_t i = 0; env && env[i] && n < sizeof cmd; i++)
        n += (size_t)snprintf(cmd + n, sizeof cmd - n, " '%s'", env[i]);
    snprintf(cmd + n, sizeof cmd - n, " %s/scripts/stack.sh service %s %s >/dev/null 2>&1", PB_REPO_DIR, name, action);
    if (system(cmd) != 0)
        fail_msg("stack.sh service %s %s failed", name, action);
}

void e2e_stack_infra(const char *what, const char *action)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "%s/scripts/stack.sh %s %s >/dev/null 2>&1", PB_REPO_DIR, what, action);
    if (system(cmd) != 0)
        fail_msg("stack.sh %s %s failed", what, action);
}

static struct db *root_db(void)
{
    static struct db *db;
    static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
    pthread_mutex_lock(&mu);
    if (!db) {
        char sock[1024];
        const char *home = getenv("PB_HOME");
        snprintf(sock, sizeof sock, "%s/mariadb/mysqld.sock", home ? home : "var");
        log_init("e2e", "warn");
        struct db_opts o = {.user = "root", .password = "", .database = "", .unix_socket = sock, .pool_size = 4};
        db = db_new(&o);
    }
    pthread_mutex_unlock(&mu);
    return db;
}

long long e2e_db_int(const char *sql, const char *types, ...)
{
    struct db_conn *c = db_acquire(root_db());
    if (!c)
        fail_msg("cannot reach MariaDB as root");
    struct db_rows *rows = NULL;
    va_list ap;
    va_start(ap, types);
    enum err e = db_vexec(c, NULL, &rows, sql, types, ap);
    va_end(ap);
    db_release(c);
    if (e != ERR_OK || db_rows_count(rows) < 1) {
        db_rows_free(rows);
        fail_msg("query failed or returned nothing: %s", sql);
    }
    long long v = db_rows_i64(rows, 0, 0);
    db_rows_free(rows);
    return v;
}

void e2e_db_exec(const char *sql, const char *types, ...)
{
    struct db_conn *c = db_acquire(root_db());
    if (!c)
        fail_msg("cannot reach MariaDB as root");
    va_list ap;
    va_start(ap, types);
    enum err e = db_vexec(c, NULL, NULL, sql, types, ap);
    va_end(ap);
    db_release(c);
    if (e != ERR_OK)
        fail_msg("statement failed: %s", sql);
}

double e2e_metric(const char *service, const char *prefix)
{
    struct resp *r = e2e_service(service, "GET", "/metrics", NULL);
    double sum = 0;
    size_t pl = strlen(prefix);
    for (char *line = r->body; line && *line;) {
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = 0;
        if (strncmp(line, prefix, pl) == 0) {
            char *sp = strrchr(line, ' ');
            if (sp)
                sum += strtod(sp + 1, NULL);
        }
        line = nl ? nl + 1 : NULL;
    }
    e2e_resp_free(r);
    return sum;
}

struct par {
    void (*fn)(int, void *);
    void *arg;
    int i;
    pthread_barrier_t *bar;
};

static void *par_main(void *p)
{
    struct par *x = p;
    pthread_barrier_wait(x->bar);
    x->fn(x->i, x->arg);
    return NULL;
}

void e2e_parallel(int n, void (*fn)(int i, void *arg), void *arg)
{
    pthread_t *t = calloc((size_t)n, sizeof *t);
    struct par *ps = calloc((size_t)n, sizeof *ps);
    pthread_barrier_t bar;
    pthread_barrier_init(&bar, NULL, (unsigned)n);
    for (int i = 0; i < n; i++) {
        ps[i] = (struct par){fn, arg, i, &bar};
        if (pthread_create(&t[i], NULL, par_main, &ps[i]) != 0)
            abort();
    }
    for (int i = 0; i < n; i++)
        pthread_join(t[i], NULL);
    pthread_barrier_destroy(&bar);
    free(t);
    free(ps);
}

long long e2e_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

bool e2e_eventually(bool (*cond)(void *), void *arg, long timeout_ms)
{
    long long end = e2e_now_ms() + timeout_ms;
    for (;;) {
        if (cond(arg))
            return true;
        if (e2e_now_ms() > end)
            return false;
        usleep(20000);
    }
}

char *e2e_home_file(const char *rel)
{
    char path[1024];
    const char *home = getenv("PB_HOME");
    snprintf(path, sizeof path, "%s/%s", home ? home : "var", rel);
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 65536, n = 0, got;
    char *buf = malloc(cap);
    while (buf && (got = fread(buf + n, 1, cap - n - 1, f)) > 0) {
        n += got;
        if (n + 1 == cap) {
            char *nb = realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap *= 2;
        }
    }
    fclose(f);
    if (!buf)
        return NULL;
    buf[n] = 0;
    while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
        buf[--n] = 0;
    return buf;
}
