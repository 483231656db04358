/* The compaction job's rules against FerretDB/MongoDB (SWMRA_TEST_MONGO_URI): events of
 * long-finished requests move to the archive while details show the same timeline and
 * later notes still work; requests that are recent, unfinished or behind their log keep
 * their events; old read in-app notifications, old sent mail and their send attempts and
 * old job run keys go, everything else stays; --dry-run (and the dry-run functions) count
 * without changing anything; a second run finds nothing. */
#include "itutil.h"

#include <stdio.h>
#include <stdlib.h>

#include "domain/compact.h"
#include "domain/requests.h"
#include "infra/timeutil.h"

#define DAY COMPACT_DAY_MS

static bson_oid_t owner;
static char actor[25];

static void finished_request(bson_oid_t *id, enum req_status end, int64_t age_days)
{
	struct req_fields f = {
	    .category = "recyclable",
	    .description = "Old newspapers",
	    .quantity = 2,
	    .address = {.line1 = "1 Compact Street", .city = "Pune", .pincode = "411001"}};
	bson_error_t err;
	assert_int_equal(itu_request_create(&owner, &f, false, id), REQ_OK);
	struct req_transition t = {
	    .to = RS_PENDING_REVIEW, .actor = REQ_ACTOR_STAFF, .actor_id = actor};
	assert_int_equal(requests_transition(id, &t, NULL, NULL, &err), REQ_OK);
	assert_int_equal(itu_request_note(id, actor, "staff", "left at the gate"), REQ_OK);
	t.to = end;
	if (end != RS_PENDING_REVIEW)
		assert_int_equal(requests_transition(id, &t, NULL, NULL, &err), REQ_OK);
	bson_t *sel = BCON_NEW("_id", BCON_OID(id));
	bson_t *upd = BCON_NEW("$set", "{", "updated_at",
			       BCON_DATE_TIME(time_now_ms() - age_days * DAY), "}");
	assert_true(
	    mongoc_collection_update_one(db_coll("pickup_requests"), sel, upd, NULL, NULL, &err));
	bson_destroy(sel);
	bson_destroy(upd);
}

static int64_t events_of(const char *coll, const bson_oid_t *id)
{
	return itu_count(coll, BCON_NEW("request_id", BCON_OID(id)));
}

static char *timeline_json(const bson_oid_t *id)
{
	bson_error_t err;
	bson_t *doc = requests_load(id, NULL, &err);
	assert_non_null(doc);
	json_object *j = requests_to_json(doc);
	bson_destroy(doc);
	char *s = strdup(json_object_to_json_string(json_object_object_get(j, "events")));
	json_object_put(j);
	return s;
}

static void archive_finished_requests(void **state)
{
	(void)state;
	bson_oid_t done, cancelled, recent, open, behind;
	finished_request(&cancelled, RS_CANCELLED, 40);
	finished_request(&recent, RS_CANCELLED, 3);
	finished_request(&open, RS_PENDING_REVIEW, 40);
	finished_request(&behind, RS_CANCELLED, 40);
	finished_request(&done, RS_CANCELLED, 45);
	/* behind its log: a change whose writer died before the document write */
	char hex[25], key[48];
	bson_oid_to_string(&behind, hex);
	snprintf(key, sizeof(key), "%s:%d", hex, 5);
	bson_t *ev =
	    BCON_NEW("_id", BCON_UTF8(key), "request_id", BCON_OID(&behind), "version",
		     BCON_INT64(5), "type", BCON_UTF8("NOTE"), "at", BCON_DATE_TIME(time_now_ms()),
		     "by", "{", "id", BCON_UTF8(actor), "role", BCON_UTF8("staff"), "}", "data",
		     "{", "note", BCON_UTF8("late"), "}", "set", "{", "}");
	bson_error_t err;
	assert_true(mongoc_collection_insert_one(db_coll("request_events"), ev, NULL, NULL, &err));
	bson_destroy(ev);

	char *before = timeline_json(&cancelled);
	int64_t n_before = events_of("request_events", &cancelled);
	assert_int_equal(n_before, 4); /* created, pending_review, note, cancelled */

	/* dry run: counts, changes nothing */
	int64_t now = time_now_ms();
	assert_int_equal(requests_archive_events(now, 30 * DAY, 100, true, NULL, NULL, &err), 2);
	assert_int_equal(events_of("request_events", &cancelled), 4);

	assert_int_equal(requests_archive_events(now, 30 * DAY, 100, false, NULL, NULL, &err), 2);
	assert_int_equal(events_of("request_events", &cancelled), 0);
	assert_int_equal(events_of("request_events_archive", &cancelled), 4);
	assert_int_equal(events_of("request_events", &done), 0);
	assert_int_equal(events_of("request_events", &recent), 4);
	assert_int_equal(events_of("request_events", &open), 3);
	assert_int_equal(events_of("request_events", &behind), 5);
	/* the timeline is the same, from the document */
	char *after = timeline_json(&cancelled);
	assert_string_equal(after, before);
	free(after);
	free(before);
	/* a second run has nothing left: the request behind its log waits for a read */
	assert_int_equal(requests_archive_events(now, 30 * DAY, 100, false, NULL, NULL, &err), 0);

	/* a note on an archived request claims the next version and shows up */
	assert_int_equal(itu_request_note(&cancelled, actor, "staff", "after archive"), REQ_OK);
	char *noted = timeline_json(&cancelled);
	assert_non_null(strstr(noted, "after archive"));
	assert_non_null(strstr(noted, "left at the gate"));
	free(noted);
	assert_int_equal(events_of("request_events", &cancelled), 1);

	/* the request behind its log: its next read rolls it forward, then it is archived */
	free(timeline_json(&behind));
	bson_t *sel = BCON_NEW("_id", BCON_OID(&behind));
	bson_t *upd = BCON_NEW("$set", "{", "updated_at", BCON_DATE_TIME(now - 40 * DAY), "}");
	assert_true(
	    mongoc_collection_update_one(db_coll("pickup_requests"), sel, upd, NULL, NULL, &err));
	bson_destroy(sel);
	bson_destroy(upd);
	assert_int_equal(requests_archive_events(now, 30 * DAY, 100, false, NULL, NULL, &err), 1);
	assert_int_equal(events_of("request_events", &behind), 0);
}

