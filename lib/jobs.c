/* Leader-elected periodic jobs over a Redis lock with renewal. */
#include "jobs.h"
#include "cache.h"
#include "log.h"
#include "metrics.h"
#include "svc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct job {
    char name[48];
    long interval_ms, ttl_ms;
    void (*tick)(struct svc *, void *);
    void *arg;
    volatile int leader;
};

static double gauge_leader(void *arg) { return ((struct job *)arg)->leader; }

static void job_main(struct svc *s, void *arg)
{
    struct job *j = arg;
    char key[96];
    struct cache_lock lock;
    snprintf(key, sizeof key, "pb:leader:%s", j->name);
    while (!svc_stopping(s)) {
        if (!j->leader && cache_lock(s->cache, key, j->ttl_ms, 0, &lock) == ERR_OK) {
            j->leader = 1;
            LOG_I("jobs: instance %u leads %s", s->instance, j->name);
        }
        if (j->leader) {
            j->tick(s, j->arg);
            if (cache_lock_renew(s->cache, &lock, j->ttl_ms) != ERR_OK) {
                j->leader = 0;
                LOG_W("jobs: instance %u lost the lead of %s", s->instance, j->name);
            }
        }
        svc_sleep_ms(s, j->interval_ms);
    }
    if (j->leader) /* hand over at once instead of after the TTL */
        cache_unlock(s->cache, &lock);
    j->leader = 0;
}

int jobs_start(struct svc *s, const char *name, long interval_ms, long ttl_ms, void (*tick)(struct svc *, void *),
               void *arg)
{
    struct job *j = calloc(1, sizeof *j); /* lives as long as the process */
    if (!j)
        return -1;
    snprintf(j->name, sizeof j->name, "%s", name);
    j->interval_ms = interval_ms;
    j->ttl_ms = ttl_ms;
    j->tick = tick;
    j->arg = arg;
    char family[96];
    snprintf(family, sizeof family, "pb_job_leader_%s", name);
    for (char *c = family; *c; c++) /* a Prometheus metric name: [a-zA-Z0-9_] */
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9')))
            *c = '_';
    metrics_gauge(family, "1 on the replica that runs this job", gauge_leader, j);
    return svc_spawn(s, job_main, j);
}
