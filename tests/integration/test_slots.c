/* The slots module against a real FerretDB/MongoDB (SWMRA_TEST_MONGO_URI): template
 * default/seed/save, availability with seat counts, claims (idempotent, full, off the
 * grid, lead time, booking window), capacity lowered and closed by overrides, a
 * reschedule (claim the new seat first, then release the old one) with seat counts after
 * every step, the staff calendar and the admin handlers. Handlers are called directly:
 * their routes need a signed-in user and the guard is tested on its own. */
#include "itutil.h"

#include <stdio.h>

#include "api/api.h"
#include "domain/slots.h"
#include "infra/config.h"
#include "infra/db.h"
#include "infra/runtime.h"
#include "infra/timeutil.h"

static int Y, M, D; /* a local date 10 days ahead */
static char date_q[SLOTS_DATE_LEN];

static int setup(void **state)
{
	(void)state;
	itu_db_env("slots");
	unsetenv("SLOT_LEAD_HOURS");
	unsetenv("SLOT_BOOKING_WINDOW_DAYS");
	if (itu_start("test_slots") < 0 || itu_ensure_indexes() < 0)
		return -1;
	slots_local_date(time_now_ms() + 10LL * 86400 * 1000, &Y, &M, &D);
	slots_day_string(time_days_from_civil(Y, M, D), date_q);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	itu_drop();
	return 0;
}

/* Every day 09:00–21:00, 60 minutes, standard 3, special 1. */
static void save_everyday_template(void)
{
	bson_error_t err;
	assert_true(itu_everyday_template(9 * 60, 21 * 60, 0, 3, 1, &err));
}

static int day_slots(int cls, struct slot_info *s)
{
	struct derr de;
	int n = slots_day(cls, Y, M, D, s, SLOTS_MAX_PER_DAY, &de);
	assert_true(n >= 0);
	return n;
}

static long booked(int cls, int64_t start)
{
	bson_error_t err;
	long n = slots_booked(cls, start, &err);
	assert_true(n >= 0);
	return n;
}

static long claims_total(void)
{
	return (long)itu_count("slot_claims", bson_new());
}

static enum slot_claim_result claim(const bson_oid_t *r, const char *cat, const struct slot_info *s)
{
	bson_error_t err;
	enum slot_claim_result res = slots_claim(r, cat, s->start_ms, s->end_ms, true, 1, &err);
	if (res == SLOT_DB_ERROR)
		fail_msg("claim: %s", err.message);
	return res;
}

static void release(const bson_oid_t *r, int64_t start)
{
	bson_error_t err;
	assert_true(slots_release(r, start, 1, &err));
}

static void template_default_seed_and_handlers(void **state)
{
	struct derr de;
	(void)state;
	itu_clear("slot_templates");
	struct slot_template t;
	assert_true(slots_template_load(&t, &de));
	assert_int_equal(t.nweekly, 6);
	assert_int_equal(t.capacity[SLOT_CLASS_STANDARD], 5);
	bool inserted = false;
	assert_true(slots_seed_default(&inserted, &de));
	assert_true(inserted);
	assert_true(slots_seed_default(&inserted, &de)); /* idempotent */
	assert_false(inserted);
	assert_true(slots_seed_default(NULL, &de));

	struct call c;
	call_begin(&c, "GET", "/api/admin/slot-templates", NULL, NULL);
	assert_int_equal(api_admin_slot_templates_get(&c.req, &c.res), 200);
	char e2[128];
	c.json = jsonx_parse(c.res.body, c.res.body_len, e2, sizeof(e2));
	assert_int_equal(json_object_get_int(json_object_object_get(c.json, "slot_minutes")), 60);
	assert_string_equal(jsonx_str(c.json, "timezone"), config_get()->service_tz);
	call_end(&c);

	const char *body = "{\"slot_minutes\":30,\"capacity\":{\"standard\":4,\"special\":1},"
			   "\"weekly\":[{\"weekday\":2,\"start\":\"10:00\",\"end\":\"12:00\"}],"
			   "\"closed_dates\":[\"2026-12-25\"]}";
	call_begin(&c, "PUT", "/api/admin/slot-templates", NULL, body);
	assert_int_equal(api_admin_slot_templates_put(&c.req, &c.res), 200);
	call_end(&c);
	call_begin(
	    &c, "PUT", "/api/admin/slot-templates", NULL,
	    "{\"slot_minutes\":3,\"capacity\":{\"standard\":4,\"special\":1},\"weekly\":[]}");
	assert_int_equal(api_admin_slot_templates_put(&c.req, &c.res), 422);
	call_end(&c);
	call_begin(&c, "PUT", "/api/admin/slot-templates", NULL, "{nope");
	assert_int_equal(api_admin_slot_templates_put(&c.req, &c.res), 400);
	call_end(&c);
	assert_true(slots_template_load(&t, &de));
	assert_int_equal(t.slot_minutes, 30); /* the refused PUTs changed nothing */
	assert_int_equal(t.nweekly, 1);
	assert_int_equal(t.nclosed, 1);
	/* The seed does not overwrite an admin's template. */
	inserted = true;
	assert_true(slots_seed_default(&inserted, &de));
	assert_false(inserted);
	assert_true(slots_template_load(&t, &de));
	assert_int_equal(t.slot_minutes, 30);
}

