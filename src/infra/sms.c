#include "infra/sms.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "infra/config.h"
#include "infra/jsonx.h"

char *sms_form_body(const char *to, const char *from, const char *body)
{
	CURL *h = curl_easy_init();
	if (!h)
		return NULL;
	char *t = curl_easy_escape(h, to, 0);
	char *f = curl_easy_escape(h, from, 0);
	char *b = curl_easy_escape(h, body, 0);
	char *out = NULL;
	if (t && f && b) {
		size_t n = strlen(t) + strlen(f) + strlen(b) + 32;
		out = malloc(n);
		if (out)
			snprintf(out, n, "To=%s&From=%s&Body=%s", t, f, b);
	}
	curl_free(t);
	curl_free(f);
	curl_free(b);
	curl_easy_cleanup(h);
	return out;
}

struct resp {
	char data[2048];
	size_t len;
};

static size_t collect(char *p, size_t size, size_t n, void *ud)
{
	struct resp *r = ud;
	size_t total = size * n, room = sizeof(r->data) - 1 - r->len;
	size_t k = total < room ? total : room;
	memcpy(r->data + r->len, p, k);
	r->len += k;
	r->data[r->len] = '\0';
	return total;
}

enum deliver_rc sms_send(const char *to, const char *body, char *err, size_t errlen)
{
	const struct config *c = config_get();
	if (!c->enable_sms) {
		snprintf(err, errlen, "SMS is disabled (ENABLE_SMS=false)");
		return DELIVER_FAIL;
	}
	if (!*c->sms_account_sid || !*c->sms_auth_token || !*c->sms_from) {
		snprintf(err, errlen, "SMS_ACCOUNT_SID, SMS_AUTH_TOKEN and SMS_FROM must be set");
		return DELIVER_RETRY; /* an operator can fix the configuration */
	}
	if (strspn(c->sms_account_sid, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
				       "0123456789") != strlen(c->sms_account_sid)) {
		snprintf(err, errlen, "SMS_ACCOUNT_SID must be alphanumeric");
		return DELIVER_RETRY;
	}
	char *form = sms_form_body(to, c->sms_from, body);
	CURL *h = curl_easy_init();
	if (!form || !h) {
		free(form);
		if (h)
			curl_easy_cleanup(h);
		snprintf(err, errlen, "out of memory");
		return DELIVER_RETRY;
	}
	size_t blen = strlen(c->sms_base_url);
	while (blen > 0 && c->sms_base_url[blen - 1] == '/')
		blen--;
	char url[600];
	snprintf(url, sizeof(url), "%.*s/2010-04-01/Accounts/%s/Messages.json", (int)blen,
		 c->sms_base_url, c->sms_account_sid);
	struct resp r = {.len = 0};
	char ebuf[CURL_ERROR_SIZE] = "";
	struct curl_slist *hdrs = curl_slist_append(NULL, "Expect:");
	hdrs = curl_slist_append(hdrs, "Accept: application/json");
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
	curl_easy_setopt(h, CURLOPT_USERNAME, c->sms_account_sid);
	curl_easy_setopt(h, CURLOPT_PASSWORD, c->sms_auth_token);
	curl_easy_setopt(h, CURLOPT_POSTFIELDS, form);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 5L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, 15L);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
#else
	curl_easy_setopt(h, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &r);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, ebuf);
	CURLcode rc = curl_easy_perform(h);
	long status = 0;
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	curl_slist_free_all(hdrs);
	curl_easy_cleanup(h);
	free(form);
	if (rc != CURLE_OK) {
		snprintf(err, errlen, "sms provider: %s", ebuf[0] ? ebuf : curl_easy_strerror(rc));
		return DELIVER_RETRY;
	}
	if (status >= 200 && status < 300)
		return DELIVER_OK;
	const char *msg = NULL;
	char perr[64];
	json_object *j = r.len ? jsonx_parse(r.data, r.len, perr, sizeof(perr)) : NULL;
	if (j)
		msg = jsonx_str(j, "message");
	snprintf(err, errlen, "sms provider answered %ld%s%s", status, msg ? ": " : "",
		 msg ? msg : "");
	json_object_put(j);
	return (status == 429 || status >= 500) ? DELIVER_RETRY : DELIVER_FAIL;
}
