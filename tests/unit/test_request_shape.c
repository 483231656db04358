/* The wire shape of a request (api/request_json.c, from struct pickup_request) is byte for
 * byte what the service answered when it converted the stored document field by field
 * (the reference below is that conversion, kept here as the contract): the same keys in
 * the same order, the same values, for documents in every state a request can be in — a
 * fresh submission, a scheduled one with a crew, a collected one with proof of service, an
 * erased one, a document older than the change log with its embedded events. */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

#include "api/request_json.h"
#include "domain/requests.h"
#include "domain/internal/requests_store.h"
#include "domain/upload_links.h"
#include "infra/config.h"
#include "infra/db.h"
#include "infra/jsonx.h"
#include "infra/timeutil.h"

#define P1    "2030/01/0123456789abcdef0123456789abcdef.jpg"
#define P2    "2030/01/1123456789abcdef0123456789abcdef.png"
#define PROOF "2030/02/2123456789abcdef0123456789abcdef.webp"

/* ------------------------------------------------------------------ the reference */

static void put_field(json_object *o, const bson_t *doc, const char *key, const char *as)
{
	bson_iter_t it;
	json_object *v = NULL;
	if (bson_iter_init_find(&it, doc, key))
		v = db_value_to_json(&it);
	json_object_object_add(o, as ? as : key, v);
}

static void flatten_by(json_object *events)
{
	for (size_t i = 0; i < json_object_array_length(events); i++) {
		json_object *e = json_object_array_get_idx(events, i), *by;
		if (!json_object_object_get_ex(e, "by", &by) ||
		    !json_object_is_type(by, json_type_object))
			continue;
		const char *id = jsonx_str(by, "id"), *role = jsonx_str(by, "role");
		json_object *idv = id && *id ? json_object_new_string(id) : NULL;
		json_object *rolev = role && *role ? json_object_new_string(role) : NULL;
		json_object_object_add(e, "by", idv);
		json_object_object_add(e, "by_role", rolev);
	}
}

static json_object *photo_links(const bson_t *doc, const char *key)
{
	json_object *photos = json_object_new_array();
	bson_iter_t it, sub;
	if (bson_iter_init_find(&it, doc, key) && BSON_ITER_HOLDS_ARRAY(&it) &&
	    bson_iter_recurse(&it, &sub))
		while (bson_iter_next(&sub)) {
			if (!BSON_ITER_HOLDS_UTF8(&sub))
				continue;
			char *url = upload_link_url(bson_iter_utf8(&sub, NULL));
			json_object_array_add(photos, json_object_new_string(url));
			free(url);
		}
	return photos;
}

static void link_proofs(json_object *events)
{
	for (size_t i = 0; i < json_object_array_length(events); i++) {
		json_object *data =
		    json_object_object_get(json_object_array_get_idx(events, i), "data");
		json_object *paths = data ? json_object_object_get(data, "proof_photos") : NULL;
		if (!paths || !json_object_is_type(paths, json_type_array))
			continue;
		json_object *links = json_object_new_array();
		for (size_t j = 0; j < json_object_array_length(paths); j++) {
			const char *p = json_object_get_string(json_object_array_get_idx(paths, j));
			char *url = p ? upload_link_url(p) : NULL;
			if (!url)
				continue;
			json_object_array_add(links, json_object_new_string(url));
			free(url);
		}
		json_object_object_add(data, "proof_photos", links);
	}
}

static json_object *reference(const bson_t *doc)
{
	static const char *const head[] = {"user_id",	  "category", "is_special",
					   "description", "quantity", NULL};
	static const char *const mid[] = {
	    "address", "preferred_slots", "assigned_slot", "status",	 "crew_id", "version",
	    "events",  "reward_points",	  "created_at",	   "updated_at", NULL};
	json_object *o = json_object_new_object();
	put_field(o, doc, "_id", "id");
	for (int i = 0; head[i]; i++)
		put_field(o, doc, head[i], NULL);
	json_object_object_add(o, "photos", photo_links(doc, "photos"));
	for (int i = 0; mid[i]; i++)
		put_field(o, doc, mid[i], NULL);
	if (!json_object_object_get(o, "preferred_slots"))
		json_object_object_add(o, "preferred_slots", json_object_new_array());
	if (!json_object_object_get(o, "events"))
		json_object_object_add(o, "events", json_object_new_array());
	flatten_by(json_object_object_get(o, "events"));
	int64_t deadline = requests_change_deadline(doc);
	char ts[TIME_RFC3339_LEN];
	if (deadline >= 0)
		time_format_rfc3339(deadline, ts);
	json_object_object_add(o, "change_deadline",
			       deadline >= 0 ? json_object_new_string(ts) : NULL);
	link_proofs(json_object_object_get(o, "events"));
	put_field(o, doc, "weight_kg", NULL);
	json_object_object_add(o, "proof_photos", photo_links(doc, "proof_photos"));
	if (!json_object_object_get(o, "reward_points"))
		json_object_object_add(o, "reward_points", json_object_new_int(0));
	return o;
}

