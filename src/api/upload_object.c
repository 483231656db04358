/* GET /api/internal/upload-object?path=<YYYY/MM/name.ext>: the bytes of a stored photo,
 * for nginx only. nginx has already checked the signed link (secure_link) of the public
 * request and passes the path here through an internal location when STORAGE_BACKEND=s3:
 * nginx cannot sign an S3 request itself, and the bucket is private, so the worker fetches
 * the object with libcurl's SigV4 and answers it. From outside, /api/internal/ is a 404 at
 * nginx. */
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "domain/uploads.h"
#include "infra/config.h"
#include "infra/objstore.h"

static const char *mime_of(const char *path)
{
	const char *ext = strrchr(path, '.');
	if (ext && strcmp(ext, ".png") == 0)
		return "image/png";
	if (ext && strcmp(ext, ".webp") == 0)
		return "image/webp";
	return "image/jpeg";
}

int api_internal_upload_object(struct http_request *req, struct http_response *res)
{
	const char *path = http_query(req, "path");
	if (!path || !uploads_valid_relpath(path))
		return http_error(res, 404, "Not Found");
	uint8_t *data = NULL;
	size_t len = 0;
	enum objstore_result r = objstore_get(objstore_configured(), path,
					      (size_t)config_get()->upload_max_bytes, &data, &len);
	if (r == OBJSTORE_NOT_FOUND)
		return http_error(res, 404, "Not Found");
	if (r == OBJSTORE_UNAVAILABLE) {
		http_header(res, "Retry-After", "5");
		return http_error(res, 503, "The photo store is unavailable; try again shortly");
	}
	if (r != OBJSTORE_OK) /* refused credentials, a missing bucket: logged by objstore */
		return http_error(res, 500, "The photo could not be read");
	int st = http_raw(res, 200, mime_of(path), (const char *)data, len);
	free(data);
	return st;
}
