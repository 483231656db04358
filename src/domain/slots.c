/* The database side of the slots module: template and overrides, seat claims and the
 * day views (availability, staff calendar).
 *
 * Seats: a booking is a document in slot_claims with _id "<class>:<start_ms>:<seat_no>",
 * seat_no in 0..capacity-1. Inserting it is the claim (db_claim); a lost claim means the
 * seat is taken and the next one is tried. Only unique inserts are atomic on FerretDB
 * (its findAndModify/update re-read nothing at write time), so capacity is never decided
 * by a counter. A unique index {request_id, start} keeps one request from holding two
 * seats of one slot. Seats numbered at or above a lowered capacity are never handed out;
 * bookings already made keep theirs. A claim also records `version`, the change of the
 * request it was made for: deletes name it, so they take only the claim they mean. */
#include "domain/internal/slots_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/read_marks.h"
#include "domain/session_cache.h"
#include "infra/config.h"
#include "infra/db.h"
#include "infra/jsonx.h"
#include "infra/log.h"
#include "infra/timeutil.h"

#define TEMPLATES  "slot_templates"
#define OVERRIDES  "slot_overrides"
#define CLAIMS	   "slot_claims"
#define MIGRATIONS "migrations"

/* `day`: the local date (SERVICE_TZ) a claim's slot starts on, "YYYY-MM-DD": the key the day
 * views read claims by. */
static void append_day(bson_t *claim, int64_t start_ms)
{
	int y, m, d;
	slots_local_date(start_ms, &y, &m, &d);
	char day[16];
	snprintf(day, sizeof(day), "%04d-%02d-%02d", y, m, d);
	BSON_APPEND_UTF8(claim, "day", day);
}

/* ---- the per-process copy of the template and the overrides ----
 * Both are small and written only by admins, yet every availability and booking read them:
 * a worker keeps them while session_cache_epoch() does not move (their writers announce
 * each change through session_cache_changed, so every worker of this node re-reads at its
 * next request and other nodes within a second). */

static struct {
	bool have_template;
	uint64_t template_epoch;
	struct slot_template template;
	bool have_overrides;
	uint64_t overrides_epoch;
	struct slot_override *overrides;
	size_t noverrides;
} cache;

static void cache_forget(void)
{
	cache.have_template = cache.have_overrides = false;
	free(cache.overrides);
	cache.overrides = NULL;
	cache.noverrides = 0;
}

/* After a write of the template or overrides: this process forgets, the others follow;
 * cached availability (keyed by the seat map's mark and this epoch) is rebuilt. */
static void announce_change(void)
{
	cache_forget();
	struct derr err;
	if (!session_cache_changed(NULL, NULL, &err))
		log_warn("slot settings changed, other nodes see it within a minute: %s",
			 err.message);
	read_mark_bump_slots();
}

static bool template_read(struct slot_template *t, bson_error_t *err);

/* ---- template ---- */

static bool st_template_load(struct slot_template *t, bson_error_t *err)
{
	uint64_t e = session_cache_epoch();
	if (cache.have_template && cache.template_epoch == e) {
		*t = cache.template;
		return true;
	}
	db_trace_upkeep(true); /* a reload after an epoch move falls on any request */
	bool ok = template_read(t, err);
	db_trace_upkeep(false);
	if (!ok)
		return false;
	cache.template = *t;
	cache.template_epoch = e;
	cache.have_template = true;
	return true;
}

static bool template_read(struct slot_template *t, bson_error_t *err)
{
	bson_t *q = BCON_NEW("_id", BCON_UTF8("default"));
	mongoc_cursor_t *cur = mongoc_collection_find_with_opts(db_coll(TEMPLATES), q, NULL, NULL);
	const bson_t *doc;
	bool found = false, ok = true;
	if (mongoc_cursor_next(cur, &doc)) {
		found = true;
		char *js = bson_as_relaxed_extended_json(doc, NULL);
		json_object *o = js ? json_tokener_parse(js) : NULL;
		bson_free(js);
		if (o) {
			json_object_object_del(o, "_id");
			json_object_object_del(o, "updated_at");
		}
		struct verrors e;
		verr_init(&e);
		if (!o || !slots_template_from_json(o, "slot_templates", t, &e)) {
			/* A broken stored template must not take the service down: log it and
			 * serve the default. */
			char *msg = e.list ? jsonx_dump(e.list) : NULL;
			log_error("stored slot template is invalid (%s); using the default",
				  msg ? msg : "not an object");
			free(msg);
			found = false;
		}
		verr_free(&e);
		json_object_put(o);
	}
	if (mongoc_cursor_error(cur, err))
		ok = false;
	mongoc_cursor_destroy(cur);
	bson_destroy(q);
	if (ok && !found)
		slots_template_default(t);
	return ok;
}

static bson_t *template_bson(const struct slot_template *t, bson_error_t *err)
{
	json_object *o = slots_template_to_json(t, config_get()->service_tz);
	const char *js = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	bson_t *b = bson_new_from_json((const uint8_t *)js, -1, err);
	json_object_put(o);
	if (b) {
		BSON_APPEND_DATE_TIME(b, "updated_at", time_now_ms());
	}
	return b;
}

static bool st_template_save(const struct slot_template *t, bson_error_t *err)
{
	bson_t *doc = template_bson(t, err);
	if (!doc)
		return false;
	bson_t *q = BCON_NEW("_id", BCON_UTF8("default"));
	bson_t *opts = BCON_NEW("upsert", BCON_BOOL(true));
	bool ok = mongoc_collection_replace_one(db_coll(TEMPLATES), q, doc, opts, NULL, err);
	bson_destroy(opts);
	bson_destroy(q);
	bson_destroy(doc);
	if (ok)
		announce_change();
	return ok;
}

