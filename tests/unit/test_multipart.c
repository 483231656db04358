/* The multipart/form-data parser (domain/multipart.c): boundary extraction, parts as
 * slices of the body, and refusal of truncated or malformed bodies. */
#include "testutil.h"

#include "domain/multipart.h"

#define CT "multipart/form-data; boundary=XyZ"

static enum multipart_status all(const char *body, size_t len, struct mp_part *parts, int max,
				 int *n)
{
	struct mp_reader r;
	multipart_init(&r, body, len, "XyZ");
	enum multipart_status st;
	*n = 0;
	struct mp_part p;
	while ((st = multipart_next(&r, &p)) == MP_PART) {
		if (*n < max)
			parts[*n] = p;
		(*n)++;
	}
	/* a finished or failed reader stays so */
	assert_int_equal(multipart_next(&r, &p), st == MP_END ? MP_END : MP_NO_START);
	return st;
}

static void boundary_parsing(void **state)
{
	(void)state;
	char b[MULTIPART_MAX_BOUNDARY + 1];
	assert_true(multipart_boundary(CT, b));
	assert_string_equal(b, "XyZ");
	assert_true(multipart_boundary("Multipart/Form-Data;BOUNDARY=\"a b'c\"", b));
	assert_string_equal(b, "a b'c");
	assert_true(multipart_boundary(
	    "multipart/form-data; charset=utf-8; boundary=----WebKitFormBoundary7MA4YWxk", b));
	assert_string_equal(b, "----WebKitFormBoundary7MA4YWxk");
	assert_false(multipart_boundary(NULL, b));
	assert_false(multipart_boundary("application/json", b));
	assert_false(multipart_boundary("multipart/form-data", b));
	assert_false(multipart_boundary("multipart/form-data; boundary=", b));
	assert_false(multipart_boundary("multipart/form-data; boundary=\"\"", b));
	assert_false(multipart_boundary("multipart/mixed; boundary=x", b));
	assert_false(multipart_boundary("multipart/form-datax; boundary=x", b));
	assert_false(multipart_boundary("multipart/form-data; boundary=a; boundary=b", b));
	assert_false(multipart_boundary("multipart/form-data; boundary=\"ends in space \"", b));
	char longb[128];
	snprintf(longb, sizeof(longb), "multipart/form-data; boundary=%071d", 0);
	assert_false(multipart_boundary(longb, b));
	snprintf(longb, sizeof(longb), "multipart/form-data; boundary=%070d", 0);
	assert_true(multipart_boundary(longb, b));
}

static void two_parts(void **state)
{
	(void)state;
	static const char body[] =
	    "preamble\r\n"
	    "--XyZ\r\n"
	    "Content-Disposition: form-data; name=\"note\"\r\n"
	    "\r\n"
	    "hello\r\n"
	    "--XyZ  \r\n"
	    "content-disposition: form-data; name=file; filename=\"../../etc/x.jpg\"\r\n"
	    "Content-Type: image/jpeg\r\n"
	    "\r\n"
	    "\x00\x01\r\n--XYZ\n-XyZ\r\n"
	    "--XyZ--\r\nepilogue";
	struct mp_part parts[4];
	int n;
	assert_int_equal(all(body, sizeof(body) - 1, parts, 4, &n), MP_END);
	assert_int_equal(n, 2);
	assert_true(multipart_value_equals(parts[0].name, "note"));
	assert_null(parts[0].filename.p);
	assert_int_equal(parts[0].len, 5);
	assert_memory_equal(parts[0].data, "hello", 5);
	assert_true(multipart_value_equals(parts[1].name, "file"));
	assert_true(multipart_value_equals(parts[1].filename, "../../etc/x.jpg"));
	assert_int_equal(parts[1].content_type.n, 10);
	assert_int_equal(parts[1].len, 14);
	assert_memory_equal(parts[1].data, "\x00\x01\r\n--XYZ\n-XyZ", 14);
}

