/* Search over visible listings (search.c): the Redis geo index and the result pages, cached
 * under the search generations the storage bumps on every committed change. */
#ifndef BOARDING_SEARCH_H
#define BOARDING_SEARCH_H

#include "listing.h"
#include "svc.h"

/* Rebuild the geo index from the database (start-up; atomic RENAME). */
enum err store_geo_rebuild(struct svc *s);
/* A search result page, the JSON body {items, next_cursor} gzip-compressed (http_reply_json_gz
 * sends it), through the page cache. */
enum err store_search(struct svc *s, const struct search *q, char **body, size_t *len);

#endif
