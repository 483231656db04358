/* /api/auth/...: registration, login, the caller's profile, password change and logout.
 * Passwords are never logged; unknown email and wrong password answer the same 401 after
 * the same amount of Argon2 work. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/results.h"
#include "domain/auth.h"
#include "domain/auth_login.h"
#include "domain/live.h"
#include "domain/refresh.h"
#include "domain/session_cache.h"
#include "domain/users.h"
#include "infra/cleanup.h"
#include "infra/config.h"
#include "infra/log.h"
#include "infra/timeutil.h"

#define PASSWORD_MIN 8
#define PASSWORD_MAX 128
/* Login and current_password accept any length up to this: the policy is not revealed. */
#define PASSWORD_ANY_MAX 1024
/* Login accepts any email up to this many characters: the register rules are not revealed. */
#define LOGIN_EMAIL_MAX 1000

CLEANUP_DEFINE(user, struct user, users_clear)
CLEANUP_DEFINE(signed_in, struct auth_signed_in, auth_signed_in_clear)

static struct user *new_user(struct http_request *req)
{
	struct user *u = arena_alloc(req->arena, sizeof(*u));
	arena_defer_user(req->arena, u);
	return u;
}

static char *trim_dup(struct arena *a, const char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	size_t n = strlen(s);
	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	return arena_strndup(a, s, n);
}

/* A string field that is trimmed before its length (in characters) is checked. */
static bool text_field(struct http_request *req, struct verrors *e, json_object *b,
		       const char *prefix, const char *key, bool required, size_t min, size_t max,
		       const char **out)
{
	const char *raw;
	if (!v_string(e, b, prefix, key, required, 0, (size_t)-2, &raw))
		return false;
	char *s = trim_dup(req->arena, raw);
	size_t n = utf8_len(s);
	char loc[64], msg[96];
	snprintf(loc, sizeof(loc), "%s.%s", prefix, key);
	if (n < min) {
		snprintf(msg, sizeof(msg), "String should have at least %zu character%s", min,
			 min == 1 ? "" : "s");
		verr_add(e, loc, msg, "string_too_short");
		return false;
	}
	if (n > max) {
		snprintf(msg, sizeof(msg), "String should have at most %zu characters", max);
		verr_add(e, loc, msg, "string_too_long");
		return false;
	}
	*out = s;
	return true;
}

static bool phone_field(struct http_request *req, struct verrors *e, json_object *b, bool required,
			const char **out)
{
	const char *s;
	if (!text_field(req, e, b, "body", "phone", required, 0, 1000, &s))
		return false;
	if (!users_phone_valid(s)) {
		verr_add(e, "body.phone",
			 "Phone must be 7-20 characters of digits, spaces, '+', '-', '(' and ')'",
			 "value_error");
		return false;
	}
	*out = s;
	return true;
}

int api_token_answer(struct http_response *res, int status, const struct user *u, const char *token)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "access_token", json_object_new_string(token));
	json_object_object_add(o, "token_type", json_object_new_string("bearer"));
	json_object_object_add(o, "user", api_user_json(u));
	return http_json(res, status, o);
}

int api_token_response(struct http_response *res, int status, const struct user *u, const char *sid)
{
	char *tok = auth_issue_session_token(u->id, u->role, u->tokens_valid_after, sid, NULL);
	if (!tok) {
		log_error("could not issue a token");
		return http_error(res, 500, "Internal server error");
	}
	int st = api_token_answer(res, status, u, tok);
	free(tok);
	return st;
}

/* The device cookie (auth.h: device cookies) of a signed-in client. HttpOnly and
 * SameSite=Strict: scripts and other sites never see or send it; Secure outside
 * development (production is HTTPS only); sent only to /api/auth. */
