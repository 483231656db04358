/* Against a real FerretDB/MongoDB (SWMRA_TEST_MONGO_URI): the index bootstrap is
 * idempotent, unique indexes make inserts exclusive (11000), readiness answers 200 through
 * the real route table, and 503 when the server is unreachable. */
#include "itutil.h"

#include <stdio.h>
#include <unistd.h>

#include "api/api.h"
#include "infra/config.h"
#include "infra/db.h"
#include "infra/runtime.h"

static int setup(void **state)
{
	(void)state;
	itu_db_env("db");
	return itu_start("test_db");
}

static int teardown(void **state)
{
	(void)state;
	itu_drop();
	return 0;
}

static void indexes_idempotent(void **state)
{
	(void)state;
	bson_error_t err;
	assert_true(db_ensure_indexes(&err));
	assert_true(db_ensure_indexes(&err));
}

static void unique_insert_is_exclusive(void **state)
{
	(void)state;
	bson_error_t err;
	mongoc_collection_t *users = db_coll("users");
	bson_t *a = BCON_NEW("email", BCON_UTF8("dup@example.com"));
	bson_t *b = BCON_NEW("email", BCON_UTF8("dup@example.com"));
	assert_true(mongoc_collection_insert_one(users, a, NULL, NULL, &err));
	assert_false(mongoc_collection_insert_one(users, b, NULL, NULL, &err));
	assert_true(db_is_dup_key(&err));
	assert_false(db_is_unavailable(&err));
	bson_t *q = BCON_NEW("email", BCON_UTF8("dup@example.com"));
	assert_int_equal(mongoc_collection_count_documents(users, q, NULL, NULL, NULL, &err), 1);
	bson_destroy(a);
	bson_destroy(b);
	bson_destroy(q);
}

static void ready_through_router(void **state)
{
	(void)state;
	struct call c;
	call_begin(&c, "GET", "/api/health/ready", NULL, NULL);
	assert_int_equal(call_run(&c, api_routes, api_routes_count), 200);
	assert_string_equal(jsonx_str(c.json, "status"), "ok");
	json_object *comp = json_object_object_get(c.json, "components");
	assert_string_equal(jsonx_str(json_object_object_get(comp, "mongodb"), "status"), "ok");
	call_end(&c);
}

static void unreachable_is_503(void **state)
{
	(void)state;
	/* A second client to a port nothing listens on behaves like a database that went
	 * away: readiness says 503 with a JSON detail, quickly. */
	itu_reopen_unreachable("test_db");
	struct call c;
	call_begin(&c, "GET", "/api/health/ready", NULL, NULL);
	assert_int_equal(call_run(&c, api_routes, api_routes_count), 503);
	assert_string_equal(call_detail(&c), "MongoDB is unreachable");
	call_end(&c);
	bson_error_t berr;
	assert_false(db_ping(NULL, &berr));
	assert_true(db_is_unavailable(&berr));
	itu_reopen("test_db");
}

int main(void)
{
	if (!itu_have_mongo())
		return 1;
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(indexes_idempotent),
	    cmocka_unit_test(unique_insert_is_exclusive),
	    cmocka_unit_test(ready_through_router),
	    cmocka_unit_test(unreachable_is_503),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
