/* HTTP handlers of the user service: parse and validate, call the store, render. */
#include "routes.h"
#include "account.h"
#include "dates.h"
#include "ids.h"
#include "log.h"
#include "mediaref.h"
#include "store.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const ROLES_PUBLIC[] = {"owner", "provider", NULL};
static const char *const LANGS[] = {"zh", "en", NULL};

/* ---------- helpers ---------- */

static bool hash_password_or_reply(struct http_req *r, const char *pw, char out[crypto_pwhash_STRBYTES])
{
    struct user_app *a = user_app(svc_of(r));
    if (crypto_pwhash_str(out, pw, strlen(pw), a->pwhash_ops, a->pwhash_mem) != 0) {
        LOG_E("user: password hashing failed (out of memory?)");
        http_reply_error(r, ERR_UNAVAILABLE, NULL, NULL);
        return false;
    }
    return true;
}

static void token_hash(const char *token, char out[65])
{
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, (const unsigned char *)token, strlen(token));
    sodium_bin2hex(out, 65, h, sizeof h);
}

/* Issue an access token and a refresh token for a new or continuing session and reply. */
static void reply_tokens(struct http_req *r, int status, const struct user *u, const char *sid, const char *refresh)
{
    struct svc *s = svc_of(r);
    struct user_app *a = user_app(s);
    struct auth_principal p = {.user_id = u->id, .role = u->role, .iat_ms = time_now_ms()};
    memcpy(p.sid, sid, AUTH_SID_LEN + 1);
    char *access = auth_sign(a->private_pem, &p, a->access_ttl_s);
    if (!access) {
        http_reply_error(r, ERR_INTERNAL, NULL, NULL);
        return;
    }
    http_header_add(r, "Cache-Control", "no-store");
    http_reply_json(r, status,
                    json_pack("{s:s,s:s,s:s,s:I,s:I,s:o}", "access_token", access, "refresh_token", refresh,
                              "token_type", "Bearer", "expires_in", (json_int_t)a->access_ttl_s,
                              "refresh_expires_in", (json_int_t)a->refresh_ttl_s, "user",
                              account_user_json(u, VIEW_SELF, time_now_ms() / 1000)));
    free(access);
}

/* Revoke the access tokens of sessions that were just ended in the database. Their refresh
 * tokens are spent already, so a Redis failure is logged, not answered: those access tokens
 * then live out their lifetime. */
static void revoke_sessions(struct svc *s, const struct sid_list *ended)
{
    for (size_t i = 0; i < ended->n; i++)
        if (store_revoke_session(s, ended->sid[i], user_app(s)->access_ttl_s + 60) != ERR_OK)
            LOG_E("user: could not revoke session %s in Redis", ended->sid[i]);
}

/* Where this request comes from, for its session's row (ua: ACCOUNT_USER_AGENT_MAX + 1 bytes). */
static struct session_origin origin_of(struct http_req *r, char *ua)
{
    account_user_agent_clean(http_header(r, "User-Agent"), ua, ACCOUNT_USER_AGENT_MAX + 1);
    return (struct session_origin){.user_agent = ua, .ip = http_client_ip(r)};
}

/* Start a session: refresh token stored hashed with the session's row, then both tokens in
 * the reply. Beyond the account's limit of live sessions, the oldest end. */
static void start_session(struct http_req *r, const struct user *u)
{
    struct svc *s = svc_of(r);
    char sid[AUTH_SID_LEN + 1], refresh[65], rhash[65], ua[ACCOUNT_USER_AGENT_MAX + 1];
    unsigned char raw[32];
    struct sid_list ended = {0};
    auth_random_hex(sid);
    randombytes_buf(raw, sizeof raw);
    sodium_bin2hex(refresh, sizeof refresh, raw, sizeof raw);
    token_hash(refresh, rhash);
    struct session_origin o = origin_of(r, ua);
    enum err e = store_session_start(s, u->id, sid, rhash, time_now_ms() + user_app(s)->refresh_ttl_s * 1000, &o,
                                     (size_t)user_app(s)->sessions_max, &ended);
    if (e != ERR_OK) {
        svc_reply_err(r, e);
        goto done;
    }
    revoke_sessions(s, &ended);
    if (ended.n)
        LOG_I("user: %llu has more than %ld sessions: the oldest %zu ended", (unsigned long long)u->id,
              user_app(s)->sessions_max, ended.n);
    reply_tokens(r, 200, u, sid, refresh);
done:
    sid_list_free(&ended);
}

