/* Pickup requests as value structs (requests.h, struct pickup_request): one pass over a
 * document fills the struct, whose strings point into the document it keeps; and the
 * storage-free entry points, each over the store-typed function it names. */
#include <stdlib.h>
#include <string.h>

#include "domain/requests.h"
#include "domain/internal/requests_store.h"
#include "infra/config.h"
#include "infra/db.h"

static const char *str_or_null(const bson_iter_t *it)
{
	return BSON_ITER_HOLDS_UTF8(it) ? bson_iter_utf8(it, NULL) : NULL;
}

static bool number(const bson_iter_t *it, double *out)
{
	if (!BSON_ITER_HOLDS_NUMBER(it))
		return false;
	*out = bson_iter_as_double(it);
	return true;
}

/* The elements of the array at `it` that `take` reads (others skipped), `size` bytes each,
 * malloc'd; NULL when none. */
static void *array_of(const bson_iter_t *it, size_t size, bool (*take)(const bson_iter_t *, void *),
		      size_t *n)
{
	bson_iter_t sub;
	*n = 0;
	uint32_t len = 0;
	const uint8_t *data;
	if (!BSON_ITER_HOLDS_ARRAY(it) || !bson_iter_recurse(it, &sub))
		return NULL;
	bson_iter_array(it, &len, &data);
	char *v = malloc((len / 8 + 1) * size); /* an element takes >= 8 bytes */
	if (!v)
		abort();
	while (bson_iter_next(&sub))
		if (take(&sub, v + *n * size))
			(*n)++;
	if (*n == 0) {
		free(v);
		return NULL;
	}
	return v;
}

static bool take_string(const bson_iter_t *it, void *out)
{
	if (!BSON_ITER_HOLDS_UTF8(it))
		return false;
	*(const char **)out = bson_iter_utf8(it, NULL);
	return true;
}

/* The slot {start, end} of the document at `it`. */
static bool slot_of(const bson_iter_t *it, struct req_slot *s)
{
	bson_iter_t sub;
	bool has_start = false, has_end = false;
	if (!BSON_ITER_HOLDS_DOCUMENT(it) || !bson_iter_recurse(it, &sub))
		return false;
	while (bson_iter_next(&sub)) {
		if (!BSON_ITER_HOLDS_DATE_TIME(&sub))
			continue;
		if (strcmp(bson_iter_key(&sub), "start") == 0) {
			s->start = bson_iter_date_time(&sub);
			has_start = true;
		} else if (strcmp(bson_iter_key(&sub), "end") == 0) {
			s->end = bson_iter_date_time(&sub);
			has_end = true;
		}
	}
	return has_start && has_end;
}

static bool take_slot(const bson_iter_t *it, void *out)
{
	return slot_of(it, out);
}

static void address_of(const bson_iter_t *it, struct pickup_request *r)
{
	bson_iter_t sub;
	struct req_address *a = &r->address;
	if (!BSON_ITER_HOLDS_DOCUMENT(it) || !bson_iter_recurse(it, &sub))
		return;
	r->has_address = true;
	while (bson_iter_next(&sub)) {
		const char *k = bson_iter_key(&sub);
		if (strcmp(k, "line1") == 0)
			a->line1 = str_or_null(&sub);
		else if (strcmp(k, "line2") == 0)
			a->line2 = str_or_null(&sub);
		else if (strcmp(k, "city") == 0)
			a->city = str_or_null(&sub);
		else if (strcmp(k, "pincode") == 0)
			a->pincode = str_or_null(&sub);
		else if (strcmp(k, "lat") == 0)
			a->has_lat = number(&sub, &a->lat);
		else if (strcmp(k, "lng") == 0)
			a->has_lng = number(&sub, &a->lng);
	}
}

