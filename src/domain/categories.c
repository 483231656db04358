#include "domain/categories.h"

#include <stddef.h>
#include <string.h>

/* The table, once: name and whether pickups go to the special crews (booked against the
 * special capacity of a slot). Both lists below are generated from it. */
#define CATEGORIES(X)                                                                              \
	X("organic", false)                                                                        \
	X("recyclable", false)                                                                     \
	X("hazardous", true)                                                                       \
	X("e-waste", true)                                                                         \
	X("bulk", false)                                                                           \
	X("other", false)

#define NAME(n, s)    n,
#define SPECIAL(n, s) s,
const char *const categories_names[] = {CATEGORIES(NAME) NULL};
static const bool special[] = {CATEGORIES(SPECIAL)};

/* Index of `name` in the table, or -1. */
static int find(const char *name)
{
	for (size_t i = 0; name && i < sizeof(special) / sizeof(special[0]); i++)
		if (strcmp(name, categories_names[i]) == 0)
			return (int)i;
	return -1;
}

bool categories_known(const char *name)
{
	return find(name) >= 0;
}

bool categories_special(const char *name)
{
	int i = find(name);
	return i >= 0 && special[i];
}