static void reply_cached_json(struct http_req *r, enum err e, char *body, size_t len)
{
    if (e != ERR_OK) {
        svc_reply_err(r, e);
        return;
    }
    http_reply_json_text(r, 200, body, len);
}

/* ---------- /auth ---------- */

static void h_register(struct http_req *r)
{
    static const char *const F[] = {"username", "password", "role", "display_name", "phone", "email", "lang", NULL};
    struct jv v;
    const char *username = NULL, *password = NULL, *display = NULL, *phone = "", *email = "", *lang = "zh", *why;
    int role = 0, li = 0;
    char hash[crypto_pwhash_STRBYTES];
    if (!http_json_or_reply(r, &v, F))
        goto done;
    if (jv_str(&v, "username", JV_REQUIRED, 1, 64, &username) && (why = account_username_problem(username)))
        jv_fail(&v, "username", why);
    if (jv_str(&v, "password", JV_REQUIRED, 1, 1024, &password) &&
        (why = account_password_problem(password, username)))
        jv_fail(&v, "password", why);
    jv_enum(&v, "role", JV_REQUIRED, ROLES_PUBLIC, &role);
    jv_str(&v, "display_name", JV_REQUIRED, 1, 32, &display);
    if (jv_str(&v, "phone", 0, 1, 16, &phone) && (why = account_phone_problem(phone)))
        jv_fail(&v, "phone", why);
    if (jv_str(&v, "email", 0, 1, 254, &email) && (why = account_email_problem(email)))
        jv_fail(&v, "email", why);
    if (jv_enum(&v, "lang", 0, LANGS, &li))
        lang = LANGS[li];
    if (!http_jv_ok_or_reply(r, &v) || !hash_password_or_reply(r, password, hash))
        goto done;

    struct user u = {0};
    u.id = ids_next();
    snprintf(u.username, sizeof u.username, "%s", username);
    u.role = role == 0 ? ROLE_OWNER : ROLE_PROVIDER;
    u.status = u.role == ROLE_OWNER ? ST_ACTIVE : ST_PENDING_REVIEW;
    snprintf(u.display_name, sizeof u.display_name, "%s", display);
    snprintf(u.phone, sizeof u.phone, "%s", phone);
    snprintf(u.email, sizeof u.email, "%s", email);
    snprintf(u.lang, sizeof u.lang, "%s", lang);
    snprintf(u.password_hash, sizeof u.password_hash, "%s", hash);
    u.created_ms = u.updated_ms = time_now_ms();
    u.has_details = true;
    const char *conflict = NULL;
    enum err e = store_user_create(svc_of(r), &u, &conflict);
    if (e == ERR_CONFLICT) {
        http_reply_error(r, ERR_CONFLICT, "already registered",
                         json_pack("{s:s}", conflict ? conflict : "username", "is already taken"));
    } else if (e != ERR_OK) {
        svc_reply_err(r, e);
    } else {
        char loc[64], id[IDS_STR_LEN];
        snprintf(loc, sizeof loc, "/api/v1/users/%s", ids_format(u.id, id));
        http_header_add(r, "Location", loc);
        LOG_I("user: registered %s as %s", id, auth_role_name(u.role));
        http_reply_json(r, 201, account_user_json(&u, VIEW_SELF, time_now_ms() / 1000));
    }
done:
    sodium_memzero(hash, sizeof hash);
    jv_free(&v);
}

/* Verify a password; an unknown account is checked against a dummy hash so that the answer
 * takes as long as for a wrong password (no probing of which usernames exist). */
