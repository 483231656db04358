/* swmra-job-cleanup-drafts: deletes pickup request drafts not touched for
 * DRAFT_MAX_AGE_DAYS (default 7). --dry-run prints each draft it would delete on stdout
 * (and logs it) and deletes nothing. cron/swmra.cron runs it nightly; the run-key window
 * is one hour, so a more frequent schedule works too. */
#include <stdio.h>

#include "domain/requests.h"
#include "infra/job.h"
#include "infra/timeutil.h"

static void each(const bson_t *doc, const bson_error_t *fail, void *p)
{
	struct job_ctx *ctx = p;
	json_object *f = json_object_new_object();
	bson_iter_t it;
	char hex[25] = "", uid[25] = "", ts[TIME_RFC3339_LEN] = "";
	if (bson_iter_init_find(&it, doc, "_id") && BSON_ITER_HOLDS_OID(&it))
		bson_oid_to_string(bson_iter_oid(&it), hex);
	if (bson_iter_init_find(&it, doc, "user_id") && BSON_ITER_HOLDS_OID(&it))
		bson_oid_to_string(bson_iter_oid(&it), uid);
	if (bson_iter_init_find(&it, doc, "updated_at") && BSON_ITER_HOLDS_DATE_TIME(&it))
		time_format_rfc3339(bson_iter_date_time(&it), ts);
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

static int run(struct job_ctx *ctx)
{
	bson_error_t err;
	long n = requests_cleanup_drafts(time_now_ms(), ctx->dry_run, each, ctx, &err);
	if (n < 0) {
		job_failure(ctx, "list_drafts", NULL, err.message);
		return -1;
	}
	if (ctx->dry_run)
		printf("%ld draft(s) would be deleted\n", n);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct job_spec spec = {
	    .name = "cleanup-drafts",
	    .description = "Delete pickup request drafts older than DRAFT_MAX_AGE_DAYS.",
	    .window_seconds = 3600,
	    .period_seconds = 86400, /* nightly (cron/swmra.cron) */
	    .run = run,
	};
	return job_main(argc, argv, &spec);
}
