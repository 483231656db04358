#include "infra/job.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "infra/config.h"
#include "infra/db.h"
#include "infra/log.h"
#include "infra/module.h"
#include "infra/runtime.h"
#include "infra/timeutil.h"
#include "infra/webpush.h"

static void usage(const struct job_spec *spec, FILE *f)
{
	fprintf(f,
		"usage: swmra-job-%s [--dry-run] [--once] [--env-file PATH]\n"
		"%s\n\n"
		"  --dry-run   log what would be done, change nothing\n"
		"  --once      run one pass now, outside the schedule window lock\n"
		"  --env-file  read configuration from PATH (default: ./.env if present)\n\n"
		"Exit codes: 0 ok, 1 partial failure (retried by the next run), 2 configuration\n"
		"error. Logs one JSON line per action and a summary line on stderr.\n",
		spec->name, spec->description);
}

void job_action(struct job_ctx *ctx, const char *action, json_object *fields)
{
	if (!fields)
		fields = json_object_new_object();
	json_object_object_add(fields, "job", json_object_new_string(ctx->name));
	json_object_object_add(fields, "action", json_object_new_string(action));
	if (ctx->dry_run)
		json_object_object_add(fields, "dry_run", json_object_new_boolean(1));
	log_write(LOG_INFO, fields, "%s", action);
	ctx->actions++;
}

void job_failure(struct job_ctx *ctx, const char *action, json_object *fields, const char *error)
{
	if (!fields)
		fields = json_object_new_object();
	json_object_object_add(fields, "job", json_object_new_string(ctx->name));
	json_object_object_add(fields, "action", json_object_new_string(action));
	json_object_object_add(fields, "error", json_object_new_string(error ? error : ""));
	log_write(LOG_WARN, fields, "%s failed", action);
	ctx->failures++;
}

/* Claims the window's run key: WON ours, LOST another run has it, ERROR. */
static enum db_claim_result take_run_key(const struct job_spec *spec, bson_error_t *err)
{
	int64_t now = time_now_ms();
	int64_t win = (int64_t)spec->window_seconds * 1000;
	int64_t start = now - now % win;
	char ts[TIME_RFC3339_LEN], key[128], host[128] = "";
	time_format_rfc3339(start, ts);
	snprintf(key, sizeof(key), "%s:%s", spec->name, ts);
	gethostname(host, sizeof(host) - 1);
	bson_t *doc = BCON_NEW("_id", BCON_UTF8(key), "job", BCON_UTF8(spec->name), "window_start",
			       BCON_DATE_TIME(start), "started_at", BCON_DATE_TIME(now), "host",
			       BCON_UTF8(host), "pid", BCON_INT32((int32_t)getpid()));
	enum db_claim_result r = db_claim("job_runs", doc, err);
	bson_destroy(doc);
	return r;
}

/* $set `set` on the job's status document, creating it (last writer wins: only the
 * outcome of the latest run matters, so no claim is needed). `set` is consumed. */
static void job_status_set(const char *name, bson_t *set)
{
	bson_t *q = BCON_NEW("_id", BCON_UTF8(name));
	bson_t u = BSON_INITIALIZER;
	BSON_APPEND_DOCUMENT(&u, "$set", set);
	bson_t *opts = BCON_NEW("upsert", BCON_BOOL(true));
	bson_error_t err;
	if (!mongoc_collection_update_one(db_coll(JOB_STATUS_COLL), q, &u, opts, NULL, &err))
		log_warn("cannot record the job status of %s: %s", name, err.message);
	bson_destroy(opts);
	bson_destroy(&u);
	bson_destroy(q);
	bson_destroy(set);
}

static void job_status_start(const struct job_spec *spec, int64_t start)
{
	char host[128] = "";
	gethostname(host, sizeof(host) - 1);
	int period = spec->period_seconds > 0 ? spec->period_seconds : spec->window_seconds;
	job_status_set(spec->name, BCON_NEW("job", BCON_UTF8(spec->name), "last_start_at",
					    BCON_DATE_TIME(start), "period_seconds",
					    BCON_INT32(period), "host", BCON_UTF8(host)));
}

