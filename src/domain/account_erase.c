#include "domain/account_erase.h"

#include <stdio.h>
#include <string.h>

#include "domain/live.h"
#include "domain/refresh.h"
#include "domain/requests.h"
#include "domain/internal/requests_store.h"
#include "domain/internal/users_store.h"
#include "infra/db.h"
#include "infra/log.h"
#include "infra/objstore.h"
#include "infra/timeutil.h"

#define MAX_REQUESTS 10000 /* one account's requests; far above any real resident's */

/* The ids of the account's requests, with their status. */
struct owned {
	bson_oid_t *ids;
	char (*status)[24];
	size_t n;
};

static bool list_requests(const bson_oid_t *user, struct owned *o, bson_error_t *err)
{
	bson_t *q = BCON_NEW("user_id", BCON_OID(user));
	bson_t *opts = BCON_NEW("projection", "{", "status", BCON_INT32(1), "}", "limit",
				BCON_INT64(MAX_REQUESTS));
	mongoc_cursor_t *cur =
	    mongoc_collection_find_with_opts(db_coll("pickup_requests"), q, opts, NULL);
	o->ids = bson_malloc0(sizeof(*o->ids) * MAX_REQUESTS);
	o->status = bson_malloc0(sizeof(*o->status) * MAX_REQUESTS);
	o->n = 0;
	const bson_t *doc;
	bson_iter_t it;
	while (mongoc_cursor_next(cur, &doc)) {
		if (!bson_iter_init_find(&it, doc, "_id") || !BSON_ITER_HOLDS_OID(&it))
			continue;
		bson_oid_copy(bson_iter_oid(&it), &o->ids[o->n]);
		if (bson_iter_init_find(&it, doc, "status") && BSON_ITER_HOLDS_UTF8(&it))
			snprintf(o->status[o->n], sizeof(o->status[0]), "%s",
				 bson_iter_utf8(&it, NULL));
		o->n++;
	}
	bool ok = !mongoc_cursor_error(cur, err);
	mongoc_cursor_destroy(cur);
	bson_destroy(opts);
	bson_destroy(q);
	return ok;
}

static void owned_free(struct owned *o)
{
	bson_free(o->ids);
	bson_free(o->status);
}

/* Step 1: each open request is cancelled as a change of its own (seat, notify, timeline);
 * a request changed meanwhile is re-read and tried again. */
static bool cancel_open(const struct owned *o, const char *actor_id, struct erase_report *rep,
			bson_error_t *err)
{
	for (size_t i = 0; i < o->n; i++) {
		int st = requests_status_parse(o->status[i]);
		if (st != RS_DRAFT && st != RS_SUBMITTED && st != RS_PENDING_REVIEW &&
		    st != RS_SCHEDULED)
			continue;
		struct req_transition t = {.to = RS_CANCELLED,
					   .actor = REQ_ACTOR_STAFF,
					   .actor_id = actor_id,
					   .reason = ERASE_REASON,
					   .role_label = "system"};
		enum req_result r = REQ_CONFLICT;
		for (int tries = 0; tries < 5 && r == REQ_CONFLICT; tries++)
			r = requests_transition(&o->ids[i], &t, NULL, NULL, err);
		if (r == REQ_DB_ERROR)
			return false;
		if (r == REQ_OK)
			rep->cancelled++;
		/* REQ_INVALID: it moved on (staff took it en route meanwhile): kept as is */
	}
	return true;
}

static bool delete_many(const char *coll, const bson_t *q, bson_error_t *err)
{
	return mongoc_collection_delete_many(db_coll(coll), q, NULL, NULL, err);
}

/* Step 2: stored objects first, then their documents (a store outage stops here, with
 * the documents still listing what is left for the retry). */
static enum erase_rc delete_photos(const bson_oid_t *user, struct erase_report *rep,
				   bson_error_t *err)
{
	bson_t *q = BCON_NEW("owner_id", BCON_OID(user));
	bson_t *opts = BCON_NEW("projection", "{", "path", BCON_INT32(1), "}");
	mongoc_cursor_t *cur = mongoc_collection_find_with_opts(db_coll("uploads"), q, opts, NULL);
	enum erase_rc rc = ERASE_OK;
	const bson_t *doc;
	bson_iter_t it;
	enum objstore_backend b = objstore_configured();
	while (rc == ERASE_OK && mongoc_cursor_next(cur, &doc)) {
		if (!bson_iter_init_find(&it, doc, "path") || !BSON_ITER_HOLDS_UTF8(&it))
			continue;
		enum objstore_result r = objstore_delete(b, bson_iter_utf8(&it, NULL));
		if (r == OBJSTORE_OK)
			rep->photos++;
		else
			rc = r == OBJSTORE_UNAVAILABLE ? ERASE_STORE_UNAVAILABLE : ERASE_DB_ERROR;
	}
	if (rc == ERASE_OK && mongoc_cursor_error(cur, err))
		rc = ERASE_DB_ERROR;
	mongoc_cursor_destroy(cur);
	bson_destroy(opts);
	if (rc == ERASE_OK &&
	    (!delete_many("upload_fates", q, err) || !delete_many("upload_quota", q, err) ||
	     !delete_many("uploads", q, err)))
		rc = ERASE_DB_ERROR;
	bson_destroy(q);
	return rc;
}

