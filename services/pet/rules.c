/* Pet and vaccination rules, edits and rendering. */
#include "rules.h"
#include "dates.h"
#include "ids.h"
#include "jv.h"
#include "mediaref.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const char *const PET_SEX_NAMES[] = {"male", "female", "unknown", NULL};
const char *const PET_CARE_NAMES[] = {"feeding", "medication", "allergies", "vet_contact", NULL};

static int find(const char *const *names, const char *s)
{
    for (int i = 0; s && names[i]; i++)
        if (strcmp(names[i], s) == 0)
            return i;
    return -1;
}

int pet_species_parse(const char *s) { return species_parse(s); }
int pet_sex_parse(const char *s) { return find(PET_SEX_NAMES, s); }

size_t pet_care_max(enum pet_care_field f) { return f == CARE_VET_CONTACT ? PET_VET_CONTACT_MAX : PET_CARE_MAX; }

void pet_init(struct pet *p)
{
    memset(p, 0, sizeof *p);
    p->species = SPECIES_OTHER;
    p->sex = SEX_UNKNOWN;
}

void pet_clear(struct pet *p)
{
    if (!p)
        return;
    json_decref(p->photos);
    p->photos = NULL;
}

void pet_patch_init(struct pet_patch *x)
{
    memset(x, 0, sizeof *x);
    x->species = -1;
    x->sex = -1;
}

/* Set an optional text buffer from a patch value (NULL clears). */
static void set_text(bool *has, char *buf, size_t cap, const char *val)
{
    *has = val != NULL;
    snprintf(buf, cap, "%s", val ? val : "");
}

enum err pet_apply(struct pet *p, const struct pet_patch *x, int32_t today)
{
    if (x->name)
        snprintf(p->name, sizeof p->name, "%s", x->name);
    if (x->species >= 0)
        p->species = (enum pet_species)x->species;
    if (x->sex >= 0)
        p->sex = (enum pet_sex)x->sex;
    if (x->set_breed)
        set_text(&p->has_breed, p->breed, sizeof p->breed, x->breed);
    if (x->set_birth) {
        p->has_birth = x->has_birth;
        p->birth = x->has_birth ? x->birth : 0;
        if (x->has_birth)
            p->has_age = false; /* a known birth date replaces an estimate */
    }
    if (x->set_age) {
        p->has_age = x->has_age;
        p->age_years = x->has_age ? x->age_years : 0;
        p->age_as_of = x->has_age ? today : 0;
        if (x->has_age)
            p->has_birth = false;
    }
    if (!p->has_birth)
        p->birth = 0;
    if (!p->has_age)
        p->age_years = 0, p->age_as_of = 0;
    if (x->set_weight)
        p->weight_g = pet_weight_grams(x->weight_kg);
    if (x->set_neutered)
        p->neutered = x->neutered;
    if (x->set_description)
        set_text(&p->has_description, p->description, sizeof p->description, x->description);
    for (int f = 0; f < CARE__COUNT; f++)
        if (x->set_care[f])
            set_text(&p->has_care[f], p->care[f], sizeof p->care[f], x->care[f]);
    if (x->photos) {
        json_t *copy = json_deep_copy(x->photos);
        if (!copy)
            return ERR_NO_MEMORY;
        json_decref(p->photos);
        p->photos = copy;
    }
    return ERR_OK;
}

/* ---------- ages and dates ---------- */

int pet_age_years(int32_t birth, int32_t today)
{
    if (today <= birth)
        return 0;
    int by, ty;
    unsigned bm, bd, tm, td;
    date_to_civil(birth, &by, &bm, &bd);
    date_to_civil(today, &ty, &tm, &td);
    int age = ty - by;
    if (tm < bm || (tm == bm && td < bd))
        age--;
    return age < 0 ? 0 : age;
}

static bool leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int32_t pet_years_before(int32_t day, int years)
{
    int y;
    unsigned m, d;
    date_to_civil(day, &y, &m, &d);
    y -= years;
    if (m == 2 && d == 29 && !leap(y))
        d = 28;
    return date_from_civil(y, m, d);
}

int pet_current_age(const struct pet *p, int32_t today)
{
    if (p->has_birth)
        return pet_age_years(p->birth, today);
    if (p->has_age)
        return p->age_years + pet_age_years(p->age_as_of, today);
    return -1;
}

const char *pet_birth_date_problem(int32_t birth, int32_t today)
{
    if (birth > today)
        return "must not be in the future";
    if (birth < pet_years_before(today, PET_AGE_MAX_YEARS))
        return "must be at most 40 years ago";
    return NULL;
}

