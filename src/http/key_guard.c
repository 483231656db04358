/* The API-key guard: see key_guard.h. */
#include "http/key_guard.h"

#include <stdio.h>
#include <string.h>

#include "domain/api_keys.h"
#include "infra/db.h"
#include "infra/log.h"
#include "infra/timeutil.h"

/* The key as sent: the query wins over a form body. http_query would refuse an undeclared
 * key, so the raw query is scanned through a route-independent copy of the request. */
static const char *given_key(struct http_request *req)
{
	const char *const *declared = req->query_keys;
	static const char *const only[] = {"api_key", NULL};
	req->query_keys = only;
	const char *k = http_query(req, "api_key");
	req->query_keys = declared;
	if (!k && strcmp(req->method, "POST") == 0)
		k = http_form(req, "api_key");
	return k;
}

int key_guard(struct http_request *req, struct http_response *res, bool required)
{
	req->api_key_id[0] = '\0';
	const char *secret = given_key(req);
	if (!secret || !*secret)
		return required ? http_error(res, 403, "api_key required") : 0;
	if (!db_client()) /* no store in this process (a test harness): keys cannot be checked */
		return http_error(res, 503, "Service unavailable");
	struct api_key k;
	struct derr err;
	switch (api_keys_check(secret, &k, &err)) {
	case API_KEYS_OK: break;
	case API_KEYS_NOT_FOUND: return http_error(res, 403, "Invalid api_key");
	case API_KEYS_ERR:
		return http_store_error(res, err.domain, err.code, err.message, err.unavailable);
	}
	int64_t wait;
	int r = api_keys_rate_take(&k, time_now_ms(), &wait, &err);
	if (r < 0)
		return http_store_error(res, err.domain, err.code, err.message, err.unavailable);
	if (r == 0) {
		char s[24];
		snprintf(s, sizeof(s), "%lld", (long long)wait);
		http_header(res, "Retry-After", s);
		return http_error(res, 429, "Slow down");
	}
	snprintf(req->api_key_id, sizeof(req->api_key_id), "%s", k.id);
	return 0;
}
