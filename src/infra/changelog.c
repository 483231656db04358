#include "infra/changelog.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "infra/fault.h"
#include "infra/log.h"

/* Beyond this many versions to read, one scan of the events is cheaper than a lookup each:
 * FerretDB 1.24's SQLite backend does not use its _id index for the _id filter it pushes
 * down (the expressions differ), so a lookup is a scan too, but in SQLite, about ten times
 * cheaper per document than the scan in Go that any other filter gets (measured with 1200
 * events: 5 ms against 50 ms). */
#define EVENTS_BY_ID_MAX 8

static void event_id(const bson_oid_t *id, int64_t version, char key[48])
{
	char hex[25];
	bson_oid_to_string(id, hex);
	snprintf(key, 48, "%s:%lld", hex, (long long)version);
}

void changelog_effect_key(const bson_oid_t *id, int64_t version, uint32_t index,
			  char out[CHANGELOG_KEY_LEN])
{
	char hex[25];
	bson_oid_to_string(id, hex);
	snprintf(out, CHANGELOG_KEY_LEN, "%s:%lld:%u", hex, (long long)version, index);
}

int64_t changelog_version(const bson_t *doc)
{
	bson_iter_t it;
	if (doc && bson_iter_init_find(&it, doc, "version") && BSON_ITER_HOLDS_NUMBER(&it))
		return bson_iter_as_int64(&it);
	return 0;
}

static bool has_effects(const bson_t *effects)
{
	return effects && !bson_empty(effects);
}

enum db_claim_result changelog_claim(const struct changelog_kind *k, const bson_oid_t *id,
				     int64_t version, const struct changelog_change *c,
				     bson_t **ev_out, bson_error_t *err)
{
	if (ev_out)
		*ev_out = NULL;
	char key[48];
	event_id(id, version, key);
	bson_t ev = BSON_INITIALIZER, by, empty = BSON_INITIALIZER;
	BSON_APPEND_UTF8(&ev, "_id", key);
	BSON_APPEND_OID(&ev, k->id_field, id);
	BSON_APPEND_INT64(&ev, "version", version);
	BSON_APPEND_UTF8(&ev, "type", c->type);
	BSON_APPEND_DATE_TIME(&ev, "at", c->at);
	BSON_APPEND_DOCUMENT_BEGIN(&ev, "by", &by);
	BSON_APPEND_UTF8(&by, "id", c->by_id ? c->by_id : "");
	BSON_APPEND_UTF8(&by, "role", c->by_role ? c->by_role : "");
	bson_append_document_end(&ev, &by);
	BSON_APPEND_DOCUMENT(&ev, "data", c->data ? c->data : &empty);
	BSON_APPEND_DOCUMENT(&ev, "set", c->set ? c->set : &empty);
	if (has_effects(c->effects)) {
		BSON_APPEND_ARRAY(&ev, "effects", c->effects);
		BSON_APPEND_BOOL(&ev, "effects_pending", true);
	}
	enum db_claim_result r = db_claim(k->events, &ev, err);
	if (r == DB_CLAIM_WON && ev_out)
		*ev_out = bson_copy(&ev);
	bson_destroy(&ev);
	bson_destroy(&empty);
	if (r == DB_CLAIM_WON)
		fault_point("event_inserted");
	return r;
}

/* The one document of `coll` with _id `key`: 1 (*out owned, when out), 0 none, -1 error. */
static int find_by_id(mongoc_collection_t *coll, const bson_t *q, bson_t **out, bson_error_t *err)
{
	bson_t *opts = BCON_NEW("limit", BCON_INT64(1));
	mongoc_cursor_t *c = mongoc_collection_find_with_opts(coll, q, opts, NULL);
	const bson_t *doc;
	int r = 0;
	if (mongoc_cursor_next(c, &doc)) {
		r = 1;
		if (out)
			*out = bson_copy(doc);
	}
	if (mongoc_cursor_error(c, err)) {
		if (r == 1 && out) {
			bson_destroy(*out);
			*out = NULL;
		}
		r = -1;
	}
	mongoc_cursor_destroy(c);
	bson_destroy(opts);
	return r;
}

