#include "http/router.h"

#include <stdio.h>
#include <string.h>

#include "domain/read_marks.h"
#include "http/auth_guard.h"
#include "http/key_guard.h"
#include "infra/config.h"
#include "infra/db.h"
#include "infra/log.h"

/* Matches one {param} of `p` (at '{') against the segment at `s`: the value runs to the
 * next '/' less the literal suffix that follows '}' in the pattern. Returns the value's
 * length (0: no match) and sets *close to the '}'. */
static size_t match_param(const char *p, const char *s, const char **close)
{
	*close = strchr(p, '}');
	if (!*close)
		return 0;
	const char *lit = *close + 1;
	size_t llen = strcspn(lit, "/");
	size_t slen = strcspn(s, "/");
	/* one parameter per segment: "{a}.{b}" is not a pattern this router knows */
	if (memchr(lit, '{', llen) || slen <= llen || memcmp(s + slen - llen, lit, llen) != 0)
		return 0;
	return slen - llen;
}

int router_match(const char *pattern, const char *path, struct http_request *req)
{
	const char *p = pattern, *s = path;
	int np = 0;
	while (*p && *s) {
		if (*p == '{') {
			const char *close;
			size_t vlen = match_param(p, s, &close);
			if (vlen == 0 || np >= HTTP_MAX_PARAMS)
				return 0;
			if (req) {
				req->param_names[np] =
				    arena_strndup(req->arena, p + 1, (size_t)(close - p - 1));
				req->params[np] = arena_strndup(req->arena, s, vlen);
			}
			np++;
			p = close + 1;
			s += vlen;
			continue;
		}
		if (*p != *s)
			return 0;
		p++;
		s++;
	}
	if (*p || *s)
		return 0;
	if (req)
		req->nparams = np;
	return 1;
}

const struct route *router_lookup(const struct route *routes, size_t n, const char *method,
				  const char *path)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(routes[i].method, ROUTE_ERRORS) != 0 &&
		    strcmp(routes[i].method, method) == 0 &&
		    router_match(routes[i].pattern, path, NULL))
			return &routes[i];
	return NULL;
}

size_t router_body_limit(const struct route *r)
{
	switch (r->body) {
	case BODY_JSON:
	case BODY_FORM: return (size_t)config_get()->max_body_bytes;
	case BODY_MULTIPART: return (size_t)config_get()->upload_max_bytes + HTTP_UPLOAD_FRAMING;
	default: return 0;
	}
}

static const char *const no_query_keys[] = {NULL};

static void add_cors(struct http_request *req, struct http_response *res)
{
	if (!req->origin || !config_cors_allowed(req->origin))
		return;
	http_header(res, "Access-Control-Allow-Origin", req->origin);
	http_header(res, "Vary", "Origin");
	http_header(res, "Access-Control-Expose-Headers", "Retry-After, X-Request-Id");
}

static bool is_key_scheme(enum route_auth a)
{
	return a == AUTH_API_KEY || a == AUTH_API_KEY_OPTIONAL;
}

/* The route's handler. A change of seats it makes bumps the seat map's mark together with
 * the change's other read marks, or at the latest here, before the answer is written
 * (read_mark_slots_defer): no answer of a change of seats goes out before its bump. */
static int run_handler(const struct route *hit, struct http_request *req, struct http_response *res)
{
	read_mark_slots_defer();
	int status = hit->handler(req, res);
	read_mark_slots_flush();
	return status;
}

