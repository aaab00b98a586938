/* Pet service rules: ages from birth dates and estimates, the birth date window, vaccination
 * dates and expiry, cursors, who may read a pet, applying edits, rendering (photos signed). */
#include "unit.h"
#include "dates.h"
#include "http.h"
#include "mediaurl.h"
#include "rules.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int32_t d(int y, unsigned m, unsigned day) { return date_from_civil(y, m, day); }

#define NOW_S 1790000000LL

static int setup(void **state)
{
    (void)state;
    return mediaurl_init("a-test-internal-token") ? 0 : -1;
}

static void ages_in_whole_years(void **state)
{
    (void)state;
    assert_int_equal(pet_age_years(d(2020, 6, 15), d(2026, 6, 14)), 5); /* the day before the birthday */
    assert_int_equal(pet_age_years(d(2020, 6, 15), d(2026, 6, 15)), 6); /* on it */
    assert_int_equal(pet_age_years(d(2020, 6, 15), d(2026, 12, 31)), 6);
    assert_int_equal(pet_age_years(d(2026, 1, 1), d(2026, 1, 1)), 0);   /* born today */
    assert_int_equal(pet_age_years(d(2026, 1, 2), d(2026, 1, 1)), 0);   /* never negative */
    /* 29 February: a year older on 1 March in common years, on 29 February in leap years */
    assert_int_equal(pet_age_years(d(2020, 2, 29), d(2021, 2, 28)), 0);
    assert_int_equal(pet_age_years(d(2020, 2, 29), d(2021, 3, 1)), 1);
    assert_int_equal(pet_age_years(d(2020, 2, 29), d(2024, 2, 29)), 4);
    assert_int_equal(pet_age_years(d(1986, 3, 1), d(2026, 3, 1)), 40);
}

static void years_before_and_birth_window(void **state)
{
    (void)state;
    assert_int_equal(pet_years_before(d(2026, 5, 20), 40), d(1986, 5, 20));
    assert_int_equal(pet_years_before(d(2024, 2, 29), 1), d(2023, 2, 28));
    assert_int_equal(pet_years_before(d(2024, 2, 29), 4), d(2020, 2, 29));
    int32_t today = d(2026, 5, 20);
    assert_null(pet_birth_date_problem(today, today));                 /* born today */
    assert_null(pet_birth_date_problem(d(1986, 5, 20), today));        /* exactly 40 years */
    assert_string_equal(pet_birth_date_problem(d(1986, 5, 19), today), "must be at most 40 years ago");
    assert_string_equal(pet_birth_date_problem(today + 1, today), "must not be in the future");
}

static void estimated_ages_grow_up(void **state)
{
    (void)state;
    struct pet p;
    pet_init(&p);
    assert_int_equal(pet_current_age(&p, d(2026, 1, 1)), -1); /* unknown */
    p.has_age = true;
    p.age_years = 3;
    p.age_as_of = d(2025, 7, 1);
    assert_int_equal(pet_current_age(&p, d(2025, 7, 1)), 3);
    assert_int_equal(pet_current_age(&p, d(2026, 6, 30)), 3);
    assert_int_equal(pet_current_age(&p, d(2026, 7, 1)), 4);
    p.has_age = false;
    p.has_birth = true;
    p.birth = d(2019, 1, 10);
    assert_int_equal(pet_current_age(&p, d(2026, 1, 9)), 6);
    pet_clear(&p);
}

static void blank_names(void **state)
{
    (void)state;
    assert_true(pet_text_blank(""));
    assert_true(pet_text_blank("  \t"));
    assert_true(pet_text_blank("\xe3\x80\x80 "));
    assert_false(pet_text_blank(" 旺财 "));
    assert_false(pet_text_blank("a"));
}

static void vaccination_dates(void **state)
{
    (void)state;
    int32_t today = d(2026, 3, 10);
    assert_null(pet_given_on_problem(today, today));
    assert_null(pet_given_on_problem(today - 400, today));
    assert_string_equal(pet_given_on_problem(today + 1, today), "must not be in the future");
    assert_null(pet_expires_on_problem(today, today));          /* same day is allowed */
    assert_null(pet_expires_on_problem(today, today + 365));
    assert_string_equal(pet_expires_on_problem(today, today - 1), "must be on or after given_on");
    /* valid through the expiry day itself */
    assert_false(pet_vaccination_expired(true, today, today));
    assert_true(pet_vaccination_expired(true, today - 1, today));
    assert_false(pet_vaccination_expired(true, today + 1, today));
    assert_false(pet_vaccination_expired(false, 0, today));
}

