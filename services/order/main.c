/* The order service: bookings, the stay state machine, the booking saga, care logs. */
#include "config.h"
#include "consumers.h"
#include "dates.h"
#include "events.h"
#include "flow.h"
#include "jobs.h"
#include "log.h"
#include "routes.h"
#include "store.h"

static struct order_app app;

/* One round of the timed work, run by exactly one replica (lib/jobs.h). Every change is
 * checked against the order's current state, so a round that overlaps a user's action or
 * another round is harmless. */
static void timers(struct svc *s, void *arg)
{
    (void)arg;
    static const struct {
        enum due_kind kind;
        enum order_action action;
    } AUTO[] = {{DUE_EXPIRE, OA_EXPIRE}, {DUE_ACCEPT_TIMEOUT, OA_ACCEPT_TIMEOUT}};
    uint64_t ids[200];
    size_t n;
    int64_t now = time_now_ms();
    for (size_t k = 0; k < sizeof AUTO / sizeof *AUTO; k++) {
        if (store_due(s, AUTO[k].kind, now, 3, ids, 200, &n) != ERR_OK)
            continue;
        for (size_t i = 0; i < n; i++) {
            struct change ch = {AUTO[k].action, ACTOR_SYSTEM, 0, NULL, 0, 0, now, NULL};
            struct order o = {0};
            const char *why;
            flow_change(s, ids[i], &ch, &o, &why);
        }
    }
    /* bookings whose creation stopped half-way (the service died): give up and release */
    if (store_due(s, DUE_STALE_CREATING, now, 2, ids, 200, &n) == ERR_OK)
        for (size_t i = 0; i < n; i++) {
            struct order o = {0};
            if (store_get(s, ids[i], &o) == ERR_OK && o.status == OS_CREATING)
                store_create_failed(s, &o, "releasing", NULL, 0, NULL);
        }
    /* capacity to give back and pet grants to change, whatever failed before */
    if (store_due(s, DUE_RELEASE, now, 3, ids, 200, &n) == ERR_OK)
        for (size_t i = 0; i < n; i++) {
            struct order o = {0};
            if (store_get(s, ids[i], &o) == ERR_OK)
                flow_release(s, &o);
        }
    if (store_due(s, DUE_GRANTS, now, 3, ids, 200, &n) == ERR_OK)
        for (size_t i = 0; i < n; i++) {
            struct order o = {0};
            if (store_get(s, ids[i], &o) == ERR_OK)
                flow_grants(s, &o);
        }
}

static enum err init(struct svc *s)
{
    s->app = &app;
    app.pay_window_ms = config_long("PB_PAY_WINDOW_S", 15 * 60, 1, 86400) * 1000;
    app.accept_window_ms = config_long("PB_ACCEPT_WINDOW_S", 24 * 3600, 1, 30L * 86400) * 1000;
    app.max_open = config_long("PB_ORDER_MAX_OPEN_PER_OWNER", 20, 1, 1000000);
    app.max_care_per_day = config_long("PB_CARE_LOG_MAX_PER_DAY", 20, 1, 1000);
    enum err e = store_init(s);
    if (e != ERR_OK)
        return e;
    long every = config_long("PB_JOB_INTERVAL_MS", 1000, 50, 600000);
    if (events_relay_start(s) != 0 || consumers_start(s) != 0 ||
        jobs_start(s, "order_timers", every, every * 5 + 2000, timers, NULL) != 0)
        return ERR_INTERNAL;
    return ERR_OK;
}

int main(int argc, char **argv)
{
    static const struct svc_spec spec = {
        .name = "order",
        .needs = SVC_DB | SVC_CACHE | SVC_BUS,
        .init = init,
        .routes = order_routes,
        /* a booking runs two or three short transactions and calls boarding (and payment)
         * between them without a connection: 8 connections keep MariaDB as busy as 24 did in
         * the booking storms of bench/orders.sh and hold a third of the prepared statements,
         * and 16 request threads book as fast as 32 with half the threads' stacks and caches
         * (docs/benchmarks.md, "memory") */
        .db_pool = 8,
        .http_threads = 16,
    };
    return svc_main(argc, argv, &spec);
}
