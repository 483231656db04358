/* swmra-job-cleanup-uploads: deletes uploads not attached to a pickup request
 * ORPHAN_UPLOAD_HOURS (default 24) after their upload. Each deletion first claims the
 * upload's fate in `upload_fates` (unique _id = path); a request that claimed "kept" first
 * wins and the upload stays, otherwise the object (through the configured store: local
 * directory or S3 bucket) and then the document are deleted; when the store is down the
 * document stays listed and the next run finishes the deletion.
 * Then it removes upload quota claims that are over (hourly claims older than an hour,
 * seats older than ORPHAN_UPLOAD_HOURS). --dry-run prints each upload it would delete on
 * stdout (and logs it) and deletes nothing. Suggested schedule: hourly. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "domain/uploads.h"
#include "infra/config.h"
#include "infra/job.h"
#include "infra/timeutil.h"

#define BATCH 500

static json_object *fields(const struct upload_orphan *o)
{
	char hex[25], ts[TIME_RFC3339_LEN];
	bson_oid_to_string(&o->id, hex);
	time_format_rfc3339(o->created_at_ms, ts);
	json_object *f = json_object_new_object();
	json_object_object_add(f, "upload_id", json_object_new_string(hex));
	json_object_object_add(f, "path", json_object_new_string(o->path));
	json_object_object_add(f, "created_at", json_object_new_string(ts));
	return f;
}

static int run(struct job_ctx *ctx)
{
	static struct upload_orphan list[BATCH];
	int64_t cutoff = time_now_ms() - (int64_t)config_get()->orphan_upload_hours * 3600000;
	bson_error_t err;
	long total = 0;
	for (;;) {
		int n = uploads_list_orphans(cutoff, list, BATCH, &err);
		if (n < 0) {
			job_failure(ctx, "list_orphan_uploads", NULL, err.message);
			return -1;
		}
		int deleted = 0;
		for (int i = 0; i < n; i++) {
			if (ctx->dry_run) {
				printf("would delete upload %s\n", list[i].path);
				job_action(ctx, "delete_upload", fields(&list[i]));
				total++;
				continue;
			}
			int r = uploads_delete_orphan(&list[i], &err);
			if (r == 1) {
				job_action(ctx, "delete_upload", fields(&list[i]));
				deleted++;
				total++;
			} else if (r == -1) {
				job_failure(ctx, "delete_upload", fields(&list[i]), err.message);
			} else if (r == -2) {
				job_failure(
				    ctx, "delete_upload_file", fields(&list[i]),
				    "the object store is unavailable or refused the delete");
			}
		}
		/* A dry run changes nothing, so one listing is all there is; a real run goes on
		 * while full batches keep being deleted. */
		if (ctx->dry_run || n < BATCH || deleted == 0)
			break;
	}
	if (ctx->dry_run)
		printf("%ld upload(s) would be deleted\n", total);
	/* quota claims that are over (uploads.h: uploads_purge_quota) */
	int64_t q = uploads_purge_quota(time_now_ms(), ctx->dry_run, &err);
	json_object *f = json_object_new_object();
	if (q < 0) {
		job_failure(ctx, "purge_upload_quota", f, err.message);
		return -1;
	}
	json_object_object_add(f, "count", json_object_new_int64(q));
	job_action(ctx, "purge_upload_quota", f);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct job_spec spec = {
	    .name = "cleanup-uploads",
	    .description = "Delete uploads not attached to a request after ORPHAN_UPLOAD_HOURS.",
	    .window_seconds = 3600,
	    .run = run,
	};
	return job_main(argc, argv, &spec);
}