static void first_delimiter_at_start_and_empty_part(void **state)
{
	(void)state;
	static const char body[] =
	    "--XyZ\r\n"
	    "Content-Disposition: form-data; name=\"f\\\"q\"; filename=\"\"\r\n"
	    "\r\n"
	    "\r\n--XyZ--";
	struct mp_part parts[2];
	int n;
	assert_int_equal(all(body, sizeof(body) - 1, parts, 2, &n), MP_END);
	assert_int_equal(n, 1);
	assert_true(multipart_value_equals(parts[0].name, "f\"q"));
	assert_false(multipart_value_equals(parts[0].name, "f"));
	assert_non_null(parts[0].filename.p);
	assert_int_equal(parts[0].filename.n, 0);
	assert_int_equal(parts[0].len, 0);
}

static void refusals(void **state)
{
	(void)state;
	struct mp_part parts[2];
	int n;
	const struct {
		const char *body;
		enum multipart_status want;
	} cases[] = {
	    {"", MP_NO_START},
	    {"no delimiter at all", MP_NO_START},
	    {"--XyZ", MP_TRUNCATED},
	    {"--XyZ\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nabc", MP_TRUNCATED},
	    {"--XyZ\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nabc\r\n--XyZ",
	     MP_TRUNCATED},
	    {"--XyZ\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nabc\r\n--XyZ\r\n",
	     MP_TRUNCATED},
	    {"--XyZ\r\nContent-Disposition: form-data; name=\"file\"", MP_TRUNCATED},
	    {"--XyZjunk\r\n\r\n--XyZ--", MP_NO_START},
	    {"--XyZ\r\n\r\nabc\r\n--XyZ--", MP_BAD_DISPOSITION},
	    {"--XyZ\r\nContent-Type: text/plain\r\n\r\nabc\r\n--XyZ--", MP_BAD_DISPOSITION},
	    {"--XyZ\r\nContent-Disposition: attachment; name=\"a\"\r\n\r\nx\r\n--XyZ--",
	     MP_BAD_DISPOSITION},
	    {"--XyZ\r\nContent-Disposition: form-data\r\n\r\nx\r\n--XyZ--", MP_BAD_DISPOSITION},
	    {"--XyZ\r\nContent-Disposition: form-data; name=\"a\"; name=\"b\"\r\n\r\nx\r\n--XyZ--",
	     MP_BAD_DISPOSITION},
	    {"--XyZ\r\nContent-Disposition: form-data; name=\"unterminated\r\n\r\nx\r\n--XyZ--",
	     MP_BAD_DISPOSITION},
	    {"--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n folded\r\n\r\nx\r\n--XyZ--",
	     MP_BAD_HEADERS},
	    {"--XyZ\r\nNo colon here\r\n\r\nx\r\n--XyZ--", MP_BAD_HEADERS},
	    {"--XyZ\r\nX: a\nb\r\n\r\nx\r\n--XyZ--", MP_BAD_HEADERS},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		enum multipart_status st = all(cases[i].body, strlen(cases[i].body), parts, 2, &n);
		if (st != cases[i].want)
			fail_msg("case %zu: got %d want %d", i, st, cases[i].want);
		assert_non_null(multipart_strerror(st));
	}
}

static void oversized_headers(void **state)
{
	(void)state;
	size_t n = MULTIPART_MAX_HEADER_BYTES + 200;
	char *body = malloc(n + 64);
	int len = snprintf(body, 64, "--XyZ\r\nX-Pad: ");
	memset(body + len, 'a', n);
	len += (int)n;
	len += snprintf(body + len, 64, "\r\n\r\nx\r\n--XyZ--");
	struct mp_part parts[1];
	int np;
	assert_int_equal(all(body, (size_t)len, parts, 1, &np), MP_BAD_HEADERS);
	/* too many header lines */
	char many[2048];
	int m = snprintf(many, sizeof(many), "--XyZ\r\n");
	for (int i = 0; i < MULTIPART_MAX_HEADERS + 1; i++)
		m += snprintf(many + m, sizeof(many) - (size_t)m, "X-%d: v\r\n", i);
	m += snprintf(many + m, sizeof(many) - (size_t)m, "\r\nx\r\n--XyZ--");
	assert_int_equal(all(many, (size_t)m, parts, 1, &np), MP_BAD_HEADERS);
	free(body);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(boundary_parsing),
	    cmocka_unit_test(two_parts),
	    cmocka_unit_test(first_delimiter_at_start_and_empty_part),
	    cmocka_unit_test(refusals),
	    cmocka_unit_test(oversized_headers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
