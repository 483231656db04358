/* /api/notifications: the caller's in-app notifications with read state, and
 * /api/internal/ws-auth, nginx's auth_request for the live channel (nchan). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/api.h"
#include "api/read_cache.h"
#include "api/results.h"
#include "domain/auth.h"
#include "domain/live.h"
#include "domain/notify_inbox.h"
#include "domain/users.h"
#include "infra/b64url.h"
#include "infra/jsonx.h"
#include "infra/log.h"
#include "infra/nchan.h"
#include "infra/timeutil.h"

static void add_item(void *ctx, const struct notification *n)
{
	json_object_array_add(ctx, api_notification_json(n));
}

static void keep_one(void *ctx, const struct notification *n)
{
	json_object **out = ctx;
	if (!*out)
		*out = api_notification_json(n);
}

int api_notifications_list(struct http_request *req, struct http_response *res)
{
	static const char *const bools[] = {"true", "false", "1", "0", NULL};
	struct verrors e;
	verr_init(&e);
	long limit = 50;
	const char *unread = NULL;
	v_query_int(&e, http_query(req, "limit"), "limit", 50, 1, NOTIFY_INBOX_LIMIT_MAX, &limit);
	v_query_enum(&e, http_query(req, "unread"), "unread", bools, &unread);
	const char *before = http_query(req, "before");
	if (before && !notify_inbox_id_valid(before))
		verr_add(&e, "query.before", "must be a notification id (24 hex characters)",
			 "value_error.id");
	if (verr_any(&e))
		return http_validation(res, &e);
	verr_free(&e);
	struct read_cache_probe probe;
	if (read_cache_serve(req, res, &probe))
		return res->status;

	struct notify_inbox_query q = {
	    .user_id = req->user.id,
	    .unread_only = unread && (strcmp(unread, "true") == 0 || strcmp(unread, "1") == 0),
	    .before = before,
	    .limit = limit,
	};
	json_object *items = json_object_new_array();
	struct derr err;
	enum notify_inbox_rc rc = notify_inbox_list(&q, add_item, items, &err);
	if (rc != NOTIFY_INBOX_OK) {
		json_object_put(items);
		return api_notify_inbox_result(res, rc, &err);
	}
	http_json(res, 200, items);
	read_cache_store(&probe, res);
	return res->status;
}

int api_notifications_unread_count(struct http_request *req, struct http_response *res)
{
	struct read_cache_probe probe;
	if (read_cache_serve(req, res, &probe))
		return res->status;
	int64_t n;
	struct derr err;
	enum notify_inbox_rc rc = notify_inbox_unread(req->user.id, &n, &err);
	if (rc != NOTIFY_INBOX_OK)
		return api_notify_inbox_result(res, rc, &err);
	json_object *o = json_object_new_object();
	json_object_object_add(o, "unread", json_object_new_int64(n));
	http_json(res, 200, o);
	read_cache_store(&probe, res);
	return res->status;
}

int api_notifications_read(struct http_request *req, struct http_response *res)
{
	json_object *o = NULL;
	struct derr err;
	enum notify_inbox_rc rc =
	    notify_inbox_read_one(req->user.id, http_param(req, "id"), keep_one, &o, &err);
	if (rc != NOTIFY_INBOX_OK) {
		json_object_put(o);
		return api_notify_inbox_result(res, rc, &err);
	}
	return http_json(res, 200, o);
}

int api_notifications_read_all(struct http_request *req, struct http_response *res)
{
	int64_t updated;
	struct derr err;
	enum notify_inbox_rc rc = notify_inbox_read_all(req->user.id, &updated, &err);
	if (rc != NOTIFY_INBOX_OK)
		return api_notify_inbox_result(res, rc, &err);
	json_object *o = json_object_new_object();
	json_object_object_add(o, "updated", json_object_new_int64(updated));
	return http_json(res, 200, o);
}

/* ---- nginx auth_request for /api/ws/notifications ---- */

static int ws_deny(struct http_response *res, const char *code, const char *detail)
{
	http_header(res, "X-Swmra-Auth-Error", code);
	json_object *o = json_object_new_object();
	json_object_object_add(o, "detail", json_object_new_string(detail));
	json_object_object_add(o, "code", json_object_new_int(4001));
	return http_json(res, 403, o);
}

