/* GET /api/staff/reports/summary?from=YYYY-MM-DD&to=YYYY-MM-DD: the operations summary
 * (domain/reports.h) of the requests created on those days (both included) in
 * SERVICE_TZ; without them the last 30 days up to today. */
#include <stdio.h>
#include <time.h>

#include "api/api.h"
#include "domain/reports.h"
#include "infra/timeutil.h"

#define DEFAULT_DAYS 30

/* Local midnight of y-m-d (+ `plus` days; mktime normalises) in ms. */
static int64_t midnight(int y, int m, int d, int plus)
{
	struct tm t = {.tm_year = y - 1900, .tm_mon = m - 1, .tm_mday = d + plus, .tm_isdst = -1};
	return (int64_t)mktime(&t) * 1000;
}

static void label(int y, int m, int d, int plus, char out[11])
{
	struct tm t = {.tm_year = y - 1900,
		       .tm_mon = m - 1,
		       .tm_mday = d + plus,
		       .tm_hour = 12,
		       .tm_isdst = -1};
	mktime(&t);
	strftime(out, 11, "%Y-%m-%d", &t);
}

static json_object *counts_json(const struct reports_count *c, size_t n)
{
	json_object *o = json_object_new_object();
	for (size_t i = 0; i < n; i++)
		json_object_object_add(o, c[i].name, json_object_new_int64(c[i].count));
	return o;
}

/* [{<key>: name, count}] of `c`. */
static json_object *count_list_json(const char *key, const struct reports_count *c, size_t n)
{
	json_object *a = json_object_new_array();
	for (size_t i = 0; i < n; i++) {
		json_object *e = json_object_new_object();
		json_object_object_add(e, key, json_object_new_string(c[i].name));
		json_object_object_add(e, "count", json_object_new_int64(c[i].count));
		json_object_array_add(a, e);
	}
	return a;
}

/* The ReportSummary shape (docs/openapi.yaml) of `s`, its days labelled by `labels`. */
static json_object *summary_json(const struct reports_summary *s, const char (*labels)[11])
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "total", json_object_new_int64(s->total));
	json_object_object_add(o, "by_status", counts_json(s->by_status, s->n_statuses));
	json_object_object_add(o, "by_category", counts_json(s->by_category, s->n_categories));
	json_object *days = json_object_new_array();
	for (int d = 0; d < s->n_days; d++) {
		json_object *e = json_object_new_object();
		json_object_object_add(e, "date", json_object_new_string(labels[d]));
		json_object_object_add(e, "count", json_object_new_int64(s->by_day[d]));
		json_object_array_add(days, e);
	}
	json_object_object_add(o, "by_day", days);
	json_object_object_add(o, "completion_rate", json_object_new_double(s->completion_rate));
	json_object_object_add(o, "failure_rate", json_object_new_double(s->failure_rate));
	json_object_object_add(o, "failure_reasons",
			       count_list_json("reason", s->failure_reasons, s->n_failure_reasons));
	json_object *m = json_object_new_object();
	json_object_object_add(m, "submitted_to_scheduled",
			       s->has_to_scheduled ? json_object_new_double(s->median_to_scheduled)
						   : NULL);
	json_object_object_add(m, "scheduled_to_completed",
			       s->has_to_completed ? json_object_new_double(s->median_to_completed)
						   : NULL);
	json_object_object_add(o, "median_hours", m);
	json_object *kg = json_object_new_object();
	for (size_t i = 0; i < s->n_categories; i++)
		json_object_object_add(kg, s->by_category[i].name,
				       json_object_new_double(s->kg_by_category[i]));
	json_object_object_add(o, "kg_by_category", kg);
	json_object_object_add(o, "kg_total", json_object_new_double(s->kg_total));
	return o;
}

/* A query date into y/m/d; absent: the `def` date. */
static bool query_date(struct http_request *req, struct verrors *e, const char *key, const int *def,
		       int ymd[3])
{
	const char *s = http_query(req, key);
	if (!s || !*s) {
		ymd[0] = def[0], ymd[1] = def[1], ymd[2] = def[2];
		return true;
	}
	if (time_parse_date(s, &ymd[0], &ymd[1], &ymd[2]))
		return true;
	char loc[32];
	snprintf(loc, sizeof(loc), "query.%s", key);
	verr_add(e, loc, "Input should be a date YYYY-MM-DD", "date_parsing");
	return false;
}

int api_staff_reports_summary(struct http_request *req, struct http_response *res)
{
	time_t now = (time_t)(time_now_ms() / 1000);
	struct tm today;
	localtime_r(&now, &today);
	int to_def[3] = {today.tm_year + 1900, today.tm_mon + 1, today.tm_mday}, to[3], from[3];
	struct verrors *e = http_verrors(req);
	bool ok = query_date(req, e, "to", to_def, to);
	char def_label[11];
	int from_def[3] = {0};
	if (ok) {
		label(to[0], to[1], to[2], -(DEFAULT_DAYS - 1), def_label);
		time_parse_date(def_label, &from_def[0], &from_def[1], &from_def[2]);
	}
	ok = query_date(req, e, "from", from_def, from) && ok;
	int n = 0;
	if (ok) {
		int64_t a = midnight(from[0], from[1], from[2], 0);
		int64_t b = midnight(to[0], to[1], to[2], 1);
		n = (int)((b - a + 43200000) / 86400000); /* whole days, across DST changes */
		if (b <= a)
			verr_add(e, "query.from", "from should not be after to", "date_order");
		else if (n > REPORTS_MAX_DAYS)
			verr_add(e, "query.from", "The range is longer than 366 days",
				 "date_range");
	}
	if (verr_any(e))
		return http_validation(res, e);
	int64_t *days = arena_alloc(req->arena, (size_t)(n + 1) * sizeof(*days));
	char(*labels)[11] = arena_alloc(req->arena, (size_t)n * sizeof(*labels));
	for (int i = 0; i <= n; i++)
		days[i] = midnight(from[0], from[1], from[2], i);
	for (int i = 0; i < n; i++)
		label(from[0], from[1], from[2], i, labels[i]);
	struct derr err;
	struct reports_summary s;
	if (!reports_summary(days, n, &s, &err))
		return api_derr(res, &err);
	json_object *o = summary_json(&s, (const char(*)[11])labels);
	reports_summary_free(&s);
	json_object_object_add(o, "from", json_object_new_string(labels[0]));
	json_object_object_add(o, "to", json_object_new_string(labels[n - 1]));
	return http_json(res, 200, o);
}
