/* Pure parts of the slots module: categories and capacity classes, the template as JSON
 * (validation included) and the grid maths in the process time zone (SERVICE_TZ). No
 * database access here, so the unit tests cover all of it. */
#include "domain/slots.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "domain/categories.h"
#include "infra/timeutil.h"

static const char *const class_names[SLOT_CLASS_COUNT] = {"standard", "special"};

int slots_class_of(const char *category)
{
	if (!categories_known(category))
		return -1;
	return categories_special(category) ? SLOT_CLASS_SPECIAL : SLOT_CLASS_STANDARD;
}

const char *slots_class_name(int cls)
{
	return cls >= 0 && cls < SLOT_CLASS_COUNT ? class_names[cls] : NULL;
}

int slots_class_parse(const char *name)
{
	for (int i = 0; name && i < SLOT_CLASS_COUNT; i++)
		if (strcmp(name, class_names[i]) == 0)
			return i;
	return -1;
}

const char *slots_capacity_class(const char *category)
{
	return slots_class_name(slots_class_of(category));
}

/* ---- calendar helpers ---- */

/* Inverse of time_days_from_civil (Howard Hinnant's civil_from_days). */
static void civil_from_days(int64_t z, int *y, int *m, int *d)
{
	z += 719468;
	const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	const unsigned doe = (unsigned)(z - era * 146097);
	const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	const int64_t yy = (int64_t)yoe + era * 400;
	const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	const unsigned mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yy + (*m <= 2));
}

static int weekday_of(int64_t days)
{
	int64_t w = (days + 4) % 7; /* 1970-01-01 was a Thursday */
	return (int)(w < 0 ? w + 7 : w);
}

/* The local wall time of an instant as minutes since 1970-01-01 00:00 (local calendar). */
static int64_t wall_key(time_t t)
{
	struct tm tm;
	localtime_r(&t, &tm);
	return time_days_from_civil(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday) * 1440 +
	       tm.tm_hour * 60 + tm.tm_min;
}

/* The first instant whose local wall time is at least the wall time `days` + `minute`
 * (minute may be 1440: the next midnight). For a wall time that exists this is its (first)
 * occurrence and *exists is true; inside a DST gap it is the transition instant and
 * *exists is false. mktime is asked with tm_isdst -1, 0 and 1 and only answers whose wall
 * time round-trips count, so neither glibc's guess for ambiguous times nor its
 * normalisation of nonexistent ones decides the result. */
static time_t local_to_utc_uncached(int64_t days, int minute, bool *exists)
{
	int y, m, d;
	civil_from_days(days, &y, &m, &d);
	const int64_t target = days * 1440 + minute;
	time_t best = 0, guess = 0;
	bool found = false, have_guess = false;
	for (int isdst = -1; isdst <= 1; isdst++) {
		struct tm tm = {0};
		tm.tm_year = y - 1900;
		tm.tm_mon = m - 1;
		tm.tm_mday = d;
		tm.tm_hour = minute / 60;
		tm.tm_min = minute % 60;
		tm.tm_isdst = isdst;
		time_t t = mktime(&tm);
		if (t == (time_t)-1 && tm.tm_year != 69)
			continue;
		if (!have_guess) {
			guess = t;
			have_guess = true;
		}
		if (wall_key(t) == target && (!found || t < best)) {
			best = t;
			found = true;
		}
	}
	*exists = found;
	if (found)
		return best;
	if (!have_guess) /* no answer at all: treat as UTC */
		return (time_t)(target * 60);
	/* A gap: scan forward from well before it for the first instant at or after the wall
	 * time (gaps are rare, so the linear scan costs nothing in practice), then narrow it
	 * down to the second. */
	time_t lo = guess - 30 * 3600, t = lo;
	const time_t step = 600;
	while (wall_key(t) < target && t < guess + 30 * 3600)
		t += step;
	lo = t - step;
	time_t hi = t;
	while (hi - lo > 1) {
		time_t mid = lo + (hi - lo) / 2;
		if (wall_key(mid) >= target)
			hi = mid;
		else
			lo = mid;
	}
	return hi;
}

