/* The id of a stored document as the domain's callers see it: 12 bytes, or 24 hex
 * characters on the wire, without the driver's type, so public headers of src/domain and
 * the api layer need not include the driver to name a user, a request or a key. Its bytes
 * are the store's ObjectId bytes (the domain converts with oid_to_store/oid_from_store). */
#ifndef SWMRA_ID_H
#define SWMRA_ID_H

#include <stdbool.h>

#define OID_BYTES   12
#define OID_HEX_LEN 25 /* 24 hex characters + NUL */

struct oid {
	unsigned char bytes[OID_BYTES];
};

/* Parses 24 hex characters (either case) into *out; false (out untouched) for anything
 * else, NULL included. */
bool oid_parse(const char *hex, struct oid *out);
/* Whether `hex` would parse. */
bool oid_valid(const char *hex);
/* Lowercase hex of `id` into out. */
void oid_to_hex(const struct oid *id, char out[OID_HEX_LEN]);
bool oid_equal(const struct oid *a, const struct oid *b);
/* oid_to_hex under the name a parallel branch gave it (merge aid; buffers of OID_HEX_LEN + 1
 * there are one byte larger than needed here, which is harmless). */
void oid_format(const struct oid *id, char *out);

/* To and from the driver's ObjectId (passed as void * so that this header does not need
 * the driver). For the domain's own .c files only. */
void oid_to_store(const struct oid *id, void *store_oid);
void oid_from_store(struct oid *id, const void *store_oid);

#endif
