/* Load tool for the booking saga: each of N workers loops book -> pay -> sandbox "succeed"
 * -> poll until the order is paid, for a number of seconds, and reports flows per second
 * and the latencies create->paid and decision->paid (p50/p99).
 * The end of a flow is the moment the order became paid as the order service stamped it in
 * the order's history (same machine, same clock), not the poll that saw it: the poll only
 * learns that the flow is over. Polls come every PB_BENCH_POLL_MS (default 50 ms; the web app
 * polls every 600 ms), so the waiting clients do not load the platform they measure.
 *   pb-bench-saga <workers> <seconds> <first_day>
 * Env: PB_GATEWAY, PB_BENCH_TOKEN (an owner's access token), PB_BENCH_LISTINGS and
 * PB_BENCH_PETS (files of ids: the owner's pets; request k uses pet k % pets on night
 * first_day + k / pets, so no pet has two stays on one night). */
#include "config.h"
#include "dates.h"
#include "httpc.h"
#include "log.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *gateway, *token;
static char **listings, **pets;
static size_t nlistings, npets;
static int first_day;
static long next_k;
static int64_t deadline_ms;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static double *lat_total, *lat_decide;
static size_t nlat, caplat;
static long failures;

static long poll_us;

static int64_t clock_ms(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t mono_ms(void)
{
    return clock_ms(CLOCK_MONOTONIC);
}

/* "2026-12-07T14:11:29.725Z" -> ms since the epoch; -1 when it is not that shape */
static int64_t stamp_ms(const char *s)
{
    struct tm tm = {0};
    int ms = 0;
    if (!s || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d.%3dZ", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min,
                     &tm.tm_sec, &ms) != 7)
        return -1;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    return (int64_t)timegm(&tm) * 1000 + ms;
}

/* When the order's history says it became paid (ms since the epoch), or -1 */
static int64_t paid_stamp(json_t *order)
{
    size_t i;
    json_t *h;
    json_array_foreach(json_object_get(order, "history"), i, h)
    {
        const char *st = json_string_value(json_object_get(h, "status"));
        if (st && strcmp(st, "paid") == 0)
            return stamp_ms(json_string_value(json_object_get(h, "at")));
    }
    return -1;
}

static char **read_lines(const char *path, size_t *n)
{
    FILE *f = fopen(path, "r");
    char **v = NULL, line[64];
    *n = 0;
    while (f && fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = 0;
        if (!line[0])
            continue;
        char **nv = realloc(v, (*n + 1) * sizeof *v);
        char *dup = nv ? strdup(line) : NULL;
        if (!dup) {
            fprintf(stderr, "out of memory\n");
            exit(1);
        }
        v = nv;
        v[(*n)++] = dup;
    }
    if (f)
        fclose(f);
    return v;
}

static json_t *call(const char *method, const char *path, json_t *body, long *status)
{
    char url[512], auth[2100];
    snprintf(url, sizeof url, "%s%s", gateway, path);
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
    const char *h[] = {auth, NULL};
    struct httpc_resp r;
    enum err e = httpc_request(method, url, body, h, 10000, &r);
    json_decref(body);
    *status = e == ERR_OK ? r.status : 0;
    json_t *j = json_incref(r.json);
    httpc_resp_free(&r);
    return j;
}

