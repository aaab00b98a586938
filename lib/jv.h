/* JSON request validation ("jv"): strict readers over a jansson object that collect every
 * problem by field name, so one response can name them all. Wrong JSON types are 400
 * bad_request; missing, out-of-range, too long, unknown fields are 422 validation_failed.
 * Pure (no I/O); the HTTP layer turns the collected errors into the documented body. */
#ifndef PB_JV_H
#define PB_JV_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum jv_flags {
    JV_REQUIRED = 1,   /* absent or null is a 422 "is required" */
    JV_MULTILINE = 2,  /* strings may hold \n, \r and \t (other control characters never) */
};

struct jv {
    json_t *root;        /* owned: the parsed document (NULL for query-only validation) */
    json_t *obj;         /* borrowed: the object being read */
    json_t *errors;      /* owned by the top-level jv: field -> message (422) */
    json_t *type_errors; /* owned by the top-level jv: field -> message (400) */
    char prefix[64];     /* "care." inside nested objects */
    bool nested;
};

enum jv_parse_result { JV_PARSED, JV_MALFORMED, JV_NOT_OBJECT, JV_EMPTY };

/* Parse body as a JSON object and reject fields not in allowed (NULL-terminated; NULL
 * allows any). The jv must be released with jv_free whatever the result. On JV_MALFORMED
 * msg (size msglen) says where the parse failed. */
enum jv_parse_result jv_parse(struct jv *v, const char *body, size_t len, const char *const *allowed,
                              char *msg, size_t msglen);
/* Start a validator with no document (for query parameters). */
void jv_init(struct jv *v);
/* Release what v holds and leave it zeroed. A zeroed jv ({0}) holds nothing: it may be freed,
 * and a handler that reads only a body may start from one and parse into it. */
void jv_free(struct jv *v);

/* Readers: return true when the field is present and valid and *out was written.
 * A missing optional field returns false and records nothing; so does an explicit null (a
 * required one records "is required"): jv_is_null tells a null apart, e.g. a PATCH clearing a field. */
bool jv_str(struct jv *v, const char *key, unsigned flags, size_t min_chars, size_t max_chars, const char **out);
bool jv_int(struct jv *v, const char *key, unsigned flags, int64_t min, int64_t max, int64_t *out);
bool jv_num(struct jv *v, const char *key, unsigned flags, double min, double max, double *out);
bool jv_bool(struct jv *v, const char *key, unsigned flags, bool *out);
/* A string that must be one of choices (NULL-terminated); *out is its index. */
bool jv_enum(struct jv *v, const char *key, unsigned flags, const char *const *choices, int *out);
/* A "YYYY-MM-DD" string; *out is its day number. */
bool jv_date(struct jv *v, const char *key, unsigned flags, int32_t *out);
/* An id: a decimal string (ids are strings in JSON). */
bool jv_id(struct jv *v, const char *key, unsigned flags, uint64_t *out);
/* An array of distinct strings, each 1..max_chars characters; *out is borrowed. */
bool jv_str_array(struct jv *v, const char *key, unsigned flags, size_t min_items, size_t max_items,
                  size_t max_chars, json_t **out);
/* An array of distinct ids; *out is malloc'd (caller frees), *n its length. */
bool jv_id_array(struct jv *v, const char *key, unsigned flags, size_t min_items, size_t max_items,
                 uint64_t **out, size_t *n);
/* A nested object whose keys must be in allowed; sub reads it with "key." prefixed names. */
bool jv_obj(struct jv *v, const char *key, unsigned flags, const char *const *allowed, struct jv *sub);
/* Whether the field is present with an explicit null. */
bool jv_is_null(const struct jv *v, const char *key);
/* Whether the field is present at all. */
bool jv_has(const struct jv *v, const char *key);

/* Validate a query-string value (already URL-decoded) the same way; NULL value = absent. */
bool jv_q_str(struct jv *v, const char *name, const char *value, unsigned flags, size_t min_chars,
              size_t max_chars, const char **out);
bool jv_q_int(struct jv *v, const char *name, const char *value, unsigned flags, int64_t min, int64_t max,
              int64_t *out);
bool jv_q_num(struct jv *v, const char *name, const char *value, unsigned flags, double min, double max,
              double *out);
bool jv_q_date(struct jv *v, const char *name, const char *value, unsigned flags, int32_t *out);
bool jv_q_enum(struct jv *v, const char *name, const char *value, unsigned flags, const char *const *choices,
               int *out);

/* Record a 422 problem on a field (first message per field wins). */
void jv_fail(struct jv *v, const char *key, const char *msg);
/* Record a 400 type problem on a field. */
void jv_type_fail(struct jv *v, const char *key, const char *msg);
/* Whether any problem was recorded. */
bool jv_failed(const struct jv *v);

/* Number of Unicode code points in s[0..len), or -1 if it is not valid UTF-8 (overlong
 * forms, surrogates and values above U+10FFFF are invalid). */
long utf8_count(const char *s, size_t len);

#endif
