/* Pickup requests against a real FerretDB/MongoDB (SWMRA_TEST_MONGO_URI), through the real
 * route table. Protected routes need the auth guard; these tests bypass only the guard:
 * itu_run_as() (itutil.h) finds the route in api_routes, fills req->user the way the guard
 * would and calls the handler (the route's role is still checked, as the guard would). One test
 * goes through router_dispatch() to show the guard still refuses an unauthenticated call. */
#include "itutil.h"

#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "api/api.h"
#include "api/read_cache.h"
#include "domain/requests.h"
#include "domain/rewards.h"
#include "domain/slots.h"
#include "domain/uploads.h"
#include "domain/internal/users_store.h"
#include "infra/config.h"
#include "infra/db.h"
#include "infra/log.h"
#include "infra/runtime.h"
#include "infra/timeutil.h"
#include "upload_fixtures.h"

static char updir[128];
static char resA[25], resB[25], staff[25], admin[25];

static char *slot_body(char *buf, size_t n, int64_t start)
{
	char a[TIME_RFC3339_LEN], b[TIME_RFC3339_LEN];
	time_format_rfc3339(start, a);
	time_format_rfc3339(start + 3600000, b);
	snprintf(buf, n, "{\"slot_start\":\"%s\",\"slot_end\":\"%s\"}", a, b);
	return buf;
}

static const char *valid_body(const char *category, bool draft)
{
	static char buf[1024];
	char a[TIME_RFC3339_LEN], b[TIME_RFC3339_LEN];
	int64_t s = itu_slot_at(72);
	time_format_rfc3339(s, a);
	time_format_rfc3339(s + 3600000, b);
	snprintf(buf, sizeof(buf),
		 "{\"category\":\"%s\",\"description\":\"Old newspapers and bottles\","
		 "\"quantity\":3,\"address\":{\"line1\":\"12 MG Road\",\"city\":\"Pune\","
		 "\"pincode\":\"411001\",\"lat\":18.52,\"lng\":73.85},"
		 "\"preferred_slots\":[{\"start\":\"%s\",\"end\":\"%s\"}]%s}",
		 category, a, b, draft ? ",\"draft\":true" : "");
	return buf;
}

/* Every test books its own slot hours (slot_at offsets), since seats are counted per
 * class and the tests share one database. */

/* Creates a request of `uid`; copies its id into `id`. */
static void create(const char *uid, const char *category, bool draft, char id[25])
{
	struct call c;
	assert_int_equal(itu_call_as(&c, "POST", "/api/requests", NULL, valid_body(category, draft),
				     uid, ROLE_CITIZEN),
			 201);
	snprintf(id, 25, "%s", jsonx_str(c.json, "id"));
	call_end(&c);
}

static int transition(const char *id, const char *body, struct call *c)
{
	char path[96];
	snprintf(path, sizeof(path), "/api/staff/requests/%s/transition", id);
	return itu_call_as(c, "POST", path, NULL, body, staff, ROLE_STAFF);
}

static void expect_transition(const char *id, const char *to, int status)
{
	struct call c;
	char body[128];
	snprintf(body, sizeof(body), "{\"to\":\"%s\"%s}", to,
		 strcmp(to, "collected") == 0 ? ",\"weight_kg\":4.5" : "");
	if (transition(id, body, &c) != status)
		fail_msg("transition %s: %d %s", to, c.status, c.res.body);
	call_end(&c);
}

static long booked(const char *category, int64_t start)
{
	bson_error_t err;
	return slots_booked(slots_class_of(category), start, &err);
}

static bool has_error_at(json_object *j, const char *loc)
{
	json_object *d = json_object_object_get(j, "detail");
	for (size_t i = 0; d && i < json_object_array_length(d); i++) {
		json_object *l = json_object_object_get(json_object_array_get_idx(d, i), "loc");
		char buf[128] = "";
		for (size_t k = 0; k < json_object_array_length(l); k++) {
			size_t n = strlen(buf);
			snprintf(buf + n, sizeof(buf) - n, "%s%s", k ? "." : "",
				 json_object_get_string(json_object_array_get_idx(l, k)));
		}
		if (strcmp(buf, loc) == 0)
			return true;
	}
	return false;
}

static int setup(void **state)
{
	(void)state;
	itu_db_env("requests");
	snprintf(updir, sizeof(updir), "/tmp/swmra_it_requests_%ld", (long)getpid());
	mkdir(updir, 0700);
	setenv("UPLOAD_DIR", updir, 1);
	if (itu_start("test_requests") < 0 || itu_ensure_indexes() < 0)
		return -1;
	/* Every hour of every day, so that slots within and beyond 24 h always exist. */
	bson_error_t berr;
	if (!itu_everyday_template(0, 1440, 60, 3, 1, &berr)) {
		fprintf(stderr, "template: %s\n", berr.message);
		return -1;
	}
	itu_new_id(resA);
	itu_new_id(resB);
	itu_new_id(staff);
	itu_new_id(admin);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	itu_drop();
	char cmd[160];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", updir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", updir);
	return 0;
}

static void guard_still_refuses(void **state)
{
	(void)state;
	struct call c;
	call_begin(&c, "GET", "/api/requests", NULL, NULL);
	assert_int_equal(call_run(&c, api_routes, api_routes_count), 401);
	call_end(&c);
}

static void create_validation(void **state)
{
	(void)state;
	struct call c;
	char past[TIME_RFC3339_LEN], body[2048];
	time_format_rfc3339(time_now_ms() - 3600000, past);
	snprintf(body, sizeof(body),
		 "{\"category\":\"plastic\",\"description\":\"abc\",\"quantity\":0,"
		 "\"address\":{\"line1\":\"x\",\"city\":\"P\",\"pincode\":\"1\",\"lat\":91,"
		 "\"zip\":1},\"preferred_slots\":[{\"start\":\"%s\",\"end\":\"%s\"}],"
		 "\"photos\":[\"http://evil.example/x.jpg\",\"2026/01/"
		 "0123456789abcdef0123456789abcdef.jpg\"],\"extra\":1}",
		 past, past);
	assert_int_equal(itu_call_as(&c, "POST", "/api/requests", NULL, body, resA, ROLE_CITIZEN),
			 422);
	const char *locs[] = {"body.extra",	   "body.category",
			      "body.description",  "body.quantity",
			      "body.address.zip",  "body.address.line1",
			      "body.address.city", "body.address.pincode",
			      "body.address.lat",  "body.preferred_slots.0.start",
			      "body.photos.0",	   "body.photos.1"};
	for (size_t i = 0; i < sizeof(locs) / sizeof(locs[0]); i++)
		if (!has_error_at(c.json, locs[i]))
			fail_msg("no error at %s in %s", locs[i], c.res.body);
	call_end(&c);

	assert_int_equal(itu_call_as(&c, "POST", "/api/requests", NULL, "{}", resA, ROLE_CITIZEN),
			 422);
	assert_true(has_error_at(c.json, "body.category"));
	assert_true(has_error_at(c.json, "body.address"));
	call_end(&c);
	assert_int_equal(
	    itu_call_as(&c, "POST", "/api/requests", NULL, "{\"category\":", resA, ROLE_CITIZEN),
	    400);
	call_end(&c);
	/* quantity above 100, six photos, end before start, off the grid */
	int64_t s = itu_slot_at(72);
	char a[TIME_RFC3339_LEN], b[TIME_RFC3339_LEN], off[TIME_RFC3339_LEN];
	time_format_rfc3339(s, a);
	time_format_rfc3339(s - 1800000, b);
	time_format_rfc3339(s + 1800000, off);
	snprintf(body, sizeof(body),
		 "{\"category\":\"organic\",\"description\":\"Garden waste\",\"quantity\":100.5,"
		 "\"address\":{\"line1\":\"12 MG Road\",\"city\":\"Pune\",\"pincode\":\"411001\"},"
		 "\"preferred_slots\":[{\"start\":\"%s\",\"end\":\"%s\"},{\"start\":\"%s\","
		 "\"end\":\"%s\"}],\"photos\":[\"a\",\"b\",\"c\",\"d\",\"e\",\"f\"]}",
		 a, b, b, off);
	assert_int_equal(itu_call_as(&c, "POST", "/api/requests", NULL, body, resA, ROLE_CITIZEN),
			 422);
	assert_true(has_error_at(c.json, "body.quantity"));
	assert_true(has_error_at(c.json, "body.photos"));
	assert_true(has_error_at(c.json, "body.preferred_slots.0.end"));
	assert_true(has_error_at(c.json, "body.preferred_slots.1"));
	call_end(&c);
}

