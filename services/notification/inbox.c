/* Inbox writers: the event handler (registered in consumers.c) and the reminder job, with
 * their after-commit effects. */
#include "inbox.h"
#include "dates.h"
#include "events.h"
#include "ids.h"
#include "jobs.h"
#include "log.h"
#include "metrics.h"
#include "reminder.h"
#include "store.h"
#include "template.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------- after-commit effects of this thread's current transaction ----------
 * A writer marks each recipient's counter busy before its commit and, once committed, moves
 * the counter and publishes the wake-up (store_unread_busy_many / store_unread_apply_many):
 * for a batch of events, one round trip for every mark, just before the commit, and one for
 * every move, after it. db_tx may run a transaction again (deadlock): the same key keeps the
 * busy marks and counts afresh. A transaction that never committed has its marks released by
 * the next unit of work. */

#define PEND_MAX (EVENTS_BATCH_MAX * NOTIF_MAX_RECIPIENTS) /* every recipient of a whole batch */

struct pending {
    uint64_t key; /* the unit of work: an event's (or its batch's, ev->unit), or a reminder's; 0: none */
    size_t n;
    struct {
        uint64_t user;
        long delta;
        bool tried, busy; /* tried to mark the counter busy; and did */
    } u[PEND_MAX];
};

static _Thread_local struct pending pend;

static void pend_release(struct svc *s)
{
    struct store_unread_move m[PEND_MAX];
    size_t n = 0;
    for (size_t i = 0; i < pend.n; i++)
        if (pend.u[i].busy)
            m[n++] = (struct store_unread_move){pend.u[i].user, 0, true, false};
    if (n)
        store_unread_apply_many(s, n, m);
    pend.n = 0;
    pend.key = 0;
}

/* Start (or restart, for the same key) a unit of work. */
static void pend_begin(struct svc *s, uint64_t key)
{
    if (pend.key != key) {
        pend_release(s);
        pend.key = key;
    }
    for (size_t i = 0; i < pend.n; i++)
        pend.u[i].delta = 0;
}

static void pend_add(uint64_t user, long delta)
{
    for (size_t i = 0; i < pend.n; i++)
        if (pend.u[i].user == user) {
            pend.u[i].delta += delta;
            return;
        }
    if (pend.n < sizeof pend.u / sizeof pend.u[0]) {
        pend.u[pend.n].user = user;
        pend.u[pend.n].delta = delta;
        pend.u[pend.n].tried = pend.u[pend.n].busy = false;
        pend.n++;
    }
}

/* Inside the transaction, just before it commits: the recipients not marked yet, at once. */
static void pend_mark_busy(struct svc *s)
{
    uint64_t users[PEND_MAX];
    bool busy[PEND_MAX];
    size_t at[PEND_MAX], n = 0;
    for (size_t i = 0; i < pend.n; i++)
        if (pend.u[i].delta && !pend.u[i].tried) {
            at[n] = i;
            users[n++] = pend.u[i].user;
        }
    if (!n)
        return;
    store_unread_busy_many(s, n, users, busy);
    for (size_t k = 0; k < n; k++) {
        pend.u[at[k]].busy = busy[k];
        pend.u[at[k]].tried = true;
    }
}

/* After the commit: every counter of the unit moved, and its recipients woken, at once. */
static void pend_commit(struct svc *s)
{
    struct store_unread_move m[PEND_MAX];
    size_t n = 0;
    for (size_t i = 0; i < pend.n; i++)
        if (pend.u[i].tried || pend.u[i].delta)
            m[n++] = (struct store_unread_move){pend.u[i].user, pend.u[i].delta, pend.u[i].busy, pend.u[i].delta > 0};
    if (n)
        store_unread_apply_many(s, n, m);
    pend.n = 0;
    pend.key = 0;
}

/* ---------- the writes of a unit of work ----------
 * Each event's handler (and a reminder) adds what it writes: its order change and its
 * notifications, rendered. The unit's flush, inside the transaction just before the commit,
 * merges every order change at once (which tells the prompts an order has moved past), then
 * writes every notification at once (store_notifications_insert_tx): a batch of events costs a
 * few statements, not a few per event. The buffer is allocated by the threads that write. */

struct unit_item {
    bool has_order;
    int rank;
    struct order_view order;
    bool stale;         /* the order had moved past what a prompt of this item asks */
    char *data;         /* the notifications' data, JSON text */
    int64_t source_ms;
};

struct unit_row {
    size_t item;
    uint64_t user;
    enum notif_kind kind;
    char *title, *body;
    char key[96];       /* source_key: "e:<event id>:<kind>" or "r:<order id>:<reminder>:<kind>" */
};

