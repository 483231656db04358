/* log.c: repeats of one kind collapse to one line per second with a count. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "infra/log.h"

/* Runs fn with stderr sent to a temporary file; returns what it wrote (caller frees). */
static char *capture(void (*fn)(void))
{
	fflush(stderr);
	FILE *tmp = tmpfile();
	assert_non_null(tmp);
	int saved = dup(STDERR_FILENO);
	dup2(fileno(tmp), STDERR_FILENO);
	fn();
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	long n = ftell(tmp);
	char *out = calloc(1, (size_t)n + 1);
	rewind(tmp);
	assert_int_equal(fread(out, 1, (size_t)n, tmp), (size_t)n);
	fclose(tmp);
	return out;
}

static int count(const char *hay, const char *needle)
{
	int n = 0;
	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

/* Waits until the start of the next second of the monotonic clock log.c counts in, so
 * that a burst stays inside one second. */
static void next_second(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	time_t s = ts.tv_sec;
	while (ts.tv_sec == s) {
		usleep(2000);
		clock_gettime(CLOCK_MONOTONIC, &ts);
	}
}

static void burst(void)
{
	next_second();
	for (int i = 0; i < 1000; i++)
		log_error("database error: %s", "connection refused");
	log_warn("another kind %d", 1);
	log_info("info is never collapsed %d", 1);
	log_info("info is never collapsed %d", 2);
	next_second();
	log_error("database error: %s", "connection refused");
}

static void repeats_collapse(void **state)
{
	(void)state;
	log_init("test", LOG_DEBUG);
	char *out = capture(burst);
	/* the first of the burst, then one a second later that reports the 999 left out */
	assert_int_equal(count(out, "database error: connection refused"), 2);
	assert_int_equal(count(out, "\"suppressed\":999"), 1);
	assert_int_equal(count(out, "another kind 1"), 1);
	assert_int_equal(count(out, "info is never collapsed"), 2);
	assert_int_equal(count(out, "\n"), 5);
	free(out);
}

static void many_kinds(void)
{
	next_second();
	/* four kinds, each repeated: one line of each */
	for (int r = 0; r < 40; r++) {
		log_error("k%d a", r);
		log_error("k%d b", r);
		log_warn("k%d c", r);
		log_warn("k%d d", r);
	}
}

static void distinct_kinds_are_kept(void **state)
{
	(void)state;
	log_init("test", LOG_DEBUG);
	char *out = capture(many_kinds);
	assert_int_equal(count(out, "\n"), 4);
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(repeats_collapse),
	    cmocka_unit_test(distinct_kinds_are_kept),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
