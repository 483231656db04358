#include "testutil.h"

#include "api/api.h"
#include "infra/config.h"

static int h_ok(struct http_request *req, struct http_response *res)
{
	json_object *o = json_object_new_object();
	const char *id = http_param(req, "id");
	json_object_object_add(o, "id", id ? json_object_new_string(id) : NULL);
	return http_json(res, 200, o);
}

static int h_bare(struct http_request *req, struct http_response *res)
{
	(void)req;
	(void)res;
	return 409;
}

static int h_body(struct http_request *req, struct http_response *res)
{
	int st;
	json_object *b = http_json_body(req, res, &st);
	if (!b)
		return st;
	return http_json(res, 200, json_object_get(b));
}

static const struct route table[] = {
    {"GET", "/api/things", h_ok, ROLE_NONE},
    {"POST", "/api/things", h_body, ROLE_NONE},
    {"GET", "/api/things/{id}", h_ok, ROLE_NONE},
    {"DELETE", "/api/things/{id}", h_ok, ROLE_NONE},
    {"POST", "/api/things/{id}/bare", h_bare, ROLE_NONE},
    {"GET", "/api/private", h_ok, ROLE_CITIZEN},
};
#define N (sizeof(table) / sizeof(table[0]))

static void matches_params(void **state)
{
	(void)state;
	struct call c;
	call_begin(&c, "GET", "/api/things/abc123", NULL, NULL);
	assert_int_equal(call_run(&c, table, N), 200);
	assert_string_equal(jsonx_str(c.json, "id"), "abc123");
	call_end(&c);
}

static void unknown_path_404_json(void **state)
{
	(void)state;
	const char *paths[] = {"/api/nothing", "/api/things/", "/api/things/a/b", "/", "/api"};
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		struct call c;
		call_begin(&c, "GET", paths[i], NULL, NULL);
		assert_int_equal(call_run(&c, table, N), 404);
		assert_string_equal(call_detail(&c), "Not Found");
		assert_non_null(strstr(c.res.content_type, "application/json"));
		call_end(&c);
	}
}

static void wrong_method_405_with_allow(void **state)
{
	(void)state;
	struct call c;
	call_begin(&c, "PUT", "/api/things/x", NULL, NULL);
	assert_int_equal(call_run(&c, table, N), 405);
	assert_string_equal(call_detail(&c), "Method Not Allowed");
	assert_string_equal(http_response_header(&c.res, "Allow"), "GET, DELETE");
	call_end(&c);
}

static void bare_status_gets_json_body(void **state)
{
	(void)state;
	struct call c;
	call_begin(&c, "POST", "/api/things/1/bare", NULL, NULL);
	assert_int_equal(call_run(&c, table, N), 409);
	assert_string_equal(call_detail(&c), "Conflict");
	call_end(&c);
}

static void protected_route_needs_token(void **state)
{
	(void)state;
	struct call c;
	call_begin(&c, "GET", "/api/private", NULL, NULL);
	assert_int_equal(call_run(&c, table, N), 401);
	assert_string_equal(call_detail(&c), "Missing token");
	call_end(&c);
	call_begin(&c, "GET", "/api/private", NULL, NULL);
	c.req.authorization = "Bearer not.a.jwt";
	assert_int_equal(call_run(&c, table, N), 401);
	assert_string_equal(call_detail(&c), "Invalid token");
	call_end(&c);
}

static void malformed_json_is_400(void **state)
{
	(void)state;
	const char *bad[] = {"{bad",
			     "{\"a\":1} trailing",
			     "",
			     "[1,2",
			     "{\"a\":\"\\ud800\"",
			     "nul",
			     "{\"\xc0\x80x\":1}",
			     "{\"a\":\"\xed\xa0\x80\"}",
			     "[\"\xf4\x90\x80\x80\"]"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct call c;
		call_begin(&c, "POST", "/api/things", NULL, bad[i]);
		c.req.content_type = "application/json";
		int st = call_run(&c, table, N);
		assert_int_equal(st, 400);
		assert_non_null(strstr(call_detail(&c), i == 2 ? "empty" : "Invalid JSON"));
		call_end(&c);
	}
}