static void set_device_cookie(struct http_response *res, const char *value)
{
	char c[AUTH_DEVICE_COOKIE_MAX + 128];
	bool secure = strcmp(config_get()->app_env, "development") != 0;
	snprintf(c, sizeof(c), "%s=%s; Path=/api/auth; Max-Age=%d; HttpOnly; SameSite=Strict%s",
		 AUTH_DEVICE_COOKIE, value, AUTH_DEVICE_MAX_AGE_SEC, secure ? "; Secure" : "");
	http_header(res, "Set-Cookie", c);
}

void api_refresh_cookie(struct http_response *res, const char *token, int64_t max_age)
{
	char c[REFRESH_TOKEN_LEN + 160];
	bool secure = strcmp(config_get()->app_env, "development") != 0;
	snprintf(c, sizeof(c), "%s=%s; Path=/api/auth; Max-Age=%lld; HttpOnly; SameSite=Strict%s",
		 REFRESH_COOKIE, token ? token : "", (long long)(token ? max_age : 0),
		 secure ? "; Secure" : "");
	/* beside the device cookie, not instead of it */
	http_header_add(res, "Set-Cookie", c);
}

/* What a login or registration holds for the client, released with the request. */
static struct auth_signed_in *new_signed_in(struct http_request *req)
{
	struct auth_signed_in *s = arena_alloc(req->arena, sizeof(*s));
	arena_defer_signed_in(req->arena, s);
	return s;
}

/* The cookies of a signed-in client (the device's, then its refresh session's), set
 * whatever the answer: they may have been issued before a later step failed. */
static void signed_in_cookies(struct http_response *res, const struct auth_signed_in *s)
{
	if (s->device_cookie[0])
		set_device_cookie(res, s->device_cookie);
	if (s->refresh_token[0])
		api_refresh_cookie(res, s->refresh_token, s->refresh_max_age);
}

int api_auth_register(struct http_request *req, struct http_response *res)
{
	int st;
	json_object *b = http_json_body(req, res, &st);
	if (!b)
		return st;
	struct verrors *e = http_verrors(req);
	static const char *const allowed[] = {"name", "email", "phone", "password", NULL};
	v_no_extra(e, b, "body", allowed);
	const char *name = NULL, *raw_email = NULL, *phone = NULL, *password = NULL;
	char email[USERS_EMAIL_MAX + 2];
	text_field(req, e, b, "body", "name", true, 1, USERS_NAME_MAX, &name);
	if (v_string(e, b, "body", "email", true, 0, (size_t)-2, &raw_email) &&
	    (!users_normalize_email(raw_email, email, sizeof(email)) || !users_email_valid(email)))
		verr_add(e, "body.email", "value is not a valid email address", "value_error");
	phone_field(req, e, b, true, &phone);
	v_string(e, b, "body", "password", true, PASSWORD_MIN, PASSWORD_MAX, &password);
	if (verr_any(e))
		return http_validation(res, e);

	struct auth_register_input in = {
	    .name = name,
	    .email = email,
	    .phone = phone,
	    .password = password,
	    .user_agent = http_request_param(req, "HTTP_USER_AGENT"),
	};
	struct user *u = new_user(req);
	struct auth_signed_in *s = new_signed_in(req);
	struct derr err;
	enum auth_register_result r = auth_register(&in, u, s, &err);
	signed_in_cookies(res, s);
	if (r == AUTH_REGISTER_OK)
		return api_token_answer(res, 201, u, s->access_token);
	return api_register_result(res, r, &err);
}

