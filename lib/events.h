/* Platform events: a transactional outbox, a relay that publishes it to JetStream, and
 * idempotent durable consumers.
 *
 * Producer side: a service never publishes from a request handler. In the same MariaDB
 * transaction as its state change it calls events_outbox_add, which inserts the event
 * envelope {id, type, version, occurred_at, source, request_id, data} into its `outbox`
 * table. The relay (a thread in every replica) takes pending rows with SELECT ... FOR
 * UPDATE SKIP LOCKED (so replicas never take the same rows), publishes each with the event
 * id as the JetStream message id (a republish after a crash is dropped as a duplicate by
 * the stream) and marks them sent in the same transaction.
 *
 * Consumer side: a durable pull consumer with explicit acks. Each message is handled in one
 * MariaDB transaction that first records (consumer, event id) in `processed_event`: a second
 * delivery finds the row and changes nothing. A handler error rolls back and the message is
 * redelivered with backoff; after max_deliver attempts it is parked on the dead-letter subject
 * petboarding.dlq.<consumer> and counted in pb_events_dead_lettered_total.
 *
 * Tables (in each service's own migrations):
 *   outbox(id BIGINT UNSIGNED PK, subject VARCHAR(128), payload MEDIUMTEXT, created_ms BIGINT,
 *          sent_ms BIGINT NULL, attempts INT, KEY(sent_ms, id))
 *   processed_event(consumer VARCHAR(64), event_id BIGINT UNSIGNED, processed_ms BIGINT,
 *                   PRIMARY KEY(consumer, event_id)) */
#ifndef PB_EVENTS_H
#define PB_EVENTS_H

#include "db.h"
#include "errors.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

struct svc;

/* Add an event to the outbox inside the caller's transaction c. type is
 * "<aggregate>.<event>" (subject petboarding.<type>); data is borrowed. *out_id (may be
 * NULL) receives the event id. */
enum err events_outbox_add(struct db_conn *c, const char *source, const char *type, int version, const json_t *data,
                           uint64_t *out_id);

/* Start the relay thread of this service (call from the service's init). Registers the
 * gauges pb_outbox_pending and pb_outbox_oldest_pending_seconds. */
int events_relay_start(struct svc *s);
/* Wake the relay now (call after committing a transaction that added events): the event
 * leaves within milliseconds instead of at the next poll. */
void events_relay_nudge(void);

/* One received event, valid during the handler. */
struct event {
    uint64_t id;
    const char *type;       /* "order.paid" */
    int version;
    int64_t occurred_ms;
    const char *source;
    const char *request_id;
    const json_t *data;
    uint64_t delivered;     /* 1 on the first delivery */
    /* The unit of work this event is handled in: its own id, or, for a consumer that handles
     * batches, the id of the batch's first event; unit_start is true for the first event whose
     * handler runs in the unit's transaction (each time the transaction runs). */
    uint64_t unit;
    bool unit_start;
};

/* The most events fetched, and handled in one transaction by a batching consumer, at once. */
#define EVENTS_BATCH_MAX 32
/* How long a delivered event may stay unacknowledged before JetStream delivers it again: what
 * a replica that was killed while it held events delays them by (a handler is one short
 * transaction; one that outlasts it is delivered twice and changes nothing the second time). */
#define EVENTS_ACK_WAIT_MS 10000
/* The most threads one consumer runs in one process (events_consumer.threads). */
#define EVENTS_MAX_THREADS 4

/* Apply an event inside the consumer's transaction c. ERR_OK commits (and acks); any error
 * rolls back and asks for a redelivery. The handler must do nothing outside c that is not
 * itself idempotent (a second delivery after a crash runs it again). */
typedef enum err (*events_handler)(struct svc *s, struct db_conn *c, const struct event *ev, void *arg);

struct events_consumer {
    const char *durable;        /* consumer name, also the processed_event key */
    const char *filter;         /* subject filter, e.g. "petboarding.payment.>" */
    events_handler handler;
    void *arg;
    /* optional: run after the handler's transaction committed (not for duplicates): effects
     * outside the database such as cache invalidation or waking listeners. A crash between
     * the commit and this call skips it once; use it only for what a TTL or the next change
     * repairs. */
    void (*after_commit)(struct svc *s, const struct event *ev);
    /* optional: handle each fetched batch of first deliveries (up to EVENTS_BATCH_MAX) in one
     * transaction: one commit for many events. A batch that fails is run again one event at a
     * time, with the usual retries. The handler sees ev->unit and ev->unit_start, and
     * after_commit is called for each event of the batch once it committed. */
    bool batch;
    /* optional: called before each transaction of handlers (one event's, or a batch's), outside
     * it, with the events it is about to handle (those found processed before included): fetch
     * in one go what the handlers will need from outside the database, so that they make no
     * round trip of their own per event. Nothing it does may need undoing. */
    void (*prepare)(struct svc *s, const struct event *ev, int n, void *arg);
    /* optional: inside each transaction of handlers, after its last handler and just before
     * the commit (each time it runs): the work of the whole transaction that must happen
     * before it commits, done once. An error rolls it back as a handler's does. */
    enum err (*before_commit)(struct svc *s, struct db_conn *c, void *arg);
    /* optional: threads of this process pulling from the durable (default 1, at most
     * EVENTS_MAX_THREADS). They share it as replicas do: each event goes to one of them, and
     * events of different orders are handled at the same time instead of queueing behind one
     * another; the handler must already be safe against a replica handling a related event,
     * and what prepare and before_commit keep between their calls must be per thread. */
    int threads;
    int max_deliver;            /* attempts before the dead-letter subject (default 8) */
    long ack_wait_ms;           /* redelivery if not acked in time (default EVENTS_ACK_WAIT_MS) */
};

/* Start a consumer thread (call from init; the spec must stay valid). Registers the gauge
 * pb_events_consumer_pending{consumer="<durable>"}: the consumer's messages not yet delivered
 * plus those delivered and not yet acknowledged (num_pending + num_ack_pending of its
 * JetStream consumer info), refreshed every 2 s by the consumer's thread; -1 when unknown
 * (not read for 30 s). At most 32 consumers per process; returns 0 or -1. */
int events_consume_start(struct svc *s, struct events_consumer *spec);

/* Pure: build the envelope of an event (a new reference). */
json_t *events_envelope(uint64_t id, const char *type, int version, int64_t occurred_ms, const char *source,
                        const char *request_id, const json_t *data);
/* Pure: read an envelope; false when a required field is missing or mistyped. The
 * strings of *ev point into env. */
bool events_parse(const json_t *env, struct event *ev);

#endif
