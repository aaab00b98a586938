/* User service storage: sharded account tables, login index, refresh tokens, Redis keys. */
#include "store.h"
#include "aside.h"
#include "dates.h"
#include "events.h"
#include "ids.h"
#include "log.h"
#include "mediaref.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct user_app *user_app(struct svc *s) { return s->app; }

/* ---------- SQL (table names are the only formatted part: user_%u from the shard router) ---------- */

#define USER_COLS                                                                                            \
    "u.id, u.username, u.role, u.status, u.status_before, u.status_reason, u.display_name, u.phone, u.email, " \
    "u.lang, u.password_hash, u.rating_count, u.rating_sum, u.created_ms, u.updated_ms"

static const char SQL_SHARDS[] = "SELECT v FROM schema_meta WHERE k = 'shards'";
static const char SQL_LOGIN_INSERT[] = "INSERT INTO user_login (login, user_id, created_ms) VALUES (?, ?, ?)";
static const char SQL_LOGIN_DELETE[] = "DELETE FROM user_login WHERE login = ? AND user_id = ?";
static const char SQL_LOGIN_FIND[] = "SELECT login, user_id FROM user_login WHERE login IN (?, ?, ?)";
static const char SQL_USER_INSERT[] =
    "INSERT INTO user_%u (id, username, role, status, display_name, phone, email, lang, password_hash, "
    "created_ms, updated_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
static const char SQL_DETAILS_INSERT[] = "INSERT INTO user_details_%u (user_id, updated_ms) VALUES (?, ?)";
static const char SQL_USER_GET[] = "SELECT " USER_COLS " FROM user_%u u WHERE u.id = ?";
static const char SQL_USER_GET_LOCK[] = "SELECT " USER_COLS " FROM user_%u u WHERE u.id = ? FOR UPDATE";
/* a provider's verification, in the vertical split */
#define VERIFY_COLS "d.verification_documents, d.verification_note, d.verification_submitted_ms"
#define NCOLS 15
static const char SQL_USER_GET_DETAILS[] =
    "SELECT " USER_COLS ", d.bio, d.address, d.emergency_contact, " VERIFY_COLS " FROM user_%u u "
    "LEFT JOIN user_details_%u d ON d.user_id = u.id WHERE u.id = ?";
/* The account list of one shard: SQL_LIST_FROM, the filters asked for, then the page in
 * one order (constant fragments; values are bound). The admin's review queue shows each
 * provider's verification, so the list reads it too (the details row of the same shard, by
 * primary key). */
static const char SQL_LIST_FROM[] = "SELECT " USER_COLS ", " VERIFY_COLS " FROM user_%u u "
                                    "LEFT JOIN user_details_%u d ON d.user_id = u.id WHERE ";
static const char SQL_LIST_ROLE[] = "u.role = ? AND ";
static const char SQL_LIST_STATUS[] = "u.status = ? AND ";
/* a username prefix or an exact phone/email, through the login index (one table for all shards) */
static const char SQL_LIST_SEARCH[] =
    "u.id IN (SELECT user_id FROM user_login WHERE login LIKE ? ESCAPE '!' OR login = ?) AND ";
static const char SQL_LIST_OLDEST[] =
    "(u.created_ms > ? OR (u.created_ms = ? AND u.id > ?)) ORDER BY u.created_ms, u.id LIMIT ?";
static const char SQL_LIST_NEWEST[] =
    "(u.created_ms < ? OR (u.created_ms = ? AND u.id < ?)) ORDER BY u.created_ms DESC, u.id DESC LIMIT ?";
static const char SQL_USER_SET_STATUS[] =
    "UPDATE user_%u SET status = ?, status_before = ?, status_reason = ?, updated_ms = ? WHERE id = ?";
static const char SQL_USER_UPDATE[] =
    "UPDATE user_%u SET display_name = COALESCE(?, display_name), lang = COALESCE(?, lang), "
    "password_hash = COALESCE(?, password_hash), phone = IF(?, ?, phone), email = IF(?, ?, email), "
    "updated_ms = ? WHERE id = ?";
static const char SQL_DETAILS_UPDATE[] =
    "UPDATE user_details_%u SET bio = IF(?, ?, bio), address = IF(?, ?, address), "
    "emergency_contact = IF(?, ?, emergency_contact), updated_ms = ? WHERE user_id = ?";
static const char SQL_PROVIDER_RATING[] =
    "UPDATE user_%u SET rating_count = ?, rating_sum = ? WHERE id = ? AND role = 'provider'";
static const char SQL_VERIFY_SET[] =
    "UPDATE user_details_%u SET verification_documents = ?, verification_note = ?, verification_submitted_ms = ?, "
    "updated_ms = ? WHERE user_id = ?";
static const char SQL_USER_RESUBMIT[] =
    "UPDATE user_%u SET status = ?, status_reason = NULL, updated_ms = ? WHERE id = ?";
static const char SQL_ADMIN_UPDATE[] =
    "UPDATE user_%u SET password_hash = ?, role = 'admin', status = 'active', updated_ms = ? WHERE id = ?";

static const char SQL_REFRESH_INSERT[] =
    "INSERT INTO refresh_token (token_hash, user_id, sid, created_ms, expires_ms) VALUES (?, ?, ?, ?, ?)";
static const char SQL_REFRESH_LOCK[] =
    "SELECT user_id, sid, expires_ms, spent_ms FROM refresh_token WHERE token_hash = ? FOR UPDATE";
static const char SQL_REFRESH_SPEND[] = "UPDATE refresh_token SET spent_ms = ? WHERE token_hash = ?";
static const char SQL_REFRESH_SPEND_SID[] =
    "UPDATE refresh_token SET spent_ms = ? WHERE sid = ? AND spent_ms IS NULL";
static const char SQL_REFRESH_SPEND_USER[] =
    "UPDATE refresh_token SET spent_ms = ? WHERE user_id = ? AND spent_ms IS NULL";
static const char SQL_REFRESH_SPEND_OTHERS[] =
    "UPDATE refresh_token SET spent_ms = ? WHERE user_id = ? AND sid <> ? AND spent_ms IS NULL";
