/* Private to the domain: the store-facing functions of pickup requests, for the modules of
 * src/domain that work on request documents themselves (the waitlist, the account export
 * and erasure, the notify jobs, compaction, the metrics, the route sheet) and for the
 * integration tests. src/api never includes it: the routes speak the value types of
 * requests.h (struct oid, struct pickup_request, struct derr), whose counterparts of these
 * are named beside each. */
#ifndef SWMRA_REQUESTS_STORE_H
#define SWMRA_REQUESTS_STORE_H

#include <json-c/json.h>
#include <mongoc/mongoc.h>
#include <stdbool.h>
#include <stdint.h>

#include "domain/requests.h"

/* requests_get: the request document (caller owns, bson_destroy), or NULL: not found
 * (err->code == 0) or database error (err->code != 0). */
bson_t *requests_load(const bson_oid_t *id, const bson_oid_t *owner, bson_error_t *err);

/* The `version` of a request document (0 when it has none); pickup_request.version. */
int64_t requests_version(const bson_t *doc);

/* requests_change_status, with the document (caller owns) into *doc_out (may be NULL). */
enum req_result requests_transition(const bson_oid_t *id, const struct req_transition *t,
				    enum req_status *from_out, bson_t **doc_out, bson_error_t *err);

/* requests_assign_crew, with the document (caller owns) into *doc_out (may be NULL). */
struct req_assign {
	const bson_oid_t *crew;
	const char *crew_name;
	const char *actor_id, *actor_role;
	int64_t expect_version;
};
enum req_result requests_assign(const bson_oid_t *id, const struct req_assign *a,
				enum req_status *from_out, bson_t **doc_out, bson_error_t *err);

/* pickup_request.change_deadline of a request document. */
int64_t requests_change_deadline(const bson_t *doc);

/* requests_effects_backlog. */
bool requests_effects_pending(int64_t *count, int64_t *oldest_ms, bson_error_t *err);

/* Fills *out from a request document (a copy is kept; release with pickup_request_clear),
 * with `events` when the document has them (a loaded one). */
void requests_from_doc(const bson_t *doc, struct pickup_request *out);

/* The domain's own bridge from a document to the struct (requests_view.c): one pass over
 * `doc`; with `take` the struct owns it (pickup_request_clear destroys it), else the
 * strings are borrowed from it. REQ_FILL_EVENTS: `events` (as the document holds them);
 * REQ_FILL_NOTES: `notes` from the stored timeline. */
#define REQ_FILL_EVENTS 1u
#define REQ_FILL_NOTES	2u
void requests_fill(const bson_t *doc, bool take, unsigned flags, struct pickup_request *out);

/* The store filter of `q` appended to `f` (the list's, and the export's). */
void requests_query_filter(bson_t *f, const struct req_query *q);

/* Keeps request_events proportional to open work: the events of requests finished
 * (completed or cancelled) and untouched for `keep_ms` before `now_ms` move to
 * `request_events_archive` (a cold copy, never read by the API), at most `max` requests per
 * call. Their documents carry the timeline, so details and lists show the same; a later
 * change (a staff note) claims the next version as usual. A document behind its log, or
 * without a stored timeline, is skipped until a read brings it up to date. The document
 * is marked `events_archived` last. Calls `each` per archived request (fail NULL) or
 * failed one. Returns the number archived (or, with dry_run, that would be), -1 when the
 * requests could not be listed (err set). */
long requests_archive_events(int64_t now_ms, int64_t keep_ms, long max, bool dry_run,
			     void (*each)(const bson_t *doc, const bson_error_t *fail, void *ctx),
			     void *ctx, bson_error_t *err);

#endif
