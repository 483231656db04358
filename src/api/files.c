/* POST /api/files/upload: one multipart/form-data part named `file`, accepted only as a
 * JPEG, PNG or WebP judged by its bytes, stored without metadata (domain/uploads.c). */
#include <stdio.h>
#include <string.h>

#include "api/api.h"
#include "domain/multipart.h"
#include "domain/uploads.h"
#include "infra/config.h"
#include "infra/log.h"

#define MAX_PARTS 16

static int field_error(struct http_response *res, const char *msg, const char *type)
{
	struct verrors e;
	verr_init(&e);
	verr_add(&e, "body.file", msg, type);
	int st = http_validation(res, &e);
	verr_free(&e); /* http_validation leaves an empty list behind */
	return st;
}

int api_files_upload(struct http_request *req, struct http_response *res)
{
	if (req->body_too_large)
		return http_file_too_large(res);
	char boundary[MULTIPART_MAX_BOUNDARY + 1];
	if (!multipart_boundary(req->content_type, boundary))
		return http_error(res, 400,
				  "Content-Type must be multipart/form-data with a boundary");
	struct oid owner;
	if (!oid_parse(req->user.id, &owner))
		return http_error(res, 401, "Not authenticated");

	struct mp_reader r;
	struct mp_part part, file = {0};
	int nfiles = 0, nparts = 0;
	enum multipart_status st;
	multipart_init(&r, req->body, req->body_len, boundary);
	while ((st = multipart_next(&r, &part)) == MP_PART) {
		if (++nparts > MAX_PARTS)
			return http_error(res, 400, "Malformed multipart body: too many parts");
		if (multipart_value_equals(part.name, "file")) {
			nfiles++;
			file = part;
		}
	}
	if (st != MP_END)
		return http_error(res, 400, multipart_strerror(st));
	if (nfiles == 0)
		return field_error(res, "Field required", "missing");
	if (nfiles > 1)
		return field_error(res, "Exactly one file is allowed", "value_error");
	/* The client's file name and declared type are ignored: only the bytes count. */
	if (file.len > (size_t)config_get()->upload_max_bytes)
		return http_file_too_large(res);

	struct upload_info info;
	struct derr err;
	switch (uploads_store(&owner, file.data, file.len, &info, &err)) {
	case UPLOAD_STORE_OK: break;
	case UPLOAD_STORE_UNSUPPORTED:
		return http_error(res, 415, "Only JPEG, PNG or WebP images are accepted");
	case UPLOAD_STORE_TOO_LARGE: return http_file_too_large(res);
	case UPLOAD_STORE_QUOTA: {
		char ra[24];
		snprintf(ra, sizeof(ra), "%lld", (long long)info.retry_after);
		http_header(res, "Retry-After", ra);
		return http_error(res, 429, info.refusal);
	}
	case UPLOAD_STORE_DB_ERROR: return api_derr(res, &err);
	case UPLOAD_STORE_UNAVAILABLE:
		http_header(res, "Retry-After", "5");
		return http_error(res, 503, "The file store is unavailable; try again shortly");
	case UPLOAD_STORE_IO_ERROR:
	default: return http_error(res, 500, "The file could not be stored");
	}
	json_object *body = json_object_new_object();
	json_object_object_add(body, "url", json_object_new_string(info.url));
	json_object_object_add(body, "path", json_object_new_string(info.path));
	uploads_info_free(&info);
	return http_json(res, 201, body);
}
