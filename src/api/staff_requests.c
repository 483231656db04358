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
#include "api/request_json.h"
#include "domain/users.h"
#include "api/results.h"
#include "domain/audit.h"
#include "domain/categories.h"
#include "domain/requests.h"
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

/* The page as staff see it (a new array; releases the page): each request with `user`,
 * the distinct residents of the page read in one query and each object shared between
 * their requests. false on a database error (nothing returned). */
static bool page_with_owners(struct req_page *p, json_object **out, struct derr *err)
{
	size_t n = p->n;
	struct oid *ids = n ? calloc(n, sizeof(*ids)) : NULL;
	size_t *of = n ? calloc(n, sizeof(*of)) : NULL; /* item -> distinct index, or n */
	if (n && (!ids || !of))
		abort();
	size_t distinct = 0;
	for (size_t i = 0; i < n; i++) {
		of[i] = n;
		if (!p->items[i].has_user)
			continue;
		size_t k = 0;
		while (k < distinct && !oid_equal(&ids[k], &p->items[i].user_id))
			k++;
		if (k == distinct)
			ids[distinct++] = p->items[i].user_id;
		of[i] = k;
	}
	struct user *us = distinct ? calloc(distinct, sizeof(*us)) : NULL;
	json_object **owners = distinct ? calloc(distinct, sizeof(*owners)) : NULL;
	if (distinct && (!us || !owners))
		abort();
	bool ok = users_get_many(ids, distinct, us, err) == USERS_OK;
	for (size_t k = 0; ok && k < distinct; k++)
		owners[k] = api_request_owner_json(&us[k]);
	*out = ok ? json_object_new_array() : NULL;
	for (size_t i = 0; ok && i < n; i++) {
		json_object *o = api_request_json(&p->items[i]);
		json_object_object_add(o, "user",
				       of[i] < n ? json_object_get(owners[of[i]]) : NULL);
		json_object_array_add(*out, o);
	}
	for (size_t k = 0; k < distinct; k++) {
		json_object_put(owners[k]);
		if (ok)
			users_clear(&us[k]);
	}
	requests_list_free(p);
	free(owners);
	free(us);
	free(of);
	free(ids);
	return ok;
}

/* The resident of `r` as staff see them (api_request_owner_json), or NULL when the
 * account no longer exists. Returns false only on a database error. */
static bool owner_json(const struct pickup_request *r, json_object **out, struct derr *err)
{
	*out = NULL;
	if (!r->has_user)
		return true;
	struct user u;
	enum users_rc rc = users_get(&r->user_id, false, &u, err);
	if (rc != USERS_OK)
		return rc != USERS_ERR;
	*out = api_request_owner_json(&u);
	users_clear(&u);
	return true;
}

/* `crew` of a request as staff see it: {id, name, active} of its crew_id, or null (none,
 * or a crew id that no longer names a crew). false only on a database error. */
