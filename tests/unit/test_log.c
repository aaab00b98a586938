/* Access lines (lib/log): one JSON object per line whatever the path holds, with the fields a
 * log reader filters on. The lines are read back from a pipe standing in for stderr. */
#include "unit.h"
#include "log.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Run log_access with stderr on a pipe; what it wrote goes to buf (cap bytes, NUL-terminated),
 * its length is returned. */
static size_t capture_access(char *buf, size_t cap, const char *method, const char *path, int status, double seconds)
{
    int fds[2], saved = dup(STDERR_FILENO);
    assert_int_equal(pipe(fds), 0);
    dup2(fds[1], STDERR_FILENO);
    log_access(method, path, status, seconds);
    dup2(saved, STDERR_FILENO);
    close(saved);
    close(fds[1]);
    ssize_t n = read(fds[0], buf, cap - 1);
    close(fds[0]);
    assert_true(n >= 0);
    buf[n] = 0;
    return (size_t)n;
}

/* The one line log_access wrote, parsed. */
static json_t *access_line(const char *method, const char *path, int status, double seconds)
{
    static char buf[65536];
    size_t n = capture_access(buf, sizeof buf, method, path, status, seconds);
    assert_true(n > 0);
    assert_true(strchr(buf, '\n') == buf + n - 1); /* one line */
    json_error_t err;
    json_t *j = json_loads(buf, 0, &err);
    if (!j)
        fail_msg("not JSON: %s (%s)", buf, err.text);
    return j;
}

static const char *field(const json_t *j, const char *k) { return json_string_value(json_object_get(j, k)); }

static void an_access_line_has_every_field(void **state)
{
    (void)state;
    log_init("svc-x", "info");
    log_set_request_id("0123abcd");
    json_t *j = access_line("GET", "/api/v1/listings/42", 200, 0.0012345);
    assert_string_equal(field(j, "level"), "info");
    assert_string_equal(field(j, "svc"), "svc-x");
    assert_string_equal(field(j, "rid"), "0123abcd");
    assert_string_equal(field(j, "msg"), "request");
    assert_string_equal(field(j, "method"), "GET");
    assert_string_equal(field(j, "path"), "/api/v1/listings/42");
    assert_int_equal(json_integer_value(json_object_get(j, "status")), 200);
    assert_float_equal(json_real_value(json_object_get(j, "duration_ms")), 1.235, 0.0011);
    const char *ts = field(j, "ts"); /* 2026-12-07T11:47:00.123Z */
    assert_non_null(ts);
    assert_int_equal(strlen(ts), 24);
    assert_int_equal(ts[10], 'T');
    assert_int_equal(ts[23], 'Z');
    json_decref(j);
}

static void what_a_client_sent_stays_one_json_string(void **state)
{
    (void)state;
    log_init("svc-x", "info");
    log_set_request_id("");
    /* quotes, backslashes, control characters and text outside ASCII, as sent */
    json_t *j = access_line("GET", "/a\"b\\c\x01\td\x7f/宠物", 404, 0);
    assert_string_equal(field(j, "path"), "/a\"b\\c\x01\td\x7f/宠物");
    json_decref(j);
    /* bytes that are not UTF-8 are not copied into the line */
    j = access_line("GET", "/x\xff\xfe", 400, 0);
    assert_string_equal(field(j, "path"), "(invalid UTF-8)");
    json_decref(j);
    /* a path longer than the line buffer is still logged whole */
    size_t len = 9000;
    char *big = malloc(len + 1);
    assert_non_null(big);
    memset(big, 'p', len);
    big[0] = '/';
    big[len] = 0;
    j = access_line("GET", big, 414, 0);
    assert_string_equal(field(j, "path"), big);
    json_decref(j);
    free(big);
}

static void nothing_below_the_level(void **state)
{
    (void)state;
    char buf[64];
    log_init("svc-x", "warn");
    assert_int_equal(capture_access(buf, sizeof buf, "GET", "/x", 200, 0), 0);
    log_init("svc-x", "info");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(an_access_line_has_every_field),
        cmocka_unit_test(what_a_client_sent_stays_one_json_string),
        cmocka_unit_test(nothing_below_the_level),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
