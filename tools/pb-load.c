/* Load generator for failover tests and the mixed-workload benchmark: a closed loop of N
 * threads, each with its own keep-alive libcurl handle (taking gzip as browsers do), that
 * runs a weighted mix of searches, listing details, logins, token refreshes, authenticated
 * reads (the unread badge, my orders) and whole bookings (order -> payment -> sandbox -> paid)
 * through the public gateway, and accounts for every error.
 *
 *   pb-load setup --gateway URL --out FILE [--owners 20] [--pets-per-owner 5] [--listings 50]
 *   pb-load --gateway URL --duration S [--threads 8]
 *           [--mix search=60,detail=39,login=0.5,booking=0.5,refresh=0,authed=0]
 *           [--setup FILE] [--timeline FILE.csv] [--ledger FILE.jsonl] [--report FILE.json]
 *           [--stop-file PATH] [--days 60] [--max-bookings THREADS/2]
 *
 * setup registers owners (password load-password-1), logs them in, gives each its pets (small
 * dogs) and picks published listings that take dogs by searching six cities, all through the
 * public API; it writes them to a JSON file. The load runs until --duration, SIGINT/SIGTERM
 * or the stop file; operations in flight then finish. It first logs every owner in again
 * (tokens expire) and reads the nights their pets already have stays on. A booking is one
 * pet (round-robin) for one free night of it within the next --days days, on a random
 * listing; at most --max-bookings threads are inside a booking at a time (a booking waits up
 * to 20 s for a failing service; the other threads go on measuring the rest of the mix, and
 * the bookings not started are counted as "deferred").
 *
 * Error accounting, which is the point of the tool:
 * - a GET (search, detail, polling an order) must never fail: a transport error or any
 *   status other than 2xx counts as a failed idempotent request, by status or curl error;
 * - a POST (order and payment with their own Idempotency-Key, the sandbox decision, login)
 *   answered 502/503/504 or not at all, or a 409 "still being processed" for its key, is
 *   sent again with the same key and body after 100, 200, 400 ... 3200 ms, at most 10 tries
 *   (about 20 s); each resend is "retried"; the POST ends "ok", "business" (a documented 4xx
 *   such as 409 fully_booked, counted per code) or "failed" (out of tries, or an undocumented
 *   answer such as 500). The sandbox decision has no key: a 409 after a resend means the
 *   first send was recorded, and counts as ok;
 * - a 401 (an expired token) logs the owner in again and is counted apart, not as a failure;
 * - whether each 502/503/504 carried the documented JSON error body is counted;
 * - a booking not paid 20 s after the sandbox decision is "stuck".
 * Outputs: --timeline one CSV line per second: t_s, ops_ok (operations of the mix that ended
 * ok or with a documented answer), ops_failed_idempotent (failed GETs), posts_retried,
 * posts_failed, and p50_ms, p99_ms of the HTTP requests that ended in that second;
 * --ledger one JSON line per booking attempt (scripts/verify-ledger.sh checks it against the
 * database); --report a JSON summary; a human summary on stderr; one "PBLOAD ..." line on
 * stdout, where ops counts operations of the mix and rps is HTTP requests per second (every
 * request, including a booking's own POSTs and polls; reqs= is their number).
 * Latencies are kept in log-linear histograms (HdrHistogram-lite: exact below 128 us, then
 * 64 sub-buckets per power of two, so a percentile is within 1.6 %), per operation, overall
 * and per second; requests that got no answer have no latency. Exit status 0 when the load
 * ran (failures are data), 2 on usage or setup errors. */
#include "dates.h"

#include <curl/curl.h>
#include <getopt.h>
#include <jansson.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define REQ_TIMEOUT_MS 10000L
#define MAX_BODY (8u << 20)
#define POST_TRIES 10
#define POLL_EVERY_MS 50
#define POLL_GIVE_UP_MS 20000
#define MAX_DAYS 365
#define TOKEN_MAX 2048
#define ERR_KINDS 24
#define STUCK_KEEP 1000

/* ---------- latency histograms ---------- */

#define HIST_SUB 64
#define HIST_BUCKETS (2 * HIST_SUB + 40 * HIST_SUB)

struct hist {
    uint64_t n, max_us;
    uint64_t b[HIST_BUCKETS];
};

static size_t hist_index(uint64_t us)
{
    if (us < 2 * HIST_SUB)
        return (size_t)us;
    int bits = 64 - __builtin_clzll(us);
    int shift = bits - 7; /* us >> shift is in [64, 127] */
    size_t i = 2 * HIST_SUB + (size_t)(shift - 1) * HIST_SUB + (size_t)((us >> shift) - HIST_SUB);
    return i < HIST_BUCKETS ? i : HIST_BUCKETS - 1;
}

/* The middle of bucket i, in microseconds. */
static double hist_value(size_t i)
{
    if (i < 2 * HIST_SUB)
        return (double)i;
    size_t k = (i - 2 * HIST_SUB) / HIST_SUB;
    uint64_t width = 1ull << (k + 1);
    uint64_t lower = (uint64_t)(HIST_SUB + (i - 2 * HIST_SUB) % HIST_SUB) << (k + 1);
    return (double)lower + (double)width / 2.0;
}

static void hist_add(struct hist *h, uint64_t us)
{
    h->b[hist_index(us)]++;
    h->n++;
    if (us > h->max_us)
        h->max_us = us;
}

/* The p-quantile (0..1) in milliseconds; 0 when empty. */
static double hist_ms(const struct hist *h, double p)
{
    if (!h->n)
        return 0;
    uint64_t want = (uint64_t)(p * (double)h->n + 0.999999);
    if (want < 1)
        want = 1;
    uint64_t seen = 0;
    for (size_t i = 0; i < HIST_BUCKETS; i++) {
        seen += h->b[i];
        if (seen >= want) {
            double v = hist_value(i);
            return (v > (double)h->max_us ? (double)h->max_us : v) / 1000.0;
        }
    }
    return (double)h->max_us / 1000.0;
}

/* ---------- statistics ---------- */

enum stat { S_SEARCH, S_DETAIL, S_LOGIN, S_BOOKING, S_REFRESH, S_AUTHED, S_ORDER_POST, S_PAYMENT_POST, S_SANDBOX_POST,
            S_ORDER_GET, S_RELOGIN, NSTAT };
static const char *const STAT_NAMES[NSTAT] = {"search", "detail", "login", "booking", "refresh", "authed",
                                              "order_create", "payment_create", "sandbox_decide", "order_poll",
                                              "relogin"};
#define NOPS 6 /* the first NOPS stats are the operations of the mix */

struct counted {
    char what[64];
    long n;
};

struct stat_rec {
    long count;    /* operations (a POST with its retries is one) */
    long requests; /* HTTP requests sent */
    long ok, business, failed, retried, auth401, stuck, skipped, deferred;
    struct counted errors[ERR_KINDS], codes[ERR_KINDS];
    struct hist h;
};

/* One second of the timeline. */
struct second {
    long ok, failed_idem, retried, posts_failed;
    struct hist h;
};
#define RING 8

struct stuck {
    char key[48], order_id[24], payment_id[24], status[24];
};

static struct {
    pthread_mutex_t mu;
    struct stat_rec s[NSTAT];
    struct hist all;
    long requests, ops, failed_idem, posts_failed, posts_retried, auth401;
    long unavail_json, unavail_plain; /* 502/503/504 with and without the JSON error body */
    struct second ring[RING];
    long flushed; /* seconds of the timeline written */
    struct stuck stuck[STUCK_KEEP];
    long nstuck;
} S = {.mu = PTHREAD_MUTEX_INITIALIZER};

static void count_kind(struct counted *c, const char *what)
{
    for (int i = 0; i < ERR_KINDS; i++) {
        if (!c[i].what[0])
            snprintf(c[i].what, sizeof c[i].what, "%s", what);
        if (strcmp(c[i].what, what) == 0 || i == ERR_KINDS - 1) {
            if (i == ERR_KINDS - 1 && strcmp(c[i].what, what) != 0)
                snprintf(c[i].what, sizeof c[i].what, "other");
            c[i].n++;
            return;
        }
    }
}

/* ---------- configuration and shared run state ---------- */

struct owner {
    pthread_mutex_t mu;
    char username[40], password[64], user_id[24];
    char token[TOKEN_MAX];
    char refresh[TOKEN_MAX]; /* single use: spent and replaced under mu */
};

struct pet {
    struct owner *owner;
    char id[24];
    uint8_t busy[(MAX_DAYS + 8) / 8]; /* nights (days from today) taken by this tool or found held */
};

