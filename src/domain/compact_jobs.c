/* The compaction module's jobs (infra/module.h: its `jobs`), each run by the shared main of
 * cron/swmra-job.c as the program swmra-job-<name>. */
#include <stdio.h>

#include "domain/compact.h"
#include "domain/requests.h"
#include "domain/internal/requests_store.h"
#include "infra/job.h"
#include "infra/timeutil.h"

/* swmra-job-compact: keeps the hot collections small (src/domain/compact.h): archives the
 * events of long-finished requests, purges old read in-app notifications, old sent mail,
 * SMS and push notifications with their send attempts, and old job run keys. Daily;
 * --dry-run counts only. */
static void purge(struct job_ctx *ctx, const char *what,
		  int64_t (*fn)(int64_t, bool, struct derr *), int64_t now)
{
	struct derr err;
	int64_t n = fn(now, ctx->dry_run, &err);
	json_object *f = json_object_new_object();
	if (n < 0) {
		job_failure(ctx, what, f, err.message);
		return;
	}
	json_object_object_add(f, "count", json_object_new_int64(n));
	job_action(ctx, what, f);
}

static void archived(const bson_t *doc, const bson_error_t *fail, void *p)
{
	struct job_ctx *ctx = p;
	json_object *f = json_object_new_object();
	bson_iter_t it;
	if (bson_iter_init_find(&it, doc, "_id") && BSON_ITER_HOLDS_OID(&it)) {
		char hex[25];
		bson_oid_to_string(bson_iter_oid(&it), hex);
		json_object_object_add(f, "request_id", json_object_new_string(hex));
	}
	if (fail)
		job_failure(ctx, "archive_request_events", f, fail->message);
	else
		job_action(ctx, "archive_request_events", f);
}

static int compact_run(struct job_ctx *ctx)
{
	int64_t now = time_now_ms();
	bson_error_t err;
	if (requests_archive_events(now, COMPACT_EVENTS_KEEP_DAYS * COMPACT_DAY_MS,
				    COMPACT_EVENTS_BATCH, ctx->dry_run, archived, ctx, &err) < 0)
		job_failure(ctx, "archive_request_events", NULL, err.message);
	purge(ctx, "purge_read_notifications", compact_read_notifications, now);
	purge(ctx, "purge_sent_notifications", compact_sent_notifications, now);
	purge(ctx, "purge_send_attempts", compact_send_attempts, now);
	purge(ctx, "purge_job_runs", compact_job_runs, now);
	return 0;
}

const struct job_spec compact_job = {
    .name = "compact",
    .description = "Archives events of finished requests, purges old notifications, send "
		   "attempts and job run keys.",
    .window_seconds = 86400,
    .run = compact_run,
};

const struct job_spec *const compact_jobs[] = {&compact_job, NULL};