/* One flow; false on any failure. */
static bool flow(long k)
{
    char sd[DATE_STR_LEN], ed[DATE_STR_LEN], path[128];
    int32_t day = date_today() + first_day + (int32_t)(k / (long)npets);
    long st;
    int64_t t0 = clock_ms(CLOCK_REALTIME);
    json_t *o = call("POST", "/api/v1/orders",
                     json_pack("{s:s,s:[s],s:s,s:s}", "listing_id", listings[k % (long)nlistings], "pet_ids",
                               pets[k % (long)npets], "start_date", date_format(day, sd), "end_date",
                               date_format(day + 1, ed)),
                     &st);
    char order[24] = "", pay[24] = "";
    if (st == 201)
        snprintf(order, sizeof order, "%s", json_string_value(json_object_get(o, "id")));
    json_decref(o);
    if (!order[0])
        return st == 409; /* a full night is a correct answer, not a failure */
    json_t *p = call("POST", "/api/v1/payments", json_pack("{s:s}", "order_id", order), &st);
    if (st == 201)
        snprintf(pay, sizeof pay, "%s", json_string_value(json_object_get(p, "payment_id")));
    json_decref(p);
    if (!pay[0])
        return false;
    snprintf(path, sizeof path, "/api/v1/payments/%s/sandbox", pay);
    json_decref(call("POST", path, json_pack("{s:s}", "outcome", "succeed"), &st));
    if (st != 202)
        return false;
    int64_t t1 = clock_ms(CLOCK_REALTIME);
    snprintf(path, sizeof path, "/api/v1/orders/%s", order);
    for (long waited_us = 0; waited_us < 10000000; waited_us += poll_us) {
        usleep((useconds_t)poll_us);
        json_t *g = call("GET", path, NULL, &st);
        const char *s = json_string_value(json_object_get(g, "status"));
        int64_t t2 = s && strcmp(s, "paid") == 0 ? paid_stamp(g) : -1;
        json_decref(g);
        if (t2 >= 0) {
            pthread_mutex_lock(&mu);
            if (nlat == caplat) {
                size_t cap = caplat ? caplat * 2 : 1024;
                double *a = realloc(lat_total, cap * sizeof *lat_total);
                if (a)
                    lat_total = a;
                double *b = a ? realloc(lat_decide, cap * sizeof *lat_decide) : NULL;
                if (!b) {
                    fprintf(stderr, "out of memory\n");
                    exit(1);
                }
                lat_decide = b;
                caplat = cap;
            }
            lat_total[nlat] = (double)(t2 - t0);
            lat_decide[nlat++] = (double)(t2 - t1);
            pthread_mutex_unlock(&mu);
            return true;
        }
    }
    return false;
}

static void *worker(void *arg)
{
    (void)arg;
    while (mono_ms() < deadline_ms) {
        pthread_mutex_lock(&mu);
        long k = next_k++;
        pthread_mutex_unlock(&mu);
        if (!flow(k)) {
            pthread_mutex_lock(&mu);
            failures++;
            pthread_mutex_unlock(&mu);
        }
    }
    httpc_cleanup_thread();
    return NULL;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double pct(double *v, size_t n, double p)
{
    if (!n)
        return 0;
    qsort(v, n, sizeof *v, cmp);
    size_t i = (size_t)(p * (double)(n - 1));
    return v[i];
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: pb-bench-saga <workers> <seconds> <first_day>\n");
        return 2;
    }
    log_init("bench", "error");
    int workers = atoi(argv[1]), secs = atoi(argv[2]);
    first_day = atoi(argv[3]);
    gateway = config_str("PB_GATEWAY", "http://127.0.0.1:8080");
    token = config_str("PB_BENCH_TOKEN", "");
    poll_us = config_long("PB_BENCH_POLL_MS", 50, 1, 1000) * 1000;
    listings = read_lines(config_str("PB_BENCH_LISTINGS", ""), &nlistings);
    pets = read_lines(config_str("PB_BENCH_PETS", ""), &npets);
    if (!nlistings || !npets || !*token) {
        fprintf(stderr, "PB_BENCH_TOKEN, PB_BENCH_LISTINGS and PB_BENCH_PETS are required\n");
        return 2;
    }
    httpc_init(NULL);
    int64_t start = mono_ms();
    deadline_ms = start + secs * 1000LL;
    pthread_t *t = calloc((size_t)workers, sizeof *t);
    for (int i = 0; i < workers; i++)
        pthread_create(&t[i], NULL, worker, NULL);
    for (int i = 0; i < workers; i++)
        pthread_join(t[i], NULL);
    double elapsed = (double)(mono_ms() - start) / 1000.0;
    printf("FLOWS %zu %.1f %ld\n", nlat, (double)nlat / elapsed, failures);
    printf("TOTAL %.1f %.1f\n", pct(lat_total, nlat, 0.5), pct(lat_total, nlat, 0.99));
    printf("DECIDE %.1f %.1f\n", pct(lat_decide, nlat, 0.5), pct(lat_decide, nlat, 0.99));
    free(t);
    free(lat_total);
    free(lat_decide);
    httpc_cleanup();
    return 0;
}