/* Claims are read by their local day: one written before `day` existed (as an older
 * version wrote them) is not counted until the start-up backfill gives it its day; the
 * backfill then costs one lookup, and runs again when SERVICE_TZ changes. */
static void claims_by_day_and_backfill(void **state)
{
	(void)state;
	save_everyday_template();
	itu_clear("slot_claims");
	itu_clear("migrations");
	struct slot_info s[SLOTS_MAX_PER_DAY];
	int n = day_slots(SLOT_CLASS_STANDARD, s);
	assert_true(n > 2);
	bson_oid_t r[2];
	bson_oid_init(&r[0], NULL);
	bson_oid_init(&r[1], NULL);
	assert_int_equal(claim(&r[0], "organic", &s[0]), SLOT_CLAIMED);
	/* a new claim carries its day */
	char q[96];
	snprintf(q, sizeof(q), "{\"day\": \"%s\"}", date_q);
	assert_int_equal(itu_count_json("slot_claims", q), 1);
	/* an old claim without day, in slot 1 */
	char id[96];
	snprintf(id, sizeof(id), "standard:%lld:0", (long long)s[1].start_ms);
	bson_t *old = BCON_NEW("_id", BCON_UTF8(id), "class", BCON_UTF8("standard"), "start",
			       BCON_DATE_TIME(s[1].start_ms), "end", BCON_DATE_TIME(s[1].end_ms),
			       "seat", BCON_INT32(0), "request_id", BCON_OID(&r[1]), "category",
			       BCON_UTF8("organic"), "created_at", BCON_DATE_TIME(time_now_ms()));
	bson_error_t err;
	assert_true(mongoc_collection_insert_one(db_coll("slot_claims"), old, NULL, NULL, &err));
	bson_destroy(old);
	n = day_slots(SLOT_CLASS_STANDARD, s);
	assert_int_equal(s[0].booked, 1);
	assert_int_equal(s[1].booked, 0); /* not seen by the day view yet */
	long fixed = -1;
	assert_true(slots_claims_backfill(&fixed, &err));
	assert_int_equal(fixed, 1);
	n = day_slots(SLOT_CLASS_STANDARD, s);
	assert_int_equal(s[1].booked, 1);
	assert_int_equal(s[1].remaining, 2);
	assert_int_equal(itu_count_json("slot_claims", q), 2);
	/* done once: the next start only looks up the marker */
	assert_true(slots_claims_backfill(&fixed, &err));
	assert_int_equal(fixed, 0);
	/* a day written under another time zone is rewritten when SERVICE_TZ changes */
	bson_t *sel = BCON_NEW("_id", BCON_UTF8(id));
	bson_t *u = BCON_NEW("$set", "{", "day", BCON_UTF8("1999-01-01"), "}");
	assert_true(mongoc_collection_update_one(db_coll("slot_claims"), sel, u, NULL, NULL, &err));
	bson_destroy(sel);
	bson_destroy(u);
	itu_clear("migrations"); /* what a new SERVICE_TZ's marker looks like: absent */
	assert_true(slots_claims_backfill(&fixed, &err));
	assert_int_equal(fixed, 1);
	assert_int_equal(itu_count_json("slot_claims", q), 2);
}

