/* Pickup requests: the documents of `pickup_requests`, the status state machine and the
 * append-only change log `request_events` that every change of a request goes through.
 *
 * Document: {_id, user_id (ObjectId), category, is_special, description, quantity (double),
 * photos [relative upload path "YYYY/MM/<name>.<ext>"], address {line1, line2|null, city,
 * pincode, lat|null, lng|null}, preferred_slots [{start, end}] (dates), assigned_slot
 * {start, end}|null (the slot whose seat the request holds right now), status, crew_id
 * (ObjectId, absent or null: the crew it is given to, requests_assign_crew), version
 * (int64: the last change of the log it reflects), reward_points, created_at, updated_at}.
 * Documents written before the change log have no version (0) and keep their timeline in
 * an embedded `events` array, which is shown first and never written again.
 *
 * Photos are stored as the upload's relative path and sent out as the absolute URL
 * PUBLIC_BASE_URL + "/uploads/" + path, so a change of public origin needs no migration.
 *
 * Concurrency. FerretDB 1.x runs every update as read-modify-write without re-checking the
 * filter, so no update can decide which of two changes wins; only an insert against a
 * unique key can, on FerretDB and MongoDB alike. Hence every change of a request (create,
 * status transition, note, crew assignment, draft edit, draft deletion) is one event of
 * `request_events`:
 *   {_id: "<request id hex>:<version>", request_id, version, type, at, by {id, role},
 *    data {from, to, reason, note[, slot]}, set {the document fields the change sets},
 *    effects [what it owes outside the request], effects_pending}.
 * A change reads the request at version v (rolled forward, below), validates against that
 * state, then claims version v+1 by inserting its event. The duplicate key means another
 * change of the request won v+1: the loser changes nothing (REQ_CONFLICT; a slot seat it
 * claimed first is given back). The log itself is infra/changelog.c, shared by any
 * aggregate. Only the winner's event owes anything outside the request: it records its
 * effects (give back the old seat @ the version it read, credit the reward, notify the
 * resident, which queues the mail), and these are applied once each however often they
 * run (the outbox, below). So two staff clicking "enroute" at once give one event, one
 * notification and one 409. Notes are valid at any version, so a note that loses a
 * version simply takes the next one.
 *
 * Seats (slots.h). A change moving the request into a slot claims the seat first, for its
 * version v+1 (the claim records it). The claim is that change's alone: a change finding
 * a claim of the request already in its target slot (another change's, not yet kept or
 * given back) gets REQ_CONFLICT instead of sharing it. A seat is given back by exactly
 * one change: the one that made it, when it loses v+1 (checked against event v+1 itself
 * when the insert failed without a duplicate key), or else the winner of the version that
 * moves the request out of the slot, which releases only a claim made at or before the
 * version it read. So a slow loser or a late release never takes the seat of a later
 * change that moved the request back into the same slot, and every request in scheduled
 * or a later status holds exactly one seat, in its assigned slot.
 *
 * The document is a cache of the log and carries its timeline (`timeline`: the views of
 * its STATUS_CHANGE, NOTE and ASSIGN events with their versions; EDIT, DELETE and VOID are not
 * shown), which `events` of the API is made of. Reading a request (requests_get) probes
 * the log past the document's version (lists show the stored state), and when the
 * log holds versions past the document's (a writer died between its insert and its
 * document write, or FerretDB wrote an older copy back over a newer one), their `set`s are
 * applied in order and the result is written back ("roll forward"). That write sets every
 * state field (status, assigned_slot, updated_at, version and the editable fields), never
 * only the ones of the last change, so any document FerretDB ends up keeping is the whole
 * state of one version. Lists and the cron jobs filter on the stored fields, which lag
 * only in a crash window, until the next read of the request or the sweep.
 *
 * Effects (the outbox, changelog.h). The winner applies its event's effects right after
 * the insert, then writes the document; every read that rolls an event forward applies
 * the effects still pending on it first; the cron job swmra-job-sweep-effects
 * (requests_sweep) applies those of any older event. Each is idempotent by a key derived
 * from (request, version, effect index): a seat release names its version, a reward is
 * unique per request, a notification's documents have _ids derived from the key. A crash
 * at any point therefore loses no effect and repeats none (tests/integration/
 * test_outbox_faults.c kills a change at every point, test_outbox_chaos.c at random).
 * The seat a change claims before its version stays outside the outbox (a full slot is
 * refused without writing a change); a seat left by a process that died between the two
 * claims is freed by the sweep once older than its grace period, after a VOID event has
 * taken the version it was claimed for, so the dead change can never win it late. */
