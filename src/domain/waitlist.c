/* The waitlist (domain/waitlist.h): entries as change-log aggregates, offers as seat
 * holds, the effects their changes owe. */
#include "domain/waitlist.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/internal/notify_store.h"
#include "domain/internal/read_marks_store.h"
#include "infra/changelog.h"
#include "domain/requests.h"
#include "domain/internal/requests_store.h"
#include "domain/internal/slots_store.h"
#include "infra/config.h"
#include "infra/db.h"
#include "infra/log.h"
#include "infra/timeutil.h"

#define ENTRIES "waitlist_entries"
#define EVENTS	"waitlist_events"
#define PLACES	"waitlist_places"
/* How many of a line one fill reads: far more than the seats a slot ever frees at once. */
#define FILL_BATCH 200
/* How often the booking of an accepted offer is retried against other changes. */
#define BOOK_TRIES 8

static const char *const state_keys[] = {"status", "offer", "updated_at", "timeline", NULL};
static const char *const no_timeline[] = {NULL};

static bool apply_effect(const bson_oid_t *id, int64_t version, uint32_t index,
			 const bson_t *effect, int64_t at, bson_error_t *err);

/* The request's detail shows its entries (waitlist_of_request, cached by the owner's read
 * mark): every stored change of an entry bumps its owner's mark, whoever made it (the
 * resident, a seat release offering it, the job expiring it). */
static const struct changelog_kind entry_log = {.docs = ENTRIES,
						.events = EVENTS,
						.id_field = "entry_id",
						.state_keys = state_keys,
						.timeline_types = no_timeline,
						.apply = apply_effect,
						.stored = read_mark_bump_owner};

/* ------------------------------------------------------------------ document fields */

static const char *str_of(const bson_t *doc, const char *key)
{
	bson_iter_t it;
	if (bson_iter_init_find(&it, doc, key) && BSON_ITER_HOLDS_UTF8(&it))
		return bson_iter_utf8(&it, NULL);
	return NULL;
}

static int64_t int_of(const bson_t *doc, const char *path, int64_t def)
{
	bson_iter_t it, sub;
	if (!bson_iter_init(&it, doc) || !bson_iter_find_descendant(&it, path, &sub))
		return def;
	if (BSON_ITER_HOLDS_DATE_TIME(&sub))
		return bson_iter_date_time(&sub);
	if (BSON_ITER_HOLDS_NUMBER(&sub))
		return bson_iter_as_int64(&sub);
	return def;
}

static bool oid_of(const bson_t *doc, const char *key, bson_oid_t *out)
{
	bson_iter_t it;
	if (!bson_iter_init_find(&it, doc, key) || !BSON_ITER_HOLDS_OID(&it))
		return false;
	bson_oid_copy(bson_iter_oid(&it), out);
	return true;
}

static bool status_is(const bson_t *doc, const char *status)
{
	const char *s = str_of(doc, "status");
	return s && strcmp(s, status) == 0;
}

static int64_t hold_ms(void)
{
	return (int64_t)config_get()->waitlist_hold_min * 60 * 1000;
}

static int64_t lead_ms(void)
{
	return (int64_t)config_get()->slot_lead_hours * 3600 * 1000;
}

/* ------------------------------------------------------------------ changes */

/* The effects of a change, built as an array (changelog.h). */
struct fx {
	bson_t arr;
	uint32_t n;
};

static void fx_begin(struct fx *e, bson_t *d, const char *kind)
{
	char k[16];
	const char *key;
	bson_uint32_to_string(e->n++, &key, k, sizeof(k));
	BSON_APPEND_DOCUMENT_BEGIN(&e->arr, key, d);
	BSON_APPEND_UTF8(d, "kind", kind);
}

/* The effects of an entry leaving the line from `entry` (its stored state): its place
 * back, and when it held an offer, the hold back and the seat offered on. */
static void fx_leave(struct fx *e, const bson_t *entry)
{
	bson_t d;
	fx_begin(e, &d, "unplace");
	bson_append_document_end(&e->arr, &d);
	if (!status_is(entry, "offered"))
		return;
	fx_begin(e, &d, "unhold");
	BSON_APPEND_INT64(&d, "version", int_of(entry, "offer.version", 0));
	bson_append_document_end(&e->arr, &d);
	fx_begin(e, &d, "fill");
	bson_append_document_end(&e->arr, &d);
}

/* Claims version v+1 of `id` (whose stored state is `entry`) with a change of `type`
 * setting `status` (and the offer when `offer_until` > 0), owing `effects`; settles the
 * effects when won. */
