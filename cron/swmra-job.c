/* The one main of every cron job: swmra-job-<name> is this program built with
 * SWMRA_JOB="<name>" (the cron lines of the build fragments), and runs the job of that
 * name that a module registered (infra/module.h: `jobs`; the bodies live with their
 * modules, src/domain/<module>_jobs.c). Options, exit codes and logs: infra/job.h. */
#include "infra/job.h"

#ifndef SWMRA_JOB
#error "build with -DSWMRA_JOB='\"<job name>\"'"
#endif

int main(int argc, char **argv)
{
	return job_main_named(SWMRA_JOB, argc, argv);
}
