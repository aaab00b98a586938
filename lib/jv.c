/* Strict JSON field readers that collect errors per field. */
#include "jv.h"
#include "dates.h"
#include "ids.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

long utf8_count(const char *str, size_t len)
{
    const unsigned char *s = (const unsigned char *)str;
    long n = 0;
    size_t i = 0;
    while (i < len) {
        unsigned c = s[i];
        size_t need;
        uint32_t cp;
        if (c < 0x80) {
            i++;
            n++;
            continue;
        } else if (c >= 0xC2 && c <= 0xDF) {
            need = 1;
            cp = c & 0x1F;
        } else if (c >= 0xE0 && c <= 0xEF) {
            need = 2;
            cp = c & 0x0F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            need = 3;
            cp = c & 0x07;
        } else {
            return -1;
        }
        for (size_t k = 1; k <= need; k++) {
            if (i + k >= len || (s[i + k] & 0xC0) != 0x80)
                return -1;
            cp = (cp << 6) | (s[i + k] & 0x3F);
        }
        if ((need == 2 && cp < 0x800) || (need == 3 && (cp < 0x10000 || cp > 0x10FFFF)) ||
            (cp >= 0xD800 && cp <= 0xDFFF))
            return -1;
        i += need + 1;
        n++;
    }
    return n;
}

void jv_init(struct jv *v)
{
    memset(v, 0, sizeof *v);
    v->errors = json_object();
    v->type_errors = json_object();
}

void jv_free(struct jv *v)
{
    if (!v || v->nested)
        return;
    json_decref(v->root);
    json_decref(v->errors);
    json_decref(v->type_errors);
    memset(v, 0, sizeof *v);
}

static void field_name(const struct jv *v, const char *key, char *buf, size_t len)
{
    snprintf(buf, len, "%s%s", v->prefix, key);
}

void jv_fail(struct jv *v, const char *key, const char *msg)
{
    char name[128];
    field_name(v, key, name, sizeof name);
    if (!json_object_get(v->errors, name))
        json_object_set_new(v->errors, name, json_string(msg));
}

void jv_type_fail(struct jv *v, const char *key, const char *msg)
{
    char name[128];
    field_name(v, key, name, sizeof name);
    if (!json_object_get(v->type_errors, name))
        json_object_set_new(v->type_errors, name, json_string(msg));
}

bool jv_failed(const struct jv *v)
{
    return json_object_size(v->errors) > 0 || json_object_size(v->type_errors) > 0;
}

static bool check_allowed(struct jv *v, json_t *obj, const char *const *allowed)
{
    const char *key;
    json_t *val;
    bool ok = true;
    if (!allowed)
        return true;
    json_object_foreach(obj, key, val)
    {
        bool found = false;
        for (const char *const *a = allowed; *a && !found; a++)
            found = strcmp(*a, key) == 0;
        if (!found) {
            /* the key came from the client: never echo more than a bounded, valid prefix */
            char shown[64];
            snprintf(shown, sizeof shown, "%s", key);
            if (utf8_count(shown, strlen(shown)) < 0)
                snprintf(shown, sizeof shown, "(field)");
            jv_fail(v, shown, "unknown field");
            ok = false;
        }
    }
    return ok;
}

enum jv_parse_result jv_parse(struct jv *v, const char *body, size_t len, const char *const *allowed, char *msg,
                              size_t msglen)
{
    jv_init(v);
    if (!body || len == 0)
        return JV_EMPTY;
    json_error_t e;
    /* JSON_REJECT_DUPLICATES: {"role":"owner","role":"admin"} must not be read two ways */
    v->root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &e);
    if (!v->root) {
        snprintf(msg, msglen, "malformed JSON at line %d column %d: %s", e.line, e.column, e.text);
        return JV_MALFORMED;
    }
    if (!json_is_object(v->root))
        return JV_NOT_OBJECT;
    v->obj = v->root;
    check_allowed(v, v->obj, allowed);
    return JV_PARSED;
}

bool jv_has(const struct jv *v, const char *key)
{
    return v->obj && json_object_get(v->obj, key) != NULL;
}

bool jv_is_null(const struct jv *v, const char *key)
{
    return v->obj && json_is_null(json_object_get(v->obj, key));
}

/* Common prologue: fetch the value; handle absent/null per flags. Returns the value to read,
 * or NULL when the reader should return false (after recording what the flags demand). */
static json_t *get(struct jv *v, const char *key, unsigned flags)
{
    json_t *val = v->obj ? json_object_get(v->obj, key) : NULL;
    if (!val || json_is_null(val)) {
        if (flags & JV_REQUIRED)
            jv_fail(v, key, "is required");
        return NULL;
    }
    return val;
}