#ifndef SWMRA_REQUESTS_H
#define SWMRA_REQUESTS_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "domain/derr.h"
#include "domain/id.h"

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

/* NULL-terminated name list (static), for validation allow-lists (the categories are
 * categories_names, domain/categories.h). */
extern const char *const requests_status_names[];

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
 * requests_change_status, not here), collected|handover|verification|completed → failed (a
 * dispute, "not collected"; its 48 h window is checked by requests_change_status). Nothing
 * else, for anyone. */
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

/* Inserts a new request of `owner` in status submitted (or draft) at version 1: its first
 * event (version 1) is inserted before the document. `id_out` receives the new id. The
 * event owes the "submitted" notification (not for drafts), applied after the document. The photos
 * (resolved and owned, see uploads_resolve) are kept (uploads_keep) right before the first event,
 * and given back when the request was certainly not written. REQ_OK, REQ_PHOTO_GONE or
 * REQ_DB_ERROR. */
enum req_result requests_create(const struct oid *owner, const char *owner_role,
				const struct req_fields *f, bool draft, struct oid *id_out,
				size_t *photo_gone, struct derr *err);

/* A pickup request as the domain hands it out: filled once from its document by a read
 * (requests_get, requests_list, the answer of a change) and released with
 * pickup_request_clear. Strings and arrays point into storage the struct owns; a NULL
 * string or a false has_* is a field the document does not hold (or holds as null). The
 * wire shape is the api layer's (api_request_json). */
struct pickup_request {
	struct oid id;
	bool has_user;
	struct oid user_id;
	const char *category;
	bool has_is_special, is_special;
	const char *description;
	bool has_quantity;
	double quantity;
	const char **photos; /* relative upload paths ("YYYY/MM/<name>.<ext>") */
	size_t n_photos;
	bool has_address;
	struct req_address address; /* strings NULL when null or absent */
	struct req_slot *preferred_slots;
	size_t n_preferred_slots;
	bool has_assigned_slot; /* the slot whose seat it holds */
	struct req_slot assigned_slot;
	enum req_status status; /* RS_COUNT: none */
	bool has_crew;
	struct oid crew_id;
	bool has_version;
	int64_t version;
	/* The timeline as recorded, oldest first: the entries of documents older than the
	 * change log as they were stored, then {type, at, by {id, role}, data} of each shown
	 * change (dates as RFC 3339 text, ids as hex): free-form history, so a generic value
	 * tree rather than a struct. NULL when the read did not ask for it (requests_list's
	 * and requests_get's answers always carry it). */
	json_object *events;
	/* The staff notes of the stored timeline (route stops only, see route_sheet.h). */
	const char **notes;
	size_t n_notes;
	int64_t reward_points; /* 0 when none */
	bool has_created_at, has_updated_at;
	int64_t created_at, updated_at; /* ms */
	/* The instant until which the resident may cancel or reschedule (ms): the assigned
	 * slot's start less CANCEL_MIN_HOURS, for a request a resident can still change
	 * (draft, submitted, pending_review, scheduled) that holds a slot; -1 when the rule
	 * does not apply. */
	int64_t change_deadline;
	bool has_weight; /* proof of service (entering collected) */
	double weight_kg;
	const char **proof_photos; /* relative upload paths */
	size_t n_proof_photos;
	void *store_; /* private: what the strings point into */
};
void pickup_request_clear(struct pickup_request *r);

/* The request `id` as its change log says (rolled forward and written back if it was
 * behind), with `version` and `events`, into *out (caller's, released with
 * pickup_request_clear on REQ_OK). With `owner` non-NULL someone else's request is
 * REQ_NOT_FOUND. REQ_OK, REQ_NOT_FOUND or REQ_DB_ERROR (err set). */
enum req_result requests_get(const struct oid *id, const struct oid *owner,
			     struct pickup_request *out, struct derr *err);

/* The `detail` of the 409 answering REQ_CONFLICT. */
#define REQUEST_CONFLICT_MSG "The request was changed meanwhile, reload and try again"