static struct {
    const char *gateway;
    char *gateway_owned;
    double duration_s;
    int threads, days, max_bookings;
    double mix[NOPS];
    char **listings, **cities;
    size_t nlistings, ncities;
    struct owner *owners;
    size_t nowners;
    struct pet *pets;
    size_t npets;
    FILE *timeline, *ledger;
    const char *stop_file;
    int64_t start_ms;
    int64_t start_wall_ms; /* Unix ms of the timeline's t_s = 0 (to line it up with other logs) */
    int32_t today;
    char run_id[16];
} G = {.threads = 8, .days = 60, .mix = {60, 39, 0.5, 0.5, 0, 0}};

static volatile sig_atomic_t g_signalled;
static atomic_bool g_stop;
static atomic_int g_running, g_bookings;
static pthread_mutex_t g_slot_mu = PTHREAD_MUTEX_INITIALIZER, g_ledger_mu = PTHREAD_MUTEX_INITIALIZER;
static size_t g_next_pet;

static const char *const DEFAULT_CITIES[] = {"北京", "上海", "广州", "深圳", "成都", "杭州"};

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static uint64_t mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0)
        ;
}

/* ---------- one worker: its curl handle, its last answer, its random numbers ---------- */

struct worker {
    int id;
    CURL *h;
    char *buf;
    size_t len, cap;
    uint64_t rng;
    bool quiet; /* setup and preparation: no statistics */
};

struct reply {
    long status; /* 0: no answer */
    CURLcode cc;
    const char *body; /* the worker's buffer, valid until its next request */
    uint64_t us;
};

static uint64_t rnd(struct worker *w)
{
    w->rng ^= w->rng << 13;
    w->rng ^= w->rng >> 7;
    w->rng ^= w->rng << 17;
    return w->rng;
}

static double rnd_unit(struct worker *w) { return (double)(rnd(w) >> 11) / 9007199254740992.0; }

static void uuid_like(struct worker *w, char *out, size_t n)
{
    uint64_t a = rnd(w), b = rnd(w);
    snprintf(out, n, "%08x-%04x-4%03x-%04x-%012llx", (unsigned)(a >> 32), (unsigned)(a >> 16) & 0xffffu,
             (unsigned)a & 0xfffu, (unsigned)((b >> 48) & 0x3fffu) | 0x8000u,
             (unsigned long long)(b & 0xffffffffffffull));
}

static bool worker_init(struct worker *w, int id, bool quiet)
{
    memset(w, 0, sizeof *w);
    w->id = id;
    w->quiet = quiet;
    w->rng = ((uint64_t)time(NULL) << 20) ^ ((uint64_t)getpid() << 8) ^ (uint64_t)(id + 1) * 0x9E3779B97F4A7C15ull;
    if (!w->rng)
        w->rng = 88172645463325252ull;
    w->h = curl_easy_init();
    return w->h != NULL;
}

static void worker_free(struct worker *w)
{
    if (w->h)
        curl_easy_cleanup(w->h);
    free(w->buf);
    w->h = NULL;
    w->buf = NULL;
}

static size_t on_body(char *p, size_t size, size_t nmemb, void *ud)
{
    struct worker *w = ud;
    size_t n = size * nmemb;
    if (w->len + n + 1 > w->cap) {
        size_t cap = w->cap ? w->cap : 16384;
        while (cap < w->len + n + 1)
            cap *= 2;
        if (cap > MAX_BODY)
            return 0;
        char *nb = realloc(w->buf, cap);
        if (!nb)
            return 0;
        w->buf = nb;
        w->cap = cap;
    }
    memcpy(w->buf + w->len, p, n);
    w->len += n;
    w->buf[w->len] = 0;
    return n;
}

/* The slot of the timeline for a moment (the current second, or the oldest still open). */
static struct second *second_at(int64_t now_ms)
{
    long t = (long)((now_ms - G.start_ms) / 1000);
    if (t < S.flushed)
        t = S.flushed;
    if (t >= S.flushed + RING)
        t = S.flushed + RING - 1;
    return &S.ring[t % RING];
}

/* Send one request: method, path under the gateway, optional token, Idempotency-Key and JSON
 * body. Records its latency (answered requests only) under stat kind. */
