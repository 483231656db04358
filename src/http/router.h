/* Dispatch through one static route table (src/api/routes.c): method, path pattern with
 * {name} segments, handler and the role it needs. Unknown path → 404, known path with
 * another method → 405 with Allow, both as JSON. CORS for the origins in CORS_ORIGINS. */
#ifndef SWMRA_ROUTER_H
#define SWMRA_ROUTER_H

#include <stddef.h>

#include "http/http.h"

typedef int (*http_handler)(struct http_request *req, struct http_response *res);

struct route {
	const char *method;
	const char *pattern;
	http_handler handler;
	enum role role; /* ROLE_NONE: public; ROLE_CITIZEN: any signed-in user */
};

/* Matches `path` against `pattern`; fills req params on success. */
int router_match(const char *pattern, const char *path, struct http_request *req);
/* Runs the request through the table; returns the status set on `res`. */
int router_dispatch(const struct route *routes, size_t n, struct http_request *req,
		    struct http_response *res);

#endif
