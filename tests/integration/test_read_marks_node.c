/* The node's table of read marks (src/domain/read_marks.h, "On this node") against
 * FerretDB/MongoDB (SWMRA_TEST_MONGO_URI): a bump made on this node moves the mark's
 * counter at once; a bump written by another node (the store's mark changed, this table
 * untouched) moves it at the next poll, within a second, and only once; a process that
 * did not make the table (a cron job) maps it at its first bump and its bumps count; the
 * poll's command is upkeep, not a reader's own command. */
#include "itutil.h"

#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "domain/read_marks.h"
#include "infra/db.h"
#include "infra/runtime.h"
#include "infra/timeutil.h"

static char sock[64];

/* The counter of `id`, which must be served FRESH (polling if due). */
static uint64_t counter_of(const struct oid *id)
{
	uint64_t c = 0;
	assert_int_equal(read_mark_local(id, &c), READ_MARK_LOCAL_FRESH);
	return c;
}

static void new_id(struct oid *out)
{
	bson_oid_t b;
	bson_oid_init(&b, NULL);
	*out = itu_oid(&b);
}

/* What another node does: a new mark value in the store, this node's table untouched. */
static void bump_elsewhere(const struct oid *id)
{
	bson_oid_t b, v;
	itu_store_oid(id, &b);
	bson_oid_init(&v, NULL);
	char hex[25];
	bson_oid_to_string(&v, hex);
	bson_t *q = BCON_NEW("_id", BCON_OID(&b));
	bson_t *u =
	    BCON_NEW("$set", "{", "mark", BCON_UTF8(hex), "at", BCON_DATE_TIME(time_now_ms()), "}");
	bson_error_t err;
	assert_true(db_upsert(READ_MARKS_COLL, q, u, &err));
	bson_destroy(q);
	bson_destroy(u);
}

/* Right after a poll: the next READ_MARKS_POLL_MS have none, so what moves a counter in
 * them is a bump on this node. (Each counter here is moved only by this test's own marks:
 * fresh ids, three of them among 16,384 counters.) */
static void just_polled(void)
{
	usleep((READ_MARKS_POLL_MS + 150) * 1000);
	struct oid any;
	new_id(&any);
	(void)counter_of(&any);
}

static void settle(void)
{
	usleep((READ_MARKS_POLL_MS + 250) * 1000);
}

static void local_bump_moves_at_once(void **state)
{
	(void)state;
	struct oid user;
	new_id(&user);
	just_polled();
	uint64_t c0 = counter_of(&user);
	assert_true(read_mark_bump(&user, itu_derr()));
	assert_int_equal(counter_of(&user), c0 + 1); /* at once, before any poll */
	/* the next poll finds a mark value it has not seen yet: once more, then never again */
	settle();
	assert_int_equal(counter_of(&user), c0 + 2);
	settle();
	assert_int_equal(counter_of(&user), c0 + 2);
}

static void another_nodes_bump_arrives_with_the_poll_once(void **state)
{
	(void)state;
	struct oid user;
	new_id(&user);
	just_polled();
	uint64_t c0 = counter_of(&user);
	bump_elsewhere(&user);
	assert_int_equal(counter_of(&user), c0); /* not before this node's next poll */
	settle();
	db_trace_reset();
	assert_int_equal(counter_of(&user), c0 + 1);
	assert_true(db_trace_count() >= 1); /* this read polled: one command, counted as upkeep */
	assert_int_equal(db_trace_count(), db_trace_upkeep_count());
	/* later polls still read it (the overlap window) and leave the counter alone */
	settle();
	assert_int_equal(counter_of(&user), c0 + 1);
}

static void a_job_maps_the_table_at_its_first_bump(void **state)
{
	(void)state;
	struct oid user;
	new_id(&user);
	char hex[OID_HEX_LEN];
	oid_to_hex(&user, hex);
	setenv("SWMRA_TEST_MARK_ID", hex, 1);
	uint64_t c0 = counter_of(&user);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) { /* a cron job: a fresh process image that finds the table by FCGI_SOCKET */
		execl("/proc/self/exe", "test_read_marks_node", "--bump", (char *)NULL);
		_exit(3);
	}
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	/* the job's own move and the poll's (a value this node's poller had not seen): 2; a job
	 * that left the table alone would leave the poll's alone: 1 */
	settle();
	assert_int_equal(counter_of(&user), c0 + 2);
}

/* The job of the test above, in a fresh process image: bumps a known id. */
static int job_bump(void)
{
	if (itu_start("test_read_marks_node") < 0)
		return 2;
	const char *hex = getenv("SWMRA_TEST_MARK_ID");
	struct oid id;
	if (!hex || !oid_parse(hex, &id))
		return 2;
	struct derr err;
	int rc = read_mark_bump(&id, &err) ? 0 : 1;
	runtime_shutdown();
	return rc;
}

static int setup(void **state)
{
	(void)state;
	snprintf(sock, sizeof(sock), "/tmp/swmra-it-marks-%ld.sock", (long)getpid());
	setenv("FCGI_SOCKET", sock, 1);
	setenv("APP_ENV", "test", 1); /* the command counter (infra/db.h) */
	if (itu_open("read_marks_node", "test_read_marks_node") < 0)
		return -1;
	read_marks_share(); /* as the API's supervisor does */
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	char path[80];
	snprintf(path, sizeof(path), "%s.marks", sock);
	unlink(path);
	itu_drop();
	return 0;
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "--bump") == 0)
		return job_bump();
	if (!itu_have_mongo())
		return 1;
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(local_bump_moves_at_once),
	    cmocka_unit_test(another_nodes_bump_arrives_with_the_poll_once),
	    cmocka_unit_test(a_job_maps_the_table_at_its_first_bump),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
