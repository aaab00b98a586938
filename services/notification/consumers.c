/* The events the notification service consumes: every event of the platform, through one
 * durable consumer whose handler (inbox.c) writes the notifications each one calls for. */
#include "consumers.h"
#include "events.h"
#include "inbox.h"
#include "metrics.h"

static struct events_consumer consumer = {
    .durable = "notification",
    .filter = "petboarding.>",
    .prepare = inbox_prepare,
    .handler = inbox_on_event,
    .before_commit = inbox_before_commit,
    .after_commit = inbox_after_event,
    /* a burst is written with one commit per fetched batch, not one per event (docs/events.md) */
    .batch = true,
};

int consumers_start(struct svc *s)
{
    metrics_describe("pb_notifications_created_total", "notifications written, by type");
    metrics_describe("pb_notification_events_skipped_total", "consumed events that produced no notification");
    return events_consume_start(s, &consumer);
}