static bool add_crew(json_object *o, const struct pickup_request *r, struct derr *err)
{
	json_object *v = NULL;
	if (r->has_crew) {
		struct crew c;
		switch (crews_get(&r->crew_id, &c, err)) {
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

int api_staff_request_show(struct http_request *req, struct http_response *res, int status,
			   const struct pickup_request *r, bool after_change)
{
	json_object *o = api_request_json(r);
	json_object *owner = NULL;
	struct derr err;
	if (!owner_json(r, &owner, &err)) {
		if (!after_change) {
			json_object_put(o);
			return api_derr(res, &err);
		}
		log_warn("resident lookup failed: %s", err.message);
	}
	json_object_object_add(o, "user", owner);
	if (!add_crew(o, r, &err)) {
		json_object_put(o);
		return api_derr(res, &err);
	}
	json_object_object_add(o, "allowed_transitions",
			       r->status >= RS_COUNT ? json_object_new_array()
						     : allowed_json(r->status, actor_of(req)));
	return http_json(res, status, o);
}

/* The same for a request the caller no longer needs (cleared here). */
static int answer_staff(struct http_request *req, struct http_response *res, int status,
			struct pickup_request *r, bool after_change)
{
	int st = api_staff_request_show(req, res, status, r, after_change);
	pickup_request_clear(r);
	return st;
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
		if (oid_parse(crew, &q.crew))
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
	struct req_page page;
	struct derr err;
	if (!requests_list(&q, &page, &err))
		return api_derr(res, &err);
	int64_t total = page.total;
	json_object *items;
	if (!page_with_owners(&page, &items, &err))
		return api_derr(res, &err);
	http_page(res, items, total, q.skip, q.limit);
	read_cache_store(&probe, res);
	return res->status;
}

int api_staff_requests_get(struct http_request *req, struct http_response *res)
{
	struct oid id;
	if (!oid_parse(http_param(req, "id"), &id))
		return not_found(res);
	struct derr err;
	struct pickup_request r;
	enum req_result rc = requests_get(&id, NULL, &r, &err);
	if (rc != REQ_OK)
		return rc == REQ_DB_ERROR ? api_derr(res, &err) : not_found(res);
	return answer_staff(req, res, 200, &r, false);
}

/* Proof of service of a step to `to`: weight_kg (required for collected, 0 < w <= 1000)
 * and proof_photos (0-5 of the caller's uploads), only for collected. Errors go into `e`;
 * false on a database error (err set). */
static bool proof_of_service(struct http_request *req, struct verrors *e, json_object *body,
			     enum req_status to, struct req_transition *t, struct derr *err)
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
static void audit_transition(struct http_request *req, enum req_status from,
			     const struct pickup_request *r)
{
	char hex[OID_HEX_LEN], ts[TIME_RFC3339_LEN];
	oid_to_hex(&r->id, hex);
	json_object *before = json_object_new_object();
	json_object_object_add(before, "status",
			       json_object_new_string(requests_status_name(from)));
	json_object *after = json_object_new_object();
	json_object_object_add(after, "status",
			       json_object_new_string(requests_status_name(r->status)));
	json_object_object_add(after, "version", json_object_new_int64(r->version));
	json_object *slot = NULL;
	if (r->has_assigned_slot) {
		slot = json_object_new_object();
		time_format_rfc3339(r->assigned_slot.start, ts);
		json_object_object_add(slot, "start", json_object_new_string(ts));
		time_format_rfc3339(r->assigned_slot.end, ts);
		json_object_object_add(slot, "end", json_object_new_string(ts));
	}
	json_object_object_add(after, "assigned_slot", slot);
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
		       enum req_status to, enum req_actor actor, const struct derr *err)
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
	if (r == REQ_DB_ERROR)
		return api_derr(res, err);
	return api_req_result(res, r, refusals, NULL);
}

/* The opening of a change of one request: its id from the path (404 when malformed) and
 * the JSON body (its own error answer). 0, or the status already answered. */
static int open_change(struct http_request *req, struct http_response *res, struct oid *id,
		       json_object **body)
{
	if (!oid_parse(http_param(req, "id"), id))
		return not_found(res);
	int st = 0;
	*body = http_json_body(req, res, &st);
	return *body ? 0 : st;
}

int api_staff_requests_transition(struct http_request *req, struct http_response *res)
{
	struct oid id;
	json_object *body;
	int st = open_change(req, res, &id, &body);
	if (st)
		return st;
	struct verrors e;
	verr_init(&e);
	struct req_transition t = {.actor = actor_of(req), .actor_id = req->user.id};
	bool has_to;
	parse_step(&e, body, &t, &has_to);
	struct derr err;
	if (!proof_of_service(req, &e, body, has_to ? t.to : RS_COUNT, &t, &err)) {
		verr_free(&e);
		return api_derr(res, &err);
	}
	if (verr_any(&e))
		return http_validation(res, &e);
	verr_free(&e);

	struct pickup_request out;
	enum req_status from = RS_COUNT;
	enum req_result r = requests_change_status(&id, &t, &from, &out, &err);
	if (r == REQ_OK) {
		audit_transition(req, from, &out);
		return answer_staff(req, res, 200, &out, true);
	}
	return refuse_step(res, r, from, t.to, t.actor, &err);
}

int api_staff_requests_note(struct http_request *req, struct http_response *res)
{
	struct oid id;
	json_object *body;
	int st = open_change(req, res, &id, &body);
	if (st)
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
	struct derr err;
	enum req_result r =
	    requests_add_note(&id, req->user.id, role_name(req->user.role), note, &err);
	if (r == REQ_DB_ERROR)
		return api_derr(res, &err);
	if (r != REQ_OK)
		return api_req_result(res, r, NULL, NULL);
	struct pickup_request out;
	r = requests_get(&id, NULL, &out, &err);
	if (r != REQ_OK)
		return r == REQ_DB_ERROR ? api_derr(res, &err) : not_found(res);
	/* the note's text stays in the request's timeline, not in the trail (audit.h) */
	json_object *after = json_object_new_object();
	json_object_object_add(after, "version", json_object_new_int64(out.version));
	char hex[OID_HEX_LEN];
	oid_to_hex(&id, hex);
	api_audit(req, AUDIT_REQUEST_NOTE, "request", hex, NULL, after, NULL);
	return answer_staff(req, res, 201, &out, true);
}
