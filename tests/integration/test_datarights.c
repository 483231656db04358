/* Data rights against a real FerretDB: the export's hourly limit under a race of real
 * processes (exactly EXPORT_PER_HOUR claims win), an erasure that anonymises a request and
 * its change log, frees the email and is refused the second time, and the audit trail's
 * filters and paging. */
#include "itutil.h"

#include "domain/account_erase.h"
#include "domain/account_export.h"
#include "domain/audit.h"
#include "domain/requests.h"
#include "domain/internal/rewards_store.h"
#include "domain/internal/users_store.h"
#include "infra/config.h"
#include "infra/db.h"
#include "infra/runtime.h"
#include "infra/timeutil.h"

#define PROG   "test_datarights"
#define RACERS 12

static int setup(void **state)
{
	(void)state;
	itu_db_env("datarights");
	setenv("LOG_LEVEL", "warn", 1);
	setenv("EXPORT_PER_HOUR", "3", 1);
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

struct take_ctx {
	char user[25];
	int64_t now;
};

static int take_one(int i, void *ctx)
{
	(void)i;
	struct take_ctx *c = ctx;
	int64_t retry = 0;
	struct derr err;
	return (int)account_export_take(c->user, c->now, &retry, &err);
}

static void export_limit_holds_under_a_race(void **state)
{
	(void)state;
	struct take_ctx c;
	itu_new_id(c.user);
	/* the middle of an hour, so every racer counts in the same one */
	c.now = (time_now_ms() / 3600000) * 3600000 + 1800000;
	int codes[RACERS];
	itu_race(PROG, RACERS, take_one, &c, codes);
	int taken = 0, limited = 0;
	for (int i = 0; i < RACERS; i++) {
		taken += codes[i] == EXPORT_TAKEN;
		limited += codes[i] == EXPORT_LIMITED;
	}
	fprintf(stderr, "# %d exports taken, %d limited\n", taken, limited);
	assert_int_equal(taken, 3);
	assert_int_equal(limited, RACERS - 3);
	/* the next hour starts afresh; the purge forgets the past hour's claims */
	int64_t retry = 0;
	struct derr err;
	assert_int_equal(account_export_take(c.user, c.now + 3600000, &retry, &err), EXPORT_TAKEN);
	assert_int_equal(account_export_purge(c.now + 3600000, false, &err), 3);
	assert_int_equal(itu_count("export_claims", BCON_NEW("user_id", BCON_UTF8(c.user))), 1);
}

static void erase_anonymises_and_frees_the_email(void **state)
{
	(void)state;
	bson_oid_t uid, rid;
	char hex[25];
	itu_make_user("Priya Private", "priya.private@example.com", "+91 90000 11111", "x",
		      "citizen", &uid, hex);
	struct req_fields f = {.category = "organic",
			       .description = "behind the blue gate",
			       .quantity = 1,
			       .address = {.line1 = "42 Secret Lane",
					   .line2 = "Flat 9",
					   .city = "Pune",
					   .pincode = "411038",
					   .has_lat = true,
					   .lat = 18.5}};
	bson_error_t err;
	assert_int_equal(itu_request_create(&uid, &f, false, &rid), REQ_OK);
	char staff[25];
	itu_new_id(staff);
	assert_int_equal(itu_request_note(&rid, staff, "staff", "dog bites, ring twice"), REQ_OK);

	/* a reward of hers, credited by hand */
	bson_oid_t rid2;
	f.category = "recyclable";
	assert_int_equal(itu_request_create(&uid, &f, false, &rid2), REQ_OK);
	assert_int_equal(rewards_credit(&rid2, &uid, "recyclable", NULL, &err), REWARD_CREDITED);

	struct erase_report rep;
	struct derr de;
	struct oid id = itu_oid(&uid);
	assert_int_equal(account_erase(&id, hex, &rep, &de), ERASE_OK);
	assert_int_equal(rep.cancelled, 2);
	assert_int_equal(rep.requests, 2);
	/* the ledger keeps the entry (points, request) without the person */
	bson_t *w = itu_find_one("rewards", BCON_NEW("request_id", BCON_OID(&rid2)));
	assert_non_null(w);
	bson_iter_t it;
	assert_true(bson_iter_init_find(&it, w, "user_id") && BSON_ITER_HOLDS_NULL(&it));
	assert_int_equal(itu_int_of(w, "points"), 5);
	bson_destroy(w);
	assert_int_equal(itu_count("rewards", BCON_NEW("user_id", BCON_OID(&uid))), 0);
	assert_int_equal(account_erase(&id, hex, &rep, &de), ERASE_NOT_FOUND);

	/* the email is free, the account a tombstone */
	struct user u = {0};
	assert_int_equal(users_find_by_email("priya.private@example.com", false, &u, &err),
			 USERS_NOT_FOUND);
	assert_int_equal(users_find_by_id(&uid, false, &u, &err), USERS_OK);
	assert_true(u.disabled);
	assert_string_equal(u.name, "");
	users_clear(&u);

	/* the request: cancelled for the erasure, nothing personal in it or in its log */
	bson_t *doc = requests_load(&rid, NULL, &err);
	assert_non_null(doc);
	char *j = bson_as_relaxed_extended_json(doc, NULL);
	assert_non_null(strstr(j, "\"status\" : \"cancelled\""));
	assert_non_null(strstr(j, "\"411038\""));
	assert_non_null(strstr(j, ERASE_REASON));
	static const char *const personal[] = {"Secret Lane", "Flat 9", "blue gate", "dog bites",
					       "Pune"};
	for (size_t i = 0; i < 5; i++)
		assert_null(strstr(j, personal[i]));
	bson_free(j);
	bson_destroy(doc);
	bson_t *q = BCON_NEW("request_id", BCON_OID(&rid));
	mongoc_cursor_t *cur =
	    mongoc_collection_find_with_opts(db_coll("request_events"), q, NULL, NULL);
	const bson_t *ev;
	int events = 0;
	while (mongoc_cursor_next(cur, &ev)) {
		char *ej = bson_as_relaxed_extended_json(ev, NULL);
		for (size_t i = 0; i < 5; i++)
			assert_null(strstr(ej, personal[i]));
		bson_free(ej);
		events++;
	}
	mongoc_cursor_destroy(cur);
	bson_destroy(q);
	assert_int_equal(events, 3); /* created, note, cancelled */
	/* a new account with the same email starts fresh */
	bson_oid_t again;
	char hex2[25];
	itu_make_user("Priya Again", "priya.private@example.com", "+91 90000 11111", "x", "citizen",
		      &again, hex2);
	assert_string_not_equal(hex, hex2);
}

static void audit_filters_and_pages(void **state)
{
	(void)state;
	char a1[25], a2[25], t1[25];
	itu_new_id(a1);
	itu_new_id(a2);
	itu_new_id(t1);
	struct derr err;
	int64_t t0 = time_now_ms();
	for (int i = 0; i < 5; i++) {
		struct audit_entry e = {.actor_id = i < 3 ? a1 : a2,
					.actor_role = "staff",
					.action = AUDIT_REQUEST_TRANSITION,
					.target_type = "request",
					.target_id = i % 2 ? t1 : "other"};
		assert_true(audit_record(&e, &err));
	}
	int64_t total;
	struct audit_item *items;
	size_t n;
	struct audit_query q = {.actor_id = a1, .limit = 100};
	assert_true(audit_list(&q, &items, &n, &total, &err));
	assert_int_equal(total, 3);
	assert_string_equal(items[0].actor_id, a1);
	audit_items_free(items, n);
	q = (struct audit_query){.target_id = t1, .limit = 100};
	assert_true(audit_list(&q, &items, &n, &total, &err));
	assert_int_equal(total, 2);
	audit_items_free(items, n);
	q = (struct audit_query){.actor_id = a2, .target_id = t1, .limit = 100};
	assert_true(audit_list(&q, &items, &n, &total, &err));
	assert_int_equal(total, 1);
	audit_items_free(items, n);
	q = (struct audit_query){.has_from = true, .from_ms = t0, .skip = 4, .limit = 2};
	assert_true(audit_list(&q, &items, &n, &total, &err));
	assert_true(total >= 5);
	assert_int_equal(n, total >= 6 ? 2 : 1);
	audit_items_free(items, n);
	q = (struct audit_query){.has_to = true, .to_ms = t0 - 60000, .actor_id = a1, .limit = 5};
	assert_true(audit_list(&q, &items, &n, &total, &err));
	assert_int_equal(total, 0);
	audit_items_free(items, n);
}

int main(void)
{
	if (!itu_have_mongo())
		return 1;
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(export_limit_holds_under_a_race),
	    cmocka_unit_test(erase_anonymises_and_frees_the_email),
	    cmocka_unit_test(audit_filters_and_pages),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
