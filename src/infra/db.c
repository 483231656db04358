#include "infra/db.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "infra/config.h"
#include "infra/log.h"
#include "infra/timeutil.h"

static mongoc_client_t *client;
static mongoc_database_t *database;

struct coll_cache {
	char name[64];
	mongoc_collection_t *coll;
};
/* Room for every collection of the schema (about 60 with the features of issues 16-19)
 * with a margin: db_coll aborts past it rather than leak a handle per call, and a unit
 * test walks the index registry's collections through it. */
#define DB_COLL_CACHE 128
static struct coll_cache colls[DB_COLL_CACHE];
static bool mongoc_started;

static void mongo_log(mongoc_log_level_t level, const char *domain, const char *message, void *ud)
{
	(void)ud;
	if (level >= MONGOC_LOG_LEVEL_INFO)
		return; /* INFO, DEBUG, TRACE: the pool monitor chatters every 500 ms */
	if (strstr(message, "endSessions"))
		return; /* FerretDB has no endSessions; the driver's warning is harmless */
	json_object *f = json_object_new_object();
	json_object_object_add(f, "component", json_object_new_string("mongoc"));
	json_object_object_add(f, "domain", json_object_new_string(domain ? domain : ""));
	log_write(level <= MONGOC_LOG_LEVEL_CRITICAL ? LOG_ERROR : LOG_WARN, f, "%s", message);
}

void db_install_log_handler(void)
{
	mongoc_log_set_handler(mongo_log, NULL);
}

int db_open(char *err, size_t errlen)
{
	if (client)
		return 0;
	if (!mongoc_started) {
		mongoc_init();
		mongoc_started = true;
	}
	db_install_log_handler();
	const struct config *c = config_get();
	bson_error_t berr;
	mongoc_uri_t *uri = mongoc_uri_new_with_error(c->mongo_uri, &berr);
	if (!uri) {
		snprintf(err, errlen, "MONGO_URI: %s", berr.message);
		return -1;
	}
	/* The driver's default is 30 s: a request would hang that long on a dead server. */
	if (!mongoc_uri_has_option(uri, MONGOC_URI_SERVERSELECTIONTIMEOUTMS))
		mongoc_uri_set_option_as_int32(uri, MONGOC_URI_SERVERSELECTIONTIMEOUTMS, 2000);
	if (!mongoc_uri_has_option(uri, MONGOC_URI_CONNECTTIMEOUTMS))
		mongoc_uri_set_option_as_int32(uri, MONGOC_URI_CONNECTTIMEOUTMS, 2000);
	if (!mongoc_uri_has_option(uri, MONGOC_URI_SOCKETTIMEOUTMS))
		mongoc_uri_set_option_as_int32(uri, MONGOC_URI_SOCKETTIMEOUTMS, 10000);
	/* A single-threaded client otherwise waits 5 s of "cooldown" before retrying a server
	 * that failed; allowing it to try again right away lets a restarted database be used
	 * by the next request. */
	if (!mongoc_uri_has_option(uri, MONGOC_URI_SERVERSELECTIONTRYONCE))
		mongoc_uri_set_option_as_bool(uri, MONGOC_URI_SERVERSELECTIONTRYONCE, true);
	client = mongoc_client_new_from_uri_with_error(uri, &berr);
	mongoc_uri_destroy(uri);
	if (!client) {
		snprintf(err, errlen, "MONGO_URI: %s", berr.message);
		return -1;
	}
	mongoc_client_set_error_api(client, MONGOC_ERROR_API_VERSION_2);
	mongoc_client_set_appname(client, "swmra");
	db_trace_install(client);
	database = mongoc_client_get_database(client, c->mongo_db);
	return 0;
}

void db_close(void)
{
	for (size_t i = 0; i < sizeof(colls) / sizeof(colls[0]); i++) {
		if (colls[i].coll)
			mongoc_collection_destroy(colls[i].coll);
		colls[i].coll = NULL;
		colls[i].name[0] = '\0';
	}
	if (database)
		mongoc_database_destroy(database);
	database = NULL;
	if (client)
		mongoc_client_destroy(client);
	client = NULL;
}

mongoc_client_t *db_client(void)
{
	return client;
}

mongoc_database_t *db_database(void)
{
	return database;
}

