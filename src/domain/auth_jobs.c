/* The auth module's jobs (infra/module.h: its `jobs`), each run by the shared main of
 * cron/swmra-job.c as the program swmra-job-<name>. */
#include <stdio.h>

#include "domain/account_export.h"
#include "domain/api_keys.h"
#include "domain/auth.h"
#include "domain/live.h"
#include "domain/password_reset.h"
#include "domain/refresh.h"
#include "infra/job.h"
#include "infra/timeutil.h"

/* swmra-job-purge-tokens: deletes revocations of tokens that have expired anyway,
 * login failures older than the backoff memory (a day), expired live tickets, API-key rate
 * claims older than an hour, expired refresh sessions and password reset links, and data
 * export claims of past hours. Hourly; --dry-run counts only. */
static int one(struct job_ctx *ctx, const char *what, int64_t (*fn)(int64_t, bool, struct derr *),
	       int64_t now)
{
	struct derr err;
	int64_t n = fn(now, ctx->dry_run, &err);
	json_object *f = json_object_new_object();
	if (n < 0) {
		job_failure(ctx, what, f, err.message);
		return -1;
	}
	json_object_object_add(f, "count", json_object_new_int64(n));
	job_action(ctx, what, f);
	return 0;
}

static int purge_tokens_run(struct job_ctx *ctx)
{
	int64_t now = time_now_ms();
	one(ctx, "purge_expired_revocations", auth_purge_revoked, now);
	one(ctx, "purge_stale_login_failures", auth_purge_failures, now);
	one(ctx, "purge_expired_ws_tickets", live_purge_tickets, now);
	one(ctx, "purge_api_key_rate_claims", api_keys_purge_rate, now);
	one(ctx, "purge_expired_refresh_sessions", refresh_purge, now);
	one(ctx, "purge_expired_password_resets", password_reset_purge, now);
	one(ctx, "purge_old_export_claims", account_export_purge, now);
	return 0;
}

const struct job_spec auth_job_purge_tokens = {
    .name = "purge-tokens",
    .description = "Deletes expired token revocations, login failures older than a day and "
		   "expired live tickets, old API-key rate claims, refresh sessions and "
		   "password reset links.",
    .window_seconds = 3600,
    .run = purge_tokens_run,
};

const struct job_spec *const auth_jobs[] = {&auth_job_purge_tokens, NULL};
