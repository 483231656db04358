/* FerretDB on PostgreSQL (SWMRA_TEST_PG_URL, the test stack's FerretDB database): the
 * index bootstrap gives every hot lookup an index PostgreSQL uses for FerretDB's own
 * statement shape (`_jsonb->$1 @> $2`, prepared), the database plans with the key as a
 * constant (force_custom_plan), and queries sent through FerretDB really scan those
 * indexes (pg_stat_user_indexes). Skipped when the test stack runs FerretDB on SQLite. */
#include "itutil.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static PGconn *pg;
static const char *dbname;

static int setup(void **state)
{
	(void)state;
	dbname = itu_db_env("pgix");
	setenv("FERRETDB_POSTGRESQL_URL", getenv("SWMRA_TEST_PG_URL"), 1);
	if (itu_start("test_pg_indexes") < 0 || itu_ensure_indexes() < 0)
		return -1;
	pg = PQconnectdb(getenv("SWMRA_TEST_PG_URL"));
	if (PQstatus(pg) != CONNECTION_OK) {
		fprintf(stderr, "PostgreSQL: %s\n", PQerrorMessage(pg));
		return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	PQfinish(pg);
	itu_drop();
	return 0;
}

/* The first column of the first row of a query (static buffer; "" when no row). */
static const char *pg_value(const char *sql)
{
	static char buf[4096];
	PGresult *r = PQexec(pg, sql);
	if (PQresultStatus(r) != PGRES_TUPLES_OK)
		fail_msg("%s: %s", sql, PQerrorMessage(pg));
	snprintf(buf, sizeof(buf), "%s", PQntuples(r) > 0 ? PQgetvalue(r, 0, 0) : "");
	PQclear(r);
	return buf;
}

static void pg_do(const char *sql)
{
	PGresult *r = PQexec(pg, sql);
	if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK)
		fail_msg("%s: %s", sql, PQerrorMessage(pg));
	PQclear(r);
}

/* FerretDB's table for a collection, from its metadata (static buffer). */
static const char *table_of(const char *coll)
{
	static char table[128];
	char sql[512];
	snprintf(sql, sizeof(sql),
		 "SELECT _jsonb->>'table' FROM \"%s\"._ferretdb_database_metadata "
		 "WHERE _jsonb->>'_id' = '%s'",
		 dbname, coll);
	snprintf(table, sizeof(table), "%s", pg_value(sql));
	assert_true(table[0] != '\0');
	return table;
}

/* The plan of FerretDB's equality pushdown on coll.field, as FerretDB sends it: a
 * prepared statement with the key and the value as parameters, planned for these values.
 * Sequential scans are priced out so that a usable index shows even on a small table;
 * with no usable index the plan stays a Seq Scan. */
static char *plan_of(const char *coll, const char *field, const char *json)
{
	char sql[1024];
	snprintf(sql, sizeof(sql),
		 "PREPARE ferret(text, jsonb) AS SELECT _jsonb FROM \"%s\".\"%s\" WHERE _jsonb->$1 "
		 "@> $2",
		 dbname, table_of(coll));
	pg_do("SET enable_seqscan = off");
	pg_do(sql);
	snprintf(sql, sizeof(sql), "EXPLAIN EXECUTE ferret('%s', '%s')", field, json);
	PGresult *r = PQexec(pg, sql);
	if (PQresultStatus(r) != PGRES_TUPLES_OK)
		fail_msg("%s: %s", sql, PQerrorMessage(pg));
	size_t len = 1;
	for (int i = 0; i < PQntuples(r); i++)
		len += strlen(PQgetvalue(r, i, 0)) + 1;
	char *plan = calloc(1, len);
	assert_non_null(plan);
	for (int i = 0; i < PQntuples(r); i++) {
		strcat(plan, PQgetvalue(r, i, 0));
		strcat(plan, "\n");
	}
	PQclear(r);
	pg_do("DEALLOCATE ferret");
	pg_do("RESET enable_seqscan");
	return plan;
}

static void assert_uses_gin(const char *coll, const char *field, const char *json)
{
	char *plan = plan_of(coll, field, json);
	char want[256];
	snprintf(want, sizeof(want), "Index Scan on %s_%s_gin", table_of(coll), field);
	if (!strstr(plan, want))
		fail_msg("%s by %s does not use its GIN index:\n%s", coll, field, plan);
	free(plan);
}

/* The lookups the hot paths make (session check, resident list and detail, notifications,
 * booking, login backoff, web push, rewards, uploads). */
static const struct {
	const char *coll, *field, *json;
} hot[] = {
    {"users", "_id", "\"6b14adac79a5430760085ba1\""},
    {"users", "email", "\"a@example.com\""},
    {"revoked_tokens", "_id", "\"jti-1\""},
    {"pickup_requests", "_id", "\"6b14adac79a5430760085ba1\""},
    {"pickup_requests", "user_id", "\"6b14adac79a5430760085ba1\""},
    {"request_events", "request_id", "\"6b14adac79a5430760085ba1\""},
    {"notifications", "user_id", "\"6b14adac79a5430760085ba1\""},
    {"login_failures", "email", "\"a@example.com\""},
    {"slot_claims", "request_id", "\"6b14adac79a5430760085ba1\""},
    {"push_subscriptions", "user_id", "\"6b14adac79a5430760085ba1\""},
    {"rewards", "user_id", "\"6b14adac79a5430760085ba1\""},
    {"uploads", "owner_id", "\"6b14adac79a5430760085ba1\""},
    {"job_runs", "_id", "\"dispatch:1\""},
    {"session_state", "_id", "\"generation\""},
};

static void hot_lookups_use_gin_indexes(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(hot) / sizeof(hot[0]); i++)
		assert_uses_gin(hot[i].coll, hot[i].field, hot[i].json);
}

