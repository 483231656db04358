/* Seat inventory of pickup time slots. A slot is [start, end) on the grid of the slot
 * template (weekly windows in SERVICE_TZ, slot length, capacity per capacity class,
 * closed dates, capacity overrides). A booking holds one seat, claimed by inserting a
 * claim document against a unique key (FerretDB-safe: dup key 11000 = seat taken), so
 * capacity holds however many processes race. */
#ifndef SWMRA_SLOTS_H
#define SWMRA_SLOTS_H

#include <mongoc/mongoc.h>
#include <stdbool.h>
#include <stdint.h>

enum slot_claim_result {
	SLOT_CLAIMED = 0,
	SLOT_FULL = 1,          /* every seat is taken: 409 "Slot is full" */
	SLOT_NOT_AVAILABLE = 2, /* off the grid, closed, past or inside the lead time: 409
				   "Slot not available" */
	SLOT_DB_ERROR = -1      /* err is set */
};

/* "standard" or "special" (hazardous, e-waste). */
const char *slots_capacity_class(const char *category);

/* Claims one seat for `request_id` in [start_ms, end_ms). `enforce_lead` applies the
 * minimum lead time (SLOT_LEAD_HOURS) — residents always; staff scheduling may pass
 * false but the slot must still be in the future and on the grid. Claiming again the
 * slot the request already holds returns SLOT_CLAIMED without taking a second seat. */
enum slot_claim_result slots_claim(const bson_oid_t *request_id, const char *category,
				   int64_t start_ms, int64_t end_ms, bool enforce_lead,
				   bson_error_t *err);
/* Releases the seat `request_id` holds in the slot starting at start_ms (no-op when it
 * holds none). Returns false only on a database error. */
bool slots_release(const bson_oid_t *request_id, int64_t start_ms, bson_error_t *err);

#endif
