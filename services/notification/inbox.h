/* The writers of inboxes: the event consumer (every catalogue event that names the
 * notification service) and the leader-elected reminder job. Both write notifications in a
 * MariaDB transaction and, after it committed, move the recipients' unread counters and
 * publish their ids on pb:notify so that every replica's streams wake up. */
#ifndef NOTIFICATION_INBOX_H
#define NOTIFICATION_INBOX_H

#include "events.h"
#include "svc.h"

/* The consumer "notification" (consumers.c), in the steps of lib/events.h. Before the
 * transaction of a batch (or of one event): the languages of all its recipients, looked up at
 * once. The handler: write the notifications an event calls for inside the consumer's
 * transaction c. Before the commit: mark the unread counters of every recipient of the
 * transaction busy, at once. */
void inbox_prepare(struct svc *s, const struct event *ev, int n, void *arg);
enum err inbox_on_event(struct svc *s, struct db_conn *c, const struct event *ev, void *arg);
enum err inbox_before_commit(struct svc *s, struct db_conn *c, void *arg);
/* Its after-commit step: move the unread counters and wake the recipients' streams (the
 * first call of a batch does it for the whole batch, at once). */
void inbox_after_event(struct svc *s, const struct event *ev);

/* Start the reminder job (leader-elected, a round every interval_ms). */
int inbox_reminders_start(struct svc *s, long interval_ms);

/* Start the retention job (leader-elected, a round every interval_ms): read notifications
 * read more than notif_app(s)->read_keep_ms ago are deleted (store_purge_read). */
int inbox_retention_start(struct svc *s, long interval_ms);

/* One round of the reminder job (exposed for the job thread; safe to repeat). */
void inbox_reminders_tick(struct svc *s, void *arg);

#endif
