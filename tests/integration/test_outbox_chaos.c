/* Chaos (issue 14.3): WORKERS processes make random changes to a shared set of requests
 * through the real route table (residents' confirm-slot, reschedule and cancel; staff
 * moving requests along the lifecycle, failing, rescheduling and cancelling them; new
 * requests) for CHAOS_SECONDS, in few small slots so that bookings collide, while the
 * parent SIGKILLs a random worker every 50..300 ms and starts a fresh one in its place.
 * Then the workers are all killed, the sweep runs, and the invariants of the outbox hold
 * (outbox_util.h: seats == requests in each slot, one in-app notification and one mail
 * per status change, one reward per completion, nothing pending). */
#include "outbox_util.h"

#include <signal.h>
#include <stdlib.h>

#include "infra/runtime.h"

#define PROG	      "test_outbox_chaos"
#define WORKERS	      5
#define SHARED	      10
#define NSLOTS	      6
#define CHAOS_SECONDS 12

static char resident[25], staff[25];
static char shared[SHARED][25];
static int64_t slots[NSLOTS];

static int setup(void **state)
{
	struct derr de;
	(void)state;
	setenv("LOG_LEVEL", "error", 1);
	setenv("APP_ENV", "test", 1);
	unsetenv("SWMRA_FAULT");
	if (itu_open("obxchaos", PROG) < 0)
		return -1;
	bson_error_t err;
	/* capacity 2: with 10 requests over 6 slots, bookings collide and slots fill up */
	if (!itu_everyday_template(0, 1440, 60, 2, 2, &err))
		return -1;
	itu_make_user("Chaos Resident", "chaos@example.org", "+911234567", "x", "citizen", NULL,
		      resident);
	itu_make_user("Chaos Staff", "chaos-staff@example.org", "+911234568", "x", "staff", NULL,
		      staff);
	int y, m, d;
	slots_local_date(time_now_ms() + 3 * 86400 * 1000LL, &y, &m, &d);
	struct slot_info grid[SLOTS_MAX_PER_DAY];
	int n = slots_day(SLOT_CLASS_STANDARD, y, m, d, grid, SLOTS_MAX_PER_DAY, &de);
	if (n < 10 + NSLOTS)
		return -1;
	for (int i = 0; i < NSLOTS; i++)
		slots[i] = grid[10 + i].start_ms;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	itu_drop();
	return 0;
}

/* Staff targets, drawn at random: most are refused from most states (400/409). */
static const char *const staff_targets[] = {
    "pending_review", "enroute",   "onsite", "collecting", "collected", "handover",
    "verification",   "completed", "failed", "cancelled",  "scheduled"};

/* One random change of request `id`; the status it got. */
static int random_change(const char *id)
{
	char body[200];
	int64_t slot = slots[rand() % NSLOTS];
	switch (rand() % 4) {
	case 0:
		return obx_resident(resident, id, "confirm-slot",
				    obx_slot_body(body, sizeof(body), NULL, slot));
	case 1:
		if (rand() % 4 == 0)
			return obx_resident(resident, id, "cancel", "{}");
		return obx_resident(resident, id, "confirm-slot",
				    obx_slot_body(body, sizeof(body), NULL, slot));
	default: {
		const char *to =
		    staff_targets[rand() % (sizeof(staff_targets) / sizeof(staff_targets[0]))];
		if (strcmp(to, "scheduled") == 0)
			return obx_staff(staff, id, obx_slot_body(body, sizeof(body), to, slot));
		/* forward steps more often than cancelling, so requests reach completed */
		if (strcmp(to, "cancelled") == 0 && rand() % 3)
			to = "enroute";
		return obx_staff_to(staff, id, to);
	}
	}
}

/* A worker: random changes until killed; now and then a new request of its own. */
static void worker(unsigned seed)
{
	srand(seed);
	if (itu_start(PROG) < 0)
		_exit(ITU_RACER_START_FAILED);
	char own[25] = "";
	for (;;) {
		if (rand() % 20 == 0) {
			if (obx_create(resident, rand() % 2 ? "recyclable" : "organic", own) != 201)
				own[0] = 0;
		}
		const char *id = own[0] && rand() % 3 == 0 ? own : shared[rand() % SHARED];
		int st = random_change(id);
		if (st != 200 && st != 400 && st != 409)
			fprintf(stderr, "chaos worker: %d\n", st);
	}
}

static pid_t spawn(unsigned seed)
{
	fflush(NULL);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		worker(seed);
	return pid;
}

static void random_changes_while_killing(void **state)
{
	(void)state;
	for (int i = 0; i < SHARED; i++)
		assert_int_equal(obx_create(resident, i % 2 ? "recyclable" : "organic", shared[i]),
				 201);
	runtime_shutdown(); /* no client may cross a fork */
	unsigned seed = (unsigned)time(NULL) ^ (unsigned)getpid();
	fprintf(stderr, "# chaos seed %u\n", seed);
	srand(seed);
	pid_t kids[WORKERS];
	for (int i = 0; i < WORKERS; i++)
		kids[i] = spawn(seed + 1 + (unsigned)i);
	int64_t end = time_now_ms() + CHAOS_SECONDS * 1000LL;
	int kills = 0;
	while (time_now_ms() < end) {
		usleep((useconds_t)(50 + rand() % 250) * 1000);
		int k = rand() % WORKERS;
		kill(kids[k], SIGKILL);
		assert_int_equal(waitpid(kids[k], NULL, 0), kids[k]);
		kills++;
		kids[k] = spawn(seed + 100 + (unsigned)kills);
	}
	for (int i = 0; i < WORKERS; i++) {
		kill(kids[i], SIGKILL);
		assert_int_equal(waitpid(kids[i], NULL, 0), kids[i]);
	}
	fprintf(stderr, "# chaos: %d workers killed\n", kills + WORKERS);
	assert_int_equal(itu_start(PROG), 0);
	int64_t changes = itu_count_json("request_events", "{\"type\": \"STATUS_CHANGE\"}");
	int64_t pending = itu_count_json("request_events", "{\"effects_pending\": true}");
	struct req_sweep rep;
	struct derr err;
	assert_true(requests_sweep(time_now_ms() + 1000, 0, &rep, &err));
	assert_int_equal(rep.failures, 0);
	fprintf(stderr,
		"# chaos: %lld status changes, %lld with effects pending at the end; the sweep "
		"settled %ld and freed %ld orphan seat(s)\n",
		(long long)changes, (long long)pending, rep.events, rep.orphan_seats);
	obx_assert_invariants();
}

int main(void)
{
	if (!itu_have_mongo())
		return 0;
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(random_changes_while_killing),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
