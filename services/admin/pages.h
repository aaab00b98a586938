/* The pages the admin service lists from other services' internal lists, shaped for the
 * admin API. Pure (no I/O): unit-tested in tests/unit/test_admin_pages.c. */
#ifndef ADMIN_PAGES_H
#define ADMIN_PAGES_H

#include <jansson.h>

/* The fields of an account in GET /api/v1/admin/users, in this order. */
extern const char *const PAGES_USER_FIELDS[]; /* NULL-terminated */

/* An admin's page of accounts from a page of the user service's internal view (borrowed):
 * each item reduced to PAGES_USER_FIELDS, a field the account lacks (status_reason of an
 * active account, phone, email) as null. A new array, or NULL when an item is not an object
 * or on no memory. */
json_t *pages_users(const json_t *items);

#endif
