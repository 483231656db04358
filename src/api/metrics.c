/* GET /metrics on nginx's internal metrics listener (FastCGI route /api/internal/metrics):
 * the shared request/worker counters of the whole pool (infra/metrics.c) plus what lives
 * in the database, read at scrape time because the processes that change it are short
 * cron runs with no memory of their own: database reachability, seats booked vs capacity
 * today and tomorrow, notifications by channel and status, and the job records that
 * src/infra/job.c writes, and the changes with effects pending (the outbox's backlog).
 * The reads are domain/metrics_store.h's; this file renders the text format. When the
 * database is down the scrape still answers with swmra_db_up 0 and the shared counters. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "domain/metrics_store.h"
#include "domain/slots.h"
#include "infra/metrics.h"
#include "infra/strbuf.h"
#include "infra/timeutil.h"

static const char *const queued_channels[] = {"email", "sms", "push"};

static void render_db_up(struct strbuf *b, bool up)
{
	strbuf_printf(
	    b,
	    "# HELP swmra_db_up Whether the database answered a ping during this scrape.\n"
	    "# TYPE swmra_db_up gauge\nswmra_db_up %d\n",
	    up ? 1 : 0);
}

static void render_seats(struct strbuf *b)
{
	static const char *const day_names[] = {"today", "tomorrow"};
	struct metrics_seats sums[2][SLOT_CLASS_COUNT];
	bool ok[2][SLOT_CLASS_COUNT];
	for (int day = 0; day < 2; day++)
		for (int c = 0; c < SLOT_CLASS_COUNT; c++)
			ok[day][c] = metrics_store_seats(day, c, &sums[day][c]);
	static const struct {
		const char *name, *help;
		size_t off;
	} series[] = {
	    {"swmra_seats_capacity", "Pickup seats offered (open slots) by local day and class.",
	     offsetof(struct metrics_seats, capacity)},
	    {"swmra_seats_booked", "Pickup seats booked by local day and class.",
	     offsetof(struct metrics_seats, booked)},
	    {"swmra_seats_overbooked",
	     "Seats booked beyond a slot's capacity (closed slots count all), by day and class.",
	     offsetof(struct metrics_seats, overbooked)},
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

struct group_out {
	struct strbuf *b;
	const char *name;
};

/* One sample of a grouped series, labelled by the group key's fields. */
static void group_sample(void *ctx, const char *const *names, const char *const *values, size_t n,
			 int64_t count)
{
	struct group_out *g = ctx;
	strbuf_printf(g->b, "%s{", g->name);
	for (size_t i = 0; i < n; i++) {
		strbuf_printf(g->b, "%s%s=\"", i ? "," : "", names[i]);
		metrics_label(g->b, values[i]);
		strbuf_add(g->b, "\"");
	}
	strbuf_printf(g->b, "} %lld\n", (long long)count);
}

/* Age of the oldest queued notification of a channel; -1 when none (or on an error). */
static double oldest_queued_age(const char *channel, int64_t now)
{
	int64_t oldest;
	if (!metrics_store_queue_oldest(channel, &oldest))
		return -1;
	return oldest < 0 ? -1 : (double)(now - oldest) / 1e3;
}

/* The outbox's backlog: changes whose effects (seats, rewards, notifications) still wait
 * for their winner, a read or the sweep. A few young ones are normal (milliseconds in
 * flight); an old one means the sweep is not settling it (SwmraEffectsPending). */
static void render_effects(struct strbuf *b)
{
	int64_t n, oldest;
	if (!metrics_store_effects(&n, &oldest))
		return;
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
	struct group_out g = {b, "swmra_notifications"};
	metrics_store_notifications(false, group_sample, &g);
	strbuf_add(b, "# HELP swmra_notifications_retried Stored notifications that needed more "
		      "than one delivery attempt, by channel and status.\n"
		      "# TYPE swmra_notifications_retried gauge\n");
	g.name = "swmra_notifications_retried";
	metrics_store_notifications(true, group_sample, &g);
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

static const struct {
	const char *name, *help;
	size_t off;
} job_series[] = {
    {"swmra_job_last_start_timestamp_seconds", "When the job's latest run started (Unix time).",
     offsetof(struct metrics_job, last_start_at)},
    {"swmra_job_last_success_timestamp_seconds",
     "When a run of the job last ended without failures (Unix time).",
     offsetof(struct metrics_job, last_success_at)},
    {"swmra_job_last_end_timestamp_seconds",
     "When the job's latest finished run ended (Unix time).",
     offsetof(struct metrics_job, last_end_at)},
    {"swmra_job_last_duration_seconds", "How long the job's latest finished run took.",
     offsetof(struct metrics_job, last_duration_seconds)},
    {"swmra_job_last_items_processed", "Items (actions) the job's latest finished run handled.",
     offsetof(struct metrics_job, last_items)},
    {"swmra_job_last_failures",
     "Items that failed in the job's latest finished run (retried later).",
     offsetof(struct metrics_job, last_failures)},
    {"swmra_job_period_seconds", "How often cron is expected to run the job.",
     offsetof(struct metrics_job, period_seconds)},
};
enum { NJOB_SERIES = sizeof(job_series) / sizeof(job_series[0]) };

/* The samples of one job record, each into its family's part. */
static void job_samples(void *ctx, const struct metrics_job *j)
{
	struct strbuf *part = ctx;
	for (int k = 0; k < NJOB_SERIES; k++) {
		double v = *(const double *)((const char *)j + job_series[k].off);
		if (v < 0)
			continue;
		/* not "job": Prometheus keeps that label for the scrape target */
		strbuf_printf(&part[k], "%s{name=\"", job_series[k].name);
		metrics_label(&part[k], j->name);
		strbuf_printf(&part[k], "\"} %.3f\n", v);
	}
}

static void render_jobs(struct strbuf *b)
{
	struct strbuf part[NJOB_SERIES] = {0};
	metrics_store_jobs(job_samples, part);
	/* one family at a time: the text format wants each metric's samples together */
	for (int k = 0; k < NJOB_SERIES; k++) {
		strbuf_printf(b, "# HELP %s %s\n# TYPE %s gauge\n", job_series[k].name,
			      job_series[k].help, job_series[k].name);
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
	bool up = metrics_store_up();
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