/* local_to_utc_uncached, remembered. glibc's mktime costs tens of microseconds in a zone
 * past its last transition (Asia/Kolkata: the POSIX rule string is parsed again, with
 * sscanf, on every conversion), so a day's grid took milliseconds, on every booking and
 * availability request, for boundaries that are the same every time. The answer depends
 * only on the day, the minute and the zone, so it is kept per TZ value (glibc itself
 * reloads the zone only when TZ changes); without TZ (the zone of /etc/localtime, which
 * glibc re-checks) nothing is kept. Processes are single-threaded. */
#define LOCAL_MEMO_SIZE 256
static struct local_memo {
	char tz[64];
	int64_t days;
	int minute;
	bool exists;
	time_t t;
} local_memo[LOCAL_MEMO_SIZE];

static time_t local_to_utc(int64_t days, int minute, bool *exists)
{
	days += minute / 1440;
	minute %= 1440;
	const char *tz = getenv("TZ");
	if (!tz || !*tz || strlen(tz) >= sizeof(local_memo[0].tz))
		return local_to_utc_uncached(days, minute, exists);
	uint64_t h = (uint64_t)days * 1440u + (uint64_t)minute;
	struct local_memo *e = &local_memo[(h * 0x9E3779B97F4A7C15ull) >> 56];
	if (e->tz[0] && e->days == days && e->minute == minute && strcmp(e->tz, tz) == 0) {
		*exists = e->exists;
		return e->t;
	}
	time_t t = local_to_utc_uncached(days, minute, exists);
	snprintf(e->tz, sizeof(e->tz), "%s", tz);
	e->days = days;
	e->minute = minute;
	e->exists = *exists;
	e->t = t;
	return t;
}

void slots_days_to_date(int64_t days, int *y, int *m, int *d)
{
	civil_from_days(days, y, m, d);
}

void slots_day_string(int64_t days, char buf[SLOTS_DATE_LEN])
{
	int y, m, d;
	civil_from_days(days, &y, &m, &d);
	snprintf(buf, SLOTS_DATE_LEN, "%04d-%02d-%02d", y, m, d);
}

bool slots_in_booking_window(int64_t start_ms, int64_t now_ms, int window_days)
{
	int y, m, d;
	slots_local_date(now_ms, &y, &m, &d);
	int64_t today = time_days_from_civil(y, m, d);
	slots_local_date(start_ms, &y, &m, &d);
	return time_days_from_civil(y, m, d) <= today + window_days;
}

void slots_local_date(int64_t ms, int *y, int *m, int *d)
{
	time_t t = (time_t)(ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000));
	struct tm tm;
	localtime_r(&t, &tm);
	*y = tm.tm_year + 1900;
	*m = tm.tm_mon + 1;
	*d = tm.tm_mday;
}

int64_t slots_local_midnight_ms(int y, int m, int d)
{
	bool exists;
	return (int64_t)local_to_utc(time_days_from_civil(y, m, d), 0, &exists) * 1000;
}

/* ---- grid ---- */

static int cmp_slot(const void *a, const void *b)
{
	const struct slot_info *x = a, *y = b;
	return x->start_ms < y->start_ms ? -1 : x->start_ms > y->start_ms;
}

