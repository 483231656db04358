#include "http/http.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <mongoc/mongoc.h>

#include "infra/config.h"
#include "infra/db.h"
#include "infra/jsonx.h"
#include "infra/log.h"
#include "infra/metrics.h"

enum role role_parse(const char *s)
{
	if (!s)
		return ROLE_NONE;
	if (strcmp(s, "citizen") == 0)
		return ROLE_CITIZEN;
	if (strcmp(s, "staff") == 0)
		return ROLE_STAFF;
	if (strcmp(s, "admin") == 0)
		return ROLE_ADMIN;
	return ROLE_NONE;
}

const char *role_name(enum role r)
{
	switch (r) {
	case ROLE_CITIZEN: return "citizen";
	case ROLE_STAFF: return "staff";
	case ROLE_ADMIN: return "admin";
	default: return "none";
	}
}

void http_request_init(struct http_request *req, struct arena *a)
{
	memset(req, 0, sizeof(*req));
	req->arena = a;
	req->method = "GET";
	req->path = "/";
	req->query = "";
}

const char *http_request_param(const struct http_request *req, const char *name)
{
	size_t n = strlen(name);
	for (char **e = req->env; e && *e; e++)
		if (strncmp(*e, name, n) == 0 && (*e)[n] == '=')
			return *e + n + 1;
	return NULL;
}

void http_request_set_param(struct http_request *req, const char *name, const char *value)
{
	size_t n = 0;
	while (req->env && req->env[n])
		n++;
	char **env = arena_alloc(req->arena, (n + 2) * sizeof(*env));
	size_t k = 0;
	size_t nl = strlen(name);
	for (size_t i = 0; i < n; i++)
		if (strncmp(req->env[i], name, nl) != 0 || req->env[i][nl] != '=')
			env[k++] = req->env[i];
	size_t len = nl + strlen(value) + 2;
	env[k] = arena_alloc(req->arena, len);
	snprintf(env[k], len, "%s=%s", name, value);
	env[k + 1] = NULL;
	req->env = env;
}

void http_response_init(struct http_response *res)
{
	memset(res, 0, sizeof(*res));
	res->status = 200;
}

void http_response_free(struct http_response *res)
{
	if (res->stream_free)
		res->stream_free(res->stream_ctx);
	free(res->body);
	for (int i = 0; i < res->nheaders; i++) {
		free(res->header_names[i]);
		free(res->header_values[i]);
	}
	memset(res, 0, sizeof(*res));
}

const char *http_reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 202: return "Accepted";
	case 204: return "No Content";
	case 301: return "Moved Permanently";
	case 302: return "Found";
	case 304: return "Not Modified";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 410: return "Gone";
	case 413: return "Payload Too Large";
	case 415: return "Unsupported Media Type";
	case 422: return "Unprocessable Entity";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	default: return "Unknown";
	}
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Percent-decodes [s, s+n) into the arena; '+' is a space (form encoding). */
static char *url_decode(struct arena *a, const char *s, size_t n)
{
	char *out = arena_alloc(a, n + 1), *o = out;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '%' && i + 2 < n && hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0) {
			*o++ = (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
			i += 2;
		} else if (s[i] == '+') {
			*o++ = ' ';
		} else {
			*o++ = s[i];
		}
	}
	*o = '\0';
	return out;
}

static bool query_key_declared(const struct http_request *req, const char *name)
{
	if (!req->query_keys)
		return true; /* no route matched yet (tests, the fuzz target's reference checks) */
	for (const char *const *k = req->query_keys; *k; k++)
		if (strcmp(*k, name) == 0)
			return true;
	log_error("query key \"%s\" is not declared by route %s", name,
		  req->route_pattern ? req->route_pattern : "?");
	return false;
}

const char *http_query(struct http_request *req, const char *name)
{
	if (!query_key_declared(req, name))
		return NULL;
	size_t nlen = strlen(name);
	const char *p = req->query;
	while (p && *p) {
		const char *amp = strchr(p, '&');
		size_t len = amp ? (size_t)(amp - p) : strlen(p);
		const char *eq = memchr(p, '=', len);
		size_t klen = eq ? (size_t)(eq - p) : len;
		if (klen == nlen && strncmp(p, name, nlen) == 0) {
			if (!eq)
				return "";
			return url_decode(req->arena, eq + 1, len - klen - 1);
		}
		p = amp ? amp + 1 : NULL;
	}
	return NULL;
}

bool http_is_form(const struct http_request *req)
{
	const char *ct = req->content_type;
	return ct && strncasecmp(ct, "application/x-www-form-urlencoded", 33) == 0 &&
	       (ct[33] == '\0' || ct[33] == ';' || ct[33] == ' ');
}

