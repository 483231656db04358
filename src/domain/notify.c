/* notify_event: one domain event → notification documents per channel. In-app ones are
 * stored as sent and published at once to the user's nchan channel; email, SMS and web push
 * ones (one per browser subscription, notify_push.c) are stored queued for the dispatcher
 * job (notify_jobs.c). */
#include "domain/internal/notify_store.h"

#include <stdlib.h>
#include <string.h>

#include "domain/internal/read_marks_store.h"
#include "domain/internal/users_store.h"
#include "infra/config.h"
#include "infra/db.h"
#include "infra/fault.h"
#include "infra/hash.h"
#include "infra/jsonx.h"
#include "infra/log.h"
#include "infra/nchan.h"
#include "infra/timeutil.h"

/* The template values of `data` kept in `meta`: strings, and points as an integer. */
static void append_meta(bson_t *doc, json_object *data)
{
	static const char *const str_keys[] = {"request_id",	 "category", "slot_start",
					       "slot_end",	 "reason",   "expires_at",
					       "change_deadline"};
	bson_t meta;
	BSON_APPEND_DOCUMENT_BEGIN(doc, "meta", &meta);
	for (size_t i = 0; data && i < sizeof(str_keys) / sizeof(str_keys[0]); i++) {
		const char *v = jsonx_str(data, str_keys[i]);
		if (v)
			BSON_APPEND_UTF8(&meta, str_keys[i], v);
	}
	json_object *pv;
	if (data && json_object_object_get_ex(data, "points", &pv) &&
	    (json_object_is_type(pv, json_type_int) || json_object_is_type(pv, json_type_double)))
		BSON_APPEND_INT64(&meta, "points", json_object_get_int64(pv));
	bson_append_document_end(doc, &meta);
}

/* The template values of a stored `meta`, strings and integers, in stored order. */
static void fill_meta(const bson_t *doc, struct notification *out)
{
	bson_iter_t it, sub;
	if (!bson_iter_init_find(&it, doc, "meta") || !BSON_ITER_HOLDS_DOCUMENT(&it) ||
	    !bson_iter_recurse(&it, &sub))
		return;
	while (out->n_meta < NOTIFICATION_META_MAX && bson_iter_next(&sub)) {
		struct notification_meta *m = &out->meta[out->n_meta];
		m->key = bson_iter_key(&sub);
		m->str = BSON_ITER_HOLDS_UTF8(&sub) ? bson_iter_utf8(&sub, NULL) : NULL;
		m->num = 0;
		if (BSON_ITER_HOLDS_INT32(&sub) || BSON_ITER_HOLDS_INT64(&sub))
			m->num = bson_iter_as_int64(&sub);
		else if (!m->str)
			continue; /* a type notify never stores */
		out->n_meta++;
	}
}

static const char *doc_str(const bson_t *doc, const char *key)
{
	bson_iter_t it;
	if (bson_iter_init_find(&it, doc, key) && BSON_ITER_HOLDS_UTF8(&it))
		return bson_iter_utf8(&it, NULL);
	return NULL;
}

static bool doc_oid(const bson_t *doc, const char *key, struct oid *out)
{
	bson_iter_t it;
	if (!bson_iter_init_find(&it, doc, key) || !BSON_ITER_HOLDS_OID(&it))
		return false;
	oid_from_store(out, bson_iter_oid(&it));
	return true;
}

static bool doc_time(const bson_t *doc, const char *key, int64_t *out)
{
	bson_iter_t it;
	if (!bson_iter_init_find(&it, doc, key) || !BSON_ITER_HOLDS_DATE_TIME(&it))
		return false;
	*out = bson_iter_date_time(&it);
	return true;
}

void notify_doc_fill(const bson_t *doc, struct notification *out)
{
	memset(out, 0, sizeof(*out));
	doc_oid(doc, "_id", &out->id);
	out->has_user = doc_oid(doc, "user_id", &out->user_id);
	out->channel = doc_str(doc, "channel");
	out->event = doc_str(doc, "event");
	out->title = doc_str(doc, "title");
	out->body = doc_str(doc, "body");
	out->status = doc_str(doc, "status");
	fill_meta(doc, out);
	bson_iter_t it;
	out->read = bson_iter_init_find(&it, doc, "read") && BSON_ITER_HOLDS_BOOL(&it) &&
		    bson_iter_bool(&it);
	out->has_created_at = doc_time(doc, "created_at", &out->created_at);
	out->has_sent_at = doc_time(doc, "sent_at", &out->sent_at);
}

