/* Disputes under races (issue 17): 16 processes say "not collected" for the same completed
 * request at the same moment (each its own client, released together). Exactly one wins
 * its version; the points credited at completion are reversed by exactly one negative
 * ledger entry (the credit itself is never edited); staff hear of it once; the summary's
 * total is the ledger's sum. Also: the 48 h window after collected, the reversal raced
 * directly, and completions and disputes of several requests racing while the ledger and
 * the summary stay equal. */
#include "itutil.h"

#include "domain/requests.h"
#include "domain/internal/rewards_store.h"
#include "domain/internal/users_store.h"
#include "infra/db.h"
#include "infra/timeutil.h"

#define RACERS 16
#define PROG   "test_dispute_race"

static bson_oid_t staff_id;

static int setup(void **state)
{
	(void)state;
	itu_db_env("dispute");
	setenv("LOG_LEVEL", "error", 1); /* no live publisher here */
	if (itu_start(PROG) < 0)
		return -1;
	if (itu_ensure_indexes() != 0)
		return -1;
	struct user u;
	bson_error_t err;
	if (users_create("Crew Lead", "crew.lead@example.com", "+91 98765 43210", "x", "staff", &u,
			 &err) != USERS_OK)
		return -1;
	db_parse_oid(u.id, &staff_id);
	users_clear(&u);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	itu_drop();
	return 0;
}

static enum req_result staff_move(const bson_oid_t *id, enum req_status to)
{
	char actor[25];
	bson_oid_to_string(&staff_id, actor);
	struct req_transition t = {.to = to,
				   .actor = REQ_ACTOR_STAFF,
				   .actor_id = actor,
				   .has_weight = to == RS_COLLECTED,
				   .weight_kg = 7.5};
	bson_error_t err;
	return requests_transition(id, &t, NULL, NULL, &err);
}

/* A new request of `owner` taken through the change log from collecting to `upto`. */
static void made(const bson_oid_t *owner, enum req_status upto, bson_oid_t *id)
{
	struct req_fields f = {
	    .category = "recyclable",
	    .description = "Cardboard boxes",
	    .quantity = 4,
	    .address = {.line1 = "1 Race Street", .city = "Pune", .pincode = "411001"}};
	bson_error_t err;
	assert_int_equal(itu_request_create(owner, &f, false, id), REQ_OK);
	/* by hand to collecting (version 1 stands: nothing came after it in the log) */
	bson_t *sel = BCON_NEW("_id", BCON_OID(id));
	bson_t *upd = BCON_NEW("$set", "{", "status", BCON_UTF8("collecting"), "}");
	assert_true(
	    mongoc_collection_update_one(db_coll("pickup_requests"), sel, upd, NULL, NULL, &err));
	bson_destroy(sel);
	bson_destroy(upd);
	for (int s = RS_COLLECTED; s <= (int)upto; s++)
		assert_int_equal(staff_move(id, (enum req_status)s), REQ_OK);
}

struct dispute_ctx {
	const bson_oid_t *owner;
	const bson_oid_t *ids; /* one per racer, or the same */
	bool same;
};

static int dispute_it(int i, void *ctx)
{
	struct dispute_ctx *c = ctx;
	char actor[25];
	bson_oid_to_string(c->owner, actor);
	struct oid owner = itu_oid(c->owner);
	struct req_transition t = {.to = RS_FAILED,
				   .actor = REQ_ACTOR_RESIDENT,
				   .actor_id = actor,
				   .owner = &owner,
				   .reason = "Bins still full"};
	bson_error_t err;
	return (int)requests_transition(&c->ids[c->same ? 0 : i], &t, NULL, NULL, &err);
}

static int64_t total_of(const bson_oid_t *owner)
{
	struct derr err;
	struct reward_summary s;
	struct oid id = itu_oid(owner);
	assert_true(rewards_summary(&id, &s, &err));
	return s.total_points;
}

/* The ledger's sum, and its newest balance_after, equal the summary's total. */
static int64_t ledger_sum(const bson_oid_t *owner, int64_t *entries)
{
	struct derr err;
	int64_t total = 0, sum = 0;
	struct reward_entry *page;
	size_t n;
	struct oid id = itu_oid(owner);
	assert_true(rewards_ledger(&id, 0, 1000, &page, &n, &total, &err));
	for (size_t i = 0; i < n; i++)
		sum += page[i].points;
	if (total > 0)
		assert_int_equal(page[0].balance_after, sum);
	free(page);
	*entries = total;
	return sum;
}

