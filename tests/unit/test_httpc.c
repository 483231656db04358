/* The libcurl client (src/infra/httpc.c) against a tiny local server, a forked child on a
 * unix socket or on 127.0.0.1: what is sent (method, headers, body, upload), the response
 * capture and its cap (dropped or failing), the unix-socket option, the address guard (the
 * server never sees a refused connection), the protocol list, the time limit and the error
 * text. */
#include "testutil.h"

#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "infra/httpc.h"

/* What the server does with its one connection. */
enum serve { SERVE_ECHO, SERVE_BIG, SERVE_SILENT };

struct server {
	pid_t pid;
	int fd;
	char url[128];
	char sock[108];
};

/* The request as received (head and body), at most cap-1 bytes; -1 on error. */
static ssize_t read_request(int c, char *buf, size_t cap)
{
	size_t n = 0;
	long want = -1;
	while (n + 1 < cap) {
		ssize_t r = read(c, buf + n, cap - 1 - n);
		if (r <= 0)
			break;
		n += (size_t)r;
		buf[n] = '\0';
		char *end = strstr(buf, "\r\n\r\n");
		if (!end)
			continue;
		if (want < 0) {
			char *cl = strstr(buf, "\r\nContent-Length:");
			want = (long)(end + 4 - buf) + (cl && cl < end ? atol(cl + 17) : 0);
		}
		if ((long)n >= want)
			break;
	}
	buf[n] = '\0';
	return (ssize_t)n;
}

static void serve_one(int lfd, enum serve how)
{
	int c = accept(lfd, NULL, NULL);
	if (c < 0)
		_exit(2);
	char req[8192];
	ssize_t n = read_request(c, req, sizeof(req));
	if (how == SERVE_SILENT) {
		while (read(c, req, sizeof(req)) > 0) /* until the client gives up */
			;
		_exit(0);
	}
	char head[256];
	size_t blen = how == SERVE_BIG ? 5000 : (size_t)(n < 0 ? 0 : n);
	int hl = snprintf(
	    head, sizeof(head),
	    "HTTP/1.1 201 Created\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n", blen);
	if (write(c, head, (size_t)hl) < 0)
		_exit(3);
	if (how == SERVE_BIG) {
		char big[5000];
		memset(big, 'x', sizeof(big));
		if (write(c, big, sizeof(big)) < 0)
			_exit(3);
	} else if (n > 0 && write(c, req, (size_t)n) < 0) {
		_exit(3);
	}
	close(c);
	_exit(0);
}

static void server_fork(struct server *s, int lfd, enum serve how)
{
	assert_int_equal(listen(lfd, 4), 0);
	s->fd = lfd;
	s->pid = fork();
	assert_true(s->pid >= 0);
	if (s->pid == 0)
		serve_one(lfd, how);
}

static void server_start_unix(struct server *s, enum serve how)
{
	memset(s, 0, sizeof(*s));
	snprintf(s->sock, sizeof(s->sock), "/tmp/swmra-httpc-%d.sock", (int)getpid());
	unlink(s->sock);
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	snprintf(a.sun_path, sizeof(a.sun_path), "%s", s->sock);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	snprintf(s->url, sizeof(s->url), "http://localhost/pub/x");
	server_fork(s, fd, how);
}

static void server_start_tcp(struct server *s, enum serve how)
{
	memset(s, 0, sizeof(*s));
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	socklen_t al = sizeof(a);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &al), 0);
	snprintf(s->url, sizeof(s->url), "http://127.0.0.1:%d/x", ntohs(a.sin_port));
	server_fork(s, fd, how);
}

/* Stops the server; returns its exit status (0: it served its connection), or -1 when it
 * was still waiting for one. */
static int server_stop(struct server *s)
{
	int st = 0;
	pid_t r = waitpid(s->pid, &st, WNOHANG);
	if (r == 0) {
		usleep(100000);
		r = waitpid(s->pid, &st, WNOHANG);
	}
	if (r == 0) {
		kill(s->pid, SIGKILL);
		waitpid(s->pid, &st, 0);
	}
	close(s->fd);
	if (s->sock[0])
		unlink(s->sock);
	return r == 0 ? -1 : (WIFEXITED(st) ? WEXITSTATUS(st) : 99);
}

/* Starts a server (on a unix socket or on 127.0.0.1) and a client of it with the given
 * total time limit (connect 1 s). */
