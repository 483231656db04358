/* Resident routes of pickup requests: create, list, detail, edit and submit drafts,
 * confirm or change the slot, cancel. Only the caller's own requests exist for them:
 * someone else's id, like an unknown or malformed one, is 404 "Request not found". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/read_cache.h"
#include "api/request_json.h"
#include "api/results.h"
#include "domain/categories.h"
#include "domain/requests.h"
#include "domain/slots.h"
#include "infra/jsonx.h"
#include "infra/timeutil.h"

static const char *const create_keys[] = {"category", "is_special", "description",
					  "quantity", "address",    "preferred_slots",
					  "photos",   "draft",	    NULL};
static const char *const patch_keys[] = {"category", "is_special",	"description", "quantity",
					 "address",  "preferred_slots", "photos",      NULL};
static const char *const address_keys[] = {"line1", "line2", "city", "pincode", "lat", "lng", NULL};
static const char *const slot_keys[] = {"start", "end", NULL};

static int not_found(struct http_response *res)
{
	return api_req_result(res, REQ_NOT_FOUND, NULL, NULL);
}

/* A change refused with `r` (a store failure: `err`), worded by `route` (results.h). */
static int refuse(struct http_response *res, enum req_result r,
		  const struct api_answer route[API_REQ_RESULTS], const struct derr *err)
{
	if (r == REQ_DB_ERROR)
		return api_derr(res, err);
	return api_req_result(res, r, route, NULL);
}

/* The "address" object of a create (required) or an edit; f->has_address only when it
 * raised no error of its own. */
static void parse_address(struct verrors *e, json_object *body, bool required, struct req_fields *f)
{
	json_object *addr = v_object(e, body, "body", "address", required);
	if (!addr)
		return;
	struct req_address *a = &f->address;
	size_t before = json_object_array_length(e->list);
	v_no_extra(e, addr, "body.address", address_keys);
	v_string(e, addr, "body.address", "line1", true, 3, 200, &a->line1);
	v_string(e, addr, "body.address", "line2", false, 0, 200, &a->line2);
	v_string(e, addr, "body.address", "city", true, 2, 100, &a->city);
	v_string(e, addr, "body.address", "pincode", true, 4, 10, &a->pincode);
	a->has_lat = v_number(e, addr, "body.address", "lat", false, -90, false, 90, &a->lat);
	a->has_lng = v_number(e, addr, "body.address", "lng", false, -180, false, 180, &a->lng);
	f->has_address = json_object_array_length(e->list) == before;
}

/* The "preferred_slots" array: each a future {start, end} with end after start. The valid
 * ones go to f->preferred_slots, and slot_index[k] is the array index of the k-th, so
 * that a later error on it names the element the client sent. */
static void parse_preferred_slots(struct verrors *e, json_object *body, bool patch,
				  struct req_fields *f, size_t slot_index[5])
{
	json_object *slots = v_array(e, body, "body", "preferred_slots", false, 0, 5);
	f->has_preferred_slots = !patch;
	if (!slots)
		return;
	f->has_preferred_slots = true;
	int64_t now = time_now_ms();
	for (size_t i = 0; i < json_object_array_length(slots); i++) {
		json_object *s = json_object_array_get_idx(slots, i);
		char prefix[64];
		snprintf(prefix, sizeof(prefix), "body.preferred_slots.%zu", i);
		if (!v_is_object(e, s, prefix))
			continue;
		v_no_extra(e, s, prefix, slot_keys);
		struct req_slot *ps = &f->preferred_slots[f->n_preferred_slots];
		bool ok = v_instant(e, s, prefix, "start", true, &ps->start);
		ok = v_instant(e, s, prefix, "end", true, &ps->end) && ok;
		if (!ok)
			continue;
		char loc[96];
		if (ps->start <= now) {
			snprintf(loc, sizeof(loc), "%s.start", prefix);
			verr_add(e, loc, "Slot should be in the future", "datetime_future");
		} else if (ps->end <= ps->start) {
			snprintf(loc, sizeof(loc), "%s.end", prefix);
			verr_add(e, loc, "Slot end should be after its start", "slot_order");
		} else {
			slot_index[f->n_preferred_slots++] = i;
		}
	}
}

/* Preferred slots must be slots of the grid for the category `cat` (seats not counted).
 * Returns 0, or the status of the database error answer it set. */