static bool password_matches(struct svc *s, const struct user *u, const char *pw)
{
    const char *h = u ? u->password_hash : user_app(s)->dummy_hash;
    bool ok = crypto_pwhash_str_verify(h, pw, strlen(pw)) == 0;
    return u && ok;
}

static void h_login(struct http_req *r)
{
    static const char *const F[] = {"username", "password", NULL};
    struct svc *s = svc_of(r);
    struct user_app *a = user_app(s);
    struct jv v;
    const char *name = NULL, *password = NULL;
    char key[320];
    if (!http_json_or_reply(r, &v, F))
        goto done;
    jv_str(&v, "username", JV_REQUIRED, 1, 254, &name);
    jv_str(&v, "password", JV_REQUIRED, 1, 1024, &password);
    if (!http_jv_ok_or_reply(r, &v))
        goto done;
    account_login_key(LOGIN_USERNAME, name, key, sizeof key);
    long fi = 0, wait;
    int64_t lock_ms = 0;
    enum err e = store_login_failures(s, key, http_client_ip(r), &fi, &lock_ms);
    if (e != ERR_OK) {
        svc_reply_err(r, e);
        goto done;
    }
    /* throttled per address, and per (name, address): never per name alone (see account.h) */
    if ((wait = account_login_retry_after_s(fi, a->login_max_fails_ip, a->login_window_s, lock_ms)) > 0) {
        char after[24];
        snprintf(after, sizeof after, "%ld", wait);
        http_header_add(r, "Retry-After", after);
        http_reply_error(r, ERR_RATE_LIMITED, "too many failed logins, try again later", NULL);
        goto done;
    }
    struct user u;
    e = store_user_find_login(s, name, &u);
    if (e != ERR_OK && e != ERR_NOT_FOUND) {
        svc_reply_err(r, e);
        goto done;
    }
    if (!password_matches(s, e == ERR_OK ? &u : NULL, password)) {
        store_login_failed(s, key, http_client_ip(r));
        http_reply_error(r, ERR_UNAUTHENTICATED, "wrong username or password", NULL);
        goto done;
    }
    store_login_succeeded(s, key, http_client_ip(r));
    if (u.status == ST_SUSPENDED) {
        http_reply_error(r, ERR_FORBIDDEN, "this account is suspended", NULL);
        goto done;
    }
    if (crypto_pwhash_str_needs_rehash(u.password_hash, a->pwhash_ops, a->pwhash_mem) != 0) {
        char hash[crypto_pwhash_STRBYTES];
        const char *conflict;
        struct user_patch p = {0};
        if (crypto_pwhash_str(hash, password, strlen(password), a->pwhash_ops, a->pwhash_mem) == 0) {
            p.password_hash = hash;
            store_user_update(s, u.id, &p, &conflict); /* best effort: the login goes on */
        }
    }
    start_session(r, &u);
done:
    jv_free(&v);
}

