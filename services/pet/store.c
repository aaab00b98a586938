/* Pet service storage: pet + pet_care rows, vaccinations, provider grants, the pet cache. */
#include "store.h"
#include "aside.h"
#include "dates.h"
#include "ids.h"
#include "log.h"
#include "mediaref.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------- SQL ---------- */

#define PET_COLS                                                                                             \
    "p.id, p.owner_id, p.name, p.species, p.breed, p.sex, p.birth_date, p.age_years, p.age_as_of, p.weight_g, " \
    "p.neutered, p.created_ms, p.updated_ms, p.deleted_ms, c.description, c.feeding, c.medication, c.allergies, " \
    "c.vet_contact, c.photos"
#define PET_FROM " FROM pet p JOIN pet_care c ON c.pet_id = p.id "

static const char SQL_PET_GET[] = "SELECT " PET_COLS PET_FROM "WHERE p.id = ?";
/* One constant statement per count of ids (1..PET_MANY_MAX); the ids are bound to its ? markers */
#define PETS_IN(list) "SELECT " PET_COLS PET_FROM "WHERE p.id IN (" list ") ORDER BY p.id"
static const char *const SQL_PETS_IN[PET_MANY_MAX + 1] = {NULL, PETS_IN("?"), PETS_IN("?, ?"), PETS_IN("?, ?, ?"),
                                                          PETS_IN("?, ?, ?, ?")};
static const char SQL_PET_LOCK[] = "SELECT " PET_COLS PET_FROM "WHERE p.id = ? FOR UPDATE";
static const char SQL_PETS_BY_OWNER[] = "SELECT " PET_COLS PET_FROM
                                        "WHERE p.owner_id = ? AND p.deleted_ms IS NULL AND p.id < ? "
                                        "ORDER BY p.id DESC LIMIT ?";
static const char SQL_OWNER_COUNT[] = "SELECT COUNT(*) FROM pet WHERE owner_id = ? AND deleted_ms IS NULL";
static const char SQL_PET_INSERT[] =
    "INSERT INTO pet (id, owner_id, name, species, breed, sex, birth_date, age_years, age_as_of, weight_g, "
    "neutered, created_ms, updated_ms) VALUES (?, ?, ?, ?, ?, ?, ?, IF(?, ?, NULL), ?, ?, ?, ?, ?)";
static const char SQL_CARE_INSERT[] =
    "INSERT INTO pet_care (pet_id, description, feeding, medication, allergies, vet_contact, photos, updated_ms) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)";
static const char SQL_PET_UPDATE[] =
    "UPDATE pet SET name = ?, species = ?, breed = ?, sex = ?, birth_date = ?, age_years = IF(?, ?, NULL), "
    "age_as_of = ?, weight_g = ?, neutered = ?, updated_ms = ? WHERE id = ?";
static const char SQL_CARE_UPDATE[] =
    "UPDATE pet_care SET description = ?, feeding = ?, medication = ?, allergies = ?, vet_contact = ?, "
    "photos = ?, updated_ms = ? WHERE pet_id = ?";
static const char SQL_PET_DELETE[] =
    "UPDATE pet SET deleted_ms = ?, updated_ms = ? WHERE id = ? AND owner_id = ? AND deleted_ms IS NULL";
static const char SQL_PET_OWNER_LOCK[] = "SELECT owner_id, deleted_ms FROM pet WHERE id = ? FOR UPDATE";
static const char SQL_PET_EXISTS[] = "SELECT COUNT(*) FROM pet WHERE id = ?";

static const char SQL_VACC_COUNT[] = "SELECT COUNT(*) FROM pet_vaccination WHERE pet_id = ?";
static const char SQL_VACC_INSERT[] =
    "INSERT INTO pet_vaccination (id, pet_id, name, given_on, expires_on, created_ms) VALUES (?, ?, ?, ?, ?, ?)";
