/* swmra-job-sweep-effects: the outbox sweep of the change log (domain/changelog.h). Applies
 * the effects still pending on changes older than the grace period (a seat to give back, a
 * reward, a notification and its mail: owed by a change whose process died before
 * applying them, or whose effect failed), then gives back the seats whose change never won
 * its version. Every effect is idempotent, so overlapping runs and the API's own reads
 * applying the same effects never do anything twice. --dry-run only counts the pending
 * changes. cron/swmra.cron runs it every 5 minutes. */
#include <stdio.h>

#include "domain/requests.h"
#include "infra/db.h"
#include "infra/job.h"
#include "infra/timeutil.h"

/* Changes younger than this are left to the process making them (a change takes
 * milliseconds from its seat claim to its effects). */
#define SWEEP_GRACE_MS (5 * 60 * 1000)

static int run(struct job_ctx *ctx)
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
	bool ok = requests_sweep(now, SWEEP_GRACE_MS, &rep, &err);
	json_object *f = json_object_new_object();
	json_object_object_add(f, "changes_settled", json_object_new_int64(rep.events));
	json_object_object_add(f, "orphan_seats_released", json_object_new_int64(rep.orphan_seats));
	json_object_object_add(f, "failed", json_object_new_int64(rep.failures));
	if (!ok) {
		job_failure(ctx, "sweep", f, err.message);
		return -1;
	}
	if (rep.events || rep.orphan_seats)
		job_action(ctx, "sweep", f);
	else
		json_object_put(f);
	ctx->failures += (int)rep.failures;
	return 0;
}

int main(int argc, char **argv)
{
	static const struct job_spec spec = {
	    .name = "sweep-effects",
	    .description = "Apply the pending effects of request changes; free orphan seats.",
	    .window_seconds = 300,
	    .run = run,
	};
	return job_main(argc, argv, &spec);
}