static void availability_and_claims(void **state)
{
	(void)state;
	save_everyday_template();
	itu_clear("slot_claims");
	struct slot_info s[SLOTS_MAX_PER_DAY];
	int n = day_slots(SLOT_CLASS_STANDARD, s);
	assert_int_equal(n, 12);
	assert_int_equal(s[0].remaining, 3);

	bson_oid_t r[5];
	for (int i = 0; i < 5; i++)
		bson_oid_init(&r[i], NULL);
	assert_int_equal(claim(&r[0], "organic", &s[0]), SLOT_CLAIMED);
	assert_int_equal(claim(&r[1], "bulk", &s[0]), SLOT_CLAIMED);
	/* a request's claim in a slot is its own change's: another change gets none */
	assert_int_equal(claim(&r[0], "organic", &s[0]), SLOT_HELD);
	assert_int_equal(booked(SLOT_CLASS_STANDARD, s[0].start_ms), 2);
	assert_int_equal(claim(&r[2], "other", &s[0]), SLOT_CLAIMED);
	assert_int_equal(claim(&r[3], "organic", &s[0]), SLOT_FULL);
	assert_int_equal(booked(SLOT_CLASS_STANDARD, s[0].start_ms), 3);
	/* special seats are separate: capacity 1 */
	assert_int_equal(claim(&r[3], "hazardous", &s[0]), SLOT_CLAIMED);
	assert_int_equal(claim(&r[4], "e-waste", &s[0]), SLOT_FULL);

	/* availability: slot 0 is gone for standard, and for special too */
	struct call c;
	char q[96];
	snprintf(q, sizeof(q), "date=%s&category=organic", date_q);
	call_begin(&c, "GET", "/api/slots/available", q, NULL);
	assert_int_equal(api_slots_available(&c.req, &c.res), 200);
	char e2[128];
	c.json = jsonx_parse(c.res.body, c.res.body_len, e2, sizeof(e2));
	assert_int_equal(json_object_array_length(c.json), 11);
	json_object *first = json_object_array_get_idx(c.json, 0);
	char b[TIME_RFC3339_LEN];
	time_format_rfc3339(s[1].start_ms, b);
	assert_string_equal(jsonx_str(first, "start"), b);
	assert_int_equal(json_object_get_int(json_object_object_get(first, "capacity")), 3);
	assert_int_equal(json_object_get_int(json_object_object_get(first, "remaining")), 3);
	assert_non_null(strchr(jsonx_str(first, "end"), 'Z'));
	call_end(&c);
	snprintf(q, sizeof(q), "date=%s&category=e-waste", date_q);
	call_begin(&c, "GET", "/api/slots/available", q, NULL);
	assert_int_equal(api_slots_available(&c.req, &c.res), 200);
	c.json = jsonx_parse(c.res.body, c.res.body_len, e2, sizeof(e2));
	assert_int_equal(json_object_array_length(c.json), 11);
	call_end(&c);
	/* a past date offers nothing */
	call_begin(&c, "GET", "/api/slots/available", "date=2020-01-06&category=organic", NULL);
	assert_int_equal(api_slots_available(&c.req, &c.res), 200);
	assert_string_equal(c.res.body, "[]");
	call_end(&c);

	/* release frees the seat; releasing twice is harmless */
	release(&r[1], s[0].start_ms);
	release(&r[1], s[0].start_ms);
	assert_int_equal(booked(SLOT_CLASS_STANDARD, s[0].start_ms), 2);
	assert_int_equal(claim(&r[4], "organic", &s[0]), SLOT_CLAIMED);
	assert_int_equal(booked(SLOT_CLASS_STANDARD, s[0].start_ms), 3);
	/* a release takes only a claim made for the version it names or an earlier one */
	bson_error_t err;
	assert_true(slots_release(&r[4], s[0].start_ms, 0, &err));
	assert_int_equal(booked(SLOT_CLASS_STANDARD, s[0].start_ms), 3);
	/* a claim from before claims recorded their version goes back to any release */
	bson_t *sel = BCON_NEW("request_id", BCON_OID(&r[4]));
	bson_t *upd = BCON_NEW("$unset", "{", "version", BCON_UTF8(""), "}");
	assert_true(
	    mongoc_collection_update_one(db_coll("slot_claims"), sel, upd, NULL, NULL, &err));
	bson_destroy(sel);
	bson_destroy(upd);
	assert_true(slots_release(&r[4], s[0].start_ms, 0, &err));
	assert_int_equal(booked(SLOT_CLASS_STANDARD, s[0].start_ms), 2);
}

