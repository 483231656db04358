/* JSON helpers over json-c: strict body parsing (length-bounded, depth-limited, no
 * trailing garbage) and typed getters that never guess. */
#ifndef SWMRA_JSONX_H
#define SWMRA_JSONX_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

/* Parses exactly `len` bytes. Returns a new object (caller owns, json_object_put) or NULL
 * with a human-readable reason in err ("Invalid JSON: ..."). Empty input is an error. */
json_object *jsonx_parse(const char *buf, size_t len, char *err, size_t errlen);
/* The member's string value, or NULL when missing or not a string. Borrowed. */
const char *jsonx_str(json_object *obj, const char *key);
/* Whether the member exists and is JSON null. */
bool jsonx_is_null(json_object *obj, const char *key);
/* Serializes without spaces into a malloc'd string (caller frees). */
char *jsonx_dump(json_object *obj);

#endif
