/* GIN indexes for FerretDB 1.24 on PostgreSQL (the embedded dev/test store).
 *
 * FerretDB's PostgreSQL backend stores each collection as a table of one jsonb column
 * (_jsonb) and pushes a top-level equality filter down as the prepared
 * `_jsonb->$1 @> $2`. Its own indexes are B-trees on (_jsonb->'field'), which `@>` never
 * uses, so every lookup scans the collection. A GIN index on (_jsonb->'field') serves
 * `@>` once the database plans with the key as a constant (plan_cache_mode =
 * force_custom_plan, set by scripts/stack.sh). This module creates such an index, from
 * the index registry, on `_id` of every collection and on every top-level equality field
 * of a declared index. It runs only when FERRETDB_POSTGRESQL_URL is set: production
 * (MongoDB 7) never takes this path. FerretDB 1.24.2 is pinned, so its table layout
 * (schema = database, `_ferretdb_database_metadata` naming each collection's table) is a
 * stable target. */
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "infra/config.h"
#include "infra/db.h"
#include "infra/log.h"
#include "infra/module.h"

/* Serialises concurrent bootstraps (API start-up and the seed, integration tests):
 * CREATE INDEX IF NOT EXISTS races on the catalog otherwise. */
#define GIN_LOCK_KEY 0x5357475049ll /* "SWGPI" */

static bool pg_fail(bson_error_t *err, const char *what, PGconn *conn)
{
	const char *msg = conn ? PQerrorMessage(conn) : "out of memory";
	bson_set_error(err, 0, 0, "PostgreSQL (FERRETDB_POSTGRESQL_URL): %s: %.*s", what,
		       (int)strcspn(msg, "\n"), msg);
	return false;
}

static bool pg_exec(PGconn *conn, const char *sql, bson_error_t *err)
{
	PGresult *r = PQexec(conn, sql);
	ExecStatusType st = PQresultStatus(r);
	PQclear(r);
	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
		return pg_fail(err, sql, conn);
	return true;
}

/* Makes the collection exist (FerretDB creates tables lazily, on first write). */
static bool mongo_create_collection(const char *coll, bson_error_t *err)
{
	bson_t cmd = BSON_INITIALIZER;
	BSON_APPEND_UTF8(&cmd, "create", coll);
	bool ok = mongoc_database_write_command_with_opts(db_database(), &cmd, NULL, NULL, err);
	bson_destroy(&cmd);
	if (!ok && err->code == 48) /* NamespaceExists */
		ok = true;
	return ok;
}

/* CREATE INDEX IF NOT EXISTS "<table>_<field>_gin" ON "<schema>"."<table>" USING gin
 * ((_jsonb->'<field>') jsonb_path_ops): jsonb_path_ops serves exactly `@>`. */
static bool gin_create(PGconn *conn, const char *schema, const char *table, const char *field,
		       bson_error_t *err)
{
	char name[64]; /* PostgreSQL identifiers: 63 bytes */
	snprintf(name, sizeof(name), "%s_%s_gin", table, field);
	char *q_name = PQescapeIdentifier(conn, name, strlen(name));
	char *q_schema = PQescapeIdentifier(conn, schema, strlen(schema));
	char *q_table = PQescapeIdentifier(conn, table, strlen(table));
	char *q_field = PQescapeLiteral(conn, field, strlen(field));
	bool ok = false;
	if (q_name && q_schema && q_table && q_field) {
		size_t n =
		    strlen(q_name) + strlen(q_schema) + strlen(q_table) + strlen(q_field) + 96;
		char *sql = malloc(n);
		if (sql) {
			snprintf(sql, n,
				 "CREATE INDEX IF NOT EXISTS %s ON %s.%s USING gin ((_jsonb -> %s) "
				 "jsonb_path_ops)",
				 q_name, q_schema, q_table, q_field);
			ok = pg_exec(conn, sql, err);
			free(sql);
		} else {
			pg_fail(err, "CREATE INDEX", NULL);
		}
	} else {
		pg_fail(err, "quoting", conn);
	}
	PQfreemem(q_name);
	PQfreemem(q_schema);
	PQfreemem(q_table);
	PQfreemem(q_field);
	return ok;
}

/* A time key: by the schema's naming ("at", "start", "end", "..._at") a BSON date, which
 * the code only sorts or compares by range, never looks up by equality. */
