#include "infra/nchan.h"

#include <stdio.h>
#include <string.h>

#include "infra/config.h"
#include "infra/httpc.h"
#include "infra/jsonx.h"

void nchan_user_channel(const char *user_hex, char buf[30])
{
	snprintf(buf, 30, "user.%.24s", user_hex);
}

static bool channel_ok(const char *c)
{
	if (!c || !*c || strlen(c) > 100)
		return false;
	for (const char *p = c; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '.' || *p == '_' || *p == '-'))
			return false;
	return true;
}

/* One request to the publisher: `method` on /pub/<channel>, with `json` as the body when
 * non-NULL. Returns the HTTP status, or -1 with a reason in err. `c` keeps the answer (the
 * caller cleans it up). */
static long pub_request(struct httpc *c, const char *method, const char *channel, const char *json,
			size_t len, char *err, size_t errlen)
{
	if (!channel_ok(channel)) {
		snprintf(err, errlen, "invalid channel name");
		return -1;
	}
	const char *sock = config_get()->nchan_pub_socket;
	if (!sock || !*sock) {
		snprintf(err, errlen, "NCHAN_PUB_SOCKET is empty");
		return -1;
	}
	char url[160];
	snprintf(url, sizeof(url), "http://localhost/pub/%s", channel);
	if (!httpc_init(c, url, 1000L, 3000L)) {
		snprintf(err, errlen, "%s", c->ebuf);
		return -1;
	}
	httpc_unix_socket(c, sock);
	httpc_capture(c, 1023, false);
	httpc_header(c, "Content-Type: application/json");
	httpc_header(c, "Accept: text/json");
	httpc_header(c, "Expect:");
	if (json)
		httpc_body(c, method, json, len);
	else
		httpc_method(c, method);
	CURLcode rc = httpc_perform(c);
	if (rc != CURLE_OK) {
		snprintf(err, errlen, "%s %s: %s", json ? "publish to" : "delete at", sock,
			 httpc_error(c, rc));
		return -1;
	}
	return c->status;
}

int nchan_publish(const char *channel, const char *json, size_t len, int *subscribers, char *err,
		  size_t errlen)
{
	if (subscribers)
		*subscribers = -1;
	struct httpc c = {.h = NULL};
	long status = pub_request(&c, "POST", channel, json, len, err, errlen);
	if (status >= 0 && status != 201 && status != 202)
		snprintf(err, errlen, "publish: nchan answered %ld", status);
	if (status != 201 && status != 202) {
		httpc_cleanup(&c);
		return -1;
	}
	if (subscribers && c.len) {
		char perr[64];
		json_object *o = jsonx_parse(c.body, c.len, perr, sizeof(perr));
		json_object *s;
		if (o && json_object_object_get_ex(o, "subscribers", &s))
			*subscribers = json_object_get_int(s);
		json_object_put(o);
	}
	httpc_cleanup(&c);
	return 0;
}

int nchan_delete(const char *channel, char *err, size_t errlen)
{
	struct httpc c = {.h = NULL};
	long status = pub_request(&c, "DELETE", channel, NULL, 0, err, errlen);
	httpc_cleanup(&c);
	if (status < 0)
		return -1;
	if (status != 200 && status != 404) {
		snprintf(err, errlen, "delete: nchan answered %ld", status);
		return -1;
	}
	return 0;
}
