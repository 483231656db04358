/* The index registry: every index the schema needs, created idempotently at start-up.
 * Unique indexes here are what makes claims exclusive (DESIGN: FerretDB-safe subset), so
 * they are part of the correctness of the service, not only of its speed. FerretDB
 * rejects TTL and partial indexes: expiry is done by cron jobs instead. */
#include <string.h>

#include "infra/db.h"
#include "infra/log.h"

struct db_index {
	const char *coll;
	const char *name;
	const char *keys; /* canonical extended JSON */
	bool unique;
};

static const struct db_index indexes[] = {
    {"users", "email_unique", "{\"email\": 1}", true},
    {"users", "role_1", "{\"role\": 1}", false},
    /* the admin list, newest first, all or by role */
    {"users", "created_id", "{\"created_at\": -1, \"_id\": -1}", false},
    {"users", "role_created_id", "{\"role\": 1, \"created_at\": -1, \"_id\": -1}", false},
    {"revoked_tokens", "expires_at_1", "{\"expires_at\": 1}", false},
    /* refresh sessions: a user's active ones (list, end all); tokens and their one-use
     * claims by _id (hash); the purge deletes each by expiry */
    {"refresh_sessions", "user_ended", "{\"user_id\": 1, \"ended_at\": 1}", false},
    {"refresh_sessions", "expires_at_1", "{\"expires_at\": 1}", false},
    {"refresh_tokens", "expires_at_1", "{\"expires_at\": 1}", false},
    {"refresh_token_uses", "expires_at_1", "{\"expires_at\": 1}", false},
    /* password reset links by _id (hash), an account's (forgotten after a reset); requests
     * counted per email and per client address in the last hour */
    {"password_resets", "user_id_1", "{\"user_id\": 1}", false},
    {"password_resets", "expires_at_1", "{\"expires_at\": 1}", false},
    {"password_reset_uses", "expires_at_1", "{\"expires_at\": 1}", false},
    {"password_reset_requests", "email_at", "{\"email\": 1, \"at\": -1}", false},
    {"password_reset_requests", "ip_at", "{\"ip\": 1, \"at\": -1}", false},
    {"password_reset_requests", "at_1", "{\"at\": 1}", false},
    /* live tickets: looked up by _id (ticket hash), one use by _id; the purge deletes by expiry */
    {"ws_tickets", "expires_at_1", "{\"expires_at\": 1}", false},
    {"ws_ticket_uses", "expires_at_1", "{\"expires_at\": 1}", false},
    /* session caches: the revocations and user changes since their last sync */
    {"revoked_tokens", "revoked_at_1", "{\"revoked_at\": 1}", false},
    {"users", "updated_at_1", "{\"updated_at\": 1}", false},
    /* auth: login backoff counts one document per failed attempt; the purge job deletes by at */
    {"login_failures", "email_at", "{\"email\": 1, \"at\": -1}", false},
    {"login_failures", "at_1", "{\"at\": 1}", false},
    /* ... and by trusted device, and by client address (untrusted failures) */
    {"login_failures", "device_at", "{\"device\": 1, \"at\": -1}", false},
    {"login_failures", "ip_device_at", "{\"ip\": 1, \"device\": 1, \"at\": -1}", false},
    {"pickup_requests", "user_created", "{\"user_id\": 1, \"created_at\": -1}", false},
    /* lists sort by (created_at, _id) newest first: the resident's, and staff's all / by
     * status / by category (other filters narrow what these indexes walk) */
    {"pickup_requests", "user_created_id", "{\"user_id\": 1, \"created_at\": -1, \"_id\": -1}",
     false},
    {"pickup_requests", "created_id", "{\"created_at\": -1, \"_id\": -1}", false},
    {"pickup_requests", "status_created_id", "{\"status\": 1, \"created_at\": -1, \"_id\": -1}",
     false},
    {"pickup_requests", "category_created_id", "{\"category\": 1, \"created_at\": -1, \"_id\": -1}",
     false},
    /* the staff board and CSV export by crew (a column: by status and crew) */
    {"pickup_requests", "crew_created_id", "{\"crew_id\": 1, \"created_at\": -1, \"_id\": -1}",
     false},
    {"pickup_requests", "status_crew_created_id",
     "{\"status\": 1, \"crew_id\": 1, \"created_at\": -1, \"_id\": -1}", false},
    /* the staff board and CSV export by pincode (a column: by status and pincode) */
    {"pickup_requests", "pincode_created_id",
     "{\"address.pincode\": 1, \"created_at\": -1, \"_id\": -1}", false},
    {"pickup_requests", "status_pincode_created_id",
     "{\"status\": 1, \"address.pincode\": 1, \"created_at\": -1, \"_id\": -1}", false},
    {"pickup_requests", "status_1", "{\"status\": 1}", false},
    {"pickup_requests", "slot_start_1", "{\"assigned_slot.start\": 1}", false},
    {"pickup_requests", "status_updated", "{\"status\": 1, \"updated_at\": 1}", false},
    /* crews (issue 17): a crew's day (My route, the route sheet of one crew), and a
     * pincode's day (bulk assign) */
    {"pickup_requests", "crew_slot", "{\"crew_id\": 1, \"assigned_slot.start\": 1}", false},
    {"pickup_requests", "pincode_slot", "{\"address.pincode\": 1, \"assigned_slot.start\": 1}",
     false},
    /* requests: the change log; the event's _id "<request>:<version>" is the claim of a
     * change, this index serves the timeline reads (by request, in version order) */
    {"request_events", "request_version_unique", "{\"request_id\": 1, \"version\": 1}", true},
    /* the outbox sweep: changes with effects pending, oldest first (changelog_sweep) */
    {"request_events", "effects_pending_at", "{\"effects_pending\": 1, \"at\": 1}", false},
    {"notifications", "user_created", "{\"user_id\": 1, \"created_at\": -1}", false},
    {"notifications", "status_next", "{\"status\": 1, \"next_attempt_at\": 1}", false},
    /* the dispatcher's batch: queued, due, oldest first (its sort ends with _id) */
    {"notifications", "status_next_id", "{\"status\": 1, \"next_attempt_at\": 1, \"_id\": 1}",
     false},
    /* swmra-job-compact: read in-app notifications and finished mail/SMS/push by age */
    {"notifications", "channel_read_created", "{\"channel\": 1, \"read\": 1, \"created_at\": 1}",
     false},
    {"notifications", "status_created", "{\"status\": 1, \"created_at\": 1}", false},
    {"send_attempts", "claimed_at_1", "{\"claimed_at\": 1}", false},
    {"job_runs", "window_start_1", "{\"window_start\": 1}", false},
    {"notifications", "user_channel_read", "{\"user_id\": 1, \"channel\": 1, \"read\": 1}", false},
    /* the notification list: a user's in-app channel, newest (_id) first, unread or all */
    {"notifications", "user_channel_id", "{\"user_id\": 1, \"channel\": 1, \"_id\": -1}", false},
    {"notifications", "user_channel_read_id",
     "{\"user_id\": 1, \"channel\": 1, \"read\": 1, \"_id\": -1}", false},
    {"send_attempts", "notification_1", "{\"notification_id\": 1}", false},
    /* notify (web push): one subscription per endpoint; a user's subscriptions */
    {"push_subscriptions", "endpoint_unique", "{\"endpoint\": 1}", true},
    {"push_subscriptions", "user_1", "{\"user_id\": 1}", false},
    {"push_subscriptions", "user_id_id", "{\"user_id\": 1, \"_id\": 1}", false},
    {"reminders", "request_1", "{\"request_id\": 1}", false},
    {"rewards", "request_unique", "{\"request_id\": 1}", true},
    {"rewards", "user_created", "{\"user_id\": 1, \"created_at\": -1}", false},
    {"rewards", "user_created_id", "{\"user_id\": 1, \"created_at\": -1, \"_id\": -1}", false},
    /* slots: one seat per request and slot (the seat itself is the claim's _id) */
    {"slot_claims", "request_start_unique", "{\"request_id\": 1, \"start\": 1}", true},
    {"slot_claims", "start_1", "{\"start\": 1}", false},
    /* the day views (availability, staff calendar) read a day's claims by its date */
    {"slot_claims", "day_1", "{\"day\": 1}", false},
    /* waitlist holds: released by their offer; the waitlist job finds lapsed ones */
    {"slot_claims", "hold_version", "{\"hold\": 1, \"hold_version\": 1}", false},
    {"slot_claims", "hold_until_1", "{\"hold_until\": 1}", false},
    /* waitlist (domain/waitlist.c): a slot's line in order (fill, position), a request's
     * entries, lapsed offers, slots with a line; the change log of entries; the places
     * (at most 3 per request, one per slot) */
    {"waitlist_entries", "start_status_joined",
     "{\"start\": 1, \"status\": 1, \"joined_at\": 1, \"_id\": 1}", false},
    {"waitlist_entries", "request_status", "{\"request_id\": 1, \"status\": 1}", false},
    {"waitlist_entries", "status_until", "{\"status\": 1, \"offer.until\": 1}", false},
    {"waitlist_entries", "status_start", "{\"status\": 1, \"start\": 1}", false},
    {"waitlist_events", "entry_version_unique", "{\"entry_id\": 1, \"version\": 1}", true},
    {"waitlist_events", "effects_pending_at", "{\"effects_pending\": 1, \"at\": 1}", false},
    {"waitlist_places", "request_start_unique", "{\"request_id\": 1, \"start\": 1}", true},
    {"waitlist_places", "entry_1", "{\"entry_id\": 1}", false},
    {"slot_overrides", "from_to", "{\"from_day\": 1, \"to_day\": 1}", false},
    {"uploads", "path_unique", "{\"path\": 1}", true},
    {"uploads", "owner_1", "{\"owner_id\": 1}", false},
    /* uploads: the orphan cleanup looks for unattached uploads by age */
    {"uploads", "request_created", "{\"request_id\": 1, \"created_at\": 1}", false},
    /* uploads: the per-owner quota (seats and hourly claims), freed by path, purged by age */
    {"upload_quota", "owner_1", "{\"owner_id\": 1}", false},
    {"upload_quota", "kind_path", "{\"kind\": 1, \"path\": 1}", false},
    {"upload_quota", "kind_at", "{\"kind\": 1, \"at\": 1}", false},
    /* open311: a keyed request finds its key by the secret's hash; each key's rate claims
     * of a minute are counted, and purged by age (swmra-job-purge-tokens) */
    {"api_keys", "key_hash_unique", "{\"key_hash\": 1}", true},
    {"api_key_rate", "key_minute", "{\"key_id\": 1, \"minute\": 1}", false},
    {"api_key_rate", "at_1", "{\"at\": 1}", false},
    /* data rights (issue 16): the append-only audit trail, newest first, all or by actor
     * or target (admin filters); export rate claims by age (purge) and by user (erasure) */
    {"audit", "at_id", "{\"at\": -1, \"_id\": -1}", false},
    {"audit", "actor_at_id", "{\"actor_id\": 1, \"at\": -1, \"_id\": -1}", false},
    {"audit", "target_at_id", "{\"target_id\": 1, \"at\": -1, \"_id\": -1}", false},
    {"export_claims", "at_1", "{\"at\": 1}", false},
    {"export_claims", "user_1", "{\"user_id\": 1}", false},
    /* erasure and export find an account's traces by user */
    {"revoked_tokens", "user_1", "{\"user_id\": 1}", false},
    {"ws_tickets", "user_1", "{\"user_id\": 1}", false},
    {"upload_fates", "owner_1", "{\"owner_id\": 1}", false},
    {"request_events_archive", "request_1", "{\"request_id\": 1}", false},
};

