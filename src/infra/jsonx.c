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

bool jsonx_parse_value(const char *buf, size_t len, json_object **out, char *err, size_t errlen)
{
	*out = NULL;
	if (!buf || len == 0) {
		snprintf(err, errlen, "Request body is empty; expected a JSON object");
		return false;
	}
	if (len > (size_t)INT32_MAX) {
		snprintf(err, errlen, "Request body too large");
		return false;
	}
	/* json-c treats NUL as the end of input; a body with one inside is not JSON text. */
	if (memchr(buf, '\0', len)) {
		snprintf(err, errlen, "Invalid JSON: NUL byte in body");
		return false;
	}
	json_tokener *tok = json_tokener_new_ex(MAX_DEPTH);
	if (!tok) {
		snprintf(err, errlen, "Out of memory");
		return false;
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
	/* json-c answers the text `null` with a NULL object and success. */
	if (je != json_tokener_success) {
		snprintf(err, errlen, "Invalid JSON: %s",
			 je == json_tokener_continue ? "unexpected end of input"
						     : json_tokener_error_desc(je));
		json_object_put(obj);
		json_tokener_free(tok);
		return false;
	}
	while (end < len &&
	       (buf[end] == ' ' || buf[end] == '\n' || buf[end] == '\r' || buf[end] == '\t'))
		end++;
	json_tokener_free(tok);
	if (end < len) {
		snprintf(err, errlen, "Invalid JSON: unexpected data after the value");
		json_object_put(obj);
		return false;
	}
	if (!strict_utf8(obj, 0)) {
		snprintf(err, errlen, "Invalid JSON: text is not valid UTF-8");
		json_object_put(obj);
		return false;
	}
	*out = obj;
	return true;
}

json_object *jsonx_parse(const char *buf, size_t len, char *err, size_t errlen)
{
	json_object *obj;
	if (!jsonx_parse_value(buf, len, &obj, err, errlen))
		return NULL;
	if (!obj)
		snprintf(err, errlen, "Invalid JSON: null where a value was expected");
	return obj;
}

/* Member counts of every object of a parsed tree, in document order (json-c keeps
 * insertion order; a repeated key keeps the first one's place). */
static void tree_counts(json_object *o, int depth, size_t *out, size_t *n, size_t cap)
{
	if (depth > MAX_DEPTH)
		return;
	if (json_object_is_type(o, json_type_object)) {
		if (*n < cap)
			out[*n] = (size_t)json_object_object_length(o);
		(*n)++;
		json_object_object_foreach(o, k, v)
		{
			(void)k;
			tree_counts(v, depth + 1, out, n, cap);
		}
	} else if (json_object_is_type(o, json_type_array)) {
		for (size_t i = 0; i < json_object_array_length(o); i++)
			tree_counts(json_object_array_get_idx(o, i), depth + 1, out, n, cap);
	}
}

/* Skips the string starting at buf[i] == '"'; returns the index after it and sets *nul
 * when it holds the escape \u0000. The text is already known to be valid JSON. */
static size_t skip_string(const char *buf, size_t len, size_t i, bool *nul)
{
	for (i++; i < len && buf[i] != '"'; i++) {
		if (buf[i] != '\\')
			continue;
		if (i + 5 < len && buf[i + 1] == 'u' && memcmp(buf + i + 2, "0000", 4) == 0)
			*nul = true;
		i++;
	}
	return i + 1;
}

const char *jsonx_key_problem(const char *buf, size_t len, json_object *obj)
{
	/* Counts the keys of every object in the text (one ':' per key) in document order
	 * and compares them with the tree: the first object whose text has more keys than
	 * the tree has members repeats a key, and every object before it matches. */
	size_t cap = 1;
	for (size_t i = 0; i < len; i++)
		cap += buf[i] == '{';
	size_t *text = calloc(cap, sizeof(*text)), *tree = calloc(cap, sizeof(*tree));
	size_t stack[MAX_DEPTH + 2]; /* index into text[], or SIZE_MAX for an array */
	bool want_key[MAX_DEPTH + 2];
	int top = -1;
	size_t ntext = 0, ntree = 0;
	bool nul_key = false;
	if (!text || !tree)
		abort();
	for (size_t i = 0; i < len;) {
		char c = buf[i];
		if (c == '"') {
			bool nul = false;
			bool key = top >= 0 && stack[top] != SIZE_MAX && want_key[top];
			i = skip_string(buf, len, i, &nul);
			nul_key = nul_key || (key && nul);
			continue;
		}
		if ((c == '{' || c == '[') && top + 1 < MAX_DEPTH + 2) {
			top++;
			stack[top] = c == '{' ? ntext++ : SIZE_MAX;
			want_key[top] = c == '{';
		} else if ((c == '}' || c == ']') && top >= 0) {
			top--;
		} else if (c == ':' && top >= 0 && stack[top] != SIZE_MAX) {
			text[stack[top]]++;
			want_key[top] = false;
		} else if (c == ',' && top >= 0 && stack[top] != SIZE_MAX) {
			want_key[top] = true;
		}
		i++;
	}
	tree_counts(obj, 0, tree, &ntree, cap);
	bool dup = ntree != ntext || memcmp(text, tree, ntext * sizeof(*text)) != 0;
	free(text);
	free(tree);
	if (nul_key)
		return "Object keys must not contain NUL";
	if (dup)
		return "Object keys must be unique";
	return NULL;
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
