/* Small pieces every wire JSON builder of src/api uses: a value or JSON null. */
#ifndef SWMRA_API_WIRE_H
#define SWMRA_API_WIRE_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>

#include "domain/id.h"

/* The string, or NULL (JSON null) for NULL. */
json_object *wire_str(const char *s);
/* The time `ms` (milliseconds) as RFC 3339 UTC, or NULL when !has. */
json_object *wire_time(bool has, int64_t ms);
/* The id as 24 hex characters, or NULL when !has. */
json_object *wire_oid(bool has, const struct oid *id);

#endif