enum req_result {
	REQ_OK = 0,
	REQ_NOT_FOUND,		/* no such request (or not the owner's) */
	REQ_INVALID,		/* the edge is not allowed from the current status */
	REQ_TOO_LATE,		/* resident cancel/reschedule within CANCEL_MIN_HOURS */
	REQ_SLOT_REQUIRED,	/* scheduling without a slot and none assigned (or from failed) */
	REQ_SLOT_FULL,		/* 409 "Slot is full" */
	REQ_SLOT_NOT_AVAILABLE, /* 409 "Slot not available" */
	REQ_CONFLICT,		/* another change of the request won its version: 409 "The
				   request was changed meanwhile, reload and try again" */
	REQ_DB_ERROR,		/* err set */
	REQ_PHOTO_GONE,		/* create/edit: a photo's upload was deleted by the orphan
				   cleanup (its index in *photo_gone): 422 upload_gone */
	REQ_WEIGHT_REQUIRED	/* entering collected without weight_kg */
};

struct req_transition {
	enum req_status to;
	enum req_actor actor;
	const char *actor_id;	 /* user id hex */
	const struct oid *owner; /* residents: their id (someone else's request is not found);
				    staff: NULL */
	const char *reason;	 /* may be NULL */
	const char *note;	 /* may be NULL */
	bool has_slot;		 /* slot_start/slot_end given (end > start checked by caller) */
	struct req_slot slot;
	int64_t expect_version; /* > 0: REQ_CONFLICT unless the request is at this version
				   (the caller decided on what it saw at that version) */
	/* Proof of service, entering collected (staff): the weight (0 < w <= 1000, checked
	 * by the caller; REQ_WEIGHT_REQUIRED without it) and up to 5 photos, resolved
	 * upload paths of the acting staff member (uploads_resolve with actor_id), kept
	 * before the version is claimed and attached to the request after it was won. */
	bool has_weight;
	double weight_kg;
	const char *proof_paths[5];
	size_t n_proofs;
	const char *role_label; /* NULL: the actor's role; else the event's by_role ("system":
				   a change made for an account erasure) */
	bool seat_held;		/* with has_slot: the request holds the slot's seat already
				   (a waitlist offer's hold, slots_hold): no seat is claimed,
				   and none given back when the change loses */
};

/* How long after `collected` a resident may say "not collected" (a dispute). */
#define REQ_DISPUTE_WINDOW_MS (48LL * 3600 * 1000)

/* Disputes. A resident may move their own request from collected, handover,
 * verification or completed to failed ("not collected", with a reason) within
 * REQ_DISPUTE_WINDOW_MS after it entered collected (its `collected_at`, or for documents
 * older than that field the collected event of its timeline); later it is REQ_TOO_LATE.
 * The change is a STATUS_CHANGE like any other, so of racing disputes one wins the version
 * and the others get REQ_CONFLICT or REQ_INVALID. It owes, instead of the resident's own
 * notification, the reversal of the points credited for the request (rewards_reverse,
 * once per request) and a "disputed" notification to every staff member.
 *
 * Applies one status change: checks the edge (and, for residents, the 24 h rule on the
 * assigned slot when cancelling or rescheduling), claims a new slot seat first when the
 * target is scheduled with a slot, then claims the next version with a STATUS_CHANGE event
 * (REQ_CONFLICT when another change won it; a fresh seat is given back; REQ_CONFLICT too
 * when the request has a claim in the target slot made by another change). The event owes
 * the release of the old seat (rescheduling, or entering failed/cancelled, which also
 * clears assigned_slot), the reward on entering completed (rewards_credit) and the
 * notification of the new status ("rescheduled" for a reschedule); the winner applies
 * them, then rolls the document forward. Rescheduling to the slot already held is a no-op.
 * On REQ_INVALID, `*from_out` receives the current status. On REQ_OK `out` (may be NULL)
 * receives the request as the change left it (release with pickup_request_clear). */
enum req_result requests_change_status(const struct oid *id, const struct req_transition *t,
				       enum req_status *from_out, struct pickup_request *out,
				       struct derr *err);

/* Replaces the given fields of the owner's draft (an EDIT event, not on the timeline).
 * New photos are kept as by requests_create, once the draft is found, and given back
 * when the edit loses its version. REQ_NOT_FOUND, REQ_INVALID (not a draft), REQ_CONFLICT
 * (changed meanwhile), REQ_PHOTO_GONE, REQ_DB_ERROR or REQ_OK. */
enum req_result requests_update_draft(const struct oid *id, const struct oid *owner,
				      const struct req_fields *f, size_t *photo_gone,
				      struct derr *err);

/* Appends a NOTE event {note} at the next free version. REQ_NOT_FOUND, REQ_DB_ERROR,
 * REQ_CONFLICT (no free version after many tries) or REQ_OK. */
enum req_result requests_add_note(const struct oid *id, const char *actor_id, const char *role,
				  const char *note, struct derr *err);

