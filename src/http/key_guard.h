/* The guard of API-key routes (AUTH_API_KEY, AUTH_API_KEY_OPTIONAL in router.h): the key
 * is the `api_key` query parameter or, in a form-encoded body, the `api_key` field (the
 * Open311 way). A given key must be an active one; then it is rate limited and its id is
 * stored in req->api_key_id. */
#ifndef SWMRA_KEY_GUARD_H
#define SWMRA_KEY_GUARD_H

#include "http/http.h"

/* Returns 0 when the caller may proceed (with a valid key, or, unless `required`, with
 * none); otherwise sets the response (403 "Invalid api_key" / "api_key required", 429
 * "Slow down" with Retry-After, 503 database down) and returns its status. */
int key_guard(struct http_request *req, struct http_response *res, bool required);

#endif