static void http(struct worker *w, enum stat kind, const char *method, const char *path, const char *token,
                 const char *idem, const char *body, struct reply *r)
{
    char url[1024], auth[TOKEN_MAX + 32], key[100];
    struct curl_slist *hl = NULL;
    snprintf(url, sizeof url, "%s%s", G.gateway, path);
    w->len = 0;
    if (w->buf)
        w->buf[0] = 0;
    curl_easy_reset(w->h); /* keeps the connection: that is the keep-alive */
    hl = curl_slist_append(hl, "Expect:");
    if (body)
        hl = curl_slist_append(hl, "Content-Type: application/json");
    if (token) {
        snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
        hl = curl_slist_append(hl, auth);
    }
    if (idem) {
        snprintf(key, sizeof key, "Idempotency-Key: %s", idem);
        hl = curl_slist_append(hl, key);
    }
    curl_easy_setopt(w->h, CURLOPT_URL, url);
    curl_easy_setopt(w->h, CURLOPT_HTTPHEADER, hl);
    curl_easy_setopt(w->h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(w->h, CURLOPT_TIMEOUT_MS, REQ_TIMEOUT_MS);
    curl_easy_setopt(w->h, CURLOPT_CONNECTTIMEOUT_MS, 2000L);
    curl_easy_setopt(w->h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(w->h, CURLOPT_WRITEDATA, w);
    /* like a browser: take gzip (search pages come compressed), curl inflates the body */
    curl_easy_setopt(w->h, CURLOPT_ACCEPT_ENCODING, "gzip");
    if (body) {
        curl_easy_setopt(w->h, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(w->h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(body));
    }
    curl_easy_setopt(w->h, CURLOPT_CUSTOMREQUEST, method);
    uint64_t t0 = mono_us();
    r->cc = curl_easy_perform(w->h);
    r->us = mono_us() - t0;
    r->status = 0;
    if (r->cc == CURLE_OK)
        curl_easy_getinfo(w->h, CURLINFO_RESPONSE_CODE, &r->status);
    r->body = w->buf ? w->buf : "";
    curl_slist_free_all(hl);
    if (w->quiet)
        return;
    pthread_mutex_lock(&S.mu);
    S.requests++;
    S.s[kind].requests++;
    if (r->status) { /* a refused connection takes no time: it would flatter the percentiles */
        hist_add(&S.s[kind].h, r->us);
        hist_add(&S.all, r->us);
        hist_add(&second_at(mono_ms())->h, r->us);
    }
    if (r->status == 502 || r->status == 503 || r->status == 504) {
        json_t *j = json_loads(r->body, 0, NULL);
        if (json_is_string(json_object_get(json_object_get(j, "error"), "code")))
            S.unavail_json++;
        else
            S.unavail_plain++;
        json_decref(j);
    }
    pthread_mutex_unlock(&S.mu);
}

/* The error's name for the breakdown: "curl 7: Couldn't connect to server", "503 unavailable",
 * "503 (no JSON error body)". */
static void describe(const struct reply *r, char *out, size_t n)
{
    if (!r->status) {
        snprintf(out, n, "curl %d: %s", (int)r->cc, curl_easy_strerror(r->cc));
        return;
    }
    json_t *j = json_loads(r->body, 0, NULL);
    json_t *err = json_object_get(j, "error");
    const char *code = json_string_value(json_object_get(err, "code"));
    const char *msg = json_string_value(json_object_get(err, "message"));
    if (r->status == 409 && msg && strstr(msg, "still being processed"))
        snprintf(out, n, "409 in_progress");
    else if (code)
        snprintf(out, n, "%ld %s", r->status, code);
    else
        snprintf(out, n, "%ld (no JSON error body)", r->status);
    json_decref(j);
}

/* ---------- accounting helpers (all under S.mu) ---------- */

static void note_get(enum stat kind, const struct reply *r, bool counts_as_op)
{
    bool ok = r->status >= 200 && r->status < 300;
    char what[64] = "";
    if (!ok)
        describe(r, what, sizeof what);
    pthread_mutex_lock(&S.mu);
    struct stat_rec *s = &S.s[kind];
    struct second *sec = second_at(mono_ms());
    s->count++;
    if (counts_as_op)
        S.ops++;
    if (ok) {
        s->ok++;
        if (counts_as_op)
            sec->ok++;
    } else {
        s->failed++;
        S.failed_idem++;
        sec->failed_idem++;
        count_kind(s->errors, what);
    }
    pthread_mutex_unlock(&S.mu);
}

static void note_retry(enum stat kind)
{
    pthread_mutex_lock(&S.mu);
    S.s[kind].retried++;
    S.posts_retried++;
    second_at(mono_ms())->retried++;
    pthread_mutex_unlock(&S.mu);
}

static void note_401(enum stat kind)
{
    pthread_mutex_lock(&S.mu);
    S.s[kind].auth401++;
    S.auth401++;
    pthread_mutex_unlock(&S.mu);
}

/* ---------- tokens ---------- */

static void owner_token(struct owner *o, char *out)
{
    pthread_mutex_lock(&o->mu);
    memcpy(out, o->token, TOKEN_MAX);
    pthread_mutex_unlock(&o->mu);
}

enum outcome { OUT_OK, OUT_BUSINESS, OUT_FAILED };
static const char *const OUTCOME_NAMES[] = {"ok", "business", "failed"};

struct post_out {
    long status;
    json_t *json; /* the final answer's body (owned) */
    int retries;
    bool answered; /* a definitive answer arrived (anything but no answer or 502/503/504) */
    char first_error[64], error[64];
};

static enum outcome post_retry(struct worker *w, enum stat kind, const char *path, struct owner *o, const char *idem,
                               const char *body, struct post_out *out);

/* Log owner o in again when its token is still the one that was refused (another thread
 * may have done it already). */
/* Log owner o in (its lock held): both tokens replaced when it succeeds. */
static void login_locked(struct worker *w, struct owner *o)
{
    json_t *b = json_pack("{s:s,s:s}", "username", o->username, "password", o->password);
    char *s = json_dumps(b, JSON_COMPACT);
    json_decref(b);
    struct post_out po = {0};
    if (s && post_retry(w, S_RELOGIN, "/api/v1/auth/login", NULL, NULL, s, &po) == OUT_OK) {
        const char *t = json_string_value(json_object_get(po.json, "access_token"));
        const char *rt = json_string_value(json_object_get(po.json, "refresh_token"));
        if (t)
            snprintf(o->token, sizeof o->token, "%s", t);
        if (rt)
            snprintf(o->refresh, sizeof o->refresh, "%s", rt);
    }
    json_decref(po.json);
    free(s);
}

static void relogin(struct worker *w, struct owner *o, const char *refused)
{
    pthread_mutex_lock(&o->mu);
    if (strcmp(o->token, refused) == 0)
        login_locked(w, o);
    pthread_mutex_unlock(&o->mu);
}

static bool retryable(const struct reply *r)
{
    return r->status == 0 || r->status == 502 || r->status == 503 || r->status == 504;
}

static bool in_progress(const struct reply *r)
{
    if (r->status != 409)
        return false;
    char what[64];
    describe(r, what, sizeof what);
    return strcmp(what, "409 in_progress") == 0;
}

/* A POST until it has a definitive answer: retried with the same body and key on no answer,
 * 502/503/504 or "still being processed" (backoff 100 ms doubling to 3.2 s, POST_TRIES tries);
 * a 401 logs owner o in again (when given). The sandbox decision is one per payment: after a
 * resend, its 409 means the first send was recorded. Accounts the POST under kind. */
static enum outcome post_retry(struct worker *w, enum stat kind, const char *path, struct owner *o, const char *idem,
                               const char *body, struct post_out *out)
{
    char token[TOKEN_MAX];
    struct reply r = {0};
    enum outcome res = OUT_FAILED;
    int relogins = 0;
    long backoff = 100;
    bool resent = false;
    memset(out, 0, sizeof *out);
    for (int tries = 0;;) {
        if (o)
            owner_token(o, token);
        http(w, kind, "POST", path, o ? token : NULL, idem, body, &r);
        out->status = r.status;
        if (r.status == 401 && o && relogins < 3) {
            relogins++;
            if (!w->quiet)
                note_401(kind);
            relogin(w, o, token);
            continue;
        }
        if (retryable(&r) || in_progress(&r)) {
            char what[64];
            describe(&r, what, sizeof what);
            if (!out->first_error[0])
                snprintf(out->first_error, sizeof out->first_error, "%s", what);
            snprintf(out->error, sizeof out->error, "%s", what);
            if (++tries >= POST_TRIES) {
                snprintf(out->error, sizeof out->error, "out of tries: %.48s", what);
                res = OUT_FAILED;
                break;
            }
            out->retries++;
            if (!w->quiet)
                note_retry(kind);
            resent = true;
            sleep_ms(backoff);
            backoff = backoff * 2 > 3200 ? 3200 : backoff * 2;
            continue;
        }
        out->answered = true;
        bool sandbox_dup = kind == S_SANDBOX_POST && r.status == 409 && resent;
        if ((r.status >= 200 && r.status < 300) || sandbox_dup) {
            res = OUT_OK;
            out->json = json_loads(r.body, 0, NULL);
            break;
        }
        describe(&r, out->error, sizeof out->error);
        if (!out->first_error[0])
            snprintf(out->first_error, sizeof out->first_error, "%s", out->error);
        /* documented refusals are answers, not platform failures; a refused sandbox
         * decision on a fresh payment, a 401 that survives logging in again, or a 5xx is */
        bool documented = r.status >= 400 && r.status < 500 && r.status != 401 &&
                          !(kind == S_SANDBOX_POST && r.status == 409) && kind != S_RELOGIN;
        res = documented ? OUT_BUSINESS : OUT_FAILED;
        break;
    }
    if (w->quiet)
        return res;
    pthread_mutex_lock(&S.mu);
    struct stat_rec *s = &S.s[kind];
    s->count++;
    if (res == OUT_OK)
        s->ok++;
    else if (res == OUT_BUSINESS) {
        s->business++;
        count_kind(s->codes, out->error);
    } else {
        s->failed++;
        count_kind(s->errors, out->error);
        S.posts_failed++;
        second_at(mono_ms())->posts_failed++;
    }
    pthread_mutex_unlock(&S.mu);
    return res;
}

/* ---------- operations ---------- */

static void op_search(struct worker *w)
{
    char path[512], *city;
    const char *c = G.cities[rnd(w) % G.ncities];
    city = curl_easy_escape(w->h, c, 0);
    int n = snprintf(path, sizeof path, "/api/v1/listings?city=%s", city ? city : "");
    curl_free(city);
    uint64_t x = rnd(w);
    if (x % 2 == 0)
        n += snprintf(path + n, sizeof path - (size_t)n, "&species=%s", x % 4 == 0 ? "dog" : "cat");
    if ((x >> 8) % 10 < 3) {
        long lo = 3000 + (long)((x >> 16) % 100) * 100;
        n += snprintf(path + n, sizeof path - (size_t)n, "&min_price_fen=%ld&max_price_fen=%ld", lo, lo + 20000);
    }
    if ((x >> 24) % 2 == 0)
        snprintf(path + n, sizeof path - (size_t)n, "&limit=20");
    struct reply r;
    http(w, S_SEARCH, "GET", path, NULL, NULL, NULL, &r);
    note_get(S_SEARCH, &r, true);
}

static void op_detail(struct worker *w)
{
    char path[128];
    snprintf(path, sizeof path, "/api/v1/listings/%s", G.listings[rnd(w) % G.nlistings]);
    struct reply r;
    http(w, S_DETAIL, "GET", path, NULL, NULL, NULL, &r);
    note_get(S_DETAIL, &r, true);
}

static void op_login(struct worker *w)
{
    struct owner *o = &G.owners[rnd(w) % G.nowners];
    json_t *b = json_pack("{s:s,s:s}", "username", o->username, "password", o->password);
    char *s = json_dumps(b, JSON_COMPACT);
    json_decref(b);
    if (!s)
        return;
    struct post_out po;
    enum outcome res = post_retry(w, S_LOGIN, "/api/v1/auth/login", NULL, NULL, s, &po);
    free(s);
    const char *t = json_string_value(json_object_get(po.json, "access_token"));
    const char *rt = json_string_value(json_object_get(po.json, "refresh_token"));
    if (res == OUT_OK && t) {
        pthread_mutex_lock(&o->mu);
        snprintf(o->token, sizeof o->token, "%s", t);
        if (rt)
            snprintf(o->refresh, sizeof o->refresh, "%s", rt);
        pthread_mutex_unlock(&o->mu);
    }
    json_decref(po.json);
    pthread_mutex_lock(&S.mu);
    S.ops++;
    if (res != OUT_FAILED)
        second_at(mono_ms())->ok++;
    pthread_mutex_unlock(&S.mu);
}

/* A token refresh, as a web app does every few minutes: the owner's refresh token is spent
 * and replaced under its lock (a refresh token is single use: two threads must not send the
 * same one). */
static void op_refresh(struct worker *w)
{
    struct owner *o = &G.owners[rnd(w) % G.nowners];
    pthread_mutex_lock(&o->mu);
    json_t *b = json_pack("{s:s}", "refresh_token", o->refresh);
    char *s = json_dumps(b, JSON_COMPACT);
    json_decref(b);
    struct post_out po = {0};
    enum outcome res = s ? post_retry(w, S_REFRESH, "/api/v1/auth/refresh", NULL, NULL, s, &po) : OUT_FAILED;
    free(s);
    const char *t = json_string_value(json_object_get(po.json, "access_token"));
    const char *rt = json_string_value(json_object_get(po.json, "refresh_token"));
    if (res == OUT_OK && t && rt) {
        snprintf(o->token, sizeof o->token, "%s", t);
        snprintf(o->refresh, sizeof o->refresh, "%s", rt);
    } else if (po.status == 401) {
        login_locked(w, o); /* the session ended (a newer login pushed it out): sign in again */
    }
    pthread_mutex_unlock(&o->mu);
    json_decref(po.json);
    pthread_mutex_lock(&S.mu);
    S.ops++;
    pthread_mutex_unlock(&S.mu);
}

/* An authenticated read of a signed-in owner: the badge (unread count) or the first page of
 * their orders, half each. */
static void op_authed(struct worker *w)
{
    struct owner *o = &G.owners[rnd(w) % G.nowners];
    char token[TOKEN_MAX];
    const char *path = rnd(w) % 2 ? "/api/v1/notifications/unread-count" : "/api/v1/orders?role=owner&limit=20";
    struct reply r;
    for (int relogins = 0;; relogins++) {
        owner_token(o, token);
        http(w, S_AUTHED, "GET", path, token, NULL, NULL, &r);
        if (r.status != 401 || relogins >= 2)
            break;
        note_401(S_AUTHED);
        relogin(w, o, token);
    }
    note_get(S_AUTHED, &r, true);
}

static bool night_busy(const struct pet *p, int d) { return p->busy[d / 8] & (1u << (d % 8)); }
static void night_set(struct pet *p, int d, bool busy)
{
    if (busy)
        p->busy[d / 8] |= (uint8_t)(1u << (d % 8));
    else
        p->busy[d / 8] &= (uint8_t)~(1u << (d % 8));
}

/* A pet (round-robin) and a free night for it, within the next G.days days (day 1 is
 * tomorrow), marked taken; false when every pet is booked on every night. */
static bool slot_take(struct worker *w, struct pet **pet, int *day)
{
    bool found = false;
    pthread_mutex_lock(&g_slot_mu);
    for (size_t tried = 0; tried < G.npets && !found; tried++) {
        struct pet *p = &G.pets[g_next_pet++ % G.npets];
        int d0 = 1 + (int)(rnd(w) % (uint64_t)G.days);
        for (int k = 0; k < G.days; k++) {
            int d = 1 + (d0 - 1 + k) % G.days;
            if (!night_busy(p, d)) {
                night_set(p, d, true);
                *pet = p;
                *day = d;
                found = true;
                break;
            }
        }
    }
    pthread_mutex_unlock(&g_slot_mu);
    return found;
}

static void slot_give_back(struct pet *p, int day)
{
    pthread_mutex_lock(&g_slot_mu);
    night_set(p, day, false);
    pthread_mutex_unlock(&g_slot_mu);
}

struct booking {
    char key[48], pay_key[48], order_id[24], payment_id[24], status[24], stage[16];
    char first_error[64], last_error[64]; /* the first error of the attempt; the answer that ended it */
    char start[DATE_STR_LEN], end[DATE_STR_LEN];
    const char *listing;
    struct pet *pet;
    enum outcome outcome;
    bool stuck, create_answered;
    long create_status;
    int retries;
    int64_t t_unix_ms, end_unix_ms, ms;
};

static void booking_error(struct booking *b, const char *err)
{
    if (!b->first_error[0] && err && err[0])
        snprintf(b->first_error, sizeof b->first_error, "%s", err);
}

/* The stage (order, payment, sandbox, poll) and the answer that ended an unsuccessful attempt. */
static void booking_end(struct booking *b, const char *stage, const char *err)
{
    snprintf(b->stage, sizeof b->stage, "%s", stage);
    snprintf(b->last_error, sizeof b->last_error, "%s", err && err[0] ? err : "?");
    booking_error(b, err);
}

static void ledger_write(const struct booking *b)
{
    if (!G.ledger)
        return;
    const char *outcome = b->stuck ? "stuck" : OUTCOME_NAMES[b->outcome];
    json_t *j = json_pack("{s:s,s:s?,s:s?,s:s?,s:s,s:s,s:i,s:s?,s:s?,s:s?,s:I}", "key", b->key, "order_id",
                          b->order_id[0] ? b->order_id : NULL, "order_status_seen", b->status[0] ? b->status : NULL,
                          "payment_id", b->payment_id[0] ? b->payment_id : NULL, "pay_key", b->pay_key, "outcome",
                          outcome, "retries", b->retries, "stage", b->stage[0] ? b->stage : NULL, "first_error",
                          b->first_error[0] ? b->first_error : NULL, "final_error",
                          b->last_error[0] ? b->last_error : NULL, "ms", (json_int_t)b->ms);
    json_t *more = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:b,s:I,s:I,s:I}", "owner", b->pet->owner->username,
                             "owner_id", b->pet->owner->user_id, "pet_id", b->pet->id, "listing_id", b->listing,
                             "start_date", b->start, "end_date", b->end, "create_answered", b->create_answered,
                             "create_status", (json_int_t)b->create_status, "t_ms", (json_int_t)b->t_unix_ms, "end_ms",
                             (json_int_t)b->end_unix_ms);
    if (j && more)
        json_object_update(j, more);
    json_decref(more);
    char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    if (!s)
        return;
    pthread_mutex_lock(&g_ledger_mu);
    fputs(s, G.ledger);
    fputc('\n', G.ledger);
    fflush(G.ledger);
    pthread_mutex_unlock(&g_ledger_mu);
    free(s);
}

static bool status_paid(const char *s)
{
    return strcmp(s, "paid") == 0 || strcmp(s, "confirmed") == 0 || strcmp(s, "in_care") == 0 ||
           strcmp(s, "completed") == 0;
}

static bool status_final_unpaid(const char *s)
{
    return strcmp(s, "expired") == 0 || strcmp(s, "cancelled") == 0 || strcmp(s, "rejected") == 0 ||
           strcmp(s, "failed") == 0;
}

/* Poll the order until it is paid (true), ends unpaid, or POLL_GIVE_UP_MS pass. */
static bool poll_paid(struct worker *w, struct booking *b)
{
    char path[96], token[TOKEN_MAX];
    struct owner *o = b->pet->owner;
    snprintf(path, sizeof path, "/api/v1/orders/%s", b->order_id);
    int64_t give_up = mono_ms() + POLL_GIVE_UP_MS;
    while (mono_ms() < give_up) {
        struct reply r;
        owner_token(o, token);
        http(w, S_ORDER_GET, "GET", path, token, NULL, NULL, &r);
        if (r.status == 401) {
            note_401(S_ORDER_GET);
            relogin(w, o, token);
            continue;
        }
        note_get(S_ORDER_GET, &r, false);
        if (r.status == 200) {
            json_t *j = json_loads(r.body, 0, NULL);
            const char *s = json_string_value(json_object_get(j, "status"));
            if (s)
                snprintf(b->status, sizeof b->status, "%s", s);
            json_decref(j);
            if (status_paid(b->status))
                return true;
            if (status_final_unpaid(b->status)) {
                char e[64];
                snprintf(e, sizeof e, "order became %s", b->status);
                booking_end(b, "poll", e);
                return false;
            }
        } else {
            char e[64];
            describe(&r, e, sizeof e);
            booking_error(b, e);
        }
        sleep_ms(POLL_EVERY_MS);
    }
    b->stuck = true;
    booking_end(b, "poll", "not paid within 20 s");
    return false;
}

/* POST /orders, POST /payments, POST /payments/{id}/sandbox, then poll. */
static void booking_run(struct worker *w, struct booking *b)
{
    struct owner *o = b->pet->owner;
    struct post_out po;
    char *s;
    json_t *body = json_pack("{s:s,s:[s],s:s,s:s}", "listing_id", b->listing, "pet_ids", b->pet->id, "start_date",
                             b->start, "end_date", b->end);
    s = body ? json_dumps(body, JSON_COMPACT) : NULL;
    json_decref(body);
    if (!s)
        return;
    b->outcome = post_retry(w, S_ORDER_POST, "/api/v1/orders", o, b->key, s, &po);
    free(s);
    b->retries += po.retries;
    b->create_answered = po.answered;
    b->create_status = po.status;
    booking_error(b, po.first_error);
    const char *id = json_string_value(json_object_get(po.json, "id"));
    if (b->outcome == OUT_OK && id)
        snprintf(b->order_id, sizeof b->order_id, "%s", id);
    const char *st = json_string_value(json_object_get(po.json, "status"));
    if (st)
        snprintf(b->status, sizeof b->status, "%s", st);
    json_decref(po.json);
    if (b->outcome != OUT_OK) {
        booking_end(b, "order", po.error);
        return;
    }
    if (!b->order_id[0]) {
        b->outcome = OUT_FAILED;
        booking_end(b, "order", "no order id in the answer");
        return;
    }
    body = json_pack("{s:s}", "order_id", b->order_id);
    s = body ? json_dumps(body, JSON_COMPACT) : NULL;
    json_decref(body);
    if (!s)
        return;
    b->outcome = post_retry(w, S_PAYMENT_POST, "/api/v1/payments", o, b->pay_key, s, &po);
    free(s);
    b->retries += po.retries;
    booking_error(b, po.first_error);
    id = json_string_value(json_object_get(po.json, "payment_id"));
    if (b->outcome == OUT_OK && id)
        snprintf(b->payment_id, sizeof b->payment_id, "%s", id);
    json_decref(po.json);
    if (b->outcome != OUT_OK) {
        booking_end(b, "payment", po.error);
        return;
    }
    if (!b->payment_id[0]) {
        b->outcome = OUT_FAILED;
        booking_end(b, "payment", "no payment_id in the answer");
        return;
    }
    char path[96];
    snprintf(path, sizeof path, "/api/v1/payments/%s/sandbox", b->payment_id);
    b->outcome = post_retry(w, S_SANDBOX_POST, path, o, NULL, "{\"outcome\":\"succeed\"}", &po);
    b->retries += po.retries;
    booking_error(b, po.first_error);
    json_decref(po.json);
    if (b->outcome != OUT_OK) {
        booking_end(b, "sandbox", po.error);
        return;
    }
    b->outcome = poll_paid(w, b) ? OUT_OK : OUT_FAILED;
}

static void op_booking(struct worker *w)
{
    struct booking b;
    memset(&b, 0, sizeof b);
    int day = 0;
    if (!slot_take(w, &b.pet, &day)) {
        pthread_mutex_lock(&S.mu);
        S.s[S_BOOKING].skipped++;
        pthread_mutex_unlock(&S.mu);
        return;
    }
    date_format(G.today + day, b.start);
    date_format(G.today + day + 1, b.end);
    b.listing = G.listings[rnd(w) % G.nlistings];
    uuid_like(w, b.key, sizeof b.key);
    uuid_like(w, b.pay_key, sizeof b.pay_key);
    b.t_unix_ms = time_now_ms();
    int64_t t0 = mono_ms();
    booking_run(w, &b);
    b.ms = mono_ms() - t0;
    b.end_unix_ms = time_now_ms();
    /* a night refused as full holds nothing for the pet; anything else may hold it */
    if (b.outcome == OUT_BUSINESS && strstr(b.last_error, "fully_booked"))
        slot_give_back(b.pet, day);
    ledger_write(&b);
    pthread_mutex_lock(&S.mu);
    struct stat_rec *s = &S.s[S_BOOKING];
    s->count++;
    S.ops++;
    hist_add(&s->h, (uint64_t)b.ms * 1000u);
    if (b.stuck) {
        s->stuck++;
        if (S.nstuck < STUCK_KEEP) {
            struct stuck *k = &S.stuck[S.nstuck];
            snprintf(k->key, sizeof k->key, "%s", b.key);
            snprintf(k->order_id, sizeof k->order_id, "%s", b.order_id);
            snprintf(k->payment_id, sizeof k->payment_id, "%s", b.payment_id);
            snprintf(k->status, sizeof k->status, "%s", b.status);
        }
        S.nstuck++;
    } else if (b.outcome == OUT_OK) {
        s->ok++;
    } else if (b.outcome == OUT_BUSINESS) {
        s->business++;
        char what[64];
        snprintf(what, sizeof what, "%.15s: %.46s", b.stage, b.last_error);
        count_kind(s->codes, what);
    } else {
        s->failed++;
        char what[64];
        snprintf(what, sizeof what, "%.15s: %.46s", b.stage, b.last_error);
        count_kind(s->errors, what);
    }
    if (b.outcome != OUT_FAILED && !b.stuck)
        second_at(mono_ms())->ok++;
    pthread_mutex_unlock(&S.mu);
}

/* An operation drawn by the mix weights (without booking: among the others); -1 if none. */
static int pick_op(struct worker *w, bool booking)
{
    double total = 0;
    int last = -1;
    for (int i = 0; i < NOPS; i++)
        if (G.mix[i] > 0 && (booking || i != S_BOOKING)) {
            total += G.mix[i];
            last = i;
        }
    double x = rnd_unit(w) * total;
    for (int i = 0; i < NOPS; i++)
        if (G.mix[i] > 0 && (booking || i != S_BOOKING)) {
            if (x < G.mix[i])
                return i;
            x -= G.mix[i];
        }
    return last; /* rounding at the top end */
}

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    while (!atomic_load(&g_stop)) {
        int op = pick_op(w, true);
        if (op == S_BOOKING && atomic_fetch_add(&g_bookings, 1) >= G.max_bookings) {
            /* enough threads wait in bookings already (an outage makes them wait up to
             * 20 s each): keep this one measuring the rest of the mix */
            atomic_fetch_sub(&g_bookings, 1);
            pthread_mutex_lock(&S.mu);
            S.s[S_BOOKING].deferred++;
            pthread_mutex_unlock(&S.mu);
            op = pick_op(w, false);
            if (op < 0) {
                sleep_ms(10);
                continue;
            }
        }
        switch (op) {
        case S_SEARCH: op_search(w); break;
        case S_DETAIL: op_detail(w); break;
        case S_LOGIN: op_login(w); break;
        case S_REFRESH: op_refresh(w); break;
        case S_AUTHED: op_authed(w); break;
        default:
            op_booking(w);
            atomic_fetch_sub(&g_bookings, 1);
            break;
        }
    }
    atomic_fetch_sub(&g_running, 1);
    return NULL;
}

