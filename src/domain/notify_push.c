/* Web push for notify: browser subscriptions (push_subscriptions), queueing one `push`
 * notification per subscription when an event happens, and the dispatcher's send step.
 * The push documents go through the same claim/retry machinery as email and SMS
 * (notify_jobs.c); a push service answering 404/410 deletes the subscription. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/notify_events.h"
#include "domain/internal/notify_store.h"
#include "domain/internal/users_store.h"
#include "infra/config.h"
#include "infra/db.h"
#include "infra/jsonx.h"
#include "infra/log.h"
#include "infra/timeutil.h"
#include "infra/webpush.h"

#define SUBS "push_subscriptions"

const char *notify_push_endpoint_problem(const char *endpoint, bool allow_loopback_http)
{
	char origin[WEBPUSH_ENDPOINT_MAX + 16];
	size_t n = endpoint ? strlen(endpoint) : 0;
	if (n == 0)
		return "must not be empty";
	if (n > WEBPUSH_ENDPOINT_MAX)
		return "must be at most 2048 characters";
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)endpoint[i] <= 0x20 || (unsigned char)endpoint[i] >= 0x7f)
			return "must be a URL of printable ASCII characters";
	if (!webpush_origin(endpoint, origin, sizeof(origin)))
		return "must be an https URL";
	if (strncmp(endpoint, "https://", 8) == 0)
		return NULL;
	if (allow_loopback_http && (strncmp(endpoint, "http://127.0.0.1:", 17) == 0 ||
				    strncmp(endpoint, "http://127.0.0.1/", 17) == 0))
		return NULL;
	return "must be an https URL";
}

/* Keeps at most NOTIFY_PUSH_MAX_SUBS - 1 subscriptions of the user (before adding one). */
static void trim_oldest(const bson_oid_t *user_id)
{
	bson_error_t err;
	bson_t *q = BCON_NEW("user_id", BCON_OID(user_id));
	int64_t n = mongoc_collection_count_documents(db_coll(SUBS), q, NULL, NULL, NULL, &err);
	if (n >= NOTIFY_PUSH_MAX_SUBS) {
		bson_t *opts = BCON_NEW("sort", "{", "updated_at", BCON_INT32(1), "}", "limit",
					BCON_INT64(n - NOTIFY_PUSH_MAX_SUBS + 1), "projection", "{",
					"_id", BCON_INT32(1), "}");
		mongoc_cursor_t *cur =
		    mongoc_collection_find_with_opts(db_coll(SUBS), q, opts, NULL);
		const bson_t *d;
		while (mongoc_cursor_next(cur, &d)) {
			bson_iter_t it;
			if (!bson_iter_init_find(&it, d, "_id") || !BSON_ITER_HOLDS_OID(&it))
				continue;
			bson_t *dq = BCON_NEW("_id", BCON_OID(bson_iter_oid(&it)));
			mongoc_collection_delete_one(db_coll(SUBS), dq, NULL, NULL, NULL);
			bson_destroy(dq);
		}
		mongoc_cursor_destroy(cur);
		bson_destroy(opts);
	}
	bson_destroy(q);
}

static int64_t reply_count(const bson_t *reply, const char *key)
{
	bson_iter_t it;
	return bson_iter_init_find(&it, reply, key) ? bson_iter_as_int64(&it) : 0;
}

/* Points an existing endpoint's document at the user with fresh keys. -1 error, else the
 * number of documents matched. */
static int refresh(const bson_oid_t *user_id, const char *endpoint, const char *p256dh,
		   const char *auth, int64_t now, bson_error_t *err)
{
	bson_t *q = BCON_NEW("endpoint", BCON_UTF8(endpoint));
	bson_t *u = BCON_NEW("$set", "{", "user_id", BCON_OID(user_id), "p256dh", BCON_UTF8(p256dh),
			     "auth", BCON_UTF8(auth), "updated_at", BCON_DATE_TIME(now), "}");
	bson_t reply;
	bool ok = mongoc_collection_update_one(db_coll(SUBS), q, u, NULL, &reply, err);
	int n = ok ? (int)reply_count(&reply, "matchedCount") : -1;
	bson_destroy(&reply);
	bson_destroy(q);
	bson_destroy(u);
	return n;
}