static void h_refresh(struct http_req *r)
{
    static const char *const F[] = {"refresh_token", NULL};
    struct svc *s = svc_of(r);
    struct jv v;
    const char *old = NULL;
    if (!http_json_or_reply(r, &v, F))
        goto done;
    jv_str(&v, "refresh_token", JV_REQUIRED, 1, 128, &old);
    if (!http_jv_ok_or_reply(r, &v))
        goto done;
    char old_hash[65], fresh[65], fresh_hash[65], sid[AUTH_SID_LEN + 1];
    unsigned char raw[32];
    randombytes_buf(raw, sizeof raw);
    sodium_bin2hex(fresh, sizeof fresh, raw, sizeof raw);
    token_hash(old, old_hash);
    token_hash(fresh, fresh_hash);
    enum rotate_result res;
    uint64_t uid = 0;
    char ua[ACCOUNT_USER_AGENT_MAX + 1];
    struct session_origin o = origin_of(r, ua);
    enum err e = store_refresh_rotate(s, old_hash, fresh_hash, time_now_ms() + user_app(s)->refresh_ttl_s * 1000, &o,
                                      &res, &uid, sid);
    if (e != ERR_OK) {
        svc_reply_err(r, e);
        goto done;
    }
    if (res == ROTATE_REUSED || res == ROTATE_ACCOUNT_BLOCKED) {
        /* the session is burnt in the database; its live access tokens go too */
        if (store_revoke_session(s, sid, user_app(s)->access_ttl_s + 60) != ERR_OK)
            LOG_E("user: could not revoke session %s in Redis", sid);
        if (res == ROTATE_REUSED)
            LOG_W("user: refresh token replayed for user %llu: session revoked", (unsigned long long)uid);
    }
    if (res != ROTATE_OK) {
        http_reply_error(r, ERR_UNAUTHENTICATED,
                         res == ROTATE_ACCOUNT_BLOCKED ? "this account is suspended" : "invalid or expired refresh token",
                         NULL);
        goto done;
    }
    struct user u;
    if ((e = store_user_get(s, uid, false, &u)) != ERR_OK) {
        svc_reply_err(r, e == ERR_NOT_FOUND ? ERR_UNAUTHENTICATED : e);
        goto done;
    }
    reply_tokens(r, 200, &u, sid, fresh);
done:
    jv_free(&v);
}

static void h_logout(struct http_req *r)
{
    struct svc *s = svc_of(r);
    struct auth_principal p;
    if (!svc_auth_or_reply(r, ROLE_ANY, &p))
        return;
    long ttl = (long)(p.exp - time_now_ms() / 1000) + 60;
    enum err e = store_revoke_session(s, p.sid, ttl);
    if (e == ERR_OK)
        e = store_session_end(s, p.sid);
    if (e != ERR_OK) {
        svc_reply_err(r, e);
        return;
    }
    http_reply_empty(r, 204);
}

/* ---------- /users ---------- */

static void h_me_get(struct http_req *r)
{
    struct auth_principal p;
    if (!svc_auth_or_reply(r, ROLE_ANY, &p))
        return;
    char *body = NULL;
    size_t len = 0;
    enum err e = store_user_json_cached(svc_of(r), p.user_id, VIEW_SELF, &body, &len);
    /* a valid token for a deleted account is not a 404 of the resource but a dead session */
    reply_cached_json(r, e == ERR_NOT_FOUND ? ERR_UNAUTHENTICATED : e, body, len);
}

/* Read an optional, nullable text field for PATCH: absent (untouched), null (clear), value. */
static void patch_text(struct jv *v, const char *key, size_t max, unsigned flags, bool *set, const char **val)
{
    if (jv_is_null(v, key)) {
        *set = true;
        *val = NULL;
    } else if (jv_str(v, key, flags, 1, max, val)) {
        *set = true;
    }
}