/* ---------- the timeline ---------- */

static void timeline_flush_until(long upto)
{
    pthread_mutex_lock(&S.mu);
    while (S.flushed < upto) {
        struct second *sec = &S.ring[S.flushed % RING];
        if (G.timeline)
            fprintf(G.timeline, "%ld,%ld,%ld,%ld,%ld,%.2f,%.2f\n", S.flushed, sec->ok, sec->failed_idem, sec->retried,
                    sec->posts_failed, hist_ms(&sec->h, 0.5), hist_ms(&sec->h, 0.99));
        memset(sec, 0, sizeof *sec);
        S.flushed++;
    }
    if (G.timeline)
        fflush(G.timeline);
    pthread_mutex_unlock(&S.mu);
}

/* ---------- the report ---------- */

static json_t *counted_json(const struct counted *c)
{
    json_t *o = json_object();
    for (int i = 0; i < ERR_KINDS && c[i].what[0]; i++)
        json_object_set_new(o, c[i].what, json_integer(c[i].n));
    return o;
}

static json_t *stat_json(enum stat k, double secs)
{
    const struct stat_rec *s = &S.s[k];
    json_t *j = json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:f,s:f,s:f,s:f}", "count", (json_int_t)s->count, "requests",
                          (json_int_t)s->requests, "ok", (json_int_t)s->ok, "business", (json_int_t)s->business,
                          "failed", (json_int_t)s->failed, "retried", (json_int_t)s->retried, "auth_401",
                          (json_int_t)s->auth401, "p50_ms", hist_ms(&s->h, 0.5), "p99_ms", hist_ms(&s->h, 0.99),
                          "max_ms", (double)s->h.max_us / 1000.0, "req_per_s",
                          secs > 0 ? (double)(k == S_BOOKING ? s->count : s->requests) / secs : 0.0);
    json_object_set_new(j, "failures", counted_json(s->errors));
    json_object_set_new(j, "business_codes", counted_json(s->codes));
    if (k == S_BOOKING) {
        json_object_set_new(j, "stuck", json_integer(s->stuck));
        json_object_set_new(j, "skipped_no_free_night", json_integer(s->skipped));
        json_object_set_new(j, "deferred_at_max_bookings", json_integer(s->deferred));
    }
    return j;
}