static bool subscribe(const bson_oid_t *user_id, const char *endpoint, const char *p256dh,
		      const char *auth, bool *created, bson_error_t *err)
{
	int64_t now = time_now_ms();
	*created = false;
	/* The endpoint is unique (index endpoint_unique): update it if it exists, else
	 * insert; an insert that loses a race against another insert becomes an update. */
	int n = refresh(user_id, endpoint, p256dh, auth, now, err);
	if (n != 0)
		return n > 0;
	trim_oldest(user_id);
	bson_oid_t id;
	bson_oid_init(&id, NULL);
	bson_t *d =
	    BCON_NEW("_id", BCON_OID(&id), "user_id", BCON_OID(user_id), "endpoint",
		     BCON_UTF8(endpoint), "p256dh", BCON_UTF8(p256dh), "auth", BCON_UTF8(auth),
		     "created_at", BCON_DATE_TIME(now), "updated_at", BCON_DATE_TIME(now));
	enum db_claim_result r = db_claim(SUBS, d, err);
	bson_destroy(d);
	if (r == DB_CLAIM_WON) {
		*created = true;
		return true;
	}
	if (r == DB_CLAIM_LOST)
		return refresh(user_id, endpoint, p256dh, auth, now, err) >= 0;
	return false;
}

bool notify_push_subscribe(const struct oid *user, const char *endpoint, const char *p256dh,
			   const char *auth, bool *created, struct derr *err)
{
	bson_oid_t user_id;
	bson_error_t e;
	oid_to_store(user, &user_id);
	if (subscribe(&user_id, endpoint, p256dh, auth, created, &e))
		return true;
	derr_from_store(err, &e);
	return false;
}

int notify_push_unsubscribe(const struct oid *user, const char *endpoint, struct derr *err)
{
	bson_oid_t user_id;
	bson_error_t e;
	oid_to_store(user, &user_id);
	bson_t *q = BCON_NEW("endpoint", BCON_UTF8(endpoint), "user_id", BCON_OID(&user_id));
	bson_t reply;
	bool ok = mongoc_collection_delete_one(db_coll(SUBS), q, NULL, &reply, &e);
	int n = ok ? (reply_count(&reply, "deletedCount") > 0) : -1;
	bson_destroy(&reply);
	bson_destroy(q);
	if (!ok)
		derr_from_store(err, &e);
	return n;
}

/* The template values kept in `meta` (as notify.c stores them for every channel). */
static void append_meta(bson_t *doc, json_object *data)
{
	static const char *const str_keys[] = {"request_id", "category", "slot_start", "slot_end",
					       "reason"};
	bson_t meta;
	BSON_APPEND_DOCUMENT_BEGIN(doc, "meta", &meta);
	for (size_t i = 0; data && i < sizeof(str_keys) / sizeof(str_keys[0]); i++) {
		const char *v = jsonx_str(data, str_keys[i]);
		if (v)
			BSON_APPEND_UTF8(&meta, str_keys[i], v);
	}
	bson_append_document_end(doc, &meta);
}

