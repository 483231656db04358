/* Signing in and registering: the account lookup, the device cookie check, the login
 * backoff (auth.h), the password check and rehash, the disabled check, and what a
 * signed-in client receives (a device cookie value, a refresh session, an access token).
 * The handlers validate the body, call these, and turn the result into an answer.
 *
 * Unknown email and wrong password give the same result after the same amount of Argon2
 * work; an account without a password (made for someone, not yet claimed through a reset
 * link) cannot sign in and takes as long to refuse as any other. */
#ifndef SWMRA_AUTH_LOGIN_H
#define SWMRA_AUTH_LOGIN_H

#include <stdbool.h>
#include <stdint.h>

#include "domain/derr.h"

/* Sizes of what a signed-in client receives (checked against auth.h and refresh.h). */
#define AUTH_LOGIN_COOKIE_MAX  160 /* AUTH_DEVICE_COOKIE_MAX */
#define AUTH_LOGIN_REFRESH_LEN 44  /* REFRESH_TOKEN_LEN */

/* What a signed-in client receives. Cookie values are "" when none was issued; they may be
 * set even when the result is not OK (a failure after they were issued), and the answer
 * carries them as before. Release with auth_signed_in_clear. */
struct auth_signed_in {
	char device_cookie[AUTH_LOGIN_COOKIE_MAX];  /* the device cookie's value */
	char refresh_token[AUTH_LOGIN_REFRESH_LEN]; /* the new refresh session's cookie */
	int64_t refresh_max_age;		    /* seconds */
	char *access_token;			    /* malloc'd; NULL unless OK */
};
void auth_signed_in_clear(struct auth_signed_in *s);

struct auth_login_input {
	const char *email; /* as typed (trimmed and lower-cased here) */
	const char *password;
	const char *ip;		   /* client address; NULL or "" when unknown */
	const char *device_cookie; /* the device cookie presented; NULL for none */
	const char *user_agent;	   /* labels the refresh session; may be NULL */
};

enum auth_login_result {
	AUTH_LOGIN_OK,
	AUTH_LOGIN_INVALID_CREDENTIALS, /* unknown email, wrong password, no password */
	AUTH_LOGIN_DISABLED,		/* the password was right, the account is disabled */
	AUTH_LOGIN_THROTTLED,		/* too many failures: wait *wait_sec seconds */
	AUTH_LOGIN_NO_DATABASE,		/* no store client at all */
	AUTH_LOGIN_DB_ERROR,		/* err set */
	AUTH_LOGIN_INTERNAL		/* cannot normalize, cannot issue a token (logged) */
};

struct user;
/* Signs in. `u` is the caller's storage (zeroed): on OK it holds the account (without
 * the hash; the caller users_clear's it whatever the result). On THROTTLED *wait_sec
 * receives the seconds to wait. Logs "login failed" and counts the failed and throttled
 * logins (metrics). */
enum auth_login_result auth_login(const struct auth_login_input *in, struct user *u,
				  struct auth_signed_in *out, int64_t *wait_sec, struct derr *err);

struct auth_register_input {
	const char *name;  /* trimmed, 1..USERS_NAME_MAX characters */
	const char *email; /* normalized and valid (users_email_valid) */
	const char *phone; /* valid (users_phone_valid) */
	const char *password;
	const char *user_agent; /* may be NULL */
};

enum auth_register_result {
	AUTH_REGISTER_OK,
	AUTH_REGISTER_EMAIL_TAKEN, /* seen before the insert or by the unique index */
	AUTH_REGISTER_NO_DATABASE,
	AUTH_REGISTER_DB_ERROR,
	AUTH_REGISTER_INTERNAL /* hashing or token issue failed */
};

/* Creates a citizen account and signs its device in (as auth_login's OK). `u` as for
 * auth_login. Logs "account registered". */
enum auth_register_result auth_register(const struct auth_register_input *in, struct user *u,
					struct auth_signed_in *out, struct derr *err);

#endif
