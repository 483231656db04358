/* Staff routes over every pickup request (staff and admins): the filtered list, the detail
 * with the transitions the caller may make, status transitions along exactly the edges of
 * the lifecycle (409 with the allowed next statuses otherwise) and notes on the timeline.
 * Every request staff see carries `user`: {id, name, email, phone} of the resident who made
 * it, or null when that account no longer exists. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/api.h"
#include "api/read_cache.h"
#include "api/results.h"
#include "domain/audit.h"
#include "domain/categories.h"
#include "domain/crews.h"
#include "domain/requests.h"
#include "domain/users.h"
#include "infra/db.h"
#include "infra/jsonx.h"
#include "infra/log.h"
#include "infra/timeutil.h"

static int not_found(struct http_response *res)
{
	return api_req_result(res, REQ_NOT_FOUND, NULL, NULL);
}

static enum req_actor actor_of(const struct http_request *req)
{
	return req->user.role == ROLE_ADMIN ? REQ_ACTOR_ADMIN : REQ_ACTOR_STAFF;
}

static json_object *allowed_json(enum req_status from, enum req_actor actor)
{
	enum req_status to[RS_COUNT];
	size_t n = requests_allowed_targets(from, actor, to);
	json_object *arr = json_object_new_array();
	for (size_t i = 0; i < n; i++)
		json_object_array_add(arr, json_object_new_string(requests_status_name(to[i])));
	return arr;
}

/* Adds `user` to each request of the array `items`: the distinct user_ids of the page are
 * read in one query and each object shared between its requests. Returns false on a
 * database error. */
static bool add_owners(json_object *items, bson_error_t *err)
{
	size_t n = json_object_array_length(items);
	bson_oid_t *ids = n ? calloc(n, sizeof(*ids)) : NULL;
	size_t *of = n ? calloc(n, sizeof(*of)) : NULL; /* item -> distinct index, or n */
	if (n && (!ids || !of))
		abort();
	size_t distinct = 0;
	for (size_t i = 0; i < n; i++) {
		bson_oid_t oid;
		of[i] = n;
		if (!db_parse_oid(jsonx_str(json_object_array_get_idx(items, i), "user_id"), &oid))
			continue;
		size_t k = 0;
		while (k < distinct && !bson_oid_equal(&ids[k], &oid))
			k++;
		if (k == distinct)
			bson_oid_copy(&oid, &ids[distinct++]);
		of[i] = k;
	}
	struct user *us = distinct ? calloc(distinct, sizeof(*us)) : NULL;
	if (distinct && !us)
		abort();
	bool ok = users_find_many(ids, distinct, us, err) == USERS_OK;
	json_object **owners = distinct ? calloc(distinct, sizeof(*owners)) : NULL;
	if (distinct && !owners)
		abort();
	for (size_t k = 0; ok && k < distinct; k++)
		owners[k] = api_request_owner_json(&us[k]);
	for (size_t i = 0; ok && i < n; i++)
		json_object_object_add(json_object_array_get_idx(items, i), "user",
				       of[i] < n ? json_object_get(owners[of[i]]) : NULL);
	for (size_t k = 0; k < distinct; k++) {
		json_object_put(owners[k]);
		if (ok)
			users_clear(&us[k]);
	}
	free(owners);
	free(us);
	free(of);
	free(ids);
	return ok;
}

/* The resident `user_id` (hex) as staff see them (api_request_owner_json), or NULL when the id is
 * malformed or the account no longer exists. Returns false only on a database error. */
static bool owner_json(const char *user_id, json_object **out, bson_error_t *err)
{
	*out = NULL;
	bson_oid_t oid;
	if (!db_parse_oid(user_id, &oid))
		return true;
	struct user u;
	switch (users_find_by_id(&oid, false, &u, err)) {
	case USERS_OK: break;
	case USERS_ERR: return false;
	default: return true;
	}
	*out = api_request_owner_json(&u);
	users_clear(&u);
	return true;
}

/* `crew` of a request as staff see it: {id, name, active} of its crew_id, or null (none,
 * or a crew id that no longer names a crew). false only on a database error. */