/* sessions whose access tokens may still be alive: a token pair was issued within their lifetime */
static const char SQL_REFRESH_RECENT_OTHERS[] =
    "SELECT DISTINCT sid FROM refresh_token WHERE user_id = ? AND sid <> ? AND created_ms > ?";

/* A session is live while one of its refresh tokens is neither spent nor expired. */
#define SESSION_LIVE                                                                                       \
    "EXISTS (SELECT 1 FROM refresh_token t WHERE t.sid = s.sid AND t.spent_ms IS NULL AND t.expires_ms > ?)"
static const char SQL_SESSION_INSERT[] =
    "INSERT INTO auth_session (id, sid, user_id, created_ms, last_used_ms, user_agent, ip) "
    "VALUES (?, ?, ?, ?, ?, ?, ?)";
/* a use: the session's row made on its first refresh after an upgrade, else brought up to date
 * (the address of the last use; a refresh that names no User-Agent keeps the one known) */
static const char SQL_SESSION_USED[] =
    "INSERT INTO auth_session (id, sid, user_id, created_ms, last_used_ms, user_agent, ip) "
    "VALUES (?, ?, ?, ?, ?, ?, ?) ON DUPLICATE KEY UPDATE last_used_ms = VALUES(last_used_ms), "
    "user_agent = COALESCE(VALUES(user_agent), user_agent), ip = VALUES(ip)";
static const char SQL_SESSION_LIST[] =
    "SELECT s.id, s.sid, s.created_ms, s.last_used_ms, s.user_agent, s.ip FROM auth_session s "
    "WHERE s.user_id = ? AND " SESSION_LIVE " ORDER BY s.created_ms DESC, s.id DESC LIMIT ?";
static const char SQL_SESSION_LIVE_SIDS[] =
    "SELECT s.sid FROM auth_session s WHERE s.user_id = ? AND " SESSION_LIVE
    " ORDER BY s.created_ms DESC, s.id DESC";
static const char SQL_SESSION_FIND[] =
    "SELECT s.sid FROM auth_session s WHERE s.id = ? AND s.user_id = ? AND " SESSION_LIVE " FOR UPDATE";
static const char SQL_SESSION_DELETE[] = "DELETE FROM auth_session WHERE sid = ?";
static const char SQL_SESSION_DELETE_OTHERS[] = "DELETE FROM auth_session WHERE user_id = ? AND sid <> ?";
static const char SQL_SESSION_DELETE_USER[] = "DELETE FROM auth_session WHERE user_id = ?";

static const char *sql_for(char *buf, size_t cap, const char *fmt, unsigned shard)
{
    snprintf(buf, cap, fmt, shard);
    return buf;
}

/* For the join of a shard's two tables (user_%u and user_details_%u). */
static const char *sql_for_join(char *buf, size_t cap, const char *fmt, unsigned shard)
{
    snprintf(buf, cap, fmt, shard, shard);
    return buf;
}

static unsigned shard_of(struct svc *s, uint64_t id) { return ids_shard(id, user_app(s)->shards); }

/* ---------- rows ---------- */

static void copy(char *dst, size_t cap, const char *src) { snprintf(dst, cap, "%s", src ? src : ""); }

/* The verification columns of row i from column c on (VERIFY_COLS). */
static void row_to_verification(const struct db_rows *r, size_t i, size_t c, struct user *u)
{
    u->has_verification = true;
    u->verification_ms = db_rows_null(r, i, c + 2) ? 0 : db_rows_i64(r, i, c + 2);
    const char *docs = db_rows_str(r, i, c);
    json_t *a = docs ? json_loads(docs, 0, NULL) : NULL;
    size_t k;
    json_t *it;
    json_array_foreach(a, k, it)
    {
        if (u->verification_count < ACCOUNT_VERIFICATION_DOCS_MAX &&
            ids_parse(json_string_value(it), &u->verification_docs[u->verification_count]))
            u->verification_count++;
    }
    json_decref(a);
    u->has_verification_note = !db_rows_null(r, i, c + 1);
    copy(u->verification_note, sizeof u->verification_note, db_rows_str(r, i, c + 1));
}

/* Row i: USER_COLS, then the details (bio, address, emergency contact) when details, then
 * VERIFY_COLS when verification. */
static void row_to_user(const struct db_rows *r, size_t i, bool details, bool verification, struct user *u)
{
    memset(u, 0, sizeof *u);
    u->id = db_rows_u64(r, i, 0);
    copy(u->username, sizeof u->username, db_rows_str(r, i, 1));
    u->role = auth_role_parse(db_rows_str(r, i, 2));
    int st = account_status_parse(db_rows_str(r, i, 3));
    u->status = st < 0 ? ST_SUSPENDED : (enum account_status)st; /* unknown: fail safe */
    int before = account_status_parse(db_rows_str(r, i, 4));
    u->has_status_before = before >= 0;
    u->status_before = before < 0 ? ST_ACTIVE : (enum account_status)before;
    copy(u->status_reason, sizeof u->status_reason, db_rows_str(r, i, 5));
    copy(u->display_name, sizeof u->display_name, db_rows_str(r, i, 6));
    copy(u->phone, sizeof u->phone, db_rows_str(r, i, 7));
    copy(u->email, sizeof u->email, db_rows_str(r, i, 8));
    copy(u->lang, sizeof u->lang, db_rows_str(r, i, 9));
    copy(u->password_hash, sizeof u->password_hash, db_rows_str(r, i, 10));
    u->rating_count = (long)db_rows_i64(r, i, 11);
    u->rating_sum = db_rows_i64(r, i, 12);
    u->created_ms = db_rows_i64(r, i, 13);
    u->updated_ms = db_rows_i64(r, i, 14);
    if (details) {
        u->has_details = true;
        copy(u->bio, sizeof u->bio, db_rows_str(r, i, NCOLS));
        copy(u->address, sizeof u->address, db_rows_str(r, i, NCOLS + 1));
        copy(u->emergency_contact, sizeof u->emergency_contact, db_rows_str(r, i, NCOLS + 2));
    }
    if (verification)
        row_to_verification(r, i, details ? NCOLS + 3 : NCOLS, u);
}

