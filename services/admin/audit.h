/* The audit trail's vocabulary and pure helpers: what an entry holds, how a callee's answer
 * maps onto our answer and onto the entry's outcome and detail, and how an entry is shown. */
#ifndef ADMIN_AUDIT_H
#define ADMIN_AUDIT_H

#include "errors.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* requested: written before the other service was called; done / failed: its answer came.
 * An entry left "requested" means the admin service stopped between the two. */
enum audit_outcome { AUDIT_REQUESTED = 0, AUDIT_DONE, AUDIT_FAILED };

extern const char *const AUDIT_OUTCOME_NAMES[]; /* NULL-terminated, indexed by enum audit_outcome */
extern const char *const AUDIT_TARGET_NAMES[];  /* "user", "listing", "rules", "review", NULL */

#define AUDIT_REASON_CHARS 500
#define AUDIT_DETAIL_BYTES 1001 /* the detail column holds 1000 characters; 1000 bytes always fit */

struct audit_entry {
    uint64_t id;                    /* snowflake: time-ordered, the log's sort key */
    uint64_t actor_id;              /* the admin's user id, from the access token */
    char action[40];                /* "provider.approve", "listing.reject", "user.suspend", "rules.update", ... */
    char target_type[16];           /* one of AUDIT_TARGET_NAMES */
    char target_id[24];             /* a user, listing or review id; the rules version for rules.update */
    bool has_reason;
    char reason[AUDIT_REASON_CHARS * 4 + 1];
    enum audit_outcome outcome;
    char detail[AUDIT_DETAIL_BYTES];
    long callee_status;             /* HTTP status of the other service; 0 when none */
    char request_id[65];
    int64_t created_ms, updated_ms;
};

/* Parse an outcome name; -1 when unknown. */
int audit_outcome_parse(const char *s);

/* The error we answer with when another service answered status (0 = no answer):
 * 2xx ERR_OK; 400, 403, 404, 409, 422 keep their meaning (passed on); 5xx, 429 and no answer
 * ERR_UNAVAILABLE; anything else (401, 405, ...) ERR_INTERNAL: our call was wrong. */
enum err audit_err_for_status(long status);

/* Describe one call's result for the audit log into buf (cap bytes, valid UTF-8):
 * "user service: 200, status now active", "boarding service: 200, 3 listings affected",
 * "user service: 409 conflict: <its message>", "boarding service did not answer".
 * answered is false when no answer arrived; body is the parsed answer (may be NULL). */
void audit_call_detail(char *buf, size_t cap, const char *callee, bool answered, long status, const json_t *body);

/* Describe an approval refused by the rules for the audit log into buf (cap bytes, valid
 * UTF-8): "refused: breaks platform rules (version 3); title: contains the banned word ...;
 * price_per_night_fen: ..." (violations as made by rules_evaluate). */
void audit_violations_detail(char *buf, size_t cap, int64_t rules_version, const json_t *violations);

/* Shorten s in place to at most max_bytes bytes without cutting a UTF-8 character
 * (utf8_clip_str of lib/utf8.h, the one implementation). */
void audit_clip_utf8(char *s, size_t max_bytes);

/* Render an entry as the API shows it (a new reference). */
json_t *audit_entry_json(const struct audit_entry *a);

#endif