/* By its _id "<id hex>:<version>", the one filter FerretDB pushes down to SQL (every other
 * filter scans all events of all aggregates in Go). */
int changelog_event_get(const struct changelog_kind *k, const bson_oid_t *id, int64_t version,
			bson_t **out, bson_error_t *err)
{
	char key[48];
	event_id(id, version, key);
	bson_t *q = BCON_NEW("_id", BCON_UTF8(key));
	int r = find_by_id(db_coll(k->events), q, out, err);
	bson_destroy(q);
	return r;
}

void changelog_events_free(struct changelog_events *l)
{
	for (size_t i = 0; i < l->n; i++)
		bson_destroy(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}

static void events_push(struct changelog_events *l, bson_t *ev)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 8;
		l->v = realloc(l->v, l->cap * sizeof(*l->v));
		if (!l->v)
			abort();
	}
	l->v[l->n++] = ev;
}

bool changelog_fetch(const struct changelog_kind *k, const bson_oid_t *ids, size_t n,
		     struct changelog_events *out, bson_error_t *err)
{
	if (n == 0)
		return true;
	bson_t q = BSON_INITIALIZER, in, arr;
	if (n == 1) {
		BSON_APPEND_OID(&q, k->id_field, &ids[0]);
	} else {
		char kb[16];
		const char *key;
		BSON_APPEND_DOCUMENT_BEGIN(&q, k->id_field, &in);
		BSON_APPEND_ARRAY_BEGIN(&in, "$in", &arr);
		for (size_t i = 0; i < n; i++) {
			bson_uint32_to_string((uint32_t)i, &key, kb, sizeof(kb));
			BSON_APPEND_OID(&arr, key, &ids[i]);
		}
		bson_append_array_end(&in, &arr);
		bson_append_document_end(&q, &in);
	}
	bson_t *opts = BCON_NEW("sort", "{", "version", BCON_INT32(1), "}");
	mongoc_cursor_t *c = mongoc_collection_find_with_opts(db_coll(k->events), &q, opts, NULL);
	const bson_t *doc;
	while (mongoc_cursor_next(c, &doc)) {
		bson_iter_t it;
		if (!bson_iter_init_find(&it, doc, k->id_field) || !BSON_ITER_HOLDS_OID(&it))
			continue;
		for (size_t i = 0; i < n; i++) {
			if (bson_oid_equal(bson_iter_oid(&it), &ids[i])) {
				events_push(&out[i], bson_copy(doc));
				break;
			}
		}
	}
	bool failed = mongoc_cursor_error(c, err);
	mongoc_cursor_destroy(c);
	bson_destroy(opts);
	bson_destroy(&q);
	if (failed) {
		for (size_t i = 0; i < n; i++)
			changelog_events_free(&out[i]);
	}
	return !failed;
}

/* The events of `id` into *out (zeroed by the caller), in version order, each read by its
 * _id: versions `first`..`known` (the ones the stored document already reflects; a missing
 * one is skipped), then known+1, known+2, ... up to the first version not there: the
 * changes the document has not caught up with yet (a version is only claimed by a change
 * that read the one before, so the log has no gaps). first = 1 reads the whole timeline,
 * first = known + 1 only what the state needs. A document claiming more than
 * EVENTS_BY_ID_MAX versions is read with one scan instead. */
static bool events_by_id(const struct changelog_kind *k, const bson_oid_t *id, int64_t first,
			 int64_t known, struct changelog_events *out, bson_error_t *err)
{
	if (first < 1)
		first = 1;
	if (known - first >= EVENTS_BY_ID_MAX)
		return changelog_fetch(k, id, 1, out, err);
	for (int64_t v = first;; v++) {
		bson_t *ev = NULL;
		int r = changelog_event_get(k, id, v, &ev, err);
		if (r < 0) {
			changelog_events_free(out);
			return false;
		}
		if (r == 0) {
			if (v > known)
				break;
			continue;
		}
		events_push(out, ev);
	}
	return true;
}

