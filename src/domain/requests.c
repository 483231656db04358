#include "domain/requests.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/internal/notify_store.h"
#include "domain/internal/read_marks_store.h"
#include "domain/internal/requests_store.h"
#include "domain/internal/rewards_store.h"
#include "infra/changelog.h"
#include "domain/internal/slots_store.h"
#include "domain/upload_links.h"
#include "domain/uploads.h"
#include "domain/internal/users_store.h"
#include "domain/waitlist.h"
#include "infra/config.h"
#include "infra/db.h"
#include "infra/fault.h"
#include "infra/jsonx.h"
#include "infra/log.h"
#include "infra/timeutil.h"

#define COLL "pickup_requests"

const char *const requests_status_names[] = {
    "draft",	 "submitted", "pending_review", "scheduled", "enroute",	  "onsite", "collecting",
    "collected", "handover",  "verification",	"completed", "cancelled", "failed", NULL};

const char *requests_status_name(enum req_status s)
{
	return (s >= 0 && s < RS_COUNT) ? requests_status_names[s] : "";
}

int requests_status_parse(const char *name)
{
	for (int i = 0; name && i < RS_COUNT; i++)
		if (strcmp(name, requests_status_names[i]) == 0)
			return i;
	return -1;
}

const char *requests_actor_role(enum req_actor a)
{
	switch (a) {
	case REQ_ACTOR_RESIDENT: return "citizen";
	case REQ_ACTOR_STAFF: return "staff";
	case REQ_ACTOR_ADMIN: return "admin";
	}
	return "citizen";
}

/* ------------------------------------------------------------------ state machine */

#define B(s) (1u << (s))

/* Staff and admins: the lifecycle of API.md, nothing more. */
static const unsigned staff_edges[RS_COUNT] = {
    [RS_DRAFT] = B(RS_SUBMITTED) | B(RS_CANCELLED),
    [RS_SUBMITTED] = B(RS_PENDING_REVIEW) | B(RS_CANCELLED),
    [RS_PENDING_REVIEW] = B(RS_SCHEDULED) | B(RS_CANCELLED),
    [RS_SCHEDULED] = B(RS_ENROUTE) | B(RS_CANCELLED),
    [RS_ENROUTE] = B(RS_ONSITE) | B(RS_FAILED),
    [RS_ONSITE] = B(RS_COLLECTING) | B(RS_FAILED),
    [RS_COLLECTING] = B(RS_COLLECTED) | B(RS_FAILED),
    [RS_COLLECTED] = B(RS_HANDOVER),
    [RS_HANDOVER] = B(RS_VERIFICATION),
    [RS_VERIFICATION] = B(RS_COMPLETED),
    [RS_COMPLETED] = 0,
    [RS_CANCELLED] = 0,
    [RS_FAILED] = B(RS_SCHEDULED) | B(RS_CANCELLED),
};

/* Residents: submit, confirm-slot (and reschedule), cancel. */
static const unsigned resident_edges[RS_COUNT] = {
    [RS_DRAFT] = B(RS_SUBMITTED) | B(RS_CANCELLED),
    [RS_SUBMITTED] = B(RS_SCHEDULED) | B(RS_CANCELLED),
    [RS_PENDING_REVIEW] = B(RS_SCHEDULED) | B(RS_CANCELLED),
    [RS_SCHEDULED] = B(RS_SCHEDULED) | B(RS_CANCELLED),
    /* "not collected": a dispute (requests.h, "Disputes") */
    [RS_COLLECTED] = B(RS_FAILED),
    [RS_HANDOVER] = B(RS_FAILED),
    [RS_VERIFICATION] = B(RS_FAILED),
    [RS_COMPLETED] = B(RS_FAILED),
};

bool requests_edge_allowed(enum req_status from, enum req_status to, enum req_actor actor)
{
	if (from < 0 || from >= RS_COUNT || to < 0 || to >= RS_COUNT)
		return false;
	switch (actor) {
	case REQ_ACTOR_RESIDENT: return (resident_edges[from] & B(to)) != 0;
	case REQ_ACTOR_STAFF:
	case REQ_ACTOR_ADMIN: return (staff_edges[from] & B(to)) != 0;
	}
	return false;
}

size_t requests_allowed_targets(enum req_status from, enum req_actor actor,
				enum req_status out[RS_COUNT])
{
	size_t n = 0;
	for (int to = 0; to < RS_COUNT; to++)
		if (requests_edge_allowed(from, (enum req_status)to, actor))
			out[n++] = (enum req_status)to;
	return n;
}

const char *requests_notify_event(enum req_status to)
{
	switch (to) {
	case RS_DRAFT:
	case RS_PENDING_REVIEW:
	case RS_COUNT: return NULL;
	default: return requests_status_name(to);
	}
}

/* ------------------------------------------------------------------ document helpers */

static const char *doc_str(const bson_t *doc, const char *key)
{
	bson_iter_t it;
	if (bson_iter_init_find(&it, doc, key) && BSON_ITER_HOLDS_UTF8(&it))
		return bson_iter_utf8(&it, NULL);
	return NULL;
}

static bool doc_oid(const bson_t *doc, const char *key, bson_oid_t *out)
{
	bson_iter_t it;
	if (bson_iter_init_find(&it, doc, key) && BSON_ITER_HOLDS_OID(&it)) {
		bson_oid_copy(bson_iter_oid(&it), out);
		return true;
	}
	return false;
}

static enum req_status doc_status(const bson_t *doc)
{
	int s = requests_status_parse(doc_str(doc, "status"));
	return s < 0 ? RS_COUNT : (enum req_status)s;
}

/* The slot {start, end} under `key`, if there is one. */
static bool slot_field(const bson_t *doc, const char *key, struct req_slot *slot)
{
	bson_iter_t it, sub;
	if (!bson_iter_init_find(&it, doc, key) || !BSON_ITER_HOLDS_DOCUMENT(&it))
		return false;
	bool ok = false;
	if (bson_iter_recurse(&it, &sub) && bson_iter_find(&sub, "start") &&
	    BSON_ITER_HOLDS_DATE_TIME(&sub)) {
		slot->start = bson_iter_date_time(&sub);
		ok = true;
	}
	if (ok && bson_iter_recurse(&it, &sub) && bson_iter_find(&sub, "end") &&
	    BSON_ITER_HOLDS_DATE_TIME(&sub))
		slot->end = bson_iter_date_time(&sub);
	else
		ok = false;
	return ok;
}

/* The assigned slot, if the request holds one. */
static bool doc_slot(const bson_t *doc, struct req_slot *slot)
{
	return slot_field(doc, "assigned_slot", slot);
}

static void append_slot(bson_t *b, const char *key, const struct req_slot *s)
{
	bson_t sub;
	BSON_APPEND_DOCUMENT_BEGIN(b, key, &sub);
	BSON_APPEND_DATE_TIME(&sub, "start", s->start);
	BSON_APPEND_DATE_TIME(&sub, "end", s->end);
	bson_append_document_end(b, &sub);
}

static void append_str_or_null(bson_t *b, const char *key, const char *s)
{
	if (s)
		BSON_APPEND_UTF8(b, key, s);
	else
		BSON_APPEND_NULL(b, key);
}

static void append_address(bson_t *b, const struct req_address *a)
{
	bson_t sub;
	BSON_APPEND_DOCUMENT_BEGIN(b, "address", &sub);
	BSON_APPEND_UTF8(&sub, "line1", a->line1);
	append_str_or_null(&sub, "line2", a->line2);
	BSON_APPEND_UTF8(&sub, "city", a->city);
	BSON_APPEND_UTF8(&sub, "pincode", a->pincode);
	if (a->has_lat)
		BSON_APPEND_DOUBLE(&sub, "lat", a->lat);
	else
		BSON_APPEND_NULL(&sub, "lat");
	if (a->has_lng)
		BSON_APPEND_DOUBLE(&sub, "lng", a->lng);
	else
		BSON_APPEND_NULL(&sub, "lng");
	bson_append_document_end(b, &sub);
}

static void append_preferred(bson_t *b, const struct req_fields *f)
{
	bson_t arr;
	char k[16];
	const char *key;
	BSON_APPEND_ARRAY_BEGIN(b, "preferred_slots", &arr);
	for (size_t i = 0; i < f->n_preferred_slots; i++) {
		bson_uint32_to_string((uint32_t)i, &key, k, sizeof(k));
		append_slot(&arr, key, &f->preferred_slots[i]);
	}
	bson_append_array_end(b, &arr);
}

static void append_photos(bson_t *b, const struct req_fields *f)
{
	bson_t arr;
	char k[16];
	const char *key;
	BSON_APPEND_ARRAY_BEGIN(b, "photos", &arr);
	for (size_t i = 0; i < f->n_photos; i++) {
		bson_uint32_to_string((uint32_t)i, &key, k, sizeof(k));
		BSON_APPEND_UTF8(&arr, key, f->photo_paths[i]);
	}
	bson_append_array_end(b, &arr);
}

/* The fields of `f` marked present, for a $set or an insert. */
static void append_fields(bson_t *b, const struct req_fields *f)
{
	if (f->has_category)
		BSON_APPEND_UTF8(b, "category", f->category);
	if (f->has_is_special)
		BSON_APPEND_BOOL(b, "is_special", f->is_special);
	if (f->has_description)
		BSON_APPEND_UTF8(b, "description", f->description);
	if (f->has_quantity)
		BSON_APPEND_DOUBLE(b, "quantity", f->quantity);
	if (f->has_photos)
		append_photos(b, f);
	if (f->has_address)
		append_address(b, &f->address);
	if (f->has_preferred_slots)
		append_preferred(b, f);
}

