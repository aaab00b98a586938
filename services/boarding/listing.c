/* Listing rules: status machine, species, JSON shape, search parameters and cursors. */
#include "listing.h"
#include "dates.h"
#include "ids.h"
#include "mediaref.h"

#include <math.h>
#include <stddef.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const LISTING_STATUS_NAMES[] = {"pending_review", "published", "rejected", "paused", NULL};
const char *const SORT_NAMES[] = {"rating", "price_asc", "price_desc", "distance", NULL};

int listing_status_parse(const char *s)
{
    for (int i = 0; s && LISTING_STATUS_NAMES[i]; i++)
        if (strcmp(s, LISTING_STATUS_NAMES[i]) == 0)
            return i;
    return -1;
}

enum err listing_transition(enum listing_status from, enum listing_event ev, enum listing_status *to)
{
    switch (ev) {
    case LE_APPROVE:
    case LE_REJECT:
        if (from != LS_PENDING_REVIEW)
            return ERR_CONFLICT;
        *to = ev == LE_APPROVE ? LS_PUBLISHED : LS_REJECTED;
        return ERR_OK;
    case LE_EDIT_TEXT:
        *to = LS_PENDING_REVIEW;
        return ERR_OK;
    case LE_PAUSE:
        if (from != LS_PUBLISHED)
            return ERR_CONFLICT;
        *to = LS_PAUSED;
        return ERR_OK;
    case LE_RESUME:
        if (from != LS_PAUSED)
            return ERR_CONFLICT;
        *to = LS_PUBLISHED;
        return ERR_OK;
    }
    return ERR_CONFLICT;
}

json_t *species_json(unsigned mask)
{
    json_t *a = json_array();
    for (unsigned i = 0; SPECIES_NAMES[i]; i++)
        if (mask & (1u << i))
            json_array_append_new(a, json_string(SPECIES_NAMES[i]));
    return a;
}

void listing_clear(struct listing *l)
{
    free(l->description);
    free(l->address);
    free(l->amenities_json);
    free(l->house_rules);
    free(l->photos_json);
    l->description = l->address = l->amenities_json = l->house_rules = l->photos_json = NULL;
}

bool listing_visible(const struct listing *l) { return l->status == LS_PUBLISHED && !l->provider_suspended; }

/* A stored JSON array, or [] when absent or unreadable. */
static json_t *array_or_empty(const char *s)
{
    json_t *a = s ? json_loads(s, 0, NULL) : NULL;
    if (!json_is_array(a)) {
        json_decref(a);
        a = json_array();
    }
    return a;
}

/* The stored photos as photo objects: listings store public photos as media resolved them
 * (rendered as is) or legacy URL strings; there is never a private id to sign here. */
static json_t *photos_json(const char *stored)
{
    json_t *a = array_or_empty(stored);
    json_t *out = mediaref_render(a, 0, NULL);
    json_decref(a);
    return out ? out : json_array();
}

json_t *listing_json(const struct listing *l, bool with_private)
{
    char id[IDS_STR_LEN], pid[IDS_STR_LEN], created[TIME_STR_LEN], updated[TIME_STR_LEN];
    json_t *avg = l->rating_count > 0
                      ? json_real((double)llround((double)l->rating_sum * 100.0 / (double)l->rating_count) / 100.0)
                      : json_null();
    json_t *o = json_pack(
        "{s:s,s:s,s:s,s:s,s:s,s:s,s:f,s:f,s:o,s:f,s:i,s:I,s:s,s:{s:i,s:o,s:f},s:s,s:s}", "id", ids_format(l->id, id),
        "provider_id", ids_format(l->provider_id, pid), "status",
        l->provider_suspended && l->status == LS_PUBLISHED ? "suspended" : LISTING_STATUS_NAMES[l->status], "title",
        l->title, "city", l->city, "district", l->district, "lat", l->lat, "lng", l->lng, "species",
        species_json(l->species_mask), "max_weight_kg", l->max_weight_kg, "capacity", l->capacity,
        "price_per_night_fen", (json_int_t)l->price_fen, "currency", "CNY", "rating", "count", (int)l->rating_count,
        "average", avg, "score", (double)l->rating_score_milli / 1000.0, "created_at",
        time_format_ms(l->created_ms, created), "updated_at", time_format_ms(l->updated_ms, updated));
    if (!o)
        return NULL;
    if (l->description) {
        json_object_set_new(o, "description", json_string(l->description));
        json_object_set_new(o, "address", json_string(l->address ? l->address : ""));
        json_object_set_new(o, "amenities", array_or_empty(l->amenities_json));
        json_object_set_new(o, "house_rules", json_string(l->house_rules ? l->house_rules : ""));
        json_object_set_new(o, "photos", photos_json(l->photos_json));
    }
    if (with_private) {
        char submitted[TIME_STR_LEN];
        json_object_set_new(o, "status_reason", l->status_reason[0] ? json_string(l->status_reason) : json_null());
        json_object_set_new(o, "submitted_at", json_string(time_format_ms(l->submitted_ms, submitted)));
    }
    return o;
}