static void insert_notification(const char *channel, const char *status, bool read,
				int64_t age_days)
{
	bson_oid_t id;
	bson_oid_init(&id, NULL);
	int64_t at = time_now_ms() - age_days * DAY;
	bson_t *d = BCON_NEW("_id", BCON_OID(&id), "user_id", BCON_OID(&owner), "channel",
			     BCON_UTF8(channel), "status", BCON_UTF8(status), "read",
			     BCON_BOOL(read), "created_at", BCON_DATE_TIME(at));
	bson_error_t err;
	assert_true(mongoc_collection_insert_one(db_coll("notifications"), d, NULL, NULL, &err));
	bson_destroy(d);
	char key[64];
	snprintf(key, sizeof(key), "%s-%s-%lld", channel, status, (long long)age_days);
	d = BCON_NEW("_id", BCON_UTF8(key), "notification_id", BCON_OID(&id), "attempt",
		     BCON_INT32(1), "claimed_at", BCON_DATE_TIME(at));
	if (strcmp(channel, "inapp") != 0)
		assert_true(
		    mongoc_collection_insert_one(db_coll("send_attempts"), d, NULL, NULL, &err));
	bson_destroy(d);
}

static void insert_run(const char *key, int64_t age_days)
{
	bson_t *d = BCON_NEW("_id", BCON_UTF8(key), "job", BCON_UTF8("dispatch"), "window_start",
			     BCON_DATE_TIME(time_now_ms() - age_days * DAY));
	bson_error_t err;
	assert_true(mongoc_collection_insert_one(db_coll("job_runs"), d, NULL, NULL, &err));
	bson_destroy(d);
}

static void purge_old_notifications_attempts_runs(void **state)
{
	(void)state;
	itu_clear("notifications");
	itu_clear("send_attempts");
	itu_clear("job_runs");
	insert_notification("inapp", "sent", true, 100);   /* goes */
	insert_notification("inapp", "sent", false, 100);  /* unread: stays */
	insert_notification("inapp", "sent", true, 10);	   /* recent: stays */
	insert_notification("email", "sent", false, 40);   /* goes, with its attempt */
	insert_notification("sms", "failed", false, 40);   /* goes, with its attempt */
	insert_notification("email", "queued", false, 40); /* still queued: stays (attempt goes) */
	insert_notification("email", "sent", false, 5);	   /* recent: stays */
	insert_run("dispatch:old", 8);
	insert_run("dispatch:new", 1);
	int64_t now = time_now_ms();
	struct derr err;
	assert_int_equal(compact_read_notifications(now, true, &err), 1);
	assert_int_equal(compact_sent_notifications(now, true, &err), 2);
	assert_int_equal(compact_send_attempts(now, true, &err), 3);
	assert_int_equal(compact_job_runs(now, true, &err), 1);
	assert_int_equal(itu_count_json("notifications", "{}"), 7);
	assert_int_equal(compact_read_notifications(now, false, &err), 1);
	assert_int_equal(compact_sent_notifications(now, false, &err), 2);
	assert_int_equal(compact_send_attempts(now, false, &err), 3);
	assert_int_equal(compact_job_runs(now, false, &err), 1);
	assert_int_equal(itu_count_json("notifications", "{}"), 4);
	assert_int_equal(itu_count_json("notifications", "{\"channel\": \"inapp\"}"), 2);
	assert_int_equal(itu_count_json("send_attempts", "{}"), 1);
	assert_int_equal(itu_count_json("job_runs", "{}"), 1);
	assert_int_equal(compact_read_notifications(now, false, &err), 0);
	assert_int_equal(compact_job_runs(now, false, &err), 0);
}

/* The program: --dry-run logs its counts and exits 0 without changing anything. */
static void job_dry_run(void **state)
{
	(void)state;
	insert_run("dispatch:older", 9);
	const char *build = getenv("SWMRA_BUILD_DIR");
	char cmd[1024];
	snprintf(cmd, sizeof(cmd), "%s/cron/swmra-job-compact --dry-run --env-file '' 2>/dev/null",
		 build && *build ? build : ".");
	assert_int_equal(system(cmd), 0);
	assert_int_equal(itu_count_json("job_runs", "{\"_id\": \"dispatch:older\"}"), 1);
	snprintf(cmd, sizeof(cmd), "%s/cron/swmra-job-compact --once --env-file '' 2>/dev/null",
		 build && *build ? build : ".");
	assert_int_equal(system(cmd), 0);
	assert_int_equal(itu_count_json("job_runs", "{\"_id\": \"dispatch:older\"}"), 0);
}

static int setup(void **state)
{
	(void)state;
	bson_oid_init(&owner, NULL);
	itu_new_id(actor);
	return itu_open("compact", "test_compact");
}

static int teardown(void **state)
{
	(void)state;
	itu_drop();
	return 0;
}

int main(void)
{
	if (!itu_have_mongo())
		return 1;
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(archive_finished_requests),
	    cmocka_unit_test(purge_old_notifications_attempts_runs),
	    cmocka_unit_test(job_dry_run),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
