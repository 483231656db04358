#include "domain/requests.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/notify.h"
#include "domain/rewards.h"
#include "domain/slots.h"
#include "domain/upload_links.h"
#include "domain/uploads.h"
#include "infra/config.h"
#include "infra/db.h"
#include "infra/jsonx.h"
#include "infra/log.h"
#include "infra/timeutil.h"

#define COLL "pickup_requests"

const char *const requests_status_names[] = {
    "draft",	 "submitted", "pending_review", "scheduled", "enroute",	  "onsite", "collecting",
    "collected", "handover",  "verification",	"completed", "cancelled", "failed", NULL};

const char *const requests_categories[] = {"organic", "recyclable", "hazardous", "e-waste",
					   "bulk",    "other",	    NULL};

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

/* The assigned slot, if the request holds one. */
static bool doc_slot(const bson_t *doc, struct req_slot *slot)
{
	bson_iter_t it, sub;
	if (!bson_iter_init_find(&it, doc, "assigned_slot") || !BSON_ITER_HOLDS_DOCUMENT(&it))
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

static void attach_photos(const bson_oid_t *owner, const struct req_fields *f, const bson_oid_t *id)
{
	if (!f->has_photos || f->n_photos == 0)
		return;
	bson_error_t err;
	if (!uploads_attach(owner, f->photo_paths, f->n_photos, id, &err))
		log_warn("attaching photos to request failed: %s", err.message);
}

static void send_notification(const bson_oid_t *user, const char *event, const bson_oid_t *id,
			      const char *category, const struct req_slot *slot, const char *reason,
			      int points)
{
	if (!event)
		return;
	json_object *data = json_object_new_object();
	char hex[25], ts[TIME_RFC3339_LEN];
	bson_oid_to_string(id, hex);
	json_object_object_add(data, "request_id", json_object_new_string(hex));
	if (category)
		json_object_object_add(data, "category", json_object_new_string(category));
	if (slot) {
		time_format_rfc3339(slot->start, ts);
		json_object_object_add(data, "slot_start", json_object_new_string(ts));
		time_format_rfc3339(slot->end, ts);
		json_object_object_add(data, "slot_end", json_object_new_string(ts));
	}
	if (reason)
		json_object_object_add(data, "reason", json_object_new_string(reason));
	if (points > 0)
		json_object_object_add(data, "points", json_object_new_int(points));
	bson_error_t err;
	if (!notify_event(user, event, data, &err))
		log_warn("notify %s for request %s failed: %s", event, hex, err.message);
	json_object_put(data);
}

/* ------------------------------------------------------------------ the change log */

/* Every change of a request is one document of `request_events`, claimed by its _id
 * "<request id hex>:<version>" (see requests.h). */
#define EVENTS "request_events"

/* The fields a change may set, i.e. the state of the request document that follows the
 * log (reward_points is the rewards module's, and the rest never changes). */
static const char *const state_keys[] = {"status",     "assigned_slot",	  "updated_at", "category",
					 "is_special", "description",	  "quantity",	"photos",
					 "address",    "preferred_slots", NULL};

/* How many versions a note tries before giving up (it is valid at any version). */
#define NOTE_TRIES 16

int64_t requests_version(const bson_t *doc)
{
	bson_iter_t it;
	if (doc && bson_iter_init_find(&it, doc, "version") && BSON_ITER_HOLDS_NUMBER(&it))
		return bson_iter_as_int64(&it);
	return 0;
}

/* One change, as request_events stores it. */
struct change {
	const char *type; /* STATUS_CHANGE, NOTE (on the timeline); EDIT, DELETE (not) */
	int64_t at;
	const char *by_id, *by_role;
	const char *from, *to, *reason, *note; /* data; NULL is null */
	const struct req_slot *slot;	       /* data.slot, or NULL */
	const bson_t *set;		       /* the document fields the change sets */
};

/* Claims `version` of request `id` by inserting its event: 1 inserted (this change won),
 * 0 taken (another change won that version; err holds the duplicate key), -1 error. */
static int claim_version(const bson_oid_t *id, int64_t version, const struct change *c,
			 bson_error_t *err)
{
	char hex[25], key[48];
	bson_oid_to_string(id, hex);
	snprintf(key, sizeof(key), "%s:%lld", hex, (long long)version);
	bson_t ev = BSON_INITIALIZER, by, data;
	BSON_APPEND_UTF8(&ev, "_id", key);
	BSON_APPEND_OID(&ev, "request_id", id);
	BSON_APPEND_INT64(&ev, "version", version);
	BSON_APPEND_UTF8(&ev, "type", c->type);
	BSON_APPEND_DATE_TIME(&ev, "at", c->at);
	BSON_APPEND_DOCUMENT_BEGIN(&ev, "by", &by);
	BSON_APPEND_UTF8(&by, "id", c->by_id ? c->by_id : "");
	BSON_APPEND_UTF8(&by, "role", c->by_role ? c->by_role : "");
	bson_append_document_end(&ev, &by);
	BSON_APPEND_DOCUMENT_BEGIN(&ev, "data", &data);
	append_str_or_null(&data, "from", c->from);
	append_str_or_null(&data, "to", c->to);
	append_str_or_null(&data, "reason", c->reason);
	append_str_or_null(&data, "note", c->note);
	if (c->slot)
		append_slot(&data, "slot", c->slot);
	bson_append_document_end(&ev, &data);
	if (c->set)
		BSON_APPEND_DOCUMENT(&ev, "set", c->set);
	else {
		bson_t empty = BSON_INITIALIZER;
		BSON_APPEND_DOCUMENT(&ev, "set", &empty);
		bson_destroy(&empty);
	}
	bool ok = mongoc_collection_insert_one(db_coll(EVENTS), &ev, NULL, NULL, err);
	bson_destroy(&ev);
	if (ok)
		return 1;
	return db_is_dup_key(err) ? 0 : -1;
}

/* Event `version` of request `id` by its _id "<request hex>:<version>", the one filter
 * FerretDB pushes down to SQL (every other filter scans all events of all requests in Go):
 * 1 found (*out, owned, when out is non-NULL), 0 none, -1 error. */
static int event_get(const bson_oid_t *id, int64_t version, bson_t **out, bson_error_t *err)
{
	char hex[25], key[48];
	bson_oid_to_string(id, hex);
	snprintf(key, sizeof(key), "%s:%lld", hex, (long long)version);
	bson_t *q = BCON_NEW("_id", BCON_UTF8(key));
	bson_t *opts = BCON_NEW("limit", BCON_INT64(1));
	mongoc_cursor_t *c = mongoc_collection_find_with_opts(db_coll(EVENTS), q, opts, NULL);
	const bson_t *doc;
	int r = 0;
	if (mongoc_cursor_next(c, &doc)) {
		r = 1;
		if (out)
			*out = bson_copy(doc);
	}
	if (mongoc_cursor_error(c, err)) {
		if (r == 1 && out) {
			bson_destroy(*out);
			*out = NULL;
		}
		r = -1;
	}
	mongoc_cursor_destroy(c);
	bson_destroy(q);
	bson_destroy(opts);
	return r;
}

/* The events of one request, in version order (owned copies). */
struct evlist {
	bson_t **v;
	size_t n, cap;
};

static void evlist_free(struct evlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		bson_destroy(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}

/* The events of the `n` requests `ids` into out[0..n-1] (zeroed by the caller), each in
 * version order. One query: by request_id, or $in for a page of a list. */
static bool fetch_events(const bson_oid_t *ids, size_t n, struct evlist *out, bson_error_t *err)
{
	if (n == 0)
		return true;
	bson_t q = BSON_INITIALIZER, in, arr;
	if (n == 1) {
		BSON_APPEND_OID(&q, "request_id", &ids[0]);
	} else {
		char k[16];
		const char *key;
		BSON_APPEND_DOCUMENT_BEGIN(&q, "request_id", &in);
		BSON_APPEND_ARRAY_BEGIN(&in, "$in", &arr);
		for (size_t i = 0; i < n; i++) {
			bson_uint32_to_string((uint32_t)i, &key, k, sizeof(k));
			BSON_APPEND_OID(&arr, key, &ids[i]);
		}
		bson_append_array_end(&in, &arr);
		bson_append_document_end(&q, &in);
	}
	bson_t *opts = BCON_NEW("sort", "{", "version", BCON_INT32(1), "}");
	mongoc_cursor_t *c = mongoc_collection_find_with_opts(db_coll(EVENTS), &q, opts, NULL);
	const bson_t *doc;
	while (mongoc_cursor_next(c, &doc)) {
		bson_oid_t rid;
		if (!doc_oid(doc, "request_id", &rid))
			continue;
		for (size_t i = 0; i < n; i++) {
			if (!bson_oid_equal(&rid, &ids[i]))
				continue;
			struct evlist *l = &out[i];
			if (l->n == l->cap) {
				l->cap = l->cap ? 2 * l->cap : 8;
				l->v = realloc(l->v, l->cap * sizeof(*l->v));
				if (!l->v)
					abort();
			}
			l->v[l->n++] = bson_copy(doc);
			break;
		}
	}
	bool failed = mongoc_cursor_error(c, err);
	mongoc_cursor_destroy(c);
	bson_destroy(opts);
	bson_destroy(&q);
	if (failed) {
		for (size_t i = 0; i < n; i++)
			evlist_free(&out[i]);
	}
	return !failed;
}

/* Beyond this many versions to read, one scan of the events is cheaper than a lookup each:
 * FerretDB 1.24's SQLite backend does not use its _id index for the _id filter it pushes
 * down (the expressions differ), so a lookup is a scan too, but in SQLite, about ten times
 * cheaper per document than the scan in Go that any other filter gets (measured with 1200
 * events: 5 ms against 50 ms). */
#define EVENTS_BY_ID_MAX 8

/* The events of request `id` into *out (zeroed by the caller), in version order, each read
 * by its _id (event_get): versions `first`..`known` (the ones the stored document already
 * reflects; a missing one is skipped), then known+1, known+2, ... up to the first version
 * not there: the changes the document has not caught up with yet (compose rolls them
 * forward; a version is only claimed by a change that read the one before, so the log has
 * no gaps). first = 1 reads the whole timeline, first = known + 1 only what the state needs.
 * A document claiming more than EVENTS_BY_ID_MAX versions is read with one scan instead. */
static bool events_by_id(const bson_oid_t *id, int64_t first, int64_t known, struct evlist *out,
			 bson_error_t *err)
{
	if (first < 1)
		first = 1;
	if (known - first >= EVENTS_BY_ID_MAX)
		return fetch_events(id, 1, out, err);
	for (int64_t v = first;; v++) {
		bson_t *ev = NULL;
		int r = event_get(id, v, &ev, err);
		if (r < 0) {
			evlist_free(out);
			return false;
		}
		if (r == 0) {
			if (v > known)
				break;
			continue;
		}
		if (out->n == out->cap) {
			out->cap = out->cap ? 2 * out->cap : 8;
			out->v = realloc(out->v, out->cap * sizeof(*out->v));
			if (!out->v)
				abort();
		}
		out->v[out->n++] = ev;
	}
	return true;
}

/* `base` with the top-level fields of `set` replaced or added (new document). */
static bson_t *overlay(const bson_t *base, const bson_t *set)
{
	bson_t *out = bson_new();
	bson_iter_t it, f;
	if (bson_iter_init(&it, base)) {
		while (bson_iter_next(&it)) {
			const char *k = bson_iter_key(&it);
			if (bson_iter_init_find(&f, set, k))
				bson_append_iter(out, k, -1, &f);
			else
				bson_append_iter(out, k, -1, &it);
		}
	}
	if (bson_iter_init(&f, set)) {
		while (bson_iter_next(&f)) {
			bson_iter_t probe;
			if (!bson_iter_init_find(&probe, base, bson_iter_key(&f)))
				bson_append_iter(out, bson_iter_key(&f), -1, &f);
		}
	}
	return out;
}

static bool event_visible(const bson_t *ev)
{
	const char *type = doc_str(ev, "type");
	return type && (strcmp(type, "STATUS_CHANGE") == 0 || strcmp(type, "NOTE") == 0);
}

/* The request as its change log says: the stored `doc` with the `set` of every event after
 * its version applied in version order (a gap stops it: never seen, since version v+1 is
 * only claimed by a change that read version v), `version` the last one applied (also in
 * *version_out), and `events` the timeline: the events embedded by documents older than
 * the log first, then every STATUS_CHANGE and NOTE of the log. New document (caller owns). */
static bson_t *compose(const bson_t *doc, const struct evlist *evs, int64_t *version_out)
{
	int64_t v = requests_version(doc);
	bson_t *state = bson_copy(doc);
	for (size_t i = 0; i < evs->n; i++) {
		bson_iter_t it;
		int64_t ev_v = 0;
		if (bson_iter_init_find(&it, evs->v[i], "version") && BSON_ITER_HOLDS_NUMBER(&it))
			ev_v = bson_iter_as_int64(&it);
		if (ev_v != v + 1)
			continue; /* already in the document (or past a gap) */
		if (bson_iter_init_find(&it, evs->v[i], "set") && BSON_ITER_HOLDS_DOCUMENT(&it)) {
			uint32_t len;
			const uint8_t *data;
			bson_t set;
			bson_iter_document(&it, &len, &data);
			if (bson_init_static(&set, data, len)) {
				bson_t *next = overlay(state, &set);
				bson_destroy(state);
				state = next;
			}
		}
		v = ev_v;
	}
	bson_t *out = bson_new();
	bson_iter_t it, sub;
	if (bson_iter_init(&it, state)) {
		while (bson_iter_next(&it)) {
			const char *k = bson_iter_key(&it);
			if (strcmp(k, "events") != 0 && strcmp(k, "version") != 0)
				bson_append_iter(out, k, -1, &it);
		}
	}
	BSON_APPEND_INT64(out, "version", v);
	bson_t arr;
	uint32_t n = 0;
	char k[16];
	const char *key;
	BSON_APPEND_ARRAY_BEGIN(out, "events", &arr);
	if (bson_iter_init_find(&it, doc, "events") && BSON_ITER_HOLDS_ARRAY(&it) &&
	    bson_iter_recurse(&it, &sub)) {
		while (bson_iter_next(&sub)) {
			bson_uint32_to_string(n++, &key, k, sizeof(k));
			bson_append_iter(&arr, key, -1, &sub);
		}
	}
	static const char *const shown[] = {"type", "at", "by", "data"};
	for (size_t i = 0; i < evs->n; i++) {
		if (!event_visible(evs->v[i]))
			continue;
		bson_t e;
		bson_uint32_to_string(n++, &key, k, sizeof(k));
		BSON_APPEND_DOCUMENT_BEGIN(&arr, key, &e);
		for (size_t f = 0; f < sizeof(shown) / sizeof(shown[0]); f++)
			if (bson_iter_init_find(&it, evs->v[i], shown[f]))
				bson_append_iter(&e, shown[f], -1, &it);
		bson_append_document_end(&arr, &e);
	}
	bson_append_array_end(out, &arr);
	bson_destroy(state);
	if (version_out)
		*version_out = v;
	return out;
}

/* Rolls the stored document of `id` forward to `composed` (the state at `version`): every
 * state field is written, not only the ones the last change set, so whatever older copy a
 * read-modify-write server overwrites, the result is the whole state of one version. The
 * filter keeps MongoDB from going back to an older version; FerretDB does not re-check it,
 * and a document it sets back is rolled forward again by the next read. */
static bool store_state(const bson_oid_t *id, const bson_t *composed, int64_t version,
			bson_error_t *err)
{
	bson_t sel = BSON_INITIALIZER, alts, alt, cond, upd = BSON_INITIALIZER, set, reply;
	BSON_APPEND_OID(&sel, "_id", id);
	BSON_APPEND_ARRAY_BEGIN(&sel, "$or", &alts);
	BSON_APPEND_DOCUMENT_BEGIN(&alts, "0", &alt);
	BSON_APPEND_DOCUMENT_BEGIN(&alt, "version", &cond);
	BSON_APPEND_INT64(&cond, "$lt", version);
	bson_append_document_end(&alt, &cond);
	bson_append_document_end(&alts, &alt);
	BSON_APPEND_DOCUMENT_BEGIN(&alts, "1", &alt);
	BSON_APPEND_DOCUMENT_BEGIN(&alt, "version", &cond);
	BSON_APPEND_BOOL(&cond, "$exists", false);
	bson_append_document_end(&alt, &cond);
	bson_append_document_end(&alts, &alt);
	bson_append_array_end(&sel, &alts);
	BSON_APPEND_DOCUMENT_BEGIN(&upd, "$set", &set);
	bson_iter_t it;
	for (size_t i = 0; state_keys[i]; i++)
		if (bson_iter_init_find(&it, composed, state_keys[i]))
			bson_append_iter(&set, state_keys[i], -1, &it);
	BSON_APPEND_INT64(&set, "version", version);
	bson_append_document_end(&upd, &set);
	bool ok = mongoc_collection_update_one(db_coll(COLL), &sel, &upd, NULL, &reply, err);
	bson_destroy(&sel);
	bson_destroy(&upd);
	bson_destroy(&reply);
	return ok;
}

/* compose() plus the roll-forward of a stored document found behind its log. */
static bson_t *compose_and_heal(const bson_oid_t *id, const bson_t *doc, const struct evlist *evs)
{
	int64_t v;
	bson_t *out = compose(doc, evs, &v);
	if (v > requests_version(doc)) {
		bson_error_t err;
		if (!store_state(id, out, v, &err)) {
			char hex[25];
			bson_oid_to_string(id, hex);
			log_warn("rolling request %s forward to version %lld failed: %s", hex,
				 (long long)v, err.message);
		}
	}
	return out;
}

/* ------------------------------------------------------------------ create, load */

bool requests_create(const bson_oid_t *owner, const char *owner_role, const struct req_fields *f,
		     bool draft, bson_oid_t *id_out, bson_error_t *err)
{
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
	struct change c = {.type = "STATUS_CHANGE",
			   .at = now,
			   .by_id = owner_hex,
			   .by_role = owner_role,
			   .to = status,
			   .set = &set};
	int won = claim_version(&id, 1, &c, err);
	bson_destroy(&set);
	if (won <= 0)
		return false; /* a fresh ObjectId: a duplicate is an error too */

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
	bool ok = mongoc_collection_insert_one(db_coll(COLL), &doc, NULL, NULL, err);
	bson_destroy(&doc);
	if (!ok)
		return false; /* the orphan event names an id nobody knows */
	if (id_out)
		bson_oid_copy(&id, id_out);
	attach_photos(owner, &all, &id);
	if (!draft)
		send_notification(owner, "submitted", &id, f->category, NULL, NULL, 0);
	return true;
}

/* requests_load, reading the events by _id (events_by_id). With `timeline` false only the
 * events past the stored version are read: the state (status, version, slot, fields) is
 * the same, but the `events` of the result lack the timeline, so such a document is for
 * deciding a change and never answered. */
static bson_t *load_request(const bson_oid_t *id, const bson_oid_t *owner, bool timeline,
			    bson_error_t *err)
{
	memset(err, 0, sizeof(*err));
	bson_t *q = BCON_NEW("_id", BCON_OID(id));
	bson_t *opts = BCON_NEW("limit", BCON_INT64(1));
	mongoc_cursor_t *c = mongoc_collection_find_with_opts(db_coll(COLL), q, opts, NULL);
	const bson_t *doc;
	bson_t *raw = NULL;
	if (mongoc_cursor_next(c, &doc))
		raw = bson_copy(doc);
	if (mongoc_cursor_error(c, err)) {
		bson_destroy(raw);
		raw = NULL;
	}
	mongoc_cursor_destroy(c);
	bson_destroy(q);
	bson_destroy(opts);
	if (raw && owner) {
		/* Checked here rather than in the filter: the `_id`-only filter is the one
		 * FerretDB pushes down to SQL. Someone else's request is "not found". */
		bson_oid_t uid;
		if (!doc_oid(raw, "user_id", &uid) || !bson_oid_equal(&uid, owner)) {
			bson_destroy(raw);
			raw = NULL;
		}
	}
	if (!raw)
		return NULL;
	struct evlist evs = {0};
	int64_t known = requests_version(raw);
	if (!events_by_id(id, timeline ? 1 : known + 1, known, &evs, err)) {
		bson_destroy(raw);
		return NULL;
	}
	bson_t *out = compose_and_heal(id, raw, &evs);
	evlist_free(&evs);
	bson_destroy(raw);
	return out;
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
	int r = event_get(id, version, &ev, err);
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

enum req_result requests_transition(const bson_oid_t *id, const struct req_transition *t,
				    enum req_status *from_out, bson_t **doc_out, bson_error_t *err)
{
	if (doc_out)
		*doc_out = NULL;
	bson_t *doc = load_request(id, t->owner, false, err);
	if (!doc)
		return err->code ? REQ_DB_ERROR : REQ_NOT_FOUND;
	enum req_result result = REQ_OK;
	enum req_status from = doc_status(doc);
	int64_t version = requests_version(doc);
	if (from_out)
		*from_out = from;
	bson_oid_t user_id;
	doc_oid(doc, "user_id", &user_id);
	char category[64];
	snprintf(category, sizeof(category), "%s",
		 doc_str(doc, "category") ? doc_str(doc, "category") : "");
	struct req_slot old_slot = {0, 0};
	bool has_old = doc_slot(doc, &old_slot);
	bool resident = t->actor == REQ_ACTOR_RESIDENT;
	bool reschedule = from == RS_SCHEDULED && t->to == RS_SCHEDULED;
	bson_destroy(doc);
	doc = NULL;
	if (t->expect_version > 0 && version != t->expect_version)
		return REQ_CONFLICT;

	if (!requests_edge_allowed(from, t->to, t->actor)) {
		if (from == RS_COMPLETED && t->to == RS_COMPLETED) {
			/* A repeated completion re-runs the idempotent credit: this heals a
			 * completion whose credit failed after the status was written. Racing
			 * the completing call, it may be the one whose insert wins: then it
			 * tells the resident, since the other call will not. */
			int points = 0;
			bson_error_t cerr;
			enum reward_result rr =
			    rewards_credit(id, &user_id, category, &points, &cerr);
			if (rr == REWARD_DB_ERROR)
				log_warn("reward credit retry failed: %s", cerr.message);
			else if (rr == REWARD_CREDITED)
				send_notification(&user_id, "completed", id, category, NULL, NULL,
						  points);
		}
		return REQ_INVALID;
	}
	int64_t now = time_now_ms();
	int64_t min_ms = (int64_t)config_get()->cancel_min_hours * 3600 * 1000;
	if (resident && (t->to == RS_CANCELLED || reschedule) && has_old &&
	    old_slot.start - now < min_ms)
		return REQ_TOO_LATE;

	/* The slot of a scheduling step: a new one (claimed first), or the one held. */
	bool set_slot = false, claimed = false;
	struct req_slot new_slot = {0, 0};
	if (t->to == RS_SCHEDULED) {
		if (t->has_slot) {
			new_slot = t->slot;
			set_slot = true;
		} else if (has_old && from != RS_FAILED) {
			new_slot = old_slot;
		} else {
			return REQ_SLOT_REQUIRED;
		}
		if (reschedule && has_old && same_slot(&new_slot, &old_slot))
			goto reload; /* already there: nothing to change */
		if (set_slot && !(has_old && same_slot(&new_slot, &old_slot))) {
			/* A change that has lost already claims no seat: the read above
			 * probed version+1 by its _id (load_request reads up to the first
			 * missing version), nothing has touched the database since, and a
			 * version+1 found then would have been rolled into `version`. A
			 * hint only: the insert of the version decides. */
			enum slot_claim_result cr = slots_claim(
			    id, category, new_slot.start, new_slot.end, resident, version + 1, err);
			if (cr != SLOT_CLAIMED)
				return map_claim(cr);
			claimed = true;
		}
	}
	bool clear_slot = t->to == RS_CANCELLED || t->to == RS_FAILED;

	/* The claim of the change: version+1 is inserted once, whatever the server does with
	 * concurrent updates. Losing it means another change of this request came first. */
	char by_id[25];
	snprintf(by_id, sizeof(by_id), "%s", t->actor_id ? t->actor_id : "");
	const char *from_name = requests_status_name(from), *to_name = requests_status_name(t->to);
	bson_t set = BSON_INITIALIZER;
	BSON_APPEND_UTF8(&set, "status", to_name);
	BSON_APPEND_DATE_TIME(&set, "updated_at", now);
	if (set_slot)
		append_slot(&set, "assigned_slot", &new_slot);
	else if (clear_slot)
		BSON_APPEND_NULL(&set, "assigned_slot");
	struct change c = {.type = "STATUS_CHANGE",
			   .at = now,
			   .by_id = by_id,
			   .by_role = requests_actor_role(t->actor),
			   .from = from_name,
			   .to = to_name,
			   .reason = t->reason,
			   .note = reschedule ? (t->note ? t->note : "Rescheduled") : t->note,
			   .slot = t->to == RS_SCHEDULED ? &new_slot : NULL,
			   .set = &set};
	int won = claim_version(id, version + 1, &c, err);
	bson_destroy(&set);
	if (won <= 0) {
		if (claimed)
			release_lost_claim(id, &new_slot, version + 1, won == 0);
		return won == 0 ? REQ_CONFLICT : REQ_DB_ERROR;
	}

	/* Won: from here on this call alone acts on the change. */
	bson_t *after = sync_document(id, doc_out != NULL && t->to != RS_COMPLETED);

	/* Then the old seat goes: moved to another slot, or no longer needed. */
	if (has_old && ((set_slot && !same_slot(&new_slot, &old_slot)) || clear_slot))
		release_seat(id, &old_slot, version, reschedule ? "rescheduled" : to_name);

	int points = 0;
	if (t->to == RS_COMPLETED) {
		enum reward_result rr = rewards_credit(id, &user_id, category, &points, err);
		if (rr == REWARD_DB_ERROR)
			result = REQ_DB_ERROR; /* status stands; a retry re-runs the credit */
		if (rr != REWARD_CREDITED)
			points = rr == REWARD_ALREADY ? -1 : 0; /* notify only the crediting call */
	}
	if (result == REQ_OK && points >= 0) {
		const char *ev = reschedule ? "rescheduled" : requests_notify_event(t->to);
		send_notification(&user_id, ev, id, category,
				  t->to == RS_SCHEDULED ? &new_slot : NULL, t->reason, points);
	}
	if (result != REQ_OK) {
		bson_destroy(after);
		return result;
	}
	if (doc_out && after && t->to != RS_COMPLETED) {
		*doc_out = after; /* reward_points may change only on completion */
		return REQ_OK;
	}
	bson_destroy(after);

reload:
	if (doc_out) {
		*doc_out = requests_load(id, NULL, err);
		if (!*doc_out && err->code)
			return REQ_DB_ERROR;
		if (!*doc_out)
			return REQ_NOT_FOUND;
	}
	return REQ_OK;
}

enum req_result requests_update_draft(const bson_oid_t *id, const bson_oid_t *owner,
				      const struct req_fields *f, bson_error_t *err)
{
	bson_t *doc = load_request(id, owner, false, err);
	if (!doc)
		return err->code ? REQ_DB_ERROR : REQ_NOT_FOUND;
	enum req_status st = doc_status(doc);
	int64_t version = requests_version(doc);
	bson_destroy(doc);
	if (st != RS_DRAFT)
		return REQ_INVALID;
	int64_t now = time_now_ms();
	char owner_hex[25];
	bson_oid_to_string(owner, owner_hex);
	bson_t set = BSON_INITIALIZER;
	append_fields(&set, f);
	BSON_APPEND_DATE_TIME(&set, "updated_at", now);
	struct change c = {
	    .type = "EDIT", .at = now, .by_id = owner_hex, .by_role = "citizen", .set = &set};
	int won = claim_version(id, version + 1, &c, err);
	bson_destroy(&set);
	if (won < 0)
		return REQ_DB_ERROR;
	if (won == 0)
		return REQ_CONFLICT; /* submitted, cancelled or edited meanwhile */
	bson_destroy(sync_document(id, false));
	attach_photos(owner, f, id);
	return REQ_OK;
}

enum req_result requests_add_note(const bson_oid_t *id, const char *actor_id, const char *role,
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
		won = claim_version(id, version + i, &c, err);
		bson_destroy(&set);
	}
	if (won < 0)
		return REQ_DB_ERROR;
	if (won == 0)
		return REQ_CONFLICT;
	bson_destroy(sync_document(id, false));
	return REQ_OK;
}

/* ------------------------------------------------------------------ lists */

static void build_filter(bson_t *f, const struct req_query *q)
{
	if (q->owner)
		BSON_APPEND_OID(f, "user_id", q->owner);
	if (q->status)
		BSON_APPEND_UTF8(f, "status", q->status);
	if (q->category)
		BSON_APPEND_UTF8(f, "category", q->category);
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

json_object *requests_list(const struct req_query *q, int64_t *total, bson_error_t *err)
{
	bson_t filter = BSON_INITIALIZER;
	build_filter(&filter, q);
	int64_t n =
	    mongoc_collection_count_documents(db_coll(COLL), &filter, NULL, NULL, NULL, err);
	if (n < 0) {
		bson_destroy(&filter);
		return NULL;
	}
	*total = n;
	bson_t *opts = BCON_NEW("sort", "{", "created_at", BCON_INT32(-1), "_id", BCON_INT32(-1),
				"}", "skip", BCON_INT64(q->skip), "limit", BCON_INT64(q->limit));
	mongoc_cursor_t *c = mongoc_collection_find_with_opts(db_coll(COLL), &filter, opts, NULL);
	/* The page first, then the change logs of all its requests in one query. */
	bson_t **docs = NULL;
	bson_oid_t *ids = NULL;
	size_t count = 0, cap = 0;
	const bson_t *doc;
	while (mongoc_cursor_next(c, &doc)) {
		bson_oid_t id;
		if (!doc_oid(doc, "_id", &id))
			continue;
		if (count == cap) {
			cap = cap ? 2 * cap : 32;
			docs = realloc(docs, cap * sizeof(*docs));
			ids = realloc(ids, cap * sizeof(*ids));
			if (!docs || !ids)
				abort();
		}
		docs[count] = bson_copy(doc);
		bson_oid_copy(&id, &ids[count]);
		count++;
	}
	bool failed = mongoc_cursor_error(c, err);
	mongoc_cursor_destroy(c);
	bson_destroy(opts);
	bson_destroy(&filter);
	struct evlist *evs = count ? calloc(count, sizeof(*evs)) : NULL;
	if (count && !evs)
		abort();
	if (!failed)
		failed = !fetch_events(ids, count, evs, err);
	json_object *items = failed ? NULL : json_object_new_array();
	for (size_t i = 0; i < count; i++) {
		if (items) {
			bson_t *full = compose_and_heal(&ids[i], docs[i], &evs[i]);
			json_object_array_add(items, requests_to_json(full));
			bson_destroy(full);
		}
		evlist_free(&evs[i]);
		bson_destroy(docs[i]);
	}
	free(evs);
	free(docs);
	free(ids);
	return items;
}

/* ------------------------------------------------------------------ wire shape */

static void put_field(json_object *o, const bson_t *doc, const char *key, const char *as)
{
	bson_iter_t it;
	json_object *v = NULL;
	if (bson_iter_init_find(&it, doc, key))
		v = db_value_to_json(&it);
	json_object_object_add(o, as ? as : key, v);
}

/* Events store their actor as {id, role}; clients written for the original service
 * render `by` as text, so the wire shape is `by` (the user id) and `by_role`. */
static void events_flatten_by(json_object *events)
{
	for (size_t i = 0; i < json_object_array_length(events); i++) {
		json_object *e = json_object_array_get_idx(events, i), *by;
		if (!json_object_object_get_ex(e, "by", &by) ||
		    !json_object_is_type(by, json_type_object))
			continue;
		const char *id = jsonx_str(by, "id"), *role = jsonx_str(by, "role");
		json_object *idv = id && *id ? json_object_new_string(id) : NULL;
		json_object *rolev = role && *role ? json_object_new_string(role) : NULL;
		json_object_object_add(e, "by", idv); /* releases the object `by` */
		json_object_object_add(e, "by_role", rolev);
	}
}

json_object *requests_to_json(const bson_t *doc)
{
	json_object *o = json_object_new_object();
	put_field(o, doc, "_id", "id");
	put_field(o, doc, "user_id", NULL);
	put_field(o, doc, "category", NULL);
	put_field(o, doc, "is_special", NULL);
	put_field(o, doc, "description", NULL);
	put_field(o, doc, "quantity", NULL);
	json_object *photos = json_object_new_array();
	bson_iter_t it, sub;
	if (bson_iter_init_find(&it, doc, "photos") && BSON_ITER_HOLDS_ARRAY(&it) &&
	    bson_iter_recurse(&it, &sub)) {
		/* a fresh signed link on every read: only the owner and staff see requests */
		while (bson_iter_next(&sub)) {
			if (!BSON_ITER_HOLDS_UTF8(&sub))
				continue;
			char *url = upload_link_url(bson_iter_utf8(&sub, NULL));
			if (!url)
				abort();
			json_object_array_add(photos, json_object_new_string(url));
			free(url);
		}
	}
	json_object_object_add(o, "photos", photos);
	put_field(o, doc, "address", NULL);
	put_field(o, doc, "preferred_slots", NULL);
	put_field(o, doc, "assigned_slot", NULL);
	put_field(o, doc, "status", NULL);
	put_field(o, doc, "events", NULL);
	put_field(o, doc, "reward_points", NULL);
	put_field(o, doc, "created_at", NULL);
	put_field(o, doc, "updated_at", NULL);
	if (!json_object_object_get(o, "preferred_slots"))
		json_object_object_add(o, "preferred_slots", json_object_new_array());
	if (!json_object_object_get(o, "events"))
		json_object_object_add(o, "events", json_object_new_array());
	events_flatten_by(json_object_object_get(o, "events"));
	if (!json_object_object_get(o, "reward_points"))
		json_object_object_add(o, "reward_points", json_object_new_int(0));
	return o;
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
	bson_destroy(doc);
	if (!draft || !old)
		return 0;
	struct change c = {
	    .type = "DELETE", .at = time_now_ms(), .by_id = "", .by_role = "system", .set = NULL};
	int won = claim_version(id, version + 1, &c, err);
	if (won <= 0)
		return won;
	bson_t *sel = BCON_NEW("_id", BCON_OID(id));
	bool ok = mongoc_collection_delete_one(db_coll(COLL), sel, NULL, NULL, err);
	bson_destroy(sel);
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
			     void (*each)(const bson_t *doc, const bson_error_t *fail, void *ctx),
			     void *ctx, bson_error_t *err)
{
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
		if (each)
			each(doc, r > 0 ? NULL : &derr, ctx);
	}
	bool failed = mongoc_cursor_error(c, err);
	mongoc_cursor_destroy(c);
	bson_destroy(q);
	bson_destroy(opts);
	return failed ? -1 : done;
}
