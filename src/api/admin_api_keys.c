/* /api/admin/api-keys: the admin issues (the secret is in the 201 answer only, stored
 * hashed), lists and revokes the API keys of third-party clients (the Open311 endpoint). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/wire.h"
#include "domain/api_keys.h"
#include "infra/config.h"
#include "infra/log.h"
#include "infra/timeutil.h"

static const char *const create_keys[] = {"name", "rate_per_minute", NULL};

static json_object *key_json(const struct api_key *k)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "id", json_object_new_string(k->id));
	json_object_object_add(o, "name", json_object_new_string(k->name));
	json_object_object_add(o, "prefix", json_object_new_string(k->prefix));
	json_object_object_add(o, "rate_per_minute", json_object_new_int(k->rate_per_minute));
	json_object_object_add(o, "created_at", wire_time(k->created_at != 0, k->created_at));
	json_object_object_add(o, "last_used_at", wire_time(k->last_used_at != 0, k->last_used_at));
	json_object_object_add(o, "revoked_at", wire_time(k->revoked_at != 0, k->revoked_at));
	return o;
}

int api_admin_api_keys_create(struct http_request *req, struct http_response *res)
{
	int st;
	json_object *body = http_json_body(req, res, &st);
	if (!body)
		return st;
	struct verrors *e = http_verrors(req);
	const char *name = NULL;
	long rate = config_get()->api_key_rate_per_minute;
	v_no_extra(e, body, "body", create_keys);
	v_string(e, body, "body", "name", true, 1, API_KEY_NAME_MAX, &name);
	v_int(e, body, "body", "rate_per_minute", false, 1, 100000, &rate);
	if (verr_any(e))
		return http_validation(res, e);
	struct api_key k;
	char secret[API_KEY_SECRET_LEN + 1];
	struct derr err;
	if (api_keys_create(name, (int)rate, req->user.id, &k, secret, &err) != API_KEYS_OK)
		return api_derr(res, &err);
	log_info("api key %s issued by %s", k.id, req->user.id);
	json_object *o = key_json(&k);
	json_object_object_add(o, "key", json_object_new_string(secret));
	memset(secret, 0, sizeof(secret));
	return http_json(res, 201, o);
}

int api_admin_api_keys_list(struct http_request *req, struct http_response *res)
{
	struct api_key *keys;
	size_t n;
	struct derr err;
	if (api_keys_list(&keys, &n, &err) != API_KEYS_OK)
		return api_derr(res, &err);
	json_object *items = json_object_new_array();
	for (size_t i = 0; i < n; i++)
		json_object_array_add(items, key_json(&keys[i]));
	free(keys);
	json_object *o = json_object_new_object();
	json_object_object_add(o, "items", items);
	return http_json(res, 200, o);
}

int api_admin_api_keys_revoke(struct http_request *req, struct http_response *res)
{
	struct oid id;
	if (!oid_parse(http_param(req, "id"), &id))
		return http_error(res, 404, "API key not found");
	struct derr err;
	switch (api_keys_revoke(&id, &err)) {
	case API_KEYS_OK: break;
	case API_KEYS_NOT_FOUND: return http_error(res, 404, "API key not found");
	case API_KEYS_ERR: return api_derr(res, &err);
	}
	log_info("api key %s revoked by %s", http_param(req, "id"), req->user.id);
	return http_raw(res, 204, NULL, "", 0);
}
