/* Fault points (infra/fault.h) kill the process only where the crash tests arm them: with
 * APP_ENV=test and SWMRA_FAULT naming the point. Anywhere else, including a production
 * or development process that inherited SWMRA_FAULT, they do nothing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "infra/config.h"
#include "infra/fault.h"

/* Runs fault_point(point) in a child with APP_ENV=app_env and SWMRA_FAULT=armed; returns
 * the child's exit status (0 when it lived on). */
static int run(const char *app_env, const char *armed, const char *point)
{
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char err[256];
		setenv("APP_ENV", app_env, 1);
		setenv("SWMRA_FAULT", armed, 1);
		if (config_load("", err, sizeof(err)) < 0)
			_exit(2);
		fault_point(point);
		_exit(0);
	}
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	return WEXITSTATUS(st);
}

static void dies_only_at_the_armed_point_of_a_test_process(void **state)
{
	(void)state;
	assert_int_equal(run("test", "event_inserted", "event_inserted"), 137);
	assert_int_equal(run("test", "event_inserted", "effect_0"), 0);
	assert_int_equal(run("test", "", "event_inserted"), 0);
	assert_int_equal(run("development", "event_inserted", "event_inserted"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(dies_only_at_the_armed_point_of_a_test_process),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
