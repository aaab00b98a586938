/* The dashboard's view of the running processes. A background thread scrapes /metrics of
 * every instance of every service and the NATS monitoring endpoint every
 * PB_DASHBOARD_SCRAPE_MS, computes what the last interval says (services/admin/sample.h) and
 * keeps the result as one snapshot; requests read a copy of it and never wait for a scrape.
 *
 * Configuration (environment):
 *   PB_<SERVICE>_INSTANCES    comma list of an instance's base URLs (http://127.0.0.1:9084,...);
 *                             unset: the one URL svc_url("<service>")
 *   PB_DASHBOARD_SCRAPE_MS    interval between two rounds (5000)
 *   PB_DASHBOARD_SCRAPE_TIMEOUT_MS  time allowed to one instance's /metrics (1000)
 *   PB_NATS_MONITOR_URLS      comma list of NATS monitoring URLs, the first that answers is
 *                             used; unset: http://127.0.0.1:$PB_NATS_MONITOR_PORT (8222) */
#ifndef ADMIN_MONITOR_H
#define ADMIN_MONITOR_H

#include "svc.h"

#include <jansson.h>

/* Read the configuration and start the scraper thread (call from init). 0, or -1 after
 * logging what is wrong (a malformed instance URL, no memory, no thread). */
int monitor_start(struct svc *s);

/* Free the state (from fini, after the thread ended). */
void monitor_free(void);

/* A copy of the latest snapshot (a new reference; NULL only when memory is short):
 * {scraped_at, scrape_interval_ms, services: [{name, instances: [...], up_count, total}],
 * event_consumers: [...], nats: {...}, alerts: [...]}, as docs/api/admin.openapi.yaml
 * describes. Before the first round every instance says "no sample yet". */
json_t *monitor_snapshot(void);

#endif