/* A change of the crew a request is given to (an ASSIGN event on the timeline, setting
 * `crew_id`). `crew` NULL takes the request off any crew. Strings are borrowed. */
struct req_crew_assign {
	const struct oid *crew;
	const char *crew_name; /* for the timeline's note */
	const char *actor_id, *actor_role;
	int64_t expect_version; /* > 0: REQ_CONFLICT unless the request is at this version */
};

/* Gives request `id` to a crew through its change log: only a request with a slot that is
 * not finished (scheduled, enroute, onsite, collecting; REQ_INVALID otherwise, the status
 * in *from_out) is assignable; the same crew again is a no-op. It claims the next version
 * like a transition, so concurrent assigns read at one version give one winner and
 * REQ_CONFLICT to the rest. On REQ_OK `out` (may be NULL) receives the request (release
 * with pickup_request_clear). */
enum req_result requests_assign_crew(const struct oid *id, const struct req_crew_assign *a,
				     enum req_status *from_out, struct pickup_request *out,
				     struct derr *err);

/* Filters of a request list; NULL members are not filtered on. `owner`: resident lists.
 * `day_start`/`day_end` (ms, used when has_day): assigned slot start in [start, end).
 * `q`: case-insensitive literal text in description or address. */
struct req_query {
	const struct oid *owner;
	const char *status;
	const char *category;
	bool has_day;
	int64_t day_start, day_end;
	const char *q;
	const char *pincode; /* address.pincode, exactly */
	bool has_crew;	     /* crew_id, exactly (the board's crew filter) */
	struct oid crew;
	long skip, limit;
};

/* Exports (requests_export.c): the requests of `q` (skip and limit unused), newest first
 * (created_at, _id), a page at a time after a keyset cursor, so that an export of any size
 * holds one page in memory and each page is one indexed read however deep it is. */
struct req_export_cursor {
	bool started; /* false: from the newest */
	int64_t created_at;
	struct oid id;
};
/* Calls `row` for each of the next (at most) `page` requests after `cur` (without their
 * timeline; borrowed for the call) and moves `cur` past them. Returns how many, 0 at the
 * end, -1 on a database error (err set). */
long requests_export_page(const struct req_query *q, struct req_export_cursor *cur, long page,
			  void (*row)(const struct pickup_request *r, void *ctx), void *ctx,
			  struct derr *err);

/* One page of `q`, newest first: *items (n of them, each with its events; release with
 * requests_list_free) and the total match count. false on a database error (err set). */
struct req_page {
	struct pickup_request *items;
	size_t n;
	int64_t total;
};
bool requests_list(const struct req_query *q, struct req_page *out, struct derr *err);
void requests_list_free(struct req_page *p);

/* Deletes drafts not touched (updated_at) for DRAFT_MAX_AGE_DAYS before `now_ms` (drafts
 * hold no slot seat), each as a change (a DELETE event claims its next version; a draft
 * changed meanwhile is kept and not reported), with its events. Calls `each` for every
 * such draft (without its timeline) after trying to delete it (with dry_run nothing is
 * deleted): `fail` is NULL on success, else the delete's error. Returns the number deleted
 * (or, with dry_run, that would be), -1 when the drafts could not be listed (err set). */
long requests_cleanup_drafts(int64_t now_ms, bool dry_run,
			     void (*each)(const struct pickup_request *r, const struct derr *fail,
					  void *ctx),
			     void *ctx, struct derr *err);

/* What one sweep did. */
struct req_sweep {
	long events;	   /* events whose pending effects were applied (or voided) */
	long orphan_seats; /* seats released because their change never won its version */
	long failures;	   /* items that failed (logged; retried by the next sweep) */
};

/* The sweep (cron swmra-job-sweep-effects): applies the pending effects of every change
 * older than grace_ms (changelog_sweep) and rolls its request forward; then releases every
 * seat of a future slot, claimed more than grace_ms ago, whose change never won its
 * version: when that version has no event yet, a VOID event claims it first, so the
 * change can no longer win it; a seat whose version's event assigns its slot is owned and
 * kept. false (err set) when the events or seats could not be listed. */
bool requests_sweep(int64_t now_ms, int64_t grace_ms, struct req_sweep *rep, struct derr *err);

/* Request changes whose effects are still pending: how many and when the oldest was
 * written (-1 when none); for the metrics scrape and the admin System page. */
bool requests_effects_backlog(int64_t *count, int64_t *oldest_ms, struct derr *err);

#endif
