#include "domain/metrics_store.h"

#include <string.h>

#include "domain/notify.h"
#include "domain/requests.h"
#include "domain/internal/requests_store.h"
#include "domain/slots.h"
#include "infra/db.h"
#include "infra/job.h"
#include "infra/log.h"
#include "infra/timeutil.h"

#define MAX_DAY_SLOTS	 256
#define MAX_GROUP_LABELS 8

bool metrics_store_up(void)
{
	double ms;
	bson_error_t err;
	return db_client() && db_ping(&ms, &err);
}

bool metrics_store_seats(int offset, int cls, struct metrics_seats *s)
{
	static struct slot_info slots[MAX_DAY_SLOTS];
	int y, m, d;
	slots_local_date(time_now_ms(), &y, &m, &d);
	/* local midnight may sit before 00:00 UTC: the day number of local noon is exact */
	int64_t days = (slots_local_midnight_ms(y, m, d) + 12 * 3600 * 1000) / 86400000 + offset;
	slots_days_to_date(days, &y, &m, &d);
	struct derr err;
	int n = slots_day(cls, y, m, d, slots, MAX_DAY_SLOTS, &err);
	if (n < 0) {
		log_warn("metrics: seats of day +%d: %s", offset, err.message);
		return false;
	}
	*s = (struct metrics_seats){0};
	for (int i = 0; i < n; i++) {
		int cap = slots[i].closed ? 0 : slots[i].capacity;
		s->capacity += cap;
		s->booked += slots[i].booked;
		if (slots[i].booked > cap)
			s->overbooked += slots[i].booked - cap;
	}
	return true;
}

/* One result line of a $group: the string fields of its _id as labels, and its "n". */
static void group_line(const bson_t *doc, metrics_group_fn each, void *ctx)
{
	bson_iter_t it, key;
	if (!bson_iter_init_find(&it, doc, "_id") || !BSON_ITER_HOLDS_DOCUMENT(&it) ||
	    !bson_iter_recurse(&it, &key))
		return;
	const char *names[MAX_GROUP_LABELS], *values[MAX_GROUP_LABELS];
	size_t n = 0;
	while (bson_iter_next(&key) && n < MAX_GROUP_LABELS) {
		if (!BSON_ITER_HOLDS_UTF8(&key))
			continue;
		names[n] = bson_iter_key(&key);
		values[n++] = bson_iter_utf8(&key, NULL);
	}
	bson_iter_t c;
	int64_t count = bson_iter_init_find(&c, doc, "n") ? bson_iter_as_int64(&c) : 0;
	each(ctx, names, values, n, count);
}

void metrics_store_notifications(bool retried, metrics_group_fn each, void *ctx)
{
	bson_t *pipeline =
	    retried ? BCON_NEW("pipeline", "[", "{", "$match", "{", "attempts", "{", "$gte",
			       BCON_INT32(2), "}", "}", "}", "{", "$group", "{", "_id", "{",
			       "channel", BCON_UTF8("$channel"), "status", BCON_UTF8("$status"),
			       "}", "n", "{", "$sum", BCON_INT32(1), "}", "}", "}", "]")
		    : BCON_NEW("pipeline", "[", "{", "$group", "{", "_id", "{", "channel",
			       BCON_UTF8("$channel"), "status", BCON_UTF8("$status"), "}", "n", "{",
			       "$sum", BCON_INT32(1), "}", "}", "}", "]");
	mongoc_cursor_t *cur = mongoc_collection_aggregate(db_coll("notifications"),
							   MONGOC_QUERY_NONE, pipeline, NULL, NULL);
	const bson_t *doc;
	while (mongoc_cursor_next(cur, &doc))
		group_line(doc, each, ctx);
	bson_error_t err;
	if (mongoc_cursor_error(cur, &err))
		log_warn("metrics: %s: %s",
			 retried ? "swmra_notifications_retried" : "swmra_notifications",
			 err.message);
	mongoc_cursor_destroy(cur);
	bson_destroy(pipeline);
}

bool metrics_store_queue_oldest(const char *channel, int64_t *oldest_ms)
{
	int64_t n;
	struct derr err;
	if (!notify_queue_depth(channel, &n, oldest_ms, &err)) {
		log_warn("metrics: queue of %s: %s", channel, err.message);
		return false;
	}
	return true;
}

bool metrics_store_effects(int64_t *count, int64_t *oldest_ms)
{
	bson_error_t err;
	if (!requests_effects_pending(count, oldest_ms, &err)) {
		log_warn("metrics: effects pending: %s", err.message);
		return false;
	}
	return true;
}

static double date_s(const bson_t *doc, const char *key)
{
	bson_iter_t it;
	if (bson_iter_init_find(&it, doc, key) && BSON_ITER_HOLDS_DATE_TIME(&it))
		return (double)bson_iter_date_time(&it) / 1e3;
	return -1;
}

static double num(const bson_t *doc, const char *key)
{
	bson_iter_t it;
	if (bson_iter_init_find(&it, doc, key) && BSON_ITER_HOLDS_NUMBER(&it))
		return bson_iter_as_double(&it);
	return -1;
}

void metrics_store_jobs(void (*each)(void *ctx, const struct metrics_job *j), void *ctx)
{
	bson_t *q = bson_new();
	mongoc_cursor_t *cur =
	    mongoc_collection_find_with_opts(db_coll(JOB_STATUS_COLL), q, NULL, NULL);
	const bson_t *doc;
	while (mongoc_cursor_next(cur, &doc)) {
		bson_iter_t it;
		if (!bson_iter_init_find(&it, doc, "_id") || !BSON_ITER_HOLDS_UTF8(&it))
			continue;
		struct metrics_job j = {
		    .name = bson_iter_utf8(&it, NULL),
		    .last_start_at = date_s(doc, "last_start_at"),
		    .last_success_at = date_s(doc, "last_success_at"),
		    .last_end_at = date_s(doc, "last_end_at"),
		    .last_duration_seconds = num(doc, "last_duration_seconds"),
		    .last_items = num(doc, "last_items"),
		    .last_failures = num(doc, "last_failures"),
		    .period_seconds = num(doc, "period_seconds"),
		};
		each(ctx, &j);
	}
	mongoc_cursor_destroy(cur);
	bson_destroy(q);
}
