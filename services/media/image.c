/* Photo processing by pb-media-convert, one process per upload: the upload goes to its stdin,
 * its reply (convert/wire.h) comes back on its stdout, both through pipes watched with poll()
 * against a deadline. */
#include "image.h"
#include "convert/wire.h"
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

/* the whole reply's bytes at most: the header and two JPEGs */
#define REPLY_MAX (sizeof(struct convert_reply) + 2 * (size_t)CONVERT_MAX_JPEG)
#define FULL_SIDE 1280
#define THUMB_SIDE 320

/* what the converter is told, and may see of the environment */
static struct image_opts g_opts;
static char *g_converter;
static char g_mem_mb[24], g_cpu_s[24];
static char *g_env[8];

/* processing slots: at most `workers` converters at once */
static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_cv;
static unsigned g_free_slots;
static bool g_started;

static int64_t mono_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* Wait up to wait_ms for a processing slot. */
static bool slot_acquire(long wait_ms)
{
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_sec += wait_ms / 1000;
    until.tv_nsec += (wait_ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&g_mu);
    int rc = 0;
    while (g_free_slots == 0 && rc != ETIMEDOUT)
        rc = pthread_cond_timedwait(&g_cv, &g_mu, &until);
    bool got = g_free_slots > 0;
    if (got)
        g_free_slots--;
    pthread_mutex_unlock(&g_mu);
    return got;
}

static void slot_release(void)
{
    pthread_mutex_lock(&g_mu);
    g_free_slots++;
    pthread_cond_signal(&g_cv);
    pthread_mutex_unlock(&g_mu);
}

/* ---------- one run of the converter ---------- */

struct run {
    pid_t pid;
    int in, out;        /* our ends of its stdin and stdout (-1 once closed) */
    unsigned char *got; /* what it wrote (malloc'd) */
    size_t len, cap;
    int status; /* from waitpid */
    bool timed_out, too_much;
};

/* Start the converter with argv; its stdin and stdout are pipes, its stderr is ours (the
 * service log), every other descriptor is closed, its environment holds only the sanitizer
 * settings, its signals are the defaults, and it leads a process group of its own (what
 * pb-media kills when the run is over, whatever it may have started). */
static int run_start(struct run *r, char *const argv[])
{
    int in[2] = {-1, -1}, out[2] = {-1, -1}, rc = -1;
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t at;
    bool fa_ok = false, at_ok = false;
    if (pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC))
        goto done;
    if ((errno = posix_spawn_file_actions_init(&fa)) != 0)
        goto done;
    fa_ok = true;
    if ((errno = posix_spawnattr_init(&at)) != 0)
        goto done;
    at_ok = true;
    sigset_t none, dfl;
    sigemptyset(&none);
    sigemptyset(&dfl);
    sigaddset(&dfl, SIGPIPE); /* ignored by the service; a default again in the converter */
    if ((errno = posix_spawn_file_actions_adddup2(&fa, in[0], 0)) != 0 ||
        (errno = posix_spawn_file_actions_adddup2(&fa, out[1], 1)) != 0 ||
        (errno = posix_spawn_file_actions_addclosefrom_np(&fa, 3)) != 0 ||
        (errno = posix_spawnattr_setsigmask(&at, &none)) != 0 ||
        (errno = posix_spawnattr_setsigdefault(&at, &dfl)) != 0 || (errno = posix_spawnattr_setpgroup(&at, 0)) != 0 ||
        (errno = posix_spawnattr_setflags(&at,
                                          POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP)) != 0)
        goto done;
    if ((errno = posix_spawn(&r->pid, g_converter, &fa, &at, argv, g_env)) != 0)
        goto done;
    r->in = in[1];
    r->out = out[0];
    in[1] = out[0] = -1;
    if (fcntl(r->in, F_SETFL, O_NONBLOCK) || fcntl(r->out, F_SETFL, O_NONBLOCK))
        LOG_W("media: image converter pipes stay blocking: %s", strerror(errno));
    rc = 0;
done:;
    int saved = errno;
    for (int i = 0; i < 2; i++) {
        if (in[i] >= 0)
            close(in[i]);
        if (out[i] >= 0)
            close(out[i]);
    }
    if (at_ok)
        posix_spawnattr_destroy(&at);
    if (fa_ok)
        posix_spawn_file_actions_destroy(&fa);
    errno = saved;
    return rc;
}