static void job_status_end(const struct job_spec *spec, const struct job_ctx *ctx, int64_t start,
			   const char *result)
{
	int64_t end = time_now_ms();
	bson_t *set = BCON_NEW("last_end_at", BCON_DATE_TIME(end), "last_duration_seconds",
			       BCON_DOUBLE((double)(end - start) / 1e3), "last_items",
			       BCON_INT32(ctx->actions), "last_failures", BCON_INT32(ctx->failures),
			       "last_result", BCON_UTF8(result));
	if (strcmp(result, "ok") == 0)
		BSON_APPEND_DATE_TIME(set, "last_success_at", end);
	job_status_set(spec->name, set);
}

int job_main(int argc, char **argv, const struct job_spec *spec)
{
	struct job_ctx ctx = {.name = spec->name};
	const char *env_file = NULL;
	int own = spec->own_options ? spec->own_options(&argc, argv) : 0;
	if (own)
		return own;
	static const struct option opts[] = {{"dry-run", no_argument, NULL, 'n'},
					     {"once", no_argument, NULL, 'o'},
					     {"env-file", required_argument, NULL, 'e'},
					     {"help", no_argument, NULL, 'h'},
					     {NULL, 0, NULL, 0}};
	int ch;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "noe:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'n': ctx.dry_run = true; break;
		case 'o': ctx.once = true; break;
		case 'e': env_file = optarg; break;
		case 'h': usage(spec, stdout); return 0;
		default: usage(spec, stderr); return 2;
		}
	}
	if (optind < argc) {
		usage(spec, stderr);
		return 2;
	}
	ctx.once = ctx.once || spec->manual;
	char err[512];
	config_set_checker(webpush_config_check);
	if (config_load(env_file, err, sizeof(err)) < 0) {
		fprintf(stderr, "swmra-job-%s: configuration error: %s\n", spec->name, err);
		return 2;
	}
	char prog[64];
	snprintf(prog, sizeof(prog), "swmra-job-%s", spec->name);
	if (runtime_init(prog, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s: configuration error: %s\n", prog, err);
		return 2;
	}
	int rc = 0;
	if (!ctx.once && !ctx.dry_run) {
		bson_error_t berr;
		int taken = take_run_key(spec, &berr);
		if (taken < 0) {
			log_error("cannot take the run key: %s", berr.message);
			runtime_shutdown();
			return 1;
		}
		if (taken == 0) {
			json_object *f = json_object_new_object();
			json_object_object_add(f, "job", json_object_new_string(spec->name));
			log_write(LOG_INFO, f, "skipped: this window already ran elsewhere");
			runtime_shutdown();
			return 0;
		}
	}
	int64_t started = time_now_ms();
	if (!ctx.dry_run)
		job_status_start(spec, started);
	int r = spec->run(&ctx);
	const char *result = r < 0 ? "error" : ctx.failures ? "partial" : "ok";
	if (!ctx.dry_run)
		job_status_end(spec, &ctx, started, result);
	json_object *f = json_object_new_object();
	json_object_object_add(f, "job", json_object_new_string(spec->name));
	json_object_object_add(f, "actions", json_object_new_int(ctx.actions));
	json_object_object_add(f, "failures", json_object_new_int(ctx.failures));
	json_object_object_add(f, "dry_run", json_object_new_boolean(ctx.dry_run));
	json_object_object_add(f, "result", json_object_new_string(result));
	log_write(r < 0 || ctx.failures ? LOG_WARN : LOG_INFO, f, "summary");
	if (r < 0 || ctx.failures)
		rc = 1;
	runtime_shutdown();
	return rc;
}

int job_main_named(const char *name, int argc, char **argv)
{
	for (const struct module *const *m = modules_registry; *m; m++)
		for (const struct job_spec *const *j = (*m)->jobs; j && *j; j++)
			if (strcmp((*j)->name, name) == 0)
				return job_main(argc, argv, *j);
	fprintf(stderr, "swmra-job-%s: no module registers this job\n", name);
	return 2;
}
