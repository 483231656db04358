#include "domain/id.h"

#include <bson/bson.h>
#include <string.h>

/* The value and the driver's ObjectId are the same 12 bytes: domain code copies one into
 * the other. */
_Static_assert(sizeof(struct oid) == sizeof(bson_oid_t), "struct oid is an ObjectId's bytes");

bool oid_parse(const char *hex, struct oid *out)
{
	if (!hex || strlen(hex) != OID_HEX_LEN || !bson_oid_is_valid(hex, OID_HEX_LEN))
		return false;
	bson_oid_t b;
	bson_oid_init_from_string(&b, hex);
	memcpy(out->bytes, b.bytes, sizeof(out->bytes));
	return true;
}

void oid_format(const struct oid *id, char out[OID_HEX_LEN + 1])
{
	bson_oid_t b;
	memcpy(b.bytes, id->bytes, sizeof(b.bytes));
	bson_oid_to_string(&b, out);
}

bool oid_equal(const struct oid *a, const struct oid *b)
{
	return memcmp(a->bytes, b->bytes, sizeof(a->bytes)) == 0;
}
