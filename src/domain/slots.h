/* Seat inventory of pickup time slots. A slot is [start, end) on the grid of the slot
 * template (weekly windows in SERVICE_TZ, slot length, capacity per capacity class,
 * closed dates, capacity overrides). A booking holds one seat, claimed by inserting a
 * claim document against a unique key (FerretDB-safe: a lost db_claim = seat taken), so
 * capacity holds however many processes race. Every claim records the change (the
 * version of the request's change log, requests.h) it was made for, and belongs to that
 * change alone: no other change adopts it, and a release names the versions it may take,
 * so a slow loser never gives back a seat a later change holds. */
#ifndef SWMRA_SLOTS_H
#define SWMRA_SLOTS_H

#include <stdbool.h>
#include <stdint.h>

#include "domain/derr.h"
#include "domain/id.h"

enum slot_claim_result {
	SLOT_CLAIMED = 0,
	SLOT_FULL = 1,		/* every seat is taken: 409 "Slot is full" */
	SLOT_NOT_AVAILABLE = 2, /* off the grid, closed, past, inside the lead time or
				   beyond the booking window: 409 "Slot not available" */
	SLOT_HELD = 3,		/* the request already has a claim in this slot, made by
				   another change (which keeps or gives it back itself) */
	SLOT_DB_ERROR = -1	/* err is set */
};

/* "standard" or "special" (categories_special: hazardous, e-waste); NULL when the
 * category is not one of domain/categories.h. Static string. */
const char *slots_capacity_class(const char *category);

/* The seats themselves (claims, holds, releases) are the domain's: domain/slots_store.h. */

/* ---- Everything below extends the interface above (same module, same rules). ---- */

#include <json-c/json.h>
#include <stddef.h>

#include "infra/validate.h"

enum slot_class { SLOT_CLASS_STANDARD = 0, SLOT_CLASS_SPECIAL = 1, SLOT_CLASS_COUNT = 2 };

/* SLOT_CLASS_* of a category; -1 when the category is unknown. */
int slots_class_of(const char *category);
/* "standard" / "special"; NULL for an out-of-range class. Static string. */
const char *slots_class_name(int cls);
/* SLOT_CLASS_* of "standard"/"special"; -1 otherwise. */
int slots_class_parse(const char *name);

#define SLOTS_MAX_WINDOWS 56
#define SLOTS_MAX_CLOSED  1000
#define SLOTS_MAX_PER_DAY 288 /* 24 h of 5-minute slots */

struct slot_window {
	int weekday;   /* 0 = Sunday .. 6 */
	int start_min; /* minutes after local midnight, 0..1439 */
	int end_min;   /* 1..1440, > start_min; (end-start) % slot_minutes == 0 */
};

/* The weekly template (collection slot_templates, _id "default"). Plain value. */
struct slot_template {
	int slot_minutes; /* 5..240 */
	int capacity[SLOT_CLASS_COUNT];
	struct slot_window weekly[SLOTS_MAX_WINDOWS];
	int nweekly;
	int64_t closed_days[SLOTS_MAX_CLOSED]; /* days since 1970-01-01 (local dates) */
	int nclosed;
};

/* A capacity override for the local dates [from_day, to_day] (collection slot_overrides). */
struct slot_override {
	char id[25];	  /* ObjectId hex ("" when not stored yet) */
	int64_t from_day; /* days since 1970-01-01, inclusive */
	int64_t to_day;	  /* inclusive */
	int cls;	  /* SLOT_CLASS_* or -1 for both classes */
	int capacity;	  /* -1 when the override does not set a capacity */
	bool closed;
	int64_t created_ms;
};

/* One slot of a day's grid. booked/remaining are filled by the database-backed functions
 * (slots_day), zero from slots_grid_day. */
struct slot_info {
	int64_t start_ms, end_ms; /* UTC instants */
	int cls;
	int capacity;  /* effective: template, then overrides (the last created wins) */
	bool closed;   /* closed date or closing override */
	int booked;    /* claims held in the slot */
	int remaining; /* max(0, capacity - booked); 0 when closed */
};

/* Mon–Sat 09:00–21:00, 60 min, standard 5, special 2, no closed dates. */
void slots_template_default(struct slot_template *t);
/* Validates a template object ({slot_minutes, capacity:{standard,special}, weekly:[{weekday,
 * start:"HH:MM", end:"HH:MM"}], closed_dates:["YYYY-MM-DD"], timezone?}) into *t, collecting
 * every problem into e under `prefix` ("body"). Returns true when valid. */
bool slots_template_from_json(json_object *o, const char *prefix, struct slot_template *t,
			      struct verrors *e);
/* The template as JSON (new object, caller owns); `timezone` is informational. */
json_object *slots_template_to_json(const struct slot_template *t, const char *timezone);

/* Pure grid maths in the process time zone (TZ, i.e. SERVICE_TZ): the slots of local date
 * y-m-d for class `cls`, ordered by start, with effective capacity and closed flag. Wall
 * times that do not exist (DST gap) start no slot; a slot ending in a gap ends at the
 * transition; an ambiguous wall time (DST fall-back) means its first occurrence. Returns
 * the number of slots written (≤ max). */