static bool st_seed_default(bool *inserted, bson_error_t *err)
{
	if (inserted)
		*inserted = false;
	struct slot_template t;
	slots_template_default(&t);
	bson_t *doc = template_bson(&t, err);
	if (!doc)
		return false;
	BSON_APPEND_UTF8(doc, "_id", "default");
	enum db_claim_result r = db_claim(TEMPLATES, doc, err);
	bson_destroy(doc);
	if (r == DB_CLAIM_LOST)
		return true; /* already there: the seed never overwrites an admin's template */
	if (r == DB_CLAIM_WON && inserted)
		*inserted = true;
	if (r == DB_CLAIM_WON)
		announce_change();
	return r == DB_CLAIM_WON;
}

/* ---- overrides ---- */

static int64_t bson_int(const bson_t *doc, const char *key, int64_t def)
{
	bson_iter_t it;
	if (!bson_iter_init_find(&it, doc, key))
		return def;
	if (BSON_ITER_HOLDS_INT32(&it) || BSON_ITER_HOLDS_INT64(&it) || BSON_ITER_HOLDS_DOUBLE(&it))
		return bson_iter_as_int64(&it);
	return def;
}

static const char *bson_str(const bson_t *doc, const char *key)
{
	bson_iter_t it;
	if (bson_iter_init_find(&it, doc, key) && BSON_ITER_HOLDS_UTF8(&it))
		return bson_iter_utf8(&it, NULL);
	return NULL;
}

static int64_t bson_date(const bson_t *doc, const char *key, int64_t def)
{
	bson_iter_t it;
	if (bson_iter_init_find(&it, doc, key) && BSON_ITER_HOLDS_DATE_TIME(&it))
		return bson_iter_date_time(&it);
	return def;
}

static bool bson_oid_hex(const bson_t *doc, const char *key, char out[25])
{
	bson_iter_t it;
	out[0] = '\0';
	if (bson_iter_init_find(&it, doc, key) && BSON_ITER_HOLDS_OID(&it)) {
		bson_oid_to_string(bson_iter_oid(&it), out);
		return true;
	}
	return false;
}

static bool overrides_read(int64_t from_day, int64_t to_day, struct slot_override **out, size_t *n,
			   bson_error_t *err);

/* Every override, oldest first, from the cache (read whole on a miss), then the ones that
 * overlap [from_day, to_day] copied out in that order. */
static bool st_overrides_load(int64_t from_day, int64_t to_day, struct slot_override **out,
			      size_t *n, bson_error_t *err)
{
	uint64_t e = session_cache_epoch();
	if (!cache.have_overrides || cache.overrides_epoch != e) {
		struct slot_override *all;
		size_t nall;
		db_trace_upkeep(true);
		bool ok = overrides_read(INT64_MIN, INT64_MAX, &all, &nall, err);
		db_trace_upkeep(false);
		if (!ok)
			return false;
		free(cache.overrides);
		cache.overrides = all;
		cache.noverrides = nall;
		cache.overrides_epoch = e;
		cache.have_overrides = true;
	}
	*out = NULL;
	*n = 0;
	if (cache.noverrides == 0)
		return true;
	*out = malloc(cache.noverrides * sizeof(**out));
	if (!*out)
		abort();
	for (size_t i = 0; i < cache.noverrides; i++)
		if (cache.overrides[i].from_day <= to_day && cache.overrides[i].to_day >= from_day)
			(*out)[(*n)++] = cache.overrides[i];
	return true;
}

static bool overrides_read(int64_t from_day, int64_t to_day, struct slot_override **out, size_t *n,
			   bson_error_t *err)
{
	*out = NULL;
	*n = 0;
	bson_t *q = BCON_NEW("from_day", "{", "$lte", BCON_INT64(to_day), "}", "to_day", "{",
			     "$gte", BCON_INT64(from_day), "}");
	/* Oldest first, so the most recent override wins (slots_grid_day applies them in
	 * order). Not by _id alone: ObjectIds made in one second by different worker
	 * processes order by their random process part, not by time. */
	bson_t *opts =
	    BCON_NEW("sort", "{", "created_at", BCON_INT32(1), "_id", BCON_INT32(1), "}");
	mongoc_cursor_t *cur = mongoc_collection_find_with_opts(db_coll(OVERRIDES), q, opts, NULL);
	const bson_t *doc;
	size_t cap = 0;
	while (mongoc_cursor_next(cur, &doc)) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 8;
			*out = realloc(*out, cap * sizeof(**out));
			if (!*out)
				abort();
		}
		struct slot_override *o = &(*out)[(*n)++];
		memset(o, 0, sizeof(*o));
		bson_oid_hex(doc, "_id", o->id);
		o->from_day = bson_int(doc, "from_day", 0);
		o->to_day = bson_int(doc, "to_day", -1);
		const char *cls = bson_str(doc, "capacity_class");
		o->cls = cls ? slots_class_parse(cls) : -1;
		o->capacity = (int)bson_int(doc, "capacity", -1);
		bson_iter_t it;
		o->closed = bson_iter_init_find(&it, doc, "closed") && BSON_ITER_HOLDS_BOOL(&it) &&
			    bson_iter_bool(&it);
		o->created_ms = bson_date(doc, "created_at", 0);
	}
	bool ok = !mongoc_cursor_error(cur, err);
	mongoc_cursor_destroy(cur);
	bson_destroy(opts);
	bson_destroy(q);
	if (!ok) {
		free(*out);
		*out = NULL;
		*n = 0;
	}
	return ok;
}

