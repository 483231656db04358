/* csvout.c: RFC 4180 quoting and formula neutralisation of text cells (OWASP CSV injection). */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

#include "infra/csvout.h"

static char *row(const char *const *cells, size_t n)
{
	struct strbuf b = {0};
	for (size_t i = 0; i < n; i++)
		csv_text(&b, i == 0, cells[i]);
	csv_end(&b);
	char *s = strbuf_take(&b);
	assert_non_null(s);
	return s;
}

static void plain_cells_stay_as_they_are(void **state)
{
	(void)state;
	const char *cells[] = {"North", "12 MG Road", "", NULL};
	char *s = row(cells, 4);
	assert_string_equal(s, "North,12 MG Road,,\r\n");
	free(s);
}

static void separators_quotes_and_newlines_are_quoted(void **state)
{
	(void)state;
	const char *cells[] = {"a,b", "say \"hi\"", "two\nlines", "cr\rhere"};
	char *s = row(cells, 4);
	assert_string_equal(s, "\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",\"cr\rhere\"\r\n");
	free(s);
}

static void formula_cells_are_prefixed(void **state)
{
	(void)state;
	const char *cells[] = {"=1+1", "+91 98765", "-2+3", "@SUM(A1)", "\tTab", "\rCR", "a=b"};
	char *s = row(cells, 7);
	assert_string_equal(
	    s, "\"'=1+1\",\"'+91 98765\",\"'-2+3\",\"'@SUM(A1)\",\"'\tTab\",\"'\rCR\",a=b\r\n");
	free(s);
}

static void numbers_are_not_prefixed(void **state)
{
	(void)state;
	struct strbuf b = {0};
	csv_number(&b, true, true, -33.9);
	csv_number(&b, false, false, 0);
	csv_number(&b, false, true, 2);
	csv_end(&b);
	char *s = strbuf_take(&b);
	assert_string_equal(s, "-33.9,,2\r\n");
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(plain_cells_stay_as_they_are),
	    cmocka_unit_test(separators_quotes_and_newlines_are_quoted),
	    cmocka_unit_test(formula_cells_are_prefixed),
	    cmocka_unit_test(numbers_are_not_prefixed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
