/* Process-shared Prometheus counters of the API. The supervisor (cgi-bin/swmra-api.c) maps
 * one anonymous shared region (MAP_SHARED|MAP_ANONYMOUS) before it forks any worker, so
 * every worker adds to the same counters with C11 atomics (no locks) and any worker can
 * answer a scrape with the totals of the whole pool. Processes that never call
 * metrics_setup (cron jobs, unit tests) get no-op counters.
 *
 * Requests are counted per entry of the route table (pattern + method), plus one
 * "unmatched" entry per method for 404/405/preflights. */
#ifndef SWMRA_METRICS_H
#define SWMRA_METRICS_H

#include <stdbool.h>
#include <stddef.h>

#include "infra/strbuf.h"

struct route;

/* Process-wide event counters (not per route). */
enum metrics_counter {
	METRICS_WORKER_STARTS,
	METRICS_WORKER_CRASHES, /* killed by a signal or non-zero exit */
	METRICS_WORKER_RESPAWNS,
	METRICS_DB_ERRORS,	/* any database error a request answered 500/503 for */
	METRICS_DB_UNAVAILABLE, /* of those: the server could not be reached (503) */
	METRICS_LOGINS_FAILED,
	METRICS_LOGINS_THROTTLED,
	METRICS_COUNTER_COUNT
};

/* Maps the shared region for `nroutes` routes of `routes` (kept by pointer: the table is
 * static) and `nworkers` worker slots. Call once in the supervisor before forking.
 * Returns 0, or -1 when mmap failed (counters then stay no-ops). */
int metrics_setup(const struct route *routes, size_t nroutes, int nworkers);
/* Tells a worker which slot (0..nworkers-1) its in-flight gauge lives in. */
void metrics_worker_slot(int slot);
/* The supervisor clears a dead worker's in-flight flag (it died mid-request). */
void metrics_worker_gone(int slot);
void metrics_inc(enum metrics_counter c);
/* Request start/end around one request of this worker. */
void metrics_request_begin(void);
/* `pattern` is the matched route's (NULL: unmatched), `method` the request's. */
void metrics_request_end(const char *pattern, const char *method, int status, double seconds);
/* Appends the exposition of every shared counter (Prometheus text format 0.0.4). */
void metrics_render(struct strbuf *b);
/* Appends `s` as a label value: backslash, double quote and newline escaped. */
void metrics_label(struct strbuf *b, const char *s);
bool metrics_enabled(void);

#endif