static enum db_claim_result change(const bson_oid_t *id, const bson_t *entry, const char *type,
				   const char *status, int64_t offer_until, const bson_t *effects,
				   const char *by_id, const char *by_role, bson_error_t *err)
{
	int64_t v = changelog_version(entry), now = time_now_ms();
	bson_t set = BSON_INITIALIZER, data = BSON_INITIALIZER, offer;
	if (status) {
		BSON_APPEND_UTF8(&set, "status", status);
		BSON_APPEND_DATE_TIME(&set, "updated_at", now);
		BSON_APPEND_UTF8(&data, "to", status);
	}
	if (offer_until > 0) {
		BSON_APPEND_DOCUMENT_BEGIN(&set, "offer", &offer);
		BSON_APPEND_INT64(&offer, "version", v + 1);
		BSON_APPEND_DATE_TIME(&offer, "until", offer_until);
		bson_append_document_end(&set, &offer);
	}
	struct changelog_change c = {.type = type,
				     .at = now,
				     .by_id = by_id ? by_id : "",
				     .by_role = by_role ? by_role : "system",
				     .data = &data,
				     .set = status ? &set : NULL,
				     .effects = effects};
	bson_t *ev = NULL;
	enum db_claim_result r = changelog_claim(&entry_log, id, v + 1, &c, &ev, err);
	bson_destroy(&set);
	bson_destroy(&data);
	if (r == DB_CLAIM_WON) {
		bson_error_t serr;
		if (!changelog_settle(&entry_log, ev, &serr))
			log_warn("waitlist: effects of a change left pending: %s", serr.message);
		/* the document follows the log (a failure leaves it to the next read) */
		bson_t *after = changelog_load(&entry_log, id, NULL, false, &serr);
		bson_destroy(after);
	}
	bson_destroy(ev);
	return r;
}

/* ------------------------------------------------------------------ effects */

static bool apply_notify(const bson_oid_t *id, int64_t version, uint32_t index, const bson_t *e,
			 int64_t at, bson_error_t *err)
{
	bson_oid_t user, request;
	if (!oid_of(e, "user", &user) || !oid_of(e, "request", &request))
		return true; /* malformed: nothing anyone could deliver */
	json_object *data = json_object_new_object();
	char hex[25], ts[TIME_RFC3339_LEN], key[CHANGELOG_KEY_LEN];
	bson_oid_to_string(&request, hex);
	json_object_object_add(data, "request_id", json_object_new_string(hex));
	const char *cat = str_of(e, "category");
	if (cat)
		json_object_object_add(data, "category", json_object_new_string(cat));
	time_format_rfc3339(int_of(e, "start", 0), ts);
	json_object_object_add(data, "slot_start", json_object_new_string(ts));
	time_format_rfc3339(int_of(e, "end", 0), ts);
	json_object_object_add(data, "slot_end", json_object_new_string(ts));
	time_format_rfc3339(int_of(e, "until", 0), ts);
	json_object_object_add(data, "expires_at", json_object_new_string(ts));
	changelog_effect_key(id, version, index, key);
	bool ok = notify_event_keyed(&user, "waitlist_offer", data, key, at, err);
	json_object_put(data);
	return ok;
}

/* The hold of entry `hex` at `version` became the request's booking: it loses its hold
 * marks and is a seat like any other (released when the request leaves the slot). A
 * crash before this leaves the marks: the job keeps a hold whose entry was accepted. */
static bool booked(const char *hex, int64_t version, bson_error_t *err)
{
	bson_t *q = BCON_NEW("hold", BCON_UTF8(hex), "hold_version", BCON_INT64(version));
	bson_t *u = BCON_NEW("$unset", "{", "hold", BCON_UTF8(""), "hold_version", BCON_UTF8(""),
			     "hold_until", BCON_UTF8(""), "}");
	bool ok = mongoc_collection_update_one(db_coll("slot_claims"), q, u, NULL, NULL, err);
	bson_destroy(u);
	bson_destroy(q);
	return ok;
}

/* The booking an accepted offer owes: the request moves into the held seat (as the
 * resident's own change, so the 24 h rule and the notification are a booking's). When it
 * cannot (cancelled meanwhile, the old slot now inside the change deadline), the seat
 * goes back to the line instead. */
static bool apply_book(const bson_oid_t *entry_id, const bson_t *entry, bson_error_t *err)
{
	bson_oid_t request;
	char user[25] = "", hex[25];
	bson_oid_t uid;
	if (!oid_of(entry, "request_id", &request))
		return true;
	if (oid_of(entry, "user_id", &uid))
		bson_oid_to_string(&uid, user);
	struct req_transition t = {.to = RS_SCHEDULED,
				   .actor = REQ_ACTOR_RESIDENT,
				   .actor_id = user,
				   .note = "Booked from the waitlist",
				   .has_slot = true,
				   .slot = {int_of(entry, "start", 0), int_of(entry, "end", 0)},
				   .seat_held = true};
	enum req_result r = REQ_CONFLICT;
	for (int i = 0; i < BOOK_TRIES && r == REQ_CONFLICT; i++)
		r = requests_transition(&request, &t, NULL, NULL, err);
	bson_oid_to_string(entry_id, hex);
	if (r == REQ_OK)
		return booked(hex, int_of(entry, "offer.version", 0), err);
	if (r == REQ_DB_ERROR)
		return false;
	if (r == REQ_CONFLICT) {
		bson_set_error(err, 0, 0, "the request kept changing");
		return false;
	}
	log_warn("waitlist entry %s: the accepted offer could not be booked (%d): seat passed on",
		 hex, (int)r);
	if (!slots_unhold(hex, int_of(entry, "offer.version", 0), err))
		return false;
	waitlist_fill_slot(t.slot.start, t.slot.end);
	return true;
}

