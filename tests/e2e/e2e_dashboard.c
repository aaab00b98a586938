/* The admin monitoring dashboard through the gateway: who may see it, every instance of every
 * service scraped with its request rate, today's figures moving by exactly what a paid and
 * checked-in booking adds, pending reviews counted, a killed instance shown down with its
 * alert and up again after a restart, the event consumers' lag (from NATS and on /metrics),
 * the figures of a service that is down left null without failing the dashboard, and the
 * ConsumerLag and HighErrorRate alerts raised by a stalled consumer and a burst of 503s. The
 * admin service is restarted to scrape every 500 ms (and restored at the end). */
#include "harness.h"
#include "dates.h"
#include "svc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* the platform's services in port order (services.list, through lib/svc) */
#define SERVICES (svc_names())
static size_t nservices(void)
{
    size_t n = 0;
    while (SERVICES[n])
        n++;
    return n;
}
#define NSERVICES (nservices())

static struct e2e_user admin, owner, provider;
static char listing[24];

static int setup(void **state)
{
    (void)state;
    static const char *const fast[] = {"PB_DASHBOARD_SCRAPE_MS=500", NULL};
    e2e_stack_service("admin", "restart", fast);
    e2e_admin(&admin);
    e2e_user_new(&owner, "owner");
    e2e_provider_approved(&provider);
    e2e_listing_new(&provider, json_pack("{s:i}", "capacity", 20), true, listing);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    e2e_stack_service("admin", "restart", NULL); /* back to the default interval */
    return 0;
}

/* ---------- helpers ---------- */

static struct resp *dashboard(void)
{
    struct resp *r = e2e_call("GET", "/api/v1/admin/dashboard", admin.token, NULL);
    EXPECT_STATUS(r, 200);
    return r;
}

/* The entry of one service in an answer, or NULL. */
static const json_t *service_entry(const struct resp *r, const char *name)
{
    size_t i;
    const json_t *s;
    json_array_foreach(e2e_get(r, "services"), i, s)
    {
        const char *n = json_string_value(json_object_get(s, "name"));
        if (n && strcmp(n, name) == 0)
            return s;
    }
    return NULL;
}

/* The single instance of a service (the test stack runs one of each). */
static const json_t *instance_of(const struct resp *r, const char *name)
{
    return json_array_get(json_object_get(service_entry(r, name), "instances"), 0);
}

/* Whether an alert with this name is listed for this service. */
static bool alert_for(const struct resp *r, const char *alert, const char *service)
{
    size_t i;
    const json_t *a;
    json_array_foreach(e2e_get(r, "alerts"), i, a)
    {
        const char *n = json_string_value(json_object_get(a, "name"));
        const char *s = json_string_value(json_object_get(a, "service"));
        if (n && s && strcmp(n, alert) == 0 && strcmp(s, service) == 0)
            return true;
    }
    return false;
}

static bool is_up(const json_t *inst) { return json_is_true(json_object_get(inst, "up")); }

/* ---------- who may see it, and its shape ---------- */

static void only_admins_see_it(void **state)
{
    (void)state;
    struct e2e_user p;
    e2e_user_new(&p, "provider");
    const char *tokens[] = {NULL, "not-a-jwt", owner.token, p.token};
    const long want[] = {401, 401, 403, 403};
    const char *codes[] = {"unauthenticated", "unauthenticated", "forbidden", "forbidden"};
    for (size_t t = 0; t < 4; t++) {
        struct resp *r = e2e_call("GET", "/api/v1/admin/dashboard", tokens[t], NULL);
        EXPECT_ERROR(r, want[t], codes[t]);
        assert_null(e2e_get(r, "services")); /* nothing leaks with the refusal */
        e2e_resp_free(r);
    }
    struct resp *r = dashboard();
    assert_non_null(e2e_str(r, "generated_at"));
    assert_int_equal(e2e_int(r, "scrape_interval_ms"), 500);
    assert_int_equal(json_array_size(e2e_get(r, "services")), NSERVICES);
    for (size_t i = 0; i < NSERVICES; i++) /* in the platform's order */
        assert_string_equal(json_string_value(json_object_get(json_array_get(e2e_get(r, "services"), i), "name")),
                            SERVICES[i]);
    assert_true(json_is_array(e2e_get(r, "event_consumers")));
    assert_true(json_is_array(e2e_get(r, "alerts")));
    assert_true(json_is_object(e2e_get(r, "nats")));
    assert_true(json_is_object(e2e_get(r, "business_today.pending_audits")));
    assert_true(json_is_object(e2e_get(r, "business_today.errors")));
    e2e_resp_free(r);
    /* POST is not a way in */
    r = e2e_call("POST", "/api/v1/admin/dashboard", admin.token, json_object());
    EXPECT_ERROR(r, 405, "method_not_allowed");
    e2e_resp_free(r);
}

