/* The pickups of one day as crews run them (issue 17): the requests holding a seat in a
 * slot of the day, optionally only those of some crews, of one slot, of one pincode or of
 * one status, in route order: slot start, then pincode, then when they were made. The route
 * sheet groups them by crew, "My route" takes those of the caller's crews, the bulk assign
 * gives a slot's or a pincode's to one crew.
 *
 * One query, bounded by the day's seats (assigned_slot.start is a range of one day; with
 * crews, the index {crew_id, assigned_slot.start}; with a pincode, {address.pincode,
 * assigned_slot.start}); sorted in memory. Cancelled and failed requests give their seat
 * back and clear assigned_slot, so they are not on a day's route. */
#ifndef SWMRA_ROUTE_SHEET_H
#define SWMRA_ROUTE_SHEET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "domain/derr.h"
#include "domain/id.h"
#include "domain/requests.h"

struct day_query {
	int64_t day_start, day_end; /* [start, end) ms of the day in SERVICE_TZ */
	bool by_crew;		    /* only requests of crews[0..n_crews-1] (none when 0) */
	const struct oid *crews;    /* borrowed */
	size_t n_crews;
	bool has_slot_start; /* only the slot starting at slot_start (within the day) */
	int64_t slot_start;
	const char *pincode; /* NULL: any */
	const char *status;  /* NULL: any */
};

/* One stop: the request as stored (with its staff `notes`, without `events`) and what
 * route order sorts by. */
struct stop {
	struct pickup_request req;
	int64_t slot_start, slot_end;
	const char *pincode; /* into req, "" when none */
	int64_t created_at;
};

struct stops {
	struct stop *v;
	size_t n;
};

/* The stops of `q` in route order into *out (route_stops_free releases). false on a
 * database error (err set, *out empty). */
bool route_stops_load(const struct day_query *q, struct stops *out, struct derr *err);
void route_stops_free(struct stops *s);

/* [start, end) in ms of the calendar day `date` (YYYY-MM-DD) in SERVICE_TZ; false when
 * `date` is not a date. */
bool route_day_bounds(const char *date, int64_t *start, int64_t *end);
/* Today's date in SERVICE_TZ as YYYY-MM-DD (on the service clock). */
void route_today(char out[11]);

#endif