/* `base` with the top-level fields of `set` replaced or added (new document). */
static bson_t *overlay(const bson_t *base, const bson_t *set)
{
	bson_t *out = bson_new();
	bson_iter_t it, f;
	if (bson_iter_init(&it, base)) {
		while (bson_iter_next(&it)) {
			const char *k = bson_iter_key(&it);
			if (bson_iter_init_find(&f, set, k))
				bson_append_iter(out, k, -1, &f);
			else
				bson_append_iter(out, k, -1, &it);
		}
	}
	if (bson_iter_init(&f, set)) {
		while (bson_iter_next(&f)) {
			bson_iter_t probe;
			if (!bson_iter_init_find(&probe, base, bson_iter_key(&f)))
				bson_append_iter(out, bson_iter_key(&f), -1, &f);
		}
	}
	return out;
}

/* A sub-document field of `doc` as a static bson_t (false when absent). */
static bool sub_doc(const bson_t *doc, const char *key, bson_t *out)
{
	bson_iter_t it;
	uint32_t len;
	const uint8_t *data;
	if (!bson_iter_init_find(&it, doc, key) ||
	    !(BSON_ITER_HOLDS_DOCUMENT(&it) || BSON_ITER_HOLDS_ARRAY(&it)))
		return false;
	if (BSON_ITER_HOLDS_DOCUMENT(&it))
		bson_iter_document(&it, &len, &data);
	else
		bson_iter_array(&it, &len, &data);
	return bson_init_static(out, data, len);
}

static bool on_timeline(const struct changelog_kind *k, const bson_t *ev)
{
	bson_iter_t it;
	if (!bson_iter_init_find(&it, ev, "type") || !BSON_ITER_HOLDS_UTF8(&it))
		return false;
	const char *type = bson_iter_utf8(&it, NULL);
	for (size_t i = 0; k->timeline_types[i]; i++)
		if (strcmp(type, k->timeline_types[i]) == 0)
			return true;
	return false;
}

bool changelog_has_timeline(const bson_t *doc)
{
	bson_iter_t it;
	return bson_iter_init_find(&it, doc, "timeline") && BSON_ITER_HOLDS_ARRAY(&it);
}

/* Appends the elements of array `key` of `doc` to `arr` from index *n on. */
static void append_array_of(bson_t *arr, uint32_t *n, const bson_t *doc, const char *key)
{
	bson_iter_t it, sub;
	char k[16];
	const char *ks;
	if (!bson_iter_init_find(&it, doc, key) || !BSON_ITER_HOLDS_ARRAY(&it) ||
	    !bson_iter_recurse(&it, &sub))
		return;
	while (bson_iter_next(&sub)) {
		bson_uint32_to_string((*n)++, &ks, k, sizeof(k));
		bson_append_iter(arr, ks, -1, &sub);
	}
}

/* Appends the timeline view of the events of `evs` shown on the timeline with versions in
 * (from, to]. */
static void append_visible(const struct changelog_kind *k, bson_t *arr, uint32_t *n,
			   const struct changelog_events *evs, int64_t from, int64_t to)
{
	static const char *const shown[] = {"type", "at", "by", "data"};
	char kb[16];
	const char *key;
	bson_iter_t it;
	for (size_t i = 0; i < evs->n; i++) {
		int64_t ev_v = changelog_version(evs->v[i]);
		if (!on_timeline(k, evs->v[i]) || ev_v <= from || ev_v > to)
			continue;
		bson_t e;
		bson_uint32_to_string((*n)++, &key, kb, sizeof(kb));
		BSON_APPEND_DOCUMENT_BEGIN(arr, key, &e);
		for (size_t f = 0; f < sizeof(shown) / sizeof(shown[0]); f++)
			if (bson_iter_init_find(&it, evs->v[i], shown[f]))
				bson_append_iter(&e, shown[f], -1, &it);
		BSON_APPEND_INT64(&e, "version", ev_v);
		bson_append_document_end(arr, &e);
	}
}

