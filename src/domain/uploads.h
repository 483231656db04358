/* Uploaded photos: validated by content, stripped of metadata, stored under
 * UPLOAD_DIR/YYYY/MM/<random>.<ext>, recorded in the `uploads` collection with owner. */
#ifndef SWMRA_UPLOADS_H
#define SWMRA_UPLOADS_H

#include <mongoc/mongoc.h>
#include <stdbool.h>

enum upload_ref_result {
	UPLOAD_REF_OK = 0,
	UPLOAD_REF_INVALID = 1, /* not an upload URL/path of this service */
	UPLOAD_REF_NOT_OWNED = 2, /* unknown, or someone else's */
	UPLOAD_REF_DB_ERROR = -1
};

/* Resolves a photo reference given in a request body — the absolute URL returned by
 * POST /api/files/upload (PUBLIC_BASE_URL + "/uploads/...") or the "/uploads/..." path —
 * to the stored relative path ("YYYY/MM/<name>.<ext>"), checking the caller owns it.
 * `path_out` receives a malloc'd string on success (caller frees). */
enum upload_ref_result uploads_resolve(const bson_oid_t *owner_id, const char *ref,
				       char **path_out, bson_error_t *err);
/* Marks uploads as attached to a request so the orphan cleanup keeps them. */
bool uploads_attach(const bson_oid_t *owner_id, const char *const *paths, size_t n,
		    const bson_oid_t *request_id, bson_error_t *err);

#endif
