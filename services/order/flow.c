/* Booking creation with compensation, and state changes with their after-commit effects. */
#include "flow.h"
#include "dates.h"
#include "ids.h"
#include "log.h"
#include "peers.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The documented error answer of e (fields taken), as text that may be stored and replayed. */
static void answer_error(struct answer *a, enum err e, const char *message, json_t *fields)
{
    a->status = err_http_status(e);
    a->body = http_json_text(http_error_body(e, message, fields, log_request_id()), NULL);
}

/* SHA-256 of what decides a booking, so a reused Idempotency-Key with another request is
 * recognised. */
static void request_hash(const struct create_in *in, char out[65])
{
    char buf[512];
    size_t n = (size_t)snprintf(buf, sizeof buf, "%llu|%d|%d|%s|", (unsigned long long)in->listing_id, (int)in->start,
                                (int)in->end, in->note ? in->note : "");
    for (size_t i = 0; i < in->npets && n < sizeof buf; i++)
        n += (size_t)snprintf(buf + n, sizeof buf - n, "%llu,", (unsigned long long)in->pet_ids[i]);
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, (const unsigned char *)buf, n < sizeof buf ? n : sizeof buf - 1);
    sodium_bin2hex(out, 65, h, sizeof h);
}

/* How a 503 tells the client to retry: a booking with its Idempotency-Key, a quote as it is. */
static const char *retry_hint(bool quote)
{
    return quote ? "retry" : "retry with the same Idempotency-Key";
}

/* Check the listing and the pets through their services; fill the order on success. */
static bool validate(const struct create_in *in, bool quote, struct order *o, struct answer *a)
{
    struct listing_info l;
    char msg[400];
    enum err e = peer_listing(in->listing_id, &l);
    if (e == ERR_NOT_FOUND || (e == ERR_OK && strcmp(l.status, "published") != 0)) {
        answer_error(a, ERR_INVALID, NULL,
                     json_pack("{s:s}", "listing_id", e == ERR_NOT_FOUND ? "no such listing" : "is not open for bookings"));
        return false;
    }
    if (e != ERR_OK) {
        snprintf(msg, sizeof msg, "cannot reach the listings, %s", retry_hint(quote));
        answer_error(a, ERR_UNAVAILABLE, msg, NULL);
        return false;
    }
    struct pet_info pets[ORDER_MAX_PETS];
    e = peer_pets(in->pet_ids, in->npets, pets); /* every pet of the booking in one request */
    if (e != ERR_OK && e != ERR_NOT_FOUND) {
        snprintf(msg, sizeof msg, "cannot reach the pets, %s", retry_hint(quote));
        answer_error(a, ERR_UNAVAILABLE, msg, NULL);
        return false;
    }
    for (size_t i = 0; i < in->npets; i++) {
        const struct pet_info *pi = &pets[i];
        if (e == ERR_NOT_FOUND || pi->owner_id != in->owner_id || pi->deleted) {
            answer_error(a, ERR_NOT_FOUND, "no such pet", json_pack("{s:s}", "pet_ids", "contains a pet that is not yours"));
            return false;
        }
        if (!(pi->species_bit & l.species_mask)) {
            snprintf(msg, sizeof msg, "%.100s: this listing does not take its species", pi->name);
            answer_error(a, ERR_INVALID, NULL, json_pack("{s:s}", "pet_ids", msg));
            return false;
        }
        if (pi->weight_kg > l.max_weight_kg) {
            snprintf(msg, sizeof msg, "%.100s weighs %.1f kg, more than the %.1f kg this listing takes", pi->name,
                     pi->weight_kg > 1e6 ? 1e6 : pi->weight_kg, l.max_weight_kg > 1e6 ? 1e6 : l.max_weight_kg);
            answer_error(a, ERR_INVALID, NULL, json_pack("{s:s}", "pet_ids", msg));
            return false;
        }
        o->pet_ids[i] = in->pet_ids[i];
    }
    o->pets = (int)in->npets;
    o->listing_id = in->listing_id;
    o->provider_id = l.provider_id;
    snprintf(o->listing_title, sizeof o->listing_title, "%s", l.title);
    o->price_fen = l.price_fen;
    return true;
}

