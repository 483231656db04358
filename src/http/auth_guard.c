/* The guard of protected routes. Order of checks: Bearer header (401 Missing token),
 * token (401 Invalid token: signature, HS256 only, exp/iat/nbf/iss/sub/jti), revocation
 * by jti (401 Invalid token), the stored user (401 Invalid token when gone, disabled, or
 * when the token predates a password change), the stored role against the route's need
 * (403 Not enough privileges). A database failure answers 503 (http_db_error).
 *
 * A disabled account gets 401 "Invalid token", like a revoked token: the session is over
 * and clients sign out on 401 (the login itself tells "Account disabled", after the
 * password was right). */
#include "http/auth_guard.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "domain/auth.h"
#include "domain/users.h"
#include "infra/log.h"

static void put_user(void *p)
{
	users_clear(p);
}

int auth_guard(struct http_request *req, struct http_response *res, enum role need)
{
	const char *h = req->authorization;
	if (!h)
		return http_error(res, 401, "Missing token");
	while (isspace((unsigned char)*h))
		h++;
	if (strncasecmp(h, "Bearer", 6) != 0 || !isspace((unsigned char)h[6]))
		return http_error(res, 401, "Missing token");
	h += 6;
	while (isspace((unsigned char)*h))
		h++;
	if (!*h)
		return http_error(res, 401, "Missing token");
	size_t n = strlen(h);
	while (n && isspace((unsigned char)h[n - 1]))
		n--;
	char *token = arena_strndup(req->arena, h, n);

	struct auth_claims cl;
	const char *why = NULL;
	if (!auth_verify_token(token, &cl, &why)) {
		log_debug("token refused: %s", why ? why : "?");
		return http_error(res, 401, "Invalid token");
	}
	struct derr err;
	struct user *u = arena_alloc(req->arena, sizeof(*u));
	switch (auth_session_check(&cl, u, &err)) {
	case AUTH_SESSION_OK: break;
	case AUTH_SESSION_INVALID: return http_error(res, 401, "Invalid token");
	case AUTH_SESSION_DB_ERROR:
		return http_store_error(res, err.domain, err.code, err.message, err.unavailable);
	}
	arena_defer(req->arena, put_user, u);
	enum role r = role_parse(u->role);
	if (r == ROLE_NONE || r < need)
		return http_error(res, 403, "Not enough privileges");

	req->authed = true;
	snprintf(req->user.id, sizeof(req->user.id), "%s", u->id);
	req->user.role = r;
	snprintf(req->user.jti, sizeof(req->user.jti), "%s", cl.jti);
	snprintf(req->user.sid, sizeof(req->user.sid), "%s", cl.sid);
	req->user.exp = cl.exp;
	req->user.iat = cl.iat;
	req->user.email = arena_strdup(req->arena, u->email);
	req->user.name = arena_strdup(req->arena, u->name);
	return 0;
}
