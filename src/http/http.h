/* The transport-independent HTTP request and response. The FastCGI adapter fills a
 * request from the params nginx sends and writes the response back; tests build requests
 * by hand and call router_dispatch() directly. */
#ifndef SWMRA_HTTP_H
#define SWMRA_HTTP_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "infra/arena.h"
#include "infra/validate.h"

enum role { ROLE_NONE = 0, ROLE_CITIZEN = 1, ROLE_STAFF = 2, ROLE_ADMIN = 3 };

/* Parses "citizen|staff|admin"; ROLE_NONE when unknown. */
enum role role_parse(const char *s);
const char *role_name(enum role r);

/* The signed-in caller, filled by the auth guard before a protected handler runs. */
struct auth_user {
	char id[25]; /* ObjectId hex */
	enum role role;
	char jti[64];
	char sid[33]; /* the token's refresh session (domain/refresh.h); "" for none */
	int64_t exp;  /* token expiry, seconds since epoch */
	int64_t iat;  /* token issue time (live tickets carry the session's claims) */
	char *email;  /* arena-owned */
	char *name;   /* arena-owned */
};

#define HTTP_MAX_PARAMS	 4
#define HTTP_MAX_HEADERS 16

struct http_request {
	struct arena *arena; /* owns every string below */
	const char *method;
	const char *path;
	const char *query; /* raw, without '?', may be "" */
	const char *content_type;
	const char *authorization;
	const char *origin;
	const char *remote_addr;
	const char *request_id;
	/* Every FastCGI param nginx sent, "NAME=value", NULL-terminated (libfcgi's envp). nginx
	 * forwards no request header wholesale: its explicit param list is the allow-list. Read
	 * one with http_request_param(); the fields above are the ones every request uses. */
	char **env;
	const char *body;
	size_t body_len;
	bool body_too_large;
	/* Path parameters ({id}) of the matched route, in pattern order. */
	const char *param_names[HTTP_MAX_PARAMS];
	const char *params[HTTP_MAX_PARAMS];
	int nparams;
	const char *route_pattern;
	/* the query keys the matched route declares (router.h); NULL before a match */
	const char *const *query_keys;
	bool authed;
	struct auth_user user;
	/* AUTH_API_KEY(_OPTIONAL) routes: the id (hex) of the caller's key, "" when none */
	char api_key_id[25];
};

/* Where a streamed body goes (the transport's output). `write` sets `failed` when the
 * client is gone; a stream stops then. */
struct http_sink {
	void (*write)(struct http_sink *s, const char *p, size_t n);
	void *impl;
	bool failed;
};

struct http_response {
	int status;
	char *body; /* malloc'd; freed by http_response_free */
	size_t body_len;
	/* A streamed body (http_stream): after the head and `body`, the transport calls
	 * stream(stream_ctx, sink), which writes the rest in pieces; no Content-Length is
	 * sent. stream_free(stream_ctx) runs in http_response_free. */
	bool (*stream)(void *ctx, struct http_sink *sink);
	void *stream_ctx;
	void (*stream_free)(void *ctx);
	const char *content_type;
	char *header_names[HTTP_MAX_HEADERS]; /* malloc'd */
	char *header_values[HTTP_MAX_HEADERS];
	int nheaders;
};

/* Room for multipart boundaries, part headers and small fields around an upload. */
#define HTTP_UPLOAD_FRAMING (64u * 1024u)

void http_request_init(struct http_request *req, struct arena *a);
/* A FastCGI param by name ("HTTP_X_SWMRA_TICKET", "SWMRA_DEVICE_COOKIE"); NULL when nginx
 * did not send it. */
const char *http_request_param(const struct http_request *req, const char *name);
/* Sets (or replaces) a param; copies into the request's arena (tests, and the transport). */
void http_request_set_param(struct http_request *req, const char *name, const char *value);
void http_response_init(struct http_response *res);
void http_response_free(struct http_response *res);

/* Status reason phrases, defined once. Unknown codes give "Unknown". */
const char *http_reason(int status);

