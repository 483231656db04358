/* The auth guard of protected routes: validates the bearer JWT (HS256 only, exp/iat/iss
 * checked, not revoked), loads the user and re-checks role and disabled state on every
 * request, then fills req->user. */
#ifndef SWMRA_AUTH_GUARD_H
#define SWMRA_AUTH_GUARD_H

#include "http/http.h"

/* Returns 0 when the caller may proceed; otherwise sets the response (401 Missing token /
 * Invalid token, 403 for a role below `need`, 503 database down) and returns its status. */
int auth_guard(struct http_request *req, struct http_response *res, enum role need);

#endif
