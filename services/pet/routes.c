/* HTTP handlers of the pet service: parse and validate, call the store, render. */
#include "routes.h"
#include "dates.h"
#include "ids.h"
#include "log.h"
#include "mediaref.h"
#include "rules.h"
#include "store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const PET_FIELDS[] = {"name",      "species",  "breed",       "birth_date", "age_years", "sex",
                                         "weight_kg", "neutered", "description", "photos",     "care",      NULL};
static const char *const VACCINATION_FIELDS[] = {"name", "given_on", "expires_on", NULL};
static const char *const GRANT_FIELDS[] = {"provider_id", "until_date", NULL};

/* ---------- helpers ---------- */

/* The photos of a body: media ids, read here; checked with the media service (photos_or_reply)
 * once every other field is valid. */
struct photos_in {
    uint64_t *ids; /* malloc'd; NULL when the body has no photos */
    size_t n;
    json_t *stored; /* the stored form, once checked (owned) */
};

static void photos_in_free(struct photos_in *ph)
{
    free(ph->ids);
    json_decref(ph->stored);
}

/* Check the photos of a body with the media service (the caller's own pet photos) and put
 * their stored form in x. On false the reply was sent: 422 naming photos.<i>, or 503. */
static bool photos_or_reply(struct http_req *r, uint64_t owner, struct photos_in *ph, struct pet_patch *x)
{
    json_t *fields = NULL;
    if (!ph->ids)
        return true;
    enum err e = mediaref_resolve(owner, "pet", "photos", ph->ids, ph->n, NULL, &fields);
    if (!mediaref_ok_or_reply(r, e, fields))
        return false;
    if (!(ph->stored = mediaref_ids_json(ph->ids, ph->n))) {
        http_reply_error(r, ERR_NO_MEMORY, NULL, NULL);
        return false;
    }
    x->photos = ph->stored;
    return true;
}

/* Every field of a pet body (pet_read_body); photos go to ph. */
static void read_pet(struct jv *v, struct pet_patch *x, bool create, struct photos_in *ph)
{
    pet_read_body(v, x, create, date_today(), &ph->ids, &ph->n);
}

/* The pet as its reader sees it (photos signed now), replied with status. */
static void reply_pet(struct http_req *r, int status, const struct pet *p, enum pet_view view)
{
    http_reply_json(r, status, pet_json(p, date_today(), time_now_ms() / 1000, view, NULL));
}

/* ?limit= of a list: 1..100, default 20 (a bad value is recorded in v). */
static void read_limit(struct http_req *r, struct jv *v, int64_t *limit)
{
    *limit = 20;
    jv_q_int(v, "limit", http_query(r, "limit"), 0, 1, 100, limit);
}

/* Whether the caller may read pet id of owner: its owner, an admin, or a provider with an
 * active grant. Otherwise 404 (exactly as for a pet that does not exist) is sent. */
static bool may_read_or_reply(struct http_req *r, const struct auth_principal *me, uint64_t id, uint64_t owner)
{
    bool grant = false;
    if (me->role == ROLE_PROVIDER) {
        enum err e = store_grant_active(svc_of(r), id, me->user_id, date_today(), &grant);
        if (e != ERR_OK) {
            svc_reply_err(r, e);
            return false;
        }
    }
    if (pet_may_read(me->role, me->user_id, owner, grant))
        return true;
    svc_reply_err(r, ERR_NOT_FOUND);
    return false;
}

/* Whether pet id is the caller's live pet, decided before its request body is read: another
 * owner's pet and a deleted one are 404, as one that does not exist (the store checks again
 * in its transaction). On false the reply was sent. */
static bool own_pet_or_reply(struct http_req *r, const struct auth_principal *me, uint64_t id)
{
    uint64_t owner = 0;
    char *json = NULL;
    size_t len = 0;
    enum err e = store_pet_json_cached(svc_of(r), id, &owner, &json, &len);
    free(json);
    if (e == ERR_OK && owner != me->user_id)
        e = ERR_NOT_FOUND;
    if (e != ERR_OK)
        svc_reply_err(r, e);
    return e == ERR_OK;
}

/* ---------- /api/v1/pets ---------- */