static int write_report(const char *path, double secs)
{
    json_t *ops = json_object(), *reqs = json_object(), *mix = json_object(), *stuck = json_array();
    for (int k = 0; k < NSTAT; k++)
        json_object_set_new(k < NOPS ? ops : reqs, STAT_NAMES[k], stat_json((enum stat)k, secs));
    for (int k = 0; k < NOPS; k++)
        json_object_set_new(mix, STAT_NAMES[k], json_real(G.mix[k]));
    for (long i = 0; i < S.nstuck && i < STUCK_KEEP; i++)
        json_array_append_new(stuck, json_pack("{s:s,s:s,s:s,s:s}", "key", S.stuck[i].key, "order_id",
                                               S.stuck[i].order_id, "payment_id", S.stuck[i].payment_id,
                                               "status_seen", S.stuck[i].status));
    const struct stat_rec *b = &S.s[S_BOOKING];
    json_t *r = json_pack(
        "{s:s,s:f,s:i,s:o,s:o,s:o,s:{s:I,s:I,s:f,s:f,s:f,s:f,s:I,s:I,s:I,s:I,s:I,s:I},"
        "s:{s:I,s:I,s:I,s:I,s:I,s:I,s:I},s:o,s:s}",
        "gateway", G.gateway, "duration_s", secs, "threads", G.threads, "mix", mix, "operations", ops, "requests", reqs,
        "totals", "requests", (json_int_t)S.requests, "ops", (json_int_t)S.ops, "rps",
        secs > 0 ? (double)S.requests / secs : 0.0, "ops_per_s", secs > 0 ? (double)S.ops / secs : 0.0, "p50_ms",
        hist_ms(&S.all, 0.5), "p99_ms", hist_ms(&S.all, 0.99), "failed_idempotent", (json_int_t)S.failed_idem,
        "posts_failed", (json_int_t)S.posts_failed, "posts_retried", (json_int_t)S.posts_retried, "auth_401",
        (json_int_t)S.auth401, "unavailable_with_json_body", (json_int_t)S.unavail_json,
        "unavailable_without_json_body", (json_int_t)S.unavail_plain, "bookings", "attempted", (json_int_t)b->count,
        "ok", (json_int_t)b->ok, "business", (json_int_t)b->business, "failed", (json_int_t)b->failed, "stuck",
        (json_int_t)b->stuck, "skipped_no_free_night", (json_int_t)b->skipped, "deferred_at_max_bookings",
        (json_int_t)b->deferred, "stuck_bookings", stuck,
        "latency_method", "log-linear histogram: exact below 128 us, then 64 sub-buckets per power of two (<1.6 %)");
    if (r)
        json_object_set_new(r, "started_unix_ms", json_integer((json_int_t)G.start_wall_ms));
    int rc = r && json_dump_file(r, path, JSON_INDENT(2)) == 0 ? 0 : -1;
    json_decref(r);
    return rc;
}