/* Value of a query parameter, percent-decoded, arena-owned; NULL when absent, and NULL (with
 * an error logged) for a key the matched route does not declare. */
const char *http_query(struct http_request *req, const char *name);
/* Value of a field of a form-encoded body (application/x-www-form-urlencoded), decoded,
 * arena-owned; NULL when absent or when the body is not a form. */
const char *http_form(struct http_request *req, const char *name);
/* Every field of a form-encoded body in order: *names and *values (arena-owned arrays of
 * decoded strings). Returns the count (0 when the body is empty or not a form). */
size_t http_form_fields(struct http_request *req, const char ***names, const char ***values);
/* Whether a form-encoded body holds a NUL, raw or as %00: fields are C strings, so such a
 * value would be cut short silently (the query's rule, http_query_check); refuse it. */
bool http_form_has_nul(const struct http_request *req);
/* Whether the request body is declared form-encoded. */
bool http_is_form(const struct http_request *req);
/* Answers 422 when a query parameter holds %00 (NUL), which would cut its value short;
 * 0 when the query is fine. The router runs it before every handler. */
int http_query_check(struct http_request *req, struct http_response *res);
/* Value of a path parameter by name ("id"); NULL when the route has none. */
const char *http_param(const struct http_request *req, const char *name);
/* Adds (or replaces) a response header; name and value are copied. */
void http_header(struct http_response *res, const char *name, const char *value);
/* Adds a header even when one of that name is set already (several Set-Cookie). */
void http_header_add(struct http_response *res, const char *name, const char *value);
const char *http_response_header(const struct http_response *res, const char *name);

/* Sets a JSON body; `body` is consumed. Returns status for `return http_json(...)`. */
int http_json(struct http_response *res, int status, json_object *body);
/* 413 "File too large (max N MiB)" of the upload limit (UPLOAD_MAX_BYTES). */
int http_file_too_large(struct http_response *res);
/* {"detail": "<detail>"} */
int http_error(struct http_response *res, int status, const char *detail);
/* The list paging of the API: ?skip= (0..1e9, default 0) and ?limit= (1..100, default 20),
 * errors collected into `e`. */
void http_query_paging(struct http_request *req, struct verrors *e, long *skip, long *limit);
/* 200 {"items": items, "total", "skip", "limit"}; `items` is consumed. */
int http_page(struct http_response *res, json_object *items, int64_t total, long skip, long limit);
/* A validation error list released with the request's arena (no verr_free needed). */
struct verrors *http_verrors(struct http_request *req);
/* 422 {"detail": [ ... ]} from collected validation errors (consumed). */
int http_validation(struct http_response *res, struct verrors *e);
/* 503 when the database is unreachable, 500 otherwise; logs the driver error. */
int http_db_error(struct http_response *res, const void *bson_error);
/* The same from the parts of a store error (the domain's struct derr): logged with its
 * domain and code; 503 when `unavailable`, else 500. */
int http_store_error(struct http_response *res, uint32_t domain, uint32_t code, const char *message,
		     bool unavailable);
/* Answers `status` with a streamed body (see struct http_response): `first` (copied, may
 * be NULL) goes out first, then `fn` writes the rest; `ctx` is owned by the response from
 * here on (released by `free_ctx`, which may be NULL). */
int http_stream(struct http_response *res, int status, const char *content_type, const char *first,
		size_t len, bool (*fn)(void *ctx, struct http_sink *sink), void *ctx,
		void (*free_ctx)(void *ctx));
/* Sets a raw body (copied). */
int http_raw(struct http_response *res, int status, const char *content_type, const char *body,
	     size_t len);

/* Parses the request body as a JSON object. On failure the response is set (400 for
 * malformed JSON, 413 too large, 415 wrong content type, 422 not an object) and NULL is
 * returned; *status receives the code to return. The object is arena-owned. */
json_object *http_json_body(struct http_request *req, struct http_response *res, int *status);
/* Like http_json_body, but an empty body gives an empty object (optional bodies). */
json_object *http_json_body_optional(struct http_request *req, struct http_response *res,
				     int *status);

#endif
