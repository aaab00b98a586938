/* Audit trail vocabulary: outcomes, status mapping, call details, rendering. */
#include "audit.h"
#include "dates.h"
#include "ids.h"
#include "utf8.h"

#include <stdio.h>
#include <string.h>

const char *const AUDIT_OUTCOME_NAMES[] = {"requested", "done", "failed", NULL};
const char *const AUDIT_TARGET_NAMES[] = {"user", "listing", "rules", "review", NULL};

int audit_outcome_parse(const char *s)
{
    for (int i = 0; s && AUDIT_OUTCOME_NAMES[i]; i++)
        if (strcmp(AUDIT_OUTCOME_NAMES[i], s) == 0)
            return i;
    return -1;
}

enum err audit_err_for_status(long status)
{
    if (status >= 200 && status < 300)
        return ERR_OK;
    switch (status) {
    case 400:
        return ERR_BAD_REQUEST;
    case 403:
        return ERR_FORBIDDEN;
    case 404:
        return ERR_NOT_FOUND;
    case 409:
        return ERR_CONFLICT;
    case 422:
        return ERR_INVALID;
    case 0:
    case 429:
        return ERR_UNAVAILABLE;
    default:
        return status >= 500 ? ERR_UNAVAILABLE : ERR_INTERNAL;
    }
}

void audit_clip_utf8(char *s, size_t max_bytes) { utf8_clip_str(s, max_bytes); }

void audit_call_detail(char *buf, size_t cap, const char *callee, bool answered, long status, const json_t *body)
{
    if (cap == 0)
        return;
    if (!answered) {
        snprintf(buf, cap, "%s service did not answer", callee);
        audit_clip_utf8(buf, cap - 1);
        return;
    }
    const json_t *err = json_object_get(body, "error");
    const char *st = json_string_value(json_object_get(body, "status"));
    const json_t *affected = json_object_get(body, "affected");
    int n;
    if (status >= 200 && status < 300 && st)
        n = snprintf(buf, cap, "%s service: %ld, status now %s", callee, status, st);
    else if (status >= 200 && status < 300 && json_is_integer(affected))
        n = snprintf(buf, cap, "%s service: %ld, %lld listings affected", callee, status,
                     (long long)json_integer_value(affected));
    else if (err)
        n = snprintf(buf, cap, "%s service: %ld %s: %s", callee, status,
                     json_string_value(json_object_get(err, "code")) ? json_string_value(json_object_get(err, "code")) : "error",
                     json_string_value(json_object_get(err, "message")) ? json_string_value(json_object_get(err, "message")) : "");
    else
        n = snprintf(buf, cap, "%s service: %ld", callee, status);
    if (n < 0 || (size_t)n >= cap) /* snprintf may have cut a character in two */
        audit_clip_utf8(buf, cap - 1);
}

void audit_violations_detail(char *buf, size_t cap, int64_t rules_version, const json_t *violations)
{
    if (cap == 0)
        return;
    int k = snprintf(buf, cap, "refused: breaks platform rules (version %lld)", (long long)rules_version);
    size_t len = k < 0 ? 0 : (size_t)k < cap ? (size_t)k : cap - 1;
    for (size_t i = 0; i < json_array_size(violations) && len + 1 < cap; i++) {
        const json_t *v = json_array_get(violations, i);
        const char *field = json_string_value(json_object_get(v, "field"));
        const char *detail = json_string_value(json_object_get(v, "detail"));
        k = snprintf(buf + len, cap - len, "; %s: %s", field ? field : "?", detail ? detail : "?");
        len = k < 0 || (size_t)k >= cap - len ? cap - 1 : len + (size_t)k;
    }
    audit_clip_utf8(buf, cap - 1);
}

static json_t *opt_str(bool has, const char *s) { return has && s[0] ? json_string(s) : json_null(); }

json_t *audit_entry_json(const struct audit_entry *a)
{
    char id[IDS_STR_LEN], actor[IDS_STR_LEN], created[TIME_STR_LEN], updated[TIME_STR_LEN];
    unsigned o = (unsigned)a->outcome <= AUDIT_FAILED ? (unsigned)a->outcome : AUDIT_REQUESTED;
    return json_pack("{s:s,s:s,s:s,s:s,s:o,s:o,s:s,s:o,s:o,s:o,s:s,s:s}", "id", ids_format(a->id, id), "actor_id",
                     ids_format(a->actor_id, actor), "action", a->action, "target_type", a->target_type, "target_id",
                     opt_str(true, a->target_id), "reason", opt_str(a->has_reason, a->reason), "outcome",
                     AUDIT_OUTCOME_NAMES[o], "detail", opt_str(true, a->detail), "callee_status",
                     a->callee_status ? json_integer(a->callee_status) : json_null(), "request_id",
                     opt_str(true, a->request_id), "created_at", time_format_ms(a->created_ms, created), "updated_at",
                     time_format_ms(a->updated_ms, updated));
}
