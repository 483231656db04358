/* Refresh sessions: a signed-in device stays signed in for REFRESH_DAYS without keeping a
 * long-lived access token. Login and register start a session (a "family"); its refresh
 * token (32 random bytes, base64url, in an HttpOnly cookie) buys a new access token and is
 * replaced by a new one at every use (rotation). A refresh token presented a second time
 * means two parties hold it (one of them stole it): the whole family ends.
 *
 * Storage (only SHA-256 hashes of refresh tokens are stored):
 *   refresh_sessions   {_id: sid (32 hex), user_id: ObjectId, device, user_agent,
 *                       created_at, last_seen_at, expires_at, ended_at: null|Date,
 *                       ended_reason}
 *   refresh_tokens     {_id: sha256 hex, sid, user_id, created_at, expires_at}
 *   refresh_token_uses {_id: sha256 hex, sid, at, expires_at}: the one-use claim
 * Rotation is decided by db_claim on refresh_token_uses: of two refreshes racing with the
 * same token exactly one inserts the use; the other sees a used token, i.e. a reuse.
 * The access tokens of a session carry its sid (auth.h); ending a session also revokes
 * "sid:<sid>" so they stop at once on every worker. */
#ifndef SWMRA_REFRESH_H
#define SWMRA_REFRESH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "domain/auth.h"
#include "domain/derr.h"
#include "domain/id.h"

#define REFRESH_COOKIE	   "swmra_refresh"
#define REFRESH_TOKEN_LEN  44 /* 43 base64url characters + NUL */
#define REFRESH_DEVICE_MAX 64
#define REFRESH_UA_MAX	   256
#define REFRESH_MAX_LISTED 50 /* sessions a listing shows at most */

struct refresh_issued {
	char token[REFRESH_TOKEN_LEN];
	char sid[AUTH_SID_LEN + 1];
	int64_t max_age; /* seconds the token stays valid (the cookie's Max-Age) */
};

/* A short label for a User-Agent ("Firefox on Linux", "Chrome on Android"), into out. */
void refresh_device_label(const char *user_agent, char out[REFRESH_DEVICE_MAX]);

/* Starts a session for `user` from a client with `user_agent` (may be NULL). */
bool refresh_start(const struct oid *user, const char *user_agent, struct refresh_issued *out,
		   struct derr *err);

enum refresh_rc {
	REFRESH_OK,
	REFRESH_INVALID, /* unknown, malformed, expired, or its session has ended */
	REFRESH_REUSED,	 /* already used: the session is ended now (theft detection) */
	REFRESH_DB_ERROR
};
/* Rotates `token`: on REFRESH_OK `out` holds its successor and *user the account. */
enum refresh_rc refresh_rotate(const char *token, const char *user_agent,
			       struct refresh_issued *out, struct oid *user, struct derr *err);

/* Ends session `sid` of `user`: *found tells whether an active one was there. Its access
 * tokens are revoked. The caller closes its live connections (live_end_session(sid)). */
bool refresh_end(const struct oid *user, const char *sid, const char *reason, bool *found,
		 struct derr *err);
/* Ends every active session of `user` but `keep_sid` (NULL or "": none kept). */
bool refresh_end_all(const struct oid *user, const char *keep_sid, const char *reason,
		     struct derr *err);

struct refresh_session {
	char sid[AUTH_SID_LEN + 1];
	char device[REFRESH_DEVICE_MAX];
	int64_t created_at, last_seen_at; /* ms */
};
/* The active sessions of `user`, most recently seen first, at most REFRESH_MAX_LISTED
 * (malloc'd array, caller frees). */
bool refresh_list(const struct oid *user, struct refresh_session **items, size_t *n,
		  struct derr *err);

/* Deletes (or with dry_run counts) expired sessions, tokens and token uses (cron). */
int64_t refresh_purge(int64_t now_ms, bool dry_run, struct derr *err);

/* SHA-256 of `s` as 64 hex characters (also the stored form of reset tokens). */
void refresh_hash(const char *s, char hex[65]);

#endif
