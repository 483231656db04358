/* Exclusive changes of one request under a race (requests.h, "Concurrency"): processes
 * (each its own client, created after fork, released together by closing a pipe) change
 * the same request at the same moment. Whatever the server does with concurrent updates
 * (FerretDB does not re-check update filters), exactly one change claims the next version
 * of the request's change log: one success, one event, one notification, one seat; every
 * other racer gets REQ_CONFLICT (or, reading after the winner, REQ_INVALID). Notes never
 * conflict and are never lost. After each race the seats agree with the requests
 * (itu_assert_seats: one seat per scheduled request, in its slot, none else). And the
 * roll-forward: an event whose writer died before
 * writing the document (inserted here by hand) is applied by the next read. */
#include "itutil.h"

#include "domain/requests.h"
#include "domain/slots.h"
#include "infra/config.h"
#include "infra/db.h"
#include "infra/runtime.h"
#include "infra/timeutil.h"

#define RACERS 20

#define PROG "test_transition_race"

static bson_oid_t owner;
static char owner_hex[25];

static int setup(void **state)
{
	(void)state;
	itu_db_env("trace");
	setenv("LOG_LEVEL", "warn", 1);
	if (itu_start(PROG) < 0 || itu_ensure_indexes() < 0)
		return -1;
	/* Every hour of every day, so that slots beyond the lead time always exist. */
	bson_error_t err;
	if (!itu_everyday_template(0, 1440, 60, 5, 2, &err)) {
		fprintf(stderr, "template: %s\n", err.message);
		return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	itu_drop();
	return 0;
}

static int64_t notified(const bson_oid_t *rid, const char *event)
{
	(void)rid;
	return itu_count("notifications", BCON_NEW("user_id", BCON_OID(&owner), "channel",
						   BCON_UTF8("inapp"), "event", BCON_UTF8(event)));
}

/* A fresh request of a fresh resident, scheduled by staff into the slot at `hours`. */
static void scheduled_request(bson_oid_t *id, int hours, struct req_slot *slot)
{
	bson_oid_init(&owner, NULL);
	bson_oid_to_string(&owner, owner_hex);
	struct req_fields f = {
	    .category = "recyclable",
	    .description = "Cardboard boxes",
	    .quantity = 4,
	    .address = {.line1 = "1 Race Street", .city = "Pune", .pincode = "411001"}};
	bson_error_t err;
	assert_int_equal(itu_request_create(&owner, &f, false, id), REQ_OK);
	char actor[25];
	itu_new_id(actor);
	struct req_transition t = {
	    .to = RS_PENDING_REVIEW, .actor = REQ_ACTOR_STAFF, .actor_id = actor};
	assert_int_equal(requests_transition(id, &t, NULL, NULL, &err), REQ_OK);
	slot->start = itu_slot_at(hours);
	slot->end = slot->start + 3600000;
	struct req_transition s = {.to = RS_SCHEDULED,
				   .actor = REQ_ACTOR_STAFF,
				   .actor_id = actor,
				   .has_slot = true,
				   .slot = *slot};
	assert_int_equal(requests_transition(id, &s, NULL, NULL, &err), REQ_OK);
}

static bson_t *load(const bson_oid_t *id)
{
	bson_error_t err;
	bson_t *doc = requests_load(id, NULL, &err);
	assert_non_null(doc);
	return doc;
}

/* What a racer does; returns its enum req_result. */
typedef int (*racer_fn)(int i, const bson_oid_t *id, int64_t version);

struct tally {
	int by_result[REQ_DB_ERROR + 1];
};

struct race_ctx {
	racer_fn fn;
	const bson_oid_t *id;
	int64_t version;
};

static int run_racer(int i, void *ctx)
{
	const struct race_ctx *rc = ctx;
	return rc->fn(i, rc->id, rc->version);
}

/* Forks n racers (itu_race), collects their results. */
static void race(int n, racer_fn fn, const bson_oid_t *id, int64_t version, struct tally *out)
{
	memset(out, 0, sizeof(*out));
	assert_true(n <= RACERS);
	struct race_ctx rc = {fn, id, version};
	int codes[RACERS];
	itu_race(PROG, n, run_racer, &rc, codes);
	int got = 0;
	for (int i = 0; i < n; i++) {
		int r = codes[i];
		assert_true(r >= 0 && r <= REQ_DB_ERROR);
		out->by_result[r]++;
		got++;
	}
	assert_int_equal(got, n);
}

static void print_tally(const char *what, const struct tally *t)
{
	fprintf(stderr, "# %s: %d ok, %d conflict, %d invalid, %d slot full, %d db error\n", what,
		t->by_result[REQ_OK], t->by_result[REQ_CONFLICT], t->by_result[REQ_INVALID],
		t->by_result[REQ_SLOT_FULL], t->by_result[REQ_DB_ERROR]);
}

/* STATUS_CHANGE events of the timeline entering `to`. */
static int events_to(const bson_t *doc, const char *to)
{
	json_object *j = requests_to_json(doc);
	json_object *evs = json_object_object_get(j, "events");
	int n = 0;
	for (size_t i = 0; i < json_object_array_length(evs); i++) {
		json_object *e = json_object_array_get_idx(evs, i);
		const char *t = jsonx_str(json_object_object_get(e, "data"), "to");
		n += t && strcmp(jsonx_str(e, "type"), "STATUS_CHANGE") == 0 && strcmp(t, to) == 0;
	}
	json_object_put(j);
	return n;
}

static const char *status_of(const bson_t *doc)
{
	bson_iter_t it;
	if (bson_iter_init_find(&it, doc, "status") && BSON_ITER_HOLDS_UTF8(&it))
		return bson_iter_utf8(&it, NULL);
	return "";
}

/* The stored document, as it is (not rolled forward). */
static bson_t *raw(const bson_oid_t *id)
{
	bson_t *q = BCON_NEW("_id", BCON_OID(id));
	mongoc_cursor_t *c =
	    mongoc_collection_find_with_opts(db_coll("pickup_requests"), q, NULL, NULL);
	const bson_t *d;
	bson_t *out = mongoc_cursor_next(c, &d) ? bson_copy(d) : NULL;
	mongoc_cursor_destroy(c);
	bson_destroy(q);
	assert_non_null(out);
	return out;
}

/* ---- 20 staff click "enroute" at once, all having seen the same version ---- */

static int go_enroute_seen(int i, const bson_oid_t *id, int64_t version)
{
	(void)i;
	char actor[25];
	itu_new_id(actor);
	struct req_transition t = {.to = RS_ENROUTE,
				   .actor = REQ_ACTOR_STAFF,
				   .actor_id = actor,
				   .expect_version = version};
	bson_error_t err;
	return requests_transition(id, &t, NULL, NULL, &err);
}

static void twenty_enroute_one_wins(void **state)
{
	(void)state;
	bson_oid_t id;
	struct req_slot slot;
	scheduled_request(&id, 50, &slot);
	bson_t *doc = load(&id);
	int64_t v = requests_version(doc);
	bson_destroy(doc);
	assert_int_equal(v, 3); /* created, pending_review, scheduled */
	struct tally t;
	race(RACERS, go_enroute_seen, &id, v, &t);
	print_tally("enroute (expect_version)", &t);
	assert_int_equal(t.by_result[REQ_OK], 1);
	assert_int_equal(t.by_result[REQ_CONFLICT], RACERS - 1);

	doc = load(&id);
	assert_string_equal(status_of(doc), "enroute");
	assert_int_equal(requests_version(doc), v + 1);
	assert_int_equal(events_to(doc, "enroute"), 1);
	bson_destroy(doc);
	assert_int_equal(itu_count("request_events", BCON_NEW("request_id", BCON_OID(&id))), v + 1);
	assert_int_equal(itu_count("request_events", BCON_NEW("request_id", BCON_OID(&id),
							      "data.to", BCON_UTF8("enroute"))),
			 1);
	assert_int_equal(notified(&id, "enroute"), 1);
	/* the stored document followed the log */
	bson_t *stored = raw(&id);
	assert_string_equal(status_of(stored), "enroute");
	assert_int_equal(requests_version(stored), v + 1);
	bson_destroy(stored);
	/* the seat stays */
	bson_error_t err;
	assert_int_equal(slots_booked(slots_class_of("recyclable"), slot.start, &err), 1);
	itu_assert_seats(true);
}

/* ---- the same without expect_version, half enroute, half cancelled ---- */

static int go_mixed(int i, const bson_oid_t *id, int64_t version)
{
	(void)version;
	char actor[25];
	itu_new_id(actor);
	struct req_transition t = {.to = i % 2 ? RS_CANCELLED : RS_ENROUTE,
				   .actor = REQ_ACTOR_STAFF,
				   .actor_id = actor,
				   .reason = i % 2 ? "Raced" : NULL};
	bson_error_t err;
	return requests_transition(id, &t, NULL, NULL, &err);
}

static void mixed_race_one_wins(void **state)
{
	(void)state;
	bson_oid_t id;
	struct req_slot slot;
	scheduled_request(&id, 52, &slot);
	struct tally t;
	race(RACERS, go_mixed, &id, 0, &t);
	print_tally("enroute|cancelled", &t);
	/* Racers reading after the winner see its status: enroute and cancelled both refuse
	 * every target of this race, so they answer REQ_INVALID. */
	assert_int_equal(t.by_result[REQ_OK], 1);
	assert_int_equal(t.by_result[REQ_CONFLICT] + t.by_result[REQ_INVALID], RACERS - 1);

	bson_t *doc = load(&id);
	const char *st = status_of(doc);
	int enroute = events_to(doc, "enroute"), cancelled = events_to(doc, "cancelled");
	fprintf(stderr, "# winner: %s\n", st);
	assert_int_equal(enroute + cancelled, 1);
	assert_string_equal(st, enroute ? "enroute" : "cancelled");
	assert_int_equal(requests_version(doc), 4);
	assert_int_equal(itu_count("request_events", BCON_NEW("request_id", BCON_OID(&id))), 4);
	assert_int_equal(notified(&id, "enroute"), enroute);
	assert_int_equal(notified(&id, "cancelled"), cancelled);
	bson_error_t err;
	/* the seat: kept by enroute, given back once by cancelled */
	assert_int_equal(slots_booked(slots_class_of("recyclable"), slot.start, &err), enroute);
	json_object *j = requests_to_json(doc);
	if (cancelled)
		assert_true(jsonx_is_null(j, "assigned_slot"));
	else
		assert_false(jsonx_is_null(j, "assigned_slot"));
	json_object_put(j);
	bson_destroy(doc);
	itu_assert_seats(true);
}

/* ---- the resident reschedules from several tabs at once: seats only for the winner ---- */

static int64_t target_a, target_b;

static int go_reschedule(int i, const bson_oid_t *id, int64_t version)
{
	char actor[25];
	snprintf(actor, sizeof(actor), "%s", owner_hex);
	int64_t s = i % 2 ? target_b : target_a;
	struct oid own = itu_oid(&owner);
	struct req_transition t = {.to = RS_SCHEDULED,
				   .actor = REQ_ACTOR_RESIDENT,
				   .actor_id = actor,
				   .owner = &own,
				   .has_slot = true,
				   .slot = {s, s + 3600000},
				   .expect_version = version};
	bson_error_t err;
	return requests_transition(id, &t, NULL, NULL, &err);
}

static void reschedule_race_seats(void **state)
{
	(void)state;
	bson_oid_t id;
	struct req_slot slot;
	scheduled_request(&id, 54, &slot);
	target_a = itu_slot_at(56);
	target_b = itu_slot_at(58);
	bson_t *doc = load(&id);
	int64_t v = requests_version(doc);
	bson_destroy(doc);
	struct tally t;
	race(RACERS, go_reschedule, &id, v, &t);
	print_tally("reschedule", &t);
	assert_int_equal(t.by_result[REQ_OK], 1);
	/* A loser may also see "Slot is full": its seat inserts all collided with the seat a
	 * racing change of the same request held in that slot, which was given back (that
	 * change lost too) before slots_claim's final check. It holds nothing either way. */
	assert_int_equal(t.by_result[REQ_CONFLICT] + t.by_result[REQ_SLOT_FULL], RACERS - 1);

	doc = load(&id);
	json_object *j = requests_to_json(doc);
	bson_destroy(doc);
	char a[TIME_RFC3339_LEN];
	time_format_rfc3339(target_a, a);
	bool won_a = strcmp(jsonx_str(json_object_object_get(j, "assigned_slot"), "start"), a) == 0;
	json_object_put(j);
	fprintf(stderr, "# winner took slot %s\n", won_a ? "A" : "B");
	bson_error_t err;
	int cls = slots_class_of("recyclable");
	assert_int_equal(slots_booked(cls, slot.start, &err), 0);
	assert_int_equal(slots_booked(cls, target_a, &err), won_a ? 1 : 0);
	assert_int_equal(slots_booked(cls, target_b, &err), won_a ? 0 : 1);
	assert_int_equal(itu_count("slot_claims", BCON_NEW("request_id", BCON_OID(&id))), 1);
	assert_int_equal(notified(&id, "rescheduled"), 1);
	itu_assert_seats(true);
}

/* ---- notes never conflict and are never lost ---- */

static int go_note(int i, const bson_oid_t *id, int64_t version)
{
	(void)version;
	char actor[25], note[32];
	itu_new_id(actor);
	snprintf(note, sizeof(note), "note %d", i);
	return itu_request_note(id, actor, "staff", note);
}

static void notes_race_all_kept(void **state)
{
	(void)state;
	bson_oid_t id;
	struct req_slot slot;
	scheduled_request(&id, 60, &slot);
	struct tally t;
	race(10, go_note, &id, 0, &t);
	assert_int_equal(t.by_result[REQ_OK], 10);
	bson_t *doc = load(&id);
	assert_int_equal(requests_version(doc), 3 + 10);
	json_object *j = requests_to_json(doc);
	bson_destroy(doc);
	json_object *evs = json_object_object_get(j, "events");
	assert_int_equal(json_object_array_length(evs), 13);
	bool seen[10] = {false};
	for (size_t i = 3; i < 13; i++) {
		json_object *e = json_object_array_get_idx(evs, i);
		assert_string_equal(jsonx_str(e, "type"), "NOTE");
		int k = -1;
		sscanf(jsonx_str(json_object_object_get(e, "data"), "note"), "note %d", &k);
		assert_true(k >= 0 && k < 10 && !seen[k]);
		seen[k] = true;
	}
	assert_string_equal(jsonx_str(j, "status"), "scheduled");
	json_object_put(j);
	itu_assert_seats(true);
}

/* ---- roll forward ---- */

/* Inserts event `version` as a change whose writer died before the document write. */
static void insert_event_by_hand(const bson_oid_t *id, int64_t version, const char *from,
				 const char *to)
{
	char hex[25], key[48];
	bson_oid_to_string(id, hex);
	snprintf(key, sizeof(key), "%s:%lld", hex, (long long)version);
	int64_t now = time_now_ms();
	bson_t *ev = BCON_NEW("_id", BCON_UTF8(key), "request_id", BCON_OID(id), "version",
			      BCON_INT64(version), "type", BCON_UTF8("STATUS_CHANGE"), "at",
			      BCON_DATE_TIME(now), "by", "{", "id", BCON_UTF8("crashed"), "role",
			      BCON_UTF8("staff"), "}", "data", "{", "from", BCON_UTF8(from), "to",
			      BCON_UTF8(to), "reason", BCON_NULL, "note", BCON_NULL, "}", "set",
			      "{", "status", BCON_UTF8(to), "updated_at", BCON_DATE_TIME(now), "}");
	bson_error_t err;
	assert_true(mongoc_collection_insert_one(db_coll("request_events"), ev, NULL, NULL, &err));
	bson_destroy(ev);
}

static void roll_forward_after_crash(void **state)
{
	(void)state;
	bson_oid_t id;
	struct req_slot slot;
	scheduled_request(&id, 62, &slot);
	bson_t *stored = raw(&id);
	int64_t v = requests_version(stored);
	bson_destroy(stored);
	insert_event_by_hand(&id, v + 1, "scheduled", "enroute");

	/* a change decided on version v now conflicts (its read rolls forward to v+1) */
	char actor[25];
	itu_new_id(actor);
	bson_error_t err;
	struct req_transition cancel = {
	    .to = RS_CANCELLED, .actor = REQ_ACTOR_STAFF, .actor_id = actor, .expect_version = v};
	assert_int_equal(requests_transition(&id, &cancel, NULL, NULL, &err), REQ_CONFLICT);
	stored = raw(&id);
	/* and that read wrote the document forward */
	assert_string_equal(status_of(stored), "enroute");
	bson_destroy(stored);

	/* set the stored document back, as a crash (or an older copy written back) leaves it */
	bson_t *sel = BCON_NEW("_id", BCON_OID(&id));
	bson_t *upd =
	    BCON_NEW("$set", "{", "status", BCON_UTF8("scheduled"), "version", BCON_INT64(v), "}");
	assert_true(
	    mongoc_collection_update_one(db_coll("pickup_requests"), sel, upd, NULL, NULL, &err));
	bson_destroy(sel);
	bson_destroy(upd);

	bson_t *doc = load(&id);
	assert_string_equal(status_of(doc), "enroute");
	assert_int_equal(requests_version(doc), v + 1);
	assert_int_equal(events_to(doc, "enroute"), 1);
	json_object *j = requests_to_json(doc);
	bson_destroy(doc);
	json_object *evs = json_object_object_get(j, "events");
	json_object *last = json_object_array_get_idx(evs, json_object_array_length(evs) - 1);
	assert_string_equal(jsonx_str(last, "by"), "crashed");
	assert_false(jsonx_is_null(j, "assigned_slot")); /* kept: the event did not clear it */
	json_object_put(j);
	stored = raw(&id);
	assert_string_equal(status_of(stored), "enroute");
	assert_int_equal(requests_version(stored), v + 1);
	bson_destroy(stored);

	/* the list shows the stored documents (it reads no events): the lagging state until
	 * the next read of the request rolls it forward */
	sel = BCON_NEW("_id", BCON_OID(&id));
	upd =
	    BCON_NEW("$set", "{", "status", BCON_UTF8("scheduled"), "version", BCON_INT64(v), "}");
	assert_true(
	    mongoc_collection_update_one(db_coll("pickup_requests"), sel, upd, NULL, NULL, &err));
	bson_destroy(sel);
	bson_destroy(upd);
	struct oid own = itu_oid(&owner);
	struct req_query q = {.owner = &own, .limit = 10};
	struct req_page page;
	struct derr derr;
	assert_true(requests_list(&q, &page, &derr));
	assert_int_equal(page.total, 1);
	assert_int_equal(page.n, 1);
	assert_int_equal(page.items[0].status, RS_SCHEDULED);
	requests_list_free(&page);
	bson_destroy(load(&id));
	assert_true(requests_list(&q, &page, &derr));
	assert_int_equal(page.items[0].status, RS_ENROUTE);
	requests_list_free(&page);

	/* and the request goes on from there: enroute → onsite is version v+2 */
	struct req_transition onsite = {
	    .to = RS_ONSITE, .actor = REQ_ACTOR_STAFF, .actor_id = actor};
	doc = NULL;
	assert_int_equal(requests_transition(&id, &onsite, NULL, &doc, &err), REQ_OK);
	assert_string_equal(status_of(doc), "onsite");
	assert_int_equal(requests_version(doc), v + 2);
	bson_destroy(doc);
}

/* A document from before the change log: no version, its timeline embedded. */
static void legacy_document(void **state)
{
	(void)state;
	bson_oid_t id;
	bson_oid_init(&id, NULL);
	bson_oid_init(&owner, NULL);
	int64_t now = time_now_ms();
	bson_t *doc = BCON_NEW(
	    "_id", BCON_OID(&id), "user_id", BCON_OID(&owner), "category", BCON_UTF8("organic"),
	    "is_special", BCON_BOOL(false), "description", BCON_UTF8("Old request"), "quantity",
	    BCON_DOUBLE(1), "photos", "[", "]", "address", "{", "line1", BCON_UTF8("1 Old Road"),
	    "line2", BCON_NULL, "city", BCON_UTF8("Pune"), "pincode", BCON_UTF8("411001"), "lat",
	    BCON_NULL, "lng", BCON_NULL, "}", "preferred_slots", "[", "]", "assigned_slot",
	    BCON_NULL, "status", BCON_UTF8("submitted"), "events", "[", "{", "type",
	    BCON_UTF8("STATUS_CHANGE"), "at", BCON_DATE_TIME(now), "by", "{", "id",
	    BCON_UTF8("legacy"), "role", BCON_UTF8("citizen"), "}", "data", "{", "from", BCON_NULL,
	    "to", BCON_UTF8("submitted"), "reason", BCON_NULL, "note", BCON_NULL, "}", "}", "]",
	    "reward_points", BCON_INT32(0), "created_at", BCON_DATE_TIME(now), "updated_at",
	    BCON_DATE_TIME(now));
	bson_error_t err;
	assert_true(
	    mongoc_collection_insert_one(db_coll("pickup_requests"), doc, NULL, NULL, &err));
	bson_destroy(doc);
	char actor[25];
	itu_new_id(actor);
	struct req_transition t = {
	    .to = RS_PENDING_REVIEW, .actor = REQ_ACTOR_STAFF, .actor_id = actor};
	bson_t *out = NULL;
	assert_int_equal(requests_transition(&id, &t, NULL, &out, &err), REQ_OK);
	assert_int_equal(requests_version(out), 1);
	json_object *j = requests_to_json(out);
	bson_destroy(out);
	json_object *evs = json_object_object_get(j, "events");
	assert_int_equal(json_object_array_length(evs), 2);
	assert_string_equal(jsonx_str(json_object_array_get_idx(evs, 0), "by"), "legacy");
	assert_string_equal(
	    jsonx_str(json_object_object_get(json_object_array_get_idx(evs, 1), "data"), "to"),
	    "pending_review");
	assert_string_equal(jsonx_str(j, "status"), "pending_review");
	json_object_put(j);
}

int main(void)
{
	if (!getenv("SWMRA_TEST_MONGO_URI")) {
		fprintf(stderr, "SWMRA_TEST_MONGO_URI is not set: skipping\n");
		printf(
		    "Bail out! SWMRA_TEST_MONGO_URI is not set (tests/run-check.sh provides it)\n");
		return 1;
	}
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(twenty_enroute_one_wins),	cmocka_unit_test(mixed_race_one_wins),
	    cmocka_unit_test(reschedule_race_seats),	cmocka_unit_test(notes_race_all_kept),
	    cmocka_unit_test(roll_forward_after_crash), cmocka_unit_test(legacy_document),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
