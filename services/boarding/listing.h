/* Pure rules of the boarding service: the listing record and its JSON, the listing status
 * machine, species sets, search parameters with their validation, canonical form (the cache
 * key) and keyset cursors. No I/O: unit-tested in tests/unit/test_boarding_listing.c. */
#ifndef BOARDING_LISTING_H
#define BOARDING_LISTING_H

#include "errors.h"
#include "jv.h"
#include "species.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum listing_status { LS_PENDING_REVIEW = 0, LS_PUBLISHED, LS_REJECTED, LS_PAUSED, LS__COUNT };
extern const char *const LISTING_STATUS_NAMES[]; /* NULL-terminated */
int listing_status_parse(const char *s);

/* What can happen to a listing. */
enum listing_event {
    LE_APPROVE,   /* admin: pending_review -> published */
    LE_REJECT,    /* admin: pending_review -> rejected */
    LE_EDIT_TEXT, /* provider changed text: back to review (from any status) */
    LE_PAUSE,     /* provider: published -> paused */
    LE_RESUME,    /* provider: paused -> published (no new review: the text is unchanged) */
};
/* The status after an event, or ERR_CONFLICT when it does not apply. */
enum err listing_transition(enum listing_status from, enum listing_event ev, enum listing_status *to);

/* SPECIES_NAMES and species_bit: lib/species.h */
/* The names of a mask as a JSON array, in canonical order. */
json_t *species_json(unsigned mask);

#define LISTING_MAX_PER_PROVIDER_DEFAULT 50 /* listings per provider (PB_LISTING_MAX_PER_PROVIDER; 422 beyond) */
#define LISTING_MAX_CAPACITY 50
#define LISTING_MAX_PHOTOS 20 /* media ids (purpose listing, the provider's own) */
#define LISTING_MAX_PRICE_FEN 10000000LL

struct listing {
    uint64_t id, provider_id;
    enum listing_status status;
    bool provider_suspended;
    char title[60 * 4 + 1];
    char city[20 * 4 + 1];
    char district[20 * 4 + 1];
    double lat, lng;
    unsigned species_mask;
    double max_weight_kg;
    int capacity;
    int64_t price_fen;
    long rating_count, rating_sum, rating_score_milli;
    char status_reason[500 * 4 + 1];
    int64_t created_ms, updated_ms, submitted_ms;
    /* the vertically split detail (owned; NULL when not loaded); photos_json is the stored
     * photos (lib/mediaref.h): the public {id, url, thumb_url} media resolved, or URL strings
     * attached before photos were media ids */
    char *description, *address, *amenities_json, *house_rules, *photos_json;
};

void listing_clear(struct listing *l);
/* Visible to everyone: published and its provider not suspended. */
bool listing_visible(const struct listing *l);
/* The API shape of a listing (a new reference), photos as photo objects (public URLs, stored
 * as resolved: nothing to sign). with_private adds status_reason and submitted_at (for its
 * provider and admins). */
json_t *listing_json(const struct listing *l, bool with_private);

/* ---- the body of a create or an edit ---- */
/* What an edit changes; the stores apply it. */
struct listing_patch {
    const char *title, *description, *city, *district, *address, *house_rules;
    const char *amenities_json, *photos_json; /* serialized, validated arrays */
    bool has_location;
    double lat, lng;
    unsigned species_mask;                    /* 0: untouched */
    double max_weight_kg;                     /* <0: untouched */
    int capacity;                             /* <0: untouched */
    int64_t price_fen;                        /* <0: untouched */
    int status;                               /* <0: untouched; LS_PAUSED or LS_PUBLISHED */
};

/* A listing body as read: the patch (strings borrowed from the jv) and what it owns. */
struct listing_fields {
    struct listing_patch p;
    char *amenities, *photos; /* owned serializations */
    uint64_t *photo_ids;      /* the media ids of "photos" (malloc'd), NULL when not given */
    size_t nphotos;
};

/* The fields a listing body may have (NULL-terminated; others are 422 "unknown field"). */
extern const char *const LISTING_BODY_FIELDS[];
/* Read the listing fields of a create (all required but the lists and rules) or an edit into
 * f, recording every problem in v. Release f with listing_fields_free whatever v says. */
void listing_read_fields(struct jv *v, bool create, struct listing_fields *f);
void listing_fields_free(struct listing_fields *f);


enum search_sort { SORT_RATING = 0, SORT_PRICE_ASC, SORT_PRICE_DESC, SORT_DISTANCE };
extern const char *const SORT_NAMES[];

#define SEARCH_MAX_WORDS 5
#define SEARCH_WORD_MAX_CHARS 20                       /* characters of one word of q */
#define SEARCH_WORD_CAP (SEARCH_WORD_MAX_CHARS * 4 + 1) /* its bytes: UTF-8 and a NUL */
#define SEARCH_MAX_NIGHTS 60
#define SEARCH_MAX_RADIUS_KM 100.0

struct search {
    char city[20 * 4 + 1], district[20 * 4 + 1];
    unsigned species_mask;              /* 0: any */
    bool has_min_price, has_max_price;
    int64_t min_price, max_price;
    bool has_dates;
    int32_t start, end;                 /* nights start..end-1 */
    int pets;
    bool has_near;
    double lat, lng, radius_km;
    bool has_min_rating;
    int min_rating_milli;               /* compared with rating_score_milli */
    int nwords;
    char words[SEARCH_MAX_WORDS][SEARCH_WORD_CAP];
    enum search_sort sort;
    int limit;
    bool has_cursor;
    int64_t cursor_key;                 /* price, score, or distance in decimetres */
    uint64_t cursor_id;
};

/* The query-string values of a search as given (borrowed; NULL: absent), named after their
 * parameters (words is q). */
struct search_params {
    const char *city, *district, *species, *min_price_fen, *max_price_fen, *start_date, *end_date, *pets, *near,
        *radius_km, *min_rating, *words, *sort, *limit, *cursor;
};

/* Fill q from the query-string values in p, recording every problem in v (422 naming the
 * field). today is the current day number. */
void search_parse(struct jv *v, struct search *q, int32_t today, const struct search_params *p);
/* Fill p with every search parameter by its query-string name (q, city, ...): get(ctx, name)
 * gives the decoded value or NULL. */
void search_params_read(struct search_params *p, const char *(*get)(void *ctx, const char *name), void *ctx);

/* A canonical text of everything that decides a result page (filters, sort, limit, cursor),
 * so equal queries written differently share one cache entry. */
void search_canonical(const struct search *q, char *buf, size_t cap);

/* Keyset cursors: opaque strings bound to the sort they were made for. */
void search_cursor_encode(enum search_sort sort, int64_t key, uint64_t id, char *buf, size_t cap);
bool search_cursor_decode(const char *s, enum search_sort sort, int64_t *key, uint64_t *id);

/* Escape LIKE metacharacters (\ % _) with a backslash; false if it does not fit. */
bool like_escape(const char *in, char *out, size_t cap);

#endif