static void h_create(struct http_req *r)
{
    struct auth_principal me;
    struct jv v = {0};
    struct pet_patch x;
    struct photos_in ph = {0};
    struct pet *p = NULL;
    if (!svc_auth_or_reply(r, ROLE_OWNER, &me))
        goto done;
    if (!http_json_or_reply(r, &v, PET_FIELDS))
        goto done;
    pet_patch_init(&x);
    read_pet(&v, &x, true, &ph);
    if (!http_jv_ok_or_reply(r, &v) || !photos_or_reply(r, me.user_id, &ph, &x))
        goto done;
    if (!(p = malloc(sizeof *p))) {
        http_reply_error(r, ERR_NO_MEMORY, NULL, NULL);
        goto done;
    }
    pet_init(p);
    p->id = ids_next();
    p->owner_id = me.user_id;
    p->created_ms = p->updated_ms = time_now_ms();
    enum err e = pet_apply(p, &x, date_today());
    if (e == ERR_OK)
        e = store_pet_create(svc_of(r), p, pet_app(svc_of(r))->max_pets);
    if (e != ERR_OK) {
        char msg[64];
        snprintf(msg, sizeof msg, "an owner may keep at most %ld pets", pet_app(svc_of(r))->max_pets);
        http_reply_error(r, e, e == ERR_LIMIT_REACHED ? msg : NULL, NULL);
        goto done;
    }
    char loc[64], id[IDS_STR_LEN];
    snprintf(loc, sizeof loc, "/api/v1/pets/%s", ids_format(p->id, id));
    http_header_add(r, "Location", loc);
    LOG_I("pet: %s created by owner %llu", id, (unsigned long long)me.user_id);
    reply_pet(r, 201, p, PET_VIEW_PUBLIC);
done:
    pet_clear(p);
    free(p);
    photos_in_free(&ph);
    jv_free(&v);
}

struct list_ctx {
    json_t *items;
    int32_t today;
    int64_t now_s;
    uint64_t last;
    bool failed;
};

static void add_pet(const struct pet *p, void *arg)
{
    struct list_ctx *l = arg;
    if (json_array_append_new(l->items, pet_json(p, l->today, l->now_s, PET_VIEW_PUBLIC, NULL)) != 0)
        l->failed = true;
    l->last = p->id;
}

/* GET /api/v1/pets?limit=&cursor=: the caller's live pets, newest first. */
static void h_list(struct http_req *r)
{
    struct auth_principal me;
    struct jv v;
    int64_t limit;
    const char *cursor = NULL;
    uint64_t before = UINT64_MAX;
    jv_init(&v);
    if (!svc_auth_or_reply(r, ROLE_OWNER, &me))
        goto done;
    read_limit(r, &v, &limit);
    if (jv_q_str(&v, "cursor", http_query(r, "cursor"), 0, 1, IDS_STR_LEN, &cursor) && !ids_parse(cursor, &before))
        jv_fail(&v, "cursor", "is not a cursor from a previous page");
    if (!http_jv_ok_or_reply(r, &v))
        goto done;
    struct list_ctx l = {json_array(), date_today(), time_now_ms() / 1000, 0, false};
    bool more = false;
    enum err e = store_pets_by_owner(svc_of(r), me.user_id, before, (size_t)limit, add_pet, &l, &more);
    if (e == ERR_OK && (l.failed || !l.items))
        e = ERR_NO_MEMORY;
    char next[IDS_STR_LEN];
    http_reply_page_or_error(r, e, l.items, more ? ids_format(l.last, next) : NULL);
done:
    jv_free(&v);
}

static void h_get(struct http_req *r)
{
    struct auth_principal me;
    uint64_t id, owner = 0;
    char *json = NULL;
    size_t len = 0;
    if (!svc_auth_or_reply(r, ROLE_ANY, &me) || !http_id_param_or_reply(r, "id", &id))
        return;
    enum err e = store_pet_json_cached(svc_of(r), id, &owner, &json, &len);
    if (e != ERR_OK) {
        svc_reply_err(r, e);
        return;
    }
    if (!may_read_or_reply(r, &me, id, owner)) {
        free(json);
        return;
    }
    http_reply_json_text(r, 200, json, len);
}

