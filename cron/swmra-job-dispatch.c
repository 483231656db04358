/* swmra-job-dispatch: sends queued email, SMS and web push notifications (every minute). */
#include "domain/notify.h"
#include "infra/job.h"

static int run(struct job_ctx *ctx)
{
	return notify_dispatch_run(ctx);
}

int main(int argc, char **argv)
{
	static const struct job_spec spec = {
	    .name = "dispatch",
	    .description =
		"Send due queued email/SMS/push notifications in batches of DISPATCH_BATCH; "
		"retry with backoff 1, 2, 4, 8, 16 min, then mark failed.",
	    .window_seconds = 60,
	    .run = run,
	};
	return job_main(argc, argv, &spec);
}
