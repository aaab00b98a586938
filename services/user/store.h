/* Storage of the user service: every SQL statement and Redis key it uses. Accounts are
 * spread over user_0..user_{N-1} (and user_details_K) by ids_shard(id, N); user_login maps
 * login names to ids across shards; refresh tokens are stored hashed. */
#ifndef USER_STORE_H
#define USER_STORE_H

#include "account.h"
#include "svc.h"

struct user_app {
    unsigned shards;         /* N, read from schema_meta (written by the migrations) */
    char *private_pem;       /* JWT signing key (owned) */
    long access_ttl_s;       /* access token lifetime */
    long refresh_ttl_s;      /* refresh token lifetime */
    long login_max_fails_user;  /* failures in a row of one (login name, address) before it waits */
    long login_max_fails_ip;    /* failures of one address in the window, any name */
    long login_window_s;        /* that window, and the longest wait of a pair */
    long login_delay_s;         /* a pair's first wait, doubled by each further failure */
    long sessions_max;          /* live sessions an account keeps */
    unsigned long long pwhash_ops;
    size_t pwhash_mem;
    char dummy_hash[128];    /* checked for unknown accounts so timing reveals nothing */
};

struct user_app *user_app(struct svc *s);

/* Read the shard count from schema_meta. */
enum err store_init(struct svc *s);

/* Create u (u->id already assigned) with its login names, hot row and details row in one
 * transaction. ERR_CONFLICT when a login name is taken: *conflict names the field
 * ("username", "phone" or "email"). */
enum err store_user_create(struct svc *s, const struct user *u, const char **conflict);

/* Load a user; with_details joins the vertically split row. ERR_NOT_FOUND if absent. */
enum err store_user_get(struct svc *s, uint64_t id, bool with_details, struct user *out);

/* Find a user by username, phone or email (in that order of precedence). */
enum err store_user_find_login(struct svc *s, const char *name, struct user *out);

/* Session ids (sid) of sessions a store call ended, whose access tokens the caller revokes in
 * Redis (store_revoke_session). Owned: sid_list_free. */
struct sid_list {
    size_t n, cap;
    char (*sid)[AUTH_SID_LEN + 1];
};
void sid_list_free(struct sid_list *l);

/* Fields a PATCH may set: a NULL pointer leaves the field alone; set_* with a NULL value
 * clears an optional field. A password change that keeps only one session (end_sessions:
 * every session but keep_sid ends in the same transaction) lists in *ended the sessions
 * whose access tokens may still be alive. */
struct user_patch {
    const char *display_name, *lang, *password_hash;
    bool set_phone, set_email, set_bio, set_address, set_emergency;
    const char *phone, *email, *bio, *address, *emergency;
    bool end_sessions;
    const char *keep_sid;
    struct sid_list *ended;
};

/* Apply a patch in one transaction (login names of a new phone/email are claimed and the
 * old ones released). ERR_CONFLICT with *conflict as for create. */
enum err store_user_update(struct svc *s, uint64_t id, const struct user_patch *p, const char **conflict);

/* Apply an admin action under a row lock, checked by account_transition. Suspension also
 * spends every refresh token of the user. *out is the user afterwards. */
enum err store_user_set_status(struct svc *s, uint64_t id, enum account_action a, const char *reason,
                               struct user *out);

/* A provider submits verification documents, in one transaction under the account's row
 * lock: documents (the JSON array of media ids, already checked with the media service) and
 * note (NULL: none) replace what was submitted before, with the time; a rejected account
 * goes back to pending_review (its rejection reason cleared, provider.resubmitted in the
 * outbox), one pending review stays so. ERR_CONFLICT for an active or suspended account,
 * ERR_FORBIDDEN for a role other than provider (account_verification_submit). *out is the
 * account afterwards, with its details. The cached views are dropped after the commit. */
enum err store_verification_submit(struct svc *s, uint64_t id, const char *documents, const char *note,
                                   struct user *out);

/* What an account list asks for. */
struct user_query {
    enum role role;           /* ROLE_NONE: any role */
    int status;               /* an enum account_status, or -1: any status */
    const char *search_like;  /* NULL: no search; else the username LIKE pattern and ... */
    const char *search_exact; /* ... the phone/email login key ("": none) of account_search_keys */
    bool newest_first;        /* else oldest first (the review queue) */
    bool has_cursor;          /* continue after (after_ms, after_id), the last row returned */
    int64_t after_ms;
    uint64_t after_id;
};

/* Accounts matching q across all shards, in q's order of (created_ms, id): fills up to limit
 * rows of out (*n receives the count). */