/* ---------- search ---------- */

/* Split q into words on ASCII spaces and U+3000; each word 1..20 characters. */
static void parse_words(struct jv *v, struct search *q, const char *s)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", s);
    for (char *p = strstr(buf, "\xe3\x80\x80"); p; p = strstr(p, "\xe3\x80\x80"))
        memcpy(p, "   ", 3);
    char *save = NULL;
    for (char *w = strtok_r(buf, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
        long n = utf8_count(w, strlen(w));
        if (q->nwords == SEARCH_MAX_WORDS) {
            jv_fail(v, "q", "at most 5 words");
            return;
        }
        if (n < 1 || n > SEARCH_WORD_MAX_CHARS) {
            jv_fail(v, "q", "words must be 1 to 20 characters");
            return;
        }
        snprintf(q->words[q->nwords++], sizeof q->words[0], "%s", w);
    }
}

void search_parse(struct jv *v, struct search *q, int32_t today, const struct search_params *p)
{
    const char *s;
    int idx;
    int64_t n;
    double d;
    memset(q, 0, sizeof *q);
    q->pets = 1;
    q->limit = 20;
    if (jv_q_str(v, "city", p->city, 0, 1, 20, &s))
        snprintf(q->city, sizeof q->city, "%s", s);
    if (jv_q_str(v, "district", p->district, 0, 1, 20, &s))
        snprintf(q->district, sizeof q->district, "%s", s);
    if (p->district && !p->city)
        jv_fail(v, "district", "requires city");
    if (jv_q_enum(v, "species", p->species, 0, SPECIES_NAMES, &idx))
        q->species_mask = 1u << idx;
    q->has_min_price = jv_q_int(v, "min_price_fen", p->min_price_fen, 0, 0, LISTING_MAX_PRICE_FEN, &q->min_price);
    q->has_max_price = jv_q_int(v, "max_price_fen", p->max_price_fen, 0, 0, LISTING_MAX_PRICE_FEN, &q->max_price);
    if (q->has_min_price && q->has_max_price && q->max_price < q->min_price)
        jv_fail(v, "max_price_fen", "must not be below min_price_fen");
    bool hs = jv_q_date(v, "start_date", p->start_date, 0, &q->start);
    bool he = jv_q_date(v, "end_date", p->end_date, 0, &q->end);
    if ((p->start_date != NULL) != (p->end_date != NULL))
        jv_fail(v, p->start_date ? "end_date" : "start_date", "start_date and end_date go together");
    if (hs && he) {
        q->has_dates = true;
        if (q->start < today)
            jv_fail(v, "start_date", "must be today or later");
        else if (q->end <= q->start)
            jv_fail(v, "end_date", "must be after start_date");
        else if (q->end - q->start > SEARCH_MAX_NIGHTS)
            jv_fail(v, "end_date", "a stay is at most 60 nights");
        else if (q->end > today + 366)
            jv_fail(v, "end_date", "must be within a year");
    }
    if (jv_q_int(v, "pets", p->pets, 0, 1, 10, &n))
        q->pets = (int)n;
    if (p->near) {
        char buf[96], *comma;
        snprintf(buf, sizeof buf, "%s", p->near);
        comma = strchr(buf, ',');
        if (!comma) {
            jv_fail(v, "near", "must be lat,lng");
        } else {
            *comma = 0;
            bool ok = jv_q_num(v, "near", buf, 0, -90, 90, &q->lat);
            if (ok && jv_q_num(v, "near", comma + 1, 0, -180, 180, &q->lng))
                q->has_near = true;
        }
        q->radius_km = 10;
    }
    if (jv_q_num(v, "radius_km", p->radius_km, 0, 0.1, SEARCH_MAX_RADIUS_KM, &d)) {
        if (!p->near)
            jv_fail(v, "radius_km", "requires near");
        q->radius_km = d;
    }
    if (jv_q_num(v, "min_rating", p->min_rating, 0, 0, 5, &d)) {
        q->has_min_rating = true;
        q->min_rating_milli = (int)lround(d * 1000);
    }
    if (jv_q_str(v, "q", p->words, 0, 1, 50, &s))
        parse_words(v, q, s);
    q->sort = p->near ? SORT_DISTANCE : SORT_RATING;
    if (jv_q_enum(v, "sort", p->sort, 0, SORT_NAMES, &idx)) {
        q->sort = (enum search_sort)idx;
        if (q->sort == SORT_DISTANCE && !p->near)
            jv_fail(v, "sort", "distance requires near");
    }
    if (jv_q_int(v, "limit", p->limit, 0, 1, 100, &n))
        q->limit = (int)n;
    if (p->cursor) {
        if (!search_cursor_decode(p->cursor, q->sort, &q->cursor_key, &q->cursor_id))
            jv_fail(v, "cursor", "is not a cursor of this search");
        else
            q->has_cursor = true;
    }
}

