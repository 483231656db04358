/* Capacity holds under a real race (SWMRA_TEST_MONGO_URI): 60 forked processes, each with
 * its own database client (runtime_init after fork), book one capacity-5 slot at the same
 * moment. Exactly 5 succeed, the rest get SLOT_FULL, and exactly 5 claims exist. Then the
 * same with a reschedule storm: 5 holders of slot A move to slot B (capacity 5, 2 seats
 * already taken) while 10 newcomers race for B; B never exceeds 5 and every mover that
 * lost keeps its seat in A. Last, capacity lowered below the bookings kept in high seat
 * numbers: racers for the one seat left never push the slot over the new capacity. After
 * each race no slot holds more claims than its capacity (itu_assert_seats). */
#include "itutil.h"

#include "domain/slots.h"
#include "infra/config.h"
#include "infra/db.h"
#include "infra/runtime.h"
#include "infra/timeutil.h"

#define RACERS 60

#define PROG "test_slot_race"

static struct slot_info slot[SLOTS_MAX_PER_DAY];

/* Opens this process's runtime; the race tests keep none open between them. */
static void open_db(void)
{
	if (itu_start(PROG) < 0)
		_exit(99);
}

static int setup(void **state)
{
	struct derr de;
	(void)state;
	itu_db_env("slotrace");
	unsetenv("SLOT_LEAD_HOURS");
	open_db();
	if (itu_ensure_indexes() < 0)
		return -1;
	bson_error_t err;
	if (!itu_everyday_template(9 * 60, 21 * 60, 0, 5, -1, &err))
		return -1;
	int y, m, d;
	slots_local_date(time_now_ms() + 7LL * 86400 * 1000, &y, &m, &d);
	if (slots_day(SLOT_CLASS_STANDARD, y, m, d, slot, SLOTS_MAX_PER_DAY, &de) != 12)
		return -1;
	/* No client may cross a fork: the children open their own. */
	runtime_shutdown();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	open_db();
	itu_drop();
	return 0;
}

/* Child exit codes: 0 claimed, 1 full, 2 not available, 3 db error, 4 claimed and released
 * the old seat (reschedule), 5 reschedule lost (old seat kept). */
struct racer {
	bson_oid_t rid;
	const struct slot_info *target;
	const struct slot_info *old;
	int code;
};

/* One racer (in its own process, connected, after the starting gun: itu_race). */
static int child_claim(int i, void *ctx)
{
	const struct racer *me = &((const struct racer *)ctx)[i];
	const bson_oid_t *rid = &me->rid;
	const struct slot_info *s = me->target, *old = me->old;
	bson_error_t err;
	enum slot_claim_result r =
	    slots_claim(rid, "organic", s->start_ms, s->end_ms, true, 1, &err);
	int code = r == SLOT_CLAIMED ? 0 : r == SLOT_FULL ? 1 : r == SLOT_NOT_AVAILABLE ? 2 : 3;
	if (r == SLOT_DB_ERROR)
		fprintf(stderr, "child: %s\n", err.message);
	if (old) {
		if (r == SLOT_CLAIMED)
			code = slots_release(rid, old->start_ms, 1, &err) ? 4 : 3;
		else if (r == SLOT_FULL)
			code = 5;
	}
	return code;
}

/* Races r[0..n-1] (each its own process and client); leaves this process's runtime open. */
static void race(struct racer *r, int n)
{
	int codes[RACERS];
	assert_true(n <= RACERS);
	itu_race(PROG, n, child_claim, r, codes);
	for (int i = 0; i < n; i++)
		r[i].code = codes[i];
}

static long count(const struct slot_info *s)
{
	bson_error_t err;
	long n = slots_booked(SLOT_CLASS_STANDARD, s->start_ms, &err);
	assert_true(n >= 0);
	return n;
}

static void fifty_racers_five_seats(void **state)
{
	(void)state;
	static struct racer r[RACERS];
	for (int i = 0; i < RACERS; i++) {
		bson_oid_init(&r[i].rid, NULL);
		r[i].target = &slot[2];
		r[i].old = NULL;
	}
	race(r, RACERS);
	int won = 0, full = 0;
	for (int i = 0; i < RACERS; i++) {
		if (r[i].code == 0)
			won++;
		else if (r[i].code == 1)
			full++;
		else
			fail_msg("racer %d exited %d", i, r[i].code);
	}
	assert_int_equal(won, 5);
	assert_int_equal(full, RACERS - 5);
	assert_int_equal(count(&slot[2]), 5);
	/* and exactly seats 0..4, one per winner */
	for (int i = 0; i < RACERS; i++)
		assert_int_equal(
		    itu_count("slot_claims", BCON_NEW("request_id", BCON_OID(&r[i].rid))),
		    r[i].code == 0 ? 1 : 0);
	itu_assert_seats(false); /* no request documents here: capacity only */
	runtime_shutdown();
}

