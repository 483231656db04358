/* GET /metrics on nginx's internal metrics listener (FastCGI route /api/internal/metrics):
 * the shared request/worker counters of the whole pool (infra/metrics.c) plus what lives
 * in the database, read at scrape time because the processes that change it are short
 * cron runs with no memory of their own: database reachability, seats booked vs capacity
 * today and tomorrow, notifications by channel and status, and the job records that
 * src/infra/job.c writes, and the changes with effects pending (the outbox's backlog).
 * Every query is a count, a $group/$sum or a one-document read,
 * so a scrape stays cheap; when the database is down the scrape still answers with
 * swmra_db_up 0 and the shared counters. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "domain/notify.h"
#include "domain/requests.h"
#include "domain/slots.h"
#include "infra/db.h"
#include "infra/job.h"
#include "infra/log.h"
#include "infra/metrics.h"
#include "infra/strbuf.h"
#include "infra/timeutil.h"

#define MAX_DAY_SLOTS 256
static const char *const queued_channels[] = {"email", "sms", "push"};

static void render_db_up(struct strbuf *b, bool up)
{
	strbuf_printf(
	    b,
	    "# HELP swmra_db_up Whether the database answered a ping during this scrape.\n"
	    "# TYPE swmra_db_up gauge\nswmra_db_up %d\n",
	    up ? 1 : 0);
}

struct seat_sums {
	long capacity, booked, overbooked;
};

/* Seats of local date (today + offset) for one capacity class; false on a database error. */
static bool seats_of_day(int offset, int cls, struct seat_sums *s)
{
	static struct slot_info slots[MAX_DAY_SLOTS];
	int y, m, d;
	slots_local_date(time_now_ms(), &y, &m, &d);
	/* local midnight may sit before 00:00 UTC: the day number of local noon is exact */
	int64_t days = (slots_local_midnight_ms(y, m, d) + 12 * 3600 * 1000) / 86400000 + offset;
	slots_days_to_date(days, &y, &m, &d);
	bson_error_t err;
	int n = slots_day(cls, y, m, d, slots, MAX_DAY_SLOTS, &err);
	if (n < 0) {
		log_warn("metrics: seats of day +%d: %s", offset, err.message);
		return false;
	}
	*s = (struct seat_sums){0};
	for (int i = 0; i < n; i++) {
		int cap = slots[i].closed ? 0 : slots[i].capacity;
		s->capacity += cap;
		s->booked += slots[i].booked;
		if (slots[i].booked > cap)
			s->overbooked += slots[i].booked - cap;
	}
	return true;
}

static void render_seats(struct strbuf *b)
{
	static const char *const day_names[] = {"today", "tomorrow"};
	struct seat_sums sums[2][SLOT_CLASS_COUNT];
	bool ok[2][SLOT_CLASS_COUNT];
	for (int day = 0; day < 2; day++)
		for (int c = 0; c < SLOT_CLASS_COUNT; c++)
			ok[day][c] = seats_of_day(day, c, &sums[day][c]);
	static const struct {
		const char *name, *help;
		size_t off;
	} series[] = {
	    {"swmra_seats_capacity", "Pickup seats offered (open slots) by local day and class.",
	     offsetof(struct seat_sums, capacity)},
	    {"swmra_seats_booked", "Pickup seats booked by local day and class.",
	     offsetof(struct seat_sums, booked)},
	    {"swmra_seats_overbooked",
	     "Seats booked beyond a slot's capacity (closed slots count all), by day and class.",
	     offsetof(struct seat_sums, overbooked)},
	};
	for (size_t k = 0; k < sizeof(series) / sizeof(series[0]); k++) {
		strbuf_printf(b, "# HELP %s %s\n# TYPE %s gauge\n", series[k].name, series[k].help,
			      series[k].name);
		for (int day = 0; day < 2; day++)
			for (int c = 0; c < SLOT_CLASS_COUNT; c++)
				if (ok[day][c])
					strbuf_printf(
					    b, "%s{day=\"%s\",class=\"%s\"} %ld\n", series[k].name,
					    day_names[day], slots_class_name(c),
					    *(long *)((char *)&sums[day][c] + series[k].off));
	}
}

/* One $group/$sum pass; each result line becomes one sample of `name` labelled by the
 * group key's fields. */