/* Appends the entries of the stored timeline of `doc` up to version `upto`: a copy of the
 * document that FerretDB wrote back over a newer one is consistent, but a timeline longer
 * than its version is never trusted past it. */
static void append_timeline_upto(bson_t *arr, uint32_t *n, const bson_t *doc, int64_t upto)
{
	bson_iter_t it, sub;
	char k[16];
	const char *ks;
	if (!bson_iter_init_find(&it, doc, "timeline") || !BSON_ITER_HOLDS_ARRAY(&it) ||
	    !bson_iter_recurse(&it, &sub))
		return;
	while (bson_iter_next(&sub)) {
		bson_iter_t v;
		if (!BSON_ITER_HOLDS_DOCUMENT(&sub) || !bson_iter_recurse(&sub, &v) ||
		    !bson_iter_find(&v, "version") || !BSON_ITER_HOLDS_NUMBER(&v) ||
		    bson_iter_as_int64(&v) > upto)
			continue;
		bson_uint32_to_string((*n)++, &ks, k, sizeof(k));
		bson_append_iter(arr, ks, -1, &sub);
	}
}

/* The `events` the API shows: the events embedded by documents older than the log first,
 * then the timeline `tl` without its versions. */
static void append_events(bson_t *out, const bson_t *doc, const bson_t *tl)
{
	bson_t arr;
	uint32_t m = 0;
	BSON_APPEND_ARRAY_BEGIN(out, "events", &arr);
	append_array_of(&arr, &m, doc, "events");
	bson_iter_t ti, f;
	if (bson_iter_init(&ti, tl)) {
		char k[16];
		const char *key;
		while (bson_iter_next(&ti)) {
			bson_t e;
			bson_uint32_to_string(m++, &key, k, sizeof(k));
			BSON_APPEND_DOCUMENT_BEGIN(&arr, key, &e);
			if (bson_iter_recurse(&ti, &f))
				while (bson_iter_next(&f))
					if (strcmp(bson_iter_key(&f), "version") != 0)
						bson_append_iter(&e, bson_iter_key(&f), -1, &f);
			bson_append_document_end(&arr, &e);
		}
	}
	bson_append_array_end(out, &arr);
}

/* The stored `doc` with the `set` of every event after its version applied in version
 * order (a gap stops it: never seen, since version v+1 is only claimed by a change that
 * read version v), `version` the last one applied (*version_out), and the timeline. The
 * document carries its own timeline (`timeline`: the views of versions 1..version of the
 * kind's timeline types, written with the state), so only the events past its version are
 * needed; a document without one (written before it existed) needs `evs` to be its whole
 * log (`complete`). The result's `timeline` is the stored one plus the new events (absent
 * when neither is available: such a result is for deciding a change, never answered), and
 * `events` is what the API shows (append_events). New document (caller owns). */
static bson_t *compose(const struct changelog_kind *k, const bson_t *doc,
		       const struct changelog_events *evs, bool complete, int64_t *version_out)
{
	int64_t v0 = changelog_version(doc), v = v0;
	bson_t *state = bson_copy(doc);
	for (size_t i = 0; i < evs->n; i++) {
		if (changelog_version(evs->v[i]) != v + 1)
			continue; /* already in the document (or past a gap) */
		bson_t set;
		if (sub_doc(evs->v[i], "set", &set)) {
			bson_t *next = overlay(state, &set);
			bson_destroy(state);
			state = next;
		}
		v++;
	}
	bson_t *out = bson_new();
	bson_iter_t it;
	if (bson_iter_init(&it, state)) {
		while (bson_iter_next(&it)) {
			const char *key = bson_iter_key(&it);
			if (strcmp(key, "events") != 0 && strcmp(key, "version") != 0 &&
			    strcmp(key, "timeline") != 0)
				bson_append_iter(out, key, -1, &it);
		}
	}
	BSON_APPEND_INT64(out, "version", v);
	bool stored = changelog_has_timeline(doc);
	bson_t tl = BSON_INITIALIZER;
	uint32_t n = 0;
	if (stored)
		append_timeline_upto(&tl, &n, doc, v0);
	append_visible(k, &tl, &n, evs, stored ? v0 : 0, v);
	append_events(out, doc, &tl);
	if (stored || complete)
		BSON_APPEND_ARRAY(out, "timeline", &tl);
	bson_destroy(&tl);
	bson_destroy(state);
	*version_out = v;
	return out;
}