static void h_patch(struct http_req *r)
{
    struct auth_principal me;
    struct jv v = {0};
    struct pet_patch x;
    struct photos_in ph = {0};
    struct pet *p = NULL;
    uint64_t id;
    if (!svc_auth_or_reply(r, ROLE_OWNER, &me) || !http_id_param_or_reply(r, "id", &id) ||
        !own_pet_or_reply(r, &me, id))
        goto done;
    if (!http_json_or_reply(r, &v, PET_FIELDS))
        goto done;
    pet_patch_init(&x);
    read_pet(&v, &x, false, &ph);
    if (!http_jv_ok_or_reply(r, &v) || !photos_or_reply(r, me.user_id, &ph, &x))
        goto done;
    if (!(p = malloc(sizeof *p))) {
        http_reply_error(r, ERR_NO_MEMORY, NULL, NULL);
        goto done;
    }
    /* another owner's pet and a deleted one are both "not found" */
    enum err e = store_pet_update(svc_of(r), id, me.user_id, &x, p);
    if (e != ERR_OK) {
        svc_reply_err(r, e);
        goto done;
    }
    reply_pet(r, 200, p, PET_VIEW_PUBLIC);
done:
    pet_clear(p);
    free(p);
    photos_in_free(&ph);
    jv_free(&v);
}

static void h_delete(struct http_req *r)
{
    struct auth_principal me;
    uint64_t id;
    if (!svc_auth_or_reply(r, ROLE_OWNER, &me) || !http_id_param_or_reply(r, "id", &id))
        return;
    enum err e = store_pet_delete(svc_of(r), id, me.user_id);
    if (e != ERR_OK) {
        svc_reply_err(r, e);
        return;
    }
    LOG_I("pet: %llu deleted by its owner", (unsigned long long)id);
    http_reply_empty(r, 204);
}

/* ---------- /api/v1/pets/{id}/vaccinations ---------- */

static void h_vaccination_add(struct http_req *r)
{
    struct auth_principal me;
    struct jv v = {0};
    struct pet_vaccination vac;
    const char *name = NULL, *why;
    uint64_t id;
    int32_t today = date_today();
    memset(&vac, 0, sizeof vac);
    if (!svc_auth_or_reply(r, ROLE_OWNER, &me) || !http_id_param_or_reply(r, "id", &id) ||
        !own_pet_or_reply(r, &me, id))
        goto done;
    if (!http_json_or_reply(r, &v, VACCINATION_FIELDS))
        goto done;
    if (jv_str(&v, "name", JV_REQUIRED, 1, PET_VACCINATION_NAME_MAX, &name) && pet_text_blank(name))
        jv_fail(&v, "name", "must not be blank");
    bool given = jv_date(&v, "given_on", JV_REQUIRED, &vac.given_on);
    if (given && (why = pet_given_on_problem(vac.given_on, today)))
        jv_fail(&v, "given_on", why);
    vac.has_expires = jv_date(&v, "expires_on", 0, &vac.expires_on);
    if (vac.has_expires && given && (why = pet_expires_on_problem(vac.given_on, vac.expires_on)))
        jv_fail(&v, "expires_on", why);
    if (!http_jv_ok_or_reply(r, &v))
        goto done;
    vac.id = ids_next();
    vac.pet_id = id;
    vac.created_ms = time_now_ms();
    snprintf(vac.name, sizeof vac.name, "%s", name);
    enum err e = store_vaccination_add(svc_of(r), me.user_id, &vac);
    if (e != ERR_OK) {
        char msg[64];
        snprintf(msg, sizeof msg, "a pet may have at most %d vaccination records", PET_MAX_VACCINATIONS);
        http_reply_error(r, e, e == ERR_LIMIT_REACHED ? msg : NULL, NULL);
        goto done;
    }
    http_reply_json(r, 201, pet_vaccination_json(&vac, today));
done:
    jv_free(&v);
}

struct vlist_ctx {
    json_t *items;
    int32_t today;
    int32_t last_given;
    uint64_t last_id;
};

static void add_vaccination(const struct pet_vaccination *vac, void *arg)
{
    struct vlist_ctx *l = arg;
    json_array_append_new(l->items, pet_vaccination_json(vac, l->today));
    l->last_given = vac->given_on;
    l->last_id = vac->id;
}

/* GET /api/v1/pets/{id}/vaccinations?limit=&cursor=: newest given_on first; readable by
 * whoever may read the pet. */
