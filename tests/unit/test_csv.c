/* RFC 4180 cells with formula neutralisation (src/infra/csv.h). */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

#include "infra/csv.h"

static char *row(const char *const *cells, size_t n)
{
	struct strbuf b = {0};
	for (size_t i = 0; i < n; i++)
		csv_cell(&b, cells[i], i == 0);
	csv_end_row(&b);
	return strbuf_take(&b);
}

static void plain_and_quoted(void **state)
{
	(void)state;
	const char *cells[] = {"abc", "a,b", "say \"hi\"", "two\r\nlines", "", NULL};
	char *s = row(cells, 6);
	assert_string_equal(s, "abc,\"a,b\",\"say \"\"hi\"\"\",\"two\r\nlines\",,\r\n");
	free(s);
}

static void formulas_are_text(void **state)
{
	(void)state;
	const char *cells[] = {"=1+1", "+SUM(A1)", "-2", "@cmd", "\tx", "a=b", "=HYPERLINK(\"x\")"};
	char *s = row(cells, 7);
	assert_string_equal(s, "\"'=1+1\",\"'+SUM(A1)\",\"'-2\",\"'@cmd\",\"'\tx\",a=b,"
			       "\"'=HYPERLINK(\"\"x\"\")\"\r\n");
	free(s);
}

/* Numbers the service formats itself are never prefixed: a negative longitude stays a
 * number in a spreadsheet (the route sheet's lat/lng). */
static void numbers_are_not_prefixed(void **state)
{
	(void)state;
	struct strbuf b = {0};
	csv_number(&b, -33.9, true, true);
	csv_number(&b, 0, false, false);
	csv_number(&b, 2, true, false);
	csv_end_row(&b);
	char *s = strbuf_take(&b);
	assert_string_equal(s, "-33.9,,2\r\n");
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(plain_and_quoted),
	    cmocka_unit_test(formulas_are_text),
	    cmocka_unit_test(numbers_are_not_prefixed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
