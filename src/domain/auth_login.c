#include "domain/auth_login.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "domain/auth.h"
#include "domain/refresh.h"
#include "domain/internal/users_store.h"
#include "infra/db.h"
#include "infra/log.h"
#include "infra/metrics.h"

_Static_assert(AUTH_LOGIN_COOKIE_MAX == AUTH_DEVICE_COOKIE_MAX, "device cookie size");
_Static_assert(AUTH_LOGIN_REFRESH_LEN == REFRESH_TOKEN_LEN, "refresh token size");

/* Login takes an email of up to 1000 characters (the register rules are not revealed);
 * a UTF-8 character takes up to 4 bytes. */
#define LOGIN_EMAIL_BYTES (4 * 1000 + 1)

void auth_signed_in_clear(struct auth_signed_in *s)
{
	free(s->access_token);
	memset(s, 0, sizeof(*s));
}

/* Marks this client as a device that has signed in to the account (auth.h: device
 * cookies); a failure to issue one only means it is not marked. */
static void issue_device_cookie(const struct user *u, struct auth_signed_in *out)
{
	if (!auth_device_issue(u->id, (int64_t)time(NULL), out->device_cookie))
		out->device_cookie[0] = '\0';
}

/* A new refresh session for this device and an access token that belongs to it. false:
 * *internal tells a token failure (logged) from a store error (err set). */
static bool start_session(const struct user *u, const char *user_agent, struct auth_signed_in *out,
			  bool *internal, struct derr *err)
{
	struct refresh_issued iss;
	struct oid uid;
	*internal = false;
	oid_parse(u->id, &uid);
	if (!refresh_start(&uid, user_agent, &iss, err))
		return false;
	memcpy(out->refresh_token, iss.token, sizeof(out->refresh_token));
	out->refresh_max_age = iss.max_age;
	out->access_token =
	    auth_issue_session_token(u->id, u->role, u->tokens_valid_after, iss.sid, NULL);
	if (!out->access_token) {
		log_error("could not issue a token");
		*internal = true;
		return false;
	}
	return true;
}

/* The configured cost changed: upgrade the stored hash now that we have the password. A
 * failure only means it is tried again next time. */
static void rehash(const struct user *u, const char *password)
{
	if (!auth_needs_rehash(u->password_hash))
		return;
	struct derr e;
	struct oid uid;
	oid_parse(u->id, &uid);
	char *hash = auth_hash_password(password);
	struct user_patch p = {.password_hash = hash,
			       .tokens_valid_after = u->tokens_valid_after,
			       .keep_jti = u->keep_jti};
	if (hash && users_update(&uid, &p, &e) == USERS_ERR)
		log_warn("password rehash not stored: %s", e.message);
	free(hash);
}

static void log_failure(const struct user *u, bool found, bool known_device)
{
	json_object *f = json_object_new_object();
	if (found)
		json_object_object_add(f, "user_id", json_object_new_string(u->id));
	json_object_object_add(f, "trusted_device", json_object_new_boolean(known_device));
	log_write(LOG_INFO, f, "login failed");
	metrics_inc(METRICS_LOGINS_FAILED);
}

/* The password check of an attempt that the backoff let through. */
static enum auth_login_result check_password(const struct auth_login_input *in, struct user *u,
					     bool found, const struct auth_attempt *at,
					     struct derr *err)
{
	bool has_password = found && u->password_hash && *u->password_hash;
	bool ok = has_password ? auth_verify_password(u->password_hash, in->password)
			       : auth_verify_dummy(in->password);
	if (!ok) {
		if (!auth_backoff_fail(at, err))
			return AUTH_LOGIN_DB_ERROR;
		log_failure(u, found, at->device != NULL);
		return AUTH_LOGIN_INVALID_CREDENTIALS;
	}
	if (u->disabled)
		return AUTH_LOGIN_DISABLED;
	if (!auth_backoff_reset(at, err))
		return AUTH_LOGIN_DB_ERROR;
	rehash(u, in->password);
	return AUTH_LOGIN_OK;
}

enum auth_login_result auth_login(const struct auth_login_input *in, struct user *u,
				  struct auth_signed_in *out, int64_t *wait_sec, struct derr *err)
{
	/* The public routes run before any token check, so they must not reach the driver
	 * without a client (it aborts on a NULL handle). */
	if (!db_client())
		return AUTH_LOGIN_NO_DATABASE;
	char email[LOGIN_EMAIL_BYTES];
	if (!users_normalize_email(in->email, email, sizeof(email)))
		return AUTH_LOGIN_INTERNAL; /* cannot happen: the handler bounds the length */

	/* The account first (unknown or not, the same work follows): a device cookie counts
	 * only for the account it was issued to. */
	bson_error_t e;
	enum users_rc rc = users_find_by_email(email, true, u, &e);
	if (rc == USERS_ERR) {
		derr_from_store(err, &e);
		return AUTH_LOGIN_DB_ERROR;
	}
	bool found = rc == USERS_OK;
	char device[AUTH_DEVICE_ID_LEN + 1];
	bool known_device = auth_device_verify(in->device_cookie, found ? u->id : NULL,
					       (int64_t)time(NULL), device);
	struct auth_attempt at = {
	    .email = email, .ip = in->ip, .device = known_device ? device : NULL};
	int64_t wait = auth_backoff_check(&at, err);
	if (wait < 0)
		return AUTH_LOGIN_DB_ERROR;
	if (wait > 0) {
		metrics_inc(METRICS_LOGINS_THROTTLED);
		*wait_sec = wait;
		return AUTH_LOGIN_THROTTLED;
	}
	enum auth_login_result r = check_password(in, u, found, &at, err);
	if (r != AUTH_LOGIN_OK)
		return r;
	/* the hash has done its work: it does not travel further with the account */
	free(u->password_hash);
	u->password_hash = NULL;
	issue_device_cookie(u, out);
	bool internal;
	if (!start_session(u, in->user_agent, out, &internal, err))
		return internal ? AUTH_LOGIN_INTERNAL : AUTH_LOGIN_DB_ERROR;
	return AUTH_LOGIN_OK;
}

enum auth_register_result auth_register(const struct auth_register_input *in, struct user *u,
					struct auth_signed_in *out, struct derr *err)
{
	if (!db_client())
		return AUTH_REGISTER_NO_DATABASE;
	bson_error_t e;
	enum users_rc rc = users_find_by_email(in->email, false, u, &e);
	if (rc == USERS_OK)
		return AUTH_REGISTER_EMAIL_TAKEN;
	if (rc == USERS_ERR) {
		derr_from_store(err, &e);
		return AUTH_REGISTER_DB_ERROR;
	}
	char *hash = auth_hash_password(in->password);
	if (!hash)
		return AUTH_REGISTER_INTERNAL;
	rc = users_create(in->name, in->email, in->phone, hash, "citizen", u, &e);
	free(hash);
	if (rc == USERS_DUP)
		return AUTH_REGISTER_EMAIL_TAKEN;
	if (rc != USERS_OK) {
		derr_from_store(err, &e);
		return AUTH_REGISTER_DB_ERROR;
	}
	json_object *f = json_object_new_object();
	json_object_object_add(f, "user_id", json_object_new_string(u->id));
	log_write(LOG_INFO, f, "account registered");
	issue_device_cookie(u, out); /* the device that made the account has signed in */
	bool internal;
	if (!start_session(u, in->user_agent, out, &internal, err))
		return internal ? AUTH_REGISTER_INTERNAL : AUTH_REGISTER_DB_ERROR;
	return AUTH_REGISTER_OK;
}
