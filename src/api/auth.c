/* /api/auth/...: registration, login, the caller's profile, password change and logout.
 * Passwords are never logged; unknown email and wrong password answer the same 401 after
 * the same amount of Argon2 work. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/api.h"
#include "domain/auth.h"
#include "domain/live.h"
#include "domain/refresh.h"
#include "domain/users.h"
#include "infra/cleanup.h"
#include "infra/config.h"
#include "infra/db.h"
#include "infra/log.h"
#include "infra/metrics.h"
#include "infra/timeutil.h"

#define PASSWORD_MIN 8
#define PASSWORD_MAX 128
/* Login and current_password accept any length up to this: the policy is not revealed. */
#define PASSWORD_ANY_MAX 1024
/* Login accepts any email up to this many characters: the register rules are not revealed. */
#define LOGIN_EMAIL_MAX 1000

json_object *api_user_json(const struct user *u, bool with_prefs, bool admin)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "id", json_object_new_string(u->id));
	json_object_object_add(o, "name", json_object_new_string(u->name ? u->name : ""));
	json_object_object_add(o, "email", json_object_new_string(u->email ? u->email : ""));
	json_object_object_add(o, "phone", u->phone ? json_object_new_string(u->phone) : NULL);
	json_object_object_add(o, "role", json_object_new_string(u->role));
	json_object_object_add(o, "locale", json_object_new_string(u->locale));
	if (with_prefs) {
		json_object *p = json_object_new_object();
		json_object_object_add(p, "email", json_object_new_boolean(u->pref_email));
		json_object_object_add(p, "sms", json_object_new_boolean(u->pref_sms));
		json_object_object_add(p, "inapp", json_object_new_boolean(u->pref_inapp));
		json_object_object_add(o, "prefs", p);
	}
	if (admin) {
		char ts[TIME_RFC3339_LEN];
		json_object_object_add(o, "disabled", json_object_new_boolean(u->disabled));
		time_format_rfc3339(u->created_at, ts);
		json_object_object_add(o, "created_at", json_object_new_string(ts));
		time_format_rfc3339(u->updated_at, ts);
		json_object_object_add(o, "updated_at", json_object_new_string(ts));
	}
	return o;
}

CLEANUP_DEFINE(user, struct user, users_clear)

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

int api_token_response(struct http_response *res, int status, const struct user *u, const char *sid)
{
	struct auth_claims cl;
	char *tok = auth_issue_session_token(u->id, u->role, u->tokens_valid_after, sid, &cl);
	if (!tok) {
		log_error("could not issue a token");
		return http_error(res, 500, "Internal server error");
	}
	json_object *o = json_object_new_object();
	json_object_object_add(o, "access_token", json_object_new_string(tok));
	json_object_object_add(o, "token_type", json_object_new_string("bearer"));
	json_object_object_add(o, "user", api_user_json(u, false, false));
	free(tok);
	return http_json(res, status, o);
}

static int too_many(struct http_response *res, int64_t wait)
{
	char ra[24];
	snprintf(ra, sizeof(ra), "%lld", (long long)wait);
	http_header(res, "Retry-After", ra);
	return http_error(res, 429, "Too many failed attempts, try again later");
}

/* Marks this client as a device that has signed in to `user_id` (auth.h: device cookies).
 * HttpOnly and SameSite=Strict: scripts and other sites never see or send it; Secure
 * outside development (production is HTTPS only); sent only to /api/auth. */