/* ---------- the instances ---------- */

static bool all_up_with_rates(void *arg)
{
    (void)arg;
    struct resp *r = dashboard();
    bool ok = true;
    for (size_t i = 0; ok && i < NSERVICES; i++) {
        const json_t *s = service_entry(r, SERVICES[i]), *in = instance_of(r, SERVICES[i]);
        ok = s && json_integer_value(json_object_get(s, "total")) == 1 &&
             json_integer_value(json_object_get(s, "up_count")) == 1 && is_up(in) &&
             json_is_null(json_object_get(in, "error")) && json_is_string(json_object_get(in, "sampled_at")) &&
             json_is_number(json_object_get(in, "request_rate")); /* two samples make an interval */
    }
    ok = ok && json_is_true(e2e_get(r, "nats.ok")) && json_is_string(e2e_get(r, "nats.monitor"));
    e2e_resp_free(r);
    return ok;
}

static void every_instance_is_scraped(void **state)
{
    (void)state;
    assert_true(e2e_eventually(all_up_with_rates, NULL, 10000));
    struct resp *r = dashboard();
    char want[64];
    for (size_t i = 0; i < NSERVICES; i++) {
        const json_t *in = instance_of(r, SERVICES[i]);
        /* PB_PORT_BASE + 1..9, as the stack starts them */
        snprintf(want, sizeof want, ":%ld", strtol(getenv("PB_PORT_BASE"), NULL, 10) + (long)i + 1);
        assert_non_null(strstr(json_string_value(json_object_get(in, "url")), want));
        assert_true(json_number_value(json_object_get(in, "request_rate")) >= 0);
        /* the services with an outbox relay report its backlog; the others have none */
        bool relay = strcmp(SERVICES[i], "pet") != 0 && strcmp(SERVICES[i], "notification") != 0 &&
                     strcmp(SERVICES[i], "admin") != 0 && strcmp(SERVICES[i], "media") != 0;
        if (relay)
            assert_true(json_is_number(json_object_get(in, "outbox_pending")) &&
                        json_number_value(json_object_get(in, "outbox_pending")) >= 0);
        else
            assert_true(json_is_null(json_object_get(in, "outbox_pending")));
        assert_false(alert_for(r, "InstanceDown", SERVICES[i]));
    }
    e2e_resp_free(r);
}

/* Traffic through the gateway to every service, then whether each shows a request rate. */
static bool traffic_shows(void *arg)
{
    (void)arg;
    char path[128];
    snprintf(path, sizeof path, "/api/v1/listings/%s/reviews", listing);
    const char *calls[][2] = {{"/api/v1/users/me", owner.token},       {"/api/v1/pets", owner.token},
                              {"/api/v1/listings?limit=5", NULL},    {"/api/v1/orders", owner.token},
                              {"/api/v1/payments/1", owner.token},     {path, NULL},
                              {"/api/v1/notifications", owner.token},  {"/api/v1/media/1", owner.token}};
    for (int round = 0; round < 3; round++)
        for (size_t i = 0; i < sizeof calls / sizeof *calls; i++)
            e2e_resp_free(e2e_call("GET", calls[i][0], calls[i][1], NULL));
    struct resp *r = dashboard();
    bool ok = true;
    for (size_t i = 0; ok && i < NSERVICES; i++) {
        const json_t *in = instance_of(r, SERVICES[i]);
        ok = json_number_value(json_object_get(in, "request_rate")) > 0 &&
             json_is_number(json_object_get(in, "p99_ms")) && json_is_number(json_object_get(in, "error_rate"));
    }
    e2e_resp_free(r);
    return ok;
}

static void requests_show_as_rates(void **state)
{
    (void)state;
    assert_true(e2e_eventually(traffic_shows, NULL, 15000));
    /* the boarding service's search is cached: its hit ratio since start is a share */
    struct resp *r = dashboard();
    const json_t *ratio = json_object_get(instance_of(r, "boarding"), "cache_hit_ratio_total");
    assert_true(json_is_number(ratio) && json_number_value(ratio) >= 0 && json_number_value(ratio) <= 1);
    e2e_resp_free(r);
}

/* ---------- today's figures ---------- */

struct figures {
    char date[DATE_STR_LEN];
    long long created, paid, revenue, captured, succeeded, in_care, arrivals, providers;
};

