/* /api/admin/users: the admin's account list (search by name/email, role filter, paging)
 * and role/disabled changes. An admin cannot demote or disable their own account (409),
 * so the service always keeps at least the admin who is acting. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "api/api.h"
#include "domain/audit.h"
#include "domain/live.h"
#include "domain/refresh.h"
#include "domain/users.h"
#include "infra/cleanup.h"
#include "infra/log.h"

static const char *const roles[] = {"citizen", "staff", "admin", NULL};

struct list {
	struct user *items;
	size_t n;
};

static void put_list(void *p)
{
	struct list *l = p;
	users_free_list(l->items, l->n);
}

CLEANUP_DEFINE(user, struct user, users_clear)

int api_admin_users_list(struct http_request *req, struct http_response *res)
{
	struct verrors *e = http_verrors(req);
	const char *q = NULL;
	const char *role = NULL;
	long skip, limit;
	v_query_string(e, http_query(req, "q"), "q", 100, &q);
	v_query_enum(e, http_query(req, "role"), "role", roles, &role);
	http_query_paging(req, e, &skip, &limit);
	if (verr_any(e))
		return http_validation(res, e);

	struct list *l = arena_alloc(req->arena, sizeof(*l));
	int64_t total;
	struct derr err;
	if (users_admin_list(q, role, skip, limit, &l->items, &l->n, &total, &err) != USERS_OK)
		return api_derr(res, &err);
	arena_defer(req->arena, put_list, l);
	json_object *items = json_object_new_array();
	for (size_t i = 0; i < l->n; i++)
		json_object_array_add(items, api_admin_user_json(&l->items[i]));
	return http_page(res, items, total, skip, limit);
}

/* One trail entry per kind of change the patch made (role, disabled). */
static void audit_patch(struct http_request *req, const char *hex, const struct user *before,
			const struct user_patch *p)
{
	if (p->role) {
		json_object *b = json_object_new_object(), *a = json_object_new_object();
		json_object_object_add(b, "role", json_object_new_string(before->role));
		json_object_object_add(a, "role", json_object_new_string(p->role));
		api_audit(req, AUDIT_USER_ROLE, "user", hex, b, a, NULL);
	}
	if (p->set_disabled) {
		json_object *b = json_object_new_object(), *a = json_object_new_object();
		json_object_object_add(b, "disabled", json_object_new_boolean(before->disabled));
		json_object_object_add(a, "disabled", json_object_new_boolean(p->disabled));
		api_audit(req, AUDIT_USER_DISABLE, "user", hex, b, a, NULL);
	}
}

int api_admin_users_patch(struct http_request *req, struct http_response *res)
{
	struct verrors *e = http_verrors(req);
	struct oid oid;
	const char *id = http_param(req, "id");
	if (!oid_parse(id, &oid)) {
		verr_add(e, "path.id", "Input should be a 24-character hexadecimal id",
			 "value_error");
		return http_validation(res, e);
	}
	int st;
	json_object *b = http_json_body(req, res, &st);
	if (!b)
		return st;
	static const char *const allowed[] = {"role", "disabled", NULL};
	v_no_extra(e, b, "body", allowed);
	struct user_patch p = {0};
	v_enum(e, b, "body", "role", false, roles, &p.role);
	p.set_disabled = v_bool(e, b, "body", "disabled", false, &p.disabled);
	if (verr_any(e))
		return http_validation(res, e);

	char hex[25];
	oid_to_hex(&oid, hex);
	if (strcmp(hex, req->user.id) == 0 &&
	    ((p.role && strcmp(p.role, "admin") != 0) || (p.set_disabled && p.disabled)))
		return http_error(res, 409, "You cannot demote or disable your own account");

	struct derr err;
	/* the account before the change: the audit trail's "before", and the epoch whose
	 * live connections a disable closes */
	struct user *before = arena_alloc(req->arena, sizeof(*before));
	enum users_rc rc = users_get(&oid, false, before, &err);
	if (rc == USERS_ERR)
		return api_derr(res, &err);
	if (rc == USERS_NOT_FOUND)
		return http_error(res, 404, "User not found");
	arena_defer_user(req->arena, before);
	if (p.set_disabled && p.disabled) {
		/* A disable ends every session of the account (and closes its live connections):
		 * re-enabling it later must not bring old tokens back. */
		p.end_sessions = true;
		p.tokens_valid_after = (int64_t)time(NULL) + 1;
		p.keep_jti = "";
	}
	rc = users_update(&oid, &p, &err);
	if (rc == USERS_ERR)
		return api_derr(res, &err);
	if (rc == USERS_NOT_FOUND)
		return http_error(res, 404, "User not found");
	if (p.end_sessions) {
		/* ... and its refresh sessions, so no device renews its way back in */
		if (!refresh_end_all(&oid, NULL, "disabled", &err))
			return api_derr(res, &err);
		live_end_epoch(hex, before->tokens_valid_after, before->keep_jti,
			       p.tokens_valid_after, p.keep_jti);
	}
	audit_patch(req, hex, before, &p);
	struct user *u = arena_alloc(req->arena, sizeof(*u));
	rc = users_get(&oid, false, u, &err);
	if (rc == USERS_ERR)
		return api_derr(res, &err);
	if (rc == USERS_NOT_FOUND)
		return http_error(res, 404, "User not found");
	arena_defer_user(req->arena, u);
	json_object *f = json_object_new_object();
	json_object_object_add(f, "user_id", json_object_new_string(u->id));
	json_object_object_add(f, "by", json_object_new_string(req->user.id));
	json_object_object_add(f, "role", json_object_new_string(u->role));
	json_object_object_add(f, "disabled", json_object_new_boolean(u->disabled));
	log_write(LOG_INFO, f, "account changed by an admin");
	return http_json(res, 200, api_admin_user_json(u));
}