static bool st_override_create(struct slot_override *o, bson_error_t *err)
{
	bson_oid_t oid;
	bson_oid_init(&oid, NULL);
	bson_oid_to_string(&oid, o->id);
	o->created_ms = time_now_ms();
	char from[SLOTS_DATE_LEN], to[SLOTS_DATE_LEN];
	slots_day_string(o->from_day, from);
	slots_day_string(o->to_day, to);
	bson_t doc = BSON_INITIALIZER;
	BSON_APPEND_OID(&doc, "_id", &oid);
	BSON_APPEND_UTF8(&doc, "from", from);
	BSON_APPEND_UTF8(&doc, "to", to);
	BSON_APPEND_INT64(&doc, "from_day", o->from_day);
	BSON_APPEND_INT64(&doc, "to_day", o->to_day);
	if (o->cls >= 0)
		BSON_APPEND_UTF8(&doc, "capacity_class", slots_class_name(o->cls));
	else
		BSON_APPEND_NULL(&doc, "capacity_class");
	if (o->capacity >= 0)
		BSON_APPEND_INT32(&doc, "capacity", o->capacity);
	else
		BSON_APPEND_NULL(&doc, "capacity");
	BSON_APPEND_BOOL(&doc, "closed", o->closed);
	BSON_APPEND_DATE_TIME(&doc, "created_at", o->created_ms);
	bool ok = mongoc_collection_insert_one(db_coll(OVERRIDES), &doc, NULL, NULL, err);
	bson_destroy(&doc);
	if (ok)
		announce_change();
	return ok;
}

static int st_override_delete(const bson_oid_t *id, bson_error_t *err)
{
	bson_t *q = BCON_NEW("_id", BCON_OID(id));
	bson_t reply;
	bool ok = mongoc_collection_delete_one(db_coll(OVERRIDES), q, NULL, &reply, err);
	int64_t deleted = ok ? bson_int(&reply, "deletedCount", 0) : 0;
	bson_destroy(&reply);
	bson_destroy(q);
	if (!ok)
		return -1;
	if (deleted > 0)
		announce_change();
	return deleted > 0 ? 1 : 0;
}

/* ---- claims ---- */

static int64_t lead_ms(void)
{
	return (int64_t)config_get()->slot_lead_hours * 3600 * 1000;
}

static bool in_window(int64_t start_ms, int64_t now_ms)
{
	return slots_in_booking_window(start_ms, now_ms, config_get()->slot_booking_window_days);
}

/* The grid of local date y-m-d for `cls` with effective capacity (no seat counts). */
static int grid_for(int cls, int y, int m, int d, struct slot_info *out, int max, bson_error_t *err)
{
	struct slot_template t;
	if (!st_template_load(&t, err))
		return -1;
	const int64_t day = time_days_from_civil(y, m, d);
	struct slot_override *ov;
	size_t nov;
	if (!st_overrides_load(day, day, &ov, &nov, err))
		return -1;
	int n = slots_grid_day(&t, ov, nov, cls, y, m, d, out, max);
	free(ov);
	return n;
}

/* Finds [start_ms, end_ms) in the grid of its local date. 1 found (*slot filled), 0 not on
 * the grid, -1 database error. */
static int find_slot(int cls, int64_t start_ms, int64_t end_ms, struct slot_info *slot,
		     bson_error_t *err)
{
	int y, m, d;
	slots_local_date(start_ms, &y, &m, &d);
	struct slot_info grid[SLOTS_MAX_PER_DAY];
	int n = grid_for(cls, y, m, d, grid, SLOTS_MAX_PER_DAY, err);
	if (n < 0)
		return -1;
	for (int i = 0; i < n; i++)
		if (grid[i].start_ms == start_ms && grid[i].end_ms == end_ms) {
			*slot = grid[i];
			return 1;
		}
	return 0;
}

/* 1 when the request holds a claim in the slot starting at start_ms, 0 not, -1 error. */
static int holds_claim(const bson_oid_t *request_id, int64_t start_ms, bson_error_t *err)
{
	bson_t *q = BCON_NEW("request_id", BCON_OID(request_id), "start", BCON_DATE_TIME(start_ms));
	int64_t n = mongoc_collection_count_documents(db_coll(CLAIMS), q, NULL, NULL, NULL, err);
	bson_destroy(q);
	return n < 0 ? -1 : n > 0;
}

int slots_is_offered_store(const char *category, int64_t start_ms, int64_t end_ms,
			   bool enforce_lead, bson_error_t *err)
{
	int cls = slots_class_of(category);
	if (cls < 0 || end_ms <= start_ms)
		return 0;
	int64_t now = time_now_ms();
	if (start_ms <= now || (enforce_lead && start_ms < now + lead_ms()) ||
	    !in_window(start_ms, now))
		return 0;
	struct slot_info slot;
	int f = find_slot(cls, start_ms, end_ms, &slot, err);
	if (f <= 0)
		return f;
	return !slot.closed;
}

/* Deletes the one claim `q` matches; a seat given back bumps the seat map's mark (none when
 * nothing matched: the count did not change). false only on a database error. */
