/* Availability maths of the slots module, without a database: capacity classes, the grid
 * of a day in the service time zone (DST days of Europe/Berlin and America/New_York
 * included), lead time, closed dates, overrides, full slots, template validation, and the
 * query checks of GET /api/slots/available that answer before any database access. */
#include "testutil.h"

#include <time.h>

#include "api/api.h"
#include "domain/slots.h"
#include "infra/config.h"
#include "infra/timeutil.h"

static void use_tz(const char *tz)
{
	setenv("TZ", tz, 1);
	tzset();
}

static int64_t at(const char *rfc3339)
{
	int64_t ms;
	assert_true(time_parse_rfc3339(rfc3339, &ms));
	return ms;
}

static void assert_slot(const struct slot_info *s, const char *start, const char *end)
{
	char a[TIME_RFC3339_LEN], b[TIME_RFC3339_LEN];
	time_format_rfc3339(s->start_ms, a);
	time_format_rfc3339(s->end_ms, b);
	assert_string_equal(a, start);
	assert_string_equal(b, end);
}

/* One window on one weekday. */
static void one_window(struct slot_template *t, int weekday, int start_min, int end_min,
		       int minutes)
{
	slots_template_default(t);
	t->nweekly = 1;
	t->weekly[0].weekday = weekday;
	t->weekly[0].start_min = start_min;
	t->weekly[0].end_min = end_min;
	t->slot_minutes = minutes;
}

static void capacity_classes(void **state)
{
	(void)state;
	assert_string_equal(slots_capacity_class("hazardous"), "special");
	assert_string_equal(slots_capacity_class("e-waste"), "special");
	assert_string_equal(slots_capacity_class("organic"), "standard");
	assert_string_equal(slots_capacity_class("recyclable"), "standard");
	assert_string_equal(slots_capacity_class("bulk"), "standard");
	assert_string_equal(slots_capacity_class("other"), "standard");
	assert_null(slots_capacity_class("plutonium"));
	assert_null(slots_capacity_class(NULL));
	assert_null(slots_capacity_class("E-waste"));
	assert_int_equal(slots_class_parse("special"), SLOT_CLASS_SPECIAL);
	assert_int_equal(slots_class_parse("both"), -1);
}

static void default_grid_kolkata(void **state)
{
	(void)state;
	use_tz("Asia/Kolkata");
	struct slot_template t;
	slots_template_default(&t);
	struct slot_info s[SLOTS_MAX_PER_DAY];
	/* 2026-06-15 is a Monday: 09:00–21:00 IST in 12 hours, IST = UTC+05:30. */
	int n = slots_grid_day(&t, NULL, 0, SLOT_CLASS_STANDARD, 2026, 6, 15, s, SLOTS_MAX_PER_DAY);
	assert_int_equal(n, 12);
	assert_slot(&s[0], "2026-06-15T03:30:00Z", "2026-06-15T04:30:00Z");
	assert_slot(&s[11], "2026-06-15T14:30:00Z", "2026-06-15T15:30:00Z");
	for (int i = 0; i < n; i++) {
		assert_int_equal(s[i].capacity, 5);
		assert_int_equal(s[i].remaining, 5);
		assert_false(s[i].closed);
		if (i)
			assert_true(s[i].start_ms == s[i - 1].end_ms);
	}
	n = slots_grid_day(&t, NULL, 0, SLOT_CLASS_SPECIAL, 2026, 6, 15, s, SLOTS_MAX_PER_DAY);
	assert_int_equal(n, 12);
	assert_int_equal(s[0].capacity, 2);
	/* 2026-06-14 is a Sunday: closed by the default template. */
	assert_int_equal(
	    slots_grid_day(&t, NULL, 0, SLOT_CLASS_STANDARD, 2026, 6, 14, s, SLOTS_MAX_PER_DAY), 0);
	/* 30-minute slots double the count; the `max` bound is respected. */
	t.slot_minutes = 30;
	assert_int_equal(
	    slots_grid_day(&t, NULL, 0, SLOT_CLASS_STANDARD, 2026, 6, 15, s, SLOTS_MAX_PER_DAY),
	    24);
	assert_int_equal(slots_grid_day(&t, NULL, 0, SLOT_CLASS_STANDARD, 2026, 6, 15, s, 3), 3);
	int y, m, d;
	slots_local_date(at("2026-06-14T19:00:00Z"), &y, &m, &d); /* 00:30 IST next day */
	assert_int_equal(d, 15);
}