static bool apply_effect(const bson_oid_t *id, int64_t version, uint32_t index,
			 const bson_t *effect, int64_t at, bson_error_t *err)
{
	const char *kind = str_of(effect, "kind");
	char hex[25];
	bson_oid_to_string(id, hex);
	if (kind && strcmp(kind, "notify") == 0)
		return apply_notify(id, version, index, effect, at, err);
	if (kind && strcmp(kind, "unhold") == 0)
		return slots_unhold(hex, int_of(effect, "version", 0), err);
	if (kind && strcmp(kind, "unplace") == 0) {
		bson_t *q = BCON_NEW("entry_id", BCON_OID(id));
		bool ok = mongoc_collection_delete_one(db_coll(PLACES), q, NULL, NULL, err);
		bson_destroy(q);
		return ok;
	}
	/* fill and book act on the entry's slot: read it (its slot never changes) */
	bson_t *q = BCON_NEW("_id", BCON_OID(id));
	mongoc_cursor_t *cur = mongoc_collection_find_with_opts(db_coll(ENTRIES), q, NULL, NULL);
	const bson_t *doc;
	bson_t *entry = mongoc_cursor_next(cur, &doc) ? bson_copy(doc) : NULL;
	bool failed = mongoc_cursor_error(cur, err);
	mongoc_cursor_destroy(cur);
	bson_destroy(q);
	if (failed)
		return false;
	bool ok = true;
	if (!entry) {
		log_warn("waitlist entry %s: effect '%s' of a missing entry skipped", hex,
			 kind ? kind : "");
	} else if (kind && strcmp(kind, "fill") == 0) {
		waitlist_fill_slot(int_of(entry, "start", 0), int_of(entry, "end", 0));
	} else if (kind && strcmp(kind, "book") == 0) {
		ok = apply_book(id, entry, err);
	} else {
		log_error("waitlist entry %s version %lld: unknown effect '%s' skipped", hex,
			  (long long)version, kind ? kind : "");
	}
	bson_destroy(entry);
	return ok;
}

/* ------------------------------------------------------------------ offers */

/* The ids (and capacity classes) of up to FILL_BATCH entries of the line of `start`. */
struct line {
	bson_oid_t id[FILL_BATCH];
	int cls[FILL_BATCH];
	int n;
};

static bool read_line(int64_t start, struct line *l, bson_error_t *err)
{
	l->n = 0;
	bson_t *q = BCON_NEW("start", BCON_DATE_TIME(start), "status", BCON_UTF8("waiting"));
	bson_t *opts = BCON_NEW("sort", "{", "joined_at", BCON_INT32(1), "_id", BCON_INT32(1), "}",
				"projection", "{", "category", BCON_INT32(1), "}", "limit",
				BCON_INT64(FILL_BATCH));
	mongoc_cursor_t *cur = mongoc_collection_find_with_opts(db_coll(ENTRIES), q, opts, NULL);
	const bson_t *doc;
	while (l->n < FILL_BATCH && mongoc_cursor_next(cur, &doc)) {
		int cls = slots_class_of(str_of(doc, "category"));
		if (cls < 0 || !oid_of(doc, "_id", &l->id[l->n]))
			continue;
		l->cls[l->n++] = cls;
	}
	bool ok = !mongoc_cursor_error(cur, err);
	mongoc_cursor_destroy(cur);
	bson_destroy(opts);
	bson_destroy(q);
	return ok;
}

/* Whether the request could take an offer now (submitted, pending_review or scheduled):
 * 1 yes, 0 no (or gone), -1 error. */
static int request_bookable(const bson_oid_t *request, bson_error_t *err)
{
	bson_t *req = requests_load(request, NULL, err);
	if (!req)
		return err->code ? -1 : 0;
	int st = requests_status_parse(str_of(req, "status"));
	bson_destroy(req);
	return st == RS_SUBMITTED || st == RS_PENDING_REVIEW || st == RS_SCHEDULED;
}

/* Offers a seat of the entry's slot to entry `id` when it is still waiting: 1 offered,
 * 0 not (left the line meanwhile, or its request holds the slot already), 2 the slot
 * (its class) has no free seat, -1 error. */
