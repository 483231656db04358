/* libFuzzer target for the HTTP layer without FastCGI or a database: http_query's
 * query-string decoding (against a reference decoder) and router_match/router_dispatch
 * over the real route table (src/api/routes.c) with fuzzed method, path, query, headers
 * and body. No database client is opened: public handlers must cope with that (503), and
 * every protected route must answer 401 from the guard, since no fuzzed Authorization can
 * carry a valid signature by the per-process random JWT secret.
 *
 * Input: byte 0 picks the method, byte 1 a route of the table (its {params} filled from
 * the first line) or, past the table, a raw path (the first line); byte 2 holds flags;
 * (1 no Content-Type, 2 no Authorization, 4 no Origin, 8 no token, 16 body over the limit,
 * 32 route named by nginx, 0x80 the route's own method),
 * then '\n'-separated lines: path/param, query, Content-Type, Authorization, Origin,
 * WebSocket token; the rest is the body. Build and run: tests/fuzz/run.sh. */
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "http/router.h"
#include "infra/config.h"
#include "infra/db.h"
#include "infra/jsonx.h"
#include "infra/log.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (sodium_init() < 0)
		abort();
	unsigned char rnd[24];
	char secret[2 * sizeof(rnd) + 1];
	randombytes_buf(rnd, sizeof(rnd));
	sodium_bin2hex(secret, sizeof(secret), rnd, sizeof(rnd));
	setenv("JWT_SECRET", secret, 1);
	setenv("APP_ENV", "test", 1);
	setenv("CORS_ORIGINS", "http://localhost:5173,http://127.0.0.1:5173", 1);
	char err[256];
	if (config_load("", err, sizeof(err)) < 0)
		abort();
	log_init("fuzz-router", LOG_ERROR);
	return 0;
}

static int hexv(int c)
{
	return c >= '0' && c <= '9'   ? c - '0'
	       : c >= 'a' && c <= 'f' ? c - 'a' + 10
	       : c >= 'A' && c <= 'F' ? c - 'A' + 10
				      : -1;
}

/* Reference: the value of the first `name` parameter of `q`, decoded, or NULL. */
static char *ref_query(const char *q, const char *name)
{
	size_t nl = strlen(name);
	for (const char *p = q; *p;) {
		size_t len = strcspn(p, "&");
		const char *eq = memchr(p, '=', len);
		size_t kl = eq ? (size_t)(eq - p) : len;
		if (kl == nl && memcmp(p, name, nl) == 0) {
			const char *v = eq ? eq + 1 : p + len;
			size_t vl = (size_t)(p + len - v), o = 0;
			char *out = malloc(vl + 1);
			for (size_t i = 0; i < vl; i++) {
				if (v[i] == '%' && i + 2 < vl && hexv(v[i + 1]) >= 0 &&
				    hexv(v[i + 2]) >= 0) {
					out[o++] = (char)(hexv(v[i + 1]) * 16 + hexv(v[i + 2]));
					i += 2;
				} else {
					out[o++] = v[i] == '+' ? ' ' : v[i];
				}
			}
			out[o] = '\0';
			return out;
		}
		p += len;
		if (*p)
			p++;
	}
	return NULL;
}

static void check_query(struct http_request *req, const char *name)
{
	const char *got = http_query(req, name);
	char *want = ref_query(req->query, name);
	if ((got == NULL) != (want == NULL) || (got && strcmp(got, want) != 0)) {
		fprintf(stderr, "http_query(\"%s\", \"%s\") = \"%s\", want \"%s\"\n", req->query,
			name, got ? got : "(null)", want ? want : "(null)");
		abort();
	}
	free(want);
}

/* Next '\n'-terminated field of [*p, end) as an arena string (the rest if no newline). */
static char *field(struct arena *a, const char **p, const char *end)
{
	const char *nl = memchr(*p, '\n', (size_t)(end - *p));
	const char *e = nl ? nl : end;
	char *s = arena_strndup(a, *p, (size_t)(e - *p));
	*p = nl ? nl + 1 : end;
	return s;
}