static void set_device_cookie(struct http_response *res, const char *user_id)
{
	char v[AUTH_DEVICE_COOKIE_MAX], c[AUTH_DEVICE_COOKIE_MAX + 128];
	if (!auth_device_issue(user_id, (int64_t)time(NULL), v))
		return;
	bool secure = strcmp(config_get()->app_env, "development") != 0;
	snprintf(c, sizeof(c), "%s=%s; Path=/api/auth; Max-Age=%d; HttpOnly; SameSite=Strict%s",
		 AUTH_DEVICE_COOKIE, v, AUTH_DEVICE_MAX_AGE_SEC, secure ? "; Secure" : "");
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

/* A signed-in answer: a new refresh session for this device (its cookie) and an access
 * token that belongs to it. */
static int signed_in(struct http_request *req, struct http_response *res, int status,
		     const struct user *u)
{
	struct refresh_issued iss;
	bson_error_t err;
	if (!refresh_start(&u->oid, http_request_param(req, "HTTP_USER_AGENT"), &iss, &err))
		return http_db_error(res, &err);
	api_refresh_cookie(res, iss.token, iss.max_age);
	return api_token_response(res, status, u, iss.sid);
}

/* The public routes run before any token check, so they must not reach the driver
 * without a client (it aborts on a NULL handle): answer as for an unreachable database. */
static int no_database(struct http_response *res)
{
	return http_error(res, 503, "Database unavailable, please retry shortly");
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
	if (!db_client())
		return no_database(res);

	bson_error_t err;
	struct user *u = new_user(req);
	enum users_rc rc = users_find_by_email(email, false, u, &err);
	if (rc == USERS_ERR)
		return http_db_error(res, &err);
	if (rc == USERS_OK)
		return http_error(res, 409, "Email already exists");
	char *hash = auth_hash_password(password);
	if (!hash)
		return http_error(res, 500, "Internal server error");
	rc = users_create(name, email, phone, hash, "citizen", u, &err);
	free(hash);
	if (rc == USERS_DUP)
		return http_error(res, 409, "Email already exists");
	if (rc != USERS_OK)
		return http_db_error(res, &err);
	json_object *f = json_object_new_object();
	json_object_object_add(f, "user_id", json_object_new_string(u->id));
	log_write(LOG_INFO, f, "account registered");
	set_device_cookie(res, u->id); /* the device that made the account has signed in */
	return signed_in(req, res, 201, u);
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
	if (!db_client())
		return no_database(res);
	/* The limit counts characters; a UTF-8 character takes up to 4 bytes. */
	char email[4 * LOGIN_EMAIL_MAX + 1];
	if (!users_normalize_email(raw_email, email, sizeof(email)))
		return http_error(res, 500, "Internal server error"); /* cannot happen */

	/* The account first (unknown or not, the same work follows): a device cookie counts
	 * only for the account it was issued to. */
	bson_error_t err;
	struct user *u = new_user(req);
	enum users_rc rc = users_find_by_email(email, true, u, &err);
	if (rc == USERS_ERR)
		return http_db_error(res, &err);
	char device[AUTH_DEVICE_ID_LEN + 1];
	bool known_device =
	    auth_device_verify(http_request_param(req, "SWMRA_DEVICE_COOKIE"),
			       rc == USERS_OK ? u->id : NULL, (int64_t)time(NULL), device);
	struct auth_attempt at = {
	    .email = email, .ip = req->remote_addr, .device = known_device ? device : NULL};
	int64_t wait = auth_backoff_check(&at, &err);
	if (wait < 0)
		return http_db_error(res, &err);
	if (wait > 0) {
		metrics_inc(METRICS_LOGINS_THROTTLED);
		return too_many(res, wait);
	}

	/* An account without a password (made for someone, not yet claimed through a reset
	 * link) cannot sign in, and takes as long to refuse as any other. */
	bool has_password = rc == USERS_OK && u->password_hash && *u->password_hash;
	bool ok = has_password ? auth_verify_password(u->password_hash, password)
			       : auth_verify_dummy(password);
	if (!ok) {
		if (!auth_backoff_fail(&at, &err))
			return http_db_error(res, &err);
		json_object *f = json_object_new_object();
		if (rc == USERS_OK)
			json_object_object_add(f, "user_id", json_object_new_string(u->id));
		json_object_object_add(f, "trusted_device", json_object_new_boolean(known_device));
		log_write(LOG_INFO, f, "login failed");
		metrics_inc(METRICS_LOGINS_FAILED);
		return http_error(res, 401, "Invalid credentials");
	}
	if (u->disabled)
		return http_error(res, 403, "Account disabled");
	if (!auth_backoff_reset(&at, &err))
		return http_db_error(res, &err);
	if (auth_needs_rehash(u->password_hash)) {
		/* The configured cost changed: upgrade the stored hash now that we have the
		 * password. A failure only means it is tried again next time. */
		char *hash = auth_hash_password(password);
		struct user_patch p = {.password_hash = hash,
				       .tokens_valid_after = u->tokens_valid_after,
				       .keep_jti = u->keep_jti};
		if (hash && users_update(&u->oid, &p, &err) == USERS_ERR)
			log_warn("password rehash not stored: %s", err.message);
		free(hash);
	}
	set_device_cookie(res, u->id);
	return signed_in(req, res, 200, u);
}

/* Loads the signed-in caller (the guard has just seen it). */
static int load_me(struct http_request *req, struct http_response *res, bool with_hash,
		   struct user **out)
{
	bson_oid_t oid;
	bson_error_t err;
	if (!db_parse_oid(req->user.id, &oid))
		return http_error(res, 401, "Invalid token");
	struct user *u = new_user(req);
	enum users_rc rc = users_find_by_id(&oid, with_hash, u, &err);
	if (rc == USERS_ERR)
		return http_db_error(res, &err);
	if (rc == USERS_NOT_FOUND)
		return http_error(res, 401, "Invalid token");
	*out = u;
	return 0;
}

int api_auth_me(struct http_request *req, struct http_response *res)
{
	struct user *u;
	int st = load_me(req, res, false, &u);
	if (st)
		return st;
	return http_json(res, 200, api_user_json(u, true, false));
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
	bson_oid_t oid;
	bson_error_t err;
	if (!db_parse_oid(req->user.id, &oid))
		return http_error(res, 401, "Invalid token");
	enum users_rc rc = users_update(&oid, &p, &err);
	if (rc == USERS_ERR)
		return http_db_error(res, &err);
	if (rc == USERS_NOT_FOUND)
		return http_error(res, 401, "Invalid token");
	struct user *u;
	st = load_me(req, res, false, &u);
	if (st)
		return st;
	return http_json(res, 200, api_user_json(u, true, false));
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
	/* The login backoff, keyed by this session: a stolen token must not become a password
	 * oracle, and failures elsewhere (a lockout attempt on the account) must not keep the
	 * signed-in user from changing the password. */
	char key[80];
	snprintf(key, sizeof(key), "session:%s", req->user.jti);
	struct auth_attempt at = {.email = u->email, .ip = req->remote_addr, .device = key};
	bson_error_t err;
	int64_t wait = auth_backoff_check(&at, &err);
	if (wait < 0)
		return http_db_error(res, &err);
	if (wait > 0)
		return too_many(res, wait);
	if (!auth_verify_password(u->password_hash, cur)) {
		if (!auth_backoff_fail(&at, &err))
			return http_db_error(res, &err);
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
	enum users_rc rc = users_update(&u->oid, &p, &err);
	free(hash);
	if (rc == USERS_ERR)
		return http_db_error(res, &err);
	if (rc == USERS_NOT_FOUND)
		return http_error(res, 401, "Invalid token");
	if (!auth_backoff_reset(&at, &err))
		log_warn("login failures not reset: %s", err.message);
	/* the other devices' refresh sessions end with their access tokens */
	if (!refresh_end_all(&u->oid, req->user.sid, "password_changed", &err))
		return http_db_error(res, &err);
	json_object *f = json_object_new_object();
	json_object_object_add(f, "user_id", json_object_new_string(u->id));
	log_write(LOG_INFO, f, "password changed");
	live_end_epoch(u->id, u->tokens_valid_after, u->keep_jti, p.tokens_valid_after, p.keep_jti);
	return http_raw(res, 204, NULL, "", 0);
}

int api_auth_logout(struct http_request *req, struct http_response *res)
{
	bson_error_t err;
	if (!auth_revoke(req->user.jti, req->user.id, req->user.exp, &err))
		return http_db_error(res, &err);
	bson_oid_t uid;
	bool found;
	if (req->user.sid[0] && db_parse_oid(req->user.id, &uid) &&
	    !refresh_end(&uid, req->user.sid, "logout", &found, &err))
		return http_db_error(res, &err);
	api_refresh_cookie(res, NULL, 0);
	live_end_session(req->user.sid[0] ? req->user.sid : req->user.jti);
	return http_raw(res, 204, NULL, "", 0);
}