static int offer_one(const bson_oid_t *id, int64_t start, int64_t end, bson_error_t *err)
{
	bson_t *e = changelog_load(&entry_log, id, NULL, false, err);
	if (!e)
		return err->code ? -1 : 0;
	bson_oid_t request, user;
	const char *cat = str_of(e, "category");
	if (!status_is(e, "waiting") || !cat || !oid_of(e, "request_id", &request) ||
	    !oid_of(e, "user_id", &user)) {
		bson_destroy(e);
		return 0;
	}
	char hex[25];
	bson_oid_to_string(id, hex);
	int64_t v = changelog_version(e), until = time_now_ms() + hold_ms();
	int r = 0;
	int bookable = request_bookable(&request, err);
	if (bookable == 0) {
		/* cancelled, failed or done: it leaves the line, unoffered (its place back) */
		struct fx fx = {.n = 0};
		bson_init(&fx.arr);
		fx_leave(&fx, e);
		if (change(id, e, "LEFT", "left", 0, &fx.arr, NULL, NULL, err) == DB_CLAIM_ERROR)
			r = -1;
		bson_destroy(&fx.arr);
	}
	if (bookable <= 0) {
		r = bookable < 0 ? -1 : r;
		goto out;
	}
	switch (slots_hold(&request, cat, start, end, hex, v + 1, until, err)) {
	case SLOT_CLAIMED: break;
	case SLOT_HELD: goto out;
	case SLOT_FULL:
	case SLOT_NOT_AVAILABLE: r = 2; goto out;
	case SLOT_DB_ERROR: r = -1; goto out;
	}
	struct fx fx = {.n = 0};
	bson_init(&fx.arr);
	bson_t d;
	fx_begin(&fx, &d, "notify");
	BSON_APPEND_OID(&d, "user", &user);
	BSON_APPEND_OID(&d, "request", &request);
	BSON_APPEND_UTF8(&d, "category", cat);
	BSON_APPEND_DATE_TIME(&d, "start", start);
	BSON_APPEND_DATE_TIME(&d, "end", end);
	BSON_APPEND_DATE_TIME(&d, "until", until);
	bson_append_document_end(&fx.arr, &d);
	enum db_claim_result won =
	    change(id, e, "OFFERED", "offered", until, &fx.arr, NULL, NULL, err);
	bson_destroy(&fx.arr);
	if (won == DB_CLAIM_WON) {
		r = 1;
	} else if (won == DB_CLAIM_LOST) {
		/* the entry changed since the read (left the line): the hold is ours to give
		 * back; the seat stays free for the next */
		bson_error_t uerr;
		if (!slots_unhold(hex, v + 1, &uerr))
			log_warn("waitlist: giving back hold %s:%lld: %s", hex, (long long)(v + 1),
				 uerr.message);
	} else {
		r = -1; /* the offer may be written: the job decides on the hold */
	}
out:
	bson_destroy(e);
	return r;
}

long waitlist_fill_slot(int64_t start, int64_t end)
{
	if (start < time_now_ms() + lead_ms())
		return 0; /* offers stop once the slot is inside the lead time */
	bson_error_t err;
	struct line *l = malloc(sizeof(*l));
	if (!l)
		abort();
	long offered = 0;
	bool full[SLOT_CLASS_COUNT] = {false, false};
	if (!read_line(start, l, &err)) {
		offered = -1;
		goto out;
	}
	for (int i = 0; i < l->n; i++) {
		if (full[l->cls[i]])
			continue;
		int r = offer_one(&l->id[i], start, end, &err);
		if (r < 0) {
			offered = -1;
			goto out;
		}
		if (r == 1)
			offered++;
		else if (r == 2)
			full[l->cls[i]] = true;
		if (full[SLOT_CLASS_STANDARD] && full[SLOT_CLASS_SPECIAL])
			break;
	}
out:
	if (offered < 0)
		log_warn("waitlist: offering the seats of a slot failed: %s", err.message);
	free(l);
	return offered;
}

static long fill_lines(int64_t now_ms, bson_error_t *err)
{
	/* the distinct slots with a line, from the entries waiting on future slots */
	bson_t *q = BCON_NEW("status", BCON_UTF8("waiting"), "start", "{", "$gte",
			     BCON_DATE_TIME(now_ms + lead_ms()), "}");
	bson_t *opts = BCON_NEW("projection", "{", "start", BCON_INT32(1), "end", BCON_INT32(1),
				"}", "sort", "{", "start", BCON_INT32(1), "}");
	mongoc_cursor_t *cur = mongoc_collection_find_with_opts(db_coll(ENTRIES), q, opts, NULL);
	const bson_t *doc;
	int64_t last = -1;
	long offered = 0;
	while (mongoc_cursor_next(cur, &doc)) {
		int64_t s = int_of(doc, "start", -1), e = int_of(doc, "end", -1);
		if (s == last)
			continue;
		last = s;
		long n = waitlist_fill_slot(s, e);
		if (n > 0)
			offered += n;
	}
	bool ok = !mongoc_cursor_error(cur, err);
	mongoc_cursor_destroy(cur);
	bson_destroy(opts);
	bson_destroy(q);
	return ok ? offered : -1;
}

/* ------------------------------------------------------------------ resident actions */

/* Claims one of the request's places for entry `entry_id` in the slot starting at
 * `start`: WL_OK, WL_ALREADY, WL_LIMIT or WL_DB_ERROR. */
static enum wl_result take_place(const bson_oid_t *request_id, const bson_oid_t *entry_id,
				 int64_t start, bson_error_t *err)
{
	char rhex[25];
	bson_oid_to_string(request_id, rhex);
	for (int k = 0; k < WAITLIST_MAX_PER_REQUEST; k++) {
		char key[40];
		snprintf(key, sizeof(key), "%s:%d", rhex, k);
		bson_t *p = BCON_NEW("_id", BCON_UTF8(key), "request_id", BCON_OID(request_id),
				     "start", BCON_DATE_TIME(start), "entry_id", BCON_OID(entry_id),
				     "created_at", BCON_DATE_TIME(time_now_ms()));
		enum db_claim_result r = db_claim(PLACES, p, err);
		bson_destroy(p);
		if (r == DB_CLAIM_WON)
			return WL_OK;
		if (r == DB_CLAIM_ERROR)
			return WL_DB_ERROR;
	}
	/* every place taken: one of them by this slot (the unique {request_id, start}), or
	 * by three others */
	bson_t *q = BCON_NEW("request_id", BCON_OID(request_id), "start", BCON_DATE_TIME(start));
	int64_t n = mongoc_collection_count_documents(db_coll(PLACES), q, NULL, NULL, NULL, err);
	bson_destroy(q);
	return n < 0 ? WL_DB_ERROR : n > 0 ? WL_ALREADY : WL_LIMIT;
}

