#include "infra/sms.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "infra/config.h"
#include "infra/httpc.h"
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
	if (!form) {
		snprintf(err, errlen, "out of memory");
		return DELIVER_RETRY;
	}
	size_t blen = strlen(c->sms_base_url);
	while (blen > 0 && c->sms_base_url[blen - 1] == '/')
		blen--;
	char url[600];
	snprintf(url, sizeof(url), "%.*s/2010-04-01/Accounts/%s/Messages.json", (int)blen,
		 c->sms_base_url, c->sms_account_sid);
	struct httpc h;
	if (!httpc_init(&h, url, 5000L, 15000L)) {
		httpc_cleanup(&h);
		free(form);
		snprintf(err, errlen, "out of memory");
		return DELIVER_RETRY;
	}
	httpc_protocols(&h, "http,https");
	httpc_capture(&h, 2047, false);
	httpc_header(&h, "Expect:");
	httpc_header(&h, "Accept: application/json");
	curl_easy_setopt(h.h, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
	curl_easy_setopt(h.h, CURLOPT_USERNAME, c->sms_account_sid);
	curl_easy_setopt(h.h, CURLOPT_PASSWORD, c->sms_auth_token);
	httpc_body(&h, "POST", form, strlen(form));
	CURLcode rc = httpc_perform(&h);
	long status = h.status;
	free(form);
	if (rc != CURLE_OK) {
		snprintf(err, errlen, "sms provider: %s", httpc_error(&h, rc));
		httpc_cleanup(&h);
		return DELIVER_RETRY;
	}
	if (status >= 200 && status < 300) {
		httpc_cleanup(&h);
		return DELIVER_OK;
	}
	const char *msg = NULL;
	char perr[64];
	json_object *j = h.len ? jsonx_parse(h.body, h.len, perr, sizeof(perr)) : NULL;
	if (j)
		msg = jsonx_str(j, "message");
	snprintf(err, errlen, "sms provider answered %ld%s%s", status, msg ? ": " : "",
		 msg ? msg : "");
	json_object_put(j);
	httpc_cleanup(&h);
	return (status == 429 || status >= 500) ? DELIVER_RETRY : DELIVER_FAIL;
}
