/* The per-process cache behind the session check (auth_session_check): the state of the
 * users whose tokens this worker has seen (role, disabled, tokens_valid_after, keep_jti,
 * name, email) and the set of revoked token ids, so that an authenticated request costs no
 * store command in the steady state instead of a revocation count and a user lookup.
 *
 * Freshness. Whatever changes a session (auth_revoke, users_update: logout, password
 * change, role change, disable, profile edit) calls session_cache_changed() after its
 * write: that writes a new random value into the generation document
 * (`session_state` {_id: "gen", gen, at}) and increments a counter in memory shared by
 * the workers of this machine (session_cache_share, called by the supervisor before it
 * forks). A check
 *   - syncs at once when the shared counter moved (another worker of this node wrote: the
 *     change is seen by the very next request on any local worker),
 *   - otherwise reads the generation document at most once per SESSION_CACHE_POLL_MS
 *     (changes written through another node reach this one within that time),
 *   - and reloads everything every SESSION_CACHE_RELOAD_SEC (a safety net for a writer
 *     that died between its change and the bump).
 * A sync whose generation differs from the last one reads the revocations
 * (revoked_tokens.revoked_at) and user changes (users.updated_at) written since the last
 * sync's start minus SESSION_CACHE_OVERLAP_MS (clock skew between nodes, slow commits),
 * adds the revoked ids and forgets the changed users. The generation is read before the
 * changes, and a writer bumps it after its change is stored, so a change is either in
 * this scan or followed by a generation this worker has not seen yet. Generation values
 * are random rather than counted: FerretDB's read-modify-write `$inc` could lose a bump,
 * two different random values written in any order still differ from the one read. */
#ifndef SWMRA_SESSION_CACHE_H
#define SWMRA_SESSION_CACHE_H

#include <stdbool.h>
#include <stdint.h>

#include "domain/derr.h"
#include "domain/id.h"

#define SESSION_CACHE_POLL_MS	 1000
#define SESSION_CACHE_RELOAD_SEC 60
#define SESSION_CACHE_OVERLAP_MS 10000
#define SESSION_CACHE_USERS	 1024 /* direct-mapped slots of cached users */

struct user;

/* Maps the counter shared by this machine's workers. Call once in the supervisor before
 * forking them; without it (tests, jobs) the counter is private to the process. */
void session_cache_share(void);

/* Brings the cache up to date as described above. false on a database error (err set);
 * the check must then answer 503, never let a token through on stale state. */
bool session_cache_sync(struct derr *err);

/* Whether token `jti` is revoked (as of the last sync). */
bool session_cache_revoked(const char *jti);

/* The cached state of user `id` into *u (strings malloc'd, caller users_clear), loading
 * it on a miss. Returns like users_find_by_id (without the password hash). */
int session_cache_user(const struct oid *id, struct user *u, struct derr *err);

/* Announces a change of a session or user: invalidates this process's copy of `user_id`
 * (may be NULL), adds `revoked_jti` (may be NULL), bumps the shared counter and the
 * generation document. false when the generation could not be written (err set): the
 * change itself is stored and reaches the other nodes at the next reload at the latest. */
bool session_cache_changed(const struct oid *user_id, const char *revoked_jti, struct derr *err);

/* Drops everything (tests, after writing the store behind the cache's back). */
void session_cache_reset(void);

/* A number that changes whenever this process may have missed a change: a sync that found
 * a new generation or reloaded, a local change, a reset. Other per-process caches of
 * rarely written data (the slot template and overrides) stay valid while it does not move
 * and their writers call session_cache_changed. */
uint64_t session_cache_epoch(void);

#endif
