/* The seats of the slots module in the store's own types: claims, holds and releases made
 * inside the domain's writes (requests.c, waitlist.c), which carry the driver's error and
 * ObjectId through their own store commands. Private to src/domain (and the integration
 * tests and the start-up bootstrap); src/api uses domain/slots.h only. */
#ifndef SWMRA_SLOTS_STORE_H
#define SWMRA_SLOTS_STORE_H

#include <mongoc/mongoc.h>

#include "domain/slots.h"

/* Claims one seat for `request_id` in [start_ms, end_ms), for the change that will be
 * `version` of the request's change log (recorded in the claim: the claim is that
 * change's, kept when it wins the version, released by it when it loses). `resident`
 * applies the rules of a resident's booking: the minimum lead time (SLOT_LEAD_HOURS) and
 * the booking window (SLOT_BOOKING_WINDOW_DAYS, see slots_in_booking_window). Staff
 * scheduling passes false: the slot must still be in the future and on the grid, but staff
 * may book inside the lead time and beyond the window (a pickup arranged with the
 * resident, or planned ahead for a bulk collection); the window only bounds what residents
 * book themselves. A request holds at most one claim per slot (unique {request_id,
 * start}): when it has one there already, made by any change, the answer is SLOT_HELD and
 * nothing is claimed. Sharing that claim would make its owner's later release (of a lost
 * change, or of the slot the request left) take the seat from under this change. */
enum slot_claim_result slots_claim(const bson_oid_t *request_id, const char *category,
				   int64_t start_ms, int64_t end_ms, bool resident, int64_t version,
				   bson_error_t *err);
/* Releases the seat `request_id` holds in the slot starting at start_ms if it was claimed
 * for `version` or an earlier one (or before claims recorded versions); a no-op
 * otherwise. With at most one claim per request and slot, that is exactly one claim: the
 * caller's own (a change that lost `version`), or the one the request held in a slot it
 * left (the change that won `version` + 1 gives back the seat of the state it read). A
 * claim made after that, by a change that saw the request outside the slot, is never
 * taken. Returns false only on a database error. */
bool slots_release(const bson_oid_t *request_id, int64_t start_ms, int64_t version,
		   bson_error_t *err);

/* A waitlist offer's hold (domain/waitlist.h): claims a seat like slots_claim with the
 * resident's rules (so no hold is made inside the lead time), but for no change of the
 * request: the claim names the waitlist entry `entry_hex` and its OFFERED version, and
 * `until_ms` when the offer lapses. It counts against capacity like any seat. Accepting
 * the offer books the request into it (requests_transition with seat_held); the request
 * leaving that slot later releases it like a booking. SLOT_HELD when the request holds a
 * claim in the slot already (another offer of the same request, or its booking). */
enum slot_claim_result slots_hold(const bson_oid_t *request_id, const char *category,
				  int64_t start_ms, int64_t end_ms, const char *entry_hex,
				  int64_t entry_version, int64_t until_ms, bson_error_t *err);
/* Gives back the hold of entry `entry_hex` made for its version `entry_version` (a no-op
 * when there is none). false only on a database error. */
bool slots_unhold(const char *entry_hex, int64_t entry_version, bson_error_t *err);
/* The seats of [start_ms, end_ms) for `category`: 1 with *capacity (0 when closed) and
 * *booked (claims held, holds included), 0 when not on the grid, -1 database error. */
int slots_seats(const char *category, int64_t start_ms, int64_t end_ms, int *capacity, long *booked,
		bson_error_t *err);

/* Seats held in the slot (class, start). -1 on a database error. */
long slots_booked(int cls, int64_t start_ms, bson_error_t *err);
/* slots_is_offered with the driver's error (for the waitlist's own store commands). */
int slots_is_offered_store(const char *category, int64_t start_ms, int64_t end_ms,
			   bool enforce_lead, bson_error_t *err);

/* At start-up (the index bootstrap): gives every seat claim its `day` (the local date its slot
 * starts on, in SERVICE_TZ), which the day views read claims by. Claims written before
 * `day` existed, or under another SERVICE_TZ, are updated once; afterwards it costs one
 * lookup. *fixed: the claims updated. Until it has run, a day view may count fewer claims
 * than exist (booking itself never relies on it: seats are unique inserts). */
bool slots_claims_backfill(long *fixed, bson_error_t *err);

#endif
