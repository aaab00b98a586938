/* JSON line logger: stderr, one write(2) per line so lines from threads never interleave. */
#include "log.h"
#include "jv.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

static char g_service[32] = "pb";
static enum log_level g_level = LOG_INFO;
static _Thread_local char t_rid[65];

static const char *const level_names[] = {"debug", "info", "warn", "error"};

void log_init(const char *service, const char *level)
{
    snprintf(g_service, sizeof g_service, "%s", service ? service : "pb");
    g_level = LOG_INFO;
    for (int i = 0; level && i < 4; i++)
        if (strcasecmp(level, level_names[i]) == 0)
            g_level = (enum log_level)i;
}

void log_set_request_id(const char *rid)
{
    snprintf(t_rid, sizeof t_rid, "%s", rid ? rid : "");
}

const char *log_request_id(void) { return t_rid; }

int log_enabled(enum log_level level) { return level >= g_level; }

/* "YYYY-MM-DDTHH:MM:SS.mmmZ": the date and time of the second are formatted once per second
 * and thread (gmtime_r and strftime showed in the profile of every access line). */
static void timestamp(char *buf, size_t len)
{
    static _Thread_local time_t t_sec = (time_t)-1;
    static _Thread_local char t_prefix[24];
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    if (ts.tv_sec != t_sec) {
        struct tm tm;
        gmtime_r(&ts.tv_sec, &tm);
        strftime(t_prefix, sizeof t_prefix, "%Y-%m-%dT%H:%M:%S", &tm);
        t_sec = ts.tv_sec;
    }
    snprintf(buf, len, "%s.%03ldZ", t_prefix, ts.tv_nsec / 1000000);
}

static void emit(json_t *line)
{
    char *s = json_dumps(line, JSON_COMPACT);
    if (s) {
        size_t n = strlen(s);
        s[n] = '\n'; /* json_dumps allocates n+1 bytes; reuse the terminator slot */
        ssize_t w = write(STDERR_FILENO, s, n + 1);
        (void)w;
        free(s);
    }
    json_decref(line);
}

void log_msg(enum log_level level, const char *fmt, ...)
{
    if (!log_enabled(level))
        return;
    char ts[40], msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    timestamp(ts, sizeof ts);
    /* jansson refuses invalid UTF-8; a message quoting client bytes must still be logged */
    json_t *m = json_string(msg);
    if (!m)
        m = json_string("(message was not valid UTF-8)");
    emit(json_pack("{s:s,s:s,s:s,s:s,s:o}", "ts", ts, "level", level_names[level], "svc", g_service,
                   "rid", t_rid, "msg", m));
}

/* Append s as the inside of a JSON string (quote, backslash and control characters escaped;
 * s is valid UTF-8) at out + *at; false when it does not fit in cap. */
static bool append_escaped(char *out, size_t cap, size_t *at, const char *s)
{
    size_t k = *at;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (k + 7 >= cap)
            return false;
        if (c == '"' || c == '\\') {
            out[k++] = '\\';
            out[k++] = (char)c;
        } else if (c < 0x20 || c == 0x7F) {
            k += (size_t)snprintf(out + k, cap - k, "\\u%04x", c);
        } else {
            out[k++] = (char)c;
        }
    }
    *at = k;
    return true;
}

/* printf into out + *at; false when it does not fit. */
static bool append_fmt(char *out, size_t cap, size_t *at, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static bool append_fmt(char *out, size_t cap, size_t *at, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(out + *at, cap - *at, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= cap - *at)
        return false;
    *at += (size_t)n;
    return true;
}

/* One access line per request: formatted straight into a buffer (building it as a jansson
 * object cost an allocation per field); a path too long for it goes the general way. */
void log_access(const char *method, const char *path, int status, double seconds)
{
    if (!log_enabled(LOG_INFO))
        return;
    char ts[40], line[4096];
    size_t at = 0;
    timestamp(ts, sizeof ts);
    if (utf8_count(path, strlen(path)) < 0)
        path = "(invalid UTF-8)";
    if (utf8_count(method, strlen(method)) < 0)
        method = "(invalid UTF-8)";
    const char *rid = utf8_count(t_rid, strlen(t_rid)) < 0 ? "" : t_rid;
    if (append_fmt(line, sizeof line, &at, "{\"ts\":\"%s\",\"level\":\"info\",\"svc\":\"", ts) &&
        append_escaped(line, sizeof line, &at, g_service) && append_fmt(line, sizeof line, &at, "\",\"rid\":\"") &&
        append_escaped(line, sizeof line, &at, rid) &&
        append_fmt(line, sizeof line, &at, "\",\"msg\":\"request\",\"method\":\"") &&
        append_escaped(line, sizeof line, &at, method) && append_fmt(line, sizeof line, &at, "\",\"path\":\"") &&
        append_escaped(line, sizeof line, &at, path) &&
        append_fmt(line, sizeof line, &at, "\",\"status\":%d,\"duration_ms\":%.3f}\n", status, seconds * 1000.0)) {
        ssize_t w = write(STDERR_FILENO, line, at);
        (void)w;
        return;
    }
    emit(json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:i,s:f}", "ts", ts, "level", "info", "svc", g_service, "rid", rid,
                   "msg", "request", "method", method, "path", path, "status", status, "duration_ms",
                   seconds * 1000.0));
}
