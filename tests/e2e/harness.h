/* End-to-end test harness: HTTP calls through the gateway of a running stack (addresses from
 * the environment set by scripts/test.sh), JSON helpers, test users, direct MariaDB reads
 * for asserting what was stored, and parallel runners for concurrency tests. */
#ifndef PB_E2E_HARNESS_H
#define PB_E2E_HARNESS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <pthread.h>
#include <stdbool.h>

struct resp {
    long status;
    char *body;
    size_t len;
    json_t *json;           /* parsed body or NULL */
    char request_id[96];    /* X-Request-Id response header */
    char content_type[128];
    char retry_after[32];
    char location[256];
    char cache_control[128];
    char content_type_options[32]; /* X-Content-Type-Options */
    char *headers;          /* every header line of the response, as received (CRLF-separated) */
};

/* Base URL of the gateway (PB_GATEWAY), e.g. http://127.0.0.1:18080. */
const char *e2e_gateway(void);

/* Call the gateway: method path (with query), optional bearer token, optional JSON body
 * (taken). Never NULL: a transport failure is status 0. */
struct resp *e2e_call(const char *method, const char *path, const char *token, json_t *body);
/* Same with a raw body, explicit content type (NULL for none) and extra header lines. */
struct resp *e2e_call_raw(const char *method, const char *path, const char *token, const char *content_type,
                          const char *body, size_t len, const char *const *headers);
/* Send these bytes as they are to the gateway on a new connection and read the answer until
 * the gateway closes it (ask for that with "Connection: close", or send what it refuses):
 * for requests no HTTP client would send, such as a malformed request line. Never NULL: a
 * transport failure is status 0. */
struct resp *e2e_send_raw(const char *bytes, size_t len);
/* How many times the response carries header `name` (case-insensitive); the first value is
 * copied into value (cap bytes, may be NULL), or "" when there is none. */
int e2e_header(const struct resp *r, const char *name, char *value, size_t cap);
/* Call a service directly (bypassing the gateway) at base PB_PORT_BASE + offset, with the
 * internal service token: for /internal/ endpoints and /metrics. */
struct resp *e2e_service(const char *service, const char *method, const char *path, json_t *body);
/* The same with a raw body and content type (NULL for none), an optional bearer token, and
 * the internal service token only when internal is true. */
struct resp *e2e_service_raw(const char *service, const char *method, const char *path, const char *token,
                             const char *content_type, const char *body, size_t len, bool internal);
void e2e_resp_free(struct resp *r);

/* Make calls from this thread leave from another loopback address (e.g. "127.0.0.2") so
 * per-address limits of other tests are not disturbed. NULL resets. */
void e2e_source_ip(const char *ip);

/* JSON lookups by dotted path ("user.id", "items.0.id"); NULL/0 when absent. */
json_t *e2e_get(const struct resp *r, const char *path);
const char *e2e_str(const struct resp *r, const char *path);
long long e2e_int(const struct resp *r, const char *path);
/* The message for one field in an error body (error.fields[name]; names may contain dots,
 * like "days.0.date"), or NULL. */
const char *e2e_field_error(const struct resp *r, const char *name);

/* Fail the test (printing the request, status and body) unless the status matches. */
#define EXPECT_STATUS(r, code) e2e_expect_status((r), (code), __FILE__, __LINE__)
/* Expect the documented error body with this status and code, and a request id. */
#define EXPECT_ERROR(r, code, errcode) e2e_expect_error((r), (code), (errcode), __FILE__, __LINE__)
void e2e_expect_status(const struct resp *r, long code, const char *file, int line);
void e2e_expect_error(const struct resp *r, long code, const char *errcode, const char *file, int line);

/* A test account. */
struct e2e_user {
    char id[24];
    char username[96];
    char password[64];
    char role[16];
    char token[2048];
    char refresh[96];
};

/* A fresh unique username with this prefix (valid: 3..32 characters). */
void e2e_unique_name(char *buf, size_t cap, const char *prefix);
/* Register (201 expected) and log in a new account of role "owner" or "provider". */
void e2e_user_new(struct e2e_user *u, const char *role);
/* Log in (200 expected), refreshing token and refresh token. */
void e2e_login(struct e2e_user *u);
/* The platform admin from PB_ADMIN_USER / PB_ADMIN_PASSWORD, logged in. */
void e2e_admin(struct e2e_user *u);

/* A provider approved by the platform (through the user service's internal API). */
void e2e_provider_approved(struct e2e_user *u);
/* Create a listing as provider p: a complete valid body (no photos), with the fields of
 * overrides (taken; may be NULL) replacing or adding to the defaults. When publish, approve
 * it (internal API).
 * The new id is written to id (24 bytes). */