static bool gin_key_is_time(const char *key)
{
	size_t n = strlen(key);
	return strcmp(key, "at") == 0 || strcmp(key, "start") == 0 || strcmp(key, "end") == 0 ||
	       (n > 3 && strcmp(key + n - 3, "_at") == 0);
}

/* Whether the declared key at `pos` of `nkeys` is compared for equality: every key of a
 * compound index but the last (MongoDB's equality-sort-range order; the last one sorts or
 * ranges) and the only key of a single-field index, unless it is a time key or `_id`
 * (which has its GIN index anyway). Nested paths cannot be served. */
static bool gin_key_is_equality(const char *key, int pos, int nkeys)
{
	return (nkeys == 1 || pos < nkeys - 1) && !strchr(key, '.') && strcmp(key, "_id") != 0 &&
	       !gin_key_is_time(key);
}

/* The GIN indexes of one collection's table: `_id`, and the equality keys of each
 * declared index of that collection. */
static bool gin_collection(PGconn *conn, const char *schema, const char *coll, const char *table,
			   bson_error_t *err)
{
	if (!gin_create(conn, schema, table, "_id", err))
		return false;
	const char *icoll, *keys;
	for (size_t i = 0; db_index_at(i, &icoll, &keys); i++) {
		if (strcmp(icoll, coll) != 0)
			continue;
		bson_t *spec = bson_new_from_json((const uint8_t *)keys, -1, err);
		if (!spec)
			return false;
		int nkeys = (int)bson_count_keys(spec), pos = 0;
		bool ok = true;
		bson_iter_t it;
		for (bson_iter_init(&it, spec); ok && bson_iter_next(&it); pos++) {
			const char *key = bson_iter_key(&it);
			if (gin_key_is_equality(key, pos, nkeys))
				ok = gin_create(conn, schema, table, key, err);
		}
		bson_destroy(spec);
		if (!ok)
			return false;
	}
	return true;
}

/* Every collection of the database with its table, from FerretDB's metadata. */
static bool gin_all_collections(PGconn *conn, const char *schema, bson_error_t *err)
{
	char *q_schema = PQescapeIdentifier(conn, schema, strlen(schema));
	if (!q_schema)
		return pg_fail(err, "quoting", conn);
	char sql[512];
	snprintf(sql, sizeof(sql),
		 "SELECT _jsonb->>'_id', _jsonb->>'table' FROM %s._ferretdb_database_metadata",
		 q_schema);
	PQfreemem(q_schema);
	PGresult *r = PQexec(conn, sql);
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		PQclear(r);
		return pg_fail(err, "reading FerretDB's collection metadata", conn);
	}
	bool ok = true;
	for (int row = 0; ok && row < PQntuples(r); row++)
		ok =
		    gin_collection(conn, schema, PQgetvalue(r, row, 0), PQgetvalue(r, row, 1), err);
	PQclear(r);
	return ok;
}

bool db_pg_ensure_gin_indexes(bson_error_t *err)
{
	const struct config *c = config_get();
	if (!c->ferretdb_postgresql_url || !c->ferretdb_postgresql_url[0])
		return true;
	/* the collections the modules write without declaring an index: created up front so
	 * that their tables, and the GIN index on `_id`, exist before the first request */
	for (const struct module *const *m = modules_registry; *m; m++)
		for (const char *const *coll = (*m)->collections; coll && *coll; coll++)
			if (!mongo_create_collection(*coll, err))
				return false;
	PGconn *conn = PQconnectdb(c->ferretdb_postgresql_url);
	if (!conn || PQstatus(conn) != CONNECTION_OK) {
		pg_fail(err, "connecting", conn);
		PQfinish(conn);
		return false;
	}
	char lock[96];
	snprintf(lock, sizeof(lock), "SELECT pg_advisory_lock(%lld)", GIN_LOCK_KEY);
	bool ok = pg_exec(conn, "SET client_min_messages = warning", err) &&
		  pg_exec(conn, lock, err) && gin_all_collections(conn, c->mongo_db, err);
	PQfinish(conn); /* also releases the advisory lock */
	if (ok)
		log_info("GIN indexes ensured on FerretDB's PostgreSQL tables");
	return ok;
}