static int dispatch(const struct route *routes, size_t n, struct http_request *req,
		    struct http_response *res)
{
	add_cors(req, res);
	char allow[128] = "";
	const struct route *hit = NULL;
	for (size_t i = 0; i < n && !hit; i++) {
		if (strcmp(routes[i].method, ROUTE_ERRORS) == 0 ||
		    !router_match(routes[i].pattern, req->path, NULL))
			continue;
		if (strcmp(routes[i].method, req->method) == 0) {
			hit = &routes[i];
		} else if (!strstr(allow, routes[i].method)) {
			size_t l = strlen(allow);
			snprintf(allow + l, sizeof(allow) - l, "%s%s", l ? ", " : "",
				 routes[i].method);
		}
	}
	if (!hit && strcmp(req->method, "OPTIONS") == 0 && allow[0] && req->origin &&
	    config_cors_allowed(req->origin)) {
		/* CORS preflight from an allowed origin (the Vite dev server). */
		http_header(res, "Access-Control-Allow-Methods", allow);
		http_header(res, "Access-Control-Allow-Headers", "Authorization, Content-Type");
		http_header(res, "Access-Control-Max-Age", "600");
		return http_raw(res, 204, NULL, "", 0);
	}
	if (!hit && !allow[0])
		return http_error(res, 404, "Not Found");
	if (!hit) {
		http_header(res, "Allow", allow);
		return http_error(res, 405, "Method Not Allowed");
	}
	if (hit->auth != AUTH_NONE && hit->auth != AUTH_BEARER && hit->auth != AUTH_INTERNAL &&
	    !is_key_scheme(hit->auth)) {
		/* a route without a scheme is a table bug: closed, never public by default */
		log_error("route %s %s declares no auth scheme", hit->method, hit->pattern);
		return http_error(res, 500, "Internal server error");
	}
	/* nginx answers 404 for these from outside; so does the worker (defence in depth) */
	if (hit->auth == AUTH_INTERNAL && !http_request_param(req, "SWMRA_ROUTE"))
		return http_error(res, 404, "Not Found");
	router_match(hit->pattern, req->path, req);
	req->route_pattern = hit->pattern;
	req->query_keys = hit->query ? hit->query : no_query_keys;
	log_set_request(req->request_id, hit->pattern);
	db_trace_context(hit->method, hit->pattern);
	/* Answers of a public GET (health, the API description) may be cached; anything
	 * signed in or keyed, and the login/register answers that carry a token, never. */
	if (hit->auth == AUTH_BEARER || is_key_scheme(hit->auth) || strcmp(req->method, "GET") != 0)
		http_header(res, "Cache-Control", "no-store");
	/* the transport saw CONTENT_LENGTH over the route's limit and read nothing */
	if (req->body_too_large && hit->body != BODY_NONE) {
		db_trace_context(NULL, NULL);
		return hit->body == BODY_MULTIPART ? http_file_too_large(res)
						   : http_error(res, 413, "Request body too large");
	}
	if (hit->auth == AUTH_BEARER) {
		int st = auth_guard(req, res, hit->role);
		if (st) {
			db_trace_context(NULL, NULL);
			return st;
		}
	}
	/* a key comes in the query: a %00 there is refused before the key is looked at */
	int qst = http_query_check(req, res);
	if (qst)
		return qst;
	if (is_key_scheme(hit->auth)) {
		int st = key_guard(req, res, hit->auth == AUTH_API_KEY);
		if (st) {
			db_trace_context(NULL, NULL);
			return st;
		}
	}
	int status = run_handler(hit, req, res);
	db_trace_context(NULL, NULL);
	if (!res->body && !res->stream && status != 204) {
		/* A handler that returned a bare status still answers with a JSON body. */
		http_error(res, status, http_reason(status));
	}
	res->status = status;
	return status;
}

int router_dispatch(const struct route *routes, size_t n, struct http_request *req,
		    struct http_response *res)
{
	int status = dispatch(routes, n, req, res);
	if (status < 400)
		return status;
	/* a part of the path space with its own error format (ROUTE_ERRORS in router.h) */
	for (size_t i = 0; i < n; i++) {
		const char *prefix = routes[i].pattern;
		if (strcmp(routes[i].method, ROUTE_ERRORS) == 0 &&
		    strncmp(req->path, prefix, strlen(prefix)) == 0) {
			res->status = status;
			routes[i].handler(req, res);
			res->status = status;
			break;
		}
	}
	return status;
}