/* Uploads of `owner` for the photo tests below. */
static void store_photo(const bson_oid_t *owner, struct upload_info *u)
{
	assert_int_equal(
	    uploads_store(itu_oidp(owner), fx_jpeg_2x2, sizeof(fx_jpeg_2x2), u, itu_derr()),
	    UPLOAD_STORE_OK);
}

static int64_t fates_of(const char *path)
{
	return itu_count("upload_fates", BCON_NEW("_id", BCON_UTF8(path)));
}

/* A change keeps its photos (the fate the orphan cleanup also claims) only once it can no
 * longer be refused, and all of them or none: a refused edit, or a create with one photo
 * the cleanup took, leaves the others to the cleanup instead of keeping them forever
 * unattached. */
static void photos_kept_only_by_changes_that_go_ahead(void **state)
{
	(void)state;
	bson_oid_t owner;
	db_parse_oid(resA, &owner);
	struct upload_info u, v, w;
	store_photo(&owner, &u);
	store_photo(&owner, &v);
	store_photo(&owner, &w);
	char id[25], path[64], body[2048];
	struct call c;

	/* an edit refused because the request is no draft keeps nothing */
	create(resA, "organic", false, id);
	snprintf(path, sizeof(path), "/api/requests/%s", id);
	snprintf(body, sizeof(body), "{\"photos\":[\"%s\"]}", u.url);
	assert_int_equal(itu_call_as(&c, "PATCH", path, NULL, body, resA, ROLE_CITIZEN), 409);
	call_end(&c);
	assert_int_equal(fates_of(u.path), 0);

	/* a photo the cleanup already took: 422 at its index, and the other photo of the same
	 * create is not kept either */
	struct upload_orphan o = {0};
	bson_t *q = BCON_NEW("path", BCON_UTF8(v.path));
	mongoc_cursor_t *cur = mongoc_collection_find_with_opts(db_coll("uploads"), q, NULL, NULL);
	const bson_t *d;
	bson_iter_t it;
	assert_true(mongoc_cursor_next(cur, &d));
	assert_true(bson_iter_init_find(&it, d, "_id"));
	o.id = itu_oid(bson_iter_oid(&it));
	mongoc_cursor_destroy(cur);
	bson_destroy(q);
	snprintf(o.path, sizeof(o.path), "%s", v.path);
	assert_int_equal(uploads_delete_orphan(&o, itu_derr()), 1);
	const char *base = valid_body("recyclable", false);
	snprintf(body, sizeof(body), "%.*s,\"photos\":[\"%s\",\"%s\"]}", (int)strlen(base) - 1,
		 base, w.url, v.url);
	assert_int_equal(itu_call_as(&c, "POST", "/api/requests", NULL, body, resA, ROLE_CITIZEN),
			 422);
	assert_true(has_error_at(c.json, "body.photos.1"));
	call_end(&c);
	assert_int_equal(fates_of(w.path), 0);

	/* an edit of a draft that goes ahead keeps its photos */
	create(resA, "organic", true, id);
	snprintf(path, sizeof(path), "/api/requests/%s", id);
	snprintf(body, sizeof(body), "{\"photos\":[\"%s\",\"%s\"]}", u.url, w.url);
	assert_int_equal(itu_call_as(&c, "PATCH", path, NULL, body, resA, ROLE_CITIZEN), 200);
	call_end(&c);
	assert_int_equal(itu_count("upload_fates",
				   BCON_NEW("_id", BCON_UTF8(u.path), "fate", BCON_UTF8("kept"))),
			 1);
	assert_int_equal(fates_of(w.path), 1);
	uploads_info_free(&u);
	uploads_info_free(&v);
	uploads_info_free(&w);
}

static void create_get_shape_and_photos(void **state)
{
	(void)state;
	bson_oid_t owner, other;
	db_parse_oid(resA, &owner);
	db_parse_oid(resB, &other);
	struct upload_info mine, theirs;
	assert_int_equal(
	    uploads_store(itu_oidp(&owner), fx_jpeg_2x2, sizeof(fx_jpeg_2x2), &mine, itu_derr()),
	    UPLOAD_STORE_OK);
	assert_int_equal(
	    uploads_store(itu_oidp(&other), fx_jpeg_2x2, sizeof(fx_jpeg_2x2), &theirs, itu_derr()),
	    UPLOAD_STORE_OK);
	char body[2048];
	const char *base = valid_body("recyclable", false);
	snprintf(body, sizeof(body), "%.*s,\"photos\":[\"%s\",\"/uploads/%s\"]}",
		 (int)strlen(base) - 1, base, mine.url, mine.path);
	struct call c;
	assert_int_equal(itu_call_as(&c, "POST", "/api/requests", NULL, body, resA, ROLE_CITIZEN),
			 201);
	json_object *j = c.json;
	char id[25];
	snprintf(id, sizeof(id), "%s", jsonx_str(j, "id"));
	assert_int_equal(strlen(id), 24);
	assert_string_equal(jsonx_str(j, "user_id"), resA);
	assert_string_equal(jsonx_str(j, "status"), "submitted");
	assert_string_equal(jsonx_str(j, "category"), "recyclable");
	assert_false(json_object_get_boolean(json_object_object_get(j, "is_special")));
	assert_true(
	    json_object_is_type(json_object_object_get(j, "assigned_slot"), json_type_null) ||
	    !json_object_object_get(j, "assigned_slot"));
	assert_int_equal(json_object_get_int(json_object_object_get(j, "reward_points")), 0);
	const char *created = jsonx_str(j, "created_at");
	assert_non_null(created);
	assert_int_equal(created[strlen(created) - 1], 'Z');
	json_object *photos = json_object_object_get(j, "photos");
	assert_int_equal(json_object_array_length(photos), 2);
	assert_string_equal(json_object_get_string(json_object_array_get_idx(photos, 0)), mine.url);
	json_object *addr = json_object_object_get(j, "address");
	assert_string_equal(jsonx_str(addr, "city"), "Pune");
	assert_true(jsonx_is_null(addr, "line2"));
	json_object *ps =
	    json_object_array_get_idx(json_object_object_get(j, "preferred_slots"), 0);
	assert_int_equal(jsonx_str(ps, "start")[strlen(jsonx_str(ps, "start")) - 1], 'Z');
	json_object *ev = json_object_array_get_idx(json_object_object_get(j, "events"), 0);
	assert_string_equal(jsonx_str(ev, "type"), "STATUS_CHANGE");
	assert_string_equal(jsonx_str(ev, "by"), resA);
	assert_string_equal(jsonx_str(ev, "by_role"), "citizen");
	assert_string_equal(jsonx_str(json_object_object_get(ev, "data"), "to"), "submitted");
	call_end(&c);

	/* someone else's upload is refused */
	snprintf(body, sizeof(body), "%.*s,\"photos\":[\"%s\"]}", (int)strlen(base) - 1, base,
		 theirs.url);
	assert_int_equal(itu_call_as(&c, "POST", "/api/requests", NULL, body, resA, ROLE_CITIZEN),
			 422);
	assert_true(has_error_at(c.json, "body.photos.0"));
	call_end(&c);
	uploads_info_free(&mine);
	uploads_info_free(&theirs);

	char path[64];
	snprintf(path, sizeof(path), "/api/requests/%s", id);
	assert_int_equal(itu_call_as(&c, "GET", path, NULL, NULL, resA, ROLE_CITIZEN), 200);
	assert_string_equal(jsonx_str(c.json, "id"), id);
	call_end(&c);
	assert_int_equal(itu_call_as(&c, "GET", path, NULL, NULL, resB, ROLE_CITIZEN), 404);
	assert_string_equal(call_detail(&c), "Request not found");
	call_end(&c);
	assert_int_equal(
	    itu_call_as(&c, "GET", "/api/requests/nothex", NULL, NULL, resA, ROLE_CITIZEN), 404);
	assert_string_equal(call_detail(&c), "Request not found");
	call_end(&c);
}