/* ------------------------------------------------------------------ the comparison */

/* Asserts that the builder's text of `doc` (destroyed here) is the reference's. */
static void same_shape(bson_t *doc)
{
	json_object *want = reference(doc);
	struct pickup_request r;
	requests_from_doc(doc, &r);
	json_object *got = api_request_json(&r);
	pickup_request_clear(&r);
	assert_string_equal(json_object_to_json_string_ext(got, JSON_C_TO_STRING_PLAIN),
			    json_object_to_json_string_ext(want, JSON_C_TO_STRING_PLAIN));
	json_object_put(got);
	json_object_put(want);
	bson_destroy(doc);
}

static const int64_t T0 = 1893456000000LL; /* 2030-01-01 */

static void submitted(void **state)
{
	(void)state;
	bson_oid_t id, owner;
	bson_oid_init(&id, NULL);
	bson_oid_init(&owner, NULL);
	same_shape(BCON_NEW(
	    "_id", BCON_OID(&id), "user_id", BCON_OID(&owner), "category", BCON_UTF8("organic"),
	    "is_special", BCON_BOOL(false), "description", BCON_UTF8("Garden waste"), "quantity",
	    BCON_DOUBLE(2.5), "photos", "[", BCON_UTF8(P1), BCON_UTF8(P2), "]", "address", "{",
	    "line1", BCON_UTF8("12 MG Road"), "line2", BCON_NULL, "city", BCON_UTF8("Pune"),
	    "pincode", BCON_UTF8("411001"), "lat", BCON_DOUBLE(18.52), "lng", BCON_DOUBLE(73.85),
	    "}", "preferred_slots", "[", "{", "start", BCON_DATE_TIME(T0), "end",
	    BCON_DATE_TIME(T0 + 3600000), "}", "]", "assigned_slot", BCON_NULL, "status",
	    BCON_UTF8("submitted"), "reward_points", BCON_INT32(0), "created_at",
	    BCON_DATE_TIME(T0 - 86400000), "updated_at", BCON_DATE_TIME(T0 - 86400000), "version",
	    BCON_INT64(1), "events", "[", "{", "type", BCON_UTF8("STATUS_CHANGE"), "at",
	    BCON_DATE_TIME(T0 - 86400000), "by", "{", "id", BCON_UTF8("abc"), "role",
	    BCON_UTF8("citizen"), "}", "data", "{", "from", BCON_NULL, "to", BCON_UTF8("submitted"),
	    "reason", BCON_NULL, "note", BCON_NULL, "}", "}", "]"));
}

static void scheduled_with_crew(void **state)
{
	(void)state;
	bson_oid_t id, owner, crew;
	bson_oid_init(&id, NULL);
	bson_oid_init(&owner, NULL);
	bson_oid_init(&crew, NULL);
	same_shape(BCON_NEW(
	    "_id", BCON_OID(&id), "user_id", BCON_OID(&owner), "category", BCON_UTF8("recyclable"),
	    "is_special", BCON_BOOL(true), "description", BCON_UTF8("Boxes"), "quantity",
	    BCON_DOUBLE(4), "photos", "[", "]", "address", "{", "line1", BCON_UTF8("1 Road"),
	    "line2", BCON_UTF8("Flat 3"), "city", BCON_UTF8("Pune"), "pincode", BCON_UTF8("411002"),
	    "lat", BCON_NULL, "lng", BCON_NULL, "}", "preferred_slots", "[", "]", "assigned_slot",
	    "{", "start", BCON_DATE_TIME(T0), "end", BCON_DATE_TIME(T0 + 3600000), "}", "status",
	    BCON_UTF8("scheduled"), "crew_id", BCON_OID(&crew), "reward_points", BCON_INT32(0),
	    "created_at", BCON_DATE_TIME(T0 - 5), "updated_at", BCON_DATE_TIME(T0 - 1), "version",
	    BCON_INT64(4), "events", "[", "{", "type", BCON_UTF8("ASSIGN"), "at",
	    BCON_DATE_TIME(T0 - 1), "by", "{", "id", BCON_UTF8("s1"), "role", BCON_UTF8("staff"),
	    "}", "data", "{", "from", BCON_NULL, "to", BCON_NULL, "reason", BCON_NULL, "note",
	    BCON_UTF8("Assigned to crew A"), "crew_id", BCON_UTF8("0123456789abcdef01234567"), "}",
	    "}", "{", "type", BCON_UTF8("NOTE"), "at", BCON_DATE_TIME(T0), "by", "{", "id",
	    BCON_UTF8(""), "role", BCON_UTF8(""), "}", "data", "{", "note", BCON_UTF8("ring twice"),
	    "}", "}", "]"));
}

