/* Transitional (legacy_bridges.h): value-typed calls into the modules that still take
 * store types; each goes once its module speaks struct oid and struct derr. */
#include "domain/legacy_bridges.h"

#include <stdlib.h>
#include <string.h>

#include "domain/slots.h"

int legacy_slot_offered(const char *category, const struct req_slot *s, struct derr *err)
{
	return slots_is_offered(category, s->start, s->end, false, err);
}

int legacy_slots_available(const char *category, int y, int m, int d, struct slot_info *out,
			   int max, struct derr *err)
{
	return slots_available(category, y, m, d, out, max, err);
}

bool legacy_crew_is(const struct crew *c, const struct oid *id)
{
	return memcmp(c->oid.bytes, id->bytes, sizeof(id->bytes)) == 0;
}

bool legacy_crew_has_member(const struct crew *c, const struct oid *user)
{
	for (size_t k = 0; k < c->n_members; k++)
		if (memcmp(c->members[k].bytes, user->bytes, sizeof(user->bytes)) == 0)
			return true;
	return false;
}