static const char SQL_VACC_LIST[] =
    "SELECT id, pet_id, name, given_on, expires_on, created_ms FROM pet_vaccination "
    "WHERE pet_id = ? AND (given_on < ? OR (given_on = ? AND id < ?)) ORDER BY given_on DESC, id DESC LIMIT ?";
static const char SQL_VACC_DELETE[] = "DELETE FROM pet_vaccination WHERE id = ? AND pet_id = ?";

static const char SQL_GRANT_UPSERT[] =
    "INSERT INTO pet_grant (pet_id, order_id, provider_id, until_date, created_ms, updated_ms) "
    "VALUES (?, ?, ?, ?, ?, ?) ON DUPLICATE KEY UPDATE provider_id = VALUES(provider_id), "
    "until_date = VALUES(until_date), updated_ms = VALUES(updated_ms)";
static const char SQL_GRANT_GET[] =
    "SELECT pet_id, order_id, provider_id, until_date, created_ms, updated_ms FROM pet_grant "
    "WHERE pet_id = ? AND order_id = ?";
static const char SQL_GRANT_DELETE[] = "DELETE FROM pet_grant WHERE pet_id = ? AND order_id = ?";
static const char SQL_GRANT_ACTIVE[] =
    "SELECT COUNT(*) FROM pet_grant WHERE pet_id = ? AND provider_id = ? AND until_date >= ?";

/* ---------- rows ---------- */

static void copy(char *dst, size_t cap, const char *src) { snprintf(dst, cap, "%s", src ? src : ""); }

/* A DATE cell as a day number; false for NULL or anything unexpected. */
static bool cell_date(const struct db_rows *r, size_t i, size_t col, int32_t *out)
{
    return !db_rows_null(r, i, col) && date_parse(db_rows_str(r, i, col), out);
}

/* An optional text cell into a has_/buffer pair. */
static void cell_text(const struct db_rows *r, size_t i, size_t col, bool *has, char *buf, size_t cap)
{
    *has = !db_rows_null(r, i, col);
    copy(buf, cap, db_rows_str(r, i, col));
}

/* Fill p (pet_init'ed here) from row i of a PET_COLS result. */
static void row_to_pet(const struct db_rows *r, size_t i, struct pet *p)
{
    pet_init(p);
    p->id = db_rows_u64(r, i, 0);
    p->owner_id = db_rows_u64(r, i, 1);
    copy(p->name, sizeof p->name, db_rows_str(r, i, 2));
    int sp = pet_species_parse(db_rows_str(r, i, 3)), sx = pet_sex_parse(db_rows_str(r, i, 5));
    p->species = sp < 0 ? SPECIES_OTHER : (enum pet_species)sp;
    p->sex = sx < 0 ? SEX_UNKNOWN : (enum pet_sex)sx;
    cell_text(r, i, 4, &p->has_breed, p->breed, sizeof p->breed);
    p->has_birth = cell_date(r, i, 6, &p->birth);
    p->has_age = !db_rows_null(r, i, 7) && cell_date(r, i, 8, &p->age_as_of);
    p->age_years = p->has_age ? (int)db_rows_i64(r, i, 7) : 0;
    p->weight_g = (int32_t)db_rows_i64(r, i, 9);
    p->neutered = db_rows_i64(r, i, 10) != 0;
    p->created_ms = db_rows_i64(r, i, 11);
    p->updated_ms = db_rows_i64(r, i, 12);
    p->deleted_ms = db_rows_null(r, i, 13) ? 0 : db_rows_i64(r, i, 13);
    cell_text(r, i, 14, &p->has_description, p->description, sizeof p->description);
    for (int f = 0; f < CARE__COUNT; f++)
        cell_text(r, i, 15 + (size_t)f, &p->has_care[f], p->care[f], sizeof p->care[f]);
    const char *ph = db_rows_str(r, i, 19);
    p->photos = ph ? json_loads(ph, 0, NULL) : NULL;
    if (p->photos && !json_is_array(p->photos)) {
        LOG_W("pet: photos of pet %llu are not a JSON array; shown as none", (unsigned long long)p->id);
        json_decref(p->photos);
        p->photos = NULL;
    }
}