static void bad_slots_not_available(void **state)
{
	struct derr de;
	(void)state;
	save_everyday_template();
	struct slot_info s[SLOTS_MAX_PER_DAY];
	day_slots(SLOT_CLASS_STANDARD, s);
	bson_oid_t r;
	bson_oid_init(&r, NULL);
	bson_error_t err;
	long before = claims_total();
	struct slot_info x = s[2];
	x.start_ms += 60000; /* off the grid */
	x.end_ms += 60000;
	assert_int_equal(claim(&r, "organic", &x), SLOT_NOT_AVAILABLE);
	x = s[2];
	x.end_ms += 30 * 60000; /* wrong end */
	assert_int_equal(claim(&r, "organic", &x), SLOT_NOT_AVAILABLE);
	x = s[2];
	x.end_ms = x.start_ms; /* end <= start */
	assert_int_equal(claim(&r, "organic", &x), SLOT_NOT_AVAILABLE);
	assert_int_equal(claim(&r, "plutonium", &s[2]), SLOT_NOT_AVAILABLE);
	/* before 09:00 local */
	x = s[0];
	x.start_ms -= 3600000;
	x.end_ms -= 3600000;
	assert_int_equal(claim(&r, "organic", &x), SLOT_NOT_AVAILABLE);
	/* in the past */
	assert_int_equal(
	    slots_claim(&r, "organic", 1577865600000LL, 1577869200000LL, false, 1, &err),
	    SLOT_NOT_AVAILABLE);
	assert_int_equal(slots_is_offered("organic", s[2].start_ms, s[2].end_ms, true, &de), 1);
	assert_int_equal(slots_is_offered("organic", x.start_ms, x.end_ms, true, &de), 0);
	/* inside the lead time: 720 h = 30 days ahead; staff may still book it */
	setenv("SLOT_LEAD_HOURS", "720", 1);
	char e2[128];
	assert_int_equal(config_load("", e2, sizeof(e2)), 0);
	assert_int_equal(claim(&r, "organic", &s[2]), SLOT_NOT_AVAILABLE);
	assert_int_equal(slots_is_offered("organic", s[2].start_ms, s[2].end_ms, true, &de), 0);
	assert_int_equal(slots_is_offered("organic", s[2].start_ms, s[2].end_ms, false, &de), 1);
	assert_int_equal(claims_total(), before);
	assert_int_equal(slots_claim(&r, "organic", s[2].start_ms, s[2].end_ms, false, 1, &err),
			 SLOT_CLAIMED);
	unsetenv("SLOT_LEAD_HOURS");
	assert_int_equal(config_load("", e2, sizeof(e2)), 0);
	release(&r, s[2].start_ms);
	assert_int_equal(claims_total(), before);
}

/* The local date `days` after today and its standard slots (everyday template). */
static int slots_ahead(int days, char date[SLOTS_DATE_LEN], struct slot_info *s)
{
	struct derr de;
	int y, m, d;
	slots_local_date(time_now_ms(), &y, &m, &d);
	int64_t day = time_days_from_civil(y, m, d) + days;
	slots_days_to_date(day, &y, &m, &d);
	slots_day_string(day, date);
	int n = slots_day(SLOT_CLASS_STANDARD, y, m, d, s, SLOTS_MAX_PER_DAY, &de);
	assert_int_equal(n, 12);
	return n;
}

/* GET /api/slots/available?date=&category=organic: the number of slots offered. */
static size_t offered(const char *date)
{
	struct call c;
	char q[96], e[128];
	snprintf(q, sizeof(q), "date=%s&category=organic", date);
	call_begin(&c, "GET", "/api/slots/available", q, NULL);
	assert_int_equal(api_slots_available(&c.req, &c.res), 200);
	c.json = jsonx_parse(c.res.body, c.res.body_len, e, sizeof(e));
	assert_non_null(c.json);
	size_t n = json_object_array_length(c.json);
	call_end(&c);
	return n;
}

static void set_window(const char *days)
{
	char e[128];
	if (days)
		setenv("SLOT_BOOKING_WINDOW_DAYS", days, 1);
	else
		unsetenv("SLOT_BOOKING_WINDOW_DAYS");
	assert_int_equal(config_load("", e, sizeof(e)), 0);
}

/* Residents book up to SLOT_BOOKING_WINDOW_DAYS (default 60) local dates ahead; staff
 * scheduling is not limited by it. */
