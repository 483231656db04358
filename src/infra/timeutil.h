/* Instants are int64 milliseconds since the Unix epoch (UTC), the same unit as BSON
 * dates. The wire format is RFC 3339: output always UTC with `Z`; input any offset. */
#ifndef SWMRA_TIMEUTIL_H
#define SWMRA_TIMEUTIL_H

#include <stdbool.h>
#include <stdint.h>

#define TIME_RFC3339_LEN 32

/* The service's clock: real time, plus the offset set below (test stacks only). Every
 * "now" of the API and the cron jobs comes from here, token times included. */
int64_t time_now_ms(void);
/* Shifts time_now_ms by `ms` (0: real time). config_load sets it from TEST_NOW_OFFSET,
 * which only APP_ENV=test accepts. */
void time_set_offset_ms(int64_t ms);
/* Parses "YYYY-MM-DDTHH:MM:SS[.fff][Z|±HH:MM]" (a space is accepted for 'T').
 * A missing offset is refused: an instant must say which clock it means. */
bool time_parse_rfc3339(const char *s, int64_t *ms);
/* Writes "YYYY-MM-DDTHH:MM:SSZ" (".mmmZ" when there are milliseconds) into buf. */
void time_format_rfc3339(int64_t ms, char buf[TIME_RFC3339_LEN]);
/* Parses a calendar date "YYYY-MM-DD" that exists (no Feb 30). */
bool time_parse_date(const char *s, int *year, int *month, int *day);
/* Days from 1970-01-01 of a proleptic Gregorian date (negative before 1970). */
int64_t time_days_from_civil(int y, int m, int d);

#endif