static void list_filters_and_paging(void **state)
{
	(void)state;
	char user[25], id[25];
	itu_new_id(user);
	create(user, "organic", false, id);
	create(user, "hazardous", false, id);
	create(user, "organic", true, id);
	struct call c;
	assert_int_equal(itu_call_as(&c, "GET", "/api/requests", NULL, NULL, user, ROLE_CITIZEN),
			 200);
	assert_int_equal(json_object_get_int(json_object_object_get(c.json, "total")), 3);
	assert_int_equal(json_object_get_int(json_object_object_get(c.json, "limit")), 20);
	json_object *items = json_object_object_get(c.json, "items");
	assert_string_equal(jsonx_str(json_object_array_get_idx(items, 0), "id"), id); /* newest */
	assert_string_equal(jsonx_str(json_object_array_get_idx(items, 0), "status"), "draft");
	call_end(&c);
	assert_int_equal(itu_call_as(&c, "GET", "/api/requests",
				     "category=organic&status=submitted", NULL, user, ROLE_CITIZEN),
			 200);
	assert_int_equal(json_object_get_int(json_object_object_get(c.json, "total")), 1);
	call_end(&c);
	assert_int_equal(
	    itu_call_as(&c, "GET", "/api/requests", "skip=1&limit=1", NULL, user, ROLE_CITIZEN),
	    200);
	assert_int_equal(json_object_get_int(json_object_object_get(c.json, "total")), 3);
	assert_int_equal(json_object_array_length(json_object_object_get(c.json, "items")), 1);
	call_end(&c);
	const char *bad[] = {"status=done", "status=", "category=plastic", "limit=0",
			     "limit=101",   "skip=-1", "limit=x"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (itu_call_as(&c, "GET", "/api/requests", bad[i], NULL, user, ROLE_CITIZEN) !=
		    422)
			fail_msg("%s: %d", bad[i], c.status);
		call_end(&c);
	}
	char other[25];
	itu_new_id(other);
	assert_int_equal(itu_call_as(&c, "GET", "/api/requests", NULL, NULL, other, ROLE_CITIZEN),
			 200);
	assert_int_equal(json_object_get_int(json_object_object_get(c.json, "total")), 0);
	call_end(&c);
}

static void draft_edit_and_submit(void **state)
{
	(void)state;
	char id[25], path[96];
	create(resA, "organic", true, id);
	struct call c;
	snprintf(path, sizeof(path), "/api/requests/%s", id);
	assert_int_equal(itu_call_as(&c, "PATCH", path, NULL,
				     "{\"description\":\"Changed words\","
				     "\"quantity\":7}",
				     resA, ROLE_CITIZEN),
			 200);
	assert_string_equal(jsonx_str(c.json, "description"), "Changed words");
	assert_string_equal(jsonx_str(c.json, "status"), "draft");
	call_end(&c);
	assert_int_equal(
	    itu_call_as(&c, "PATCH", path, NULL, "{\"draft\":false}", resA, ROLE_CITIZEN), 422);
	call_end(&c);
	assert_int_equal(
	    itu_call_as(&c, "PATCH", path, NULL, "{\"quantity\":7}", resB, ROLE_CITIZEN), 404);
	call_end(&c);
	snprintf(path, sizeof(path), "/api/requests/%s/submit", id);
	assert_int_equal(itu_call_as(&c, "POST", path, NULL, NULL, resB, ROLE_CITIZEN), 404);
	call_end(&c);
	assert_int_equal(itu_call_as(&c, "POST", path, NULL, NULL, resA, ROLE_CITIZEN), 200);
	assert_string_equal(jsonx_str(c.json, "status"), "submitted");
	json_object *evs = json_object_object_get(c.json, "events");
	assert_int_equal(json_object_array_length(evs), 2);
	json_object *d = json_object_object_get(json_object_array_get_idx(evs, 1), "data");
	assert_string_equal(jsonx_str(d, "from"), "draft");
	assert_string_equal(jsonx_str(d, "to"), "submitted");
	call_end(&c);
	assert_int_equal(itu_call_as(&c, "POST", path, NULL, NULL, resA, ROLE_CITIZEN), 409);
	call_end(&c);
	snprintf(path, sizeof(path), "/api/requests/%s", id);
	assert_int_equal(
	    itu_call_as(&c, "PATCH", path, NULL, "{\"quantity\":2}", resA, ROLE_CITIZEN), 409);
	assert_string_equal(call_detail(&c), "Only drafts can be edited");
	call_end(&c);
}

