/* Transitional bridges (legacy_bridges.c): the routes call the modules whose functions
 * still take store types (slots) through these, with ids as struct oid and errors
 * as struct derr, so that src/api speaks no storage. Each goes once its module offers the
 * same in value types. */
#ifndef SWMRA_LEGACY_BRIDGES_H
#define SWMRA_LEGACY_BRIDGES_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

#include "domain/crews.h"
#include "domain/derr.h"
#include "domain/id.h"
#include "domain/requests.h"

/* slots_is_offered of `s` for residents (no lead time): 1, 0, -1 (err set). */
int legacy_slot_offered(const char *category, const struct req_slot *s, struct derr *err);
/* slots_available: the number of slots into out[0..max-1], -1 on a database error. */
struct slot_info;
int legacy_slots_available(const char *category, int y, int m, int d, struct slot_info *out,
			   int max, struct derr *err);
/* Whether `c` is the crew `id`; whether `user` is one of its members. */
bool legacy_crew_is(const struct crew *c, const struct oid *id);
bool legacy_crew_has_member(const struct crew *c, const struct oid *user);

#endif
