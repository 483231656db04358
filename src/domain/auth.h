/* Credentials and sessions: Argon2id password hashing (libsodium), HS256 JWTs (libjwt
 * 1.10, whose gaps are closed here: the algorithm, exp, iat, nbf and iss are checked by
 * hand), token revocation by jti (`revoked_tokens`), and the per-account login backoff
 * (`login_failures`).
 *
 * Login backoff (per normalized email, whether or not the account exists, so it reveals
 * nothing): every failed attempt inserts one `login_failures` document {email, at, ip}
 * (insert-only, so concurrent failures are all counted, even on FerretDB). Failures older
 * than AUTH_FAILURE_MEMORY_SEC are forgotten. With n >= LOGIN_MAX_FAILURES remembered
 * failures, attempts within min(LOGIN_BACKOFF_MAX_SEC, 30 s * 2^(n - LOGIN_MAX_FAILURES))
 * of the latest failure are answered 429 without checking the password. Why an attacker
 * cannot lock a user out for good: the window is capped; refused attempts are not counted
 * and do not extend it, so at most every LOGIN_BACKOFF_MAX_SEC the account accepts a real
 * attempt again; a successful login erases the failures; and they expire on their own
 * after a day. (Bursts from many clients are nginx limit_req's job.) */
#ifndef SWMRA_AUTH_H
#define SWMRA_AUTH_H

#include <mongoc/mongoc.h>
#include <stdbool.h>
#include <stdint.h>

/* Leeway for iat/nbf in the future (clock skew between machines). */
#define AUTH_CLOCK_LEEWAY_SEC 60
/* Failed logins are remembered this long (the purge job deletes older ones). */
#define AUTH_FAILURE_MEMORY_SEC 86400
/* First backoff window once LOGIN_MAX_FAILURES is reached; doubles per further failure. */
#define AUTH_BACKOFF_BASE_SEC 30

/* ---- passwords ---- */

/* Argon2id hash (crypto_pwhash_str_alg with ARGON2_OPSLIMIT / ARGON2_MEMLIMIT_KIB).
 * Returns a malloc'd encoded hash (caller frees) or NULL when out of memory. */
char *auth_hash_password(const char *password);
/* Whether `password` matches the encoded `hash`; false for a NULL or malformed hash. */
bool auth_verify_password(const char *hash, const char *password);
/* Verifies `password` against a dummy hash of the configured cost, so an unknown email
 * takes as long as a wrong password. Always returns false. */
bool auth_verify_dummy(const char *password);
/* Whether `hash` was made with other parameters than the configured ones. */
bool auth_needs_rehash(const char *hash);

/* ---- tokens ---- */

struct auth_claims {
	char sub[25];  /* user ObjectId hex */
	char role[16]; /* as issued; informational only, the guard uses the stored role */
	char jti[64];
	int64_t iat; /* seconds since the epoch */
	int64_t exp;
};

/* Issues an HS256 token for the user (JWT_SECRET, JWT_ISSUER, JWT_EXPIRE_MIN) with a
 * random 128-bit jti. Returns the malloc'd token (caller frees) or NULL; `out` (may be
 * NULL) receives the claims. */
/* As auth_issue_token, with iat at least `min_iat` (seconds): a user whose sessions were
 * ended in this second (tokens_valid_after = now + 1) still gets a token that counts as
 * issued after that, within the iat leeway. */
char *auth_issue_token_after(const char *user_id, const char *role, int64_t min_iat,
			     struct auth_claims *out);
char *auth_issue_token(const char *user_id, const char *role, struct auth_claims *out);
/* Verifies a token as of `now` (seconds): signature with JWT_SECRET, alg exactly HS256,
 * exp > now, iat present and <= now + leeway, nbf (if any) <= now + leeway, iss equal to
 * JWT_ISSUER, sub a valid ObjectId, jti present. Returns true and fills `out`; on false,
 * *why (may be NULL) names the reason (static string, for debug logs only). */
bool auth_verify_token_at(const char *token, int64_t now, struct auth_claims *out,
			  const char **why);
bool auth_verify_token(const char *token, struct auth_claims *out, const char **why);

/* ---- revocation ---- */

/* Revokes `jti` until `exp` (seconds): inserts {_id: jti, user_id, expires_at, revoked_at}
 * into revoked_tokens. Revoking twice is fine. */
bool auth_revoke(const char *jti, const char *user_id, int64_t exp, bson_error_t *err);
/* 1 revoked, 0 not revoked, -1 database error. */
int auth_is_revoked(const char *jti, bson_error_t *err);

struct user;
enum auth_session { AUTH_SESSION_OK, AUTH_SESSION_INVALID, AUTH_SESSION_DB_ERROR };
/* The session of verified claims `cl` (auth_verify_token): its jti not revoked, its user
 * still there, not disabled, and the token not issued before a password change (unless it
 * is the session that made the change). AUTH_SESSION_OK fills *u (caller users_clear);
 * otherwise *u holds nothing to free. The one check shared by the auth guard and the
 * live channel's auth_request. */
enum auth_session auth_session_check(const struct auth_claims *cl, struct user *u,
				     bson_error_t *err);

/* ---- login backoff ---- */

/* The window in seconds after `failures` remembered failures (0 below the threshold). */
int64_t auth_backoff_window(int64_t failures);
/* 0 when an attempt for `email` may proceed, else the seconds to wait (>= 1, for
 * Retry-After); -1 on a database error. */
int64_t auth_backoff_check(const char *email, bson_error_t *err);
/* Records one failed attempt (`ip` may be NULL). */
bool auth_backoff_fail(const char *email, const char *ip, bson_error_t *err);
/* Forgets the failures of `email` (after a successful login). */
bool auth_backoff_reset(const char *email, bson_error_t *err);

/* ---- purge (cron) ---- */

/* Deletes (or with dry_run counts) revocations whose token has expired by `now_ms`.
 * Returns the number, or -1 on error. */
int64_t auth_purge_revoked(int64_t now_ms, bool dry_run, bson_error_t *err);
/* Deletes (or counts) login failures older than AUTH_FAILURE_MEMORY_SEC. */
int64_t auth_purge_failures(int64_t now_ms, bool dry_run, bson_error_t *err);

#endif
