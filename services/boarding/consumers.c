/* The events the boarding service consumes: rating.updated (a listing's new aggregate). */
#include "consumers.h"
#include "events.h"
#include "ids.h"
#include "log.h"
#include "store.h"

#include <math.h>

/* rating.updated: the review service's new aggregate for a listing, written in the
 * consumer's transaction; after_rating refreshes the listing's caches once it committed. */
static enum err on_rating(struct svc *s, struct db_conn *c, const struct event *ev, void *arg)
{
    (void)arg;
    (void)s;
    uint64_t id;
    const json_t *l = json_object_get(ev->data, "listing");
    if (ev->version != 1 || !ids_parse(json_string_value(json_object_get(ev->data, "listing_id")), &id) ||
        !json_is_object(l)) {
        LOG_W("boarding: ignoring %s v%d without a listing aggregate", ev->type, ev->version);
        return ERR_OK;
    }
    long count = (long)json_integer_value(json_object_get(l, "count"));
    long sum = (long)json_integer_value(json_object_get(l, "sum"));
    long score = lround(json_number_value(json_object_get(l, "score")) * 1000);
    return store_listing_rating_tx(c, id, count, sum, score);
}

static void after_rating(struct svc *s, const struct event *ev)
{
    uint64_t id;
    struct listing l = {0};
    if (ids_parse(json_string_value(json_object_get(ev->data, "listing_id")), &id) &&
        store_listing_get(s, id, false, &l) == ERR_OK)
        store_after_change(s, &l, &l);
    listing_clear(&l);
}

static struct events_consumer rating_consumer = {
    .durable = "boarding-rating",
    .filter = "petboarding.rating.updated",
    .handler = on_rating,
    .after_commit = after_rating,
};

int consumers_start(struct svc *s) { return events_consume_start(s, &rating_consumer); }
