/* /api/notifications: the caller's in-app notifications with read state, and
 * /api/internal/ws-auth, nginx's auth_request for the live channel (nchan). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/api.h"
#include "api/read_cache.h"
#include "domain/auth.h"
#include "domain/live.h"
#include "domain/notify.h"
#include "domain/users.h"
#include "infra/b64url.h"
#include "infra/cleanup.h"
#include "infra/db.h"
#include "infra/jsonx.h"
#include "infra/log.h"
#include "infra/nchan.h"
#include "infra/timeutil.h"

/* The filter every handler starts from: the caller's in-app notifications. */
static bson_t *own_filter(struct http_request *req)
{
	bson_oid_t uid;
	bson_oid_init_from_string(&uid, req->user.id);
	bson_t *f = BCON_NEW("user_id", BCON_OID(&uid), "channel", BCON_UTF8("inapp"));
	arena_defer_bson(req->arena, f);
	return f;
}

/* The caller's lists changed: their cached answers must not be served again. */
static void read_mark_bump_logged(struct http_request *req)
{
	bson_oid_t uid;
	bson_error_t err;
	bson_oid_init_from_string(&uid, req->user.id);
	if (!read_mark_bump(&uid, &err))
		log_warn("read mark not bumped (cached lists age out instead): %s", err.message);
}

int api_notifications_list(struct http_request *req, struct http_response *res)
{
	static const char *const bools[] = {"true", "false", "1", "0", NULL};
	struct verrors e;
	verr_init(&e);
	long limit = 50;
	const char *unread = NULL;
	v_query_int(&e, http_query(req, "limit"), "limit", 50, 1, 100, &limit);
	v_query_enum(&e, http_query(req, "unread"), "unread", bools, &unread);
	const char *before = http_query(req, "before");
	bson_oid_t before_oid;
	if (before && !db_parse_oid(before, &before_oid))
		verr_add(&e, "query.before", "must be a notification id (24 hex characters)",
			 "value_error.id");
	if (verr_any(&e))
		return http_validation(res, &e);
	verr_free(&e);
	struct read_cache_probe probe;
	if (read_cache_serve(req, res, &probe))
		return res->status;

	bson_t *f = own_filter(req);
	if (unread && (strcmp(unread, "true") == 0 || strcmp(unread, "1") == 0))
		BSON_APPEND_BOOL(f, "read", false);
	if (before) {
		bson_t lt;
		BSON_APPEND_DOCUMENT_BEGIN(f, "_id", &lt);
		BSON_APPEND_OID(&lt, "$lt", &before_oid);
		bson_append_document_end(f, &lt);
	}
	/* ObjectIds grow with creation time, so _id order is newest first and `before`
	 * pages back without gaps or repeats. */
	bson_t *opts =
	    BCON_NEW("sort", "{", "_id", BCON_INT32(-1), "}", "limit", BCON_INT64(limit));
	arena_defer_bson(req->arena, opts);
	mongoc_cursor_t *cur =
	    mongoc_collection_find_with_opts(db_coll("notifications"), f, opts, NULL);
	json_object *arr = json_object_new_array();
	const bson_t *d;
	while (mongoc_cursor_next(cur, &d))
		json_object_array_add(arr, notify_doc_to_json(d));
	bson_error_t err;
	if (mongoc_cursor_error(cur, &err)) {
		mongoc_cursor_destroy(cur);
		json_object_put(arr);
		return http_db_error(res, &err);
	}
	mongoc_cursor_destroy(cur);
	http_json(res, 200, arr);
	read_cache_store(&probe, res);
	return res->status;
}

int api_notifications_unread_count(struct http_request *req, struct http_response *res)
{
	struct read_cache_probe probe;
	if (read_cache_serve(req, res, &probe))
		return res->status;
	bson_t *f = own_filter(req);
	BSON_APPEND_BOOL(f, "read", false);
	bson_error_t err;
	int64_t n =
	    mongoc_collection_count_documents(db_coll("notifications"), f, NULL, NULL, NULL, &err);
	if (n < 0)
		return http_db_error(res, &err);
	json_object *o = json_object_new_object();
	json_object_object_add(o, "unread", json_object_new_int64(n));
	http_json(res, 200, o);
	read_cache_store(&probe, res);
	return res->status;
}

