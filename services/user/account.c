/* Account validation, login keys and the status state machine. */
#include "account.h"
#include "dates.h"
#include "ids.h"
#include "jv.h"
#include "mediaurl.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

const char *const ACCOUNT_STATUS_NAMES[] = {"active", "pending_review", "rejected", "suspended", NULL};
const char *const ACCOUNT_ACTION_NAMES[] = {"approve", "reject", "suspend", "reinstate", NULL};

static int find(const char *const *names, const char *s)
{
    for (int i = 0; s && names[i]; i++)
        if (strcmp(names[i], s) == 0)
            return i;
    return -1;
}

int account_status_parse(const char *s) { return find(ACCOUNT_STATUS_NAMES, s); }
int account_action_parse(const char *s) { return find(ACCOUNT_ACTION_NAMES, s); }

const char *account_username_problem(const char *u)
{
    long n = utf8_count(u, strlen(u));
    if (n < 0)
        return "must be valid UTF-8";
    if (n < 3 || n > 32)
        return "must be 3 to 32 characters";
    for (const unsigned char *p = (const unsigned char *)u; *p; p++)
        if (*p <= 0x20 || *p == 0x7F)
            return "must not contain spaces or control characters";
    /* U+3000 IDEOGRAPHIC SPACE is whitespace too, and common in Chinese input */
    if (strstr(u, "\xe3\x80\x80"))
        return "must not contain spaces or control characters";
    return NULL;
}

const char *account_password_problem(const char *pw, const char *username)
{
    long n = utf8_count(pw, strlen(pw));
    if (n < 0)
        return "must be valid UTF-8";
    if (n < 8)
        return "must be at least 8 characters";
    if (n > 128)
        return "must be at most 128 characters";
    if (username && strcmp(pw, username) == 0)
        return "must differ from the username";
    return NULL;
}

const char *account_phone_problem(const char *p)
{
    const char *d = p[0] == '+' ? p + 1 : p;
    size_t n = strlen(d);
    if (n < 6 || n > 15)
        return "must be 6 to 15 digits, optionally after +";
    for (size_t i = 0; i < n; i++)
        if (!isdigit((unsigned char)d[i]))
            return "must be 6 to 15 digits, optionally after +";
    return NULL;
}

const char *account_email_problem(const char *e)
{
    size_t n = strlen(e);
    const char *at = strchr(e, '@');
    if (n < 6 || n > 254 || !at || at == e || strchr(at + 1, '@') || (size_t)(at - e) > 64)
        return "must be a valid email address";
    const char *dot = strrchr(at + 1, '.');
    if (!dot || dot == at + 1 || dot[1] == 0)
        return "must be a valid email address";
    for (const unsigned char *p = (const unsigned char *)e; *p; p++)
        if (*p <= 0x20 || *p == 0x7F || *p == '<' || *p == '>' || *p == ',' || *p == ';')
            return "must be a valid email address";
    return NULL;
}

bool account_login_key(enum login_kind kind, const char *value, char *buf, size_t cap)
{
    int n = snprintf(buf, cap, "%c:%s", (char)kind, value);
    if (n < 0 || (size_t)n >= cap)
        return false;
    if (kind != LOGIN_PHONE)
        for (char *p = buf + 2; *p; p++)
            if (*p >= 'A' && *p <= 'Z')
                *p = (char)(*p - 'A' + 'a');
    return true;
}

bool account_search_keys(const char *q, char *like, size_t like_cap, char *exact, size_t exact_cap)
{
    char key[4 * 254 + 8];
    if (!account_login_key(LOGIN_USERNAME, q, key, sizeof key))
        return false;
    size_t o = 0;
    for (const char *p = key; *p; p++) {
        if (p >= key + 2 && (*p == '%' || *p == '_' || *p == '!')) {
            if (o + 1 >= like_cap)
                return false;
            like[o++] = '!';
        }
        if (o + 1 >= like_cap)
            return false;
        like[o++] = *p;
    }
    if (o + 2 > like_cap)
        return false;
    like[o++] = '%';
    like[o] = 0;
    if (!account_phone_problem(q))
        return account_login_key(LOGIN_PHONE, q, exact, exact_cap);
    if (!account_email_problem(q))
        return account_login_key(LOGIN_EMAIL, q, exact, exact_cap);
    if (exact_cap < 1)
        return false;
    exact[0] = 0;
    return true;
}

enum err account_transition(enum role role, enum account_status from, enum account_status before,
                            enum account_action action, enum account_status *to)
{
    if (role == ROLE_ADMIN)
        return ERR_FORBIDDEN;
    switch (action) {
    case ACT_APPROVE:
        if (role != ROLE_PROVIDER || (from != ST_PENDING_REVIEW && from != ST_REJECTED))
            return ERR_CONFLICT;
        *to = ST_ACTIVE;
        return ERR_OK;
    case ACT_REJECT:
        if (role != ROLE_PROVIDER || from != ST_PENDING_REVIEW)
            return ERR_CONFLICT;
        *to = ST_REJECTED;
        return ERR_OK;
    case ACT_SUSPEND:
        if (from == ST_SUSPENDED)
            return ERR_CONFLICT;
        *to = ST_SUSPENDED;
        return ERR_OK;
    case ACT_REINSTATE:
        if (from != ST_SUSPENDED)
            return ERR_CONFLICT;
        *to = before == ST_SUSPENDED || (unsigned)before >= ST__COUNT ? ST_ACTIVE : before;
        return ERR_OK;
    default:
        return ERR_CONFLICT;
    }
}

