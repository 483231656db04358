/* swmra-jobs status: each cron job's last run as src/infra/job.c records it in
 * `job_status`: start, outcome, duration, items, last success, and the next expected run
 * (last start + period). A job is OVERDUE when it has not succeeded within twice its
 * period (the SwmraJobNotSucceeding alert's rule). */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "infra/config.h"
#include "infra/db.h"
#include "infra/job.h"
#include "infra/runtime.h"
#include "infra/timeutil.h"
#include "infra/webpush.h"

struct job_row {
	char name[64], result[16];
	int64_t start, end, success; /* ms; -1 when absent */
	double duration;	     /* s; -1 when absent */
	int items, failures, period; /* -1 when absent */
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: swmra-jobs status [--json] [--env-file PATH]\n"
		"Prints each cron job's last run, outcome, duration, items and next expected\n"
		"run from the job records in the database. OVERDUE: no success within twice\n"
		"the job's period. Exit codes: 0 ok, 1 database error, 2 usage/configuration.\n");
}

static int64_t doc_date(const bson_t *d, const char *k)
{
	bson_iter_t it;
	return bson_iter_init_find(&it, d, k) && BSON_ITER_HOLDS_DATE_TIME(&it)
		   ? bson_iter_date_time(&it)
		   : -1;
}

static double doc_num(const bson_t *d, const char *k)
{
	bson_iter_t it;
	return bson_iter_init_find(&it, d, k) && BSON_ITER_HOLDS_NUMBER(&it)
		   ? bson_iter_as_double(&it)
		   : -1;
}

static void row_from(const bson_t *d, struct job_row *r)
{
	bson_iter_t it;
	memset(r, 0, sizeof(*r));
	if (bson_iter_init_find(&it, d, "_id") && BSON_ITER_HOLDS_UTF8(&it))
		snprintf(r->name, sizeof(r->name), "%s", bson_iter_utf8(&it, NULL));
	if (bson_iter_init_find(&it, d, "last_result") && BSON_ITER_HOLDS_UTF8(&it))
		snprintf(r->result, sizeof(r->result), "%s", bson_iter_utf8(&it, NULL));
	r->start = doc_date(d, "last_start_at");
	r->end = doc_date(d, "last_end_at");
	r->success = doc_date(d, "last_success_at");
	r->duration = doc_num(d, "last_duration_seconds");
	r->items = (int)doc_num(d, "last_items");
	r->failures = (int)doc_num(d, "last_failures");
	r->period = (int)doc_num(d, "period_seconds");
}

/* No success within twice the period, counted from the last success or, never having
 * succeeded, from the first start we know of. */
static bool row_overdue(const struct job_row *r, int64_t now)
{
	if (r->period <= 0)
		return false;
	int64_t since = r->success >= 0 ? r->success : r->start;
	return since >= 0 && now - since > 2 * (int64_t)r->period * 1000;
}

/* A run that started after the last end is still going (or died). */
static const char *row_result(const struct job_row *r)
{
	if (r->start >= 0 && r->start > r->end)
		return "running";
	return r->result[0] ? r->result : "-";
}

static json_object *date_json(int64_t ms)
{
	if (ms < 0)
		return NULL;
	char buf[TIME_RFC3339_LEN];
	time_format_rfc3339(ms, buf);
	return json_object_new_string(buf);
}

static json_object *row_json(const struct job_row *r, int64_t now)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "name", json_object_new_string(r->name));
	json_object_object_add(o, "last_start_at", date_json(r->start));
	json_object_object_add(o, "last_end_at", date_json(r->end));
	json_object_object_add(o, "last_result", json_object_new_string(row_result(r)));
	char dur[32];
	snprintf(dur, sizeof(dur), "%.3f", r->duration);
	json_object_object_add(o, "last_duration_seconds",
			       r->duration >= 0 ? json_object_new_double_s(r->duration, dur)
						: NULL);
	json_object_object_add(o, "last_items",
			       r->items >= 0 ? json_object_new_int(r->items) : NULL);
	json_object_object_add(o, "last_failures",
			       r->failures >= 0 ? json_object_new_int(r->failures) : NULL);
	json_object_object_add(o, "last_success_at", date_json(r->success));
	json_object_object_add(o, "period_seconds", json_object_new_int(r->period));
	json_object_object_add(
	    o, "next_expected_at",
	    date_json(r->start >= 0 && r->period > 0 ? r->start + (int64_t)r->period * 1000 : -1));
	json_object_object_add(o, "overdue", json_object_new_boolean(row_overdue(r, now)));
	return o;
}