enum err store_users_list(struct svc *s, const struct user_query *q, size_t limit, struct user *out, size_t *n);

/* Set a provider's rating aggregate inside a consumer's transaction (rating.updated). */
enum err store_provider_rating_tx(struct db_conn *c, struct svc *s, uint64_t provider_id, long count, long sum);

/* Create or reset the admin account (create-admin command). */
enum err store_admin_upsert(struct svc *s, const char *username, const char *password_hash, bool *created);

/* ---- sessions and refresh tokens ----
 * A session (one login) is its sid: the refresh_token rows of the sid (each use spends one
 * and adds the next) and one auth_session row (when and from where it was last used). A
 * session is live while it has an unspent, unexpired refresh token; ending one spends its
 * tokens and deletes its row. */

/* Where a request comes from, as a session remembers it. */
struct session_origin {
    const char *user_agent; /* cleaned (account_user_agent_clean) */
    const char *ip;         /* http_client_ip */
};

/* Start a session with its first refresh token, in one transaction; then, when the user has
 * more than max live sessions, the oldest ones (by creation) end: their sids are added to
 * *ended. */
enum err store_session_start(struct svc *s, uint64_t user_id, const char *sid, const char *token_hash,
                             int64_t expires_ms, const struct session_origin *o, size_t max, struct sid_list *ended);

enum rotate_result { ROTATE_OK, ROTATE_UNKNOWN, ROTATE_EXPIRED, ROTATE_REUSED, ROTATE_ACCOUNT_BLOCKED };
/* Spend old_hash and store new_hash in the same session, in one transaction, and note the
 * use in the session's row (made if the session predates the table). A token that was
 * already spent means it leaked: every token of its session is spent (ROTATE_REUSED, *sid
 * names the session so the caller can revoke its access tokens). */
enum err store_refresh_rotate(struct svc *s, const char *old_hash, const char *new_hash, int64_t new_expires_ms,
                              const struct session_origin *o, enum rotate_result *res, uint64_t *user_id, char *sid);
/* End a session (logout). */
enum err store_session_end(struct svc *s, const char *sid);

/* One live session as the user sees it. */
struct session_row {
    uint64_t id;
    char sid[AUTH_SID_LEN + 1];
    int64_t created_ms, last_used_ms;
    char user_agent[ACCOUNT_USER_AGENT_MAX + 1]; /* "": unknown */
    char ip[64];                                 /* "": unknown */
};
/* The live sessions of a user, newest first: up to cap into out, *n the count. */
enum err store_sessions_list(struct svc *s, uint64_t user_id, struct session_row *out, size_t cap, size_t *n);
/* End the live session id of user_id: ERR_NOT_FOUND when it is not one (another user's, an
 * ended one, junk). Its sid is written to sid. */
enum err store_session_end_id(struct svc *s, uint64_t user_id, uint64_t id, char *sid);
/* End every session of user_id but keep_sid; the sids whose access tokens may still be alive
 * go to *ended. */
enum err store_sessions_end_others(struct svc *s, uint64_t user_id, const char *keep_sid, struct sid_list *ended);

/* ---- Redis ---- */
/* Mark a session's access tokens revoked for ttl_s seconds (their remaining lifetime). */
enum err store_revoke_session(struct svc *s, const char *sid, long ttl_s);
/* Mark every access token of a user issued before after_ms revoked. */
enum err store_revoke_user_tokens(struct svc *s, uint64_t user_id, int64_t after_ms, long ttl_s);
/* The login throttle (account_login_delay_s): the failed logins of a client address in the
 * window (any name) and the milliseconds left of the lock of the pair (login name, address)
 * (0: not locked). */
enum err store_login_failures(struct svc *s, const char *login, const char *ip, long *fails_ip, int64_t *lock_ms);
/* Count a failure of the pair and of the address; from the limit on, lock the pair. */
void store_login_failed(struct svc *s, const char *login, const char *ip);
/* The right password from this address: its failures for this name are forgotten (those
 * of other addresses are not). */
void store_login_succeeded(struct svc *s, const char *login, const char *ip);

/* A user's rendered JSON for a view, through the cache (cache-aside, see lib/aside.h); the
 * internal view is always read fresh. A cached self view whose signed URLs (a provider's
 * verification documents) belong to an hour that has passed is rebuilt. */
enum err store_user_json_cached(struct svc *s, uint64_t id, enum user_view view, char **out, size_t *len);
/* Drop every cached view of a user (after a committed change). */
void store_user_invalidate(struct svc *s, uint64_t id);

#endif