static void non_object_json_is_422(void **state)
{
	(void)state;
	struct call c;
	call_begin(&c, "POST", "/api/things", NULL, "[1,2,3]");
	assert_int_equal(call_run(&c, table, N), 422);
	json_object *d = json_object_object_get(c.json, "detail");
	assert_true(json_object_is_type(d, json_type_array));
	json_object *e0 = json_object_array_get_idx(d, 0);
	assert_string_equal(jsonx_str(e0, "type"), "dict_type");
	call_end(&c);
}

/* Fuzzer finding: a bare top-level number with nothing after it ("5") was refused as
 * "unexpected data after the value" (400) while "5 " was parsed; both are JSON. */
static void bare_number_body_is_json(void **state)
{
	(void)state;
	const char *bodies[] = {"5", "-12", "1.5e3", "5 ", "5\n"};
	for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		struct call c;
		call_begin(&c, "POST", "/api/things", NULL, bodies[i]);
		assert_int_equal(call_run(&c, table, N), 422);
		call_end(&c);
	}
	char err[160];
	json_object *o = jsonx_parse("42", 2, err, sizeof(err));
	assert_non_null(o);
	assert_int_equal(json_object_get_int(o), 42);
	json_object_put(o);
	assert_null(jsonx_parse("42x", 3, err, sizeof(err)));
	assert_null(jsonx_parse("4 2", 3, err, sizeof(err)));
	assert_null(jsonx_parse("-", 1, err, sizeof(err)));
}

static void deep_json_refused(void **state)
{
	(void)state;
	char body[400];
	memset(body, '[', 100);
	memset(body + 100, ']', 100);
	body[200] = '\0';
	struct call c;
	call_begin(&c, "POST", "/api/things", NULL, body);
	assert_int_equal(call_run(&c, table, N), 400);
	call_end(&c);
}

static void wrong_content_type_415_and_too_large_413(void **state)
{
	(void)state;
	struct call c;
	call_begin(&c, "POST", "/api/things", NULL, "{}");
	c.req.content_type = "text/plain";
	assert_int_equal(call_run(&c, table, N), 415);
	call_end(&c);
	call_begin(&c, "POST", "/api/things", NULL, "{}");
	c.req.body_too_large = true;
	assert_int_equal(call_run(&c, table, N), 413);
	call_end(&c);
}

static void query_decoding(void **state)
{
	(void)state;
	struct call c;
	call_begin(&c, "GET", "/api/things", "q=a%20b+c&empty=&flag&bad=%zz%4", NULL);
	assert_string_equal(http_query(&c.req, "q"), "a b c");
	assert_string_equal(http_query(&c.req, "empty"), "");
	assert_string_equal(http_query(&c.req, "flag"), "");
	assert_string_equal(http_query(&c.req, "bad"), "%zz%4");
	assert_null(http_query(&c.req, "missing"));
	assert_null(http_query(&c.req, "f"));
	call_end(&c);
}

/* The first entry of a 422's error list. */
static json_object *first_error(const struct call *c)
{
	return json_object_array_get_idx(json_object_object_get(c->json, "detail"), 0);
}

/* Issue 12: `null` is a JSON value like `true` or `[]`, so the same 422 (it was 400
 * "Invalid JSON: success"). */
static void null_body_is_422_like_other_values(void **state)
{
	(void)state;
	const char *bodies[] = {"null", " null ", "true", "[]"};
	for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		struct call c;
		call_begin(&c, "POST", "/api/things", NULL, bodies[i]);
		assert_int_equal(call_run(&c, table, N), 422);
		json_object *e0 = first_error(&c);
		assert_string_equal(jsonx_str(e0, "type"), "dict_type");
		call_end(&c);
	}
	char err[160];
	json_object *o = (json_object *)1;
	assert_true(jsonx_parse_value("null", 4, &o, err, sizeof(err)));
	assert_null(o);
	assert_null(jsonx_parse("null", 4, err, sizeof(err)));
	assert_non_null(strstr(err, "null"));
}

