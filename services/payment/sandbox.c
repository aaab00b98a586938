/* The sandbox gateway's delivery thread: signed webhook callbacks with retries. */
#include "sandbox.h"
#include "config.h"
#include "dates.h"
#include "httpc.h"
#include "log.h"
#include "metrics.h"
#include "rules.h"
#include "signature.h"
#include "store.h"

#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* Callbacks one delivery thread claims at a time: few, so that the callbacks due together are
 * spread over the threads instead of waiting behind one another in one of them. */
#define CLAIM_BATCH 2
#define IDLE_WAIT_MS 500 /* also bounds how long a stopping service waits for this thread */

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static uint64_t nudges; /* under mu: every thread sees each nudge */

void sandbox_nudge(void)
{
    pthread_mutex_lock(&mu);
    nudges++;
    pthread_cond_broadcast(&cv);
    pthread_mutex_unlock(&mu);
}

/* Sleep up to ms, or until a nudge after *seen (which it then records). */
static void wait_ms(long ms, uint64_t *seen)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_nsec += (ms % 1000) * 1000000L;
    until.tv_sec += ms / 1000 + until.tv_nsec / 1000000000L;
    until.tv_nsec %= 1000000000L;
    pthread_mutex_lock(&mu);
    while (nudges == *seen && pthread_cond_timedwait(&cv, &mu, &until) == 0)
        ;
    *seen = nudges;
    pthread_mutex_unlock(&mu);
}

/* One attempt: sign with the current time, POST, record the outcome. */
static void deliver(struct svc *s, const struct callback *cb)
{
    struct pay_app *a = pay_app(s);
    char sig[SIG_HEADER_MAX], hdr[SIG_HEADER_MAX + 32], err[200] = "";
    size_t len = strlen(cb->body);
    int64_t now = time_now_ms();
    struct httpc_resp resp = {0};
    enum err e = ERR_INTERNAL;
    log_set_request_id(cb->request_id); /* the request that decided it, through to the webhook's logs */
    if (sig_header(a->secret, a->secret_len, now / 1000, cb->body, len, sig, sizeof sig) == 0) {
        snprintf(hdr, sizeof hdr, "%s: %s", SIG_HEADER, sig);
        const char *h[] = {hdr, NULL};
        /* a third party knows nothing of our token or request ids: a public call */
        e = httpc_request_public("POST", a->webhook_url, "application/json", cb->body, len, h, a->http_timeout_ms,
                                 &resp);
    }
    long status = e == ERR_OK ? resp.status : 0;
    if (status >= 200 && status < 300) {
        if (store_callback_delivered(s, cb->id, time_now_ms(), status) != ERR_OK)
            LOG_W("sandbox: %s delivered but not marked (it will be sent again; the webhook ignores repeats)",
                  cb->transaction_id);
        metrics_count("pb_payment_callbacks_delivered_total", NULL, 1);
        LOG_I("sandbox: %s delivered (attempt %d, HTTP %ld)", cb->transaction_id, cb->attempts, status);
    } else {
        bool give_up = now - cb->created_ms > a->give_up_s * 1000L;
        long delay = retry_delay_ms(cb->attempts, a->retry_base_ms, a->retry_max_ms, randombytes_random());
        if (e == ERR_OK)
            snprintf(err, sizeof err, "HTTP %ld: %.150s", status, resp.body ? resp.body : "");
        else
            snprintf(err, sizeof err, "%s", e == ERR_INTERNAL ? "cannot sign the callback" : "no answer");
        store_callback_retry(s, cb->id, now + delay, status, err, give_up);
        metrics_count(give_up ? "pb_payment_callbacks_abandoned_total" : "pb_payment_callbacks_retried_total", NULL,
                      1);
        if (give_up)
            LOG_E("sandbox: %s abandoned after %d attempts (%s)", cb->transaction_id, cb->attempts, err);
        else
            LOG_W("sandbox: %s attempt %d failed (%s): retry in %ld ms", cb->transaction_id, cb->attempts, err, delay);
    }
    httpc_resp_free(&resp);
    log_set_request_id(NULL);
}

/* How long to sleep: until the earliest pending callback is due, within bounds. */
static long next_wait(struct svc *s)
{
    int64_t due = 0;
    if (store_callbacks_next_due(s, &due) != ERR_OK || !due)
        return IDLE_WAIT_MS;
    int64_t w = due - time_now_ms();
    return w < 5 ? 5 : w > IDLE_WAIT_MS ? IDLE_WAIT_MS : (long)w;
}

static void sandbox_main(struct svc *s, void *arg)
{
    bool purger = arg != NULL; /* one of the threads also purges old idempotency keys */
    struct pay_app *a = pay_app(s);
    int64_t last_purge = 0;
    uint64_t seen = 0;
    while (!svc_stopping(s)) {
        struct callback cb[CLAIM_BATCH];
        size_t n = 0;
        enum err e = store_callbacks_claim(s, time_now_ms(), a->lease_ms, cb, CLAIM_BATCH, &n);
        for (size_t i = 0; i < n; i++)
            deliver(s, &cb[i]);
        store_callbacks_free(cb, n);
        if (e == ERR_OK && n == CLAIM_BATCH)
            continue; /* there may be more due */
        if (purger && time_now_ms() - last_purge > 3600 * 1000L) {
            store_idem_purge(s, time_now_ms() - 86400 * 1000L);
            last_purge = time_now_ms();
        }
        wait_ms(e == ERR_OK ? next_wait(s) : IDLE_WAIT_MS, &seen);
    }
}

int sandbox_start(struct svc *s)
{
    metrics_describe("pb_payment_callbacks_delivered_total", "sandbox gateway callbacks the webhook accepted (2xx)");
    metrics_describe("pb_payment_callbacks_retried_total", "sandbox gateway callback attempts that failed and wait");
    metrics_describe("pb_payment_callbacks_abandoned_total", "sandbox gateway callbacks given up after too long");
    metrics_gauge("pb_payment_callbacks_pending", "sandbox gateway callbacks not yet delivered",
                  store_callbacks_pending, s);
    /* a provider's gateway calls back for many payments at once: several delivery threads, so
     * that one slow webhook answer does not hold up the payments decided after it */
    static char purger;
    long threads = config_long("PB_SANDBOX_DELIVERY_THREADS", 4, 1, 8);
    for (long i = 0; i < threads; i++)
        if (svc_spawn(s, sandbox_main, i == 0 ? &purger : NULL) != 0)
            return -1;
    return 0;
}
