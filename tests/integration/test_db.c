/* Against a real FerretDB/MongoDB (SWMRA_TEST_MONGO_URI): the index bootstrap is
 * idempotent, unique indexes make inserts exclusive and db_claim tells a lost claim (a
 * duplicate key, by _id or by a unique index) from every other failure, readiness answers
 * 200 through the real route table, and 503 when the server is unreachable. */
#include "itutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
	/* different _ids, one email: the unique index decides */
	assert_int_equal(db_claim("users", a, &err), DB_CLAIM_WON);
	assert_int_equal(db_claim("users", b, &err), DB_CLAIM_LOST);
	assert_false(db_is_unavailable(&err));
	bson_t *q = BCON_NEW("email", BCON_UTF8("dup@example.com"));
	assert_int_equal(mongoc_collection_count_documents(users, q, NULL, NULL, NULL, &err), 1);
	bson_destroy(a);
	bson_destroy(b);
	bson_destroy(q);
}

/* The same key by _id: the first claim wins, every later one loses and changes nothing. */
static void claim_by_id(void **state)
{
	(void)state;
	bson_error_t err;
	bson_t *first = BCON_NEW("_id", BCON_UTF8("job:window"), "by", BCON_UTF8("first"));
	bson_t *second = BCON_NEW("_id", BCON_UTF8("job:window"), "by", BCON_UTF8("second"));
	assert_int_equal(db_claim("claims_it", first, &err), DB_CLAIM_WON);
	assert_int_equal(db_claim("claims_it", second, &err), DB_CLAIM_LOST);
	assert_int_equal(db_claim("claims_it", first, &err), DB_CLAIM_LOST);
	bson_t *q = BCON_NEW("by", BCON_UTF8("first"));
	assert_int_equal(
	    mongoc_collection_count_documents(db_coll("claims_it"), q, NULL, NULL, NULL, &err), 1);
	bson_destroy(q);
	q = BCON_NEW("by", BCON_UTF8("second"));
	assert_int_equal(
	    mongoc_collection_count_documents(db_coll("claims_it"), q, NULL, NULL, NULL, &err), 0);
	bson_destroy(q);
	bson_destroy(first);
	bson_destroy(second);
}

/* A failure that is not a duplicate key is an error, never "someone else has it": a
 * caller would otherwise treat a claim nobody holds as taken. */
static void claim_error_is_not_lost(void **state)
{
	(void)state;
	bson_error_t err;
	/* a document over the 16 MiB BSON limit */
	size_t big = 17u * 1024 * 1024;
	char *s = malloc(big + 1);
	assert_non_null(s);
	memset(s, 'x', big);
	s[big] = '\0';
	bson_t *doc = BCON_NEW("_id", BCON_UTF8("too-large"), "blob", BCON_UTF8(s));
	free(s);
	assert_int_equal(db_claim("claims_it", doc, &err), DB_CLAIM_ERROR);
	bson_destroy(doc);
	/* a collection name the server refuses */
	doc = BCON_NEW("_id", BCON_UTF8("bad-name"));
	assert_int_equal(db_claim("bad$name", doc, &err), DB_CLAIM_ERROR);
	/* neither left a document behind: the same key can still be won */
	assert_int_equal(db_claim("claims_it", doc, &err), DB_CLAIM_WON);
	bson_destroy(doc);
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
	bson_t *doc = BCON_NEW("_id", BCON_UTF8("unreachable"));
	assert_int_equal(db_claim("claims_it", doc, &berr), DB_CLAIM_ERROR);
	assert_true(db_is_unavailable(&berr));
	bson_destroy(doc);
	itu_reopen("test_db");
}

int main(void)
{
	if (!itu_have_mongo())
		return 1;
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(indexes_idempotent),   cmocka_unit_test(unique_insert_is_exclusive),
	    cmocka_unit_test(claim_by_id),	    cmocka_unit_test(claim_error_is_not_lost),
	    cmocka_unit_test(ready_through_router), cmocka_unit_test(unreachable_is_503),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