static bool delete_claim(const bson_t *q, bson_error_t *err)
{
	bson_t reply;
	bool ok = mongoc_collection_delete_one(db_coll(CLAIMS), q, NULL, &reply, err);
	bool deleted = ok && bson_int(&reply, "deletedCount", 0) > 0;
	bson_destroy(&reply);
	if (deleted)
		read_mark_bump_slots();
	return ok;
}

/* What a claim document records besides its seat: the change it was made for (a
 * booking), or the waitlist offer holding it (slots_hold). */
struct claim_tag {
	bool hold;
	int64_t version;       /* booking: the request's change */
	const char *hold_of;   /* hold: the waitlist entry (hex) */
	int64_t hold_version;  /* hold: the entry's OFFERED version */
	int64_t hold_until_ms; /* hold: when the offer lapses */
};

static void append_tag(bson_t *claim, const struct claim_tag *tag)
{
	if (!tag->hold) {
		BSON_APPEND_INT64(claim, "version", tag->version);
		return;
	}
	/* No `version`: the seat belongs to no change of the request yet. A release of the
	 * slot by the request takes it (slots_release matches claims without one), the
	 * orphan-seat sweep of requests leaves it (it looks only at versioned claims). */
	BSON_APPEND_UTF8(claim, "hold", tag->hold_of);
	BSON_APPEND_INT64(claim, "hold_version", tag->hold_version);
	BSON_APPEND_DATE_TIME(claim, "hold_until", tag->hold_until_ms);
}

static enum slot_claim_result claim_seat(const bson_oid_t *request_id, const char *category,
					 int64_t start_ms, int64_t end_ms, bool resident,
					 const struct claim_tag *tag, bson_error_t *err);

enum slot_claim_result slots_claim(const bson_oid_t *request_id, const char *category,
				   int64_t start_ms, int64_t end_ms, bool resident, int64_t version,
				   bson_error_t *err)
{
	struct claim_tag tag = {.hold = false, .version = version};
	return claim_seat(request_id, category, start_ms, end_ms, resident, &tag, err);
}

enum slot_claim_result slots_hold(const bson_oid_t *request_id, const char *category,
				  int64_t start_ms, int64_t end_ms, const char *entry_hex,
				  int64_t entry_version, int64_t until_ms, bson_error_t *err)
{
	struct claim_tag tag = {.hold = true,
				.hold_of = entry_hex,
				.hold_version = entry_version,
				.hold_until_ms = until_ms};
	return claim_seat(request_id, category, start_ms, end_ms, true, &tag, err);
}

bool slots_unhold(const char *entry_hex, int64_t entry_version, bson_error_t *err)
{
	bson_t *q =
	    BCON_NEW("hold", BCON_UTF8(entry_hex), "hold_version", BCON_INT64(entry_version));
	bool ok = delete_claim(q, err);
	bson_destroy(q);
	return ok;
}

int slots_seats(const char *category, int64_t start_ms, int64_t end_ms, int *capacity, long *booked,
		bson_error_t *err)
{
	int cls = slots_class_of(category);
	if (cls < 0)
		return 0;
	struct slot_info slot;
	int f = find_slot(cls, start_ms, end_ms, &slot, err);
	if (f <= 0)
		return f;
	*capacity = slot.closed ? 0 : slot.capacity;
	*booked = slots_booked(cls, start_ms, err);
	return *booked < 0 ? -1 : 1;
}

/* What a claim learns from every claim starting at start_ms, read once (FerretDB scans the
 * collection for any filter but _id, so one read serves both questions): whether this
 * request holds one already (any class, like the {request_id, start} index), and the seats
 * of the class taken, to skip them (a hint only: the inserts decide). */
struct seats_seen {
	bool *taken; /* [capacity] */
	int held_total;
	bool held;
};

static bool read_seats(const bson_oid_t *request_id, int cls, int64_t start_ms, int capacity,
		       struct seats_seen *seen, bson_error_t *err)
{
	bson_t *q = BCON_NEW("start", BCON_DATE_TIME(start_ms));
	bson_t *opts = BCON_NEW("projection", "{", "class", BCON_INT32(1), "seat", BCON_INT32(1),
				"request_id", BCON_INT32(1), "}");
	mongoc_cursor_t *cur = mongoc_collection_find_with_opts(db_coll(CLAIMS), q, opts, NULL);
	const bson_t *doc;
	const char *cls_name = slots_class_name(cls);
	while (mongoc_cursor_next(cur, &doc)) {
		bson_iter_t it;
		if (bson_iter_init_find(&it, doc, "request_id") && BSON_ITER_HOLDS_OID(&it) &&
		    bson_oid_equal(bson_iter_oid(&it), request_id))
			seen->held = true;
		const char *c = bson_str(doc, "class");
		if (!c || strcmp(c, cls_name) != 0)
			continue;
		int64_t s = bson_int(doc, "seat", -1);
		if (s >= 0 && s < capacity)
			seen->taken[s] = true;
		seen->held_total++;
	}
	bool ok = !mongoc_cursor_error(cur, err);
	mongoc_cursor_destroy(cur);
	bson_destroy(opts);
	bson_destroy(q);
	return ok;
}

