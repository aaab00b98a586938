/* Storage of the notification service: every SQL statement and Redis key it uses.
 *
 * MariaDB: inboxes sharded by recipient (notification_<k>, inbox_head_<k> with k =
 * ids_shard(user_id, N), N from schema_meta), the order view kept from order events
 * (order_view) and the reminders already sent (reminder_sent).
 * Redis: the unread counter of each user (pb:notif:unread:<id>, with :busy and :ver guards),
 * the recipients' languages (pb:notif:lang:<id>, cache-aside) and the wake-up channel
 * pb:notify on which every writer publishes a user id after its commit. */
#ifndef NOTIFICATION_STORE_H
#define NOTIFICATION_STORE_H

#include "reminder.h"
#include "svc.h"
#include "template.h"

struct push;

/* The service's state (svc->app). */
struct notif_app {
    unsigned shards;        /* from schema_meta, read at start */
    long heartbeat_ms;      /* SSE heartbeat (PB_NOTIFICATION_HEARTBEAT_MS, default 15000) */
    bool unread_from_db;    /* PB_NOTIFICATION_UNREAD_FROM_DB: count in MariaDB, not Redis */
    int64_t read_keep_ms;   /* read notifications live this long after being read
                               (PB_NOTIFICATION_READ_RETENTION_DAYS, default 180 days) */
    struct push *push;      /* open event streams and the wake-up subscriber */
};

struct notif_app *notif_app(struct svc *s);

/* Read the shard count recorded by the migrations. ERR_INTERNAL (logged) when missing. */
enum err store_init(struct svc *s);

/* The wake-up channel: every writer publishes the recipient's id after its commit. */
#define STORE_WAKE_CHANNEL "pb:notify"

/* One stored notification, valid during the callback that receives it. */
struct notification {
    uint64_t id, user_id;
    const char *type, *title, *body, *data; /* data: a JSON object as text */
    bool read;
    int64_t created_ms;
};

/* The public JSON {id, type, title, body, data, read, created_at} of n (a new reference). */
json_t *store_notification_json(const struct notification *n);

/* ---- writing, inside the caller's transaction c ---- */

/* The most notifications, and order changes, one call below writes. */
#define STORE_BATCH_MAX 64

/* One notification to write, for store_notifications_insert_tx. */
struct store_new_notif {
    uint64_t user;
    const char *type, *title, *body, *data, *source_key; /* data: a JSON object as text */
    int64_t source_ms;
    uint64_t id;   /* out: the id it was given */
    bool inserted; /* out: false when the user already had a notification with source_key */
};

/* Write n (at most STORE_BATCH_MAX) notifications, shard by shard: one statement moves the
 * inbox_head rows of the shard's recipients (taking their locks, held until commit, in user id
 * order) past as many ids as each gets, one inserts the rows. Each user's ids are greater than
 * every earlier one of that user (and than ids_next()) and increase in array order, so one
 * user's notifications commit in id order. A notification whose source_key the user already has
 * is not written (inserted false; its id is skipped). */
enum err store_notifications_insert_tx(struct db_conn *c, struct svc *s, size_t n, struct store_new_notif *nn);

/* One order event's change to the view, for store_orders_apply_tx. */
struct store_order_change {
    const struct order_view *o; /* as the event describes it */
    int rank;                   /* order_status_rank of the status it reports */
    int rank_before;            /* out: the order's rank before this change (0: it was new) */
};

/* Merge n (at most STORE_BATCH_MAX) changes into order_view in array order, as if each were
 * its own transaction (several may concern one order): every order is read and locked once
 * (FOR UPDATE, in id order), the changes merged in memory (order_view_merge), and the results
 * written in at most two statements (new orders, changed ones). A new order that another writer
 * inserted meanwhile is ERR_CONFLICT (run again, it merges into that one). */
enum err store_orders_apply_tx(struct db_conn *c, size_t n, struct store_order_change *ch, int64_t now_ms);
/* Read one order of the view (lock: FOR UPDATE). ERR_NOT_FOUND when unknown. */
enum err store_order_get_tx(struct db_conn *c, uint64_t id, bool lock, struct order_view *out);
enum err store_order_get(struct svc *s, uint64_t id, struct order_view *out);

/* Orders for which reminder k may be due at now_ms/today and that have not had it: up to
 * limit ids into ids, count in *n. */
enum err store_remind_candidates(struct svc *s, enum remind_kind k, int64_t now_ms, int32_t today, size_t limit,
                                 uint64_t *ids, size_t *n);
