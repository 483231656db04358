#include <stdio.h>

#include "api/api.h"
#include "domain/store.h"
#include "infra/log.h"

int api_health(struct http_request *req, struct http_response *res)
{
	(void)req;
	json_object *o = json_object_new_object();
	json_object_object_add(o, "status", json_object_new_string("ok"));
	return http_json(res, 200, o);
}

/* Readiness asks the database every time: a worker whose database went away reports 503
 * and recovers by itself once the database is back, without a restart. */
int api_health_ready(struct http_request *req, struct http_response *res)
{
	(void)req;
	double ms = 0;
	struct derr err;
	bool ok = store_ping(&ms, &err);
	json_object *o = json_object_new_object();
	json_object *comp = json_object_new_object();
	json_object *mongo = json_object_new_object();
	json_object_object_add(mongo, "status", json_object_new_string(ok ? "ok" : "unavailable"));
	if (ok)
		json_object_object_add(mongo, "latency_ms", json_object_new_double(ms));
	else
		/* the driver's text names internal hosts and ports: the log gets it, the
		 * (public) answer only the component status */
		log_error("readiness: database unreachable: %s", err.message);
	json_object_object_add(comp, "mongodb", mongo);
	if (ok) {
		json_object_object_add(o, "status", json_object_new_string("ok"));
	} else {
		json_object_object_add(o, "detail",
				       json_object_new_string("MongoDB is unreachable"));
		json_object_object_add(o, "status", json_object_new_string("unavailable"));
	}
	json_object_object_add(o, "components", comp);
	return http_json(res, ok ? 200 : 503, o);
}
