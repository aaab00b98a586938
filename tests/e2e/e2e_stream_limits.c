/* Notification event streams cannot take the service down for others, through the gateway:
 * a user's fourth stream replaces the oldest (which is told so and ends), one account
 * opening 200 streams keeps at most 3 while another user's unread count answers in time
 * throughout, a client that leaves frees its stream at once, the gateway holds at most 20
 * streams from one address, and a replica at its total refuses new users with 503 and
 * Retry-After (the service restarted with a small PB_NOTIFICATION_MAX_STREAMS). */
#include "harness.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define PER_USER 3
#define PER_ADDR 20
#define ATTACKER_IP "127.0.0.3" /* its own address: the gateway's per-address limit of other tests is untouched */

/* ---------- raw streams: many at once from one thread ---------- */

struct raw {
    int fd;
    char buf[8192];
    size_t len;
    int status; /* 0 until the status line came */
    bool eof;
};

static const char STREAMS_GAUGE[] = "pb_notification_streams{";

/* Connect from src (NULL: any) to the gateway and send GET /api/v1/notifications/stream with
 * the token; the socket is left non-blocking. */
static void raw_open(struct raw *c, const char *token, const char *src)
{
    char host[64];
    int port = 0;
    *c = (struct raw){.fd = -1};
    assert_int_equal(sscanf(e2e_gateway(), "http://%63[^:]:%d", host, &port), 2);
    c->fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(c->fd >= 0);
    if (src) {
        struct sockaddr_in me = {.sin_family = AF_INET};
        inet_pton(AF_INET, src, &me.sin_addr);
        assert_int_equal(bind(c->fd, (struct sockaddr *)&me, sizeof me), 0);
    }
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    inet_pton(AF_INET, host, &to.sin_addr);
    if (connect(c->fd, (struct sockaddr *)&to, sizeof to) != 0)
        fail_msg("cannot connect to the gateway: %s", strerror(errno));
    char req[2600];
    int n = snprintf(req, sizeof req,
                     "GET /api/v1/notifications/stream HTTP/1.1\r\nHost: %s\r\nAccept: text/event-stream\r\n"
                     "Authorization: Bearer %s\r\nConnection: close\r\n\r\n",
                     host, token);
    assert_int_equal(send(c->fd, req, (size_t)n, MSG_NOSIGNAL), n);
    fcntl(c->fd, F_SETFL, fcntl(c->fd, F_GETFL) | O_NONBLOCK);
}

static void raw_read(struct raw *c)
{
    for (;;) {
        char tmp[4096];
        ssize_t n = recv(c->fd, tmp, sizeof tmp, 0);
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
            c->eof = true;
            return;
        }
        if (n < 0)
            return;
        size_t k = (size_t)n < sizeof c->buf - 1 - c->len ? (size_t)n : sizeof c->buf - 1 - c->len;
        memcpy(c->buf + c->len, tmp, k);
        c->len += k;
        c->buf[c->len] = 0;
        if (!c->status)
            sscanf(c->buf, "HTTP/1.1 %d", &c->status);
    }
}

/* Read whatever arrived on every open stream, waiting up to wait_ms for the first bytes. */
static void raw_pump(struct raw *cs, size_t n, int wait_ms)
{
    struct pollfd *p = calloc(n, sizeof *p);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (cs[i].fd >= 0 && !cs[i].eof)
            p[k++] = (struct pollfd){.fd = cs[i].fd, .events = POLLIN};
    if (k && poll(p, k, wait_ms) > 0)
        for (size_t i = 0; i < n; i++)
            if (cs[i].fd >= 0 && !cs[i].eof)
                raw_read(&cs[i]);
    free(p);
}

static bool raw_alive(const struct raw *c) { return c->status == 200 && !c->eof; }
static bool raw_superseded(const struct raw *c) { return strstr(c->buf, "event: superseded") != NULL; }

static void raw_close(struct raw *c)
{
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
}

/* Pump until every stream answered, at most max_alive are alive and those told to go are
 * gone (or timeout). */
static void raw_settle(struct raw *cs, size_t n, size_t max_alive, long timeout_ms)
{
    long long t0 = e2e_now_ms();
    while (e2e_now_ms() - t0 < timeout_ms) {
        raw_pump(cs, n, 50);
        bool settled = true;
        size_t alive = 0;
        for (size_t i = 0; i < n && settled; i++) {
            settled = cs[i].status && (cs[i].eof || !raw_superseded(&cs[i]));
            alive += raw_alive(&cs[i]);
        }
        if (settled && alive <= max_alive)
            return;
    }
}

static double streams_now(void) { return e2e_metric("notification", STREAMS_GAUGE); }

static bool gauge_is(void *arg) { return streams_now() == *(double *)arg; }

/* Whether the notification service's open streams come to `want` within timeout_ms. */
static bool streams_become(double want, long timeout_ms) { return e2e_eventually(gauge_is, &want, timeout_ms); }

/* ---------- a victim asking for its unread count all along ---------- */

struct victim {
    const struct e2e_user *u;
    atomic_bool stop;
    int calls, failures;
    long long worst_ms;
    pthread_t th;
};