/* Whether the request (its document) could book [start, end) itself now: WL_OK, or why
 * not. */
static enum wl_result joinable(const bson_t *req, int64_t start, int64_t end, bson_error_t *err)
{
	int st = requests_status_parse(str_of(req, "status"));
	if (st != RS_SUBMITTED && st != RS_PENDING_REVIEW && st != RS_SCHEDULED)
		return WL_INVALID;
	if (int_of(req, "assigned_slot.start", -1) == start)
		return WL_BOOKED_THERE;
	const char *cat = str_of(req, "category");
	int offered = slots_is_offered_store(cat, start, end, true, err);
	if (offered <= 0)
		return offered < 0 ? WL_DB_ERROR : WL_NOT_AVAILABLE;
	int capacity = 0;
	long booked = 0;
	int f = slots_seats(cat, start, end, &capacity, &booked, err);
	if (f <= 0)
		return f < 0 ? WL_DB_ERROR : WL_NOT_AVAILABLE;
	return booked < capacity ? WL_HAS_ROOM : WL_OK;
}

static long position_of(const char *cls, int64_t start, int64_t joined, bson_error_t *err)
{
	bson_t *q = BCON_NEW("start", BCON_DATE_TIME(start), "status", BCON_UTF8("waiting"), "cls",
			     BCON_UTF8(cls), "joined_at", "{", "$lt", BCON_DATE_TIME(joined), "}");
	int64_t n = mongoc_collection_count_documents(db_coll(ENTRIES), q, NULL, NULL, NULL, err);
	bson_destroy(q);
	return n < 0 ? -1 : (long)n + 1;
}

/* Writes entry `id` (version 1, JOINED) of the request `req` for [start, end). */
static enum wl_result create_entry(const bson_oid_t *id, const bson_t *req, int64_t start,
				   int64_t end, int64_t now, bson_error_t *err)
{
	bson_oid_t request, user;
	oid_of(req, "_id", &request);
	oid_of(req, "user_id", &user);
	char uhex[25];
	bson_oid_to_string(&user, uhex);
	const char *cat = str_of(req, "category");
	bson_t set = BSON_INITIALIZER, data = BSON_INITIALIZER;
	BSON_APPEND_UTF8(&set, "status", "waiting");
	BSON_APPEND_UTF8(&data, "to", "waiting");
	struct changelog_change c = {.type = "JOINED",
				     .at = now,
				     .by_id = uhex,
				     .by_role = "citizen",
				     .data = &data,
				     .set = &set};
	enum db_claim_result won = changelog_claim(&entry_log, id, 1, &c, NULL, err);
	bson_destroy(&set);
	bson_destroy(&data);
	if (won != DB_CLAIM_WON)
		return WL_DB_ERROR; /* a fresh ObjectId: a duplicate is an error too */
	bson_t doc = BSON_INITIALIZER, tl;
	BSON_APPEND_OID(&doc, "_id", id);
	BSON_APPEND_OID(&doc, "request_id", &request);
	BSON_APPEND_OID(&doc, "user_id", &user);
	BSON_APPEND_UTF8(&doc, "category", cat);
	BSON_APPEND_UTF8(&doc, "cls", slots_capacity_class(cat));
	BSON_APPEND_DATE_TIME(&doc, "start", start);
	BSON_APPEND_DATE_TIME(&doc, "end", end);
	BSON_APPEND_UTF8(&doc, "status", "waiting");
	BSON_APPEND_DATE_TIME(&doc, "joined_at", now);
	BSON_APPEND_NULL(&doc, "offer");
	BSON_APPEND_INT64(&doc, "version", 1);
	BSON_APPEND_ARRAY_BEGIN(&doc, "timeline", &tl);
	bson_append_array_end(&doc, &tl);
	BSON_APPEND_DATE_TIME(&doc, "created_at", now);
	BSON_APPEND_DATE_TIME(&doc, "updated_at", now);
	bool ok = mongoc_collection_insert_one(db_coll(ENTRIES), &doc, NULL, NULL, err);
	if (ok)
		read_mark_bump_owner(&doc); /* the request's detail shows it */
	bson_destroy(&doc);
	return ok ? WL_OK : WL_DB_ERROR;
}

static enum wl_result join_line(const bson_oid_t *request_id, const bson_oid_t *owner,
				int64_t start, int64_t end, long *position, bson_error_t *err)
{
	bson_t *req = requests_load(request_id, owner, err);
	if (!req)
		return err->code ? WL_DB_ERROR : WL_NOT_FOUND;
	enum wl_result r = joinable(req, start, end, err);
	bson_oid_t id;
	bson_oid_init(&id, NULL);
	int64_t now = time_now_ms();
	if (r == WL_OK)
		r = take_place(request_id, &id, start, err);
	if (r == WL_OK) {
		r = create_entry(&id, req, start, end, now, err);
		if (r != WL_OK) { /* the place goes back; the entry was never visible */
			bson_error_t derr;
			bson_t *q = BCON_NEW("entry_id", BCON_OID(&id));
			if (!mongoc_collection_delete_one(db_coll(PLACES), q, NULL, NULL, &derr))
				log_warn("waitlist: giving back a place: %s", derr.message);
			bson_destroy(q);
		}
	}
	if (r == WL_OK) {
		*position =
		    position_of(slots_capacity_class(str_of(req, "category")), start, now, err);
		if (*position < 0)
			r = WL_DB_ERROR;
	}
	bson_destroy(req);
	return r;
}