static bool add_crew(json_object *o, struct derr *err)
{
	struct oid id;
	json_object *v = NULL;
	if (oid_parse(jsonx_str(o, "crew_id"), &id)) {
		struct crew c;
		switch (crews_get(&id, &c, err)) {
		case CREWS_OK:
			v = json_object_new_object();
			json_object_object_add(v, "id", json_object_new_string(c.id));
			json_object_object_add(v, "name", json_object_new_string(c.name));
			json_object_object_add(v, "active", json_object_new_boolean(c.active));
			break;
		case CREWS_NOT_FOUND: break;
		case CREWS_ERR: return false;
		}
	}
	json_object_object_add(o, "crew", v);
	return true;
}

/* The request as staff see it: the request shape plus `allowed_transitions` and `user`.
 * `after_change` (a transition or note was stored): a failed lookup of the resident does
 * not turn the stored change into an error; `user` is null then and a warning logged. */
static int answer_staff(struct http_request *req, struct http_response *res, int status,
			bson_t *doc, bool after_change)
{
	json_object *o = requests_to_json(doc);
	bson_destroy(doc);
	json_object *owner = NULL;
	bson_error_t err;
	if (!owner_json(jsonx_str(o, "user_id"), &owner, &err)) {
		if (!after_change) {
			json_object_put(o);
			return http_db_error(res, &err);
		}
		log_warn("resident lookup failed: %s", err.message);
	}
	json_object_object_add(o, "user", owner);
	struct derr derr;
	if (!add_crew(o, &derr)) {
		json_object_put(o);
		return api_derr(res, &derr);
	}
	int from = requests_status_parse(jsonx_str(o, "status"));
	json_object_object_add(o, "allowed_transitions",
			       from < 0 ? json_object_new_array()
					: allowed_json((enum req_status)from, actor_of(req)));
	return http_json(res, status, o);
}

/* [start, end) in ms of the calendar day `s` (YYYY-MM-DD) in SERVICE_TZ. */
static bool day_bounds(const char *s, int64_t *start, int64_t *end)
{
	int y, m, d;
	if (!time_parse_date(s, &y, &m, &d))
		return false;
	struct tm a = {.tm_year = y - 1900, .tm_mon = m - 1, .tm_mday = d, .tm_isdst = -1};
	struct tm b = {.tm_year = y - 1900, .tm_mon = m - 1, .tm_mday = d + 1, .tm_isdst = -1};
	time_t ta = mktime(&a), tb = mktime(&b);
	if (ta == (time_t)-1 || tb == (time_t)-1)
		return false;
	*start = (int64_t)ta * 1000;
	*end = (int64_t)tb * 1000;
	return true;
}

/* The filters of the staff list (and its CSV export) into *out; errors into `e`. */
void api_staff_query(struct http_request *req, struct verrors *e, struct req_query *out)
{
	struct req_query q = {0};
	v_query_enum(e, http_query(req, "status"), "status", requests_status_names, &q.status);
	v_query_enum(e, http_query(req, "category"), "category", categories_names, &q.category);
	const char *date = http_query(req, "date");
	if (date && *date) {
		if (!day_bounds(date, &q.day_start, &q.day_end))
			verr_add(e, "query.date", "Input should be a date YYYY-MM-DD",
				 "date_parsing");
		else
			q.has_day = true;
	}
	v_query_string(e, http_query(req, "q"), "q", 200, &q.q);
	v_query_string(e, http_query(req, "pincode"), "pincode", 10, &q.pincode);
	const char *crew = http_query(req, "crew");
	if (crew && *crew) {
		if (db_parse_oid(crew, &q.crew))
			q.has_crew = true;
		else
			verr_add(e, "query.crew", "must be a crew id (24 hex characters)",
				 "value_error.id");
	}
	*out = q;
}

int api_staff_requests_list(struct http_request *req, struct http_response *res)
{
	struct verrors e;
	verr_init(&e);
	struct req_query q = {0};
	api_staff_query(req, &e, &q);
	http_query_paging(req, &e, &q.skip, &q.limit);
	if (verr_any(&e))
		return http_validation(res, &e);
	verr_free(&e);
	/* A board column on FerretDB costs what its whole status costs (the store decodes and
	 * sorts every match): pages are kept per worker until any request changes. */
	struct read_cache_probe probe;
	if (read_cache_serve_board(req, res, &probe))
		return res->status;
	int64_t total = 0;
	bson_error_t err;
	json_object *items = requests_list(&q, &total, &err);
	if (!items)
		return http_db_error(res, &err);
	if (!add_owners(items, &err)) {
		json_object_put(items);
		return http_db_error(res, &err);
	}
	http_page(res, items, total, q.skip, q.limit);
	read_cache_store(&probe, res);
	return res->status;
}