static void vaccination_cursors(void **state)
{
    (void)state;
    char buf[PET_VCURSOR_LEN];
    int32_t day;
    uint64_t id;
    pet_vcursor_format(d(2025, 11, 2), 291648517357568000ULL, buf);
    assert_string_equal(buf, "2025-11-02.291648517357568000");
    assert_true(pet_vcursor_parse(buf, &day, &id));
    assert_int_equal(day, d(2025, 11, 2));
    assert_true(id == 291648517357568000ULL);
    assert_false(pet_vcursor_parse("2025-11-02", &day, &id));
    assert_false(pet_vcursor_parse("2025-11-02.", &day, &id));
    assert_false(pet_vcursor_parse("2025-13-02.5", &day, &id));
    assert_false(pet_vcursor_parse("2025-11-02.-5", &day, &id));
    assert_false(pet_vcursor_parse("2025-11-02x5", &day, &id));
    assert_false(pet_vcursor_parse("2025-11-02.5 ", &day, &id));
    assert_false(pet_vcursor_parse(NULL, &day, &id));
}

static void who_may_read(void **state)
{
    (void)state;
    assert_true(pet_may_read(ROLE_OWNER, 7, 7, false));
    assert_false(pet_may_read(ROLE_OWNER, 8, 7, false));
    assert_false(pet_may_read(ROLE_OWNER, 8, 7, true)); /* a grant is for providers only */
    assert_true(pet_may_read(ROLE_ADMIN, 1, 7, false));
    assert_false(pet_may_read(ROLE_PROVIDER, 9, 7, false));
    assert_true(pet_may_read(ROLE_PROVIDER, 9, 7, true));
    assert_false(pet_may_read(ROLE_NONE, 0, 0, true));
}

static void weights_to_grams(void **state)
{
    (void)state;
    assert_int_equal(pet_weight_grams(0.05), 50);
    assert_int_equal(pet_weight_grams(4.2), 4200);
    assert_int_equal(pet_weight_grams(150.0), 150000);
    assert_int_equal(pet_weight_grams(12.3456), 12346);
}

static void edits_apply_and_birth_excludes_age(void **state)
{
    (void)state;
    int32_t today = d(2026, 4, 1);
    struct pet p;
    struct pet_patch x;
    pet_init(&p);
    json_t *photos = json_pack("[s]", "7001");
    pet_patch_init(&x);
    x.name = "旺财";
    x.species = SPECIES_DOG;
    x.set_weight = true;
    x.weight_kg = 8.5;
    x.set_age = x.has_age = true;
    x.age_years = 2;
    x.set_care[CARE_FEEDING] = true;
    x.care[CARE_FEEDING] = "早晚各一次\n每次 100 克";
    x.photos = photos;
    assert_int_equal(pet_apply(&p, &x, today), ERR_OK);
    assert_string_equal(p.name, "旺财");
    assert_int_equal(p.sex, SEX_UNKNOWN);
    assert_int_equal(p.weight_g, 8500);
    assert_true(p.has_age && !p.has_birth);
    assert_int_equal(p.age_as_of, today);
    assert_true(p.has_care[CARE_FEEDING]);
    assert_false(p.has_care[CARE_MEDICATION]);
    assert_int_equal(json_array_size(p.photos), 1);
    json_decref(photos); /* the pet holds its own copy */
    assert_string_equal(json_string_value(json_array_get(p.photos, 0)), "7001");

    /* a birth date replaces the estimate */
    pet_patch_init(&x);
    x.set_birth = x.has_birth = true;
    x.birth = d(2023, 4, 2);
    assert_int_equal(pet_apply(&p, &x, today), ERR_OK);
    assert_true(p.has_birth && !p.has_age);
    assert_int_equal(pet_current_age(&p, today), 2);
    /* an estimate replaces the birth date */
    pet_patch_init(&x);
    x.set_age = x.has_age = true;
    x.age_years = 5;
    assert_int_equal(pet_apply(&p, &x, today), ERR_OK);
    assert_true(p.has_age && !p.has_birth);
    assert_int_equal(pet_current_age(&p, today), 5);
    /* null clears; untouched fields stay */
    pet_patch_init(&x);
    x.set_age = true;
    x.set_care[CARE_FEEDING] = true;
    x.care[CARE_FEEDING] = NULL;
    x.set_breed = true;
    x.breed = "";
    assert_int_equal(pet_apply(&p, &x, today), ERR_OK);
    assert_false(p.has_age || p.has_birth);
    assert_int_equal(pet_current_age(&p, today), -1);
    assert_false(p.has_care[CARE_FEEDING]);
    assert_true(p.has_breed); /* an empty breed is a value, not a clear */
    assert_string_equal(p.name, "旺财");
    assert_int_equal(p.weight_g, 8500);
    pet_clear(&p);
}