struct unit {
    size_t ni, nr;
    struct unit_item item[EVENTS_BATCH_MAX];
    struct unit_row row[PEND_MAX];
};

_Static_assert(PEND_MAX <= STORE_BATCH_MAX, "a unit's notifications fit one store call");

static _Thread_local struct unit *unit_buf;
static pthread_key_t unit_key; /* frees a thread's buffer when the thread ends */
static pthread_once_t unit_once = PTHREAD_ONCE_INIT;

static void unit_clear(struct unit *u)
{
    for (size_t i = 0; i < u->ni; i++)
        free(u->item[i].data);
    for (size_t i = 0; i < u->nr; i++) {
        free(u->row[i].title);
        free(u->row[i].body);
    }
    u->ni = u->nr = 0;
}

static void unit_free(void *u)
{
    unit_clear(u);
    free(u);
}

static void unit_key_make(void) { pthread_key_create(&unit_key, unit_free); }

static void unit_reset(void)
{
    if (unit_buf)
        unit_clear(unit_buf);
}

/* Add plan p (langs: its recipients' languages; source: the source_key prefix, "e:<event id>"
 * or "r:<order id>:<reminder>") to the unit. */
static enum err unit_add(const struct notif_plan *p, const enum notif_lang *langs, const char *source,
                         int64_t source_ms)
{
    if (!unit_buf) {
        pthread_once(&unit_once, unit_key_make);
        if (!(unit_buf = calloc(1, sizeof *unit_buf)))
            return ERR_NO_MEMORY;
        pthread_setspecific(unit_key, unit_buf);
    }
    struct unit *u = unit_buf;
    if (u->ni == EVENTS_BATCH_MAX || u->nr + p->n > PEND_MAX)
        return ERR_INTERNAL; /* cannot happen: a unit is one batch of events, or one reminder */
    struct unit_item *it = &u->item[u->ni];
    *it = (struct unit_item){.has_order = p->has_order, .rank = p->order_rank, .source_ms = source_ms};
    if (p->has_order)
        it->order = p->order;
    if (!(it->data = json_dumps(p->data, JSON_COMPACT)))
        return ERR_NO_MEMORY;
    u->ni++;
    char title[NOTIF_TITLE_CAP], body[NOTIF_BODY_CAP];
    for (size_t j = 0; j < p->n; j++) {
        const struct notif_draft *d = &p->d[j];
        struct unit_row *r = &u->row[u->nr];
        notif_render(d->kind, langs[j], &p->args, title, body);
        *r = (struct unit_row){.item = u->ni - 1, .user = d->user_id, .kind = d->kind};
        snprintf(r->key, sizeof r->key, "%s:%d", source, (int)d->kind);
        r->title = strdup(title);
        r->body = strdup(body);
        u->nr++;
        if (!r->title || !r->body)
            return ERR_NO_MEMORY;
    }
    return ERR_OK;
}

/* Write what the unit gathered, inside its transaction c. */
static enum err unit_flush(struct svc *s, struct db_conn *c)
{
    struct unit *u = unit_buf;
    if (!u || !u->ni)
        return ERR_OK;
    struct store_order_change ch[EVENTS_BATCH_MAX];
    size_t at[EVENTS_BATCH_MAX], nch = 0;
    for (size_t i = 0; i < u->ni; i++)
        if (u->item[i].has_order) {
            at[nch] = i;
            ch[nch++] = (struct store_order_change){&u->item[i].order, u->item[i].rank, 0};
        }
    enum err e = store_orders_apply_tx(c, nch, ch, time_now_ms());
    if (e != ERR_OK)
        return e;
    for (size_t k = 0; k < nch; k++)
        u->item[at[k]].stale = ch[k].rank_before > ch[k].rank;
    struct store_new_notif nn[PEND_MAX];
    size_t n = 0;
    for (size_t i = 0; i < u->nr; i++) {
        const struct unit_row *r = &u->row[i];
        const struct unit_item *it = &u->item[r->item];
        if (it->stale && notif_is_prompt(r->kind)) {
            LOG_I("notification: %s prompt to user %llu dropped: the order has moved on", notif_type(r->kind),
                  (unsigned long long)r->user);
            continue;
        }
        nn[n++] = (struct store_new_notif){.user = r->user, .type = notif_type(r->kind), .title = r->title,
                                           .body = r->body, .data = it->data, .source_key = r->key,
                                           .source_ms = it->source_ms};
    }
    if ((e = store_notifications_insert_tx(c, s, n, nn)) != ERR_OK)
        return e;
    for (size_t i = 0; i < n; i++)
        if (nn[i].inserted) {
            pend_add(nn[i].user, 1);
            char labels[96];
            snprintf(labels, sizeof labels, "type=\"%s\"", nn[i].type);
            metrics_count("pb_notifications_created_total", labels, 1);
        }
    return ERR_OK;
}