static void read_figures(struct figures *f)
{
    struct resp *r = dashboard();
    if (json_object_size(e2e_get(r, "business_today.errors")) != 0)
        fail_msg("the dashboard reports errors: %s", r->body);
    const char *keys[] = {"orders_created", "orders_paid", "revenue_fen", "captured_fen", "payments_succeeded",
                          "stays_in_care", "arrivals", "pending_audits.providers"};
    long long *dst[] = {&f->created,   &f->paid,    &f->revenue,  &f->captured,
                        &f->succeeded, &f->in_care, &f->arrivals, &f->providers};
    char path[96];
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) {
        snprintf(path, sizeof path, "business_today.%s", keys[i]);
        if (!json_is_integer(e2e_get(r, path)))
            fail_msg("%s is not a number: %s", path, r->body);
        *dst[i] = e2e_int(r, path);
    }
    snprintf(f->date, sizeof f->date, "%s", e2e_str(r, "business_today.date"));
    e2e_resp_free(r);
}

static struct resp *act(const char *order, const char *action)
{
    char path[128];
    snprintf(path, sizeof path, "/api/v1/orders/%s/%s", order, action);
    return e2e_call("POST", path, provider.token, json_object());
}

static void todays_figures_follow_a_booking(void **state)
{
    (void)state;
    struct figures before, paid, cared;
    read_figures(&before);
    char today[DATE_STR_LEN], tomorrow[DATE_STR_LEN], pet[24], order[24];
    date_format(date_today(), today);
    date_format(date_today() + 1, tomorrow);
    assert_string_equal(before.date, today); /* "today" is the UTC day */
    e2e_pet_new(&owner, NULL, pet);
    struct resp *r = e2e_call("POST", "/api/v1/orders", owner.token,
                              json_pack("{s:s,s:[s],s:s,s:s}", "listing_id", listing, "pet_ids", pet, "start_date",
                                        today, "end_date", tomorrow));
    EXPECT_STATUS(r, 201);
    snprintf(order, sizeof order, "%s", e2e_str(r, "id"));
    long long total = e2e_int(r, "total_fen");
    e2e_resp_free(r);
    assert_true(total > 0);
    e2e_pay(&owner, order, NULL);
    read_figures(&paid);
    if (strcmp(paid.date, before.date) != 0)
        skip(); /* the day changed under the test: nothing to compare */
    assert_int_equal(paid.created, before.created + 1);
    assert_int_equal(paid.paid, before.paid + 1);
    assert_int_equal(paid.revenue, before.revenue + total);
    assert_int_equal(paid.captured, before.captured + total);
    assert_int_equal(paid.succeeded, before.succeeded + 1);
    assert_int_equal(paid.arrivals, before.arrivals + 1); /* a paid stay starting today */
    assert_int_equal(paid.in_care, before.in_care);

    r = act(order, "accept");
    EXPECT_STATUS(r, 200);
    e2e_resp_free(r);
    r = act(order, "check-in");
    EXPECT_STATUS(r, 200);
    e2e_resp_free(r);
    struct e2e_user newcomer;
    e2e_user_new(&newcomer, "provider"); /* waits for review */
    read_figures(&cared);
    assert_int_equal(cared.in_care, paid.in_care + 1);
    assert_int_equal(cared.arrivals, paid.arrivals); /* still arriving today, now in care */
    assert_int_equal(cared.created, paid.created);
    assert_int_equal(cared.revenue, paid.revenue);
    assert_int_equal(cared.providers, paid.providers + 1);
}

/* ---------- faults ---------- */

struct down_probe {
    const char *service;
    bool want_up;
};

static bool instance_state_is(void *arg)
{
    const struct down_probe *p = arg;
    struct resp *r = dashboard();
    const json_t *s = service_entry(r, p->service), *in = instance_of(r, p->service);
    bool ok;
    if (p->want_up)
        ok = is_up(in) && json_integer_value(json_object_get(s, "up_count")) == 1 &&
             !alert_for(r, "InstanceDown", p->service);
    else
        ok = json_is_false(json_object_get(in, "up")) && json_integer_value(json_object_get(s, "up_count")) == 0 &&
             json_is_string(json_object_get(in, "error")) && json_is_string(json_object_get(in, "down_since")) &&
             json_is_null(json_object_get(in, "request_rate")) && alert_for(r, "InstanceDown", p->service);
    e2e_resp_free(r);
    return ok;
}