static void berlin_normal_days(void **state)
{
	(void)state;
	use_tz("Europe/Berlin");
	struct slot_template t;
	slots_template_default(&t);
	struct slot_info s[SLOTS_MAX_PER_DAY];
	/* Summer (CEST, UTC+2) and winter (CET, UTC+1). */
	assert_int_equal(slots_grid_day(&t, NULL, 0, 0, 2026, 7, 1, s, SLOTS_MAX_PER_DAY), 12);
	assert_slot(&s[0], "2026-07-01T07:00:00Z", "2026-07-01T08:00:00Z");
	assert_int_equal(slots_grid_day(&t, NULL, 0, 0, 2026, 1, 7, s, SLOTS_MAX_PER_DAY), 12);
	assert_slot(&s[0], "2026-01-07T08:00:00Z", "2026-01-07T09:00:00Z");
	/* The Saturday before the spring change is still CET, the Monday after is CEST. */
	assert_int_equal(slots_grid_day(&t, NULL, 0, 0, 2026, 3, 28, s, SLOTS_MAX_PER_DAY), 12);
	assert_slot(&s[0], "2026-03-28T08:00:00Z", "2026-03-28T09:00:00Z");
	assert_int_equal(slots_grid_day(&t, NULL, 0, 0, 2026, 3, 30, s, SLOTS_MAX_PER_DAY), 12);
	assert_slot(&s[0], "2026-03-30T07:00:00Z", "2026-03-30T08:00:00Z");
	assert_int_equal(slots_local_midnight_ms(2026, 3, 29), at("2026-03-28T23:00:00Z"));
	assert_int_equal(slots_local_midnight_ms(2026, 3, 30), at("2026-03-29T22:00:00Z"));
}

static void berlin_spring_forward(void **state)
{
	(void)state;
	use_tz("Europe/Berlin");
	struct slot_template t;
	/* 2026-03-29 (Sunday): 02:00 CET jumps to 03:00 CEST. 02:00–03:00 does not exist,
	 * so no slot starts then; the 01:00 slot ends at the transition. */
	one_window(&t, 0, 0, 6 * 60, 60);
	struct slot_info s[SLOTS_MAX_PER_DAY];
	int n = slots_grid_day(&t, NULL, 0, 0, 2026, 3, 29, s, SLOTS_MAX_PER_DAY);
	assert_int_equal(n, 5);
	assert_slot(&s[0], "2026-03-28T23:00:00Z", "2026-03-29T00:00:00Z"); /* 00:00 CET */
	assert_slot(&s[1], "2026-03-29T00:00:00Z", "2026-03-29T01:00:00Z"); /* 01:00 CET */
	assert_slot(&s[2], "2026-03-29T01:00:00Z", "2026-03-29T02:00:00Z"); /* 03:00 CEST */
	assert_slot(&s[3], "2026-03-29T02:00:00Z", "2026-03-29T03:00:00Z");
	assert_slot(&s[4], "2026-03-29T03:00:00Z", "2026-03-29T04:00:00Z"); /* 05:00 CEST */
}

static void berlin_fall_back(void **state)
{
	(void)state;
	use_tz("Europe/Berlin");
	struct slot_template t;
	/* 2026-10-25 (Sunday): 03:00 CEST goes back to 02:00 CET; 02:00–03:00 happens twice.
	 * The 02:00 slot starts at its first occurrence and lasts until 03:00 CET. */
	one_window(&t, 0, 0, 6 * 60, 60);
	struct slot_info s[SLOTS_MAX_PER_DAY];
	int n = slots_grid_day(&t, NULL, 0, 0, 2026, 10, 25, s, SLOTS_MAX_PER_DAY);
	assert_int_equal(n, 6);
	assert_slot(&s[0], "2026-10-24T22:00:00Z", "2026-10-24T23:00:00Z");
	assert_slot(&s[1], "2026-10-24T23:00:00Z", "2026-10-25T00:00:00Z");
	assert_slot(&s[2], "2026-10-25T00:00:00Z", "2026-10-25T02:00:00Z");
	assert_slot(&s[3], "2026-10-25T02:00:00Z", "2026-10-25T03:00:00Z"); /* 03:00 CET */
	assert_slot(&s[5], "2026-10-25T04:00:00Z", "2026-10-25T05:00:00Z");
	for (int i = 1; i < n; i++)
		assert_true(s[i].start_ms == s[i - 1].end_ms);
	/* The day is 25 hours long. */
	assert_int_equal(slots_local_midnight_ms(2026, 10, 26) -
			     slots_local_midnight_ms(2026, 10, 25),
			 25 * 3600 * 1000LL);
}