/* A note of the stored timeline: data.note of a NOTE entry. */
static bool take_note(const bson_iter_t *it, void *out)
{
	bson_iter_t f, n;
	if (!BSON_ITER_HOLDS_DOCUMENT(it) || !bson_iter_recurse(it, &f) ||
	    !bson_iter_find(&f, "type") || !BSON_ITER_HOLDS_UTF8(&f) ||
	    strcmp(bson_iter_utf8(&f, NULL), "NOTE") != 0)
		return false;
	if (!bson_iter_recurse(it, &f) || !bson_iter_find_descendant(&f, "data.note", &n) ||
	    !BSON_ITER_HOLDS_UTF8(&n))
		return false;
	*(const char **)out = bson_iter_utf8(&n, NULL);
	return true;
}

static bool oid_at(const bson_iter_t *it, struct oid *out)
{
	if (!BSON_ITER_HOLDS_OID(it))
		return false;
	oid_from_store(out, bson_iter_oid(it));
	return true;
}

static bool date_at(const bson_iter_t *it, int64_t *out)
{
	if (!BSON_ITER_HOLDS_DATE_TIME(it))
		return false;
	*out = bson_iter_date_time(it);
	return true;
}

/* The scalar fields; false when `k` is none of them. */
static bool scalar(struct pickup_request *r, const char *k, const bson_iter_t *it)
{
	double d;
	if (strcmp(k, "_id") == 0)
		oid_at(it, &r->id);
	else if (strcmp(k, "user_id") == 0)
		r->has_user = oid_at(it, &r->user_id);
	else if (strcmp(k, "category") == 0)
		r->category = str_or_null(it);
	else if (strcmp(k, "is_special") == 0 && BSON_ITER_HOLDS_BOOL(it))
		r->has_is_special = true, r->is_special = bson_iter_bool(it);
	else if (strcmp(k, "description") == 0)
		r->description = str_or_null(it);
	else if (strcmp(k, "quantity") == 0)
		r->has_quantity = number(it, &r->quantity);
	else if (strcmp(k, "status") == 0) {
		int s = requests_status_parse(str_or_null(it));
		r->status = s < 0 ? RS_COUNT : (enum req_status)s;
	} else if (strcmp(k, "crew_id") == 0)
		r->has_crew = oid_at(it, &r->crew_id);
	else if (strcmp(k, "version") == 0 && number(it, &d))
		r->has_version = true, r->version = bson_iter_as_int64(it);
	else if (strcmp(k, "reward_points") == 0 && number(it, &d))
		r->reward_points = bson_iter_as_int64(it);
	else if (strcmp(k, "created_at") == 0)
		r->has_created_at = date_at(it, &r->created_at);
	else if (strcmp(k, "updated_at") == 0)
		r->has_updated_at = date_at(it, &r->updated_at);
	else if (strcmp(k, "weight_kg") == 0)
		r->has_weight = number(it, &r->weight_kg);
	else
		return false;
	return true;
}

void requests_fill(const bson_t *doc, bool take, unsigned flags, struct pickup_request *r)
{
	memset(r, 0, sizeof(*r));
	r->status = RS_COUNT;
	r->store_ = take ? (void *)doc : NULL;
	bson_iter_t it;
	if (!bson_iter_init(&it, doc))
		return;
	while (bson_iter_next(&it)) {
		const char *k = bson_iter_key(&it);
		if (scalar(r, k, &it))
			continue;
		if (strcmp(k, "photos") == 0)
			r->photos = array_of(&it, sizeof(*r->photos), take_string, &r->n_photos);
		else if (strcmp(k, "proof_photos") == 0)
			r->proof_photos = array_of(&it, sizeof(*r->proof_photos), take_string,
						   &r->n_proof_photos);
		else if (strcmp(k, "address") == 0)
			address_of(&it, r);
		else if (strcmp(k, "preferred_slots") == 0)
			r->preferred_slots = array_of(&it, sizeof(*r->preferred_slots), take_slot,
						      &r->n_preferred_slots);
		else if (strcmp(k, "assigned_slot") == 0)
			r->has_assigned_slot = slot_of(&it, &r->assigned_slot);
		else if (strcmp(k, "events") == 0 && (flags & REQ_FILL_EVENTS))
			r->events = db_value_to_json(&it);
		else if (strcmp(k, "timeline") == 0 && (flags & REQ_FILL_NOTES))
			r->notes = array_of(&it, sizeof(*r->notes), take_note, &r->n_notes);
	}
	r->change_deadline = -1;
	if (r->status <= RS_SCHEDULED && r->has_assigned_slot)
		r->change_deadline =
		    r->assigned_slot.start - (int64_t)config_get()->cancel_min_hours * 3600 * 1000;
}

