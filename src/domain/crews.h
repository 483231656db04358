/* Crews: named groups of staff that collect the pickups of a day together (issue 17).
 * Admins manage them; staff give scheduled requests to one (requests_assign_crew), and a
 * member's "My route" lists the stops of the crews they belong to.
 *
 * Document (collection `crews`, small: a city has tens of crews): {_id, name, members
 * [user ObjectId], active, created_at, updated_at}. A crew is never deleted (requests keep
 * its id): it is made inactive, and an inactive crew takes no new assignments. Changes are
 * admin-only and last-writer-wins (no exclusivity is at stake: assigning a request is
 * decided by the request's change log, not here). */
#ifndef SWMRA_CREWS_H
#define SWMRA_CREWS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "domain/derr.h"
#include "domain/id.h"

#define CREWS_MAX_MEMBERS 20
#define CREWS_NAME_MAX	  100

struct crew {
	struct oid oid;
	char id[OID_HEX_LEN];
	char name[4 * CREWS_NAME_MAX + 1]; /* UTF-8, at most CREWS_NAME_MAX characters */
	struct oid members[CREWS_MAX_MEMBERS];
	size_t n_members;
	bool active;
	int64_t created_at, updated_at; /* ms */
};

enum crews_rc { CREWS_OK = 0, CREWS_NOT_FOUND, CREWS_ERR };

/* Every crew, by name (then id), into a new array *out of *n (caller frees). */
enum crews_rc crews_list(struct crew **out, size_t *n, struct derr *err);

/* One crew by id. */
enum crews_rc crews_get(const struct oid *id, struct crew *out, struct derr *err);

/* Inserts `c` (name, members, active; the id and times are set here, in *c). */
enum crews_rc crews_create(struct crew *c, struct derr *err);

/* The fields of a crew an admin changes; `set_*` false leaves one alone. */
struct crew_patch {
	const char *name;
	bool set_members;
	const struct oid *members;
	size_t n_members;
	bool set_active, active;
};

/* Applies `p` to crew `id`; CREWS_NOT_FOUND when there is none. */
enum crews_rc crews_update(const struct oid *id, const struct crew_patch *p, struct derr *err);

/* The crew of `id` among `list[0..n-1]`, or NULL. */
const struct crew *crews_find(const struct crew *list, size_t n, const struct oid *id);

/* Whether `user` is one of the members of `c`. */
bool crews_has_member(const struct crew *c, const struct oid *user);

#endif