#define MAX_PHOTOS (sizeof(((struct req_fields *)0)->photo_paths) / sizeof(const char *))

/* The store error of a domain error (the change paths below still carry the store's). */
static void to_store_error(const struct derr *d, bson_error_t *err)
{
	bson_set_error(err, d->domain, d->code, "%s", d->message);
}

/* uploads_keep: REQ_OK, REQ_PHOTO_GONE (the index in *gone) or REQ_DB_ERROR (err set). */
static enum req_result keep_uploads(const bson_oid_t *owner, const char *const *paths, size_t n,
				    bool *kept, size_t *gone, bson_error_t *err)
{
	struct oid o;
	struct derr d;
	oid_from_store(&o, owner);
	switch (uploads_keep(&o, paths, n, kept, gone, &d)) {
	case UPLOAD_REF_OK: return REQ_OK;
	case UPLOAD_REF_DB_ERROR: to_store_error(&d, err); return REQ_DB_ERROR;
	default: return REQ_PHOTO_GONE;
	}
}

/* uploads_attach (a failure is logged: the orphan cleanup then keeps them, as kept). */
static void attach_uploads(const bson_oid_t *owner, const char *const *paths, size_t n,
			   const bson_oid_t *id, const char *what)
{
	struct oid o, r;
	struct derr d;
	oid_from_store(&o, owner);
	oid_from_store(&r, id);
	if (!uploads_attach(&o, paths, n, &r, &d))
		log_warn("attaching %s to request failed: %s", what, d.message);
}

/* Keeps the photos of `f` (uploads_keep) for the change about to be claimed; `kept`
 * (MAX_PHOTOS entries) records which fates this call took, for give_back_photos. */
static enum req_result keep_photos(const bson_oid_t *owner, const struct req_fields *f, bool *kept,
				   size_t *photo_gone, bson_error_t *err)
{
	memset(kept, 0, MAX_PHOTOS * sizeof(bool));
	if (!f->has_photos || f->n_photos == 0)
		return REQ_OK;
	size_t unused;
	if (!photo_gone)
		photo_gone = &unused;
	return keep_uploads(owner, f->photo_paths, f->n_photos, kept, photo_gone, err);
}

/* The change the photos were kept for was certainly not written: the orphan cleanup may
 * have them again. */
static void give_back_photos(const struct req_fields *f, const bool *kept)
{
	if (f->has_photos)
		uploads_unkeep(f->photo_paths, f->n_photos, kept);
}

static void attach_photos(const bson_oid_t *owner, const struct req_fields *f, const bson_oid_t *id)
{
	if (!f->has_photos || f->n_photos == 0)
		return;
	attach_uploads(owner, f->photo_paths, f->n_photos, id, "photos");
}

/* ------------------------------------------------------------------ the change log */

/* Every change of a request is one event of `request_events` (infra/changelog.h). */
#define EVENTS "request_events"

/* The fields a change may set, i.e. the state of the request document that follows the
 * log (reward_points is the rewards module's, and the rest never changes). */
static const char *const state_keys[] = {
    "status",	    "assigned_slot",   "updated_at", "category",
    "is_special",   "description",     "quantity",   "photos",
    "address",	    "preferred_slots", "timeline",   "weight_kg",
    "proof_photos", "collected_at",    "crew_id",    NULL};
/* The events shown as the request's timeline (EDIT, DELETE and VOID are not); ASSIGN
 * (a crew was given the pickup) is shown so staff and resident see who took it when. */
static const char *const timeline_types[] = {"STATUS_CHANGE", "NOTE", "ASSIGN", NULL};

/* How many versions a note tries before giving up (it is valid at any version). */
#define NOTE_TRIES 16

static bool apply_effect(const bson_oid_t *id, int64_t version, uint32_t index,
			 const bson_t *effect, int64_t at, bson_error_t *err);

static const struct changelog_kind request_log = {.docs = COLL,
						  .events = EVENTS,
						  .id_field = "request_id",
						  .state_keys = state_keys,
						  .timeline_types = timeline_types,
						  .apply = apply_effect,
						  .stored = read_mark_bump_request};

int64_t requests_version(const bson_t *doc)
{
	return changelog_version(doc);
}

/* One change of a request: its timeline data, the fields it sets, the effects it owes. */
struct change {
	const char *type; /* STATUS_CHANGE, NOTE (on the timeline); EDIT, DELETE, VOID (not) */
	int64_t at;
	const char *by_id, *by_role;
	const char *from, *to, *reason, *note; /* data; NULL is null */
	const struct req_slot *slot;	       /* data.slot, or NULL */
	const struct req_transition *proof;    /* data.weight_kg, data.proof_photos, or NULL */
	const char *crew_id;		       /* data.crew_id (ASSIGN), or NULL */
	const bson_t *set;		       /* the document fields the change sets */
	const bson_t *effects;		       /* array of owed effects, or NULL */
};

/* Proof of service: weight_kg and proof_photos (relative upload paths, shown as links). */
static void append_proof(bson_t *b, const struct req_transition *t)
{
	bson_t arr;
	char k[16];
	const char *key;
	BSON_APPEND_DOUBLE(b, "weight_kg", t->weight_kg);
	BSON_APPEND_ARRAY_BEGIN(b, "proof_photos", &arr);
	for (uint32_t i = 0; i < t->n_proofs; i++) {
		bson_uint32_to_string(i, &key, k, sizeof(k));
		BSON_APPEND_UTF8(&arr, key, t->proof_paths[i]);
	}
	bson_append_array_end(b, &arr);
}

/* What the timeline shows of a change: {type, at, by {id, role}, data {from, to, reason,
 * note[, slot]}}, appended to `b` (an event, or an element of a document's timeline). */
static void append_data(bson_t *data, const struct change *c)
{
	append_str_or_null(data, "from", c->from);
	append_str_or_null(data, "to", c->to);
	append_str_or_null(data, "reason", c->reason);
	append_str_or_null(data, "note", c->note);
	if (c->slot)
		append_slot(data, "slot", c->slot);
	if (c->proof && c->proof->has_weight)
		append_proof(data, c->proof);
	if (c->crew_id)
		BSON_APPEND_UTF8(data, "crew_id", c->crew_id);
}

static void append_view(bson_t *b, const struct change *c)
{
	bson_t by, data;
	BSON_APPEND_UTF8(b, "type", c->type);
	BSON_APPEND_DATE_TIME(b, "at", c->at);
	BSON_APPEND_DOCUMENT_BEGIN(b, "by", &by);
	BSON_APPEND_UTF8(&by, "id", c->by_id ? c->by_id : "");
	BSON_APPEND_UTF8(&by, "role", c->by_role ? c->by_role : "");
	bson_append_document_end(b, &by);
	BSON_APPEND_DOCUMENT_BEGIN(b, "data", &data);
	append_data(&data, c);
	bson_append_document_end(b, &data);
}

/* Claims `version` of request `id` by inserting its event (changelog_claim). */
static enum db_claim_result claim_version(const bson_oid_t *id, int64_t version,
					  const struct change *c, bson_t **ev_out,
					  bson_error_t *err)
{
	bson_t data = BSON_INITIALIZER;
	append_data(&data, c);
	struct changelog_change cc = {.type = c->type,
				      .at = c->at,
				      .by_id = c->by_id,
				      .by_role = c->by_role,
				      .data = &data,
				      .set = c->set,
				      .effects = c->effects};
	enum db_claim_result r = changelog_claim(&request_log, id, version, &cc, ev_out, err);
	bson_destroy(&data);
	return r;
}

/* ------------------------------------------------------------------ owed effects */

/* The effects a change owes (the `effects` of its event, changelog.h): give back the seat
 * the request left, credit the reward, tell the resident. Each is applied by apply_effect
 * and is idempotent: a release names the version whose seat it gives back (slots.h), a
 * credit is unique per request (rewards.h), a notification's documents are keyed by the
 * effect (notify_event_keyed). */
struct effects {
	bson_t arr;
	uint32_t n;
};

static void effect_begin(struct effects *e, bson_t *doc, const char *kind)
{
	char k[16];
	const char *key;
	bson_uint32_to_string(e->n++, &key, k, sizeof(k));
	BSON_APPEND_DOCUMENT_BEGIN(&e->arr, key, doc);
	BSON_APPEND_UTF8(doc, "kind", kind);
}

/* The seat the request held in `slot` at `version` goes back. */
static void owe_release(struct effects *e, const struct req_slot *slot, int64_t version)
{
	bson_t d;
	effect_begin(e, &d, "release_seat");
	append_slot(&d, "slot", slot);
	BSON_APPEND_INT64(&d, "version", version);
	bson_append_document_end(&e->arr, &d);
}

static void owe_reward(struct effects *e, const bson_oid_t *user, const char *category)
{
	bson_t d;
	effect_begin(e, &d, "reward");
	BSON_APPEND_OID(&d, "user", user);
	BSON_APPEND_UTF8(&d, "category", category);
	bson_append_document_end(&e->arr, &d);
}

