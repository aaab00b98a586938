/* Private to the boarding storage files (store.c: listings and caches, nights.c: nights and
 * holds, search.c: search and the geo index): the listing columns, the Redis keys they share
 * and the helpers each of them uses. */
#ifndef BOARDING_STORE_PRIV_H
#define BOARDING_STORE_PRIV_H

#include "store.h"

/* The columns of a listing row (l: listing), and of its detail (d: listing_detail). */
#define LISTING_COLS                                                                                         \
    "l.id, l.provider_id, l.status, l.provider_suspended, l.title, l.city, l.district, l.lat, l.lng, "     \
    "l.species_mask, l.max_weight_kg, l.capacity, l.price_per_night_fen, l.rating_count, l.rating_sum, "   \
    "l.rating_score_milli, l.status_reason, l.created_ms, l.updated_ms, l.submitted_ms"
#define DETAIL_COLS "d.description, d.address, d.amenities, d.house_rules, d.photos"
#define NCOLS 20

/* The Redis geo set of visible listings (lng, lat by id). */
#define GEO_KEY "pb:listing:geo"

/* The key of the search generation counter of content changes, of one city or of all cities
 * (city NULL). */
void key_generation(char *buf, size_t cap, const char *city);
/* The key of the availability generation of one week of nights (AVAIL_WEEK of a day), of one
 * city or of all cities (city NULL). A change of nights bumps the weeks it touches; a dated
 * search reads the weeks it covers, so bookings elsewhere in the calendar keep its page. */
#define AVAIL_WEEK(day) ((day) / 7)
void key_avail_week(char *buf, size_t cap, const char *city, int32_t week);
/* Bump the content generations of all cities and of the given ones (city_b may be NULL),
 * durably; a failure is logged (the pages expire by TTL). */
void bump_generations(struct svc *s, const char *city_a, const char *city_b);

/* Row i of LISTING_COLS (then DETAIL_COLS when detail) into *l (detail strings owned). */
void row_to_listing(const struct db_rows *r, size_t i, bool detail, struct listing *l);
/* Read one listing on c (with its detail when detail or lock; FOR UPDATE when lock).
 * ERR_NOT_FOUND if absent. */
enum err listing_get_on(struct db_conn *c, uint64_t id, bool detail, bool lock, struct listing *out);

/* A statement assembled from constant fragments (never values: those are bound). */
struct sqlb {
    char buf[8192];
    size_t n;
    bool overflow;
};

/* Append a constant fragment of SQL to b (never a value: values are bound); a fragment that
 * does not fit sets b->overflow instead, and the caller refuses the statement. */
void sql_add(struct sqlb *b, const char *frag);

#endif
