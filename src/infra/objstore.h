/* Object storage for uploaded files: a local directory (UPLOAD_DIR) or an S3-compatible
 * bucket (AWS S3, MinIO, Ceph RGW, SeaweedFS, R2), chosen by STORAGE_BACKEND. Keys are
 * relative paths the caller generated ("YYYY/MM/<name>.<ext>"); this module never
 * interprets them beyond refusing "..", a leading '/' and empty segments.
 * S3 requests are signed by libcurl's own AWS SigV4 support (CURLOPT_AWS_SIGV4). */
#ifndef SWMRA_OBJSTORE_H
#define SWMRA_OBJSTORE_H

#include <stddef.h>
#include <stdint.h>

enum objstore_backend { OBJSTORE_LOCAL = 0, OBJSTORE_S3 = 1 };

enum objstore_result {
	OBJSTORE_OK = 0,
	OBJSTORE_NOT_FOUND = 1,	   /* get: no such object */
	OBJSTORE_EXISTS = 2,	   /* put: the key is taken (create-new refused) */
	OBJSTORE_UNAVAILABLE = -1, /* the store did not answer or answered 5xx: retry later */
	OBJSTORE_ERROR = -2	   /* anything else (refused credentials, local I/O error) */
};

/* The backend STORAGE_BACKEND selects. */
enum objstore_backend objstore_configured(void);
const char *objstore_backend_name(enum objstore_backend b);

/* Stores `len` bytes under `key`, only if nothing is stored there yet: locally by writing
 * a temporary file and link()ing it into place (fsynced); on S3 by a PUT with
 * `If-None-Match: *` (stores that do not know the header ignore it: keys are random).
 * The object is complete or absent, never partial. */
enum objstore_result objstore_put_new(enum objstore_backend b, const char *key, const uint8_t *data,
				      size_t len, const char *content_type);
/* Reads the whole object into *data (malloc'd, caller frees) of *len bytes, at most
 * `max` bytes (a larger object is OBJSTORE_ERROR). */
enum objstore_result objstore_get(enum objstore_backend b, const char *key, size_t max,
				  uint8_t **data, size_t *len);
/* Whether `key` exists (OBJSTORE_OK / OBJSTORE_NOT_FOUND / an error). */
enum objstore_result objstore_exists(enum objstore_backend b, const char *key);
/* Deletes `key`; an object that is already gone is OBJSTORE_OK. */
enum objstore_result objstore_delete(enum objstore_backend b, const char *key);

#endif
