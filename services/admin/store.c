/* Admin service storage: the audit log and the platform rules with their history. */
#include "store.h"
#include "dates.h"
#include "ids.h"
#include "log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct admin_app *admin_app(struct svc *s) { return s->app; }

/* ---------- SQL ---------- */

#define AUDIT_COLS                                                                                            \
    "id, actor_id, action, target_type, target_id, reason, outcome, detail, callee_status, request_id, "    \
    "created_ms, updated_ms"
#define RULES_COLS "version, banned_words, min_price_fen, max_price_fen, updated_ms, updated_by"

static const char SQL_AUDIT_INSERT[] =
    "INSERT INTO audit_log (" AUDIT_COLS ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULLIF(?, 0), ?, ?, ?)";
static const char SQL_AUDIT_FINISH[] =
    "UPDATE audit_log SET outcome = ?, callee_status = NULLIF(?, 0), detail = ?, updated_ms = ? WHERE id = ?";
/* each filter is either off (NULL / 0) or an equality the optimiser can use an index for:
 * MariaDB plans a prepared statement with the bound values, so "? IS NULL" folds away */
static const char SQL_AUDIT_LIST[] =
    "SELECT " AUDIT_COLS " FROM audit_log WHERE id < ? AND (? IS NULL OR target_type = ?) AND "
    "(? IS NULL OR target_id = ?) AND (? = 0 OR actor_id = ?) ORDER BY id DESC LIMIT ?";

static const char SQL_RULES_COUNT[] = "SELECT COUNT(*) FROM platform_rules WHERE id = 1";
static const char SQL_RULES_GET[] = "SELECT " RULES_COLS " FROM platform_rules WHERE id = 1";
static const char SQL_RULES_LOCK[] = "SELECT " RULES_COLS " FROM platform_rules WHERE id = 1 FOR UPDATE";
static const char SQL_RULES_UPDATE[] =
    "UPDATE platform_rules SET version = ?, banned_words = ?, min_price_fen = ?, max_price_fen = ?, "
    "updated_ms = ?, updated_by = ? WHERE id = 1";
static const char SQL_RULES_HISTORY[] =
    "INSERT INTO platform_rules_history (" RULES_COLS ", audit_id) VALUES (?, ?, ?, ?, ?, ?, ?)";

/* ---------- helpers ---------- */

static void copy(char *dst, size_t cap, const char *src) { snprintf(dst, cap, "%s", src ? src : ""); }

enum err store_init(struct svc *s)
{
    struct db_rows *r = NULL;
    enum err e = db_query1(s->db, &r, SQL_RULES_COUNT, "");
    bool ok = e == ERR_OK && db_rows_count(r) == 1 && db_rows_i64(r, 0, 0) == 1;
    db_rows_free(r);
    if (!ok) {
        LOG_E("admin: platform_rules has no current row; were the migrations applied?");
        return e == ERR_OK ? ERR_INTERNAL : e;
    }
    return ERR_OK;
}

/* ---------- audit log ---------- */

static enum err audit_insert(struct db_conn *c, const struct audit_entry *a)
{
    return db_exec(c, NULL, SQL_AUDIT_INSERT, "uussssssisii", a->id, a->actor_id, a->action, a->target_type,
                   a->target_id[0] ? a->target_id : NULL, a->has_reason ? a->reason : NULL,
                   AUDIT_OUTCOME_NAMES[a->outcome], a->detail[0] ? a->detail : NULL, (int64_t)a->callee_status,
                   a->request_id[0] ? a->request_id : NULL, a->created_ms, a->updated_ms);
}

enum err store_audit_begin(struct svc *s, const struct audit_entry *a)
{
    struct db_conn *c = db_acquire(s->db);
    if (!c)
        return ERR_UNAVAILABLE;
    enum err e = audit_insert(c, a);
    db_release(c);
    return e;
}

enum err store_audit_finish(struct svc *s, uint64_t id, enum audit_outcome o, long callee_status, const char *detail)
{
    return db_exec1(s->db, NULL, SQL_AUDIT_FINISH, "sisiu", AUDIT_OUTCOME_NAMES[o], (int64_t)callee_status,
                    detail && *detail ? detail : NULL, time_now_ms(), id);
}

static void row_to_entry(const struct db_rows *r, size_t i, struct audit_entry *a)
{
    memset(a, 0, sizeof *a);
    a->id = db_rows_u64(r, i, 0);
    a->actor_id = db_rows_u64(r, i, 1);
    copy(a->action, sizeof a->action, db_rows_str(r, i, 2));
    copy(a->target_type, sizeof a->target_type, db_rows_str(r, i, 3));
    copy(a->target_id, sizeof a->target_id, db_rows_str(r, i, 4));
    a->has_reason = !db_rows_null(r, i, 5);
    copy(a->reason, sizeof a->reason, db_rows_str(r, i, 5));
    int o = audit_outcome_parse(db_rows_str(r, i, 6));
    a->outcome = o < 0 ? AUDIT_REQUESTED : (enum audit_outcome)o;
    copy(a->detail, sizeof a->detail, db_rows_str(r, i, 7));
    a->callee_status = (long)db_rows_i64(r, i, 8);
    copy(a->request_id, sizeof a->request_id, db_rows_str(r, i, 9));
    a->created_ms = db_rows_i64(r, i, 10);
    a->updated_ms = db_rows_i64(r, i, 11);
}

