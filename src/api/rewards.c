/* GET /api/rewards/summary and /ledger: the caller's points total, last entries, ledger. */
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

/* GET /api/rewards/ledger?skip=&limit=: the caller's ledger, newest first, with the
 * balance after each entry. */
int api_rewards_ledger(struct http_request *req, struct http_response *res)
{
	bson_oid_t user;
	if (!db_parse_oid(req->user.id, &user))
		return http_error(res, 401, "Invalid token");
	struct verrors e;
	verr_init(&e);
	long skip, limit;
	http_query_paging(req, &e, &skip, &limit);
	if (verr_any(&e))
		return http_validation(res, &e);
	verr_free(&e);
	bson_error_t err;
	int64_t total = 0;
	json_object *items = rewards_ledger(&user, skip, limit, &total, &err);
	if (!items)
		return http_db_error(res, &err);
	return http_page(res, items, total, skip, limit);
}
