/* Erasure of an account (the right to be forgotten, DPDP Act 2023 / GDPR art. 17): what
 * the service holds about a person is deleted or anonymised, what the city needs for its
 * statistics stays without anything that identifies them.
 *
 * In order, so that a failure at any step leaves the account in place and a retry
 * finishes the job (every step is idempotent; the tombstone is written last):
 *  1. open requests (draft, submitted, pending_review, scheduled) are cancelled through
 *     the normal change path (requests_transition: seats given back, the event says
 *     "Account erased", by_role "system"), so staff see why in the timeline;
 *  2. the account's photos are deleted from the storage backend, then their documents
 *     (uploads, upload_fates, upload_quota);
 *  3. requests keep category, is_special, quantity, status, dates, slots and the address
 *     pincode; description, address lines, city, coordinates, photos and every free text of
 *     their timelines (notes, reasons) are removed, in the documents and in their change
 *     log (request_events and its archive), so a roll-forward cannot bring them back;
 *  4. notifications (and their send attempts), push subscriptions, live tickets, login
 *     failures of the email and export claims are deleted; the rewards ledger keeps its
 *     entries (points, request, date) with user_id removed;
 *  5. the user document becomes a tombstone (users_tombstone): every session ends and
 *     the email is free for a new registration; the live connections are closed. Before
 *     it, every refresh session of the account is ended (refresh_end_all), so no device
 *     renews its way back in. */
#ifndef SWMRA_ACCOUNT_ERASE_H
#define SWMRA_ACCOUNT_ERASE_H

#include <stdbool.h>

#include "domain/derr.h"
#include "domain/id.h"

#define ERASE_REASON "Account erased"

enum erase_rc {
	ERASE_OK = 0,
	ERASE_NOT_FOUND,	 /* no such account, or already erased */
	ERASE_STORE_UNAVAILABLE, /* the photo store did not answer: retry later (503) */
	ERASE_DB_ERROR		 /* err set */
};

struct erase_report {
	long cancelled; /* requests cancelled */
	long requests;	/* requests anonymised */
	long photos;	/* stored objects deleted */
};

/* Erases account `user`; `actor_id` is who asked (the user, or an admin). */
enum erase_rc account_erase(const struct oid *user, const char *actor_id, struct erase_report *rep,
			    struct derr *err);

#endif