void e2e_listing_new(const struct e2e_user *p, json_t *overrides, bool publish, char *id);

/* Publish an event envelope on the stack's JetStream as `source` would (type "order.paid",
 * data taken); returns its id in id_out (24 bytes, may be NULL). For testing consumers with
 * events whose producer is not involved in the test. */
void e2e_publish_event(const char *source, const char *type, json_t *data, char *id_out);
/* The same with a given event id (to test redelivery and duplicates): published under
 * another message id, so the stream's duplicate window lets it through and the consumers'
 * own idempotency (processed_event) is what must catch it. */
void e2e_publish_event_id(const char *source, const char *type, json_t *data, const char *id);
/* The ack wait of JetStream durable consumer `durable`, in ms (-1 when it cannot be read); with
 * set_ms > 0 it is first changed to that, as an older version of the platform may have left it. */
long long e2e_consumer_ack_wait_ms(const char *durable, long long set_ms);

/* Run `scripts/stack.sh service <name> <action>` on the test stack (start|stop|kill|restart),
 * with extra "NAME=value" environment entries (NULL-terminated, may be NULL), e.g.
 * {"PB_CLOCK_OFFSET_S=86400", NULL} to restart a service one day in the future. Fails the
 * test if the script fails. */
void e2e_stack_service(const char *name, const char *action, const char *const *env);
/* Run `scripts/stack.sh <nats|redis> <start|stop|kill>` on the test stack. */
void e2e_stack_infra(const char *what, const char *action);

/* Record a pet for owner u: a 10 kg dog unless overrides (taken, may be NULL) say otherwise.
 * The new id is written to id (24 bytes). */
void e2e_pet_new(const struct e2e_user *u, json_t *overrides, char *id);

/* ---- photos (the media service) ---- */
/* A w x h RGB PNG made in memory (stored deflate blocks: no image library needed), a
 * gradient whose colours depend on seed, so different seeds are different photos. malloc'd
 * (caller frees); *len is its size. */
unsigned char *e2e_png(unsigned w, unsigned h, unsigned seed, size_t *len);
/* POST /api/v1/media?purpose=<purpose> with a raw body as u (NULL: anonymous). */
struct resp *e2e_upload(const struct e2e_user *u, const char *purpose, const char *ctype, const void *buf,
                        size_t len);
/* Upload a small PNG (a new one each call) for purpose as u, 201 expected; its media id is
 * written to id (24 bytes). */
void e2e_photo_new(const struct e2e_user *u, const char *purpose, char *id);
/* Expect a rendered photo object {id, url, thumb_url} (of media id `id` unless NULL) whose
 * two URLs both fetch 200 image/jpeg through the gateway without a token. */
void e2e_expect_photo(const json_t *photo, const char *id);

/* Pay an order as its owner through the real flow (payment, sandbox decision "succeed",
 * signed webhook, payment.succeeded, the order's consumer) and wait until the order is
 * paid. The payment id is written to payment_id (24 bytes, may be NULL). */
void e2e_pay(const struct e2e_user *owner, const char *order_id, char *payment_id);

/* Run scripts/check-invariants.sh on the test stack; true when every invariant holds (its
 * report is printed otherwise). */
bool e2e_invariants_hold(void);

/* Read one integer from MariaDB as root over the stack's socket: printf-free, parameters
 * bound (types as in lib/db.h). Fails the test on error. */
long long e2e_db_int(const char *sql, const char *types, ...);
/* Run a statement as root (test set-up such as moving a row's clock). */
void e2e_db_exec(const char *sql, const char *types, ...);

/* Sum of the values of every /metrics series of a service whose line starts with prefix
 * (e.g. `pb_cache_loads_total{service="user",cache="user_profile"}`). */
double e2e_metric(const char *service, const char *prefix);

/* Run fn(i, arg) for i in 0..n-1 on n threads started together; waits for all. */
void e2e_parallel(int n, void (*fn)(int i, void *arg), void *arg);

/* Milliseconds since an arbitrary start (monotonic). */
long long e2e_now_ms(void);
/* Poll cond(arg) every 20 ms until it is true or timeout_ms passes; returns its last value. */
bool e2e_eventually(bool (*cond)(void *arg), void *arg, long timeout_ms);

/* Read a file of the stack's state folder (PB_HOME), e.g. "secrets/internal-token". Caller frees. */
char *e2e_home_file(const char *rel);

#endif
