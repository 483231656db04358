/* The store-typed forms of users.h, for the domain's own callers that hold the driver's
 * ids and errors: sign-in and registration (auth_login.c), the session cache, password
 * resets, erasure (account_erase.c), web push and notification contact data (notify),
 * the staff list of a dispute (requests.c), and the test helpers. Each of the first five
 * has a value-typed twin in users.h (users_add, users_get, users_get_by_email,
 * users_get_many, users_admin_list) with the same behaviour. Domain-internal: never
 * included by src/api, which uses the twins. */
#ifndef SWMRA_USERS_STORE_H
#define SWMRA_USERS_STORE_H

#include <mongoc/mongoc.h>

#include "domain/users.h"

enum users_rc users_create(const char *name, const char *email, const char *phone,
			   const char *password_hash, const char *role, struct user *out,
			   bson_error_t *err);
enum users_rc users_find_by_id(const bson_oid_t *id, bool with_hash, struct user *out,
			       bson_error_t *err);
enum users_rc users_find_by_email(const char *email, bool with_hash, struct user *out,
				  bson_error_t *err);
enum users_rc users_find_many(const bson_oid_t *ids, size_t n, struct user *out, bson_error_t *err);
enum users_rc users_search(const char *q, const char *role, long skip, long limit,
			   struct user **items, size_t *n, int64_t *total, bson_error_t *err);

/* Contact data for notifications. Returns true when the user exists; then *name, *email
 * and *phone are malloc'd copies (caller frees; *name is "" and *phone NULL when none is
 * stored) and the preference flags are set (defaults when the account has none stored). Returns
 * false when the user does not exist (err->code == 0) or on a database error
 * (err->code != 0; db_is_unavailable(err) tells a retryable outage). Any out pointer may
 * be NULL. A disabled account exists, with its mail and SMS preferences reported off.
 * `locale` (may be NULL; USERS_LOCALE_LEN bytes) receives the account's language. */
bool users_get_contact_named(const bson_oid_t *id, char **name, char **email, char **phone,
			     bool *pref_email, bool *pref_sms, bool *pref_inapp, char *locale,
			     bson_error_t *err);

/* Erasure: replaces the account with a tombstone {_id, name "", email "erased:<id>",
 * phone null, role citizen, disabled, erased: true, tokens_valid_after} that holds no
 * personal data and frees the email for a new registration; every session ends. */
enum users_rc users_tombstone(const bson_oid_t *id, int64_t tokens_valid_after, bson_error_t *err);

#endif
