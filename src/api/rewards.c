/* GET /api/rewards/summary and /ledger: the caller's points total, last entries, ledger.
 * The wire shape of an entry (RewardEntry) is built here. */
#include <stdlib.h>

#include "api/api.h"
#include "domain/rewards.h"
#include "infra/timeutil.h"

/* {id, points, reason, request_id (null: none), created_at (null: none)}, and balance_after
 * on ledger pages. */
static json_object *entry_json(const struct reward_entry *e, bool balance)
{
	json_object *o = json_object_new_object();
	if (e->id[0])
		json_object_object_add(o, "id", json_object_new_string(e->id));
	json_object_object_add(o, "points", json_object_new_int64(e->points));
	json_object_object_add(o, "reason", json_object_new_string(e->reason));
	json_object_object_add(o, "request_id",
			       e->request_id[0] ? json_object_new_string(e->request_id) : NULL);
	char ts[TIME_RFC3339_LEN];
	if (e->has_created_at)
		time_format_rfc3339(e->created_at, ts);
	json_object_object_add(o, "created_at",
			       e->has_created_at ? json_object_new_string(ts) : NULL);
	if (balance)
		json_object_object_add(o, "balance_after", json_object_new_int64(e->balance_after));
	return o;
}

int api_rewards_summary(struct http_request *req, struct http_response *res)
{
	struct oid user;
	if (!oid_parse(req->user.id, &user))
		return http_error(res, 401, "Invalid token");
	struct derr err;
	struct reward_summary s;
	if (!rewards_summary(&user, &s, &err))
		return api_derr(res, &err);
	json_object *recent = json_object_new_array();
	for (size_t i = 0; i < s.n; i++)
		json_object_array_add(recent, entry_json(&s.recent[i], false));
	json_object *o = json_object_new_object();
	json_object_object_add(o, "total_points", json_object_new_int64(s.total_points));
	json_object_object_add(o, "recent", recent);
	return http_json(res, 200, o);
}

/* GET /api/rewards/ledger?skip=&limit=: the caller's ledger, newest first, with the
 * balance after each entry. */
int api_rewards_ledger(struct http_request *req, struct http_response *res)
{
	struct oid user;
	if (!oid_parse(req->user.id, &user))
		return http_error(res, 401, "Invalid token");
	struct verrors e;
	verr_init(&e);
	long skip, limit;
	http_query_paging(req, &e, &skip, &limit);
	if (verr_any(&e))
		return http_validation(res, &e);
	verr_free(&e);
	struct derr err;
	struct reward_entry *items;
	size_t n;
	int64_t total = 0;
	if (!rewards_ledger(&user, skip, limit, &items, &n, &total, &err))
		return api_derr(res, &err);
	json_object *page = json_object_new_array();
	for (size_t i = 0; i < n; i++)
		json_object_array_add(page, entry_json(&items[i], true));
	free(items);
	return http_page(res, page, total, skip, limit);
}