static void h_me_patch(struct http_req *r)
{
    static const char *const F[] = {"display_name", "phone", "email", "lang", "details", "password",
                                    "current_password", NULL};
    static const char *const D[] = {"bio", "address", "emergency_contact", NULL};
    struct svc *s = svc_of(r);
    struct auth_principal p;
    struct jv v, dv;
    struct user_patch patch = {0};
    struct sid_list ended = {0};
    const char *pw = NULL, *cur_pw = NULL, *why;
    char hash[crypto_pwhash_STRBYTES];
    int li;
    if (!svc_auth_or_reply(r, ROLE_ANY, &p)) {
        jv_init(&v);
        goto done;
    }
    if (!http_json_or_reply(r, &v, F))
        goto done;
    jv_str(&v, "display_name", 0, 1, 32, &patch.display_name);
    if (jv_enum(&v, "lang", 0, LANGS, &li))
        patch.lang = LANGS[li];
    patch_text(&v, "phone", 16, 0, &patch.set_phone, &patch.phone);
    if (patch.phone && (why = account_phone_problem(patch.phone)))
        jv_fail(&v, "phone", why);
    patch_text(&v, "email", 254, 0, &patch.set_email, &patch.email);
    if (patch.email && (why = account_email_problem(patch.email)))
        jv_fail(&v, "email", why);
    if (jv_obj(&v, "details", 0, D, &dv)) {
        patch_text(&dv, "bio", 1000, JV_MULTILINE, &patch.set_bio, &patch.bio);
        patch_text(&dv, "address", 200, 0, &patch.set_address, &patch.address);
        patch_text(&dv, "emergency_contact", 100, 0, &patch.set_emergency, &patch.emergency);
    }
    if (jv_str(&v, "password", 0, 1, 1024, &pw)) {
        if (!jv_str(&v, "current_password", JV_REQUIRED, 1, 1024, &cur_pw))
            ; /* recorded as required */
        else if ((why = account_password_problem(pw, NULL)))
            jv_fail(&v, "password", why);
    }
    if (!http_jv_ok_or_reply(r, &v))
        goto done;
    struct user u;
    enum err e = store_user_get(s, p.user_id, false, &u);
    if (e != ERR_OK) {
        svc_reply_err(r, e == ERR_NOT_FOUND ? ERR_UNAUTHENTICATED : e);
        goto done;
    }
    if (pw) {
        if (!password_matches(s, &u, cur_pw)) {
            http_reply_error(r, ERR_INVALID, NULL, json_pack("{s:s}", "current_password", "is wrong"));
            goto done;
        }
        if ((why = account_password_problem(pw, u.username))) {
            http_reply_error(r, ERR_INVALID, NULL, json_pack("{s:s}", "password", why));
            goto done;
        }
        if (!hash_password_or_reply(r, pw, hash))
            goto done;
        patch.password_hash = hash;
        /* a new password ends every other session: whoever knew the old one is logged out */
        patch.end_sessions = true;
        patch.keep_sid = p.sid;
        patch.ended = &ended;
    }
    const char *conflict = NULL;
    e = store_user_update(s, p.user_id, &patch, &conflict);
    if (e == ERR_CONFLICT) {
        http_reply_error(r, ERR_CONFLICT, "already used by another account",
                         json_pack("{s:s}", conflict ? conflict : "username", "is already taken"));
        goto done;
    }
    if (e == ERR_OK) {
        revoke_sessions(s, &ended);
        if (pw)
            LOG_I("user: %llu changed its password: %zu other sessions revoked", (unsigned long long)p.user_id,
                  ended.n);
        e = store_user_get(s, p.user_id, true, &u);
    }
    if (e != ERR_OK) {
        svc_reply_err(r, e);
        goto done;
    }
    http_reply_json(r, 200, account_user_json(&u, VIEW_SELF, time_now_ms() / 1000));
done:
    sodium_memzero(hash, sizeof hash);
    sid_list_free(&ended);
    jv_free(&v);
}

/* ---------- /users/me/sessions ---------- */

static json_t *session_json(const struct session_row *row, const char *current_sid)
{
    char id[IDS_STR_LEN], created[40], used[40];
    return json_pack("{s:s,s:s,s:s,s:s?,s:s?,s:b}", "id", ids_format(row->id, id), "created_at",
                     time_format_ms(row->created_ms, created), "last_used_at",
                     time_format_ms(row->last_used_ms, used), "user_agent",
                     row->user_agent[0] ? row->user_agent : NULL, "ip", row->ip[0] ? row->ip : NULL, "current",
                     strcmp(row->sid, current_sid) == 0);
}

/* GET /users/me/sessions: the caller's live sessions, newest first, the one asking marked
 * current. At most the account's limit are live, so there is one page. */
static void h_sessions_list(struct http_req *r)
{
    struct svc *s = svc_of(r);
    struct auth_principal p;
    if (!svc_auth_or_reply(r, ROLE_ANY, &p))
        return;
    size_t cap = (size_t)user_app(s)->sessions_max + 1, n = 0; /* +1: one more may be starting */
    struct session_row *rows = calloc(cap, sizeof *rows);
    enum err e = rows ? store_sessions_list(s, p.user_id, rows, cap, &n) : ERR_NO_MEMORY;
    json_t *items = json_array();
    for (size_t i = 0; e == ERR_OK && i < n; i++)
        json_array_append_new(items, session_json(&rows[i], p.sid));
    free(rows);
    http_reply_page_or_error(r, e, items, NULL);
}

