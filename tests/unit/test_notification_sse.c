/* SSE text of the notification stream: the event layout, multi-line data, the retry line,
 * Last-Event-ID from the header or the query, the byte queue drained in small pieces, and the
 * superseded event. */
#include "unit.h"
#include "sse.h"

#include <stdlib.h>
#include <string.h>

static void one_event_per_notification(void **state)
{
    (void)state;
    size_t len = 0;
    char *s = sse_event(391234567890123ULL, "notification", "{\"id\":\"391234567890123\",\"title\":\"新的预订请求\"}", &len);
    assert_non_null(s);
    assert_string_equal(s, "id: 391234567890123\nevent: notification\n"
                           "data: {\"id\":\"391234567890123\",\"title\":\"新的预订请求\"}\n\n");
    assert_int_equal(len, strlen(s));
    free(s);
}

static void multi_line_data_gets_a_data_field_per_line(void **state)
{
    (void)state;
    size_t len = 0;
    char *s = sse_event(7, "notification", "a\nb\r\n\nc", &len);
    assert_string_equal(s, "id: 7\nevent: notification\ndata: a\ndata: b\ndata: \ndata: c\n\n");
    free(s);
    s = sse_event(8, "x", "", &len);
    assert_string_equal(s, "id: 8\nevent: x\ndata: \n\n");
    free(s);
}

static void retry_line(void **state)
{
    (void)state;
    char b[32];
    assert_int_equal(sse_retry(b, sizeof b, 3000), strlen("retry: 3000\n\n"));
    assert_string_equal(b, "retry: 3000\n\n");
}

static void last_event_id_from_header_or_query(void **state)
{
    (void)state;
    uint64_t id = 99;
    assert_int_equal(sse_parse_last_event_id(NULL, NULL, &id), SSE_LAST_NONE);
    assert_int_equal(sse_parse_last_event_id("", "  ", &id), SSE_LAST_NONE);
    assert_int_equal(sse_parse_last_event_id("391234567890123", NULL, &id), SSE_LAST_OK);
    assert_int_equal(id, 391234567890123ULL);
    assert_int_equal(sse_parse_last_event_id(NULL, "42", &id), SSE_LAST_OK);
    assert_int_equal(id, 42);
    /* the header (what EventSource sends on reconnecting) wins */
    assert_int_equal(sse_parse_last_event_id(" 17 ", "42", &id), SSE_LAST_OK);
    assert_int_equal(id, 17);
    /* a blank header falls back to the query */
    assert_int_equal(sse_parse_last_event_id(" ", "43", &id), SSE_LAST_OK);
    assert_int_equal(id, 43);
    assert_int_equal(sse_parse_last_event_id("0", NULL, &id), SSE_LAST_OK);
    assert_int_equal(id, 0);
    const char *bad[] = {"abc", "-1", "12x", "007", "1 2", "18446744073709551616", "123456789012345678901234567890", NULL};
    for (size_t i = 0; bad[i]; i++) {
        assert_int_equal(sse_parse_last_event_id(bad[i], NULL, &id), SSE_LAST_BAD);
        assert_int_equal(sse_parse_last_event_id(NULL, bad[i], &id), SSE_LAST_BAD);
    }
    /* a bad header is not rescued by a good query */
    assert_int_equal(sse_parse_last_event_id("junk", "42", &id), SSE_LAST_BAD);
}

static void queue_drains_in_pieces(void **state)
{
    (void)state;
    struct sse_queue q = {0};
    char out[8];
    assert_int_equal(sse_queue_take(&q, out, sizeof out), 0);
    assert_true(sse_queue_push(&q, "0123456789", 10));
    assert_true(sse_queue_push(&q, "abc", 3));
    assert_int_equal(sse_queue_pending(&q), 13);
    assert_int_equal(sse_queue_take(&q, out, 8), 8);
    assert_memory_equal(out, "01234567", 8);
    assert_int_equal(sse_queue_take(&q, out, 8), 5);
    assert_memory_equal(out, "89abc", 5);
    assert_int_equal(sse_queue_pending(&q), 0);
    /* grows past its first capacity */
    char big[10000];
    memset(big, 'z', sizeof big);
    assert_true(sse_queue_push(&q, big, sizeof big));
    size_t total = 0, n;
    while ((n = sse_queue_take(&q, out, sizeof out)) > 0)
        total += n;
    assert_int_equal(total, sizeof big);
    sse_queue_free(&q);
    assert_null(q.buf);
}

static void superseded_event_says_why_and_slows_a_plain_reconnect(void **state)
{
    (void)state;
    char buf[160];
    size_t n = sse_superseded(buf, sizeof buf, 30000, 3);
    assert_string_equal(buf, "retry: 30000\nevent: superseded\ndata: {\"reason\":\"too_many_streams\",\"limit\":3}\n\n");
    assert_int_equal(n, strlen(buf));
    assert_null(strstr(buf, "id:")); /* the client's Last-Event-ID stays the last notification */
    /* a short buffer is cut, never overrun */
    char small[10];
    assert_int_equal(sse_superseded(small, sizeof small, 30000, 3), 9);
    assert_string_equal(small, "retry: 30");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(one_event_per_notification),
        cmocka_unit_test(multi_line_data_gets_a_data_field_per_line),
        cmocka_unit_test(retry_line),
        cmocka_unit_test(last_event_id_from_header_or_query),
        cmocka_unit_test(queue_drains_in_pieces),
        cmocka_unit_test(superseded_event_says_why_and_slows_a_plain_reconnect),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