int api_notifications_read(struct http_request *req, struct http_response *res)
{
	bson_oid_t id;
	if (!db_parse_oid(http_param(req, "id"), &id))
		return http_error(res, 404, "Notification not found");
	bson_t *f = own_filter(req);
	BSON_APPEND_OID(f, "_id", &id);
	bson_t *u = BCON_NEW("$set", "{", "read", BCON_BOOL(true), "read_at",
			     BCON_DATE_TIME(time_now_ms()), "}");
	arena_defer_bson(req->arena, u);
	bson_t reply;
	bson_error_t err;
	bool ok = mongoc_collection_update_one(db_coll("notifications"), f, u, NULL, &reply, &err);
	int64_t matched = 0;
	bson_iter_t it;
	if (ok && bson_iter_init_find(&it, &reply, "matchedCount"))
		matched = bson_iter_as_int64(&it);
	bson_destroy(&reply);
	if (!ok)
		return http_db_error(res, &err);
	if (matched == 0)
		return http_error(res, 404, "Notification not found");
	read_mark_bump_logged(req);
	mongoc_cursor_t *cur =
	    mongoc_collection_find_with_opts(db_coll("notifications"), f, NULL, NULL);
	const bson_t *d;
	json_object *o = NULL;
	if (mongoc_cursor_next(cur, &d))
		o = notify_doc_to_json(d);
	bool failed = mongoc_cursor_error(cur, &err);
	mongoc_cursor_destroy(cur);
	if (failed)
		return http_db_error(res, &err);
	if (!o)
		return http_error(res, 404, "Notification not found");
	return http_json(res, 200, o);
}

int api_notifications_read_all(struct http_request *req, struct http_response *res)
{
	bson_t *f = own_filter(req);
	BSON_APPEND_BOOL(f, "read", false);
	bson_t *u = BCON_NEW("$set", "{", "read", BCON_BOOL(true), "read_at",
			     BCON_DATE_TIME(time_now_ms()), "}");
	arena_defer_bson(req->arena, u);
	bson_t reply;
	bson_error_t err;
	bool ok = mongoc_collection_update_many(db_coll("notifications"), f, u, NULL, &reply, &err);
	int64_t modified = 0;
	bson_iter_t it;
	if (ok && bson_iter_init_find(&it, &reply, "modifiedCount"))
		modified = bson_iter_as_int64(&it);
	bson_destroy(&reply);
	if (!ok)
		return http_db_error(res, &err);
	if (modified > 0)
		read_mark_bump_logged(req);
	json_object *o = json_object_new_object();
	json_object_object_add(o, "updated", json_object_new_int64(modified));
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
	bson_error_t err;
	switch (live_ticket_redeem(ticket, time_now_ms(), cl, &err)) {
	case LIVE_TICKET_OK: return 0;
	case LIVE_TICKET_EXPIRED: return ws_deny(res, "ticket_expired", "Ticket expired");
	case LIVE_TICKET_USED: return ws_deny(res, "ticket_used", "Ticket already used");
	case LIVE_TICKET_INVALID: return ws_deny(res, "ticket_invalid", "Invalid ticket");
	case LIVE_TICKET_DB_ERROR: break;
	}
	return http_db_error(res, &err);
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
	bson_error_t err;
	struct user u;
	char ep[LIVE_CHANNEL_LEN];
	switch (auth_session_check(&cl, &u, &err)) {
	case AUTH_SESSION_OK:
		live_epoch_channel(cl.sub, u.tokens_valid_after, u.keep_jti, ep);
		users_clear(&u);
		break;
	case AUTH_SESSION_INVALID: return ws_deny(res, "token_invalid", "Invalid token");
	case AUTH_SESSION_DB_ERROR: return http_db_error(res, &err);
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
