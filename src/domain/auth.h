/* Credentials and sessions: Argon2id password hashing (libsodium), HS256 JWTs (libjwt
 * 1.10, whose gaps are closed here: the algorithm, exp, iat, nbf and iss are checked by
 * hand), token revocation by jti (`revoked_tokens`), device cookies and the login backoff
 * (`login_failures`).
 *
 * Login backoff, after OWASP's "device cookies" scheme, so that guessing stays throttled
 * but nobody can lock a user out of the devices they have signed in on before. Every
 * failed attempt inserts one `login_failures` document {email, at, ip, device}
 * (insert-only, so concurrent failures are all counted, even on FerretDB). Failures are
 * counted under one of two kinds of key:
 * - a trusted client (it presents a valid device cookie of this very account, issued at
 *   a successful login, see auth_device_issue) is throttled only by the failures made with
 *   that device cookie (`device` = its id): failures from anywhere else do not touch it;
 * - an untrusted client (no cookie, a forged or expired one, another account's) is
 *   throttled by the untrusted failures of the account (`email`, `device` "") and by the
 *   untrusted failures of its client address (`ip`, `device` "", any account;
 *   LOGIN_CLIENT_MAX_FAILURES), whichever waits longer.
 * Both count the same way, per normalized email whether or not the account exists (so it
 * reveals nothing): failures older than AUTH_FAILURE_MEMORY_SEC are forgotten; with
 * n >= threshold remembered failures, attempts within
 * min(LOGIN_BACKOFF_MAX_SEC, 30 s * 2^(n - threshold)) of the latest one are answered
 * 429 without checking the password. The window is capped; refused attempts are not
 * counted and do not extend it; a successful login erases the failures of its key (a
 * trusted client's: its device's; an untrusted one's: the account's untrusted ones); and
 * they expire on their own after a day. (Bursts per address are also nginx limit_req's
 * job.) */
#ifndef SWMRA_AUTH_H
#define SWMRA_AUTH_H

#include <stdbool.h>
#include <stdint.h>

#include "domain/derr.h"

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

/* Characters of a refresh session id (hex of 128 random bits). */
#define AUTH_SID_LEN 32

struct auth_claims {
	char sub[25];  /* user ObjectId hex */
	char role[16]; /* as issued; informational only, the guard uses the stored role */
	char jti[64];
	char sid[AUTH_SID_LEN + 1]; /* refresh session (domain/refresh.h); "" for none */
	int64_t iat;		    /* seconds since the epoch */
	int64_t exp;
};

/* Issues an HS256 token for the user (JWT_SECRET, JWT_ISSUER, JWT_EXPIRE_MIN) with a
 * random 128-bit jti. Returns the malloc'd token (caller frees) or NULL; `out` (may be
 * NULL) receives the claims. iat is at least `min_iat` (seconds; 0: now): a user whose
 * sessions were ended in this second (tokens_valid_after = now + 1) still gets a token
 * that counts as issued after that, within the iat leeway. */
char *auth_issue_token_after(const char *user_id, const char *role, int64_t min_iat,
			     struct auth_claims *out);
/* The same for a refresh session: the token carries `sid` (may be NULL: none), so ending
 * the session (auth_revoke_session) ends its access tokens too. Every token is signed with
 * the current key of the ring (infra/jwt_keys.h) and names it in its `kid` header. */
char *auth_issue_session_token(const char *user_id, const char *role, int64_t min_iat,
			       const char *sid, struct auth_claims *out);
/* Verifies a token as of `now` (seconds): signature with the key its `kid` names (a token
 * without a kid, or with one the ring does not know, is tried against every key of the
 * ring: tokens signed before the ring had kids, or before a kid was renamed), alg exactly HS256,
 * exp > now, iat present and <= now + leeway, nbf (if any) <= now + leeway, iss equal to
 * JWT_ISSUER, sub a valid ObjectId, jti present. Returns true and fills `out`; on false,
 * *why (may be NULL) names the reason (static string, for debug logs only). */
bool auth_verify_token_at(const char *token, int64_t now, struct auth_claims *out,
			  const char **why);
bool auth_verify_token(const char *token, struct auth_claims *out, const char **why);

/* ---- revocation ---- */