/* Everything a booking and its quote decide before anything is reserved: the listing and
 * the pets (validate), the stay and the server's price. On false *a holds the refusal. */
static bool prepare(const struct create_in *in, bool quote, struct order *o, struct answer *a)
{
    if (!validate(in, quote, o, a))
        return false;
    o->owner_id = in->owner_id;
    o->start = in->start;
    o->end = in->end;
    o->nights = in->end - in->start;
    snprintf(o->note, sizeof o->note, "%s", in->note ? in->note : "");
    if (!order_price(o->price_fen, o->nights, o->pets, &o->total_fen)) {
        answer_error(a, ERR_INVALID, "the price cannot be computed", NULL);
        return false;
    }
    return true;
}

/* 409: a pet of the request already stays somewhere on one of its nights. */
static void answer_pet_busy(struct answer *a, uint64_t pet, int32_t night)
{
    char msg[128], day[DATE_STR_LEN], pid[IDS_STR_LEN];
    snprintf(msg, sizeof msg, "pet %s already has a stay on the night of %s", ids_format(pet, pid),
             date_format(night, day));
    answer_error(a, ERR_CONFLICT, msg, json_pack("{s:s}", "pet_ids", msg));
}

/* Boarding's definitive no to a hold or a room check (h is neither HA_HELD nor HA_REFUSED):
 * 409 fully_booked naming the night, or 422 when the listing takes no bookings. */
static void answer_no_room(struct answer *a, enum hold_answer h, int pets, const char *night)
{
    char msg[128];
    if (h == HA_FULL) {
        snprintf(msg, sizeof msg, "no room for %d pet(s) on the night of %s", pets, night);
        answer_error(a, ERR_FULLY_BOOKED, msg, json_pack("{s:s}", "night", night));
    } else {
        answer_error(a, ERR_INVALID, NULL, json_pack("{s:s}", "listing_id", "is not open for bookings"));
    }
}

void flow_create(struct svc *s, const struct create_in *in, struct answer *a)
{
    struct idem k = {in->owner_id, "create", in->idem_key, ""};
    enum idem_state st = IDEM_NEW;
    memset(a, 0, sizeof *a);
    request_hash(in, k.hash);
    if (in->idem_key && store_idem_get(s, &k, &st, &a->status, &a->body) == ERR_OK && st == IDEM_REPLAY)
        return; /* the first answer, again */
    if (st == IDEM_IN_PROGRESS || st == IDEM_MISMATCH) {
        if (st == IDEM_IN_PROGRESS)
            answer_error(a, ERR_CONFLICT, "a request with this Idempotency-Key is still being processed", NULL);
        else
            answer_error(a, ERR_INVALID, NULL, json_pack("{s:s}", "Idempotency-Key", "was used for another request"));
        return;
    }
    struct order o = {0};
    if (!prepare(in, false, &o, a))
        return;
    o.id = ids_next();
    o.created_ms = o.updated_ms = time_now_ms();
    o.pay_before_ms = o.created_ms + order_app(s)->pay_window_ms;
    o.status = OS_CREATING;
    enum err e = store_ensure_month(s, o.id);
    uint64_t busy_pet = 0;
    int32_t busy_day = 0;
    if (e == ERR_OK)
        e = store_create_begin(s, &o, in->idem_key ? &k : NULL, &st, &busy_pet, &busy_day);
    if (e == ERR_CONFLICT && st == IDEM_NEW) {
        answer_pet_busy(a, busy_pet, busy_day);
        return;
    }
    if (e == ERR_LIMIT_REACHED) {
        char msg[128];
        snprintf(msg, sizeof msg, "an owner may have at most %ld open orders (awaiting payment, paid, confirmed or in care)",
                 order_app(s)->max_open);
        answer_error(a, e, msg, NULL);
        return;
    }
    if (e == ERR_CONFLICT) { /* the same key arrived concurrently */
        answer_error(a, ERR_CONFLICT, "a request with this Idempotency-Key is still being processed", NULL);
        return;
    }
    if (e != ERR_OK) {
        answer_error(a, e, NULL, NULL);
        return;
    }
    /* the order exists (status creating): now hold the nights; every way out below leaves
     * the order failed or pending_payment, and the clean-up job covers a crash right here */
    enum hold_answer h = HA_REFUSED;
    char night[DATE_STR_LEN] = "";
    e = peer_hold(o.id, o.listing_id, o.start, o.end, o.pets, &h, night);
    if (e == ERR_OK && h == HA_HELD) {
        o.updated_ms = time_now_ms();
        if ((e = store_create_reserved(s, &o, in->idem_key ? &k : NULL)) == ERR_OK) {
            a->status = 201;
            a->body = http_json_text(order_json(&o, NULL), NULL);
            a->order_id = o.id;
            return;
        }
        /* could not record it: give the nights back (or leave that to the job) */
        bool released = peer_release(o.id) == ERR_OK;
        store_create_failed(s, &o, released ? "released" : "releasing", in->idem_key ? &k : NULL, 0, NULL);
        answer_error(a, ERR_UNAVAILABLE, "the booking could not be recorded, retry with the same Idempotency-Key", NULL);
        return;
    }
    if (e == ERR_OK && h != HA_REFUSED) { /* a definitive no: nothing is held; remember the answer */
        answer_no_room(a, h, o.pets, night);
        store_create_failed(s, &o, "none", in->idem_key ? &k : NULL, a->status, a->body);
        return;
    }
    /* no answer: the nights may or may not be held; release is idempotent and a release
     * that cannot be done now stays with the job, so no hold outlives the order */
    bool released = peer_release(o.id) == ERR_OK;
    store_create_failed(s, &o, released ? "released" : "releasing", in->idem_key ? &k : NULL, 0, NULL);
    answer_error(a, ERR_UNAVAILABLE, "capacity could not be reserved now, retry with the same Idempotency-Key", NULL);
}