static void row_to_vaccination(const struct db_rows *r, size_t i, struct pet_vaccination *v)
{
    memset(v, 0, sizeof *v);
    v->id = db_rows_u64(r, i, 0);
    v->pet_id = db_rows_u64(r, i, 1);
    copy(v->name, sizeof v->name, db_rows_str(r, i, 2));
    cell_date(r, i, 3, &v->given_on);
    v->has_expires = cell_date(r, i, 4, &v->expires_on);
    v->created_ms = db_rows_i64(r, i, 5);
}

/* The photos column: the array as compact JSON (malloc'd), "[]" for none. */
static char *photos_text(const struct pet *p)
{
    return p->photos ? json_dumps(p->photos, JSON_COMPACT) : strdup("[]");
}

static const char *opt(bool has, const char *s) { return has ? s : NULL; }

/* Bind a day number as a DATE string, or NULL. */
static const char *opt_date(bool has, int32_t day, char *buf) { return has ? date_format(day, buf) : NULL; }

/* ---------- cache ---------- */

static void key_pet(char *buf, size_t cap, uint64_t id) { snprintf(buf, cap, "pb:pet:%llu", (unsigned long long)id); }

static void invalidate(struct svc *s, uint64_t id)
{
    char key[48];
    key_pet(key, sizeof key, id);
    if (aside_invalidate(s->cache, key) != ERR_OK)
        LOG_W("pet: could not invalidate %s (the cache TTL bounds the staleness)", key);
}

/* ---------- create ---------- */

struct create_ctx {
    const struct pet *p;
    long max_pets;
};

static enum err create_tx(struct db_conn *c, void *arg)
{
    const struct create_ctx *x = arg;
    const struct pet *p = x->p;
    long long live = 0;
    /* the owner's lock row first: the count below then sees every pet of a concurrent creation */
    enum err e = db_count_locked(c, p->owner_id, SQL_OWNER_COUNT, &live);
    if (e != ERR_OK)
        return e;
    if (live >= x->max_pets)
        return ERR_LIMIT_REACHED;
    char birth[DATE_STR_LEN], as_of[DATE_STR_LEN];
    e = db_exec(c, NULL, SQL_PET_INSERT, "uusssssbisibii", p->id, p->owner_id, p->name, PET_SPECIES_NAMES[p->species],
                opt(p->has_breed, p->breed), PET_SEX_NAMES[p->sex], opt_date(p->has_birth, p->birth, birth),
                (int)p->has_age, (int64_t)p->age_years, opt_date(p->has_age, p->age_as_of, as_of),
                (int64_t)p->weight_g, (int)p->neutered, p->created_ms, p->updated_ms);
    if (e != ERR_OK)
        return e;
    char *photos = photos_text(p);
    if (!photos)
        return ERR_NO_MEMORY;
    e = db_exec(c, NULL, SQL_CARE_INSERT, "ussssssi", p->id, opt(p->has_description, p->description),
                opt(p->has_care[CARE_FEEDING], p->care[CARE_FEEDING]),
                opt(p->has_care[CARE_MEDICATION], p->care[CARE_MEDICATION]),
                opt(p->has_care[CARE_ALLERGIES], p->care[CARE_ALLERGIES]),
                opt(p->has_care[CARE_VET_CONTACT], p->care[CARE_VET_CONTACT]), photos, p->updated_ms);
    free(photos);
    return e;
}

enum err store_pet_create(struct svc *s, const struct pet *p, long max_pets)
{
    struct create_ctx x = {p, max_pets};
    enum err e = db_tx(s->db, create_tx, &x);
    if (e == ERR_OK)
        invalidate(s, p->id); /* drops a "not found" marker of a client that guessed the id */
    return e;
}

/* ---------- read ---------- */

