#include "testutil.h"

#include "infra/validate.h"

static json_object *parse(const char *s)
{
	char err[128];
	json_object *o = jsonx_parse(s, strlen(s), err, sizeof(err));
	assert_non_null(o);
	return o;
}

/* The error list as "loc|type" strings joined by ';' for compact assertions. */
static const char *summary(struct verrors *e, char *buf, size_t len)
{
	buf[0] = '\0';
	size_t off = 0;
	for (size_t i = 0; i < json_object_array_length(e->list); i++) {
		json_object *it = json_object_array_get_idx(e->list, i);
		json_object *loc = json_object_object_get(it, "loc");
		for (size_t j = 0; j < json_object_array_length(loc); j++)
			off += (size_t)snprintf(
			    buf + off, len - off, "%s%s", j ? "." : "",
			    json_object_get_string(json_object_array_get_idx(loc, j)));
		off += (size_t)snprintf(buf + off, len - off, "|%s;", jsonx_str(it, "type"));
	}
	return buf;
}

static void strings_and_lengths(void **state)
{
	(void)state;
	json_object *o = parse("{\"name\":\"Aditi\",\"short\":\"ab\",\"num\":5,\"uni\":\"héllo\"}");
	struct verrors e;
	verr_init(&e);
	const char *s = NULL;
	assert_true(v_string(&e, o, "body", "name", true, 1, 100, &s));
	assert_string_equal(s, "Aditi");
	assert_false(v_string(&e, o, "body", "short", true, 3, 10, &s));
	assert_false(v_string(&e, o, "body", "num", true, 0, 10, &s));
	assert_false(v_string(&e, o, "body", "missing", true, 0, 10, &s));
	assert_false(v_string(&e, o, "body", "optional", false, 0, 10, &s));
	assert_true(v_string(&e, o, "body", "uni", true, 5, 5, &s)); /* 5 code points */
	char buf[512];
	assert_string_equal(
	    summary(&e, buf, sizeof(buf)),
	    "body.short|string_too_short;body.num|string_type;body.missing|missing;");
	verr_free(&e);
	json_object_put(o);
}

static void numbers_bools_enums(void **state)
{
	(void)state;
	json_object *o = parse("{\"q\":0,\"q2\":2.5,\"big\":101,\"b\":\"yes\",\"cat\":\"metal\","
			       "\"ok\":\"recyclable\",\"i\":1.5}");
	struct verrors e;
	verr_init(&e);
	double d;
	long l;
	bool b;
	const char *s;
	static const char *const cats[] = {"organic", "recyclable", NULL};
	assert_false(v_number(&e, o, "body", "q", true, 0, true, 100, &d));
	assert_true(v_number(&e, o, "body", "q2", true, 0, true, 100, &d));
	assert_true(d > 2.4 && d < 2.6);
	assert_false(v_number(&e, o, "body", "big", true, 0, true, 100, &d));
	assert_false(v_bool(&e, o, "body", "b", true, &b));
	assert_false(v_enum(&e, o, "body", "cat", true, cats, &s));
	assert_true(v_enum(&e, o, "body", "ok", true, cats, &s));
	assert_false(v_int(&e, o, "body", "i", true, 0, 10, &l));
	char buf[512];
	assert_string_equal(summary(&e, buf, sizeof(buf)),
			    "body.q|greater_than;body.big|less_than_equal;body.b|bool_type;"
			    "body.cat|enum;body.i|int_type;");
	json_object *cat_err = json_object_array_get_idx(e.list, 3);
	assert_string_equal(jsonx_str(cat_err, "msg"), "Input should be 'organic' or 'recyclable'");
	verr_free(&e);
	json_object_put(o);
}

static void extra_keys_and_nested_loc(void **state)
{
	(void)state;
	json_object *o = parse("{\"a\":1,\"evil\":2,\"address\":{\"city\":\"\"},\"list\":[1,2,3]}");
	struct verrors e;
	verr_init(&e);
	static const char *const allowed[] = {"a", "address", "list", NULL};
	v_no_extra(&e, o, "body", allowed);
	json_object *addr = v_object(&e, o, "body", "address", true);
	assert_non_null(addr);
	const char *s;
	assert_false(v_string(&e, addr, "body.address", "city", true, 2, 100, &s));
	assert_null(v_array(&e, o, "body", "list", true, 0, 2));
	assert_null(v_object(&e, o, "body", "a", true));
	char buf[512];
	assert_string_equal(summary(&e, buf, sizeof(buf)),
			    "body.evil|extra_forbidden;body.address.city|string_too_short;"
			    "body.list|too_long;body.a|dict_type;");
	verr_free(&e);
	json_object_put(o);
}

static void query_params(void **state)
{
	(void)state;
	struct verrors e;
	verr_init(&e);
	long v;
	const char *s;
	static const char *const st[] = {"draft", "submitted", NULL};
	assert_true(v_query_int(&e, NULL, "skip", 0, 0, 100000, &v));
	assert_int_equal(v, 0);
	assert_true(v_query_int(&e, "20", "limit", 20, 1, 100, &v));
	assert_false(v_query_int(&e, "0", "limit", 20, 1, 100, &v));
	assert_false(v_query_int(&e, "abc", "skip", 0, 0, 10, &v));
	assert_false(v_query_int(&e, "", "skip", 0, 0, 10, &v));
	assert_false(v_query_int(&e, "99999999999999999999", "skip", 0, 0, 10, &v));
	assert_true(v_query_enum(&e, NULL, "status", st, &s));
	assert_null(s);
	assert_false(v_query_enum(&e, "", "status", st, &s));
	assert_false(v_query_enum(&e, "bogus", "status", st, &s));
	char buf[512];
	assert_string_equal(summary(&e, buf, sizeof(buf)),
			    "query.limit|greater_than_equal;query.skip|int_parsing;"
			    "query.skip|int_parsing;query.skip|int_parsing;query.status|enum;"
			    "query.status|enum;");
	verr_free(&e);
}