void search_canonical(const struct search *q, char *buf, size_t cap)
{
    size_t n = 0;
#define ADD(...)                                                                                                  \
    do {                                                                                                        \
        if (n < cap)                                                                                            \
            n += (size_t)snprintf(buf + n, cap - n, __VA_ARGS__);                                               \
    } while (0)
    ADD("c=%s|d=%s|s=%u|p=%d|", q->city, q->district, q->species_mask, q->pets);
    if (q->has_min_price)
        ADD("min=%lld|", (long long)q->min_price);
    if (q->has_max_price)
        ADD("max=%lld|", (long long)q->max_price);
    if (q->has_dates)
        ADD("dates=%d-%d|", (int)q->start, (int)q->end);
    if (q->has_near)
        ADD("near=%.6f,%.6f,%.3f|", q->lat, q->lng, q->radius_km);
    if (q->has_min_rating)
        ADD("r=%d|", q->min_rating_milli);
    for (int i = 0; i < q->nwords; i++)
        ADD("w=%s|", q->words[i]);
    ADD("sort=%d|limit=%d", (int)q->sort, q->limit);
    if (q->has_cursor)
        ADD("|cur=%lld.%llu", (long long)q->cursor_key, (unsigned long long)q->cursor_id);
#undef ADD
}

static const char SORT_TAGS[] = "rpqd"; /* rating, price_asc, price_desc, distance */