void requests_from_doc(const bson_t *doc, struct pickup_request *out)
{
	bson_t *copy = bson_copy(doc);
	if (!copy)
		abort();
	requests_fill(copy, true, REQ_FILL_EVENTS, out);
}

void pickup_request_clear(struct pickup_request *r)
{
	free(r->photos);
	free(r->proof_photos);
	free(r->preferred_slots);
	free(r->notes);
	json_object_put(r->events);
	if (r->store_)
		bson_destroy(r->store_);
	memset(r, 0, sizeof(*r));
	r->status = RS_COUNT;
}

/* *out from a loaded document (taken), or the result of a failed load. */
static enum req_result take_loaded(bson_t *doc, const bson_error_t *e, struct pickup_request *out,
				   struct derr *err)
{
	if (!doc) {
		if (e->code)
			derr_from_store(err, e);
		return e->code ? REQ_DB_ERROR : REQ_NOT_FOUND;
	}
	requests_fill(doc, true, REQ_FILL_EVENTS, out);
	return REQ_OK;
}

enum req_result requests_get(const struct oid *id, const struct oid *owner,
			     struct pickup_request *out, struct derr *err)
{
	bson_oid_t bid, bowner;
	oid_to_store(id, &bid);
	if (owner)
		oid_to_store(owner, &bowner);
	bson_error_t e;
	bson_t *doc = requests_load(&bid, owner ? &bowner : NULL, &e);
	return take_loaded(doc, &e, out, err);
}

/* The result `r` of a change whose document (taken) is `doc`. */
static enum req_result changed(enum req_result r, bson_t *doc, const bson_error_t *e,
			       struct pickup_request *out, struct derr *err)
{
	if (r == REQ_OK && out)
		return take_loaded(doc, e, out, err);
	if (doc)
		bson_destroy(doc);
	if (r == REQ_DB_ERROR)
		derr_from_store(err, e);
	return r;
}

enum req_result requests_change_status(const struct oid *id, const struct req_transition *t,
				       enum req_status *from_out, struct pickup_request *out,
				       struct derr *err)
{
	bson_oid_t bid;
	oid_to_store(id, &bid);
	bson_t *doc = NULL;
	bson_error_t e = {0};
	enum req_result r = requests_transition(&bid, t, from_out, out ? &doc : NULL, &e);
	return changed(r, doc, &e, out, err);
}

enum req_result requests_assign_crew(const struct oid *id, const struct req_crew_assign *a,
				     enum req_status *from_out, struct pickup_request *out,
				     struct derr *err)
{
	bson_oid_t bid, crew;
	oid_to_store(id, &bid);
	if (a->crew)
		oid_to_store(a->crew, &crew);
	struct req_assign b = {.crew = a->crew ? &crew : NULL,
			       .crew_name = a->crew_name,
			       .actor_id = a->actor_id,
			       .actor_role = a->actor_role,
			       .expect_version = a->expect_version};
	bson_t *doc = NULL;
	bson_error_t e = {0};
	enum req_result r = requests_assign(&bid, &b, from_out, out ? &doc : NULL, &e);
	return changed(r, doc, &e, out, err);
}

bool requests_effects_backlog(int64_t *count, int64_t *oldest_ms, struct derr *err)
{
	bson_error_t e;
	if (requests_effects_pending(count, oldest_ms, &e))
		return true;
	derr_from_store(err, &e);
	return false;
}
