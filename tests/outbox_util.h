/* Shared by the crash tests of the outbox (test_outbox_faults, test_outbox_chaos): the
 * calls they make and the invariants they check once the sweep has run. */
#ifndef SWMRA_OUTBOX_UTIL_H
#define SWMRA_OUTBOX_UTIL_H

#include "itutil.h"

#include "domain/notify.h"
#include "domain/requests.h"
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
static inline int obx_resident(const char *uid, const char *id, const char *what,
			       const char *body)
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
	char body[64];
	snprintf(body, sizeof(body), "{\"to\":\"%s\"}", to);
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
	bson_error_t err;
	assert_true(requests_sweep(time_now_ms() + 1000, 0, &rep, &err));
	assert_int_equal(rep.failures, 0);
}

/* How many notifications of request `id` on `channel` for `event`. */
static inline int64_t obx_notifications(const char *id, const char *channel, const char *event)
{
	return itu_count(
	    "notifications",
	    BCON_NEW("meta.request_id", BCON_UTF8(id), "channel", BCON_UTF8(channel), "event",
		     BCON_UTF8(event)));
}

/* The notify events a request's log owes, counted per event name into counts[] (indexed
 * like names[], n of them), from its STATUS_CHANGE events. */
#define OBX_MAX_EVENTS 16
struct obx_owed {
	const char *names[OBX_MAX_EVENTS];
	int counts[OBX_MAX_EVENTS];
	int n;
};

static inline void obx_owe(struct obx_owed *o, const char *name)
{
	for (int i = 0; i < o->n; i++) {
		if (strcmp(o->names[i], name) == 0) {
			o->counts[i]++;
			return;
		}
	}
	assert_true(o->n < OBX_MAX_EVENTS);
	o->names[o->n] = name;
	o->counts[o->n++] = 1;
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

static inline void obx_owed_of(const bson_oid_t *rid, struct obx_owed *o)
{
	memset(o, 0, sizeof(*o));
	bson_t *q = BCON_NEW("request_id", BCON_OID(rid), "type", BCON_UTF8("STATUS_CHANGE"));
	mongoc_cursor_t *cur =
	    mongoc_collection_find_with_opts(db_coll("request_events"), q, NULL, NULL);
	const bson_t *ev;
	while (mongoc_cursor_next(cur, &ev)) {
		bson_iter_t it, from, to;
		assert_true(bson_iter_init_find(&it, ev, "data"));
		const char *f = NULL, *t = NULL;
		if (bson_iter_recurse(&it, &from) && bson_iter_find(&from, "from") &&
		    BSON_ITER_HOLDS_UTF8(&from))
			f = bson_iter_utf8(&from, NULL);
		if (bson_iter_recurse(&it, &to) && bson_iter_find(&to, "to") &&
		    BSON_ITER_HOLDS_UTF8(&to))
			t = bson_iter_utf8(&to, NULL);
		const char *name = obx_event_name(f, t);
		if (name)
			obx_owe(o, name);
	}
	bson_error_t err;
	assert_false(mongoc_cursor_error(cur, &err));
	mongoc_cursor_destroy(cur);
	bson_destroy(q);
}

/* The invariants after a crash and the sweep, for every request of the test database:
 * seats agree with the requests (itu_assert_seats), no change has effects pending, each
 * status change notified exactly once in-app with exactly one queued mail when its event
 * sends mail (the resident has email on), nothing notified that no change owes, and one
 * reward per completed request of a category that earns points. */
static inline void obx_assert_invariants(void)
{
	itu_assert_seats(true);
	assert_int_equal(itu_count_json("request_events", "{\"effects_pending\": true}"), 0);
	bson_t q = BSON_INITIALIZER;
	mongoc_cursor_t *cur =
	    mongoc_collection_find_with_opts(db_coll("pickup_requests"), &q, NULL, NULL);
	const bson_t *d;
	int64_t notified = 0, owed_total = 0;
	while (mongoc_cursor_next(cur, &d)) {
		bson_iter_t it;
		assert_true(bson_iter_init_find(&it, d, "_id") && BSON_ITER_HOLDS_OID(&it));
		bson_oid_t rid;
		bson_oid_copy(bson_iter_oid(&it), &rid);
		char hex[25];
		bson_oid_to_string(&rid, hex);
		struct obx_owed o;
		obx_owed_of(&rid, &o);
		for (int i = 0; i < o.n; i++) {
			int64_t inapp = obx_notifications(hex, "inapp", o.names[i]);
			int64_t mail = obx_notifications(hex, "email", o.names[i]);
			int64_t want_mail = notify_event_wants_email(o.names[i]) ? o.counts[i] : 0;
			if (inapp != o.counts[i] || mail != want_mail)
				fail_msg("request %s: %d '%s' change(s), %lld in-app and %lld mail "
					 "notification(s)",
					 hex, o.counts[i], o.names[i], (long long)inapp,
					 (long long)mail);
			owed_total += o.counts[i];
		}
		bson_error_t err;
		bson_t *doc = requests_load(&rid, NULL, &err);
		assert_non_null(doc);
		const char *st = itu_str_of(doc, "status");
		int64_t rewards = itu_count("rewards", BCON_NEW("request_id", BCON_OID(&rid)));
		int64_t want = strcmp(st, "completed") == 0 &&
				       config_reward_points(itu_str_of(doc, "category")) > 0
				   ? 1
				   : 0;
		if (rewards != want)
			fail_msg("request %s (%s): %lld reward(s), expected %lld", hex, st,
				 (long long)rewards, (long long)want);
		bson_destroy(doc);
		notified += itu_count("notifications",
				      BCON_NEW("meta.request_id", BCON_UTF8(hex), "channel",
					       BCON_UTF8("inapp")));
	}
	bson_error_t err;
	assert_false(mongoc_cursor_error(cur, &err));
	mongoc_cursor_destroy(cur);
	if (notified != owed_total)
		fail_msg("%lld in-app notifications for %lld notified changes", (long long)notified,
			 (long long)owed_total);
}

#endif
