/* Media service storage: the SQL of the `media` table. */
#include "store.h"
#include "ids.h"
#include "log.h"

#include <stdio.h>
#include <string.h>

/* ---------- SQL ---------- */

#define MEDIA_COLS                                                                                         \
    "id, owner_id, purpose, visibility, sha256, format, src_width, src_height, width, height, thumb_width, " \
    "thumb_height, bytes, thumb_bytes, upload_bytes, created_ms"

static const char SQL_INSERT[] = "INSERT INTO media (" MEDIA_COLS ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
                                 "?, ?)";
/* the purposes listed so that by_owner (owner_id, purpose, id) is read as four id ranges */
static const char SQL_RECENT[] = "SELECT COUNT(*), COALESCE(MIN(created_ms), 0) FROM media WHERE owner_id = ? AND "
                                 "purpose IN ('listing', 'pet', 'care_log', 'verification') AND id >= ?";
static const char SQL_GET[] = "SELECT " MEDIA_COLS " FROM media WHERE id = ?";
/* one statement for up to 20 ids: unused places are bound to 0, which is never an id */
static const char SQL_GET_MANY[] = "SELECT " MEDIA_COLS " FROM media WHERE id IN (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
                                   "?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
_Static_assert(STORE_MANY_MAX == 20, "SQL_GET_MANY has 20 places");

/* ---------- rows ---------- */

static int name_index(const char *const *names, const char *v)
{
    for (int i = 0; v && names[i]; i++)
        if (strcmp(names[i], v) == 0)
            return i;
    return -1;
}

static enum media_format format_of(const char *v)
{
    if (v && strcmp(v, "jpeg") == 0)
        return MEDIA_FORMAT_JPEG;
    if (v && strcmp(v, "png") == 0)
        return MEDIA_FORMAT_PNG;
    if (v && strcmp(v, "webp") == 0)
        return MEDIA_FORMAT_WEBP;
    return MEDIA_FORMAT_NONE;
}

/* Row i of a MEDIA_COLS result; false (logged) if it holds what no upload can. */
static bool row_to_media(const struct db_rows *r, size_t i, struct media *m)
{
    memset(m, 0, sizeof *m);
    m->id = db_rows_u64(r, i, 0);
    m->owner_id = db_rows_u64(r, i, 1);
    int p = name_index(MEDIA_PURPOSE_NAMES, db_rows_str(r, i, 2));
    const char *vis = db_rows_str(r, i, 3), *sha = db_rows_str(r, i, 4);
    m->pub = vis && strcmp(vis, "public") == 0;
    snprintf(m->sha256, sizeof m->sha256, "%s", sha ? sha : "");
    m->format = format_of(db_rows_str(r, i, 5));
    m->src_width = (unsigned)db_rows_u64(r, i, 6);
    m->src_height = (unsigned)db_rows_u64(r, i, 7);
    m->width = (unsigned)db_rows_u64(r, i, 8);
    m->height = (unsigned)db_rows_u64(r, i, 9);
    m->thumb_width = (unsigned)db_rows_u64(r, i, 10);
    m->thumb_height = (unsigned)db_rows_u64(r, i, 11);
    m->bytes = db_rows_u64(r, i, 12);
    m->thumb_bytes = db_rows_u64(r, i, 13);
    m->upload_bytes = db_rows_u64(r, i, 14);
    m->created_ms = db_rows_i64(r, i, 15);
    if (p < 0 || !media_sha_ok(m->sha256)) {
        LOG_E("media: row %llu is malformed (purpose or sha256)", (unsigned long long)m->id);
        return false;
    }
    m->purpose = (enum media_purpose)p;
    return true;
}

/* ---------- writes ---------- */

/* The uploads of owner in the window before now_ms (ids are snowflakes: their time is the
 * bound), on c. */