enum err store_init(struct svc *s)
{
    struct db_rows *r = NULL;
    enum err e = db_query1(s->db, &r, SQL_SHARDS, "");
    if (e == ERR_OK && db_rows_count(r) == 1)
        user_app(s)->shards = (unsigned)db_rows_i64(r, 0, 0);
    db_rows_free(r);
    if (e != ERR_OK || user_app(s)->shards < 1 || user_app(s)->shards > 1024) {
        LOG_E("user: schema_meta has no valid shard count; were the migrations applied?");
        return e == ERR_OK ? ERR_INTERNAL : e;
    }
    LOG_I("user: accounts spread over %u shards", user_app(s)->shards);
    return ERR_OK;
}

/* ---------- create ---------- */

struct create_ctx {
    struct svc *s;
    const struct user *u;
    const char *conflict;
};

static enum err claim_login(struct db_conn *c, enum login_kind kind, const char *value, uint64_t id, int64_t now)
{
    char key[320];
    if (!account_login_key(kind, value, key, sizeof key))
        return ERR_INVALID;
    return db_exec(c, NULL, SQL_LOGIN_INSERT, "sui", key, id, now);
}

static enum err create_tx(struct db_conn *c, void *arg)
{
    struct create_ctx *x = arg;
    const struct user *u = x->u;
    unsigned k = shard_of(x->s, u->id);
    char sql[512];
    enum err e;
    x->conflict = "username";
    if ((e = claim_login(c, LOGIN_USERNAME, u->username, u->id, u->created_ms)) != ERR_OK)
        return e;
    x->conflict = "phone";
    if (u->phone[0] && (e = claim_login(c, LOGIN_PHONE, u->phone, u->id, u->created_ms)) != ERR_OK)
        return e;
    x->conflict = "email";
    if (u->email[0] && (e = claim_login(c, LOGIN_EMAIL, u->email, u->id, u->created_ms)) != ERR_OK)
        return e;
    x->conflict = NULL;
    e = db_exec(c, NULL, sql_for(sql, sizeof sql, SQL_USER_INSERT, k), "ussssssssii", u->id, u->username,
                auth_role_name(u->role), ACCOUNT_STATUS_NAMES[u->status], u->display_name,
                u->phone[0] ? u->phone : NULL, u->email[0] ? u->email : NULL, u->lang, u->password_hash,
                u->created_ms, u->updated_ms);
    if (e != ERR_OK)
        return e;
    return db_exec(c, NULL, sql_for(sql, sizeof sql, SQL_DETAILS_INSERT, k), "ui", u->id, u->created_ms);
}

enum err store_user_create(struct svc *s, const struct user *u, const char **conflict)
{
    struct create_ctx x = {s, u, NULL};
    enum err e = db_tx(s->db, create_tx, &x);
    *conflict = e == ERR_CONFLICT ? x.conflict : NULL;
    return e;
}

/* ---------- read ---------- */

static enum err get_on(struct db_conn *c, struct svc *s, uint64_t id, bool details, bool lock, struct user *out)
{
    char sql[768];
    struct db_rows *r = NULL;
    unsigned k = shard_of(s, id);
    const char *q = details ? sql_for_join(sql, sizeof sql, SQL_USER_GET_DETAILS, k)
                            : sql_for(sql, sizeof sql, lock ? SQL_USER_GET_LOCK : SQL_USER_GET, k);
    enum err e = db_query(c, &r, q, "u", id);
    if (e == ERR_OK && db_rows_count(r) == 0)
        e = ERR_NOT_FOUND;
    if (e == ERR_OK)
        row_to_user(r, 0, details, details, out);
    db_rows_free(r);
    return e;
}

enum err store_user_get(struct svc *s, uint64_t id, bool with_details, struct user *out)
{
    struct db_conn *c = db_acquire(s->db);
    if (!c)
        return ERR_UNAVAILABLE;
    enum err e = get_on(c, s, id, with_details, false, out);
    db_release(c);
    return e;
}

enum err store_user_find_login(struct svc *s, const char *name, struct user *out)
{
    char ku[320], kp[320], ke[320];
    /* a name too long for a key cannot be anyone's */
    if (!account_login_key(LOGIN_USERNAME, name, ku, sizeof ku) || !account_login_key(LOGIN_PHONE, name, kp, sizeof kp) ||
        !account_login_key(LOGIN_EMAIL, name, ke, sizeof ke))
        return ERR_NOT_FOUND;
    struct db_conn *c = db_acquire(s->db);
    if (!c)
        return ERR_UNAVAILABLE;
    struct db_rows *r = NULL;
    enum err e = db_query(c, &r, SQL_LOGIN_FIND, "sss", ku, kp, ke);
    uint64_t id = 0;
    /* precedence: username, then phone, then email */
    for (int pass = 0; e == ERR_OK && pass < 3 && !id; pass++) {
        const char *want = pass == 0 ? ku : pass == 1 ? kp : ke;
        for (size_t i = 0; i < db_rows_count(r) && !id; i++)
            if (strcmp(db_rows_str(r, i, 0), want) == 0)
                id = db_rows_u64(r, i, 1);
    }
    db_rows_free(r);
    if (e == ERR_OK)
        e = id ? get_on(c, s, id, false, false, out) : ERR_NOT_FOUND;
    db_release(c);
    return e;
}

/* Whether a comes before b in the list's order. */
static bool list_before(const struct user *a, const struct user *b, bool newest_first)
{
    if (a->created_ms != b->created_ms)
        return newest_first ? a->created_ms > b->created_ms : a->created_ms < b->created_ms;
    return newest_first ? a->id > b->id : a->id < b->id;
}