static void owe_notify(struct effects *e, const bson_oid_t *user, const char *event,
		       const char *category, const struct req_slot *slot, const char *reason,
		       int points)
{
	if (!event)
		return;
	bson_t d;
	effect_begin(e, &d, "notify");
	BSON_APPEND_OID(&d, "user", user);
	BSON_APPEND_UTF8(&d, "event", event);
	if (category)
		BSON_APPEND_UTF8(&d, "category", category);
	if (slot)
		append_slot(&d, "slot", slot);
	if (reason)
		BSON_APPEND_UTF8(&d, "reason", reason);
	if (points > 0)
		BSON_APPEND_INT32(&d, "points", points);
	bson_append_document_end(&e->arr, &d);
}

/* A dispute: the credit of the request (if any) goes back (rewards_reverse). */
static void owe_reversal(struct effects *e, const bson_oid_t *user, const char *reason)
{
	bson_t d;
	effect_begin(e, &d, "reverse_reward");
	BSON_APPEND_OID(&d, "user", user);
	append_str_or_null(&d, "reason", reason);
	bson_append_document_end(&e->arr, &d);
}

/* A dispute: every staff member hears of it (apply_notify_staff). */
static void owe_notify_staff(struct effects *e, const char *category, const char *reason)
{
	bson_t d;
	effect_begin(e, &d, "notify_staff");
	BSON_APPEND_UTF8(&d, "event", "disputed");
	BSON_APPEND_UTF8(&d, "category", category);
	append_str_or_null(&d, "reason", reason);
	bson_append_document_end(&e->arr, &d);
}

/* One keyed notification per staff member (the first STAFF_NOTIFY_MAX of them, newest
 * accounts first): the key of each is the effect's plus the member's id, so a repeat
 * stores nothing twice. */
#define STAFF_NOTIFY_MAX 100
static bool apply_notify_staff(const bson_oid_t *id, int64_t version, uint32_t index,
			       const bson_t *e, int64_t at, bson_error_t *err)
{
	struct user *staff = NULL;
	size_t n = 0;
	int64_t total = 0;
	if (users_search(NULL, "staff", 0, STAFF_NOTIFY_MAX, &staff, &n, &total, err) != USERS_OK)
		return false;
	json_object *data = json_object_new_object();
	char hex[25], key[CHANGELOG_KEY_LEN], ukey[CHANGELOG_KEY_LEN + 32];
	bson_oid_to_string(id, hex);
	json_object_object_add(data, "request_id", json_object_new_string(hex));
	const char *category = doc_str(e, "category"), *reason = doc_str(e, "reason");
	if (category)
		json_object_object_add(data, "category", json_object_new_string(category));
	if (reason)
		json_object_object_add(data, "reason", json_object_new_string(reason));
	changelog_effect_key(id, version, index, key);
	bool ok = true;
	for (size_t i = 0; ok && i < n; i++) {
		bson_oid_t uid;
		if (!db_parse_oid(staff[i].id, &uid))
			continue;
		snprintf(ukey, sizeof(ukey), "%s/%s", key, staff[i].id);
		ok = notify_event_keyed(&uid, "disputed", data, ukey, at, err);
	}
	json_object_put(data);
	users_free_list(staff, n);
	return ok;
}

static bool apply_notify(const bson_oid_t *id, int64_t version, uint32_t index, const bson_t *e,
			 int64_t at, bson_error_t *err)
{
	bson_oid_t user;
	const char *event = doc_str(e, "event");
	if (!event || !doc_oid(e, "user", &user))
		return true; /* malformed: nothing anyone could deliver */
	json_object *data = json_object_new_object();
	char hex[25], ts[TIME_RFC3339_LEN], key[CHANGELOG_KEY_LEN];
	bson_oid_to_string(id, hex);
	json_object_object_add(data, "request_id", json_object_new_string(hex));
	const char *category = doc_str(e, "category"), *reason = doc_str(e, "reason");
	if (category)
		json_object_object_add(data, "category", json_object_new_string(category));
	struct req_slot slot;
	if (slot_field(e, "slot", &slot)) {
		time_format_rfc3339(slot.start, ts);
		json_object_object_add(data, "slot_start", json_object_new_string(ts));
		time_format_rfc3339(slot.end, ts);
		json_object_object_add(data, "slot_end", json_object_new_string(ts));
	}
	if (reason)
		json_object_object_add(data, "reason", json_object_new_string(reason));
	bson_iter_t it;
	if (bson_iter_init_find(&it, e, "points") && BSON_ITER_HOLDS_NUMBER(&it))
		json_object_object_add(data, "points",
				       json_object_new_int((int)bson_iter_as_int64(&it)));
	changelog_effect_key(id, version, index, key);
	bool ok = notify_event_keyed(&user, event, data, key, at, err);
	json_object_put(data);
	return ok;
}

static bool apply_effect(const bson_oid_t *id, int64_t version, uint32_t index,
			 const bson_t *effect, int64_t at, bson_error_t *err)
{
	const char *kind = doc_str(effect, "kind");
	bson_oid_t user;
	struct req_slot slot;
	bson_iter_t it;
	if (kind && strcmp(kind, "release_seat") == 0 && slot_field(effect, "slot", &slot) &&
	    bson_iter_init_find(&it, effect, "version") && BSON_ITER_HOLDS_NUMBER(&it)) {
		if (!slots_release(id, slot.start, bson_iter_as_int64(&it), err))
			return false;
		/* The freed seat goes to the slot's waitlist first (an offer holds it); a
		 * failure there is the waitlist job's to catch, the release is done. */
		waitlist_fill_slot(slot.start, slot.end);
		return true;
	}
	if (kind && strcmp(kind, "reward") == 0 && doc_oid(effect, "user", &user))
		return rewards_credit(id, &user, doc_str(effect, "category"), NULL, err) !=
		       REWARD_DB_ERROR;
	if (kind && strcmp(kind, "notify") == 0)
		return apply_notify(id, version, index, effect, at, err);
	if (kind && strcmp(kind, "reverse_reward") == 0 && doc_oid(effect, "user", &user))
		return rewards_reverse(id, &user, doc_str(effect, "reason"), NULL, err) !=
		       REWARD_DB_ERROR;
	if (kind && strcmp(kind, "notify_staff") == 0)
		return apply_notify_staff(id, version, index, effect, at, err);
	char hex[25];
	bson_oid_to_string(id, hex);
	log_error("request %s version %lld: unknown effect '%s' skipped", hex, (long long)version,
		  kind ? kind : "");
	return true;
}

/* Applies the effects a won event owes (changelog_settle); a failure leaves them pending
 * for the next read of the request or the sweep. */
static void settle(bson_t *ev)
{
	bson_error_t err;
	if (ev && !changelog_settle(&request_log, ev, &err))
		log_warn("effects of a request change left pending: %s", err.message);
	bson_destroy(ev);
}

/* ------------------------------------------------------------------ create, load */

static enum req_result create(const bson_oid_t *owner, const char *owner_role,
			      const struct req_fields *f, bool draft, bson_oid_t *id_out,
			      size_t *photo_gone, bson_error_t *err)
{
	bool kept[MAX_PHOTOS];
	enum req_result kr = keep_photos(owner, f, kept, photo_gone, err);
	if (kr != REQ_OK)
		return kr;
	bson_oid_t id;
	bson_oid_init(&id, NULL);
	int64_t now = time_now_ms();
	char owner_hex[25];
	bson_oid_to_string(owner, owner_hex);
	const char *status = draft ? "draft" : "submitted";

	/* Version 1 first: a request document never exists without its first event. */
	bson_t set = BSON_INITIALIZER;
	BSON_APPEND_UTF8(&set, "status", status);
	BSON_APPEND_NULL(&set, "assigned_slot");
	BSON_APPEND_DATE_TIME(&set, "updated_at", now);
	struct effects fx = {.n = 0};
	bson_init(&fx.arr);
	if (!draft)
		owe_notify(&fx, owner, "submitted", f->category, NULL, NULL, 0);
	struct change c = {.type = "STATUS_CHANGE",
			   .at = now,
			   .by_id = owner_hex,
			   .by_role = owner_role,
			   .to = status,
			   .set = &set,
			   .effects = &fx.arr};
	bson_t *ev = NULL;
	int won = claim_version(&id, 1, &c, &ev, err);
	bson_destroy(&set);
	bson_destroy(&fx.arr);
	if (won <= 0) {
		/* a fresh ObjectId: a duplicate is an error too; without the document nobody
		 * knows the id, even if the event was written */
		give_back_photos(f, kept);
		return REQ_DB_ERROR;
	}
	bson_t tl, first;

	bson_t doc = BSON_INITIALIZER;
	BSON_APPEND_OID(&doc, "_id", &id);
	BSON_APPEND_OID(&doc, "user_id", owner);
	struct req_fields all = *f;
	all.has_category = all.has_is_special = all.has_description = all.has_quantity =
	    all.has_address = all.has_preferred_slots = all.has_photos = true;
	append_fields(&doc, &all);
	BSON_APPEND_NULL(&doc, "assigned_slot");
	BSON_APPEND_UTF8(&doc, "status", status);
	BSON_APPEND_INT32(&doc, "reward_points", 0);
	BSON_APPEND_DATE_TIME(&doc, "created_at", now);
	BSON_APPEND_DATE_TIME(&doc, "updated_at", now);
	BSON_APPEND_INT64(&doc, "version", 1);
	BSON_APPEND_ARRAY_BEGIN(&doc, "timeline", &tl);
	BSON_APPEND_DOCUMENT_BEGIN(&tl, "0", &first);
	append_view(&first, &c);
	BSON_APPEND_INT64(&first, "version", 1);
	bson_append_document_end(&tl, &first);
	bson_append_array_end(&doc, &tl);
	bool ok = mongoc_collection_insert_one(db_coll(COLL), &doc, NULL, NULL, err);
	if (ok)
		read_mark_bump_request(&doc);
	bson_destroy(&doc);
	if (!ok) {
		/* the orphan event names an id nobody knows (the sweep voids its effects);
		 * the photos stay kept, as the document may have been written without its
		 * answer reaching us */
		bson_destroy(ev);
		return REQ_DB_ERROR;
	}
	fault_point("document_inserted");
	if (id_out)
		bson_oid_copy(&id, id_out);
	attach_photos(owner, &all, &id);
	settle(ev);
	return REQ_OK;
}

