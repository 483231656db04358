/* Live connections (nchan WebSocket/EventSource on /api/ws/notifications) follow the life
 * of the session that opened them.
 *
 * Every live connection subscribes to three channels (nchan multiplexing): its user's
 * channel user.<id> (what notifications are published to), its session's channel
 * sess.<jti>, and its account's session epoch epoch.<id>.<tokens_valid_after>.<keep_jti>. Ending a
 * session DELETEs a channel at nchan's publisher, which closes every connection subscribed
 * to it within milliseconds: logout deletes sess.<jti>; a password change or a disable
 * (both move tokens_valid_after) deletes the old epoch, which closes every connection of
 * the account; those of a session that is still valid (the one that changed the password)
 * reconnect and get the new epoch. user.<id> is never deleted: nchan 1.3.6 leaves dead
 * subscriptions when a deleted channel id is subscribed again with several workers
 * (notes §7.3); session and epoch ids are never subscribed again once deleted, because
 * the ws-auth refuses their sessions from then on.
 *
 * Tickets: a short-lived, one-use credential for opening a live connection, so that the
 * long-lived bearer token never travels in a URL (URLs end up in logs). POST
 * /api/ws/ticket issues one for the caller's session; /api/ws/notifications?ticket=
 * redeems it. One use is decided by an insert into ws_ticket_uses (_id = ticket hash;
 * duplicate key = used), the FerretDB-safe exclusivity rule. Only the SHA-256 of a ticket
 * is stored. */
#ifndef SWMRA_LIVE_H
#define SWMRA_LIVE_H

#include <stdbool.h>
#include <stdint.h>

#include "domain/auth.h"
#include "domain/derr.h"

/* Seconds a ticket stays valid (capped by the expiry of the token it was issued for). */
#define LIVE_TICKET_TTL_SEC 30
/* Room for a channel name (nchan ids of the publisher: at most 100 characters). */
#define LIVE_CHANNEL_LEN 101
/* A ticket: 32 random bytes, base64url without padding (43 characters) + NUL. */
#define LIVE_TICKET_LEN 44
/* Pause between the database change that ends a session and the channel DELETE, so that
 * a connection whose ws-auth read the session just before the change has subscribed by
 * then (a subscription that comes after the DELETE would stay open). */
#define LIVE_SETTLE_MS 200

/* The session channel "sess.<jti>" and the epoch channel
 * "epoch.<user>.<tokens_valid_after>.<keep_jti>" (the fields that end sessions: two
 * password changes in one second still give two epochs). */
void live_session_channel(const char *jti, char buf[LIVE_CHANNEL_LEN]);
void live_epoch_channel(const char *user_hex, int64_t tokens_valid_after, const char *keep_jti,
			char buf[LIVE_CHANNEL_LEN]);

/* Close the live connections of an ended session (after logout), or of every session of
 * an account whose epoch was `old_tokens_valid_after`, `old_keep_jti` (after a password change or a
 * disable). Call after the change is stored; waits LIVE_SETTLE_MS first. A failure is
 * logged, not returned: the session is already refused everywhere, and the subscriber
 * timeout still bounds the connection. */
void live_end_session(const char *jti);
void live_end_epoch(const char *user_hex, int64_t old_tokens_valid_after, const char *old_keep_jti,
		    int64_t new_tokens_valid_after, const char *new_keep_jti);

/* Issues a ticket for the verified session `cl`, valid for *expires_in seconds
 * (LIVE_TICKET_TTL_SEC, less when the token expires sooner). Writes it to `out`. */
bool live_ticket_issue(const struct auth_claims *cl, char out[LIVE_TICKET_LEN], int64_t *expires_in,
		       struct derr *err);

enum live_ticket {
	LIVE_TICKET_OK,
	LIVE_TICKET_INVALID, /* unknown (or malformed) */
	LIVE_TICKET_EXPIRED,
	LIVE_TICKET_USED,
	LIVE_TICKET_DB_ERROR
};
/* Redeems `ticket` as of `now_ms`: on LIVE_TICKET_OK, `out` holds the claims of the session
 * it was issued for (the caller still checks that session with auth_session_check). A
 * ticket is used by this call whatever the session check says later. */
enum live_ticket live_ticket_redeem(const char *ticket, int64_t now_ms, struct auth_claims *out,
				    struct derr *err);

/* Deletes (or with dry_run counts) tickets and ticket uses expired by `now_ms`. Returns
 * the number, or -1 on error. */
int64_t live_purge_tickets(int64_t now_ms, bool dry_run, struct derr *err);

#endif
