/* A crash at any point of a change loses nothing and repeats nothing (issue 14.3). For each
 * kind of change (a resident's confirm-slot, reschedule and cancel; staff enroute, failed,
 * a staff reschedule out of failed; the completion) and each named fault point (infra/
 * fault.h: after the seat claim, after the event insert, after each effect, inside the
 * notification between its in-app copy and its mail, after the effects are confirmed,
 * before the document write), a child process makes the change through the real route
 * table with SWMRA_FAULT set to that point and dies there (_exit 137). The parent then runs
 * the sweep (as swmra-job-sweep-effects does, without grace period) and checks: the change
 * happened exactly when its event was written (a crash after the seat claim leaves the
 * request as it was, its seat given back), seats == requests in each slot, one in-app
 * notification and one mail per status change, one reward per completion, nothing pending.
 * Every point is also checked to be reached by at least one change, so a renamed point
 * cannot make the test pass by never crashing. */
#include "outbox_util.h"

#include <signal.h>

#include "infra/runtime.h"

#define PROG "test_outbox_faults"

static char resident[25], staff[25];
static int64_t slots[48];
static int next_slot;

static const char *const points[] = {
    "",		"seat_claimed", "event_inserted",    "effect_0",
    "effect_1", "notify_inapp", "effects_confirmed", "before_document_write",
    NULL};
static int crashes[sizeof(points) / sizeof(points[0])];

static int64_t take_slot(void)
{
	return slots[next_slot++ % 48];
}

static int setup(void **state)
{
	struct derr de;
	(void)state;
	setenv("LOG_LEVEL", "error", 1);
	setenv("APP_ENV", "test", 1);
	unsetenv("SWMRA_FAULT");
	if (itu_open("obxfault", PROG) < 0)
		return -1;
	bson_error_t err;
	if (!itu_everyday_template(0, 1440, 60, 5, 2, &err))
		return -1;
	itu_make_user("Crash Resident", "crash@example.org", "+911234567", "x", "citizen", NULL,
		      resident);
	itu_make_user("Crash Staff", "crash-staff@example.org", "+911234568", "x", "staff", NULL,
		      staff);
	/* Two days, three and four days ahead: beyond the lead time and the 24 h rule. */
	for (int day = 0; day < 2; day++) {
		int y, m, d;
		slots_local_date(time_now_ms() + (3 + day) * 86400 * 1000LL, &y, &m, &d);
		struct slot_info grid[SLOTS_MAX_PER_DAY];
		int n = slots_day(SLOT_CLASS_STANDARD, y, m, d, grid, SLOTS_MAX_PER_DAY, &de);
		if (n < 24)
			return -1;
		for (int i = 0; i < 24; i++)
			slots[day * 24 + i] = grid[i].start_ms;
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	itu_drop();
	return 0;
}

/* One kind of change: brings a fresh request to the state before it (in the parent), then
 * makes it (in the child). */
struct op {
	const char *name;
	const char *category;
	const char *const *before; /* staff steps after booking a slot; NULL: not booked */
	const char *after;	   /* the status once the change happened */
	int (*make)(const char *id);
};

static int64_t target; /* the slot a change moves into, chosen by the parent */

static int make_confirm(const char *id)
{
	char body[160];
	return obx_resident(resident, id, "confirm-slot",
			    obx_slot_body(body, sizeof(body), NULL, target));
}

static int make_cancel(const char *id)
{
	return obx_resident(resident, id, "cancel", "{\"reason\":\"Crash\"}");
}

static int make_enroute(const char *id)
{
	return obx_staff_to(staff, id, "enroute");
}

static int make_failed(const char *id)
{
	return obx_staff_to(staff, id, "failed");
}

static int make_staff_schedule(const char *id)
{
	char body[200];
	return obx_staff(staff, id, obx_slot_body(body, sizeof(body), "scheduled", target));
}

static int make_complete(const char *id)
{
	return obx_staff_to(staff, id, "completed");
}

static const char *const booked[] = {NULL};
static const char *const on_the_way[] = {"enroute", NULL};
static const char *const failed[] = {"enroute", "failed", NULL};
static const char *const verified[] = {"enroute",  "onsite",	   "collecting", "collected",
				       "handover", "verification", NULL};

static const struct op ops[] = {
    {"confirm-slot", "organic", NULL, "scheduled", make_confirm},
    {"reschedule", "organic", booked, "scheduled", make_confirm},
    {"cancel", "organic", booked, "cancelled", make_cancel},
    {"enroute", "organic", booked, "enroute", make_enroute},
    {"failed", "organic", on_the_way, "failed", make_failed},
    {"staff reschedule", "organic", failed, "scheduled", make_staff_schedule},
    {"completion", "recyclable", verified, "completed", make_complete},
};

/* A request in the state before `op`: created, booked and moved by staff as it says. */
static void prepare(const struct op *op, char id[25], char *status, size_t n)
{
	assert_int_equal(obx_create(resident, op->category, id), 201);
	snprintf(status, n, "submitted");
	if (!op->before)
		return;
	char body[160];
	assert_int_equal(obx_resident(resident, id, "confirm-slot",
				      obx_slot_body(body, sizeof(body), NULL, take_slot())),
			 200);
	snprintf(status, n, "scheduled");
	for (size_t i = 0; op->before[i]; i++) {
		assert_int_equal(obx_staff_to(staff, id, op->before[i]), 200);
		snprintf(status, n, "%s", op->before[i]);
	}
}

/* Makes the change in a child armed with `point`: 137 when it died there, else 0 (200) or
 * 1 (any other answer). */
static int run_child(const struct op *op, const char *point, const char *id)
{
	runtime_shutdown();
	fflush(NULL);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (*point)
			setenv("SWMRA_FAULT", point, 1);
		if (itu_start(PROG) < 0)
			_exit(ITU_RACER_START_FAILED);
		int st = op->make(id);
		runtime_shutdown();
		_exit(st == 200 ? 0 : 1);
	}
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_int_equal(itu_start(PROG), 0);
	assert_true(WIFEXITED(st));
	return WEXITSTATUS(st);
}