int slots_grid_day(const struct slot_template *t, const struct slot_override *ov, size_t nov,
		   int cls, int y, int m, int d, struct slot_info *out, int max)
{
	if (!t || cls < 0 || cls >= SLOT_CLASS_COUNT || t->slot_minutes <= 0 || max <= 0)
		return 0;
	const int64_t days = time_days_from_civil(y, m, d);
	const int wd = weekday_of(days);
	bool closed = false;
	for (int i = 0; i < t->nclosed; i++)
		if (t->closed_days[i] == days)
			closed = true;
	int capacity = t->capacity[cls];
	for (size_t i = 0; i < nov; i++) {
		if (days < ov[i].from_day || days > ov[i].to_day)
			continue;
		if (ov[i].cls >= 0 && ov[i].cls != cls)
			continue;
		if (ov[i].closed)
			closed = true;
		if (ov[i].capacity >= 0)
			capacity = ov[i].capacity;
	}
	int n = 0;
	for (int w = 0; w < t->nweekly; w++) {
		const struct slot_window *win = &t->weekly[w];
		if (win->weekday != wd)
			continue;
		for (int s = win->start_min; s + t->slot_minutes <= win->end_min && n < max;
		     s += t->slot_minutes) {
			bool start_exists, end_exists;
			time_t start = local_to_utc(days, s, &start_exists);
			if (!start_exists)
				continue; /* this wall time is skipped by the clock change */
			time_t end = local_to_utc(days, s + t->slot_minutes, &end_exists);
			if (end <= start)
				continue;
			struct slot_info *si = &out[n++];
			memset(si, 0, sizeof(*si));
			si->start_ms = (int64_t)start * 1000;
			si->end_ms = (int64_t)end * 1000;
			si->cls = cls;
			si->capacity = capacity < 0 ? 0 : capacity;
			si->closed = closed;
			si->remaining = closed ? 0 : si->capacity;
		}
	}
	qsort(out, (size_t)n, sizeof(out[0]), cmp_slot);
	/* Overlapping windows are refused by validation; drop exact duplicates regardless. */
	int k = 0;
	for (int i = 0; i < n; i++)
		if (k == 0 || out[i].start_ms != out[k - 1].start_ms)
			out[k++] = out[i];
	return k;
}

int slots_filter_offered(struct slot_info *s, int n, int64_t now_ms, int64_t lead_ms)
{
	int k = 0;
	for (int i = 0; i < n; i++) {
		if (s[i].closed || s[i].remaining <= 0 || s[i].start_ms < now_ms + lead_ms ||
		    s[i].start_ms <= now_ms)
			continue;
		s[k++] = s[i];
	}
	return k;
}

/* ---- template as JSON ---- */

void slots_template_default(struct slot_template *t)
{
	memset(t, 0, sizeof(*t));
	t->slot_minutes = 60;
	t->capacity[SLOT_CLASS_STANDARD] = 5;
	t->capacity[SLOT_CLASS_SPECIAL] = 2;
	for (int wd = 1; wd <= 6; wd++) {
		t->weekly[t->nweekly].weekday = wd;
		t->weekly[t->nweekly].start_min = 9 * 60;
		t->weekly[t->nweekly].end_min = 21 * 60;
		t->nweekly++;
	}
}

/* "HH:MM" (00:00..23:59, or 24:00 when `allow_24`) → minutes. */
static bool parse_hhmm(const char *s, bool allow_24, int *out)
{
	if (!s || strlen(s) != 5 || s[2] != ':')
		return false;
	for (int i = 0; i < 5; i++)
		if (i != 2 && (s[i] < '0' || s[i] > '9'))
			return false;
	int h = (s[0] - '0') * 10 + (s[1] - '0'), mi = (s[3] - '0') * 10 + (s[4] - '0');
	if (mi > 59 || h > 24 || (h == 24 && (!allow_24 || mi != 0)))
		return false;
	*out = h * 60 + mi;
	return true;
}

static void fmt_hhmm(int min, char buf[16])
{
	unsigned u = min < 0 ? 0u : (unsigned)min;
	snprintf(buf, 16, "%02u:%02u", (u / 60) % 100, u % 60);
}

static char *loc(char *buf, size_t len, const char *prefix, const char *rest)
{
	snprintf(buf, len, "%s.%s", prefix, rest);
	return buf;
}

/* The "capacity" object of a template: a seat count per class. False when it is missing
 * or any count is invalid (reported in `e`). */