/* The seat `seat` of the slot, claimed by inserting its document (id into `id`). */
static enum db_claim_result insert_seat(const bson_oid_t *request_id, const char *category, int cls,
					int64_t start_ms, int64_t end_ms, int seat,
					const struct claim_tag *tag, char id[96], bson_error_t *err)
{
	snprintf(id, 96, "%s:%lld:%d", slots_class_name(cls), (long long)start_ms, seat);
	bson_t claim = BSON_INITIALIZER;
	BSON_APPEND_UTF8(&claim, "_id", id);
	BSON_APPEND_UTF8(&claim, "class", slots_class_name(cls));
	BSON_APPEND_DATE_TIME(&claim, "start", start_ms);
	BSON_APPEND_DATE_TIME(&claim, "end", end_ms);
	append_day(&claim, start_ms);
	BSON_APPEND_INT32(&claim, "seat", seat);
	BSON_APPEND_OID(&claim, "request_id", request_id);
	append_tag(&claim, tag);
	BSON_APPEND_UTF8(&claim, "category", category);
	BSON_APPEND_DATE_TIME(&claim, "created_at", time_now_ms());
	enum db_claim_result won = db_claim(CLAIMS, &claim, err);
	bson_destroy(&claim);
	return won;
}

/* After winning seat `id`: seats are numbered below the capacity, so without bookings kept
 * above a lowered capacity the seat itself bounds the count. Those kept bookings do not
 * block a low seat number, hence this check after the insert: when the slot now holds more
 * claims than its capacity, back off. Of racers that overshoot, the last to insert always
 * sees every earlier claim and backs off, so the capacity holds (at worst more racers back
 * off than needed, only while kept bookings exceed a lowered capacity). */
static enum slot_claim_result keep_or_back_off(const bson_oid_t *request_id, int cls,
					       int64_t start_ms, int capacity, const char *id,
					       const struct claim_tag *tag, bson_error_t *err)
{
	long total = slots_booked(cls, start_ms, err);
	if (total >= 0 && total <= capacity)
		return SLOT_CLAIMED;
	bson_error_t derr;
	bson_t *dq = BCON_NEW("_id", BCON_UTF8(id), "request_id", BCON_OID(request_id));
	if (tag->hold)
		BSON_APPEND_INT64(dq, "hold_version", tag->hold_version);
	else
		BSON_APPEND_INT64(dq, "version", tag->version);
	bool del = mongoc_collection_delete_one(db_coll(CLAIMS), dq, NULL, NULL, &derr);
	bson_destroy(dq);
	if (!del) {
		log_error("slot claim %s could not be rolled back: %s", id, derr.message);
		if (total >= 0)
			*err = derr;
		return SLOT_DB_ERROR;
	}
	return total < 0 ? SLOT_DB_ERROR : SLOT_FULL;
}

/* Tries the free seats in order; the first insert won decides (then kept or backed off). */
static enum slot_claim_result try_seats(const bson_oid_t *request_id, const char *category, int cls,
					int64_t start_ms, int64_t end_ms, int capacity,
					const bool *taken, const struct claim_tag *tag,
					bson_error_t *err)
{
	for (int seat = 0; seat < capacity; seat++) {
		if (taken[seat])
			continue;
		char id[96];
		enum db_claim_result won =
		    insert_seat(request_id, category, cls, start_ms, end_ms, seat, tag, id, err);
		if (won == DB_CLAIM_WON) {
			enum slot_claim_result r =
			    keep_or_back_off(request_id, cls, start_ms, capacity, id, tag, err);
			/* kept or backed off, a reader may have counted the seat meanwhile */
			read_mark_bump_slots();
			return r;
		}
		if (won == DB_CLAIM_ERROR)
			return SLOT_DB_ERROR;
	}
	return SLOT_FULL;
}

static enum slot_claim_result claim_seat(const bson_oid_t *request_id, const char *category,
					 int64_t start_ms, int64_t end_ms, bool resident,
					 const struct claim_tag *tag, bson_error_t *err)
{
	int cls = slots_class_of(category);
	if (cls < 0 || end_ms <= start_ms)
		return SLOT_NOT_AVAILABLE;
	int64_t now = time_now_ms();
	if (start_ms <= now ||
	    (resident && (start_ms < now + lead_ms() || !in_window(start_ms, now))))
		return SLOT_NOT_AVAILABLE;
	struct slot_info slot;
	int f = find_slot(cls, start_ms, end_ms, &slot, err);
	if (f < 0)
		return SLOT_DB_ERROR;
	if (f == 0 || slot.closed)
		return SLOT_NOT_AVAILABLE;
	struct seats_seen seen = {
	    .taken = calloc((size_t)(slot.capacity > 0 ? slot.capacity : 1), sizeof(bool))};
	if (!seen.taken)
		abort();
	enum slot_claim_result r;
	bool tried = false;
	if (!read_seats(request_id, cls, start_ms, slot.capacity, &seen, err))
		r = SLOT_DB_ERROR;
	else if (seen.held)
		r = SLOT_HELD; /* another change's claim: never shared (slots.h) */
	else if (slot.capacity <= 0 || seen.held_total >= slot.capacity)
		r = SLOT_FULL; /* also when capacity was lowered below the bookings kept */
	else {
		r = try_seats(request_id, category, cls, start_ms, end_ms, slot.capacity,
			      seen.taken, tag, err);
		tried = true;
	}
	free(seen.taken);
	if (tried && r == SLOT_FULL) {
		/* Every insert collided. One of them may have been the {request_id, start}
		 * index: another change of the same request claimed this slot meanwhile. */
		int holds = holds_claim(request_id, start_ms, err);
		if (holds < 0)
			return SLOT_DB_ERROR;
		if (holds)
			return SLOT_HELD;
	}
	return r;
}

