/* Against a real FerretDB/MongoDB (SWMRA_TEST_MONGO_URI): the index bootstrap is
 * idempotent, unique indexes make inserts exclusive (11000), readiness answers 200 through
 * the real route table, and 503 when the server is unreachable. */
#include "testutil.h"

#include <stdio.h>
#include <unistd.h>

#include "api/api.h"
#include "infra/config.h"
#include "infra/db.h"
#include "infra/runtime.h"

static char dbname[64];

static int setup(void **state)
{
	(void)state;
	const char *uri = getenv("SWMRA_TEST_MONGO_URI");
	setenv("MONGO_URI", uri, 1);
	snprintf(dbname, sizeof(dbname), "swmra_it_db_%ld", (long)getpid());
	setenv("MONGO_DB", dbname, 1);
	char err[256];
	if (config_load("", err, sizeof(err)) < 0 || runtime_init("test_db", err, sizeof(err)) < 0) {
		fprintf(stderr, "setup: %s\n", err);
		return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	bson_error_t err;
	mongoc_database_drop(db_database(), &err);
	runtime_shutdown();
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
	runtime_shutdown();
	setenv("MONGO_URI", "mongodb://127.0.0.1:1/?serverSelectionTimeoutMS=300", 1);
	char err[256];
	assert_int_equal(config_load("", err, sizeof(err)), 0);
	assert_int_equal(runtime_init("test_db", err, sizeof(err)), 0);
	struct call c;
	call_begin(&c, "GET", "/api/health/ready", NULL, NULL);
	assert_int_equal(call_run(&c, api_routes, api_routes_count), 503);
	assert_string_equal(call_detail(&c), "MongoDB is unreachable");
	call_end(&c);
	bson_error_t berr;
	assert_false(db_ping(NULL, &berr));
	assert_true(db_is_unavailable(&berr));
	runtime_shutdown();
	setenv("MONGO_URI", getenv("SWMRA_TEST_MONGO_URI"), 1);
	assert_int_equal(config_load("", err, sizeof(err)), 0);
	assert_int_equal(runtime_init("test_db", err, sizeof(err)), 0);
}

int main(void)
{
	if (!getenv("SWMRA_TEST_MONGO_URI")) {
		fprintf(stderr, "SWMRA_TEST_MONGO_URI is not set: skipping\n");
		printf("Bail out! SWMRA_TEST_MONGO_URI is not set (tests/run-check.sh provides it)\n");
		return 1;
	}
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(indexes_idempotent),
		cmocka_unit_test(unique_insert_is_exclusive),
		cmocka_unit_test(ready_through_router),
		cmocka_unit_test(unreachable_is_503),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
