#include "infra/jsonx.h"
#include "infra/validate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 32

/* json-c's UTF-8 check lets overlong forms, surrogates and code points past U+10FFFF
 * through; every key and string is checked strictly so nothing downstream (error bodies
 * echo keys) ever handles text that is not UTF-8. */
static bool strict_utf8(json_object *o, int depth)
{
	if (depth > MAX_DEPTH)
		return false;
	switch (json_object_get_type(o)) {
	case json_type_string: return utf8_len(json_object_get_string(o)) != (size_t)-1;
	case json_type_array:
		for (size_t i = 0; i < json_object_array_length(o); i++)
			if (!strict_utf8(json_object_array_get_idx(o, i), depth + 1))
				return false;
		return true;
	case json_type_object: {
		json_object_object_foreach(o, k, v)
		{
			if (utf8_len(k) == (size_t)-1 || !strict_utf8(v, depth + 1))
				return false;
		}
		return true;
	}
	default: return true;
	}
}

json_object *jsonx_parse(const char *buf, size_t len, char *err, size_t errlen)
{
	if (!buf || len == 0) {
		snprintf(err, errlen, "Request body is empty; expected a JSON object");
		return NULL;
	}
	if (len > (size_t)INT32_MAX) {
		snprintf(err, errlen, "Request body too large");
		return NULL;
	}
	/* json-c treats NUL as the end of input; a body with one inside is not JSON text. */
	if (memchr(buf, '\0', len)) {
		snprintf(err, errlen, "Invalid JSON: NUL byte in body");
		return NULL;
	}
	json_tokener *tok = json_tokener_new_ex(MAX_DEPTH);
	if (!tok) {
		snprintf(err, errlen, "Out of memory");
		return NULL;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	json_object *obj = json_tokener_parse_ex(tok, buf, (int)len);
	enum json_tokener_error je = json_tokener_get_error(tok);
	/* Where the value ended; parse_end is relative to the last buffer given to json-c. */
	size_t end = json_tokener_get_parse_end(tok);
	if (je == json_tokener_continue) {
		/* json-c waits for more input on a bare top-level number; feed the terminator.
		 * All of `buf` was consumed. */
		obj = json_tokener_parse_ex(tok, "", 1);
		je = json_tokener_get_error(tok);
		end = len;
	}
	if (!obj || je != json_tokener_success) {
		snprintf(err, errlen, "Invalid JSON: %s",
			 je == json_tokener_continue ? "unexpected end of input"
						     : json_tokener_error_desc(je));
		json_object_put(obj);
		json_tokener_free(tok);
		return NULL;
	}
	while (end < len &&
	       (buf[end] == ' ' || buf[end] == '\n' || buf[end] == '\r' || buf[end] == '\t'))
		end++;
	json_tokener_free(tok);
	if (end < len) {
		snprintf(err, errlen, "Invalid JSON: unexpected data after the value");
		json_object_put(obj);
		return NULL;
	}
	if (!strict_utf8(obj, 0)) {
		snprintf(err, errlen, "Invalid JSON: text is not valid UTF-8");
		json_object_put(obj);
		return NULL;
	}
	return obj;
}

const char *jsonx_str(json_object *obj, const char *key)
{
	json_object *v;
	if (!obj || !json_object_object_get_ex(obj, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

bool jsonx_is_null(json_object *obj, const char *key)
{
	json_object *v;
	return obj && json_object_object_get_ex(obj, key, &v) && v == NULL;
}

char *jsonx_dump(json_object *obj)
{
	return strdup(json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN |
							      JSON_C_TO_STRING_NOSLASHESCAPE));
}