bool slots_release(const bson_oid_t *request_id, int64_t start_ms, int64_t version,
		   bson_error_t *err)
{
	/* One claim at most matches (unique {request_id, start}); claims from before the
	 * version was recorded have none. */
	bson_t *q = BCON_NEW("request_id", BCON_OID(request_id), "start", BCON_DATE_TIME(start_ms),
			     "$or", "[", "{", "version", "{", "$lte", BCON_INT64(version), "}", "}",
			     "{", "version", "{", "$exists", BCON_BOOL(false), "}", "}", "]");
	bool ok = delete_claim(q, err);
	bson_destroy(q);
	return ok;
}

long slots_booked(int cls, int64_t start_ms, bson_error_t *err)
{
	bson_t *q =
	    BCON_NEW("class", BCON_UTF8(slots_class_name(cls)), "start", BCON_DATE_TIME(start_ms));
	int64_t n = mongoc_collection_count_documents(db_coll(CLAIMS), q, NULL, NULL, NULL, err);
	bson_destroy(q);
	return n < 0 ? -1 : (long)n;
}

/* ---- day views ---- */

struct claim_row {
	int cls;
	int64_t start_ms, end_ms;
	char request_id[25];
};

/* The claims of the local day y-m-d; *out malloc'd. By the claims' `day` (an equality: on
 * FerretDB one that its PostgreSQL backend answers from a GIN index, where a range of
 * `start` is decoded claim by claim over the whole collection). */
static bool claims_of_day(int y, int m, int d, struct claim_row **out, size_t *n, bson_error_t *err)
{
	*out = NULL;
	*n = 0;
	char day[16];
	snprintf(day, sizeof(day), "%04d-%02d-%02d", y, m, d);
	bson_t *q = BCON_NEW("day", BCON_UTF8(day));
	mongoc_cursor_t *cur = mongoc_collection_find_with_opts(db_coll(CLAIMS), q, NULL, NULL);
	const bson_t *doc;
	size_t cap = 0;
	while (mongoc_cursor_next(cur, &doc)) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			*out = realloc(*out, cap * sizeof(**out));
			if (!*out)
				abort();
		}
		struct claim_row *c = &(*out)[(*n)++];
		c->cls = slots_class_parse(bson_str(doc, "class"));
		c->start_ms = bson_date(doc, "start", 0);
		c->end_ms = bson_date(doc, "end", 0);
		bson_oid_hex(doc, "request_id", c->request_id);
	}
	bool ok = !mongoc_cursor_error(cur, err);
	mongoc_cursor_destroy(cur);
	bson_destroy(q);
	if (!ok) {
		free(*out);
		*out = NULL;
		*n = 0;
	}
	return ok;
}

static void day_bounds(int y, int m, int d, int64_t *from_ms, int64_t *to_ms)
{
	*from_ms = slots_local_midnight_ms(y, m, d);
	int ny, nm, nd;
	slots_days_to_date(time_days_from_civil(y, m, d) + 1, &ny, &nm, &nd);
	*to_ms = slots_local_midnight_ms(ny, nm, nd);
}

static void count_booked(struct slot_info *s, int n, const struct claim_row *c, size_t nc)
{
	for (int i = 0; i < n; i++) {
		s[i].booked = 0;
		for (size_t j = 0; j < nc; j++)
			if (c[j].cls == s[i].cls && c[j].start_ms == s[i].start_ms)
				s[i].booked++;
		int rem = s[i].capacity - s[i].booked;
		s[i].remaining = s[i].closed || rem < 0 ? 0 : rem;
	}
}

static int st_day(int cls, int y, int m, int d, struct slot_info *out, int max, bson_error_t *err)
{
	int n = grid_for(cls, y, m, d, out, max, err);
	if (n <= 0)
		return n;
	struct claim_row *c;
	size_t nc;
	if (!claims_of_day(y, m, d, &c, &nc, err))
		return -1;
	count_booked(out, n, c, nc);
	free(c);
	return n;
}

static int st_available_ex(const char *category, int y, int m, int d, struct slot_info *out,
			   int max, bool include_full, bson_error_t *err)
{
	int cls = slots_class_of(category);
	if (cls < 0)
		return -2;
	int64_t from, to, now = time_now_ms();
	day_bounds(y, m, d, &from, &to);
	if (to <= now + lead_ms())
		return 0; /* the whole day is past or inside the lead time */
	if (!in_window(from, now))
		return 0; /* the day is beyond the booking window */
	int n = st_day(cls, y, m, d, out, max, err);
	if (n <= 0)
		return n;
	if (!include_full)
		return slots_filter_offered(out, n, now, lead_ms());
	/* full ones too: a booked-out slot with seats (not closed) keeps its line */
	int k = 0;
	for (int i = 0; i < n; i++)
		if (!out[i].closed && out[i].capacity > 0 && out[i].start_ms >= now + lead_ms())
			out[k++] = out[i];
	return k;
}

static int cmp_entry(const void *a, const void *b)
{
	const struct slot_calendar_entry *x = a, *y = b;
	if (x->slot.start_ms != y->slot.start_ms)
		return x->slot.start_ms < y->slot.start_ms ? -1 : 1;
	return x->slot.cls - y->slot.cls;
}

static void copy_field(char *dst, size_t len, const char *src)
{
	snprintf(dst, len, "%s", src ? src : "");
}

/* The day's slots of every class with their seat counts, plus the slots that claims hold
 * but the grid no longer has (the template changed after booking). */