static bool text_ok(struct jv *v, const char *key, const char *s, size_t len, unsigned flags, size_t min,
                    size_t max)
{
    long chars = utf8_count(s, len);
    if (chars < 0) {
        jv_type_fail(v, key, "must be valid UTF-8");
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        bool allowed_ctl = (flags & JV_MULTILINE) && (c == '\n' || c == '\r' || c == '\t');
        if ((c < 0x20 && !allowed_ctl) || c == 0x7F) {
            jv_fail(v, key, "must not contain control characters");
            return false;
        }
    }
    char msg[96];
    if ((size_t)chars < min) {
        snprintf(msg, sizeof msg, min == 1 ? "must not be empty" : "must be at least %zu characters", min);
        jv_fail(v, key, msg);
        return false;
    }
    if ((size_t)chars > max) {
        snprintf(msg, sizeof msg, "must be at most %zu characters", max);
        jv_fail(v, key, msg);
        return false;
    }
    return true;
}

bool jv_str(struct jv *v, const char *key, unsigned flags, size_t min, size_t max, const char **out)
{
    json_t *val = get(v, key, flags);
    if (!val)
        return false;
    if (!json_is_string(val)) {
        jv_type_fail(v, key, "must be a string");
        return false;
    }
    if (!text_ok(v, key, json_string_value(val), json_string_length(val), flags, min, max))
        return false;
    if (strlen(json_string_value(val)) != json_string_length(val)) { /* embedded NUL */
        jv_fail(v, key, "must not contain NUL characters");
        return false;
    }
    *out = json_string_value(val);
    return true;
}

static bool range_fail(struct jv *v, const char *key, double min, double max, bool integer)
{
    char msg[96];
    if (integer)
        snprintf(msg, sizeof msg, "must be an integer between %.0f and %.0f", min, max);
    else
        snprintf(msg, sizeof msg, "must be a number between %g and %g", min, max);
    jv_fail(v, key, msg);
    return false;
}

bool jv_int(struct jv *v, const char *key, unsigned flags, int64_t min, int64_t max, int64_t *out)
{
    json_t *val = get(v, key, flags);
    if (!val)
        return false;
    if (json_is_real(val)) {
        double d = json_real_value(val);
        /* (double)max may round up (INT64_MAX is 2^63 as a double): range-check in int64_t,
         * after making sure the cast is defined */
        const double two63 = 9223372036854775808.0;
        if (d != floor(d) || !(d >= -two63 && d < two63) || (int64_t)d < min || (int64_t)d > max)
            return range_fail(v, key, (double)min, (double)max, true);
        *out = (int64_t)d;
        return true;
    }
    if (!json_is_integer(val)) {
        jv_type_fail(v, key, "must be an integer");
        return false;
    }
    json_int_t n = json_integer_value(val);
    if (n < min || n > max)
        return range_fail(v, key, (double)min, (double)max, true);
    *out = n;
    return true;
}

bool jv_num(struct jv *v, const char *key, unsigned flags, double min, double max, double *out)
{
    json_t *val = get(v, key, flags);
    if (!val)
        return false;
    if (!json_is_number(val)) {
        jv_type_fail(v, key, "must be a number");
        return false;
    }
    double d = json_number_value(val);
    if (!isfinite(d) || d < min || d > max)
        return range_fail(v, key, min, max, false);
    *out = d;
    return true;
}

bool jv_bool(struct jv *v, const char *key, unsigned flags, bool *out)
{
    json_t *val = get(v, key, flags);
    if (!val)
        return false;
    if (!json_is_boolean(val)) {
        jv_type_fail(v, key, "must be true or false");
        return false;
    }
    *out = json_is_true(val);
    return true;
}

static bool enum_match(struct jv *v, const char *key, const char *s, const char *const *choices, int *out)
{
    for (int i = 0; choices[i]; i++)
        if (strcmp(s, choices[i]) == 0) {
            *out = i;
            return true;
        }
    char msg[256] = "must be one of:";
    size_t n = strlen(msg);
    for (int i = 0; choices[i] && n < sizeof msg - 2; i++)
        n += (size_t)snprintf(msg + n, sizeof msg - n, "%s %s", i ? "," : "", choices[i]);
    jv_fail(v, key, msg);
    return false;
}

bool jv_enum(struct jv *v, const char *key, unsigned flags, const char *const *choices, int *out)
{
    const char *s;
    if (!jv_str(v, key, flags, 1, 64, &s))
        return false;
    return enum_match(v, key, s, choices, out);
}

bool jv_date(struct jv *v, const char *key, unsigned flags, int32_t *out)
{
    const char *s;
    if (!jv_str(v, key, flags, 1, 10, &s))
        return false;
    if (!date_parse(s, out)) {
        jv_fail(v, key, "must be a date YYYY-MM-DD");
        return false;
    }
    return true;
}

bool jv_id(struct jv *v, const char *key, unsigned flags, uint64_t *out)
{
    json_t *val = get(v, key, flags);
    if (!val)
        return false;
    if (!json_is_string(val)) {
        jv_type_fail(v, key, "must be a string id");
        return false;
    }
    if (!ids_parse(json_string_value(val), out)) {
        jv_fail(v, key, "is not a valid id");
        return false;
    }
    return true;
}

