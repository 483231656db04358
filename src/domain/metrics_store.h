/* What the /metrics scrape reads from the store (api/metrics.c renders it): database
 * reachability, seats booked vs capacity, notifications by channel and status, the queue's
 * oldest entry, the outbox's backlog and the job records of src/infra/job.c, as plain
 * numbers. Every read is a count, a $group/$sum or a one-document read, so a scrape stays
 * cheap. A failed read is logged ("metrics: ...") and reported as false (or skipped): the
 * scrape answers what it could read. */
#ifndef SWMRA_METRICS_STORE_H
#define SWMRA_METRICS_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* There is a store client and it answered a ping. */
bool metrics_store_up(void);

struct metrics_seats {
	long capacity, booked, overbooked; /* a closed slot offers 0 seats */
};
/* Seats of local date (today + `offset` days) for capacity class `cls`; false on a
 * database error. */
bool metrics_store_seats(int offset, int cls, struct metrics_seats *s);

/* One group of notifications: its key's labels (names and values, n of them, in the
 * group key's order; a key that is not a string is left out) and its count. */
typedef void (*metrics_group_fn)(void *ctx, const char *const *names, const char *const *values,
				 size_t n, int64_t count);
/* Stored notifications grouped by channel and status (only those delivered in more than
 * one attempt when `retried`): `each` per group. */
void metrics_store_notifications(bool retried, metrics_group_fn each, void *ctx);

/* When the oldest queued notification of `channel` was queued (ms; -1 when none is);
 * false on a database error. */
bool metrics_store_queue_oldest(const char *channel, int64_t *oldest_ms);

/* Changes with effects pending: how many, and when the oldest was made (ms; -1 when
 * none); false on a database error. */
bool metrics_store_effects(int64_t *count, int64_t *oldest_ms);

/* One job's record; each number is -1 when the record lacks it. Times in seconds since
 * the epoch. */
struct metrics_job {
	const char *name; /* the record's _id, valid during the callback */
	double last_start_at, last_success_at, last_end_at;
	double last_duration_seconds, last_items, last_failures, period_seconds;
};
/* `each` per job record (records whose _id is not a name are skipped). */
void metrics_store_jobs(void (*each)(void *ctx, const struct metrics_job *j), void *ctx);

#endif
