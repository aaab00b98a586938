/* The one definition of the pet species (lib/species). */
#include "unit.h"
#include "species.h"

#include <string.h>

static void names_parse_and_bits(void **state)
{
    (void)state;
    assert_string_equal(SPECIES_NAMES[SPECIES_DOG], "dog");
    assert_string_equal(SPECIES_NAMES[SPECIES_CAT], "cat");
    assert_string_equal(SPECIES_NAMES[SPECIES_OTHER], "other");
    assert_null(SPECIES_NAMES[SPECIES_OTHER + 1]);
    for (int i = 0; SPECIES_NAMES[i]; i++) {
        assert_int_equal(species_parse(SPECIES_NAMES[i]), i);
        assert_int_equal(species_bit(SPECIES_NAMES[i]), 1u << i);
    }
    /* the masks stored in listings (1 dog, 2 cat, 4 other) never change meaning */
    assert_int_equal(species_bit("dog") | species_bit("cat") | species_bit("other"), 7);
    assert_int_equal(species_parse("Dog"), -1);
    assert_int_equal(species_parse(""), -1);
    assert_int_equal(species_parse(NULL), -1);
    assert_int_equal(species_bit("horse"), 0);
    assert_int_equal(species_bit(NULL), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(names_parse_and_bits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