void search_cursor_encode(enum search_sort sort, int64_t key, uint64_t id, char *buf, size_t cap)
{
    char raw[64];
    int n = snprintf(raw, sizeof raw, "%c%lld.%llu", SORT_TAGS[sort], (long long)key, (unsigned long long)id);
    sodium_bin2base64(buf, cap, (const unsigned char *)raw, (size_t)n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

bool search_cursor_decode(const char *s, enum search_sort sort, int64_t *key, uint64_t *id)
{
    unsigned char raw[64];
    size_t len = 0;
    if (!s || strlen(s) > 80 ||
        sodium_base642bin(raw, sizeof raw - 1, s, strlen(s), NULL, &len, NULL, sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0)
        return false;
    raw[len] = 0;
    if (len < 4 || raw[0] != (unsigned char)SORT_TAGS[sort])
        return false;
    char *dot = strchr((char *)raw + 1, '.');
    if (!dot)
        return false;
    *dot = 0;
    char *end;
    long long k = strtoll((char *)raw + 1, &end, 10);
    if (*end || end == (char *)raw + 1)
        return false;
    if (!ids_parse(dot + 1, id))
        return false;
    *key = k;
    return true;
}

bool like_escape(const char *in, char *out, size_t cap)
{
    size_t o = 0;
    for (const char *p = in; *p; p++) {
        if (o + 3 > cap)
            return false;
        if (*p == '\\' || *p == '%' || *p == '_')
            out[o++] = '\\';
        out[o++] = *p;
    }
    if (o + 1 > cap)
        return false;
    out[o] = 0;
    return true;
}

/* ---------- the body of a create or an edit ---------- */

const char *const LISTING_BODY_FIELDS[] = {"title", "description", "city", "district", "address", "lat", "lng",
                                           "species", "max_weight_kg", "capacity", "price_per_night_fen",
                                           "amenities", "house_rules", "photos", "status", NULL};

void listing_read_fields(struct jv *v, bool create, struct listing_fields *f)
{
    static const char *const STATUSES[] = {"published", "paused", NULL};
    unsigned req = create ? JV_REQUIRED : 0;
    json_t *arr = NULL;
    int64_t n;
    double d;
    int st;
    memset(f, 0, sizeof *f);
    f->p.max_weight_kg = -1;
    f->p.capacity = -1;
    f->p.price_fen = -1;
    f->p.status = -1;
    jv_str(v, "title", req, 2, 60, &f->p.title);
    jv_str(v, "description", req | JV_MULTILINE, 10, 2000, &f->p.description);
    jv_str(v, "city", req, 1, 20, &f->p.city);
    jv_str(v, "district", req, 1, 20, &f->p.district);
    jv_str(v, "address", req, 1, 200, &f->p.address);
    bool has_lat = jv_num(v, "lat", req, -90, 90, &f->p.lat), has_lng = jv_num(v, "lng", req, -180, 180, &f->p.lng);
    f->p.has_location = has_lat && has_lng;
    if (!create && has_lat != has_lng && !jv_failed(v))
        jv_fail(v, has_lat ? "lng" : "lat", "lat and lng change together");
    if (jv_str_array(v, "species", req, 1, 3, 10, &arr)) {
        size_t i;
        json_t *it;
        json_array_foreach(arr, i, it)
        {
            unsigned bit = species_bit(json_string_value(it));
            if (!bit)
                jv_fail(v, "species", "items must be dog, cat or other");
            f->p.species_mask |= bit;
        }
    }
    if (jv_num(v, "max_weight_kg", req, 0.5, 150, &d))
        f->p.max_weight_kg = d;
    if (jv_int(v, "capacity", req, 1, LISTING_MAX_CAPACITY, &n))
        f->p.capacity = (int)n;
    if (jv_int(v, "price_per_night_fen", req, 100, LISTING_MAX_PRICE_FEN, &n))
        f->p.price_fen = n;
    if (jv_str_array(v, "amenities", 0, 0, 20, 20, &arr))
        f->amenities = json_dumps(arr, JSON_COMPACT);
    jv_str(v, "house_rules", JV_MULTILINE, 0, 2000, &f->p.house_rules);
    jv_id_array(v, "photos", 0, 0, LISTING_MAX_PHOTOS, &f->photo_ids, &f->nphotos);
    if (jv_enum(v, "status", 0, STATUSES, &st)) {
        if (create)
            jv_fail(v, "status", "is set by review, not by the provider");
        f->p.status = st == 0 ? LS_PUBLISHED : LS_PAUSED;
    }
    f->p.amenities_json = f->amenities;
}

void listing_fields_free(struct listing_fields *f)
{
    free(f->amenities);
    free(f->photos);
    free(f->photo_ids);
}

void search_params_read(struct search_params *p, const char *(*get)(void *ctx, const char *name), void *ctx)
{
    static const struct {
        const char *name;
        size_t off;
    } NAMES[] = {
#define P(f, n) {n, offsetof(struct search_params, f)}
        P(city, "city"),
        P(district, "district"),
        P(species, "species"),
        P(min_price_fen, "min_price_fen"),
        P(max_price_fen, "max_price_fen"),
        P(start_date, "start_date"),
        P(end_date, "end_date"),
        P(pets, "pets"),
        P(near, "near"),
        P(radius_km, "radius_km"),
        P(min_rating, "min_rating"),
        P(words, "q"),
        P(sort, "sort"),
        P(limit, "limit"),
        P(cursor, "cursor"),
#undef P
    };
    for (size_t i = 0; i < sizeof NAMES / sizeof NAMES[0]; i++)
        *(const char **)(void *)((char *)p + NAMES[i].off) = get(ctx, NAMES[i].name);
}
