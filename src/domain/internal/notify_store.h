/* The store-typed side of notify.h: raising events (the change log's effects in
 * requests.c and waitlist.c, the jobs, password resets), queueing and delivering web push,
 * and reading a stored notification document into the domain's struct notification.
 * Domain-internal: never included by src/api.
 *
 * The domain hands notifications out as struct notification only (the inbox, the data
 * export, the live publish); their wire JSON has one builder, in the api layer
 * (api_notification_json), which the live publish reaches through notify_live_shape. */
#ifndef SWMRA_NOTIFY_STORE_H
#define SWMRA_NOTIFY_STORE_H

#include <mongoc/mongoc.h>

#include "domain/notify.h"

/* Event names: "submitted", "scheduled", "rescheduled", "cancelled", "enroute", "onsite",
 * "collecting", "collected", "handover", "verification", "failed", "completed",
 * "reminder", and to staff "disputed". `data` (borrowed, may be NULL) carries template values:
 * "request_id", "category", "slot_start", "slot_end" (RFC 3339), "reason", "points". Returns false
 * only on a database error (err set); the caller's change stands either way, so callers log and
 * carry on. */
bool notify_event(const bson_oid_t *user_id, const char *event, json_object *data,
		  bson_error_t *err);
/* notify_event, exactly once per `key` (an effect key of the change log, changelog.h):
 * every document it stores has an _id derived from the key, the channel and `at` (the
 * change's time, ms), inserted as a claim, so running it again after a crash anywhere in
 * it adds only what the first run did not store. The in-app one is published live only
 * by the run that stored it. With key NULL it is notify_event. */
bool notify_event_keyed(const bson_oid_t *user_id, const char *event, json_object *data,
			const char *key, int64_t at, bson_error_t *err);
/* The ObjectId of notification `part` ("inapp", "email", "sms", "push:<subscription>") of
 * effect `key`: the time `at` (s, then ms) in front, so _id order stays creation order,
 * then 48 bits of a hash of key and part. */
void notify_key_oid(const char *key, const char *part, int64_t at, bson_oid_t *out);

/* An account mail that is not a pickup event (a password reset link): queued for the
 * dispatcher to `to` whatever the user's email preference (the person asked for it). Its
 * text and HTML are blanked once it has been sent (they may carry a one-use secret). */
bool notify_account_email(const bson_oid_t *user_id, const char *event, const char *subject,
			  const char *text, const char *html, const char *to, bson_error_t *err);

/* A notification document as the domain's struct: its strings point into `doc`, so *out
 * is valid while `doc` is. Fields the document lacks are left unset (NULL, false). */
void notify_doc_fill(const bson_t *doc, struct notification *out);

/* Queues one `push` notification per subscription of the user (notify_event calls this
 * with ENABLE_PUSH). `inapp_id` is the id the browser tags the notification with. With
 * `key` (notify_event_keyed) each document's _id is derived from it and inserted as a
 * claim, a copy already there counting as done. */
bool notify_push_queue(const bson_oid_t *user_id, const char *event, const char *title,
		       const char *body, json_object *data, const bson_oid_t *inapp_id, int64_t now,
		       const char *key, int64_t at, bson_error_t *err);
/* Sends one claimed `push` notification document (the dispatcher's deliver step): the
 * subscription is re-read, the payload {id, event, title, body, url, request_id} is
 * encrypted and posted (webpush_send); a 404/410 answer deletes the subscription. */
enum deliver_rc notify_push_deliver(const bson_t *doc, char *err, size_t errlen);

#endif