static void calendar_slots(int y, int m, int d, const struct slot_template *t,
			   const struct slot_override *ov, size_t nov, const struct claim_row *c,
			   size_t nc, struct slot_calendar *cal)
{
	cal->entries = calloc(2 * SLOTS_MAX_PER_DAY + nc, sizeof(*cal->entries));
	if (!cal->entries)
		abort();
	struct slot_info grid[SLOTS_MAX_PER_DAY];
	for (int cls = 0; cls < SLOT_CLASS_COUNT; cls++) {
		int n = slots_grid_day(t, ov, nov, cls, y, m, d, grid, SLOTS_MAX_PER_DAY);
		count_booked(grid, n, c, nc);
		for (int i = 0; i < n; i++)
			cal->entries[cal->n++].slot = grid[i];
	}
	for (size_t j = 0; j < nc; j++) {
		bool seen = false;
		for (int i = 0; i < cal->n && !seen; i++)
			seen = cal->entries[i].slot.cls == c[j].cls &&
			       cal->entries[i].slot.start_ms == c[j].start_ms;
		if (seen || c[j].cls < 0)
			continue;
		struct slot_info *s = &cal->entries[cal->n++].slot;
		memset(s, 0, sizeof(*s));
		s->cls = c[j].cls;
		s->start_ms = c[j].start_ms;
		s->end_ms = c[j].end_ms;
		count_booked(s, 1, c, nc);
	}
	qsort(cal->entries, (size_t)cal->n, sizeof(cal->entries[0]), cmp_entry);
}

/* Files the request `doc` under its slot's entry (cancelled and failed ones are not shown). */
static void calendar_add_request(struct slot_calendar *cal, const bson_t *doc)
{
	const char *status = bson_str(doc, "status");
	const char *category = bson_str(doc, "category");
	if (status && (strcmp(status, "cancelled") == 0 || strcmp(status, "failed") == 0))
		return;
	bson_iter_t it, sub;
	int64_t start = 0;
	if (bson_iter_init_find(&it, doc, "assigned_slot") && BSON_ITER_HOLDS_DOCUMENT(&it) &&
	    bson_iter_recurse(&it, &sub) && bson_iter_find(&sub, "start") &&
	    BSON_ITER_HOLDS_DATE_TIME(&sub))
		start = bson_iter_date_time(&sub);
	int cls = slots_class_of(category);
	for (int i = 0; i < cal->n; i++) {
		struct slot_calendar_entry *e = &cal->entries[i];
		if (e->slot.start_ms != start || e->slot.cls != cls)
			continue;
		e->requests =
		    realloc(e->requests, (size_t)(e->nrequests + 1) * sizeof(*e->requests));
		if (!e->requests)
			abort();
		struct slot_calendar_request *r = &e->requests[e->nrequests++];
		bson_oid_hex(doc, "_id", r->id);
		copy_field(r->category, sizeof(r->category), category);
		copy_field(r->status, sizeof(r->status), status);
		return;
	}
}

/* The requests of the day's slots, by assigned_slot.start. */
static bool calendar_requests(int y, int m, int d, struct slot_calendar *cal, bson_error_t *err)
{
	int64_t from, to;
	day_bounds(y, m, d, &from, &to);
	bson_t *q = BCON_NEW("assigned_slot.start", "{", "$gte", BCON_DATE_TIME(from), "$lt",
			     BCON_DATE_TIME(to), "}");
	bson_t *opts = BCON_NEW("sort", "{", "_id", BCON_INT32(1), "}");
	mongoc_cursor_t *cur =
	    mongoc_collection_find_with_opts(db_coll("pickup_requests"), q, opts, NULL);
	const bson_t *doc;
	while (mongoc_cursor_next(cur, &doc))
		calendar_add_request(cal, doc);
	bool ok = !mongoc_cursor_error(cur, err);
	mongoc_cursor_destroy(cur);
	bson_destroy(opts);
	bson_destroy(q);
	return ok;
}

static bool st_calendar(int y, int m, int d, struct slot_calendar *cal, bson_error_t *err)
{
	memset(cal, 0, sizeof(*cal));
	struct slot_template t;
	if (!st_template_load(&t, err))
		return false;
	const int64_t day = time_days_from_civil(y, m, d);
	struct slot_override *ov;
	size_t nov;
	if (!st_overrides_load(day, day, &ov, &nov, err))
		return false;
	struct claim_row *c;
	size_t nc;
	if (!claims_of_day(y, m, d, &c, &nc, err)) {
		free(ov);
		return false;
	}
	calendar_slots(y, m, d, &t, ov, nov, c, nc, cal);
	free(ov);
	free(c);
	bool ok = calendar_requests(y, m, d, cal, err);
	if (!ok)
		slots_calendar_free(cal);
	return ok;
}

void slots_calendar_free(struct slot_calendar *cal)
{
	for (int i = 0; cal && i < cal->n; i++)
		free(cal->entries[i].requests);
	if (cal) {
		free(cal->entries);
		cal->entries = NULL;
		cal->n = 0;
	}
}

/* ---- claims written before they carried `day` ---- */

/* The marker of a finished backfill: per SERVICE_TZ, as `day` is a date in it. */
static void backfill_marker(char *buf, size_t len)
{
	const struct config *c = config_get();
	snprintf(buf, len, "slot_claims.day@%s", c && c->service_tz ? c->service_tz : "");
}

static bool marker_present(const char *marker, bool *present, bson_error_t *err)
{
	bson_t *q = BCON_NEW("_id", BCON_UTF8(marker));
	int64_t n =
	    mongoc_collection_count_documents(db_coll(MIGRATIONS), q, NULL, NULL, NULL, err);
	bson_destroy(q);
	*present = n > 0;
	return n >= 0;
}

