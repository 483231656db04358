/* swmra-job-migrate-uploads --to s3|local [--dry-run] [--env-file PATH]: copies every
 * stored upload (listed by the `uploads` collection) from the other backend into the one
 * named by --to, so a running site can switch STORAGE_BACKEND (docs/SCALING.md §6). An
 * object already at the destination is skipped: the job can be re-run after an
 * interruption, and once more after the switch for uploads made in between. The S3_*
 * settings are needed whatever STORAGE_BACKEND says. Not scheduled: run by hand (always
 * a manual pass, no schedule window). Exit 1 when something was not copied. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/upload_migrate.h"
#include "infra/config.h"
#include "infra/job.h"

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

static int run(struct job_ctx *ctx)
{
	const struct config *c = config_get();
	if (!c->s3_endpoint[0] || !c->s3_bucket[0] || !c->s3_access_key[0] ||
	    !c->s3_secret_key[0]) {
		job_failure(ctx, "migrate_uploads", NULL,
			    "S3_ENDPOINT, S3_BUCKET, S3_ACCESS_KEY and S3_SECRET_KEY must be set");
		return -1;
	}
	enum objstore_backend from = to_backend == OBJSTORE_S3 ? OBJSTORE_LOCAL : OBJSTORE_S3;
	bson_error_t err;
	long n = upload_migrate_all(from, to_backend, ctx->dry_run, outcome, ctx, &err);
	if (n == -1) {
		job_failure(ctx, "list_uploads", NULL, err.message);
		return -1;
	}
	return n == -2 ? -1 : 0;
}

int main(int argc, char **argv)
{
	static const struct job_spec spec = {
	    .name = "migrate-uploads",
	    .description = "Copy stored uploads into the backend named by --to s3|local "
			   "(idempotent).",
	    .window_seconds = 60,
	    .run = run,
	};
	/* --to is this job's own option; the framework gets the rest, always as --once */
	char **args = calloc((size_t)argc + 2, sizeof(*args));
	int n = 0;
	bool have_to = false;
	if (!args)
		return 2;
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--to") == 0 && i + 1 < argc) {
			const char *v = argv[++i];
			have_to = strcmp(v, "s3") == 0 || strcmp(v, "local") == 0;
			if (!have_to) {
				fprintf(stderr,
					"swmra-job-migrate-uploads: --to must be s3 or local\n");
				free(args);
				return 2;
			}
			to_backend = strcmp(v, "s3") == 0 ? OBJSTORE_S3 : OBJSTORE_LOCAL;
			continue;
		}
		args[n++] = argv[i];
	}
	bool help = false;
	for (int i = 1; i < n; i++)
		help = help || strcmp(args[i], "--help") == 0 || strcmp(args[i], "-h") == 0;
	if (!have_to && !help) {
		fprintf(stderr, "usage: swmra-job-migrate-uploads --to s3|local [--dry-run] "
				"[--env-file PATH]\n");
		free(args);
		return 2;
	}
	args[n++] = (char *)"--once";
	args[n] = NULL;
	int rc = job_main(n, args, &spec);
	free(args);
	return rc;
}
