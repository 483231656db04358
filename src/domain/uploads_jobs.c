/* The uploads module's jobs (infra/module.h: its `jobs`), each run by the shared main of
 * cron/swmra-job.c as the program swmra-job-<name>. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/upload_migrate.h"
#include "domain/uploads.h"
#include "infra/config.h"
#include "infra/job.h"
#include "infra/timeutil.h"

/* swmra-job-cleanup-uploads: deletes uploads not attached to a pickup request
 * ORPHAN_UPLOAD_HOURS (default 24) after their upload. Each deletion first claims the
 * upload's fate in `upload_fates` (unique _id = path); a request that claimed "kept" first
 * wins and the upload stays, otherwise the object (through the configured store: local
 * directory or S3 bucket) and then the document are deleted; when the store is down the
 * document stays listed and the next run finishes the deletion.
 * Then it removes upload quota claims that are over (hourly claims older than an hour,
 * seats older than ORPHAN_UPLOAD_HOURS). --dry-run prints each upload it would delete on
 * stdout (and logs it) and deletes nothing. Suggested schedule: hourly. */
#define ORPHAN_BATCH 500

static json_object *orphan_fields(const struct upload_orphan *o)
{
	char hex[OID_HEX_LEN], ts[TIME_RFC3339_LEN];
	oid_to_hex(&o->id, hex);
	time_format_rfc3339(o->created_at_ms, ts);
	json_object *f = json_object_new_object();
	json_object_object_add(f, "upload_id", json_object_new_string(hex));
	json_object_object_add(f, "path", json_object_new_string(o->path));
	json_object_object_add(f, "created_at", json_object_new_string(ts));
	return f;
}

static int cleanup_uploads_run(struct job_ctx *ctx)
{
	static struct upload_orphan list[ORPHAN_BATCH];
	int64_t cutoff = time_now_ms() - (int64_t)config_get()->orphan_upload_hours * 3600000;
	struct derr err;
	long total = 0;
	for (;;) {
		int n = uploads_list_orphans(cutoff, list, ORPHAN_BATCH, &err);
		if (n < 0) {
			job_failure(ctx, "list_orphan_uploads", NULL, err.message);
			return -1;
		}
		int deleted = 0;
		for (int i = 0; i < n; i++) {
			if (ctx->dry_run) {
				printf("would delete upload %s\n", list[i].path);
				job_action(ctx, "delete_upload", orphan_fields(&list[i]));
				total++;
				continue;
			}
			int r = uploads_delete_orphan(&list[i], &err);
			if (r == 1) {
				job_action(ctx, "delete_upload", orphan_fields(&list[i]));
				deleted++;
				total++;
			} else if (r == -1) {
				job_failure(ctx, "delete_upload", orphan_fields(&list[i]),
					    err.message);
			} else if (r == -2) {
				job_failure(
				    ctx, "delete_upload_file", orphan_fields(&list[i]),
				    "the object store is unavailable or refused the delete");
			}
		}
		/* A dry run changes nothing, so one listing is all there is; a real run goes on
		 * while full batches keep being deleted. */
		if (ctx->dry_run || n < ORPHAN_BATCH || deleted == 0)
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

const struct job_spec uploads_job_cleanup = {
    .name = "cleanup-uploads",
    .description = "Delete uploads not attached to a request after ORPHAN_UPLOAD_HOURS.",
    .window_seconds = 3600,
    .run = cleanup_uploads_run,
};

/* swmra-job-migrate-uploads --to s3|local [--dry-run] [--env-file PATH]: copies every
 * stored upload (listed by the `uploads` collection) from the other backend into the one
 * named by --to, so a running site can switch STORAGE_BACKEND (docs/SCALING.md §6). An
 * object already at the destination is skipped: the job can be re-run after an
 * interruption, and once more after the switch for uploads made in between. The S3_*
 * settings are needed whatever STORAGE_BACKEND says. Not scheduled: run by hand (always
 * a manual pass, no schedule window). Exit 1 when something was not copied. */
static enum objstore_backend to_backend = OBJSTORE_S3;

static void outcome(const char *path, enum upload_migrate_outcome o, void *ud)
{
	struct job_ctx *ctx = ud;
	static const char *const names[] = {"copy_upload", "already_there", "missing_at_source"};
	json_object *f = json_object_new_object();
	json_object_object_add(f, "path", json_object_new_string(path));
	json_object_object_add(f, "to", json_object_new_string(objstore_backend_name(to_backend)));
	if (o < 0) {
		job_failure(ctx, "copy_upload", f,
			    o == UPLOAD_MIGRATE_UNAVAILABLE ? "a store is unavailable: stopped"
							    : "the store refused (see the log)");
		return;
	}
	if (o == UPLOAD_MIGRATE_COPIED && ctx->dry_run)
		printf("would copy %s\n", path);
	job_action(ctx, names[o], f);
}

static int migrate_uploads_run(struct job_ctx *ctx)
{
	const struct config *c = config_get();
	if (!c->s3_endpoint[0] || !c->s3_bucket[0] || !c->s3_access_key[0] ||
	    !c->s3_secret_key[0]) {
		job_failure(ctx, "migrate_uploads", NULL,
			    "S3_ENDPOINT, S3_BUCKET, S3_ACCESS_KEY and S3_SECRET_KEY must be set");
		return -1;
	}
	enum objstore_backend from = to_backend == OBJSTORE_S3 ? OBJSTORE_LOCAL : OBJSTORE_S3;
	struct derr err;
	long n = upload_migrate_all(from, to_backend, ctx->dry_run, outcome, ctx, &err);
	if (n == -1) {
		job_failure(ctx, "list_uploads", NULL, err.message);
		return -1;
	}
	return n == -2 ? -1 : 0;
}

/* --to s3|local, this job's own option: taken out of argv before the framework parses the
 * rest (job_spec.own_options). Without it, and without --help, the usage and exit 2. */
static int migrate_options(int *argc, char **argv)
{
	int n = 0;
	bool have_to = false, help = false;
	for (int i = 0; i < *argc; i++) {
		if (i > 0 && strcmp(argv[i], "--to") == 0 && i + 1 < *argc) {
			const char *v = argv[++i];
			have_to = strcmp(v, "s3") == 0 || strcmp(v, "local") == 0;
			if (!have_to) {
				fprintf(stderr,
					"swmra-job-migrate-uploads: --to must be s3 or local\n");
				return 2;
			}
			to_backend = strcmp(v, "s3") == 0 ? OBJSTORE_S3 : OBJSTORE_LOCAL;
			continue;
		}
		help = help ||
		       (i > 0 && (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0));
		argv[n++] = argv[i];
	}
	argv[n] = NULL;
	*argc = n;
	if (!have_to && !help) {
		fprintf(stderr, "usage: swmra-job-migrate-uploads --to s3|local [--dry-run] "
				"[--env-file PATH]\n");
		return 2;
	}
	return 0;
}

const struct job_spec uploads_job_migrate = {
    .name = "migrate-uploads",
    .description = "Copy stored uploads into the backend named by --to s3|local "
		   "(idempotent).",
    .window_seconds = 60,
    .run = migrate_uploads_run,
    .own_options = migrate_options,
    .manual = true,
};

const struct job_spec *const uploads_jobs[] = {&uploads_job_cleanup, &uploads_job_migrate, NULL};