/* ---------- the recipients' languages ----------
 * Looked up before any row is locked (a lookup may call the user service): the consumer's
 * prepare step finds those of every recipient of the transaction's events at once; a
 * recipient it did not find (and the reminder job's) is looked up alone. */

static _Thread_local struct {
    size_t n;
    uint64_t user[PEND_MAX];
    enum notif_lang lang[PEND_MAX];
} known;

static void langs_of(struct svc *s, const struct notif_plan *p, enum notif_lang *langs)
{
    for (size_t i = 0; i < p->n; i++) {
        size_t k = 0;
        while (k < known.n && known.user[k] != p->d[i].user_id)
            k++;
        langs[i] = k < known.n ? known.lang[k] : store_user_lang(s, p->d[i].user_id);
    }
}

/* ---------- the consumer ---------- */

/* Types of the catalogue other services consume: acknowledged without a word. */
static bool known_elsewhere(const char *type)
{
    return strcmp(type, "order.refund_requested") == 0 || strcmp(type, "rating.updated") == 0 ||
           strncmp(type, "dlq.", 4) == 0;
}

void inbox_prepare(struct svc *s, const struct event *ev, int n, void *arg)
{
    (void)arg;
    known.n = 0;
    for (int i = 0; i < n; i++) {
        struct notif_plan p;
        if (notif_plan_event(ev[i].type, ev[i].version, ev[i].data, &p) == PLAN_OK)
            for (size_t j = 0; j < p.n; j++) {
                size_t k = 0;
                while (k < known.n && known.user[k] != p.d[j].user_id)
                    k++;
                if (k == known.n && known.n < PEND_MAX)
                    known.user[known.n++] = p.d[j].user_id;
            }
        notif_plan_clear(&p);
    }
    store_user_langs(s, known.n, known.user, known.lang);
}

enum err inbox_before_commit(struct svc *s, struct db_conn *c, void *arg)
{
    (void)arg;
    enum err e = unit_flush(s, c);
    unit_reset();
    if (e == ERR_OK)
        pend_mark_busy(s);
    return e;
}

enum err inbox_on_event(struct svc *s, struct db_conn *c, const struct event *ev, void *arg)
{
    (void)arg;
    (void)c; /* what the event writes waits for inbox_before_commit, with the rest of its unit */
    /* a batch is one unit: its first event starts it (again, when the transaction reruns) */
    if (ev->unit_start) {
        pend_begin(s, ev->unit);
        unit_reset();
    }
    struct notif_plan p;
    enum notif_plan_result pr = notif_plan_event(ev->type, ev->version, ev->data, &p);
    enum err e = ERR_OK;
    switch (pr) {
    case PLAN_OK: {
        enum notif_lang langs[NOTIF_MAX_RECIPIENTS];
        langs_of(s, &p, langs);
        char source[48];
        snprintf(source, sizeof source, "e:%llu", (unsigned long long)ev->id);
        e = unit_add(&p, langs, source, ev->occurred_ms);
        break;
    }
    case PLAN_IGNORED:
        if (!known_elsewhere(ev->type))
            LOG_I("notification: event %llu of unknown type %s acknowledged without a notification",
                  (unsigned long long)ev->id, ev->type);
        break;
    case PLAN_UNKNOWN:
        LOG_W("notification: event %llu: version %d of %s is unknown here; acknowledged without a notification",
              (unsigned long long)ev->id, ev->version, ev->type);
        metrics_count("pb_notification_events_skipped_total", "reason=\"unknown_version\"", 1);
        break;
    case PLAN_INVALID:
        LOG_E("notification: event %llu (%s) lacks the ids it needs; acknowledged without a notification",
              (unsigned long long)ev->id, ev->type);
        metrics_count("pb_notification_events_skipped_total", "reason=\"invalid\"", 1);
        break;
    case PLAN_NO_MEMORY: e = ERR_NO_MEMORY; break;
    }
    notif_plan_clear(&p);
    return e;
}

void inbox_after_event(struct svc *s, const struct event *ev)
{
    if (pend.key == ev->unit) /* the batch's first call moves every counter of the batch */
        pend_commit(s);
}

/* ---------- reminders ---------- */

#define CANDIDATES 200

struct remind_ctx {
    struct svc *s;
    enum remind_kind k;
    uint64_t order_id, key;
    const struct notif_plan *p;
    const enum notif_lang *langs;
    int64_t now;
    int32_t today;
    bool sent;
};

