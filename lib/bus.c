/* cnats glue: connection with endless reconnect, stream creation, de-duplicated publish. */
#include "bus.h"
#include "log.h"

#include <nats/nats.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct bus {
    natsConnection *nc;
    jsCtx *js;
    natsOptions *opts;
};

static void on_disconnected(natsConnection *nc, void *closure)
{
    (void)nc;
    (void)closure;
    LOG_W("bus: disconnected from NATS, reconnecting");
}

/* Called when the first connection succeeds after a failed start-up connect. */
static void on_connected(natsConnection *nc, void *closure)
{
    (void)nc;
    (void)closure;
    LOG_I("bus: connected to NATS");
}

static void on_reconnected(natsConnection *nc, void *closure)
{
    (void)nc;
    (void)closure;
    LOG_I("bus: reconnected to NATS");
}

struct bus *bus_new(const char *urls)
{
    struct bus *b = calloc(1, sizeof *b);
    char *list = strdup(urls ? urls : "nats://127.0.0.1:4222");
    const char *servers[8];
    int n = 0;
    natsStatus s;
    if (!b || !list)
        goto fail;
    char *save = NULL;
    for (char *t = strtok_r(list, ",", &save); t && n < 8; t = strtok_r(NULL, ",", &save))
        servers[n++] = t;
    /* natsOptions_SetURL with a comma list fails in cnats 3.4: use SetServers */
    if ((s = natsOptions_Create(&b->opts)) != NATS_OK || (s = natsOptions_SetServers(b->opts, servers, n)) != NATS_OK ||
        (s = natsOptions_SetMaxReconnect(b->opts, -1)) != NATS_OK ||
        (s = natsOptions_SetReconnectWait(b->opts, 250)) != NATS_OK ||
        (s = natsOptions_SetTimeout(b->opts, 1000)) != NATS_OK ||
        /* with a callback, Connect returns at once (NATS_NOT_YET_CONNECTED) and keeps trying in
         * the background; without one it would block until NATS is up */
        (s = natsOptions_SetRetryOnFailedConnect(b->opts, true, on_connected, NULL)) != NATS_OK ||
        (s = natsOptions_SetDisconnectedCB(b->opts, on_disconnected, NULL)) != NATS_OK ||
        (s = natsOptions_SetReconnectedCB(b->opts, on_reconnected, NULL)) != NATS_OK)
        goto nats_fail;
    s = natsConnection_Connect(&b->nc, b->opts);
    if (s != NATS_OK && s != NATS_NOT_YET_CONNECTED)
        goto nats_fail;
    if ((s = natsConnection_JetStream(&b->js, b->nc, NULL)) != NATS_OK)
        goto nats_fail;
    free(list);
    return b;
nats_fail:
    LOG_E("bus: cannot set up NATS (%s): %s", urls, natsStatus_GetText(s));
fail:
    free(list);
    bus_free(b);
    return NULL;
}

void bus_free(struct bus *b)
{
    if (!b)
        return;
    jsCtx_Destroy(b->js);
    if (b->nc) {
        natsConnection_Close(b->nc);
        natsConnection_Destroy(b->nc);
    }
    natsOptions_Destroy(b->opts);
    free(b);
}

bool bus_connected(struct bus *b)
{
    return b && b->nc && natsConnection_Status(b->nc) == NATS_CONN_STATUS_CONNECTED;
}

enum err bus_ensure_stream(struct bus *b, int replicas)
{
    jsStreamInfo *si = NULL;
    jsErrCode jerr = 0;
    natsStatus s = js_GetStreamInfo(&si, b->js, BUS_STREAM, NULL, &jerr);
    if (s == NATS_OK) {
        jsStreamInfo_Destroy(si);
        return ERR_OK;
    }
    jsStreamConfig cfg;
    jsStreamConfig_Init(&cfg);
    const char *subjects[] = {BUS_SUBJECTS};
    cfg.Name = BUS_STREAM;
    cfg.Subjects = subjects;
    cfg.SubjectsLen = 1;
    cfg.Storage = js_FileStorage;
    cfg.Replicas = replicas > 0 ? replicas : 1;
    cfg.Duplicates = (int64_t)120 * 1000000000LL; /* nanoseconds */
    cfg.MaxAge = (int64_t)7 * 24 * 3600 * 1000000000LL;
    s = js_AddStream(&si, b->js, &cfg, NULL, &jerr);
    if (s != NATS_OK) {
        LOG_E("bus: cannot create stream %s: %s (js error %d)", BUS_STREAM, natsStatus_GetText(s), (int)jerr);
        return ERR_UNAVAILABLE;
    }
    jsStreamInfo_Destroy(si);
    LOG_I("bus: created stream %s (replicas %ld)", BUS_STREAM, (long)cfg.Replicas);
    return ERR_OK;
}

enum err bus_publish(struct bus *b, const char *subject, const char *msg_id, const char *data, size_t len,
                     long timeout_ms)
{
    jsPubOptions po;
    jsPubAck *pa = NULL;
    jsErrCode jerr = 0;
    jsPubOptions_Init(&po);
    po.MsgId = msg_id;
    po.MaxWait = timeout_ms;
    natsStatus s = js_Publish(&pa, b->js, subject, data, (int)len, &po, &jerr);
    if (s != NATS_OK) {
        LOG_W("bus: publish %s (%s) failed: %s (js error %d)", subject, msg_id, natsStatus_GetText(s), (int)jerr);
        return ERR_UNAVAILABLE;
    }
    jsPubAck_Destroy(pa);
    return ERR_OK;
}

void *bus_nats(struct bus *b) { return b->nc; }
void *bus_js(struct bus *b) { return b->js; }
