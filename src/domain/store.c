#include "domain/store.h"

#include "infra/db.h"
#include "infra/job.h"

bool store_open(void)
{
	return db_client() != NULL;
}

bool store_ping(double *latency_ms, struct derr *err)
{
	if (!db_client()) {
		derr_set(err, "no client");
		err->unavailable = true;
		return false;
	}
	bson_error_t e;
	if (db_ping(latency_ms, &e))
		return true;
	derr_from_store(err, &e);
	return false;
}

int64_t store_purge_before(const char *coll, const char *field, int64_t before_ms, bool dry_run,
			   struct derr *err)
{
	bson_error_t e;
	int64_t n = db_purge_before(coll, field, before_ms, dry_run, &e);
	if (n < 0)
		derr_from_store(err, &e);
	return n;
}

bool store_job_health_list(void (*each)(const struct job_health *h, void *ctx), void *ctx,
			   struct derr *err)
{
	bson_error_t e;
	if (job_health_list(each, ctx, &e))
		return true;
	derr_from_store(err, &e);
	return false;
}
