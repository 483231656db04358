/* The store as a whole, for callers that must not see the driver: whether this process
 * has a client, a ping for readiness, and the purge the domain's cleanup jobs share. */
#ifndef SWMRA_STORE_H
#define SWMRA_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "domain/derr.h"

/* Whether this process has a store client at all. The public routes run before any
 * token check and answer 503 without one rather than reach the driver with no handle. */
bool store_open(void);
/* {ping: 1}: true with the latency in ms; false with err filled ("no client" when
 * store_open is false). */
bool store_ping(double *latency_ms, struct derr *err);
/* Deletes (or with dry_run counts) the documents of `coll` whose date `field` is before
 * `before_ms` (db_purge_before): the number, or -1 with err filled. */
int64_t store_purge_before(const char *coll, const char *field, int64_t before_ms, bool dry_run,
			   struct derr *err);

struct job_health;
/* job_health_list (infra/job.h): every cron job's health record, in _id order, to `each`;
 * false with err filled on a store error. */
bool store_job_health_list(void (*each)(const struct job_health *h, void *ctx), void *ctx,
			   struct derr *err);

#endif
