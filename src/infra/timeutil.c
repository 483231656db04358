#include "infra/timeutil.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static int64_t offset_ms;

void time_set_offset_ms(int64_t ms)
{
	offset_ms = ms;
}

int64_t time_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 + offset_ms;
}

/* Howard Hinnant's days-from-civil algorithm: exact for every Gregorian date. */
int64_t time_days_from_civil(int y, int m, int d)
{
	y -= m <= 2;
	const int64_t era = (y >= 0 ? y : y - 399) / 400;
	const unsigned yoe = (unsigned)(y - era * 400);
	const unsigned doy = (153 * (unsigned)(m > 2 ? m - 3 : m + 9) + 2) / 5 + (unsigned)d - 1;
	const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static int days_in_month(int y, int m)
{
	static const int dm[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return dm[m - 1];
}

static bool digits(const char *s, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return true;
}

bool time_parse_date(const char *s, int *year, int *month, int *day)
{
	int y, m, d;
	if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-' || !digits(s, 4, &y) ||
	    !digits(s + 5, 2, &m) || !digits(s + 8, 2, &d))
		return false;
	if (y < 1970 || y > 9999 || m < 1 || m > 12 || d < 1 || d > days_in_month(y, m))
		return false;
	*year = y;
	*month = m;
	*day = d;
	return true;
}

bool time_parse_rfc3339(const char *s, int64_t *ms)
{
	int y, mo, d, h, mi, se;
	if (!s || strlen(s) < 20)
		return false;
	char date[11];
	memcpy(date, s, 10);
	date[10] = '\0';
	if (!time_parse_date(date, &y, &mo, &d))
		return false;
	if ((s[10] != 'T' && s[10] != 't' && s[10] != ' ') || !digits(s + 11, 2, &h) ||
	    s[13] != ':' || !digits(s + 14, 2, &mi) || s[16] != ':' || !digits(s + 17, 2, &se))
		return false;
	if (h > 23 || mi > 59 || se > 59)
		return false;
	const char *p = s + 19;
	int frac_ms = 0;
	if (*p == '.') {
		p++;
		int n = 0;
		while (isdigit((unsigned char)*p)) {
			if (n < 3)
				frac_ms = frac_ms * 10 + (*p - '0');
			n++;
			p++;
		}
		if (n == 0 || n > 9)
			return false;
		for (; n < 3; n++)
			frac_ms *= 10;
	}
	int off_min = 0;
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		int oh, om;
		int sign = *p == '-' ? -1 : 1;
		if (!digits(p + 1, 2, &oh) || p[3] != ':' || !digits(p + 4, 2, &om) || oh > 23 ||
		    om > 59)
			return false;
		off_min = sign * (oh * 60 + om);
		p += 6;
	} else {
		return false;
	}
	if (*p)
		return false;
	int64_t days = time_days_from_civil(y, mo, d);
	int64_t secs = days * 86400 + h * 3600 + mi * 60 + se - (int64_t)off_min * 60;
	/* The offset can move the instant out of 1970..9999 UTC, where the dates we print
	 * would no longer be accepted back (1969-12-31T23:30:00Z, 10000-01-01T...). */
	if (secs < 0 || secs >= time_days_from_civil(10000, 1, 1) * 86400)
		return false;
	*ms = secs * 1000 + frac_ms;
	return true;
}

void time_format_rfc3339(int64_t ms, char buf[TIME_RFC3339_LEN])
{
	int64_t secs = ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
	int msr = (int)(ms - secs * 1000);
	time_t t = (time_t)secs;
	struct tm tm;
	gmtime_r(&t, &tm);
	size_t n = strftime(buf, TIME_RFC3339_LEN, "%Y-%m-%dT%H:%M:%S", &tm);
	if (msr)
		snprintf(buf + n, TIME_RFC3339_LEN - n, ".%03dZ", msr);
	else
		snprintf(buf + n, TIME_RFC3339_LEN - n, "Z");
}
