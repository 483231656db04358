/* The waitlist of full slots. A resident whose slot is full joins its line with a
 * request; when a seat frees (a cancel, a reschedule, a failure, capacity raised), the
 * first request waiting gets an offer: the seat is held for it (slots_hold: a seat claim
 * like any booking, so holds count against capacity and capacity holds however many
 * processes race) for WAITLIST_HOLD_MIN minutes and the resident is told (notification
 * event `waitlist_offer`: in-app, live, email, push). Accepting books the request into
 * the held seat (a reschedule when it held another slot, whose seat goes back and is
 * offered in turn); an offer that lapses or is declined gives the seat back and passes it
 * to the next in line. No offer is made inside the lead time (SLOT_LEAD_HOURS).
 *
 * Each entry is an aggregate of the change log (infra/changelog.h): documents in
 * `waitlist_entries` {_id, request_id, user_id, category, cls, start, end, status
 * (waiting|offered|accepted|declined|expired|left), joined_at, offer {version, until}|null,
 * version, timeline, created_at, updated_at}, events in `waitlist_events`. Every change of
 * an entry (JOINED, OFFERED, ACCEPTED, DECLINED, EXPIRED, LEFT, VOID) claims its next
 * version, so an accept racing the expiry of the same offer has exactly one outcome, and
 * what a change owes (the notification, giving back the hold, offering the seat on,
 * booking the request) is an effect of its event, applied once (the outbox).
 *
 * Places. A request waits on at most WAITLIST_MAX_PER_REQUEST slots and once per slot:
 * joining claims one of the request's places "<request hex>:<0..2>" in `waitlist_places`
 * (unique {request_id, start} too); an entry leaving the line gives its place back.
 *
 * The cron job swmra-job-waitlist (waitlist_sweep) expires lapsed offers, frees holds
 * whose offer was never written, offers seats the API could not (capacity raised, a
 * failure) and applies effects left pending. */
#ifndef SWMRA_WAITLIST_H
#define SWMRA_WAITLIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "domain/derr.h"
#include "domain/id.h"

#define WAITLIST_MAX_PER_REQUEST 3

enum wl_result {
	WL_OK = 0,
	WL_NOT_FOUND,	  /* no such request (or not the owner's), or no entry for the slot */
	WL_INVALID,	  /* the request is in a status that books no slot */
	WL_NOT_AVAILABLE, /* the slot is not one the resident could book (grid, lead, window) */
	WL_HAS_ROOM,	  /* the slot has a free seat: book it instead */
	WL_BOOKED_THERE,  /* the request holds this slot already */
	WL_ALREADY,	  /* the request waits on this slot already */
	WL_LIMIT,	  /* the request waits on WAITLIST_MAX_PER_REQUEST slots already */
	WL_NO_OFFER,	  /* accept/decline: the request has no offer */
	WL_OFFER_GONE,	  /* the offer lapsed or was answered meanwhile */
	WL_TOO_LATE,	  /* accepting would move a booking inside CANCEL_MIN_HOURS */
	WL_CONFLICT,	  /* the entry changed meanwhile */
	WL_DB_ERROR	  /* err set */
};

/* Ids: the request and its owner (the caller; someone else's request is WL_NOT_FOUND).
 * WL_DB_ERROR (or -1, NULL, false below) sets `err`.
 *
 * Puts request `request_id` of `owner` in the line of [start, end): *position is its
 * place in that line (1 = next). */
enum wl_result waitlist_join(const struct oid *request_id, const struct oid *owner, int64_t start,
			     int64_t end, long *position, struct derr *err);
/* Takes the request out of the line of the slot starting at `start` (an offer it holds
 * there is given back and passed on). */
enum wl_result waitlist_leave(const struct oid *request_id, const struct oid *owner, int64_t start,
			      struct derr *err);
/* Accepts the request's offer: the entry's ACCEPTED change owes the booking (a
 * reschedule when the request holds another slot), applied before this returns. */
enum wl_result waitlist_accept(const struct oid *request_id, const struct oid *owner,
			       struct derr *err);
/* Declines the request's offer: its seat goes to the next in line. */
enum wl_result waitlist_decline(const struct oid *request_id, const struct oid *owner,
				struct derr *err);

/* Offers the free seats of the slot starting at `start` to its line, first come first
 * served, until the slot is full (per capacity class). Idempotent: a seat is offered
 * only while it is free, so any process may call it any time (every seat release does).
 * Returns the offers made, -1 on a database error (logged). */
long waitlist_fill_slot(int64_t start, int64_t end);
/* waitlist_fill_slot for every future slot someone waits on (capacity raised by an
 * override or the template, missed fills). Returns the offers made or -1 (err set). */
long waitlist_fill_due(int64_t now_ms, struct derr *err);

/* One entry of a request waiting or offered a seat. */
struct wl_place {
	char id[OID_HEX_LEN]; /* the entry's */
	int64_t start, end;   /* the slot's, ms */
	bool offered;
	long position;	     /* in the line, 1 = next; 0 or less when offered */
	int64_t offer_until; /* ms; -1 unless offered */
};
struct wl_view {
	struct wl_place *v;
	size_t n;
};
/* The request's place in lines: its entries waiting or offered, into *out (release with
 * waitlist_view_free). false on a database error. */
bool waitlist_of_request(const struct oid *request_id, struct wl_view *out, struct derr *err);
void waitlist_view_free(struct wl_view *v);

struct wl_sweep {
	long expired;	   /* offers lapsed and passed on */
	long orphan_holds; /* holds given back whose offer was never written */
	long offers;	   /* offers made by the fill of every line */
	long settled;	   /* entry changes whose pending effects were applied */
	long failures;
};
/* The cron job's pass (swmra-job-waitlist). grace_ms: how old a hold without its offer or
 * a pending change must be before the job acts on it. false when a list failed. */
bool waitlist_sweep(int64_t now_ms, int64_t grace_ms, struct wl_sweep *rep, struct derr *err);

#endif