/* Sets `day` on every claim that lacks it or whose `day` was made in another time zone
 * (marker absent): each update is idempotent, so two nodes starting at once both finish. */
static bool backfill_days(long *fixed, bson_error_t *err)
{
	bson_t *q = bson_new(); /* every claim: once per SERVICE_TZ, at start-up */
	bson_t *opts =
	    BCON_NEW("projection", "{", "start", BCON_BOOL(true), "day", BCON_BOOL(true), "}");
	mongoc_cursor_t *cur = mongoc_collection_find_with_opts(db_coll(CLAIMS), q, opts, NULL);
	const bson_t *doc;
	bool ok = true;
	while (ok && mongoc_cursor_next(cur, &doc)) {
		bson_t want = BSON_INITIALIZER;
		append_day(&want, bson_date(doc, "start", 0));
		const char *have = bson_str(doc, "day");
		const char *should = bson_str(&want, "day");
		if (!have || strcmp(have, should) != 0) {
			bson_iter_t it;
			bson_t *sel = bson_new();
			if (bson_iter_init_find(&it, doc, "_id"))
				bson_append_iter(sel, "_id", 3, &it);
			bson_t *u = BCON_NEW("$set", "{", "day", BCON_UTF8(should), "}");
			ok = mongoc_collection_update_one(db_coll(CLAIMS), sel, u, NULL, NULL, err);
			(*fixed)++;
			bson_destroy(u);
			bson_destroy(sel);
		}
		bson_destroy(&want);
	}
	if (ok && mongoc_cursor_error(cur, err))
		ok = false;
	mongoc_cursor_destroy(cur);
	bson_destroy(opts);
	bson_destroy(q);
	return ok;
}

bool slots_claims_backfill(long *fixed, bson_error_t *err)
{
	*fixed = 0;
	char marker[160];
	backfill_marker(marker, sizeof(marker));
	bool present;
	if (!marker_present(marker, &present, err))
		return false;
	if (present)
		return true; /* one `_id` lookup at each start once done */
	if (!backfill_days(fixed, err))
		return false;
	bson_t *q = BCON_NEW("_id", BCON_UTF8(marker));
	bson_t *u = BCON_NEW("$set", "{", "at", BCON_DATE_TIME(time_now_ms()), "}");
	bool ok = db_upsert(MIGRATIONS, q, u, err);
	bson_destroy(q);
	bson_destroy(u);
	return ok;
}

/* ---- the public interface (slots.h): the store's errors and ids as the domain's ---- */

bool slots_template_load(struct slot_template *t, struct derr *err)
{
	bson_error_t e;
	bool ok = st_template_load(t, &e);
	if (!ok)
		derr_from_store(err, &e);
	return ok;
}

bool slots_template_save(const struct slot_template *t, struct derr *err)
{
	bson_error_t e;
	bool ok = st_template_save(t, &e);
	if (!ok)
		derr_from_store(err, &e);
	return ok;
}

bool slots_seed_default(bool *inserted, struct derr *err)
{
	bson_error_t e;
	bool ok = st_seed_default(inserted, &e);
	if (!ok)
		derr_from_store(err, &e);
	return ok;
}

bool slots_overrides_load(int64_t from_day, int64_t to_day, struct slot_override **out, size_t *n,
			  struct derr *err)
{
	bson_error_t e;
	bool ok = st_overrides_load(from_day, to_day, out, n, &e);
	if (!ok)
		derr_from_store(err, &e);
	return ok;
}

bool slots_override_create(struct slot_override *o, struct derr *err)
{
	bson_error_t e;
	bool ok = st_override_create(o, &e);
	if (!ok)
		derr_from_store(err, &e);
	return ok;
}

int slots_override_delete(const struct oid *id, struct derr *err)
{
	bson_oid_t oid;
	oid_to_store(id, &oid);
	bson_error_t e;
	int r = st_override_delete(&oid, &e);
	if (r < 0)
		derr_from_store(err, &e);
	return r;
}

int slots_is_offered(const char *category, int64_t start_ms, int64_t end_ms, bool enforce_lead,
		     struct derr *err)
{
	bson_error_t e;
	int r = slots_is_offered_store(category, start_ms, end_ms, enforce_lead, &e);
	if (r < 0)
		derr_from_store(err, &e);
	return r;
}

int slots_day(int cls, int y, int m, int d, struct slot_info *out, int max, struct derr *err)
{
	bson_error_t e;
	int n = st_day(cls, y, m, d, out, max, &e);
	if (n < 0)
		derr_from_store(err, &e);
	return n;
}

int slots_available(const char *category, int y, int m, int d, struct slot_info *out, int max,
		    struct derr *err)
{
	return slots_available_ex(category, y, m, d, out, max, false, err);
}

int slots_available_ex(const char *category, int y, int m, int d, struct slot_info *out, int max,
		       bool include_full, struct derr *err)
{
	bson_error_t e;
	int n = st_available_ex(category, y, m, d, out, max, include_full, &e);
	if (n == -1) /* -2, an unknown category, sets no error */
		derr_from_store(err, &e);
	return n;
}

bool slots_calendar(int y, int m, int d, struct slot_calendar *cal, struct derr *err)
{
	bson_error_t e;
	bool ok = st_calendar(y, m, d, cal, &e);
	if (!ok)
		derr_from_store(err, &e);
	return ok;
}
