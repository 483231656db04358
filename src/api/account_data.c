/* The caller's data rights: GET /api/auth/me/export (a streamed ZIP of everything held
 * about them), DELETE /api/auth/me (erasure, confirmed with the current password) and
 * the admin's DELETE /api/admin/users/{id} (erasure with a required reason). The work is
 * domain/account_export.c and domain/account_erase.c; this file is HTTP only. */
#include <stdio.h>
#include <string.h>

#include "api/api.h"
#include "api/request_json.h"
#include "domain/account_erase.h"
#include "domain/account_export.h"
#include "domain/audit.h"
#include "domain/auth.h"
#include "domain/users.h"
#include "infra/cleanup.h"
#include "infra/config.h"
#include "infra/log.h"
#include "infra/timeutil.h"
#include "infra/zipstream.h"

#define PASSWORD_ANY_MAX 1024
#define REASON_MAX	 500

CLEANUP_DEFINE(user, struct user, users_clear)

/* ------------------------------------------------------------------ export */

struct export_job {
	struct oid user;
};

static bool sink(void *ctx, const void *buf, size_t len)
{
	struct http_sink *out = ctx;
	out->write(out, buf, len);
	return !out->failed;
}

/* The request's arena (which holds `ctx`) lives until the transport has sent the body. */
static bool stream_export(void *ctx, struct http_sink *out)
{
	struct export_job *job = ctx;
	struct zipstream *z = zipstream_open(sink, out);
	if (!z)
		return false;
	/* the archive shows requests and notifications as the API does: its own builders */
	static const struct export_shapes shapes = {
	    .request = api_request_json,
	    .notification = api_notification_json,
	};
	struct derr err;
	if (!account_export_write(&job->user, &shapes, z, &err)) {
		if (err.code)
			log_error("export failed: %s", err.message);
		zipstream_abort(z);
		return false;
	}
	return zipstream_close(z);
}

int api_auth_me_export(struct http_request *req, struct http_response *res)
{
	struct export_job *job = arena_alloc(req->arena, sizeof(*job));
	if (!oid_parse(req->user.id, &job->user))
		return http_error(res, 401, "Invalid token");
	int64_t now = time_now_ms(), retry = 0;
	struct derr err;
	switch (account_export_take(req->user.id, now, &retry, &err)) {
	case EXPORT_TAKEN: break;
	case EXPORT_LIMITED: {
		char ra[24], msg[128];
		snprintf(ra, sizeof(ra), "%lld", (long long)retry);
		http_header(res, "Retry-After", ra);
		snprintf(msg, sizeof(msg),
			 "Export limit reached (%d per hour), try again in %lld seconds",
			 config_get()->export_per_hour, (long long)retry);
		return http_error(res, 429, msg);
	}
	default: return api_derr(res, &err);
	}
	char ts[TIME_RFC3339_LEN], disp[96];
	time_format_rfc3339(now, ts);
	ts[10] = '\0';
	snprintf(disp, sizeof(disp), "attachment; filename=\"swmra-export-%s.zip\"", ts);
	http_header(res, "Content-Disposition", disp);
	http_header(res, "Cache-Control", "no-store");
	return http_stream(res, 200, "application/zip", NULL, 0, stream_export, job, NULL);
}

/* ------------------------------------------------------------------ erase */

static int erase_answer(struct http_request *req, struct http_response *res, enum erase_rc rc,
			const struct erase_report *rep, const char *target, const char *role,
			const char *reason, struct derr *err)
{
	switch (rc) {
	case ERASE_OK: break;
	case ERASE_NOT_FOUND: return http_error(res, 404, "User not found");
	case ERASE_STORE_UNAVAILABLE:
		http_header(res, "Retry-After", "30");
		return http_error(res, 503, "Photo storage unavailable, try again later");
	default: return api_derr(res, err);
	}
	json_object *before = json_object_new_object();
	json_object_object_add(before, "role", json_object_new_string(role));
	json_object *after = json_object_new_object();
	json_object_object_add(after, "erased", json_object_new_boolean(true));
	json_object_object_add(after, "cancelled", json_object_new_int64(rep->cancelled));
	json_object_object_add(after, "requests_anonymised", json_object_new_int64(rep->requests));
	json_object_object_add(after, "photos_deleted", json_object_new_int64(rep->photos));
	api_audit(req, AUDIT_USER_ERASE, "user", target, before, after, reason);
	return http_raw(res, 204, NULL, "", 0);
}