static void close_fd(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

/* Read what is there; false at the end of its output (or a failure). */
static bool run_read(struct run *r)
{
    for (;;) {
        if (r->len == r->cap) {
            if (r->cap >= REPLY_MAX) {
                r->too_much = true;
                return false;
            }
            size_t ncap = r->cap ? r->cap * 2 : 64 * 1024;
            if (ncap > REPLY_MAX)
                ncap = REPLY_MAX;
            unsigned char *n = realloc(r->got, ncap);
            if (!n)
                return false;
            r->got = n;
            r->cap = ncap;
        }
        ssize_t k = read(r->out, r->got + r->len, r->cap - r->len);
        if (k > 0) {
            r->len += (size_t)k;
            continue;
        }
        if (k < 0 && errno == EINTR)
            continue;
        return k < 0 && errno == EAGAIN;
    }
}

/* Feed buf[0..len) to the converter while reading its reply, until its stdout ends or the
 * deadline passes; then reap it (killed if it is still there at the deadline). */
static void run_exchange(struct run *r, const unsigned char *buf, size_t len, int64_t deadline)
{
    size_t sent = 0;
    for (;;) {
        int64_t left = deadline - mono_ms();
        if (left <= 0) {
            r->timed_out = true;
            break;
        }
        struct pollfd p[2];
        nfds_t n = 0;
        if (r->in >= 0)
            p[n++] = (struct pollfd){.fd = r->in, .events = POLLOUT};
        p[n++] = (struct pollfd){.fd = r->out, .events = POLLIN};
        int k = poll(p, n, left > 1000 ? 1000 : (int)left);
        if (k < 0 && errno != EINTR)
            break;
        if (k <= 0)
            continue;
        if (r->in >= 0 && p[0].revents) {
            size_t chunk = len - sent < 65536 ? len - sent : 65536;
            ssize_t w = write(r->in, buf + sent, chunk);
            if (w > 0)
                sent += (size_t)w;
            else if (w < 0 && errno != EAGAIN && errno != EINTR)
                close_fd(&r->in); /* it stopped reading (EPIPE): its reply says why, or its end */
            if (sent == len)
                close_fd(&r->in); /* the end of the upload */
        }
        if (p[n - 1].revents && !run_read(r))
            break;
    }
    close_fd(&r->in);
    close_fd(&r->out);
    bool killed = false;
    for (;;) {
        pid_t w = waitpid(r->pid, &r->status, WNOHANG);
        if (w == r->pid || (w < 0 && errno != EINTR))
            break;
        if (w == 0 && !killed && (r->timed_out || r->too_much || mono_ms() >= deadline)) {
            r->timed_out = r->timed_out || !r->too_much;
            kill(-r->pid, SIGKILL);
            killed = true;
            continue;
        }
        struct timespec ts = {0, 1000000L};
        nanosleep(&ts, NULL);
    }
    /* anything it left in its group (its filter lets it start nothing; a stand-in may) */
    kill(-r->pid, SIGKILL);
}

/* ---------- the reply ---------- */

/* The client's words from the converter: printable ASCII only (what it writes), else none. */
static bool why_ok(const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++)
        if (*s < 0x20 || *s > 0x7e)
            return false;
    return true;
}

/* The reply in r->got checked against its own lengths and the limits of what a converter
 * makes; NULL when it is not one. */
static const struct convert_reply *reply_of(struct run *r)
{
    struct convert_reply *h = (struct convert_reply *)r->got;
    if (r->len < sizeof *h || h->magic != CONVERT_MAGIC || h->result >= CONVERT_RESULT_COUNT ||
        h->full_len > CONVERT_MAX_JPEG || h->thumb_len > CONVERT_MAX_JPEG ||
        r->len != sizeof *h + h->full_len + h->thumb_len)
        return NULL;
    h->why[sizeof h->why - 1] = 0;
    h->detail[sizeof h->detail - 1] = 0;
    if (h->result != CONVERT_OK)
        return h->full_len == 0 && h->thumb_len == 0 ? h : NULL;
    bool ok = h->full_len > 0 && h->thumb_len > 0 && h->width >= 1 && h->width <= FULL_SIDE && h->height >= 1 &&
              h->height <= FULL_SIDE && h->thumb_width >= 1 && h->thumb_width <= THUMB_SIDE && h->thumb_height >= 1 &&
              h->thumb_height <= THUMB_SIDE;
    return ok ? h : NULL;
}

