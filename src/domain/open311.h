/* The Open311 GeoReport v2 view of pickup requests: the service catalogue (one service per
 * waste category), the mapping of our lifecycle onto open/closed, the record of which API
 * key created a request (the privacy rule: a key sees the detail of its own requests only)
 * and the request search of GET requests. Speaks value structs, never HTTP or the store's
 * documents.
 *
 * Document of `open311_requests`: {_id: request ObjectId, key_id (hex), media_url|null,
 * created_at}: written right after the request is created through a key. */
#ifndef SWMRA_OPEN311_H
#define SWMRA_OPEN311_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "domain/derr.h"
#include "domain/id.h"

#define OPEN311_MAX_RESULTS  1000
#define OPEN311_MAX_IDS	     100 /* service_request_id list */
#define OPEN311_DEFAULT_DAYS 90
#define OPEN311_NO_TIME	     INT64_MIN /* a time the request does not have */

/* The service of a category: its display name and description (static strings), false
 * for an unknown category. */
bool open311_service(const char *category, const char **name, const char **description);
/* "open" or "closed" for a stored status (completed and cancelled are closed; a failed
 * pickup is rescheduled, so it stays open). */
const char *open311_status_of(const char *status);

/* Records that request `request_id` came through key `key_id` (hex), with the client's
 * media_url (may be NULL). */
bool open311_link_create(const struct oid *request_id, const char *key_id, const char *media_url,
			 struct derr *err);

/* One request found by open311_search, with what the answer needs. Strings are owned by
 * the result (open311_results_free) and NULL when the request has none. */
struct open311_item {
	char id[OID_HEX_LEN]; /* "" when the stored request has no ObjectId */
	char *status;	      /* the stored lifecycle status */
	char *category;
	char *description;
	char *address_line1, *address_city, *pincode;
	bool has_lat, has_lng;
	double lat, lng;
	int64_t created_at, updated_at, slot_start; /* ms, or OPEN311_NO_TIME */
	char key_id[OID_HEX_LEN];		    /* the key that created it, "" when none */
	char *media_url;
	char *status_notes; /* the note of the latest status change, or its reason */
};

/* Filters of GET requests. With n_ids > 0 only the ids count (the spec: they override every
 * other filter). Categories and statuses: NULL-terminated lists, NULL for all. */
struct open311_query {
	const struct oid *ids;
	size_t n_ids;
	const char *const *categories;
	bool open_only, closed_only;
	int64_t from_ms, to_ms; /* requested (created) in [from, to) */
	bool want_links;	/* also read who created them (only a keyed caller needs it) */
};

/* Newest first, at most OPEN311_MAX_RESULTS; drafts are never shown. *out malloc'd (free
 * with open311_results_free). false on a database error. */
bool open311_search(const struct open311_query *q, struct open311_item **out, size_t *n,
		    struct derr *err);
void open311_results_free(struct open311_item *items, size_t n);

#endif