static void booking_window(void **state)
{
	struct derr de;
	(void)state;
	save_everyday_template();
	itu_clear("slot_claims");
	set_window(NULL);
	struct slot_info last[SLOTS_MAX_PER_DAY], beyond[SLOTS_MAX_PER_DAY],
	    year[SLOTS_MAX_PER_DAY];
	char d_last[SLOTS_DATE_LEN], d_beyond[SLOTS_DATE_LEN], d_year[SLOTS_DATE_LEN];
	slots_ahead(60, d_last, last);
	slots_ahead(61, d_beyond, beyond);
	slots_ahead(365, d_year, year);
	assert_int_equal(offered(d_last), 12);
	assert_int_equal(offered(d_beyond), 0);
	assert_int_equal(offered(d_year), 0);
	bson_error_t err;
	assert_int_equal(slots_is_offered("organic", last[11].start_ms, last[11].end_ms, true, &de),
			 1);
	assert_int_equal(
	    slots_is_offered("organic", beyond[0].start_ms, beyond[0].end_ms, true, &de), 0);
	/* preferred slots are residents' too: the window applies without the lead time */
	assert_int_equal(
	    slots_is_offered("organic", beyond[0].start_ms, beyond[0].end_ms, false, &de), 0);
	assert_int_equal(slots_is_offered("organic", year[3].start_ms, year[3].end_ms, false, &de),
			 0);
	bson_oid_t r[3];
	for (int i = 0; i < 3; i++)
		bson_oid_init(&r[i], NULL);
	assert_int_equal(claim(&r[0], "organic", &last[11]), SLOT_CLAIMED);
	assert_int_equal(claim(&r[1], "organic", &beyond[0]), SLOT_NOT_AVAILABLE);
	assert_int_equal(claim(&r[1], "hazardous", &year[3]), SLOT_NOT_AVAILABLE);
	assert_int_equal(booked(SLOT_CLASS_STANDARD, beyond[0].start_ms), 0);
	/* staff scheduling may go beyond the window (the slot must still be on the grid) */
	assert_int_equal(
	    slots_claim(&r[1], "organic", beyond[0].start_ms, beyond[0].end_ms, false, 1, &err),
	    SLOT_CLAIMED);
	assert_int_equal(
	    slots_claim(&r[2], "organic", year[3].start_ms, year[3].end_ms, false, 1, &err),
	    SLOT_CLAIMED);
	assert_int_equal(booked(SLOT_CLASS_STANDARD, year[3].start_ms), 1);
	/* the configured window: 10 days puts the test date (10 days ahead) last */
	set_window("10");
	assert_int_equal(offered(date_q), 12);
	assert_int_equal(offered(d_last), 0);
	assert_int_equal(claim(&r[1], "organic", &last[10]), SLOT_NOT_AVAILABLE);
	assert_int_equal(booked(SLOT_CLASS_STANDARD, last[11].start_ms), 1); /* seats held stay */
	set_window("9");
	assert_int_equal(offered(date_q), 0);
	set_window("366");
	assert_int_equal(offered(d_year), 12);
	set_window(NULL);
	release(&r[0], last[11].start_ms);
	release(&r[1], beyond[0].start_ms);
	release(&r[2], year[3].start_ms);
}

