/* Platform rules: rule-set validation, listing evaluation, change summaries. */
#include "rules.h"
#include "jv.h"
#include "utf8.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------- text helpers ---------- */

/* A bounded UTF-8 text buffer that ends with "..." when something did not fit. */
struct text {
    char *buf;
    size_t cap, len;
    bool full;
};

static void text_init(struct text *t, char *buf, size_t cap)
{
    *t = (struct text){buf, cap, 0, cap < 4};
    if (cap)
        buf[0] = 0;
}

static void text_add(struct text *t, const char *s, size_t n)
{
    if (t->full)
        return;
    if (t->len + n + 4 > t->cap) { /* keep room for "..." and the NUL */
        size_t room = utf8_clip(s, n, t->cap - t->len - 4); /* never cut inside a character */
        memcpy(t->buf + t->len, s, room);
        memcpy(t->buf + t->len + room, "...", 3);
        t->len += room + 3;
        t->full = true;
    } else {
        memcpy(t->buf + t->len, s, n);
        t->len += n;
    }
    t->buf[t->len] = 0;
}

static void text_addf(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void text_addf(struct text *t, const char *fmt, ...)
{
    char tmp[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    text_add(t, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

static char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c; }

/* A NUL-terminated copy with ASCII letters lower-cased (caller frees); NULL on no memory. */
static char *lower_dup(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (!d)
        return NULL;
    for (size_t i = 0; i < n; i++)
        d[i] = ascii_lower(s[i]);
    d[n] = 0;
    return d;
}

bool rules_contains_ci(const char *hay, size_t hay_len, const char *needle, size_t needle_len)
{
    if (needle_len == 0 || needle_len > hay_len)
        return false;
    char *h = lower_dup(hay, hay_len), *n = lower_dup(needle, needle_len);
    bool found = h && n && memmem(h, hay_len, n, needle_len) != NULL;
    free(h);
    free(n);
    return found;
}

bool rules_same_word(const char *a, size_t alen, const char *b, size_t blen)
{
    if (alen != blen)
        return false;
    for (size_t i = 0; i < alen; i++)
        if (ascii_lower(a[i]) != ascii_lower(b[i]))
            return false;
    return true;
}

/* ---------- validation ---------- */

/* Whether s starts or ends with an ASCII space, a no-break space or an ideographic space. */
static bool padded(const char *s, size_t n)
{
    static const char *const SPACES[] = {" ", "\xc2\xa0", "\xe3\x80\x80"};
    for (size_t i = 0; i < sizeof SPACES / sizeof *SPACES; i++) {
        size_t k = strlen(SPACES[i]);
        if (n >= k && (memcmp(s, SPACES[i], k) == 0 || memcmp(s + n - k, SPACES[i], k) == 0))
            return true;
    }
    return false;
}

static const char *word_problem(const char *s, size_t n)
{
    long chars = utf8_count(s, n);
    if (chars < 0)
        return "is not valid UTF-8";
    if (chars < 1 || chars > RULES_MAX_WORD_CHARS)
        return "must be 1 to 32 characters";
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7F)
            return "must not contain control characters";
    if (padded(s, n))
        return "must not start or end with a space";
    return NULL;
}

bool rules_words_ok(const json_t *words, char *why, size_t cap)
{
    struct text t;
    text_init(&t, why, cap);
    if (!json_is_array(words)) {
        text_addf(&t, "must be an array of strings");
        return false;
    }
    size_t n = json_array_size(words);
    if (n > RULES_MAX_WORDS) {
        text_addf(&t, "must have at most %d words", RULES_MAX_WORDS);
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        const json_t *w = json_array_get(words, i);
        if (!json_is_string(w)) {
            text_addf(&t, "word #%zu is not a string", i + 1);
            return false;
        }
        const char *s = json_string_value(w), *p;
        size_t len = json_string_length(w);
        if (strlen(s) != len) {
            text_addf(&t, "word #%zu must not contain NUL characters", i + 1);
            return false;
        }
        if ((p = word_problem(s, len))) {
            text_addf(&t, "word #%zu %s", i + 1, p);
            return false;
        }
        for (size_t j = 0; j < i; j++) {
            const json_t *o = json_array_get(words, j);
            if (rules_same_word(s, len, json_string_value(o), json_string_length(o))) {
                text_addf(&t, "word #%zu (\"%s\") repeats word #%zu ignoring case", i + 1, s, j + 1);
                return false;
            }
        }
    }
    return true;
}

const char *rules_price_problem(int64_t min_fen, int64_t max_fen, const char **field)
{
    *field = "min_price_fen";
    if (min_fen < 0 || min_fen > RULES_MAX_PRICE_FEN)
        return "must be an integer between 0 and 10000000";
    *field = "max_price_fen";
    if (max_fen < 0 || max_fen > RULES_MAX_PRICE_FEN)
        return "must be an integer between 0 and 10000000";
    *field = "min_price_fen";
    if (min_fen > max_fen)
        return "must not be greater than max_price_fen";
    *field = NULL;
    return NULL;
}

/* ---------- evaluation ---------- */

static int add_violation(json_t *out, const char *rule, const char *field, const char *word, const char *detail)
{
    json_t *v = json_pack("{s:s,s:s,s:s}", "rule", rule, "field", field, "detail", detail);
    if (!v)
        return -1;
    if (word)
        json_object_set_new(v, "word", json_string(word));
    return json_array_append_new(out, v);
}

/* Append one violation per banned word (lowered[i]) found in text. */
static int check_text(json_t *out, const struct rules *r, char *const *lowered, const char *field, const json_t *text)
{
    if (!json_is_string(text) || json_string_length(text) == 0)
        return 0;
    size_t n = json_string_length(text);
    char *hay = lower_dup(json_string_value(text), n);
    if (!hay)
        return -1;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < json_array_size(r->banned_words); i++) {
        const json_t *w = json_array_get(r->banned_words, i);
        size_t wl = json_string_length(w);
        if (!lowered[i] || wl == 0 || !memmem(hay, n, lowered[i], wl))
            continue;
        char detail[200];
        snprintf(detail, sizeof detail, "contains the banned word \"%s\"", json_string_value(w));
        rc = add_violation(out, "banned_word", field, json_string_value(w), detail);
    }
    free(hay);
    return rc;
}

static int check_price(json_t *out, const struct rules *r, const json_t *listing)
{
    const json_t *p = json_object_get(listing, "price_per_night_fen");
    char detail[160];
    if (!json_is_integer(p))
        return add_violation(out, "price_missing", "price_per_night_fen", NULL, "is missing or not an integer");
    json_int_t v = json_integer_value(p);
    if (v < r->min_price_fen) {
        snprintf(detail, sizeof detail, "%lld fen is below the minimum of %lld fen", (long long)v,
                 (long long)r->min_price_fen);
        return add_violation(out, "min_price", "price_per_night_fen", NULL, detail);
    }
    if (v > r->max_price_fen) {
        snprintf(detail, sizeof detail, "%lld fen is above the maximum of %lld fen", (long long)v,
                 (long long)r->max_price_fen);
        return add_violation(out, "max_price", "price_per_night_fen", NULL, detail);
    }
    return 0;
}

/* rules_evaluate, and with whole false the price rules only when the price is given. */
static json_t *evaluate(const struct rules *r, const json_t *listing, bool whole)
{
    static const char *const TEXT_FIELDS[] = {"title", "description", "house_rules"};
    size_t nw = json_array_size(r->banned_words);
    json_t *out = json_array();
    char **lowered = calloc(nw + 1, sizeof *lowered);
    int rc = out && lowered ? 0 : -1;
    for (size_t i = 0; rc == 0 && i < nw; i++) {
        const json_t *w = json_array_get(r->banned_words, i);
        if (json_is_string(w) && !(lowered[i] = lower_dup(json_string_value(w), json_string_length(w))))
            rc = -1;
    }
    for (size_t f = 0; rc == 0 && f < sizeof TEXT_FIELDS / sizeof *TEXT_FIELDS; f++)
        rc = check_text(out, r, lowered, TEXT_FIELDS[f], json_object_get(listing, TEXT_FIELDS[f]));
    const json_t *amenities = json_object_get(listing, "amenities");
    for (size_t i = 0; rc == 0 && i < json_array_size(amenities); i++) {
        char field[32];
        snprintf(field, sizeof field, "amenities.%zu", i);
        rc = check_text(out, r, lowered, field, json_array_get(amenities, i));
    }
    if (rc == 0 && (whole || json_object_get(listing, "price_per_night_fen")))
        rc = check_price(out, r, listing);
    for (size_t i = 0; lowered && i < nw; i++)
        free(lowered[i]);
    free(lowered);
    if (rc != 0) {
        json_decref(out);
        return NULL;
    }
    return out;
}

json_t *rules_evaluate(const struct rules *r, const json_t *listing) { return evaluate(r, listing, true); }

json_t *rules_evaluate_given(const struct rules *r, const json_t *fields) { return evaluate(r, fields, false); }

json_t *rules_violation_fields(const json_t *violations)
{
    json_t *fields = json_object();
    size_t i;
    const json_t *v;
    json_array_foreach(violations, i, v)
    {
        const char *field = json_string_value(json_object_get(v, "field"));
        if (fields && field && !json_object_get(fields, field) &&
            json_object_set(fields, field, json_object_get(v, "detail")) != 0) {
            json_decref(fields);
            fields = NULL;
        }
    }
    return fields;
}

/* ---------- change summary ---------- */

static bool has_exact(const json_t *words, const json_t *w)
{
    for (size_t i = 0; i < json_array_size(words); i++)
        if (json_equal(json_array_get(words, i), w))
            return true;
    return false;
}

/* Append the words of a that b lacks: "+2: x, y" (sign '+' or '-'). */
static void add_diff(struct text *t, char sign, const json_t *a, const json_t *b)
{
    size_t count = 0;
    for (size_t i = 0; i < json_array_size(a); i++)
        count += !has_exact(b, json_array_get(a, i));
    text_addf(t, "%c%zu", sign, count);
    const char *sep = ": ";
    for (size_t i = 0; i < json_array_size(a); i++) {
        const json_t *w = json_array_get(a, i);
        if (has_exact(b, w)) {
            continue;
        }
        text_add(t, sep, strlen(sep));
        text_add(t, json_string_value(w), json_string_length(w));
        sep = ", ";
    }
}

void rules_change_summary(const struct rules *before, const struct rules *after, char *buf, size_t cap)
{
    struct text t;
    text_init(&t, buf, cap);
    text_addf(&t, "banned_words: %zu", json_array_size(after->banned_words));
    if (before && before->banned_words) {
        text_add(&t, " (", 2);
        add_diff(&t, '+', after->banned_words, before->banned_words);
        text_add(&t, "; ", 2);
        add_diff(&t, '-', before->banned_words, after->banned_words);
        text_add(&t, ")", 1);
    }
    text_addf(&t, "; price: %lld..%lld fen", (long long)after->min_price_fen, (long long)after->max_price_fen);
    if (before && (before->min_price_fen != after->min_price_fen || before->max_price_fen != after->max_price_fen))
        text_addf(&t, " (was %lld..%lld)", (long long)before->min_price_fen, (long long)before->max_price_fen);
}
