/* Pickup requests: the documents of `pickup_requests`, the status state machine and the
 * append-only event timeline.
 *
 * Document: {_id, user_id (ObjectId), category, is_special, description, quantity (double),
 * photos [relative upload path "YYYY/MM/<name>.<ext>"], address {line1, line2|null, city,
 * pincode, lat|null, lng|null}, preferred_slots [{start, end}] (dates), assigned_slot
 * {start, end}|null (the slot whose seat the request holds right now), status, events
 * [{type "STATUS_CHANGE"|"NOTE", at, by {id, role}, data {from, to, reason, note[, slot]}}],
 * reward_points, created_at, updated_at}.
 *
 * Photos are stored as the upload's relative path and sent out as the absolute URL
 * PUBLIC_BASE_URL + "/uploads/" + path, so a change of public origin needs no migration.
 *
 * Concurrency (FerretDB 1.x updates are read-modify-write without re-checking the filter):
 * status writes filter on {_id, status: <from>} and are idempotent in effect (same target,
 * same fields), so on MongoDB exactly one of two racing transitions wins and the other gets
 * REQ_CONFLICT. On FerretDB both may "win": the request ends in the target status, but the
 * timeline may then hold a duplicate event or lose one of the racing events, and the
 * notification may be sent twice. What must be exclusive is decided by unique inserts:
 * the slot seat (slots_claim) and the reward credit (rewards_credit: one ledger document per
 * request), so points are never credited twice. */
#ifndef SWMRA_REQUESTS_H
#define SWMRA_REQUESTS_H

#include <json-c/json.h>
#include <mongoc/mongoc.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum req_status {
	RS_DRAFT = 0,
	RS_SUBMITTED,
	RS_PENDING_REVIEW,
	RS_SCHEDULED,
	RS_ENROUTE,
	RS_ONSITE,
	RS_COLLECTING,
	RS_COLLECTED,
	RS_HANDOVER,
	RS_VERIFICATION,
	RS_COMPLETED,
	RS_CANCELLED,
	RS_FAILED,
	RS_COUNT
};

/* Who acts. Values mirror enum role (citizen 1, staff 2, admin 3); admins act as staff. */
enum req_actor { REQ_ACTOR_RESIDENT = 1, REQ_ACTOR_STAFF = 2, REQ_ACTOR_ADMIN = 3 };

/* NULL-terminated name lists (static), for validation allow-lists. */
extern const char *const requests_status_names[];
extern const char *const requests_categories[];

/* Static name of a status ("pending_review"); "" when out of range. */
const char *requests_status_name(enum req_status s);
/* Status from its name; -1 when unknown. */
int requests_status_parse(const char *name);
/* "citizen", "staff" or "admin" (static). */
const char *requests_actor_role(enum req_actor a);

/* The state machine. Staff and admins: exactly the edges of the lifecycle
 *   draft → submitted → pending_review → scheduled → enroute → onsite → collecting →
 *   collected → handover → verification → completed;
 *   draft|submitted|pending_review|scheduled → cancelled;
 *   enroute|onsite|collecting → failed; failed → scheduled | cancelled.
 * Residents (own requests, through their own endpoints): draft → submitted (submit),
 * submitted|pending_review → scheduled (confirm-slot), scheduled → scheduled (reschedule),
 * draft|submitted|pending_review|scheduled → cancelled (cancel; the 24 h rule is checked by
 * requests_transition, not here). Nothing else, for anyone. */
bool requests_edge_allowed(enum req_status from, enum req_status to, enum req_actor actor);
/* The targets `actor` may move a request in `from` to, in lifecycle order; returns how
 * many were written to out (at most RS_COUNT). */
size_t requests_allowed_targets(enum req_status from, enum req_actor actor,
				enum req_status out[RS_COUNT]);
/* The notify event of entering `to` ("scheduled", "failed", ...); NULL when none
 * (draft, pending_review). */
const char *requests_notify_event(enum req_status to);

/* Validated fields of a new or edited request. Strings are borrowed. `photo_paths` are
 * resolved relative upload paths. For an edit, `has_*` says which fields are replaced. */
struct req_address {
	const char *line1, *line2, *city, *pincode;
	bool has_lat, has_lng;
	double lat, lng;
};
struct req_slot {
	int64_t start, end; /* ms */
};
struct req_fields {
	bool has_category, has_is_special, has_description, has_quantity, has_address,
	    has_preferred_slots, has_photos;
	const char *category;
	bool is_special;
	const char *description;
	double quantity;
	struct req_address address;
	struct req_slot preferred_slots[5];
	size_t n_preferred_slots;
	const char *photo_paths[5];
	size_t n_photos;
};