/* The request's entry (owned, rolled forward) waiting or offered: on the slot starting
 * at `start`, or with start < 0 the one holding an offer. NULL with err->code 0 when none. */
static bson_t *active_entry(const bson_oid_t *request_id, const bson_oid_t *owner, int64_t start,
			    bson_oid_t *id_out, bson_error_t *err)
{
	bson_t *q = BCON_NEW("request_id", BCON_OID(request_id), "status", "{", "$in", "[",
			     BCON_UTF8("waiting"), BCON_UTF8("offered"), "]", "}");
	mongoc_cursor_t *cur = mongoc_collection_find_with_opts(db_coll(ENTRIES), q, NULL, NULL);
	const bson_t *doc;
	bson_oid_t ids[16];
	int n = 0;
	while (n < 16 && mongoc_cursor_next(cur, &doc))
		if ((start < 0 || int_of(doc, "start", -1) == start) && oid_of(doc, "_id", &ids[n]))
			n++;
	bool failed = mongoc_cursor_error(cur, err);
	mongoc_cursor_destroy(cur);
	bson_destroy(q);
	if (failed)
		return NULL;
	memset(err, 0, sizeof(*err));
	for (int i = 0; i < n; i++) {
		bson_t *e = changelog_load(&entry_log, &ids[i], owner, false, err);
		if (!e && err->code)
			return NULL;
		if (e && (status_is(e, "offered") || (start >= 0 && status_is(e, "waiting")))) {
			bson_oid_copy(&ids[i], id_out);
			return e;
		}
		bson_destroy(e);
	}
	memset(err, 0, sizeof(*err));
	return NULL;
}

static enum wl_result leave_line(const bson_oid_t *request_id, const bson_oid_t *owner,
				 int64_t start, bson_error_t *err)
{
	bson_oid_t id;
	bson_t *e = active_entry(request_id, owner, start, &id, err);
	if (!e)
		return err->code ? WL_DB_ERROR : WL_NOT_FOUND;
	char uhex[25];
	bson_oid_to_string(owner, uhex);
	struct fx fx = {.n = 0};
	bson_init(&fx.arr);
	fx_leave(&fx, e);
	enum db_claim_result r = change(&id, e, "LEFT", "left", 0, &fx.arr, uhex, "citizen", err);
	bson_destroy(&fx.arr);
	bson_destroy(e);
	return r == DB_CLAIM_WON ? WL_OK : r == DB_CLAIM_LOST ? WL_CONFLICT : WL_DB_ERROR;
}

static enum wl_result decline_offer(const bson_oid_t *request_id, const bson_oid_t *owner,
				    bson_error_t *err)
{
	bson_oid_t id;
	bson_t *e = active_entry(request_id, owner, -1, &id, err);
	if (!e)
		return err->code ? WL_DB_ERROR : WL_NO_OFFER;
	char uhex[25];
	bson_oid_to_string(owner, uhex);
	struct fx fx = {.n = 0};
	bson_init(&fx.arr);
	fx_leave(&fx, e);
	enum db_claim_result r =
	    change(&id, e, "DECLINED", "declined", 0, &fx.arr, uhex, "citizen", err);
	bson_destroy(&fx.arr);
	bson_destroy(e);
	return r == DB_CLAIM_WON ? WL_OK : r == DB_CLAIM_LOST ? WL_OFFER_GONE : WL_DB_ERROR;
}

/* Whether the request can take the offer of `entry` now: WL_OK or why not. */
static enum wl_result acceptable(const bson_oid_t *request_id, const bson_oid_t *owner,
				 const bson_t *entry, bson_error_t *err)
{
	int64_t now = time_now_ms();
	if (int_of(entry, "offer.until", 0) <= now)
		return WL_OFFER_GONE;
	bson_t *req = requests_load(request_id, owner, err);
	if (!req)
		return err->code ? WL_DB_ERROR : WL_NOT_FOUND;
	int st = requests_status_parse(str_of(req, "status"));
	int64_t old = int_of(req, "assigned_slot.start", -1);
	int64_t min_ms = (int64_t)config_get()->cancel_min_hours * 3600 * 1000;
	enum wl_result r = WL_OK;
	if (st != RS_SUBMITTED && st != RS_PENDING_REVIEW && st != RS_SCHEDULED)
		r = WL_INVALID;
	else if (st == RS_SCHEDULED && old >= 0 && old - now < min_ms)
		r = WL_TOO_LATE;
	bson_destroy(req);
	return r;
}