bool db_ensure_indexes(bson_error_t *err)
{
	for (size_t i = 0; i < sizeof(indexes) / sizeof(indexes[0]); i++) {
		const struct db_index *ix = &indexes[i];
		bson_t *keys = bson_new_from_json((const uint8_t *)ix->keys, -1, err);
		if (!keys)
			return false;
		bson_t cmd = BSON_INITIALIZER, arr, spec;
		BSON_APPEND_UTF8(&cmd, "createIndexes", ix->coll);
		BSON_APPEND_ARRAY_BEGIN(&cmd, "indexes", &arr);
		BSON_APPEND_DOCUMENT_BEGIN(&arr, "0", &spec);
		BSON_APPEND_DOCUMENT(&spec, "key", keys);
		BSON_APPEND_UTF8(&spec, "name", ix->name);
		if (ix->unique)
			BSON_APPEND_BOOL(&spec, "unique", true);
		bson_append_document_end(&arr, &spec);
		bson_append_array_end(&cmd, &arr);
		bool ok =
		    mongoc_database_write_command_with_opts(db_database(), &cmd, NULL, NULL, err);
		bson_destroy(&cmd);
		bson_destroy(keys);
		if (!ok) {
			log_error("creating index %s.%s failed: %s", ix->coll, ix->name,
				  err->message);
			return false;
		}
	}
	return db_pg_ensure_gin_indexes(err);
}

bool db_index_at(size_t i, const char **coll, const char **keys)
{
	if (i >= sizeof(indexes) / sizeof(indexes[0]))
		return false;
	*coll = indexes[i].coll;
	*keys = indexes[i].keys;
	return true;
}