static void undecodable(enum media_format fmt, char *why, size_t cap)
{
    snprintf(why, cap, "the %s image cannot be decoded (its decoder failed or went over its memory or time limit)",
             media_format_name(fmt));
}

/* What the run gave: the result, *out on IMAGE_OK, why otherwise. */
static enum image_result run_result(struct run *r, enum media_format fmt, struct image_out *out, char *why, size_t cap,
                                    int64_t started)
{
    long ms = (long)(mono_ms() - started);
    if (r->timed_out) {
        LOG_W("media: the image converter was stopped after %ld ms (its limit is %ld ms)", ms, g_opts.timeout_ms);
        undecodable(fmt, why, cap);
        return IMAGE_UNDECODABLE;
    }
    if (r->too_much) {
        LOG_W("media: the image converter wrote more than %zu bytes: stopped", REPLY_MAX);
        undecodable(fmt, why, cap);
        return IMAGE_UNDECODABLE;
    }
    if (WIFSIGNALED(r->status)) {
        int sig = WTERMSIG(r->status);
        const char *name = sigabbrev_np(sig);
        LOG_W("media: the image converter ended by signal %d (SIG%s%s) after %ld ms", sig, name ? name : "?",
              sig == SIGXCPU ? ": its CPU time limit" : "", ms);
        undecodable(fmt, why, cap);
        return IMAGE_UNDECODABLE;
    }
    int code = WIFEXITED(r->status) ? WEXITSTATUS(r->status) : -1;
    if (code == CONVERT_EXIT_CANNOT_START || code == 126 || code == 127) {
        LOG_E("media: the image converter %s cannot run (exit status %d; its words are above)", g_converter, code);
        snprintf(why, cap, "the image could not be processed");
        return IMAGE_FAILED;
    }
    const struct convert_reply *h = code == 0 ? reply_of(r) : NULL;
    if (!h) {
        LOG_W("media: the image converter ended with status %d and %zu bytes that are not a reply", code, r->len);
        undecodable(fmt, why, cap);
        return IMAGE_UNDECODABLE;
    }
    if (h->result != CONVERT_OK) {
        if (h->detail[0])
            LOG_W("media: image refused: %s", h->detail);
        if (why_ok(h->why))
            snprintf(why, cap, "%s", h->why);
        else
            undecodable(fmt, why, cap);
        return h->result == CONVERT_BAD_SIZE      ? IMAGE_BAD_SIZE
               : h->result == CONVERT_UNDECODABLE ? IMAGE_UNDECODABLE
                                                  : IMAGE_FAILED;
    }
    *out = (struct image_out){
        .format = fmt,
        .src_width = h->src_width,
        .src_height = h->src_height,
        .width = h->width,
        .height = h->height,
        .thumb_width = h->thumb_width,
        .thumb_height = h->thumb_height,
        .full = r->got + sizeof *h,
        .full_len = h->full_len,
        .thumb = r->got + sizeof *h + h->full_len,
        .thumb_len = h->thumb_len,
        .mem = r->got,
    };
    r->got = NULL; /* now out's */
    return IMAGE_OK;
}

/* The converter's command line: the limits of the image and of the process. */
struct args {
    char min_side[16], max_side[16], max_pixels[24];
    char *argv[13];
};

static void args_make(struct args *a, const struct media_limits *lim, bool check)
{
    snprintf(a->min_side, sizeof a->min_side, "%u", lim->min_side);
    snprintf(a->max_side, sizeof a->max_side, "%u", lim->max_side);
    snprintf(a->max_pixels, sizeof a->max_pixels, "%llu", (unsigned long long)lim->max_pixels);
    char *const argv[] = {g_converter,   "--min-side", a->min_side, "--max-side", a->max_side, "--max-pixels",
                          a->max_pixels, "--mem-mb",   g_mem_mb,    "--cpu-s",    g_cpu_s,     check ? "--check" : NULL,
                          NULL};
    memcpy(a->argv, argv, sizeof argv);
}

static enum image_result convert(enum media_format fmt, const void *buf, size_t len, const struct media_limits *lim,
                                 struct image_out *out, char *why, size_t cap)
{
    struct args a;
    args_make(&a, lim, false);
    struct run r = {.pid = -1, .in = -1, .out = -1};
    int64_t started = mono_ms();
    if (run_start(&r, a.argv)) {
        LOG_E("media: cannot start the image converter %s: %s", g_converter, strerror(errno));
        snprintf(why, cap, "the image could not be processed");
        return IMAGE_FAILED;
    }
    run_exchange(&r, buf, len, started + g_opts.timeout_ms);
    enum image_result res = run_result(&r, fmt, out, why, cap, started);
    free(r.got);
    return res;
}

