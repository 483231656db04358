/* Uploaded photos: validated by content, stripped of metadata, stored under
 * UPLOAD_DIR/YYYY/MM/<random>.<ext>, recorded in the `uploads` collection with owner. */
#ifndef SWMRA_UPLOADS_H
#define SWMRA_UPLOADS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "domain/derr.h"
#include "domain/id.h"

enum upload_ref_result {
	UPLOAD_REF_OK = 0,
	UPLOAD_REF_INVALID = 1,	  /* not an upload URL/path of this service */
	UPLOAD_REF_NOT_OWNED = 2, /* unknown, or someone else's */
	UPLOAD_REF_DB_ERROR = -1
};

/* Resolves a photo reference given in a request body — the absolute URL returned by
 * POST /api/files/upload (PUBLIC_BASE_URL + "/uploads/...") or the "/uploads/..." path —
 * to the stored relative path ("YYYY/MM/<name>.<ext>"), checking the caller owns it.
 * The bare relative path ("YYYY/MM/<name>.<ext>", the `path` of the upload answer) is
 * accepted too. Anything else (other hosts, query strings, "..", other names) is
 * UPLOAD_REF_INVALID without a database round trip.
 * `path_out` receives a malloc'd string on success (caller frees). */
enum upload_ref_result uploads_resolve(const struct oid *owner_id, const char *ref, char **path_out,
				       struct derr *err);
/* Decides that these uploads are kept: for each path it inserts the fate document
 * {_id: path, fate: "kept"} into `upload_fates`, the same key the orphan cleanup claims
 * with fate "deleted" before it deletes anything. The unique _id makes the decision
 * exclusive on FerretDB and MongoDB alike (no conditional update decides it).
 * The change that references the uploads calls it last before it claims its version
 * (requests_create, requests_update_draft), and gives back with uploads_unkeep what it
 * kept when that change then certainly failed. `kept_now` (n entries, caller's) receives
 * which fates this call inserted. All or nothing: on failure it gives back those itself.
 * UPLOAD_REF_OK when every path is kept (already kept is fine), UPLOAD_REF_NOT_OWNED with
 * *gone set to the index of a path the cleanup already took, UPLOAD_REF_DB_ERROR. */
enum upload_ref_result uploads_keep(const struct oid *owner_id, const char *const *paths, size_t n,
				    bool *kept_now, size_t *gone, struct derr *err);
/* Withdraws the "kept" fates `kept_now` marks (as uploads_keep set it), so the orphan
 * cleanup may take those uploads again. A failure is logged: the upload then stays kept
 * unattached (a leak, never a loss). Known window: a second change that sent the same
 * photo at the same moment found this fate and counts on it until it attaches the photo
 * (milliseconds later); only a cleanup run falling into that gap could take the photo. */
void uploads_unkeep(const char *const *paths, size_t n, const bool *kept_now);
/* Marks uploads as attached to a request so the orphan cleanup keeps them. Only uploads
 * of `owner_id` that are not yet attached are changed (resolve them first); `paths` are
 * relative paths as returned by uploads_resolve. False only on a database error. */
bool uploads_attach(const struct oid *owner_id, const char *const *paths, size_t n,
		    const struct oid *request_id, struct derr *err);

/* Whether `rel` is a stored-upload relative path of the form this module generates:
 * "YYYY/MM/<32 lowercase hex>.(jpg|png|webp)". */
bool uploads_valid_relpath(const char *rel);

enum upload_store_result {
	UPLOAD_STORE_OK = 0,
	UPLOAD_STORE_UNSUPPORTED = 1, /* not a clean JPEG, PNG or WebP: answer 415 */
	UPLOAD_STORE_TOO_LARGE = 2,   /* over UPLOAD_MAX_BYTES: answer 413 */
	UPLOAD_STORE_QUOTA = 3,	    /* over the owner's quota: answer 429 (refusal, retry_after) */
	UPLOAD_STORE_IO_ERROR = -2, /* writing the file failed (logged): answer 500 */
	UPLOAD_STORE_UNAVAILABLE = -3, /* the object store is down: answer 503, retryable */
	UPLOAD_STORE_DB_ERROR = -1     /* err is set */
};

