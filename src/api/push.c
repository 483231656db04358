/* /api/push: the VAPID public key browsers subscribe with, and the caller's web push
 * subscriptions (docs/RUNBOOK.md §7.3). With ENABLE_PUSH=false the key endpoint answers
 * {"enabled": false} and the subscription endpoints 404. */
#include <string.h>

#include "api/api.h"
#include "domain/notify.h"
#include "infra/b64url.h"
#include "infra/config.h"
#include "infra/jsonx.h"
#include "infra/webpush.h"

int api_push_vapid_key(struct http_request *req, struct http_response *res)
{
	(void)req;
	const struct config *c = config_get();
	json_object *o = json_object_new_object();
	json_object_object_add(o, "enabled", json_object_new_boolean(c->enable_push));
	if (c->enable_push)
		json_object_object_add(o, "key", json_object_new_string(c->vapid_public_key));
	return http_json(res, 200, o);
}

static int push_disabled(struct http_response *res)
{
	return http_error(res, 404, "web push is not enabled on this server");
}

/* body.<key> as base64url of exactly `want` bytes (p256dh also a P-256 point). */
static void v_key(struct verrors *e, json_object *keys, const char *key, size_t want,
		  const char **out)
{
	char loc[32];
	snprintf(loc, sizeof(loc), "body.keys.%s", key);
	if (!v_string(e, keys, "body.keys", key, true, 1, 200, out))
		return;
	uint8_t buf[WEBPUSH_PUBKEY_LEN + 1];
	long n = b64url_decode(*out, (size_t)-1, buf, sizeof(buf));
	if (n != (long)want)
		verr_add(e, loc,
			 want == WEBPUSH_PUBKEY_LEN
			     ? "must be base64url of a 65-byte uncompressed P-256 public key"
			     : "must be base64url of a 16-byte authentication secret",
			 "value_error");
	else if (want == WEBPUSH_PUBKEY_LEN && !webpush_pubkey_valid(buf, (size_t)n))
		verr_add(e, loc, "is not an uncompressed point on the P-256 curve", "value_error");
}

static void v_endpoint(struct verrors *e, json_object *b, const char **endpoint)
{
	if (!v_string(e, b, "body", "endpoint", true, 1, WEBPUSH_ENDPOINT_MAX, endpoint))
		return;
	const char *why =
	    notify_push_endpoint_problem(*endpoint, strcmp(config_get()->app_env, "test") == 0);
	if (why)
		verr_add(e, "body.endpoint", why, "value_error.url");
}

int api_push_subscribe(struct http_request *req, struct http_response *res)
{
	if (!config_get()->enable_push)
		return push_disabled(res);
	int st;
	json_object *b = http_json_body(req, res, &st);
	if (!b)
		return st;
	static const char *const allowed[] = {"endpoint", "keys", "expirationTime", NULL};
	static const char *const key_names[] = {"p256dh", "auth", NULL};
	struct verrors e;
	verr_init(&e);
	v_no_extra(&e, b, "body", allowed);
	const char *endpoint = NULL, *p256dh = NULL, *auth = NULL;
	v_endpoint(&e, b, &endpoint);
	json_object *keys = v_object(&e, b, "body", "keys", true);
	if (keys) {
		v_no_extra(&e, keys, "body.keys", key_names);
		v_key(&e, keys, "p256dh", WEBPUSH_PUBKEY_LEN, &p256dh);
		v_key(&e, keys, "auth", WEBPUSH_AUTH_LEN, &auth);
	}
	if (verr_any(&e))
		return http_validation(res, &e);
	verr_free(&e);
	struct oid uid;
	if (!oid_parse(req->user.id, &uid))
		return http_error(res, 401, "Invalid token");
	struct derr err;
	bool created = false;
	if (!notify_push_subscribe(&uid, endpoint, p256dh, auth, &created, &err))
		return api_derr(res, &err);
	json_object *o = json_object_new_object();
	json_object_object_add(o, "endpoint", json_object_new_string(endpoint));
	json_object_object_add(o, "created", json_object_new_boolean(created));
	return http_json(res, 201, o);
}

int api_push_unsubscribe(struct http_request *req, struct http_response *res)
{
	if (!config_get()->enable_push)
		return push_disabled(res);
	int st;
	json_object *b = http_json_body(req, res, &st);
	if (!b)
		return st;
	static const char *const allowed[] = {"endpoint", NULL};
	struct verrors e;
	verr_init(&e);
	v_no_extra(&e, b, "body", allowed);
	const char *endpoint = NULL;
	v_string(&e, b, "body", "endpoint", true, 1, WEBPUSH_ENDPOINT_MAX, &endpoint);
	if (verr_any(&e))
		return http_validation(res, &e);
	verr_free(&e);
	struct oid uid;
	if (!oid_parse(req->user.id, &uid))
		return http_error(res, 401, "Invalid token");
	struct derr err;
	/* Idempotent: 204 also when the caller had no such subscription (another user's
	 * endpoint is never touched and its existence is not revealed). */
	if (notify_push_unsubscribe(&uid, endpoint, &err) < 0)
		return api_derr(res, &err);
	return http_raw(res, 204, NULL, "", 0);
}
