/* The audit trail in the API: api_audit() records a staff or admin action after it
 * succeeded (the handlers call it), GET /api/admin/audit pages through the trail. */
#include <stdio.h>
#include <string.h>

#include "api/api.h"
#include "api/wire.h"
#include "domain/audit.h"
#include "infra/log.h"
#include "infra/timeutil.h"

void api_audit(struct http_request *req, const char *action, const char *target_type,
	       const char *target_id, json_object *before, json_object *after, const char *reason)
{
	struct audit_entry e = {.actor_id = req->user.id,
				.actor_role = role_name(req->user.role),
				.action = action,
				.target_type = target_type,
				.target_id = target_id,
				.before = before,
				.after = after,
				.reason = reason};
	struct derr err;
	/* The action stands; a lost entry is logged loudly (the log is the second record). */
	if (!audit_record(&e, &err)) {
		json_object *f = json_object_new_object();
		json_object_object_add(f, "action", json_object_new_string(action));
		json_object_object_add(f, "actor_id", json_object_new_string(req->user.id));
		json_object_object_add(f, "target_id", json_object_new_string(target_id));
		log_write(LOG_ERROR, f, "audit entry not stored: %s", err.message);
	}
	json_object_put(before);
	json_object_put(after);
}

/* ?from= / ?to=: RFC 3339 instants. */
static void query_instant(struct http_request *req, struct verrors *e, const char *name, bool *has,
			  int64_t *ms)
{
	const char *raw = http_query(req, name);
	*has = false;
	if (!raw || !*raw)
		return;
	if (!time_parse_rfc3339(raw, ms)) {
		char loc[32];
		snprintf(loc, sizeof(loc), "query.%s", name);
		verr_add(e, loc, "Input should be an RFC 3339 date-time", "datetime_parsing");
		return;
	}
	*has = true;
}

/* AuditEntry {id, at, actor_id, actor_role, action, target_type, target_id, before, after,
 * reason}: what is not stored is null. */
static json_object *item_json(const struct audit_item *a)
{
	json_object *o = json_object_new_object();
	char ts[TIME_RFC3339_LEN];
	if (a->id[0])
		json_object_object_add(o, "id", json_object_new_string(a->id));
	if (a->has_at)
		time_format_rfc3339(a->at, ts);
	json_object_object_add(o, "at", a->has_at ? json_object_new_string(ts) : NULL);
	json_object_object_add(o, "actor_id", wire_str(a->actor_id));
	json_object_object_add(o, "actor_role", wire_str(a->actor_role));
	json_object_object_add(o, "action", wire_str(a->action));
	json_object_object_add(o, "target_type", wire_str(a->target_type));
	json_object_object_add(o, "target_id", wire_str(a->target_id));
	json_object_object_add(o, "before", json_object_get(a->before));
	json_object_object_add(o, "after", json_object_get(a->after));
	json_object_object_add(o, "reason", wire_str(a->reason));
	return o;
}

int api_admin_audit_list(struct http_request *req, struct http_response *res)
{
	struct verrors *e = http_verrors(req);
	struct audit_query q = {0};
	v_query_string(e, http_query(req, "actor"), "actor", 24, &q.actor_id);
	v_query_string(e, http_query(req, "target"), "target", 100, &q.target_id);
	query_instant(req, e, "from", &q.has_from, &q.from_ms);
	query_instant(req, e, "to", &q.has_to, &q.to_ms);
	http_query_paging(req, e, &q.skip, &q.limit);
	if (verr_any(e))
		return http_validation(res, e);
	if (q.actor_id && !*q.actor_id)
		q.actor_id = NULL;
	if (q.target_id && !*q.target_id)
		q.target_id = NULL;
	int64_t total;
	struct derr err;
	struct audit_item *items;
	size_t n;
	if (!audit_list(&q, &items, &n, &total, &err))
		return api_derr(res, &err);
	json_object *page = json_object_new_array();
	for (size_t i = 0; i < n; i++)
		json_object_array_add(page, item_json(&items[i]));
	audit_items_free(items, n);
	return http_page(res, page, total, q.skip, q.limit);
}
