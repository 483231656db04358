#include "domain/compact.h"

#include "infra/db.h"

/* Deletes (or counts) the documents of `coll` matching `q` (destroyed here). */
static int64_t delete_or_count(const char *coll, bson_t *q, bool dry_run, struct derr *err)
{
	bson_error_t e;
	int64_t n = db_delete_or_count(coll, q, dry_run, &e);
	bson_destroy(q);
	if (n < 0)
		derr_from_store(err, &e);
	return n;
}

int64_t compact_read_notifications(int64_t now_ms, bool dry_run, struct derr *err)
{
	int64_t before = now_ms - COMPACT_READ_KEEP_DAYS * COMPACT_DAY_MS;
	bson_t *q = BCON_NEW("channel", BCON_UTF8("inapp"), "read", BCON_BOOL(true), "created_at",
			     "{", "$lt", BCON_DATE_TIME(before), "}");
	return delete_or_count("notifications", q, dry_run, err);
}

int64_t compact_sent_notifications(int64_t now_ms, bool dry_run, struct derr *err)
{
	int64_t before = now_ms - COMPACT_SENT_KEEP_DAYS * COMPACT_DAY_MS;
	bson_t *q = BCON_NEW("status", "{", "$in", "[", BCON_UTF8("sent"), BCON_UTF8("failed"), "]",
			     "}", "channel", "{", "$ne", BCON_UTF8("inapp"), "}", "created_at", "{",
			     "$lt", BCON_DATE_TIME(before), "}");
	return delete_or_count("notifications", q, dry_run, err);
}

int64_t compact_send_attempts(int64_t now_ms, bool dry_run, struct derr *err)
{
	int64_t before = now_ms - COMPACT_SENT_KEEP_DAYS * COMPACT_DAY_MS;
	bson_t *q = BCON_NEW("claimed_at", "{", "$lt", BCON_DATE_TIME(before), "}");
	return delete_or_count("send_attempts", q, dry_run, err);
}

int64_t compact_job_runs(int64_t now_ms, bool dry_run, struct derr *err)
{
	int64_t before = now_ms - COMPACT_JOB_RUNS_KEEP_DAYS * COMPACT_DAY_MS;
	bson_t *q = BCON_NEW("window_start", "{", "$lt", BCON_DATE_TIME(before), "}");
	return delete_or_count("job_runs", q, dry_run, err);
}