int32_t pet_weight_grams(double kg) { return (int32_t)llround(kg * 1000.0); }

bool pet_text_blank(const char *s)
{
    while (*s) {
        if (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
            s++;
        else if (strncmp(s, "\xe3\x80\x80", 3) == 0) /* U+3000 ideographic space */
            s += 3;
        else
            return false;
    }
    return true;
}

/* ---------- vaccinations ---------- */

const char *pet_given_on_problem(int32_t given_on, int32_t today)
{
    return given_on > today ? "must not be in the future" : NULL;
}

const char *pet_expires_on_problem(int32_t given_on, int32_t expires_on)
{
    return expires_on < given_on ? "must be on or after given_on" : NULL;
}

bool pet_vaccination_expired(bool has_expires, int32_t expires_on, int32_t today)
{
    return has_expires && expires_on < today;
}

void pet_vcursor_format(int32_t given_on, uint64_t id, char *buf)
{
    char d[DATE_STR_LEN], i[IDS_STR_LEN];
    snprintf(buf, PET_VCURSOR_LEN, "%s.%s", date_format(given_on, d), ids_format(id, i));
}

bool pet_vcursor_parse(const char *s, int32_t *given_on, uint64_t *id)
{
    char d[DATE_STR_LEN];
    if (!s || strlen(s) < 12 || s[10] != '.')
        return false;
    memcpy(d, s, 10);
    d[10] = 0;
    int32_t day;
    uint64_t v;
    if (!date_parse(d, &day) || !ids_parse(s + 11, &v))
        return false;
    *given_on = day;
    *id = v;
    return true;
}

/* ---------- access ---------- */

bool pet_may_read(enum role role, uint64_t caller, uint64_t owner_id, bool provider_grant_active)
{
    switch (role) {
    case ROLE_OWNER:
        return caller != 0 && caller == owner_id;
    case ROLE_ADMIN:
        return true;
    case ROLE_PROVIDER:
        return provider_grant_active;
    default:
        return false;
    }
}

/* ---------- rendering ---------- */

static json_t *opt_text(bool has, const char *s) { return has ? json_string(s) : json_null(); }

json_t *pet_json(const struct pet *p, int32_t today, int64_t now_s, enum pet_view view, bool *signed_any)
{
    char id[IDS_STR_LEN], owner[IDS_STR_LEN], created[TIME_STR_LEN], updated[TIME_STR_LEN], birth[DATE_STR_LEN];
    int age = pet_current_age(p, today);
    json_t *photos = mediaref_render(p->photos, now_s, signed_any);
    if (!photos)
        return NULL;
    json_t *care = json_object();
    for (int f = 0; f < CARE__COUNT; f++)
        json_object_set_new(care, PET_CARE_NAMES[f], opt_text(p->has_care[f], p->care[f]));
    json_t *o = json_pack(
        "{s:s,s:s,s:s,s:s,s:o,s:o,s:o,s:s,s:f,s:b,s:o,s:o,s:o,s:s,s:s}", "id", ids_format(p->id, id), "owner_id",
        ids_format(p->owner_id, owner), "name", p->name, "species", PET_SPECIES_NAMES[p->species], "breed",
        opt_text(p->has_breed, p->breed), "birth_date",
        p->has_birth ? json_string(date_format(p->birth, birth)) : json_null(), "age_years",
        age >= 0 ? json_integer(age) : json_null(), "sex", PET_SEX_NAMES[p->sex], "weight_kg",
        (double)p->weight_g / 1000.0, "neutered", p->neutered, "description",
        opt_text(p->has_description, p->description), "photos", photos, "care", care,
        "created_at", time_format_ms(p->created_ms, created), "updated_at", time_format_ms(p->updated_ms, updated));
    if (o && view == PET_VIEW_INTERNAL) {
        json_object_set_new(o, "deleted", json_boolean(p->deleted_ms != 0));
        if (p->deleted_ms) {
            char del[TIME_STR_LEN];
            json_object_set_new(o, "deleted_at", json_string(time_format_ms(p->deleted_ms, del)));
        }
    }
    return o;
}

json_t *pet_vaccination_json(const struct pet_vaccination *v, int32_t today)
{
    char id[IDS_STR_LEN], pet[IDS_STR_LEN], given[DATE_STR_LEN], exp[DATE_STR_LEN], created[TIME_STR_LEN];
    return json_pack("{s:s,s:s,s:s,s:s,s:o,s:b,s:s}", "id", ids_format(v->id, id), "pet_id",
                     ids_format(v->pet_id, pet), "name", v->name, "given_on", date_format(v->given_on, given),
                     "expires_on", v->has_expires ? json_string(date_format(v->expires_on, exp)) : json_null(),
                     "expired", pet_vaccination_expired(v->has_expires, v->expires_on, today), "created_at",
                     time_format_ms(v->created_ms, created));
}

/* ---------- reading a pet body (the routes and the fuzz target share it) ---------- */

/* A field that may be left out but, when given, must not be null. */
static bool not_null(struct jv *v, const char *key)
{
    if (!jv_is_null(v, key))
        return true;
    jv_fail(v, key, "must not be null");
    return false;
}

/* An optional text field: absent (untouched), null (cleared) or 0..max characters. */
static void nullable_text(struct jv *v, const char *key, size_t max, unsigned flags, bool *set, const char **val)
{
    if (jv_is_null(v, key)) {
        *set = true;
        *val = NULL;
    } else if (jv_str(v, key, flags, 0, max, val)) {
        *set = true;
    }
}

/* birth_date or age_years (never both non-null); null clears either. */
static void read_age(struct jv *v, struct pet_patch *x, int32_t today)
{
    static const char BOTH[] = "give either birth_date or age_years, not both";
    if (jv_has(v, "birth_date") && !jv_is_null(v, "birth_date") && jv_has(v, "age_years") &&
        !jv_is_null(v, "age_years")) {
        jv_fail(v, "birth_date", BOTH);
        jv_fail(v, "age_years", BOTH);
        return;
    }
    const char *why;
    int64_t years;
    if (jv_is_null(v, "birth_date")) {
        x->set_birth = true;
    } else if (jv_date(v, "birth_date", 0, &x->birth)) {
        if ((why = pet_birth_date_problem(x->birth, today)))
            jv_fail(v, "birth_date", why);
        x->set_birth = x->has_birth = why == NULL;
    }
    if (jv_is_null(v, "age_years")) {
        x->set_age = true;
    } else if (jv_int(v, "age_years", 0, 0, PET_AGE_MAX_YEARS, &years)) {
        x->set_age = x->has_age = true;
        x->age_years = (int)years;
    }
}

/* care: {feeding, medication, allergies, vet_contact}, each nullable; care: null clears all. */
static void read_care(struct jv *v, struct pet_patch *x)
{
    struct jv cv;
    if (jv_is_null(v, "care")) {
        for (int f = 0; f < CARE__COUNT; f++) {
            x->set_care[f] = true;
            x->care[f] = NULL;
        }
        return;
    }
    if (!jv_obj(v, "care", 0, PET_CARE_NAMES, &cv))
        return;
    for (int f = 0; f < CARE__COUNT; f++)
        nullable_text(&cv, PET_CARE_NAMES[f], pet_care_max((enum pet_care_field)f), JV_MULTILINE, &x->set_care[f],
                      &x->care[f]);
}

/* Every field of a pet body; create makes name, species and weight_kg required. */
void pet_read_body(struct jv *v, struct pet_patch *x, bool create, int32_t today, uint64_t **photo_ids,
                   size_t *nphotos)
{
    unsigned req = create ? JV_REQUIRED : 0;
    if ((create || not_null(v, "name")) && jv_str(v, "name", req, 1, PET_NAME_MAX, &x->name) &&
        pet_text_blank(x->name))
        jv_fail(v, "name", "must not be blank");
    if (create || not_null(v, "species"))
        jv_enum(v, "species", req, PET_SPECIES_NAMES, &x->species);
    if (create || not_null(v, "weight_kg"))
        x->set_weight = jv_num(v, "weight_kg", req, PET_WEIGHT_MIN_KG, PET_WEIGHT_MAX_KG, &x->weight_kg);
    if (not_null(v, "sex"))
        jv_enum(v, "sex", 0, PET_SEX_NAMES, &x->sex);
    if (not_null(v, "neutered"))
        x->set_neutered = jv_bool(v, "neutered", 0, &x->neutered);
    nullable_text(v, "breed", PET_BREED_MAX, 0, &x->set_breed, &x->breed);
    nullable_text(v, "description", PET_DESCRIPTION_MAX, JV_MULTILINE, &x->set_description, &x->description);
    read_age(v, x, today);
    read_care(v, x);
    if (not_null(v, "photos"))
        jv_id_array(v, "photos", 0, 0, PET_PHOTOS_MAX, photo_ids, nphotos);
}