size_t http_form_fields(struct http_request *req, const char ***names, const char ***values)
{
	*names = *values = NULL;
	if (!req->body || !req->body_len || !http_is_form(req))
		return 0;
	size_t n = 1;
	for (size_t i = 0; i < req->body_len; i++)
		n += req->body[i] == '&';
	const char **nm = arena_alloc(req->arena, n * sizeof(*nm));
	const char **vl = arena_alloc(req->arena, n * sizeof(*vl));
	size_t k = 0;
	const char *p = req->body, *end = req->body + req->body_len;
	while (p < end) {
		const char *amp = memchr(p, '&', (size_t)(end - p));
		size_t len = amp ? (size_t)(amp - p) : (size_t)(end - p);
		const char *eq = memchr(p, '=', len);
		size_t klen = eq ? (size_t)(eq - p) : len;
		if (klen) {
			nm[k] = url_decode(req->arena, p, klen);
			vl[k] = eq ? url_decode(req->arena, eq + 1, len - klen - 1) : "";
			k++;
		}
		p = amp ? amp + 1 : end;
	}
	*names = nm;
	*values = vl;
	return k;
}

bool http_form_has_nul(const struct http_request *req)
{
	const char *b = req->body;
	for (size_t i = 0; b && i < req->body_len; i++)
		if (b[i] == '\0' ||
		    (b[i] == '%' && i + 2 < req->body_len && b[i + 1] == '0' && b[i + 2] == '0'))
			return true;
	return false;
}

const char *http_form(struct http_request *req, const char *name)
{
	const char **nm, **vl;
	size_t n = http_form_fields(req, &nm, &vl);
	for (size_t i = 0; i < n; i++)
		if (strcmp(nm[i], name) == 0)
			return vl[i];
	return NULL;
}

int http_query_check(struct http_request *req, struct http_response *res)
{
	/* Values are C strings: a %00 would silently cut `draft%00xyz` to `draft`. */
	for (const char *p = req->query; p && *p;) {
		const char *amp = strchr(p, '&');
		size_t len = amp ? (size_t)(amp - p) : strlen(p);
		const char *eq = memchr(p, '=', len);
		size_t klen = eq ? (size_t)(eq - p) : len;
		bool nul = false;
		for (size_t i = 0; i + 2 < len && !nul; i++)
			nul = p[i] == '%' && p[i + 1] == '0' && p[i + 2] == '0';
		if (nul) {
			/* the name as sent when it is a plain word, else just "query" */
			char loc[80] = "query";
			bool plain = klen > 0 && klen < sizeof(loc) - 7;
			for (size_t i = 0; i < klen && plain; i++)
				plain = isalnum((unsigned char)p[i]) || p[i] == '_' || p[i] == '-';
			if (plain)
				snprintf(loc, sizeof(loc), "query.%.*s", (int)klen, p);
			struct verrors e;
			verr_init(&e);
			verr_add(&e, loc, "Value must not contain NUL", "string_nul");
			return http_validation(res, &e);
		}
		p = amp ? amp + 1 : NULL;
	}
	return 0;
}

const char *http_param(const struct http_request *req, const char *name)
{
	for (int i = 0; i < req->nparams; i++)
		if (strcmp(req->param_names[i], name) == 0)
			return req->params[i];
	return NULL;
}

void http_header(struct http_response *res, const char *name, const char *value)
{
	for (int i = 0; i < res->nheaders; i++) {
		if (strcasecmp(res->header_names[i], name) == 0) {
			free(res->header_values[i]);
			res->header_values[i] = strdup(value);
			return;
		}
	}
	if (res->nheaders >= HTTP_MAX_HEADERS) {
		log_error("too many response headers; dropped %s", name);
		return;
	}
	res->header_names[res->nheaders] = strdup(name);
	res->header_values[res->nheaders] = strdup(value);
	res->nheaders++;
}

void http_header_add(struct http_response *res, const char *name, const char *value)
{
	if (res->nheaders >= HTTP_MAX_HEADERS) {
		log_error("too many response headers; dropped %s", name);
		return;
	}
	res->header_names[res->nheaders] = strdup(name);
	res->header_values[res->nheaders] = strdup(value);
	res->nheaders++;
}

const char *http_response_header(const struct http_response *res, const char *name)
{
	for (int i = 0; i < res->nheaders; i++)
		if (strcasecmp(res->header_names[i], name) == 0)
			return res->header_values[i];
	return NULL;
}

int http_raw(struct http_response *res, int status, const char *content_type, const char *body,
	     size_t len)
{
	free(res->body);
	res->body = malloc(len + 1);
	if (!res->body)
		abort();
	memcpy(res->body, body, len);
	res->body[len] = '\0';
	res->body_len = len;
	res->content_type = content_type;
	res->status = status;
	return status;
}

