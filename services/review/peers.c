/* Client of the user service's internal API (display names). */
#include "peers.h"
#include "httpc.h"
#include "ids.h"
#include "log.h"
#include "svc.h"

#include <stdio.h>

bool peer_display_name(uint64_t user_id, long timeout_ms, char *buf, size_t cap)
{
    char url[256], id[IDS_STR_LEN];
    snprintf(url, sizeof url, "%s/internal/v1/users/%s", svc_url("user"), ids_format(user_id, id));
    struct httpc_resp resp = {0};
    enum err e = httpc_request("GET", url, NULL, NULL, timeout_ms, &resp);
    const char *name = e == ERR_OK && resp.status == 200 ? json_string_value(json_object_get(resp.json, "display_name"))
                                                         : NULL;
    bool ok = name && (size_t)snprintf(buf, cap, "%s", name) < cap;
    if (!ok)
        LOG_W("review: no display name for user %s (%s, status %ld): posting without it", id, err_code(e),
              resp.status);
    httpc_resp_free(&resp);
    return ok;
}