/* Issue 12: a key with NUL was read as the part before it ("category\u0000x" as
 * "category"), and a repeated key let the last one win; both are 422 now, at any depth. */
static void nul_and_duplicate_keys_are_422(void **state)
{
	(void)state;
	const char *bad[] = {
	    "{\"category\\u0000x\":\"bulk\"}",
	    "{\"a\":1,\"b\":{\"\\u0000\":1}}",
	    "{\"email\":\"a@b.c\",\"email\":\"x@y.z\"}",
	    "{\"a\":1,\"\\u0061\":2}",
	    "{\"x\":[{\"k\":1},{\"k\":1,\"k\":2}]}",
	    "{\"a\":{\"x\":1},\"b\":{},\"a\":{\"y\":1,\"z\":2}}",
	    "{\"a\":{\"b\":1,\"b\":1}}",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct call c;
		call_begin(&c, "POST", "/api/things", NULL, bad[i]);
		assert_int_equal(call_run(&c, table, N), 422);
		json_object *e0 = first_error(&c);
		assert_string_equal(jsonx_str(e0, "type"), "key_invalid");
		assert_non_null(strstr(jsonx_str(e0, "msg"), i < 2 ? "NUL" : "unique"));
		call_end(&c);
	}
	/* NUL inside string values, ':' and '{' inside strings, and keys that look alike
	 * but differ are fine */
	const char *good[] = {
	    "{\"a\":\"x\\u0000y\",\"b\":\"{:,}\"}",
	    "{\"a\":1,\"A\":2,\"a \":3,\"\\\"\":[{},{\"a\":{}}]}",
	    "{\"k\\u00000\":1}",
	};
	const char *good_nul_value = good[0];
	for (size_t i = 1; i < sizeof(good) / sizeof(good[0]); i++) {
		struct call c;
		call_begin(&c, "POST", "/api/things", NULL, good[i]);
		int st = call_run(&c, table, N);
		/* "k\u00000" is k, NUL, 0: a NUL key after all */
		assert_int_equal(st, i == 2 ? 422 : 200);
		call_end(&c);
	}
	char err[160];
	json_object *o = jsonx_parse(good_nul_value, strlen(good_nul_value), err, sizeof(err));
	assert_non_null(o);
	assert_null(jsonx_key_problem(good_nul_value, strlen(good_nul_value), o));
	json_object_put(o);
}

/* Issue 12: `?status=draft%00xyz` filtered as `draft`; a %00 anywhere in the query is 422. */
static void query_nul_is_422(void **state)
{
	(void)state;
	const char *queries[] = {"status=draft%00xyz", "q=%00", "skip=0&limit=1%00", "a%00b=1"};
	for (size_t i = 0; i < sizeof(queries) / sizeof(queries[0]); i++) {
		struct call c;
		call_begin(&c, "GET", "/api/things", queries[i], NULL);
		assert_int_equal(call_run(&c, table, N), 422);
		json_object *e0 = first_error(&c);
		assert_string_equal(jsonx_str(e0, "type"), "string_nul");
		call_end(&c);
	}
	struct call c;
	call_begin(&c, "GET", "/api/things", "status=draft%000", NULL);
	assert_int_equal(call_run(&c, table, N), 422);
	json_object *loc = json_object_object_get(first_error(&c), "loc");
	assert_string_equal(json_object_get_string(json_object_array_get_idx(loc, 1)), "status");
	call_end(&c);
	call_begin(&c, "GET", "/api/things", "q=%2500&r=100%25", NULL);
	assert_int_equal(call_run(&c, table, N), 200);
	call_end(&c);
}

