/* infra/metrics: counters a forked child adds are what the parent renders (the supervisor
 * maps them before forking the workers), and the exposition is Prometheus text. */
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"

#include "infra/metrics.h"

static int handler(struct http_request *req, struct http_response *res)
{
	(void)req;
	(void)res;
	return 200;
}

static const struct route routes[] = {
    {"GET", "/api/a", handler, ROLE_NONE, AUTH_NONE, BODY_NONE, NULL},
    {"POST", "/api/a", handler, ROLE_NONE, AUTH_NONE, BODY_JSON, NULL},
};

static char *render(void)
{
	struct strbuf b = {0};
	metrics_render(&b);
	char *s = strbuf_take(&b);
	assert_non_null(s);
	return s;
}

static void assert_has(const char *text, const char *line)
{
	if (!strstr(text, line))
		fail_msg("missing line: %s\n--- in:\n%s", line, text);
}

static void without_setup_only_build_info(void **state)
{
	(void)state;
	metrics_inc(METRICS_WORKER_CRASHES); /* a no-op, must not crash */
	metrics_request_end(NULL, "GET", 200, 0.1);
	char *s = render();
	assert_has(s, "swmra_build_info{version=\"");
	assert_null(strstr(s, "swmra_worker_crashes_total"));
	free(s);
}

/* A child process counts; the parent sees it (MAP_SHARED across fork). */
static void counts_of_a_child_reach_the_parent(void **state)
{
	(void)state;
	assert_int_equal(metrics_setup(routes, 2, 2), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		metrics_worker_slot(1);
		metrics_request_begin();
		metrics_request_end(routes[1].pattern, "POST", 201, 0.003);
		metrics_request_end(NULL, "BREW", 404, 20.0);
		metrics_inc(METRICS_WORKER_CRASHES);
		metrics_request_begin(); /* dies mid-request */
		_exit(0);
	}
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	char *s = render();
	assert_has(s, "\nswmra_worker_crashes_total 1\n");
	assert_has(s, "\nswmra_http_requests_in_flight 1\n");
	assert_has(
	    s,
	    "swmra_http_requests_total{route=\"/api/a\",method=\"POST\",status_class=\"2xx\"} 1\n");
	assert_null(strstr(s, "method=\"GET\",status_class"));
	assert_has(s, "swmra_http_request_duration_seconds_bucket{route=\"/api/"
		      "a\",method=\"POST\",le=\"0.005\"} 1\n");
	assert_has(
	    s,
	    "swmra_http_request_duration_seconds_sum{route=\"/api/a\",method=\"POST\"} 0.003000\n");
	assert_has(s, "swmra_http_requests_total{route=\"unmatched\",method=\"other\",status_class="
		      "\"4xx\"} 1\n");
	assert_has(s, "swmra_http_request_duration_seconds_bucket{route=\"unmatched\",method="
		      "\"other\",le=\"10\"} 0\n");
	assert_has(s, "swmra_http_request_duration_seconds_bucket{route=\"unmatched\",method="
		      "\"other\",le=\"+Inf\"} 1\n");
	assert_has(
	    s,
	    "swmra_http_request_duration_seconds_count{route=\"unmatched\",method=\"other\"} 1\n");
	free(s);
	/* the supervisor clears a dead worker's in-flight flag */
	metrics_worker_gone(1);
	s = render();
	assert_has(s, "\nswmra_http_requests_in_flight 0\n");
	free(s);
}

static void label_values_are_escaped(void **state)
{
	(void)state;
	struct strbuf b = {0};
	metrics_label(&b, "a\"b\\c\nd");
	char *s = strbuf_take(&b);
	assert_string_equal(s, "a\\\"b\\\\c\\nd");
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(without_setup_only_build_info),
	    cmocka_unit_test(counts_of_a_child_reach_the_parent),
	    cmocka_unit_test(label_values_are_escaped),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