bool notify_push_queue(const bson_oid_t *user_id, const char *event, const char *title,
		       const char *body, json_object *data, const bson_oid_t *inapp_id, int64_t now,
		       const char *key, int64_t at, bson_error_t *err)
{
	bson_t *q = BCON_NEW("user_id", BCON_OID(user_id));
	bson_t *opts = BCON_NEW("sort", "{", "_id", BCON_INT32(1), "}", "limit",
				BCON_INT64(NOTIFY_PUSH_MAX_SUBS), "projection", "{", "_id",
				BCON_INT32(1), "endpoint", BCON_INT32(1), "}");
	mongoc_cursor_t *cur = mongoc_collection_find_with_opts(db_coll(SUBS), q, opts, NULL);
	bson_destroy(q);
	bson_destroy(opts);
	struct {
		bson_oid_t id;
		char *endpoint;
	} subs[NOTIFY_PUSH_MAX_SUBS];
	int n = 0;
	const bson_t *d;
	while (n < NOTIFY_PUSH_MAX_SUBS && mongoc_cursor_next(cur, &d)) {
		bson_iter_t it;
		if (!bson_iter_init_find(&it, d, "_id") || !BSON_ITER_HOLDS_OID(&it))
			continue;
		bson_oid_copy(bson_iter_oid(&it), &subs[n].id);
		if (!bson_iter_init_find(&it, d, "endpoint") || !BSON_ITER_HOLDS_UTF8(&it))
			continue;
		subs[n++].endpoint = strdup(bson_iter_utf8(&it, NULL));
	}
	bool ok = !mongoc_cursor_error(cur, err);
	mongoc_cursor_destroy(cur);
	if (ok && n > 0) {
		/* A disabled account keeps its subscriptions but hears nothing. */
		struct user u = {0};
		enum users_rc urc = users_find_by_id(user_id, false, &u, err);
		bool disabled = urc != USERS_OK || u.disabled;
		users_clear(&u);
		if (urc == USERS_ERR)
			ok = false;
		for (int i = 0; ok && !disabled && i < n; i++) {
			bson_oid_t id;
			if (key) {
				char part[40] = "push:";
				bson_oid_to_string(&subs[i].id, part + 5);
				notify_key_oid(key, part, at, &id);
			} else {
				bson_oid_init(&id, NULL);
			}
			bson_t *doc = bson_new();
			BSON_APPEND_OID(doc, "_id", &id);
			BSON_APPEND_OID(doc, "user_id", user_id);
			BSON_APPEND_UTF8(doc, "channel", "push");
			BSON_APPEND_UTF8(doc, "event", event);
			BSON_APPEND_UTF8(doc, "title", title);
			BSON_APPEND_UTF8(doc, "body", body);
			append_meta(doc, data);
			BSON_APPEND_DATE_TIME(doc, "created_at", now);
			BSON_APPEND_UTF8(doc, "to", subs[i].endpoint);
			BSON_APPEND_OID(doc, "subscription_id", &subs[i].id);
			if (inapp_id)
				BSON_APPEND_OID(doc, "inapp_id", inapp_id);
			BSON_APPEND_UTF8(doc, "status", "queued");
			BSON_APPEND_INT32(doc, "attempts", 0);
			BSON_APPEND_DATE_TIME(doc, "next_attempt_at", now);
			BSON_APPEND_NULL(doc, "sent_at");
			/* Keyed: a copy already stored by an earlier run of the effect is done. */
			ok = key ? db_claim("notifications", doc, err) != DB_CLAIM_ERROR
				 : mongoc_collection_insert_one(db_coll("notifications"), doc, NULL,
								NULL, err);
			bson_destroy(doc);
		}
	}
	for (int i = 0; i < n; i++)
		free(subs[i].endpoint);
	return ok;
}

static const char *doc_str(const bson_t *d, const char *key)
{
	bson_iter_t it;
	if (bson_iter_init_find(&it, d, key) && BSON_ITER_HOLDS_UTF8(&it))
		return bson_iter_utf8(&it, NULL);
	return NULL;
}