/* The statement for one shard and its parameters (values borrowed from q). */
static bool list_sql(const struct user_query *q, unsigned shard, char *sql, size_t cap, struct db_args *a)
{
    int n = snprintf(sql, cap, SQL_LIST_FROM, shard, shard);
    const char *parts[4] = {q->role ? SQL_LIST_ROLE : "", q->status >= 0 ? SQL_LIST_STATUS : "",
                            q->search_like ? SQL_LIST_SEARCH : "", q->newest_first ? SQL_LIST_NEWEST : SQL_LIST_OLDEST};
    for (size_t i = 0; i < 4 && n >= 0 && (size_t)n < cap; i++)
        n += snprintf(sql + n, cap - (size_t)n, "%s", parts[i]);
    if (n < 0 || (size_t)n >= cap)
        return false;
    if (q->role)
        db_args_s(a, auth_role_name(q->role));
    if (q->status >= 0)
        db_args_s(a, ACCOUNT_STATUS_NAMES[q->status]);
    if (q->search_like) {
        db_args_s(a, q->search_like);
        db_args_s(a, q->search_exact ? q->search_exact : "");
    }
    /* no cursor: from the very start of the order */
    int64_t ms = q->has_cursor ? q->after_ms : q->newest_first ? INT64_MAX : INT64_MIN;
    uint64_t id = q->has_cursor ? q->after_id : q->newest_first ? UINT64_MAX : 0;
    db_args_i(a, ms);
    db_args_i(a, ms);
    db_args_u(a, id);
    return !a->failed;
}

enum err store_users_list(struct svc *s, const struct user_query *q, size_t limit, struct user *out, size_t *n)
{
    /* k-way merge: each shard returns its first `limit` after the cursor in the list's
     * order; the first `limit` overall are among them, so a page never skips or repeats an
     * account across shards. Fine for an admin's list; "my orders" uses index tables. */
    struct db_conn *c = db_acquire(s->db);
    if (!c)
        return ERR_UNAVAILABLE;
    enum err e = ERR_OK;
    size_t got = 0;
    char sql[1024];
    for (unsigned k = 0; k < user_app(s)->shards && e == ERR_OK; k++) {
        struct db_rows *r = NULL;
        struct db_args a = {0};
        if (!list_sql(q, k, sql, sizeof sql, &a))
            e = ERR_INTERNAL;
        else
            db_args_i(&a, (int64_t)limit);
        if (e == ERR_OK)
            e = a.failed ? ERR_NO_MEMORY : db_execv(c, NULL, &r, sql, a.p, a.n);
        db_args_free(&a);
        for (size_t i = 0; e == ERR_OK && i < db_rows_count(r); i++) {
            struct user u;
            row_to_user(r, i, false, true, &u);
            /* insertion into the sorted prefix of size got (bounded by limit) */
            size_t pos = got;
            while (pos > 0 && list_before(&u, &out[pos - 1], q->newest_first))
                pos--;
            if (pos >= limit)
                continue;
            size_t last = got < limit ? got : limit - 1;
            memmove(&out[pos + 1], &out[pos], (last - pos) * sizeof *out);
            out[pos] = u;
            if (got < limit)
                got++;
        }
        db_rows_free(r);
    }
    db_release(c);
    *n = got;
    return e;
}

/* ---------- sessions (the rest is below, with the refresh tokens) ---------- */

void sid_list_free(struct sid_list *l)
{
    free(l->sid);
    memset(l, 0, sizeof *l);
}

static enum err sid_list_add(struct sid_list *l, const char *sid)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 8;
        void *p = realloc(l->sid, cap * sizeof *l->sid);
        if (!p)
            return ERR_NO_MEMORY;
        l->sid = p;
        l->cap = cap;
    }
    copy(l->sid[l->n++], sizeof *l->sid, sid);
    return ERR_OK;
}

/* Spend the refresh tokens and delete the row of one session. */
static enum err end_one_tx(struct db_conn *c, const char *sid, int64_t now)
{
    enum err e = db_exec(c, NULL, SQL_REFRESH_SPEND_SID, "is", now, sid);
    return e == ERR_OK ? db_exec(c, NULL, SQL_SESSION_DELETE, "s", sid) : e;
}

/* End every session of a user but keep_sid. *ended (emptied first: a transaction may run
 * again) receives the sessions that had a token pair issued within an access token's
 * lifetime, whose access tokens may still be alive. */
static enum err end_others_tx(struct db_conn *c, struct svc *s, uint64_t user_id, const char *keep_sid, int64_t now,
                              struct sid_list *ended)
{
    struct db_rows *r = NULL;
    int64_t since = now - (user_app(s)->access_ttl_s + 60) * 1000;
    ended->n = 0;
    enum err e = db_query(c, &r, SQL_REFRESH_RECENT_OTHERS, "usi", user_id, keep_sid, since);
    for (size_t i = 0; e == ERR_OK && i < db_rows_count(r); i++)
        e = sid_list_add(ended, db_rows_str(r, i, 0));
    db_rows_free(r);
    if (e == ERR_OK)
        e = db_exec(c, NULL, SQL_REFRESH_SPEND_OTHERS, "ius", now, user_id, keep_sid);
    if (e == ERR_OK)
        e = db_exec(c, NULL, SQL_SESSION_DELETE_OTHERS, "us", user_id, keep_sid);
    return e;
}

/* ---------- update ---------- */

struct update_ctx {
    struct svc *s;
    uint64_t id;
    const struct user_patch *p;
    const char *conflict;
    int64_t now;
};

/* Move a login name of a kind from the old value to the new one (either may be empty). */
static enum err move_login(struct db_conn *c, enum login_kind kind, const char *old, const char *nw, uint64_t id,
                           int64_t now)
{
    char key[320];
    enum err e;
    if (old && *old && account_login_key(kind, old, key, sizeof key) &&
        (e = db_exec(c, NULL, SQL_LOGIN_DELETE, "su", key, id)) != ERR_OK)
        return e;
    if (nw && *nw)
        return claim_login(c, kind, nw, id, now);
    return ERR_OK;
}