int slots_grid_day(const struct slot_template *t, const struct slot_override *ov, size_t nov,
		   int cls, int y, int m, int d, struct slot_info *out, int max);
/* Keeps (in place, order kept) the slots a resident may book now: not closed, remaining > 0
 * and starting at least lead_ms after now_ms. Returns the new count. */
int slots_filter_offered(struct slot_info *s, int n, int64_t now_ms, int64_t lead_ms);
/* The booking window of residents: whether an instant starting a slot falls on a local
 * date (SERVICE_TZ) at most `window_days` after the local date of now_ms (today +
 * window_days included, whatever the time of day, as the web app's date picker offers
 * it). Past instants are inside; the lead time is checked separately. */
bool slots_in_booking_window(int64_t start_ms, int64_t now_ms, int window_days);
#define SLOTS_DATE_LEN 40
/* Days since 1970-01-01 → calendar date / "YYYY-MM-DD". */
void slots_days_to_date(int64_t days, int *y, int *m, int *d);
void slots_day_string(int64_t days, char buf[SLOTS_DATE_LEN]);
/* The local date (SERVICE_TZ) of an instant. */
void slots_local_date(int64_t ms, int *y, int *m, int *d);
/* The UTC instant of local midnight starting local date y-m-d. */
int64_t slots_local_midnight_ms(int y, int m, int d);

/* Template and overrides in the database. The template falls back to the default when no
 * document is stored. */
bool slots_template_load(struct slot_template *t, struct derr *err);
bool slots_template_save(const struct slot_template *t, struct derr *err);
/* Inserts the default template unless one exists (idempotent; for the seed tool): the
 * insert against _id "default" decides, so *inserted (may be NULL) is true only for the
 * call that stored it and false when a template was already there. false on a database
 * error. */
bool slots_seed_default(bool *inserted, struct derr *err);
/* Overrides covering any day of [from_day, to_day], oldest first; *out is malloc'd (caller
 * frees, may be NULL when *n is 0). */
bool slots_overrides_load(int64_t from_day, int64_t to_day, struct slot_override **out, size_t *n,
			  struct derr *err);
/* Stores a new override; fills o->id and o->created_ms. */
bool slots_override_create(struct slot_override *o, struct derr *err);
/* 1 deleted, 0 not found, -1 database error. */
int slots_override_delete(const struct oid *id, struct derr *err);

/* The grid of local date y-m-d for class `cls` with booked/remaining from the claims.
 * Returns the count (≤ max) or -1 on a database error. */
int slots_day(int cls, int y, int m, int d, struct slot_info *out, int max, struct derr *err);
/* The slots of local date y-m-d a resident may book for `category` now (lead time
 * SLOT_LEAD_HOURS; none for a date beyond the booking window SLOT_BOOKING_WINDOW_DAYS).
 * Returns the count or -1 on a database error; -2 for an unknown category. */
int slots_available(const char *category, int y, int m, int d, struct slot_info *out, int max,
		    struct derr *err);
/* slots_available, with include_full also the slots without a free seat (remaining 0,
 * not closed), whose waitlist a resident may join. */
int slots_available_ex(const char *category, int y, int m, int d, struct slot_info *out, int max,
		       bool include_full, struct derr *err);
/* Until when an answer of slots_available_ex made at now_ms (its n slots in `s`) holds by
 * time alone, seats and settings unchanged: the first of its slots to enter the lead time
 * (lead_ms, SLOT_LEAD_HOURS) leaves it, and at the next local midnight the booking window
 * takes in another date. (Days already past or inside the lead time stay empty.) Always
 * after now_ms. */
int64_t slots_available_until(const struct slot_info *s, int n, int64_t now_ms, int64_t lead_ms);
/* Whether [start_ms, end_ms) is a bookable slot of `category` (on the grid, not closed, in
 * the future, inside the booking window SLOT_BOOKING_WINDOW_DAYS; with enforce_lead beyond
 * the lead time), ignoring seats. For validating the preferred slots residents give, so the
 * window always applies. 1 yes, 0 no, -1 database error. */
int slots_is_offered(const char *category, int64_t start_ms, int64_t end_ms, bool enforce_lead,
		     struct derr *err);

/* Staff calendar: one entry per slot of the day (both classes, by start), plus entries for
 * claims whose slot is no longer on the grid (capacity 0). */
struct slot_calendar_request {
	char id[25];
	char category[24];
	char status[24];
};
struct slot_calendar_entry {
	struct slot_info slot;
	struct slot_calendar_request *requests; /* owned by the calendar */
	int nrequests;
};
struct slot_calendar {
	struct slot_calendar_entry *entries;
	int n;
};
/* Fills *cal (free with slots_calendar_free). Requests are looked up in pickup_requests by
 * assigned_slot.start (cancelled and failed ones left out). false on a database error. */
bool slots_calendar(int y, int m, int d, struct slot_calendar *cal, struct derr *err);
void slots_calendar_free(struct slot_calendar *cal);

#endif