static void utf8_counting(void **state)
{
	(void)state;
	assert_int_equal(utf8_len("abc"), 3);
	assert_int_equal(utf8_len("नमस्ते"), 6);
	assert_int_equal(utf8_len("\xff"), (size_t)-1);
	assert_int_equal(utf8_len("\xc0\x80"), (size_t)-1); /* overlong NUL */
	assert_int_equal(utf8_len("\xe2\x82"), (size_t)-1); /* truncated */
}

/* Fuzzer finding: json-c's UTF-8 check lets surrogates, overlongs and code points past
 * U+10FFFF through, and utf8_len counted them, so v_string accepted invalid UTF-8. */
static void utf8_strict(void **state)
{
	(void)state;
	assert_int_equal(utf8_len("\xed\xa0\x80"), (size_t)-1);	    /* U+D800 surrogate */
	assert_int_equal(utf8_len("\xe0\x80\x80"), (size_t)-1);	    /* overlong NUL */
	assert_int_equal(utf8_len("\xf0\x80\x80\x80"), (size_t)-1); /* overlong NUL */
	assert_int_equal(utf8_len("\xf4\x90\x80\x80"), (size_t)-1); /* U+110000 */
	assert_int_equal(
	    utf8_len("\xed\x9f\xbf\xe0\xa0\x80\xee\x80\x80\xf0\x90\x80\x80\xf4\x8f\xbf\xbf"), 5);
	/* the parser refuses such text outright... */
	char perr[160];
	const char *bad = "{\"name\":\"a\xed\xa0\x80\"}";
	assert_null(jsonx_parse(bad, strlen(bad), perr, sizeof(perr)));
	assert_non_null(strstr(perr, "UTF-8"));
	/* ...and v_string still refuses it in objects built some other way */
	json_object *o = json_object_new_object();
	json_object_object_add(o, "name", json_object_new_string("a\xed\xa0\x80"));
	struct verrors e;
	verr_init(&e);
	const char *s = NULL;
	assert_false(v_string(&e, o, "body", "name", true, 0, 100, &s));
	char buf[256];
	assert_string_equal(summary(&e, buf, sizeof(buf)), "body.name|string_unicode;");
	verr_free(&e);
	json_object_put(o);
}

/* A long unknown key is cut in the error's loc; the cut used to split a UTF-8 character,
 * making the 422 body invalid UTF-8 (our own strict parser refused it). */
static void long_key_loc_stays_utf8(void **state)
{
	(void)state;
	for (size_t pad = 246; pad < 254; pad++) {
		char key[300], body[400], err[160];
		memset(key, 'a', pad);
		strcpy(key + pad, "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
		snprintf(body, sizeof(body), "{\"%s\":1}", key);
		json_object *o = parse(body);
		struct verrors e;
		verr_init(&e);
		static const char *const allowed[] = {"name", NULL};
		v_no_extra(&e, o, "body", allowed);
		json_object *l = verr_take(&e);
		char *s = jsonx_dump(l);
		json_object *back = jsonx_parse(s, strlen(s), err, sizeof(err));
		assert_non_null(back);
		json_object *loc =
		    json_object_object_get(json_object_array_get_idx(back, 0), "loc");
		assert_int_not_equal(
		    utf8_len(json_object_get_string(json_object_array_get_idx(loc, 1))),
		    (size_t)-1);
		json_object_put(back);
		free(s);
		json_object_put(l);
		verr_free(&e);
		json_object_put(o);
	}
}

static void query_strings_and_instants(void **state)
{
	(void)state;
	struct verrors e;
	verr_init(&e);
	const char *s = "x";
	assert_true(v_query_string(&e, NULL, "q", 5, &s));
	assert_null(s);
	assert_true(v_query_string(&e, "", "q", 5, &s));
	assert_null(s); /* empty means no filter */
	assert_true(v_query_string(&e, "héllo", "q", 5, &s));
	assert_string_equal(s, "héllo");
	assert_false(v_query_string(&e, "toolong", "q", 5, &s));
	assert_false(v_query_string(&e, "\xc3", "q", 5, &s)); /* invalid UTF-8 is said so */
	json_object *o = parse("{\"at\":\"2026-11-26T14:30:00+05:30\",\"bad\":\"tomorrow\"}");
	int64_t ms = 0;
	assert_true(v_instant(&e, o, "body", "at", true, &ms));
	assert_int_equal(ms, 1795683600000LL);
	assert_false(v_instant(&e, o, "body", "bad", true, &ms));
	assert_false(v_instant(&e, o, "body", "none", false, &ms));
	char buf[256];
	assert_string_equal(
	    summary(&e, buf, sizeof(buf)),
	    "query.q|string_too_long;query.q|string_unicode;body.bad|datetime_parsing;");
	verr_free(&e);
	json_object_put(o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(strings_and_lengths),
	    cmocka_unit_test(numbers_bools_enums),
	    cmocka_unit_test(extra_keys_and_nested_loc),
	    cmocka_unit_test(query_params),
	    cmocka_unit_test(utf8_counting),
	    cmocka_unit_test(utf8_strict),
	    cmocka_unit_test(query_strings_and_instants),
	    cmocka_unit_test(long_key_loc_stays_utf8),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
