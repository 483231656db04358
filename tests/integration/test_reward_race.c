/* The reward credit under a race: 20 processes complete the same request at the same
 * moment (each its own client, released together by closing a pipe). Exactly one of them
 * claims the next version of the request (requests.h, "Concurrency"), and the points are
 * credited exactly once: one rewards document, reward_points 5, one "completed"
 * notification and one completed event, summary total 5. */
#include "testutil.h"

#include <sys/wait.h>
#include <unistd.h>

#include "domain/requests.h"
#include "domain/rewards.h"
#include "infra/config.h"
#include "infra/db.h"
#include "infra/runtime.h"
#include "infra/timeutil.h"

#define RACERS 20

static char dbname[64];

static int start(void)
{
	char err[256];
	if (config_load("", err, sizeof(err)) < 0 ||
	    runtime_init("test_reward_race", err, sizeof(err)) < 0) {
		fprintf(stderr, "runtime: %s\n", err);
		return -1;
	}
	return 0;
}

static int setup(void **state)
{
	(void)state;
	setenv("MONGO_URI", getenv("SWMRA_TEST_MONGO_URI"), 1);
	snprintf(dbname, sizeof(dbname), "swmra_it_race_%ld", (long)getpid());
	setenv("MONGO_DB", dbname, 1);
	setenv("LOG_LEVEL", "warn", 1);
	if (start() < 0)
		return -1;
	bson_error_t err;
	return db_ensure_indexes(&err) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	bson_error_t err;
	mongoc_database_drop(db_database(), &err);
	runtime_shutdown();
	return 0;
}

static int64_t count(const char *coll, bson_t *q)
{
	bson_error_t err;
	int64_t n = mongoc_collection_count_documents(db_coll(coll), q, NULL, NULL, NULL, &err);
	bson_destroy(q);
	return n;
}

static void twenty_completions_credit_once(void **state)
{
	(void)state;
	bson_oid_t owner, id;
	bson_oid_init(&owner, NULL);
	struct req_fields f = {
	    .category = "recyclable",
	    .description = "Cardboard boxes",
	    .quantity = 4,
	    .address = {.line1 = "1 Race Street", .city = "Pune", .pincode = "411001"}};
	bson_error_t err;
	assert_true(requests_create(&owner, "citizen", &f, false, &id, &err));
	/* Straight to the last stage before completion: the race is about the last step. */
	bson_t *sel = BCON_NEW("_id", BCON_OID(&id));
	bson_t *upd = BCON_NEW("$set", "{", "status", BCON_UTF8("verification"), "}");
	/* (by hand, outside the change log: the document is at version 1 and the log agrees
	 * that nothing came after it, so the status set here stands) */
	assert_true(
	    mongoc_collection_update_one(db_coll("pickup_requests"), sel, upd, NULL, NULL, &err));
	bson_destroy(sel);
	bson_destroy(upd);

	/* Children must not inherit a client: close ours, each child opens its own. */
	runtime_shutdown();
	int gate[2], results[2];
	assert_int_equal(pipe(gate), 0);
	assert_int_equal(pipe(results), 0);
	pid_t kids[RACERS];
	for (int i = 0; i < RACERS; i++) {
		kids[i] = fork();
		assert_true(kids[i] >= 0);
		if (kids[i] == 0) {
			close(gate[1]);
			close(results[0]);
			if (start() < 0)
				_exit(90);
			db_ping(NULL, &err); /* connected before the gate opens */
			char c;
			if (read(gate[0], &c, 1) < 0)
				_exit(91);
			char actor[25];
			bson_oid_t staff;
			bson_oid_init(&staff, NULL);
			bson_oid_to_string(&staff, actor);
			struct req_transition t = {
			    .to = RS_COMPLETED, .actor = REQ_ACTOR_STAFF, .actor_id = actor};
			enum req_result r = requests_transition(&id, &t, NULL, NULL, &err);
			char code = (char)('0' + (int)r);
			if (write(results[1], &code, 1) != 1)
				_exit(92);
			runtime_shutdown();
			_exit(0);
		}
	}
	close(gate[0]);
	close(results[1]);
	usleep(300 * 1000);
	close(gate[1]); /* all go */
	int ok = 0, invalid = 0, conflict = 0, other = 0;
	char code;
	while (read(results[0], &code, 1) == 1) {
		int r = code - '0';
		if (r == REQ_OK)
			ok++;
		else if (r == REQ_INVALID)
			invalid++;
		else if (r == REQ_CONFLICT)
			conflict++;
		else
			other++;
	}
	close(results[0]);
	for (int i = 0; i < RACERS; i++) {
		int st;
		waitpid(kids[i], &st, 0);
		assert_true(WIFEXITED(st));
		assert_int_equal(WEXITSTATUS(st), 0);
	}
	fprintf(stderr,
		"# racers: %d completed, %d refused (already completed), %d conflict, %d other\n",
		ok, invalid, conflict, other);
	assert_int_equal(ok + invalid + conflict + other, RACERS);
	assert_int_equal(other, 0);
	assert_true(ok >= 1);

	assert_int_equal(start(), 0);
	assert_int_equal(count("rewards", BCON_NEW("request_id", BCON_OID(&id))), 1);
	assert_int_equal(
	    count("notifications", BCON_NEW("user_id", BCON_OID(&owner), "channel",
					    BCON_UTF8("inapp"), "event", BCON_UTF8("completed"))),
	    1);
	bson_t *doc = requests_load(&id, NULL, &err);
	assert_non_null(doc);
	json_object *j = requests_to_json(doc);
	bson_destroy(doc);
	assert_string_equal(jsonx_str(j, "status"), "completed");
	assert_int_equal(json_object_get_int(json_object_object_get(j, "reward_points")), 5);
	json_object *evs = json_object_object_get(j, "events");
	int completed_events = 0;
	for (size_t i = 0; i < json_object_array_length(evs); i++) {
		const char *to = jsonx_str(
		    json_object_object_get(json_object_array_get_idx(evs, i), "data"), "to");
		completed_events += to && strcmp(to, "completed") == 0;
	}
	/* One: the event log takes one change per version, on FerretDB as on MongoDB. */
	fprintf(stderr, "# completed events on the timeline: %d\n", completed_events);
	assert_int_equal(completed_events, 1);
	assert_int_equal(ok, 1);
	json_object_put(j);
	j = rewards_summary(&owner, &err);
	assert_non_null(j);
	assert_int_equal(json_object_get_int(json_object_object_get(j, "total_points")), 5);
	assert_int_equal(json_object_array_length(json_object_object_get(j, "recent")), 1);
	json_object_put(j);

	/* and the credit itself, raced directly: still one */
	assert_int_equal(rewards_credit(&id, &owner, "recyclable", NULL, &err), REWARD_ALREADY);
	assert_int_equal(count("rewards", BCON_NEW("user_id", BCON_OID(&owner))), 1);
}

int main(void)
{
	if (!getenv("SWMRA_TEST_MONGO_URI")) {
		fprintf(stderr, "SWMRA_TEST_MONGO_URI is not set: skipping\n");
		printf("Bail out! SWMRA_TEST_MONGO_URI is not set (tests/run-check.sh provides it)\n");
		return 1;
	}
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(twenty_completions_credit_once),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
