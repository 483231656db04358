/* libFuzzer target for the wire time formats of src/infra/timeutil.c. Properties: an
 * instant time_parse_rfc3339 accepts is formatted by time_format_rfc3339 into text that
 * parses back to the same instant (and formats the same again); a date time_parse_date
 * accepts exists and prints back as the same text, and days_from_civil agrees with
 * gmtime. Build and run: tests/fuzz/run.sh. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "infra/timeutil.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 256)
		return 0;
	/* exact-size allocation: reads past the terminator are caught */
	char *s = malloc(size + 1);
	memcpy(s, data, size);
	s[size] = '\0';

	int64_t ms, back;
	if (time_parse_rfc3339(s, &ms)) {
		char buf[TIME_RFC3339_LEN], buf2[TIME_RFC3339_LEN];
		time_format_rfc3339(ms, buf);
		if (!time_parse_rfc3339(buf, &back) || back != ms) {
			fprintf(stderr, "round trip: '%s' -> %lld -> '%s'\n", s, (long long)ms,
				buf);
			abort();
		}
		time_format_rfc3339(back, buf2);
		if (strcmp(buf, buf2) != 0)
			abort();
		/* the date part of what we print is a date we accept */
		char date[11];
		int y, m, d;
		memcpy(date, buf, 10);
		date[10] = '\0';
		if (!time_parse_date(date, &y, &m, &d))
			abort();
	}

	int y, m, d;
	if (time_parse_date(s, &y, &m, &d)) {
		char again[32];
		snprintf(again, sizeof(again), "%04d-%02d-%02d", y, m, d);
		if (strcmp(again, s) != 0)
			abort();
		time_t t = (time_t)(time_days_from_civil(y, m, d) * 86400);
		struct tm tm;
		if (!gmtime_r(&t, &tm) || tm.tm_year + 1900 != y || tm.tm_mon + 1 != m ||
		    tm.tm_mday != d)
			abort();
		/* midnight UTC of that date is an instant we accept */
		char inst[40];
		snprintf(inst, sizeof(inst), "%sT00:00:00Z", s);
		if (!time_parse_rfc3339(inst, &ms) || ms != (int64_t)t * 1000)
			abort();
	}
	free(s);
	return 0;
}
