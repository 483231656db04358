/* The reward credit under a race: 20 processes complete the same request at the same
 * moment (each its own client, released together by closing a pipe). Exactly one of them
 * claims the next version of the request (requests.h, "Concurrency"), and the points are
 * credited exactly once: one rewards document, reward_points 5, one "completed"
 * notification and one completed event, summary total 5. */
#include "itutil.h"

#include "domain/requests.h"
#include "domain/internal/rewards_store.h"
#include "infra/config.h"
#include "infra/db.h"
#include "infra/runtime.h"
#include "infra/timeutil.h"

#define RACERS 20

#define PROG "test_reward_race"

static int setup(void **state)
{
	(void)state;
	itu_db_env("race");
	setenv("LOG_LEVEL", "warn", 1);
	if (itu_start(PROG) < 0)
		return -1;
	return itu_ensure_indexes();
}

static int teardown(void **state)
{
	(void)state;
	itu_drop();
	return 0;
}

/* A racer: staff completes the request. */
static int complete_it(int i, void *ctx)
{
	(void)i;
	const bson_oid_t *id = ctx;
	char actor[25];
	itu_new_id(actor);
	struct req_transition t = {.to = RS_COMPLETED, .actor = REQ_ACTOR_STAFF, .actor_id = actor};
	bson_error_t err;
	return (int)requests_transition(id, &t, NULL, NULL, &err);
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
	assert_int_equal(itu_request_create(&owner, &f, false, &id), REQ_OK);
	/* Straight to the last stage before completion: the race is about the last step. */
	bson_t *sel = BCON_NEW("_id", BCON_OID(&id));
	bson_t *upd = BCON_NEW("$set", "{", "status", BCON_UTF8("verification"), "}");
	/* (by hand, outside the change log: the document is at version 1 and the log agrees
	 * that nothing came after it, so the status set here stands) */
	assert_true(
	    mongoc_collection_update_one(db_coll("pickup_requests"), sel, upd, NULL, NULL, &err));
	bson_destroy(sel);
	bson_destroy(upd);

	int codes[RACERS];
	itu_race(PROG, RACERS, complete_it, &id, codes);
	int ok = 0, invalid = 0, conflict = 0, other = 0;
	for (int i = 0; i < RACERS; i++) {
		int r = codes[i];
		if (r == REQ_OK)
			ok++;
		else if (r == REQ_INVALID)
			invalid++;
		else if (r == REQ_CONFLICT)
			conflict++;
		else
			other++;
	}
	fprintf(stderr,
		"# racers: %d completed, %d refused (already completed), %d conflict, %d other\n",
		ok, invalid, conflict, other);
	assert_int_equal(ok + invalid + conflict + other, RACERS);
	assert_int_equal(other, 0);
	assert_true(ok >= 1);

	assert_int_equal(itu_count("rewards", BCON_NEW("request_id", BCON_OID(&id))), 1);
	assert_int_equal(itu_count("notifications",
				   BCON_NEW("user_id", BCON_OID(&owner), "channel",
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
	struct reward_summary sum;
	struct derr de;
	struct oid oid = itu_oid(&owner);
	assert_true(rewards_summary(&oid, &sum, &de));
	assert_int_equal(sum.total_points, 5);
	assert_int_equal(sum.n, 1);

	/* and the credit itself, raced directly: still one */
	assert_int_equal(rewards_credit(&id, &owner, "recyclable", NULL, &err), REWARD_ALREADY);
	assert_int_equal(itu_count("rewards", BCON_NEW("user_id", BCON_OID(&owner))), 1);
}

int main(void)
{
	if (!itu_have_mongo())
		return 1;
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(twenty_completions_credit_once),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
