/* Order storage, care logs: a provider's daily entries on a stay and their event. */
#include "store.h"
#include "store_priv.h"
#include "dates.h"
#include "events.h"
#include "ids.h"
#include "mediaref.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------- care logs ---------- */

static const char SQL_CARE_ADD[] =
    "INSERT INTO care_log (id, order_id, provider_id, day, meals, walks, medication, mood, notes, photos, created_ms) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
static const char SQL_CARE_DAY_COUNT[] = "SELECT COUNT(*) FROM care_log WHERE order_id = ? AND day = ?";
static const char SQL_CARE_LIST[] =
    "SELECT id, day, meals, walks, medication, mood, notes, photos, created_ms FROM care_log WHERE order_id = ? "
    "ORDER BY day, id";

/* A care-log entry as its readers see it; its photos (media ids, or URL strings from before
 * photos were media ids) rendered with URLs signed at now_s (lib/mediaref.h). */
static json_t *care_json(const struct db_rows *r, size_t i, int64_t now_s)
{
    char at[TIME_STR_LEN];
    json_t *stored = json_loads(db_rows_str(r, i, 7) ? db_rows_str(r, i, 7) : "[]", 0, NULL);
    json_t *photos = mediaref_render(stored, now_s, NULL);
    json_decref(stored);
    if (!photos)
        return NULL;
    json_t *j = json_pack("{s:s,s:s,s:o,s:o,s:o,s:o,s:o,s:o,s:s}", "id", db_rows_str(r, i, 0), "date",
                          db_rows_str(r, i, 1),
                          "meals", db_rows_null(r, i, 2) ? json_null() : json_string(db_rows_str(r, i, 2)), "walks",
                          db_rows_null(r, i, 3) ? json_null() : json_integer(db_rows_i64(r, i, 3)), "medication_given",
                          db_rows_null(r, i, 4) ? json_null() : json_string(db_rows_str(r, i, 4)), "mood",
                          db_rows_null(r, i, 5) ? json_null() : json_string(db_rows_str(r, i, 5)), "notes",
                          db_rows_null(r, i, 6) ? json_null() : json_string(db_rows_str(r, i, 6)), "photos",
                          photos, "created_at", time_format_ms(db_rows_i64(r, i, 8), at));
    return j;
}

struct care_ctx {
    struct svc *s;
    uint64_t id, provider_id;
    const struct care_entry *in;
    json_t *out;
    const char *why;
    bool bad_date;
};

static enum err care_tx(struct db_conn *c, void *arg)
{
    struct care_ctx *x = arg;
    struct order o;
    json_decref(x->out); /* a retried transaction starts over */
    x->out = NULL;
    enum err e = order_get_on(c, x->id, true, &o);
    if (e != ERR_OK)
        return e;
    if (o.provider_id != x->provider_id || !order_status_visible(o.status))
        return ERR_NOT_FOUND;
    int32_t today = date_today();
    if ((x->why = order_care_window_problem(o.status, o.end, today)))
        return ERR_CONFLICT;
    if ((x->why = order_care_date_problem(o.start, o.end, x->in->day, today))) {
        x->bad_date = true;
        return ERR_INVALID;
    }
    const struct care_entry *in = x->in;
    uint64_t entry = ids_next();
    int64_t now = time_now_ms();
    char day[DATE_STR_LEN], eid[IDS_STR_LEN];
    /* a bounded day: the order row is locked (order_get_on), so two writers count in turn */
    struct db_rows *n = NULL;
    if ((e = db_query(c, &n, SQL_CARE_DAY_COUNT, "us", o.id, date_format(in->day, day))) != ERR_OK)
        return e;
    long have = db_rows_count(n) ? (long)db_rows_i64(n, 0, 0) : 0;
    db_rows_free(n);
    if (have >= order_app(x->s)->max_care_per_day)
        return ERR_LIMIT_REACHED;
    struct db_param p[11] = {
        {.type = 'u', .v.u = entry}, {.type = 'u', .v.u = o.id}, {.type = 'u', .v.u = o.provider_id},
        {.type = 's', .v.s = date_format(in->day, day)}, {.type = 's', .v.s = in->meals}, {.type = 'n'},
        {.type = 's', .v.s = in->medication}, {.type = 's', .v.s = in->mood}, {.type = 's', .v.s = in->notes},
        {.type = 's', .v.s = in->photos_json ? in->photos_json : "[]"}, {.type = 'i', .v.i = now}};
    if (in->walks >= 0)
        p[5] = (struct db_param){.type = 'i', .v.i = in->walks};
    if ((e = db_execv(c, NULL, NULL, SQL_CARE_ADD, p, 11)) != ERR_OK)
        return e;
    char oid[IDS_STR_LEN], own[IDS_STR_LEN], prov[IDS_STR_LEN], summary[160];
    snprintf(summary, sizeof summary, "%.150s", in->notes ? in->notes : in->meals ? in->meals : "");
    e = add_event(c, "care_log.added",
                  json_pack("{s:s,s:s,s:s,s:s,s:s,s:s}", "order_id", ids_format(o.id, oid), "owner_id",
                            ids_format(o.owner_id, own), "provider_id", ids_format(o.provider_id, prov), "entry_id",
                            ids_format(entry, eid), "date", day, "summary", summary));
    if (e != ERR_OK)
        return e;
    struct db_rows *r = NULL;
    if ((e = db_query(c, &r, "SELECT id, day, meals, walks, medication, mood, notes, photos, created_ms FROM care_log "
                             "WHERE id = ?", "u", entry)) == ERR_OK && db_rows_count(r))
        x->out = care_json(r, 0, now / 1000);
    db_rows_free(r);
    return e == ERR_OK && !x->out ? ERR_NO_MEMORY : e;
}

enum err store_care_add(struct svc *s, uint64_t id, uint64_t provider_id, const struct care_entry *in, json_t **out,
                        const char **why)
{
    struct care_ctx x = {s, id, provider_id, in, NULL, NULL, false};
    enum err e = db_tx(s->db, care_tx, &x);
    *why = x.why;
    if (e == ERR_OK) {
        *out = x.out;
        events_relay_nudge();
    } else {
        json_decref(x.out);
    }
    return e;
}

enum err store_care_list(struct svc *s, uint64_t id, json_t **out)
{
    struct db_rows *r = NULL;
    enum err e = db_query1(s->db, &r, SQL_CARE_LIST, "u", id);
    if (e != ERR_OK)
        return e;
    json_t *a = json_array();
    int64_t now_s = time_now_ms() / 1000;
    for (size_t i = 0; a && i < db_rows_count(r); i++)
        if (json_array_append_new(a, care_json(r, i, now_s)) != 0) {
            json_decref(a);
            a = NULL;
        }
    db_rows_free(r);
    if (!a)
        return ERR_NO_MEMORY;
    *out = a;
    return ERR_OK;
}
