/* Pure rules of the pet service: what a pet and a vaccination record are, the limits of every
 * field, ages from birth dates, vaccination dates, who may read a pet, applying an edit to a
 * pet, and the JSON every client sees (photos signed with lib/mediaurl's key). No I/O:
 * unit-tested in test_pet_rules.c. */
#ifndef PET_RULES_H
#define PET_RULES_H

#include "auth.h"
#include "errors.h"
#include "species.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- limits (characters for text, as API.md says) ---- */
#define PET_NAME_MAX 32
#define PET_BREED_MAX 50
#define PET_DESCRIPTION_MAX 1000
#define PET_CARE_MAX 500
#define PET_VET_CONTACT_MAX 200
#define PET_PHOTOS_MAX 10           /* media ids (purpose pet, the owner's own) */
#define PET_AGE_MAX_YEARS 40
#define PET_WEIGHT_MIN_KG 0.05
#define PET_WEIGHT_MAX_KG 150.0
#define PET_VACCINATION_NAME_MAX 64
#define PET_MAX_PER_OWNER_DEFAULT 50 /* live pets one owner may keep (PB_PET_MAX_PER_OWNER; 422 beyond) */
#define PET_MAX_VACCINATIONS 100     /* records per pet (422 limit_reached beyond) */

/* enum pet_species and its names are lib/species.h's (shared with listings and bookings) */
enum pet_sex { SEX_MALE = 0, SEX_FEMALE, SEX_UNKNOWN };
enum pet_care_field { CARE_FEEDING = 0, CARE_MEDICATION, CARE_ALLERGIES, CARE_VET_CONTACT, CARE__COUNT };

#define PET_SPECIES_NAMES SPECIES_NAMES  /* NULL-terminated, indexed by enum pet_species */
extern const char *const PET_SEX_NAMES[];     /* NULL-terminated, indexed by enum pet_sex */
extern const char *const PET_CARE_NAMES[];    /* NULL-terminated, indexed by enum pet_care_field */

/* Parse a species (species_parse) or sex name; -1 when unknown. */
int pet_species_parse(const char *s);
int pet_sex_parse(const char *s);
/* The character limit of a care field (vet_contact is shorter). */
size_t pet_care_max(enum pet_care_field f);

/* One pet as stored: the hot row (pet) and the vertically split long text (pet_care).
 * Buffers bound the validated lengths (characters x 4 bytes). Optional text has a has_ flag:
 * false renders null. Own photos with pet_clear. */
struct pet {
    uint64_t id, owner_id;
    char name[PET_NAME_MAX * 4 + 1];
    enum pet_species species;
    enum pet_sex sex;
    bool has_breed;
    char breed[PET_BREED_MAX * 4 + 1];
    bool has_birth;          /* birth_date known: the age is computed from it */
    int32_t birth;           /* day number */
    bool has_age;            /* an estimated age instead: age_years as of age_as_of */
    int age_years;
    int32_t age_as_of;       /* day number the estimate was given on */
    int32_t weight_g;        /* weight_kg is stored to the gram */
    bool neutered;
    bool has_description;
    char description[PET_DESCRIPTION_MAX * 4 + 1];
    bool has_care[CARE__COUNT];
    char care[CARE__COUNT][PET_CARE_MAX * 4 + 1];
    json_t *photos;          /* owned stored photos (lib/mediaref.h): media ids, or URL strings
                                attached before photos were media ids; NULL means none */
    int64_t created_ms, updated_ms;
    int64_t deleted_ms;      /* 0 while the pet is live (soft delete) */
};

/* A zeroed pet with the defaults of a new one (sex unknown, no photos). */
void pet_init(struct pet *p);
/* Release what a pet owns (its photos); the struct may be reused after pet_init. NULL ok. */
void pet_clear(struct pet *p);

/* An edit (PATCH) or the fields of a new pet (POST), as validated. Borrowed pointers into
 * the request document. set_* false leaves the field alone; set with a NULL / has_ false
 * value clears an optional field. */
