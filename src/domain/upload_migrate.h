/* Copying stored uploads from one backend to another (swmra-job-migrate-uploads), so a
 * running site can switch STORAGE_BACKEND. The `uploads` collection is the list of what to
 * copy; an object already at the destination is left alone, so a run can be repeated. */
#ifndef SWMRA_UPLOAD_MIGRATE_H
#define SWMRA_UPLOAD_MIGRATE_H

#include <stdbool.h>

#include "domain/derr.h"

#include "infra/objstore.h"

enum upload_migrate_outcome {
	UPLOAD_MIGRATE_COPIED = 0,	/* copied (or, dry run, would be) */
	UPLOAD_MIGRATE_PRESENT = 1,	/* already at the destination */
	UPLOAD_MIGRATE_MISSING = 2,	/* not at the source either (deleted meanwhile) */
	UPLOAD_MIGRATE_FAILED = -1,	/* a store error: a later run retries */
	UPLOAD_MIGRATE_UNAVAILABLE = -2 /* a store is down: stop the run */
};

/* Called for every upload document in _id order with its outcome. */
typedef void (*upload_migrate_fn)(const char *path, enum upload_migrate_outcome o, void *ud);

/* Copies every upload listed in `uploads` from `from` to `to` (dry_run: checks only).
 * Returns the number of uploads looked at, or -1 with err set on a database error, or -2
 * when a store became unavailable (the outcome callback saw it). */
long upload_migrate_all(enum objstore_backend from, enum objstore_backend to, bool dry_run,
			upload_migrate_fn fn, void *ud, struct derr *err);

#endif