static void capacity_lowered_and_closed(void **state)
{
	struct derr de;
	(void)state;
	save_everyday_template();
	itu_clear("slot_claims");
	itu_clear("slot_overrides");
	struct slot_info s[SLOTS_MAX_PER_DAY];
	day_slots(SLOT_CLASS_STANDARD, s);
	bson_oid_t r[4];
	for (int i = 0; i < 4; i++)
		bson_oid_init(&r[i], NULL);
	for (int i = 0; i < 3; i++)
		assert_int_equal(claim(&r[i], "organic", &s[4]), SLOT_CLAIMED);

	/* admin lowers standard capacity to 1 for the day: bookings kept, no new seats */
	struct call c;
	char body[256];
	snprintf(body, sizeof(body),
		 "{\"from\":\"%s\",\"to\":\"%s\",\"capacity_class\":\"standard\","
		 "\"capacity\":1}",
		 date_q, date_q);
	call_begin(&c, "POST", "/api/admin/slot-overrides", NULL, body);
	assert_int_equal(api_admin_slot_overrides_create(&c.req, &c.res), 201);
	char e2[128];
	c.json = jsonx_parse(c.res.body, c.res.body_len, e2, sizeof(e2));
	char cap_id[32];
	snprintf(cap_id, sizeof(cap_id), "%s", jsonx_str(c.json, "id"));
	assert_string_equal(jsonx_str(c.json, "capacity_class"), "standard");
	call_end(&c);

	struct slot_info v[SLOTS_MAX_PER_DAY];
	day_slots(SLOT_CLASS_STANDARD, v);
	assert_int_equal(v[4].capacity, 1);
	assert_int_equal(v[4].booked, 3);
	assert_int_equal(v[4].remaining, 0);
	assert_int_equal(v[5].remaining, 1);
	assert_int_equal(booked(SLOT_CLASS_STANDARD, s[4].start_ms), 3);
	assert_int_equal(claim(&r[3], "organic", &s[4]), SLOT_FULL);
	release(&r[0], s[4].start_ms);
	release(&r[1], s[4].start_ms);
	assert_int_equal(claim(&r[3], "organic", &s[4]), SLOT_FULL); /* 1 held, capacity 1 */
	release(&r[2], s[4].start_ms);
	assert_int_equal(claim(&r[3], "organic", &s[4]), SLOT_CLAIMED);
	assert_int_equal(booked(SLOT_CLASS_STANDARD, s[4].start_ms), 1);
	/* special is untouched by a standard override */
	struct slot_info sp[SLOTS_MAX_PER_DAY];
	day_slots(SLOT_CLASS_SPECIAL, sp);
	assert_int_equal(sp[4].capacity, 1);

	/* close the day (both classes): nothing offered, claims refused */
	snprintf(body, sizeof(body), "{\"from\":\"%s\",\"to\":\"%s\",\"closed\":true}", date_q,
		 date_q);
	call_begin(&c, "POST", "/api/admin/slot-overrides", NULL, body);
	assert_int_equal(api_admin_slot_overrides_create(&c.req, &c.res), 201);
	c.json = jsonx_parse(c.res.body, c.res.body_len, e2, sizeof(e2));
	char close_id[32];
	snprintf(close_id, sizeof(close_id), "%s", jsonx_str(c.json, "id"));
	assert_true(jsonx_is_null(c.json, "capacity_class"));
	call_end(&c);
	struct slot_info a[SLOTS_MAX_PER_DAY];
	assert_int_equal(slots_available("organic", Y, M, D, a, SLOTS_MAX_PER_DAY, &de), 0);
	assert_int_equal(slots_available("hazardous", Y, M, D, a, SLOTS_MAX_PER_DAY, &de), 0);
	assert_int_equal(claim(&r[0], "organic", &s[6]), SLOT_NOT_AVAILABLE);

	call_begin(&c, "GET", "/api/admin/slot-overrides", NULL, NULL);
	assert_int_equal(api_admin_slot_overrides_list(&c.req, &c.res), 200);
	c.json = jsonx_parse(c.res.body, c.res.body_len, e2, sizeof(e2));
	assert_int_equal(json_object_array_length(c.json), 2);
	assert_string_equal(jsonx_str(json_object_array_get_idx(c.json, 0), "from"), date_q);
	call_end(&c);

	/* delete the closing override: the day opens again */
	const char *ids[] = {close_id, cap_id};
	for (int i = 0; i < 2; i++) {
		call_begin(&c, "DELETE", "/api/admin/slot-overrides/x", NULL, NULL);
		c.req.param_names[0] = "id";
		c.req.params[0] = ids[i];
		c.req.nparams = 1;
		assert_int_equal(api_admin_slot_overrides_delete(&c.req, &c.res), 204);
		call_end(&c);
	}
	call_begin(&c, "DELETE", "/api/admin/slot-overrides/x", NULL, NULL);
	c.req.param_names[0] = "id";
	c.req.params[0] = cap_id;
	c.req.nparams = 1;
	assert_int_equal(api_admin_slot_overrides_delete(&c.req, &c.res), 404);
	call_end(&c);
	assert_int_equal(slots_available("organic", Y, M, D, a, SLOTS_MAX_PER_DAY, &de), 12);
	assert_int_equal(a[4].remaining, 2);
}

/* The most recent override wins even when ObjectId order says otherwise: ids made in one
 * second by two worker processes order by their random part (an e2e run caught this). */