/* Gives a document written before documents carried their timeline the `timeline` of its
 * version (read from its whole log), so that its next reads need no events. Only while it
 * is still at that version without one. */
static bool store_timeline(const struct changelog_kind *k, const bson_oid_t *id,
			   const bson_t *composed, int64_t version, bson_error_t *err)
{
	bson_iter_t it;
	if (!bson_iter_init_find(&it, composed, "timeline"))
		return true;
	bson_t sel = BSON_INITIALIZER, cond, upd = BSON_INITIALIZER, set;
	BSON_APPEND_OID(&sel, "_id", id);
	BSON_APPEND_INT64(&sel, "version", version);
	BSON_APPEND_DOCUMENT_BEGIN(&sel, "timeline", &cond);
	BSON_APPEND_BOOL(&cond, "$exists", false);
	bson_append_document_end(&sel, &cond);
	BSON_APPEND_DOCUMENT_BEGIN(&upd, "$set", &set);
	bson_append_iter(&set, "timeline", -1, &it);
	bson_append_document_end(&upd, &set);
	bool ok = mongoc_collection_update_one(db_coll(k->docs), &sel, &upd, NULL, NULL, err);
	bson_destroy(&sel);
	bson_destroy(&upd);
	return ok;
}

/* Writes every state field of `composed` (the state at `version`) to the stored document,
 * not only the ones the last change set, so whatever older copy a read-modify-write server
 * overwrites, the result is the whole state of one version. The filter keeps MongoDB from
 * going back to an older version; FerretDB does not re-check it, and a document it sets
 * back is rolled forward again by the next read. */
static bool store_state(const struct changelog_kind *k, const bson_oid_t *id,
			const bson_t *composed, int64_t version, bson_error_t *err)
{
	bson_t *sel = BCON_NEW("_id", BCON_OID(id), "$or", "[", "{", "version", "{", "$lt",
			       BCON_INT64(version), "}", "}", "{", "version", "{", "$exists",
			       BCON_BOOL(false), "}", "}", "]");
	bson_t upd = BSON_INITIALIZER, set, reply;
	BSON_APPEND_DOCUMENT_BEGIN(&upd, "$set", &set);
	bson_iter_t it;
	for (size_t i = 0; k->state_keys[i]; i++)
		if (bson_iter_init_find(&it, composed, k->state_keys[i]))
			bson_append_iter(&set, k->state_keys[i], -1, &it);
	BSON_APPEND_INT64(&set, "version", version);
	bson_append_document_end(&upd, &set);
	bool ok = mongoc_collection_update_one(db_coll(k->docs), sel, &upd, NULL, &reply, err);
	bson_destroy(sel);
	bson_destroy(&upd);
	bson_destroy(&reply);
	return ok;
}

bool changelog_effects_pending(const bson_t *ev)
{
	bson_iter_t it;
	return bson_iter_init_find(&it, ev, "effects_pending") && BSON_ITER_HOLDS_BOOL(&it) &&
	       bson_iter_bool(&it);
}

/* Marks the effects of `ev` confirmed (or, with `void_them`, never owed). The event is
 * otherwise never written after its insert, so a concurrent confirmation overwriting it
 * (read-modify-write) writes the same document. */