/* Record that reminder k of order was sent: *claimed false when it already was. */
enum err store_reminder_claim_tx(struct db_conn *c, uint64_t order_id, enum remind_kind k, int64_t now_ms,
                                 bool *claimed);
/* Housekeeping: forget ended orders, reminder records and processed events older than the
 * event stream's retention (at most 1000 rows of each per call). */
enum err store_purge(struct svc *s, int64_t now_ms);

/* Retention: delete read notifications read before before_ms from every shard, in
 * statements of at most batch rows, at most max_batches statements per shard (the next call
 * goes on); *deleted is how many went. Unread ones are never touched, so no unread counter
 * moves. Stops early (ERR_OK) when the service is stopping. */
enum err store_purge_read(struct svc *s, int64_t before_ms, unsigned batch, unsigned max_batches, uint64_t *deleted);

/* ---- reading ---- */

typedef void (*store_each_fn)(const struct notification *n, void *ctx);

/* A page of user's inbox, newest first, ids < before (UINT64_MAX to start), only unread ones
 * when unread_only: each for at most limit; *more when others follow. */
enum err store_list(struct svc *s, uint64_t user, bool unread_only, uint64_t before, size_t limit, store_each_fn each,
                    void *ctx, bool *more);
/* user's notifications with id > after, oldest first, at most limit; *n how many. */
enum err store_newer(struct svc *s, uint64_t user, uint64_t after, size_t limit, store_each_fn each, void *ctx,
                     size_t *n);
/* The newest notification id of user (0 when none). */
enum err store_newest_id(struct svc *s, uint64_t user, uint64_t *out);

/* Mark one of user's notifications read; each receives it afterwards. ERR_NOT_FOUND when
 * user has no such notification (another user's id included). The unread counter drops by
 * exactly what changed (1, or 0 when it was read already). */
enum err store_mark_read(struct svc *s, uint64_t user, uint64_t id, store_each_fn each, void *ctx);
/* Mark all of user's notifications read; *changed how many were unread. */
enum err store_mark_all_read(struct svc *s, uint64_t user, uint64_t *changed);

/* user's unread count: from the Redis counter; when the key is missing, counted in MariaDB
 * and stored back unless a writer was in flight. With unread_from_db, always counted in
 * MariaDB. *cached tells where it came from. */
enum err store_unread_count(struct svc *s, uint64_t user, long long *out, bool *cached);

/* ---- the unread counter around a writer's transaction ----
 * A writer (consumer, reminder job, mark-read) calls store_unread_busy(user) inside its
 * transaction before it commits, and store_unread_apply(user, delta, wake) after the commit
 * (or with delta 0 after a rollback): the counter moves by delta if it exists, the in-flight
 * mark is released, and with wake the user id is published on STORE_WAKE_CHANNEL. A rebuild
 * from MariaDB is stored only when no writer was in flight and none finished meanwhile, so
 * the counter cannot count a change twice or miss it. store_unread_busy returns whether the
 * mark was taken; a writer without it (Redis was down) passes busy_marked false and its
 * change deletes the counter instead of moving it (the next read rebuilds it). */
bool store_unread_busy(struct svc *s, uint64_t user);
void store_unread_apply(struct svc *s, uint64_t user, long delta, bool busy_marked, bool wake);

/* The same for many users in one round trip (a pipeline of the per-user scripts, each as
 * above): busy[i] is whether users[i]'s mark was taken; the function returns how many were.
 * Each move m[i] is one store_unread_apply. A user whose reply does not come counts as Redis
 * being down for that user, as with the single calls. */
size_t store_unread_busy_many(struct svc *s, size_t n, const uint64_t *users, bool *busy);
struct store_unread_move {
    uint64_t user;
    long delta;
    bool busy_marked, wake;
};
void store_unread_apply_many(struct svc *s, size_t n, const struct store_unread_move *m);

/* ---- users ---- */

/* The language of user's profile ("lang" of the user service's GET /internal/v1/users/{id}),
 * cached in Redis for 5 minutes. LANG_ZH when unknown or when the user service cannot be
 * reached (then not cached, and not asked again for 5 s). */
enum notif_lang store_user_lang(struct svc *s, uint64_t user);
/* The languages of n users: those cached in one round trip (MGET), each of the others as
 * store_user_lang finds it. */
void store_user_langs(struct svc *s, size_t n, const uint64_t *users, enum notif_lang *langs);

#endif
