/* The notification service: inboxes written from platform events and reminders, read over
 * the API and pushed to clients as Server-Sent Events. */
#include "config.h"
#include "consumers.h"
#include "inbox.h"
#include "log.h"
#include "push.h"
#include "routes.h"
#include "store.h"
#include "streamcap.h"

static struct notif_app app;

static enum err init(struct svc *s)
{
    s->app = &app;
    app.heartbeat_ms = config_long("PB_NOTIFICATION_HEARTBEAT_MS", 15000, 200, 55000); /* < the 60 s idle timeout */
    app.unread_from_db = config_bool("PB_NOTIFICATION_UNREAD_FROM_DB", false);
    long remind_ms = config_long("PB_NOTIFICATION_REMIND_INTERVAL_MS", 5000, 100, 3600000);
    /* event streams hold a connection each for as long as they last: a few per user, and at
     * most a share of the HTTP server's connections in all (streamcap.h) */
    long per_user = config_long("PB_NOTIFICATION_STREAMS_PER_USER", STREAMCAP_PER_USER_DEFAULT, 1, 100);
    unsigned conn_limit = svc_http_conn_limit();
    long max_streams = config_long("PB_NOTIFICATION_MAX_STREAMS", (long)streamcap_max_default(conn_limit), 1,
                                   (long)conn_limit - 8);
    app.read_keep_ms = config_long("PB_NOTIFICATION_READ_RETENTION_DAYS", 180, 1, 36500) * 86400000LL;
    long retention_ms = config_long("PB_NOTIFICATION_RETENTION_INTERVAL_MS", 3600000, 100, 86400000);
    enum err e = store_init(s);
    if (e != ERR_OK)
        return e;
    if (app.unread_from_db)
        LOG_W("notification: PB_NOTIFICATION_UNREAD_FROM_DB=1: unread counts are counted in MariaDB");
    if (!(app.push = push_new(app.heartbeat_ms, (size_t)per_user, (size_t)max_streams)) || push_start(s, app.push) != 0 ||
        consumers_start(s) != 0 || inbox_reminders_start(s, remind_ms) != 0 ||
        inbox_retention_start(s, retention_ms) != 0)
        return ERR_INTERNAL;
    return ERR_OK;
}

static void fini(struct svc *s)
{
    (void)s;
    push_free(app.push); /* the streams were closed with the HTTP server, the subscriber joined */
    app.push = NULL;
}

int main(int argc, char **argv)
{
    static const struct svc_spec spec = {
        .name = "notification",
        .needs = SVC_DB | SVC_CACHE | SVC_BUS,
        .init = init,
        .routes = notification_routes,
        .fini = fini,
    };
    return svc_main(argc, argv, &spec);
}
