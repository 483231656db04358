/* An id as it crosses the domain boundary: the 12 bytes of a store ObjectId, without the
 * driver's type, so that the public headers of src/domain and the handlers need not
 * include the driver to name a request, a user or a crew. The domain converts it to and
 * from the driver's type where it talks to the store (same bytes, a copy). */
#ifndef SWMRA_ID_H
#define SWMRA_ID_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#define OID_HEX_LEN 25 /* 24 hex digits and the NUL */

struct oid {
	uint8_t bytes[12];
};

static inline int oid_nibble_(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Parses 24 hex digits (either case, nothing else) into *out; false otherwise (NULL too),
 * as the store's own parser accepts them. */
static inline bool oid_parse(const char *hex, struct oid *out)
{
	if (!hex || strlen(hex) != 24)
		return false;
	for (int i = 0; i < 12; i++) {
		int hi = oid_nibble_(hex[2 * i]), lo = oid_nibble_(hex[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return false;
		out->bytes[i] = (uint8_t)(hi << 4 | lo);
	}
	return true;
}

/* The 24 lowercase hex digits of `id`. */
static inline void oid_hex(const struct oid *id, char out[OID_HEX_LEN])
{
	static const char digits[] = "0123456789abcdef";
	for (int i = 0; i < 12; i++) {
		out[2 * i] = digits[id->bytes[i] >> 4];
		out[2 * i + 1] = digits[id->bytes[i] & 15];
	}
	out[24] = '\0';
}

static inline bool oid_equal(const struct oid *a, const struct oid *b)
{
	return memcmp(a->bytes, b->bytes, sizeof(a->bytes)) == 0;
}

#endif
