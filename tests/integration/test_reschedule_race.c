/* Concurrent reschedules of one request never overbook a slot (issue 12, section 1). An admin
 * override makes one day's slots capacity 1; a resident books slot S0, then 16 processes
 * (each its own client, released together: itu_race) move that same request at once
 * through the real route table (POST /api/requests/{id}/confirm-slot), cycling over the 4
 * free slots S1..S4 of the day, round after round. Some rounds mix in the resident's
 * cancel, staff transitions (enroute, cancelled), or start from a failed request that
 * staff reschedule. After every round: the seats agree with the requests (itu_assert_seats:
 * a scheduled request holds exactly one seat, in its slot; no seat without its request;
 * no slot over capacity), the staff calendar shows as many requests as seats in each slot,
 * and a second resident booking the slot the request holds gets 409 "Slot is full". */
#include "itutil.h"

#include "domain/requests.h"
#include "domain/slots.h"
#include "infra/config.h"
#include "infra/db.h"
#include "infra/runtime.h"
#include "infra/timeutil.h"

#define PROG	"test_reschedule_race"
#define RACERS	16
#define ROUNDS	24
#define NSLOTS	5 /* S0 (booked first) and S1..S4 (the targets) */
#define HOUR_MS 3600000LL

static char res_a[25], res_b[25], staff[25], admin[25];
static char b_request[25]; /* res_b's request: it must never get a full slot */
static int64_t slot_start[NSLOTS];
static int day_y, day_m, day_d;

enum kind {
	K_RESCHEDULE,  /* 16 reschedules */
	K_CANCEL,      /* 12 reschedules, 4 cancels by the resident */
	K_STAFF,       /* 12 reschedules, 2 staff enroute, 2 staff cancelled */
	K_FAILED_STAFF /* from failed: 12 staff reschedules, 2 staff cancelled, 2 by the
			  resident (refused until a staff reschedule won, then reschedules) */
};

struct round {
	char id[25];
	enum kind kind;
};

static char *slot_body(char *buf, size_t n, const char *to, int64_t start)
{
	char a[TIME_RFC3339_LEN], b[TIME_RFC3339_LEN];
	time_format_rfc3339(start, a);
	time_format_rfc3339(start + HOUR_MS, b);
	if (to)
		snprintf(buf, n, "{\"to\":\"%s\",\"slot_start\":\"%s\",\"slot_end\":\"%s\"}", to, a,
			 b);
	else
		snprintf(buf, n, "{\"slot_start\":\"%s\",\"slot_end\":\"%s\"}", a, b);
	return buf;
}

/* A resident call on /api/requests/{id}/<what>; returns the status (the answer in *c). */
static int resident_call(struct call *c, const char *uid, const char *id, const char *what,
			 const char *body)
{
	char path[96];
	snprintf(path, sizeof(path), "/api/requests/%s/%s", id, what);
	return itu_call_as(c, "POST", path, NULL, body, uid, ROLE_CITIZEN);
}

static int staff_call(struct call *c, const char *id, const char *body)
{
	char path[96];
	snprintf(path, sizeof(path), "/api/staff/requests/%s/transition", id);
	return itu_call_as(c, "POST", path, NULL, body, staff, ROLE_STAFF);
}

static void expect(int status, int want, struct call *c, const char *what)
{
	if (status != want)
		fail_msg("%s: %d %s (expected %d)", what, status, c->res.body ? c->res.body : "",
			 want);
	call_end(c);
}

static void staff_to(const char *id, const char *to, int want)
{
	struct call c;
	char body[64];
	snprintf(body, sizeof(body), "{\"to\":\"%s\"}", to);
	expect(staff_call(&c, id, body), want, &c, to);
}

static void create_request(const char *uid, char id[25])
{
	static const char body[] =
	    "{\"category\":\"organic\",\"description\":\"Garden waste\",\"quantity\":2,"
	    "\"address\":{\"line1\":\"7 Race Lane\",\"city\":\"Pune\",\"pincode\":\"411001\"}}";
	struct call c;
	assert_int_equal(itu_call_as(&c, "POST", "/api/requests", NULL, body, uid, ROLE_CITIZEN),
			 201);
	snprintf(id, 25, "%s", jsonx_str(c.json, "id"));
	call_end(&c);
}