mongoc_collection_t *db_coll(const char *name)
{
	size_t i;
	for (i = 0; i < sizeof(colls) / sizeof(colls[0]) && colls[i].coll; i++)
		if (strcmp(colls[i].name, name) == 0)
			return colls[i].coll;
	mongoc_collection_t *c = mongoc_database_get_collection(database, name);
	if (i < sizeof(colls) / sizeof(colls[0]) && strlen(name) < sizeof(colls[i].name)) {
		snprintf(colls[i].name, sizeof(colls[i].name), "%s", name);
		colls[i].coll = c;
	}
	/* The cache is sized for every collection of the schema; falling out of it would
	 * leak one handle per call, so it is a programming error. */
	return i < sizeof(colls) / sizeof(colls[0]) ? c : (abort(), NULL);
}

bool db_ping(double *latency_ms, bson_error_t *err)
{
	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	bson_t *cmd = BCON_NEW("ping", BCON_INT32(1));
	bool ok = mongoc_client_command_simple(client, "admin", cmd, NULL, NULL, err);
	bson_destroy(cmd);
	clock_gettime(CLOCK_MONOTONIC, &b);
	if (latency_ms)
		*latency_ms =
		    (double)(b.tv_sec - a.tv_sec) * 1e3 + (double)(b.tv_nsec - a.tv_nsec) / 1e6;
	return ok;
}

int64_t db_delete_or_count(const char *coll, const bson_t *q, bool dry_run, bson_error_t *err)
{
	if (dry_run)
		return mongoc_collection_count_documents(db_coll(coll), q, NULL, NULL, NULL, err);
	bson_t reply;
	int64_t n = -1;
	if (mongoc_collection_delete_many(db_coll(coll), q, NULL, &reply, err)) {
		bson_iter_t it;
		n = 0;
		if (bson_iter_init_find(&it, &reply, "deletedCount"))
			n = bson_iter_as_int64(&it);
	}
	bson_destroy(&reply);
	return n;
}

/* 11000 from an insert; 11001 is the code older servers gave the same condition. */
static bool is_dup_key(const bson_error_t *err)
{
	return err->code == 11000 || err->code == 11001;
}

enum db_claim_result db_claim(const char *coll, const bson_t *doc, bson_error_t *err)
{
	if (mongoc_collection_insert_one(db_coll(coll), doc, NULL, NULL, err))
		return DB_CLAIM_WON;
	return is_dup_key(err) ? DB_CLAIM_LOST : DB_CLAIM_ERROR;
}

bool db_upsert(const char *coll, const bson_t *q, const bson_t *update, bson_error_t *err)
{
	bson_t *opts = BCON_NEW("upsert", BCON_BOOL(true));
	bool ok = mongoc_collection_update_one(db_coll(coll), q, update, opts, NULL, err);
	if (!ok && is_dup_key(err)) /* two first upserts raced: the document exists now */
		ok = mongoc_collection_update_one(db_coll(coll), q, update, opts, NULL, err);
	bson_destroy(opts);
	return ok;
}

static bool upsert_bulk(const char *coll, bson_t *const *qs, bson_t *const *updates, size_t n,
			bson_error_t *err)
{
	mongoc_bulk_operation_t *b =
	    mongoc_collection_create_bulk_operation_with_opts(db_coll(coll), NULL);
	bson_t *opts = BCON_NEW("upsert", BCON_BOOL(true));
	for (size_t i = 0; i < n; i++)
		mongoc_bulk_operation_update_one_with_opts(b, qs[i], updates[i], opts, NULL);
	bool ok = mongoc_bulk_operation_execute(b, NULL, err) != 0;
	bson_destroy(opts);
	mongoc_bulk_operation_destroy(b);
	return ok;
}

bool db_upsert_each(const char *coll, bson_t *const *qs, bson_t *const *updates, size_t n,
		    bson_error_t *err)
{
	bool ok = upsert_bulk(coll, qs, updates, n, err);
	if (!ok && is_dup_key(err)) /* as db_upsert: the documents exist now */
		ok = upsert_bulk(coll, qs, updates, n, err);
	return ok;
}

bool db_is_unavailable(const bson_error_t *err)
{
	if (err->domain == MONGOC_ERROR_SERVER_SELECTION || err->domain == MONGOC_ERROR_STREAM)
		return true;
	if (err->domain == MONGOC_ERROR_CLIENT && err->code == MONGOC_ERROR_CLIENT_AUTHENTICATE)
		return true;
	return false;
}