static void confirm_slot_and_reschedule(void **state)
{
	(void)state;
	char id[25], path[96], body[160];
	create(resA, "recyclable", false, id);
	int64_t a = itu_slot_at(50), b = itu_slot_at(60);
	struct call c;
	snprintf(path, sizeof(path), "/api/requests/%s/confirm-slot", id);
	assert_int_equal(itu_call_as(&c, "POST", path, NULL, slot_body(body, sizeof(body), a), resB,
				     ROLE_CITIZEN),
			 404);
	call_end(&c);
	assert_int_equal(itu_call_as(&c, "POST", path, NULL, slot_body(body, sizeof(body), a), resA,
				     ROLE_CITIZEN),
			 200);
	assert_string_equal(jsonx_str(c.json, "status"), "scheduled");
	char want[TIME_RFC3339_LEN];
	time_format_rfc3339(a, want);
	assert_string_equal(jsonx_str(json_object_object_get(c.json, "assigned_slot"), "start"),
			    want);
	call_end(&c);
	assert_int_equal(booked("recyclable", a), 1);
	/* reschedule: the new seat is taken, the old one freed */
	assert_int_equal(itu_call_as(&c, "POST", path, NULL, slot_body(body, sizeof(body), b), resA,
				     ROLE_CITIZEN),
			 200);
	json_object *evs = json_object_object_get(c.json, "events");
	size_t nev = json_object_array_length(evs);
	json_object *d = json_object_object_get(json_object_array_get_idx(evs, nev - 1), "data");
	assert_string_equal(jsonx_str(d, "from"), "scheduled");
	assert_string_equal(jsonx_str(d, "to"), "scheduled");
	assert_string_equal(jsonx_str(d, "note"), "Rescheduled");
	call_end(&c);
	assert_int_equal(booked("recyclable", a), 0);
	assert_int_equal(booked("recyclable", b), 1);
	/* the same slot again changes nothing */
	assert_int_equal(itu_call_as(&c, "POST", path, NULL, slot_body(body, sizeof(body), b), resA,
				     ROLE_CITIZEN),
			 200);
	assert_int_equal(json_object_array_length(json_object_object_get(c.json, "events")), nev);
	call_end(&c);
	assert_int_equal(booked("recyclable", b), 1);
	/* within the lead time, off the grid, end before start */
	assert_int_equal(itu_call_as(&c, "POST", path, NULL,
				     slot_body(body, sizeof(body), itu_slot_at(2)), resA,
				     ROLE_CITIZEN),
			 409);
	assert_string_equal(call_detail(&c), "Slot not available");
	call_end(&c);
	assert_int_equal(itu_call_as(&c, "POST", path, NULL,
				     slot_body(body, sizeof(body), a + 60000), resA, ROLE_CITIZEN),
			 409);
	call_end(&c);
	assert_int_equal(itu_call_as(&c, "POST", path, NULL,
				     "{\"slot_start\":\"2030-01-01T10:00:00Z\","
				     "\"slot_end\":\"2030-01-01T09:00:00Z\"}",
				     resA, ROLE_CITIZEN),
			 422);
	call_end(&c);
	/* a draft cannot get a slot */
	char d2[25];
	create(resA, "recyclable", true, d2);
	snprintf(path, sizeof(path), "/api/requests/%s/confirm-slot", d2);
	assert_int_equal(itu_call_as(&c, "POST", path, NULL, slot_body(body, sizeof(body), a), resA,
				     ROLE_CITIZEN),
			 409);
	call_end(&c);
}

static void slot_full(void **state)
{
	(void)state;
	char x[25], y[25], path[96], body[160];
	create(resA, "hazardous", false, x);
	create(resB, "e-waste", false, y);
	int64_t s = itu_slot_at(80);
	struct call c;
	snprintf(path, sizeof(path), "/api/requests/%s/confirm-slot", x);
	assert_int_equal(itu_call_as(&c, "POST", path, NULL, slot_body(body, sizeof(body), s), resA,
				     ROLE_CITIZEN),
			 200);
	call_end(&c);
	snprintf(path, sizeof(path), "/api/requests/%s/confirm-slot", y);
	assert_int_equal(itu_call_as(&c, "POST", path, NULL, slot_body(body, sizeof(body), s), resB,
				     ROLE_CITIZEN),
			 409);
	assert_string_equal(call_detail(&c), "Slot is full");
	call_end(&c);
	/* the refused one stays where it was */
	snprintf(path, sizeof(path), "/api/requests/%s", y);
	assert_int_equal(itu_call_as(&c, "GET", path, NULL, NULL, resB, ROLE_CITIZEN), 200);
	assert_string_equal(jsonx_str(c.json, "status"), "submitted");
	call_end(&c);
	assert_int_equal(booked("hazardous", s), 1);
}

static void cancel_rules(void **state)
{
	(void)state;
	char id[25], path[96], body[256];
	struct call c;
	/* submitted: cancellable, with a reason, once */
	create(resA, "organic", false, id);
	snprintf(path, sizeof(path), "/api/requests/%s/cancel", id);
	assert_int_equal(itu_call_as(&c, "POST", path, NULL, NULL, resB, ROLE_CITIZEN), 404);
	call_end(&c);
	assert_int_equal(
	    itu_call_as(&c, "POST", path, NULL, "{\"reason\":\"Moved\"}", resA, ROLE_CITIZEN), 200);
	assert_string_equal(jsonx_str(c.json, "status"), "cancelled");
	json_object *evs = json_object_object_get(c.json, "events");
	json_object *d = json_object_object_get(
	    json_object_array_get_idx(evs, json_object_array_length(evs) - 1), "data");
	assert_string_equal(jsonx_str(d, "reason"), "Moved");
	call_end(&c);
	assert_int_equal(itu_call_as(&c, "POST", path, NULL, NULL, resA, ROLE_CITIZEN), 400);
	assert_string_equal(call_detail(&c), "Cannot cancel in current status");
	call_end(&c);
	assert_int_equal(itu_call_as(&c, "POST", path, NULL, "{\"why\":1}", resA, ROLE_CITIZEN),
			 422);
	call_end(&c);

	/* scheduled by staff 3 h ahead: too late for the resident, fine for staff */
	create(resA, "organic", false, id);
	expect_transition(id, "pending_review", 200);
	int64_t soon = itu_slot_at(3);
	char sb[160];
	slot_body(sb, sizeof(sb), soon);
	snprintf(body, sizeof(body), "{\"to\":\"scheduled\",%s", sb + 1);
	assert_int_equal(transition(id, body, &c), 200);
	call_end(&c);
	assert_int_equal(booked("organic", soon), 1);
	snprintf(path, sizeof(path), "/api/requests/%s/cancel", id);
	assert_int_equal(itu_call_as(&c, "POST", path, NULL, NULL, resA, ROLE_CITIZEN), 400);
	assert_string_equal(call_detail(&c), "Too late to cancel (<24h)");
	call_end(&c);
	snprintf(path, sizeof(path), "/api/requests/%s/confirm-slot", id);
	assert_int_equal(itu_call_as(&c, "POST", path, NULL,
				     slot_body(sb, sizeof(sb), itu_slot_at(66)), resA,
				     ROLE_CITIZEN),
			 400);
	assert_string_equal(call_detail(&c), "Too late to reschedule (<24h)");
	call_end(&c);
	assert_int_equal(booked("organic", itu_slot_at(66)), 0); /* nothing claimed */
	expect_transition(id, "cancelled", 200);
	assert_int_equal(booked("organic", soon), 0);

	/* scheduled more than 24 h ahead: the resident may cancel, the seat is freed */
	create(resA, "organic", false, id);
	int64_t later = itu_slot_at(44);
	snprintf(path, sizeof(path), "/api/requests/%s/confirm-slot", id);
	assert_int_equal(itu_call_as(&c, "POST", path, NULL, slot_body(sb, sizeof(sb), later), resA,
				     ROLE_CITIZEN),
			 200);
	call_end(&c);
	assert_int_equal(booked("organic", later), 1);
	snprintf(path, sizeof(path), "/api/requests/%s/cancel", id);
	assert_int_equal(itu_call_as(&c, "POST", path, NULL, NULL, resA, ROLE_CITIZEN), 200);
	assert_true(jsonx_is_null(c.json, "assigned_slot"));
	call_end(&c);
	assert_int_equal(booked("organic", later), 0);
}