/* Inserts a new request of `owner` in status submitted (or draft) with its first event.
 * `id_out` receives the new id. Sends the "submitted" notification (not for drafts). */
bool requests_create(const bson_oid_t *owner, const char *owner_role, const struct req_fields *f,
		     bool draft, bson_oid_t *id_out, bson_error_t *err);

/* The request document (caller owns, bson_destroy), or NULL: not found (err->code == 0) or
 * database error (err->code != 0). With `owner` non-NULL someone else's request is "not
 * found". */
bson_t *requests_load(const bson_oid_t *id, const bson_oid_t *owner, bson_error_t *err);

enum req_result {
	REQ_OK = 0,
	REQ_NOT_FOUND,		/* no such request (or not the owner's) */
	REQ_INVALID,		/* the edge is not allowed from the current status */
	REQ_TOO_LATE,		/* resident cancel/reschedule within CANCEL_MIN_HOURS */
	REQ_SLOT_REQUIRED,	/* scheduling without a slot and none assigned (or from failed) */
	REQ_SLOT_FULL,		/* 409 "Slot is full" */
	REQ_SLOT_NOT_AVAILABLE, /* 409 "Slot not available" */
	REQ_CONFLICT,		/* the status changed meanwhile (concurrent change) */
	REQ_DB_ERROR		/* err set */
};

struct req_transition {
	enum req_status to;
	enum req_actor actor;
	const char *actor_id;	 /* user id hex */
	const bson_oid_t *owner; /* residents: their id (someone else's request is not found);
				    staff: NULL */
	const char *reason;	 /* may be NULL */
	const char *note;	 /* may be NULL */
	bool has_slot;		 /* slot_start/slot_end given (end > start checked by caller) */
	struct req_slot slot;
};

/* Applies one status change: checks the edge (and, for residents, the 24 h rule on the
 * assigned slot when cancelling or rescheduling), claims a new slot seat first when the
 * target is scheduled with a slot, writes the status with a STATUS_CHANGE event ($push),
 * then releases the old seat (rescheduling, or entering failed/cancelled, which also
 * clears assigned_slot); if the write fails a fresh claim is released. Entering completed
 * credits the reward (rewards_credit). Sends the notification of the new status
 * ("rescheduled" for a reschedule). Rescheduling to the slot already held is a no-op.
 * On REQ_INVALID, `*from_out` receives the current status. On success `*doc_out` (may be
 * NULL) receives the updated document (caller owns). */
enum req_result requests_transition(const bson_oid_t *id, const struct req_transition *t,
				    enum req_status *from_out, bson_t **doc_out, bson_error_t *err);

/* Replaces the given fields of the owner's draft. REQ_NOT_FOUND, REQ_INVALID (not a draft),
 * REQ_DB_ERROR or REQ_OK. */
enum req_result requests_update_draft(const bson_oid_t *id, const bson_oid_t *owner,
				      const struct req_fields *f, bson_error_t *err);

/* Appends a NOTE event {note}. REQ_NOT_FOUND, REQ_DB_ERROR or REQ_OK. */
enum req_result requests_add_note(const bson_oid_t *id, const char *actor_id, const char *role,
				  const char *note, bson_error_t *err);

/* Filters of a request list; NULL members are not filtered on. `owner`: resident lists.
 * `day_start`/`day_end` (ms, used when has_day): assigned slot start in [start, end).
 * `q`: case-insensitive literal text in description or address. */
struct req_query {
	const bson_oid_t *owner;
	const char *status;
	const char *category;
	bool has_day;
	int64_t day_start, day_end;
	const char *q;
	long skip, limit;
};

/* Newest first. Returns a new array of request JSON objects (caller owns) and the total
 * match count, or NULL on a database error. */
json_object *requests_list(const struct req_query *q, int64_t *total, bson_error_t *err);

/* The wire shape of a request document (new object, caller owns): ids as hex, dates as
 * RFC 3339 Z, photos as absolute URLs. */
json_object *requests_to_json(const bson_t *doc);

/* Escapes regular-expression metacharacters so `s` matches literally (caller frees). */
char *requests_regex_escape(const char *s);

/* Deletes drafts not touched (updated_at) for DRAFT_MAX_AGE_DAYS before `now_ms` (drafts
 * hold no slot seat). Calls `each` for every such draft after trying to delete it (with
 * dry_run nothing is deleted): `fail` is NULL on success, else the delete's error.
 * Returns the number deleted (or, with dry_run, that would be), -1 when the drafts could
 * not be listed (err set). */
long requests_cleanup_drafts(int64_t now_ms, bool dry_run,
			     void (*each)(const bson_t *doc, const bson_error_t *fail, void *ctx),
			     void *ctx, bson_error_t *err);

#endif