/* The common part of every notification document. */
static bson_t *new_doc(const bson_oid_t *id, const bson_oid_t *user_id, const char *channel,
		       const char *event, const char *title, const char *body, json_object *data,
		       int64_t now)
{
	bson_t *d = bson_new();
	BSON_APPEND_OID(d, "_id", id);
	BSON_APPEND_OID(d, "user_id", user_id);
	BSON_APPEND_UTF8(d, "channel", channel);
	BSON_APPEND_UTF8(d, "event", event);
	BSON_APPEND_UTF8(d, "title", title);
	BSON_APPEND_UTF8(d, "body", body);
	append_meta(d, data);
	BSON_APPEND_DATE_TIME(d, "created_at", now);
	return d;
}

/* Publishes a stored in-app notification to the user's live channel. Failures are only
 * logged: subscribers catch up from GET /api/notifications after a reconnect. */
static void publish_inapp(const bson_oid_t *user_id, const bson_t *doc)
{
	char hex[25], channel[30], err[256];
	bson_oid_to_string(user_id, hex);
	nchan_user_channel(hex, channel);
	struct notification n;
	notify_doc_fill(doc, &n);
	json_object *j = notify_live_shape(&n);
	const char *s = json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN);
	int subs;
	if (nchan_publish(channel, s, strlen(s), &subs, err, sizeof(err)) < 0) {
		json_object *f = json_object_new_object();
		json_object_object_add(f, "channel", json_object_new_string(channel));
		log_write(LOG_WARN, f, "live publish failed: %s", err);
	}
	json_object_put(j);
}

void notify_key_oid(const char *key, const char *part, int64_t at, bson_oid_t *out)
{
	/* FNV-1a 64 of "<key>/<part>": 48 bits of it tell apart the documents of one
	 * millisecond; the time in front keeps _id order = creation order, as lists expect. */
	uint64_t h = hash_fnv1a_more(hash_fnv1a_str(key), "/", 1);
	h = hash_fnv1a_more(h, part, strlen(part));
	uint32_t secs = (uint32_t)(at / 1000);
	uint32_t ms = (uint32_t)(at % 1000);
	uint8_t b[12] = {(uint8_t)(secs >> 24), (uint8_t)(secs >> 16), (uint8_t)(secs >> 8),
			 (uint8_t)secs,		(uint8_t)(ms >> 8),    (uint8_t)ms};
	for (int i = 0; i < 6; i++)
		b[6 + i] = (uint8_t)(h >> (8 * i));
	bson_oid_init_from_data(out, b);
}

/* Inserts notification `d`: with a key (its _id derived from the key) as a claim, where a
 * copy already there (an earlier run of the same effect) counts as done: *fresh false. */
static bool insert_notification(const bson_t *d, bool keyed, bool *fresh, bson_error_t *err)
{
	*fresh = true;
	if (!keyed)
		return mongoc_collection_insert_one(db_coll("notifications"), d, NULL, NULL, err);
	enum db_claim_result r = db_claim("notifications", d, err);
	*fresh = r == DB_CLAIM_WON;
	return r != DB_CLAIM_ERROR;
}

/* The _id of a notification: derived from the effect key, or new. */
static void notification_oid(const char *key, const char *part, int64_t at, bson_oid_t *out)
{
	if (key)
		notify_key_oid(key, part, at, out);
	else
		bson_oid_init(out, NULL);
}

static bool insert_inapp(const bson_oid_t *user_id, const char *event,
			 const struct notify_message *m, json_object *data, int64_t now,
			 const char *key, int64_t at, bson_oid_t *id_out, bson_error_t *err)
{
	bson_oid_t id;
	notification_oid(key, "inapp", at, &id);
	bson_oid_copy(&id, id_out);
	bson_t *d = new_doc(&id, user_id, "inapp", event, m->title, m->text, data, now);
	BSON_APPEND_UTF8(d, "status", "sent");
	BSON_APPEND_BOOL(d, "read", false);
	BSON_APPEND_INT32(d, "attempts", 0);
	BSON_APPEND_DATE_TIME(d, "sent_at", now);
	bool fresh;
	bool ok = insert_notification(d, key != NULL, &fresh, err);
	/* The owner's lists changed (bumped by a rerun too: the first run may have died
	 * before its bump), before the live hint makes the app read them again. */
	if (ok)
		read_mark_bump_owner(d);
	/* Published by the run that stored it; a crash before the publish loses only the
	 * live hint (clients catch up over REST). */
	if (ok && fresh)
		publish_inapp(user_id, d);
	bson_destroy(d);
	return ok;
}

