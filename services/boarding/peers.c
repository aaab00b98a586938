/* Clients of the user service (a provider's status) and the media service (listing photos). */
#include "peers.h"
#include "httpc.h"
#include "ids.h"
#include "log.h"
#include "svc.h"

#include <stdio.h>
#include <string.h>

#define USER_TIMEOUT_MS 3000

enum err peer_provider_approved(uint64_t provider_id, bool *approved)
{
    char url[256], id[IDS_STR_LEN];
    struct httpc_resp resp = {0};
    snprintf(url, sizeof url, "%s/internal/v1/users/%s", svc_url("user"), ids_format(provider_id, id));
    enum err e = httpc_request("GET", url, NULL, NULL, USER_TIMEOUT_MS, &resp);
    const char *status = json_string_value(json_object_get(resp.json, "status"));
    if (e == ERR_OK && (resp.status == 200 || resp.status == 404)) {
        *approved = resp.status == 200 && status && strcmp(status, "active") == 0;
    } else {
        LOG_W("boarding: cannot ask the user service about provider %s (%s, status %ld)", id, err_code(e),
              resp.status);
        e = ERR_UNAVAILABLE;
    }
    httpc_resp_free(&resp);
    return e;
}
