/* A worker's cache of the answers to a user's own list reads (requests, notifications,
 * unread count), each kept with the user's read mark (domain/read_marks.h) at the time it
 * was built. A read costs one `_id` lookup of the mark when its answer is still valid,
 * instead of the list's queries: on FerretDB those decode and sort every document the
 * filter matches, whatever the page size.
 *
 * The staff board's pages are kept the same way, validated by the board's mark, which every
 * change of any request bumps (read_cache_serve_board); and slot availability, validated by
 * the seat map's mark, which every change of a seat count or of slot capacity bumps
 * (read_cache_serve_slots).
 *
 * Validity: an entry is served only while the user's mark is the one it was stored with,
 * and for at most READ_CACHE_MAX_AGE_MS, and never longer than a tenth of UPLOAD_LINK_TTL
 * (answers carry signed photo links, which the signer rounds to a tenth of the TTL), and
 * never when the clock went backwards (test clock). Memory: READ_CACHE_SLOTS entries,
 * direct-mapped by (user, route, query), at most READ_CACHE_MAX_BYTES of bodies in all. */
#ifndef SWMRA_READ_CACHE_H
#define SWMRA_READ_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "domain/read_marks.h"
#include "http/http.h"

#define READ_CACHE_SLOTS      256
#define READ_CACHE_MAX_AGE_MS 60000
#define READ_CACHE_MAX_BYTES  (4u << 20)
#define READ_CACHE_MAX_ENTRY  (256u << 10)

/* What a lookup learnt, for storing the answer built after a miss. */
struct read_cache_probe {
	char key[320];
	char mark[READ_MARK_LEN]; /* the store's mark, when has_mark */
	uint64_t local;		  /* the node table's counter, when has_local (read_marks.h) */
	bool has_mark, has_local;
	uint64_t epoch; /* slots: session_cache_epoch() at the lookup; 0 otherwise */
	int64_t at;
	int64_t until; /* when set (> 0) by the handler: the answer is not served from then on */
	bool storable;
};

/* Serves the caller's cached answer for this route and query: true when `res` is set. The
 * mark is checked on this node's table when its poll is fresh (no store command), else
 * read from the store (read_marks.h, "On this node").
 * On a miss (or when the mark could not be read: the handler's own query then reports
 * the store's state) fills `p` for read_cache_store. */
bool read_cache_serve(struct http_request *req, struct http_response *res,
		      struct read_cache_probe *p);

/* The same for the staff board's pages (the staff list): one answer per path and query for
 * every staff member, valid while the board's mark (read_mark_board_id) is unchanged. The
 * route's own access check runs before. */
bool read_cache_serve_board(struct http_request *req, struct http_response *res,
			    struct read_cache_probe *p);

/* The same for slot availability (GET /api/slots/available): one answer per path and query
 * for everyone, valid while the seat map's mark (read_mark_slots_id) and this process's
 * session_cache_epoch() (which moves when the slot template or overrides the answer was
 * built from may have changed) are unchanged, and until p->until: the handler sets it to
 * when the answer would change by time alone (a slot entering the lead time, the booking
 * window moving on at local midnight). The route's own access check runs before. */
bool read_cache_serve_slots(struct http_request *req, struct http_response *res,
			    struct read_cache_probe *p);

/* Keeps a 200 answer built after read_cache_serve missed; other answers are not kept.
 * Answers say which they were in `X-Read-Cache: hit|miss`. */
void read_cache_store(const struct read_cache_probe *p, struct http_response *res);

/* The bytes of answers kept now (tests: the memory bound). */
size_t read_cache_bytes(void);

/* Forgets everything (tests). */
void read_cache_reset(void);

#endif
