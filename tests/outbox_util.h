/* Shared by the crash tests of the outbox (test_outbox_faults, test_outbox_chaos): the
 * calls they make and the invariants they check once the sweep has run. */
#ifndef SWMRA_OUTBOX_UTIL_H
#define SWMRA_OUTBOX_UTIL_H

#include "itutil.h"

#include "domain/internal/notify_store.h"
#include "domain/requests.h"
#include "domain/internal/requests_store.h"
#include "domain/rewards.h"
#include "infra/config.h"
#include "infra/timeutil.h"

#define OBX_HOUR_MS 3600000LL

/* A status change body; `to` NULL gives a resident's confirm-slot body. */
static inline char *obx_slot_body(char *buf, size_t n, const char *to, int64_t start)
{
	char a[TIME_RFC3339_LEN], b[TIME_RFC3339_LEN];
	time_format_rfc3339(start, a);
	time_format_rfc3339(start + OBX_HOUR_MS, b);
	if (to)
		snprintf(buf, n, "{\"to\":\"%s\",\"slot_start\":\"%s\",\"slot_end\":\"%s\"}", to, a,
			 b);
	else
		snprintf(buf, n, "{\"slot_start\":\"%s\",\"slot_end\":\"%s\"}", a, b);
	return buf;
}

/* POST /api/requests/{id}/<what> as the resident; the status. */
static inline int obx_resident(const char *uid, const char *id, const char *what, const char *body)
{
	char path[96];
	struct call c;
	snprintf(path, sizeof(path), "/api/requests/%s/%s", id, what);
	int st = itu_call_as(&c, "POST", path, NULL, body, uid, ROLE_CITIZEN);
	call_end(&c);
	return st;
}

/* POST /api/staff/requests/{id}/transition as staff; the status. */
static inline int obx_staff(const char *uid, const char *id, const char *body)
{
	char path[96];
	struct call c;
	snprintf(path, sizeof(path), "/api/staff/requests/%s/transition", id);
	int st = itu_call_as(&c, "POST", path, NULL, body, uid, ROLE_STAFF);
	call_end(&c);
	return st;
}

/* staff transition to `to` (no slot); the status. */
static inline int obx_staff_to(const char *uid, const char *id, const char *to)
{
	char body[96];
	/* collected needs its proof of service (the weight) */
	snprintf(body, sizeof(body), "{\"to\":\"%s\"%s}", to,
		 strcmp(to, "collected") == 0 ? ",\"weight_kg\":4.5" : "");
	return obx_staff(uid, id, body);
}

/* Creates a request of `category` as the resident (201 or the status), id into id. */
static inline int obx_create(const char *uid, const char *category, char id[25])
{
	char body[320];
	snprintf(body, sizeof(body),
		 "{\"category\":\"%s\",\"description\":\"Crash test\",\"quantity\":2,"
		 "\"address\":{\"line1\":\"7 Crash Lane\",\"city\":\"Pune\","
		 "\"pincode\":\"411001\"}}",
		 category);
	struct call c;
	int st = itu_call_as(&c, "POST", "/api/requests", NULL, body, uid, ROLE_CITIZEN);
	if (st == 201)
		snprintf(id, 25, "%s", jsonx_str(c.json, "id"));
	call_end(&c);
	return st;
}

/* The sweep as the cron job runs it, with no grace period (asserts it ran clean). */
static inline void obx_sweep(void)
{
	struct req_sweep rep;
	struct derr err;
	assert_true(requests_sweep(time_now_ms() + 1000, 0, &rep, &err));
	assert_int_equal(rep.failures, 0);
}

/* One notification, or one notifying status change, as the invariants tally them. */
struct obx_row {
	char request[25];
	char channel[8]; /* "inapp", "email", ... ("" for a change) */
	char event[24];
};
struct obx_rows {
	struct obx_row *v;
	size_t n, cap;
};

static inline void obx_push(struct obx_rows *r, const char *request, const char *channel,
			    const char *event)
{
	if (r->n == r->cap) {
		r->cap = r->cap ? 2 * r->cap : 256;
		r->v = realloc(r->v, r->cap * sizeof(*r->v));
		assert_non_null(r->v);
	}
	struct obx_row *w = &r->v[r->n++];
	snprintf(w->request, sizeof(w->request), "%s", request);
	snprintf(w->channel, sizeof(w->channel), "%s", channel);
	snprintf(w->event, sizeof(w->event), "%s", event);
}

static inline size_t obx_tally(const struct obx_rows *r, const char *request, const char *channel,
			       const char *event)
{
	size_t n = 0;
	for (size_t i = 0; i < r->n; i++)
		n += strcmp(r->v[i].request, request) == 0 &&
		     strcmp(r->v[i].channel, channel) == 0 && strcmp(r->v[i].event, event) == 0;
	return n;
}

/* The event name a STATUS_CHANGE from `from` to `to` notifies (static), or NULL. */
static inline const char *obx_event_name(const char *from, const char *to)
{
	int t = requests_status_parse(to);
	if (t < 0)
		return NULL;
	if (from && strcmp(from, "scheduled") == 0 && t == RS_SCHEDULED)
		return "rescheduled";
	return requests_notify_event((enum req_status)t);
}

