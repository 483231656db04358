#include "api/wire.h"

#include "infra/timeutil.h"

json_object *wire_str(const char *s)
{
	return s ? json_object_new_string(s) : NULL;
}

json_object *wire_time(bool has, int64_t ms)
{
	char ts[TIME_RFC3339_LEN];
	if (!has)
		return NULL;
	time_format_rfc3339(ms, ts);
	return json_object_new_string(ts);
}

json_object *wire_oid(bool has, const struct oid *id)
{
	char hex[OID_HEX_LEN];
	if (!has)
		return NULL;
	oid_to_hex(id, hex);
	return json_object_new_string(hex);
}