static bool capacity_from_json(json_object *o, const char *prefix, struct slot_template *t,
			       struct verrors *e)
{
	char lb[160];
	json_object *cap = v_object(e, o, prefix, "capacity", true);
	if (!cap)
		return false;
	bool ok = true;
	static const char *const cap_keys[] = {"standard", "special", NULL};
	loc(lb, sizeof(lb), prefix, "capacity");
	v_no_extra(e, cap, lb, cap_keys);
	for (int c = 0; c < SLOT_CLASS_COUNT; c++) {
		long v;
		if (v_int(e, cap, lb, class_names[c], true, 0, 1000, &v))
			t->capacity[c] = (int)v;
		else
			ok = false;
	}
	return ok;
}

/* Reports a bad "HH:MM" of field `field` of window `lb`. */
static void bad_hhmm(struct verrors *e, const char *lb, const char *field)
{
	char l2[200];
	snprintf(l2, sizeof(l2), "%s.%s", lb, field);
	verr_add(e, l2, "Time must be HH:MM", "value_error");
}

/* One weekly window `w` (located at `lb`), appended to t->weekly when its fields are
 * valid and it fits the slot length. False when it is invalid (reported in `e`); a window
 * that overlaps an earlier one of its day is reported and still appended, so that each
 * later overlap with it is reported as well. */
static bool window_from_json(json_object *w, const char *lb, struct slot_template *t,
			     struct verrors *e)
{
	if (!v_is_object(e, w, lb))
		return false;
	static const char *const wkeys[] = {"weekday", "start", "end", NULL};
	v_no_extra(e, w, lb, wkeys);
	long wd;
	const char *s, *en;
	int sm = -1, em = -1;
	bool wok = v_int(e, w, lb, "weekday", true, 0, 6, &wd);
	if (v_string(e, w, lb, "start", true, 5, 5, &s) && !parse_hhmm(s, false, &sm))
		bad_hhmm(e, lb, "start");
	if (v_string(e, w, lb, "end", true, 5, 5, &en) && !parse_hhmm(en, true, &em))
		bad_hhmm(e, lb, "end");
	if (!wok || sm < 0 || em < 0)
		return false;
	char l2[200];
	snprintf(l2, sizeof(l2), "%s.end", lb);
	if (em <= sm) {
		verr_add(e, l2, "end must be after start", "value_error");
		return false;
	}
	if (t->slot_minutes > 0 && (em - sm) % t->slot_minutes != 0) {
		verr_add(e, l2, "slot_minutes must divide the window", "value_error");
		return false;
	}
	bool ok = true;
	for (int j = 0; j < t->nweekly; j++) {
		const struct slot_window *x = &t->weekly[j];
		if (x->weekday == wd && sm < x->end_min && x->start_min < em) {
			verr_add(e, lb, "Window overlaps another window of the same day",
				 "value_error");
			ok = false;
		}
	}
	t->weekly[t->nweekly].weekday = (int)wd;
	t->weekly[t->nweekly].start_min = sm;
	t->weekly[t->nweekly].end_min = em;
	t->nweekly++;
	return ok;
}

/* The "weekly" array of a template. False when it is missing or any window is invalid;
 * every window is checked, so that all errors are reported at once. */
static bool weekly_from_json(json_object *o, const char *prefix, struct slot_template *t,
			     struct verrors *e)
{
	json_object *weekly = v_array(e, o, prefix, "weekly", true, 0, SLOTS_MAX_WINDOWS);
	if (!weekly)
		return false;
	bool ok = true;
	for (size_t i = 0; i < json_object_array_length(weekly); i++) {
		char wp[64], lb[160];
		snprintf(wp, sizeof(wp), "weekly.%zu", i);
		loc(lb, sizeof(lb), prefix, wp);
		if (!window_from_json(json_object_array_get_idx(weekly, i), lb, t, e))
			ok = false;
	}
	return ok;
}

/* The optional "closed_dates" array of a template (YYYY-MM-DD strings). False when any
 * date is invalid (reported in `e`). */
