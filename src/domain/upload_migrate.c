/* Copying uploads between storage backends. See upload_migrate.h. */
#include "domain/upload_migrate.h"

#include <stdlib.h>
#include <string.h>

#include "domain/uploads.h"
#include "infra/config.h"
#include "infra/db.h"

#define BATCH 200

/* One upload: present at the destination, else read from the source and put create-new
 * (EXISTS means a concurrent run copied it: as good as present). */
static enum upload_migrate_outcome migrate_one(enum objstore_backend from, enum objstore_backend to,
					       const char *path, bool dry_run)
{
	enum objstore_result r = objstore_exists(to, path);
	if (r == OBJSTORE_OK)
		return UPLOAD_MIGRATE_PRESENT;
	if (r != OBJSTORE_NOT_FOUND)
		return r == OBJSTORE_UNAVAILABLE ? UPLOAD_MIGRATE_UNAVAILABLE
						 : UPLOAD_MIGRATE_FAILED;
	uint8_t *data = NULL;
	size_t len = 0;
	r = objstore_get(from, path, (size_t)config_get()->upload_max_bytes, &data, &len);
	if (r == OBJSTORE_NOT_FOUND)
		return UPLOAD_MIGRATE_MISSING;
	if (r != OBJSTORE_OK)
		return r == OBJSTORE_UNAVAILABLE ? UPLOAD_MIGRATE_UNAVAILABLE
						 : UPLOAD_MIGRATE_FAILED;
	const char *ext = strrchr(path, '.');
	const char *ctype = ext && strcmp(ext, ".png") == 0    ? "image/png"
			    : ext && strcmp(ext, ".webp") == 0 ? "image/webp"
							       : "image/jpeg";
	if (!dry_run)
		r = objstore_put_new(to, path, data, len, ctype);
	free(data);
	if (r == OBJSTORE_OK || r == OBJSTORE_EXISTS)
		return UPLOAD_MIGRATE_COPIED;
	return r == OBJSTORE_UNAVAILABLE ? UPLOAD_MIGRATE_UNAVAILABLE : UPLOAD_MIGRATE_FAILED;
}

long upload_migrate_all(enum objstore_backend from, enum objstore_backend to, bool dry_run,
			upload_migrate_fn fn, void *ud, struct derr *err)
{
	bson_oid_t last;
	bool have_last = false;
	long seen = 0;
	for (;;) {
		bson_t *q =
		    have_last ? BCON_NEW("_id", "{", "$gt", BCON_OID(&last), "}") : bson_new();
		bson_t *opts =
		    BCON_NEW("sort", "{", "_id", BCON_INT32(1), "}", "limit", BCON_INT64(BATCH),
			     "projection", "{", "path", BCON_INT32(1), "}");
		mongoc_cursor_t *cur =
		    mongoc_collection_find_with_opts(db_coll("uploads"), q, opts, NULL);
		const bson_t *doc;
		int n = 0;
		bool stop = false;
		while (!stop && mongoc_cursor_next(cur, &doc)) {
			bson_iter_t it;
			n++;
			if (!bson_iter_init_find(&it, doc, "_id") || !BSON_ITER_HOLDS_OID(&it))
				continue;
			bson_oid_copy(bson_iter_oid(&it), &last);
			have_last = true;
			if (!bson_iter_init_find(&it, doc, "path") || !BSON_ITER_HOLDS_UTF8(&it))
				continue;
			const char *path = bson_iter_utf8(&it, NULL);
			if (!uploads_valid_relpath(path))
				continue;
			seen++;
			enum upload_migrate_outcome o = migrate_one(from, to, path, dry_run);
			fn(path, o, ud);
			stop = o == UPLOAD_MIGRATE_UNAVAILABLE;
		}
		bson_error_t e;
		bool failed = mongoc_cursor_error(cur, &e);
		mongoc_cursor_destroy(cur);
		bson_destroy(q);
		bson_destroy(opts);
		if (failed) {
			derr_from_store(err, &e);
			return -1;
		}
		if (stop)
			return -2;
		if (n < BATCH)
			return seen;
	}
}