static void staff_pipeline_to_completed(void **state)
{
	(void)state;
	char user[25], id[25], path[96], body[256], sb[160];
	itu_new_id(user);
	create(user, "recyclable", false, id);
	struct call c;
	/* residents have no access to staff routes */
	snprintf(path, sizeof(path), "/api/staff/requests/%s", id);
	assert_int_equal(itu_call_as(&c, "GET", path, NULL, NULL, user, ROLE_CITIZEN), 403);
	call_end(&c);
	assert_int_equal(itu_call_as(&c, "GET", path, NULL, NULL, staff, ROLE_STAFF), 200);
	json_object *allowed = json_object_object_get(c.json, "allowed_transitions");
	assert_int_equal(json_object_array_length(allowed), 2);
	assert_string_equal(json_object_get_string(json_object_array_get_idx(allowed, 0)),
			    "pending_review");
	call_end(&c);
	/* an edge that is not in the lifecycle */
	assert_int_equal(transition(id, "{\"to\":\"completed\"}", &c), 409);
	assert_string_equal(call_detail(&c), "Invalid transition from submitted to completed");
	allowed = json_object_object_get(c.json, "allowed");
	assert_int_equal(json_object_array_length(allowed), 2);
	call_end(&c);
	assert_int_equal(transition(id, "{\"to\":\"finished\"}", &c), 422);
	call_end(&c);
	expect_transition(id, "pending_review", 200);
	/* scheduling needs a slot when none is assigned */
	assert_int_equal(transition(id, "{\"to\":\"scheduled\"}", &c), 422);
	assert_true(has_error_at(c.json, "body.slot_start"));
	call_end(&c);
	int64_t s = itu_slot_at(30);
	slot_body(sb, sizeof(sb), s);
	snprintf(body, sizeof(body), "{\"to\":\"scheduled\",\"note\":\"Crew 4\",%s", sb + 1);
	assert_int_equal(transition(id, body, &c), 200);
	assert_string_equal(jsonx_str(c.json, "status"), "scheduled");
	call_end(&c);
	const char *stages[] = {"enroute",   "onsite",	 "collecting",
				"collected", "handover", "verification"};
	for (size_t i = 0; i < 6; i++)
		expect_transition(id, stages[i], 200);
	snprintf(path, sizeof(path), "/api/staff/requests/%s/transition", id);
	assert_int_equal(
	    itu_call_as(&c, "POST", path, NULL, "{\"to\":\"completed\"}", admin, ROLE_ADMIN), 200);
	assert_string_equal(jsonx_str(c.json, "status"), "completed");
	assert_int_equal(json_object_get_int(json_object_object_get(c.json, "reward_points")), 5);
	assert_int_equal(
	    json_object_array_length(json_object_object_get(c.json, "allowed_transitions")), 0);
	json_object *evs = json_object_object_get(c.json, "events");
	assert_int_equal(json_object_array_length(evs), 10);
	json_object *last = json_object_array_get_idx(evs, 9);
	assert_string_equal(jsonx_str(last, "by_role"), "admin");
	assert_string_equal(jsonx_str(last, "by"), admin);
	call_end(&c);
	/* a repeated completion is refused and credits nothing more */
	assert_int_equal(transition(id, "{\"to\":\"completed\"}", &c), 409);
	assert_int_equal(json_object_array_length(json_object_object_get(c.json, "allowed")), 0);
	call_end(&c);
	assert_int_equal(transition(id, "{\"to\":\"cancelled\"}", &c), 409);
	call_end(&c);
	assert_int_equal(
	    itu_call_as(&c, "GET", "/api/rewards/summary", NULL, NULL, user, ROLE_CITIZEN), 200);
	assert_int_equal(json_object_get_int(json_object_object_get(c.json, "total_points")), 5);
	json_object *recent = json_object_object_get(c.json, "recent");
	assert_int_equal(json_object_array_length(recent), 1);
	json_object *r0 = json_object_array_get_idx(recent, 0);
	assert_string_equal(jsonx_str(r0, "reason"), "Completed recyclable pickup");
	assert_string_equal(jsonx_str(r0, "request_id"), id);
	assert_int_equal(json_object_get_int(json_object_object_get(r0, "points")), 5);
	call_end(&c);
	/* every stage told the resident once, in-app (pending_review is internal) */
	bson_oid_t uoid;
	db_parse_oid(user, &uoid);
	bson_error_t err;
	bson_t *q = BCON_NEW("user_id", BCON_OID(&uoid), "channel", BCON_UTF8("inapp"));
	assert_int_equal(
	    mongoc_collection_count_documents(db_coll("notifications"), q, NULL, NULL, NULL, &err),
	    9);
	bson_destroy(q);
	q = BCON_NEW("user_id", BCON_OID(&uoid), "channel", BCON_UTF8("inapp"), "event",
		     BCON_UTF8("completed"));
	assert_int_equal(
	    mongoc_collection_count_documents(db_coll("notifications"), q, NULL, NULL, NULL, &err),
	    1);
	bson_destroy(q);
	/* another resident sees none of it */
	assert_int_equal(
	    itu_call_as(&c, "GET", "/api/rewards/summary", NULL, NULL, resB, ROLE_CITIZEN), 200);
	assert_int_equal(json_object_get_int(json_object_object_get(c.json, "total_points")), 0);
	call_end(&c);
}

static void failed_then_rescheduled(void **state)
{
	(void)state;
	char id[25], body[256], sb[160];
	create(resA, "bulk", false, id);
	expect_transition(id, "pending_review", 200);
	int64_t s = itu_slot_at(33), s2 = itu_slot_at(57);
	slot_body(sb, sizeof(sb), s);
	snprintf(body, sizeof(body), "{\"to\":\"scheduled\",%s", sb + 1);
	struct call c;
	assert_int_equal(transition(id, body, &c), 200);
	call_end(&c);
	expect_transition(id, "enroute", 200);
	expect_transition(id, "failed", 200);
	assert_int_equal(booked("bulk", s), 0); /* the seat went with the failure */
	/* a failed request needs a new slot */
	assert_int_equal(transition(id, "{\"to\":\"scheduled\"}", &c), 422);
	call_end(&c);
	assert_int_equal(transition(id, "{\"to\":\"enroute\"}", &c), 409);
	call_end(&c);
	/* a slot only goes with scheduling */
	snprintf(body, sizeof(body), "{\"to\":\"cancelled\",%s", sb + 1);
	assert_int_equal(transition(id, body, &c), 422);
	call_end(&c);
	slot_body(sb, sizeof(sb), s2);
	snprintf(body, sizeof(body), "{\"to\":\"scheduled\",%s", sb + 1);
	assert_int_equal(transition(id, body, &c), 200);
	assert_string_equal(jsonx_str(c.json, "status"), "scheduled");
	call_end(&c);
	assert_int_equal(booked("bulk", s2), 1);
}