/* The row reader of db_get_one. */
static void fill_pet(const struct db_rows *r, size_t i, void *p) { row_to_pet(r, i, p); }

static enum err get_on(struct db_conn *c, uint64_t id, bool lock, struct pet *out)
{
    return db_get_one(c, fill_pet, out, lock ? SQL_PET_LOCK : SQL_PET_GET, "u", id);
}

enum err store_pet_get(struct svc *s, uint64_t id, struct pet *out)
{
    pet_init(out);
    return db_get_one1(s->db, fill_pet, out, SQL_PET_GET, "u", id);
}

/* Pass the first n rows of a PET_COLS result to each(), one at a time. */
static enum err each_pet(const struct db_rows *r, size_t n, void (*each)(const struct pet *p, void *ctx), void *ctx)
{
    struct pet *p = malloc(sizeof *p);
    if (!p)
        return ERR_NO_MEMORY;
    for (size_t i = 0; i < n; i++) {
        row_to_pet(r, i, p);
        each(p, ctx);
        pet_clear(p);
    }
    free(p);
    return ERR_OK;
}

enum err store_pets_get(struct svc *s, const uint64_t *ids, size_t n, void (*each)(const struct pet *p, void *ctx),
                        void *ctx)
{
    uint64_t v[PET_MANY_MAX] = {0};
    if (n < 1 || n > PET_MANY_MAX)
        return ERR_INVALID;
    memcpy(v, ids, n * sizeof *ids);
    static const char types[] = "uuuu";
    _Static_assert(sizeof types - 1 == PET_MANY_MAX, "one type per id");
    struct db_rows *r = NULL;
    /* the types name the first n arguments; the others are not read */
    enum err e = db_query1(s->db, &r, SQL_PETS_IN[n], types + (PET_MANY_MAX - n), v[0], v[1], v[2], v[3]);
    if (e != ERR_OK)
        return e;
    e = each_pet(r, db_rows_count(r), each, ctx);
    db_rows_free(r);
    return e;
}

enum err store_pets_by_owner(struct svc *s, uint64_t owner, uint64_t before_id, size_t limit,
                             void (*each)(const struct pet *p, void *ctx), void *ctx, bool *more)
{
    struct db_rows *r = NULL;
    /* one row beyond the page says whether there is a next one */
    enum err e = db_query1(s->db, &r, SQL_PETS_BY_OWNER, "uui", owner, before_id, (int64_t)limit + 1);
    if (e != ERR_OK)
        return e;
    size_t n = db_rows_count(r);
    e = each_pet(r, n < limit ? n : limit, each, ctx);
    *more = n > limit;
    db_rows_free(r);
    return e;
}

/* ---------- cached public view ---------- */

struct view_ctx {
    struct svc *s;
    uint64_t id;
    int32_t today;
    int64_t now_s;
};

/* The cached payload: "<owner_id> <day rendered> <stamp>\n<public JSON>". The owner decides
 * access without parsing the JSON; the day lets a reader notice an age rendered before
 * midnight, the stamp (lib/mediaref.h) signed photo URLs of an hour that has passed. */
static enum err load_view(void *arg, char **out, size_t *len)
{
    struct view_ctx *x = arg;
    struct pet *p = malloc(sizeof *p);
    if (!p)
        return ERR_NO_MEMORY;
    enum err e = store_pet_get(x->s, x->id, p);
    if (e == ERR_OK && p->deleted_ms)
        e = ERR_NOT_FOUND;
    char *json = NULL;
    size_t jlen = 0;
    bool signed_any = false;
    if (e == ERR_OK &&
        !(json = http_json_text(pet_json(p, x->today, x->now_s, PET_VIEW_PUBLIC, &signed_any), &jlen)))
        e = ERR_NO_MEMORY;
    if (e == ERR_OK) {
        size_t cap = jlen + 72;
        *out = malloc(cap);
        if (*out) {
            int h = snprintf(*out, cap, "%llu %ld %lld\n", (unsigned long long)p->owner_id, (long)x->today,
                             (long long)mediaref_stamp(signed_any, x->now_s));
            memcpy(*out + h, json, jlen + 1);
            *len = (size_t)h + jlen;
        } else {
            e = ERR_NO_MEMORY;
        }
    }
    free(json);
    pet_clear(p);
    free(p);
    return e;
}

