/* The requests module's jobs (infra/module.h: its `jobs`), each run by the shared main of
 * cron/swmra-job.c as the program swmra-job-<name>. */
#include <stdio.h>

#include "domain/requests.h"
#include "infra/db.h"
#include "infra/job.h"
#include "infra/timeutil.h"

/* swmra-job-cleanup-drafts: deletes pickup request drafts not touched for
 * DRAFT_MAX_AGE_DAYS (default 7). --dry-run prints each draft it would delete on stdout
 * (and logs it) and deletes nothing. cron/swmra.cron runs it nightly; the run-key window
 * is one hour, so a more frequent schedule works too. */
static void each(const struct pickup_request *r, const struct derr *fail, void *p)
{
	struct job_ctx *ctx = p;
	json_object *f = json_object_new_object();
	char hex[OID_HEX_LEN] = "", uid[OID_HEX_LEN] = "", ts[TIME_RFC3339_LEN] = "";
	oid_to_hex(&r->id, hex);
	if (r->has_user)
		oid_to_hex(&r->user_id, uid);
	if (r->has_updated_at)
		time_format_rfc3339(r->updated_at, ts);
	json_object_object_add(f, "request_id", json_object_new_string(hex));
	json_object_object_add(f, "user_id", json_object_new_string(uid));
	json_object_object_add(f, "updated_at", json_object_new_string(ts));
	if (fail) {
		job_failure(ctx, "delete_draft", f, fail->message);
		return;
	}
	if (ctx->dry_run)
		printf("would delete draft %s of user %s (last updated %s)\n", hex, uid, ts);
	job_action(ctx, "delete_draft", f);
}

static int cleanup_drafts_run(struct job_ctx *ctx)
{
	struct derr err;
	long n = requests_cleanup_drafts(time_now_ms(), ctx->dry_run, each, ctx, &err);
	if (n < 0) {
		job_failure(ctx, "list_drafts", NULL, err.message);
		return -1;
	}
	if (ctx->dry_run)
		printf("%ld draft(s) would be deleted\n", n);
	return 0;
}

const struct job_spec requests_job_cleanup_drafts = {
    .name = "cleanup-drafts",
    .description = "Delete pickup request drafts older than DRAFT_MAX_AGE_DAYS.",
    .window_seconds = 3600,
    .period_seconds = 86400, /* nightly (cron/swmra.cron) */
    .run = cleanup_drafts_run,
};

/* swmra-job-sweep-effects: the outbox sweep of the change log (infra/changelog.h). Applies
 * the effects still pending on changes older than the grace period (a seat to give back, a
 * reward, a notification and its mail: owed by a change whose process died before
 * applying them, or whose effect failed), then gives back the seats whose change never won
 * its version. Every effect is idempotent, so overlapping runs and the API's own reads
 * applying the same effects never do anything twice. --dry-run only counts the pending
 * changes. cron/swmra.cron runs it every 5 minutes. */
/* Changes younger than this are left to the process making them (a change takes
 * milliseconds from its seat claim to its effects). */
#define SWEEP_GRACE_MS (5 * 60 * 1000)

static int sweep_effects_run(struct job_ctx *ctx)
{
	bson_error_t err;
	int64_t now = time_now_ms();
	if (ctx->dry_run) {
		bson_t *q = BCON_NEW("effects_pending", BCON_BOOL(true), "at", "{", "$lte",
				     BCON_DATE_TIME(now - SWEEP_GRACE_MS), "}");
		int64_t n = mongoc_collection_count_documents(db_coll("request_events"), q, NULL,
							      NULL, NULL, &err);
		bson_destroy(q);
		if (n < 0) {
			job_failure(ctx, "list_pending", NULL, err.message);
			return -1;
		}
		printf("%lld change(s) with effects pending\n", (long long)n);
		ctx->actions = (int)n;
		return 0;
	}
	struct req_sweep rep;
	struct derr derr;
	bool ok = requests_sweep(now, SWEEP_GRACE_MS, &rep, &derr);
	json_object *f = json_object_new_object();
	json_object_object_add(f, "changes_settled", json_object_new_int64(rep.events));
	json_object_object_add(f, "orphan_seats_released", json_object_new_int64(rep.orphan_seats));
	json_object_object_add(f, "failed", json_object_new_int64(rep.failures));
	if (!ok) {
		job_failure(ctx, "sweep", f, derr.message);
		return -1;
	}
	if (rep.events || rep.orphan_seats)
		job_action(ctx, "sweep", f);
	else
		json_object_put(f);
	ctx->failures += (int)rep.failures;
	return 0;
}

const struct job_spec requests_job_sweep_effects = {
    .name = "sweep-effects",
    .description = "Apply the pending effects of request changes; free orphan seats.",
    .window_seconds = 300,
    .run = sweep_effects_run,
};

const struct job_spec *const requests_jobs[] = {&requests_job_cleanup_drafts,
						&requests_job_sweep_effects, NULL};