/* DELETE /users/me/sessions/{id}: log that session out (the caller's own included); 404 for
 * a session that is not one of the caller's live ones. */
static void h_session_delete(struct http_req *r)
{
    struct svc *s = svc_of(r);
    struct auth_principal p;
    uint64_t id;
    char sid[AUTH_SID_LEN + 1];
    if (!svc_auth_or_reply(r, ROLE_ANY, &p) || !http_id_param_or_reply(r, "id", &id))
        return;
    enum err e = store_session_end_id(s, p.user_id, id, sid);
    if (e == ERR_NOT_FOUND) {
        http_reply_error(r, ERR_NOT_FOUND, "no such session", NULL);
        return;
    }
    if (e != ERR_OK) {
        svc_reply_err(r, e);
        return;
    }
    struct sid_list one = {.n = 1, .cap = 1, .sid = &sid};
    revoke_sessions(s, &one);
    http_reply_empty(r, 204);
}

/* DELETE /users/me/sessions: log out every other session; the caller's stays. */
static void h_sessions_delete_others(struct http_req *r)
{
    struct svc *s = svc_of(r);
    struct auth_principal p;
    struct sid_list ended = {0};
    if (!svc_auth_or_reply(r, ROLE_ANY, &p))
        return;
    enum err e = store_sessions_end_others(s, p.user_id, p.sid, &ended);
    if (e == ERR_OK) {
        revoke_sessions(s, &ended);
        http_reply_empty(r, 204);
    } else {
        svc_reply_err(r, e);
    }
    sid_list_free(&ended);
}

/* The documents of a verification body as they are stored (*out: the JSON text of the media
 * ids, malloc'd), once the media service has said they are the caller's verification photos.
 * On false the reply was sent (422 naming documents.<i>, 503). */
static bool documents_or_reply(struct http_req *r, uint64_t provider, const uint64_t *ids, size_t n, char **out)
{
    json_t *fields = NULL, *stored = NULL;
    enum err e = mediaref_resolve(provider, "verification", "documents", ids, n, NULL, &fields);
    if (!mediaref_ok_or_reply(r, e, fields))
        return false;
    *out = (stored = mediaref_ids_json(ids, n)) ? json_dumps(stored, JSON_COMPACT) : NULL;
    json_decref(stored);
    if (!*out)
        http_reply_error(r, ERR_NO_MEMORY, NULL, NULL);
    return *out != NULL;
}

/* PUT /users/me/verification {documents: [1..10 media ids], note?}: a provider waiting for
 * review, or rejected, submits the photos of its papers (purpose verification, its own); a
 * rejected one waits for review again. Active and suspended providers: 409. */
static void h_verification_put(struct http_req *r)
{
    static const char *const F[] = {"documents", "note", NULL};
    struct auth_principal p;
    struct jv v = {0};
    uint64_t *ids = NULL;
    size_t n = 0;
    const char *note = NULL;
    char *documents = NULL;
    struct user *u = NULL;
    if (!svc_auth_or_reply(r, ROLE_PROVIDER, &p))
        goto done;
    if (!http_json_or_reply(r, &v, F))
        goto done;
    jv_id_array(&v, "documents", JV_REQUIRED, 1, ACCOUNT_VERIFICATION_DOCS_MAX, &ids, &n);
    if (!jv_is_null(&v, "note"))
        jv_str(&v, "note", JV_MULTILINE, 1, ACCOUNT_VERIFICATION_NOTE_MAX, &note);
    if (!http_jv_ok_or_reply(r, &v) || !documents_or_reply(r, p.user_id, ids, n, &documents))
        goto done;
    enum err e = (u = malloc(sizeof *u)) ? store_verification_submit(svc_of(r), p.user_id, documents, note, u)
                                         : ERR_NO_MEMORY;
    if (e == ERR_CONFLICT)
        http_reply_error(r, e, "verification documents are taken while the account waits for review or after a "
                               "rejection, not once it is active or suspended", NULL);
    else if (e != ERR_OK)
        svc_reply_err(r, e == ERR_NOT_FOUND ? ERR_UNAUTHENTICATED : e);
    else
        http_reply_json(r, 200, account_user_json(u, VIEW_SELF, time_now_ms() / 1000));
    if (e == ERR_OK)
        LOG_I("user: provider %llu submitted %zu verification documents", (unsigned long long)p.user_id, n);
done:
    free(u);
    free(documents);
    free(ids);
    jv_free(&v);
}

