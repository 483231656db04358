/* POST /api/ws/ticket: a one-use, short-lived ticket for opening the live notification
 * channel (/api/ws/notifications?ticket=), so the bearer token stays out of URLs and logs. */
#include <stdio.h>

#include "api/api.h"
#include "domain/live.h"

int api_ws_ticket(struct http_request *req, struct http_response *res)
{
	struct auth_claims cl = {0};
	snprintf(cl.sub, sizeof(cl.sub), "%s", req->user.id);
	snprintf(cl.jti, sizeof(cl.jti), "%s", req->user.jti);
	snprintf(cl.sid, sizeof(cl.sid), "%s", req->user.sid);
	cl.iat = req->user.iat;
	cl.exp = req->user.exp;
	char ticket[LIVE_TICKET_LEN];
	int64_t expires_in = 0;
	struct derr err;
	if (!live_ticket_issue(&cl, ticket, &expires_in, &err))
		return api_derr(res, &err);
	json_object *o = json_object_new_object();
	json_object_object_add(o, "ticket", json_object_new_string(ticket));
	json_object_object_add(o, "expires_in", json_object_new_int64(expires_in));
	return http_json(res, 200, o);
}