/* A queued email or SMS: the dispatcher sends it (to = address or phone number). */
static bool insert_queued(const bson_oid_t *user_id, const char *channel, const char *event,
			  const char *title, const char *body, const char *html, const char *to,
			  json_object *data, int64_t now, const char *key, int64_t at,
			  bson_error_t *err)
{
	bson_oid_t id;
	notification_oid(key, channel, at, &id);
	bson_t *d = new_doc(&id, user_id, channel, event, title, body, data, now);
	if (html)
		BSON_APPEND_UTF8(d, "html", html);
	BSON_APPEND_UTF8(d, "to", to);
	BSON_APPEND_UTF8(d, "status", "queued");
	BSON_APPEND_INT32(d, "attempts", 0);
	BSON_APPEND_DATE_TIME(d, "next_attempt_at", now);
	BSON_APPEND_NULL(d, "sent_at");
	bool fresh;
	bool ok = insert_notification(d, key != NULL, &fresh, err);
	bson_destroy(d);
	return ok;
}

bool notify_account_email(const bson_oid_t *user_id, const char *event, const char *subject,
			  const char *text, const char *html, const char *to, bson_error_t *err)
{
	bson_oid_t id;
	int64_t now = time_now_ms();
	notification_oid(NULL, "email", now, &id);
	bson_t *d = new_doc(&id, user_id, "email", event, subject, text, NULL, now);
	BSON_APPEND_UTF8(d, "html", html);
	BSON_APPEND_UTF8(d, "to", to);
	BSON_APPEND_UTF8(d, "status", "queued");
	BSON_APPEND_INT32(d, "attempts", 0);
	BSON_APPEND_DATE_TIME(d, "next_attempt_at", now);
	BSON_APPEND_NULL(d, "sent_at");
	BSON_APPEND_BOOL(d, "scrub_after_send", true);
	bool fresh;
	bool ok = insert_notification(d, false, &fresh, err);
	bson_destroy(d);
	return ok;
}

bool notify_event(const bson_oid_t *user_id, const char *event, json_object *data,
		  bson_error_t *err)
{
	return notify_event_keyed(user_id, event, data, NULL, 0, err);
}

bool notify_event_keyed(const bson_oid_t *user_id, const char *event, json_object *data,
			const char *key, int64_t at, bson_error_t *err)
{
	struct notify_message m;
	if (!notify_event_known(event)) {
		bson_set_error(err, 0, 0, "unknown notification event '%s'", event ? event : "");
		log_error("notify_event: unknown event '%s'", event ? event : "");
		return true; /* not a database error: nothing to retry */
	}
	/* The recipient first: every channel speaks their language (in-app, push, email, SMS)
	 * and the email greets them by name. */
	char *name = NULL, *email = NULL, *phone = NULL;
	char locale[USERS_LOCALE_LEN] = USERS_LOCALE_DEFAULT;
	bool pe = false, ps = false;
	bson_error_t cerr;
	bool found =
	    users_get_contact_named(user_id, &name, &email, &phone, &pe, &ps, NULL, locale, &cerr);
	if (!found && cerr.code != 0) {
		*err = cerr;
		log_error("notify_event '%s': %s", event, err->message);
		return false;
	}
	if (!found)
		log_warn("notify_event: user of '%s' not found: no email or SMS", event);
	if (!notify_render_locale(event, data, name, locale, &m)) {
		bson_set_error(err, 0, 0, "rendering '%s' failed (out of memory)", event);
		free(name);
		free(email);
		free(phone);
		return false;
	}
	int64_t now = time_now_ms();
	bson_oid_t inapp_id;
	bool ok = insert_inapp(user_id, event, &m, data, now, key, at, &inapp_id, err);
	if (ok)
		fault_point("notify_inapp");

	bool want_email = notify_event_wants_email(event);
	bool want_sms = notify_event_wants_sms(event) && config_get()->enable_sms;
	if (ok && found && want_email && pe && email && *email)
		ok = insert_queued(user_id, "email", event, m.title, m.email_text, m.email_html,
				   email, data, now, key, at, err);
	if (ok && found && want_sms && ps && phone && *phone)
		ok = insert_queued(user_id, "sms", event, m.title, m.sms, NULL, phone, data, now,
				   key, at, err);
	free(name);
	free(email);
	free(phone);
	/* Web push: like in-app, every event, to each browser the user subscribed (users have
	 * no push preference: subscribing on a device is the opt-in). */
	if (ok && config_get()->enable_push)
		ok = notify_push_queue(user_id, event, m.title, m.text, data, &inapp_id, now, key,
				       at, err);
	notify_message_free(&m);
	if (!ok)
		log_error("notify_event '%s': %s", event, err->message);
	return ok;
}

bool notify_queue_depth(const char *channel, int64_t *count, int64_t *oldest_ms, struct derr *err)
{
	bson_t *q = BCON_NEW("status", BCON_UTF8("queued"), "channel", BCON_UTF8(channel));
	bson_error_t e;
	bool ok = db_count_oldest("notifications", q, "created_at", count, oldest_ms, &e);
	bson_destroy(q);
	if (!ok)
		derr_from_store(err, &e);
	return ok;
}
