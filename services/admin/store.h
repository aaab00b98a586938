/* Storage of the admin service: every SQL statement it runs. The audit log (one row per
 * decision, written before the other service is called and finished after) and the platform
 * rules (the current rule set plus every earlier version) live in pb_admin. */
#ifndef ADMIN_STORE_H
#define ADMIN_STORE_H

#include "audit.h"
#include "rules.h"
#include "svc.h"

struct admin_app {
    long call_timeout_ms;      /* timeout of each call to another service */
    long dashboard_timeout_ms; /* timeout of each call the dashboard makes (PB_DASHBOARD_CALL_TIMEOUT_MS) */
};

struct admin_app *admin_app(struct svc *s);

/* Check that the migrations were applied (the rules row exists). */
enum err store_init(struct svc *s);

/* ---- audit log ---- */

/* Insert a new entry (a->id, actor, action, target, reason, request id and times set by
 * the caller; its outcome is stored as given, normally AUDIT_REQUESTED). */
enum err store_audit_begin(struct svc *s, const struct audit_entry *a);

/* Record how the call went: outcome, the callee's HTTP status (0 = none) and a detail. */
enum err store_audit_finish(struct svc *s, uint64_t id, enum audit_outcome o, long callee_status, const char *detail);

struct audit_filter {
    const char *target_type; /* NULL = any */
    const char *target_id;   /* NULL = any */
    uint64_t actor_id;       /* 0 = any */
};

/* Entries matching f, newest first, with id < before_id (UINT64_MAX to start). Fills up to
 * limit entries into out; *n receives the count. */
enum err store_audit_list(struct svc *s, const struct audit_filter *f, uint64_t before_id, size_t limit,
                          struct audit_entry *out, size_t *n);

/* ---- platform rules ---- */

struct rules_state {
    int64_t version;
    json_t *banned_words; /* owned: JSON array of strings */
    int64_t min_price_fen, max_price_fen;
    int64_t updated_ms;
    uint64_t updated_by;  /* 0: the defaults of the migration */
};

void rules_state_free(struct rules_state *r);

/* The current rules. ERR_INTERNAL when the row is missing or unreadable (logged). */
enum err store_rules_get(struct svc *s, struct rules_state *out);

/* Replace the rules in one transaction: lock the current row, check expected_version (if
 * >= 1; ERR_CONFLICT when the rules changed meanwhile), store the next version and its copy
 * in the history, and write the audit entry a (its target_id, outcome "done" and a detail
 * describing the change are filled in here). *out is the new rule set. */
enum err store_rules_put(struct svc *s, const json_t *banned_words, int64_t min_price_fen, int64_t max_price_fen,
                         int64_t expected_version, struct audit_entry *a, struct rules_state *out);

#endif