static void new_york_spring_forward(void **state)
{
	(void)state;
	use_tz("America/New_York");
	struct slot_template t;
	/* 2026-03-08 (Sunday): 02:00 EST jumps to 03:00 EDT. 30-minute slots 01:00–04:00. */
	one_window(&t, 0, 60, 4 * 60, 30);
	struct slot_info s[SLOTS_MAX_PER_DAY];
	int n = slots_grid_day(&t, NULL, 0, 0, 2026, 3, 8, s, SLOTS_MAX_PER_DAY);
	assert_int_equal(n, 4);
	assert_slot(&s[0], "2026-03-08T06:00:00Z", "2026-03-08T06:30:00Z");
	assert_slot(&s[1], "2026-03-08T06:30:00Z", "2026-03-08T07:00:00Z");
	assert_slot(&s[2], "2026-03-08T07:00:00Z", "2026-03-08T07:30:00Z"); /* 03:00 EDT */
	assert_slot(&s[3], "2026-03-08T07:30:00Z", "2026-03-08T08:00:00Z");
	/* Daytime slots the day after follow EDT (UTC-4). */
	slots_template_default(&t);
	n = slots_grid_day(&t, NULL, 0, 0, 2026, 3, 9, s, SLOTS_MAX_PER_DAY);
	assert_int_equal(n, 12);
	assert_slot(&s[0], "2026-03-09T13:00:00Z", "2026-03-09T14:00:00Z");
}

static void lead_time_and_full(void **state)
{
	(void)state;
	use_tz("Asia/Kolkata");
	struct slot_template t;
	slots_template_default(&t);
	struct slot_info s[SLOTS_MAX_PER_DAY];
	int n = slots_grid_day(&t, NULL, 0, 0, 2026, 6, 15, s, SLOTS_MAX_PER_DAY);
	assert_int_equal(n, 12);
	/* Now is 2026-06-14 10:00 IST (04:30Z); with 24 h lead only slots from 10:00 IST on the
	 * 15th remain: 09:00 is 23 h away. */
	int64_t now = at("2026-06-14T04:30:00Z");
	s[3].booked = 5; /* 12:00 IST is full */
	s[3].remaining = 0;
	s[5].booked = 7; /* over capacity after a lowered capacity: still no room */
	s[5].remaining = 0;
	s[6].booked = 4;
	s[6].remaining = 1;
	int k = slots_filter_offered(s, n, now, 24LL * 3600 * 1000);
	assert_int_equal(k, 12 - 1 - 2);
	assert_slot(&s[0], "2026-06-15T04:30:00Z", "2026-06-15T05:30:00Z"); /* 10:00 IST */
	for (int i = 0; i < k; i++) {
		assert_true(s[i].remaining > 0);
		assert_true(s[i].start_ms >= now + 24LL * 3600 * 1000);
	}
	/* Exactly at the lead boundary is allowed; a minute less is not. */
	n = slots_grid_day(&t, NULL, 0, 0, 2026, 6, 15, s, SLOTS_MAX_PER_DAY);
	k = slots_filter_offered(s, n, at("2026-06-14T03:30:00Z"), 24LL * 3600 * 1000);
	assert_int_equal(k, 12);
	n = slots_grid_day(&t, NULL, 0, 0, 2026, 6, 15, s, SLOTS_MAX_PER_DAY);
	k = slots_filter_offered(s, n, at("2026-06-14T03:31:00Z"), 24LL * 3600 * 1000);
	assert_int_equal(k, 11);
	/* Without lead time, past slots are still never offered. */
	n = slots_grid_day(&t, NULL, 0, 0, 2026, 6, 15, s, SLOTS_MAX_PER_DAY);
	k = slots_filter_offered(s, n, at("2026-06-15T10:00:00Z"), 0);
	assert_int_equal(k, 5); /* 15:30 IST .. 20:00 IST */
	/* A day in the past: nothing. */
	n = slots_grid_day(&t, NULL, 0, 0, 2026, 6, 15, s, SLOTS_MAX_PER_DAY);
	assert_int_equal(slots_filter_offered(s, n, at("2027-01-01T00:00:00Z"), 0), 0);
}

