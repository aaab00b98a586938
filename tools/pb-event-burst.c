/* Publishes bursts of order events on JetStream and measures how the notification service
 * consumes them into inboxes: for bench/notifications.sh.
 *
 *   pb-event-burst publish <owner_id> <provider_id> <count> [events_per_s]
 *       publishes count order.paid events (new orders; each gives the owner and the provider a
 *       notification), as fast as JetStream acknowledges them or paced at events_per_s, and
 *       prints "PBPUB <count> <first_ms> <last_ms>"
 *   pb-event-burst shard <user_id> <shards>
 *       prints the inbox shard of a user (ids_shard), for queries made beside the service
 *   pb-event-burst wait <owner_id> <count> <since_ms> [timeout_s]
 *       waits until the owner's inbox holds count order.paid notifications of events published
 *       since since_ms, then prints "PBSTORED <count> <first_created_ms> <last_created_ms>
 *       <p50_ms> <p99_ms> <max_ms>": the event-to-inbox latency of each is the notification row's
 *       created_ms (taken by the consumer as it inserts, just before its commit) minus the
 *       event's occurred_at (taken by this tool as it publishes); one clock, one machine.
 *
 * Environment: PB_NATS_URL (nats://127.0.0.1:4222), PB_HOME (var: MariaDB's socket is
 * $PB_HOME/mariadb/mysqld.sock, read as root). */
#include "bus.h"
#include "config.h"
#include "dates.h"
#include "db.h"
#include "events.h"
#include "ids.h"
#include "log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int usage(void)
{
    fprintf(stderr, "usage: pb-event-burst publish <owner_id> <provider_id> <count> [events_per_s]\n"
                    "       pb-event-burst wait <owner_id> <count> <since_ms> [timeout_s]\n"
                    "       pb-event-burst shard <user_id> <shards>\n");
    return 2;
}

static void sleep_until(int64_t unix_ms)
{
    int64_t d = unix_ms - time_now_ms();
    if (d > 0) {
        struct timespec ts = {d / 1000, (d % 1000) * 1000000L};
        nanosleep(&ts, NULL);
    }
}

static json_t *paid_event(const char *owner, const char *provider, int64_t now)
{
    char id[IDS_STR_LEN], listing[IDS_STR_LEN], pay[TIME_STR_LEN], accept[TIME_STR_LEN], s[DATE_STR_LEN],
        e[DATE_STR_LEN], pid[IDS_STR_LEN];
    int32_t today = date_today();
    return json_pack("{s:{s:s,s:s,s:s,s:s,s:s,s:[],s:s,s:s,s:i,s:i,s:s,s:s,s:s},s:s,s:s}", "order", "id",
                     ids_format(ids_next(), id), "listing_id", ids_format(ids_next(), listing), "listing_title",
                     "压测寄养小屋", "owner_id", owner, "provider_id", provider, "pet_ids", "start_date",
                     date_format(today + 30, s), "end_date", date_format(today + 33, e), "nights", 3, "total_fen",
                     36000, "currency", "CNY", "status", "paid", "pay_before", time_format_ms(now + 900000, pay),
                     "payment_id", ids_format(ids_next(), pid), "accept_before",
                     time_format_ms(now + 86400000LL, accept));
}

static int cmd_publish(const char *owner, const char *provider, long count, double rate)
{
    struct bus *b = bus_new(config_str("PB_NATS_URL", "nats://127.0.0.1:4222"));
    for (int i = 0; i < 200 && !bus_connected(b); i++)
        usleep(25000);
    if (!bus_connected(b)) {
        fprintf(stderr, "pb-event-burst: NATS unreachable\n");
        bus_free(b);
        return 1;
    }
    int64_t first = 0, last = 0, start = time_now_ms();
    for (long i = 0; i < count; i++) {
        if (rate > 0)
            sleep_until(start + (int64_t)((double)i * 1000.0 / rate));
        int64_t now = time_now_ms();
        uint64_t id = ids_next();
        char sid[IDS_STR_LEN];
        json_t *data = paid_event(owner, provider, now);
        json_t *env = events_envelope(id, "order.paid", 1, now, "order", "bench", data);
        char *payload = json_dumps(env, JSON_COMPACT);
        enum err e = bus_publish(b, "petboarding.order.paid", ids_format(id, sid), payload, strlen(payload), 5000);
        free(payload);
        json_decref(env);
        json_decref(data);
        if (e != ERR_OK) {
            fprintf(stderr, "pb-event-burst: publish %ld failed\n", i);
            bus_free(b);
            return 1;
        }
        if (!first)
            first = now;
        last = now;
    }
    printf("PBPUB %ld %lld %lld\n", count, (long long)first, (long long)last);
    bus_free(b);
    return 0;
}

