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
#include "domain/audit.h"
#include "domain/categories.h"
#include "domain/requests.h"
#include "domain/users.h"
#include "infra/db.h"
#include "infra/jsonx.h"
#include "infra/log.h"
#include "infra/timeutil.h"

static int not_found(struct http_response *res)
{
	return http_error(res, 404, "Request not found");
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

/* The resident `u` as staff see them: a new {id, name, email, phone} object, or NULL
 * (JSON null) when the account does not exist (u->id ""). */
static json_object *user_json(const struct user *u)
{
	if (!u->id[0])
		return NULL;
	json_object *o = json_object_new_object();
	json_object_object_add(o, "id", json_object_new_string(u->id));
	json_object_object_add(o, "name", json_object_new_string(u->name ? u->name : ""));
	json_object_object_add(o, "email", json_object_new_string(u->email ? u->email : ""));
	json_object_object_add(o, "phone", u->phone ? json_object_new_string(u->phone) : NULL);
	return o;
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
		owners[k] = user_json(&us[k]);
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

/* The resident `user_id` (hex) as staff see them (user_json), or NULL when the id is
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
	*out = user_json(&u);
	users_clear(&u);
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

int api_staff_requests_list(struct http_request *req, struct http_response *res)
{
	struct verrors e;
	verr_init(&e);
	struct req_query q = {0};
	v_query_enum(&e, http_query(req, "status"), "status", requests_status_names, &q.status);
	v_query_enum(&e, http_query(req, "category"), "category", categories_names, &q.category);
	const char *date = http_query(req, "date");
	if (date && *date) {
		if (!day_bounds(date, &q.day_start, &q.day_end))
			verr_add(&e, "query.date", "Input should be a date YYYY-MM-DD",
				 "date_parsing");
		else
			q.has_day = true;
	}
	v_query_string(&e, http_query(req, "q"), "q", 200, &q.q);
	http_query_paging(req, &e, &q.skip, &q.limit);
	if (verr_any(&e))
		return http_validation(res, &e);
	verr_free(&e);
	int64_t total = 0;
	bson_error_t err;
	json_object *items = requests_list(&q, &total, &err);
	if (!items)
		return http_db_error(res, &err);
	if (!add_owners(items, &err)) {
		json_object_put(items);
		return http_db_error(res, &err);
	}
	return http_page(res, items, total, q.skip, q.limit);
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

int api_staff_requests_transition(struct http_request *req, struct http_response *res)
{
	bson_oid_t id;
	if (!db_parse_oid(http_param(req, "id"), &id))
		return not_found(res);
	int st;
	json_object *body = http_json_body(req, res, &st);
	if (!body)
		return st;
	static const char *const keys[] = {"to", "note", "slot_start", "slot_end", NULL};
	struct verrors e;
	verr_init(&e);
	v_no_extra(&e, body, "body", keys);
	const char *to = NULL;
	struct req_transition t = {.actor = actor_of(req), .actor_id = req->user.id};
	bool has_to = v_enum(&e, body, "body", "to", true, requests_status_names, &to);
	v_string(&e, body, "body", "note", false, 1, 1000, &t.note);
	bool has_start = v_instant(&e, body, "body", "slot_start", false, &t.slot.start);
	bool has_end = v_instant(&e, body, "body", "slot_end", false, &t.slot.end);
	if (has_start != has_end)
		verr_add(&e, has_start ? "body.slot_end" : "body.slot_start",
			 "slot_start and slot_end go together", "missing");
	else if (has_start && t.slot.end <= t.slot.start)
		verr_add(&e, "body.slot_end", "Slot end should be after its start", "slot_order");
	t.has_slot = has_start && has_end;
	if (has_to) {
		t.to = (enum req_status)requests_status_parse(to);
		if (t.has_slot && t.to != RS_SCHEDULED)
			verr_add(&e, "body.slot_start", "A slot is only given when scheduling",
				 "slot_unexpected");
	}
	if (verr_any(&e))
		return http_validation(res, &e);
	verr_free(&e);

	bson_t *doc = NULL;
	bson_error_t err;
	enum req_status from = RS_COUNT;
	char msg[128];
	json_object *o;
	switch (requests_transition(&id, &t, &from, &doc, &err)) {
	case REQ_OK:
		audit_transition(req, from, doc);
		return answer_staff(req, res, 200, doc, true);
	case REQ_NOT_FOUND: return not_found(res);
	case REQ_INVALID:
		snprintf(msg, sizeof(msg), "Invalid transition from %s to %s",
			 requests_status_name(from), requests_status_name(t.to));
		o = json_object_new_object();
		json_object_object_add(o, "detail", json_object_new_string(msg));
		json_object_object_add(o, "allowed", allowed_json(from, t.actor));
		return http_json(res, 409, o);
	case REQ_SLOT_REQUIRED:
		verr_init(&e);
		verr_add(&e, "body.slot_start",
			 from == RS_FAILED ? "A new slot (slot_start, slot_end) is required to "
					     "reschedule a failed request"
					   : "A slot (slot_start, slot_end) is required: none is "
					     "assigned",
			 "missing");
		return http_validation(res, &e);
	case REQ_SLOT_FULL: return http_error(res, 409, "Slot is full");
	case REQ_SLOT_NOT_AVAILABLE: return http_error(res, 409, "Slot not available");
	case REQ_TOO_LATE: return http_error(res, 400, "Too late");
	case REQ_CONFLICT: return http_error(res, 409, REQUEST_CONFLICT_MSG);
	case REQ_PHOTO_GONE: /* only create and edit keep photos */
	case REQ_DB_ERROR: break;
	}
	return http_db_error(res, &err);
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
	switch (requests_add_note(&id, req->user.id, role_name(req->user.role), note, &err)) {
	case REQ_OK: break;
	case REQ_NOT_FOUND: return not_found(res);
	case REQ_CONFLICT: return http_error(res, 409, REQUEST_CONFLICT_MSG);
	default: return http_db_error(res, &err);
	}
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