enum req_result requests_create(const struct oid *owner, const char *owner_role,
				const struct req_fields *f, bool draft, struct oid *id_out,
				size_t *photo_gone, struct derr *err)
{
	bson_oid_t bowner, id;
	oid_to_store(owner, &bowner);
	bson_error_t e;
	enum req_result r = create(&bowner, owner_role, f, draft, &id, photo_gone, &e);
	if (r == REQ_DB_ERROR)
		derr_from_store(err, &e);
	if (r == REQ_OK && id_out)
		memcpy(id_out->bytes, id.bytes, sizeof(id_out->bytes));
	return r;
}

/* requests_load through changelog_load (the pending effects of the events it rolls forward
 * are applied first). With `timeline` false the result may lack the timeline of a document
 * written before documents carried theirs: for deciding a change, never answered. */
static bson_t *load_request(const bson_oid_t *id, const bson_oid_t *owner, bool timeline,
			    bson_error_t *err)
{
	return changelog_load(&request_log, id, owner, timeline, err);
}

bson_t *requests_load(const bson_oid_t *id, const bson_oid_t *owner, bson_error_t *err)
{
	return load_request(id, owner, true, err);
}

/* ------------------------------------------------------------------ status changes */

static bool same_slot(const struct req_slot *a, const struct req_slot *b)
{
	return a->start == b->start && a->end == b->end;
}

/* Gives back the seat the request held in `slot` in the state at `version` (a change that
 * won version + 1 moved it out): the claim of that state, never one made after it. */
static void release_seat(const bson_oid_t *id, const struct req_slot *slot, int64_t version,
			 const char *why)
{
	bson_error_t err;
	if (!slots_release(id, slot->start, version, &err)) {
		char hex[25];
		bson_oid_to_string(id, hex);
		log_warn("releasing the seat of request %s (%s) failed: %s", hex, why, err.message);
	}
}

/* Whether event `version` of request `id` assigns `slot`: 1 yes, 0 no (or no such event),
 * -1 error. The event is written once and never changed, so the answer is final. */
static int event_assigns(const bson_oid_t *id, int64_t version, const struct req_slot *slot,
			 bson_error_t *err)
{
	bson_t *ev = NULL;
	int r = changelog_event_get(&request_log, id, version, &ev, err);
	if (r <= 0)
		return r;
	bson_iter_t it;
	struct req_slot held;
	bool yes = false;
	if (bson_iter_init_find(&it, ev, "set") && BSON_ITER_HOLDS_DOCUMENT(&it)) {
		uint32_t len;
		const uint8_t *data;
		bson_t set;
		bson_iter_document(&it, &len, &data);
		yes = bson_init_static(&set, data, len) && doc_slot(&set, &held) &&
		      same_slot(&held, slot);
	}
	bson_destroy(ev);
	return yes ? 1 : 0;
}

/* A change that claimed `slot` for `version` did not win that version: its claim goes back.
 * The claim is this change's alone (slots_claim never lets another change adopt it), so
 * no later state of the request can depend on it, and the release names the version, so
 * it cannot take a claim made later by a change that saw the request outside the slot.
 * `lost` is false when the insert of the version failed without a duplicate key: then it
 * may still have been written, and the event decides (the only change that can write
 * version with this slot is this one, as it holds the claim); when that cannot be read
 * the seat is kept: a leaked seat is safer than a scheduled request without one. */
static void release_lost_claim(const bson_oid_t *id, const struct req_slot *slot, int64_t version,
			       bool lost)
{
	bson_error_t err;
	int won = lost ? 0 : event_assigns(id, version, slot, &err);
	if (won == 0) {
		release_seat(id, slot, version, "change lost its version");
		return;
	}
	if (won < 0) {
		char hex[25];
		bson_oid_to_string(id, hex);
		log_warn("request %s: keeping a seat claimed by a change that may have lost (%s)",
			 hex, err.message);
	}
}

static enum req_result map_claim(enum slot_claim_result r)
{
	switch (r) {
	case SLOT_CLAIMED: return REQ_OK;
	case SLOT_FULL: return REQ_SLOT_FULL;
	case SLOT_NOT_AVAILABLE: return REQ_SLOT_NOT_AVAILABLE;
	case SLOT_HELD: return REQ_CONFLICT; /* another change of the request is at it */
	case SLOT_DB_ERROR: break;
	}
	return REQ_DB_ERROR;
}

/* After winning a version: the stored document follows the log (requests_load rolls it
 * forward). A failure only leaves that to the next read. Returns the request (caller owns)
 * or NULL; with its timeline only when `timeline` (see load_request). */
static bson_t *sync_document(const bson_oid_t *id, bool timeline)
{
	bson_error_t err;
	bson_t *doc = load_request(id, NULL, timeline, &err);
	if (!doc && err.code) {
		char hex[25];
		bson_oid_to_string(id, hex);
		log_warn("request %s: writing the document after its change failed: %s", hex,
			 err.message);
	}
	return doc;
}

/* When the request entered collected (ms): its collected_at, or for a document written
 * before that field the last collected event of its timeline; 0 when it never did. */
static int64_t collected_time(const bson_t *doc)
{
	bson_iter_t it, tl, ev;
	if (bson_iter_init_find(&it, doc, "collected_at") && BSON_ITER_HOLDS_DATE_TIME(&it))
		return bson_iter_date_time(&it);
	int64_t at = 0;
	if (!bson_iter_init_find(&it, doc, "timeline") || !BSON_ITER_HOLDS_ARRAY(&it) ||
	    !bson_iter_recurse(&it, &tl))
		return 0;
	while (bson_iter_next(&tl)) {
		if (!BSON_ITER_HOLDS_DOCUMENT(&tl) || !bson_iter_recurse(&tl, &ev))
			continue;
		bson_iter_t to, when;
		if (bson_iter_find_descendant(&ev, "data.to", &to) && BSON_ITER_HOLDS_UTF8(&to) &&
		    strcmp(bson_iter_utf8(&to, NULL), "collected") == 0 &&
		    bson_iter_recurse(&tl, &when) && bson_iter_find(&when, "at") &&
		    BSON_ITER_HOLDS_DATE_TIME(&when))
			at = bson_iter_date_time(&when);
	}
	return at;
}

/* Keeps the proof photos of a collected step (as keep_photos does for a request's own,
 * owned by the acting staff member). */
static enum req_result keep_proofs(const struct req_transition *t, bool *kept, bson_error_t *err)
{
	bson_oid_t actor;
	if (t->n_proofs == 0)
		return REQ_OK;
	if (!t->actor_id || !db_parse_oid(t->actor_id, &actor))
		return REQ_PHOTO_GONE;
	size_t gone;
	return keep_uploads(&actor, t->proof_paths, t->n_proofs, kept, &gone, err);
}

static void attach_proofs(const struct req_transition *t, const bson_oid_t *id)
{
	bson_oid_t actor;
	if (t->n_proofs && db_parse_oid(t->actor_id, &actor))
		attach_uploads(&actor, t->proof_paths, t->n_proofs, id, "proof photos");
}

/* What requests_transition knows about the request and the step it takes, read once and
 * then shared by its phases (read, check, slot, record, finish), which are separate
 * functions only so that each stays short enough to review on its own. */
struct step {
	enum req_status from;
	int64_t version;
	bson_oid_t user_id;
	char category[64];
	struct req_slot old_slot, new_slot;
	bool has_old, resident, reschedule, dispute;
	bool set_slot, claimed, clear_slot, proof;
	int64_t now, collected_at;
	bool proofs_kept[MAX_PHOTOS];
};

/* Reads what the step depends on from the request as it stands (the owner's only when
 * t->owner is set); the document itself is not kept. */
static enum req_result step_read(const bson_oid_t *id, const struct req_transition *t,
				 struct step *s, bson_error_t *err)
{
	bson_oid_t owner;
	if (t->owner)
		oid_to_store(t->owner, &owner);
	bson_t *doc = load_request(id, t->owner ? &owner : NULL, false, err);
	if (!doc)
		return err->code ? REQ_DB_ERROR : REQ_NOT_FOUND;
	s->from = doc_status(doc);
	s->version = requests_version(doc);
	doc_oid(doc, "user_id", &s->user_id);
	snprintf(s->category, sizeof(s->category), "%s",
		 doc_str(doc, "category") ? doc_str(doc, "category") : "");
	s->has_old = doc_slot(doc, &s->old_slot);
	s->resident = t->actor == REQ_ACTOR_RESIDENT;
	s->reschedule = s->from == RS_SCHEDULED && t->to == RS_SCHEDULED;
	s->dispute = s->resident && t->to == RS_FAILED;
	s->now = time_now_ms();
	s->collected_at = s->dispute ? collected_time(doc) : 0;
	bson_destroy(doc);
	return REQ_OK;
}

/* The rules a step must pass before anything is claimed: the version the caller saw, the
 * allowed edges, the dispute window, the weight of a collection and the resident's notice
 * period for a cancel or a reschedule. */
