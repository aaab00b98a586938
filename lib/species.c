/* The pet species. */
#include "species.h"

#include <string.h>

const char *const SPECIES_NAMES[] = {"dog", "cat", "other", NULL};

int species_parse(const char *name)
{
    for (int i = 0; name && SPECIES_NAMES[i]; i++)
        if (strcmp(name, SPECIES_NAMES[i]) == 0)
            return i;
    return -1;
}

unsigned species_bit(const char *name)
{
    int i = species_parse(name);
    return i < 0 ? 0u : 1u << i;
}