struct pet_patch {
    const char *name;                 /* NULL: unchanged */
    int species, sex;                 /* -1: unchanged */
    bool set_breed;
    const char *breed;
    bool set_birth, has_birth;
    int32_t birth;
    bool set_age, has_age;
    int age_years;
    bool set_weight;
    double weight_kg;
    bool set_neutered, neutered;
    bool set_description;
    const char *description;
    bool set_care[CARE__COUNT];
    const char *care[CARE__COUNT];
    const json_t *photos;             /* NULL: unchanged; else the whole new list, stored form
                                         (media ids already checked with the media service) */
};

/* An empty patch (nothing changes). */
void pet_patch_init(struct pet_patch *x);

/* Apply x to p as of day `today`. A birth_date and an estimated age exclude each other:
 * setting one clears the other. Photos are copied. ERR_NO_MEMORY leaves p partly changed. */
enum err pet_apply(struct pet *p, const struct pet_patch *x, int32_t today);

/* ---- ages and dates ---- */
/* Whole years from birth to today (a 29 February birthday counts from 1 March in other
 * years); 0 if today is before birth. */
int pet_age_years(int32_t birth, int32_t today);
/* The same calendar day `years` years before day (29 February becomes 28 February). */
int32_t pet_years_before(int32_t day, int years);
/* The age to show: from birth_date, else the estimate aged by the whole years since it was
 * given; -1 when neither is known. */
int pet_current_age(const struct pet *p, int32_t today);
/* birth_date rules: not in the future, not more than 40 years ago. NULL when valid. */
const char *pet_birth_date_problem(int32_t birth, int32_t today);

/* weight_kg (already range-checked) to whole grams, rounded. */
int32_t pet_weight_grams(double kg);

/* Whether a name is only whitespace (ASCII blanks and U+3000). */
bool pet_text_blank(const char *s);

/* ---- vaccinations ---- */
struct pet_vaccination {
    uint64_t id, pet_id;
    char name[PET_VACCINATION_NAME_MAX * 4 + 1];
    int32_t given_on;
    bool has_expires;
    int32_t expires_on;
    int64_t created_ms;
};

/* given_on must not be in the future. NULL when valid. */
const char *pet_given_on_problem(int32_t given_on, int32_t today);
/* expires_on must be on or after given_on. NULL when valid. */
const char *pet_expires_on_problem(int32_t given_on, int32_t expires_on);
/* Expired once the expiry day has passed (valid through expires_on itself); never without one. */
bool pet_vaccination_expired(bool has_expires, int32_t expires_on, int32_t today);

/* Vaccination list cursor "<YYYY-MM-DD>.<id>" of the last item of a page (newest given_on
 * first). parse returns false for anything else. buf needs PET_VCURSOR_LEN bytes. */
#define PET_VCURSOR_LEN 40
void pet_vcursor_format(int32_t given_on, uint64_t id, char *buf);
bool pet_vcursor_parse(const char *s, int32_t *given_on, uint64_t *id);

/* ---- who may read ---- */
/* Reading one pet (and its vaccinations) through the public API: its owner; an admin
 * (read only); a provider only while holding an active grant. Everyone else must get 404. */
bool pet_may_read(enum role role, uint64_t caller, uint64_t owner_id, bool provider_grant_active);

/* ---- rendering ---- */
enum pet_view {
    PET_VIEW_PUBLIC,   /* /api/v1/pets...: the pet shape of API.md */
    PET_VIEW_INTERNAL, /* /internal/v1/pets/{id}: the same plus "deleted" (and "deleted_at") */
};

/* The pet as JSON (a new reference), ages computed as of today, photos rendered as photo
 * objects (lib/mediaref.h: private ones signed as of now_s, for a reader the caller has
 * authorised). *signed_any (may be NULL) tells whether the rendering holds signed URLs. NULL
 * when out of memory or when no signing key was derived. */
json_t *pet_json(const struct pet *p, int32_t today, int64_t now_s, enum pet_view view, bool *signed_any);
/* A vaccination record as JSON, with "expired" computed as of today. */
json_t *pet_vaccination_json(const struct pet_vaccination *v, int32_t today);

/* Read every field of a pet body into x (validation problems recorded in v): create makes
 * name, species and weight_kg required; birth_date or age_years, never both; care's fields each
 * nullable; photos (media ids, distinct, at most PET_PHOTOS_MAX) into *photo_ids (malloc'd). */
struct jv;
void pet_read_body(struct jv *v, struct pet_patch *x, bool create, int32_t today, uint64_t **photo_ids,
                   size_t *nphotos);

#endif