static json_t *get_array(struct jv *v, const char *key, unsigned flags, size_t min, size_t max)
{
    json_t *val = get(v, key, flags);
    if (!val)
        return NULL;
    if (!json_is_array(val)) {
        jv_type_fail(v, key, "must be an array");
        return NULL;
    }
    char msg[96];
    if (json_array_size(val) < min || json_array_size(val) > max) {
        snprintf(msg, sizeof msg, "must have between %zu and %zu items", min, max);
        jv_fail(v, key, msg);
        return NULL;
    }
    return val;
}

bool jv_str_array(struct jv *v, const char *key, unsigned flags, size_t min, size_t max, size_t max_chars,
                  json_t **out)
{
    json_t *arr = get_array(v, key, flags, min, max);
    if (!arr)
        return false;
    size_t i, j;
    json_t *item;
    json_array_foreach(arr, i, item)
    {
        if (!json_is_string(item)) {
            jv_type_fail(v, key, "must be an array of strings");
            return false;
        }
        if (!text_ok(v, key, json_string_value(item), json_string_length(item), 0, 1, max_chars))
            return false;
        for (j = 0; j < i; j++)
            if (json_equal(item, json_array_get(arr, j))) {
                jv_fail(v, key, "must not repeat an item");
                return false;
            }
    }
    *out = arr;
    return true;
}

bool jv_id_array(struct jv *v, const char *key, unsigned flags, size_t min, size_t max, uint64_t **out, size_t *n)
{
    json_t *arr = get_array(v, key, flags, min, max);
    if (!arr)
        return false;
    uint64_t *ids = calloc(json_array_size(arr) + 1, sizeof *ids);
    if (!ids) {
        jv_fail(v, key, "too many items");
        return false;
    }
    size_t i;
    json_t *item;
    json_array_foreach(arr, i, item)
    {
        if (!json_is_string(item)) {
            jv_type_fail(v, key, "must be an array of string ids");
            goto fail;
        }
        if (!ids_parse(json_string_value(item), &ids[i])) {
            jv_fail(v, key, "contains an invalid id");
            goto fail;
        }
        for (size_t j = 0; j < i; j++)
            if (ids[j] == ids[i]) {
                jv_fail(v, key, "must not repeat an id");
                goto fail;
            }
    }
    *out = ids;
    *n = json_array_size(arr);
    return true;
fail:
    free(ids);
    return false;
}

bool jv_obj(struct jv *v, const char *key, unsigned flags, const char *const *allowed, struct jv *sub)
{
    json_t *val = get(v, key, flags);
    if (!val)
        return false;
    if (!json_is_object(val)) {
        jv_type_fail(v, key, "must be an object");
        return false;
    }
    memset(sub, 0, sizeof *sub);
    sub->nested = true;
    sub->obj = val;
    sub->errors = v->errors;
    sub->type_errors = v->type_errors;
    int n = snprintf(sub->prefix, sizeof sub->prefix, "%s%s.", v->prefix, key);
    if (n < 0 || (size_t)n >= sizeof sub->prefix)
        sub->prefix[0] = 0; /* nesting deeper than any schema of ours: report unprefixed */
    return check_allowed(sub, val, allowed);
}

/* ---- query-string values ---- */

static bool q_present(struct jv *v, const char *name, const char *value, unsigned flags)
{
    if (!value) {
        if (flags & JV_REQUIRED)
            jv_fail(v, name, "is required");
        return false;
    }
    return true;
}

bool jv_q_str(struct jv *v, const char *name, const char *value, unsigned flags, size_t min, size_t max,
              const char **out)
{
    if (!q_present(v, name, value, flags))
        return false;
    if (!text_ok(v, name, value, strlen(value), flags, min, max))
        return false;
    *out = value;
    return true;
}

bool jv_q_int(struct jv *v, const char *name, const char *value, unsigned flags, int64_t min, int64_t max,
              int64_t *out)
{
    if (!q_present(v, name, value, flags))
        return false;
    char *end = NULL;
    errno = 0;
    long long n = strtoll(value, &end, 10);
    if (!*value || *end || errno || n < min || n > max)
        return range_fail(v, name, (double)min, (double)max, true);
    *out = n;
    return true;
}

bool jv_q_num(struct jv *v, const char *name, const char *value, unsigned flags, double min, double max,
              double *out)
{
    if (!q_present(v, name, value, flags))
        return false;
    char *end = NULL;
    errno = 0;
    double d = strtod(value, &end);
    if (!*value || *end || errno || !isfinite(d) || d < min || d > max)
        return range_fail(v, name, min, max, false);
    *out = d;
    return true;
}

bool jv_q_date(struct jv *v, const char *name, const char *value, unsigned flags, int32_t *out)
{
    if (!q_present(v, name, value, flags))
        return false;
    if (!date_parse(value, out)) {
        jv_fail(v, name, "must be a date YYYY-MM-DD");
        return false;
    }
    return true;
}

bool jv_q_enum(struct jv *v, const char *name, const char *value, unsigned flags, const char *const *choices,
               int *out)
{
    if (!q_present(v, name, value, flags))
        return false;
    if (utf8_count(value, strlen(value)) < 0) {
        jv_fail(v, name, "must be valid UTF-8");
        return false;
    }
    return enum_match(v, name, value, choices, out);
}