static void reschedule_storm(void **state)
{
	(void)state;
	/* slot A = slot[6] with 5 holders; slot B = slot[8] with 2 seats taken */
	open_db();
	struct racer r[15];
	bson_error_t err;
	for (int i = 0; i < 5; i++) {
		bson_oid_init(&r[i].rid, NULL);
		assert_int_equal(slots_claim(&r[i].rid, "organic", slot[6].start_ms, slot[6].end_ms,
					     true, 1, &err),
				 SLOT_CLAIMED);
		r[i].target = &slot[8];
		r[i].old = &slot[6];
	}
	for (int i = 0; i < 2; i++) {
		bson_oid_t x;
		bson_oid_init(&x, NULL);
		assert_int_equal(
		    slots_claim(&x, "organic", slot[8].start_ms, slot[8].end_ms, true, 1, &err),
		    SLOT_CLAIMED);
	}
	for (int i = 5; i < 15; i++) {
		bson_oid_init(&r[i].rid, NULL);
		r[i].target = &slot[8];
		r[i].old = NULL;
	}
	race(r, 15);
	int moved = 0, stayed = 0, newcomers = 0;
	for (int i = 0; i < 15; i++) {
		if (i < 5 && r[i].code == 4)
			moved++;
		else if (i < 5 && r[i].code == 5)
			stayed++;
		else if (i >= 5 && r[i].code == 0)
			newcomers++;
		else if (!(i >= 5 && r[i].code == 1))
			fail_msg("racer %d exited %d", i, r[i].code);
	}
	assert_int_equal(moved + newcomers, 3);
	assert_int_equal(moved + stayed, 5);
	assert_int_equal(count(&slot[8]), 5);
	assert_int_equal(count(&slot[6]), stayed);
	itu_assert_seats(false); /* no request documents here: capacity only */
	runtime_shutdown();
}

static void lowered_capacity_race(void **state)
{
	struct derr de;
	(void)state;
	/* slot[10]: 5 holders, the holders of seats 0 and 1 cancel, then the capacity drops
	 * to 4: seats 2, 3, 4 are kept, one seat is left and seat numbers 0..3 look free. */
	open_db();
	/* The override below lowers the whole day: the bookings earlier tests left in other
	 * slots of it would be kept above the new capacity, which itu_assert_seats reports. */
	itu_clear("slot_claims");
	bson_error_t err;
	bson_oid_t h[5];
	for (int i = 0; i < 5; i++) {
		bson_oid_init(&h[i], NULL);
		assert_int_equal(slots_claim(&h[i], "organic", slot[10].start_ms, slot[10].end_ms,
					     true, 1, &err),
				 SLOT_CLAIMED);
	}
	assert_true(slots_release(&h[0], slot[10].start_ms, 1, &err));
	assert_true(slots_release(&h[1], slot[10].start_ms, 1, &err));
	int y, m, d;
	slots_local_date(slot[10].start_ms, &y, &m, &d);
	struct slot_override o = {.cls = SLOT_CLASS_STANDARD, .capacity = 4};
	o.from_day = o.to_day = time_days_from_civil(y, m, d);
	assert_true(slots_override_create(&o, &de));
	static struct racer r[30];
	for (int i = 0; i < 30; i++) {
		bson_oid_init(&r[i].rid, NULL);
		r[i].target = &slot[10];
		r[i].old = NULL;
	}
	race(r, 30);
	int won = 0;
	for (int i = 0; i < 30; i++) {
		if (r[i].code == 0)
			won++;
		else if (r[i].code != 1)
			fail_msg("racer %d exited %d", i, r[i].code);
	}
	assert_true(won <= 1);
	assert_int_equal(count(&slot[10]), 3 + won);
	/* with the slot at capacity nothing more gets in */
	bson_oid_t late;
	bson_oid_init(&late, NULL);
	if (won == 1)
		assert_int_equal(slots_claim(&late, "organic", slot[10].start_ms, slot[10].end_ms,
					     true, 1, &err),
				 SLOT_FULL);
	itu_assert_seats(false); /* no request documents here: capacity only */
	runtime_shutdown();
}

int main(void)
{
	if (!itu_have_mongo())
		return 1;
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(fifty_racers_five_seats),
	    cmocka_unit_test(reschedule_storm),
	    cmocka_unit_test(lowered_capacity_race),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