static int check_offered(struct http_response *res, struct verrors *e, const char *cat,
			 const struct req_fields *f, const size_t slot_index[5])
{
	for (size_t k = 0; cat && k < f->n_preferred_slots; k++) {
		struct derr err;
		int r = slots_is_offered(cat, f->preferred_slots[k].start,
					 f->preferred_slots[k].end, false, &err);
		if (r < 0)
			return api_derr(res, &err);
		if (r == 0) {
			char loc[64];
			snprintf(loc, sizeof(loc), "body.preferred_slots.%zu", slot_index[k]);
			verr_add(e, loc, "Slot is not one of the offered pickup slots",
				 "slot_not_offered");
		}
	}
	return 0;
}

/* Validates a create (all required but is_special, preferred_slots, photos, draft) or a
 * draft edit (all optional) into `f`. Returns 0, or the status of the answer it set. */
static int parse_fields(struct http_request *req, struct http_response *res, json_object *body,
			bool patch, const char *current_category, struct req_fields *f, bool *draft)
{
	size_t slot_index[5];
	struct verrors e;
	verr_init(&e);
	memset(f, 0, sizeof(*f));
	bool req_ = !patch;
	v_no_extra(&e, body, "body", patch ? patch_keys : create_keys);
	f->has_category =
	    v_enum(&e, body, "body", "category", req_, categories_names, &f->category);
	f->has_is_special = v_bool(&e, body, "body", "is_special", false, &f->is_special);
	if (!patch)
		f->has_is_special = true; /* default false */
	f->has_description =
	    v_string(&e, body, "body", "description", req_, 5, 1000, &f->description);
	f->has_quantity = v_number(&e, body, "body", "quantity", req_, 0, true, 100, &f->quantity);
	if (draft) {
		*draft = false;
		v_bool(&e, body, "body", "draft", false, draft);
	}
	parse_address(&e, body, req_, f);
	parse_preferred_slots(&e, body, patch, f, slot_index);
	const char *cat = f->has_category ? f->category : current_category;
	int st = check_offered(res, &e, cat, f, slot_index);
	if (st) {
		verr_free(&e);
		return st;
	}

	json_object *photos = v_array(&e, body, "body", "photos", false, 0, 5);
	f->has_photos = !patch;
	if (photos) {
		f->has_photos = true;
		struct derr err;
		if (!api_photo_refs(req, &e, photos, "body.photos", f->photo_paths, &f->n_photos,
				    &err)) {
			verr_free(&e);
			return api_derr(res, &err);
		}
	}
	if (verr_any(&e))
		return http_validation(res, &e);
	verr_free(&e);
	return 0;
}

/* 422 for REQ_PHOTO_GONE: the orphan cleanup deleted photo `gone` before the change could
 * keep it (the domain keeps photos only once the change can no longer be refused). */
static int photo_gone(struct http_request *req, struct http_response *res, size_t gone)
{
	struct verrors *ge = http_verrors(req);
	char loc[64];
	snprintf(loc, sizeof(loc), "body.photos.%zu", gone);
	verr_add(ge, loc, "Photo no longer exists; upload it again", "upload_gone");
	return http_validation(res, ge);
}

static void put_request(void *p)
{
	pickup_request_clear(p);
}

/* The request `id`, the owner's when `owner` is set, into *out (arena-owned): 0, or the
 * status of the answer. */
static int load(struct http_request *req, struct http_response *res, const struct oid *id,
		const struct oid *owner, struct pickup_request **out)
{
	struct derr err;
	*out = arena_alloc(req->arena, sizeof(**out));
	enum req_result r = requests_get(id, owner, *out, &err);
	if (r != REQ_OK)
		return r == REQ_DB_ERROR ? api_derr(res, &err) : not_found(res);
	arena_defer(req->arena, put_request, *out);
	return 0;
}

/* The caller's request {id}: 0 with *r (arena-owned), or the status of the answer. */
static int load_own(struct http_request *req, struct http_response *res, struct oid *id,
		    struct oid *owner, struct pickup_request **r)
{
	if (!oid_parse(http_param(req, "id"), id) || !oid_parse(req->user.id, owner))
		return not_found(res);
	return load(req, res, id, owner, r);
}

static int answer_request(struct http_response *res, int status, struct pickup_request *r)
{
	json_object *o = api_request_json(r);
	pickup_request_clear(r);
	return http_json(res, status, o);
}

int api_requests_create(struct http_request *req, struct http_response *res)
{
	int st;
	json_object *body = http_json_body(req, res, &st);
	if (!body)
		return st;
	struct req_fields f;
	bool draft = false;
	if ((st = parse_fields(req, res, body, false, NULL, &f, &draft)))
		return st;
	struct oid owner, id;
	if (!oid_parse(req->user.id, &owner))
		return http_error(res, 401, "Invalid token");
	struct derr err;
	size_t gone = 0;
	enum req_result r =
	    requests_create(&owner, role_name(req->user.role), &f, draft, &id, &gone, &err);
	if (r == REQ_PHOTO_GONE)
		return photo_gone(req, res, gone);
	if (r != REQ_OK)
		return refuse(res, r, NULL, &err);
	struct pickup_request *out;
	if ((st = load(req, res, &id, NULL, &out)))
		return st;
	return answer_request(res, 201, out);
}