static void newest_override_wins_regardless_of_id_order(void **state)
{
	struct derr de;
	(void)state;
	itu_clear("slot_overrides");
	bson_error_t err;
	int64_t day = 20000; /* any day: the load filters by day range only */
	int64_t now = time_now_ms();
	bson_oid_t big, small;
	bson_oid_init_from_string(&big, "6bffffff0909090909000001");
	bson_oid_init_from_string(&small, "6b0000000101010101000001");
	/* older override, larger ObjectId */
	bson_t *older =
	    BCON_NEW("_id", BCON_OID(&big), "from_day", BCON_INT64(day), "to_day", BCON_INT64(day),
		     "capacity_class", BCON_UTF8("standard"), "capacity", BCON_INT32(3), "closed",
		     BCON_BOOL(false), "created_at", BCON_DATE_TIME(now - 500));
	/* newer override, smaller ObjectId */
	bson_t *newer =
	    BCON_NEW("_id", BCON_OID(&small), "from_day", BCON_INT64(day), "to_day",
		     BCON_INT64(day), "capacity_class", BCON_UTF8("standard"), "capacity",
		     BCON_INT32(1), "closed", BCON_BOOL(false), "created_at", BCON_DATE_TIME(now));
	assert_true(
	    mongoc_collection_insert_one(db_coll("slot_overrides"), older, NULL, NULL, &err));
	assert_true(
	    mongoc_collection_insert_one(db_coll("slot_overrides"), newer, NULL, NULL, &err));
	struct slot_override *ov = NULL;
	size_t n = 0;
	assert_true(slots_overrides_load(day, day, &ov, &n, &de));
	assert_int_equal(n, 2);
	/* applied in order: the last one is the newest */
	assert_int_equal(ov[1].capacity, 1);
	assert_int_equal(ov[0].capacity, 3);
	free(ov);
	bson_destroy(older);
	bson_destroy(newer);
	itu_clear("slot_overrides");
}

static void override_validation(void **state)
{
	struct derr de;
	(void)state;
	const char *bad[] = {
	    "{\"from\":\"2026-07-10\",\"to\":\"2026-07-01\",\"capacity\":1}",
	    "{\"from\":\"2026-01-01\",\"to\":\"2027-01-02\",\"capacity\":1}",
	    "{\"from\":\"2026-02-30\",\"to\":\"2026-03-01\",\"capacity\":1}",
	    "{\"from\":\"2026-07-01\",\"to\":\"2026-07-01\"}",
	    "{\"from\":\"2026-07-01\",\"to\":\"2026-07-01\",\"closed\":false}",
	    "{\"from\":\"2026-07-01\",\"to\":\"2026-07-01\",\"capacity\":1001}",
	    "{\"from\":\"2026-07-01\",\"to\":\"2026-07-01\",\"capacity\":1,\"capacity_class\":"
	    "\"vip\"}",
	    "{\"from\":\"2026-07-01\",\"to\":\"2026-07-01\",\"capacity\":1,\"extra\":1}",
	    "{\"to\":\"2026-07-01\",\"capacity\":1}",
	};
	struct slot_override *ov;
	size_t before, after;
	assert_true(slots_overrides_load(0, 1000000, &ov, &before, &de));
	free(ov);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct call c;
		call_begin(&c, "POST", "/api/admin/slot-overrides", NULL, bad[i]);
		int st = api_admin_slot_overrides_create(&c.req, &c.res);
		if (st != 422)
			fail_msg("%s: %d %s", bad[i], st, c.res.body);
		call_end(&c);
	}
	/* 366 days inclusive is the maximum */
	struct call c;
	call_begin(&c, "POST", "/api/admin/slot-overrides", NULL,
		   "{\"from\":\"2030-01-01\",\"to\":\"2030-12-31\",\"capacity\":0}");
	assert_int_equal(api_admin_slot_overrides_create(&c.req, &c.res), 201);
	call_end(&c);
	assert_true(slots_overrides_load(0, 1000000, &ov, &after, &de));
	free(ov);
	assert_int_equal(after, before + 1);
	call_begin(&c, "DELETE", "/api/admin/slot-overrides/x", NULL, NULL);
	c.req.param_names[0] = "id";
	c.req.params[0] = "not-an-id";
	c.req.nparams = 1;
	assert_int_equal(api_admin_slot_overrides_delete(&c.req, &c.res), 404);
	call_end(&c);
}