int http_stream(struct http_response *res, int status, const char *content_type, const char *first,
		size_t len, bool (*fn)(void *ctx, struct http_sink *sink), void *ctx,
		void (*free_ctx)(void *ctx))
{
	http_raw(res, status, content_type, first ? first : "", first ? len : 0);
	res->stream = fn;
	res->stream_ctx = ctx;
	res->stream_free = free_ctx;
	return status;
}

int http_json(struct http_response *res, int status, json_object *body)
{
	free(res->body);
	res->body = jsonx_dump(body);
	res->body_len = strlen(res->body);
	res->content_type = "application/json; charset=utf-8";
	res->status = status;
	json_object_put(body);
	return status;
}

int http_file_too_large(struct http_response *res)
{
	char msg[96];
	int max = config_get()->upload_max_bytes;
	if (max % (1024 * 1024) == 0)
		snprintf(msg, sizeof(msg), "File too large (max %d MiB)", max / (1024 * 1024));
	else
		snprintf(msg, sizeof(msg), "File too large (max %d bytes)", max);
	return http_error(res, 413, msg);
}

int http_error(struct http_response *res, int status, const char *detail)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "detail", json_object_new_string(detail));
	return http_json(res, status, o);
}

void http_query_paging(struct http_request *req, struct verrors *e, long *skip, long *limit)
{
	v_query_int(e, http_query(req, "skip"), "skip", 0, 0, 1000000000L, skip);
	v_query_int(e, http_query(req, "limit"), "limit", 20, 1, 100, limit);
}

int http_page(struct http_response *res, json_object *items, int64_t total, long skip, long limit)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "items", items);
	json_object_object_add(o, "total", json_object_new_int64(total));
	json_object_object_add(o, "skip", json_object_new_int64(skip));
	json_object_object_add(o, "limit", json_object_new_int64(limit));
	return http_json(res, 200, o);
}

static void put_verrors(void *p)
{
	verr_free(p);
}

struct verrors *http_verrors(struct http_request *req)
{
	struct verrors *e = arena_alloc(req->arena, sizeof(*e));
	verr_init(e);
	arena_defer(req->arena, put_verrors, e);
	return e;
}

int http_validation(struct http_response *res, struct verrors *e)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "detail", verr_take(e));
	/* The list is consumed: release what verr_take left so no caller has to remember. */
	verr_free(e);
	return http_json(res, 422, o);
}

int http_store_error(struct http_response *res, uint32_t domain, uint32_t code, const char *message,
		     bool unavailable)
{
	json_object *f = json_object_new_object();
	json_object_object_add(f, "db_domain", json_object_new_int((int)domain));
	json_object_object_add(f, "db_code", json_object_new_int((int)code));
	log_write(LOG_ERROR, f, "database error: %s", message);
	metrics_inc(METRICS_DB_ERRORS);
	if (unavailable) {
		metrics_inc(METRICS_DB_UNAVAILABLE);
		return http_error(res, 503, "Database unavailable, please retry shortly");
	}
	return http_error(res, 500, "Internal server error");
}

int http_db_error(struct http_response *res, const void *bson_error)
{
	const bson_error_t *err = bson_error;
	return http_store_error(res, err->domain, err->code, err->message, db_is_unavailable(err));
}

static void put_json(void *p)
{
	json_object_put(p);
}

static json_object *parse_body(struct http_request *req, struct http_response *res, int *status,
			       bool optional)
{
	if (req->body_too_large) {
		*status = http_error(res, 413, "Request body too large");
		return NULL;
	}
	if (req->body_len == 0 && optional) {
		json_object *o = json_object_new_object();
		arena_defer(req->arena, put_json, o);
		return o;
	}
	const char *ct = req->content_type;
	if (ct && *ct && strncasecmp(ct, "application/json", 16) != 0) {
		*status = http_error(res, 415, "Content-Type must be application/json");
		return NULL;
	}
	char err[160];
	json_object *o;
	if (!jsonx_parse_value(req->body, req->body_len, &o, err, sizeof(err))) {
		*status = http_error(res, 400, err);
		return NULL;
	}
	if (o)
		arena_defer(req->arena, put_json, o);
	/* `null` is a JSON value like `true` or `[]`: the same 422, not a syntax error */
	const char *keys = o ? jsonx_key_problem(req->body, req->body_len, o) : NULL;
	if (!json_object_is_type(o, json_type_object) || keys) {
		struct verrors e;
		verr_init(&e);
		if (keys)
			verr_add(&e, "body", keys, "key_invalid");
		else
			verr_add(&e, "body", "Input should be a valid dictionary or object",
				 "dict_type");
		*status = http_validation(res, &e);
		verr_free(&e);
		return NULL;
	}
	return o;
}

json_object *http_json_body(struct http_request *req, struct http_response *res, int *status)
{
	return parse_body(req, res, status, false);
}

json_object *http_json_body_optional(struct http_request *req, struct http_response *res,
				     int *status)
{
	return parse_body(req, res, status, true);
}