static void print_summary(double secs)
{
    fprintf(stderr, "pb-load: %.1f s, %d threads, %ld requests (%.0f req/s), %ld operations; latency p50 %.1f ms, "
                    "p99 %.1f ms\n",
            secs, G.threads, S.requests, secs > 0 ? (double)S.requests / secs : 0.0, S.ops, hist_ms(&S.all, 0.5),
            hist_ms(&S.all, 0.99));
    fprintf(stderr, "  %-15s %8s %8s %8s %8s %8s %8s %9s %9s\n", "", "count", "ok", "business", "failed", "retried",
            "401", "p50 ms", "p99 ms");
    for (int k = 0; k < NSTAT; k++) {
        const struct stat_rec *s = &S.s[k];
        if (!s->count && !s->requests && !s->skipped)
            continue;
        fprintf(stderr, "  %-15s %8ld %8ld %8ld %8ld %8ld %8ld %9.1f %9.1f\n", STAT_NAMES[k], s->count, s->ok,
                s->business, s->failed, s->retried, s->auth401, hist_ms(&s->h, 0.5), hist_ms(&s->h, 0.99));
        for (int i = 0; i < ERR_KINDS && s->errors[i].what[0]; i++)
            fprintf(stderr, "      failed: %-44s %ld\n", s->errors[i].what, s->errors[i].n);
        for (int i = 0; i < ERR_KINDS && s->codes[i].what[0]; i++)
            fprintf(stderr, "      answer: %-44s %ld\n", s->codes[i].what, s->codes[i].n);
    }
    const struct stat_rec *b = &S.s[S_BOOKING];
    fprintf(stderr, "  failed idempotent %ld, POSTs failed %ld, POSTs retried %ld, 401s %ld; 502/503/504 with "
                    "JSON body %ld, without %ld; bookings stuck %ld, skipped (no free night) %ld, deferred (--max-bookings "
                    "in flight) %ld\n",
            S.failed_idem, S.posts_failed, S.posts_retried, S.auth401, S.unavail_json, S.unavail_plain, b->stuck,
            b->skipped, b->deferred);
    printf("PBLOAD ops=%ld rps=%.1f p50=%.2f p99=%.2f failed_idempotent=%ld posts_failed=%ld posts_retried=%ld "
           "bookings_ok=%ld bookings_business=%ld bookings_stuck=%ld bookings_failed=%ld reqs=%ld\n",
           S.ops, secs > 0 ? (double)S.requests / secs : 0.0, hist_ms(&S.all, 0.5), hist_ms(&S.all, 0.99),
           S.failed_idem, S.posts_failed, S.posts_retried, b->ok, b->business, b->stuck, b->failed, S.requests);
    fflush(stdout);
}

/* ---------- the setup file ---------- */

static char *dup_or_die(const char *s)
{
    char *d = strdup(s ? s : "");
    if (!d) {
        fprintf(stderr, "pb-load: out of memory\n");
        exit(2);
    }
    return d;
}

static void free_setup(void)
{
    for (size_t i = 0; i < G.nlistings; i++)
        free(G.listings[i]);
    for (size_t i = 0; i < G.ncities; i++)
        free(G.cities[i]);
    for (size_t i = 0; i < G.nowners; i++)
        pthread_mutex_destroy(&G.owners[i].mu);
    free(G.listings);
    free(G.cities);
    free(G.owners);
    free(G.pets);
    free(G.gateway_owned);
}

static bool load_setup(const char *path)
{
    json_error_t je;
    json_t *root = json_load_file(path, 0, &je);
    if (!root) {
        fprintf(stderr, "pb-load: cannot read the setup file %s: %s (line %d)\n", path, je.text, je.line);
        return false;
    }
    json_t *owners = json_object_get(root, "owners"), *listings = json_object_get(root, "listings"),
           *cities = json_object_get(root, "cities");
    if (!G.gateway && json_string_value(json_object_get(root, "gateway")))
        G.gateway = G.gateway_owned = dup_or_die(json_string_value(json_object_get(root, "gateway")));
    G.nowners = json_array_size(owners);
    G.nlistings = json_array_size(listings);
    G.ncities = json_array_size(cities);
    G.owners = calloc(G.nowners ? G.nowners : 1, sizeof *G.owners);
    G.listings = calloc(G.nlistings ? G.nlistings : 1, sizeof *G.listings);
    G.cities = calloc(G.ncities ? G.ncities : 1, sizeof *G.cities);
    size_t npets = 0;
    for (size_t i = 0; i < G.nowners; i++)
        npets += json_array_size(json_object_get(json_array_get(owners, i), "pets"));
    G.pets = calloc(npets ? npets : 1, sizeof *G.pets);
    if (!G.owners || !G.listings || !G.cities || !G.pets) {
        json_decref(root);
        return false;
    }
    for (size_t i = 0; i < G.nowners; i++) {
        json_t *o = json_array_get(owners, i), *pets = json_object_get(o, "pets");
        struct owner *ow = &G.owners[i];
        pthread_mutex_init(&ow->mu, NULL);
        snprintf(ow->username, sizeof ow->username, "%s", json_string_value(json_object_get(o, "username")));
        snprintf(ow->password, sizeof ow->password, "%s", json_string_value(json_object_get(o, "password")));
        snprintf(ow->user_id, sizeof ow->user_id, "%s", json_string_value(json_object_get(o, "user_id")));
        const char *t = json_string_value(json_object_get(o, "token"));
        snprintf(ow->token, sizeof ow->token, "%s", t ? t : "");
        for (size_t k = 0; k < json_array_size(pets); k++) {
            struct pet *p = &G.pets[G.npets++];
            p->owner = ow;
            snprintf(p->id, sizeof p->id, "%s", json_string_value(json_array_get(pets, k)));
        }
    }
    for (size_t i = 0; i < G.nlistings; i++)
        G.listings[i] = dup_or_die(json_string_value(json_array_get(listings, i)));
    for (size_t i = 0; i < G.ncities; i++)
        G.cities[i] = dup_or_die(json_string_value(json_array_get(cities, i)));
    json_decref(root);
    return true;
}

/* A fresh token for every owner (the setup file's may have expired), and the nights its
 * pets already have live stays on (from an earlier run), so new bookings avoid them. */
