/* swmra-job-reminders: one reminder per scheduled booking REMINDER_HOURS before it (hourly). */
#include "domain/notify.h"
#include "infra/job.h"

static int run(struct job_ctx *ctx)
{
	return notify_reminders_run(ctx);
}

int main(int argc, char **argv)
{
	static const struct job_spec spec = {
	    .name = "reminders",
	    .description = "Remind residents of scheduled pickups starting within REMINDER_HOURS, "
			   "once per booking and slot.",
	    .window_seconds = 3600,
	    .run = run,
	};
	return job_main(argc, argv, &spec);
}