static int cmp_ll(const void *a, const void *b)
{
    long long x = *(const long long *)a, y = *(const long long *)b;
    return x < y ? -1 : x > y;
}

static int cmd_wait(const char *owner, long count, long long since, long timeout_s)
{
    char sock[1024], table[96], sql[384];
    snprintf(sock, sizeof sock, "%s/mariadb/mysqld.sock", config_str("PB_HOME", "var"));
    struct db_opts o = {.user = "root", .password = "", .database = "pb_notification", .unix_socket = sock,
                        .pool_size = 2};
    struct db *db = db_new(&o);
    struct db_rows *r = NULL;
    uint64_t uid = strtoull(owner, NULL, 10);
    int rc = 1;
    if (!db || db_query1(db, &r, "SELECT v FROM schema_meta WHERE k = 'shards'", "") != ERR_OK ||
        db_rows_count(r) != 1) {
        fprintf(stderr, "pb-event-burst: cannot read pb_notification.schema_meta over %s\n", sock);
        goto out;
    }
    snprintf(table, sizeof table, "notification_%u", ids_shard(uid, (unsigned)db_rows_i64(r, 0, 0)));
    db_rows_free(r);
    r = NULL;
    snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM %s WHERE user_id = ? AND type = 'order.paid' AND source_ms >= ?",
             table);
    int64_t deadline = time_now_ms() + timeout_s * 1000;
    long long have = 0;
    while (time_now_ms() < deadline) {
        if (db_query1(db, &r, sql, "ui", uid, (int64_t)since) == ERR_OK)
            have = db_rows_i64(r, 0, 0);
        db_rows_free(r);
        r = NULL;
        if (have >= count)
            break;
        usleep(10000);
    }
    if (have < count) {
        fprintf(stderr, "pb-event-burst: only %lld of %ld stored after %ld s\n", have, count, timeout_s);
        goto out;
    }
    snprintf(sql, sizeof sql,
             "SELECT created_ms - source_ms, created_ms FROM %s WHERE user_id = ? AND type = 'order.paid' AND "
             "source_ms >= ? ORDER BY created_ms",
             table);
    if (db_query1(db, &r, sql, "ui", uid, (int64_t)since) != ERR_OK || db_rows_count(r) == 0)
        goto out;
    size_t n = db_rows_count(r);
    long long *lat = malloc(n * sizeof *lat);
    if (!lat)
        goto out;
    for (size_t i = 0; i < n; i++)
        lat[i] = db_rows_i64(r, i, 0);
    long long first = db_rows_i64(r, 0, 1), last = db_rows_i64(r, n - 1, 1);
    qsort(lat, n, sizeof *lat, cmp_ll);
    printf("PBSTORED %zu %lld %lld %lld %lld %lld\n", n, first, last, lat[(n - 1) / 2], lat[(n * 99 + 99) / 100 - 1],
           lat[n - 1]);
    free(lat);
    rc = 0;
out:
    db_rows_free(r);
    db_free(db);
    return rc;
}

int main(int argc, char **argv)
{
    log_init("pb-event-burst", "error"); /* bus_free logs its disconnection as a warning */
    ids_init(1001); /* a worker id no service (nor the e2e harness) uses */
    if (argc >= 5 && strcmp(argv[1], "publish") == 0)
        return cmd_publish(argv[2], argv[3], atol(argv[4]), argc > 5 ? atof(argv[5]) : 0);
    if (argc >= 5 && strcmp(argv[1], "wait") == 0)
        return cmd_wait(argv[2], atol(argv[3]), atoll(argv[4]), argc > 5 ? atol(argv[5]) : 300);
    if (argc == 4 && strcmp(argv[1], "shard") == 0) {
        uint64_t id;
        long n = atol(argv[3]);
        if (!ids_parse(argv[2], &id) || n < 1 || n > 1024)
            return usage();
        printf("%u\n", ids_shard(id, (unsigned)n));
        return 0;
    }
    return usage();
}