static void reschedule_and_calendar(void **state)
{
	(void)state;
	save_everyday_template();
	itu_clear("slot_claims");
	itu_clear("slot_overrides");
	struct slot_info s[SLOTS_MAX_PER_DAY];
	day_slots(SLOT_CLASS_STANDARD, s);
	bson_oid_t r, other, gone;
	bson_oid_init(&r, NULL);
	bson_oid_init(&other, NULL);
	bson_oid_init(&gone, NULL);
	/* book A */
	assert_int_equal(claim(&r, "recyclable", &s[1]), SLOT_CLAIMED);
	assert_int_equal(claim(&other, "organic", &s[3]), SLOT_CLAIMED);
	assert_int_equal(booked(0, s[1].start_ms), 1);
	/* reschedule A → B: claim B first, then release A */
	assert_int_equal(claim(&r, "recyclable", &s[3]), SLOT_CLAIMED);
	assert_int_equal(booked(0, s[1].start_ms), 1);
	assert_int_equal(booked(0, s[3].start_ms), 2);
	release(&r, s[1].start_ms);
	assert_int_equal(booked(0, s[1].start_ms), 0);
	assert_int_equal(booked(0, s[3].start_ms), 2);
	/* reschedule to a full slot fails and changes nothing */
	bson_oid_t f[3];
	for (int i = 0; i < 3; i++) {
		bson_oid_init(&f[i], NULL);
		assert_int_equal(claim(&f[i], "organic", &s[5]), SLOT_CLAIMED);
	}
	assert_int_equal(claim(&r, "recyclable", &s[5]), SLOT_FULL);
	assert_int_equal(booked(0, s[3].start_ms), 2);
	assert_int_equal(booked(0, s[5].start_ms), 3);
	/* cancel: release */
	release(&r, s[3].start_ms);
	assert_int_equal(booked(0, s[3].start_ms), 1);
	assert_int_equal(claims_total(), 4);

	/* staff calendar: requests by assigned_slot.start, cancelled ones left out */
	bson_error_t err;
	bson_t *d1 =
	    BCON_NEW("_id", BCON_OID(&other), "category", BCON_UTF8("organic"), "status",
		     BCON_UTF8("scheduled"), "assigned_slot", "{", "start",
		     BCON_DATE_TIME(s[3].start_ms), "end", BCON_DATE_TIME(s[3].end_ms), "}");
	bson_t *d2 =
	    BCON_NEW("_id", BCON_OID(&gone), "category", BCON_UTF8("organic"), "status",
		     BCON_UTF8("cancelled"), "assigned_slot", "{", "start",
		     BCON_DATE_TIME(s[3].start_ms), "end", BCON_DATE_TIME(s[3].end_ms), "}");
	assert_true(mongoc_collection_insert_one(db_coll("pickup_requests"), d1, NULL, NULL, &err));
	assert_true(mongoc_collection_insert_one(db_coll("pickup_requests"), d2, NULL, NULL, &err));
	bson_destroy(d1);
	bson_destroy(d2);
	struct call c;
	char q[96];
	snprintf(q, sizeof(q), "date=%s", date_q);
	call_begin(&c, "GET", "/api/staff/slots", q, NULL);
	assert_int_equal(api_staff_slots(&c.req, &c.res), 200);
	char e2[128];
	c.json = jsonx_parse(c.res.body, c.res.body_len, e2, sizeof(e2));
	assert_int_equal(json_object_array_length(c.json), 24); /* 12 standard + 12 special */
	char b[TIME_RFC3339_LEN], oid[25];
	time_format_rfc3339(s[3].start_ms, b);
	bson_oid_to_string(&other, oid);
	int seen = 0;
	for (size_t i = 0; i < json_object_array_length(c.json); i++) {
		json_object *e = json_object_array_get_idx(c.json, i);
		if (strcmp(jsonx_str(e, "start"), b) != 0 ||
		    strcmp(jsonx_str(e, "capacity_class"), "standard") != 0)
			continue;
		seen++;
		assert_int_equal(json_object_get_int(json_object_object_get(e, "capacity")), 3);
		assert_int_equal(json_object_get_int(json_object_object_get(e, "booked")), 1);
		json_object *reqs = json_object_object_get(e, "requests");
		assert_int_equal(json_object_array_length(reqs), 1);
		assert_string_equal(jsonx_str(json_object_array_get_idx(reqs, 0), "id"), oid);
		assert_string_equal(jsonx_str(json_object_array_get_idx(reqs, 0), "status"),
				    "scheduled");
	}
	assert_int_equal(seen, 1);
	call_end(&c);
	call_begin(&c, "GET", "/api/staff/slots", "date=2026-02-30", NULL);
	assert_int_equal(api_staff_slots(&c.req, &c.res), 400);
	call_end(&c);
	call_begin(&c, "GET", "/api/staff/slots", "", NULL);
	assert_int_equal(api_staff_slots(&c.req, &c.res), 422);
	call_end(&c);
}

int main(void)
{
	if (!itu_have_mongo())
		return 1;
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(template_default_seed_and_handlers),
	    cmocka_unit_test(availability_and_claims),
	    cmocka_unit_test(claims_by_day_and_backfill),
	    cmocka_unit_test(bad_slots_not_available),
	    cmocka_unit_test(booking_window),
	    cmocka_unit_test(capacity_lowered_and_closed),
	    cmocka_unit_test(newest_override_wins_regardless_of_id_order),
	    cmocka_unit_test(override_validation),
	    cmocka_unit_test(reschedule_and_calendar),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
