/* GET /api/rewards/summary: the caller's points total and last ledger entries. */
#include "api/api.h"
#include "domain/rewards.h"
#include "infra/db.h"

int api_rewards_summary(struct http_request *req, struct http_response *res)
{
	bson_oid_t user;
	if (!db_parse_oid(req->user.id, &user))
		return http_error(res, 401, "Invalid token");
	bson_error_t err;
	json_object *o = rewards_summary(&user, &err);
	if (!o)
		return http_db_error(res, &err);
	return http_json(res, 200, o);
}