static enum err recent_on(struct db_conn *c, uint64_t owner, int64_t now_ms, long long *n, int64_t *oldest_ms)
{
    struct db_rows *r = NULL;
    enum err e = db_query(c, &r, SQL_RECENT, "uu", owner, ids_compose(now_ms - MEDIA_WINDOW_MS, 0, 0));
    *n = 0;
    *oldest_ms = 0;
    if (e == ERR_OK && db_rows_count(r) == 1) {
        *n = db_rows_i64(r, 0, 0);
        *oldest_ms = db_rows_i64(r, 0, 1);
    }
    db_rows_free(r);
    return e;
}

enum err store_media_recent(struct svc *s, uint64_t owner, int64_t now_ms, long long *n, int64_t *oldest_ms)
{
    struct db_conn *c = db_acquire(s->db);
    if (!c)
        return ERR_UNAVAILABLE;
    enum err e = recent_on(c, owner, now_ms, n, oldest_ms);
    db_release(c);
    return e;
}

struct add_ctx {
    const struct media *m;
    long max;
    int64_t oldest_ms;
};

static enum err add_tx(struct db_conn *c, void *arg)
{
    struct add_ctx *x = arg;
    const struct media *m = x->m;
    long long n = 0;
    enum err e = db_lock_account(c, m->owner_id);
    if (e == ERR_OK)
        e = recent_on(c, m->owner_id, m->created_ms, &n, &x->oldest_ms);
    if (e != ERR_OK)
        return e;
    if (n >= x->max)
        return ERR_RATE_LIMITED;
    return db_exec(c, NULL, SQL_INSERT, "uussssuuuuuuuuui", m->id, m->owner_id, MEDIA_PURPOSE_NAMES[m->purpose],
                   m->pub ? "public" : "private", m->sha256, media_format_name(m->format), (uint64_t)m->src_width,
                   (uint64_t)m->src_height, (uint64_t)m->width, (uint64_t)m->height, (uint64_t)m->thumb_width,
                   (uint64_t)m->thumb_height, m->bytes, m->thumb_bytes, m->upload_bytes, m->created_ms);
}

enum err store_media_add(struct svc *s, const struct media *m, long max, int64_t *oldest_ms)
{
    struct add_ctx x = {m, max, 0};
    enum err e = db_tx(s->db, add_tx, &x);
    *oldest_ms = x.oldest_ms;
    return e;
}

/* ---------- reads ---------- */

enum err store_media_get(struct svc *s, uint64_t id, struct media *out)
{
    struct db_rows *r = NULL;
    enum err e = db_query1(s->db, &r, SQL_GET, "u", id);
    if (e == ERR_OK && db_rows_count(r) == 0)
        e = ERR_NOT_FOUND;
    if (e == ERR_OK && !row_to_media(r, 0, out))
        e = ERR_INTERNAL;
    db_rows_free(r);
    return e;
}

enum err store_media_get_many(struct svc *s, const uint64_t *ids, size_t n, struct media *out, bool *found)
{
    struct db_param p[STORE_MANY_MAX];
    struct db_rows *r = NULL;
    struct db_conn *c = NULL;
    if (n > STORE_MANY_MAX)
        return ERR_INTERNAL;
    for (size_t i = 0; i < STORE_MANY_MAX; i++)
        p[i] = (struct db_param){.type = 'u', .v.u = i < n ? ids[i] : 0};
    memset(found, 0, n * sizeof *found);
    if (n == 0)
        return ERR_OK;
    if (!(c = db_acquire(s->db)))
        return ERR_UNAVAILABLE;
    enum err e = db_execv(c, NULL, &r, SQL_GET_MANY, p, STORE_MANY_MAX);
    db_release(c);
    for (size_t k = 0; e == ERR_OK && k < db_rows_count(r); k++) {
        struct media m;
        if (!row_to_media(r, k, &m)) {
            e = ERR_INTERNAL;
            break;
        }
        for (size_t i = 0; i < n; i++)
            if (ids[i] == m.id) {
                out[i] = m;
                found[i] = true;
            }
    }
    db_rows_free(r);
    return e;
}