int api_staff_requests_get(struct http_request *req, struct http_response *res)
{
	bson_oid_t id;
	if (!db_parse_oid(http_param(req, "id"), &id))
		return not_found(res);
	bson_error_t err;
	bson_t *doc = requests_load(&id, NULL, &err);
	if (!doc)
		return err.code ? http_db_error(res, &err) : not_found(res);
	return answer_staff(req, res, 200, doc, false);
}

/* Proof of service of a step to `to`: weight_kg (required for collected, 0 < w <= 1000)
 * and proof_photos (0-5 of the caller's uploads), only for collected. Errors go into `e`;
 * false on a database error (err set). */
static bool proof_of_service(struct http_request *req, struct verrors *e, json_object *body,
			     enum req_status to, struct req_transition *t, bson_error_t *err)
{
	bool collected = to == RS_COLLECTED;
	if (!collected) {
		if (json_object_object_get_ex(body, "weight_kg", NULL))
			verr_add(e, "body.weight_kg", "weight_kg is only given when collecting",
				 "weight_unexpected");
		if (json_object_object_get_ex(body, "proof_photos", NULL))
			verr_add(e, "body.proof_photos",
				 "proof_photos are only given when collecting", "proof_unexpected");
		return true;
	}
	t->has_weight = v_number(e, body, "body", "weight_kg", true, 0, true, 1000, &t->weight_kg);
	json_object *photos = v_array(e, body, "body", "proof_photos", false, 0, 5);
	if (!photos)
		return true;
	return api_photo_refs(req, e, photos, "body.proof_photos", t->proof_paths, &t->n_proofs,
			      err);
}

/* The trail's view of a transition: the status before and after (and the slot kept). */
static void audit_transition(struct http_request *req, enum req_status from, const bson_t *doc)
{
	bson_iter_t it;
	char hex[25] = "";
	if (bson_iter_init_find(&it, doc, "_id") && BSON_ITER_HOLDS_OID(&it))
		bson_oid_to_string(bson_iter_oid(&it), hex);
	json_object *before = json_object_new_object();
	json_object_object_add(before, "status",
			       json_object_new_string(requests_status_name(from)));
	json_object *after = json_object_new_object();
	const char *to = bson_iter_init_find(&it, doc, "status") && BSON_ITER_HOLDS_UTF8(&it)
			     ? bson_iter_utf8(&it, NULL)
			     : "";
	json_object_object_add(after, "status", json_object_new_string(to));
	json_object_object_add(after, "version", json_object_new_int64(requests_version(doc)));
	if (bson_iter_init_find(&it, doc, "assigned_slot"))
		json_object_object_add(after, "assigned_slot", db_value_to_json(&it));
	api_audit(req, AUDIT_REQUEST_TRANSITION, "request", hex, before, after, NULL);
}

/* The step a staff member asks for, read from `body` into *t (errors into `e`): the status
 * `to` (*has_to when it names one), note, reason, expected version and slot, each only
 * where the status allows it. */
static void parse_step(struct verrors *e, json_object *body, struct req_transition *t, bool *has_to)
{
	static const char *const keys[] = {"to",	   "note",	     "reason",
					   "slot_start",   "slot_end",	     "weight_kg",
					   "proof_photos", "expect_version", NULL};
	v_no_extra(e, body, "body", keys);
	const char *to = NULL;
	*has_to = v_enum(e, body, "body", "to", true, requests_status_names, &to);
	v_string(e, body, "body", "note", false, 1, 1000, &t->note);
	/* why a pickup failed or was cancelled: told to the resident, counted by the reports */
	v_string(e, body, "body", "reason", false, 1, 500, &t->reason);
	/* a client that decided offline on what it saw (My route's queue) names that version */
	long expect = 0;
	v_int(e, body, "body", "expect_version", false, 1, 1000000000L, &expect);
	t->expect_version = expect;
	bool has_start = v_instant(e, body, "body", "slot_start", false, &t->slot.start);
	bool has_end = v_instant(e, body, "body", "slot_end", false, &t->slot.end);
	if (has_start != has_end)
		verr_add(e, has_start ? "body.slot_end" : "body.slot_start",
			 "slot_start and slot_end go together", "missing");
	else if (has_start && t->slot.end <= t->slot.start)
		verr_add(e, "body.slot_end", "Slot end should be after its start", "slot_order");
	t->has_slot = has_start && has_end;
	if (*has_to) {
		t->to = (enum req_status)requests_status_parse(to);
		if (t->has_slot && t->to != RS_SCHEDULED)
			verr_add(e, "body.slot_start", "A slot is only given when scheduling",
				 "slot_unexpected");
		if (t->reason && t->to != RS_FAILED && t->to != RS_CANCELLED)
			verr_add(e, "body.reason",
				 "A reason is only given when failing or cancelling",
				 "reason_unexpected");
	}
}

