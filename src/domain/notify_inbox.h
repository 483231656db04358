/* A user's in-app notifications as the user sees them (the inbox): the newest first,
 * paged back by id, the unread count, and marking one or all read. Each read or write is
 * one store command on the caller's own in-app documents, {user_id, channel "inapp"}
 * (tests/e2e/budget.test.mjs counts them); a change that marks anything read also bumps the
 * user's read mark (domain/read_marks.h), so cached list answers are not served again.
 * Notifications come out as struct notification (domain/notify.h), one at a time through
 * a callback; their wire shape is the api layer's (api_notification_json). */
#ifndef SWMRA_NOTIFY_INBOX_H
#define SWMRA_NOTIFY_INBOX_H

#include <stdbool.h>
#include <stdint.h>

#include "domain/derr.h"
#include "domain/notify.h"

#define NOTIFY_INBOX_LIMIT_MAX 100

/* Which page of the inbox. */
struct notify_inbox_query {
	const char *user_id; /* hex of the owner */
	bool unread_only;
	const char *before; /* a notification id (hex, notify_inbox_id_valid): only older ones;
			     * NULL for the newest */
	long limit;	    /* 1..NOTIFY_INBOX_LIMIT_MAX */
};

enum notify_inbox_rc {
	NOTIFY_INBOX_OK,
	NOTIFY_INBOX_NOT_FOUND, /* no such notification of this user (or a malformed id) */
	NOTIFY_INBOX_DB_ERROR	/* err set */
};

/* Whether `id` can name a notification (24 hex characters). */
bool notify_inbox_id_valid(const char *id);

/* The page: `each` is called with every notification of it, newest first (on a
 * DB_ERROR, maybe with some before the failure: the caller drops what it made). */
enum notify_inbox_rc notify_inbox_list(const struct notify_inbox_query *q, notification_fn each,
				       void *ctx, struct derr *err);
/* The number of the user's unread in-app notifications. */
enum notify_inbox_rc notify_inbox_unread(const char *user_id, int64_t *unread, struct derr *err);
/* Marks notification `id` of the user read (again: no change) and gives it back as it is
 * now: on OK `each` has been called with it, once. */
enum notify_inbox_rc notify_inbox_read_one(const char *user_id, const char *id,
					   notification_fn each, void *ctx, struct derr *err);
/* Marks every unread one read: *updated is how many were. */
enum notify_inbox_rc notify_inbox_read_all(const char *user_id, int64_t *updated, struct derr *err);

#endif