static bool confirm(const struct changelog_kind *k, const bson_t *ev, bool void_them,
		    bson_error_t *err)
{
	bson_iter_t it;
	if (!bson_iter_init_find(&it, ev, "_id") || !BSON_ITER_HOLDS_UTF8(&it))
		return true;
	bson_t *sel = BCON_NEW("_id", BCON_UTF8(bson_iter_utf8(&it, NULL)));
	bson_t *upd = void_them ? BCON_NEW("$set", "{", "effects_pending", BCON_BOOL(false),
					   "effects_void", BCON_BOOL(true), "}")
				: BCON_NEW("$set", "{", "effects_pending", BCON_BOOL(false), "}");
	bool ok = mongoc_collection_update_one(db_coll(k->events), sel, upd, NULL, NULL, err);
	bson_destroy(sel);
	bson_destroy(upd);
	return ok;
}

bool changelog_settle(const struct changelog_kind *k, const bson_t *ev, bson_error_t *err)
{
	if (!changelog_effects_pending(ev))
		return true;
	bson_iter_t it;
	bson_oid_t id;
	if (!bson_iter_init_find(&it, ev, k->id_field) || !BSON_ITER_HOLDS_OID(&it))
		return true;
	bson_oid_copy(bson_iter_oid(&it), &id);
	int64_t version = changelog_version(ev), at = 0;
	if (bson_iter_init_find(&it, ev, "at") && BSON_ITER_HOLDS_DATE_TIME(&it))
		at = bson_iter_date_time(&it);
	bson_t effects;
	if (sub_doc(ev, "effects", &effects) && bson_iter_init(&it, &effects)) {
		uint32_t index = 0;
		while (bson_iter_next(&it)) {
			bson_t effect;
			uint32_t len;
			const uint8_t *data;
			if (BSON_ITER_HOLDS_DOCUMENT(&it)) {
				bson_iter_document(&it, &len, &data);
				if (bson_init_static(&effect, data, len) &&
				    !k->apply(&id, version, index, &effect, at, err))
					return false;
			}
			char point[32];
			snprintf(point, sizeof(point), "effect_%u", index);
			fault_point(point);
			index++;
		}
	}
	if (!confirm(k, ev, false, err))
		return false;
	fault_point("effects_confirmed");
	return true;
}

bson_t *changelog_roll_forward(const struct changelog_kind *k, const bson_oid_t *id,
			       const bson_t *doc, const struct changelog_events *evs, bool complete)
{
	int64_t v, known = changelog_version(doc);
	bson_t *out = compose(k, doc, evs, complete, &v);
	bson_error_t err;
	bool ok = true;
	if (v > known) {
		/* The effects of the events rolled forward first: the document moves past an
		 * event only once its effects are applied, so a crash anywhere leaves them
		 * behind the stored version, where the next read finds them. */
		for (size_t i = 0; ok && i < evs->n; i++)
			if (changelog_version(evs->v[i]) > known)
				ok = changelog_settle(k, evs->v[i], &err);
		if (ok) {
			fault_point("before_document_write");
			ok = store_state(k, id, out, v, &err);
			if (ok && k->stored)
				k->stored(out);
		}
	} else if (v > 0 && complete && !changelog_has_timeline(doc)) {
		ok = store_timeline(k, id, out, v, &err);
	}
	if (!ok) {
		char hex[25];
		bson_oid_to_string(id, hex);
		log_warn("rolling %s %s forward to version %lld failed: %s", k->docs, hex,
			 (long long)v, err.message);
	}
	return out;
}

/* The stored document of `id` (owned), NULL when none (err->code 0) or on an error. */
static bson_t *read_doc(const struct changelog_kind *k, const bson_oid_t *id, bson_error_t *err)
{
	memset(err, 0, sizeof(*err));
	bson_t *q = BCON_NEW("_id", BCON_OID(id));
	bson_t *raw = NULL;
	find_by_id(db_coll(k->docs), q, &raw, err);
	bson_destroy(q);
	return raw;
}