/* `data` of a timeline view or event without its free text: note and reason go, except
 * the erasure's own reason (what staff read). */
static void append_scrubbed_data(bson_t *out, const char *key, const bson_t *data)
{
	bson_t d;
	bson_iter_t it;
	BSON_APPEND_DOCUMENT_BEGIN(out, key, &d);
	if (bson_iter_init(&it, data)) {
		while (bson_iter_next(&it)) {
			const char *k = bson_iter_key(&it);
			bool text = strcmp(k, "note") == 0 || strcmp(k, "reason") == 0;
			if (text && !(BSON_ITER_HOLDS_UTF8(&it) &&
				      strcmp(bson_iter_utf8(&it, NULL), ERASE_REASON) == 0))
				BSON_APPEND_NULL(&d, k);
			else
				bson_append_iter(&d, k, -1, &it);
		}
	}
	bson_append_document_end(out, &d);
}

/* A copy of document `src` whose `data` is scrubbed. */
static void append_scrubbed_view(bson_t *out, const char *key, const bson_t *src)
{
	bson_t v;
	bson_iter_t it;
	BSON_APPEND_DOCUMENT_BEGIN(out, key, &v);
	if (bson_iter_init(&it, src)) {
		while (bson_iter_next(&it)) {
			if (strcmp(bson_iter_key(&it), "data") == 0 &&
			    BSON_ITER_HOLDS_DOCUMENT(&it)) {
				bson_t data;
				uint32_t len;
				const uint8_t *buf;
				bson_iter_document(&it, &len, &buf);
				bson_init_static(&data, buf, len);
				append_scrubbed_data(&v, "data", &data);
			} else {
				bson_append_iter(&v, bson_iter_key(&it), -1, &it);
			}
		}
	}
	bson_append_document_end(out, &v);
}

static void append_scrubbed_views(bson_t *set, const char *key, bson_iter_t *arr_it)
{
	bson_t arr;
	bson_iter_t child;
	BSON_APPEND_ARRAY_BEGIN(set, key, &arr);
	char idx[16];
	uint32_t i = 0;
	if (bson_iter_recurse(arr_it, &child)) {
		while (bson_iter_next(&child)) {
			if (!BSON_ITER_HOLDS_DOCUMENT(&child))
				continue;
			bson_t view;
			uint32_t len;
			const uint8_t *buf;
			bson_iter_document(&child, &len, &buf);
			bson_init_static(&view, buf, len);
			snprintf(idx, sizeof(idx), "%u", i++);
			append_scrubbed_view(&arr, idx, &view);
		}
	}
	bson_append_array_end(set, &arr);
}

/* The anonymous address: only the pincode (area statistics) stays. */
static void append_anon_address(bson_t *set, const char *key, const bson_t *src)
{
	bson_iter_t it;
	bson_t a;
	BSON_APPEND_DOCUMENT_BEGIN(set, key, &a);
	BSON_APPEND_UTF8(&a, "line1", "");
	BSON_APPEND_NULL(&a, "line2");
	BSON_APPEND_UTF8(&a, "city", "");
	if (bson_iter_init_find(&it, src, "address") && BSON_ITER_HOLDS_DOCUMENT(&it)) {
		bson_iter_t p;
		if (bson_iter_recurse(&it, &p) && bson_iter_find(&p, "pincode"))
			bson_append_iter(&a, "pincode", -1, &p);
	}
	BSON_APPEND_NULL(&a, "lat");
	BSON_APPEND_NULL(&a, "lng");
	bson_append_document_end(set, &a);
}

/* The personal fields of a request document or of an event's `set` (prefix "set."):
 * whatever of them `doc` holds is replaced. Returns whether anything was. */
