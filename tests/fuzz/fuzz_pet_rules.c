/* The pet service's request bodies (services/pet/routes.c) with its pure rules (services/pet/
 * rules.c): the first byte picks the schema, the rest is the body (or a cursor).
 *   0  POST /pets   1  PATCH /pets/{id}   2  POST /pets/{id}/vaccinations
 *   3  PUT /internal/v1/pets/{id}/grants/{order}   4  a vaccination list's ?cursor=
 * Each schema reads the fields the route reads (read_pet, read_age, read_care: keep them in
 * step), a valid pet body is applied to a pet (pet_apply) and rendered (pet_json) as the
 * route does. Properties: the applied pet keeps its limits, the rendering succeeds, a cursor
 * that parses formats back to itself. */
#include "dates.h"
#include "fuzz.h"
#include "jv.h"
#include "mediaref.h"
#include "mediaurl.h"
#include "rules.h"

static bool not_null(struct jv *v, const char *key)
{
    if (!jv_is_null(v, key))
        return true;
    jv_fail(v, key, "must not be null");
    return false;
}

static void nullable_text(struct jv *v, const char *key, size_t max, unsigned flags, bool *set, const char **val)
{
    if (jv_is_null(v, key)) {
        *set = true;
        *val = NULL;
    } else if (jv_str(v, key, flags, 0, max, val)) {
        *set = true;
    }
}

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

static void read_pet(struct jv *v, struct pet_patch *x, bool create, int32_t today, uint64_t **ids, size_t *n)
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
        jv_id_array(v, "photos", 0, 0, PET_PHOTOS_MAX, ids, n);
}

static void pet_body(struct jv *v, bool create, int32_t today)
{
    struct pet_patch x;
    uint64_t *ids = NULL;
    size_t n = 0;
    json_t *stored = NULL;
    pet_patch_init(&x);
    read_pet(v, &x, create, today, &ids, &n);
    if (!jv_failed(v)) {
        struct pet p;
        pet_init(&p);
        p.id = 7;
        p.owner_id = 8;
        if (ids)
            x.photos = stored = mediaref_ids_json(ids, n);
        if (pet_apply(&p, &x, today) == ERR_OK) {
            FUZZ_CHECK(utf8_count(p.name, strlen(p.name)) <= PET_NAME_MAX);
            FUZZ_CHECK(!(p.has_birth && p.has_age));
            FUZZ_CHECK(!create || (p.weight_g >= 50 && p.weight_g <= 150000));
            json_t *j = pet_json(&p, today, 1795000000, PET_VIEW_PUBLIC, NULL);
            FUZZ_CHECK(j != NULL);
            json_decref(j);
        }
        pet_clear(&p);
    }
    json_decref(stored);
    free(ids);
}

static void vaccination(struct jv *v, int32_t today)
{
    struct pet_vaccination vac = {0};
    const char *name, *why;
    if (jv_str(v, "name", JV_REQUIRED, 1, PET_VACCINATION_NAME_MAX, &name) && pet_text_blank(name))
        jv_fail(v, "name", "must not be blank");
    bool given = jv_date(v, "given_on", JV_REQUIRED, &vac.given_on);
    if (given && (why = pet_given_on_problem(vac.given_on, today)))
        jv_fail(v, "given_on", why);
    vac.has_expires = jv_date(v, "expires_on", 0, &vac.expires_on);
    if (vac.has_expires && given && (why = pet_expires_on_problem(vac.given_on, vac.expires_on)))
        jv_fail(v, "expires_on", why);
    if (!jv_failed(v)) {
        snprintf(vac.name, sizeof vac.name, "%s", name);
        json_t *j = pet_vaccination_json(&vac, today);
        FUZZ_CHECK(j != NULL);
        json_decref(j);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const PET_FIELDS[] = {"name",      "species",  "breed",       "birth_date", "age_years", "sex",
                                             "weight_kg", "neutered", "description", "photos",     "care",      NULL};
    static const char *const VACCINATION_FIELDS[] = {"name", "given_on", "expires_on", NULL};
    static const char *const GRANT_FIELDS[] = {"provider_id", "until_date", NULL};
    static bool ready;
    if (!ready)
        ready = mediaurl_init("fuzz-internal-token-for-tests-only");
    if (size < 1)
        return 0;
    int32_t today = date_from_civil(2026, 11, 21);
    unsigned schema = data[0] % 5;
    if (schema == 4) {
        char *s = fuzz_cstr(data + 1, size - 1), buf[64];
        int32_t given;
        uint64_t id;
        if (pet_vcursor_parse(s, &given, &id)) {
            pet_vcursor_format(given, id, buf);
            FUZZ_CHECK(strcmp(buf, s) == 0);
        }
        free(s);
        return 0;
    }
    const char *const *allowed = schema <= 1 ? PET_FIELDS : schema == 2 ? VACCINATION_FIELDS : GRANT_FIELDS;
    struct jv v;
    char msg[256];
    if (jv_parse(&v, (const char *)data + 1, size - 1, allowed, msg, sizeof msg) == JV_PARSED) {
        uint64_t provider;
        int32_t until;
        switch (schema) {
        case 0:
        case 1:
            pet_body(&v, schema == 0, today);
            break;
        case 2:
            vaccination(&v, today);
            break;
        default:
            jv_id(&v, "provider_id", JV_REQUIRED, &provider);
            jv_date(&v, "until_date", JV_REQUIRED, &until);
            break;
        }
    }
    jv_free(&v);
    return 0;
}