/* Residents book up to `window` local dates ahead: today + window included whatever the
 * time of day, the next date not; the local date decides (not UTC, not now + N×24 h). */
static void booking_window(void **state)
{
	(void)state;
	use_tz("Asia/Kolkata");
	/* Now 2026-06-14 23:00 IST (17:30Z): today is the 14th; + 60 days = 2026-08-13. */
	int64_t now = at("2026-06-14T17:30:00Z");
	assert_true(slots_in_booking_window(at("2026-08-13T03:30:00Z"), now, 60)); /* 09:00 */
	/* 23:59: after now + 60×24 h, still on the last date of the window */
	assert_true(slots_in_booking_window(at("2026-08-13T18:29:00Z"), now, 60));
	assert_false(slots_in_booking_window(at("2026-08-13T18:30:00Z"), now, 60)); /* 14th 00:00 */
	assert_false(slots_in_booking_window(at("2027-06-14T03:30:00Z"), now, 60)); /* a year */
	/* at 00:30 IST (19:00Z the day before in UTC) today is already the 15th */
	int64_t after_midnight = at("2026-06-14T19:00:00Z");
	assert_true(slots_in_booking_window(at("2026-08-14T03:30:00Z"), after_midnight, 60));
	assert_false(slots_in_booking_window(at("2026-08-15T03:30:00Z"), after_midnight, 60));
	/* window 1: today and tomorrow; the past is inside (the lead time refuses it) */
	assert_true(slots_in_booking_window(at("2026-06-15T12:00:00Z"), now, 1));
	assert_false(slots_in_booking_window(at("2026-06-15T18:30:00Z"), now, 1));
	assert_true(slots_in_booking_window(at("2026-01-01T00:00:00Z"), now, 1));
	/* across a DST change (Europe/Berlin, 2026-10-25): still counted in local dates */
	use_tz("Europe/Berlin");
	now = at("2026-10-20T21:30:00Z"); /* 23:30 CEST on the 20th */
	assert_true(slots_in_booking_window(at("2026-10-30T22:59:00Z"), now, 10)); /* 23:59 CET */
	assert_false(slots_in_booking_window(at("2026-10-30T23:00:00Z"), now, 10));
}

/* A cached availability answer (GET /api/slots/available) holds by time alone until its first
 * slot enters the lead time, or the booking window moves on at local midnight, whichever
 * comes first; never until a time already passed. */
static void availability_expiry(void **state)
{
	(void)state;
	use_tz("Asia/Kolkata");
	const int64_t lead = 24 * 3600 * 1000LL;
	int64_t now = at("2026-06-14T06:30:00Z"); /* 12:00 IST on the 14th */
	struct slot_info s[2] = {{.start_ms = at("2026-06-16T04:30:00Z")},  /* 10:00 on the 16th */
				 {.start_ms = at("2026-06-15T12:30:00Z")}}; /* 18:00 on the 15th */
	/* no slots: local midnight (the 15th 00:00 IST) */
	assert_int_equal(slots_available_until(s, 0, now, lead), at("2026-06-14T18:30:00Z"));
	/* the 15th 18:00 enters the lead time on the 14th at 18:00: before midnight */
	assert_int_equal(slots_available_until(s, 2, now, lead), at("2026-06-14T12:30:00Z"));
	/* only the 16th 10:00: its lead time starts after midnight, so midnight */
	assert_int_equal(slots_available_until(s, 1, now, lead), at("2026-06-14T18:30:00Z"));
	/* a slot already inside the lead time: at once (never served again) */
	assert_int_equal(slots_available_until(s + 1, 1, at("2026-06-14T13:00:00Z"), lead),
			 at("2026-06-14T13:00:00Z") + 1);
}