static void notes_append_only(void **state)
{
	(void)state;
	char id[25], path[96];
	create(resA, "other", false, id);
	struct call c;
	snprintf(path, sizeof(path), "/api/staff/requests/%s/notes", id);
	assert_int_equal(
	    itu_call_as(&c, "POST", path, NULL, "{\"note\":\"Gate code 1234\"}", staff, ROLE_STAFF),
	    201);
	json_object *evs = json_object_object_get(c.json, "events");
	assert_int_equal(json_object_array_length(evs), 2);
	json_object *n = json_object_array_get_idx(evs, 1);
	assert_string_equal(jsonx_str(n, "type"), "NOTE");
	assert_string_equal(jsonx_str(json_object_object_get(n, "data"), "note"), "Gate code 1234");
	assert_string_equal(jsonx_str(n, "by_role"), "staff");
	char first[512];
	snprintf(first, sizeof(first), "%s",
		 json_object_to_json_string(json_object_array_get_idx(evs, 0)));
	call_end(&c);
	assert_int_equal(itu_call_as(&c, "POST", path, NULL, "{\"note\":\"\"}", staff, ROLE_STAFF),
			 422);
	call_end(&c);
	assert_int_equal(
	    itu_call_as(&c, "POST", path, NULL, "{\"note\":\"x\"}", resA, ROLE_CITIZEN), 403);
	call_end(&c);
	assert_int_equal(itu_call_as(&c, "POST",
				     "/api/staff/requests/ffffffffffffffffffffffff/notes", NULL,
				     "{\"note\":\"x\"}", staff, ROLE_STAFF),
			 404);
	call_end(&c);
	expect_transition(id, "pending_review", 200);
	snprintf(path, sizeof(path), "/api/requests/%s", id);
	assert_int_equal(itu_call_as(&c, "GET", path, NULL, NULL, resA, ROLE_CITIZEN), 200);
	evs = json_object_object_get(c.json, "events");
	assert_int_equal(json_object_array_length(evs), 3);
	assert_string_equal(json_object_to_json_string(json_object_array_get_idx(evs, 0)), first);
	call_end(&c);
}

/* The document carries its timeline: a detail reads the document and probes the next
 * version (2 commands; + its read mark and waitlist entries; a repeat is a read-cache hit), a list
 * reads count and page (2 commands), however long the log; both show the same timeline as the log.
 * A document written before timelines existed reads its log once and gets its timeline written. */
static void documents_carry_their_timeline(void **state)
{
	(void)state;
	char id[25], path[96], detail[8192];
	create(resB, "organic", false, id);
	struct call c;
	snprintf(path, sizeof(path), "/api/staff/requests/%s/notes", id);
	for (int i = 0; i < 6; i++) {
		assert_int_equal(
		    itu_call_as(&c, "POST", path, NULL, "{\"note\":\"again\"}", staff, ROLE_STAFF),
		    201);
		call_end(&c);
	}
	expect_transition(id, "pending_review", 200);
	snprintf(path, sizeof(path), "/api/requests/%s", id);
	db_trace_reset();
	assert_int_equal(itu_call_as(&c, "GET", path, NULL, NULL, resB, ROLE_CITIZEN), 200);
	/* the read mark (read cache), the document, the probe, its waitlist entries */
	assert_true(db_trace_count() <= 4);
	json_object *evs = json_object_object_get(c.json, "events");
	assert_int_equal(json_object_array_length(evs), 8);
	assert_null(json_object_object_get(json_object_array_get_idx(evs, 7), "version"));
	snprintf(detail, sizeof(detail), "%s", json_object_to_json_string(evs));
	call_end(&c);
	/* again: the same answer from the read cache, for the read mark alone */
	db_trace_reset();
	assert_int_equal(itu_call_as(&c, "GET", path, NULL, NULL, resB, ROLE_CITIZEN), 200);
	assert_true(db_trace_count() <= 1);
	assert_string_equal(json_object_to_json_string(json_object_object_get(c.json, "events")),
			    detail);
	call_end(&c);

	db_trace_reset();
	assert_int_equal(
	    itu_call_as(&c, "GET", "/api/requests", "limit=100", NULL, resB, ROLE_CITIZEN), 200);
	assert_true(db_trace_count() <= 2);
	json_object *items = json_object_object_get(c.json, "items");
	bool seen = false;
	for (size_t i = 0; i < json_object_array_length(items); i++) {
		json_object *it = json_object_array_get_idx(items, i);
		if (strcmp(jsonx_str(it, "id"), id) != 0)
			continue;
		seen = true;
		assert_string_equal(
		    json_object_to_json_string(json_object_object_get(it, "events")), detail);
	}
	assert_true(seen);
	call_end(&c);

	/* an older document: no timeline stored */
	bson_oid_t oid;
	bson_oid_init_from_string(&oid, id);
	bson_t *sel = BCON_NEW("_id", BCON_OID(&oid));
	bson_t *upd = BCON_NEW("$unset", "{", "timeline", BCON_UTF8(""), "}");
	bson_error_t err;
	assert_true(
	    mongoc_collection_update_one(db_coll("pickup_requests"), sel, upd, NULL, NULL, &err));
	bson_destroy(upd);
	read_cache_reset(); /* written behind the API's back: no read mark moved */
	assert_int_equal(
	    itu_call_as(&c, "GET", "/api/requests", "limit=100", NULL, resB, ROLE_CITIZEN), 200);
	call_end(&c);
	assert_int_equal(itu_call_as(&c, "GET", path, NULL, NULL, resB, ROLE_CITIZEN), 200);
	assert_string_equal(json_object_to_json_string(json_object_object_get(c.json, "events")),
			    detail);
	call_end(&c);
	bson_t *stored = itu_find_one("pickup_requests", sel);
	bson_iter_t it;
	assert_true(bson_iter_init_find(&it, stored, "timeline") && BSON_ITER_HOLDS_ARRAY(&it));
	bson_destroy(stored);
	db_trace_reset();
	assert_int_equal(itu_call_as(&c, "GET", path, NULL, NULL, resB, ROLE_CITIZEN), 200);
	assert_true(db_trace_count() <= 3); /* and its waitlist entries */
	assert_string_equal(json_object_to_json_string(json_object_object_get(c.json, "events")),
			    detail);
	call_end(&c);
}