int api_auth_login(struct http_request *req, struct http_response *res)
{
	int st;
	json_object *b = http_json_body(req, res, &st);
	if (!b)
		return st;
	struct verrors *e = http_verrors(req);
	static const char *const allowed[] = {"email", "password", NULL};
	v_no_extra(e, b, "body", allowed);
	const char *raw_email = NULL, *password = NULL;
	v_string(e, b, "body", "email", true, 1, LOGIN_EMAIL_MAX, &raw_email);
	v_string(e, b, "body", "password", true, 1, PASSWORD_ANY_MAX, &password);
	if (verr_any(e))
		return http_validation(res, e);

	struct auth_login_input in = {
	    .email = raw_email,
	    .password = password,
	    .ip = req->remote_addr,
	    .device_cookie = http_request_param(req, "SWMRA_DEVICE_COOKIE"),
	    .user_agent = http_request_param(req, "HTTP_USER_AGENT"),
	};
	struct user *u = new_user(req);
	struct auth_signed_in *s = new_signed_in(req);
	int64_t wait = 0;
	struct derr err;
	enum auth_login_result r = auth_login(&in, u, s, &wait, &err);
	signed_in_cookies(res, s);
	if (r == AUTH_LOGIN_OK)
		return api_token_answer(res, 200, u, s->access_token);
	return api_login_result(res, r, wait, &err);
}

/* Loads the signed-in caller (the guard has just seen it). */
static int load_me(struct http_request *req, struct http_response *res, bool with_hash,
		   struct user **out)
{
	struct oid oid;
	struct derr err;
	if (!oid_parse(req->user.id, &oid))
		return http_error(res, 401, "Invalid token");
	struct user *u = new_user(req);
	enum users_rc rc = users_get(&oid, with_hash, u, &err);
	if (rc == USERS_ERR)
		return api_derr(res, &err);
	if (rc == USERS_NOT_FOUND)
		return http_error(res, 401, "Invalid token");
	*out = u;
	return 0;
}

/* From the worker's session cache, as the guard has just read it: no store command. A
 * profile edit on this node is seen at once (the cache's shared counter), one written
 * through another node within SESSION_CACHE_POLL_MS, the same freshness as a disable or a
 * revocation (session_cache.h). */
int api_auth_me(struct http_request *req, struct http_response *res)
{
	struct oid oid;
	struct derr err;
	if (!oid_parse(req->user.id, &oid))
		return http_error(res, 401, "Invalid token");
	struct user *u = new_user(req);
	int rc = session_cache_user(&oid, u, &err);
	if (rc == USERS_ERR)
		return api_derr(res, &err);
	if (rc != USERS_OK)
		return http_error(res, 401, "Invalid token");
	return http_json(res, 200, api_me_json(u));
}

int api_auth_me_patch(struct http_request *req, struct http_response *res)
{
	int st;
	json_object *b = http_json_body(req, res, &st);
	if (!b)
		return st;
	struct verrors *e = http_verrors(req);
	static const char *const allowed[] = {"name", "phone", "prefs", "locale", NULL};
	static const char *const pallowed[] = {"email", "sms", "inapp", NULL};
	v_no_extra(e, b, "body", allowed);
	struct user_patch p = {0};
	text_field(req, e, b, "body", "name", false, 1, USERS_NAME_MAX, &p.name);
	phone_field(req, e, b, false, &p.phone);
	static const char *const locales[] = {"en", "hi", "kn", NULL}; /* users_locale_valid */
	v_enum(e, b, "body", "locale", false, locales, &p.locale);
	json_object *prefs = v_object(e, b, "body", "prefs", false);
	if (prefs) {
		v_no_extra(e, prefs, "body.prefs", pallowed);
		p.set_pref_email = v_bool(e, prefs, "body.prefs", "email", false, &p.pref_email);
		p.set_pref_sms = v_bool(e, prefs, "body.prefs", "sms", false, &p.pref_sms);
		p.set_pref_inapp = v_bool(e, prefs, "body.prefs", "inapp", false, &p.pref_inapp);
	}
	if (verr_any(e))
		return http_validation(res, e);
	struct oid oid;
	struct derr err;
	if (!oid_parse(req->user.id, &oid))
		return http_error(res, 401, "Invalid token");
	enum users_rc rc = users_update(&oid, &p, &err);
	if (rc == USERS_ERR)
		return api_derr(res, &err);
	if (rc == USERS_NOT_FOUND)
		return http_error(res, 401, "Invalid token");
	struct user *u;
	st = load_me(req, res, false, &u);
	if (st)
		return st;
	return http_json(res, 200, api_me_json(u));
}

