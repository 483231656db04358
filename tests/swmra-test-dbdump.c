/* Test helper of the e2e layer (tests/e2e/datarights.test.mjs): prints every document of
 * every collection of the configured database (MONGO_URI, MONGO_DB) as one JSON line
 * {"c": <collection>, "d": <relaxed extended JSON>}, so a test can check what the store
 * holds (an erased account's personal data nowhere, an export equal to the store) through
 * the same driver the service uses, on any backend. With an argument, that collection only. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "infra/config.h"
#include "infra/db.h"
#include "infra/runtime.h"

static int dump(const char *name)
{
	mongoc_collection_t *c = db_coll(name);
	bson_t q = BSON_INITIALIZER;
	mongoc_cursor_t *cur = mongoc_collection_find_with_opts(c, &q, NULL, NULL);
	const bson_t *doc;
	while (mongoc_cursor_next(cur, &doc)) {
		char *j = bson_as_relaxed_extended_json(doc, NULL);
		printf("{\"c\":\"%s\",\"d\":%s}\n", name, j);
		bson_free(j);
	}
	bson_error_t err;
	int rc = mongoc_cursor_error(cur, &err) ? 1 : 0;
	if (rc)
		fprintf(stderr, "dbdump: %s: %s\n", name, err.message);
	mongoc_cursor_destroy(cur);
	return rc;
}

int main(int argc, char **argv)
{
	char err[512];
	/* its whole-collection scans are the test's, not the service's: keep them out of the
	 * query-shape check's command log */
	unsetenv("SWMRA_COMMAND_LOG_DIR");
	if (config_load(NULL, err, sizeof(err)) < 0 ||
	    runtime_init("swmra-test-dbdump", err, sizeof(err)) < 0) {
		fprintf(stderr, "dbdump: %s\n", err);
		return 2;
	}
	int rc = 0;
	if (argc > 1) {
		rc = dump(argv[1]);
	} else {
		bson_error_t e;
		char **names =
		    mongoc_database_get_collection_names_with_opts(db_database(), NULL, &e);
		if (!names) {
			fprintf(stderr, "dbdump: %s\n", e.message);
			return 1;
		}
		for (char **n = names; *n; n++)
			rc |= dump(*n);
		bson_strfreev(names);
	}
	runtime_shutdown();
	return rc;
}