static void staff_list_filters(void **state)
{
	(void)state;
	char user[25], a[25], b[25], body[1024], sb[160];
	itu_new_id(user);
	snprintf(
	    body, sizeof(body),
	    "{\"category\":\"e-waste\",\"description\":\"Broken TV (42in) a.b\",\"quantity\":1,"
	    "\"address\":{\"line1\":\"7 Lakeview Towers\",\"city\":\"Zyxwabad\","
	    "\"pincode\":\"560001\"}}");
	struct call c;
	assert_int_equal(itu_call_as(&c, "POST", "/api/requests", NULL, body, user, ROLE_CITIZEN),
			 201);
	snprintf(a, sizeof(a), "%s", jsonx_str(c.json, "id"));
	call_end(&c);
	create(user, "organic", false, b);
	assert_int_equal(
	    itu_call_as(&c, "GET", "/api/staff/requests", "q=zyxWABAD", NULL, staff, ROLE_STAFF),
	    200);
	assert_int_equal(json_object_get_int(json_object_object_get(c.json, "total")), 1);
	call_end(&c);
	assert_int_equal(itu_call_as(&c, "GET", "/api/staff/requests", "q=tv%20(42in)%20a.b", NULL,
				     staff, ROLE_STAFF),
			 200);
	assert_int_equal(json_object_get_int(json_object_object_get(c.json, "total")), 1);
	call_end(&c);
	assert_int_equal(itu_call_as(&c, "GET", "/api/staff/requests", "q=TV%20(42in)%20aXb", NULL,
				     staff, ROLE_STAFF),
			 200);
	assert_int_equal(json_object_get_int(json_object_object_get(c.json, "total")), 0);
	call_end(&c);
	assert_int_equal(
	    itu_call_as(&c, "GET", "/api/staff/requests", "q=.*", NULL, staff, ROLE_STAFF), 200);
	assert_int_equal(json_object_get_int(json_object_object_get(c.json, "total")), 0);
	call_end(&c);
	/* slot date in SERVICE_TZ */
	expect_transition(a, "pending_review", 200);
	int64_t s = itu_slot_at(100);
	slot_body(sb, sizeof(sb), s);
	snprintf(body, sizeof(body), "{\"to\":\"scheduled\",%s", sb + 1);
	assert_int_equal(transition(a, body, &c), 200);
	call_end(&c);
	time_t t = (time_t)(s / 1000);
	struct tm tm;
	localtime_r(&t, &tm);
	char q[64];
	snprintf(q, sizeof(q), "date=%04d-%02d-%02d&category=e-waste", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday);
	assert_int_equal(itu_call_as(&c, "GET", "/api/staff/requests", q, NULL, staff, ROLE_STAFF),
			 200);
	assert_int_equal(json_object_get_int(json_object_object_get(c.json, "total")), 1);
	assert_string_equal(
	    jsonx_str(json_object_array_get_idx(json_object_object_get(c.json, "items"), 0), "id"),
	    a);
	call_end(&c);
	assert_int_equal(itu_call_as(&c, "GET", "/api/staff/requests", "date=2026-02-30", NULL,
				     staff, ROLE_STAFF),
			 422);
	call_end(&c);
	assert_int_equal(itu_call_as(&c, "GET", "/api/staff/requests", "status=scheduled&limit=100",
				     NULL, admin, ROLE_ADMIN),
			 200);
	assert_true(json_object_get_int(json_object_object_get(c.json, "total")) >= 1);
	call_end(&c);
	assert_int_equal(
	    itu_call_as(&c, "GET", "/api/staff/requests", "status=nope", NULL, staff, ROLE_STAFF),
	    422);
	call_end(&c);
}

/* SLOT_BOOKING_WINDOW_DAYS (default 60): residents cannot book or prefer a slot a year
 * ahead; staff may schedule it. */
static void booking_window_on_requests(void **state)
{
	(void)state;
	char id[25], path[96], body[512], sb[160];
	int64_t far = itu_slot_at(365 * 24), near = itu_slot_at(59 * 24);
	char a[TIME_RFC3339_LEN], b[TIME_RFC3339_LEN];
	time_format_rfc3339(far, a);
	time_format_rfc3339(far + 3600000, b);
	struct call c;
	snprintf(body, sizeof(body),
		 "{\"category\":\"organic\",\"description\":\"Garden waste\",\"quantity\":1,"
		 "\"address\":{\"line1\":\"1 Far Road\",\"city\":\"Pune\","
		 "\"pincode\":\"411001\"},\"preferred_slots\":[{\"start\":\"%s\",\"end\":\"%s\"}]}",
		 a, b);
	assert_int_equal(itu_call_as(&c, "POST", "/api/requests", NULL, body, resA, ROLE_CITIZEN),
			 422);
	assert_true(has_error_at(c.json, "body.preferred_slots.0"));
	call_end(&c);
	create(resA, "organic", false, id);
	snprintf(path, sizeof(path), "/api/requests/%s/confirm-slot", id);
	assert_int_equal(
	    itu_call_as(&c, "POST", path, NULL, slot_body(sb, sizeof(sb), far), resA, ROLE_CITIZEN),
	    409);
	assert_string_equal(call_detail(&c), "Slot not available");
	call_end(&c);
	assert_int_equal(booked("organic", far), 0);
	assert_int_equal(itu_call_as(&c, "POST", path, NULL, slot_body(sb, sizeof(sb), near), resA,
				     ROLE_CITIZEN),
			 200);
	call_end(&c);
	/* staff may schedule beyond the window */
	char id2[25];
	create(resB, "organic", false, id2);
	expect_transition(id2, "pending_review", 200);
	slot_body(sb, sizeof(sb), far);
	snprintf(body, sizeof(body), "{\"to\":\"scheduled\",%s", sb + 1);
	assert_int_equal(transition(id2, body, &c), 200);
	assert_string_equal(jsonx_str(c.json, "status"), "scheduled");
	call_end(&c);
	assert_int_equal(booked("organic", far), 1);
}

/* Creates a request of `uid` whose address city is `city`; copies its id into `id`. */
static void create_in(const char *uid, const char *city, char id[25])
{
	char body[512];
	snprintf(body, sizeof(body),
		 "{\"category\":\"recyclable\",\"description\":\"Cardboard boxes\","
		 "\"quantity\":2,\"address\":{\"line1\":\"3 Lake Road\",\"city\":\"%s\","
		 "\"pincode\":\"560001\"}}",
		 city);
	struct call c;
	assert_int_equal(itu_call_as(&c, "POST", "/api/requests", NULL, body, uid, ROLE_CITIZEN),
			 201);
	snprintf(id, 25, "%s", jsonx_str(c.json, "id"));
	call_end(&c);
}

static void expect_owner(json_object *o, const char *id)
{
	json_object *u = json_object_object_get(o, "user");
	assert_non_null(u);
	assert_string_equal(jsonx_str(u, "id"), id);
	assert_string_equal(jsonx_str(u, "name"), "Aditi Rao");
	assert_string_equal(jsonx_str(u, "email"), "aditi.owner@example.com");
	assert_string_equal(jsonx_str(u, "phone"), "+91 98450 12345");
	assert_int_equal(json_object_object_length(u), 4);
}

/* Staff see who the resident is: `user` on the detail, the list items and the answer of a
 * change; null when the account is gone. */
