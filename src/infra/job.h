/* The framework every cron job shares: each job is a `struct job_spec` (a body and its
 * schedule) that its module registers (infra/module.h), and every program swmra-job-<name>
 * is the one main of cron/swmra-job.c running the job of that name:
 * options --help, --dry-run, --once, --env-file; configuration and runtime start-up; one
 * JSON log line per action and a summary line; exit codes 0 ok, 1 partial failure,
 * 2 configuration error. Exclusivity: a scheduled run first inserts the run key
 * "<job>:<window start>" into `job_runs` (unique _id), so when cron fires the same job on
 * several machines only one of them runs each window. --once skips the window key (a
 * manual extra pass); per-item work must still be claimed by unique inserts. */
#ifndef SWMRA_JOB_H
#define SWMRA_JOB_H

#include <json-c/json.h>
#include <mongoc/mongoc.h>
#include <stdbool.h>
#include <stdint.h>

struct job_ctx {
	const char *name;
	bool dry_run;
	bool once;
	int actions;  /* things done (or, with --dry-run, that would be done) */
	int failures; /* things that failed and will be retried by a later run */
	void *user;   /* free for the job */
};

struct job_spec {
	const char *name;		 /* "dispatch", "reminders", ... */
	const char *description;	 /* one line for --help */
	int window_seconds;		 /* the cron period: one scheduled run per window */
	int (*run)(struct job_ctx *ctx); /* 0, or -1 when the run could not proceed */
	int period_seconds; /* how often cron runs it (0: window_seconds); for job health */
	/* Optional: takes the job's own options out of argv (compacting it, *argc updated)
	 * before the framework parses the rest; 0, or the exit code (2: usage). */
	int (*own_options)(int *argc, char **argv);
	bool manual; /* never scheduled: every run is a manual pass (as with --once) */
};

/* Job health: every run that is not a dry run records its start, then its end, in
 * `job_status` (one document per job, _id = name: last_start_at, last_end_at,
 * last_success_at, last_duration_seconds, last_items, last_failures, last_result,
 * period_seconds, host). The metrics scrape and `swmra-jobs status` read it; a record
 * that cannot be written is logged and never fails the job. */
#define JOB_STATUS_COLL "job_status"

/* Parses options, loads config, initialises the runtime, takes the run key, calls run,
 * logs the summary. Returns the process exit code. */
int job_main(int argc, char **argv, const struct job_spec *spec);
/* job_main for the job named `name` among the modules' registered jobs; exit code 2 when
 * no module registers it. */
int job_main_named(const char *name, int argc, char **argv);
/* One log line for one action; `fields` (may be NULL) is consumed. Counts an action. */
void job_action(struct job_ctx *ctx, const char *action, json_object *fields);
/* One log line for a failed action; counts a failure. */
void job_failure(struct job_ctx *ctx, const char *action, json_object *fields, const char *error);

/* One job's health as its record says (src/infra/job_health.c): shared by `swmra-jobs
 * status` and GET /api/admin/system. Times in ms, -1 (and duration -1) when absent. */
struct job_health {
	char name[64], result[16];
	int64_t start, end, success;
	double duration;
	int items, failures, period; /* -1 when absent */
};

/* Calls `each` for every job record in name order; false on a database error. */
bool job_health_list(void (*each)(const struct job_health *h, void *ctx), void *ctx,
		     bson_error_t *err);
/* OVERDUE: no success within twice the period (the SwmraJobNotSucceeding rule). */
bool job_health_overdue(const struct job_health *h, int64_t now);
/* "ok", "partial", "failed", "running" (started after its last end) or "-". */
const char *job_health_result(const struct job_health *h);
/* Last start + period, -1 when unknown. */
int64_t job_health_next(const struct job_health *h);
/* {name, last_start_at, last_end_at, last_result, last_duration_seconds, last_items,
 * last_failures, last_success_at, period_seconds, next_expected_at, overdue}. */
json_object *job_health_json(const struct job_health *h, int64_t now);

#endif