/* The items of a page as their wire shape (a new array); releases the page. */
static json_object *page_json(struct req_page *p)
{
	json_object *items = json_object_new_array();
	for (size_t i = 0; i < p->n; i++)
		json_object_array_add(items, api_request_json(&p->items[i]));
	requests_list_free(p);
	return items;
}

int api_requests_list(struct http_request *req, struct http_response *res)
{
	struct verrors e;
	verr_init(&e);
	struct req_query q = {0};
	struct oid owner;
	if (!oid_parse(req->user.id, &owner)) {
		verr_free(&e);
		return http_error(res, 401, "Invalid token");
	}
	q.owner = &owner;
	v_query_enum(&e, http_query(req, "status"), "status", requests_status_names, &q.status);
	v_query_enum(&e, http_query(req, "category"), "category", categories_names, &q.category);
	http_query_paging(req, &e, &q.skip, &q.limit);
	if (verr_any(&e))
		return http_validation(res, &e);
	verr_free(&e);
	struct read_cache_probe probe;
	if (read_cache_serve(req, res, &probe))
		return res->status;
	struct req_page page;
	struct derr err;
	if (!requests_list(&q, &page, &err))
		return api_derr(res, &err);
	int64_t total = page.total;
	http_page(res, page_json(&page), total, q.skip, q.limit);
	read_cache_store(&probe, res);
	return res->status;
}

/* Whether the waitlist view `wl` has an entry still waiting: its position moves whenever
 * an entry ahead of it leaves the line, a change of someone else's entry that does not
 * bump this owner's read mark, so such an answer is not kept. */
static bool waitlist_has_waiting(json_object *wl)
{
	json_object *entries = json_object_object_get(wl, "entries");
	for (size_t i = 0; entries && i < json_object_array_length(entries); i++) {
		const char *s = jsonx_str(json_object_array_get_idx(entries, i), "status");
		if (s && strcmp(s, "waiting") == 0)
			return true;
	}
	return false;
}

/* From the read cache when the owner's read mark is unchanged (read_cache.h): every change
 * the answer shows bumps it after it is stored (the request's change log, its waitlist
 * entries' changes, docs/ARCHITECTURE.md "Read cache"). The key begins with the caller's
 * id, a 200 is kept only after load_own found the request theirs, and a request never
 * changes owner: anyone else's read of the id misses and is 404 below, as before. */
int api_requests_get(struct http_request *req, struct http_response *res)
{
	struct oid id, owner;
	if (!oid_parse(http_param(req, "id"), &id) || !oid_parse(req->user.id, &owner))
		return not_found(res);
	struct read_cache_probe probe;
	if (read_cache_serve(req, res, &probe))
		return res->status;
	struct pickup_request *r;
	int st = load(req, res, &id, &owner, &r);
	if (st)
		return st;
	struct derr err;
	struct wl_view v;
	if (!waitlist_of_request(&id, &v, &err))
		return api_derr(res, &err);
	json_object *wl = api_waitlist_json(&v);
	waitlist_view_free(&v);
	if (waitlist_has_waiting(wl))
		probe.storable = false;
	json_object *o = api_request_json(r);
	json_object_object_add(o, "waitlist", wl);
	http_json(res, 200, o);
	read_cache_store(&probe, res);
	return res->status;
}

int api_requests_update(struct http_request *req, struct http_response *res)
{
	struct oid id, owner;
	struct pickup_request *cur, *out;
	int st = load_own(req, res, &id, &owner, &cur);
	if (st)
		return st;
	json_object *body = http_json_body(req, res, &st);
	if (!body)
		return st;
	struct req_fields f;
	if ((st = parse_fields(req, res, body, true, cur->category, &f, NULL)))
		return st;
	struct derr err;
	size_t gone = 0;
	static const struct api_answer edit[API_REQ_RESULTS] = {
	    [REQ_INVALID] = API_REFUSE(409, "Only drafts can be edited")};
	enum req_result r = requests_update_draft(&id, &owner, &f, &gone, &err);
	if (r == REQ_PHOTO_GONE)
		return photo_gone(req, res, gone);
	if (r != REQ_OK)
		return refuse(res, r, edit, &err);
	if ((st = load(req, res, &id, NULL, &out)))
		return st;
	return answer_request(res, 200, out);
}

