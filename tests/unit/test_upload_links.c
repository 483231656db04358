/* Photo links (issue 15): the signature nginx's secure_link module checks, byte for byte,
 * the expiry window, and the query form uploads_resolve accepts. */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "domain/upload_links.h"
#include "infra/config.h"

#define REL "2030/01/0123456789abcdef0123456789abcdef.jpg"

static void signature_is_secure_links(void **state)
{
	(void)state;
	/* base64url(md5("1893456000/uploads/<path> s3cr3t-s3cr3t-s3cr3t")), no padding:
	 * computed independently (Python hashlib) */
	char *u =
	    upload_link_make("https://swmra.example/", REL, 1893456000, "s3cr3t-s3cr3t-s3cr3t");
	assert_non_null(u);
	assert_string_equal(u, "https://swmra.example/uploads/" REL
			       "?md5=eMfW7beiwgK_KEc5RVZnAw&expires=1893456000");
	assert_true(upload_link_query_ok(strchr(u, '?') + 1));
	free(u);
	/* another file, another expiry or another secret: another signature */
	char *a = upload_link_make("http://x", REL, 1893456001, "s3cr3t-s3cr3t-s3cr3t");
	char *b = upload_link_make("http://x", "2030/01/1123456789abcdef0123456789abcdef.jpg",
				   1893456000, "s3cr3t-s3cr3t-s3cr3t");
	char *c = upload_link_make("http://x", REL, 1893456000, "s3cr3t-s3cr3t-s3cr3T");
	assert_null(strstr(a, "eMfW7beiwgK_KEc5RVZnAw"));
	assert_null(strstr(b, "eMfW7beiwgK_KEc5RVZnAw"));
	assert_null(strstr(c, "eMfW7beiwgK_KEc5RVZnAw"));
	free(a);
	free(b);
	free(c);
}

static void expiry_within_ttl(void **state)
{
	(void)state;
	char err[256];
	setenv("UPLOAD_LINK_TTL", "600", 1);
	assert_int_equal(config_load("", err, sizeof(err)), 0);
	int64_t before = (int64_t)time(NULL);
	char *u = upload_link_url(REL);
	int64_t after = (int64_t)time(NULL);
	assert_non_null(u);
	long long exp = atoll(strstr(u, "&expires=") + 9);
	/* at most the TTL ahead, rounded down to a tenth of it */
	assert_true(exp <= after + 600);
	assert_true(exp > before + 600 - 60);
	assert_int_equal(exp % 60, 0);
	free(u);
	unsetenv("UPLOAD_LINK_TTL");
}

static void query_form(void **state)
{
	(void)state;
	assert_true(upload_link_query_ok("md5=eMfW7beiwgK_KEc5RVZnAw&expires=1"));
	const char *bad[] = {
	    "",
	    "md5=eMfW7beiwgK_KEc5RVZnAw",
	    "expires=1&md5=eMfW7beiwgK_KEc5RVZnAw",
	    "md5=eMfW7beiwgK_KEc5RVZnA&expires=1",
	    "md5=eMfW7beiwgK_KEc5RVZnAw&expires=",
	    "md5=eMfW7beiwgK_KEc5RVZnAw&expires=1&x=2",
	    "md5=eMfW7beiwgK+KEc5RVZnAw&expires=1",
	    "md5=eMfW7beiwgK_KEc5RVZnAw&expires=1234567890123",
	    "md5=eMfW7beiwgK_KEc5RVZnAw&expires=-1",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_false(upload_link_query_ok(bad[i]));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(signature_is_secure_links),
	    cmocka_unit_test(expiry_within_ttl),
	    cmocka_unit_test(query_form),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
