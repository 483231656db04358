/* Resident routes of the waitlist (domain/waitlist.h): join or leave the line of a full
 * slot with a request, accept or decline the seat offered. Someone else's request, like an
 * unknown or malformed id, is 404 "Request not found". */
#include <stdio.h>
#include <string.h>

#include "api/api.h"
#include "api/request_json.h"
#include "api/results.h"
#include "domain/requests.h"
#include "domain/waitlist.h"
#include "infra/config.h"
#include "infra/timeutil.h"

/* The request id of the path and the caller; false when either is no id. */
static bool ids(struct http_request *req, struct oid *id, struct oid *owner)
{
	return oid_parse(http_param(req, "id"), id) && oid_parse(req->user.id, owner);
}

/* The refusal of a waitlist result other than WL_OK (results.h). */
static int refuse(struct http_response *res, enum wl_result r, const struct derr *err)
{
	return api_wl_result(res, r, err);
}

/* The owner's request as it is now (into *out unless NULL): 0, or the status of the answer
 * set (404 for none). */
static int load_request(struct http_response *res, const struct oid *id, const struct oid *owner,
			json_object **out)
{
	struct pickup_request r;
	struct derr err;
	enum req_result rc = requests_get(id, owner, &r, &err);
	if (rc == REQ_DB_ERROR)
		return api_derr(res, &err);
	if (rc != REQ_OK)
		return refuse(res, WL_NOT_FOUND, NULL);
	if (out)
		*out = api_request_json(&r);
	pickup_request_clear(&r);
	return 0;
}

/* {slot_start, slot_end} of the body (end after start). Returns 0 or the answer's status. */
static int slot_body(struct http_request *req, struct http_response *res, int64_t *start,
		     int64_t *end)
{
	int st;
	json_object *body = http_json_body(req, res, &st);
	if (!body)
		return st;
	static const char *const keys[] = {"slot_start", "slot_end", NULL};
	struct verrors e;
	verr_init(&e);
	v_no_extra(&e, body, "body", keys);
	bool ok = v_instant(&e, body, "body", "slot_start", true, start);
	ok = v_instant(&e, body, "body", "slot_end", true, end) && ok;
	if (ok && *end <= *start)
		verr_add(&e, "body.slot_end", "Slot end should be after its start", "slot_order");
	if (verr_any(&e))
		return http_validation(res, &e);
	verr_free(&e);
	return 0;
}

static void put_time(json_object *o, const char *key, int64_t ms)
{
	char ts[TIME_RFC3339_LEN];
	if (ms < 0) {
		json_object_object_add(o, key, NULL);
		return;
	}
	time_format_rfc3339(ms, ts);
	json_object_object_add(o, key, json_object_new_string(ts));
}

json_object *api_waitlist_json(const struct wl_view *v)
{
	json_object *entries = json_object_new_array(), *offer = NULL;
	for (size_t i = 0; i < v->n; i++) {
		const struct wl_place *p = &v->v[i];
		json_object *o = json_object_new_object();
		json_object_object_add(o, "id", json_object_new_string(p->id));
		put_time(o, "slot_start", p->start);
		put_time(o, "slot_end", p->end);
		json_object_object_add(o, "status",
				       json_object_new_string(p->offered ? "offered" : "waiting"));
		json_object_object_add(o, "position",
				       p->position > 0 ? json_object_new_int64(p->position) : NULL);
		put_time(o, "offer_expires_at", p->offer_until);
		json_object_array_add(entries, o);
		if (p->offered && !offer) {
			offer = json_object_new_object();
			json_object_object_add(offer, "entry_id", json_object_new_string(p->id));
			put_time(offer, "slot_start", p->start);
			put_time(offer, "slot_end", p->end);
			put_time(offer, "expires_at", p->offer_until);
		}
	}
	json_object *out = json_object_new_object();
	json_object_object_add(out, "entries", entries);
	json_object_object_add(out, "offer", offer);
	return out;
}

/* Answers the request as it is after a waitlist change, with its waitlist. */
static int answer_request(struct http_response *res, const struct oid *id, const struct oid *owner)
{
	json_object *o = NULL;
	int st = load_request(res, id, owner, &o);
	if (st)
		return st;
	struct derr err;
	struct wl_view v;
	if (!waitlist_of_request(id, &v, &err)) {
		json_object_put(o);
		return api_derr(res, &err);
	}
	json_object *wl = api_waitlist_json(&v);
	waitlist_view_free(&v);
	json_object_object_add(o, "waitlist", wl);
	return http_json(res, 200, o);
}

int api_waitlist_join(struct http_request *req, struct http_response *res)
{
	int64_t start, end;
	int st = slot_body(req, res, &start, &end);
	if (st)
		return st;
	struct oid id, owner;
	if (!ids(req, &id, &owner))
		return refuse(res, WL_NOT_FOUND, NULL);
	struct derr err;
	long position = 0;
	enum wl_result r = waitlist_join(&id, &owner, start, end, &position, &err);
	if (r != WL_OK)
		return refuse(res, r, &err);
	json_object *o = json_object_new_object();
	json_object_object_add(o, "position", json_object_new_int64(position));
	return http_json(res, 201, o);
}

int api_waitlist_leave(struct http_request *req, struct http_response *res)
{
	int64_t start, end;
	int st = slot_body(req, res, &start, &end);
	if (st)
		return st;
	struct oid id, owner;
	if (!ids(req, &id, &owner))
		return refuse(res, WL_NOT_FOUND, NULL);
	struct derr err;
	enum wl_result r = waitlist_leave(&id, &owner, start, &err);
	if (r == WL_NOT_FOUND)
		return http_error(res, 404, "Not on the waitlist of this slot");
	if (r != WL_OK)
		return refuse(res, r, &err);
	return answer_request(res, &id, &owner);
}

/* Accept or decline the request's offer (both decide the same offer, one change each). */
static int answer_offer(struct http_request *req, struct http_response *res,
			enum wl_result (*decide)(const struct oid *, const struct oid *,
						 struct derr *))
{
	struct oid id, owner;
	if (!ids(req, &id, &owner))
		return refuse(res, WL_NOT_FOUND, NULL);
	struct derr err;
	enum wl_result r = decide(&id, &owner, &err);
	if (r == WL_NO_OFFER) {
		/* an unknown request has no offer either: say which */
		int st = load_request(res, &id, &owner, NULL);
		if (st)
			return st;
	}
	if (r != WL_OK)
		return refuse(res, r, &err);
	return answer_request(res, &id, &owner);
}

int api_waitlist_accept(struct http_request *req, struct http_response *res)
{
	return answer_offer(req, res, waitlist_accept);
}

int api_waitlist_decline(struct http_request *req, struct http_response *res)
{
	return answer_offer(req, res, waitlist_decline);
}
