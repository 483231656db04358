/* Transitional (domain/requests_legacy.h): the request's wire shape and the staff answer
 * for callers that still hold a request document (the waitlist routes, the crew assign,
 * the account export), through the one builder (request_json.c). Goes with
 * requests_legacy.h once they hold a struct pickup_request. Below, the bridges of
 * requests_legacy.h (src/api) to modules that still take store types. */
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/request_json.h"
#include "api/requests_legacy.h"
#include "domain/slots.h"
#include "domain/waitlist.h"

json_object *requests_to_json(const bson_t *doc)
{
	struct pickup_request r;
	requests_from_doc(doc, &r);
	json_object *o = api_request_json(&r);
	pickup_request_clear(&r);
	return o;
}

int api_staff_request_answer(struct http_request *req, struct http_response *res, int status,
			     bson_t *doc, bool after_change)
{
	struct pickup_request r;
	requests_fill(doc, true, REQ_FILL_EVENTS, &r);
	int st = api_staff_request_show(req, res, status, &r, after_change);
	pickup_request_clear(&r);
	return st;
}

/* ------------------------------------------------------------------ bridges */

int legacy_slot_offered(const char *category, const struct req_slot *s, struct derr *err)
{
	bson_error_t e;
	int r = slots_is_offered(category, s->start, s->end, false, &e);
	if (r < 0)
		derr_from_store(err, &e);
	return r;
}

bool legacy_users_find_many(const struct oid *ids, size_t n, struct user *out, struct derr *err)
{
	return users_get_many(ids, n, out, err) == USERS_OK;
}

int legacy_user_by_id(const struct oid *id, struct user *out, struct derr *err)
{
	switch (users_get(id, false, out, err)) {
	case USERS_OK: return 1;
	case USERS_ERR: return -1;
	default: return 0;
	}
}

bool legacy_crew_is(const struct crew *c, const struct oid *id)
{
	return memcmp(c->oid.bytes, id->bytes, sizeof(id->bytes)) == 0;
}

bool legacy_crew_has_member(const struct crew *c, const struct oid *user)
{
	for (size_t k = 0; k < c->n_members; k++)
		if (memcmp(c->members[k].bytes, user->bytes, sizeof(user->bytes)) == 0)
			return true;
	return false;
}
