/* Platform rules as data: what a valid rule set is (banned words, price bounds), how a listing
 * is checked against one, and how a change of rules is summarised for the audit log. Pure. */
#ifndef ADMIN_RULES_H
#define ADMIN_RULES_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RULES_MAX_WORDS 500
#define RULES_MAX_WORD_CHARS 32
#define RULES_MAX_PRICE_FEN 10000000

/* A rule set as read from the admin database. */
struct rules {
    const json_t *banned_words; /* borrowed: a JSON array of strings */
    int64_t min_price_fen, max_price_fen;
};

/* Whether needle occurs in hay, comparing ASCII letters without case and every other byte
 * exactly. Both are UTF-8: a valid needle can only match whole characters (UTF-8 is
 * self-synchronising), so Chinese words match inside Chinese text. An empty needle never
 * matches. */
bool rules_contains_ci(const char *hay, size_t hay_len, const char *needle, size_t needle_len);

/* Whether two words are the same ignoring ASCII case (how duplicates are defined, since
 * matching ignores case). */
bool rules_same_word(const char *a, size_t alen, const char *b, size_t blen);

/* Check a banned-word list: an array of at most RULES_MAX_WORDS strings, each valid UTF-8,
 * 1..RULES_MAX_WORD_CHARS characters, no control characters, no leading or trailing
 * whitespace, none repeating another ignoring ASCII case. true when valid; otherwise false
 * with why (size cap) saying which item is wrong and how. */
bool rules_words_ok(const json_t *words, char *why, size_t cap);

/* Check price bounds 0 <= min <= max <= RULES_MAX_PRICE_FEN. NULL when valid, else the
 * problem; *field names the field to blame ("min_price_fen" or "max_price_fen"). */
const char *rules_price_problem(int64_t min_fen, int64_t max_fen, const char **field);

/* Check a listing (the boarding service's JSON) against the rules. Returns a new JSON array
 * with one {rule, field, detail} object per hit, empty when the listing complies (NULL only
 * when out of memory):
 *   - rule "banned_word" (with "word"): once per banned word per field it occurs in, for the
 *     fields title, description, house_rules and each amenity ("amenities.<i>");
 *   - rule "min_price" / "max_price": price_per_night_fen outside the bounds;
 *   - rule "price_missing": price_per_night_fen absent or not an integer.
 * Fields the listing lacks are treated as empty text. */
json_t *rules_evaluate(const struct rules *r, const json_t *listing);

/* The same check of the fields one listing write gives (a new listing, or an edit's changed
 * fields): the text rules for the text fields present, the price rules only when
 * price_per_night_fen is present (a write that leaves the price alone breaks no price rule).
 * A new reference, NULL only when out of memory. */
json_t *rules_evaluate_given(const struct rules *r, const json_t *fields);

/* The "fields" of an error body from violations (rules_evaluate's array): each field named
 * once, with the detail of its first violation. A new reference, NULL when out of memory. */
json_t *rules_violation_fields(const json_t *violations);

/* Summarise a change of rules for the audit log into buf (cap bytes, always valid UTF-8,
 * cut with "..." when too long), e.g.
 * "banned_words: 11 (+1: 斗狗; -0); price: 1000..500000 fen (was 1000..400000)". before may
 * have a NULL word list (nothing to compare). */
void rules_change_summary(const struct rules *before, const struct rules *after, char *buf, size_t cap);

#endif
