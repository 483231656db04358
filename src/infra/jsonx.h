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
/* The same for any JSON value: true with *out the value, which is NULL for the text
 * `null`; false with a reason in err. */
bool jsonx_parse_value(const char *buf, size_t len, json_object **out, char *err, size_t errlen);
/* What is wrong with the object keys of `buf`, the text `obj` was parsed from: a key that
 * holds NUL (json-c cuts it there, so "category\u0000x" would read as "category") or a
 * key repeated in one object (json-c keeps the last). NULL when the keys are fine. */
const char *jsonx_key_problem(const char *buf, size_t len, json_object *obj);
/* The member's string value, or NULL when missing or not a string. Borrowed. */
const char *jsonx_str(json_object *obj, const char *key);
/* Whether the member exists and is JSON null. */
bool jsonx_is_null(json_object *obj, const char *key);
/* Serializes without spaces into a malloc'd string (caller frees). */
char *jsonx_dump(json_object *obj);

#endif