static enum err update_tx(struct db_conn *c, void *arg)
{
    struct update_ctx *x = arg;
    const struct user_patch *p = x->p;
    struct user cur;
    char sql[768];
    unsigned k = shard_of(x->s, x->id);
    enum err e = get_on(c, x->s, x->id, false, true, &cur);
    if (e != ERR_OK)
        return e;
    if (p->set_phone && strcmp(cur.phone, p->phone ? p->phone : "") != 0) {
        x->conflict = "phone";
        if ((e = move_login(c, LOGIN_PHONE, cur.phone, p->phone, x->id, x->now)) != ERR_OK)
            return e;
    }
    if (p->set_email) {
        char a[320], b[320];
        account_login_key(LOGIN_EMAIL, cur.email, a, sizeof a);
        account_login_key(LOGIN_EMAIL, p->email ? p->email : "", b, sizeof b);
        x->conflict = "email";
        if (strcmp(a, b) != 0 && (e = move_login(c, LOGIN_EMAIL, cur.email, p->email, x->id, x->now)) != ERR_OK)
            return e;
    }
    x->conflict = NULL;
    if (p->end_sessions && (e = end_others_tx(c, x->s, x->id, p->keep_sid, x->now, p->ended)) != ERR_OK)
        return e;
    e = db_exec(c, NULL, sql_for(sql, sizeof sql, SQL_USER_UPDATE, k), "sssbsbsiu", p->display_name, p->lang,
                p->password_hash, p->set_phone, p->phone, p->set_email, p->email, x->now, x->id);
    if (e != ERR_OK || !(p->set_bio || p->set_address || p->set_emergency))
        return e;
    return db_exec(c, NULL, sql_for(sql, sizeof sql, SQL_DETAILS_UPDATE, k), "bsbsbsiu", p->set_bio, p->bio,
                   p->set_address, p->address, p->set_emergency, p->emergency, x->now, x->id);
}

enum err store_user_update(struct svc *s, uint64_t id, const struct user_patch *p, const char **conflict)
{
    struct update_ctx x = {s, id, p, NULL, time_now_ms()};
    enum err e = db_tx(s->db, update_tx, &x);
    *conflict = e == ERR_CONFLICT ? x.conflict : NULL;
    if (e == ERR_OK)
        store_user_invalidate(s, id);
    return e;
}

struct status_ctx {
    struct svc *s;
    uint64_t id;
    enum account_action action;
    const char *reason;
    struct user *out;
};

/* The decision as an event (docs/events.md), in the outbox of the same transaction: the
 * notification service tells the user. */
static enum err status_event_tx(struct db_conn *c, uint64_t id, enum account_action a, const char *reason)
{
    static const char *const TYPES[] = {[ACT_APPROVE] = "provider.approved", [ACT_REJECT] = "provider.rejected",
                                        [ACT_SUSPEND] = "user.suspended", [ACT_REINSTATE] = "user.reinstated"};
    char ids[IDS_STR_LEN];
    json_t *data = json_pack("{s:s,s:s?}", "user_id", ids_format(id, ids), "reason", reason);
    enum err e = data ? events_outbox_add(c, "user", TYPES[a], 1, data, NULL) : ERR_NO_MEMORY;
    json_decref(data);
    return e;
}

static enum err status_tx(struct db_conn *c, void *arg)
{
    struct status_ctx *x = arg;
    char sql[512];
    int64_t now = time_now_ms();
    enum account_status to;
    enum err e = get_on(c, x->s, x->id, false, true, x->out);
    if (e != ERR_OK)
        return e;
    e = account_transition(x->out->role, x->out->status, x->out->status_before, x->action, &to);
    if (e != ERR_OK)
        return e;
    const char *before = to == ST_SUSPENDED ? ACCOUNT_STATUS_NAMES[x->out->status] : NULL;
    e = db_exec(c, NULL, sql_for(sql, sizeof sql, SQL_USER_SET_STATUS, shard_of(x->s, x->id)), "sssiu",
                ACCOUNT_STATUS_NAMES[to], before, x->reason, now, x->id);
    if (e == ERR_OK && to == ST_SUSPENDED)
        e = db_exec(c, NULL, SQL_REFRESH_SPEND_USER, "iu", now, x->id);
    if (e == ERR_OK && to == ST_SUSPENDED)
        e = db_exec(c, NULL, SQL_SESSION_DELETE_USER, "u", x->id);
    if (e == ERR_OK)
        e = status_event_tx(c, x->id, x->action, x->reason);
    if (e == ERR_OK)
        e = get_on(c, x->s, x->id, false, false, x->out);
    return e;
}

enum err store_user_set_status(struct svc *s, uint64_t id, enum account_action a, const char *reason, struct user *out)
{
    struct status_ctx x = {s, id, a, reason, out};
    enum err e = db_tx(s->db, status_tx, &x);
    if (e == ERR_OK) {
        store_user_invalidate(s, id);
        events_relay_nudge();
    }
    return e;
}

struct verify_ctx {
    struct svc *s;
    uint64_t id;
    const char *documents, *note;
    bool resubmitted;
    struct user *out;
};

static enum err verify_tx(struct db_conn *c, void *arg)
{
    struct verify_ctx *x = arg;
    char sql[512];
    unsigned k = shard_of(x->s, x->id);
    int64_t now = time_now_ms();
    enum account_status to;
    uint64_t affected = 0;
    enum err e = get_on(c, x->s, x->id, false, true, x->out);
    if (e != ERR_OK)
        return e;
    if ((e = account_verification_submit(x->out->role, x->out->status, &to)) != ERR_OK)
        return e;
    x->resubmitted = x->out->status == ST_REJECTED;
    e = db_exec(c, &affected, sql_for(sql, sizeof sql, SQL_VERIFY_SET, k), "ssiiu", x->documents, x->note, now, now,
                x->id);
    if (e == ERR_OK && affected == 0) {
        LOG_E("user: %llu has no details row to keep its verification in", (unsigned long long)x->id);
        return ERR_INTERNAL;
    }
    if (e == ERR_OK && x->resubmitted) {
        /* rejected before: waiting for review again, the rejection's reason no longer applies */
        e = db_exec(c, NULL, sql_for(sql, sizeof sql, SQL_USER_RESUBMIT, k), "siu", ACCOUNT_STATUS_NAMES[to], now,
                    x->id);
        char ids[IDS_STR_LEN];
        json_t *data = e == ERR_OK ? json_pack("{s:s}", "user_id", ids_format(x->id, ids)) : NULL;
        if (e == ERR_OK)
            e = data ? events_outbox_add(c, "user", "provider.resubmitted", 1, data, NULL) : ERR_NO_MEMORY;
        json_decref(data);
    }
    if (e == ERR_OK)
        e = get_on(c, x->s, x->id, true, false, x->out);
    return e;
}