static enum req_result step_check(const struct req_transition *t, const struct step *s)
{
	if (t->expect_version > 0 && s->version != t->expect_version)
		return REQ_CONFLICT;
	if (!requests_edge_allowed(s->from, t->to, t->actor))
		return REQ_INVALID;
	if (s->dispute &&
	    (s->collected_at <= 0 || s->now - s->collected_at > REQ_DISPUTE_WINDOW_MS))
		return REQ_TOO_LATE;
	if (t->to == RS_COLLECTED && !t->has_weight)
		return REQ_WEIGHT_REQUIRED;
	int64_t min_ms = (int64_t)config_get()->cancel_min_hours * 3600 * 1000;
	if (s->resident && (t->to == RS_CANCELLED || s->reschedule) && s->has_old &&
	    s->old_slot.start - s->now < min_ms)
		return REQ_TOO_LATE;
	return REQ_OK;
}

/* The slot of a scheduling step: a new one (its seat claimed first), or the one held.
 * Sets *unchanged when a reschedule names the slot the request is in already. */
static enum req_result step_slot(const bson_oid_t *id, const struct req_transition *t,
				 struct step *s, bool *unchanged, bson_error_t *err)
{
	*unchanged = false;
	if (t->to != RS_SCHEDULED)
		return REQ_OK;
	if (t->has_slot) {
		s->new_slot = t->slot;
		s->set_slot = true;
	} else if (s->has_old && s->from != RS_FAILED) {
		s->new_slot = s->old_slot;
	} else {
		return REQ_SLOT_REQUIRED;
	}
	bool moves = !(s->has_old && same_slot(&s->new_slot, &s->old_slot));
	if (s->reschedule && !moves) {
		*unchanged = true; /* already there: nothing to change */
		return REQ_OK;
	}
	if (s->set_slot && moves && t->seat_held) {
		/* a waitlist offer's hold: the seat is the request's already, and it
		 * is not this change's to give back when it loses (the offer's is) */
	} else if (s->set_slot && moves) {
		/* A change that has lost already claims no seat: the read above
		 * probed version+1 by its _id (load_request reads up to the first
		 * missing version), nothing has touched the database since, and a
		 * version+1 found then would have been rolled into `version`. A
		 * hint only: the insert of the version decides. */
		enum slot_claim_result cr =
		    slots_claim(id, s->category, s->new_slot.start, s->new_slot.end, s->resident,
				s->version + 1, err);
		if (cr != SLOT_CLAIMED)
			return map_claim(cr);
		s->claimed = true;
		fault_point("seat_claimed");
	}
	return REQ_OK;
}

/* What the change owes once it has won: the old seat (moved to another slot, or no
 * longer needed), the reward, the resident's notification (or, for a dispute, the
 * reward's reversal and the staff's). */
static void step_owe(const struct req_transition *t, const struct step *s, struct effects *fx)
{
	if (s->has_old &&
	    ((s->set_slot && !same_slot(&s->new_slot, &s->old_slot)) || s->clear_slot))
		owe_release(fx, &s->old_slot, s->version);
	int points = 0;
	if (t->to == RS_COMPLETED) {
		owe_reward(fx, &s->user_id, s->category);
		points = rewards_points(s->category);
	}
	if (s->dispute) {
		owe_reversal(fx, &s->user_id, t->reason);
		owe_notify_staff(fx, s->category, t->reason);
	} else {
		owe_notify(
		    fx, &s->user_id, s->reschedule ? "rescheduled" : requests_notify_event(t->to),
		    s->category, t->to == RS_SCHEDULED ? &s->new_slot : NULL, t->reason, points);
	}
}

/* The claim of the change: version+1 is inserted once, whatever the server does with
 * concurrent updates. Losing it means another change of this request came first.
 * Returns claim_version's result; *ev is the won event (caller owns). */
static int step_record(const bson_oid_t *id, const struct req_transition *t, const struct step *s,
		       bson_t **ev, bson_error_t *err)
{
	char by_id[25];
	snprintf(by_id, sizeof(by_id), "%s", t->actor_id ? t->actor_id : "");
	const char *from_name = requests_status_name(s->from);
	const char *to_name = requests_status_name(t->to);
	bson_t set = BSON_INITIALIZER;
	BSON_APPEND_UTF8(&set, "status", to_name);
	BSON_APPEND_DATE_TIME(&set, "updated_at", s->now);
	if (s->set_slot)
		append_slot(&set, "assigned_slot", &s->new_slot);
	else if (s->clear_slot)
		BSON_APPEND_NULL(&set, "assigned_slot");
	if (s->proof) {
		append_proof(&set, t);
		BSON_APPEND_DATE_TIME(&set, "collected_at", s->now);
	}
	struct effects fx = {.n = 0};
	bson_init(&fx.arr);
	step_owe(t, s, &fx);
	struct change c = {.type = "STATUS_CHANGE",
			   .at = s->now,
			   .by_id = by_id,
			   .by_role = t->role_label ? t->role_label : requests_actor_role(t->actor),
			   .from = from_name,
			   .to = to_name,
			   .reason = t->reason,
			   .note = s->reschedule ? (t->note ? t->note : "Rescheduled") : t->note,
			   .slot = t->to == RS_SCHEDULED ? &s->new_slot : NULL,
			   .proof = s->proof ? t : NULL,
			   .set = &set,
			   .effects = &fx.arr};
	int won = claim_version(id, s->version + 1, &c, ev, err);
	bson_destroy(&set);
	bson_destroy(&fx.arr);
	return won;
}

/* The request as it stands after a step, into *doc_out when the caller wants it. */
static enum req_result step_reload(const bson_oid_t *id, bson_t **doc_out, bson_error_t *err)
{
	if (doc_out) {
		*doc_out = requests_load(id, NULL, err);
		if (!*doc_out && err->code)
			return REQ_DB_ERROR;
		if (!*doc_out)
			return REQ_NOT_FOUND;
	}
	return REQ_OK;
}

/* Won: from here on this call acts on the change, its effects first (a crash leaves
 * them to the next read or the sweep), then the document. Takes `ev`. */
static enum req_result step_finish(const bson_oid_t *id, const struct req_transition *t,
				   const struct step *s, bson_t *ev, bson_t **doc_out,
				   bson_error_t *err)
{
	settle(ev);
	if (s->proof)
		attach_proofs(t, id);
	bson_t *after = sync_document(id, doc_out != NULL && t->to != RS_COMPLETED);
	if (doc_out && after && t->to != RS_COMPLETED) {
		*doc_out = after; /* reward_points may change only on completion */
		return REQ_OK;
	}
	bson_destroy(after);
	return step_reload(id, doc_out, err);
}

enum req_result requests_transition(const bson_oid_t *id, const struct req_transition *t,
				    enum req_status *from_out, bson_t **doc_out, bson_error_t *err)
{
	if (doc_out)
		*doc_out = NULL;
	struct step s = {.version = 0};
	enum req_result r = step_read(id, t, &s, err);
	if (r != REQ_OK)
		return r;
	if (from_out)
		*from_out = s.from;
	r = step_check(t, &s);
	if (r != REQ_OK)
		return r;
	bool unchanged;
	r = step_slot(id, t, &s, &unchanged, err);
	if (r != REQ_OK)
		return r;
	if (unchanged)
		return step_reload(id, doc_out, err);
	s.clear_slot = t->to == RS_CANCELLED || t->to == RS_FAILED;
	s.proof = t->to == RS_COLLECTED;
	if (s.proof) {
		r = keep_proofs(t, s.proofs_kept, err);
		if (r != REQ_OK) {
			if (s.claimed)
				release_lost_claim(id, &s.new_slot, s.version + 1, true);
			return r;
		}
	}
	bson_t *ev = NULL;
	int won = step_record(id, t, &s, &ev, err);
	if (won <= 0) {
		if (s.claimed)
			release_lost_claim(id, &s.new_slot, s.version + 1, won == 0);
		if (won == 0 && s.proof)
			uploads_unkeep(t->proof_paths, t->n_proofs, s.proofs_kept);
		return won == 0 ? REQ_CONFLICT : REQ_DB_ERROR;
	}
	return step_finish(id, t, &s, ev, doc_out, err);
}

static enum req_result update_draft(const bson_oid_t *id, const bson_oid_t *owner,
				    const struct req_fields *f, size_t *photo_gone,
				    bson_error_t *err)
{
	bson_t *doc = load_request(id, owner, false, err);
	if (!doc)
		return err->code ? REQ_DB_ERROR : REQ_NOT_FOUND;
	enum req_status st = doc_status(doc);
	int64_t version = requests_version(doc);
	bson_destroy(doc);
	if (st != RS_DRAFT)
		return REQ_INVALID;
	bool kept[MAX_PHOTOS];
	enum req_result kr = keep_photos(owner, f, kept, photo_gone, err);
	if (kr != REQ_OK)
		return kr;
	int64_t now = time_now_ms();
	char owner_hex[25];
	bson_oid_to_string(owner, owner_hex);
	bson_t set = BSON_INITIALIZER;
	append_fields(&set, f);
	BSON_APPEND_DATE_TIME(&set, "updated_at", now);
	struct change c = {
	    .type = "EDIT", .at = now, .by_id = owner_hex, .by_role = "citizen", .set = &set};
	int won = claim_version(id, version + 1, &c, NULL, err);
	bson_destroy(&set);
	if (won < 0)
		return REQ_DB_ERROR; /* the edit may have been written: its photos stay kept */
	if (won == 0) {
		give_back_photos(f, kept);
		return REQ_CONFLICT; /* submitted, cancelled or edited meanwhile */
	}
	bson_destroy(sync_document(id, false));
	attach_photos(owner, f, id);
	return REQ_OK;
}

