/* HTTP clients of boarding, pet and media (internal API, service token, request id). */
#include "peers.h"
#include "dates.h"
#include "httpc.h"
#include "ids.h"
#include "log.h"
#include "species.h"
#include "svc.h"

#include <stdio.h>
#include <string.h>

/* longer than boarding's wait for a listing's lock (3 s) plus its transaction */
#define TIMEOUT_MS 8000

static enum err call_within(const char *service, const char *method, const char *path, const json_t *body,
                            long timeout_ms, struct httpc_resp *out)
{
    char url[512];
    snprintf(url, sizeof url, "%s%s", svc_url(service), path);
    enum err e = httpc_request(method, url, body, NULL, timeout_ms, out);
    if (e == ERR_OK && out->status >= 500) {
        LOG_W("order: %s %s answered %ld", method, url, out->status);
        return ERR_UNAVAILABLE;
    }
    return e;
}

static enum err call(const char *service, const char *method, const char *path, const json_t *body,
                     struct httpc_resp *out)
{
    return call_within(service, method, path, body, TIMEOUT_MS, out);
}

/* GET the internal resource prefix<id> of service into *r: ERR_OK when it answered 200 with
 * a JSON object, ERR_NOT_FOUND for 404, ERR_UNAVAILABLE for any other answer or none. The
 * caller frees *r whatever the result. */
static enum err get_object(const char *service, const char *prefix, uint64_t id, struct httpc_resp *r)
{
    char path[96], sid[IDS_STR_LEN];
    snprintf(path, sizeof path, "%s%s", prefix, ids_format(id, sid));
    enum err e = call(service, "GET", path, NULL, r);
    if (e == ERR_OK && r->status == 404)
        e = ERR_NOT_FOUND;
    else if (e == ERR_OK && (r->status != 200 || !json_is_object(r->json)))
        e = ERR_UNAVAILABLE;
    return e;
}

enum err peer_listing(uint64_t id, struct listing_info *out)
{
    struct httpc_resp r;
    enum err e = get_object("boarding", "/internal/v1/listings/", id, &r);
    if (e == ERR_OK) {
        memset(out, 0, sizeof *out);
        ids_parse(json_string_value(json_object_get(r.json, "provider_id")), &out->provider_id);
        snprintf(out->title, sizeof out->title, "%s", json_string_value(json_object_get(r.json, "title")));
        snprintf(out->status, sizeof out->status, "%s", json_string_value(json_object_get(r.json, "status")));
        out->max_weight_kg = json_number_value(json_object_get(r.json, "max_weight_kg"));
        out->price_fen = json_integer_value(json_object_get(r.json, "price_per_night_fen"));
        size_t i;
        json_t *sp;
        json_array_foreach(json_object_get(r.json, "species"), i, sp)
        {
            const char *n = json_string_value(sp);
            out->species_mask |= species_bit(n);
        }
    }
    httpc_resp_free(&r);
    return e;
}

enum err peer_pets(const uint64_t *ids, size_t n, struct pet_info *out)
{
    char path[160] = "/internal/v1/pets?ids=", sid[IDS_STR_LEN];
    for (size_t i = 0; i < n; i++) {
        memset(&out[i], 0, sizeof out[i]);
        snprintf(path + strlen(path), sizeof path - strlen(path), "%s%s", i ? "," : "", ids_format(ids[i], sid));
    }
    struct httpc_resp r;
    enum err e = call("pet", "GET", path, NULL, &r);
    json_t *items = e == ERR_OK && r.status == 200 ? json_object_get(r.json, "items") : NULL;
    if (e == ERR_OK && !json_is_array(items))
        e = ERR_UNAVAILABLE;
    for (size_t i = 0; i < n && e == ERR_OK; i++) {
        json_t *pet = NULL, *it;
        size_t k;
        json_array_foreach(items, k, it)
        {
            uint64_t id = 0;
            if (ids_parse(json_string_value(json_object_get(it, "id")), &id) && id == ids[i])
                pet = it;
        }
        if (!pet) {
            e = ERR_NOT_FOUND;
            break;
        }
        ids_parse(json_string_value(json_object_get(pet, "owner_id")), &out[i].owner_id);
        out[i].species_bit = species_bit(json_string_value(json_object_get(pet, "species")));
        out[i].weight_kg = json_number_value(json_object_get(pet, "weight_kg"));
        out[i].deleted = json_is_true(json_object_get(pet, "deleted"));
        snprintf(out[i].name, sizeof out[i].name, "%s", json_string_value(json_object_get(pet, "name")));
    }
    httpc_resp_free(&r);
    return e;
}

