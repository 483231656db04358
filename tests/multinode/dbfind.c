/* tests/multinode/dbfind — prints the documents of one collection that match a filter, one
 * relaxed extended JSON document per line (MongoDB wire protocol, so FerretDB or MongoDB).
 * tests/multinode/run.sh builds it at run time, because mongosh is not installed; it is a
 * test helper, not part of libswmra.
 *
 * usage: dbfind MONGO_URI DB COLLECTION FILTER_JSON [PROJECTION_JSON]
 * build: cc -O2 -o dbfind dbfind.c $(pkg-config --cflags --libs libmongoc-1.0)
 */
#include <mongoc/mongoc.h>
#include <stdio.h>

/* FerretDB answers "no such command: endSessions" on disconnect: only errors are of interest */
static void quiet_log(mongoc_log_level_t level, const char *domain, const char *message, void *data)
{
	(void)data;
	if (level <= MONGOC_LOG_LEVEL_ERROR)
		fprintf(stderr, "dbfind: %s: %s\n", domain, message);
}

int main(int argc, char **argv)
{
	if (argc != 5 && argc != 6) {
		fprintf(stderr, "usage: %s MONGO_URI DB COLLECTION FILTER_JSON [PROJECTION_JSON]\n",
			argv[0]);
		return 2;
	}
	mongoc_log_set_handler(quiet_log, NULL);
	mongoc_init();
	bson_error_t err;
	bson_t *filter = bson_new_from_json((const uint8_t *)argv[4], -1, &err);
	if (!filter) {
		fprintf(stderr, "dbfind: bad filter: %s\n", err.message);
		return 2;
	}
	bson_t *opts = NULL;
	if (argc == 6) {
		bson_t *proj = bson_new_from_json((const uint8_t *)argv[5], -1, &err);
		if (!proj) {
			fprintf(stderr, "dbfind: bad projection: %s\n", err.message);
			return 2;
		}
		opts = bson_new();
		BSON_APPEND_DOCUMENT(opts, "projection", proj);
		bson_destroy(proj);
	}
	mongoc_uri_t *uri = mongoc_uri_new_with_error(argv[1], &err);
	if (!uri) {
		fprintf(stderr, "dbfind: bad URI: %s\n", err.message);
		return 2;
	}
	mongoc_client_t *cl = mongoc_client_new_from_uri(uri);
	mongoc_collection_t *coll = mongoc_client_get_collection(cl, argv[2], argv[3]);
	mongoc_cursor_t *cur = mongoc_collection_find_with_opts(coll, filter, opts, NULL);
	const bson_t *doc;
	while (mongoc_cursor_next(cur, &doc)) {
		char *s = bson_as_relaxed_extended_json(doc, NULL);
		puts(s);
		bson_free(s);
	}
	int rc = 0;
	if (mongoc_cursor_error(cur, &err)) {
		fprintf(stderr, "dbfind: %s\n", err.message);
		rc = 1;
	}
	mongoc_cursor_destroy(cur);
	mongoc_collection_destroy(coll);
	mongoc_client_destroy(cl);
	mongoc_uri_destroy(uri);
	bson_destroy(filter);
	if (opts)
		bson_destroy(opts);
	mongoc_cleanup();
	return rc;
}
