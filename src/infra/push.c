#include "infra/push.h"

#include <curl/curl.h>
#include <stdio.h>
#include <string.h>

#include "infra/config.h"
#include "infra/jsonx.h"

void push_user_channel(const char *user_hex, char buf[30])
{
	snprintf(buf, 30, "user.%.24s", user_hex);
}

struct resp_buf {
	char data[1024];
	size_t len;
};

static size_t collect(char *p, size_t size, size_t n, void *ud)
{
	struct resp_buf *b = ud;
	size_t total = size * n;
	size_t room = sizeof(b->data) - 1 - b->len;
	size_t take = total < room ? total : room;
	memcpy(b->data + b->len, p, take);
	b->len += take;
	b->data[b->len] = '\0';
	return total;
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
 * non-NULL. Returns the HTTP status, or -1 with a reason in err. `rb` gets the answer. */
static long pub_request(const char *method, const char *channel, const char *json, size_t len,
			struct resp_buf *rb, char *err, size_t errlen)
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
	CURL *h = curl_easy_init();
	if (!h) {
		snprintf(err, errlen, "curl_easy_init failed");
		return -1;
	}
	char url[160];
	snprintf(url, sizeof(url), "http://localhost/pub/%s", channel);
	struct curl_slist *hdrs = NULL;
	hdrs = curl_slist_append(hdrs, "Content-Type: application/json");
	hdrs = curl_slist_append(hdrs, "Accept: text/json");
	hdrs = curl_slist_append(hdrs, "Expect:");
	char ebuf[CURL_ERROR_SIZE] = "";
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_UNIX_SOCKET_PATH, sock);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	if (json) {
		curl_easy_setopt(h, CURLOPT_POST, 1L);
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, json);
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	}
	curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, 1000L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 3000L);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, rb);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, ebuf);
	CURLcode rc = curl_easy_perform(h);
	long status = 0;
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	curl_slist_free_all(hdrs);
	curl_easy_cleanup(h);
	if (rc != CURLE_OK) {
		snprintf(err, errlen, "%s %s: %s", json ? "publish to" : "delete at", sock,
			 ebuf[0] ? ebuf : curl_easy_strerror(rc));
		return -1;
	}
	return status;
}

int push_publish(const char *channel, const char *json, size_t len, int *subscribers, char *err,
		 size_t errlen)
{
	if (subscribers)
		*subscribers = -1;
	struct resp_buf rb = {.len = 0};
	long status = pub_request("POST", channel, json, len, &rb, err, errlen);
	if (status < 0)
		return -1;
	if (status != 201 && status != 202) {
		snprintf(err, errlen, "publish: nchan answered %ld", status);
		return -1;
	}
	if (subscribers && rb.len) {
		char perr[64];
		json_object *o = jsonx_parse(rb.data, rb.len, perr, sizeof(perr));
		json_object *s;
		if (o && json_object_object_get_ex(o, "subscribers", &s))
			*subscribers = json_object_get_int(s);
		json_object_put(o);
	}
	return 0;
}

int push_delete(const char *channel, char *err, size_t errlen)
{
	struct resp_buf rb = {.len = 0};
	long status = pub_request("DELETE", channel, NULL, 0, &rb, err, errlen);
	if (status < 0)
		return -1;
	if (status != 200 && status != 404) {
		snprintf(err, errlen, "delete: nchan answered %ld", status);
		return -1;
	}
	return 0;
}