/* Read boarding's answer to a hold or a room check (they answer alike). */
static enum hold_answer hold_answer_of(const struct httpc_resp *r, const char *what, const char *start, char *night)
{
    const json_t *err = json_object_get(r->json, "error");
    const char *code = json_string_value(json_object_get(err, "code"));
    if (r->status == 200)
        return HA_HELD;
    if (r->status == 409 && code && strcmp(code, "fully_booked") == 0) {
        const char *n = json_string_value(json_object_get(json_object_get(err, "fields"), "night"));
        snprintf(night, DATE_STR_LEN, "%s", n ? n : start);
        return HA_FULL;
    }
    if (r->status == 409)
        return HA_NOT_BOOKABLE;
    if (r->status == 404)
        return HA_UNKNOWN_LISTING;
    LOG_E("order: boarding refused %s: %ld %s", what, r->status, r->body);
    return HA_REFUSED;
}

enum err peer_hold(uint64_t order_id, uint64_t listing_id, int32_t start, int32_t end, int pets, enum hold_answer *res,
                   char *night)
{
    char path[96], oid[IDS_STR_LEN], lid[IDS_STR_LEN], sd[DATE_STR_LEN], ed[DATE_STR_LEN], what[64];
    struct httpc_resp r;
    snprintf(path, sizeof path, "/internal/v1/holds/%s", ids_format(order_id, oid));
    json_t *body = json_pack("{s:s,s:s,s:s,s:i}", "listing_id", ids_format(listing_id, lid), "start_date",
                             date_format(start, sd), "end_date", date_format(end, ed), "pets", pets);
    enum err e = call("boarding", "PUT", path, body, &r);
    json_decref(body);
    snprintf(what, sizeof what, "hold %s", oid);
    if (e == ERR_OK)
        *res = hold_answer_of(&r, what, sd, night);
    httpc_resp_free(&r);
    return e;
}

enum err peer_room(uint64_t listing_id, int32_t start, int32_t end, int pets, enum hold_answer *res, char *night)
{
    char path[160], lid[IDS_STR_LEN], sd[DATE_STR_LEN], ed[DATE_STR_LEN], what[64];
    struct httpc_resp r;
    snprintf(path, sizeof path, "/internal/v1/listings/%s/room?start_date=%s&end_date=%s&pets=%d",
             ids_format(listing_id, lid), date_format(start, sd), date_format(end, ed), pets);
    enum err e = call("boarding", "GET", path, NULL, &r);
    snprintf(what, sizeof what, "a room check of listing %s", lid);
    if (e == ERR_OK)
        *res = hold_answer_of(&r, what, sd, night);
    httpc_resp_free(&r);
    return e;
}

enum err peer_release(uint64_t order_id)
{
    char path[96], oid[IDS_STR_LEN];
    struct httpc_resp r;
    snprintf(path, sizeof path, "/internal/v1/holds/%s", ids_format(order_id, oid));
    enum err e = call("boarding", "DELETE", path, NULL, &r);
    if (e == ERR_OK && r.status != 204)
        e = ERR_UNAVAILABLE;
    httpc_resp_free(&r);
    return e;
}

enum err peer_grant(uint64_t pet_id, uint64_t order_id, uint64_t provider_id, int32_t until)
{
    char path[128], pid[IDS_STR_LEN], oid[IDS_STR_LEN], prov[IDS_STR_LEN], u[DATE_STR_LEN];
    struct httpc_resp r;
    snprintf(path, sizeof path, "/internal/v1/pets/%s/grants/%s", ids_format(pet_id, pid), ids_format(order_id, oid));
    json_t *body = json_pack("{s:s,s:s}", "provider_id", ids_format(provider_id, prov), "until_date", date_format(until, u));
    enum err e = call("pet", "PUT", path, body, &r);
    json_decref(body);
    if (e == ERR_OK && r.status != 200 && r.status != 404)
        e = ERR_UNAVAILABLE;
    httpc_resp_free(&r);
    return e;
}

enum err peer_revoke(uint64_t pet_id, uint64_t order_id)
{
    char path[128], pid[IDS_STR_LEN], oid[IDS_STR_LEN];
    struct httpc_resp r;
    snprintf(path, sizeof path, "/internal/v1/pets/%s/grants/%s", ids_format(pet_id, pid), ids_format(order_id, oid));
    enum err e = call("pet", "DELETE", path, NULL, &r);
    if (e == ERR_OK && r.status != 204)
        e = ERR_UNAVAILABLE;
    httpc_resp_free(&r);
    return e;
}
