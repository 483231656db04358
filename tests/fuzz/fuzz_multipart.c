/* libFuzzer target for the upload input path: the multipart parser (boundary taken from
 * the first input line as a Content-Type, the rest as the body) and, for every part, the
 * image sanitizer, whose output is fed back through it (a rewrite must be accepted as it
 * is). Build and run: tests/fuzz/run.sh. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "domain/image_sanitize.h"
#include "domain/multipart.h"

static void check_image(const uint8_t *p, size_t n)
{
	uint8_t *out = NULL, *again = NULL;
	size_t on = 0, an = 0;
	const char *why;
	enum image_kind k = image_sanitize(p, n, &out, &on, &why);
	if (k == IMAGE_NONE) {
		if (out || !why)
			abort();
		return;
	}
	if (!out || on > n)
		abort();
	/* idempotent: sanitizing the sanitized image changes nothing */
	if (image_sanitize(out, on, &again, &an, &why) != k || an != on || memcmp(again, out, on))
		abort();
	free(again);
	free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nl = memchr(data, '\n', size < 200 ? size : 200);
	if (!nl) {
		check_image(data, size);
		return 0;
	}
	char ct[201];
	size_t cl = (size_t)(nl - data);
	memcpy(ct, data, cl);
	ct[cl] = '\0';
	char boundary[MULTIPART_MAX_BOUNDARY + 1];
	if (!multipart_boundary(ct, boundary))
		return 0;
	/* the body in its own allocation, so reads past its end are caught */
	size_t bl = size - cl - 1;
	char *body = malloc(bl ? bl : 1);
	memcpy(body, nl + 1, bl);
	struct mp_reader r;
	struct mp_part part;
	multipart_init(&r, body, bl, boundary);
	enum multipart_status st;
	int parts = 0;
	while ((st = multipart_next(&r, &part)) == MP_PART) {
		if (part.data < (const unsigned char *)body ||
		    part.data + part.len > (const unsigned char *)body + bl)
			abort();
		(void)multipart_value_equals(part.name, "file");
		check_image(part.data, part.len);
		if (++parts > 100000)
			abort();
	}
	(void)multipart_strerror(st);
	free(body);
	return 0;
}
