/* Structured JSON logs to stderr, one object per line, carrying the current request id. */
#ifndef PB_LOG_H
#define PB_LOG_H

enum log_level { LOG_DEBUG = 0, LOG_INFO, LOG_WARN, LOG_ERROR };

/* Set the service name written on every line and the minimum level ("debug", "info",
 * "warn", "error"; unknown strings mean info). Call once before threads start. */
void log_init(const char *service, const char *level);

/* The request id of the calling thread ("" when none); set by the HTTP layer per request
 * and by event consumers per message. The string is copied (at most 64 bytes). */
void log_set_request_id(const char *rid);
const char *log_request_id(void);

/* Whether a message at this level would be written. */
int log_enabled(enum log_level level);

/* Write one line: {"ts","level","svc","rid","msg"}. */
void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Write an access line for a finished request. */
void log_access(const char *method, const char *path, int status, double seconds);

#define LOG_D(...) do { if (log_enabled(LOG_DEBUG)) log_msg(LOG_DEBUG, __VA_ARGS__); } while (0)
#define LOG_I(...) log_msg(LOG_INFO, __VA_ARGS__)
#define LOG_W(...) log_msg(LOG_WARN, __VA_ARGS__)
#define LOG_E(...) log_msg(LOG_ERROR, __VA_ARGS__)

#endif
