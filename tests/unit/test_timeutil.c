#include "testutil.h"

#include "infra/timeutil.h"

static void parse_and_format(void **state)
{
	(void)state;
	int64_t ms;
	char buf[TIME_RFC3339_LEN];
	assert_true(time_parse_rfc3339("2026-11-26T09:00:00Z", &ms));
	time_format_rfc3339(ms, buf);
	assert_string_equal(buf, "2026-11-26T09:00:00Z");
	assert_true(time_parse_rfc3339("2026-11-26T14:30:00+05:30", &ms));
	time_format_rfc3339(ms, buf);
	assert_string_equal(buf, "2026-11-26T09:00:00Z");
	assert_true(time_parse_rfc3339("2026-11-26T04:00:00.250-05:00", &ms));
	time_format_rfc3339(ms, buf);
	assert_string_equal(buf, "2026-11-26T09:00:00.250Z");
	assert_true(time_parse_rfc3339("1970-01-01T00:00:00Z", &ms));
	assert_int_equal(ms, 0);
	assert_true(time_parse_rfc3339("2024-02-29T23:59:59Z", &ms));
	assert_int_equal(ms, 1709251199000LL);
}

static void parse_rejects(void **state)
{
	(void)state;
	const char *bad[] = {"",
			     "2026-11-26",
			     "2026-11-26T09:00:00",
			     "2026-02-30T00:00:00Z",
			     "2026-13-01T00:00:00Z",
			     "2026-11-26T24:00:00Z",
			     "2026-11-26T09:00:00+5:30",
			     "2026-11-26T09:00:00Zjunk",
			     "2025-02-29T00:00:00Z",
			     "abcd-ef-ghTij:kl:mnZ",
			     "2026-11-26T09:00:00.Z"};
	int64_t ms;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_false(time_parse_rfc3339(bad[i], &ms));
}

/* Fuzzer finding: an offset could move an accepted instant out of 1970..9999 UTC, and the
 * text we then printed ("1969-12-31T23:30:00.500Z") was refused when sent back. */
static void offset_keeps_round_trip(void **state)
{
	(void)state;
	int64_t ms, back;
	char buf[TIME_RFC3339_LEN];
	assert_false(time_parse_rfc3339("1970-01-01T00:00:00.5+00:30", &ms));
	assert_false(time_parse_rfc3339("9999-12-31T23:59:59-00:01", &ms));
	assert_true(time_parse_rfc3339("1970-01-01T00:30:00+00:30", &ms));
	assert_int_equal(ms, 0);
	assert_true(time_parse_rfc3339("9999-12-31T23:59:59.999Z", &ms));
	time_format_rfc3339(ms, buf);
	assert_string_equal(buf, "9999-12-31T23:59:59.999Z");
	assert_true(time_parse_rfc3339(buf, &back));
	assert_int_equal(back, ms);
}

static void dates(void **state)
{
	(void)state;
	int y, m, d;
	assert_true(time_parse_date("2026-11-26", &y, &m, &d));
	assert_int_equal(y * 10000 + m * 100 + d, 20261126);
	assert_false(time_parse_date("2026-11-31", &y, &m, &d));
	assert_false(time_parse_date("2026-1-05", &y, &m, &d));
	assert_false(time_parse_date("26-11-2026", &y, &m, &d));
	assert_false(time_parse_date("2026-11-26x", &y, &m, &d));
	assert_int_equal(time_days_from_civil(1970, 1, 1), 0);
	assert_int_equal(time_days_from_civil(2000, 3, 1), 11017);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(parse_and_format),
	    cmocka_unit_test(parse_rejects),
	    cmocka_unit_test(offset_keeps_round_trip),
	    cmocka_unit_test(dates),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