int api_auth_password(struct http_request *req, struct http_response *res)
{
	int st;
	json_object *b = http_json_body(req, res, &st);
	if (!b)
		return st;
	struct verrors *e = http_verrors(req);
	static const char *const allowed[] = {"current_password", "new_password", NULL};
	v_no_extra(e, b, "body", allowed);
	const char *cur = NULL, *next = NULL;
	v_string(e, b, "body", "current_password", true, 1, PASSWORD_ANY_MAX, &cur);
	v_string(e, b, "body", "new_password", true, PASSWORD_MIN, PASSWORD_MAX, &next);
	if (verr_any(e))
		return http_validation(res, e);
	struct user *u;
	st = load_me(req, res, true, &u);
	if (st)
		return st;
	struct oid uid;
	oid_parse(u->id, &uid);
	/* The login backoff, keyed by this session: a stolen token must not become a password
	 * oracle, and failures elsewhere (a lockout attempt on the account) must not keep the
	 * signed-in user from changing the password. */
	char key[80];
	snprintf(key, sizeof(key), "session:%s", req->user.jti);
	struct auth_attempt at = {.email = u->email, .ip = req->remote_addr, .device = key};
	struct derr err;
	int64_t wait = auth_backoff_check(&at, &err);
	if (wait < 0)
		return api_derr(res, &err);
	if (wait > 0)
		return api_login_result(res, AUTH_LOGIN_THROTTLED, wait, NULL);
	if (!auth_verify_password(u->password_hash, cur)) {
		if (!auth_backoff_fail(&at, &err))
			return api_derr(res, &err);
		verr_add(e, "body.current_password", "Current password is incorrect",
			 "value_error");
		return http_validation(res, e);
	}
	char *hash = auth_hash_password(next);
	if (!hash)
		return http_error(res, 500, "Internal server error");
	/* Every other session of this account ends, including tokens issued earlier in this
	 * very second (iat has whole seconds); the one that changed it stays, and new logins
	 * get an iat of the next second (token_response). */
	struct user_patch p = {.password_hash = hash,
			       .tokens_valid_after = time_now_ms() / 1000 + 1,
			       .keep_jti = req->user.jti};
	enum users_rc rc = users_update(&uid, &p, &err);
	free(hash);
	if (rc == USERS_ERR)
		return api_derr(res, &err);
	if (rc == USERS_NOT_FOUND)
		return http_error(res, 401, "Invalid token");
	if (!auth_backoff_reset(&at, &err))
		log_warn("login failures not reset: %s", err.message);
	/* the other devices' refresh sessions end with their access tokens */
	if (!refresh_end_all(&uid, req->user.sid, "password_changed", &err))
		return api_derr(res, &err);
	json_object *f = json_object_new_object();
	json_object_object_add(f, "user_id", json_object_new_string(u->id));
	log_write(LOG_INFO, f, "password changed");
	live_end_epoch(u->id, u->tokens_valid_after, u->keep_jti, p.tokens_valid_after, p.keep_jti);
	return http_raw(res, 204, NULL, "", 0);
}

int api_auth_logout(struct http_request *req, struct http_response *res)
{
	struct derr err;
	if (!auth_revoke(req->user.jti, req->user.id, req->user.exp, &err))
		return api_derr(res, &err);
	struct oid uid;
	bool found;
	if (req->user.sid[0] && oid_parse(req->user.id, &uid) &&
	    !refresh_end(&uid, req->user.sid, "logout", &found, &err))
		return api_derr(res, &err);
	api_refresh_cookie(res, NULL, 0);
	live_end_session(req->user.sid[0] ? req->user.sid : req->user.jti);
	return http_raw(res, 204, NULL, "", 0);
}