static void staff_sees_resident(void **state)
{
	(void)state;
	struct user u;
	bson_error_t err;
	assert_int_equal(users_create("Aditi Rao", "aditi.owner@example.com", "+91 98450 12345",
				      "$argon2id$x", "citizen", &u, &err),
			 USERS_OK);
	char owner[25], ghost[25], a[25], b[25], g[25], path[96];
	snprintf(owner, sizeof(owner), "%s", u.id);
	users_clear(&u);
	itu_new_id(ghost);
	create_in(owner, "Ownerpur", a);
	create_in(owner, "Ownerpur", b);
	create_in(ghost, "Ownerpur", g);
	struct call c;
	snprintf(path, sizeof(path), "/api/staff/requests/%s", a);
	assert_int_equal(itu_call_as(&c, "GET", path, NULL, NULL, staff, ROLE_STAFF), 200);
	expect_owner(c.json, owner);
	call_end(&c);
	/* the resident's own view stays without it */
	snprintf(path, sizeof(path), "/api/requests/%s", a);
	assert_int_equal(itu_call_as(&c, "GET", path, NULL, NULL, owner, ROLE_CITIZEN), 200);
	assert_false(json_object_object_get_ex(c.json, "user", NULL));
	call_end(&c);
	snprintf(path, sizeof(path), "/api/staff/requests/%s", g);
	assert_int_equal(itu_call_as(&c, "GET", path, NULL, NULL, staff, ROLE_STAFF), 200);
	assert_true(json_object_object_get_ex(c.json, "user", NULL));
	assert_true(jsonx_is_null(c.json, "user"));
	call_end(&c);
	/* the answer of a transition and of a note */
	assert_int_equal(transition(a, "{\"to\":\"pending_review\"}", &c), 200);
	expect_owner(c.json, owner);
	call_end(&c);
	snprintf(path, sizeof(path), "/api/staff/requests/%s/notes", a);
	assert_int_equal(
	    itu_call_as(&c, "POST", path, NULL, "{\"note\":\"Called her\"}", staff, ROLE_STAFF),
	    201);
	expect_owner(c.json, owner);
	call_end(&c);
	/* every item of a page */
	assert_int_equal(
	    itu_call_as(&c, "GET", "/api/staff/requests", "q=ownerpur", NULL, staff, ROLE_STAFF),
	    200);
	json_object *items = json_object_object_get(c.json, "items");
	assert_int_equal(json_object_array_length(items), 3);
	int owned = 0, gone = 0;
	for (size_t i = 0; i < 3; i++) {
		json_object *it = json_object_array_get_idx(items, i);
		const char *uid = jsonx_str(it, "user_id");
		if (strcmp(uid, owner) == 0) {
			expect_owner(it, owner);
			owned++;
		} else {
			assert_string_equal(uid, ghost);
			assert_true(json_object_object_get_ex(it, "user", NULL));
			assert_true(jsonx_is_null(it, "user"));
			gone++;
		}
	}
	assert_int_equal(owned, 2);
	assert_int_equal(gone, 1);
	call_end(&c);
	/* the residents' own list stays without it */
	assert_int_equal(itu_call_as(&c, "GET", "/api/requests", NULL, NULL, owner, ROLE_CITIZEN),
			 200);
	items = json_object_object_get(c.json, "items");
	assert_true(json_object_array_length(items) >= 2);
	assert_false(json_object_object_get_ex(json_object_array_get_idx(items, 0), "user", NULL));
	call_end(&c);
}

static int cleaned;
static char cleaned_id[25];

static void count_each(const struct pickup_request *r, const struct derr *fail, void *ctx)
{
	(void)ctx;
	if (!fail)
		cleaned++;
	oid_to_hex(&r->id, cleaned_id);
}

static void draft_cleanup(void **state)
{
	(void)state;
	char user[25], old[25], fresh[25];
	itu_new_id(user);
	create(user, "organic", true, old);
	create(user, "organic", true, fresh);
	bson_oid_t oid;
	db_parse_oid(old, &oid);
	bson_error_t err;
	int64_t aged = time_now_ms() - 8LL * 86400 * 1000;
	bson_t *sel = BCON_NEW("_id", BCON_OID(&oid));
	bson_t *upd = BCON_NEW("$set", "{", "updated_at", BCON_DATE_TIME(aged), "}");
	assert_true(
	    mongoc_collection_update_one(db_coll("pickup_requests"), sel, upd, NULL, NULL, &err));
	bson_destroy(sel);
	bson_destroy(upd);
	cleaned = 0;
	struct derr derr;
	assert_int_equal(requests_cleanup_drafts(time_now_ms(), true, count_each, NULL, &derr), 1);
	assert_int_equal(cleaned, 1);
	assert_string_equal(cleaned_id, old); /* each is told which draft */
	bson_t *doc = requests_load(&oid, NULL, &err);
	assert_non_null(doc); /* dry run kept it */
	bson_destroy(doc);
	cleaned = 0;
	assert_int_equal(requests_cleanup_drafts(time_now_ms(), false, count_each, NULL, &derr), 1);
	assert_null(requests_load(&oid, NULL, &err));
	assert_int_equal(err.code, 0);
	/* only the DELETE tombstone is left: it keeps the version taken, so a submit that read
	 * the draft before the cleanup gets a conflict instead of writing an orphan event */
	assert_int_equal(itu_count("request_events", BCON_NEW("request_id", BCON_OID(&oid))), 1);
	assert_int_equal(itu_count("request_events", BCON_NEW("request_id", BCON_OID(&oid), "type",
							      BCON_UTF8("DELETE"))),
			 1);
	db_parse_oid(fresh, &oid);
	doc = requests_load(&oid, NULL, &err);
	assert_non_null(doc);
	bson_destroy(doc);
}

static void idor_every_route(void **state)
{
	(void)state;
	char id[25], path[128], sb[160];
	create(resA, "organic", true, id);
	struct call c;
	struct {
		const char *method, *suffix, *body;
	} routes[] = {
	    {"GET", "", NULL},
	    {"PATCH", "", "{\"quantity\":2}"},
	    {"POST", "/submit", NULL},
	    {"POST", "/cancel", NULL},
	    {"POST", "/confirm-slot", slot_body(sb, sizeof(sb), itu_slot_at(50))},
	};
	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		snprintf(path, sizeof(path), "/api/requests/%s%s", id, routes[i].suffix);
		if (itu_call_as(&c, routes[i].method, path, NULL, routes[i].body, resB,
				ROLE_CITIZEN) != 404 ||
		    strcmp(call_detail(&c), "Request not found") != 0)
			fail_msg("%s %s: %d %s", routes[i].method, path, c.status, c.res.body);
		call_end(&c);
		snprintf(path, sizeof(path), "/api/requests/000000000000000000000000%s",
			 routes[i].suffix);
		assert_int_equal(itu_call_as(&c, routes[i].method, path, NULL, routes[i].body, resA,
					     ROLE_CITIZEN),
				 404);
		call_end(&c);
	}
	/* untouched by all that */
	snprintf(path, sizeof(path), "/api/requests/%s", id);
	assert_int_equal(itu_call_as(&c, "GET", path, NULL, NULL, resA, ROLE_CITIZEN), 200);
	assert_string_equal(jsonx_str(c.json, "status"), "draft");
	assert_int_equal(json_object_array_length(json_object_object_get(c.json, "events")), 1);
	call_end(&c);
}

int main(void)
{
	if (!itu_have_mongo())
		return 1;
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(guard_still_refuses),
	    cmocka_unit_test(create_validation),
	    cmocka_unit_test(create_get_shape_and_photos),
	    cmocka_unit_test(photos_kept_only_by_changes_that_go_ahead),
	    cmocka_unit_test(list_filters_and_paging),
	    cmocka_unit_test(draft_edit_and_submit),
	    cmocka_unit_test(confirm_slot_and_reschedule),
	    cmocka_unit_test(slot_full),
	    cmocka_unit_test(cancel_rules),
	    cmocka_unit_test(staff_pipeline_to_completed),
	    cmocka_unit_test(failed_then_rescheduled),
	    cmocka_unit_test(notes_append_only),
	    cmocka_unit_test(documents_carry_their_timeline),
	    cmocka_unit_test(staff_list_filters),
	    cmocka_unit_test(staff_sees_resident),
	    cmocka_unit_test(booking_window_on_requests),
	    cmocka_unit_test(draft_cleanup),
	    cmocka_unit_test(idor_every_route),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
