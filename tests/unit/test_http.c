/* The JSON bodies of lib/http: the text every reply sends, the error body, the list page. */
#include "unit.h"
#include "http.h"

#include <stdlib.h>
#include <string.h>

static void reals_print_as_written(void **state)
{
    (void)state;
    size_t len = 0;
    char *s = http_json_text(json_pack("{s:f,s:f,s:f,s:f}", "lng", 120.15, "lat", 30.27, "average", 4.33, "weight_kg", 4.2),
                             &len);
    assert_string_equal(s, "{\"lng\":120.15,\"lat\":30.27,\"average\":4.33,\"weight_kg\":4.2}");
    assert_int_equal(len, strlen(s));
    free(s);
    /* 15 significant digits still tell coordinates a metre apart */
    s = http_json_text(json_pack("{s:f}", "lng", 120.1234567), NULL);
    assert_string_equal(s, "{\"lng\":120.1234567}");
    free(s);
    assert_null(http_json_text(NULL, &len));
    assert_int_equal(len, 0);
}

static void error_body(void **state)
{
    (void)state;
    char *s = http_json_text(http_error_body(ERR_NO_MEMORY, NULL, NULL, "rid-1"), NULL);
    assert_string_equal(s, "{\"error\":{\"code\":\"unavailable\",\"message\":\"out of memory, retry later\","
                           "\"request_id\":\"rid-1\"}}");
    free(s);
    s = http_json_text(http_error_body(ERR_INVALID, "bad", json_pack("{s:s}", "name", "is required"), "r"), NULL);
    assert_string_equal(s, "{\"error\":{\"code\":\"validation_failed\",\"message\":\"bad\",\"request_id\":\"r\","
                           "\"fields\":{\"name\":\"is required\"}}}");
    free(s);
    /* empty fields are left out */
    s = http_json_text(http_error_body(ERR_NOT_FOUND, NULL, json_object(), "r"), NULL);
    assert_string_equal(s, "{\"error\":{\"code\":\"not_found\",\"message\":\"no such resource\",\"request_id\":\"r\"}}");
    free(s);
}

static void page_body(void **state)
{
    (void)state;
    char *s = http_json_text(http_page_body(json_pack("[i]", 1), "42"), NULL);
    assert_string_equal(s, "{\"items\":[1],\"next_cursor\":\"42\"}");
    free(s);
    s = http_json_text(http_page_body(json_array(), NULL), NULL);
    assert_string_equal(s, "{\"items\":[],\"next_cursor\":null}");
    free(s);
    assert_null(http_page_body(NULL, "42")); /* no items (out of memory): no page */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(reals_print_as_written),
        cmocka_unit_test(error_body),
        cmocka_unit_test(page_body),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