static void open_pair(struct server *s, struct httpc *c, bool on_unix, enum serve how,
		      long total_ms)
{
	if (on_unix)
		server_start_unix(s, how);
	else
		server_start_tcp(s, how);
	assert_true(httpc_init(c, s->url, 1000, total_ms));
	if (on_unix)
		httpc_unix_socket(c, s->sock);
}

static void post_over_unix_socket(void **state)
{
	(void)state;
	struct server s;
	struct httpc c;
	open_pair(&s, &c, true, SERVE_ECHO, 3000);
	httpc_header(&c, "Expect:");
	httpc_headerf(&c, "X-Probe: %d", 42);
	httpc_body(&c, "POST", "{\"a\":1}", 7);
	assert_int_equal(httpc_perform(&c), CURLE_OK);
	assert_int_equal(c.status, 201);
	assert_non_null(strstr(c.body, "POST /pub/x HTTP/1.1\r\n"));
	assert_non_null(strstr(c.body, "\r\nX-Probe: 42\r\n"));
	assert_null(strstr(c.body, "Expect"));
	assert_non_null(strstr(c.body, "\r\n\r\n{\"a\":1}"));
	assert_int_equal(c.len, strlen(c.body));
	httpc_cleanup(&c);
	assert_int_equal(server_stop(&s), 0);
}

static void method_without_body(void **state)
{
	(void)state;
	struct server s;
	struct httpc c;
	open_pair(&s, &c, true, SERVE_ECHO, 3000);
	httpc_method(&c, "DELETE");
	assert_int_equal(httpc_perform(&c), CURLE_OK);
	assert_int_equal(strncmp(c.body, "DELETE /pub/x HTTP/1.1\r\n", 24), 0);
	httpc_cleanup(&c);
	assert_int_equal(server_stop(&s), 0);
}

/* A PUT with a binary body, given whole (objstore's way): every byte arrives. */
static void put_binary_body(void **state)
{
	(void)state;
	struct server s;
	struct httpc c;
	const char bin[5] = {'a', '\0', 'b', '\n', 'c'};
	open_pair(&s, &c, false, SERVE_ECHO, 3000);
	httpc_body(&c, "PUT", bin, sizeof(bin));
	assert_int_equal(httpc_perform(&c), CURLE_OK);
	assert_int_equal(strncmp(c.body, "PUT /x HTTP/1.1\r\n", 17), 0);
	assert_non_null(strstr(c.body, "Content-Length: 5\r\n"));
	assert_memory_equal(c.body + c.len - 5, bin, 5);
	httpc_cleanup(&c);
	assert_int_equal(server_stop(&s), 0);
}

/* The upload callback (SMTP's way), here as an HTTP PUT. */
static void upload_streams_data(void **state)
{
	(void)state;
	struct server s;
	struct httpc c;
	open_pair(&s, &c, false, SERVE_ECHO, 3000);
	httpc_header(&c, "Expect:");
	httpc_upload(&c, "hello upload", 12);
	assert_int_equal(httpc_perform(&c), CURLE_OK);
	assert_non_null(strstr(c.body, "\r\n\r\nhello upload"));
	httpc_cleanup(&c);
	assert_int_equal(server_stop(&s), 0);
}

static void capture_cap_drops_the_rest(void **state)
{
	(void)state;
	struct server s;
	struct httpc c;
	open_pair(&s, &c, true, SERVE_BIG, 3000);
	httpc_capture(&c, 100, false);
	assert_int_equal(httpc_perform(&c), CURLE_OK);
	assert_int_equal(c.status, 201);
	assert_int_equal(c.len, 100);
	assert_int_equal(strlen(c.body), 100);
	assert_true(c.overflow);
	httpc_cleanup(&c);
	assert_int_equal(server_stop(&s), 0);
}

static void capture_cap_can_fail(void **state)
{
	(void)state;
	struct server s;
	struct httpc c;
	open_pair(&s, &c, true, SERVE_BIG, 3000);
	httpc_capture(&c, 4999, true);
	assert_int_equal(httpc_perform(&c), CURLE_WRITE_ERROR);
	assert_true(c.overflow);
	assert_int_equal(c.status, 201);
	httpc_cleanup(&c);
	server_stop(&s);

	/* exactly the cap fits; the body taken is the caller's */
	open_pair(&s, &c, true, SERVE_BIG, 3000);
	httpc_capture(&c, 5000, true);
	assert_int_equal(httpc_perform(&c), CURLE_OK);
	assert_false(c.overflow);
	size_t len = 0;
	char *b = httpc_take_body(&c, &len);
	assert_int_equal(len, 5000);
	assert_int_equal(b[4999], 'x');
	assert_int_equal(b[5000], '\0');
	httpc_cleanup(&c);
	free(b);
	assert_int_equal(server_stop(&s), 0);
}