static void a_killed_instance_shows_down_then_up(void **state)
{
    (void)state;
    struct down_probe down = {"review", false}, up = {"review", true};
    e2e_stack_service("review", "kill", NULL);
    assert_true(e2e_eventually(instance_state_is, &down, 5000)); /* a few 500 ms rounds */
    struct resp *r = dashboard();
    size_t i;
    const json_t *a;
    bool named = false;
    json_array_foreach(e2e_get(r, "alerts"), i, a)
    {
        const char *msg = json_string_value(json_object_get(a, "message"));
        if (strcmp(json_string_value(json_object_get(a, "name")), "InstanceDown") == 0) {
            assert_string_equal(json_string_value(json_object_get(a, "severity")), "critical");
            assert_string_equal(json_string_value(json_object_get(a, "instance")),
                                json_string_value(json_object_get(instance_of(r, "review"), "url")));
            named = named || (msg && strstr(msg, "review") != NULL);
        }
    }
    assert_true(named);
    /* the others are unaffected */
    assert_true(is_up(instance_of(r, "order")));
    e2e_resp_free(r);
    e2e_stack_service("review", "start", NULL);
    assert_true(e2e_eventually(instance_state_is, &up, 10000));
}

static void figures_of_a_service_that_is_down_are_null(void **state)
{
    (void)state;
    e2e_stack_service("payment", "kill", NULL);
    struct resp *r = dashboard();
    assert_true(json_is_null(e2e_get(r, "business_today.revenue_fen")));
    assert_true(json_is_null(e2e_get(r, "business_today.payments_succeeded")));
    assert_non_null(strstr(e2e_str(r, "business_today.errors.payment"), "did not answer"));
    assert_true(json_is_integer(e2e_get(r, "business_today.orders_created"))); /* the rest still comes */
    assert_true(json_is_integer(e2e_get(r, "business_today.pending_audits.providers")));
    e2e_resp_free(r);
    e2e_stack_service("payment", "start", NULL);
    r = dashboard();
    assert_true(json_is_integer(e2e_get(r, "business_today.revenue_fen")));
    assert_null(e2e_get(r, "business_today.errors.payment"));
    e2e_resp_free(r);
    struct down_probe up = {"payment", true};
    assert_true(e2e_eventually(instance_state_is, &up, 10000));
}

/* ---------- event consumers ---------- */

static const char *const DURABLES[] = {"order-payments", "order-refunds",         "payment-refunds", "notification",
                                       "review-order-completed", "user-rating", "boarding-rating"};

static bool consumers_listed(void *arg)
{
    (void)arg;
    struct resp *r = dashboard();
    size_t found = 0, i;
    const json_t *c;
    for (size_t k = 0; k < sizeof DURABLES / sizeof *DURABLES; k++)
        json_array_foreach(e2e_get(r, "event_consumers"), i, c)
        {
            const char *name = json_string_value(json_object_get(c, "name"));
            if (name && strcmp(name, DURABLES[k]) == 0 && json_is_integer(json_object_get(c, "pending")) &&
                json_is_integer(json_object_get(c, "ack_pending")) &&
                json_is_integer(json_object_get(c, "redelivered")) &&
                strcmp(json_string_value(json_object_get(c, "source")), "nats") == 0) {
                found++;
                break;
            }
        }
    e2e_resp_free(r);
    return found == sizeof DURABLES / sizeof *DURABLES;
}

/* The order service's own gauge of its consumer's lag: a value >= 0 once read from NATS. */
static bool gauge_known(void *arg)
{
    (void)arg;
    const char *series = "pb_events_consumer_pending{service=\"order\",consumer=\"order-payments\"} ";
    struct resp *r = e2e_service("order", "GET", "/metrics", NULL);
    const char *at = r->body ? strstr(r->body, series) : NULL;
    bool ok = at && strtod(at + strlen(series), NULL) >= 0;
    e2e_resp_free(r);
    return ok;
}

static bool no_consumer_lag(void *arg)
{
    (void)arg;
    struct resp *r = dashboard();
    size_t i;
    const json_t *a;
    bool ok = true;
    json_array_foreach(e2e_get(r, "alerts"), i, a)
    {
        if (strcmp(json_string_value(json_object_get(a, "name")), "ConsumerLag") == 0)
            ok = false;
    }
    e2e_resp_free(r);
    return ok;
}

static void consumer_lag_is_reported(void **state)
{
    (void)state;
    assert_true(e2e_eventually(consumers_listed, NULL, 10000));
    assert_true(e2e_eventually(gauge_known, NULL, 10000));
    struct resp *r = e2e_service("order", "GET", "/metrics", NULL);
    EXPECT_STATUS(r, 200);
    /* one header for the family, one series per consumer of the service */
    assert_non_null(strstr(r->body, "# TYPE pb_events_consumer_pending gauge\n"));
    assert_non_null(strstr(r->body, "pb_events_consumer_pending{service=\"order\",consumer=\"order-refunds\"} "));
    assert_non_null(strstr(r->body, "pb_outbox_oldest_pending_seconds{service=\"order\"} "));
    e2e_resp_free(r);
    /* nothing stays stuck in a quiet stack */
    assert_true(e2e_eventually(no_consumer_lag, NULL, 10000));
}