/* ---------- start-up ---------- */

/* The converter's environment: the sanitizer settings of a test build, nothing else. */
static void keep_env(void)
{
    static const char *const keep[] = {"ASAN_OPTIONS=", "UBSAN_OPTIONS=", "LSAN_OPTIONS=", "TSAN_OPTIONS=", NULL};
    size_t n = 0;
    for (char **e = environ; e && *e && n + 1 < sizeof g_env / sizeof g_env[0]; e++)
        for (size_t i = 0; keep[i]; i++)
            if (strncmp(*e, keep[i], strlen(keep[i])) == 0 && (g_env[n] = strdup(*e)) != NULL)
                n++;
    g_env[n] = NULL;
}

/* `pb-media-convert --check`: the converter makes an image and converts it under the
 * limits; its one line of output is logged. */
static bool check_converter(void)
{
    static const struct media_limits lim = MEDIA_LIMITS_DEFAULT;
    struct args a;
    args_make(&a, &lim, true);
    struct run r = {.pid = -1, .in = -1, .out = -1};
    int64_t started = mono_ms();
    if (run_start(&r, a.argv)) {
        LOG_E("media: cannot start the image converter %s: %s", g_converter, strerror(errno));
        return false;
    }
    /* libvips' first start on a cold cache can take a while: at least 30 s */
    run_exchange(&r, (const unsigned char *)"", 0, started + (g_opts.timeout_ms > 30000 ? g_opts.timeout_ms : 30000));
    bool ok = !r.timed_out && !r.too_much && WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0 && r.len > 3 &&
              memcmp(r.got, "ok ", 3) == 0;
    size_t n = r.len;
    while (n && (r.got[n - 1] == '\n' || r.got[n - 1] == '\r'))
        n--;
    if (ok)
        LOG_I("media: image converter %s: %.*s (checked in %ld ms)", g_converter, (int)(n < 200 ? n : 200),
              (const char *)r.got, (long)(mono_ms() - started));
    else if (r.timed_out)
        LOG_E("media: the image converter %s failed its check: stopped at its time limit", g_converter);
    else if (WIFSIGNALED(r.status))
        LOG_E("media: the image converter %s failed its check: ended by signal %d", g_converter, WTERMSIG(r.status));
    else
        LOG_E("media: the image converter %s failed its check: exit status %d (its words are above)", g_converter,
              WIFEXITED(r.status) ? WEXITSTATUS(r.status) : -1);
    free(r.got);
    return ok;
}

bool image_init(const struct image_opts *o)
{
    g_opts = *o;
    if (!(g_converter = strdup(o->converter))) {
        LOG_E("media: out of memory");
        return false;
    }
    snprintf(g_mem_mb, sizeof g_mem_mb, "%lu", o->mem_mb);
    snprintf(g_cpu_s, sizeof g_cpu_s, "%lu", o->cpu_s);
    keep_env();
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&g_cv, &ca);
    pthread_condattr_destroy(&ca);
    g_free_slots = o->workers ? o->workers : 1;
    g_started = true;
    return check_converter();
}

void image_shutdown(void)
{
    if (!g_started)
        return;
    g_started = false;
    pthread_cond_destroy(&g_cv);
    for (size_t i = 0; g_env[i]; i++) {
        free(g_env[i]);
        g_env[i] = NULL;
    }
    free(g_converter);
    g_converter = NULL;
}

enum image_result image_process(const void *buf, size_t len, const struct media_limits *lim, long wait_ms,
                                struct image_out *out, char *why, size_t cap)
{
    enum media_format fmt = media_sniff(buf, len);
    if (fmt == MEDIA_FORMAT_NONE) {
        snprintf(why, cap, "the content is not a JPEG, PNG or WebP image");
        return IMAGE_NOT_IMAGE;
    }
    if (!slot_acquire(wait_ms)) {
        snprintf(why, cap, "every image processing slot is busy, retry later");
        return IMAGE_BUSY;
    }
    enum image_result res = convert(fmt, buf, len, lim, out, why, cap);
    slot_release();
    /* the reply's buffer (a few MB at most) is freed with the request: give it back */
    malloc_trim(0);
    return res;
}

void image_out_free(struct image_out *out)
{
    if (!out)
        return;
    free(out->mem);
    *out = (struct image_out){0};
}
