/* The writers of inboxes: the event consumer (every catalogue event that names the
 * notification service) and the leader-elected reminder job. Both write notifications in a
 * MariaDB transaction and, after it committed, move the recipients' unread counters and
 * publish their ids on pb:notify so that every replica's streams wake up. */
#ifndef NOTIFICATION_INBOX_H
#define NOTIFICATION_INBOX_H

#include "svc.h"

/* Start the durable consumer "notification" over petboarding.> (call from init). */
int inbox_consumer_start(struct svc *s);

/* Start the reminder job (leader-elected, a round every interval_ms). */
int inbox_reminders_start(struct svc *s, long interval_ms);

/* One round of the reminder job (exposed for the job thread; safe to repeat). */
void inbox_reminders_tick(struct svc *s, void *arg);

#endif
