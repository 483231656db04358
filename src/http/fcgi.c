#include "http/fcgi.h"

#include <errno.h>
#include <fcgiapp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "infra/config.h"
#include "infra/db.h"
#include "infra/log.h"
#include "infra/metrics.h"

static const char *param(FCGX_Request *r, struct arena *a, const char *name)
{
	const char *v = FCGX_GetParam(name, r->envp);
	return v ? arena_strdup(a, v) : NULL;
}

/* CONTENT_LENGTH, or 0 when absent or not a number. */
static unsigned long long content_length(FCGX_Request *r)
{
	const char *cl = FCGX_GetParam("CONTENT_LENGTH", r->envp);
	if (!cl || !*cl)
		return 0;
	char *end;
	errno = 0;
	unsigned long long len = strtoull(cl, &end, 10);
	return errno || *end ? 0 : len;
}

/* Reads the body the matched route takes, decided before a byte of it is read: no route
 * (404/405), a route without a body, or a CONTENT_LENGTH over the route's limit (413,
 * answered by the router) read nothing. What is left unread is not drained here: once the
 * answer has begun nginx stops sending the body, so a drain would wait for bytes that never
 * come. libfcgi's close (FCGX_Finish_r) shuts the socket for writing and reads until nginx,
 * which has the whole answer by then, closes its end: no reset loses the answer. */
static void read_body(FCGX_Request *r, struct http_request *req, const struct route *hit)
{
	unsigned long long len = content_length(r);
	if (!len || !hit || hit->body == BODY_NONE)
		return;
	if (len > router_body_limit(hit)) {
		req->body_too_large = true;
		return;
	}
	char *buf = arena_alloc(req->arena, (size_t)len + 1);
	size_t got = 0;
	while (got < len) {
		int n = FCGX_GetStr(buf + got, (int)(len - got), r->in);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	buf[got] = '\0';
	req->body = buf;
	req->body_len = got;
}

static void sink_write(struct http_sink *s, const char *p, size_t n)
{
	if (!s->failed && n && FCGX_PutStr(p, (int)n, (FCGX_Stream *)s->impl) < 0)
		s->failed = true;
}

static void write_response(FCGX_Request *r, const struct http_response *res)
{
	char head[512];
	int n = snprintf(head, sizeof(head), "Status: %d %s\r\n", res->status,
			 http_reason(res->status));
	FCGX_PutStr(head, n, r->out);
	if (res->content_type) {
		n = snprintf(head, sizeof(head), "Content-Type: %s\r\n", res->content_type);
		FCGX_PutStr(head, n, r->out);
	}
	if (!res->stream) { /* a stream's length is known at its end: nginx chunks it */
		n = snprintf(head, sizeof(head), "Content-Length: %zu\r\n", res->body_len);
		FCGX_PutStr(head, n, r->out);
	}
	for (int i = 0; i < res->nheaders; i++) {
		/* Header values come from our own code; a CR or LF would split the header
		 * block, so such a header is dropped rather than sent. */
		if (strpbrk(res->header_values[i], "\r\n") ||
		    strpbrk(res->header_names[i], "\r\n:"))
			continue;
		FCGX_PutS(res->header_names[i], r->out);
		FCGX_PutStr(": ", 2, r->out);
		FCGX_PutS(res->header_values[i], r->out);
		FCGX_PutStr("\r\n", 2, r->out);
	}
	FCGX_PutStr("\r\n", 2, r->out);
	if (res->body_len)
		FCGX_PutStr(res->body, (int)res->body_len, r->out);
	if (res->stream) {
		struct http_sink sink = {.write = sink_write, .impl = r->out};
		if (!res->stream(res->stream_ctx, &sink))
			log_warn("streamed answer cut short%s", sink.failed ? ": client gone" : "");
	}
}

static double ms_since(const struct timespec *t0)
{
	struct timespec t1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) * 1e3 + (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}

static void handle(FCGX_Request *r, const struct route *routes, size_t nroutes)
{
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	metrics_request_begin();
	struct arena *a = arena_new();
	struct http_request req;
	struct http_response res;
	http_request_init(&req, a);
	http_response_init(&res);

	const char *route = param(r, a, "SWMRA_ROUTE");
	const char *uri = param(r, a, "DOCUMENT_URI");
	req.method = param(r, a, "REQUEST_METHOD");
	req.path = route && *route ? route : uri;
	req.query = param(r, a, "QUERY_STRING");
	req.content_type = param(r, a, "CONTENT_TYPE");
	req.authorization = param(r, a, "HTTP_AUTHORIZATION");
	req.origin = param(r, a, "HTTP_ORIGIN");
	req.remote_addr = param(r, a, "REMOTE_ADDR");
	req.request_id = param(r, a, "REQUEST_ID");
	req.env = r->envp; /* valid until FCGX_Finish_r, after the request is done */
	if (!req.method)
		req.method = "GET";
	if (!req.path)
		req.path = "/";
	if (!req.query)
		req.query = "";
	log_set_request(req.request_id, NULL);
	read_body(r, &req, router_lookup(routes, nroutes, req.method, req.path));

	db_trace_reset();
	int status = router_dispatch(routes, nroutes, &req, &res);
	db_trace_context(NULL, NULL);
	if (req.request_id)
		http_header(&res, "X-Request-Id", req.request_id);
	if (db_trace_enabled()) {
		/* test build only: the route budgets of tests/e2e/budget.test.mjs */
		char n[24];
		snprintf(n, sizeof(n), "%lu", db_trace_count());
		http_header(&res, "X-Store-Commands", n);
		snprintf(n, sizeof(n), "%lu", db_trace_upkeep_count());
		http_header(&res, "X-Store-Commands-Upkeep", n);
	}
	write_response(r, &res);
	double ms = ms_since(&t0);
	/* the one request-timing hook: route pattern (NULL when none matched), method, status */
	metrics_request_end(req.route_pattern, req.method, status, ms / 1e3);

	json_object *f = json_object_new_object();
	json_object_object_add(f, "method", json_object_new_string(req.method));
	json_object_object_add(f, "path", json_object_new_string(req.path));
	json_object_object_add(f, "status", json_object_new_int(status));
	json_object_object_add(f, "duration_ms", json_object_new_double(ms));
	if (req.authed)
		json_object_object_add(f, "user_id", json_object_new_string(req.user.id));
	log_write(status >= 500 ? LOG_WARN : LOG_INFO, f, "request");
	log_set_request(NULL, NULL);
	http_response_free(&res);
	arena_free(a);
}

int fcgi_serve(int listen_fd, const struct route *routes, size_t nroutes,
	       volatile sig_atomic_t *stop)
{
	FCGX_Request r;
	if (FCGX_InitRequest(&r, listen_fd, 0) != 0)
		return -1;
	sigset_t term;
	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	sigaddset(&term, SIGINT);
	sigprocmask(SIG_BLOCK, &term, NULL);
	int rc = 0;
	while (!*stop) {
		/* Signals may only interrupt the wait for a new connection. */
		sigprocmask(SIG_UNBLOCK, &term, NULL);
		int acc = *stop ? -1 : FCGX_Accept_r(&r);
		sigprocmask(SIG_BLOCK, &term, NULL);
		if (acc < 0) {
			if (!*stop) {
				log_error("FastCGI accept failed: %s", strerror(errno));
				rc = -1;
			}
			break;
		}
		handle(&r, routes, nroutes);
		FCGX_Finish_r(&r);
	}
	FCGX_Free(&r, 1);
	return rc;
}