/* Split a cached payload; false when it is not one. */
static bool parse_view(const char *raw, uint64_t *owner, long *day, long long *stamp, const char **json)
{
    char *end;
    unsigned long long o = strtoull(raw, &end, 10);
    if (end == raw || *end != ' ')
        return false;
    const char *p = end + 1;
    long d = strtol(p, &end, 10);
    if (end == p || *end != ' ')
        return false;
    p = end + 1;
    long long st = strtoll(p, &end, 10);
    if (end == p || *end != '\n')
        return false;
    *owner = o;
    *day = d;
    *stamp = st;
    *json = end + 1;
    return true;
}

enum err store_pet_json_cached(struct svc *s, uint64_t id, uint64_t *owner, char **json, size_t *len)
{
    static const struct aside_opts opts = {.name = "pet", .ttl_ms = 300000, .negative_ttl_ms = 10000};
    char key[48];
    key_pet(key, sizeof key, id);
    for (int attempt = 0;; attempt++) {
        struct view_ctx x = {s, id, date_today(), time_now_ms() / 1000};
        char *raw = NULL;
        size_t rawlen = 0;
        enum err e = aside_get(s->cache, key, &opts, load_view, &x, &raw, &rawlen);
        if (e != ERR_OK)
            return e;
        uint64_t o;
        long day;
        long long stamp;
        const char *body;
        bool parsed = parse_view(raw, &o, &day, &stamp, &body);
        if (!parsed && attempt > 0) {
            LOG_E("pet: cached value of %s is malformed even after a rebuild", key);
            free(raw);
            return ERR_INTERNAL;
        }
        if (!parsed || ((day != (long)x.today || !mediaref_stamp_current(stamp, x.now_s)) && attempt == 0)) {
            /* rendered on another day (its age_years may be off by one), with photo URLs
             * signed in another hour, or in a format this version does not know: drop it and
             * rebuild once */
            free(raw);
            invalidate(s, id);
            continue;
        }
        size_t jl = rawlen - (size_t)(body - raw);
        memmove(raw, body, jl + 1);
        *owner = o;
        *json = raw;
        *len = jl;
        return ERR_OK;
    }
}

/* ---------- update and delete ---------- */

struct update_ctx {
    uint64_t id, owner;
    const struct pet_patch *x;
    struct pet *out;
};

static enum err update_tx(struct db_conn *c, void *arg)
{
    struct update_ctx *u = arg;
    struct pet *p = u->out;
    pet_clear(p); /* a retried transaction starts over */
    enum err e = get_on(c, u->id, true, p);
    if (e != ERR_OK)
        return e;
    if (p->owner_id != u->owner || p->deleted_ms)
        return ERR_NOT_FOUND;
    p->updated_ms = time_now_ms();
    if ((e = pet_apply(p, u->x, date_today())) != ERR_OK)
        return e;
    char birth[DATE_STR_LEN], as_of[DATE_STR_LEN];
    e = db_exec(c, NULL, SQL_PET_UPDATE, "sssssbisibiu", p->name, PET_SPECIES_NAMES[p->species],
                opt(p->has_breed, p->breed), PET_SEX_NAMES[p->sex], opt_date(p->has_birth, p->birth, birth),
                (int)p->has_age, (int64_t)p->age_years, opt_date(p->has_age, p->age_as_of, as_of),
                (int64_t)p->weight_g, (int)p->neutered, p->updated_ms, p->id);
    if (e != ERR_OK)
        return e;
    char *photos = photos_text(p);
    if (!photos)
        return ERR_NO_MEMORY;
    e = db_exec(c, NULL, SQL_CARE_UPDATE, "ssssssiu", opt(p->has_description, p->description),
                opt(p->has_care[CARE_FEEDING], p->care[CARE_FEEDING]),
                opt(p->has_care[CARE_MEDICATION], p->care[CARE_MEDICATION]),
                opt(p->has_care[CARE_ALLERGIES], p->care[CARE_ALLERGIES]),
                opt(p->has_care[CARE_VET_CONTACT], p->care[CARE_VET_CONTACT]), photos, p->updated_ms, p->id);
    free(photos);
    return e;
}

