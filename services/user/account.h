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

#define ACCOUNT_VERIFICATION_DOCS_MAX 10 /* documents per submission (media ids) */
#define ACCOUNT_VERIFICATION_NOTE_MAX 500 /* characters */

/* The status a provider's account has after it submits verification documents: one waiting
 * for review keeps waiting, a rejected one waits for review again. ERR_CONFLICT for an active
 * account (already verified) or a suspended one (an admin decides first); ERR_FORBIDDEN for
 * any role but provider. */
enum err account_verification_submit(enum role role, enum account_status from, enum account_status *to);

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
    /* a provider's verification (also in user_details): rendered only when loaded */
    bool has_verification;       /* the columns were read */
    int64_t verification_ms;     /* when documents were last submitted; 0: never */
    size_t verification_count;   /* media ids in verification_docs */
    uint64_t verification_docs[ACCOUNT_VERIFICATION_DOCS_MAX];
    bool has_verification_note;
    char verification_note[ACCOUNT_VERIFICATION_NOTE_MAX * 4 + 1];
};

enum user_view {
    VIEW_PUBLIC,   /* GET /users/{id}: display name, role, provider verification and rating */
    VIEW_SELF,     /* /users/me and registration: everything the owner of the account may see */
    VIEW_INTERNAL, /* other services and admins: self plus moderation fields */
};

/* Render a user for a view (a new reference). Empty optional strings become null. A
 * provider's self and internal views carry "verification" when it was loaded: null when
 * nothing was submitted, else {documents: [photo objects with URLs signed at now_s], note,
 * submitted_at}; the public view never does. NULL when out of memory or unable to sign. */
json_t *account_user_json(const struct user *u, enum user_view view, int64_t now_s);
/* Whether the rendering of u for view holds signed URLs (its verification documents). */
bool account_view_signed(const struct user *u, enum user_view view);

/* The login throttle. A login name is never locked as such (anyone could lock its owner out);
 * each (login name, client address) pair is: after max failures in a row from that address
 * for that name, the address waits first_s seconds before it may try the name again, and
 * each further failure doubles the wait, up to cap_s. The seconds to wait after the
 * fails-th failure in a row: 0 while fails < max. */
long account_login_delay_s(long fails, long max, long first_s, long cap_s);

/* Whether a login attempt must be refused now, and for how long (the Retry-After seconds,
 * at least 1; 0: go ahead): an address that has spent its budget of failures in the window
 * (fails_ip >= max_ip, whatever the name) waits window_s; a pair still locked (lock_ms: the
 * milliseconds left, 0 or less: none) waits that long, rounded up. */
long account_login_retry_after_s(long fails_ip, long max_ip, long window_s, int64_t lock_ms);

#define ACCOUNT_SESSIONS_MAX 10 /* live sessions (logins) an account keeps: a new one ends the oldest */
#define ACCOUNT_USER_AGENT_MAX 255 /* characters of a session's User-Agent that are kept */

/* The User-Agent of a session as it is stored and shown: printable ASCII only (anything
 * else becomes '?'), cut to ACCOUNT_USER_AGENT_MAX characters, into out (cap bytes, at least
 * 1). A NULL or empty header gives "". */
void account_user_agent_clean(const char *ua, char *out, size_t cap);

#endif
