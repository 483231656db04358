/* One entry point for domain events that users hear about. An event becomes one
 * notification document per channel (in-app always; email, SMS, web push by the event's
 * rules and the user's preferences) rendered from templates; in-app ones are published at
 * once to the user's live channel, the others are queued for the dispatcher job. */
#ifndef SWMRA_NOTIFY_H
#define SWMRA_NOTIFY_H

#include <json-c/json.h>
#include <mongoc/mongoc.h>
#include <stdbool.h>

/* Event names: "submitted", "scheduled", "rescheduled", "cancelled", "enroute", "onsite",
 * "collecting", "collected", "handover", "verification", "failed", "completed",
 * "reminder". `data` (borrowed, may be NULL) carries template values: "request_id",
 * "category", "slot_start", "slot_end" (RFC 3339), "reason", "points".
 * Returns false only on a database error (err set); the caller's change stands either
 * way, so callers log and carry on. */
bool notify_event(const bson_oid_t *user_id, const char *event, json_object *data,
		  bson_error_t *err);

#endif
