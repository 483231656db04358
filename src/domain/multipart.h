/* A strict multipart/form-data parser (RFC 7578 / RFC 2046 §5.1) over a body already in
 * memory: parts are returned as slices of the body, nothing is allocated or copied, and
 * every loop is bounded by the body length. A body whose closing delimiter is missing is
 * refused as truncated. */
#ifndef SWMRA_MULTIPART_H
#define SWMRA_MULTIPART_H

#include <stdbool.h>
#include <stddef.h>

#define MULTIPART_MAX_BOUNDARY	   70
#define MULTIPART_MAX_HEADER_BYTES 8192 /* per part */
#define MULTIPART_MAX_HEADERS	   16	/* per part */

enum multipart_status {
	MP_PART = 1,		/* *part filled */
	MP_END = 0,		/* closing delimiter seen */
	MP_NO_START = -1,	/* no opening delimiter */
	MP_TRUNCATED = -2,	/* body ends before the closing delimiter */
	MP_BAD_HEADERS = -3,	/* malformed or oversized part headers */
	MP_BAD_DISPOSITION = -4 /* Content-Disposition missing, not form-data or no name */
};

/* A slice of the body (not NUL-terminated). */
struct mp_slice {
	const char *p;
	size_t n;
};

struct mp_part {
	struct mp_slice name;	  /* raw value of the name parameter (quotes removed) */
	struct mp_slice filename; /* raw filename parameter; p NULL when absent */
	struct mp_slice content_type;
	const unsigned char *data;
	size_t len;
};

struct mp_reader {
	const char *body;
	size_t len;
	size_t pos;
	char delim[4 + MULTIPART_MAX_BOUNDARY + 1]; /* "\r\n--" + boundary */
	size_t dlen;
	int state; /* 0 before the first part, 1 inside, 2 done, -1 failed */
};

/* Extracts the boundary of a "multipart/form-data; boundary=..." Content-Type (type and
 * parameter names case-insensitive, quoted or token value, 1..70 chars of the RFC 2046
 * bchars). Writes it NUL-terminated into `out`. False for any other content type. */
bool multipart_boundary(const char *content_type, char out[MULTIPART_MAX_BOUNDARY + 1]);
/* Prepares to read `body` (borrowed for the reader's lifetime). */
void multipart_init(struct mp_reader *r, const char *body, size_t len, const char *boundary);
/* The next part, MP_END after the last, or a negative status (then stays failed). */
enum multipart_status multipart_next(struct mp_reader *r, struct mp_part *part);
/* Whether a parameter value (quoted-string content, backslash escapes honoured) equals
 * `s` exactly. */
bool multipart_value_equals(struct mp_slice v, const char *s);
/* A client-readable description of a failure status. */
const char *multipart_strerror(enum multipart_status st);

#endif
