/* "Forgot password": a one-use link, valid PASSWORD_RESET_TTL_SEC, mailed through the
 * notification outbox (the dispatcher job sends it). The same flow lets a person claim an
 * account that was created for them without a password.
 *
 * Nothing tells whether an email has an account: a request is answered the same way and
 * does the same store work either way (a reset document is stored for an unknown email
 * too, bound to no account, so it can never be redeemed); only a real account's mail is
 * queued. Requests are remembered in `password_reset_requests` {email, ip, at}: more than
 * PASSWORD_RESET_PER_EMAIL in an hour for one email queue no further mail (silently), more
 * than PASSWORD_RESET_PER_CLIENT from one client address are refused (429).
 *
 *   password_resets     {_id: SHA-256 hex of the token, user_id: ObjectId|null, created_at,
 *                        expires_at}
 *   password_reset_uses {_id: the same hash, at, expires_at}: the one-use claim (db_claim) */
#ifndef SWMRA_PASSWORD_RESET_H
#define SWMRA_PASSWORD_RESET_H

#include <stdbool.h>
#include <stdint.h>

#include "domain/derr.h"
#include "domain/id.h"

#define PASSWORD_RESET_TTL_SEC	  1800
#define PASSWORD_RESET_PER_EMAIL  3
#define PASSWORD_RESET_PER_CLIENT 10
#define PASSWORD_RESET_WINDOW_SEC 3600
#define PASSWORD_RESET_TOKEN_LEN  44 /* 43 base64url characters + NUL */

enum reset_request { RESET_REQUEST_ACCEPTED, RESET_REQUEST_CLIENT_LIMITED, RESET_REQUEST_DB_ERROR };
/* Handles a request for normalized `email` from client `ip` (may be NULL). */
enum reset_request password_reset_request(const char *email, const char *ip, struct derr *err);

enum reset_redeem { RESET_OK, RESET_INVALID, RESET_EXPIRED, RESET_USED, RESET_DB_ERROR };
/* Uses `token` once: RESET_OK fills *user (the account whose password the caller now
 * sets). Every later call with the same token answers RESET_USED. */
enum reset_redeem password_reset_redeem(const char *token, struct oid *user, struct derr *err);

/* Forgets the other outstanding links of `user` (after a successful reset). */
bool password_reset_forget(const struct oid *user, struct derr *err);

/* Deletes (or counts) expired links, uses and old requests (cron). */
int64_t password_reset_purge(int64_t now_ms, bool dry_run, struct derr *err);

#endif
