/* Calls to the order service's internal API. */
#include "peers.h"
#include "httpc.h"
#include "ids.h"
#include "log.h"
#include "svc.h"

#include <stdio.h>
#include <string.h>

enum err peer_order(uint64_t order_id, struct order_info *out)
{
    char url[256];
    struct httpc_resp r;
    snprintf(url, sizeof url, "%s/internal/v1/orders/%llu", svc_url("order"), (unsigned long long)order_id);
    enum err e = httpc_request("GET", url, NULL, NULL, 3000, &r);
    if (e == ERR_OK && r.status == 404) {
        e = ERR_NOT_FOUND;
    } else if (e == ERR_OK) {
        json_t *j = r.status == 200 ? r.json : NULL;
        const char *owner = json_string_value(json_object_get(j, "owner_id"));
        const char *status = json_string_value(json_object_get(j, "status"));
        const char *cur = json_string_value(json_object_get(j, "currency"));
        json_t *total = json_object_get(j, "total_fen");
        if (!ids_parse(owner, &out->owner_id) || !status || !json_is_integer(total)) {
            LOG_E("payment: the order service answered %ld for order %llu without a usable order", r.status,
                  (unsigned long long)order_id);
            e = ERR_UNAVAILABLE;
        } else {
            snprintf(out->status, sizeof out->status, "%s", status);
            snprintf(out->currency, sizeof out->currency, "%s", cur ? cur : "CNY");
            out->total_fen = (int64_t)json_integer_value(total);
        }
    }
    httpc_resp_free(&r);
    return e;
}
