/* Crews (issue 17): the admin's crew list and changes (/api/admin/crews), and staff giving
 * requests to a crew, one (/api/staff/requests/{id}/assign) or a slot's or a pincode's at
 * once (/api/staff/assign). Members must be staff or admin accounts that are not disabled;
 * only an active crew takes assignments. The assignment itself is a change of the request
 * (requests_assign_crew: versioned, races give one winner). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/request_json.h"
#include "api/results.h"
#include "domain/crews.h"
#include "domain/requests.h"
#include "domain/route_sheet.h"
#include "domain/users.h"
#include "infra/cleanup.h"
#include "infra/jsonx.h"
#include "infra/timeutil.h"

CLEANUP_DEFINE(crew_list, struct crew, free)

json_object *api_crew_json(const struct crew *c)
{
	char ts[TIME_RFC3339_LEN];
	json_object *o = json_object_new_object();
	json_object_object_add(o, "id", json_object_new_string(c->id));
	json_object_object_add(o, "name", json_object_new_string(c->name));
	json_object *m = json_object_new_array();
	for (size_t i = 0; i < c->n_members; i++) {
		char hex[OID_HEX_LEN];
		oid_to_hex(&c->members[i], hex);
		json_object_array_add(m, json_object_new_string(hex));
	}
	json_object_object_add(o, "members", m);
	json_object_object_add(o, "active", json_object_new_boolean(c->active));
	time_format_rfc3339(c->created_at, ts);
	json_object_object_add(o, "created_at", json_object_new_string(ts));
	time_format_rfc3339(c->updated_at, ts);
	json_object_object_add(o, "updated_at", json_object_new_string(ts));
	return o;
}

int api_admin_crews_list(struct http_request *req, struct http_response *res)
{
	struct crew *list = NULL;
	size_t n = 0;
	struct derr err;
	if (crews_list(&list, &n, &err) != CREWS_OK)
		return api_derr(res, &err);
	arena_defer_crew_list(req->arena, list);
	json_object *items = json_object_new_array();
	for (size_t i = 0; i < n; i++)
		json_object_array_add(items, api_crew_json(&list[i]));
	json_object *o = json_object_new_object();
	json_object_object_add(o, "items", items);
	json_object_object_add(o, "total", json_object_new_int64((int64_t)n));
	return http_json(res, 200, o);
}

/* body.members: distinct ids of staff or admin accounts that are not disabled, into
 * out[0..*n-1]. Errors go to `e`; false only on a database error (err set). */
static bool parse_members(struct verrors *e, json_object *arr, struct oid *out, size_t *n,
			  struct derr *err)
{
	*n = 0;
	size_t len = json_object_array_length(arr);
	char loc[48];
	for (size_t i = 0; i < len; i++) {
		json_object *v = json_object_array_get_idx(arr, i);
		snprintf(loc, sizeof(loc), "body.members.%zu", i);
		struct oid oid;
		if (!json_object_is_type(v, json_type_string) ||
		    !oid_parse(json_object_get_string(v), &oid)) {
			verr_add(e, loc, "Input should be a 24-character hexadecimal user id",
				 "value_error");
			continue;
		}
		bool dup = false;
		for (size_t k = 0; k < *n; k++)
			dup = dup || oid_equal(&out[k], &oid);
		if (dup)
			verr_add(e, loc, "Each member is listed once", "duplicate");
		else
			out[(*n)++] = oid;
	}
	if (verr_any(e) || *n == 0)
		return true;
	struct user us[CREWS_MAX_MEMBERS];
	if (users_get_many(out, *n, us, err) != USERS_OK)
		return false;
	for (size_t i = 0; i < *n; i++) {
		snprintf(loc, sizeof(loc), "body.members.%zu", i);
		if (!us[i].id[0])
			verr_add(e, loc, "No such user", "not_found");
		else if (strcmp(us[i].role, "staff") != 0 && strcmp(us[i].role, "admin") != 0)
			verr_add(e, loc, "Crew members must be staff or admin accounts",
				 "not_staff");
		else if (us[i].disabled)
			verr_add(e, loc, "This account is disabled", "disabled");
		users_clear(&us[i]);
	}
	return true;
}

