/* The MongoDB connection of this process: one single-threaded mongoc client, created
 * after fork() (pools and clients do not survive a fork), with a short server selection
 * timeout so an unreachable database fails requests fast instead of hanging them. */
#ifndef SWMRA_DB_H
#define SWMRA_DB_H

#include <json-c/json.h>
#include <mongoc/mongoc.h>
#include <stdbool.h>

/* Creates the client from config (MONGO_URI, MONGO_DB). Call in the process that uses it.
 * Returns 0 or -1 with err set (bad URI). Does not contact the server. */
int db_open(char *err, size_t errlen);
/* Destroys the client (sending endSessions, whose FerretDB warning is filtered). */
void db_close(void);
/* Borrowed collection handle of the configured database, cached for the process. */
mongoc_collection_t *db_coll(const char *name);
mongoc_database_t *db_database(void);
mongoc_client_t *db_client(void);
/* {ping: 1}; latency in ms on success. */
bool db_ping(double *latency_ms, bson_error_t *err);
/* Creates every index the modules declare (infra/module.h, db_indexes.c); safe to repeat. */
bool db_ensure_indexes(bson_error_t *err);
/* The i-th declared index (modules in registry order): its collection and key spec
 * (extended JSON); false past the end. */
bool db_index_at(size_t i, const char **coll, const char **keys);
/* FerretDB-on-PostgreSQL only (FERRETDB_POSTGRESQL_URL set, else nothing to do): GIN
 * indexes on FerretDB's tables for `_id` and the registry's equality keys
 * (db_pg_indexes.c). Part of db_ensure_indexes(); safe to repeat. */
bool db_pg_ensure_gin_indexes(bson_error_t *err);
/* The outcome of db_claim. The values are the 1/0/-1 the callers used to spell out. */
enum db_claim_result {
	DB_CLAIM_WON = 1,   /* the document was inserted: the claim is this caller's */
	DB_CLAIM_LOST = 0,  /* a document with the same unique key exists: another claim won */
	DB_CLAIM_ERROR = -1 /* any other failure (err set): nothing is known about the key */
};
/* The one exclusivity primitive (FerretDB-safe: only a unique insert is atomic there, see
 * docs/ARCHITECTURE.md): inserts `doc` into collection `coll` and reports whether this
 * call took the unique key the document carries (its _id, or a field under a unique
 * index). It is the only code that looks at a duplicate-key error; callers decide what a
 * lost claim means for them. `doc` is borrowed (not modified); `err` is set for LOST (the
 * duplicate-key error, for logs) and ERROR. */
enum db_claim_result db_claim(const char *coll, const bson_t *doc, bson_error_t *err);
/* update_one with upsert on `coll`; a duplicate-key error from two first upserts racing
 * is retried once (the document exists then). `q` and `update` are borrowed. */
bool db_upsert(const char *coll, const bson_t *q, const bson_t *update, bson_error_t *err);

/* The same for n (q, update) pairs, sent as one ordered `update` command (one trip). */
bool db_upsert_each(const char *coll, bson_t *const *qs, bson_t *const *updates, size_t n,
		    bson_error_t *err);
/* The cleanup jobs' step: deletes the documents of `coll` matching `q` (or, with dry_run,
 * counts them). Returns the number, or -1 on error (err set). */
int64_t db_delete_or_count(const char *coll, const bson_t *q, bool dry_run, bson_error_t *err);
/* The server could not be reached (selection timeout, socket errors): answer 503. */
bool db_is_unavailable(const bson_error_t *err);
/* `s` with every regular-expression metacharacter escaped, so a $regex matches it
 * literally (malloc'd, caller frees). */
char *db_regex_escape(const char *s);
/* The wire form of a BSON value (new json-c object, caller owns; NULL for JSON null and
 * types the API never stores): dates as RFC 3339 UTC, ObjectIds as 24-hex strings,
 * documents and arrays recursively. */
json_object *db_value_to_json(const bson_iter_t *it);
/* Deletes (or with dry_run counts) the documents of `coll` whose date `field` is before
 * `before_ms`: the cron purges (no TTL indexes on FerretDB). Returns the number or -1. */
int64_t db_purge_before(const char *coll, const char *field, int64_t before_ms, bool dry_run,
			bson_error_t *err);
/* 24 lowercase/uppercase hex chars → ObjectId. */
/* A backlog: how many documents of `coll` match `q` and the oldest value of the date
 * `field` among them (*oldest_ms -1 when none), by a count and a sorted one-document read
 * (so an index on q's fields then `field` serves both). false on a database error. */
bool db_count_oldest(const char *coll, const bson_t *q, const char *field, int64_t *count,
		     int64_t *oldest_ms, bson_error_t *err);

bool db_parse_oid(const char *hex, bson_oid_t *oid);

/* Appends the filter {key: value} for one value, else {key: {$in: [values...]}} (strings):
 * the one-value form is the top-level equality FerretDB's PostgreSQL backend can serve
 * from an index. */
void db_append_in_utf8(bson_t *b, const char *key, const char *const *vals, size_t n);
/* Installs the mongoc log handler that drops driver debug noise and FerretDB's harmless
 * endSessions warning and forwards the rest as JSON log lines. Called by db_open. */
void db_install_log_handler(void);

/* ---- command tracing of the test build (db_trace.c; only with APP_ENV=test) ---- */
/* Installs the APM counter (and, with SWMRA_COMMAND_LOG_DIR, the per-process command log)
 * on `client`. Called by db_open; does nothing outside test mode. */
void db_trace_install(mongoc_client_t *client);
/* Whether tracing is on (APP_ENV=test). */
bool db_trace_enabled(void);
/* Commands sent since the last reset (0 when tracing is off). */
unsigned long db_trace_count(void);
void db_trace_reset(void);
/* Brackets a cache's upkeep (the session cache's sync and its user refills, the slot
 * settings' reloads): the commands sent inside count in db_trace_count and also in
 * db_trace_upkeep_count. Upkeep falls on whichever request comes first after a change or a
 * poll interval, so a route's own cost is the difference (tests/e2e/budget.test.mjs).
 * Calls nest: db_trace_upkeep(true) ... db_trace_upkeep(false). */
void db_trace_upkeep(bool on);
unsigned long db_trace_upkeep_count(void);
/* What the command log names as the sender of the following commands (a route). */
void db_trace_context(const char *method, const char *route);

#endif