int api_auth_me_delete(struct http_request *req, struct http_response *res)
{
	int st;
	json_object *b = http_json_body(req, res, &st);
	if (!b)
		return st;
	struct verrors *e = http_verrors(req);
	static const char *const allowed[] = {"password", NULL};
	v_no_extra(e, b, "body", allowed);
	const char *pw = NULL;
	v_string(e, b, "body", "password", true, 1, PASSWORD_ANY_MAX, &pw);
	if (verr_any(e))
		return http_validation(res, e);
	struct oid oid;
	struct derr err;
	if (!oid_parse(req->user.id, &oid))
		return http_error(res, 401, "Invalid token");
	struct user *u = arena_alloc(req->arena, sizeof(*u));
	enum users_rc ur = users_get(&oid, true, u, &err);
	if (ur == USERS_ERR)
		return api_derr(res, &err);
	if (ur == USERS_NOT_FOUND)
		return http_error(res, 401, "Invalid token");
	arena_defer_user(req->arena, u);
	/* the password change's backoff, keyed by this session: no password oracle */
	char key[80];
	snprintf(key, sizeof(key), "session:%s", req->user.jti);
	struct auth_attempt at = {.email = u->email, .ip = req->remote_addr, .device = key};
	int64_t wait = auth_backoff_check(&at, &err);
	if (wait < 0)
		return api_derr(res, &err);
	if (wait > 0) {
		char ra[24];
		snprintf(ra, sizeof(ra), "%lld", (long long)wait);
		http_header(res, "Retry-After", ra);
		return http_error(res, 429, "Too many failed attempts, try again later");
	}
	if (!auth_verify_password(u->password_hash, pw)) {
		if (!auth_backoff_fail(&at, &err))
			return api_derr(res, &err);
		verr_add(e, "body.password", "Password is incorrect", "value_error");
		return http_validation(res, e);
	}
	struct erase_report rep;
	enum erase_rc rc = account_erase(&oid, req->user.id, &rep, &err);
	return erase_answer(req, res, rc, &rep, req->user.id, u->role, NULL, &err);
}

int api_admin_users_erase(struct http_request *req, struct http_response *res)
{
	struct verrors *e = http_verrors(req);
	struct oid oid;
	if (!oid_parse(http_param(req, "id"), &oid)) {
		verr_add(e, "path.id", "Input should be a 24-character hexadecimal id",
			 "value_error");
		return http_validation(res, e);
	}
	int st;
	json_object *b = http_json_body(req, res, &st);
	if (!b)
		return st;
	static const char *const allowed[] = {"reason", NULL};
	v_no_extra(e, b, "body", allowed);
	const char *reason = NULL;
	v_string(e, b, "body", "reason", true, 3, REASON_MAX, &reason);
	if (verr_any(e))
		return http_validation(res, e);
	char hex[25];
	oid_to_hex(&oid, hex);
	if (strcmp(hex, req->user.id) == 0)
		return http_error(res, 409, "Erase your own account from your profile");
	struct derr err;
	struct user *u = arena_alloc(req->arena, sizeof(*u));
	enum users_rc ur = users_get(&oid, false, u, &err);
	if (ur == USERS_ERR)
		return api_derr(res, &err);
	if (ur == USERS_NOT_FOUND)
		return http_error(res, 404, "User not found");
	arena_defer_user(req->arena, u);
	struct erase_report rep;
	enum erase_rc rc = account_erase(&oid, req->user.id, &rep, &err);
	return erase_answer(req, res, rc, &rep, hex, u->role, reason, &err);
}