bson_t *changelog_load(const struct changelog_kind *k, const bson_oid_t *id,
		       const bson_oid_t *owner, bool timeline, bson_error_t *err)
{
	bson_t *raw = read_doc(k, id, err);
	if (raw && owner) {
		/* Checked here rather than in the filter: the `_id`-only filter is the one
		 * FerretDB pushes down to SQL. Someone else's aggregate is "not found". */
		bson_iter_t it;
		if (!bson_iter_init_find(&it, raw, "user_id") || !BSON_ITER_HOLDS_OID(&it) ||
		    !bson_oid_equal(bson_iter_oid(&it), owner)) {
			bson_destroy(raw);
			raw = NULL;
		}
	}
	if (!raw)
		return NULL;
	struct changelog_events evs = {0};
	int64_t known = changelog_version(raw);
	/* A document carrying its timeline needs only the changes past its version (one probe
	 * when there are none); an older one its whole log when the timeline is wanted. */
	int64_t first = timeline && !changelog_has_timeline(raw) ? 1 : known + 1;
	if (!events_by_id(k, id, first, known, &evs, err)) {
		bson_destroy(raw);
		return NULL;
	}
	bson_t *out = changelog_roll_forward(k, id, raw, &evs, first == 1);
	changelog_events_free(&evs);
	bson_destroy(raw);
	return out;
}

/* One pending event of the sweep: its effects, then its aggregate rolled forward. */
static bool sweep_one(const struct changelog_kind *k, const bson_t *ev, bson_error_t *err)
{
	bson_iter_t it;
	if (!bson_iter_init_find(&it, ev, k->id_field) || !BSON_ITER_HOLDS_OID(&it))
		return true;
	bson_oid_t id;
	bson_oid_copy(bson_iter_oid(&it), &id);
	bson_t *raw = read_doc(k, &id, err);
	if (!raw) {
		if (err->code)
			return false;
		/* No document: a create that died before writing it (nobody knows the id),
		 * or an aggregate deleted since. Nobody is owed anything. */
		return confirm(k, ev, true, err);
	}
	bson_destroy(raw);
	if (!changelog_settle(k, ev, err))
		return false;
	bson_t *doc = changelog_load(k, &id, NULL, false, err);
	bool ok = doc || err->code == 0;
	bson_destroy(doc);
	return ok;
}

long changelog_sweep(const struct changelog_kind *k, int64_t now_ms, int64_t grace_ms,
		     void (*each)(const bson_t *event, const bson_error_t *fail, void *ctx),
		     void *ctx, bson_error_t *err)
{
	bson_t *q = BCON_NEW("effects_pending", BCON_BOOL(true), "at", "{", "$lte",
			     BCON_DATE_TIME(now_ms - grace_ms), "}");
	bson_t *opts = BCON_NEW("sort", "{", "at", BCON_INT32(1), "}");
	mongoc_cursor_t *c = mongoc_collection_find_with_opts(db_coll(k->events), q, opts, NULL);
	const bson_t *ev;
	long done = 0;
	/* Copied out first: the sweep writes to the collection it reads. */
	struct changelog_events pending = {0};
	while (mongoc_cursor_next(c, &ev))
		events_push(&pending, bson_copy(ev));
	bool failed = mongoc_cursor_error(c, err);
	mongoc_cursor_destroy(c);
	bson_destroy(q);
	bson_destroy(opts);
	for (size_t i = 0; !failed && i < pending.n; i++) {
		bson_error_t e;
		memset(&e, 0, sizeof(e));
		bool ok = sweep_one(k, pending.v[i], &e);
		done += ok;
		if (each)
			each(pending.v[i], ok ? NULL : &e, ctx);
	}
	changelog_events_free(&pending);
	return failed ? -1 : done;
}

bool changelog_pending(const struct changelog_kind *k, int64_t *count, int64_t *oldest_ms,
		       bson_error_t *err)
{
	bson_t *q = BCON_NEW("effects_pending", BCON_BOOL(true));
	bool ok = db_count_oldest(k->events, q, "at", count, oldest_ms, err);
	bson_destroy(q);
	return ok;
}