static void closed_dates_and_overrides(void **state)
{
	(void)state;
	use_tz("Asia/Kolkata");
	struct slot_template t;
	slots_template_default(&t);
	t.closed_days[t.nclosed++] = time_days_from_civil(2026, 8, 15);
	struct slot_info s[SLOTS_MAX_PER_DAY];
	int n = slots_grid_day(&t, NULL, 0, 0, 2026, 8, 15, s, SLOTS_MAX_PER_DAY);
	assert_int_equal(n, 12);
	assert_true(s[0].closed);
	assert_int_equal(s[0].remaining, 0);
	assert_int_equal(slots_filter_offered(s, n, at("2026-01-01T00:00:00Z"), 0), 0);

	struct slot_override ov[3];
	memset(ov, 0, sizeof(ov));
	/* Special capacity 1 for 2026-06-15..2026-06-16, then a later override closing the
	 * 16th for both classes, then standard capacity 0 on the 17th. */
	ov[0] = (struct slot_override){.from_day = time_days_from_civil(2026, 6, 15),
				       .to_day = time_days_from_civil(2026, 6, 16),
				       .cls = SLOT_CLASS_SPECIAL,
				       .capacity = 1};
	ov[1] = (struct slot_override){.from_day = time_days_from_civil(2026, 6, 16),
				       .to_day = time_days_from_civil(2026, 6, 16),
				       .cls = -1,
				       .capacity = -1,
				       .closed = true};
	ov[2] = (struct slot_override){.from_day = time_days_from_civil(2026, 6, 17),
				       .to_day = time_days_from_civil(2026, 6, 17),
				       .cls = SLOT_CLASS_STANDARD,
				       .capacity = 0};
	int64_t now = at("2026-01-01T00:00:00Z");
	n = slots_grid_day(&t, ov, 3, SLOT_CLASS_SPECIAL, 2026, 6, 15, s, SLOTS_MAX_PER_DAY);
	assert_int_equal(s[0].capacity, 1);
	assert_int_equal(slots_filter_offered(s, n, now, 0), 12);
	n = slots_grid_day(&t, ov, 3, SLOT_CLASS_STANDARD, 2026, 6, 15, s, SLOTS_MAX_PER_DAY);
	assert_int_equal(s[0].capacity, 5); /* the special override leaves standard alone */
	n = slots_grid_day(&t, ov, 3, SLOT_CLASS_SPECIAL, 2026, 6, 16, s, SLOTS_MAX_PER_DAY);
	assert_true(s[0].closed);
	assert_int_equal(slots_filter_offered(s, n, now, 0), 0);
	n = slots_grid_day(&t, ov, 3, SLOT_CLASS_STANDARD, 2026, 6, 16, s, SLOTS_MAX_PER_DAY);
	assert_int_equal(slots_filter_offered(s, n, now, 0), 0);
	n = slots_grid_day(&t, ov, 3, SLOT_CLASS_STANDARD, 2026, 6, 17, s, SLOTS_MAX_PER_DAY);
	assert_int_equal(s[0].capacity, 0);
	assert_int_equal(slots_filter_offered(s, n, now, 0), 0);
	n = slots_grid_day(&t, ov, 3, SLOT_CLASS_SPECIAL, 2026, 6, 17, s, SLOTS_MAX_PER_DAY);
	assert_int_equal(s[0].capacity, 2);
	assert_int_equal(slots_filter_offered(s, n, now, 0), 12);
	/* The last created override wins for capacity. */
	ov[2].cls = -1;
	ov[2].from_day = ov[0].from_day;
	ov[2].to_day = ov[0].from_day;
	ov[2].capacity = 9;
	slots_grid_day(&t, ov, 3, SLOT_CLASS_SPECIAL, 2026, 6, 15, s, SLOTS_MAX_PER_DAY);
	assert_int_equal(s[0].capacity, 9);
}

static json_object *parse(const char *js)
{
	char err[128];
	json_object *o = jsonx_parse(js, strlen(js), err, sizeof(err));
	assert_non_null(o);
	return o;
}

/* Validates `js` and returns the number of errors; when `loc` is given, the first error's
 * loc must end with it (dotted). */
