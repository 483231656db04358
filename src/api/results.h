/* Domain results as HTTP answers, one table per result enum: each result has its status
 * and default detail here, and a route that words a refusal its own way (docs/openapi.yaml
 * names per route, e.g. "Only drafts can be submitted") passes a table of its own rows,
 * indexed by the same enum, whose unset rows fall back to the default ones. Handlers do not
 * switch over results; the few answers that carry request data (the allowed transitions
 * of a staff step, the index of a vanished photo) are built by their handler before it
 * hands the rest to the table. */
#ifndef SWMRA_API_RESULTS_H
#define SWMRA_API_RESULTS_H

#include <stdbool.h>

#include "api/api.h"
#include "domain/auth_login.h"
#include "domain/crews.h"
#include "domain/notify_inbox.h"
#include "domain/requests.h"
#include "domain/waitlist.h"

/* The answer of one result. */
struct api_answer {
	int status; /* 0: unset (a route row falls back to the default row) */
	const char *detail;
	/* a 422 validation answer ({"detail": [{loc, msg: detail, type}]}): its field */
	const char *loc;
	const char *type;
	bool hours; /* detail + " (<CANCEL_MIN_HOURS h)" */
};
/* The row of a store failure: logged and answered 503 or 500 (http_db_error). */
#define API_STORE_ERROR (-1)

/* Rows: a refusal, one whose detail ends with the cancel window, a 422 that names the
 * field, a store failure. */
#define API_REFUSE(st, d)                                                                          \
	{                                                                                          \
		.status = (st), .detail = (d)                                                      \
	}
#define API_REFUSE_HOURS(st, d)                                                                    \
	{                                                                                          \
		.status = (st), .detail = (d), .hours = true                                       \
	}
#define API_INVALID(d, l, t)                                                                       \
	{                                                                                          \
		.status = 422, .detail = (d), .loc = (l), .type = (t)                              \
	}
#define API_STORE                                                                                  \
	{                                                                                          \
		.status = API_STORE_ERROR                                                          \
	}

#define API_REQ_RESULTS	  (REQ_WEIGHT_REQUIRED + 1)
#define API_WL_RESULTS	  (WL_DB_ERROR + 1)
#define API_CREWS_RESULTS (CREWS_ERR + 1)

/* Answers `a` (API_STORE_ERROR: the store failure `err`; NULL answers 500). */
int api_answer(struct http_response *res, const struct api_answer *a, const struct derr *err);

/* Answers a refused request change `r` by the row of `route` (may be NULL) or the
 * default. */
int api_req_result(struct http_response *res, enum req_result r,
		   const struct api_answer route[API_REQ_RESULTS], const struct derr *err);
/* The waitlist's and the crews' results (`err`: the store failure of a DB_ERROR/ERR, may be
 * NULL: 500). */
int api_wl_result(struct http_response *res, enum wl_result r, const struct derr *err);
int api_crews_result(struct http_response *res, enum crews_rc r,
		     const struct api_answer route[API_CREWS_RESULTS], const struct derr *err);
/* Login and registration; a throttled login also carries Retry-After: `wait` seconds. */
int api_login_result(struct http_response *res, enum auth_login_result r, int64_t wait,
		     const struct derr *err);
/* The inbox of in-app notifications (domain/notify_inbox.h). */
int api_notify_inbox_result(struct http_response *res, enum notify_inbox_rc r,
			    const struct derr *err);
int api_register_result(struct http_response *res, enum auth_register_result r,
			const struct derr *err);

#endif