enum err store_pet_update(struct svc *s, uint64_t id, uint64_t owner, const struct pet_patch *x, struct pet *out)
{
    pet_init(out);
    struct update_ctx u = {id, owner, x, out};
    enum err e = db_tx(s->db, update_tx, &u);
    if (e == ERR_OK)
        invalidate(s, id);
    else
        pet_clear(out);
    return e;
}

enum err store_pet_delete(struct svc *s, uint64_t id, uint64_t owner)
{
    uint64_t affected = 0;
    int64_t now = time_now_ms();
    enum err e = db_exec1(s->db, &affected, SQL_PET_DELETE, "iiuu", now, now, id, owner);
    if (e == ERR_OK && affected == 0)
        e = ERR_NOT_FOUND;
    if (e == ERR_OK)
        invalidate(s, id);
    return e;
}

/* ---------- vaccinations ---------- */

/* Lock the pet row and check it is a live pet of owner (serialises edits of its records). */
static enum err lock_owned(struct db_conn *c, uint64_t pet_id, uint64_t owner)
{
    struct db_rows *r = NULL;
    enum err e = db_query(c, &r, SQL_PET_OWNER_LOCK, "u", pet_id);
    if (e == ERR_OK && (db_rows_count(r) == 0 || db_rows_u64(r, 0, 0) != owner || !db_rows_null(r, 0, 1)))
        e = ERR_NOT_FOUND;
    db_rows_free(r);
    return e;
}

struct vacc_ctx {
    uint64_t owner, pet_id, vid;
    const struct pet_vaccination *v;
};

static enum err vacc_add_tx(struct db_conn *c, void *arg)
{
    struct vacc_ctx *x = arg;
    const struct pet_vaccination *v = x->v;
    enum err e = lock_owned(c, v->pet_id, x->owner);
    if (e != ERR_OK)
        return e;
    struct db_rows *r = NULL;
    e = db_query(c, &r, SQL_VACC_COUNT, "u", v->pet_id);
    long long n = e == ERR_OK && db_rows_count(r) == 1 ? db_rows_i64(r, 0, 0) : 0;
    db_rows_free(r);
    if (e != ERR_OK)
        return e;
    if (n >= PET_MAX_VACCINATIONS)
        return ERR_LIMIT_REACHED;
    char given[DATE_STR_LEN], exp[DATE_STR_LEN];
    return db_exec(c, NULL, SQL_VACC_INSERT, "uusssi", v->id, v->pet_id, v->name, date_format(v->given_on, given),
                   opt_date(v->has_expires, v->expires_on, exp), v->created_ms);
}

enum err store_vaccination_add(struct svc *s, uint64_t owner, const struct pet_vaccination *v)
{
    struct vacc_ctx x = {.owner = owner, .v = v};
    return db_tx(s->db, vacc_add_tx, &x);
}

enum err store_vaccinations(struct svc *s, uint64_t pet_id, int32_t after_given, uint64_t after_id, size_t limit,
                            void (*each)(const struct pet_vaccination *v, void *ctx), void *ctx, bool *more)
{
    char day[DATE_STR_LEN];
    if (after_given == INT32_MAX)
        snprintf(day, sizeof day, "9999-12-31"); /* after every real date */
    else
        date_format(after_given, day);
    struct db_rows *r = NULL;
    enum err e = db_query1(s->db, &r, SQL_VACC_LIST, "ussui", pet_id, day, day, after_id, (int64_t)limit + 1);
    if (e != ERR_OK)
        return e;
    size_t n = db_rows_count(r);
    for (size_t i = 0; i < n && i < limit; i++) {
        struct pet_vaccination v;
        row_to_vaccination(r, i, &v);
        each(&v, ctx);
    }
    *more = n > limit;
    db_rows_free(r);
    return ERR_OK;
}