static void h_vaccination_list(struct http_req *r)
{
    struct auth_principal me;
    struct jv v;
    uint64_t id, owner = 0, after_id = UINT64_MAX;
    int32_t after_given = INT32_MAX;
    int64_t limit;
    const char *cursor = NULL;
    char *json = NULL;
    size_t len = 0;
    jv_init(&v);
    if (!svc_auth_or_reply(r, ROLE_ANY, &me) || !http_id_param_or_reply(r, "id", &id))
        goto done;
    read_limit(r, &v, &limit);
    if (jv_q_str(&v, "cursor", http_query(r, "cursor"), 0, 1, PET_VCURSOR_LEN, &cursor) &&
        !pet_vcursor_parse(cursor, &after_given, &after_id))
        jv_fail(&v, "cursor", "is not a cursor from a previous page");
    if (!http_jv_ok_or_reply(r, &v))
        goto done;
    enum err e = store_pet_json_cached(svc_of(r), id, &owner, &json, &len);
    if (e != ERR_OK) {
        svc_reply_err(r, e);
        goto done;
    }
    if (!may_read_or_reply(r, &me, id, owner))
        goto done;
    struct vlist_ctx l = {json_array(), date_today(), 0, 0};
    bool more = false;
    e = store_vaccinations(svc_of(r), id, after_given, after_id, (size_t)limit, add_vaccination, &l, &more);
    char next[PET_VCURSOR_LEN];
    more = more && e == ERR_OK;
    if (more)
        pet_vcursor_format(l.last_given, l.last_id, next);
    http_reply_page_or_error(r, e, l.items, more ? next : NULL);
done:
    free(json);
    jv_free(&v);
}

static void h_vaccination_delete(struct http_req *r)
{
    struct auth_principal me;
    uint64_t id, vid;
    if (!svc_auth_or_reply(r, ROLE_OWNER, &me) || !http_id_param_or_reply(r, "id", &id) ||
        !http_id_param_or_reply(r, "vid", &vid))
        return;
    enum err e = store_vaccination_delete(svc_of(r), me.user_id, id, vid);
    if (e != ERR_OK) {
        svc_reply_err(r, e);
        return;
    }
    http_reply_empty(r, 204);
}

/* ---------- /internal/v1/pets (the order service) ---------- */

/* GET /internal/v1/pets/{id}: the pet, soft-deleted or not, with "deleted"; read fresh. */
static void h_internal_get(struct http_req *r)
{
    uint64_t id;
    if (!svc_internal_or_reply(r) || !http_id_param_or_reply(r, "id", &id))
        return;
    struct pet *p = malloc(sizeof *p);
    if (!p) {
        http_reply_error(r, ERR_NO_MEMORY, NULL, NULL);
        return;
    }
    enum err e = store_pet_get(svc_of(r), id, p);
    if (e == ERR_OK)
        reply_pet(r, 200, p, PET_VIEW_INTERNAL);
    else
        svc_reply_err(r, e);
    pet_clear(p);
    free(p);
}

static void add_internal(const struct pet *p, void *items)
{
    json_array_append_new(items, pet_json(p, date_today(), time_now_ms() / 1000, PET_VIEW_INTERNAL, NULL));
}

/* GET /internal/v1/pets?ids=<id>,<id>,...: up to PET_MANY_MAX pets in one read (the pets of one
 * booking), as GET /internal/v1/pets/{id} shows each; 200 {items} with the pets found, in id
 * order (an id not found is simply absent). */
static void h_internal_many(struct http_req *r)
{
    struct jv v;
    jv_init(&v);
    const char *list = NULL;
    uint64_t ids[PET_MANY_MAX];
    size_t n = 0;
    if (!svc_internal_or_reply(r))
        goto done;
    if (jv_q_str(&v, "ids", http_query(r, "ids"), JV_REQUIRED, 1, PET_MANY_MAX * IDS_STR_LEN, &list)) {
        for (const char *t = list; t && !jv_failed(&v);) {
            const char *comma = strchr(t, ',');
            size_t len = comma ? (size_t)(comma - t) : strlen(t);
            char one[IDS_STR_LEN];
            if (n == PET_MANY_MAX) {
                jv_fail(&v, "ids", "names more pets than one request takes (4)");
            } else if (len == 0 || len >= sizeof one) {
                jv_fail(&v, "ids", "must be pet ids separated by commas");
            } else {
                memcpy(one, t, len);
                one[len] = '\0';
                if (!ids_parse(one, &ids[n++]))
                    jv_fail(&v, "ids", "must be pet ids separated by commas");
            }
            t = comma ? comma + 1 : NULL;
        }
    }
    if (!http_jv_ok_or_reply(r, &v))
        goto done;
    json_t *items = json_array();
    enum err e = items ? store_pets_get(svc_of(r), ids, n, add_internal, items) : ERR_NO_MEMORY;
    if (e == ERR_OK)
        http_reply_json(r, 200, json_pack("{s:o}", "items", items));
    else {
        json_decref(items);
        svc_reply_err(r, e);
    }
done:
    jv_free(&v);
}

