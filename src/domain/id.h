/* An id as it crosses the domain's boundary: the 12 bytes of a stored ObjectId, a plain
 * value (copy it, compare it) so that public headers need not include the driver. On the
 * wire it is 24 lower-case hex digits. */
#ifndef SWMRA_ID_H
#define SWMRA_ID_H

#include <stdbool.h>
#include <stdint.h>

#define OID_HEX_LEN 24

struct oid {
	uint8_t bytes[12];
};

/* Parses 24 hex digits (either case) into *out; false for anything else (NULL, too short or
 * long, a non-hex digit), *out untouched. */
bool oid_parse(const char *hex, struct oid *out);
/* The 24 lower-case hex digits of `id` and a NUL into `out`. */
void oid_format(const struct oid *id, char out[OID_HEX_LEN + 1]);
bool oid_equal(const struct oid *a, const struct oid *b);

#endif