/* The iat claim of an (unverified) token, or -1: only used to tell an expired token that
 * was genuine from a forged one, by verifying the signature as of its own issue time. */
static int64_t unverified_iat(struct http_request *req, const char *token)
{
	const char *a = strchr(token, '.');
	const char *b = a ? strchr(a + 1, '.') : NULL;
	if (!a || !b || b - a - 1 > 4096 || b - a - 1 < 1)
		return -1;
	size_t n = (size_t)(b - a - 1);
	uint8_t *out = arena_alloc(req->arena, n);
	long o = b64url_decode(a + 1, n, out, n);
	if (o < 0)
		return -1;
	char perr[64];
	json_object *j = jsonx_parse((const char *)out, (size_t)o, perr, sizeof(perr));
	json_object *iat;
	int64_t r = -1;
	if (j && json_object_object_get_ex(j, "iat", &iat) &&
	    json_object_is_type(iat, json_type_int))
		r = json_object_get_int64(iat);
	json_object_put(j);
	return r;
}

/* ?ticket=: a one-use ticket stands for the session it was issued to. 0 and `cl` filled, or
 * the refusal's status. */
static int ws_ticket_claims(struct http_response *res, const char *ticket, struct auth_claims *cl)
{
	struct derr err;
	switch (live_ticket_redeem(ticket, time_now_ms(), cl, &err)) {
	case LIVE_TICKET_OK: return 0;
	case LIVE_TICKET_EXPIRED: return ws_deny(res, "ticket_expired", "Ticket expired");
	case LIVE_TICKET_USED: return ws_deny(res, "ticket_used", "Ticket already used");
	case LIVE_TICKET_INVALID: return ws_deny(res, "ticket_invalid", "Invalid ticket");
	case LIVE_TICKET_DB_ERROR: break;
	}
	return api_derr(res, &err);
}

/* ?token=: the bearer token itself (kept for existing clients). */
static int ws_token_claims(struct http_request *req, struct http_response *res,
			   struct auth_claims *cl)
{
	const char *token = http_request_param(req, "HTTP_X_SWMRA_TOKEN");
	if (!token || !*token)
		return ws_deny(res, "token_missing", "Missing token");
	const char *why = NULL;
	if (!auth_verify_token(token, cl, &why)) {
		int64_t iat = unverified_iat(req, token);
		struct auth_claims old;
		if (iat > 0 && auth_verify_token_at(token, iat, &old, NULL) &&
		    old.exp <= time_now_ms() / 1000)
			return ws_deny(res, "token_expired", "Token expired");
		log_debug("ws token refused: %s", why ? why : "?");
		return ws_deny(res, "token_invalid", "Invalid token");
	}
	return 0;
}

int api_internal_ws_auth(struct http_request *req, struct http_response *res)
{
	struct auth_claims cl;
	const char *ticket = http_request_param(req, "HTTP_X_SWMRA_TICKET");
	int st =
	    ticket && *ticket ? ws_ticket_claims(res, ticket, &cl) : ws_token_claims(req, res, &cl);
	if (st)
		return st;
	struct derr err;
	struct user u;
	char ep[LIVE_CHANNEL_LEN];
	switch (auth_session_check(&cl, &u, &err)) {
	case AUTH_SESSION_OK:
		live_epoch_channel(cl.sub, u.tokens_valid_after, u.keep_jti, ep);
		users_clear(&u);
		break;
	case AUTH_SESSION_INVALID: return ws_deny(res, "token_invalid", "Invalid token");
	case AUTH_SESSION_DB_ERROR: return api_derr(res, &err);
	}
	/* The user's channel, plus the session's and the account epoch's (domain/live.h):
	 * nginx subscribes the connection to all three. */
	char channel[30], sess[LIVE_CHANNEL_LEN];
	nchan_user_channel(cl.sub, channel);
	/* a refresh session's connections share its channel: ending the session (logout,
	 * sign-out of that device, reuse) closes them whatever access token opened them */
	live_session_channel(cl.sid[0] ? cl.sid : cl.jti, sess);
	http_header(res, "X-Swmra-Channel", channel);
	http_header(res, "X-Swmra-Session-Channel", sess);
	http_header(res, "X-Swmra-Epoch-Channel", ep);
	json_object *o = json_object_new_object();
	json_object_object_add(o, "channel", json_object_new_string(channel));
	return http_json(res, 200, o);
}
