/* Accounts in the `users` collection: creation against the unique email index, lookups
 * by id and email, profile/role/password updates, the admin search, and the contact data
 * other modules (notifications) read. Emails are stored trimmed and lower-cased.
 *
 * Document: {_id: ObjectId, name, email, phone, role: "citizen"|"staff"|"admin",
 *            password_hash (argon2id string), disabled: bool,
 *            prefs: {email: bool, sms: bool, inapp: bool},
 *            tokens_valid_after: int64 seconds (0 = none), keep_jti: string,
 *            created_at: Date, updated_at: Date} */
#ifndef SWMRA_USERS_H
#define SWMRA_USERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "domain/derr.h"
#include "domain/id.h"

#define USERS_NAME_MAX	100
#define USERS_EMAIL_MAX 254
#define USERS_PHONE_MIN 7
#define USERS_PHONE_MAX 20

/* Default notification preferences of a new account. */
#define USERS_PREF_EMAIL_DEFAULT true
#define USERS_PREF_SMS_DEFAULT	 false
#define USERS_PREF_INAPP_DEFAULT true
/* The languages of the app and of notifications; accounts without a choice speak English. */
#define USERS_LOCALE_DEFAULT "en"
#define USERS_LOCALE_LEN     4 /* "en", "hi", "kn" + NUL */

struct user {
	char id[OID_HEX_LEN]; /* ObjectId hex */
	char *name;	      /* malloc'd, freed by users_clear */
	char *email;
	char *phone;
	char role[16]; /* "citizen" | "staff" | "admin" */
	bool disabled;
	bool pref_email, pref_sms, pref_inapp;
	char locale[USERS_LOCALE_LEN]; /* "en" | "hi" | "kn" */
	char *password_hash;	       /* malloc'd; NULL unless the lookup asked for it */
	int64_t tokens_valid_after;    /* seconds; tokens with an older iat are refused ... */
	char keep_jti[64];	       /* ... except this one (the session that changed it) */
	int64_t created_at;	       /* ms */
	int64_t updated_at;	       /* ms */
};

/* Frees the strings of `u` and zeroes it. Safe on a zeroed struct. */
void users_clear(struct user *u);

/* Trims ASCII whitespace and lower-cases into `out` (caller's buffer). Returns false when
 * the result does not fit. */
bool users_normalize_email(const char *in, char *out, size_t outlen);
/* Syntax check of a normalized address (local@domain.tld, dot-atom local part, LDH
 * labels, at most 254 characters). No deliverability check. */
bool users_email_valid(const char *email);
/* 7–20 characters of digits, spaces and "+-()", with at least one digit. */
bool users_phone_valid(const char *phone);
/* Whether `role` is one of citizen, staff, admin. */
bool users_role_valid(const char *role);
/* Whether `locale` is one the app speaks: "en", "hi" or "kn". */
bool users_locale_valid(const char *locale);

enum users_rc { USERS_OK = 0, USERS_NOT_FOUND = 1, USERS_DUP = 2, USERS_ERR = -1 };

/* The account `id`; `with_hash` also loads password_hash. The caller clears `out` on
 * USERS_OK; USERS_ERR fills *err. */
enum users_rc users_get(const struct oid *id, bool with_hash, struct user *out, struct derr *err);

/* The account of normalized `email`, as users_get. */
enum users_rc users_get_by_email(const char *email, bool with_hash, struct user *out,
				 struct derr *err);
/* The users `ids[0..n-1]` (distinct) in one query into out[0..n-1]: out[i].id is "" for
 * an id that has no account. Without password hashes. USERS_OK (the caller clears every
 * out[i]) or USERS_ERR (nothing to clear). */
enum users_rc users_get_many(const struct oid *ids, size_t n, struct user *out, struct derr *err);
/* Inserts a new account (email must be normalized). USERS_DUP when the email is taken
 * (the unique index decides, so racing registrations give one account). On USERS_OK `out`
 * (may be NULL) receives the stored user without the hash; the caller clears it. */
enum users_rc users_add(const char *name, const char *email, const char *phone,
			const char *password_hash, const char *role, struct user *out,
			struct derr *err);

/* A partial update: NULL strings and `set_*` false fields are left alone. */
struct user_patch {
	const char *name;
	const char *phone;
	bool set_pref_email, pref_email;
	bool set_pref_sms, pref_sms;
	bool set_pref_inapp, pref_inapp;
	const char *locale; /* valid per users_locale_valid */
	const char *role;
	bool set_disabled, disabled;
	const char *password_hash;
	/* With password_hash: refuse tokens issued before this second, except keep_jti. */
	int64_t tokens_valid_after;
	const char *keep_jti;
	/* Store tokens_valid_after and keep_jti without a new password (a disable ends every
	 * session, so a re-enable does not bring old tokens back). */
	bool end_sessions;
};

/* Applies `p` to the user; USERS_NOT_FOUND when no such user. updated_at is refreshed. */
enum users_rc users_update(const struct oid *id, const struct user_patch *p, struct derr *err);

/* Admin search: `q` (may be NULL) matches name or email case-insensitively as a literal
 * substring; `role` (may be NULL) filters by role. Newest first. On USERS_OK *items is a
 * malloc'd array of *n users (free with users_free_list) and *total the match count. */
enum users_rc users_admin_list(const char *q, const char *role, long skip, long limit,
			       struct user **items, size_t *n, int64_t *total, struct derr *err);
void users_free_list(struct user *items, size_t n);

#endif
