/* The wire shape of a pickup request (docs/openapi.yaml, "Request"): the one builder every
 * route showing a request uses (the resident's, the staff's, the waitlist's, the route
 * sheet's stops and the account export), so the shape is decided in one place. */
#ifndef SWMRA_API_REQUEST_JSON_H
#define SWMRA_API_REQUEST_JSON_H

#include <json-c/json.h>

#include "domain/requests.h"

/* A new object (caller owns): ids as hex, dates as RFC 3339 Z, photos as fresh signed
 * links (only the owner and staff see requests), events with their actor flattened to
 * `by` (the user id) and `by_role`, as clients of the original service render them. */
json_object *api_request_json(const struct pickup_request *r);

struct http_request;
struct http_response;
/* The request `r` as staff see it (staff_requests.c): the shape above plus `user`, `crew`
 * and `allowed_transitions`; `after_change` (a change was stored): a failed resident
 * lookup is only logged. `r` is the caller's still (it clears it). */
int api_staff_request_show(struct http_request *req, struct http_response *res, int status,
			   const struct pickup_request *r, bool after_change);

#endif