struct seen {
	int calls;
	bool allow;
	unsigned port;
};

static bool guard(const struct sockaddr *sa, void *ud)
{
	struct seen *g = ud;
	g->calls++;
	if (sa->sa_family == AF_INET)
		g->port = ntohs(((const struct sockaddr_in *)sa)->sin_port);
	return g->allow;
}

/* The guard sees the address connected to; a refusal keeps the connection from ever being
 * opened (the server is still waiting) and says so. */
static void guard_refuses_before_connecting(void **state)
{
	(void)state;
	struct server s;
	server_start_tcp(&s, SERVE_ECHO);
	struct httpc c;
	struct seen g = {.allow = false};
	assert_true(httpc_init(&c, s.url, 1000, 3000));
	httpc_guard(&c, guard, &g);
	CURLcode rc = httpc_perform(&c);
	assert_int_not_equal(rc, CURLE_OK);
	assert_true(c.refused);
	assert_true(g.calls >= 1);
	assert_int_equal(server_stop(&s), -1);
	httpc_cleanup(&c);

	server_start_tcp(&s, SERVE_ECHO);
	unsigned port = (unsigned)atoi(strrchr(s.url, ':') + 1);
	g = (struct seen){.allow = true};
	assert_true(httpc_init(&c, s.url, 1000, 3000));
	httpc_guard(&c, guard, &g);
	assert_int_equal(httpc_perform(&c), CURLE_OK);
	assert_false(c.refused);
	assert_int_equal(g.port, port);
	httpc_cleanup(&c);
	assert_int_equal(server_stop(&s), 0);
}

static void protocols_limit_the_url(void **state)
{
	(void)state;
	struct server s;
	struct httpc c;
	open_pair(&s, &c, false, SERVE_ECHO, 3000);
	httpc_protocols(&c, "https");
	CURLcode rc = httpc_perform(&c);
	assert_int_equal(rc, CURLE_UNSUPPORTED_PROTOCOL);
	assert_true(strlen(httpc_error(&c, rc)) > 0);
	httpc_cleanup(&c);
	assert_int_equal(server_stop(&s), -1);
}

static void total_time_is_bounded(void **state)
{
	(void)state;
	struct server s;
	struct httpc c;
	open_pair(&s, &c, true, SERVE_SILENT, 300);
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	CURLcode rc = httpc_perform(&c);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_int_equal(rc, CURLE_OPERATION_TIMEDOUT);
	assert_int_equal(c.status, 0);
	assert_true(t1.tv_sec - t0.tv_sec < 3);
	httpc_cleanup(&c);
	server_stop(&s);
}

/* A refused connection: libcurl's detailed message (naming the cause), not only "Couldn't
 * connect to server"; cleanup twice is harmless. */
static void error_text_is_detailed(void **state)
{
	(void)state;
	struct httpc c;
	assert_true(httpc_init(&c, "http://localhost/x", 1000, 3000));
	httpc_unix_socket(&c, "/tmp/swmra-httpc-nobody-listens.sock");
	CURLcode rc = httpc_perform(&c);
	assert_int_equal(rc, CURLE_COULDNT_CONNECT);
	const char *e = httpc_error(&c, rc);
	assert_non_null(e);
	assert_string_not_equal(e, curl_easy_strerror(rc));
	assert_null(c.body);
	httpc_cleanup(&c);
	httpc_cleanup(&c);
}

int main(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(post_over_unix_socket),
	    cmocka_unit_test(method_without_body),
	    cmocka_unit_test(put_binary_body),
	    cmocka_unit_test(upload_streams_data),
	    cmocka_unit_test(capture_cap_drops_the_rest),
	    cmocka_unit_test(capture_cap_can_fail),
	    cmocka_unit_test(guard_refuses_before_connecting),
	    cmocka_unit_test(protocols_limit_the_url),
	    cmocka_unit_test(total_time_is_bounded),
	    cmocka_unit_test(error_text_is_detailed),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	curl_global_cleanup();
	return rc;
}
