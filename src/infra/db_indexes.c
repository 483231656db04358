/* Index bootstrap: creates every index the modules declare (infra/module.h), idempotently
 * at start-up. The declarations live with their modules (src/domain/<module>_module.c); this
 * file names no collection. */
#include <string.h>

#include "infra/db.h"
#include "infra/log.h"
#include "infra/module.h"

static bool create_index(const struct db_index *ix, bson_error_t *err)
{
	bson_t *keys = bson_new_from_json((const uint8_t *)ix->keys, -1, err);
	if (!keys)
		return false;
	bson_t cmd = BSON_INITIALIZER, arr, spec;
	BSON_APPEND_UTF8(&cmd, "createIndexes", ix->coll);
	BSON_APPEND_ARRAY_BEGIN(&cmd, "indexes", &arr);
	BSON_APPEND_DOCUMENT_BEGIN(&arr, "0", &spec);
	BSON_APPEND_DOCUMENT(&spec, "key", keys);
	BSON_APPEND_UTF8(&spec, "name", ix->name);
	if (ix->unique)
		BSON_APPEND_BOOL(&spec, "unique", true);
	bson_append_document_end(&arr, &spec);
	bson_append_array_end(&cmd, &arr);
	bool ok = mongoc_database_write_command_with_opts(db_database(), &cmd, NULL, NULL, err);
	bson_destroy(&cmd);
	bson_destroy(keys);
	if (!ok)
		log_error("creating index %s.%s failed: %s", ix->coll, ix->name, err->message);
	return ok;
}

bool db_ensure_indexes(bson_error_t *err)
{
	for (const struct module *const *m = modules_registry; *m; m++)
		for (size_t i = 0; i < (*m)->n_indexes; i++)
			if (!create_index(&(*m)->indexes[i], err))
				return false;
	return db_pg_ensure_gin_indexes(err);
}

bool db_index_at(size_t i, const char **coll, const char **keys)
{
	for (const struct module *const *m = modules_registry; *m; m++) {
		if (i < (*m)->n_indexes) {
			*coll = (*m)->indexes[i].coll;
			*keys = (*m)->indexes[i].keys;
			return true;
		}
		i -= (*m)->n_indexes;
	}
	return false;
}
