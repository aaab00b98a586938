/* The pet species of the platform, defined once for the pet service (a pet's species), the
 * boarding service (the species a listing accepts) and the order service (whether a listing
 * takes a pet). A set of species is a bit mask: bit i stands for SPECIES_NAMES[i]. */
#ifndef PB_SPECIES_H
#define PB_SPECIES_H

enum pet_species { SPECIES_DOG = 0, SPECIES_CAT, SPECIES_OTHER };

/* "dog", "cat", "other", NULL: indexed by enum pet_species; the names the API uses. */
extern const char *const SPECIES_NAMES[];

/* Pure: the enum pet_species of a name; -1 when name is NULL or unknown (case-sensitive). */
int species_parse(const char *name);

/* Pure: the bit of a name in a set of species (1 dog, 2 cat, 4 other); 0 when unknown. */
unsigned species_bit(const char *name);

#endif
