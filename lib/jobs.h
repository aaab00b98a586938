/* Single-runner jobs: timed work (expiring unpaid orders, reminders) that any replica can
 * host and exactly one runs at a time. The runner is whoever holds the Redis lock
 * pb:leader:<job> (SET NX PX with a random token); it renews the lock after every round and
 * stops the moment a renewal fails. If the leader dies, the lock's TTL frees it and another
 * replica takes over within ttl_ms. A job's work must still be safe to repeat (a leader that
 * stalls past its TTL may overlap once with its successor): transitions are checked against
 * the current state in the database. */
#ifndef PB_JOBS_H
#define PB_JOBS_H

#include <stdbool.h>

struct svc;

/* Start a job thread: every interval_ms, if this replica holds (or can take) the lock,
 * run tick(s, arg). ttl_ms is the lock lifetime (> the longest round). Registers the gauge
 * pb_job_leader_<name> (1 on the leader; characters other than letters and digits become _). Returns 0 or -1. */
int jobs_start(struct svc *s, const char *name, long interval_ms, long ttl_ms, void (*tick)(struct svc *s, void *arg),
               void *arg);

#endif