static void h_user_public(struct http_req *r)
{
    uint64_t id;
    if (!http_id_param_or_reply(r, "id", &id))
        return;
    char *body = NULL;
    size_t len = 0;
    enum err e = store_user_json_cached(svc_of(r), id, VIEW_PUBLIC, &body, &len);
    reply_cached_json(r, e, body, len);
}

/* ---------- /internal ---------- */

static void h_internal_get(struct http_req *r)
{
    uint64_t id;
    if (!svc_internal_or_reply(r) || !http_id_param_or_reply(r, "id", &id))
        return;
    char *body = NULL;
    size_t len = 0;
    enum err e = store_user_json_cached(svc_of(r), id, VIEW_INTERNAL, &body, &len);
    reply_cached_json(r, e, body, len);
}

static void h_internal_action(struct http_req *r)
{
    static const char *const F[] = {"reason", NULL};
    struct svc *s = svc_of(r);
    uint64_t id;
    struct jv v = {0};
    const char *reason = NULL;
    if (!svc_internal_or_reply(r) || !http_id_param_or_reply(r, "id", &id))
        goto done;
    int action = account_action_parse(http_param(r, "action"));
    if (action < 0) {
        http_reply_error(r, ERR_NOT_FOUND, "no such action", NULL);
        goto done;
    }
    if (!http_json_or_reply(r, &v, F))
        goto done;
    bool needs_reason = action == ACT_REJECT || action == ACT_SUSPEND;
    jv_str(&v, "reason", needs_reason ? JV_REQUIRED | JV_MULTILINE : JV_MULTILINE, 1, 500, &reason);
    if (!http_jv_ok_or_reply(r, &v))
        goto done;
    struct user u = {0};
    enum err e = store_user_set_status(s, id, (enum account_action)action, reason, &u);
    if (e == ERR_OK && action == ACT_SUSPEND) {
        /* every access token issued so far stops working now */
        e = store_revoke_user_tokens(s, id, time_now_ms() + 1, user_app(s)->access_ttl_s + 60);
    }
    if (e == ERR_CONFLICT || e == ERR_FORBIDDEN) {
        http_reply_error(r, e, e == ERR_FORBIDDEN ? "admin accounts cannot be changed this way"
                                                  : "this action does not apply to the account's current status",
                         NULL);
        goto done;
    }
    if (e != ERR_OK) {
        svc_reply_err(r, e);
        goto done;
    }
    LOG_I("user: %s applied to %llu", ACCOUNT_ACTION_NAMES[action], (unsigned long long)id);
    http_reply_json(r, 200, account_user_json(&u, VIEW_INTERNAL, time_now_ms() / 1000));
done:
    jv_free(&v);
}

/* GET /internal/v1/users?role=&status=&q=&order=oldest|newest&limit=&cursor=<created_ms>.<id>
 * (the admin service): accounts across all shards. role and status filter when given; q is
 * a username prefix or an exact phone/email (account_search_keys); oldest first unless
 * order=newest. {items, next_cursor}; next_cursor is null on the last page. */
