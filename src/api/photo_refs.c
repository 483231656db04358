/* Photo references of a request body (the `photos` of a request, the `proof_photos` of a
 * collected step): each an upload URL or path of this service that the caller uploaded. */
#include <stdio.h>

#include "api/api.h"
#include "domain/uploads.h"
#include "infra/cleanup.h"

bool api_photo_refs(struct http_request *req, struct verrors *e, json_object *arr, const char *loc,
		    const char **paths, size_t *n, struct derr *err)
{
	struct oid owner;
	*n = 0;
	if (!oid_parse(req->user.id, &owner))
		return true;
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		json_object *p = json_object_array_get_idx(arr, i);
		char at[64];
		snprintf(at, sizeof(at), "%s.%zu", loc, i);
		if (!p || !json_object_is_type(p, json_type_string)) {
			verr_add(e, at, "Input should be a valid string", "string_type");
			continue;
		}
		char *path = NULL;
		enum upload_ref_result r =
		    uploads_resolve(&owner, json_object_get_string(p), &path, err);
		if (r == UPLOAD_REF_DB_ERROR)
			return false;
		if (r != UPLOAD_REF_OK) {
			verr_add(e, at,
				 r == UPLOAD_REF_INVALID
				     ? "Photo should be an upload URL of this service"
				     : "Photo should be one of your uploads",
				 "upload_ref");
			continue;
		}
		arena_defer_free(req->arena, path);
		paths[(*n)++] = path;
	}
	return true;
}