/* Validates a crew body (create: name and members required) into `c`/`p`. */
static int crew_body(struct http_request *req, struct http_response *res, bool create,
		     struct crew *c, struct crew_patch *p)
{
	int st;
	json_object *b = http_json_body(req, res, &st);
	if (!b)
		return st;
	static const char *const keys[] = {"name", "members", "active", NULL};
	struct verrors *e = http_verrors(req);
	v_no_extra(e, b, "body", keys);
	const char *name = NULL;
	if (v_string(e, b, "body", "name", create, 1, CREWS_NAME_MAX, &name)) {
		p->name = name;
		snprintf(c->name, sizeof(c->name), "%s", name);
	}
	p->set_active = v_bool(e, b, "body", "active", false, &p->active);
	c->active = p->set_active ? p->active : true;
	json_object *m = v_array(e, b, "body", "members", create, 0, CREWS_MAX_MEMBERS);
	struct derr err;
	if (m && !parse_members(e, m, c->members, &c->n_members, &err))
		return api_derr(res, &err);
	p->set_members = m != NULL;
	p->members = c->members;
	p->n_members = c->n_members;
	if (verr_any(e))
		return http_validation(res, e);
	return 0;
}

int api_admin_crews_create(struct http_request *req, struct http_response *res)
{
	struct crew *c = arena_alloc(req->arena, sizeof(*c));
	memset(c, 0, sizeof(*c));
	struct crew_patch p = {0};
	int st = crew_body(req, res, true, c, &p);
	if (st)
		return st;
	struct derr err;
	if (crews_create(c, &err) != CREWS_OK)
		return api_derr(res, &err);
	return http_json(res, 201, api_crew_json(c));
}

int api_admin_crews_patch(struct http_request *req, struct http_response *res)
{
	struct oid id;
	if (!oid_parse(http_param(req, "id"), &id))
		return api_crews_result(res, CREWS_NOT_FOUND, NULL, NULL);
	struct crew *c = arena_alloc(req->arena, sizeof(*c));
	memset(c, 0, sizeof(*c));
	struct crew_patch p = {0};
	int st = crew_body(req, res, false, c, &p);
	if (st)
		return st;
	struct derr err;
	enum crews_rc rc = crews_update(&id, &p, &err);
	if (rc == CREWS_OK)
		rc = crews_get(&id, c, &err);
	if (rc == CREWS_OK)
		return http_json(res, 200, api_crew_json(c));
	return api_crews_result(res, rc, NULL, &err);
}

/* body.crew_id: an active crew (into *c, *has true), or null when `nullable` (*has false).
 * 0, or the status of the answer already set. */
static int crew_of_body(struct http_request *req, struct http_response *res, json_object *b,
			bool nullable, struct crew *c, bool *has)
{
	struct verrors *e = http_verrors(req);
	json_object *v = NULL;
	*has = false;
	if (!json_object_object_get_ex(b, "crew_id", &v) || (v == NULL && !nullable)) {
		verr_add(e, "body.crew_id", "Field required", "missing");
		return http_validation(res, e);
	}
	if (v == NULL)
		return 0;
	struct oid id;
	if (!json_object_is_type(v, json_type_string) ||
	    !oid_parse(json_object_get_string(v), &id)) {
		verr_add(e, "body.crew_id", "Input should be a 24-character hexadecimal crew id",
			 "value_error");
		return http_validation(res, e);
	}
	struct derr err;
	static const struct api_answer refusals[API_CREWS_RESULTS] = {
	    [CREWS_NOT_FOUND] = API_INVALID("No such crew", "body.crew_id", "not_found")};
	enum crews_rc rc = crews_get(&id, c, &err);
	if (rc != CREWS_OK)
		return api_crews_result(res, rc, refusals, &err);
	if (!c->active) {
		verr_add(e, "body.crew_id", "This crew is inactive", "inactive");
		return http_validation(res, e);
	}
	*has = true;
	return 0;
}

static enum req_actor actor_of(const struct http_request *req)
{
	return req->user.role == ROLE_ADMIN ? REQ_ACTOR_ADMIN : REQ_ACTOR_STAFF;
}