static void sixteen_disputes_reverse_once(void **state)
{
	(void)state;
	bson_oid_t owner, id;
	bson_oid_init(&owner, NULL);
	made(&owner, RS_COMPLETED, &id);
	assert_int_equal(total_of(&owner), 5);

	struct dispute_ctx c = {.owner = &owner, .ids = &id, .same = true};
	int codes[RACERS], ok = 0, refused = 0;
	itu_race(PROG, RACERS, dispute_it, &c, codes);
	for (int i = 0; i < RACERS; i++) {
		ok += codes[i] == REQ_OK;
		refused += codes[i] == REQ_CONFLICT || codes[i] == REQ_INVALID;
	}
	fprintf(stderr, "# disputes: %d won, %d refused\n", ok, refused);
	assert_int_equal(ok, 1);
	assert_int_equal(refused, RACERS - 1);

	/* the credit stands untouched, one reversal beside it */
	assert_int_equal(
	    itu_count("rewards", BCON_NEW("request_id", BCON_OID(&id), "points", BCON_INT32(5))),
	    1);
	assert_int_equal(itu_count("rewards", BCON_NEW("reversal_of", BCON_OID(&id))), 1);
	assert_int_equal(itu_count("rewards", BCON_NEW("user_id", BCON_OID(&owner))), 2);
	assert_int_equal(total_of(&owner), 0);
	int64_t entries;
	assert_int_equal(ledger_sum(&owner, &entries), 0);
	assert_int_equal(entries, 2);
	assert_int_equal(itu_count("notifications",
				   BCON_NEW("user_id", BCON_OID(&staff_id), "channel",
					    BCON_UTF8("inapp"), "event", BCON_UTF8("disputed"))),
			 1);
	bson_error_t err;
	bson_t *doc = requests_load(&id, NULL, &err);
	assert_non_null(doc);
	json_object *j = requests_to_json(doc);
	bson_destroy(doc);
	assert_string_equal(jsonx_str(j, "status"), "failed");
	assert_int_equal(json_object_get_int(json_object_object_get(j, "reward_points")), 0);
	json_object_put(j);
	/* the reversal raced again directly: nothing more */
	assert_int_equal(rewards_reverse(&id, &owner, "again", NULL, &err), REWARD_ALREADY);
	assert_int_equal(total_of(&owner), 0);
	/* completed again later: credited before, reversed: nothing more, nothing shown */
	int pts = -1;
	assert_int_equal(rewards_credit(&id, &owner, "recyclable", &pts, &err), REWARD_ALREADY);
	assert_int_equal(pts, 0);
	assert_int_equal(total_of(&owner), 0);
}

/* Completions and disputes of different requests of one resident race; afterwards the
 * ledger's sum is the summary's total and each request is credited and reversed once. */
static void racing_requests_keep_ledger_and_total_equal(void **state)
{
	(void)state;
	bson_oid_t owner, ids[RACERS];
	bson_oid_init(&owner, NULL);
	for (int i = 0; i < RACERS; i++)
		made(&owner, i % 2 ? RS_COMPLETED : RS_COLLECTED, &ids[i]);
	struct dispute_ctx c = {.owner = &owner, .ids = ids, .same = false};
	int codes[RACERS];
	itu_race(PROG, RACERS, dispute_it, &c, codes);
	for (int i = 0; i < RACERS; i++)
		assert_int_equal(codes[i], REQ_OK);
	int64_t entries;
	int64_t sum = ledger_sum(&owner, &entries);
	assert_int_equal(sum, total_of(&owner));
	assert_int_equal(sum, 0);
	assert_int_equal(entries, RACERS); /* 8 credits, 8 reversals */
}

static void the_window_closes_48h_after_collected(void **state)
{
	(void)state;
	bson_oid_t owner, id;
	bson_oid_init(&owner, NULL);
	made(&owner, RS_HANDOVER, &id);
	struct dispute_ctx c = {.owner = &owner, .ids = &id, .same = true};
	time_set_offset_ms(REQ_DISPUTE_WINDOW_MS + 60 * 1000);
	assert_int_equal(dispute_it(0, &c), REQ_TOO_LATE);
	time_set_offset_ms(REQ_DISPUTE_WINDOW_MS - 60 * 1000);
	assert_int_equal(dispute_it(0, &c), REQ_OK);
	time_set_offset_ms(0);
	/* nothing was credited (not completed): nothing to reverse */
	assert_int_equal(itu_count("rewards", BCON_NEW("user_id", BCON_OID(&owner))), 0);
	/* before collected there is no dispute */
	bson_oid_t early;
	made(&owner, RS_COLLECTING, &early);
	c.ids = &early;
	assert_int_equal(dispute_it(0, &c), REQ_INVALID);
}

int main(void)
{
	if (!itu_have_mongo())
		return 1;
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(sixteen_disputes_reverse_once),
	    cmocka_unit_test(racing_requests_keep_ledger_and_total_equal),
	    cmocka_unit_test(the_window_closes_48h_after_collected),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