static void render_grouped(struct strbuf *b, const char *name, bson_t *pipeline)
{
	mongoc_cursor_t *cur = mongoc_collection_aggregate(db_coll("notifications"),
							   MONGOC_QUERY_NONE, pipeline, NULL, NULL);
	const bson_t *doc;
	while (mongoc_cursor_next(cur, &doc)) {
		bson_iter_t it, key;
		if (!bson_iter_init_find(&it, doc, "_id") || !BSON_ITER_HOLDS_DOCUMENT(&it) ||
		    !bson_iter_recurse(&it, &key))
			continue;
		strbuf_printf(b, "%s{", name);
		bool first = true;
		while (bson_iter_next(&key)) {
			if (!BSON_ITER_HOLDS_UTF8(&key))
				continue;
			strbuf_printf(b, "%s%s=\"", first ? "" : ",", bson_iter_key(&key));
			metrics_label(b, bson_iter_utf8(&key, NULL));
			strbuf_add(b, "\"");
			first = false;
		}
		bson_iter_t n;
		int64_t v = bson_iter_init_find(&n, doc, "n") ? bson_iter_as_int64(&n) : 0;
		strbuf_printf(b, "} %lld\n", (long long)v);
	}
	bson_error_t err;
	if (mongoc_cursor_error(cur, &err))
		log_warn("metrics: %s: %s", name, err.message);
	mongoc_cursor_destroy(cur);
	bson_destroy(pipeline);
}

/* Age of the oldest queued notification of a channel; -1 when none (or on an error). */
static double oldest_queued_age(const char *channel, int64_t now)
{
	int64_t n, oldest;
	bson_error_t err;
	if (!notify_queue_depth(channel, &n, &oldest, &err)) {
		log_warn("metrics: queue of %s: %s", channel, err.message);
		return -1;
	}
	return oldest < 0 ? -1 : (double)(now - oldest) / 1e3;
}

/* The outbox's backlog: changes whose effects (seats, rewards, notifications) still wait
 * for their winner, a read or the sweep. A few young ones are normal (milliseconds in
 * flight); an old one means the sweep is not settling it (SwmraEffectsPending). */
static void render_effects(struct strbuf *b)
{
	int64_t n, oldest;
	bson_error_t err;
	if (!requests_effects_pending(&n, &oldest, &err)) {
		log_warn("metrics: effects pending: %s", err.message);
		return;
	}
	strbuf_printf(b,
		      "# HELP swmra_effects_pending Changes whose effects await their writer, a "
		      "read or the sweep.\n# TYPE swmra_effects_pending gauge\n"
		      "swmra_effects_pending %lld\n"
		      "# HELP swmra_effects_pending_oldest_age_seconds Age of the oldest change "
		      "with effects pending (0 when none).\n"
		      "# TYPE swmra_effects_pending_oldest_age_seconds gauge\n"
		      "swmra_effects_pending_oldest_age_seconds %.3f\n",
		      (long long)n, oldest < 0 ? 0 : (double)(time_now_ms() - oldest) / 1e3);
}