static enum err remind_tx(struct db_conn *c, void *arg)
{
    struct remind_ctx *x = arg;
    pend_begin(x->s, x->key);
    x->sent = false;
    struct order_view cur;
    enum err e = store_order_get_tx(c, x->order_id, true, &cur);
    if (e == ERR_NOT_FOUND)
        return ERR_OK;
    if (e != ERR_OK || !remind_due(x->k, &cur, x->now, x->today))
        return e; /* the order moved on since the candidate query */
    bool claimed = false;
    if ((e = store_reminder_claim_tx(c, x->order_id, x->k, x->now, &claimed)) != ERR_OK || !claimed)
        return e;
    char source[64];
    snprintf(source, sizeof source, "r:%llu:%s", (unsigned long long)x->order_id, remind_name(x->k));
    unit_reset();
    e = unit_add(x->p, x->langs, source, x->now);
    if (e == ERR_OK)
        e = unit_flush(x->s, c);
    unit_reset();
    if (e == ERR_OK)
        pend_mark_busy(x->s);
    x->sent = e == ERR_OK;
    return e;
}

static void remind_one(struct svc *s, enum remind_kind k, uint64_t order_id, int64_t now, int32_t today)
{
    static _Thread_local uint64_t unit;
    struct order_view o;
    if (store_order_get(s, order_id, &o) != ERR_OK || !remind_due(k, &o, now, today))
        return;
    struct notif_plan p;
    notif_plan_reminder(k, &o, &p);
    if (!p.data) {
        notif_plan_clear(&p);
        return;
    }
    enum notif_lang langs[NOTIF_MAX_RECIPIENTS];
    langs_of(s, &p, langs);
    /* a key no event id can have (snowflakes stay below 2^63) */
    struct remind_ctx x = {s, k, order_id, ++unit | (1ULL << 63), &p, langs, now, today, false};
    enum err e = db_tx(s->db, remind_tx, &x);
    if (e == ERR_OK) {
        pend_commit(s);
        if (x.sent) {
            char labels[64];
            snprintf(labels, sizeof labels, "kind=\"%s\"", remind_name(k));
            metrics_count("pb_reminders_sent_total", labels, 1);
            LOG_I("notification: reminder %s of order %llu sent", remind_name(k), (unsigned long long)order_id);
        }
    } else {
        pend_release(s);
        LOG_W("notification: reminder %s of order %llu not sent (%s); next round tries again", remind_name(k),
              (unsigned long long)order_id, err_code(e));
    }
    notif_plan_clear(&p);
}

void inbox_reminders_tick(struct svc *s, void *arg)
{
    (void)arg;
    static _Thread_local int64_t last_purge;
    int64_t now = time_now_ms();
    int32_t today = date_today();
    for (int k = 0; k < REMIND__COUNT && !svc_stopping(s); k++) {
        uint64_t ids[CANDIDATES];
        size_t n = 0;
        enum err e = store_remind_candidates(s, (enum remind_kind)k, now, today, CANDIDATES, ids, &n);
        if (e != ERR_OK) {
            LOG_W("notification: reminder candidates (%s) unavailable: %s", remind_name((enum remind_kind)k),
                  err_code(e));
            continue;
        }
        for (size_t i = 0; i < n && !svc_stopping(s); i++)
            remind_one(s, (enum remind_kind)k, ids[i], now, today);
    }
    if (now - last_purge > 3600 * 1000) {
        if (store_purge(s, now) != ERR_OK)
            LOG_W("notification: housekeeping deferred (MariaDB unavailable)");
        last_purge = now;
    }
}

int inbox_reminders_start(struct svc *s, long interval_ms)
{
    metrics_describe("pb_reminders_sent_total", "reminders sent, by kind");
    return jobs_start(s, "notification_reminders", interval_ms, 30000, inbox_reminders_tick, NULL);
}

/* One round of the retention job: up to 100 statements of 1000 rows per shard (the next
 * round goes on), so a round stays well inside the lock's 60 s. */
static void retention_tick(struct svc *s, void *arg)
{
    (void)arg;
    uint64_t deleted = 0;
    enum err e = store_purge_read(s, time_now_ms() - notif_app(s)->read_keep_ms, 1000, 100, &deleted);
    if (deleted > 0) {
        metrics_count("pb_notifications_purged_total", NULL, deleted);
        LOG_I("notification: %llu read notification(s) past their retention deleted", (unsigned long long)deleted);
    }
    if (e != ERR_OK)
        LOG_W("notification: retention deferred (%s)", err_code(e));
}

int inbox_retention_start(struct svc *s, long interval_ms)
{
    metrics_describe("pb_notifications_purged_total", "read notifications deleted after their retention");
    return jobs_start(s, "notification_retention", interval_ms, 60000, retention_tick, NULL);
}