static enum err vacc_delete_tx(struct db_conn *c, void *arg)
{
    struct vacc_ctx *x = arg;
    enum err e = lock_owned(c, x->pet_id, x->owner);
    if (e != ERR_OK)
        return e;
    uint64_t affected = 0;
    e = db_exec(c, &affected, SQL_VACC_DELETE, "uu", x->vid, x->pet_id);
    return e == ERR_OK && affected == 0 ? ERR_NOT_FOUND : e;
}

enum err store_vaccination_delete(struct svc *s, uint64_t owner, uint64_t pet_id, uint64_t vaccination_id)
{
    struct vacc_ctx x = {.owner = owner, .pet_id = pet_id, .vid = vaccination_id};
    return db_tx(s->db, vacc_delete_tx, &x);
}

/* ---------- grants ---------- */

struct grant_ctx {
    uint64_t pet_id, order_id, provider_id;
    int32_t until;
    struct pet_grant *out;
};

static enum err grant_put_tx(struct db_conn *c, void *arg)
{
    struct grant_ctx *g = arg;
    struct db_rows *r = NULL;
    enum err e = db_query(c, &r, SQL_PET_EXISTS, "u", g->pet_id);
    bool exists = e == ERR_OK && db_rows_count(r) == 1 && db_rows_i64(r, 0, 0) > 0;
    db_rows_free(r);
    r = NULL;
    if (e != ERR_OK)
        return e;
    if (!exists)
        return ERR_NOT_FOUND;
    char until[DATE_STR_LEN];
    int64_t now = time_now_ms();
    e = db_exec(c, NULL, SQL_GRANT_UPSERT, "uuusii", g->pet_id, g->order_id, g->provider_id,
                date_format(g->until, until), now, now);
    if (e == ERR_OK)
        e = db_query(c, &r, SQL_GRANT_GET, "uu", g->pet_id, g->order_id);
    if (e == ERR_OK && db_rows_count(r) != 1)
        e = ERR_INTERNAL;
    if (e == ERR_OK) {
        g->out->pet_id = db_rows_u64(r, 0, 0);
        g->out->order_id = db_rows_u64(r, 0, 1);
        g->out->provider_id = db_rows_u64(r, 0, 2);
        cell_date(r, 0, 3, &g->out->until_date);
        g->out->created_ms = db_rows_i64(r, 0, 4);
        g->out->updated_ms = db_rows_i64(r, 0, 5);
    }
    db_rows_free(r);
    return e;
}

enum err store_grant_put(struct svc *s, uint64_t pet_id, uint64_t order_id, uint64_t provider_id, int32_t until_date,
                         struct pet_grant *out)
{
    struct grant_ctx g = {pet_id, order_id, provider_id, until_date, out};
    return db_tx(s->db, grant_put_tx, &g);
}

enum err store_grant_delete(struct svc *s, uint64_t pet_id, uint64_t order_id)
{
    return db_exec1(s->db, NULL, SQL_GRANT_DELETE, "uu", pet_id, order_id);
}

enum err store_grant_active(struct svc *s, uint64_t pet_id, uint64_t provider_id, int32_t today, bool *active)
{
    char day[DATE_STR_LEN];
    struct db_rows *r = NULL;
    enum err e = db_query1(s->db, &r, SQL_GRANT_ACTIVE, "uus", pet_id, provider_id, date_format(today, day));
    if (e == ERR_OK)
        *active = db_rows_count(r) == 1 && db_rows_i64(r, 0, 0) > 0;
    db_rows_free(r);
    return e;
}