static bool scrub_fields(bson_t *set, const bson_t *doc, const char *prefix)
{
	bson_iter_t it;
	char key[32];
	bool any = false;
	if (bson_iter_init_find(&it, doc, "description")) {
		snprintf(key, sizeof(key), "%sdescription", prefix);
		BSON_APPEND_UTF8(set, key, "");
		any = true;
	}
	if (bson_iter_init_find(&it, doc, "address")) {
		snprintf(key, sizeof(key), "%saddress", prefix);
		append_anon_address(set, key, doc);
		any = true;
	}
	if (bson_iter_init_find(&it, doc, "photos")) {
		bson_t empty;
		snprintf(key, sizeof(key), "%sphotos", prefix);
		BSON_APPEND_ARRAY_BEGIN(set, key, &empty);
		bson_append_array_end(set, &empty);
		any = true;
	}
	static const char *const views[] = {"timeline", "events"};
	for (size_t i = 0; i < 2; i++) {
		if (bson_iter_init_find(&it, doc, views[i]) && BSON_ITER_HOLDS_ARRAY(&it)) {
			snprintf(key, sizeof(key), "%s%s", prefix, views[i]);
			append_scrubbed_views(set, key, &it);
			any = true;
		}
	}
	return any;
}

static bool set_by_id(mongoc_collection_t *c, const bson_t *doc, const bson_t *set,
		      bson_error_t *err)
{
	bson_iter_t it;
	if (!bson_iter_init_find(&it, doc, "_id"))
		return true;
	bson_t q = BSON_INITIALIZER, u = BSON_INITIALIZER;
	bson_append_iter(&q, "_id", -1, &it);
	BSON_APPEND_DOCUMENT(&u, "$set", set);
	bool ok = mongoc_collection_update_one(c, &q, &u, NULL, NULL, err);
	bson_destroy(&q);
	bson_destroy(&u);
	return ok;
}

/* The events of one request (log or archive): their data and set without personal text. */
static bool scrub_events(const char *coll, const bson_oid_t *req, bson_error_t *err)
{
	mongoc_collection_t *c = db_coll(coll);
	bson_t *q = BCON_NEW("request_id", BCON_OID(req));
	mongoc_cursor_t *cur = mongoc_collection_find_with_opts(c, q, NULL, NULL);
	bool ok = true;
	const bson_t *ev;
	bson_iter_t it;
	while (ok && mongoc_cursor_next(cur, &ev)) {
		bson_t set = BSON_INITIALIZER;
		bool any = false;
		if (bson_iter_init_find(&it, ev, "data") && BSON_ITER_HOLDS_DOCUMENT(&it)) {
			bson_t data;
			uint32_t len;
			const uint8_t *buf;
			bson_iter_document(&it, &len, &buf);
			bson_init_static(&data, buf, len);
			append_scrubbed_data(&set, "data", &data);
			any = true;
		}
		if (bson_iter_init_find(&it, ev, "set") && BSON_ITER_HOLDS_DOCUMENT(&it)) {
			bson_t s;
			uint32_t len;
			const uint8_t *buf;
			bson_iter_document(&it, &len, &buf);
			bson_init_static(&s, buf, len);
			any = scrub_fields(&set, &s, "set.") || any;
		}
		if (any)
			ok = set_by_id(c, ev, &set, err);
		bson_destroy(&set);
	}
	if (ok && mongoc_cursor_error(cur, err))
		ok = false;
	mongoc_cursor_destroy(cur);
	bson_destroy(q);
	return ok;
}

/* Step 3, one request: its log first, then the document (a roll-forward in between
 * writes scrubbed values). */
static bool scrub_request(const bson_oid_t *id, bson_error_t *err)
{
	if (!scrub_events("request_events", id, err) ||
	    !scrub_events("request_events_archive", id, err))
		return false;
	mongoc_collection_t *c = db_coll("pickup_requests");
	bson_t *q = BCON_NEW("_id", BCON_OID(id));
	mongoc_cursor_t *cur = mongoc_collection_find_with_opts(c, q, NULL, NULL);
	const bson_t *doc;
	bool ok = true;
	if (mongoc_cursor_next(cur, &doc)) {
		bson_t set = BSON_INITIALIZER;
		scrub_fields(&set, doc, "");
		BSON_APPEND_BOOL(&set, "erased", true);
		ok = set_by_id(c, doc, &set, err);
		bson_destroy(&set);
	}
	if (ok && mongoc_cursor_error(cur, err))
		ok = false;
	mongoc_cursor_destroy(cur);
	bson_destroy(q);
	return ok;
}