static void render_notifications(struct strbuf *b)
{
	strbuf_add(b, "# HELP swmra_notifications Stored notifications by channel and status "
		      "(queued, sent, failed; in-app ones are sent at once).\n"
		      "# TYPE swmra_notifications gauge\n");
	render_grouped(b, "swmra_notifications",
		       BCON_NEW("pipeline", "[", "{", "$group", "{", "_id", "{", "channel",
				BCON_UTF8("$channel"), "status", BCON_UTF8("$status"), "}", "n",
				"{", "$sum", BCON_INT32(1), "}", "}", "}", "]"));
	strbuf_add(b, "# HELP swmra_notifications_retried Stored notifications that needed more "
		      "than one delivery attempt, by channel and status.\n"
		      "# TYPE swmra_notifications_retried gauge\n");
	render_grouped(b, "swmra_notifications_retried",
		       BCON_NEW("pipeline", "[", "{", "$match", "{", "attempts", "{", "$gte",
				BCON_INT32(2), "}", "}", "}", "{", "$group", "{", "_id", "{",
				"channel", BCON_UTF8("$channel"), "status", BCON_UTF8("$status"),
				"}", "n", "{", "$sum", BCON_INT32(1), "}", "}", "}", "]"));
	strbuf_add(b, "# HELP swmra_notifications_queue_oldest_age_seconds Age of the oldest "
		      "queued notification by channel (0 when none is queued).\n"
		      "# TYPE swmra_notifications_queue_oldest_age_seconds gauge\n");
	int64_t now = time_now_ms();
	for (size_t i = 0; i < sizeof(queued_channels) / sizeof(queued_channels[0]); i++) {
		double age = oldest_queued_age(queued_channels[i], now);
		strbuf_printf(b,
			      "swmra_notifications_queue_oldest_age_seconds{channel=\"%s\"} %.3f\n",
			      queued_channels[i], age < 0 ? 0 : age);
	}
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

static void render_jobs(struct strbuf *b)
{
	static const struct {
		const char *name, *key, *help;
		bool date;
	} series[] = {
	    {"swmra_job_last_start_timestamp_seconds", "last_start_at",
	     "When the job's latest run started (Unix time).", true},
	    {"swmra_job_last_success_timestamp_seconds", "last_success_at",
	     "When a run of the job last ended without failures (Unix time).", true},
	    {"swmra_job_last_end_timestamp_seconds", "last_end_at",
	     "When the job's latest finished run ended (Unix time).", true},
	    {"swmra_job_last_duration_seconds", "last_duration_seconds",
	     "How long the job's latest finished run took.", false},
	    {"swmra_job_last_items_processed", "last_items",
	     "Items (actions) the job's latest finished run handled.", false},
	    {"swmra_job_last_failures", "last_failures",
	     "Items that failed in the job's latest finished run (retried later).", false},
	    {"swmra_job_period_seconds", "period_seconds",
	     "How often cron is expected to run the job.", false},
	};
	enum { NSERIES = sizeof(series) / sizeof(series[0]) };
	struct strbuf part[NSERIES] = {0};
	bson_t *q = bson_new();
	mongoc_cursor_t *cur =
	    mongoc_collection_find_with_opts(db_coll(JOB_STATUS_COLL), q, NULL, NULL);
	const bson_t *doc;
	while (mongoc_cursor_next(cur, &doc)) {
		bson_iter_t it;
		if (!bson_iter_init_find(&it, doc, "_id") || !BSON_ITER_HOLDS_UTF8(&it))
			continue;
		const char *job = bson_iter_utf8(&it, NULL);
		for (int k = 0; k < NSERIES; k++) {
			double v =
			    series[k].date ? date_s(doc, series[k].key) : num(doc, series[k].key);
			if (v < 0)
				continue;
			/* not "job": Prometheus keeps that label for the scrape target */
			strbuf_printf(&part[k], "%s{name=\"", series[k].name);
			metrics_label(&part[k], job);
			strbuf_printf(&part[k], "\"} %.3f\n", v);
		}
	}
	mongoc_cursor_destroy(cur);
	bson_destroy(q);
	/* one family at a time: the text format wants each metric's samples together */
	for (int k = 0; k < NSERIES; k++) {
		strbuf_printf(b, "# HELP %s %s\n# TYPE %s gauge\n", series[k].name, series[k].help,
			      series[k].name);
		char *s = strbuf_take(&part[k]);
		if (s)
			strbuf_add(b, s);
		free(s);
	}
}

int api_internal_metrics(struct http_request *req, struct http_response *res)
{
	/* set by nginx's internal metrics listener only (not an HTTP_* param: no client header
	 * can produce it): the one place /metrics is answered */
	const char *marker = http_request_param(req, "SWMRA_METRICS_LISTENER");
	if (!marker || strcmp(marker, "1") != 0)
		return http_error(res, 404, "Not Found");
	struct strbuf b = {0};
	metrics_render(&b);
	double ms;
	bson_error_t err;
	bool up = db_client() && db_ping(&ms, &err);
	render_db_up(&b, up);
	if (up) {
		render_seats(&b);
		render_notifications(&b);
		render_effects(&b);
		render_jobs(&b);
	}
	char *body = strbuf_take(&b);
	if (!body)
		return http_error(res, 500, "Internal server error");
	int st = http_raw(res, 200, "text/plain; version=0.0.4; charset=utf-8", body, strlen(body));
	free(body);
	return st;
}
