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
    long login_max_fails_user, login_max_fails_ip, login_window_s;
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

/* Fields a PATCH may set: a NULL pointer leaves the field alone; set_* with a NULL value
 * clears an optional field. */
struct user_patch {
    const char *display_name, *lang, *password_hash;
    bool set_phone, set_email, set_bio, set_address, set_emergency;
    const char *phone, *email, *bio, *address, *emergency;
};

/* Apply a patch in one transaction (login names of a new phone/email are claimed and the
 * old ones released). ERR_CONFLICT with *conflict as for create. */
enum err store_user_update(struct svc *s, uint64_t id, const struct user_patch *p, const char **conflict);

/* Apply an admin action under a row lock, checked by account_transition. Suspension also
 * spends every refresh token of the user. *out is the user afterwards. */
enum err store_user_set_status(struct svc *s, uint64_t id, enum account_action a, const char *reason,
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

/* ---- refresh tokens ---- */
enum err store_refresh_insert(struct svc *s, uint64_t user_id, const char *sid, const char *token_hash,
                              int64_t expires_ms);

enum rotate_result { ROTATE_OK, ROTATE_UNKNOWN, ROTATE_EXPIRED, ROTATE_REUSED, ROTATE_ACCOUNT_BLOCKED };
/* Spend old_hash and store new_hash in the same session, in one transaction. A token that
 * was already spent means it leaked: every token of its session is spent (ROTATE_REUSED,
 * *sid names the session so the caller can revoke its access tokens). */
enum err store_refresh_rotate(struct svc *s, const char *old_hash, const char *new_hash, int64_t new_expires_ms,
                              enum rotate_result *res, uint64_t *user_id, char *sid);
/* Spend every refresh token of a session (logout). */
enum err store_session_end(struct svc *s, const char *sid);

/* ---- Redis ---- */
/* Mark a session's access tokens revoked for ttl_s seconds (their remaining lifetime). */
enum err store_revoke_session(struct svc *s, const char *sid, long ttl_s);
/* Mark every access token of a user issued before after_ms revoked. */
enum err store_revoke_user_tokens(struct svc *s, uint64_t user_id, int64_t after_ms, long ttl_s);
/* Failed-login counters for a login name and a client address within the window. */
enum err store_login_failures(struct svc *s, const char *login, const char *ip, long *fails_user, long *fails_ip);
void store_login_failed(struct svc *s, const char *login, const char *ip);
void store_login_succeeded(struct svc *s, const char *login);

/* A user's rendered JSON for a view, through the cache (cache-aside, see lib/aside.h). */
enum err store_user_json_cached(struct svc *s, uint64_t id, enum user_view view, char **out, size_t *len);
/* Drop every cached view of a user (after a committed change). */
void store_user_invalidate(struct svc *s, uint64_t id);

#endif