static bool closed_from_json(json_object *o, const char *prefix, struct slot_template *t,
			     struct verrors *e)
{
	json_object *closed = v_array(e, o, prefix, "closed_dates", false, 0, SLOTS_MAX_CLOSED);
	if (!closed)
		return true; /* optional; a wrong type is in `e` already */
	bool ok = true;
	for (size_t i = 0; i < json_object_array_length(closed); i++) {
		json_object *c = json_object_array_get_idx(closed, i);
		int y, m, d;
		const char *s =
		    json_object_is_type(c, json_type_string) ? json_object_get_string(c) : NULL;
		if (!s || !time_parse_date(s, &y, &m, &d)) {
			char wp[64], lb[160];
			snprintf(wp, sizeof(wp), "closed_dates.%zu", i);
			verr_add(e, loc(lb, sizeof(lb), prefix, wp),
				 "Date must be a valid YYYY-MM-DD", "value_error");
			ok = false;
			continue;
		}
		t->closed_days[t->nclosed++] = time_days_from_civil(y, m, d);
	}
	return ok;
}

bool slots_template_from_json(json_object *o, const char *prefix, struct slot_template *t,
			      struct verrors *e)
{
	memset(t, 0, sizeof(*t));
	if (!v_is_object(e, o, prefix))
		return false;
	static const char *const allowed[] = {"timezone", "slot_minutes", "capacity",
					      "weekly",	  "closed_dates", NULL};
	v_no_extra(e, o, prefix, allowed);
	bool ok = !verr_any(e);
	const char *tz;
	v_string(e, o, prefix, "timezone", false, 1, 64, &tz);
	long minutes = 0;
	if (v_int(e, o, prefix, "slot_minutes", true, 5, 240, &minutes))
		t->slot_minutes = (int)minutes;
	else
		ok = false;
	/* each part is checked even after an earlier one failed: every error is reported */
	if (!capacity_from_json(o, prefix, t, e))
		ok = false;
	if (!weekly_from_json(o, prefix, t, e))
		ok = false;
	if (!closed_from_json(o, prefix, t, e))
		ok = false;
	return ok && !verr_any(e);
}

json_object *slots_template_to_json(const struct slot_template *t, const char *timezone)
{
	json_object *o = json_object_new_object();
	if (timezone)
		json_object_object_add(o, "timezone", json_object_new_string(timezone));
	json_object_object_add(o, "slot_minutes", json_object_new_int(t->slot_minutes));
	json_object *cap = json_object_new_object();
	for (int c = 0; c < SLOT_CLASS_COUNT; c++)
		json_object_object_add(cap, class_names[c], json_object_new_int(t->capacity[c]));
	json_object_object_add(o, "capacity", cap);
	json_object *weekly = json_object_new_array();
	for (int i = 0; i < t->nweekly; i++) {
		json_object *w = json_object_new_object();
		char b[16];
		json_object_object_add(w, "weekday", json_object_new_int(t->weekly[i].weekday));
		fmt_hhmm(t->weekly[i].start_min, b);
		json_object_object_add(w, "start", json_object_new_string(b));
		fmt_hhmm(t->weekly[i].end_min, b);
		json_object_object_add(w, "end", json_object_new_string(b));
		json_object_array_add(weekly, w);
	}
	json_object_object_add(o, "weekly", weekly);
	json_object *closed = json_object_new_array();
	for (int i = 0; i < t->nclosed; i++) {
		char b[SLOTS_DATE_LEN];
		slots_day_string(t->closed_days[i], b);
		json_object_array_add(closed, json_object_new_string(b));
	}
	json_object_object_add(o, "closed_dates", closed);
	return o;
}

int64_t slots_available_until(const struct slot_info *s, int n, int64_t now_ms, int64_t lead_ms)
{
	int y, m, d;
	slots_local_date(now_ms, &y, &m, &d);
	int ny, nm, nd;
	slots_days_to_date(time_days_from_civil(y, m, d) + 1, &ny, &nm, &nd);
	int64_t until = slots_local_midnight_ms(ny, nm, nd);
	for (int i = 0; i < n; i++)
		if (s[i].start_ms - lead_ms < until)
			until = s[i].start_ms - lead_ms;
	return until > now_ms ? until : now_ms + 1;
}