enum err store_audit_list(struct svc *s, const struct audit_filter *f, uint64_t before_id, size_t limit,
                          struct audit_entry *out, size_t *n)
{
    struct db_rows *r = NULL;
    enum err e = db_query1(s->db, &r, SQL_AUDIT_LIST, "ussssuui", before_id, f->target_type, f->target_type,
                           f->target_id, f->target_id, f->actor_id, f->actor_id, (int64_t)limit);
    size_t got = 0;
    for (size_t i = 0; e == ERR_OK && i < db_rows_count(r) && got < limit; i++)
        row_to_entry(r, i, &out[got++]);
    db_rows_free(r);
    *n = got;
    return e;
}

/* ---------- platform rules ---------- */

void rules_state_free(struct rules_state *r)
{
    if (!r)
        return;
    json_decref(r->banned_words);
    r->banned_words = NULL;
}

static enum err row_to_rules(const struct db_rows *r, struct rules_state *out)
{
    if (db_rows_count(r) != 1) {
        LOG_E("admin: platform_rules has no current row");
        return ERR_INTERNAL;
    }
    json_error_t je;
    const char *text = db_rows_str(r, 0, 1);
    json_t *words = text ? json_loads(text, 0, &je) : NULL;
    if (!json_is_array(words)) {
        LOG_E("admin: platform_rules.banned_words is not a JSON array");
        json_decref(words);
        return ERR_INTERNAL;
    }
    *out = (struct rules_state){
        .version = db_rows_i64(r, 0, 0),
        .banned_words = words,
        .min_price_fen = db_rows_i64(r, 0, 2),
        .max_price_fen = db_rows_i64(r, 0, 3),
        .updated_ms = db_rows_i64(r, 0, 4),
        .updated_by = db_rows_u64(r, 0, 5),
    };
    return ERR_OK;
}

enum err store_rules_get(struct svc *s, struct rules_state *out)
{
    struct db_rows *r = NULL;
    enum err e = db_query1(s->db, &r, SQL_RULES_GET, "");
    if (e == ERR_OK)
        e = row_to_rules(r, out);
    db_rows_free(r);
    return e;
}

struct put_ctx {
    const json_t *words;
    const char *words_text;
    int64_t min_fen, max_fen, expected_version, now;
    struct audit_entry *audit;
    int64_t version; /* the version written */
};

static enum err put_tx(struct db_conn *c, void *arg)
{
    struct put_ctx *x = arg;
    struct db_rows *r = NULL;
    struct rules_state cur = {0};
    enum err e = db_query(c, &r, SQL_RULES_LOCK, "");
    if (e == ERR_OK)
        e = row_to_rules(r, &cur);
    db_rows_free(r);
    if (e != ERR_OK)
        return e;
    if (x->expected_version >= 1 && x->expected_version != cur.version) {
        rules_state_free(&cur);
        return ERR_CONFLICT;
    }
    x->version = cur.version + 1;
    struct rules before = {cur.banned_words, cur.min_price_fen, cur.max_price_fen};
    struct rules after = {x->words, x->min_fen, x->max_fen};
    struct audit_entry *a = x->audit;
    char summary[AUDIT_DETAIL_BYTES - 24];
    rules_change_summary(&before, &after, summary, sizeof summary);
    rules_state_free(&cur);
    snprintf(a->detail, sizeof a->detail, "version %lld: %s", (long long)x->version, summary);
    snprintf(a->target_id, sizeof a->target_id, "%lld", (long long)x->version);
    a->outcome = AUDIT_DONE;
    a->created_ms = a->updated_ms = x->now;
    e = db_exec(c, NULL, SQL_RULES_UPDATE, "isiiiu", x->version, x->words_text, x->min_fen, x->max_fen, x->now,
                a->actor_id);
    if (e == ERR_OK)
        e = db_exec(c, NULL, SQL_RULES_HISTORY, "isiiiuu", x->version, x->words_text, x->min_fen, x->max_fen, x->now,
                    a->actor_id, a->id);
    if (e == ERR_OK)
        e = audit_insert(c, a);
    return e;
}

enum err store_rules_put(struct svc *s, const json_t *banned_words, int64_t min_price_fen, int64_t max_price_fen,
                         int64_t expected_version, struct audit_entry *a, struct rules_state *out)
{
    char *text = json_dumps(banned_words, JSON_COMPACT);
    json_t *copy_words = json_deep_copy(banned_words);
    enum err e = ERR_NO_MEMORY;
    if (text && copy_words) {
        struct put_ctx x = {banned_words, text, min_price_fen, max_price_fen, expected_version, time_now_ms(), a, 0};
        e = db_tx(s->db, put_tx, &x);
        if (e == ERR_OK) {
            *out = (struct rules_state){x.version, copy_words, min_price_fen, max_price_fen, x.now, a->actor_id};
            copy_words = NULL;
        }
    }
    json_decref(copy_words);
    free(text);
    return e;
}
