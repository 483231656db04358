/* The read-mark bumps that take a stored document (read_marks.h): the change log's
 * `stored` hooks (requests.c, waitlist.c) and the in-app notification insert (notify.c)
 * call them with the document they just wrote. Domain-internal: never included by
 * src/api, which bumps by id (read_mark_bump). */
#ifndef SWMRA_READ_MARKS_STORE_H
#define SWMRA_READ_MARKS_STORE_H

#include <mongoc/mongoc.h>

#include "domain/read_marks.h"

/* read_mark_bump for a document naming its owner in `user_id` (no-op without one); logs a
 * failure instead of returning it: for write paths whose answer must not depend on it. */
void read_mark_bump_owner(const bson_t *doc);

/* After a change of the pickup request `doc` (its new state) was stored: bumps its owner's
 * mark and the board's, in one store command (with the seat map's when the change moved a
 * seat: read_mark_slots_defer). Logs a failure, like read_mark_bump_owner. */
void read_mark_bump_request(const bson_t *doc);

/* After marks `ids` were bumped in the store: their counters in the node's table. */
void read_marks_node_bumped(const bson_oid_t *ids, size_t n);

#endif