enum err account_verification_submit(enum role role, enum account_status from, enum account_status *to)
{
    if (role != ROLE_PROVIDER)
        return ERR_FORBIDDEN;
    if (from != ST_PENDING_REVIEW && from != ST_REJECTED)
        return ERR_CONFLICT;
    *to = ST_PENDING_REVIEW;
    return ERR_OK;
}

long account_login_delay_s(long fails, long max, long first_s, long cap_s)
{
    if (fails < max || first_s <= 0)
        return 0;
    long d = first_s;
    for (long i = max; i < fails && d < cap_s; i++)
        d *= 2;
    return d < cap_s ? d : cap_s;
}

long account_login_retry_after_s(long fails_ip, long max_ip, long window_s, int64_t lock_ms)
{
    long wait = 0;
    if (fails_ip >= max_ip)
        wait = window_s;
    if (lock_ms > 0) {
        long lock_s = (long)((lock_ms + 999) / 1000);
        wait = lock_s > wait ? lock_s : wait;
    }
    return wait > 0 ? wait : fails_ip >= max_ip || lock_ms > 0 ? 1 : 0;
}

void account_user_agent_clean(const char *ua, char *out, size_t cap)
{
    size_t n = 0;
    for (; ua && ua[n] && n < ACCOUNT_USER_AGENT_MAX && n + 1 < cap; n++)
        out[n] = ua[n] >= 0x20 && ua[n] < 0x7f ? ua[n] : '?';
    out[n] = 0;
}

static json_t *opt_str(const char *s) { return s && *s ? json_string(s) : json_null(); }

bool account_view_signed(const struct user *u, enum user_view view)
{
    return view != VIEW_PUBLIC && u->role == ROLE_PROVIDER && u->has_verification && u->verification_ms &&
           u->verification_count > 0;
}

/* {documents, note, submitted_at} of what the provider submitted, or null. */
static json_t *verification_json(const struct user *u, int64_t now_s)
{
    char at[TIME_STR_LEN];
    if (!u->verification_ms)
        return json_null();
    json_t *docs = json_array();
    for (size_t i = 0; docs && i < u->verification_count; i++)
        if (json_array_append_new(docs, mediaurl_photo(u->verification_docs[i], now_s)) != 0) {
            json_decref(docs);
            docs = NULL;
        }
    if (!docs)
        return NULL;
    return json_pack("{s:o,s:o,s:s}", "documents", docs, "note",
                     u->has_verification_note ? json_string(u->verification_note) : json_null(), "submitted_at",
                     time_format_ms(u->verification_ms, at));
}

json_t *account_user_json(const struct user *u, enum user_view view, int64_t now_s)
{
    char id[IDS_STR_LEN], created[TIME_STR_LEN], updated[TIME_STR_LEN];
    ids_format(u->id, id);
    time_format_ms(u->created_ms, created);
    time_format_ms(u->updated_ms, updated);
    json_t *avg = u->rating_count > 0 ? json_real((double)llround((double)u->rating_sum * 100.0 / (double)u->rating_count) / 100.0) : json_null();
    if (view == VIEW_PUBLIC) {
        json_t *o = json_pack("{s:s,s:s,s:s,s:s}", "id", id, "role", auth_role_name(u->role), "display_name",
                              u->display_name, "created_at", created);
        if (u->role == ROLE_PROVIDER) {
            json_object_set_new(o, "verified", json_boolean(u->status == ST_ACTIVE));
            json_object_set_new(o, "rating", json_pack("{s:i,s:o}", "count", (json_int_t)u->rating_count, "average", avg));
        } else {
            json_decref(avg);
        }
        return o;
    }
    json_t *o = json_pack("{s:s,s:s,s:s,s:s,s:s,s:o,s:o,s:s,s:s,s:s}", "id", id, "username", u->username, "role",
                          auth_role_name(u->role), "status", ACCOUNT_STATUS_NAMES[u->status], "display_name",
                          u->display_name, "phone", opt_str(u->phone), "email", opt_str(u->email), "lang", u->lang,
                          "created_at", created, "updated_at", updated);
    if (u->role == ROLE_PROVIDER)
        json_object_set_new(o, "rating", json_pack("{s:i,s:o}", "count", (json_int_t)u->rating_count, "average", avg));
    else
        json_decref(avg);
    if (u->status != ST_ACTIVE && u->status_reason[0])
        json_object_set_new(o, "status_reason", json_string(u->status_reason));
    if (u->has_details)
        json_object_set_new(o, "details",
                            json_pack("{s:o,s:o,s:o}", "bio", opt_str(u->bio), "address", opt_str(u->address),
                                      "emergency_contact", opt_str(u->emergency_contact)));
    if (view == VIEW_INTERNAL && u->has_status_before)
        json_object_set_new(o, "status_before_suspension", json_string(ACCOUNT_STATUS_NAMES[u->status_before]));
    if (o && u->role == ROLE_PROVIDER && u->has_verification) {
        json_t *ver = verification_json(u, now_s);
        if (!ver || json_object_set_new(o, "verification", ver) != 0) {
            json_decref(o);
            return NULL;
        }
    }
    return o;
}
