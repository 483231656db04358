/* Resident routes of the waitlist (domain/waitlist.h): join or leave the line of a full
 * slot with a request, accept or decline the seat offered. Someone else's request, like an
 * unknown or malformed id, is 404 "Request not found". */
#include <stdio.h>

#include "api/api.h"
#include "api/results.h"
#include "domain/requests.h"
#include "domain/waitlist.h"
#include "infra/config.h"
#include "infra/db.h"

/* The request id of the path and the caller; false when either is no ObjectId. */
static bool ids(struct http_request *req, bson_oid_t *id, bson_oid_t *owner)
{
	return db_parse_oid(http_param(req, "id"), id) && db_parse_oid(req->user.id, owner);
}

/* The refusal of a waitlist result other than WL_OK (results.h). */
static int refuse(struct http_response *res, enum wl_result r, const bson_error_t *err)
{
	return api_wl_result(res, r, err);
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

/* Answers the request as it is after a waitlist change, with its waitlist. */
static int answer_request(struct http_response *res, const bson_oid_t *id, const bson_oid_t *owner)
{
	bson_error_t err;
	bson_t *doc = requests_load(id, owner, &err);
	if (!doc)
		return err.code ? http_db_error(res, &err) : refuse(res, WL_NOT_FOUND, NULL);
	json_object *o = requests_to_json(doc);
	bson_destroy(doc);
	json_object *wl = waitlist_of_request(id, &err);
	if (!wl) {
		json_object_put(o);
		return http_db_error(res, &err);
	}
	json_object_object_add(o, "waitlist", wl);
	return http_json(res, 200, o);
}

int api_waitlist_join(struct http_request *req, struct http_response *res)
{
	int64_t start, end;
	int st = slot_body(req, res, &start, &end);
	if (st)
		return st;
	bson_oid_t id, owner;
	if (!ids(req, &id, &owner))
		return refuse(res, WL_NOT_FOUND, NULL);
	bson_error_t err;
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
	bson_oid_t id, owner;
	if (!ids(req, &id, &owner))
		return refuse(res, WL_NOT_FOUND, NULL);
	bson_error_t err;
	enum wl_result r = waitlist_leave(&id, &owner, start, &err);
	if (r == WL_NOT_FOUND)
		return http_error(res, 404, "Not on the waitlist of this slot");
	if (r != WL_OK)
		return refuse(res, r, &err);
	return answer_request(res, &id, &owner);
}

/* Accept or decline the request's offer (both decide the same offer, one change each). */
static int answer_offer(struct http_request *req, struct http_response *res,
			enum wl_result (*decide)(const bson_oid_t *, const bson_oid_t *,
						 bson_error_t *))
{
	bson_oid_t id, owner;
	if (!ids(req, &id, &owner))
		return refuse(res, WL_NOT_FOUND, NULL);
	bson_error_t err;
	enum wl_result r = decide(&id, &owner, &err);
	if (r == WL_NO_OFFER) {
		/* an unknown request has no offer either: say which */
		bson_t *doc = requests_load(&id, &owner, &err);
		if (!doc)
			return err.code ? http_db_error(res, &err)
					: refuse(res, WL_NOT_FOUND, NULL);
		bson_destroy(doc);
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