/* A UTF-8 field under data.<key> of an event ("" when none). */
static inline const char *obx_data_str(const bson_t *ev, const char *key)
{
	bson_iter_t it, sub;
	if (bson_iter_init_find(&it, ev, "data") && bson_iter_recurse(&it, &sub) &&
	    bson_iter_find(&sub, key) && BSON_ITER_HOLDS_UTF8(&sub))
		return bson_iter_utf8(&sub, NULL);
	return NULL;
}

/* Every notifying status change of the log (channel ""), and every notification. */
static inline void obx_read_rows(struct obx_rows *r)
{
	db_trace_context("itutil", NULL); /* the query-shape check skips the tests' own reads */
	bson_t *q = BCON_NEW("type", BCON_UTF8("STATUS_CHANGE"));
	mongoc_cursor_t *cur =
	    mongoc_collection_find_with_opts(db_coll("request_events"), q, NULL, NULL);
	const bson_t *d;
	bson_error_t err;
	while (mongoc_cursor_next(cur, &d)) {
		bson_iter_t it;
		const char *name = obx_event_name(obx_data_str(d, "from"), obx_data_str(d, "to"));
		if (!name || !bson_iter_init_find(&it, d, "request_id") ||
		    !BSON_ITER_HOLDS_OID(&it))
			continue;
		if (bson_iter_init_find(&it, d, "effects_void")) {
			/* voided only for a create that died before its document: none exists */
			bson_iter_init_find(&it, d, "request_id");
			assert_int_equal(itu_count("pickup_requests",
						   BCON_NEW("_id", BCON_OID(bson_iter_oid(&it)))),
					 0);
			continue;
		}
		bson_iter_init_find(&it, d, "request_id");
		char hex[25];
		bson_oid_to_string(bson_iter_oid(&it), hex);
		obx_push(r, hex, "", name);
	}
	assert_false(mongoc_cursor_error(cur, &err));
	mongoc_cursor_destroy(cur);
	bson_destroy(q);
	q = bson_new();
	cur = mongoc_collection_find_with_opts(db_coll("notifications"), q, NULL, NULL);
	while (mongoc_cursor_next(cur, &d)) {
		bson_iter_t it, sub;
		const char *rid = NULL;
		if (bson_iter_init_find(&it, d, "meta") && bson_iter_recurse(&it, &sub) &&
		    bson_iter_find(&sub, "request_id") && BSON_ITER_HOLDS_UTF8(&sub))
			rid = bson_iter_utf8(&sub, NULL);
		const char *ch = itu_str_of(d, "channel"), *ev = itu_str_of(d, "event");
		if (rid && ch && ev)
			obx_push(r, rid, ch, ev);
	}
	assert_false(mongoc_cursor_error(cur, &err));
	mongoc_cursor_destroy(cur);
	bson_destroy(q);
	db_trace_context(NULL, NULL);
}

/* The invariants after crashes and the sweep, for every request of the test database:
 * seats agree with the requests (itu_assert_seats), no change has effects pending, each
 * notifying status change of the log has exactly one in-app notification and, when its
 * event sends mail (the resident has email on), exactly one queued mail; no notification
 * names a change the log does not hold; one reward per completed request of a category
 * that earns points, none for any other. */
static inline void obx_assert_invariants(void)
{
	itu_assert_seats(true);
	assert_int_equal(itu_count_json("request_events", "{\"effects_pending\": true}"), 0);
	struct obx_rows rows = {0};
	obx_read_rows(&rows);
	for (size_t i = 0; i < rows.n; i++) {
		const struct obx_row *w = &rows.v[i];
		size_t changes = obx_tally(&rows, w->request, "", w->event);
		size_t inapp = obx_tally(&rows, w->request, "inapp", w->event);
		size_t mail = obx_tally(&rows, w->request, "email", w->event);
		size_t want_mail = notify_event_wants_email(w->event) ? changes : 0;
		if (inapp != changes || mail != want_mail)
			fail_msg("request %s: %zu '%s' change(s), %zu in-app and %zu mail "
				 "notification(s)",
				 w->request, changes, w->event, inapp, mail);
	}
	free(rows.v);
	db_trace_context("itutil", NULL);
	bson_t q = BSON_INITIALIZER;
	mongoc_cursor_t *cur =
	    mongoc_collection_find_with_opts(db_coll("pickup_requests"), &q, NULL, NULL);
	const bson_t *d;
	while (mongoc_cursor_next(cur, &d)) {
		bson_iter_t it;
		assert_true(bson_iter_init_find(&it, d, "_id") && BSON_ITER_HOLDS_OID(&it));
		bson_oid_t rid;
		bson_oid_copy(bson_iter_oid(&it), &rid);
		bson_error_t err;
		bson_t *doc = requests_load(&rid, NULL, &err);
		assert_non_null(doc);
		const char *st = itu_str_of(doc, "status");
		int64_t rewards = itu_count("rewards", BCON_NEW("request_id", BCON_OID(&rid)));
		int64_t want =
		    strcmp(st, "completed") == 0 && rewards_points(itu_str_of(doc, "category")) > 0
			? 1
			: 0;
		if (rewards != want)
			fail_msg("request %s: %lld reward(s), expected %lld", st,
				 (long long)rewards, (long long)want);
		bson_destroy(doc);
	}
	bson_error_t err;
	assert_false(mongoc_cursor_error(cur, &err));
	mongoc_cursor_destroy(cur);
	db_trace_context(NULL, NULL);
}

#endif