enum err store_verification_submit(struct svc *s, uint64_t id, const char *documents, const char *note,
                                   struct user *out)
{
    struct verify_ctx x = {s, id, documents, note, false, out};
    enum err e = db_tx(s->db, verify_tx, &x);
    if (e == ERR_OK) {
        store_user_invalidate(s, id);
        if (x.resubmitted)
            events_relay_nudge();
    }
    return e;
}

enum err store_provider_rating_tx(struct db_conn *c, struct svc *s, uint64_t provider_id, long count, long sum)
{
    char sql[256];
    return db_exec(c, NULL, sql_for(sql, sizeof sql, SQL_PROVIDER_RATING, shard_of(s, provider_id)), "iiu",
                   (int64_t)count, (int64_t)sum, provider_id);
}

enum err store_admin_upsert(struct svc *s, const char *username, const char *password_hash, bool *created)
{
    struct user u;
    int64_t now = time_now_ms();
    enum err e = store_user_find_login(s, username, &u);
    if (e == ERR_OK && u.role != ROLE_ADMIN) {
        LOG_E("create-admin: '%s' belongs to a non-admin account; refusing to promote it", username);
        return ERR_CONFLICT;
    }
    if (e == ERR_OK) {
        char sql[256];
        *created = false;
        e = db_exec1(s->db, NULL, sql_for(sql, sizeof sql, SQL_ADMIN_UPDATE, shard_of(s, u.id)), "siu", password_hash,
                     now, u.id);
        if (e == ERR_OK)
            store_user_invalidate(s, u.id);
        return e;
    }
    if (e != ERR_OK && e != ERR_NOT_FOUND)
        return e;
    memset(&u, 0, sizeof u);
    u.id = ids_next();
    copy(u.username, sizeof u.username, username);
    u.role = ROLE_ADMIN;
    u.status = ST_ACTIVE;
    copy(u.display_name, sizeof u.display_name, "平台管理员");
    copy(u.lang, sizeof u.lang, "zh");
    copy(u.password_hash, sizeof u.password_hash, password_hash);
    u.created_ms = u.updated_ms = now;
    const char *conflict;
    *created = true;
    return store_user_create(s, &u, &conflict);
}

/* ---------- sessions and refresh tokens ---------- */

struct start_ctx {
    struct svc *s;
    uint64_t user_id;
    const char *sid, *token_hash;
    int64_t expires_ms;
    const struct session_origin *o;
    size_t max;
    struct sid_list *ended;
};

static enum err start_tx(struct db_conn *c, void *arg)
{
    struct start_ctx *x = arg;
    struct db_rows *r = NULL;
    int64_t now = time_now_ms();
    x->ended->n = 0;
    enum err e = db_exec(c, NULL, SQL_REFRESH_INSERT, "susii", x->token_hash, x->user_id, x->sid, now, x->expires_ms);
    if (e == ERR_OK)
        e = db_exec(c, NULL, SQL_SESSION_INSERT, "usuiiss", ids_next(), x->sid, x->user_id, now, now,
                    x->o->user_agent[0] ? x->o->user_agent : NULL, x->o->ip);
    if (e == ERR_OK)
        e = db_query(c, &r, SQL_SESSION_LIVE_SIDS, "ui", x->user_id, now);
    /* newest first: everything after the first max ends */
    for (size_t i = x->max; e == ERR_OK && i < db_rows_count(r); i++)
        e = sid_list_add(x->ended, db_rows_str(r, i, 0));
    db_rows_free(r);
    for (size_t i = 0; e == ERR_OK && i < x->ended->n; i++)
        e = end_one_tx(c, x->ended->sid[i], now);
    return e;
}

enum err store_session_start(struct svc *s, uint64_t user_id, const char *sid, const char *token_hash,
                             int64_t expires_ms, const struct session_origin *o, size_t max, struct sid_list *ended)
{
    struct start_ctx x = {s, user_id, sid, token_hash, expires_ms, o, max, ended};
    return db_tx(s->db, start_tx, &x);
}

struct rotate_ctx {
    struct svc *s;
    const char *old_hash, *new_hash;
    int64_t new_exp;
    const struct session_origin *o;
    enum rotate_result res;
    uint64_t user_id;
    char sid[AUTH_SID_LEN + 1];
};

static enum err rotate_tx(struct db_conn *c, void *arg)
{
    struct rotate_ctx *x = arg;
    struct db_rows *r = NULL;
    int64_t now = time_now_ms();
    enum err e = db_query(c, &r, SQL_REFRESH_LOCK, "s", x->old_hash);
    if (e != ERR_OK || db_rows_count(r) == 0) {
        db_rows_free(r);
        x->res = ROTATE_UNKNOWN;
        return e;
    }
    x->user_id = db_rows_u64(r, 0, 0);
    copy(x->sid, sizeof x->sid, db_rows_str(r, 0, 1));
    int64_t exp = db_rows_i64(r, 0, 2);
    bool spent = !db_rows_null(r, 0, 3);
    db_rows_free(r);
    if (spent) { /* replay of a used token: burn the whole session (committed) */
        x->res = ROTATE_REUSED;
        return end_one_tx(c, x->sid, now);
    }
    if (exp <= now) {
        x->res = ROTATE_EXPIRED;
        return ERR_OK;
    }
    struct user u;
    e = get_on(c, x->s, x->user_id, false, false, &u);
    if (e == ERR_NOT_FOUND || (e == ERR_OK && (u.status == ST_SUSPENDED))) {
        x->res = ROTATE_ACCOUNT_BLOCKED;
        return end_one_tx(c, x->sid, now);
    }
    if (e != ERR_OK)
        return e;
    if ((e = db_exec(c, NULL, SQL_REFRESH_SPEND, "is", now, x->old_hash)) != ERR_OK)
        return e;
    x->res = ROTATE_OK;
    e = db_exec(c, NULL, SQL_REFRESH_INSERT, "susii", x->new_hash, x->user_id, x->sid, now, x->new_exp);
    if (e == ERR_OK)
        e = db_exec(c, NULL, SQL_SESSION_USED, "usuiiss", ids_next(), x->sid, x->user_id, now, now,
                    x->o->user_agent[0] ? x->o->user_agent : NULL, x->o->ip);
    return e;
}