struct upload_info {
	struct oid id;
	char path[64];		  /* "YYYY/MM/<32 hex>.<ext>" */
	char *url;		  /* malloc'd: a signed link to path (upload_links.h) */
	const char *content_type; /* static string */
	size_t size;		  /* bytes stored (after metadata stripping) */
	char sha256[65];	  /* hex of the stored bytes */
	/* UPLOAD_STORE_QUOTA: which limit (for the 429 detail) and the seconds to wait */
	char refusal[160];
	int64_t retry_after;
};

/* Validates `data` as JPEG/PNG/WebP by content, strips metadata, stores it create-new
 * under YYYY/MM/<random>.<ext> (UTC month) in the configured object store (objstore.h:
 * UPLOAD_DIR or the S3 bucket) and inserts the `uploads` document. On any failure nothing
 * stays stored (the object is removed if the insert fails); a store that is down is
 * UPLOAD_STORE_UNAVAILABLE with no document written.
 *
 * Quota, per owner (UPLOAD_MAX_PENDING unattached uploads holding at most
 * UPLOAD_MAX_PENDING_BYTES, UPLOAD_RATE_PER_HOUR uploads an hour), claimed in
 * `upload_quota` before anything is written:
 * - each unattached upload holds a numbered seat, _id "<owner>:seat:<n>" with
 *   n < UPLOAD_MAX_PENDING, taken by a unique insert, so racing uploads never hold more
 *   seats than that (FerretDB-safe: no conditional update decides it); attaching the
 *   upload to a request (uploads_attach) or its deletion as an orphan frees the seat;
 * - the seat records the stored bytes; after taking its seat an upload sums the owner's
 *   seats again and gives the seat back if the sum is over the limit. Every upload checks
 *   after its own insert, so of any two that are both kept, the one that checked last saw
 *   the other: the kept seats never sum over the limit (racing uploads may both give up;
 *   they are retried a few times after a short random pause);
 * - each upload takes a numbered claim of its clock hour, _id "<owner>:rate:<hour>:<n>"
 *   with n < UPLOAD_RATE_PER_HOUR (unique insert), after a check that fewer than that
 *   many were taken in the last 60 minutes.
 * Over a limit: UPLOAD_STORE_QUOTA with out->refusal and out->retry_after set.
 * On UPLOAD_STORE_OK the caller owns out->url (release with uploads_info_free). */
enum upload_store_result uploads_store(const struct oid *owner_id, const uint8_t *data, size_t len,
				       struct upload_info *out, struct derr *err);
void uploads_info_free(struct upload_info *info);

/* Deletes (or with dry_run counts) quota claims that are over: hourly claims older than an
 * hour, seats older than ORPHAN_UPLOAD_HOURS (their upload is attached or an orphan by
 * then; a seat is normally freed on either, this catches a worker that died between
 * claiming and storing). Returns the number, or -1 with err set. */
int64_t uploads_purge_quota(int64_t now_ms, bool dry_run, struct derr *err);

/* One unattached upload, as listed by uploads_list_orphans (path is a copy). */
struct upload_orphan {
	struct oid id;
	char path[64];
	int64_t created_at_ms;
};

/* Lists up to `max` uploads with request_id null created before `cutoff_ms`, oldest
 * first, into `out` (caller-provided array). Returns the count, or -1 with err set. */
int uploads_list_orphans(int64_t cutoff_ms, struct upload_orphan *out, int max, struct derr *err);
/* Deletes one orphan after claiming its fate "deleted" in `upload_fates` (see
 * uploads_keep: whichever claim is inserted first decides), then the document, then
 * its object through the configured store (an already missing object is fine).
 * Returns 1 deleted, 0 attached meanwhile or already gone (nothing done), -1 on a
 * database error (err set) or -2 when the object could not be removed (the store is down:
 * the fate stays "deleted", so a later run finishes it). */
int uploads_delete_orphan(const struct upload_orphan *o, struct derr *err);

#endif