static void h_internal_list(struct http_req *r)
{
    static const char *const STATUSES[] = {"active", "pending_review", "rejected", "suspended", NULL};
    static const char *const ROLES[] = {"owner", "provider", "admin", NULL};
    static const char *const ORDERS[] = {"oldest", "newest", NULL};
    struct svc *s = svc_of(r);
    struct jv v;
    int ri = -1, oi = 0;
    int64_t limit = 20;
    const char *cursor = NULL, *q = NULL;
    char like[2200], exact[320];
    struct user_query uq = {.status = -1};
    struct user *rows = NULL;
    jv_init(&v);
    if (!svc_internal_or_reply(r))
        goto done;
    if (jv_q_enum(&v, "role", http_query(r, "role"), 0, ROLES, &ri))
        uq.role = (enum role)(1 << ri);
    jv_q_enum(&v, "status", http_query(r, "status"), 0, STATUSES, &uq.status);
    if (jv_q_str(&v, "q", http_query(r, "q"), 0, 1, 254, &q)) {
        if (account_search_keys(q, like, sizeof like, exact, sizeof exact)) {
            uq.search_like = like;
            uq.search_exact = exact;
        } else {
            jv_fail(&v, "q", "is too long");
        }
    }
    if (jv_q_enum(&v, "order", http_query(r, "order"), 0, ORDERS, &oi))
        uq.newest_first = oi == 1;
    jv_q_int(&v, "limit", http_query(r, "limit"), 0, 1, 100, &limit);
    if (jv_q_str(&v, "cursor", http_query(r, "cursor"), 0, 3, 48, &cursor)) {
        long long ms = 0;
        unsigned long long id = 0;
        char tail;
        if (sscanf(cursor, "%lld.%llu%c", &ms, &id, &tail) != 2 || ms < 0)
            jv_fail(&v, "cursor", "is not a cursor from a previous page");
        uq.has_cursor = true;
        uq.after_ms = (int64_t)ms;
        uq.after_id = id;
    }
    if (!http_jv_ok_or_reply(r, &v))
        goto done;
    /* one row more than asked tells whether another page exists */
    size_t n = 0, want = (size_t)limit + 1;
    rows = calloc(want, sizeof *rows);
    enum err e = rows ? store_users_list(s, &uq, want, rows, &n) : ERR_NO_MEMORY;
    if (e != ERR_OK) {
        svc_reply_err(r, e);
        goto done;
    }
    json_t *items = json_array();
    int64_t now_s = time_now_ms() / 1000;
    for (size_t i = 0; i < n && i < (size_t)limit; i++)
        json_array_append_new(items, account_user_json(&rows[i], VIEW_INTERNAL, now_s));
    char next[48];
    if (n > (size_t)limit)
        snprintf(next, sizeof next, "%lld.%llu", (long long)rows[limit - 1].created_ms,
                 (unsigned long long)rows[limit - 1].id);
    http_reply_page(r, items, n > (size_t)limit ? next : NULL);
done:
    free(rows);
    jv_free(&v);
}

void user_routes(struct svc *s)
{
    svc_route(s, "POST", "/api/v1/auth/register", h_register);
    svc_route(s, "POST", "/api/v1/auth/login", h_login);
    svc_route(s, "POST", "/api/v1/auth/refresh", h_refresh);
    svc_route(s, "POST", "/api/v1/auth/logout", h_logout);
    svc_route(s, "GET", "/api/v1/users/me", h_me_get);
    svc_route(s, "PATCH", "/api/v1/users/me", h_me_patch);
    svc_route(s, "PUT", "/api/v1/users/me/verification", h_verification_put);
    svc_route(s, "GET", "/api/v1/users/me/sessions", h_sessions_list);
    svc_route(s, "DELETE", "/api/v1/users/me/sessions", h_sessions_delete_others);
    svc_route(s, "DELETE", "/api/v1/users/me/sessions/{id}", h_session_delete);
    svc_route(s, "GET", "/api/v1/users/{id}", h_user_public);
    svc_route(s, "GET", "/internal/v1/users", h_internal_list);
    svc_route(s, "GET", "/internal/v1/users/{id}", h_internal_get);
    svc_route(s, "POST", "/internal/v1/users/{id}/{action}", h_internal_action);
}