/* Runs a resident transition and answers it; `refusals` words the route's refusals
 * (results.h). */
static int resident_transition(struct http_request *req, struct http_response *res,
			       struct req_transition *t,
			       const struct api_answer refusals[API_REQ_RESULTS])
{
	struct oid id, owner;
	if (!oid_parse(http_param(req, "id"), &id) || !oid_parse(req->user.id, &owner))
		return not_found(res);
	t->actor = REQ_ACTOR_RESIDENT;
	t->actor_id = req->user.id;
	t->owner = &owner;
	struct pickup_request out;
	struct derr err;
	enum req_result r = requests_change_status(&id, t, NULL, &out, &err);
	if (r == REQ_OK)
		return answer_request(res, 200, &out);
	return refuse(res, r, refusals, &err);
}

int api_requests_submit(struct http_request *req, struct http_response *res)
{
	static const struct api_answer refusals[API_REQ_RESULTS] = {
	    [REQ_INVALID] = API_REFUSE(409, "Only drafts can be submitted"),
	    [REQ_TOO_LATE] = API_REFUSE_HOURS(400, "Too late")};
	struct req_transition t = {.to = RS_SUBMITTED};
	return resident_transition(req, res, &t, refusals);
}

int api_requests_cancel(struct http_request *req, struct http_response *res)
{
	int st;
	json_object *body = http_json_body_optional(req, res, &st);
	if (!body)
		return st;
	static const char *const keys[] = {"reason", NULL};
	struct verrors e;
	verr_init(&e);
	struct req_transition t = {.to = RS_CANCELLED};
	v_no_extra(&e, body, "body", keys);
	v_string(&e, body, "body", "reason", false, 0, 500, &t.reason);
	if (verr_any(&e))
		return http_validation(res, &e);
	verr_free(&e);
	if (t.reason && !*t.reason)
		t.reason = NULL;
	static const struct api_answer refusals[API_REQ_RESULTS] = {
	    [REQ_INVALID] = API_REFUSE(400, "Cannot cancel in current status"),
	    [REQ_TOO_LATE] = API_REFUSE_HOURS(400, "Too late to cancel")};
	return resident_transition(req, res, &t, refusals);
}

int api_requests_confirm_slot(struct http_request *req, struct http_response *res)
{
	int st;
	json_object *body = http_json_body(req, res, &st);
	if (!body)
		return st;
	static const char *const keys[] = {"slot_start", "slot_end", NULL};
	struct verrors e;
	verr_init(&e);
	struct req_transition t = {.to = RS_SCHEDULED, .has_slot = true};
	v_no_extra(&e, body, "body", keys);
	bool ok = v_instant(&e, body, "body", "slot_start", true, &t.slot.start);
	ok = v_instant(&e, body, "body", "slot_end", true, &t.slot.end) && ok;
	if (ok && t.slot.end <= t.slot.start)
		verr_add(&e, "body.slot_end", "Slot end should be after its start", "slot_order");
	if (verr_any(&e))
		return http_validation(res, &e);
	verr_free(&e);
	static const struct api_answer refusals[API_REQ_RESULTS] = {
	    [REQ_INVALID] = API_REFUSE(409, "Cannot confirm a slot in current status"),
	    [REQ_TOO_LATE] = API_REFUSE_HOURS(400, "Too late to reschedule")};
	return resident_transition(req, res, &t, refusals);
}

/* POST /api/requests/{id}/not-collected {reason}: the resident disputes a collected
 * pickup within 48 h (requests.h, "Disputes"). */
int api_requests_not_collected(struct http_request *req, struct http_response *res)
{
	int st;
	json_object *body = http_json_body(req, res, &st);
	if (!body)
		return st;
	static const char *const keys[] = {"reason", NULL};
	struct verrors e;
	verr_init(&e);
	struct req_transition t = {.to = RS_FAILED};
	v_no_extra(&e, body, "body", keys);
	v_string(&e, body, "body", "reason", true, 3, 500, &t.reason);
	if (verr_any(&e))
		return http_validation(res, &e);
	verr_free(&e);
	/* docs/openapi.yaml: both refusals of a dispute are 409 */
	static const struct api_answer refusals[API_REQ_RESULTS] = {
	    [REQ_INVALID] = API_REFUSE(409, "Only a collected pickup can be disputed"),
	    [REQ_TOO_LATE] =
		API_REFUSE(409, "Too late to dispute (more than 48h after collection)")};
	return resident_transition(req, res, &t, refusals);
}
