/* Client of the media service's internal API (the photos attached to a pet). */
#include "peers.h"
#include "httpc.h"
#include "mediaref.h"
#include "svc.h"

#include <stdio.h>

enum err peer_pet_photos(uint64_t owner, const uint64_t *ids, size_t n, json_t **fields)
{
    char url[256];
    struct httpc_resp resp = {0};
    json_t *body = mediaref_resolve_body(owner, "pet", ids, n);
    if (!body)
        return ERR_NO_MEMORY;
    snprintf(url, sizeof url, "%s%s", svc_url("media"), MEDIAREF_RESOLVE_PATH);
    enum err e = httpc_request("POST", url, body, NULL, MEDIAREF_TIMEOUT_MS, &resp);
    e = mediaref_resolve_answer(e, &resp, "photos", ids, n, NULL, fields);
    json_decref(body);
    httpc_resp_free(&resp);
    return e;
}