static bool prepare_owners(struct worker *w)
{
    for (size_t i = 0; i < G.nowners; i++) {
        struct owner *o = &G.owners[i];
        json_t *b = json_pack("{s:s,s:s}", "username", o->username, "password", o->password);
        char *s = json_dumps(b, JSON_COMPACT);
        json_decref(b);
        struct post_out po = {0};
        enum outcome res = OUT_FAILED;
        for (int tries = 0; s && tries < POST_TRIES; tries++) {
            json_decref(po.json);
            res = post_retry(w, S_RELOGIN, "/api/v1/auth/login", NULL, NULL, s, &po);
            if (po.status != 429)
                break;
            sleep_ms(1000); /* the gateway's limit of logins per address */
        }
        free(s);
        const char *t = json_string_value(json_object_get(po.json, "access_token"));
        const char *rt = json_string_value(json_object_get(po.json, "refresh_token"));
        if (res != OUT_OK || !t) {
            fprintf(stderr, "pb-load: owner %s cannot log in: %s\n", o->username, po.error);
            json_decref(po.json);
            return false;
        }
        snprintf(o->token, sizeof o->token, "%s", t);
        snprintf(o->refresh, sizeof o->refresh, "%s", rt ? rt : "");
        json_decref(po.json);
        char path[256] = "/api/v1/orders?role=owner&limit=100", cursor[128] = "";
        for (int page = 0; page < 50; page++) {
            struct reply r;
            if (cursor[0])
                snprintf(path, sizeof path, "/api/v1/orders?role=owner&limit=100&cursor=%s", cursor);
            http(w, S_ORDER_GET, "GET", path, o->token, NULL, NULL, &r);
            if (r.status != 200) {
                char what[64];
                describe(&r, what, sizeof what);
                fprintf(stderr, "pb-load: GET /api/v1/orders of %s: %s\n", o->username, what);
                return false;
            }
            json_t *j = json_loads(r.body, 0, NULL), *items = json_object_get(j, "items");
            for (size_t k = 0; k < json_array_size(items); k++) {
                json_t *it = json_array_get(items, k);
                const char *st = json_string_value(json_object_get(it, "status"));
                int32_t from, to;
                if (!st || !(strcmp(st, "pending_payment") == 0 || strcmp(st, "creating") == 0 || status_paid(st)) ||
                    !date_parse(json_string_value(json_object_get(it, "start_date")), &from) ||
                    !date_parse(json_string_value(json_object_get(it, "end_date")), &to))
                    continue;
                json_t *pids = json_object_get(it, "pet_ids");
                for (size_t q = 0; q < json_array_size(pids); q++)
                    for (size_t pi = 0; pi < G.npets; pi++)
                        if (json_string_value(json_array_get(pids, q)) &&
                            strcmp(G.pets[pi].id, json_string_value(json_array_get(pids, q))) == 0)
                            for (int32_t d = from; d < to; d++)
                                if (d - G.today >= 0 && d - G.today <= MAX_DAYS)
                                    night_set(&G.pets[pi], d - G.today, true);
            }
            const char *next = json_string_value(json_object_get(j, "next_cursor"));
            char *esc = next ? curl_easy_escape(w->h, next, 0) : NULL;
            snprintf(cursor, sizeof cursor, "%s", esc ? esc : "");
            curl_free(esc);
            json_decref(j);
            if (!cursor[0])
                break;
        }
    }
    return true;
}

/* ---------- pb-load setup ---------- */

static bool setup_post(struct worker *w, const char *path, const char *token, json_t *body, long want, json_t **out)
{
    char *s = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    struct reply r = {0};
    for (int tries = 0; s && tries < POST_TRIES; tries++) {
        http(w, S_LOGIN, "POST", path, token, NULL, s, &r);
        if (r.status == 429) /* the gateway's limit of logins and registrations per address */
            sleep_ms(1000);
        else if (retryable(&r))
            sleep_ms(200);
        else
            break;
    }
    free(s);
    if (r.status != want) {
        char what[64];
        describe(&r, what, sizeof what);
        fprintf(stderr, "pb-load setup: POST %s: %s %s\n", path, what, r.status ? r.body : "");
        return false;
    }
    *out = json_loads(r.body, 0, NULL);
    return *out != NULL;
}

