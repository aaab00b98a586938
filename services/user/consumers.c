/* The events the user service consumes: rating.updated (a provider's new aggregate). */
#include "consumers.h"
#include "events.h"
#include "ids.h"
#include "log.h"
#include "store.h"

/* rating.updated: the review service's aggregate over all of a provider's listings, shown
 * in the provider's public profile. */
static enum err on_rating(struct svc *s, struct db_conn *c, const struct event *ev, void *arg)
{
    (void)arg;
    uint64_t provider;
    const json_t *p = json_object_get(ev->data, "provider");
    if (ev->version != 1 || !ids_parse(json_string_value(json_object_get(ev->data, "provider_id")), &provider) ||
        !json_is_object(p)) {
        LOG_W("user: ignoring %s v%d without a provider aggregate", ev->type, ev->version);
        return ERR_OK;
    }
    return store_provider_rating_tx(c, s, provider, (long)json_integer_value(json_object_get(p, "count")),
                                    (long)json_integer_value(json_object_get(p, "sum")));
}

static void after_rating(struct svc *s, const struct event *ev)
{
    uint64_t provider;
    if (ids_parse(json_string_value(json_object_get(ev->data, "provider_id")), &provider))
        store_user_invalidate(s, provider);
}

static struct events_consumer rating_consumer = {
    .durable = "user-rating",
    .filter = "petboarding.rating.updated",
    .handler = on_rating,
    .after_commit = after_rating,
};

int consumers_start(struct svc *s) { return events_consume_start(s, &rating_consumer); }
