/* GET /api/admin/system: the admin System page. Each cron job's health as `swmra-jobs
 * status --json` reports it (one copy of the rules: src/infra/job_health.c) and the queue
 * depths an operator watches: notifications queued per outgoing channel with the age of
 * the oldest, and request changes whose effects still await the sweep. The same numbers
 * are series of the metrics scrape; this is the view for people without Prometheus. */
#include "api/api.h"
#include "domain/notify.h"
#include "domain/requests.h"
#include "domain/store.h"
#include "infra/job.h"
#include "infra/timeutil.h"

static const char *const channels[] = {"email", "sms", "push"};

struct jobs_out {
	int64_t now;
	json_object *list;
};

static void add_job(const struct job_health *h, void *ctx)
{
	struct jobs_out *o = ctx;
	json_object_array_add(o->list, job_health_json(h, o->now));
}

/* {count, oldest_age_seconds (null when empty)} */
static json_object *depth_json(int64_t count, int64_t oldest, int64_t now)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "count", json_object_new_int64(count));
	json_object_object_add(o, "oldest_age_seconds",
			       oldest < 0 ? NULL : json_object_new_int64((now - oldest) / 1000));
	return o;
}

static bool add_queues(json_object *body, int64_t now, struct derr *err)
{
	json_object *q = json_object_new_object();
	json_object_object_add(body, "notifications_queued", q);
	for (size_t i = 0; i < sizeof(channels) / sizeof(channels[0]); i++) {
		int64_t n, oldest;
		if (!notify_queue_depth(channels[i], &n, &oldest, err))
			return false;
		json_object_object_add(q, channels[i], depth_json(n, oldest, now));
	}
	int64_t n, oldest;
	if (!requests_effects_backlog(&n, &oldest, err))
		return false;
	json_object_object_add(body, "effects_pending", depth_json(n, oldest, now));
	return true;
}

int api_admin_system(struct http_request *req, struct http_response *res)
{
	(void)req;
	int64_t now = time_now_ms();
	struct jobs_out jobs = {now, json_object_new_array()};
	json_object *body = json_object_new_object();
	json_object_object_add(body, "jobs", jobs.list);
	struct derr err;
	if (!store_job_health_list(add_job, &jobs, &err) || !add_queues(body, now, &err)) {
		json_object_put(body);
		return api_derr(res, &err);
	}
	return http_json(res, 200, body);
}
