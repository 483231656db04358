/* POST /api/auth/password-reset {email} → 202 whatever the email (domain/password_reset.h),
 * POST /api/auth/password-reset/confirm {token, new_password} → 204: the password is set
 * (or set for the first time: claiming an account made without one), every session of the
 * account ends, live connections included. */
#include <string.h>

#include "api/api.h"
#include "domain/live.h"
#include "domain/password_reset.h"
#include "domain/refresh.h"
#include "domain/users.h"
#include "infra/cleanup.h"
#include "domain/store.h"
#include "infra/log.h"
#include "infra/timeutil.h"

#define PASSWORD_MIN	8
#define PASSWORD_MAX	128
#define RESET_EMAIL_MAX 1000

CLEANUP_DEFINE(user, struct user, users_clear)

int api_auth_password_reset(struct http_request *req, struct http_response *res)
{
	int st;
	json_object *b = http_json_body(req, res, &st);
	if (!b)
		return st;
	struct verrors *e = http_verrors(req);
	static const char *const allowed[] = {"email", NULL};
	v_no_extra(e, b, "body", allowed);
	const char *raw = NULL;
	v_string(e, b, "body", "email", true, 1, RESET_EMAIL_MAX, &raw);
	if (verr_any(e))
		return http_validation(res, e);
	if (!store_open())
		return http_error(res, 503, "Database unavailable, please retry shortly");
	char email[4 * RESET_EMAIL_MAX + 1];
	if (!users_normalize_email(raw, email, sizeof(email)))
		return http_error(res, 500, "Internal server error"); /* cannot happen */
	struct derr err;
	switch (password_reset_request(email, req->remote_addr, &err)) {
	case RESET_REQUEST_ACCEPTED: break;
	case RESET_REQUEST_CLIENT_LIMITED:
		http_header(res, "Retry-After", "3600");
		return http_error(res, 429, "Slow down");
	case RESET_REQUEST_DB_ERROR: return api_derr(res, &err);
	}
	json_object *o = json_object_new_object();
	json_object_object_add(
	    o, "detail",
	    json_object_new_string("If an account uses this email, a link to choose a new "
				   "password is on its way."));
	return http_json(res, 202, o);
}

/* Sets the new password and ends every session of the account. */
static int apply_reset(struct http_request *req, struct http_response *res, const struct oid *oid,
		       char *hash)
{
	struct derr err;
	struct user *u = arena_alloc(req->arena, sizeof(*u));
	enum users_rc rc = users_get(oid, false, u, &err);
	if (rc == USERS_ERR)
		return api_derr(res, &err);
	if (rc == USERS_NOT_FOUND)
		return http_error(res, 400, "Invalid or expired reset link");
	arena_defer_user(req->arena, u);
	struct user_patch p = {
	    .password_hash = hash, .tokens_valid_after = time_now_ms() / 1000 + 1, .keep_jti = ""};
	rc = users_update(oid, &p, &err);
	if (rc == USERS_ERR)
		return api_derr(res, &err);
	if (!refresh_end_all(oid, NULL, "password_reset", &err) ||
	    !password_reset_forget(oid, &err))
		return api_derr(res, &err);
	json_object *f = json_object_new_object();
	json_object_object_add(f, "user_id", json_object_new_string(u->id));
	log_write(LOG_INFO, f, "password reset");
	live_end_epoch(u->id, u->tokens_valid_after, u->keep_jti, p.tokens_valid_after, p.keep_jti);
	return 0;
}

int api_auth_password_reset_confirm(struct http_request *req, struct http_response *res)
{
	int st;
	json_object *b = http_json_body(req, res, &st);
	if (!b)
		return st;
	struct verrors *e = http_verrors(req);
	static const char *const allowed[] = {"token", "new_password", NULL};
	v_no_extra(e, b, "body", allowed);
	const char *token = NULL, *pw = NULL;
	v_string(e, b, "body", "token", true, 1, 200, &token);
	v_string(e, b, "body", "new_password", true, PASSWORD_MIN, PASSWORD_MAX, &pw);
	if (verr_any(e))
		return http_validation(res, e);
	if (!store_open())
		return http_error(res, 503, "Database unavailable, please retry shortly");
	/* hashed before the link is used up: a failure here leaves the link usable */
	char *hash = auth_hash_password(pw);
	if (!hash)
		return http_error(res, 500, "Internal server error");
	struct oid oid;
	struct derr err;
	enum reset_redeem r = password_reset_redeem(token, &oid, &err);
	if (r == RESET_OK)
		st = apply_reset(req, res, &oid, hash);
	free(hash);
	switch (r) {
	case RESET_OK: return st ? st : http_raw(res, 204, NULL, "", 0);
	case RESET_USED: return http_error(res, 400, "This reset link was already used");
	case RESET_EXPIRED: return http_error(res, 400, "This reset link has expired");
	case RESET_INVALID: return http_error(res, 400, "Invalid or expired reset link");
	case RESET_DB_ERROR: break;
	}
	return api_derr(res, &err);
}
