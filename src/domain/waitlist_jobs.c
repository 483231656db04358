/* The waitlist module's jobs (infra/module.h: its `jobs`), each run by the shared main of
 * cron/swmra-job.c as the program swmra-job-<name>. */
#include <stdio.h>

#include "domain/waitlist.h"
#include "infra/db.h"
#include "infra/job.h"
#include "infra/timeutil.h"

/* swmra-job-waitlist: the waitlist's clock (domain/waitlist.h). Expires the offers whose
 * hold lapsed (WAITLIST_HOLD_MIN) and passes their seats to the next in line, gives back
 * holds whose offer was never written (a process died between the two), offers the free
 * seats of every slot with a line (capacity raised, a fill that failed) and applies the
 * effects left pending on waitlist changes. Every step is decided by unique inserts
 * (the entry's next version, the seat), so overlapping runs and the API racing it give
 * one outcome. --dry-run only counts the lapsed offers. cron/swmra.cron runs it every
 * minute. */
/* Holds and changes younger than this (past their lapse) are left to the process making
 * them: an offer is written milliseconds after its hold. */
#define WAITLIST_GRACE_MS (2 * 60 * 1000)

static int waitlist_run(struct job_ctx *ctx)
{
	bson_error_t err;
	int64_t now = time_now_ms();
	if (ctx->dry_run) {
		bson_t *q = BCON_NEW("status", BCON_UTF8("offered"), "offer.until", "{", "$lte",
				     BCON_DATE_TIME(now), "}");
		int64_t n = mongoc_collection_count_documents(db_coll("waitlist_entries"), q, NULL,
							      NULL, NULL, &err);
		bson_destroy(q);
		if (n < 0) {
			job_failure(ctx, "list_lapsed", NULL, err.message);
			return -1;
		}
		printf("%lld lapsed offer(s)\n", (long long)n);
		ctx->actions = (int)n;
		return 0;
	}
	struct wl_sweep rep;
	struct derr derr;
	bool ok = waitlist_sweep(now, WAITLIST_GRACE_MS, &rep, &derr);
	json_object *f = json_object_new_object();
	json_object_object_add(f, "offers_expired", json_object_new_int64(rep.expired));
	json_object_object_add(f, "orphan_holds_released", json_object_new_int64(rep.orphan_holds));
	json_object_object_add(f, "offers_made", json_object_new_int64(rep.offers));
	json_object_object_add(f, "changes_settled", json_object_new_int64(rep.settled));
	json_object_object_add(f, "failed", json_object_new_int64(rep.failures));
	if (!ok) {
		job_failure(ctx, "waitlist", f, derr.message);
		return -1;
	}
	if (rep.expired || rep.orphan_holds || rep.offers || rep.settled)
		job_action(ctx, "waitlist", f);
	else
		json_object_put(f);
	ctx->failures += (int)rep.failures;
	return 0;
}

const struct job_spec waitlist_job = {
    .name = "waitlist",
    .description = "Expire lapsed waitlist offers and pass their seats on; offer free seats.",
    .window_seconds = 60,
    .run = waitlist_run,
};

const struct job_spec *const waitlist_jobs[] = {&waitlist_job, NULL};
