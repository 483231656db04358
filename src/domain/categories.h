/* The waste categories: the one table validation, slot capacity classes and rewards
 * (REWARD_POINTS names these) agree on. Pure data, no storage. */
#ifndef SWMRA_CATEGORIES_H
#define SWMRA_CATEGORIES_H

#include <stdbool.h>

/* NULL-terminated list of the category names (static), in the API's order: an
 * allow-list for v_enum/v_query_enum. */
extern const char *const categories_names[];

/* Whether `name` is a category. */
bool categories_known(const char *name);
/* Whether pickups of the category need a special-capacity slot (hazardous, e-waste);
 * false for an unknown name. */
bool categories_special(const char *name);

#endif
