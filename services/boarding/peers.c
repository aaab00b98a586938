/* Clients of the user service (a provider's status) and the admin service (the platform
 * rules); the media service's (listing photos) is lib/mediaref. */
#include "peers.h"
#include "httpc.h"
#include "ids.h"
#include "log.h"
#include "svc.h"

#include <stdio.h>
#include <string.h>

#define USER_TIMEOUT_MS 3000
#define ADMIN_TIMEOUT_MS 3000

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

enum err peer_rules_check(const json_t *fields, json_t **answer)
{
    char url[256];
    struct httpc_resp resp = {0};
    *answer = NULL;
    snprintf(url, sizeof url, "%s/internal/v1/rules/check", svc_url("admin"));
    enum err e = httpc_request("POST", url, fields, NULL, ADMIN_TIMEOUT_MS, &resp);
    if (e == ERR_OK && resp.status == 200 && json_is_array(json_object_get(resp.json, "violations")) &&
        json_is_object(json_object_get(resp.json, "fields"))) {
        *answer = json_incref(resp.json);
    } else {
        LOG_W("boarding: cannot check a listing against the platform rules (%s, status %ld)", err_code(e),
              resp.status);
        e = ERR_UNAVAILABLE;
    }
    httpc_resp_free(&resp);
    return e;
}