void flow_quote(struct svc *s, const struct create_in *in, struct answer *a)
{
    struct order o = {0};
    memset(a, 0, sizeof *a);
    if (!prepare(in, true, &o, a))
        return;
    bool busy = false;
    uint64_t busy_pet = 0;
    int32_t busy_day = 0;
    enum err e = store_pet_busy(s, &o, &busy, &busy_pet, &busy_day);
    if (e != ERR_OK) {
        answer_error(a, e, NULL, NULL);
        return;
    }
    if (busy) {
        answer_pet_busy(a, busy_pet, busy_day);
        return;
    }
    enum hold_answer h = HA_REFUSED;
    char night[DATE_STR_LEN] = "";
    e = peer_room(o.listing_id, o.start, o.end, o.pets, &h, night);
    if (e != ERR_OK || h == HA_REFUSED) {
        answer_error(a, ERR_UNAVAILABLE, "cannot reach the listings' calendar, retry", NULL);
        return;
    }
    if (h != HA_HELD) {
        answer_no_room(a, h, o.pets, night);
        return;
    }
    a->body = http_json_text(order_quote_json(&o), NULL);
    a->status = 200;
}

void flow_release(struct svc *s, const struct order *o)
{
    if (strcmp(o->hold, "releasing") != 0)
        return;
    if (peer_release(o->id) == ERR_OK)
        store_set_hold(s, o->id, "releasing", "released");
    else
        LOG_W("order: %llu: capacity not released yet (the job retries)", (unsigned long long)o->id);
}

void flow_grants(struct svc *s, const struct order *o)
{
    bool give = strcmp(o->grants, "wanted") == 0, revoke = strcmp(o->grants, "revoke") == 0;
    if (!give && !revoke)
        return;
    enum err e = ERR_OK;
    for (int i = 0; i < o->pets && e == ERR_OK; i++)
        e = give ? peer_grant(o->pet_ids[i], o->id, o->provider_id, o->end + 1) : peer_revoke(o->pet_ids[i], o->id);
    if (e == ERR_OK)
        store_set_grants(s, o->id, o->grants, give ? "given" : "none");
}

enum err flow_change(struct svc *s, uint64_t id, const struct change *ch, struct order *out, const char **why)
{
    enum err e = store_change(s, id, ch, out, why);
    if (e == ERR_OK) {
        flow_release(s, out);
        flow_grants(s, out);
    }
    return e;
}
