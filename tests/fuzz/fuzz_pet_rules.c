/* The pet service's request bodies (services/pet/routes.c) with its pure rules (services/pet/
 * rules.c): the first byte picks the schema, the rest is the body (or a cursor).
 *   0  POST /pets   1  PATCH /pets/{id}   2  POST /pets/{id}/vaccinations
 *   3  PUT /internal/v1/pets/{id}/grants/{order}   4  a vaccination list's ?cursor=
 * Each schema reads the fields the route reads (pet_read_body, shared with the route), a
 * valid pet body is applied to a pet (pet_apply) and rendered (pet_json) as the
 * route does. Properties: the applied pet keeps its limits, the rendering succeeds, a cursor
 * that parses formats back to itself. */
#include "dates.h"
#include "fuzz.h"
#include "jv.h"
#include "mediaref.h"
#include "mediaurl.h"
#include "rules.h"

static void pet_body(struct jv *v, bool create, int32_t today)
{
    struct pet_patch x;
    uint64_t *ids = NULL;
    size_t n = 0;
    json_t *stored = NULL;
    pet_patch_init(&x);
    pet_read_body(v, &x, create, today, &ids, &n);
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