/* Each case starts from an empty store, so the invariants read one request, not all. */
static void clear_store(void)
{
	static const char *const colls[] = {"pickup_requests", "request_events", "slot_claims",
					    "notifications", "rewards"};
	for (size_t i = 0; i < sizeof(colls) / sizeof(colls[0]); i++)
		itu_clear(colls[i]);
}

static const char *status_of(const char *id)
{
	static char st[32];
	bson_oid_t oid;
	db_parse_oid(id, &oid);
	bson_error_t err;
	bson_t *doc = requests_load(&oid, NULL, &err);
	assert_non_null(doc);
	snprintf(st, sizeof(st), "%s", itu_str_of(doc, "status"));
	bson_destroy(doc);
	return st;
}

static void every_point_of_every_change(void **state)
{
	(void)state;
	for (size_t o = 0; o < sizeof(ops) / sizeof(ops[0]); o++) {
		for (size_t p = 0; points[p]; p++) {
			char id[25], before[32];
			clear_store();
			prepare(&ops[o], id, before, sizeof(before));
			target = take_slot();
			int code = run_child(&ops[o], points[p], id);
			if (code != 0 && code != 137)
				fail_msg("%s at '%s': the change was refused (%d)", ops[o].name,
					 points[p], code);
			crashes[p] += code == 137;
			obx_sweep();
			/* The change stands from its event on; before it, nothing happened. */
			const char *want = strcmp(points[p], "seat_claimed") == 0 && code == 137
					       ? before
					       : ops[o].after;
			const char *got = status_of(id);
			if (strcmp(got, want) != 0)
				fail_msg("%s, crash at '%s': request is %s, expected %s",
					 ops[o].name, points[p], got, want);
			obx_assert_invariants();
		}
	}
	/* Every point was reached by some change (the control run "" never crashes). */
	for (size_t p = 1; points[p]; p++)
		if (crashes[p] == 0)
			fail_msg("fault point '%s' was never reached", points[p]);
	assert_int_equal(crashes[0], 0);
}

/* A crash after the seat claim leaves a seat no change owns: the sweep keeps it while it
 * is younger than the grace period and the changes in flight may still win; past it, the
 * version is taken by a VOID event, so the dead change could not win it any more, and
 * the seat is given back. A seat owned by a winning change is never released. */
static void orphan_seat_waits_for_grace(void **state)
{
	(void)state;
	char id[25], before[32];
	clear_store();
	prepare(&ops[0], id, before, sizeof(before));
	target = take_slot();
	assert_int_equal(run_child(&ops[0], "seat_claimed", id), 137);
	struct req_sweep rep;
	struct derr err;
	assert_true(requests_sweep(time_now_ms(), 60 * 1000, &rep, &err));
	assert_int_equal(rep.orphan_seats, 0);
	bson_oid_t oid;
	db_parse_oid(id, &oid);
	assert_int_equal(itu_count("slot_claims", BCON_NEW("request_id", BCON_OID(&oid))), 1);
	assert_true(requests_sweep(time_now_ms() + 1000, 0, &rep, &err));
	assert_int_equal(rep.orphan_seats, 1);
	assert_int_equal(itu_count("slot_claims", BCON_NEW("request_id", BCON_OID(&oid))), 0);
	/* the VOID event took the version: not on the timeline, and the request still books */
	assert_int_equal(itu_count("request_events", BCON_NEW("request_id", BCON_OID(&oid), "type",
							      BCON_UTF8("VOID"))),
			 1);
	assert_int_equal(make_confirm(id), 200);
	assert_true(requests_sweep(time_now_ms() + 1000, 0, &rep, &err));
	assert_int_equal(rep.orphan_seats, 0);
	obx_assert_invariants();
}

/* The outbox's backlog as the metrics scrape and the admin System page read it: a change
 * that died after its event owes its effects until the sweep settles them. */
static void pending_effects_are_counted(void **state)
{
	(void)state;
	char id[25], before[32];
	clear_store();
	prepare(&ops[2], id, before, sizeof(before));
	int64_t n, oldest, t0 = time_now_ms();
	struct derr err;
	assert_true(requests_effects_backlog(&n, &oldest, &err));
	assert_int_equal(n, 0);
	assert_int_equal(oldest, -1);
	assert_int_equal(run_child(&ops[2], "event_inserted", id), 137);
	assert_true(requests_effects_backlog(&n, &oldest, &err));
	assert_int_equal(n, 1);
	assert_in_range(oldest, t0 - 1000, time_now_ms());
	struct req_sweep rep;
	assert_true(requests_sweep(time_now_ms() + 1000, 0, &rep, &err));
	assert_true(requests_effects_backlog(&n, &oldest, &err));
	assert_int_equal(n, 0);
	assert_int_equal(oldest, -1);
}

int main(void)
{
	if (!itu_have_mongo())
		return 0;
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(every_point_of_every_change),
	    cmocka_unit_test(orphan_seat_waits_for_grace),
	    cmocka_unit_test(pending_effects_are_counted),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
