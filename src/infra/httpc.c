/* The one libcurl client. See httpc.h. */
#include "infra/httpc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HTTPC_DEFAULT_CAP 4096

static size_t capture(char *p, size_t size, size_t n, void *ud)
{
	struct httpc *c = ud;
	size_t total = size * n;
	size_t room = c->cap - c->len;
	if (total > room) {
		c->overflow = true;
		if (c->fail_on_overflow)
			return 0;
	}
	size_t take = total < room ? total : room;
	if (take == 0)
		return total;
	char *nb = realloc(c->body, c->len + take + 1);
	if (!nb)
		return 0;
	memcpy(nb + c->len, p, take);
	c->body = nb;
	c->len += take;
	c->body[c->len] = '\0';
	return total;
}

static size_t upload_read(char *dst, size_t size, size_t n, void *ud)
{
	struct httpc *c = ud;
	size_t room = size * n;
	size_t k = c->up_left < room ? c->up_left : room;
	memcpy(dst, c->up, k);
	c->up += k;
	c->up_left -= k;
	return k;
}

static curl_socket_t open_guarded(void *ud, curlsocktype purpose, struct curl_sockaddr *addr)
{
	struct httpc *c = ud;
	if (purpose != CURLSOCKTYPE_IPCXN || !c->guard(&addr->addr, c->guard_ud)) {
		c->refused = true;
		return CURL_SOCKET_BAD;
	}
	return socket(addr->family, addr->socktype, addr->protocol);
}

bool httpc_init(struct httpc *c, const char *url, long connect_ms, long total_ms)
{
	memset(c, 0, sizeof(*c));
	c->cap = HTTPC_DEFAULT_CAP;
	c->h = curl_easy_init();
	if (!c->h) {
		snprintf(c->ebuf, sizeof(c->ebuf), "curl_easy_init failed");
		return false;
	}
	curl_easy_setopt(c->h, CURLOPT_URL, url);
	curl_easy_setopt(c->h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c->h, CURLOPT_CONNECTTIMEOUT_MS, connect_ms);
	curl_easy_setopt(c->h, CURLOPT_TIMEOUT_MS, total_ms);
	curl_easy_setopt(c->h, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c->h, CURLOPT_ERRORBUFFER, c->ebuf);
	curl_easy_setopt(c->h, CURLOPT_WRITEFUNCTION, capture);
	curl_easy_setopt(c->h, CURLOPT_WRITEDATA, c);
	return true;
}

void httpc_protocols(struct httpc *c, const char *protocols)
{
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(c->h, CURLOPT_PROTOCOLS_STR, protocols);
#else
	long mask = 0;
	if (strstr(protocols, "https"))
		mask |= CURLPROTO_HTTPS;
	if (strstr(protocols, "http,") || strcmp(protocols, "http") == 0)
		mask |= CURLPROTO_HTTP;
	curl_easy_setopt(c->h, CURLOPT_PROTOCOLS, mask);
#endif
}

void httpc_unix_socket(struct httpc *c, const char *path)
{
	curl_easy_setopt(c->h, CURLOPT_UNIX_SOCKET_PATH, path);
}

void httpc_header(struct httpc *c, const char *line)
{
	struct curl_slist *n = curl_slist_append(c->hdrs, line);
	if (n)
		c->hdrs = n;
}

void httpc_headerf(struct httpc *c, const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	httpc_header(c, line);
}

void httpc_body(struct httpc *c, const char *method, const void *body, size_t len)
{
	/* POSTFIELDS for every method: libcurl then knows the whole body up front (SigV4
	 * hashes it, and no chunked encoding is used) */
	curl_easy_setopt(c->h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	curl_easy_setopt(c->h, CURLOPT_POSTFIELDS, len ? (const char *)body : "");
	if (strcmp(method, "POST") != 0)
		curl_easy_setopt(c->h, CURLOPT_CUSTOMREQUEST, method);
}

void httpc_method(struct httpc *c, const char *method)
{
	if (strcmp(method, "HEAD") == 0)
		curl_easy_setopt(c->h, CURLOPT_NOBODY, 1L);
	else
		curl_easy_setopt(c->h, CURLOPT_CUSTOMREQUEST, method);
}

void httpc_upload(struct httpc *c, const char *data, size_t len)
{
	c->up = data;
	c->up_left = len;
	curl_easy_setopt(c->h, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(c->h, CURLOPT_READFUNCTION, upload_read);
	curl_easy_setopt(c->h, CURLOPT_READDATA, c);
	curl_easy_setopt(c->h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)len);
}

void httpc_capture(struct httpc *c, size_t cap, bool fail_on_overflow)
{
	c->cap = cap;
	c->fail_on_overflow = fail_on_overflow;
}

void httpc_guard(struct httpc *c, httpc_guard_fn guard, void *ud)
{
	c->guard = guard;
	c->guard_ud = ud;
	curl_easy_setopt(c->h, CURLOPT_OPENSOCKETFUNCTION, open_guarded);
	curl_easy_setopt(c->h, CURLOPT_OPENSOCKETDATA, c);
}

CURLcode httpc_perform(struct httpc *c)
{
	if (!c->h)
		return CURLE_FAILED_INIT;
	if (c->hdrs)
		curl_easy_setopt(c->h, CURLOPT_HTTPHEADER, c->hdrs);
	CURLcode rc = curl_easy_perform(c->h);
	c->status = 0;
	curl_easy_getinfo(c->h, CURLINFO_RESPONSE_CODE, &c->status);
	return rc;
}

const char *httpc_error(const struct httpc *c, CURLcode rc)
{
	return c->ebuf[0] ? c->ebuf : curl_easy_strerror(rc);
}

char *httpc_take_body(struct httpc *c, size_t *len)
{
	char *b = c->body ? c->body : calloc(1, 1);
	*len = c->body ? c->len : 0;
	c->body = NULL;
	c->len = 0;
	return b;
}

void httpc_cleanup(struct httpc *c)
{
	curl_slist_free_all(c->hdrs);
	if (c->h)
		curl_easy_cleanup(c->h);
	free(c->body);
	c->hdrs = NULL;
	c->h = NULL;
	c->body = NULL;
}