/* Whether an alert of this name is listed (for any service or consumer) with this text in
 * its message. */
static bool alert_mentions(const struct resp *r, const char *alert, const char *text)
{
    size_t i;
    const json_t *a;
    json_array_foreach(e2e_get(r, "alerts"), i, a)
    {
        const char *n = json_string_value(json_object_get(a, "name"));
        const char *m = json_string_value(json_object_get(a, "message"));
        if (n && m && strcmp(n, alert) == 0 && strstr(m, text))
            return true;
    }
    return false;
}

struct lag_probe {
    bool want_alert;
};

static bool notification_lag(void *arg)
{
    const struct lag_probe *p = arg;
    struct resp *r = dashboard();
    long long pending = -1;
    size_t i;
    const json_t *c;
    json_array_foreach(e2e_get(r, "event_consumers"), i, c)
    {
        const char *name = json_string_value(json_object_get(c, "name"));
        if (name && strcmp(name, "notification") == 0)
            pending = json_integer_value(json_object_get(c, "pending")) +
                      json_integer_value(json_object_get(c, "ack_pending"));
    }
    bool alerted = false;
    json_array_foreach(e2e_get(r, "alerts"), i, c)
    {
        const char *n = json_string_value(json_object_get(c, "name"));
        const char *who = json_string_value(json_object_get(c, "consumer"));
        alerted = alerted || (n && who && strcmp(n, "ConsumerLag") == 0 && strcmp(who, "notification") == 0);
    }
    e2e_resp_free(r);
    return p->want_alert ? alerted && pending > 100 : !alerted && pending == 0;
}

/* The notification service consumes every platform event: stopped while 120 events arrive,
 * its durable consumer falls 120 behind, which the dashboard reads from NATS and alerts on;
 * started again, it catches up (unknown types are acknowledged without a notification). */
static void a_stalled_consumer_raises_consumer_lag(void **state)
{
    (void)state;
    struct lag_probe behind = {true}, caught_up = {false};
    e2e_stack_service("notification", "stop", NULL);
    for (int i = 0; i < 120; i++)
        e2e_publish_event("admin", "probe.dashboard", json_pack("{s:i}", "n", i), NULL);
    assert_true(e2e_eventually(notification_lag, &behind, 5000));
    e2e_stack_service("notification", "start", NULL);
    assert_true(e2e_eventually(notification_lag, &caught_up, 15000));
}

/* A burst of 503s from the admin service (its calls to a stopped user service fail) is more
 * than 5% of at least 20 requests in one interval: HighErrorRate names the admin instance. */
static bool errors_alerted(void *arg)
{
    (void)arg;
    for (int i = 0; i < 25; i++) {
        struct resp *r = e2e_call("GET", "/api/v1/admin/reviews-queue?kind=provider", admin.token, NULL);
        if (r->status != 503)
            fail_msg("the queue answered %ld with the user service stopped", r->status);
        e2e_resp_free(r);
    }
    struct resp *r = dashboard();
    bool ok = alert_for(r, "HighErrorRate", "admin") && alert_mentions(r, "HighErrorRate", "5xx");
    const json_t *in = instance_of(r, "admin");
    ok = ok && json_number_value(json_object_get(in, "error_rate")) > 0.05;
    e2e_resp_free(r);
    return ok;
}

static void a_burst_of_5xx_raises_high_error_rate(void **state)
{
    (void)state;
    e2e_stack_service("user", "stop", NULL);
    bool alerted = e2e_eventually(errors_alerted, NULL, 10000);
    e2e_stack_service("user", "start", NULL);
    assert_true(alerted);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(only_admins_see_it),
        cmocka_unit_test(every_instance_is_scraped),
        cmocka_unit_test(requests_show_as_rates),
        cmocka_unit_test(todays_figures_follow_a_booking),
        cmocka_unit_test(consumer_lag_is_reported),
        cmocka_unit_test(a_killed_instance_shows_down_then_up),
        cmocka_unit_test(figures_of_a_service_that_is_down_are_null),
        cmocka_unit_test(a_stalled_consumer_raises_consumer_lag),
        cmocka_unit_test(a_burst_of_5xx_raises_high_error_rate),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