static int cmd_setup(int argc, char **argv)
{
    static const struct option opts[] = {{"gateway", required_argument, NULL, 'g'},
                                         {"out", required_argument, NULL, 'o'},
                                         {"owners", required_argument, NULL, 'n'},
                                         {"pets-per-owner", required_argument, NULL, 'p'},
                                         {"listings", required_argument, NULL, 'l'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *gateway = NULL, *out = NULL;
    long nown = 20, npets = 5, nlist = 50;
    int c;
    while ((c = getopt_long(argc, argv, "g:o:n:p:l:h", opts, NULL)) != -1) {
        switch (c) {
        case 'g': gateway = optarg; break;
        case 'o': out = optarg; break;
        case 'n': nown = strtol(optarg, NULL, 10); break;
        case 'p': npets = strtol(optarg, NULL, 10); break;
        case 'l': nlist = strtol(optarg, NULL, 10); break;
        default: goto usage;
        }
    }
    if (!gateway || !out || nown < 1 || nown > 1000 || npets < 1 || npets > 200 || nlist < 1 || nlist > 10000)
        goto usage;
    G.gateway = gateway;
    struct worker w;
    if (!worker_init(&w, 0, true))
        return 2;
    int rc = 2;
    json_t *owners = json_array(), *listings = json_array(), *cities = json_array(), *per_city[6] = {0};
    char prefix[24];
    snprintf(prefix, sizeof prefix, "load%lx", (unsigned long)time(NULL) ^ ((unsigned long)getpid() << 20));
    /* listings first: without them there is nothing to load */
    for (int ci = 0; ci < 6; ci++) {
        char path[256], *esc = curl_easy_escape(w.h, DEFAULT_CITIES[ci], 0);
        snprintf(path, sizeof path, "/api/v1/listings?city=%s&species=dog&limit=100", esc ? esc : "");
        curl_free(esc);
        struct reply r;
        http(&w, S_SEARCH, "GET", path, NULL, NULL, NULL, &r);
        if (r.status != 200) {
            char what[64];
            describe(&r, what, sizeof what);
            fprintf(stderr, "pb-load setup: GET %s%s: %s\n", gateway, path, what);
            goto done;
        }
        json_t *j = json_loads(r.body, 0, NULL);
        per_city[ci] = json_array();
        json_t *items = json_object_get(j, "items");
        for (size_t k = 0; k < json_array_size(items); k++)
            json_array_append(per_city[ci], json_object_get(json_array_get(items, k), "id"));
        if (json_array_size(per_city[ci]))
            json_array_append_new(cities, json_string(DEFAULT_CITIES[ci]));
        json_decref(j);
    }
    for (size_t k = 0; json_array_size(listings) < (size_t)nlist && k < 100; k++) /* round-robin over cities */
        for (int ci = 0; ci < 6 && json_array_size(listings) < (size_t)nlist; ci++)
            if (k < json_array_size(per_city[ci]))
                json_array_append(listings, json_array_get(per_city[ci], k));
    if (!json_array_size(listings)) {
        fprintf(stderr, "pb-load setup: no published listing that takes dogs found by GET /api/v1/listings in "
                        "any of 北京 上海 广州 深圳 成都 杭州: seed listings first (tools/pb-seed-listings or "
                        "scripts/seed-demo.sh)\n");
        goto done;
    }
    for (long i = 0; i < nown; i++) {
        char name[40], pw[] = "load-password-1";
        json_t *u = NULL, *t = NULL, *pets = json_array();
        snprintf(name, sizeof name, "%s_%ld", prefix, i);
        bool ok = setup_post(&w, "/api/v1/auth/register", NULL,
                             json_pack("{s:s,s:s,s:s,s:s}", "username", name, "password", pw, "role", "owner",
                                       "display_name", "压测主人"),
                             201, &u) &&
                  setup_post(&w, "/api/v1/auth/login", NULL, json_pack("{s:s,s:s}", "username", name, "password", pw),
                             200, &t);
        const char *token = json_string_value(json_object_get(t, "access_token"));
        for (long k = 0; ok && token && k < npets; k++) {
            char pname[32];
            json_t *p = NULL;
            snprintf(pname, sizeof pname, "load%ld_%ld", i, k);
            ok = setup_post(&w, "/api/v1/pets", token,
                            json_pack("{s:s,s:s,s:f}", "name", pname, "species", "dog", "weight_kg", 3.0), 201, &p);
            if (ok)
                json_array_append(pets, json_object_get(p, "id"));
            json_decref(p);
        }
        if (ok && token)
            json_array_append_new(owners, json_pack("{s:s,s:s,s:O,s:s,s:o}", "username", name, "password", pw,
                                                    "user_id", json_object_get(u, "id"), "token", token, "pets", pets));
        else
            json_decref(pets);
        json_decref(u);
        json_decref(t);
        if (!ok || !token)
            goto done;
    }
    json_t *root = json_pack("{s:s,s:s,s:O,s:O,s:O}", "gateway", gateway, "note",
                             "written by pb-load setup; every owner's password is load-password-1", "owners", owners,
                             "listings", listings, "cities", cities);
    if (json_dump_file(root, out, JSON_INDENT(2)) != 0)
        fprintf(stderr, "pb-load setup: cannot write %s\n", out);
    else {
        fprintf(stderr, "pb-load setup: %ld owners with %ld pets each, %zu listings in %zu cities -> %s\n", nown, npets,
                json_array_size(listings), json_array_size(cities), out);
        rc = 0;
    }
    json_decref(root);
done:
    for (int ci = 0; ci < 6; ci++)
        json_decref(per_city[ci]);
    json_decref(owners);
    json_decref(listings);
    json_decref(cities);
    worker_free(&w);
    return rc;
usage:
    fprintf(stderr, "usage: pb-load setup --gateway URL --out FILE [--owners 20] [--pets-per-owner 5] "
                    "[--listings 50]\n");
    return 2;
}

/* ---------- pb-load (the load) ---------- */

static bool parse_mix(const char *s)
{
    double mix[NOPS] = {0};
    char *copy = strdup(s), *save = NULL;
    bool ok = copy != NULL;
    for (char *tok = copy ? strtok_r(copy, ",", &save) : NULL; ok && tok; tok = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(tok, '='), *end = NULL;
        ok = eq != NULL;
        if (!ok)
            break;
        *eq = 0;
        double v = strtod(eq + 1, &end);
        ok = end && !*end && end != eq + 1 && v >= 0;
        int k = 0;
        while (k < NOPS && strcmp(STAT_NAMES[k], tok) != 0)
            k++;
        ok = ok && k < NOPS;
        if (ok)
            mix[k] = v;
    }
    free(copy);
    double total = 0;
    for (int k = 0; k < NOPS; k++)
        total += mix[k];
    if (!ok || total <= 0)
        return false;
    memcpy(G.mix, mix, sizeof mix);
    return true;
}

static void on_signal(int sig)
{
    (void)sig;
    g_signalled = 1;
}

static FILE *open_out(const char *path)
{
    FILE *f = fopen(path, "w");
    if (!f)
        fprintf(stderr, "pb-load: cannot write %s\n", path);
    return f;
}

static void usage(void)
{
    fprintf(stderr,
            "usage: pb-load --gateway URL --duration SECONDS [--threads N] [--mix search=60,detail=39,login=0.5,"
            "booking=0.5,refresh=0,authed=0]\n"
            "               [--setup FILE] [--timeline FILE.csv] [--ledger FILE.jsonl] [--report FILE.json]\n"
            "               [--stop-file PATH] [--days 60] [--max-bookings THREADS/2]\n"
            "       pb-load setup --gateway URL --out FILE [--owners 20] [--pets-per-owner 5] [--listings 50]\n");
}

/* Start the workers, watch the clock, signals and the stop file, write each second of the
 * timeline once it is over (250 ms later, so late answers still land in it), then report. */
static int run_load(struct worker *ws, pthread_t *ts, const char *report)
{
    if (G.timeline)
        fprintf(G.timeline, "t_s,ops_ok,ops_failed_idempotent,posts_retried,posts_failed,p50_ms,p99_ms\n");
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    G.start_ms = mono_ms();
    {
        struct timespec w;
        clock_gettime(CLOCK_REALTIME, &w);
        G.start_wall_ms = (int64_t)w.tv_sec * 1000 + w.tv_nsec / 1000000;
    }
    int64_t deadline = G.start_ms + (int64_t)(G.duration_s * 1000.0);
    int started = 0;
    atomic_store(&g_running, G.threads);
    for (; started < G.threads; started++)
        if (pthread_create(&ts[started], NULL, worker_main, &ws[started]) != 0) {
            fprintf(stderr, "pb-load: cannot start thread %d\n", started);
            atomic_store(&g_stop, true);
            atomic_fetch_sub(&g_running, G.threads - started);
            break;
        }
    while (atomic_load(&g_running) > 0) {
        sleep_ms(50);
        int64_t now = mono_ms();
        if (!atomic_load(&g_stop)) {
            const char *why = g_signalled                                            ? "signal"
                              : now >= deadline                                      ? "duration"
                              : G.stop_file && access(G.stop_file, F_OK) == 0       ? "stop file"
                                                                                     : NULL;
            if (why) {
                atomic_store(&g_stop, true);
                fprintf(stderr, "pb-load: stopping (%s), waiting for operations in flight\n", why);
            }
        }
        if (now - G.start_ms >= 250)
            timeline_flush_until((long)((now - G.start_ms - 250) / 1000));
    }
    for (int i = 0; i < started; i++)
        pthread_join(ts[i], NULL);
    if (started < G.threads)
        return 2;
    int64_t end = mono_ms();
    timeline_flush_until((long)((end - G.start_ms + 999) / 1000));
    double secs = (double)(end - G.start_ms) / 1000.0;
    int rc = 0;
    if (report && write_report(report, secs) != 0) {
        fprintf(stderr, "pb-load: cannot write %s\n", report);
        rc = 2;
    }
    print_summary(secs);
    return rc;
}

static int cmd_load(int argc, char **argv)
{
    static const struct option opts[] = {{"gateway", required_argument, NULL, 'g'},
                                         {"duration", required_argument, NULL, 'd'},
                                         {"threads", required_argument, NULL, 't'},
                                         {"mix", required_argument, NULL, 'm'},
                                         {"setup", required_argument, NULL, 's'},
                                         {"timeline", required_argument, NULL, 'T'},
                                         {"ledger", required_argument, NULL, 'L'},
                                         {"report", required_argument, NULL, 'R'},
                                         {"stop-file", required_argument, NULL, 'S'},
                                         {"days", required_argument, NULL, 'D'},
                                         {"max-bookings", required_argument, NULL, 'B'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *setup = NULL, *timeline = NULL, *ledger = NULL, *report = NULL;
    int c;
    while ((c = getopt_long(argc, argv, "g:d:t:m:s:T:L:R:S:D:B:h", opts, NULL)) != -1) {
        switch (c) {
        case 'g': G.gateway = optarg; break;
        case 'd': G.duration_s = strtod(optarg, NULL); break;
        case 't': G.threads = (int)strtol(optarg, NULL, 10); break;
        case 'm':
            if (!parse_mix(optarg)) {
                fprintf(stderr, "pb-load: bad --mix %s (names: search detail login booking refresh authed, weights >= 0)\n", optarg);
                return 2;
            }
            break;
        case 's': setup = optarg; break;
        case 'T': timeline = optarg; break;
        case 'L': ledger = optarg; break;
        case 'R': report = optarg; break;
        case 'S': G.stop_file = optarg; break;
        case 'D': G.days = (int)strtol(optarg, NULL, 10); break;
        case 'B': G.max_bookings = (int)strtol(optarg, NULL, 10); break;
        default: usage(); return 2;
        }
    }
    if (optind < argc || G.duration_s <= 0 || G.threads < 1 || G.threads > 1024 || G.days < 1 || G.days > MAX_DAYS ||
        G.max_bookings < 0) {
        usage();
        return 2;
    }
    if (!G.max_bookings)
        G.max_bookings = G.threads > 1 ? G.threads / 2 : 1;
    if (setup && !load_setup(setup))
        return 2;
    if (!G.gateway) {
        usage();
        return 2;
    }
    if (!G.ncities) {
        free(G.cities);
        G.cities = calloc(6, sizeof *G.cities);
        if (!G.cities)
            return 2;
        for (size_t i = 0; i < 6; i++)
            G.cities[G.ncities++] = dup_or_die(DEFAULT_CITIES[i]);
    }
    if ((G.mix[S_DETAIL] > 0 || G.mix[S_BOOKING] > 0) && !G.nlistings) {
        fprintf(stderr, "pb-load: detail and booking need listings: pass --setup FILE (pb-load setup writes it)\n");
        return 2;
    }
    if ((G.mix[S_LOGIN] > 0 || G.mix[S_BOOKING] > 0 || G.mix[S_REFRESH] > 0 || G.mix[S_AUTHED] > 0) && (!G.nowners || (G.mix[S_BOOKING] > 0 && !G.npets))) {
        fprintf(stderr, "pb-load: login and booking need owners with pets: pass --setup FILE\n");
        return 2;
    }
    G.today = date_today();
    int rc = 2;
    struct worker *ws = calloc((size_t)G.threads, sizeof *ws);
    pthread_t *ts = calloc((size_t)G.threads, sizeof *ts);
    bool ready = ws && ts;
    for (int i = 0; ready && i < G.threads; i++)
        ready = worker_init(&ws[i], i, false);
    if (ready && G.nowners) {
        ws[0].quiet = true;
        ready = prepare_owners(&ws[0]);
        ws[0].quiet = false;
    }
    if (ready && timeline)
        ready = (G.timeline = open_out(timeline)) != NULL;
    if (ready && ledger)
        ready = (G.ledger = open_out(ledger)) != NULL;
    if (ready)
        rc = run_load(ws, ts, report);
    for (int i = 0; ws && i < G.threads; i++)
        worker_free(&ws[i]);
    free(ws);
    free(ts);
    if (G.timeline)
        fclose(G.timeline);
    if (G.ledger)
        fclose(G.ledger);
    return rc;
}

int main(int argc, char **argv)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    int rc;
    if (argc > 1 && strcmp(argv[1], "setup") == 0)
        rc = cmd_setup(argc - 1, argv + 1);
    else {
        rc = cmd_load(argc, argv);
        free_setup();
    }
    curl_global_cleanup();
    return rc;
}