/* Revokes `jti` until `exp` (seconds): inserts {_id: jti, user_id, expires_at, revoked_at}
 * into revoked_tokens. Revoking twice is fine. */
bool auth_revoke(const char *jti, const char *user_id, int64_t exp, struct derr *err);
/* Ends every access token of refresh session `sid` (a revocation "sid:<sid>" that lasts
 * as long as the longest-lived of them). */
bool auth_revoke_session(const char *sid, const char *user_id, struct derr *err);
/* The revocation key of a session ("sid:" + sid), into buf. */
void auth_session_revocation_key(const char *sid, char buf[AUTH_SID_LEN + 5]);
/* 1 revoked, 0 not revoked, -1 database error. */
int auth_is_revoked(const char *jti, struct derr *err);

struct user;
enum auth_session { AUTH_SESSION_OK, AUTH_SESSION_INVALID, AUTH_SESSION_DB_ERROR };
/* The session of verified claims `cl` (auth_verify_token): its jti not revoked, its user
 * still there, not disabled, and the token not issued before a password change (unless it
 * is the session that made the change). AUTH_SESSION_OK fills *u (caller users_clear);
 * otherwise *u holds nothing to free. The one check shared by the auth guard and the
 * live channel's auth_request. */
enum auth_session auth_session_check(const struct auth_claims *cl, struct user *u,
				     struct derr *err);

/* ---- device cookies ---- */

/* The cookie's name (nginx passes its value as SWMRA_DEVICE_COOKIE) and lifetime. */
#define AUTH_DEVICE_COOKIE	"swmra_device"
#define AUTH_DEVICE_MAX_AGE_SEC (180 * 86400)
#define AUTH_DEVICE_COOKIE_MAX	160 /* bytes of a cookie value, NUL included */
#define AUTH_DEVICE_ID_LEN	32  /* hex characters of a device id */

/* A device cookie value for `user_id` issued at `now` (seconds):
 * "<user id>.<device id: 128 random bits, hex>.<expiry, s>.<HMAC-SHA256, hex>", the MAC
 * keyed with JWT_SECRET over a domain-separated copy of the rest. Stateless: only the
 * failures of a device are stored. Writes into out; false on a formatting failure. */
bool auth_device_issue(const char *user_id, int64_t now, char out[AUTH_DEVICE_COOKIE_MAX]);
/* Whether `cookie` (may be NULL) is an unexpired device cookie issued by us for
 * `user_id` (NULL: no account, never trusted); the MAC is compared in constant time.
 * On true `device_id` receives its id (AUTH_DEVICE_ID_LEN hex + NUL). */
bool auth_device_verify(const char *cookie, const char *user_id, int64_t now,
			char device_id[AUTH_DEVICE_ID_LEN + 1]);

/* ---- login backoff ---- */

/* Who is attempting a password check: the keys its failures are counted under. */
struct auth_attempt {
	const char *email;  /* normalized */
	const char *ip;	    /* client address; NULL or "" when unknown */
	const char *device; /* the trusted key (a verified device id, or a session's own key
			     * for a password change); NULL or "" for an untrusted client */
};

/* The window in seconds after `failures` remembered failures against LOGIN_MAX_FAILURES
 * (0 below it). */
int64_t auth_backoff_window(int64_t failures);
/* 0 when the attempt may proceed, else the seconds to wait (>= 1, for Retry-After); -1 on
 * a database error. */
int64_t auth_backoff_check(const struct auth_attempt *a, struct derr *err);
/* Records one failed attempt under the attempt's key. */
bool auth_backoff_fail(const struct auth_attempt *a, struct derr *err);
/* Forgets the failures of the attempt's key (after a successful check). */
bool auth_backoff_reset(const struct auth_attempt *a, struct derr *err);

/* ---- purge (cron) ---- */

/* Deletes (or with dry_run counts) revocations whose token has expired by `now_ms`.
 * Returns the number, or -1 on error. */
int64_t auth_purge_revoked(int64_t now_ms, bool dry_run, struct derr *err);
/* Deletes (or counts) login failures older than AUTH_FAILURE_MEMORY_SEC. */
int64_t auth_purge_failures(int64_t now_ms, bool dry_run, struct derr *err);

#endif