static enum wl_result accept_offer(const bson_oid_t *request_id, const bson_oid_t *owner,
				   bson_error_t *err)
{
	bson_oid_t id;
	bson_t *e = active_entry(request_id, owner, -1, &id, err);
	if (!e)
		return err->code ? WL_DB_ERROR : WL_NO_OFFER;
	enum wl_result r = acceptable(request_id, owner, e, err);
	if (r != WL_OK) {
		bson_destroy(e);
		return r;
	}
	char uhex[25];
	bson_oid_to_string(owner, uhex);
	struct fx fx = {.n = 0};
	bson_init(&fx.arr);
	bson_t d;
	fx_begin(&fx, &d, "unplace");
	bson_append_document_end(&fx.arr, &d);
	fx_begin(&fx, &d, "book");
	bson_append_document_end(&fx.arr, &d);
	/* the ACCEPTED change keeps the offer (its version names the hold now booked) */
	enum db_claim_result won =
	    change(&id, e, "ACCEPTED", "accepted", 0, &fx.arr, uhex, "citizen", err);
	bson_destroy(&fx.arr);
	bson_destroy(e);
	return won == DB_CLAIM_WON ? WL_OK : won == DB_CLAIM_LOST ? WL_OFFER_GONE : WL_DB_ERROR;
}

/* ------------------------------------------------------------------ views */

static bool view_of_request(const bson_oid_t *request_id, struct wl_view *out, bson_error_t *err)
{
	bson_t *q = BCON_NEW("request_id", BCON_OID(request_id), "status", "{", "$in", "[",
			     BCON_UTF8("waiting"), BCON_UTF8("offered"), "]", "}");
	mongoc_cursor_t *cur = mongoc_collection_find_with_opts(db_coll(ENTRIES), q, NULL, NULL);
	const bson_t *doc;
	size_t cap = 0;
	bool ok = true;
	memset(out, 0, sizeof(*out));
	while (ok && mongoc_cursor_next(cur, &doc)) {
		if (out->n == cap) {
			cap = cap ? 2 * cap : 4;
			out->v = realloc(out->v, cap * sizeof(*out->v));
			if (!out->v)
				abort();
		}
		struct wl_place *p = &out->v[out->n++];
		memset(p, 0, sizeof(*p));
		bson_oid_t id;
		if (oid_of(doc, "_id", &id))
			bson_oid_to_string(&id, p->id);
		p->start = int_of(doc, "start", 0), p->end = int_of(doc, "end", 0);
		p->offered = status_is(doc, "offered");
		p->position = -1;
		if (!p->offered) {
			const char *cls = str_of(doc, "cls");
			p->position =
			    position_of(cls ? cls : "", p->start, int_of(doc, "joined_at", 0), err);
			ok = p->position >= 0;
		}
		p->offer_until = p->offered ? int_of(doc, "offer.until", 0) : -1;
	}
	if (ok && mongoc_cursor_error(cur, err))
		ok = false;
	mongoc_cursor_destroy(cur);
	bson_destroy(q);
	if (!ok)
		waitlist_view_free(out);
	return ok;
}

void waitlist_view_free(struct wl_view *v)
{
	free(v->v);
	v->v = NULL;
	v->n = 0;
}

/* ------------------------------------------------------------------ the job */

/* Expires the offers lapsed before now_ms. */
static bool expire_offers(int64_t now_ms, struct wl_sweep *rep, bson_error_t *err)
{
	bson_t *q = BCON_NEW("status", BCON_UTF8("offered"), "offer.until", "{", "$lte",
			     BCON_DATE_TIME(now_ms), "}");
	bson_t *opts = BCON_NEW("projection", "{", "_id", BCON_INT32(1), "}");
	mongoc_cursor_t *cur = mongoc_collection_find_with_opts(db_coll(ENTRIES), q, opts, NULL);
	const bson_t *doc;
	while (mongoc_cursor_next(cur, &doc)) {
		bson_oid_t id;
		bson_error_t e;
		if (!oid_of(doc, "_id", &id))
			continue;
		bson_t *entry = changelog_load(&entry_log, &id, NULL, false, &e);
		if (!entry) {
			rep->failures += e.code != 0;
			continue;
		}
		if (status_is(entry, "offered") && int_of(entry, "offer.until", 0) <= now_ms) {
			struct fx fx = {.n = 0};
			bson_init(&fx.arr);
			fx_leave(&fx, entry);
			enum db_claim_result r =
			    change(&id, entry, "EXPIRED", "expired", 0, &fx.arr, NULL, NULL, &e);
			bson_destroy(&fx.arr);
			if (r == DB_CLAIM_WON)
				rep->expired++;
			else if (r == DB_CLAIM_ERROR)
				rep->failures++;
		}
		bson_destroy(entry);
	}
	bool ok = !mongoc_cursor_error(cur, err);
	mongoc_cursor_destroy(cur);
	bson_destroy(opts);
	bson_destroy(q);
	return ok;
}

/* Decides on hold `hold_version` of entry `hex` (lapsed more than the grace ago): kept
 * while it is the entry's offer or its booking, else given back; an offer not written
 * yet is made impossible first by a VOID change taking its version. */
