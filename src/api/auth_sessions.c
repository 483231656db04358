/* Refresh sessions over HTTP: POST /api/auth/refresh (the refresh cookie buys a new access
 * token and is rotated), POST /api/auth/logout-all, GET /api/auth/sessions and DELETE
 * /api/auth/sessions/{id}. The cookie is HttpOnly and SameSite=Strict on /api/auth only:
 * scripts never read it and other sites never send it. */
#include <string.h>
#include <time.h>

#include "api/api.h"
#include "domain/live.h"
#include "domain/refresh.h"
#include "domain/users.h"
#include "infra/cleanup.h"
#include "domain/store.h"
#include "infra/log.h"
#include "infra/timeutil.h"

CLEANUP_DEFINE(user, struct user, users_clear)

static int refused(struct http_response *res)
{
	api_refresh_cookie(res, NULL, 0);
	return http_error(res, 401, "Invalid refresh token");
}

int api_auth_refresh(struct http_request *req, struct http_response *res)
{
	const char *token = http_request_param(req, "SWMRA_REFRESH_COOKIE");
	if (!token || !*token) {
		api_refresh_cookie(res, NULL, 0);
		return http_error(res, 401, "Missing refresh token");
	}
	if (!store_open())
		return http_error(res, 503, "Database unavailable, please retry shortly");
	struct refresh_issued iss;
	struct oid uid;
	struct derr err;
	switch (
	    refresh_rotate(token, http_request_param(req, "HTTP_USER_AGENT"), &iss, &uid, &err)) {
	case REFRESH_OK: break;
	case REFRESH_REUSED: live_end_session(iss.sid); return refused(res);
	case REFRESH_INVALID: return refused(res);
	case REFRESH_DB_ERROR: return api_derr(res, &err);
	}
	struct user *u = arena_alloc(req->arena, sizeof(*u));
	enum users_rc rc = users_get(&uid, false, u, &err);
	if (rc == USERS_ERR)
		return api_derr(res, &err);
	if (rc == USERS_OK)
		arena_defer_user(req->arena, u);
	if (rc != USERS_OK || u->disabled) {
		bool found;
		if (!refresh_end(&uid, iss.sid, "disabled", &found, &err))
			return api_derr(res, &err);
		return refused(res);
	}
	api_refresh_cookie(res, iss.token, iss.max_age);
	return api_token_response(res, 200, u, iss.sid);
}

int api_auth_logout_all(struct http_request *req, struct http_response *res)
{
	struct oid oid;
	struct derr err;
	if (!oid_parse(req->user.id, &oid))
		return http_error(res, 401, "Invalid token");
	struct user *u = arena_alloc(req->arena, sizeof(*u));
	enum users_rc rc = users_get(&oid, false, u, &err);
	if (rc == USERS_ERR)
		return api_derr(res, &err);
	if (rc == USERS_NOT_FOUND)
		return http_error(res, 401, "Invalid token");
	arena_defer_user(req->arena, u);
	/* Every access token of the account, this one included, and every refresh session. */
	struct user_patch p = {
	    .end_sessions = true, .tokens_valid_after = time_now_ms() / 1000 + 1, .keep_jti = ""};
	rc = users_update(&oid, &p, &err);
	if (rc == USERS_ERR)
		return api_derr(res, &err);
	if (!refresh_end_all(&oid, NULL, "logout_all", &err))
		return api_derr(res, &err);
	json_object *f = json_object_new_object();
	json_object_object_add(f, "user_id", json_object_new_string(u->id));
	log_write(LOG_INFO, f, "signed out everywhere");
	api_refresh_cookie(res, NULL, 0);
	live_end_epoch(u->id, u->tokens_valid_after, u->keep_jti, p.tokens_valid_after, p.keep_jti);
	return http_raw(res, 204, NULL, "", 0);
}

int api_auth_sessions_list(struct http_request *req, struct http_response *res)
{
	struct oid oid;
	struct derr err;
	if (!oid_parse(req->user.id, &oid))
		return http_error(res, 401, "Invalid token");
	struct refresh_session *items;
	size_t n;
	if (!refresh_list(&oid, &items, &n, &err))
		return api_derr(res, &err);
	json_object *arr = json_object_new_array();
	for (size_t i = 0; i < n; i++) {
		char ts[TIME_RFC3339_LEN];
		json_object *o = json_object_new_object();
		json_object_object_add(o, "id", json_object_new_string(items[i].sid));
		json_object_object_add(o, "device", json_object_new_string(items[i].device));
		time_format_rfc3339(items[i].created_at, ts);
		json_object_object_add(o, "created_at", json_object_new_string(ts));
		time_format_rfc3339(items[i].last_seen_at, ts);
		json_object_object_add(o, "last_seen_at", json_object_new_string(ts));
		json_object_object_add(
		    o, "current",
		    json_object_new_boolean(strcmp(items[i].sid, req->user.sid) == 0));
		json_object_array_add(arr, o);
	}
	free(items);
	json_object *out = json_object_new_object();
	json_object_object_add(out, "items", arr);
	return http_json(res, 200, out);
}

static bool sid_ok(const char *s)
{
	if (!s || strlen(s) != AUTH_SID_LEN)
		return false;
	for (; *s; s++)
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
			return false;
	return true;
}

int api_auth_sessions_delete(struct http_request *req, struct http_response *res)
{
	const char *sid = http_param(req, "id");
	if (!sid_ok(sid)) {
		struct verrors *e = http_verrors(req);
		verr_add(e, "path.id", "Input should be a 32-character hexadecimal session id",
			 "value_error");
		return http_validation(res, e);
	}
	struct oid oid;
	struct derr err;
	if (!oid_parse(req->user.id, &oid))
		return http_error(res, 401, "Invalid token");
	bool found = false;
	if (!refresh_end(&oid, sid, "signed_out", &found, &err))
		return api_derr(res, &err);
	if (!found)
		return http_error(res, 404, "Session not found");
	if (strcmp(sid, req->user.sid) == 0)
		api_refresh_cookie(res, NULL, 0);
	live_end_session(sid);
	return http_raw(res, 204, NULL, "", 0);
}
