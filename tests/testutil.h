/* Shared helpers for the cmocka tests: build a request without FastCGI, dispatch it
 * through the real route table, and read the JSON answer. */
#ifndef SWMRA_TESTUTIL_H
#define SWMRA_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "http/http.h"
#include "http/router.h"
#include "infra/jsonx.h"
#include "support/support.h"

struct call {
	struct arena *arena;
	struct http_request req;
	struct http_response res;
	json_object *json; /* parsed response body, or NULL */
	int status;
};

static inline void call_begin(struct call *c, const char *method, const char *path,
			      const char *query, const char *body)
{
	memset(c, 0, sizeof(*c));
	c->arena = arena_new();
	http_request_init(&c->req, c->arena);
	http_response_init(&c->res);
	c->req.method = method;
	c->req.path = path;
	c->req.query = query ? query : "";
	c->req.content_type = body ? "application/json" : NULL;
	c->req.body = body;
	c->req.body_len = body ? strlen(body) : 0;
	c->req.request_id = "test";
	/* nginx's internal locations name the route themselves (router.h, AUTH_INTERNAL) */
	if (strncmp(path, "/api/internal/", 14) == 0)
		http_request_set_param(&c->req, "SWMRA_ROUTE", path);
}

/* A FastCGI param nginx would send (HTTP_X_SWMRA_TOKEN, SWMRA_DEVICE_COOKIE, ...); a NULL
 * value sends none. */
static inline void call_param(struct call *c, const char *name, const char *value)
{
	if (value)
		http_request_set_param(&c->req, name, value);
}

static inline int call_run(struct call *c, const struct route *routes, size_t n)
{
	c->status = router_dispatch(routes, n, &c->req, &c->res);
	if (c->res.body && c->res.body_len) {
		char err[128];
		c->json = jsonx_parse(c->res.body, c->res.body_len, err, sizeof(err));
	}
	return c->status;
}

static inline void call_end(struct call *c)
{
	json_object_put(c->json);
	http_response_free(&c->res);
	arena_free(c->arena);
}

/* The "detail" string of an error body, or "" */
static inline const char *call_detail(const struct call *c)
{
	const char *d = jsonx_str(c->json, "detail");
	return d ? d : "";
}

#endif