enum err store_refresh_rotate(struct svc *s, const char *old_hash, const char *new_hash, int64_t new_expires_ms,
                              const struct session_origin *o, enum rotate_result *res, uint64_t *user_id, char *sid)
{
    struct rotate_ctx x = {s, old_hash, new_hash, new_expires_ms, o, ROTATE_UNKNOWN, 0, ""};
    enum err e = db_tx(s->db, rotate_tx, &x);
    if (e == ERR_OK) {
        *res = x.res;
        *user_id = x.user_id;
        memcpy(sid, x.sid, sizeof x.sid);
    }
    return e;
}

static enum err end_tx(struct db_conn *c, void *arg) { return end_one_tx(c, arg, time_now_ms()); }

enum err store_session_end(struct svc *s, const char *sid)
{
    return db_tx(s->db, end_tx, (void *)sid);
}

enum err store_sessions_list(struct svc *s, uint64_t user_id, struct session_row *out, size_t cap, size_t *n)
{
    struct db_rows *r = NULL;
    enum err e = db_query1(s->db, &r, SQL_SESSION_LIST, "uii", user_id, time_now_ms(), (int64_t)cap);
    *n = 0;
    for (size_t i = 0; e == ERR_OK && i < db_rows_count(r) && *n < cap; i++) {
        struct session_row *o = &out[(*n)++];
        o->id = db_rows_u64(r, i, 0);
        copy(o->sid, sizeof o->sid, db_rows_str(r, i, 1));
        o->created_ms = db_rows_i64(r, i, 2);
        o->last_used_ms = db_rows_i64(r, i, 3);
        copy(o->user_agent, sizeof o->user_agent, db_rows_str(r, i, 4));
        copy(o->ip, sizeof o->ip, db_rows_str(r, i, 5));
    }
    db_rows_free(r);
    return e;
}

struct end_id_ctx {
    uint64_t user_id, id;
    char sid[AUTH_SID_LEN + 1];
};

static enum err end_id_tx(struct db_conn *c, void *arg)
{
    struct end_id_ctx *x = arg;
    struct db_rows *r = NULL;
    int64_t now = time_now_ms();
    enum err e = db_query(c, &r, SQL_SESSION_FIND, "uui", x->id, x->user_id, now);
    if (e == ERR_OK && db_rows_count(r) == 0)
        e = ERR_NOT_FOUND;
    if (e == ERR_OK)
        copy(x->sid, sizeof x->sid, db_rows_str(r, 0, 0));
    db_rows_free(r);
    return e == ERR_OK ? end_one_tx(c, x->sid, now) : e;
}

enum err store_session_end_id(struct svc *s, uint64_t user_id, uint64_t id, char *sid)
{
    struct end_id_ctx x = {user_id, id, ""};
    enum err e = db_tx(s->db, end_id_tx, &x);
    if (e == ERR_OK)
        memcpy(sid, x.sid, sizeof x.sid);
    return e;
}

struct others_ctx {
    struct svc *s;
    uint64_t user_id;
    const char *keep_sid;
    struct sid_list *ended;
};

static enum err others_tx(struct db_conn *c, void *arg)
{
    struct others_ctx *x = arg;
    return end_others_tx(c, x->s, x->user_id, x->keep_sid, time_now_ms(), x->ended);
}

enum err store_sessions_end_others(struct svc *s, uint64_t user_id, const char *keep_sid, struct sid_list *ended)
{
    struct others_ctx x = {s, user_id, keep_sid, ended};
    return db_tx(s->db, others_tx, &x);
}

/* ---------- Redis ---------- */

enum err store_revoke_session(struct svc *s, const char *sid, long ttl_s)
{
    char key[96];
    svc_key_session_revoked(key, sizeof key, sid);
    redisReply *r = cache_cmd_durable(s->cache, "SET %s 1 EX %ld", key, ttl_s > 0 ? ttl_s : 1);
    if (!r)
        return ERR_UNAVAILABLE;
    freeReplyObject(r);
    return ERR_OK;
}

enum err store_revoke_user_tokens(struct svc *s, uint64_t user_id, int64_t after_ms, long ttl_s)
{
    char key[96], val[24];
    svc_key_user_tokens_after(key, sizeof key, user_id);
    snprintf(val, sizeof val, "%lld", (long long)after_ms);
    redisReply *r = cache_cmd_durable(s->cache, "SET %s %s EX %ld", key, val, ttl_s > 0 ? ttl_s : 1);
    if (!r)
        return ERR_UNAVAILABLE;
    freeReplyObject(r);
    return ERR_OK;
}

/* A client address, and the pair (address, login name): an address holds no '/', so the
 * first one splits the pair unambiguously. */
static void key_fail_ip(char *buf, size_t cap, const char *ip) { snprintf(buf, cap, "pb:auth:fail:ip:%s", ip); }
static void key_fail_pair(char *buf, size_t cap, const char *ip, const char *login)
{
    snprintf(buf, cap, "pb:auth:fail:pair:%s/%s", ip, login);
}
static void key_lock_pair(char *buf, size_t cap, const char *ip, const char *login)
{
    snprintf(buf, cap, "pb:auth:lock:%s/%s", ip, login);
}

enum err store_login_failures(struct svc *s, const char *login, const char *ip, long *fi, int64_t *lock_ms)
{
    char ki[96], kl[480];
    key_fail_ip(ki, sizeof ki, ip);
    key_lock_pair(kl, sizeof kl, ip, login);
    /* a login asks before it checks the password: it rides out a Redis failover */
    redisReply *r = cache_read(s->cache, true, "MGET %s %s", ki, kl);
    if (!r || r->type != REDIS_REPLY_ARRAY || r->elements != 2) {
        if (r)
            freeReplyObject(r);
        return ERR_UNAVAILABLE;
    }
    *fi = r->element[0]->type == REDIS_REPLY_STRING ? strtol(r->element[0]->str, NULL, 10) : 0;
    /* the lock holds the time (ms, the service's clock) it ends */
    *lock_ms = r->element[1]->type == REDIS_REPLY_STRING ? strtoll(r->element[1]->str, NULL, 10) - time_now_ms() : 0;
    freeReplyObject(r);
    return ERR_OK;
}