static void settle_hold(const char *hex, int64_t hold_version, struct wl_sweep *rep)
{
	bson_oid_t id;
	bson_error_t e;
	if (!db_parse_oid(hex, &id))
		return;
	bson_t *entry = changelog_load(&entry_log, &id, NULL, false, &e);
	if (!entry && e.code) {
		rep->failures++;
		return;
	}
	bool mine = entry && int_of(entry, "offer.version", -1) == hold_version;
	if (mine && (status_is(entry, "offered") || status_is(entry, "accepted"))) {
		bson_destroy(entry); /* the offer (expired by expire_offers) or a booking */
		return;
	}
	if (entry && changelog_version(entry) < hold_version) {
		/* the hold was made for the entry's next version: a VOID change takes it, so
		 * its offer can never be written, however late its process comes */
		enum db_claim_result r = change(&id, entry, "VOID", NULL, 0, NULL, NULL, NULL, &e);
		if (r != DB_CLAIM_WON) {
			rep->failures += r == DB_CLAIM_ERROR;
			bson_destroy(entry);
			return; /* decided by the event that won: next run */
		}
	}
	bson_destroy(entry);
	if (slots_unhold(hex, hold_version, &e))
		rep->orphan_holds++;
	else
		rep->failures++;
}

static bool orphan_holds(int64_t now_ms, int64_t grace_ms, struct wl_sweep *rep, bson_error_t *err)
{
	bson_t *q = BCON_NEW("hold_until", "{", "$lte", BCON_DATE_TIME(now_ms - grace_ms), "}");
	mongoc_cursor_t *cur =
	    mongoc_collection_find_with_opts(db_coll("slot_claims"), q, NULL, NULL);
	const bson_t *doc;
	struct hold {
		char hex[25];
		int64_t version;
	} *holds = NULL;
	size_t n = 0, cap = 0;
	while (mongoc_cursor_next(cur, &doc)) {
		const char *hex = str_of(doc, "hold");
		if (!hex || strlen(hex) != 24)
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 16;
			holds = realloc(holds, cap * sizeof(*holds));
			if (!holds)
				abort();
		}
		snprintf(holds[n].hex, sizeof(holds[n].hex), "%s", hex);
		holds[n++].version = int_of(doc, "hold_version", 0);
	}
	bool ok = !mongoc_cursor_error(cur, err);
	mongoc_cursor_destroy(cur);
	bson_destroy(q);
	for (size_t i = 0; ok && i < n; i++)
		settle_hold(holds[i].hex, holds[i].version, rep);
	free(holds);
	return ok;
}

static void count_settled(const bson_t *ev, const bson_error_t *fail, void *ctx)
{
	(void)ev;
	struct wl_sweep *rep = ctx;
	if (fail)
		rep->failures++;
}

static bool sweep_all(int64_t now_ms, int64_t grace_ms, struct wl_sweep *rep, bson_error_t *err)
{
	memset(rep, 0, sizeof(*rep));
	if (!expire_offers(now_ms, rep, err) || !orphan_holds(now_ms, grace_ms, rep, err))
		return false;
	long settled = changelog_sweep(&entry_log, now_ms, grace_ms, count_settled, rep, err);
	if (settled < 0)
		return false;
	rep->settled = settled;
	long offers = fill_lines(now_ms, err);
	if (offers < 0)
		return false;
	rep->offers = offers;
	return true;
}

/* ------------------------------------------------------------------ the boundary */

/* The public functions: the domain's ids and error type around the driver's. */

static bson_oid_t boid(const struct oid *id)
{
	bson_oid_t b;
	oid_to_store(id, &b);
	return b;
}

/* `r`, with the store error `e` of a WL_DB_ERROR in `err`. */
static enum wl_result result(enum wl_result r, const bson_error_t *e, struct derr *err)
{
	if (r == WL_DB_ERROR)
		derr_from_store(err, e);
	return r;
}

enum wl_result waitlist_join(const struct oid *request_id, const struct oid *owner, int64_t start,
			     int64_t end, long *position, struct derr *err)
{
	bson_oid_t r = boid(request_id), o = boid(owner);
	bson_error_t e = {0};
	return result(join_line(&r, &o, start, end, position, &e), &e, err);
}

enum wl_result waitlist_leave(const struct oid *request_id, const struct oid *owner, int64_t start,
			      struct derr *err)
{
	bson_oid_t r = boid(request_id), o = boid(owner);
	bson_error_t e = {0};
	return result(leave_line(&r, &o, start, &e), &e, err);
}

enum wl_result waitlist_accept(const struct oid *request_id, const struct oid *owner,
			       struct derr *err)
{
	bson_oid_t r = boid(request_id), o = boid(owner);
	bson_error_t e = {0};
	return result(accept_offer(&r, &o, &e), &e, err);
}

enum wl_result waitlist_decline(const struct oid *request_id, const struct oid *owner,
				struct derr *err)
{
	bson_oid_t r = boid(request_id), o = boid(owner);
	bson_error_t e = {0};
	return result(decline_offer(&r, &o, &e), &e, err);
}

long waitlist_fill_due(int64_t now_ms, struct derr *err)
{
	bson_error_t e = {0};
	long n = fill_lines(now_ms, &e);
	if (n < 0)
		derr_from_store(err, &e);
	return n;
}

bool waitlist_of_request(const struct oid *request_id, struct wl_view *out, struct derr *err)
{
	bson_oid_t r = boid(request_id);
	bson_error_t e = {0};
	bool ok = view_of_request(&r, out, &e);
	if (!ok)
		derr_from_store(err, &e);
	return ok;
}

bool waitlist_sweep(int64_t now_ms, int64_t grace_ms, struct wl_sweep *rep, struct derr *err)
{
	bson_error_t e = {0};
	bool ok = sweep_all(now_ms, grace_ms, rep, &e);
	if (!ok)
		derr_from_store(err, &e);
	return ok;
}
