/* Shaping of the admin's lists of accounts. */
#include "pages.h"

const char *const PAGES_USER_FIELDS[] = {"id",           "username", "role",  "status",     "status_reason",
                                         "display_name", "phone",    "email", "created_at", NULL};

/* One account reduced to PAGES_USER_FIELDS (a new object), or NULL. */
static json_t *user_item(const json_t *account)
{
    if (!json_is_object(account))
        return NULL;
    json_t *o = json_object();
    for (size_t i = 0; o && PAGES_USER_FIELDS[i]; i++) {
        json_t *v = json_object_get(account, PAGES_USER_FIELDS[i]);
        if (json_object_set_new(o, PAGES_USER_FIELDS[i], v ? json_incref(v) : json_null()) != 0) {
            json_decref(o);
            o = NULL;
        }
    }
    return o;
}

json_t *pages_users(const json_t *items)
{
    json_t *out = json_array();
    size_t i;
    const json_t *it;
    json_array_foreach(items, i, it)
    {
        json_t *u = out ? user_item(it) : NULL;
        if (!u || json_array_append_new(out, u) != 0) {
            json_decref(out);
            return NULL;
        }
    }
    return out;
}
