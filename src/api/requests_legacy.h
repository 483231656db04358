/* Transitional bridges (requests_legacy.c): the request routes call the modules whose
 * functions still take store types (users, crews, slots, the waitlist) through these,
 * with ids as struct oid and errors as struct derr, so that the routes themselves speak
 * no storage. Each goes once its module offers the same in value types (crews.h and
 * waitlist.h do already: the routes call them directly). */
#ifndef SWMRA_API_REQUESTS_LEGACY_H
#define SWMRA_API_REQUESTS_LEGACY_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

#include "domain/crews.h"
#include "domain/derr.h"
#include "domain/id.h"
#include "domain/requests.h"
#include "domain/users.h"

/* slots_is_offered of `s` for residents (no lead time): 1, 0, -1 (err set). */
int legacy_slot_offered(const char *category, const struct req_slot *s, struct derr *err);
/* users_find_many: false on a database error (err set); out[i].id "" for an unknown id. */
bool legacy_users_find_many(const struct oid *ids, size_t n, struct user *out, struct derr *err);
/* users_find_by_id without the hash: 1 found (clear *out), 0 none, -1 error. */
int legacy_user_by_id(const struct oid *id, struct user *out, struct derr *err);
/* Whether `c` is the crew `id`; whether `user` is one of its members. */
bool legacy_crew_is(const struct crew *c, const struct oid *id);
bool legacy_crew_has_member(const struct crew *c, const struct oid *user);

#endif