static void *victim_main(void *arg)
{
    struct victim *v = arg;
    while (!atomic_load(&v->stop)) {
        long long t0 = e2e_now_ms();
        struct resp *r = e2e_call("GET", "/api/v1/notifications/unread-count", v->u->token, NULL);
        long long ms = e2e_now_ms() - t0;
        v->calls++;
        if (r->status != 200) {
            v->failures++;
            fprintf(stderr, "victim: unread-count answered %ld after %lld ms\n", r->status, ms);
        }
        if (ms > v->worst_ms)
            v->worst_ms = ms;
        e2e_resp_free(r);
        usleep(20000);
    }
    return NULL;
}

/* ---------- tests ---------- */

/* One after another: the fourth replaces the first, which gets the superseded event (no
 * id, a long retry) and ends cleanly; the newest three stay. */
static void a_users_fourth_stream_replaces_the_oldest(void **state)
{
    (void)state;
    struct e2e_user o;
    e2e_user_new(&o, "owner");
    double base = streams_now();
    struct raw cs[6];
    for (size_t i = 0; i < 6; i++) {
        raw_open(&cs[i], o.token, ATTACKER_IP);
        long long t0 = e2e_now_ms();
        while (!cs[i].status && e2e_now_ms() - t0 < 3000)
            raw_pump(cs, i + 1, 50);
        assert_int_equal(cs[i].status, 200);
        raw_settle(cs, i + 1, i + 1 < PER_USER ? i + 1 : PER_USER, 3000);
        for (size_t j = 0; j <= i; j++) {
            bool should_live = j + PER_USER > i;
            if (raw_alive(&cs[j]) != should_live) {
                for (size_t k = 0; k <= i; k++)
                    raw_close(&cs[k]); /* not left to the next tests */
                fail_msg("after stream %zu opened, stream %zu is %s", i, j, should_live ? "closed" : "alive");
            }
            if (!should_live) {
                assert_non_null(strstr(cs[j].buf, "retry: 30000\nevent: superseded\n"
                                                  "data: {\"reason\":\"too_many_streams\",\"limit\":3}\n\n"));
                /* it ended cleanly: the chunked body's last chunk came */
                assert_non_null(strstr(cs[j].buf, "\r\n0\r\n\r\n"));
            } else {
                assert_false(raw_superseded(&cs[j]));
            }
        }
    }
    assert_true(streams_become(base + PER_USER, 2000));
    /* another user's streams are not counted against this one */
    struct e2e_user p;
    e2e_user_new(&p, "provider");
    struct raw other;
    raw_open(&other, p.token, ATTACKER_IP);
    raw_settle(&other, 1, 1, 3000);
    assert_int_equal(other.status, 200);
    raw_pump(cs, 6, 200);
    for (size_t j = 3; j < 6; j++)
        assert_true(raw_alive(&cs[j]));
    raw_close(&other);
    for (size_t i = 0; i < 6; i++)
        raw_close(&cs[i]);
    assert_true(streams_become(base, 2000));
}

/* One account opens 200 streams as fast as it can while another user reads the unread
 * count: the count answers 200 every time within 500 ms, the account keeps at most 3 streams
 * (the gateway took at most 20 at once from its address, the service kept the newest 3),
 * and when the account leaves every stream is freed within a second. */
static void one_account_opening_200_streams_does_not_hurt_others(void **state)
{
    (void)state;
    enum { N = 200 };
    struct e2e_user attacker, user;
    e2e_user_new(&attacker, "owner");
    e2e_user_new(&user, "owner");
    double base = streams_now();
    struct victim v = {.u = &user};
    atomic_init(&v.stop, false);
    pthread_create(&v.th, NULL, victim_main, &v);
    usleep(200000);

    struct raw *cs = calloc(N, sizeof *cs);
    for (size_t i = 0; i < N; i++) {
        raw_open(&cs[i], attacker.token, ATTACKER_IP);
        raw_pump(cs, i + 1, 0);
    }
    raw_settle(cs, N, PER_USER, 10000);
    int ok = 0, limited = 0, other = 0, alive = 0, superseded = 0;
    for (size_t i = 0; i < N; i++) {
        if (cs[i].status == 200)
            ok++;
        else if (cs[i].status == 429 && strstr(cs[i].buf, "\"code\":\"rate_limited\""))
            limited++;
        else if (other++ == 0)
            fprintf(stderr, "stream %zu answered %d: %.300s\n", i, cs[i].status, cs[i].buf);
        alive += raw_alive(&cs[i]);
        superseded += raw_superseded(&cs[i]) && cs[i].eof;
    }
    bool settled = streams_become(base + alive, 2000);

    /* the account leaves: its streams are freed at once, not at their next heartbeat */
    long long t0 = e2e_now_ms();
    for (size_t i = 0; i < N; i++)
        raw_close(&cs[i]);
    free(cs);
    bool freed = streams_become(base, 1500);
    long long freed_ms = e2e_now_ms() - t0;
    usleep(300000);
    atomic_store(&v.stop, true);
    pthread_join(v.th, NULL);
    fprintf(stderr, "200 streams: %d opened, %d refused by the gateway, %d superseded, %d alive\n", ok, limited,
            superseded, alive);
    fprintf(stderr, "victim: %d calls, %d failed, worst %lld ms; streams freed %lld ms after the client left\n",
            v.calls, v.failures, v.worst_ms, freed_ms);
    assert_int_equal(other, 0);
    assert_true(alive <= PER_USER);
    assert_true(alive >= 1);
    assert_int_equal(superseded, ok - alive);
    assert_true(settled);
    assert_true(freed);
    assert_int_equal(v.failures, 0);
    assert_true(v.calls >= 5);
    assert_true(v.worst_ms < 500);
    /* the same account opens a stream again at once */
    struct raw again;
    raw_open(&again, attacker.token, ATTACKER_IP);
    raw_settle(&again, 1, 1, 3000);
    assert_int_equal(again.status, 200);
    raw_close(&again);
}

