/* Router: literal and parameter segments, specificity, 404 vs 405, malformed paths. */
#include "unit.h"
#include "router.h"

#include <string.h>

static int H_LIST, H_ME_GET, H_ME_PATCH, H_ONE, H_SUB, H_ACTION;

static struct router *make(void)
{
    struct router *r = router_new();
    assert_non_null(r);
    assert_int_equal(router_add(r, "GET", "/api/v1/users/{id}", &H_ONE), 0);
    assert_int_equal(router_add(r, "GET", "/api/v1/users/me", &H_ME_GET), 0);
    assert_int_equal(router_add(r, "PATCH", "/api/v1/users/me", &H_ME_PATCH), 0);
    assert_int_equal(router_add(r, "GET", "/api/v1/pets", &H_LIST), 0);
    assert_int_equal(router_add(r, "GET", "/api/v1/pets/{id}/vaccinations", &H_SUB), 0);
    assert_int_equal(router_add(r, "POST", "/api/v1/orders/{id}/{action}", &H_ACTION), 0);
    return r;
}

static void literal_beats_parameter(void **state)
{
    (void)state;
    struct router *r = make();
    struct router_match m;
    assert_int_equal(router_match(r, "GET", "/api/v1/users/me", &m), ROUTER_FOUND);
    assert_ptr_equal(m.handler, &H_ME_GET);
    assert_int_equal(m.nparams, 0);
    assert_int_equal(router_match(r, "GET", "/api/v1/users/123", &m), ROUTER_FOUND);
    assert_ptr_equal(m.handler, &H_ONE);
    assert_string_equal(router_param(&m, "id"), "123");
    assert_string_equal(m.pattern, "/api/v1/users/{id}");
    router_free(r);
}

static void method_not_allowed_never_falls_through(void **state)
{
    (void)state;
    struct router *r = make();
    struct router_match m;
    /* DELETE /users/me must not be treated as DELETE /users/{id} with id "me" */
    assert_int_equal(router_match(r, "DELETE", "/api/v1/users/me", &m), ROUTER_METHOD_NOT_ALLOWED);
    assert_int_equal(router_match(r, "PATCH", "/api/v1/users/me", &m), ROUTER_FOUND);
    assert_ptr_equal(m.handler, &H_ME_PATCH);
    assert_int_equal(router_match(r, "POST", "/api/v1/pets", &m), ROUTER_METHOD_NOT_ALLOWED);
    router_free(r);
}

static void parameters_and_not_found(void **state)
{
    (void)state;
    struct router *r = make();
    struct router_match m;
    assert_int_equal(router_match(r, "POST", "/api/v1/orders/42/cancel", &m), ROUTER_FOUND);
    assert_string_equal(router_param(&m, "id"), "42");
    assert_string_equal(router_param(&m, "action"), "cancel");
    assert_null(router_param(&m, "nope"));
    assert_int_equal(router_match(r, "GET", "/api/v1/pets/7/vaccinations", &m), ROUTER_FOUND);
    assert_ptr_equal(m.handler, &H_SUB);
    assert_int_equal(router_match(r, "GET", "/api/v1/pets/", &m), ROUTER_NOT_FOUND);     /* trailing slash */
    assert_int_equal(router_match(r, "GET", "/api/v1//pets", &m), ROUTER_NOT_FOUND);     /* empty segment */
    assert_int_equal(router_match(r, "GET", "/api/v1/users", &m), ROUTER_NOT_FOUND);
    assert_int_equal(router_match(r, "GET", "/api/v1/users/1/2", &m), ROUTER_NOT_FOUND);
    assert_int_equal(router_match(r, "GET", "relative", &m), ROUTER_NOT_FOUND);
    char longseg[300];
    memset(longseg, 'a', sizeof longseg);
    memcpy(longseg, "/api/v1/users/", 14);
    longseg[sizeof longseg - 1] = 0;
    assert_int_equal(router_match(r, "GET", longseg, &m), ROUTER_NOT_FOUND); /* parameter too long */
    router_free(r);
}

/* The order service's routes as registered: the literals quote and refund-quote are not
 * taken for an {id} or an {action}. */
static void order_quotes_are_literals(void **state)
{
    (void)state;
    static int CREATE, QUOTE, GET, REFUND_QUOTE, ACTION, CARE_GET;
    struct router *r = router_new();
    assert_int_equal(router_add(r, "POST", "/api/v1/orders", &CREATE), 0);
    assert_int_equal(router_add(r, "POST", "/api/v1/orders/quote", &QUOTE), 0);
    assert_int_equal(router_add(r, "GET", "/api/v1/orders/{id}", &GET), 0);
    assert_int_equal(router_add(r, "GET", "/api/v1/orders/{id}/refund-quote", &REFUND_QUOTE), 0);
    assert_int_equal(router_add(r, "POST", "/api/v1/orders/{id}/{action}", &ACTION), 0);
    assert_int_equal(router_add(r, "GET", "/api/v1/orders/{id}/care-logs", &CARE_GET), 0);
    struct router_match m;
    assert_int_equal(router_match(r, "POST", "/api/v1/orders/quote", &m), ROUTER_FOUND);
    assert_ptr_equal(m.handler, &QUOTE);
    assert_int_equal(m.nparams, 0);
    /* GET of the literal is not GET /orders/{id} with id "quote" */
    assert_int_equal(router_match(r, "GET", "/api/v1/orders/quote", &m), ROUTER_METHOD_NOT_ALLOWED);
    assert_int_equal(router_match(r, "GET", "/api/v1/orders/42", &m), ROUTER_FOUND);
    assert_ptr_equal(m.handler, &GET);
    assert_int_equal(router_match(r, "GET", "/api/v1/orders/42/refund-quote", &m), ROUTER_FOUND);
    assert_ptr_equal(m.handler, &REFUND_QUOTE);
    assert_string_equal(router_param(&m, "id"), "42");
    /* refund-quote is not an action */
    assert_int_equal(router_match(r, "POST", "/api/v1/orders/42/refund-quote", &m), ROUTER_METHOD_NOT_ALLOWED);
    assert_int_equal(router_match(r, "POST", "/api/v1/orders/42/cancel", &m), ROUTER_FOUND);
    assert_ptr_equal(m.handler, &ACTION);
    router_free(r);
}

static void malformed_patterns_are_refused(void **state)
{
    (void)state;
    struct router *r = router_new();
    int h;
    assert_int_equal(router_add(r, "GET", "no-slash", &h), -1);
    assert_int_equal(router_add(r, "GET", "/a//b", &h), -1);
    assert_int_equal(router_add(r, "GET", "/a/{}", &h), -1);
    assert_int_equal(router_add(r, "GET", "/a/{x", &h), -1);
    assert_int_equal(router_add(r, "VERYLONGMETHOD", "/a", &h), -1);
    router_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(literal_beats_parameter),
        cmocka_unit_test(method_not_allowed_never_falls_through),
        cmocka_unit_test(parameters_and_not_found),
        cmocka_unit_test(order_quotes_are_literals),
        cmocka_unit_test(malformed_patterns_are_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
