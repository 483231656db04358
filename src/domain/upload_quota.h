/* The per-owner upload quota of the uploads module (the rules: uploads_store in
 * uploads.h): every unattached upload holds a numbered seat and every upload a numbered
 * claim of its clock hour in `upload_quota`, each taken by a unique insert. Used by
 * uploads.c only. */
#ifndef SWMRA_UPLOAD_QUOTA_H
#define SWMRA_UPLOAD_QUOTA_H

#include <stddef.h>

#include "domain/derr.h"
#include "domain/id.h"
#include "domain/uploads.h"

#define UPLOAD_QUOTA_ID_MAX 96

/* The claims of one upload (their _id; "" when not held). */
struct upload_quota_claim {
	char seat[UPLOAD_QUOTA_ID_MAX];
	char rate[UPLOAD_QUOTA_ID_MAX];
};

/* Takes a seat for an upload of `bytes` stored bytes at `path` and a claim of this hour
 * for `owner`. UPLOAD_STORE_OK with qc filled (upload_quota_release gives both back if
 * the upload then fails), UPLOAD_STORE_QUOTA with out->refusal and out->retry_after set
 * (nothing held), or UPLOAD_STORE_DB_ERROR with err set (nothing held). */
enum upload_store_result upload_quota_take(const struct oid *owner, const char *path, size_t bytes,
					   struct upload_quota_claim *qc, struct upload_info *out,
					   struct derr *err);
/* Gives back the claims of an upload that was not stored (best effort, logged). */
void upload_quota_release(struct upload_quota_claim *qc);
/* Frees the seats of the uploads at `paths` (n of them) of `owner` (NULL: whoever owns
 * them): they were attached to a request or deleted. Best effort: a failure is logged,
 * and the cleanup job removes old seats anyway. */
void upload_quota_free(const struct oid *owner, const char *const *paths, size_t n);

#endif
