/* Client of the user service's internal API (a provider's verification status). */
#include "peers.h"
#include "httpc.h"
#include "ids.h"
#include "log.h"
#include "svc.h"

#include <stdio.h>
#include <string.h>

enum err peer_provider_approved(uint64_t user_id, long timeout_ms, bool *approved)
{
    char url[256], id[IDS_STR_LEN];
    struct httpc_resp resp = {0};
    snprintf(url, sizeof url, "%s/internal/v1/users/%s", svc_url("user"), ids_format(user_id, id));
    enum err e = httpc_request("GET", url, NULL, NULL, timeout_ms, &resp);
    const char *status = json_string_value(json_object_get(resp.json, "status"));
    if (e == ERR_OK && (resp.status == 200 || resp.status == 404)) {
        *approved = resp.status == 200 && status && strcmp(status, "active") == 0;
    } else {
        LOG_W("media: cannot ask the user service about provider %s (%s, status %ld)", id, err_code(e), resp.status);
        e = ERR_UNAVAILABLE;
    }
    httpc_resp_free(&resp);
    return e;
}
