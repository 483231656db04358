/* libFuzzer target for the form-encoded body parser (http_form_fields, http_form in
 * src/http/http.c; Open311's POST requests.{json,xml}). The input is the body. Properties:
 * no crash or leak; every field read lies within the count of '&'-separated pieces; a
 * decoded name or value is never longer than the raw text it came from; a name is empty
 * only when a NUL (http_form_has_nul) cut it; http_form finds
 * the first field of each name that http_form_fields lists. Build and run: tests/fuzz/run.sh. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/http.h"
#include "infra/arena.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena *a = arena_new();
	if (!a)
		abort();
	/* the body in its own allocation, so reads past its end are caught */
	char *body = malloc(size ? size : 1);
	if (!body)
		abort();
	memcpy(body, data, size);
	struct http_request req;
	http_request_init(&req, a);
	req.content_type = "application/x-www-form-urlencoded";
	req.body = body;
	req.body_len = size;
	const char **names, **values;
	size_t n = http_form_fields(&req, &names, &values);
	bool nul = http_form_has_nul(&req);
	size_t pieces = 1;
	for (size_t i = 0; i < size; i++)
		pieces += data[i] == '&';
	if (size && n > pieces)
		abort();
	for (size_t i = 0; i < n; i++) {
		if (!names[i] || !values[i] || strlen(names[i]) + strlen(values[i]) > size)
			abort();
		/* a name is never empty, unless a NUL (which the caller refuses) cut it */
		if (!names[i][0] && !nul)
			abort();
		const char *first = http_form(&req, names[i]);
		size_t j = 0;
		while (strcmp(names[j], names[i]) != 0)
			j++;
		if (first != values[j] && (!first || strcmp(first, values[j]) != 0))
			abort();
	}
	/* not a form: nothing is read */
	req.content_type = "application/json";
	if (http_form_fields(&req, &names, &values) != 0 || http_form(&req, "a"))
		abort();
	free(body);
	arena_free(a);
	return 0;
}