/* Issue 12: signed-in answers and login/register (any non-GET) are never stored by a
 * cache; a public GET may be. */
static void cache_control_no_store(void **state)
{
	(void)state;
	struct call c;
	call_begin(&c, "POST", "/api/things", NULL, "{}");
	call_run(&c, table, N);
	assert_string_equal(http_response_header(&c.res, "Cache-Control"), "no-store");
	call_end(&c);
	call_begin(&c, "GET", "/api/private", NULL, NULL);
	assert_int_equal(call_run(&c, table, N), 401);
	assert_string_equal(http_response_header(&c.res, "Cache-Control"), "no-store");
	call_end(&c);
	call_begin(&c, "GET", "/api/things", NULL, NULL);
	call_run(&c, table, N);
	assert_null(http_response_header(&c.res, "Cache-Control"));
	call_end(&c);
}

static void cors_preflight_for_allowed_origin_only(void **state)
{
	(void)state;
	struct call c;
	call_begin(&c, "OPTIONS", "/api/things", NULL, NULL);
	c.req.origin = "http://localhost:5173";
	assert_int_equal(call_run(&c, table, N), 204);
	assert_string_equal(http_response_header(&c.res, "Access-Control-Allow-Origin"),
			    "http://localhost:5173");
	assert_non_null(
	    strstr(http_response_header(&c.res, "Access-Control-Allow-Methods"), "POST"));
	call_end(&c);
	call_begin(&c, "OPTIONS", "/api/things", NULL, NULL);
	c.req.origin = "http://evil.example";
	assert_int_equal(call_run(&c, table, N), 405);
	assert_null(http_response_header(&c.res, "Access-Control-Allow-Origin"));
	call_end(&c);
}

/* Fuzzer finding: the public login and register handlers reached the MongoDB driver
 * without a client (none opened) and it aborted on the NULL database handle. The real
 * table's public routes answer 503 instead; protected ones stop at the guard (401). */
static void public_routes_without_database(void **state)
{
	(void)state;
	static const struct {
		const char *method, *path, *body;
		int status;
	} cases[] = {
	    {"POST", "/api/auth/login", "{\"email\":\"a@example.in\",\"password\":\"x\"}", 503},
	    {"POST", "/api/auth/register",
	     "{\"name\":\"Aditi\",\"email\":\"aditi@example.in\",\"phone\":\"+91 98765 43210\","
	     "\"password\":\"correct horse\"}",
	     503},
	    {"GET", "/api/health/ready", NULL, 503},
	    {"GET", "/api/auth/me", NULL, 401},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct call c;
		call_begin(&c, cases[i].method, cases[i].path, NULL, cases[i].body);
		assert_int_equal(call_run(&c, api_routes, api_routes_count), cases[i].status);
		assert_non_null(c.json);
		call_end(&c);
	}
}

int main(void)
{
	char err[128];
	config_load("", err, sizeof(err));
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(matches_params),
	    cmocka_unit_test(unknown_path_404_json),
	    cmocka_unit_test(wrong_method_405_with_allow),
	    cmocka_unit_test(bare_status_gets_json_body),
	    cmocka_unit_test(protected_route_needs_token),
	    cmocka_unit_test(malformed_json_is_400),
	    cmocka_unit_test(non_object_json_is_422),
	    cmocka_unit_test(bare_number_body_is_json),
	    cmocka_unit_test(deep_json_refused),
	    cmocka_unit_test(wrong_content_type_415_and_too_large_413),
	    cmocka_unit_test(query_decoding),
	    cmocka_unit_test(null_body_is_422_like_other_values),
	    cmocka_unit_test(nul_and_duplicate_keys_are_422),
	    cmocka_unit_test(query_nul_is_422),
	    cmocka_unit_test(cache_control_no_store),
	    cmocka_unit_test(cors_preflight_for_allowed_origin_only),
	    cmocka_unit_test(public_routes_without_database),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
