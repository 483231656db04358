#include "domain/id.h"

#include <bson/bson.h>
#include <string.h>

_Static_assert(sizeof(bson_oid_t) == OID_BYTES, "struct oid holds a bson_oid_t");

bool oid_valid(const char *hex)
{
	return hex && strlen(hex) == 24 && bson_oid_is_valid(hex, 24);
}

bool oid_parse(const char *hex, struct oid *out)
{
	if (!oid_valid(hex))
		return false;
	bson_oid_t b;
	bson_oid_init_from_string(&b, hex);
	oid_from_store(out, &b);
	return true;
}

void oid_to_hex(const struct oid *id, char out[OID_HEX_LEN])
{
	bson_oid_t b;
	oid_to_store(id, &b);
	bson_oid_to_string(&b, out);
}

void oid_format(const struct oid *id, char *out)
{
	oid_to_hex(id, out);
}

bool oid_equal(const struct oid *a, const struct oid *b)
{
	return memcmp(a->bytes, b->bytes, OID_BYTES) == 0;
}

void oid_to_store(const struct oid *id, void *store_oid)
{
	memcpy(((bson_oid_t *)store_oid)->bytes, id->bytes, OID_BYTES);
}

void oid_from_store(struct oid *id, const void *store_oid)
{
	memcpy(id->bytes, ((const bson_oid_t *)store_oid)->bytes, OID_BYTES);
}