/* Step 4: notifications with their send attempts, and the account's small collections. */
static bool delete_traces(const bson_oid_t *user, const char *email, bson_error_t *err)
{
	bson_t *q = BCON_NEW("user_id", BCON_OID(user));
	bson_t *opts = BCON_NEW("projection", "{", "_id", BCON_INT32(1), "}");
	mongoc_cursor_t *cur =
	    mongoc_collection_find_with_opts(db_coll("notifications"), q, opts, NULL);
	bool ok = true;
	const bson_t *doc;
	bson_iter_t it;
	while (ok && mongoc_cursor_next(cur, &doc)) {
		if (!bson_iter_init_find(&it, doc, "_id"))
			continue;
		bson_t sq = BSON_INITIALIZER;
		bson_append_iter(&sq, "notification_id", -1, &it);
		ok = delete_many("send_attempts", &sq, err);
		bson_destroy(&sq);
	}
	if (ok && mongoc_cursor_error(cur, err))
		ok = false;
	mongoc_cursor_destroy(cur);
	bson_destroy(opts);
	char hex[25];
	bson_oid_to_string(user, hex);
	bson_t *qs = BCON_NEW("user_id", BCON_UTF8(hex));
	bson_t *qe = BCON_NEW("email", BCON_UTF8(email));
	bson_t *rq = BCON_NEW("user_id", BCON_OID(user));
	bson_t *ru = BCON_NEW("$set", "{", "user_id", BCON_NULL, "}");
	ok = ok && delete_many("notifications", q, err) &&
	     delete_many("push_subscriptions", q, err) && delete_many("ws_tickets", qs, err) &&
	     delete_many("export_claims", qs, err) && delete_many("login_failures", qe, err) &&
	     mongoc_collection_update_many(db_coll("rewards"), rq, ru, NULL, NULL, err);
	bson_destroy(ru);
	bson_destroy(rq);
	bson_destroy(qe);
	bson_destroy(qs);
	bson_destroy(q);
	return ok;
}

static enum erase_rc erase_data(const bson_oid_t *user, const struct user *u, const char *actor_id,
				struct erase_report *rep, bson_error_t *err)
{
	struct owned o;
	if (!list_requests(user, &o, err)) {
		owned_free(&o);
		return ERASE_DB_ERROR;
	}
	enum erase_rc rc = ERASE_DB_ERROR;
	if (!cancel_open(&o, actor_id, rep, err))
		goto out;
	rc = delete_photos(user, rep, err);
	if (rc != ERASE_OK)
		goto out;
	rc = ERASE_DB_ERROR;
	for (size_t i = 0; i < o.n; i++) {
		if (!scrub_request(&o.ids[i], err))
			goto out;
		rep->requests++;
	}
	if (delete_traces(user, u->email, err))
		rc = ERASE_OK;
out:
	owned_free(&o);
	return rc;
}

enum erase_rc account_erase(const struct oid *id, const char *actor_id, struct erase_report *rep,
			    struct derr *err)
{
	bson_oid_t user;
	bson_error_t e = {0};
	oid_to_store(id, &user);
	memset(rep, 0, sizeof(*rep));
	memset(err, 0, sizeof(*err));
	struct user u = {0};
	enum users_rc ur = users_find_by_id(&user, false, &u, &e);
	if (ur == USERS_ERR) {
		derr_from_store(err, &e);
		return ERASE_DB_ERROR;
	}
	if (ur == USERS_NOT_FOUND || !u.email || strncmp(u.email, "erased:", 7) == 0) {
		users_clear(&u);
		return ERASE_NOT_FOUND;
	}
	enum erase_rc rc = erase_data(&user, &u, actor_id, rep, &e);
	if (rc == ERASE_DB_ERROR)
		derr_from_store(err, &e);
	/* no device may renew its way back in: every refresh session ends first */
	if (rc == ERASE_OK && !refresh_end_all(id, NULL, "erased", err))
		rc = ERASE_DB_ERROR;
	if (rc == ERASE_OK) {
		int64_t tva = time_now_ms() / 1000 + 1;
		ur = users_tombstone(&user, tva, &e);
		if (ur == USERS_OK)
			live_end_epoch(u.id, u.tokens_valid_after, u.keep_jti, tva, "");
		else
			rc = ur == USERS_NOT_FOUND ? ERASE_NOT_FOUND : ERASE_DB_ERROR;
		if (ur == USERS_ERR)
			derr_from_store(err, &e);
	}
	users_clear(&u);
	return rc;
}