/* Many accounts from one address: the gateway keeps at most 20 of their streams at once and
 * answers the rest 429 with the JSON error body and Retry-After. */
static void the_gateway_holds_at_most_20_streams_per_address(void **state)
{
    (void)state;
    enum { USERS = 8 };
    struct e2e_user us[USERS];
    for (int i = 0; i < USERS; i++)
        e2e_user_new(&us[i], "owner");
    double base = streams_now();
    struct raw cs[USERS * PER_USER];
    for (size_t i = 0; i < USERS * PER_USER; i++) {
        raw_open(&cs[i], us[i / PER_USER].token, ATTACKER_IP);
        long long t0 = e2e_now_ms();
        while (!cs[i].status && e2e_now_ms() - t0 < 3000)
            raw_pump(&cs[i], 1, 50);
    }
    int alive = 0, limited = 0;
    for (size_t i = 0; i < USERS * PER_USER; i++) {
        alive += raw_alive(&cs[i]);
        if (cs[i].status == 429) {
            limited++;
            assert_non_null(strstr(cs[i].buf, "\"code\":\"rate_limited\""));
            assert_non_null(strstr(cs[i].buf, "Retry-After: 1"));
        }
    }
    assert_int_equal(alive, PER_ADDR);
    assert_int_equal(limited, USERS * PER_USER - PER_ADDR);
    /* from another address the same users are served */
    struct resp *r = e2e_call("GET", "/api/v1/notifications/unread-count", us[0].token, NULL);
    EXPECT_STATUS(r, 200);
    e2e_resp_free(r);
    for (size_t i = 0; i < USERS * PER_USER; i++)
        raw_close(&cs[i]);
    assert_true(streams_become(base, 2000));
}

/* A replica holding PB_NOTIFICATION_MAX_STREAMS streams refuses another user's with 503, the
 * JSON error body and Retry-After: 5, while ordinary requests and a user replacing one of
 * their own streams still work. */
static void a_full_replica_refuses_new_streams_with_503(void **state)
{
    (void)state;
    static const char *const small[] = {"PB_NOTIFICATION_MAX_STREAMS=4", NULL};
    e2e_stack_service("notification", "restart", small);
    struct e2e_user a, b, c;
    e2e_user_new(&a, "owner");
    e2e_user_new(&b, "owner");
    e2e_user_new(&c, "provider");
    struct raw cs[5];
    const struct e2e_user *who[] = {&a, &a, &a, &b};
    for (size_t i = 0; i < 4; i++) {
        raw_open(&cs[i], who[i]->token, ATTACKER_IP);
        raw_settle(&cs[i], 1, 1, 3000);
        assert_int_equal(cs[i].status, 200);
    }
    struct resp *r = e2e_call("GET", "/api/v1/notifications/stream", c.token, NULL);
    EXPECT_ERROR(r, 503, "unavailable");
    assert_string_equal(r->retry_after, "5");
    e2e_resp_free(r);
    r = e2e_call("GET", "/api/v1/notifications/unread-count", c.token, NULL);
    EXPECT_STATUS(r, 200);
    e2e_resp_free(r);
    /* a moves to a new tab: its oldest stream makes room, the total stays 4 */
    raw_open(&cs[4], a.token, ATTACKER_IP);
    raw_settle(cs, 5, 4, 3000);
    assert_int_equal(cs[4].status, 200);
    assert_true(raw_superseded(&cs[0]) && cs[0].eof);
    /* b leaves: c gets its place */
    raw_close(&cs[3]);
    assert_true(streams_become(3, 2000));
    struct raw cc;
    raw_open(&cc, c.token, ATTACKER_IP);
    raw_settle(&cc, 1, 1, 3000);
    assert_int_equal(cc.status, 200);
    raw_close(&cc);
    for (size_t i = 0; i < 5; i++)
        raw_close(&cs[i]);
    e2e_stack_service("notification", "restart", NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_users_fourth_stream_replaces_the_oldest),
        cmocka_unit_test(one_account_opening_200_streams_does_not_hurt_others),
        cmocka_unit_test(the_gateway_holds_at_most_20_streams_per_address),
        cmocka_unit_test(a_full_replica_refuses_new_streams_with_503),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
