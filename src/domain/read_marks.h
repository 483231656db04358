/* Read marks: one small document per user whose value changes whenever something the
 * user's own lists show changes (their requests, their in-app notifications). A reader
 * that remembers the mark next to an answer knows, by one `_id` lookup, whether that
 * answer still holds (src/api/read_cache.c), instead of running the list query again.
 *
 * Ordering. A writer stores its change first and bumps the mark after; a reader reads the
 * mark first and the data after. So a cached answer is never older than its mark: either
 * the reader's data already held the change, or the bump comes after the mark it read.
 * Values are fresh ObjectIds rather than counters: FerretDB's read-modify-write `$inc`
 * could lose an increment, while two different values written in any order both differ
 * from the one a reader saw. A writer that dies between its change and its bump leaves a
 * cached answer stale until the cache's age limit (READ_CACHE_MAX_AGE_MS). */
#ifndef SWMRA_READ_MARKS_H
#define SWMRA_READ_MARKS_H

#include <stdbool.h>

#include "domain/derr.h"
#include "domain/id.h"

#define READ_MARKS_COLL "read_marks"
#define READ_MARK_LEN	25 /* ObjectId hex + NUL; "" when the user has none yet */

/* Gives `user` a new mark. false on a database error (err set; logged by the caller):
 * the change itself is stored, readers see it once their cached answer ages out. */
bool read_mark_bump(const struct oid *user, struct derr *err);

/* The staff board's mark: the `_id` (never a user's) of the one mark every change of any
 * pickup request, and of a resident staff see on it, bumps (src/api/staff_requests.c). */
void read_mark_board_id(struct oid *out);

/* After a change of what staff see of a user (name, email, phone, erasure): the board's
 * mark. Logs a failure. */
void read_mark_bump_board(void);

/* The seat map's mark: the `_id` (never a user's nor the board's) of the one mark that every
 * change of a seat count bumps — a seat claimed, released, held or given back, by any path
 * (src/domain/slots.c, the orphan-seat sweep), and every change of the slot template or its
 * overrides — so that cached availability answers (GET /api/slots/available) hold while it
 * is unchanged. */
void read_mark_slots_id(struct oid *out);

/* After a change of seats or slot capacity was stored: the seat map's mark. Logs a failure
 * (cached availability then ages out). At once, except while an answer defers it (below). */
void read_mark_bump_slots(void);

/* The seat map's bump deferred to the end of one answer: the router brackets every handler
 * with these two (src/http/router.c). In between, read_mark_bump_slots only notes that the
 * seat map changed; the next bump of any other mark (a request's owner and the board, a
 * waitlist entry's owner) writes the seat map's mark in the same store command, and
 * read_mark_slots_flush writes it alone when none did. Either way the bump follows every
 * change of seats of the answer and precedes the answer itself, so once an answer that
 * changed seats is sent no worker serves the old availability; a booking costs one store
 * command less. A failed combined bump leaves the note for the flush; the flush clears
 * it, so nothing waits into the next answer (at worst a bump more, never one missing).
 * Outside a bracket (jobs, the seed, tests calling the domain) every bump is at once. */
void read_mark_slots_defer(void);
void read_mark_slots_flush(void);

/* The current mark of `user` into out ("" when none). false on a database error. */
bool read_mark_get(const struct oid *user, char out[READ_MARK_LEN], struct derr *err);

/* ---- On this node: validation without a store command (read_marks_node.c) ----
 * The processes of one machine share a table of counters in the file <FCGI_SOCKET>.marks,
 * one counter per hashed mark id. Every bump made on this node (a worker's, a cron job's,
 * the seed's) moves the mark's counter right after the store has the new value. Bumps
 * written by other nodes are found by a poll: at most once per READ_MARKS_POLL_MS, one
 * process of the node (a lease in the table) reads the ids and values of the marks bumped
 * since its last poll's start minus READ_MARKS_OVERLAP_MS (clock skew between nodes, slow
 * commits; read_marks.at) and moves the counters of those whose value it has not seen.
 * A new table's first poll moves every counter instead.
 *
 * So a cached answer whose counter, read before its data, is unchanged while the last
 * poll is fresh is still valid for every change made on this node, and for a change made
 * on another node more than about a poll interval ago: a second node's write shows on this
 * one within READ_MARKS_POLL_MS plus a poll's time, like the session cache's changes
 * (domain/session_cache.h). When the poll is not fresh and this process cannot take it
 * (another one polls now, or the store failed), the reader asks the store for the mark. */
#define READ_MARKS_POLL_MS    1000
#define READ_MARKS_OVERLAP_MS 10000

/* Creates (or takes over) the node's table. The API's supervisor calls it before forking
 * its workers; other processes map the table at their first bump when the file exists. */
void read_marks_share(void);

enum read_mark_local {
	READ_MARK_LOCAL_NONE,  /* no table in this process: ask the store */
	READ_MARK_LOCAL_STALE, /* *counter is valid to keep, not to serve on: ask the store */
	READ_MARK_LOCAL_FRESH, /* an unchanged *counter means an unchanged mark */
};

/* The counter of mark `id` (of a user, the board or the seat map), read after the
 * freshness check and, when the poll is due, after polling (one store command, counted as
 * cache upkeep). Read it before the data an answer is built from. */
enum read_mark_local read_mark_local(const struct oid *id, uint64_t *counter);

#endif
