/* Domain results as HTTP answers. */
#include "api/api.h"
#include "domain/derr.h"

int api_derr(struct http_response *res, const struct derr *err)
{
	return http_store_error(res, err->domain, err->code, err->message, err->unavailable);
}
