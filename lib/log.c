/* JSON line logger: stderr, one write(2) per line so lines from threads never interleave. */
#include "log.h"

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

static void timestamp(char *buf, size_t len)
{
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    size_t n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf + n, len - n, ".%03ldZ", ts.tv_nsec / 1000000);
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

void log_access(const char *method, const char *path, int status, double seconds)
{
    if (!log_enabled(LOG_INFO))
        return;
    char ts[40];
    timestamp(ts, sizeof ts);
    json_t *p = json_string(path);
    if (!p)
        p = json_string("(invalid UTF-8)");
    emit(json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:o,s:i,s:f}", "ts", ts, "level", "info", "svc", g_service,
                   "rid", t_rid, "msg", "request", "method", method, "path", p, "status", status,
                   "duration_ms", seconds * 1000.0));
}