static const struct route *find_route(const char *pattern, const char *method)
{
	for (size_t i = 0; i < api_routes_count; i++)
		if (strcmp(api_routes[i].pattern, pattern) == 0 &&
		    strcmp(api_routes[i].method, method) == 0)
			return &api_routes[i];
	return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 3 || size > 65536)
		return 0;
	static const char *const methods[] = {"GET",	"POST",	   "PATCH", "PUT",
					      "DELETE", "OPTIONS", "HEAD",  "get"};
	struct arena *a = arena_new();
	struct http_request req;
	struct http_response res;
	http_request_init(&req, a);
	http_response_init(&res);
	const char *p = (const char *)data + 3, *end = (const char *)data + size;
	unsigned flags = data[2];
	req.method = methods[data[0] % 8];

	char *first = field(a, &p, end);
	size_t ri = data[1];
	if (ri < api_routes_count) {
		/* the route's pattern with every {param} replaced by the first line */
		const char *pat = api_routes[ri].pattern;
		char *path = arena_alloc(a, strlen(pat) * (strlen(first) + 1) + 1), *o = path;
		for (const char *q = pat; *q;) {
			if (*q == '{') {
				strcpy(o, first);
				o += strlen(first);
				q = strchr(q, '}') + 1;
			} else {
				*o++ = *q++;
			}
		}
		*o = '\0';
		req.path = path;
		if (flags & 0x80)
			req.method = api_routes[ri].method;
	} else {
		req.path = first;
	}
	req.query = field(a, &p, end);
	req.content_type = field(a, &p, end);
	req.authorization = field(a, &p, end);
	req.origin = field(a, &p, end);
	char *ws_token = field(a, &p, end);
	if (flags & 1)
		req.content_type = NULL;
	if (flags & 2)
		req.authorization = NULL;
	if (flags & 4)
		req.origin = NULL;
	if (!(flags & 8))
		http_request_set_param(&req, "HTTP_X_SWMRA_TOKEN", ws_token);
	/* as if nginx's internal location named the route (AUTH_INTERNAL routes) */
	if (flags & 32)
		http_request_set_param(&req, "SWMRA_ROUTE", req.path);
	req.body_too_large = flags & 16;
	req.request_id = "fuzz";
	req.remote_addr = "127.0.0.1";
	/* the body NUL-terminated like the FastCGI adapter's, in its own allocation */
	size_t bl = (size_t)(end - p);
	char *body = malloc(bl + 1);
	memcpy(body, p, bl);
	body[bl] = '\0';
	req.body = body;
	req.body_len = bl;

	check_query(&req, "limit");
	check_query(&req, "status");
	check_query(&req, "");
	const char *amp = strchr(req.query, '&'), *eq = strchr(req.query, '=');
	size_t kl = strcspn(req.query, "&=");
	(void)amp;
	(void)eq;
	check_query(&req, arena_strndup(a, req.query, kl));

	for (size_t i = 0; i < api_routes_count; i++) {
		struct http_request probe;
		http_request_init(&probe, a);
		if (router_match(api_routes[i].pattern, req.path, &probe) !=
		    router_match(api_routes[i].pattern, req.path, NULL))
			abort();
		for (int k = 0; k < probe.nparams; k++)
			if (!probe.params[k][0] || strchr(probe.params[k], '/'))
				abort();
	}

	int st = router_dispatch(api_routes, api_routes_count, &req, &res);
	if (st != res.status || st < 100 || st > 599 || req.authed)
		abort();
	if (st != 204 && (!res.body || strlen(res.body) != res.body_len))
		abort();
	if (res.body && res.content_type && strstr(res.content_type, "json")) {
		char err[160];
		json_object *j = jsonx_parse(res.body, res.body_len, err, sizeof(err));
		if (!j) {
			fprintf(stderr, "response is not JSON (%d): %s\n", st, res.body);
			abort();
		}
		json_object_put(j);
	}
	if (req.route_pattern) {
		const struct route *r = find_route(req.route_pattern, req.method);
		if (!r)
			abort();
		/* a body over the limit is refused before the guard runs */
		if (r->auth == AUTH_BEARER && st != 401 &&
		    !(req.body_too_large && r->body != BODY_NONE && st == 413)) {
			fprintf(stderr, "protected %s %s answered %d without a valid token\n",
				req.method, req.path, st);
			abort();
		}
		/* a %00 in the query would cut a value short: always refused (issue 12) */
		if (r->auth != AUTH_BEARER && strstr(req.query, "%00") && st != 422 &&
		    !(req.body_too_large && r->body != BODY_NONE && st == 413)) {
			fprintf(stderr, "%s %s?%s answered %d, not 422\n", req.method, req.path,
				req.query, st);
			abort();
		}
	} else if (st != 404 && st != 405 && st != 204) {
		abort();
	}
	if (db_client())
		abort();
	http_response_free(&res);
	arena_free(a);
	free(body);
	return 0;
}