static void rendering(void **state)
{
    (void)state;
    int32_t today = d(2026, 4, 1);
    struct pet p;
    pet_init(&p);
    p.id = 11;
    p.owner_id = 22;
    snprintf(p.name, sizeof p.name, "咪咪");
    p.species = SPECIES_CAT;
    p.sex = SEX_FEMALE;
    p.has_birth = true;
    p.birth = d(2021, 4, 2);
    p.weight_g = 4200;
    p.neutered = true;
    p.has_care[CARE_ALLERGIES] = true;
    snprintf(p.care[CARE_ALLERGIES], sizeof p.care[CARE_ALLERGIES], "鸡肉");
    p.created_ms = p.updated_ms = 1767225600000LL;
    size_t len = 0;
    bool signed_any = true;
    char *s = http_json_text(pet_json(&p, today, NOW_S, PET_VIEW_PUBLIC, &signed_any), &len);
    assert_false(signed_any); /* no photos: nothing that expires */
    assert_non_null(s);
    assert_int_equal(strlen(s), len);
    assert_non_null(strstr(s, "\"weight_kg\":4.2,")); /* printed as typed */
    json_t *j = json_loads(s, 0, NULL);
    assert_string_equal(json_string_value(json_object_get(j, "id")), "11");
    assert_string_equal(json_string_value(json_object_get(j, "owner_id")), "22");
    assert_string_equal(json_string_value(json_object_get(j, "species")), "cat");
    assert_string_equal(json_string_value(json_object_get(j, "sex")), "female");
    assert_string_equal(json_string_value(json_object_get(j, "birth_date")), "2021-04-02");
    assert_int_equal(json_integer_value(json_object_get(j, "age_years")), 4);
    assert_true(json_is_true(json_object_get(j, "neutered")));
    assert_true(json_is_null(json_object_get(j, "breed")));
    assert_true(json_is_null(json_object_get(j, "description")));
    assert_int_equal(json_array_size(json_object_get(j, "photos")), 0);
    json_t *care = json_object_get(j, "care");
    assert_int_equal(json_object_size(care), 4);
    assert_string_equal(json_string_value(json_object_get(care, "allergies")), "鸡肉");
    assert_true(json_is_null(json_object_get(care, "vet_contact")));
    assert_string_equal(json_string_value(json_object_get(j, "created_at")), "2026-01-01T00:00:00.000Z");
    assert_null(json_object_get(j, "deleted")); /* internal only */
    json_decref(j);
    free(s);
    p.deleted_ms = 1767225700000LL;
    j = pet_json(&p, today, NOW_S, PET_VIEW_INTERNAL, NULL);
    assert_true(json_is_true(json_object_get(j, "deleted")));
    assert_string_equal(json_string_value(json_object_get(j, "deleted_at")), "2026-01-01T00:01:40.000Z");
    json_decref(j);
    /* photos: media ids signed for the reader, a URL from before media ids as it was */
    p.photos = json_pack("[s,s]", "7001", "https://img.example.cn/1.jpg");
    j = pet_json(&p, today, NOW_S, PET_VIEW_PUBLIC, &signed_any);
    assert_true(signed_any);
    json_t *ph = json_object_get(j, "photos"), *want = mediaurl_photo(7001, NOW_S);
    assert_int_equal(json_array_size(ph), 2);
    assert_true(json_equal(json_array_get(ph, 0), want));
    assert_true(json_is_null(json_object_get(json_array_get(ph, 1), "id")));
    assert_string_equal(json_string_value(json_object_get(json_array_get(ph, 1), "thumb_url")),
                        "https://img.example.cn/1.jpg");
    json_decref(want);
    json_decref(j);
    pet_clear(&p);
    pet_clear(&p);

    struct pet_vaccination v = {.id = 5, .pet_id = 11, .given_on = d(2025, 3, 1), .has_expires = true,
                                .expires_on = d(2026, 3, 1), .created_ms = 1767225600000LL};
    snprintf(v.name, sizeof v.name, "狂犬疫苗");
    j = pet_vaccination_json(&v, today);
    assert_string_equal(json_string_value(json_object_get(j, "given_on")), "2025-03-01");
    assert_string_equal(json_string_value(json_object_get(j, "expires_on")), "2026-03-01");
    assert_true(json_is_true(json_object_get(j, "expired")));
    json_decref(j);
    v.has_expires = false;
    j = pet_vaccination_json(&v, today);
    assert_true(json_is_null(json_object_get(j, "expires_on")));
    assert_true(json_is_false(json_object_get(j, "expired")));
    json_decref(j);
}

static void names_parse(void **state)
{
    (void)state;
    assert_int_equal(pet_species_parse("dog"), SPECIES_DOG);
    assert_int_equal(pet_species_parse("other"), SPECIES_OTHER);
    assert_int_equal(pet_species_parse("Dog"), -1);
    assert_int_equal(pet_sex_parse("unknown"), SEX_UNKNOWN);
    assert_int_equal(pet_sex_parse(NULL), -1);
    assert_int_equal(pet_care_max(CARE_VET_CONTACT), 200);
    assert_int_equal(pet_care_max(CARE_FEEDING), 500);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ages_in_whole_years),
        cmocka_unit_test(years_before_and_birth_window),
        cmocka_unit_test(estimated_ages_grow_up),
        cmocka_unit_test(blank_names),
        cmocka_unit_test(vaccination_dates),
        cmocka_unit_test(vaccination_cursors),
        cmocka_unit_test(who_may_read),
        cmocka_unit_test(weights_to_grams),
        cmocka_unit_test(edits_apply_and_birth_excludes_age),
        cmocka_unit_test(rendering),
        cmocka_unit_test(names_parse),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