static int setup(void **state)
{
	struct derr de;
	(void)state;
	setenv("LOG_LEVEL", "warn", 1);
	if (itu_open("resrace", PROG) < 0)
		return -1;
	/* Every hour of every day, capacity 5: the override below lowers one day to 1. */
	bson_error_t err;
	if (!itu_everyday_template(0, 1440, 60, 5, 2, &err))
		return -1;
	itu_new_id(res_a);
	itu_new_id(res_b);
	itu_new_id(staff);
	itu_new_id(admin);
	/* Three days ahead: beyond the lead time and the 24 h cancel/reschedule limit. */
	slots_local_date(time_now_ms() + 3 * 86400 * 1000LL, &day_y, &day_m, &day_d);
	struct slot_info grid[SLOTS_MAX_PER_DAY];
	int n = slots_day(SLOT_CLASS_STANDARD, day_y, day_m, day_d, grid, SLOTS_MAX_PER_DAY, &de);
	if (n < 10 + NSLOTS)
		return -1;
	for (int i = 0; i < NSLOTS; i++)
		slot_start[i] = grid[10 + i].start_ms;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	itu_drop();
	return 0;
}

/* Racer results (exit codes). */
enum { R_200, R_400, R_409, R_OTHER, R_CODES };

/* One racer, in its own process: the move `i` makes in a round of `kind`. */
static int racer(int i, void *ctx)
{
	const struct round *r = ctx;
	int64_t target = slot_start[1 + i % 4];
	struct call c;
	int st;
	char reschedule[160], staff_reschedule[160];
	slot_body(reschedule, sizeof(reschedule), NULL, target);
	slot_body(staff_reschedule, sizeof(staff_reschedule), "scheduled", target);
	if (r->kind == K_FAILED_STAFF) {
		if (i < 12)
			st = staff_call(&c, r->id, staff_reschedule);
		else if (i < 14)
			st = staff_call(&c, r->id, "{\"to\":\"cancelled\"}");
		else
			st = resident_call(&c, res_a, r->id, "confirm-slot", reschedule);
	} else if (i < 12 || r->kind == K_RESCHEDULE) {
		st = resident_call(&c, res_a, r->id, "confirm-slot", reschedule);
	} else if (r->kind == K_CANCEL) {
		st = resident_call(&c, res_a, r->id, "cancel", "{\"reason\":\"Raced\"}");
	} else {
		st = staff_call(&c, r->id,
				i < 14 ? "{\"to\":\"enroute\"}" : "{\"to\":\"cancelled\"}");
	}
	int code = st == 200 ? R_200 : st == 400 ? R_400 : st == 409 ? R_409 : R_OTHER;
	if (code == R_OTHER)
		fprintf(stderr, "racer %d: %d %s\n", i, st, c.res.body ? c.res.body : "");
	call_end(&c);
	return code;
}

/* The slot of S0..S4 the request holds (-1: none), and its status (static). */
static int held_slot(const char *id, const char **status)
{
	bson_oid_t oid;
	assert_true(bson_oid_is_valid(id, strlen(id)));
	bson_oid_init_from_string(&oid, id);
	bson_error_t err;
	bson_t *doc = requests_load(&oid, NULL, &err);
	assert_non_null(doc);
	json_object *j = requests_to_json(doc);
	bson_destroy(doc);
	static char st[32];
	snprintf(st, sizeof(st), "%s", jsonx_str(j, "status"));
	*status = st;
	int held = -1;
	const char *s = jsonx_str(json_object_object_get(j, "assigned_slot"), "start");
	for (int k = 0; s && k < NSLOTS; k++) {
		char a[TIME_RFC3339_LEN];
		time_format_rfc3339(slot_start[k], a);
		if (strcmp(a, s) == 0)
			held = k;
	}
	json_object_put(j);
	return held;
}