/* INCR and set the expiry: nx keeps a running window (EXPIRE ... NX), else it starts anew. */
static long bump(struct svc *s, const char *key, long ttl_s, bool nx)
{
    long n = 0;
    redisReply *r = cache_cmd(s->cache, "INCR %s", key);
    if (r && r->type == REDIS_REPLY_INTEGER)
        n = (long)r->integer;
    if (r)
        freeReplyObject(r);
    r = nx ? cache_cmd(s->cache, "EXPIRE %s %ld NX", key, ttl_s) : cache_cmd(s->cache, "EXPIRE %s %ld", key, ttl_s);
    if (r)
        freeReplyObject(r);
    return n;
}

void store_login_failed(struct svc *s, const char *login, const char *ip)
{
    struct user_app *a = user_app(s);
    char ki[96], kp[480];
    key_fail_ip(ki, sizeof ki, ip);
    key_fail_pair(kp, sizeof kp, ip, login);
    bump(s, ki, a->login_window_s, true);
    /* the pair's count outlives its longest wait, so the next failure after a wait doubles it */
    long n = bump(s, kp, 2 * a->login_window_s, false);
    long delay = account_login_delay_s(n, a->login_max_fails_user, a->login_delay_s, a->login_window_s);
    if (delay > 0) {
        char kl[480];
        key_lock_pair(kl, sizeof kl, ip, login);
        redisReply *r = cache_cmd(s->cache, "SET %s %lld EX %ld", kl, (long long)(time_now_ms() + delay * 1000), delay);
        if (r)
            freeReplyObject(r);
        LOG_W("user: %ld failed logins in a row from %s for one name: it waits %ld s", n, ip, delay);
    }
}

void store_login_succeeded(struct svc *s, const char *login, const char *ip)
{
    char kp[480];
    key_fail_pair(kp, sizeof kp, ip, login);
    cache_del(s->cache, kp);
}

/* ---------- cached views ---------- */

static void key_view(char *buf, size_t cap, uint64_t id, enum user_view v)
{
    snprintf(buf, cap, "pb:user:%llu:%s", (unsigned long long)id, v == VIEW_PUBLIC ? "public" : "self");
}

struct view_ctx {
    struct svc *s;
    uint64_t id;
    enum user_view view;
    int64_t now_s;
};

/* The JSON of a view; a cached self view is stamped "<stamp>\n<json>" (lib/mediaref.h): a
 * provider's holds the signed URLs of its verification documents. */
static enum err load_view(void *arg, char **out, size_t *len)
{
    struct view_ctx *x = arg;
    struct user *u = malloc(sizeof *u);
    if (!u)
        return ERR_NO_MEMORY;
    enum err e = store_user_get(x->s, x->id, x->view != VIEW_PUBLIC, u);
    char *json = e == ERR_OK ? http_json_text(account_user_json(u, x->view, x->now_s), NULL) : NULL;
    if (e == ERR_OK && !json)
        e = ERR_NO_MEMORY;
    if (e == ERR_OK && x->view == VIEW_SELF) {
        size_t cap = strlen(json) + 24;
        *out = malloc(cap);
        if (*out)
            *len = (size_t)snprintf(*out, cap, "%lld\n%s",
                                    (long long)mediaref_stamp(account_view_signed(u, x->view), x->now_s), json);
        else
            e = ERR_NO_MEMORY;
        free(json);
    } else if (e == ERR_OK) {
        *out = json;
        *len = strlen(json);
    }
    free(u);
    return e;
}

/* Split a stamped self view; false when raw is not one. */
static bool parse_self(char *raw, long long *stamp, char **json)
{
    char *end;
    *stamp = strtoll(raw, &end, 10);
    if (end == raw || *end != '\n')
        return false;
    *json = end + 1;
    return true;
}

enum err store_user_json_cached(struct svc *s, uint64_t id, enum user_view view, char **out, size_t *len)
{
    static const struct aside_opts opts = {.name = "user_profile", .ttl_ms = 300000, .negative_ttl_ms = 10000};
    if (view == VIEW_INTERNAL) { /* moderation views are always read fresh */
        struct view_ctx x = {s, id, view, time_now_ms() / 1000};
        return load_view(&x, out, len);
    }
    char key[64];
    key_view(key, sizeof key, id, view);
    for (int attempt = 0;; attempt++) {
        struct view_ctx x = {s, id, view, time_now_ms() / 1000};
        char *raw = NULL, *json;
        size_t rawlen = 0;
        long long stamp;
        enum err e = aside_get(s->cache, key, &opts, load_view, &x, &raw, &rawlen);
        if (e != ERR_OK || view != VIEW_SELF) {
            *out = raw;
            *len = rawlen;
            return e;
        }
        bool parsed = parse_self(raw, &stamp, &json);
        if (attempt == 0 && (!parsed || !mediaref_stamp_current(stamp, x.now_s))) {
            /* URLs signed in an hour that has passed, or a format this version does not know:
             * rebuild once */
            free(raw);
            aside_invalidate(s->cache, key);
            continue;
        }
        if (!parsed) {
            LOG_E("user: cached value of %s is malformed even after a rebuild", key);
            free(raw);
            return ERR_INTERNAL;
        }
        *len = rawlen - (size_t)(json - raw);
        memmove(raw, json, *len + 1);
        *out = raw;
        return ERR_OK;
    }
}

void store_user_invalidate(struct svc *s, uint64_t id)
{
    char key[64];
    key_view(key, sizeof key, id, VIEW_PUBLIC);
    aside_invalidate(s->cache, key);
    key_view(key, sizeof key, id, VIEW_SELF);
    aside_invalidate(s->cache, key);
}