int64_t db_purge_before(const char *coll, const char *field, int64_t before_ms, bool dry_run,
			bson_error_t *err)
{
	bson_t *f = BCON_NEW(field, "{", "$lt", BCON_DATE_TIME(before_ms), "}");
	int64_t n = db_delete_or_count(coll, f, dry_run, err);
	bson_destroy(f);
	return n;
}

bool db_parse_oid(const char *hex, bson_oid_t *oid)
{
	if (!hex || strlen(hex) != 24 || !bson_oid_is_valid(hex, 24))
		return false;
	bson_oid_init_from_string(oid, hex);
	return true;
}

char *db_regex_escape(const char *s)
{
	size_t n = strlen(s);
	char *out = malloc(2 * n + 1), *p = out;
	if (!out)
		abort();
	for (; *s; s++) {
		if (strchr("\\^$.|?*+()[]{}", *s))
			*p++ = '\\';
		*p++ = *s;
	}
	*p = '\0';
	return out;
}

static json_object *container_json(const bson_iter_t *it, bool array)
{
	bson_iter_t sub;
	json_object *o = array ? json_object_new_array() : json_object_new_object();
	if (!bson_iter_recurse(it, &sub))
		return o;
	while (bson_iter_next(&sub)) {
		if (array)
			json_object_array_add(o, db_value_to_json(&sub));
		else
			json_object_object_add(o, bson_iter_key(&sub), db_value_to_json(&sub));
	}
	return o;
}

json_object *db_value_to_json(const bson_iter_t *it)
{
	char buf[TIME_RFC3339_LEN + 25];
	switch (bson_iter_type(it)) {
	case BSON_TYPE_UTF8: return json_object_new_string(bson_iter_utf8(it, NULL));
	case BSON_TYPE_INT32: return json_object_new_int(bson_iter_int32(it));
	case BSON_TYPE_INT64: return json_object_new_int64(bson_iter_int64(it));
	case BSON_TYPE_DOUBLE: return json_object_new_double(bson_iter_double(it));
	case BSON_TYPE_BOOL: return json_object_new_boolean(bson_iter_bool(it));
	case BSON_TYPE_DATE_TIME:
		time_format_rfc3339(bson_iter_date_time(it), buf);
		return json_object_new_string(buf);
	case BSON_TYPE_OID:
		bson_oid_to_string(bson_iter_oid(it), buf);
		return json_object_new_string(buf);
	case BSON_TYPE_DOCUMENT: return container_json(it, false);
	case BSON_TYPE_ARRAY: return container_json(it, true);
	default: return NULL;
	}
}

bool db_count_oldest(const char *coll, const bson_t *q, const char *field, int64_t *count,
		     int64_t *oldest_ms, bson_error_t *err)
{
	*oldest_ms = -1;
	*count = mongoc_collection_count_documents(db_coll(coll), q, NULL, NULL, NULL, err);
	if (*count <= 0)
		return *count == 0; /* an empty backlog has no oldest: one command, not two */
	bson_t *opts = BCON_NEW("sort", "{", field, BCON_INT32(1), "}", "limit", BCON_INT64(1),
				"projection", "{", field, BCON_INT32(1), "}");
	mongoc_cursor_t *c = mongoc_collection_find_with_opts(db_coll(coll), q, opts, NULL);
	const bson_t *doc;
	bson_iter_t it;
	if (mongoc_cursor_next(c, &doc) && bson_iter_init_find(&it, doc, field) &&
	    BSON_ITER_HOLDS_DATE_TIME(&it))
		*oldest_ms = bson_iter_date_time(&it);
	bool ok = !mongoc_cursor_error(c, err);
	mongoc_cursor_destroy(c);
	bson_destroy(opts);
	return ok;
}

void db_append_in_utf8(bson_t *b, const char *key, const char *const *vals, size_t n)
{
	if (n == 1) {
		BSON_APPEND_UTF8(b, key, vals[0]);
		return;
	}
	bson_t in, arr;
	BSON_APPEND_DOCUMENT_BEGIN(b, key, &in);
	BSON_APPEND_ARRAY_BEGIN(&in, "$in", &arr);
	for (size_t i = 0; i < n; i++) {
		char k[16];
		const char *kp;
		bson_uint32_to_string((uint32_t)i, &kp, k, sizeof(k));
		bson_append_utf8(&arr, kp, -1, vals[i], -1);
	}
	bson_append_array_end(&in, &arr);
	bson_append_document_end(b, &in);
}
