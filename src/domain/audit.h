/* The audit trail of staff and admin actions: an append-only collection `audit` (entries
 * are inserted, never updated or deleted by the service), one entry per action:
 *   {_id: ObjectId, at: Date, actor_id, actor_role, action, target_type, target_id,
 *    before: {...}|null, after: {...}|null, reason: string|null}
 * actor_id and target_id are top-level strings so that the filters of the admin list are
 * top-level equalities (served by the registry's indexes, pushed down on FerretDB).
 *
 * Entries record states (status, role, disabled, template, override), never free text
 * written about a person (notes, addresses): the trail outlives an account's erasure
 * without holding its personal data. */
#ifndef SWMRA_AUDIT_H
#define SWMRA_AUDIT_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>

#include "domain/derr.h"
#include "domain/id.h"

/* Actions (the `action` field). */
#define AUDIT_REQUEST_TRANSITION "request.transition"
#define AUDIT_REQUEST_NOTE	 "request.note"
#define AUDIT_USER_ROLE		 "user.role"
#define AUDIT_USER_DISABLE	 "user.disable"
#define AUDIT_USER_ERASE	 "user.erase"
#define AUDIT_SLOT_TEMPLATE	 "slots.template"
#define AUDIT_SLOT_OVERRIDE_ADD	 "slots.override.create"
#define AUDIT_SLOT_OVERRIDE_DEL	 "slots.override.delete"

struct audit_entry {
	const char *actor_id, *actor_role;
	const char *action;
	const char *target_type; /* "request", "user", "slot_template", "slot_override" */
	const char *target_id;
	json_object *before, *after; /* borrowed, may be NULL */
	const char *reason;	     /* may be NULL */
};

/* Appends one entry stamped now. false on a database error (err set). */
bool audit_record(const struct audit_entry *e, struct derr *err);

/* Filters of the list; NULL / has_* false are not filtered on. Newest first. */
struct audit_query {
	const char *actor_id, *target_id;
	bool has_from, has_to;
	int64_t from_ms, to_ms; /* at >= from, at < to */
	long skip, limit;
};

/* One entry as stored; strings NULL and JSON NULL when the entry holds none. */
struct audit_item {
	char id[OID_HEX_LEN];
	bool has_at;
	int64_t at; /* ms */
	char *actor_id, *actor_role, *action, *target_type, *target_id;
	json_object *before, *after;
	char *reason;
};
void audit_items_free(struct audit_item *items, size_t n);

/* A page of entries: *items a malloc'd array of *n (free with audit_items_free) and *total
 * the match count. false on a database error (err filled). */
bool audit_list(const struct audit_query *q, struct audit_item **items, size_t *n, int64_t *total,
		struct derr *err);

#endif
