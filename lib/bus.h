/* NATS JetStream: one connection per process that reconnects by itself, the platform's
 * event stream (subjects petboarding.>), and publishing with a message id so that
 * JetStream drops a republished duplicate. */
#ifndef PB_BUS_H
#define PB_BUS_H

#include "errors.h"

#include <stdbool.h>
#include <stddef.h>

struct bus;

#define BUS_STREAM "PETBOARDING"
#define BUS_SUBJECTS "petboarding.>"

/* Connect to a comma-separated list of nats:// URLs. The connection retries in the
 * background when the servers are down, so this only fails on bad arguments or memory. */
struct bus *bus_new(const char *urls);
void bus_free(struct bus *b);

/* Whether the connection is currently up (readiness). */
bool bus_connected(struct bus *b);

/* Create the event stream if it does not exist (file storage, replicas as given, duplicate
 * window 2 minutes); an existing stream is left as it is. */
enum err bus_ensure_stream(struct bus *b, int replicas);

/* Publish data on subject with msg_id for de-duplication, waiting for the stream's ack up to
 * timeout_ms. ERR_OK also when JetStream reports a duplicate (it was published before).
 * ERR_UNAVAILABLE when NATS or the stream cannot be reached. */
enum err bus_publish(struct bus *b, const char *subject, const char *msg_id, const char *data, size_t len,
                     long timeout_ms);

/* The underlying handles for modules that build consumers (natsConnection*, jsCtx*). */
void *bus_nats(struct bus *b);
void *bus_js(struct bus *b);

#endif