static size_t template_errors(const char *js, const char *loc)
{
	json_object *o = parse(js);
	struct verrors e;
	verr_init(&e);
	struct slot_template t;
	bool ok = slots_template_from_json(o, "body", &t, &e);
	size_t n = e.list ? json_object_array_length(e.list) : 0;
	assert_true(ok == (n == 0));
	if (loc && n) {
		json_object *l =
		    json_object_object_get(json_object_array_get_idx(e.list, 0), "loc");
		char buf[128] = "";
		for (size_t i = 0; i < json_object_array_length(l); i++) {
			size_t len = strlen(buf);
			snprintf(buf + len, sizeof(buf) - len, "%s%s", i ? "." : "",
				 json_object_get_string(json_object_array_get_idx(l, i)));
		}
		if (strcmp(buf, loc) != 0)
			fail_msg("loc %s, expected %s", buf, loc);
	}
	verr_free(&e);
	json_object_put(o);
	return n;
}

#define GOOD_TEMPLATE                                                                              \
	"{\"slot_minutes\":60,\"capacity\":{\"standard\":5,\"special\":2},"                        \
	"\"weekly\":[{\"weekday\":1,\"start\":\"09:00\",\"end\":\"21:00\"}],"                      \
	"\"closed_dates\":[\"2026-12-25\"]}"

static void template_validation(void **state)
{
	(void)state;
	assert_int_equal(template_errors(GOOD_TEMPLATE, NULL), 0);
	/* Round trip through JSON. */
	json_object *o = parse(GOOD_TEMPLATE);
	struct verrors e;
	verr_init(&e);
	struct slot_template t;
	assert_true(slots_template_from_json(o, "body", &t, &e));
	json_object *back = slots_template_to_json(&t, "Asia/Kolkata");
	assert_string_equal(jsonx_str(back, "timezone"), "Asia/Kolkata");
	json_object_object_del(back, "timezone");
	assert_true(json_object_equal(o, back));
	json_object_put(back);
	json_object_put(o);
	verr_free(&e);
	/* The default template validates too. */
	slots_template_default(&t);
	back = slots_template_to_json(&t, NULL);
	verr_init(&e);
	struct slot_template t2;
	assert_true(slots_template_from_json(back, "body", &t2, &e));
	assert_int_equal(t2.nweekly, 6);
	json_object_put(back);
	verr_free(&e);

	assert_int_equal(template_errors("{\"slot_minutes\":60,\"capacity\":{\"standard\":5,"
					 "\"special\":2},\"weekly\":[{\"weekday\":1,\"start\":"
					 "\"25:00\",\"end\":\"26:00\"}]}",
					 "body.weekly.0.start"),
			 2);
	assert_int_equal(template_errors("{\"slot_minutes\":60,\"capacity\":{\"standard\":5,"
					 "\"special\":2},\"weekly\":[{\"weekday\":1,\"start\":"
					 "\"9:00\",\"end\":\"21:00\"}]}",
					 "body.weekly.0.start"),
			 1);
	assert_int_equal(template_errors("{\"slot_minutes\":60,\"capacity\":{\"standard\":5,"
					 "\"special\":2},\"weekly\":[{\"weekday\":1,\"start\":"
					 "\"21:00\",\"end\":\"09:00\"}]}",
					 "body.weekly.0.end"),
			 1);
	assert_int_equal(template_errors("{\"slot_minutes\":45,\"capacity\":{\"standard\":5,"
					 "\"special\":2},\"weekly\":[{\"weekday\":1,\"start\":"
					 "\"09:00\",\"end\":\"10:00\"}]}",
					 "body.weekly.0.end"),
			 1);
	assert_int_equal(template_errors("{\"slot_minutes\":4,\"capacity\":{\"standard\":5,"
					 "\"special\":2},\"weekly\":[]}",
					 "body.slot_minutes"),
			 1);
	assert_int_equal(template_errors("{\"slot_minutes\":300,\"capacity\":{\"standard\":5,"
					 "\"special\":2},\"weekly\":[]}",
					 "body.slot_minutes"),
			 1);
	assert_int_equal(template_errors("{\"slot_minutes\":60,\"capacity\":{\"standard\":1001,"
					 "\"special\":-1},\"weekly\":[]}",
					 "body.capacity.standard"),
			 2);
	assert_int_equal(template_errors("{\"slot_minutes\":60,\"capacity\":{\"standard\":5,"
					 "\"special\":2},\"weekly\":[{\"weekday\":7,\"start\":"
					 "\"09:00\",\"end\":\"10:00\"}]}",
					 "body.weekly.0.weekday"),
			 1);
	assert_int_equal(template_errors("{\"slot_minutes\":60,\"capacity\":{\"standard\":5,"
					 "\"special\":2},\"weekly\":[],\"closed_dates\":["
					 "\"2026-02-30\"]}",
					 "body.closed_dates.0"),
			 1);
	assert_int_equal(template_errors("{\"slot_minutes\":60,\"capacity\":{\"standard\":5,"
					 "\"special\":2},\"weekly\":["
					 "{\"weekday\":1,\"start\":\"09:00\",\"end\":\"12:00\"},"
					 "{\"weekday\":1,\"start\":\"11:00\",\"end\":\"13:00\"}]}",
					 "body.weekly.1"),
			 1);
	assert_int_equal(template_errors("{\"slot_minutes\":60,\"capacity\":{\"standard\":5,"
					 "\"special\":2},\"weekly\":[],\"colour\":\"red\"}",
					 "body.colour"),
			 1);
	assert_true(template_errors("{\"weekly\":[]}", NULL) >= 2);
	assert_int_equal(template_errors("[]", "body"), 1);
	/* "24:00" ends a day; it cannot start one. */
	assert_int_equal(template_errors("{\"slot_minutes\":60,\"capacity\":{\"standard\":5,"
					 "\"special\":2},\"weekly\":[{\"weekday\":1,\"start\":"
					 "\"20:00\",\"end\":\"24:00\"}]}",
					 NULL),
			 0);
	assert_int_equal(template_errors("{\"slot_minutes\":60,\"capacity\":{\"standard\":5,"
					 "\"special\":2},\"weekly\":[{\"weekday\":1,\"start\":"
					 "\"24:00\",\"end\":\"24:00\"}]}",
					 "body.weekly.0.start"),
			 1);
}