/* Without its index the same lookup scans (the check above can fail), and the bootstrap,
 * run again, puts the index back. */
static void missing_index_is_seen_and_restored(void **state)
{
	(void)state;
	char sql[512];
	snprintf(sql, sizeof(sql), "DROP INDEX \"%s\".\"%s_user_id_gin\"", dbname,
		 table_of("pickup_requests"));
	pg_do(sql);
	char *plan = plan_of("pickup_requests", "user_id", "\"u\"");
	assert_non_null(strstr(plan, "Seq Scan"));
	assert_null(strstr(plan, "Index Scan"));
	free(plan);
	assert_int_equal(itu_ensure_indexes(), 0);
	assert_uses_gin("pickup_requests", "user_id", "\"u\"");
}

/* The stack sets force_custom_plan on FerretDB's database (new sessions get it). */
static void database_plans_custom(void **state)
{
	(void)state;
	PGconn *fresh = PQconnectdb(getenv("SWMRA_TEST_PG_URL"));
	assert_int_equal(PQstatus(fresh), CONNECTION_OK);
	PGresult *r = PQexec(fresh, "SHOW plan_cache_mode");
	assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
	assert_string_equal(PQgetvalue(r, 0, 0), "force_custom_plan");
	PQclear(r);
	PQfinish(fresh);
}

static long long idx_scans(const char *coll, const char *field)
{
	char sql[512];
	snprintf(sql, sizeof(sql),
		 "SELECT coalesce(sum(idx_scan), -1) FROM pg_stat_user_indexes WHERE schemaname = "
		 "'%s' AND indexrelname = '%s_%s_gin'",
		 dbname, table_of(coll), field);
	return atoll(pg_value(sql));
}

/* idx_scan of coll.field's GIN index exceeds `before` within 15 s (PostgreSQL publishes
 * a session's statistics about a second after it goes idle). */
static void assert_scanned(const char *coll, const char *field, long long before)
{
	pg_do("SET stats_fetch_consistency = none");
	for (int i = 0; i < 150; i++) {
		if (idx_scans(coll, field) > before)
			return;
		usleep(100000);
	}
	fail_msg("FerretDB's lookup of %s by %s did not scan its GIN index (idx_scan stays %lld)",
		 coll, field, before);
}

/* Through FerretDB, on a table big enough that PostgreSQL would rather scan without an
 * index: a user by _id, a resident's requests (sorted page and count) by user_id. */
static void ferretdb_lookups_scan_gin_indexes(void **state)
{
	(void)state;
	bson_error_t err;
	mongoc_bulk_operation_t *bulk =
	    mongoc_collection_create_bulk_operation_with_opts(db_coll("pickup_requests"), NULL);
	char user[32];
	for (int i = 0; i < 3000; i++) {
		snprintf(user, sizeof(user), "user-%d", i % 300);
		bson_t *d = BCON_NEW("user_id", BCON_UTF8(user), "status", BCON_UTF8("submitted"),
				     "created_at", BCON_DATE_TIME(1700000000000 + i));
		mongoc_bulk_operation_insert(bulk, d);
		bson_destroy(d);
	}
	assert_true(mongoc_bulk_operation_execute(bulk, NULL, &err));
	mongoc_bulk_operation_destroy(bulk);
	bson_t *u = BCON_NEW("_id", BCON_UTF8("user-7"), "email", BCON_UTF8("u7@example.com"));
	assert_true(mongoc_collection_insert_one(db_coll("users"), u, NULL, NULL, &err));
	bson_destroy(u);
	char sql[256];
	snprintf(sql, sizeof(sql), "ANALYZE \"%s\".\"%s\"", dbname, table_of("pickup_requests"));
	pg_do(sql);

	long long by_user = idx_scans("pickup_requests", "user_id");
	long long by_id = idx_scans("users", "_id");
	assert_true(by_user >= 0 && by_id >= 0);
	bson_t *f = BCON_NEW("user_id", BCON_UTF8("user-7"));
	bson_t *opts =
	    BCON_NEW("sort", "{", "created_at", BCON_INT32(-1), "}", "limit", BCON_INT64(20));
	mongoc_cursor_t *cur =
	    mongoc_collection_find_with_opts(db_coll("pickup_requests"), f, opts, NULL);
	const bson_t *doc;
	int n = 0;
	while (mongoc_cursor_next(cur, &doc))
		n++;
	assert_false(mongoc_cursor_error(cur, &err));
	mongoc_cursor_destroy(cur);
	assert_int_equal(n, 10);
	assert_int_equal(mongoc_collection_count_documents(db_coll("pickup_requests"), f, NULL,
							   NULL, NULL, &err),
			 10);
	bson_destroy(f);
	bson_destroy(opts);
	f = BCON_NEW("_id", BCON_UTF8("user-7"));
	assert_int_equal(
	    mongoc_collection_count_documents(db_coll("users"), f, NULL, NULL, NULL, &err), 1);
	bson_destroy(f);
	assert_scanned("pickup_requests", "user_id", by_user);
	assert_scanned("users", "_id", by_id);
}

int main(void)
{
	if (!itu_have_mongo())
		return 1;
	const char *url = getenv("SWMRA_TEST_PG_URL");
	if (!url || !url[0]) { /* TAP: the whole file skipped */
		printf(
		    "1..0 # SKIP the test stack runs FerretDB on SQLite (no SWMRA_TEST_PG_URL)\n");
		return 0;
	}
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(hot_lookups_use_gin_indexes),
	    cmocka_unit_test(missing_index_is_seen_and_restored),
	    cmocka_unit_test(database_plans_custom),
	    cmocka_unit_test(ferretdb_lookups_scan_gin_indexes),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
