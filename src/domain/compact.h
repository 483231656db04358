/* Small hot collections: what grows without bound is compacted, archived or purged by
 * cron (swmra-job-compact), so the collections that requests read stay proportional to
 * active work, not to the service's age. FerretDB has no TTL indexes; these are plain
 * deletes by an indexed date, safe to repeat and to run on several machines at once.
 *   - events of requests finished for COMPACT_EVENTS_KEEP_DAYS move to
 *     request_events_archive (requests_archive_events; the documents carry the timeline);
 *   - in-app notifications read and older than COMPACT_READ_KEEP_DAYS;
 *   - email/SMS/push notifications sent or given up older than COMPACT_SENT_KEEP_DAYS,
 *     and send attempts claimed before that (retries end after ~31 minutes);
 *   - job run keys older than COMPACT_JOB_RUNS_KEEP_DAYS (one per minute for dispatch).
 * Expired revocations and old login failures are swmra-job-purge-tokens' work. */
#ifndef SWMRA_COMPACT_H
#define SWMRA_COMPACT_H

#include <stdbool.h>
#include <stdint.h>

#include "domain/derr.h"

#define COMPACT_EVENTS_KEEP_DAYS   30
#define COMPACT_EVENTS_BATCH	   2000 /* requests archived per run at most */
#define COMPACT_READ_KEEP_DAYS	   90
#define COMPACT_SENT_KEEP_DAYS	   30
#define COMPACT_JOB_RUNS_KEEP_DAYS 7

#define COMPACT_DAY_MS (86400LL * 1000)

/* Each deletes (or with dry_run counts) what its rule above names as of `now_ms`.
 * Returns the number, or -1 on a database error (err set). */
int64_t compact_read_notifications(int64_t now_ms, bool dry_run, struct derr *err);
int64_t compact_sent_notifications(int64_t now_ms, bool dry_run, struct derr *err);
int64_t compact_send_attempts(int64_t now_ms, bool dry_run, struct derr *err);
int64_t compact_job_runs(int64_t now_ms, bool dry_run, struct derr *err);

#endif
