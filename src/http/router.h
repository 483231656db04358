/* Dispatch through one static route table (src/api/routes.c). Each route declares its whole
 * policy: method, path pattern, handler, the role it needs, its auth scheme, its body policy
 * and the query keys its handler reads. The transport (fcgi.c) matches the route before it
 * reads a body, so an unknown path (404), another method (405 with Allow) and an oversized
 * body (413) are answered without reading one. CORS for the origins in CORS_ORIGINS.
 *
 * Patterns: literal text and {name} parameters, one parameter per path segment, optionally
 * followed by a literal suffix in the same segment ("/requests/{id}.json" matches
 * "/requests/abc.json" with id=abc). A parameter is never empty and never holds a '/'.
 * The first matching route wins: a suffixed pattern goes before the same one without. */
#ifndef SWMRA_ROUTER_H
#define SWMRA_ROUTER_H

#include <stddef.h>

#include "http/http.h"

typedef int (*http_handler)(struct http_request *req, struct http_response *res);

/* Who may call a route. */
enum route_auth {
	AUTH_NONE = 1, /* public */
	/* a signed-in caller (Authorization: Bearer <JWT>) with at least the route's role */
	AUTH_BEARER,
	/* nginx only: the request reached the worker through an nginx location that names the
	 * route itself (FastCGI param SWMRA_ROUTE, which no client header can produce; public
	 * requests under /api/internal/ get nginx's 404). Anything else answers 404 here too.
	 * The handler may demand more (the metrics listener marker). */
	AUTH_INTERNAL,
	/* a third-party client with an API key issued by an admin (api_key in the query, or in
	 * a form-encoded body): a missing, unknown or revoked key is 403; each key has its own
	 * rate limit (429). The key's id lands in req->api_key_id (http/key_guard.h). */
	AUTH_API_KEY,
	/* public, but a key that is given must be valid (403 otherwise) and is rate limited:
	 * what a handler shows may depend on the key (the Open311 privacy rule) */
	AUTH_API_KEY_OPTIONAL,
};

/* The method of a pseudo-route that gives a part of the path space its own error format:
 * {ROUTE_ERRORS, "/open311/", shaper, ...} makes every error answer (status >= 400) under
 * that prefix, the router's own 404/405/413/403 included, go through `shaper`, which
 * rewrites res (status kept) from the {"detail": ...} body http_error set. Such entries
 * never match a request. */
#define ROUTE_ERRORS "ERRORS"

/* What a route takes as a body. The limits are configuration: MAX_BODY_BYTES for JSON,
 * UPLOAD_MAX_BYTES plus the multipart framing for multipart. */
enum route_body {
	BODY_NONE = 1, /* a body, if any, is never read (and ignored, as it always was) */
	BODY_JSON,
	BODY_MULTIPART,
	BODY_FORM, /* application/x-www-form-urlencoded, at most MAX_BODY_BYTES (http_form) */
};

struct route {
	const char *method;
	const char *pattern;
	http_handler handler;
	enum role role; /* AUTH_BEARER: the least role (ROLE_CITIZEN: any signed-in user) */
	enum route_auth auth;
	enum route_body body;
	/* NULL-terminated query keys the handler may read (NULL: none). Unknown keys a client
	 * sends are ignored, as they always were; http_query() of an undeclared key is a bug,
	 * logged and answered NULL, so the table stays the truth. */
	const char *const *query;
};

/* Matches `path` against `pattern`; fills req params on success. */
int router_match(const char *pattern, const char *path, struct http_request *req);
/* The route of `method` and `path`, or NULL (then router_dispatch answers 404/405/204). */
const struct route *router_lookup(const struct route *routes, size_t n, const char *method,
				  const char *path);
/* The most body bytes `r` accepts (0 for BODY_NONE). */
size_t router_body_limit(const struct route *r);
/* Runs the request through the table; returns the status set on `res`. */
int router_dispatch(const struct route *routes, size_t n, struct http_request *req,
		    struct http_response *res);

#endif
