/* pb-stream: create the platform's JetStream event stream (BUS_STREAM, subjects
 * BUS_SUBJECTS) when it does not exist yet; scripts/stack.sh runs it once NATS is ready.
 *
 * Environment: PB_NATS_URL (default nats://127.0.0.1:4222, a comma-separated list for a
 * cluster) and PB_STREAM_REPLICAS (default 1). Exits 0 when the stream exists, 1 with a
 * logged message otherwise. */
#include "bus.h"
#include "config.h"
#include "log.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define CONNECT_WAIT_MS 10000
#define POLL_MS 50
#define DEADLINE_S 15 /* the whole run: connecting plus creating the stream */

/* bus_new itself blocks while no server answers (cnats retries a first connect that has
 * no connected callback for ever), so an alarm bounds the run: a caller never hangs. */
static char alarm_msg[512];
static size_t alarm_msg_len;

static void on_alarm(int sig)
{
    (void)sig;
    ssize_t n = write(STDERR_FILENO, alarm_msg, alarm_msg_len); /* async-signal-safe */
    (void)n;
    _exit(1);
}

/* PB_STREAM_REPLICAS as 1..5 (JetStream's limit); 0 when malformed. */
static int replicas_from_env(void)
{
    const char *v = config_str("PB_STREAM_REPLICAS", "1");
    char *end = NULL;
    errno = 0;
    long n = strtol(v, &end, 10);
    if (errno || end == v || *end || n < 1 || n > 5)
        return 0;
    return (int)n;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

int main(void)
{
    int rc = 1;
    struct bus *b = NULL;
    log_init("stream", "info");
    const char *url = config_str("PB_NATS_URL", "nats://127.0.0.1:4222");
    int len = snprintf(alarm_msg, sizeof alarm_msg,
                       "{\"level\":\"error\",\"svc\":\"stream\",\"msg\":\"NATS at %.200s did not answer within %d s\"}\n",
                       url, DEADLINE_S);
    alarm_msg_len = len > 0 && (size_t)len < sizeof alarm_msg ? (size_t)len : 0;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sigaction(SIGALRM, &sa, NULL);
    alarm(DEADLINE_S);
    int replicas = replicas_from_env();
    if (!replicas) {
        LOG_E("PB_STREAM_REPLICAS=%s is not a replica count (1..5)", config_str("PB_STREAM_REPLICAS", ""));
        goto cleanup;
    }
    if (!(b = bus_new(url))) {
        LOG_E("cannot set up a NATS connection to %s", url);
        goto cleanup;
    }
    /* bus.h allows bus_new to return before the first connection is up */
    for (long waited = 0; !bus_connected(b) && waited < CONNECT_WAIT_MS; waited += POLL_MS)
        sleep_ms(POLL_MS);
    if (!bus_connected(b)) {
        LOG_E("NATS at %s is not reachable after %d s", url, CONNECT_WAIT_MS / 1000);
        goto cleanup;
    }
    if (bus_ensure_stream(b, replicas) != ERR_OK) {
        LOG_E("cannot create the stream %s (%d replicas) on %s", BUS_STREAM, replicas, url);
        goto cleanup;
    }
    LOG_I("stream %s ready on %s", BUS_STREAM, url);
    rc = 0;
cleanup:
    bus_free(b);
    return rc;
}