static json_t *grant_json(const struct pet_grant *g)
{
    char pet[IDS_STR_LEN], order[IDS_STR_LEN], provider[IDS_STR_LEN], until[DATE_STR_LEN], created[TIME_STR_LEN],
        updated[TIME_STR_LEN];
    return json_pack("{s:s,s:s,s:s,s:s,s:s,s:s}", "pet_id", ids_format(g->pet_id, pet), "order_id",
                     ids_format(g->order_id, order), "provider_id", ids_format(g->provider_id, provider),
                     "until_date", date_format(g->until_date, until), "created_at",
                     time_format_ms(g->created_ms, created), "updated_at", time_format_ms(g->updated_ms, updated));
}

/* PUT /internal/v1/pets/{id}/grants/{order_id} {provider_id, until_date}: create or update. */
static void h_grant_put(struct http_req *r)
{
    struct jv v = {0};
    uint64_t id, order, provider = 0;
    int32_t until = 0;
    if (!svc_internal_or_reply(r) || !http_id_param_or_reply(r, "id", &id) ||
        !http_id_param_or_reply(r, "order_id", &order))
        goto done;
    if (!http_json_or_reply(r, &v, GRANT_FIELDS))
        goto done;
    jv_id(&v, "provider_id", JV_REQUIRED, &provider);
    jv_date(&v, "until_date", JV_REQUIRED, &until);
    if (!http_jv_ok_or_reply(r, &v))
        goto done;
    struct pet_grant g = {0};
    enum err e = store_grant_put(svc_of(r), id, order, provider, until, &g);
    if (e != ERR_OK) {
        svc_reply_err(r, e);
        goto done;
    }
    char day[DATE_STR_LEN];
    LOG_I("pet: provider %llu may read pet %llu until %s (order %llu)", (unsigned long long)provider,
          (unsigned long long)id, date_format(until, day), (unsigned long long)order);
    http_reply_json(r, 200, grant_json(&g));
done:
    jv_free(&v);
}

/* DELETE /internal/v1/pets/{id}/grants/{order_id}: 204 whether or not it existed. */
static void h_grant_delete(struct http_req *r)
{
    uint64_t id, order;
    if (!svc_internal_or_reply(r) || !http_id_param_or_reply(r, "id", &id) ||
        !http_id_param_or_reply(r, "order_id", &order))
        return;
    enum err e = store_grant_delete(svc_of(r), id, order);
    if (e != ERR_OK) {
        svc_reply_err(r, e);
        return;
    }
    LOG_I("pet: grant of order %llu on pet %llu removed", (unsigned long long)order, (unsigned long long)id);
    http_reply_empty(r, 204);
}

void pet_routes(struct svc *s)
{
    svc_route(s, "POST", "/api/v1/pets", h_create);
    svc_route(s, "GET", "/api/v1/pets", h_list);
    svc_route(s, "GET", "/api/v1/pets/{id}", h_get);
    svc_route(s, "PATCH", "/api/v1/pets/{id}", h_patch);
    svc_route(s, "DELETE", "/api/v1/pets/{id}", h_delete);
    svc_route(s, "POST", "/api/v1/pets/{id}/vaccinations", h_vaccination_add);
    svc_route(s, "GET", "/api/v1/pets/{id}/vaccinations", h_vaccination_list);
    svc_route(s, "DELETE", "/api/v1/pets/{id}/vaccinations/{vid}", h_vaccination_delete);
    svc_route(s, "GET", "/internal/v1/pets", h_internal_many);
    svc_route(s, "GET", "/internal/v1/pets/{id}", h_internal_get);
    svc_route(s, "PUT", "/internal/v1/pets/{id}/grants/{order_id}", h_grant_put);
    svc_route(s, "DELETE", "/internal/v1/pets/{id}/grants/{order_id}", h_grant_delete);
}