/* The staff calendar of the day: in each of S0..S4 as many requests as seats, at most 1. */
static void calendar_agrees(void)
{
	struct derr de;
	struct slot_calendar cal;
	assert_true(slots_calendar(day_y, day_m, day_d, &cal, &de));
	for (int i = 0; i < cal.n; i++) {
		const struct slot_calendar_entry *e = &cal.entries[i];
		if (e->slot.cls != SLOT_CLASS_STANDARD)
			continue;
		for (int k = 0; k < NSLOTS; k++) {
			if (e->slot.start_ms != slot_start[k])
				continue;
			if (e->slot.capacity != 1 || e->slot.booked > 1 ||
			    e->slot.booked != e->nrequests)
				fail_msg("calendar S%d: capacity %d booked %d with %d requests", k,
					 e->slot.capacity, e->slot.booked, e->nrequests);
		}
	}
	slots_calendar_free(&cal);
}

/* Ends the round's request so that S0..S4 are free again. */
static void finish(const char *id, const char *status)
{
	struct call c;
	if (strcmp(status, "scheduled") == 0) {
		expect(resident_call(&c, res_a, id, "cancel", "{}"), 200, &c, "cancel");
	} else if (strcmp(status, "enroute") == 0) {
		staff_to(id, "failed", 200);
		staff_to(id, "cancelled", 200);
	} else if (strcmp(status, "failed") == 0) {
		staff_to(id, "cancelled", 200);
	} else if (strcmp(status, "cancelled") != 0) {
		fail_msg("request %s ended the round %s", id, status);
	}
}

static void one_round(int n, enum kind kind, int tally[R_CODES])
{
	struct round r = {.kind = kind};
	create_request(res_a, r.id);
	char body[160];
	struct call c;
	expect(resident_call(&c, res_a, r.id, "confirm-slot",
			     slot_body(body, sizeof(body), NULL, slot_start[0])),
	       200, &c, "book S0");
	if (kind == K_FAILED_STAFF) {
		staff_to(r.id, "enroute", 200);
		staff_to(r.id, "failed", 200); /* gives S0 back */
	}

	int codes[RACERS];
	itu_race(PROG, RACERS, racer, &r, codes);
	for (int i = 0; i < RACERS; i++) {
		assert_true(codes[i] >= 0 && codes[i] < R_CODES);
		tally[codes[i]]++;
	}
	if (tally[R_OTHER])
		fail_msg("round %d: a racer got neither 200, 400 nor 409", n);

	itu_assert_seats(true);
	calendar_agrees();
	const char *status;
	int held = held_slot(r.id, &status);
	if (held >= 0) {
		/* The slot is full: the second resident is refused it. */
		struct call b;
		int st = resident_call(&b, res_b, b_request, "confirm-slot",
				       slot_body(body, sizeof(body), NULL, slot_start[held]));
		if (st != 409 || strcmp(jsonx_str(b.json, "detail"), "Slot is full") != 0)
			fail_msg("round %d: a second resident booked S%d (full, held by %s): %d %s",
				 n, held, r.id, st, b.res.body);
		call_end(&b);
	}
	finish(r.id, status);
	itu_assert_seats(true);
	assert_int_equal(itu_count_json("slot_claims", "{}"), 0);
}

static void many_reschedules_of_one_request(void **state)
{
	(void)state;
	/* The admin makes the day's slots capacity 1 (both classes). */
	char date[SLOTS_DATE_LEN], body[160];
	slots_day_string(time_days_from_civil(day_y, day_m, day_d), date);
	snprintf(body, sizeof(body), "{\"from\":\"%s\",\"to\":\"%s\",\"capacity\":1}", date, date);
	struct call c;
	expect(itu_call_as(&c, "POST", "/api/admin/slot-overrides", NULL, body, admin, ROLE_ADMIN),
	       201, &c, "override");
	create_request(res_b, b_request);

	int tally[R_CODES] = {0};
	for (int n = 0; n < ROUNDS; n++) {
		/* Every other round reschedules only; the others mix in cancels and staff. */
		enum kind kind = n % 2 == 0 ? K_RESCHEDULE : (enum kind)(1 + (n / 2) % 3);
		one_round(n, kind, tally);
	}
	fprintf(stderr, "# %d rounds of %d racers: %d ok, %d 400, %d 409\n", ROUNDS, RACERS,
		tally[R_200], tally[R_400], tally[R_409]);
	/* res_b's request never got a seat */
	const char *status;
	assert_int_equal(held_slot(b_request, &status), -1);
	assert_string_equal(status, "submitted");
}

int main(void)
{
	if (!itu_have_mongo())
		return 1;
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(many_reschedules_of_one_request),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