static void row_print(const struct job_row *r, int64_t now)
{
	char start[TIME_RFC3339_LEN] = "-", success[TIME_RFC3339_LEN] = "-",
	     next[TIME_RFC3339_LEN] = "-", dur[24] = "-";
	if (r->start >= 0)
		time_format_rfc3339(r->start, start);
	if (r->success >= 0)
		time_format_rfc3339(r->success, success);
	if (r->start >= 0 && r->period > 0)
		time_format_rfc3339(r->start + (int64_t)r->period * 1000, next);
	if (r->duration >= 0)
		snprintf(dur, sizeof(dur), "%.3fs", r->duration);
	printf("%-16s %-24s %-8s %10s %6d %6d %-24s %-24s %s\n", r->name, start, row_result(r), dur,
	       r->items < 0 ? 0 : r->items, r->failures < 0 ? 0 : r->failures, success, next,
	       row_overdue(r, now) ? "OVERDUE" : "ok");
}

/* Reads every job record and prints them; 0, or 1 on a database error. */
static int jobs_status(bool json)
{
	bson_t *q = bson_new();
	bson_t *opts = BCON_NEW("sort", "{", "_id", BCON_INT32(1), "}");
	mongoc_cursor_t *cur =
	    mongoc_collection_find_with_opts(db_coll(JOB_STATUS_COLL), q, opts, NULL);
	int64_t now = time_now_ms();
	json_object *list = json_object_new_array();
	const bson_t *d;
	if (!json)
		printf("%-16s %-24s %-8s %10s %6s %6s %-24s %-24s %s\n", "JOB", "LAST START",
		       "RESULT", "DURATION", "ITEMS", "FAILED", "LAST SUCCESS", "NEXT EXPECTED",
		       "HEALTH");
	while (mongoc_cursor_next(cur, &d)) {
		struct job_row r;
		row_from(d, &r);
		if (json)
			json_object_array_add(list, row_json(&r, now));
		else
			row_print(&r, now);
	}
	bson_error_t err;
	int rc = 0;
	if (mongoc_cursor_error(cur, &err)) {
		fprintf(stderr, "swmra-jobs: cannot read the job records: %s\n", err.message);
		rc = 1;
	} else if (json) {
		json_object *o = json_object_new_object();
		json_object_object_add(o, "jobs", json_object_get(list));
		printf("%s\n", json_object_to_json_string_ext(
				   o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(o);
	}
	json_object_put(list);
	mongoc_cursor_destroy(cur);
	bson_destroy(opts);
	bson_destroy(q);
	return rc;
}

int main(int argc, char **argv)
{
	const char *env_file = NULL;
	bool json = false;
	static const struct option opts[] = {{"json", no_argument, NULL, 'j'},
					     {"env-file", required_argument, NULL, 'e'},
					     {"help", no_argument, NULL, 'h'},
					     {NULL, 0, NULL, 0}};
	int ch;
	while ((ch = getopt_long(argc, argv, "je:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'j': json = true; break;
		case 'e': env_file = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc - 1 || strcmp(argv[optind], "status") != 0) {
		usage(stderr);
		return 2;
	}
	char err[512];
	config_set_checker(webpush_config_check);
	if (config_load(env_file, err, sizeof(err)) < 0 ||
	    runtime_init("swmra-jobs", err, sizeof(err)) < 0) {
		fprintf(stderr, "swmra-jobs: configuration error: %s\n", err);
		return 2;
	}
	int rc = jobs_status(json);
	runtime_shutdown();
	return rc;
}