/* The handler's own input checks, called directly: the route needs a signed-in user and
 * the guard is not bypassed for the dispatch test below. */
static int available(const char *query, struct call *c)
{
	call_begin(c, "GET", "/api/slots/available", query, NULL);
	c->status = api_slots_available(&c->req, &c->res);
	char err[128];
	c->json = jsonx_parse(c->res.body, c->res.body_len, err, sizeof(err));
	return c->status;
}

static void available_query_checks(void **state)
{
	(void)state;
	struct call c;
	assert_int_equal(available("date=2026-06-15", &c), 422);
	call_end(&c);
	assert_int_equal(available("category=organic", &c), 422);
	call_end(&c);
	assert_int_equal(available("", &c), 422);
	assert_int_equal(json_object_array_length(json_object_object_get(c.json, "detail")), 2);
	call_end(&c);
	assert_int_equal(available("date=2026-06-15&category=plutonium", &c), 422);
	call_end(&c);
	const char *bad[] = {
	    "date=2026-02-30&category=organic", "date=15-06-2026&category=organic",
	    "date=2026-6-15&category=organic",	"date=&category=organic",
	    "date=2026-13-01&category=organic", "date=2026-06-15T00:00&category=organic"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(available(bad[i], &c), 400);
		assert_string_equal(call_detail(&c), "Invalid date format");
		call_end(&c);
	}
	/* Through the real table without a token: the guard answers first. */
	call_begin(&c, "GET", "/api/slots/available", "date=2026-06-15&category=organic", NULL);
	assert_int_equal(call_run(&c, api_routes, api_routes_count), 401);
	call_end(&c);
	call_begin(&c, "GET", "/api/admin/slot-templates", NULL, NULL);
	assert_int_equal(call_run(&c, api_routes, api_routes_count), 401);
	call_end(&c);
	call_begin(&c, "POST", "/api/slots/available", NULL, "{}");
	assert_int_equal(call_run(&c, api_routes, api_routes_count), 405);
	call_end(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(capacity_classes),		  cmocka_unit_test(default_grid_kolkata),
	    cmocka_unit_test(berlin_normal_days),	  cmocka_unit_test(berlin_spring_forward),
	    cmocka_unit_test(berlin_fall_back),		  cmocka_unit_test(new_york_spring_forward),
	    cmocka_unit_test(lead_time_and_full),	  cmocka_unit_test(booking_window),
	    cmocka_unit_test(closed_dates_and_overrides), cmocka_unit_test(template_validation),
	    cmocka_unit_test(available_query_checks),	  cmocka_unit_test(availability_expiry),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
