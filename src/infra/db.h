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
/* Creates every index of the registry (db_indexes.c); safe to repeat. */
bool db_ensure_indexes(bson_error_t *err);
/* The registry's i-th index: its collection and key spec (extended JSON); false past the
 * end. */
bool db_index_at(size_t i, const char **coll, const char **keys);
/* FerretDB-on-PostgreSQL only (FERRETDB_POSTGRESQL_URL set, else nothing to do): GIN
 * indexes on FerretDB's tables for `_id` and the registry's equality keys
 * (db_pg_indexes.c). Part of db_ensure_indexes(); safe to repeat. */
bool db_pg_ensure_gin_indexes(bson_error_t *err);
/* Duplicate key (11000): an exclusive claim was already taken. */
bool db_is_dup_key(const bson_error_t *err);
/* The server could not be reached (selection timeout, socket errors): answer 503. */
bool db_is_unavailable(const bson_error_t *err);
/* `s` with every regular-expression metacharacter escaped, so a $regex matches it
 * literally (malloc'd, caller frees). */
char *db_regex_escape(const char *s);
/* The wire form of a BSON value (new json-c object, caller owns; NULL for JSON null and
 * types the API never stores): dates as RFC 3339 UTC, ObjectIds as 24-hex strings,
 * documents and arrays recursively. */
json_object *db_value_to_json(const bson_iter_t *it);
/* 24 lowercase/uppercase hex chars → ObjectId. */
bool db_parse_oid(const char *hex, bson_oid_t *oid);
/* Installs the mongoc log handler that drops driver debug noise and FerretDB's harmless
 * endSessions warning and forwards the rest as JSON log lines. Called by db_open. */
void db_install_log_handler(void);

#endif