/* What the service worker receives (frontend/pwa/sw.js "push"). */
static char *payload_for(const bson_t *doc)
{
	json_object *p = json_object_new_object();
	bson_iter_t it, sub;
	char hex[25] = "";
	if ((bson_iter_init_find(&it, doc, "inapp_id") || bson_iter_init_find(&it, doc, "_id")) &&
	    BSON_ITER_HOLDS_OID(&it))
		bson_oid_to_string(bson_iter_oid(&it), hex);
	const char *event = doc_str(doc, "event"), *title = doc_str(doc, "title"),
		   *body = doc_str(doc, "body"), *rid = NULL;
	if (bson_iter_init(&it, doc) && bson_iter_find_descendant(&it, "meta.request_id", &sub) &&
	    BSON_ITER_HOLDS_UTF8(&sub))
		rid = bson_iter_utf8(&sub, NULL);
	char url[64];
	if (rid && strlen(rid) == 24)
		snprintf(url, sizeof(url), "/requests/%s", rid);
	else
		snprintf(url, sizeof(url), "/notifications");
	json_object_object_add(p, "id", json_object_new_string(hex));
	json_object_object_add(p, "event", json_object_new_string(event ? event : ""));
	json_object_object_add(p, "title", json_object_new_string(title ? title : "SWMRA"));
	json_object_object_add(p, "body", json_object_new_string(body ? body : ""));
	json_object_object_add(p, "url", json_object_new_string(url));
	json_object_object_add(p, "request_id", rid ? json_object_new_string(rid) : NULL);
	char *s = strdup(json_object_to_json_string_ext(p, JSON_C_TO_STRING_PLAIN |
							       JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(p);
	return s;
}

/* Time-critical events (push_urgent in their declaration, notify_events.h) jump the push
 * service's queue (RFC 8030 Urgency). */
static const char *urgency_of(const char *event)
{
	const struct notify_event_spec *e = notify_event_find(event);
	return e && e->push_urgent ? "high" : "normal";
}

enum deliver_rc notify_push_deliver(const bson_t *doc, char *err, size_t errlen)
{
	const char *to = doc_str(doc, "to");
	bson_iter_t it;
	bson_oid_t sid;
	if (!to || !bson_iter_init_find(&it, doc, "subscription_id") || !BSON_ITER_HOLDS_OID(&it)) {
		snprintf(err, errlen,
			 "malformed push notification (to or subscription_id missing)");
		return DELIVER_FAIL;
	}
	bson_oid_copy(bson_iter_oid(&it), &sid);
	bson_error_t berr;
	bson_t *q = BCON_NEW("_id", BCON_OID(&sid), "endpoint", BCON_UTF8(to));
	mongoc_cursor_t *cur = mongoc_collection_find_with_opts(db_coll(SUBS), q, NULL, NULL);
	bson_destroy(q);
	const bson_t *d;
	char *p256dh = NULL, *auth = NULL;
	if (mongoc_cursor_next(cur, &d)) {
		const char *a = doc_str(d, "p256dh"), *b = doc_str(d, "auth");
		p256dh = a ? strdup(a) : NULL;
		auth = b ? strdup(b) : NULL;
	}
	bool dberr = mongoc_cursor_error(cur, &berr);
	mongoc_cursor_destroy(cur);
	if (dberr) {
		free(p256dh);
		free(auth);
		snprintf(err, errlen, "reading the subscription: %s", berr.message);
		return DELIVER_RETRY;
	}
	if (!p256dh || !auth) {
		free(p256dh);
		free(auth);
		snprintf(err, errlen, "the push subscription was removed");
		return DELIVER_FAIL;
	}
	char *payload = payload_for(doc);
	struct webpush_sub s = {.endpoint = to, .p256dh = p256dh, .auth = auth};
	long status = 0;
	enum deliver_rc rc =
	    payload ? webpush_send(&s, payload, strlen(payload), NOTIFY_PUSH_TTL,
				   urgency_of(doc_str(doc, "event")), &status, err, errlen)
		    : DELIVER_RETRY;
	if (!payload)
		snprintf(err, errlen, "out of memory");
	free(payload);
	free(p256dh);
	free(auth);
	if (status == 404 || status == 410) {
		/* The browser unsubscribed or the subscription expired: never again. */
		bson_t *dq = BCON_NEW("_id", BCON_OID(&sid));
		if (mongoc_collection_delete_one(db_coll(SUBS), dq, NULL, NULL, &berr)) {
			size_t l = strlen(err);
			snprintf(err + l, errlen - l, "; subscription deleted");
		} else {
			log_warn("deleting gone push subscription: %s", berr.message);
		}
		bson_destroy(dq);
		rc = DELIVER_FAIL;
	}
	return rc;
}
