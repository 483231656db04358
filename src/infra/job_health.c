/* Job health, read back from the `job_status` records src/infra/job.c writes: one copy of
 * the rules `swmra-jobs status` and the admin System page (GET /api/admin/system) share,
 * so a job that one calls OVERDUE the other does too (and so does the
 * SwmraJobNotSucceeding alert). */
#include <stdio.h>
#include <string.h>

#include "infra/db.h"
#include "infra/job.h"
#include "infra/timeutil.h"

static int64_t doc_date(const bson_t *d, const char *k)
{
	bson_iter_t it;
	return bson_iter_init_find(&it, d, k) && BSON_ITER_HOLDS_DATE_TIME(&it)
		   ? bson_iter_date_time(&it)
		   : -1;
}

static double doc_num(const bson_t *d, const char *k)
{
	bson_iter_t it;
	return bson_iter_init_find(&it, d, k) && BSON_ITER_HOLDS_NUMBER(&it)
		   ? bson_iter_as_double(&it)
		   : -1;
}

static void health_from(const bson_t *d, struct job_health *r)
{
	bson_iter_t it;
	memset(r, 0, sizeof(*r));
	if (bson_iter_init_find(&it, d, "_id") && BSON_ITER_HOLDS_UTF8(&it))
		snprintf(r->name, sizeof(r->name), "%s", bson_iter_utf8(&it, NULL));
	if (bson_iter_init_find(&it, d, "last_result") && BSON_ITER_HOLDS_UTF8(&it))
		snprintf(r->result, sizeof(r->result), "%s", bson_iter_utf8(&it, NULL));
	r->start = doc_date(d, "last_start_at");
	r->end = doc_date(d, "last_end_at");
	r->success = doc_date(d, "last_success_at");
	r->duration = doc_num(d, "last_duration_seconds");
	r->items = (int)doc_num(d, "last_items");
	r->failures = (int)doc_num(d, "last_failures");
	r->period = (int)doc_num(d, "period_seconds");
}

bool job_health_list(void (*each)(const struct job_health *h, void *ctx), void *ctx,
		     bson_error_t *err)
{
	bson_t *q = bson_new();
	bson_t *opts = BCON_NEW("sort", "{", "_id", BCON_INT32(1), "}");
	mongoc_cursor_t *cur =
	    mongoc_collection_find_with_opts(db_coll(JOB_STATUS_COLL), q, opts, NULL);
	const bson_t *d;
	while (mongoc_cursor_next(cur, &d)) {
		struct job_health h;
		health_from(d, &h);
		each(&h, ctx);
	}
	bool ok = !mongoc_cursor_error(cur, err);
	mongoc_cursor_destroy(cur);
	bson_destroy(opts);
	bson_destroy(q);
	return ok;
}

/* No success within twice the period, counted from the last success or, never having
 * succeeded, from the first start we know of. */
bool job_health_overdue(const struct job_health *r, int64_t now)
{
	if (r->period <= 0)
		return false;
	int64_t since = r->success >= 0 ? r->success : r->start;
	return since >= 0 && now - since > 2 * (int64_t)r->period * 1000;
}

/* A run that started after the last end is still going (or died). */
const char *job_health_result(const struct job_health *r)
{
	if (r->start >= 0 && r->start > r->end)
		return "running";
	return r->result[0] ? r->result : "-";
}

int64_t job_health_next(const struct job_health *r)
{
	return r->start >= 0 && r->period > 0 ? r->start + (int64_t)r->period * 1000 : -1;
}

static json_object *date_json(int64_t ms)
{
	if (ms < 0)
		return NULL;
	char buf[TIME_RFC3339_LEN];
	time_format_rfc3339(ms, buf);
	return json_object_new_string(buf);
}

json_object *job_health_json(const struct job_health *r, int64_t now)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "name", json_object_new_string(r->name));
	json_object_object_add(o, "last_start_at", date_json(r->start));
	json_object_object_add(o, "last_end_at", date_json(r->end));
	json_object_object_add(o, "last_result", json_object_new_string(job_health_result(r)));
	char dur[32];
	snprintf(dur, sizeof(dur), "%.3f", r->duration);
	json_object_object_add(o, "last_duration_seconds",
			       r->duration >= 0 ? json_object_new_double_s(r->duration, dur)
						: NULL);
	json_object_object_add(o, "last_items",
			       r->items >= 0 ? json_object_new_int(r->items) : NULL);
	json_object_object_add(o, "last_failures",
			       r->failures >= 0 ? json_object_new_int(r->failures) : NULL);
	json_object_object_add(o, "last_success_at", date_json(r->success));
	json_object_object_add(o, "period_seconds", json_object_new_int(r->period));
	json_object_object_add(o, "next_expected_at", date_json(job_health_next(r)));
	json_object_object_add(o, "overdue", json_object_new_boolean(job_health_overdue(r, now)));
	return o;
}