int api_staff_requests_assign(struct http_request *req, struct http_response *res)
{
	struct oid id;
	if (!oid_parse(http_param(req, "id"), &id))
		return http_error(res, 404, "Request not found");
	int st;
	json_object *b = http_json_body(req, res, &st);
	if (!b)
		return st;
	static const char *const keys[] = {"crew_id", "expect_version", NULL};
	struct verrors *e = http_verrors(req);
	v_no_extra(e, b, "body", keys);
	long expect = 0;
	v_int(e, b, "body", "expect_version", false, 1, 1000000000L, &expect);
	if (verr_any(e))
		return http_validation(res, e);
	struct crew *c = arena_alloc(req->arena, sizeof(*c));
	bool has = false;
	if ((st = crew_of_body(req, res, b, true, c, &has)))
		return st;
	struct req_crew_assign a = {.crew = has ? &c->oid : NULL,
				    .crew_name = has ? c->name : NULL,
				    .actor_id = req->user.id,
				    .actor_role = requests_actor_role(actor_of(req)),
				    .expect_version = expect};
	enum req_status from = RS_COUNT;
	struct pickup_request out;
	struct derr err;
	enum req_result r = requests_assign_crew(&id, &a, &from, &out, &err);
	if (r == REQ_OK) {
		st = api_staff_request_show(req, res, 200, &out, true);
		pickup_request_clear(&out);
		return st;
	}
	if (r == REQ_INVALID) { /* names the status it is in */
		char msg[128];
		snprintf(msg, sizeof(msg), "A %s request cannot be assigned to a crew",
			 requests_status_name(from));
		return http_error(res, 409, msg);
	}
	if (r == REQ_DB_ERROR)
		return api_derr(res, &err);
	return api_req_result(res, r, NULL, NULL);
}

/* Validates the selection of a bulk assign into `q`. */
static void bulk_query(struct verrors *e, json_object *b, struct day_query *q)
{
	const char *date = NULL;
	if (v_string(e, b, "body", "date", true, 10, 10, &date) &&
	    !route_day_bounds(date, &q->day_start, &q->day_end))
		verr_add(e, "body.date", "Input should be a date YYYY-MM-DD", "date_parsing");
	q->has_slot_start = v_instant(e, b, "body", "slot_start", false, &q->slot_start);
	if (q->has_slot_start && !verr_any(e) &&
	    (q->slot_start < q->day_start || q->slot_start >= q->day_end))
		verr_add(e, "body.slot_start", "The slot should start on the given date",
			 "slot_date");
	v_string(e, b, "body", "pincode", false, 4, 10, &q->pincode);
	q->status = "scheduled";
}

int api_staff_assign_bulk(struct http_request *req, struct http_response *res)
{
	int st;
	json_object *b = http_json_body(req, res, &st);
	if (!b)
		return st;
	static const char *const keys[] = {"crew_id", "date", "slot_start", "pincode", NULL};
	struct verrors *e = http_verrors(req);
	v_no_extra(e, b, "body", keys);
	struct day_query q = {0};
	bulk_query(e, b, &q);
	if (verr_any(e))
		return http_validation(res, e);
	struct crew *c = arena_alloc(req->arena, sizeof(*c));
	bool has = false;
	if ((st = crew_of_body(req, res, b, false, c, &has)))
		return st;
	struct stops s;
	struct derr err;
	if (!route_stops_load(&q, &s, &err))
		return api_derr(res, &err);
	struct req_crew_assign a = {.crew = &c->oid,
				    .crew_name = c->name,
				    .actor_id = req->user.id,
				    .actor_role = requests_actor_role(actor_of(req))};
	long assigned = 0, unchanged = 0, conflicts = 0;
	bool failed = false;
	for (size_t i = 0; i < s.n && !failed; i++) {
		const struct pickup_request *r = &s.v[i].req;
		if (r->has_crew && oid_equal(&r->crew_id, &c->oid)) {
			unchanged++;
			continue;
		}
		/* each is its own change: one that moved on meanwhile (started, cancelled,
		 * assigned by someone else at the same moment) is counted, not overridden */
		switch (requests_assign_crew(&r->id, &a, NULL, NULL, &err)) {
		case REQ_OK: assigned++; break;
		case REQ_DB_ERROR: failed = true; break;
		default: conflicts++; break;
		}
	}
	route_stops_free(&s);
	if (failed)
		return api_derr(res, &err);
	json_object *o = json_object_new_object();
	json_object_object_add(o, "assigned", json_object_new_int64(assigned));
	json_object_object_add(o, "unchanged", json_object_new_int64(unchanged));
	json_object_object_add(o, "conflicts", json_object_new_int64(conflicts));
	return http_json(res, 200, o);
}