enum req_result requests_update_draft(const struct oid *id, const struct oid *owner,
				      const struct req_fields *f, size_t *photo_gone,
				      struct derr *err)
{
	bson_oid_t bid, bowner;
	oid_to_store(id, &bid);
	oid_to_store(owner, &bowner);
	bson_error_t e;
	enum req_result r = update_draft(&bid, &bowner, f, photo_gone, &e);
	if (r == REQ_DB_ERROR)
		derr_from_store(err, &e);
	return r;
}

static enum req_result add_note(const bson_oid_t *id, const char *actor_id, const char *role,
				const char *note, bson_error_t *err)
{
	bson_t *doc = load_request(id, NULL, false, err);
	if (!doc)
		return err->code ? REQ_DB_ERROR : REQ_NOT_FOUND;
	int64_t version = requests_version(doc);
	bson_destroy(doc);
	/* A note is valid at any version, so a lost version is not a conflict: the next one
	 * is tried (it exists only after the one just lost). */
	int won = 0;
	for (int i = 1; i <= NOTE_TRIES && won == 0; i++) {
		int64_t now = time_now_ms();
		bson_t set = BSON_INITIALIZER;
		BSON_APPEND_DATE_TIME(&set, "updated_at", now);
		struct change c = {.type = "NOTE",
				   .at = now,
				   .by_id = actor_id,
				   .by_role = role,
				   .note = note,
				   .set = &set};
		won = claim_version(id, version + i, &c, NULL, err);
		bson_destroy(&set);
	}
	if (won < 0)
		return REQ_DB_ERROR;
	if (won == 0)
		return REQ_CONFLICT;
	bson_destroy(sync_document(id, false));
	return REQ_OK;
}

enum req_result requests_add_note(const struct oid *id, const char *actor_id, const char *role,
				  const char *note, struct derr *err)
{
	bson_oid_t bid;
	oid_to_store(id, &bid);
	bson_error_t e;
	enum req_result r = add_note(&bid, actor_id, role, note, &e);
	if (r == REQ_DB_ERROR)
		derr_from_store(err, &e);
	return r;
}

/* ------------------------------------------------------------------ crews */

/* Whether a request in `s` can be given to a crew: it has a slot and is not finished. */
static bool assignable(enum req_status s)
{
	return s == RS_SCHEDULED || s == RS_ENROUTE || s == RS_ONSITE || s == RS_COLLECTING;
}

enum req_result requests_assign(const bson_oid_t *id, const struct req_assign *a,
				enum req_status *from_out, bson_t **doc_out, bson_error_t *err)
{
	if (doc_out)
		*doc_out = NULL;
	bson_t *doc = load_request(id, NULL, false, err);
	if (!doc)
		return err->code ? REQ_DB_ERROR : REQ_NOT_FOUND;
	enum req_status from = doc_status(doc);
	int64_t version = requests_version(doc);
	bson_oid_t cur;
	bool has_cur = doc_oid(doc, "crew_id", &cur);
	bson_destroy(doc);
	if (from_out)
		*from_out = from;
	if (a->expect_version > 0 && version != a->expect_version)
		return REQ_CONFLICT;
	if (!assignable(from))
		return REQ_INVALID;
	bool same = a->crew ? has_cur && bson_oid_equal(&cur, a->crew) : !has_cur;
	if (!same) {
		/* One version per change, like a transition: of concurrent assigns read at
		 * the same version one wins and the others are told (409), so the crew the
		 * request ends with is the last one the log records. */
		int64_t now = time_now_ms();
		char crew_hex[25], note[160];
		if (a->crew)
			bson_oid_to_string(a->crew, crew_hex);
		snprintf(note, sizeof(note), a->crew ? "Assigned to crew %s" : "Crew unassigned",
			 a->crew_name ? a->crew_name : "");
		bson_t set = BSON_INITIALIZER;
		if (a->crew)
			BSON_APPEND_OID(&set, "crew_id", a->crew);
		else
			BSON_APPEND_NULL(&set, "crew_id");
		BSON_APPEND_DATE_TIME(&set, "updated_at", now);
		struct change c = {.type = "ASSIGN",
				   .at = now,
				   .by_id = a->actor_id,
				   .by_role = a->actor_role,
				   .note = note,
				   .crew_id = a->crew ? crew_hex : NULL,
				   .set = &set};
		int won = claim_version(id, version + 1, &c, NULL, err);
		bson_destroy(&set);
		if (won <= 0)
			return won == 0 ? REQ_CONFLICT : REQ_DB_ERROR;
		bson_t *after = sync_document(id, doc_out != NULL);
		if (doc_out && after) {
			*doc_out = after;
			return REQ_OK;
		}
		bson_destroy(after);
	}
	if (doc_out) {
		*doc_out = requests_load(id, NULL, err);
		if (!*doc_out)
			return err->code ? REQ_DB_ERROR : REQ_NOT_FOUND;
	}
	return REQ_OK;
}

/* ------------------------------------------------------------------ lists */

void requests_query_filter(bson_t *f, const struct req_query *q)
{
	bson_oid_t oid;
	if (q->owner) {
		oid_to_store(q->owner, &oid);
		BSON_APPEND_OID(f, "user_id", &oid);
	}
	if (q->status)
		BSON_APPEND_UTF8(f, "status", q->status);
	if (q->category)
		BSON_APPEND_UTF8(f, "category", q->category);
	if (q->pincode)
		BSON_APPEND_UTF8(f, "address.pincode", q->pincode);
	if (q->has_crew) {
		oid_to_store(&q->crew, &oid);
		BSON_APPEND_OID(f, "crew_id", &oid);
	}
	if (q->has_day) {
		bson_t r;
		BSON_APPEND_DOCUMENT_BEGIN(f, "assigned_slot.start", &r);
		BSON_APPEND_DATE_TIME(&r, "$gte", q->day_start);
		BSON_APPEND_DATE_TIME(&r, "$lt", q->day_end);
		bson_append_document_end(f, &r);
	}
	if (q->q && *q->q) {
		static const char *const fields[] = {"description", "address.line1",
						     "address.line2", "address.city",
						     "address.pincode"};
		char *re = db_regex_escape(q->q);
		bson_t arr, alt, rx;
		char k[16];
		const char *key;
		BSON_APPEND_ARRAY_BEGIN(f, "$or", &arr);
		for (uint32_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
			bson_uint32_to_string(i, &key, k, sizeof(k));
			BSON_APPEND_DOCUMENT_BEGIN(&arr, key, &alt);
			BSON_APPEND_DOCUMENT_BEGIN(&alt, fields[i], &rx);
			BSON_APPEND_UTF8(&rx, "$regex", re);
			BSON_APPEND_UTF8(&rx, "$options", "i");
			bson_append_document_end(&alt, &rx);
			bson_append_document_end(&arr, &alt);
		}
		bson_append_array_end(f, &arr);
		free(re);
	}
}

/* The documents of one page (one more than q->limit asked for) of `filter` in list
 * order into *docs (owned copies) and their ids. false on a database error. */
static bool find_page(const struct req_query *q, const bson_t *filter, bson_t ***docs,
		      bson_oid_t **ids, size_t *count, bson_error_t *err)
{
	/* One more than the page: when it does not come back, the page is the last one and
	 * the total is known without a count, which on FerretDB costs as much as the find
	 * (most residents have fewer requests than a page: one store command, not two). */
	bson_t *opts =
	    BCON_NEW("sort", "{", "created_at", BCON_INT32(-1), "_id", BCON_INT32(-1), "}", "skip",
		     BCON_INT64(q->skip), "limit", BCON_INT64(q->limit + 1));
	mongoc_cursor_t *c = mongoc_collection_find_with_opts(db_coll(COLL), filter, opts, NULL);
	size_t cap = 0;
	const bson_t *doc;
	while (mongoc_cursor_next(c, &doc)) {
		bson_oid_t id;
		if (!doc_oid(doc, "_id", &id))
			continue;
		if (*count == cap) {
			cap = cap ? 2 * cap : 32;
			*docs = realloc(*docs, cap * sizeof(**docs));
			*ids = realloc(*ids, cap * sizeof(**ids));
			if (!*docs || !*ids)
				abort();
		}
		(*docs)[*count] = bson_copy(doc);
		bson_oid_copy(&id, &(*ids)[*count]);
		(*count)++;
	}
	bool failed = mongoc_cursor_error(c, err);
	mongoc_cursor_destroy(c);
	bson_destroy(opts);
	return !failed;
}

/* The page `docs` (taken) as requests: each carries its timeline; only documents written
 * before they did (a version, no timeline) need their change logs, in one query. Unlike a
 * detail, a list does not probe for changes past a document's version (the crash windows
 * of requests.h): it shows the stored state, as its filters do. */