static void collected_with_proof(void **state)
{
	(void)state;
	bson_oid_t id, owner;
	bson_oid_init(&id, NULL);
	bson_oid_init(&owner, NULL);
	same_shape(BCON_NEW(
	    "_id", BCON_OID(&id), "user_id", BCON_OID(&owner), "category", BCON_UTF8("e-waste"),
	    "is_special", BCON_BOOL(false), "description", BCON_UTF8("Old TV"), "quantity",
	    BCON_DOUBLE(1), "photos", "[", BCON_UTF8(P1), "]", "address", "{", "line1",
	    BCON_UTF8("2 Road"), "line2", BCON_NULL, "city", BCON_UTF8("Pune"), "pincode",
	    BCON_UTF8("411003"), "lat", BCON_NULL, "lng", BCON_NULL, "}", "preferred_slots", "[",
	    "]", "assigned_slot", "{", "start", BCON_DATE_TIME(T0), "end",
	    BCON_DATE_TIME(T0 + 3600000), "}", "status", BCON_UTF8("collected"), "reward_points",
	    BCON_INT32(5), "created_at", BCON_DATE_TIME(T0 - 9), "updated_at", BCON_DATE_TIME(T0),
	    "version", BCON_INT64(7), "weight_kg", BCON_DOUBLE(12.25), "proof_photos", "[",
	    BCON_UTF8(PROOF), "]", "collected_at", BCON_DATE_TIME(T0), "events", "[", "{", "type",
	    BCON_UTF8("STATUS_CHANGE"), "at", BCON_DATE_TIME(T0), "by", "{", "id", BCON_UTF8("s2"),
	    "role", BCON_UTF8("staff"), "}", "data", "{", "from", BCON_UTF8("collecting"), "to",
	    BCON_UTF8("collected"), "reason", BCON_NULL, "note", BCON_NULL, "weight_kg",
	    BCON_DOUBLE(12.25), "proof_photos", "[", BCON_UTF8(PROOF), "]", "}", "}", "]"));
}

/* An erased resident's request: the address anonymised, no photos, no crew field at all. */
static void erased(void **state)
{
	(void)state;
	bson_oid_t id, owner;
	bson_oid_init(&id, NULL);
	bson_oid_init(&owner, NULL);
	same_shape(BCON_NEW("_id", BCON_OID(&id), "user_id", BCON_OID(&owner), "category",
			    BCON_UTF8("organic"), "is_special", BCON_BOOL(false), "description",
			    BCON_UTF8(""), "quantity", BCON_DOUBLE(0.5), "photos", "[", "]",
			    "address", "{", "line1", BCON_UTF8(""), "line2", BCON_NULL, "city",
			    BCON_UTF8(""), "pincode", BCON_UTF8("411001"), "lat", BCON_NULL, "lng",
			    BCON_NULL, "}", "assigned_slot", BCON_NULL, "status",
			    BCON_UTF8("cancelled"), "created_at", BCON_DATE_TIME(T0), "updated_at",
			    BCON_DATE_TIME(T0), "version", BCON_INT64(3)));
}

/* Before the change log: no version, the original service's events embedded (`by` a
 * string there: left as it is). */
static void legacy(void **state)
{
	(void)state;
	bson_oid_t id, owner;
	bson_oid_init(&id, NULL);
	bson_oid_init(&owner, NULL);
	same_shape(
	    BCON_NEW("_id", BCON_OID(&id), "user_id", BCON_OID(&owner), "category",
		     BCON_UTF8("organic"), "description", BCON_UTF8("Old request"), "quantity",
		     BCON_DOUBLE(1), "address", "{", "line1", BCON_UTF8("1 Old Road"), "line2",
		     BCON_NULL, "city", BCON_UTF8("Pune"), "pincode", BCON_UTF8("411001"), "lat",
		     BCON_NULL, "lng", BCON_NULL, "}", "status", BCON_UTF8("pending_review"),
		     "events", "[", "{", "status", BCON_UTF8("submitted"), "at", BCON_DATE_TIME(T0),
		     "by", BCON_UTF8("legacy"), "}", "{", "type", BCON_UTF8("STATUS_CHANGE"), "at",
		     BCON_DATE_TIME(T0 + 1), "by", "{", "id", BCON_UTF8("x"), "role",
		     BCON_UTF8("staff"), "}", "by_role", BCON_UTF8("old"), "data", "{", "to",
		     BCON_UTF8("pending_review"), "}", "}", "]", "created_at", BCON_DATE_TIME(T0)));
}

static int setup(void **state)
{
	(void)state;
	char err[256];
	setenv("PUBLIC_BASE_URL", "https://swmra.example", 1);
	setenv("UPLOAD_LINK_TTL", "600", 1);
	return config_load("", err, sizeof(err)) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(submitted),
	    cmocka_unit_test(scheduled_with_crew),
	    cmocka_unit_test(collected_with_proof),
	    cmocka_unit_test(erased),
	    cmocka_unit_test(legacy),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
