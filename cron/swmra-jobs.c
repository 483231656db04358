/* swmra-jobs status: each cron job's last run as src/infra/job.c records it in
 * `job_status`: start, outcome, duration, items, last success, and the next expected run
 * (last start + period). A job is OVERDUE when it has not succeeded within twice its
 * period (the SwmraJobNotSucceeding alert's rule). The rules live in
 * src/infra/job_health.c, shared with the admin System page. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "infra/config.h"
#include "infra/db.h"
#include "infra/job.h"
#include "infra/runtime.h"
#include "infra/timeutil.h"
#include "infra/webpush.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: swmra-jobs status [--json] [--env-file PATH]\n"
		"Prints each cron job's last run, outcome, duration, items and next expected\n"
		"run from the job records in the database. OVERDUE: no success within twice\n"
		"the job's period. Exit codes: 0 ok, 1 database error, 2 usage/configuration.\n");
}

static void row_print(const struct job_health *r, int64_t now)
{
	char start[TIME_RFC3339_LEN] = "-", success[TIME_RFC3339_LEN] = "-",
	     next[TIME_RFC3339_LEN] = "-", dur[24] = "-";
	if (r->start >= 0)
		time_format_rfc3339(r->start, start);
	if (r->success >= 0)
		time_format_rfc3339(r->success, success);
	if (job_health_next(r) >= 0)
		time_format_rfc3339(job_health_next(r), next);
	if (r->duration >= 0)
		snprintf(dur, sizeof(dur), "%.3fs", r->duration);
	printf("%-16s %-24s %-8s %10s %6d %6d %-24s %-24s %s\n", r->name, start,
	       job_health_result(r), dur, r->items < 0 ? 0 : r->items,
	       r->failures < 0 ? 0 : r->failures, success, next,
	       job_health_overdue(r, now) ? "OVERDUE" : "ok");
}

struct status_out {
	bool json;
	int64_t now;
	json_object *list;
};

static void each_job(const struct job_health *h, void *ctx)
{
	struct status_out *o = ctx;
	if (o->json)
		json_object_array_add(o->list, job_health_json(h, o->now));
	else
		row_print(h, o->now);
}

/* Reads every job record and prints them; 0, or 1 on a database error. */
static int jobs_status(bool json)
{
	struct status_out out = {json, time_now_ms(), json_object_new_array()};
	if (!json)
		printf("%-16s %-24s %-8s %10s %6s %6s %-24s %-24s %s\n", "JOB", "LAST START",
		       "RESULT", "DURATION", "ITEMS", "FAILED", "LAST SUCCESS", "NEXT EXPECTED",
		       "HEALTH");
	bson_error_t err;
	int rc = 0;
	if (!job_health_list(each_job, &out, &err)) {
		fprintf(stderr, "swmra-jobs: cannot read the job records: %s\n", err.message);
		rc = 1;
	} else if (json) {
		json_object *o = json_object_new_object();
		json_object_object_add(o, "jobs", json_object_get(out.list));
		printf("%s\n", json_object_to_json_string_ext(
				   o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(o);
	}
	json_object_put(out.list);
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