static bool page_items(bson_t **docs, const bson_oid_t *ids, size_t count,
		       struct pickup_request *items, bson_error_t *err)
{
	struct changelog_events *evs = count ? calloc(count, sizeof(*evs)) : NULL;
	bson_oid_t *old = count ? calloc(count, sizeof(*old)) : NULL;
	if (count && (!evs || !old))
		abort();
	size_t nold = 0;
	for (size_t i = 0; i < count; i++)
		if (requests_version(docs[i]) > 0 && !changelog_has_timeline(docs[i]))
			bson_oid_copy(&ids[i], &old[nold++]);
	struct changelog_events *oldevs = nold ? calloc(nold, sizeof(*oldevs)) : NULL;
	if (nold && !oldevs)
		abort();
	bool ok = changelog_fetch(&request_log, old, nold, oldevs, err);
	for (size_t i = 0, j = 0; i < count; i++) {
		bool whole = j < nold && bson_oid_equal(&ids[i], &old[j]);
		if (ok)
			requests_fill(changelog_roll_forward(&request_log, &ids[i], docs[i],
							     whole ? &oldevs[j] : &evs[i], whole),
				      true, REQ_FILL_EVENTS, &items[i]);
		if (whole)
			changelog_events_free(&oldevs[j++]);
		bson_destroy(docs[i]);
	}
	free(oldevs);
	free(evs);
	free(old);
	return ok;
}

bool requests_list(const struct req_query *q, struct req_page *out, struct derr *derr)
{
	memset(out, 0, sizeof(*out));
	bson_t filter = BSON_INITIALIZER;
	requests_query_filter(&filter, q);
	bson_t **docs = NULL;
	bson_oid_t *ids = NULL;
	size_t count = 0;
	bson_error_t err;
	bool ok = find_page(q, &filter, &docs, &ids, &count, &err);
	if (ok && (count > (size_t)q->limit || (count == 0 && q->skip > 0))) {
		/* a further page exists (or this one is past the end): count them all */
		out->total = mongoc_collection_count_documents(db_coll(COLL), &filter, NULL, NULL,
							       NULL, &err);
		ok = out->total >= 0;
	} else {
		out->total = q->skip + (int64_t)count;
	}
	bson_destroy(&filter);
	if (count > (size_t)q->limit)
		bson_destroy(docs[--count]);
	out->items = count ? calloc(count, sizeof(*out->items)) : NULL;
	if (count && !out->items)
		abort();
	if (!ok) {
		for (size_t i = 0; i < count; i++)
			bson_destroy(docs[i]);
	} else if (page_items(docs, ids, count, out->items, &err)) {
		out->n = count;
	} else {
		ok = false;
	}
	free(docs);
	free(ids);
	if (!ok) {
		derr_from_store(derr, &err);
		requests_list_free(out);
	}
	return ok;
}

void requests_list_free(struct req_page *p)
{
	for (size_t i = 0; i < p->n; i++)
		pickup_request_clear(&p->items[i]);
	free(p->items);
	p->items = NULL;
	p->n = 0;
}

/* ------------------------------------------------------------------ change deadline */

int64_t requests_change_deadline(const bson_t *doc)
{
	enum req_status st = doc_status(doc);
	struct req_slot slot;
	if (st > RS_SCHEDULED || !doc_slot(doc, &slot))
		return -1;
	return slot.start - (int64_t)config_get()->cancel_min_hours * 3600 * 1000;
}

/* ------------------------------------------------------------------ draft cleanup */

/* Deletes draft `id` if it is still a draft last updated before `cutoff`, as a change of
 * its own: a DELETE event claims the next version first, so a submit racing the cleanup
 * either wins (the draft stays) or gets its conflict. 1 deleted, 0 kept, -1 error. A crash
 * after the claim leaves the same old draft at the next version: the next run deletes it. */
static int delete_draft(const bson_oid_t *id, int64_t cutoff, bson_error_t *err)
{
	bson_t *doc = load_request(id, NULL, false, err);
	if (!doc)
		return err->code ? -1 : 0;
	bson_iter_t it;
	bool old = bson_iter_init_find(&it, doc, "updated_at") && BSON_ITER_HOLDS_DATE_TIME(&it) &&
		   bson_iter_date_time(&it) < cutoff;
	bool draft = doc_status(doc) == RS_DRAFT;
	int64_t version = requests_version(doc);
	bson_t owner = BSON_INITIALIZER; /* whose lists change */
	if (bson_iter_init_find(&it, doc, "user_id"))
		bson_append_iter(&owner, "user_id", -1, &it);
	bson_destroy(doc);
	if (!draft || !old) {
		bson_destroy(&owner);
		return 0;
	}
	struct change c = {
	    .type = "DELETE", .at = time_now_ms(), .by_id = "", .by_role = "system", .set = NULL};
	int won = claim_version(id, version + 1, &c, NULL, err);
	if (won <= 0) {
		bson_destroy(&owner);
		return won;
	}
	bson_t *sel = BCON_NEW("_id", BCON_OID(id));
	bool ok = mongoc_collection_delete_one(db_coll(COLL), sel, NULL, NULL, err);
	bson_destroy(sel);
	if (ok)
		read_mark_bump_request(&owner);
	bson_destroy(&owner);
	if (!ok)
		return -1;
	bson_error_t derr;
	/* The DELETE event stays as a tombstone: it holds version+1, so a submit that read the
	 * draft before the cleanup still meets the duplicate key and gets its conflict instead
	 * of writing an event for a request that no longer exists. */
	sel =
	    BCON_NEW("request_id", BCON_OID(id), "version", "{", "$lte", BCON_INT64(version), "}");
	if (!mongoc_collection_delete_many(db_coll(EVENTS), sel, NULL, NULL, &derr))
		log_warn("deleting the events of a deleted draft failed: %s", derr.message);
	bson_destroy(sel);
	return 1;
}

long requests_cleanup_drafts(int64_t now_ms, bool dry_run,
			     void (*each)(const struct pickup_request *r, const struct derr *fail,
					  void *ctx),
			     void *ctx, struct derr *derr_out)
{
	bson_error_t cerr, *err = &cerr;
	int64_t cutoff = now_ms - (int64_t)config_get()->draft_max_age_days * 86400 * 1000;
	bson_t *q = BCON_NEW("status", BCON_UTF8("draft"), "updated_at", "{", "$lt",
			     BCON_DATE_TIME(cutoff), "}");
	bson_t *opts = BCON_NEW("sort", "{", "updated_at", BCON_INT32(1), "}");
	mongoc_cursor_t *c = mongoc_collection_find_with_opts(db_coll(COLL), q, opts, NULL);
	const bson_t *doc;
	long done = 0;
	while (mongoc_cursor_next(c, &doc)) {
		bson_error_t derr;
		int r = 1;
		if (!dry_run) {
			bson_oid_t id;
			if (!doc_oid(doc, "_id", &id))
				continue;
			/* Re-read through the log: still a draft, still old, then claimed. */
			r = delete_draft(&id, cutoff, &derr);
			if (r == 0)
				continue; /* changed meanwhile: not a draft to delete any more */
		}
		if (r > 0)
			done++;
		if (each) {
			struct pickup_request pr;
			struct derr fail;
			if (r <= 0)
				derr_from_store(&fail, &derr);
			requests_fill(doc, false, 0, &pr);
			each(&pr, r > 0 ? NULL : &fail, ctx);
			pickup_request_clear(&pr);
		}
	}
	bool failed = mongoc_cursor_error(c, err);
	if (failed)
		derr_from_store(derr_out, err);
	mongoc_cursor_destroy(c);
	bson_destroy(q);
	bson_destroy(opts);
	return failed ? -1 : done;
}

/* ------------------------------------------------------------------ the sweep */

/* One seat claim read by the orphan sweep. */
struct seat_row {
	char id[96];
	bson_oid_t request;
	struct req_slot slot;
	int64_t version;
};

/* Claims of future slots made before `cutoff` (with a version: older claims predate the
 * log and are kept). *out malloc'd. */
static bool seats_before(int64_t now_ms, int64_t cutoff, struct seat_row **out, size_t *n,
			 bson_error_t *err)
{
	*out = NULL;
	*n = 0;
	bson_t *q = BCON_NEW("start", "{", "$gt", BCON_DATE_TIME(now_ms), "}", "created_at", "{",
			     "$lte", BCON_DATE_TIME(cutoff), "}");
	mongoc_cursor_t *c =
	    mongoc_collection_find_with_opts(db_coll("slot_claims"), q, NULL, NULL);
	const bson_t *d;
	size_t cap = 0;
	while (mongoc_cursor_next(c, &d)) {
		struct seat_row r;
		bson_iter_t it;
		if (!doc_str(d, "_id") || !doc_oid(d, "request_id", &r.request) ||
		    !bson_iter_init_find(&it, d, "version") || !BSON_ITER_HOLDS_NUMBER(&it))
			continue;
		r.version = bson_iter_as_int64(&it);
		snprintf(r.id, sizeof(r.id), "%s", doc_str(d, "_id"));
		r.slot.start = r.slot.end = 0;
		if (bson_iter_init_find(&it, d, "start") && BSON_ITER_HOLDS_DATE_TIME(&it))
			r.slot.start = bson_iter_date_time(&it);
		if (bson_iter_init_find(&it, d, "end") && BSON_ITER_HOLDS_DATE_TIME(&it))
			r.slot.end = bson_iter_date_time(&it);
		if (*n == cap) {
			cap = cap ? 2 * cap : 32;
			*out = realloc(*out, cap * sizeof(**out));
			if (!*out)
				abort();
		}
		(*out)[(*n)++] = r;
	}
	bool ok = !mongoc_cursor_error(c, err);
	mongoc_cursor_destroy(c);
	bson_destroy(q);
	return ok;
}