/* The refusal of a staff step from `from` to `to`: the allowed targets with an invalid
 * one, the field a missing slot belongs to, the rest from the table (results.h). */
static int refuse_step(struct http_response *res, enum req_result r, enum req_status from,
		       enum req_status to, enum req_actor actor, const bson_error_t *err)
{
	static const struct api_answer refusals[API_REQ_RESULTS] = {
	    [REQ_PHOTO_GONE] = API_INVALID("Photo no longer exists; upload it again",
					   "body.proof_photos", "upload_gone")};
	static const struct api_answer failed_needs_slot = API_INVALID(
	    "A new slot (slot_start, slot_end) is required to reschedule a failed request",
	    "body.slot_start", "missing");
	if (r == REQ_INVALID) {
		char msg[128];
		snprintf(msg, sizeof(msg), "Invalid transition from %s to %s",
			 requests_status_name(from), requests_status_name(to));
		json_object *o = json_object_new_object();
		json_object_object_add(o, "detail", json_object_new_string(msg));
		json_object_object_add(o, "allowed", allowed_json(from, actor));
		return http_json(res, 409, o);
	}
	if (r == REQ_SLOT_REQUIRED && from == RS_FAILED)
		return api_answer(res, &failed_needs_slot, NULL);
	return api_req_result(res, r, refusals, err);
}

int api_staff_requests_transition(struct http_request *req, struct http_response *res)
{
	bson_oid_t id;
	if (!db_parse_oid(http_param(req, "id"), &id))
		return not_found(res);
	int st;
	json_object *body = http_json_body(req, res, &st);
	if (!body)
		return st;
	struct verrors e;
	verr_init(&e);
	struct req_transition t = {.actor = actor_of(req), .actor_id = req->user.id};
	bool has_to;
	parse_step(&e, body, &t, &has_to);
	bson_error_t err;
	if (!proof_of_service(req, &e, body, has_to ? t.to : RS_COUNT, &t, &err)) {
		verr_free(&e);
		return http_db_error(res, &err);
	}
	if (verr_any(&e))
		return http_validation(res, &e);
	verr_free(&e);

	bson_t *doc = NULL;
	enum req_status from = RS_COUNT;
	enum req_result r = requests_transition(&id, &t, &from, &doc, &err);
	if (r == REQ_OK) {
		audit_transition(req, from, doc);
		return answer_staff(req, res, 200, doc, true);
	}
	return refuse_step(res, r, from, t.to, t.actor, &err);
}

int api_staff_requests_note(struct http_request *req, struct http_response *res)
{
	bson_oid_t id;
	if (!db_parse_oid(http_param(req, "id"), &id))
		return not_found(res);
	int st;
	json_object *body = http_json_body(req, res, &st);
	if (!body)
		return st;
	static const char *const keys[] = {"note", NULL};
	struct verrors e;
	verr_init(&e);
	const char *note = NULL;
	v_no_extra(&e, body, "body", keys);
	v_string(&e, body, "body", "note", true, 1, 1000, &note);
	if (verr_any(&e))
		return http_validation(res, &e);
	verr_free(&e);
	bson_error_t err;
	enum req_result r =
	    requests_add_note(&id, req->user.id, role_name(req->user.role), note, &err);
	if (r != REQ_OK)
		return api_req_result(res, r, NULL, &err);
	bson_t *doc = requests_load(&id, NULL, &err);
	if (!doc)
		return err.code ? http_db_error(res, &err) : not_found(res);
	/* the note's text stays in the request's timeline, not in the trail (audit.h) */
	json_object *after = json_object_new_object();
	json_object_object_add(after, "version", json_object_new_int64(requests_version(doc)));
	char hex[25];
	bson_oid_to_string(&id, hex);
	api_audit(req, AUDIT_REQUEST_NOTE, "request", hex, NULL, after, NULL);
	return answer_staff(req, res, 201, doc, true);
}

int api_staff_request_answer(struct http_request *req, struct http_response *res, int status,
			     bson_t *doc, bool after_change)
{
	return answer_staff(req, res, status, doc, after_change);
}
