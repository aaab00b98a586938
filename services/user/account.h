/* Pure account rules of the user service: what a valid username, password, phone and email
 * are, how login keys are formed, and which status changes an admin may make. */
#ifndef USER_ACCOUNT_H
#define USER_ACCOUNT_H

#include "auth.h"
#include "errors.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum account_status { ST_ACTIVE = 0, ST_PENDING_REVIEW, ST_REJECTED, ST_SUSPENDED, ST__COUNT };
enum account_action { ACT_APPROVE = 0, ACT_REJECT, ACT_SUSPEND, ACT_REINSTATE, ACT__COUNT };

extern const char *const ACCOUNT_STATUS_NAMES[]; /* NULL-terminated, indexed by enum account_status */
extern const char *const ACCOUNT_ACTION_NAMES[]; /* NULL-terminated, indexed by enum account_action */

/* Parse a status or action name; -1 when unknown. */
int account_status_parse(const char *s);
int account_action_parse(const char *s);

/* Usernames: 3..32 characters, no whitespace or control characters anywhere; quotes and
 * other punctuation are allowed and stored verbatim. NULL when valid, else the reason. */
const char *account_username_problem(const char *username);
/* Passwords: 8..128 characters, not equal to the username. */
const char *account_password_problem(const char *password, const char *username);
/* Phones: optional '+', then 6..15 digits. */
const char *account_phone_problem(const char *phone);
/* Emails: local@domain.tld, at most 254 characters, no spaces. */
const char *account_email_problem(const char *email);

enum login_kind { LOGIN_USERNAME = 'u', LOGIN_PHONE = 'p', LOGIN_EMAIL = 'e' };
/* The user_login key for a value: "u:" + ASCII-lower-cased username, "p:" + phone,
 * "e:" + lower-cased email. Returns false if it does not fit. */
bool account_login_key(enum login_kind kind, const char *value, char *buf, size_t cap);

/* The login-index keys an admin's account search q looks for (q matches a username by
 * prefix, compared as logins are, i.e. ASCII case-insensitively, or a phone or an email
 * exactly): like receives the LIKE pattern over user_login keys for the username prefix
 * ("u:" + the lower-cased q with '%', '_' and '!' escaped by '!', then '%': use it with
 * ESCAPE '!'); exact receives q's key as a phone ("p:...") or an email ("e:...") when q is
 * a valid one, else "". false when a key does not fit its buffer. */
bool account_search_keys(const char *q, char *like, size_t like_cap, char *exact, size_t exact_cap);

/* The status an admin action leads to. before is the status saved when the account was
 * suspended (used by reinstate). ERR_CONFLICT when the action makes no sense in the current
 * status (approving an active owner, reinstating a non-suspended user), ERR_FORBIDDEN for
 * admin accounts (admins cannot be suspended through the API). */
enum err account_transition(enum role role, enum account_status from, enum account_status before,
                            enum account_action action, enum account_status *to);

/* One account as stored: hot columns (user_K) plus, when has_details, the vertically split
 * ones (user_details_K). Sizes bound the validated lengths (characters x 4 bytes). */
struct user {
    uint64_t id;
    char username[32 * 4 + 1];
    enum role role;
    enum account_status status, status_before;
    bool has_status_before;
    char status_reason[500 * 4 + 1];
    char display_name[32 * 4 + 1];
    char phone[17];
    char email[255];
    char lang[3];
    char password_hash[256];
    long rating_count;
    long long rating_sum;
    int64_t created_ms, updated_ms;
    bool has_details;
    char bio[1000 * 4 + 1];
    char address[200 * 4 + 1];
    char emergency_contact[100 * 4 + 1];
};

enum user_view {
    VIEW_PUBLIC,   /* GET /users/{id}: display name, role, provider verification and rating */
    VIEW_SELF,     /* /users/me and registration: everything the owner of the account may see */
    VIEW_INTERNAL, /* other services and admins: self plus moderation fields */
};

/* Render a user for a view (a new reference). Empty optional strings become null. */
json_t *account_user_json(const struct user *u, enum user_view view);

/* Whether login attempts must be refused: failures counted in the window for this username
 * and this client address, against their limits. */
bool account_login_throttled(long fails_user, long fails_ip, long max_user, long max_ip);

#endif