/* Whether seat `r` is an orphan, i.e. its change did not win its version: 1 orphan (to
 * release), 0 owned by the change that won, -1 error. A version with no event yet is
 * taken by a VOID event first (an empty change, not on the timeline): then the change
 * that claimed the seat can no longer win it, however late it comes, and loses with a
 * conflict. Without that, releasing would race a slow winner. */
static int seat_orphaned(const struct seat_row *r, bson_error_t *err)
{
	int assigns = event_assigns(&r->request, r->version, &r->slot, err);
	if (assigns != 0)
		return assigns < 0 ? -1 : 0;
	int there = changelog_event_get(&request_log, &r->request, r->version, NULL, err);
	if (there != 0)
		return there < 0 ? -1 : 1; /* another change won the version */
	struct change c = {
	    .type = "VOID", .at = time_now_ms(), .by_id = "", .by_role = "system", .set = NULL};
	switch (claim_version(&r->request, r->version, &c, NULL, err)) {
	case DB_CLAIM_WON: return 1;
	case DB_CLAIM_ERROR: return -1;
	case DB_CLAIM_LOST: break;
	}
	/* The change (or another) wrote the version meanwhile: the event decides. */
	assigns = event_assigns(&r->request, r->version, &r->slot, err);
	return assigns < 0 ? -1 : !assigns;
}

/* Marks (held[i] = true) the seats of `rows` their request's stored document says it
 * holds: in scheduled or a later status, assigned that slot, at the claim's version or
 * later. A request holds at most one claim per slot, so that claim is the held one and
 * needs no look at the log; one query for all rows instead of one per seat. A document
 * lagging behind its log only leaves its seat to the exact check (seat_orphaned). */
static bool seats_held(const struct seat_row *rows, size_t n, bool *held, bson_error_t *err)
{
	if (n == 0)
		return true;
	bson_t q = BSON_INITIALIZER, in, arr;
	char k[16];
	const char *key;
	BSON_APPEND_DOCUMENT_BEGIN(&q, "_id", &in);
	BSON_APPEND_ARRAY_BEGIN(&in, "$in", &arr);
	for (size_t i = 0; i < n; i++) {
		bson_uint32_to_string((uint32_t)i, &key, k, sizeof(k));
		BSON_APPEND_OID(&arr, key, &rows[i].request);
	}
	bson_append_array_end(&in, &arr);
	bson_append_document_end(&q, &in);
	bson_t *opts = BCON_NEW("projection", "{", "status", BCON_INT32(1), "assigned_slot",
				BCON_INT32(1), "version", BCON_INT32(1), "}");
	mongoc_cursor_t *c = mongoc_collection_find_with_opts(db_coll(COLL), &q, opts, NULL);
	const bson_t *d;
	while (mongoc_cursor_next(c, &d)) {
		bson_oid_t id;
		struct req_slot slot;
		enum req_status st = doc_status(d);
		if (!doc_oid(d, "_id", &id) || !doc_slot(d, &slot) || st < RS_SCHEDULED ||
		    st > RS_COMPLETED)
			continue;
		for (size_t i = 0; i < n; i++)
			if (bson_oid_equal(&rows[i].request, &id) &&
			    rows[i].slot.start == slot.start &&
			    requests_version(d) >= rows[i].version)
				held[i] = true;
	}
	bool ok = !mongoc_cursor_error(c, err);
	mongoc_cursor_destroy(c);
	bson_destroy(opts);
	bson_destroy(&q);
	return ok;
}

/* Releases the seats of future slots whose claiming change never won its version (a
 * process that died between the seat claim and the version claim, or before a loser gave
 * its seat back), claimed more than grace_ms ago. */
static bool sweep_orphan_seats(int64_t now_ms, int64_t grace_ms, struct req_sweep *rep,
			       bson_error_t *err)
{
	struct seat_row *rows;
	size_t n;
	if (!seats_before(now_ms, now_ms - grace_ms, &rows, &n, err))
		return false;
	bool *held = calloc(n ? n : 1, sizeof(bool));
	if (!held)
		abort();
	bool ok = seats_held(rows, n, held, err);
	for (size_t i = 0; ok && i < n; i++) {
		if (held[i])
			continue;
		bson_error_t e;
		int orphan = seat_orphaned(&rows[i], &e);
		if (orphan == 1) {
			/* Exactly this claim: its _id and the version it was made for. */
			bson_t *q = BCON_NEW("_id", BCON_UTF8(rows[i].id), "version",
					     BCON_INT64(rows[i].version));
			if (!mongoc_collection_delete_one(db_coll("slot_claims"), q, NULL, NULL,
							  &e))
				orphan = -1;
			else
				read_mark_bump_slots(); /* cached availability shows the seat */
			bson_destroy(q);
		}
		if (orphan < 0) {
			rep->failures++;
			log_warn("sweep: seat %s: %s", rows[i].id, e.message);
		} else {
			rep->orphan_seats += orphan;
		}
	}
	free(held);
	free(rows);
	return ok;
}

static void count_event(const bson_t *ev, const bson_error_t *fail, void *ctx)
{
	struct req_sweep *rep = ctx;
	if (fail) {
		rep->failures++;
		log_warn("sweep: effects of %s: %s", doc_str(ev, "_id") ? doc_str(ev, "_id") : "?",
			 fail->message);
	} else {
		rep->events++;
	}
}

bool requests_sweep(int64_t now_ms, int64_t grace_ms, struct req_sweep *rep, struct derr *derr)
{
	memset(rep, 0, sizeof(*rep));
	bson_error_t err;
	/* Effects first: a release the log owes is the log's, not an orphan's. */
	if (changelog_sweep(&request_log, now_ms, grace_ms, count_event, rep, &err) < 0 ||
	    !sweep_orphan_seats(now_ms, grace_ms, rep, &err)) {
		derr_from_store(derr, &err);
		return false;
	}
	return true;
}

/* ------------------------------------------------------------------ archive */

#define ARCHIVE "request_events_archive"

/* Moves the events of finished request `doc` to the archive: its log must be exactly
 * versions 1..v of the document's version v (nothing ahead of the document), or already
 * empty (an earlier run moved it and died before marking). Copies first (a duplicate is
 * an earlier copy), deletes only versions <= v (a note racing the job keeps its event),
 * then marks the document. 1 archived, 0 skipped (not caught up), -1 error. */
static int archive_one(const bson_t *doc, bool dry_run, bson_error_t *err)
{
	bson_oid_t id;
	if (!doc_oid(doc, "_id", &id) || !changelog_has_timeline(doc))
		return 0;
	int64_t v = requests_version(doc);
	struct changelog_events evs = {0};
	if (!changelog_fetch(&request_log, &id, 1, &evs, err))
		return -1;
	bool caught_up = evs.n == 0 || (int64_t)evs.n == v;
	for (size_t i = 0; caught_up && i < evs.n; i++)
		caught_up = changelog_version(evs.v[i]) == (int64_t)i + 1 &&
			    !changelog_effects_pending(evs.v[i]); /* the sweep's first */
	int r = caught_up ? 1 : 0;
	for (size_t i = 0; r > 0 && !dry_run && i < evs.n; i++)
		if (db_claim(ARCHIVE, evs.v[i], err) == DB_CLAIM_ERROR)
			r = -1; /* LOST: archived by an earlier, interrupted run */
	changelog_events_free(&evs);
	if (r <= 0 || dry_run)
		return r;
	bson_t *q =
	    BCON_NEW("request_id", BCON_OID(&id), "version", "{", "$lte", BCON_INT64(v), "}");
	bool ok = mongoc_collection_delete_many(db_coll(EVENTS), q, NULL, NULL, err);
	bson_destroy(q);
	if (!ok)
		return -1;
	q = BCON_NEW("_id", BCON_OID(&id), "version", BCON_INT64(v));
	bson_t *u = BCON_NEW("$set", "{", "events_archived", BCON_BOOL(true), "}");
	ok = mongoc_collection_update_one(db_coll(COLL), q, u, NULL, NULL, err);
	bson_destroy(q);
	bson_destroy(u);
	return ok ? 1 : -1;
}

long requests_archive_events(int64_t now_ms, int64_t keep_ms, long max, bool dry_run,
			     void (*each)(const bson_t *doc, const bson_error_t *fail, void *ctx),
			     void *ctx, bson_error_t *err)
{
	bson_t *q =
	    BCON_NEW("status", "{", "$in", "[", BCON_UTF8("completed"), BCON_UTF8("cancelled"), "]",
		     "}", "updated_at", "{", "$lt", BCON_DATE_TIME(now_ms - keep_ms), "}",
		     "events_archived", "{", "$exists", BCON_BOOL(false), "}");
	bson_t *opts = BCON_NEW("limit", BCON_INT64(max));
	mongoc_cursor_t *c = mongoc_collection_find_with_opts(db_coll(COLL), q, opts, NULL);
	const bson_t *doc;
	long done = 0;
	while (mongoc_cursor_next(c, &doc)) {
		bson_error_t aerr;
		int r = archive_one(doc, dry_run, &aerr);
		if (r == 0)
			continue;
		if (r > 0)
			done++;
		if (each)
			each(doc, r > 0 ? NULL : &aerr, ctx);
	}
	bool failed = mongoc_cursor_error(c, err);
	mongoc_cursor_destroy(c);
	bson_destroy(q);
	bson_destroy(opts);
	return failed ? -1 : done;
}

bool requests_effects_pending(int64_t *count, int64_t *oldest_ms, bson_error_t *err)
{
	return changelog_pending(&request_log, count, oldest_ms, err);
}
