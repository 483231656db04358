#include "infra/validate.h"
#include "infra/timeutil.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void verr_init(struct verrors *e)
{
	e->list = json_object_new_array();
}

void verr_free(struct verrors *e)
{
	json_object_put(e->list);
	e->list = NULL;
}

bool verr_any(const struct verrors *e)
{
	return e->list && json_object_array_length(e->list) > 0;
}

json_object *verr_take(struct verrors *e)
{
	json_object *l = e->list;
	e->list = json_object_new_array();
	return l;
}

static json_object *loc_array(const char *loc)
{
	json_object *arr = json_object_new_array();
	const char *p = loc;
	while (p && *p) {
		const char *dot = strchr(p, '.');
		size_t n = dot ? (size_t)(dot - p) : strlen(p);
		bool digits = n > 0;
		for (size_t i = 0; i < n; i++)
			digits = digits && isdigit((unsigned char)p[i]);
		if (digits)
			json_object_array_add(arr, json_object_new_int(atoi(p)));
		else
			json_object_array_add(arr, json_object_new_string_len(p, (int)n));
		p = dot ? dot + 1 : NULL;
	}
	return arr;
}

void verr_add(struct verrors *e, const char *loc, const char *msg, const char *type)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "loc", loc_array(loc));
	json_object_object_add(o, "msg", json_object_new_string(msg));
	json_object_object_add(o, "type", json_object_new_string(type));
	json_object_array_add(e->list, o);
}

size_t utf8_len(const char *s)
{
	size_t n = 0;
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		int extra;
		/* RFC 3629: the second byte's range excludes overlongs (E0, F0), UTF-16
		 * surrogates (ED) and code points above U+10FFFF (F4). */
		unsigned char lo = 0x80, hi = 0xBF;
		if (*p < 0x80)
			extra = 0;
		else if ((*p & 0xE0) == 0xC0 && *p >= 0xC2)
			extra = 1;
		else if ((*p & 0xF0) == 0xE0)
			extra = 2, lo = *p == 0xE0 ? 0xA0 : 0x80, hi = *p == 0xED ? 0x9F : 0xBF;
		else if ((*p & 0xF8) == 0xF0 && *p <= 0xF4)
			extra = 3, lo = *p == 0xF0 ? 0x90 : 0x80, hi = *p == 0xF4 ? 0x8F : 0xBF;
		else
			return (size_t)-1;
		p++;
		if (extra && (*p < lo || *p > hi))
			return (size_t)-1;
		for (int i = 0; i < extra; i++, p++)
			if ((*p & 0xC0) != 0x80)
				return (size_t)-1;
		n++;
	}
	return n;
}

static void add_at(struct verrors *e, const char *prefix, const char *key, const char *msg,
		   const char *type)
{
	char loc[256];
	int n;
	if (prefix && *prefix)
		n = snprintf(loc, sizeof(loc), "%s.%s", prefix, key);
	else
		n = snprintf(loc, sizeof(loc), "%s", key);
	if (n >= (int)sizeof(loc)) {
		/* A long (client-chosen) key was cut: never inside a UTF-8 character, or the
		 * 422 body would not be valid UTF-8. */
		size_t i = sizeof(loc) - 1, k = 0;
		while (i > 0 && k < 3 && ((unsigned char)loc[i - 1] & 0xC0) == 0x80)
			i--, k++;
		unsigned char c = i > 0 ? (unsigned char)loc[i - 1] : 0;
		if ((c >= 0xF0 ? 3u : c >= 0xE0 ? 2u : c >= 0xC0 ? 1u : 0u) > k)
			loc[i - 1] = '\0';
	}
	verr_add(e, loc, msg, type);
}

/* Looks the member up; adds "Field required" if it must be there. JSON null counts as
 * missing for optional fields and as a type error for required ones (handled by callers). */
static json_object *member(struct verrors *e, json_object *obj, const char *prefix, const char *key,
			   bool required, bool *present)
{
	json_object *v = NULL;
	*present = obj && json_object_object_get_ex(obj, key, &v);
	if (*present && v == NULL && !required)
		*present = false;
	if (!*present && required)
		add_at(e, prefix, key, "Field required", "missing");
	return v;
}

bool v_is_object(struct verrors *e, json_object *v, const char *loc)
{
	if (v && json_object_is_type(v, json_type_object))
		return true;
	verr_add(e, loc, "Input should be a valid dictionary or object", "dict_type");
	return false;
}

void v_no_extra(struct verrors *e, json_object *obj, const char *prefix, const char *const *allowed)
{
	if (!obj || !json_object_is_type(obj, json_type_object))
		return;
	json_object_object_foreach(obj, k, v)
	{
		(void)v;
		bool ok = false;
		for (const char *const *a = allowed; *a && !ok; a++)
			ok = strcmp(*a, k) == 0;
		if (!ok)
			add_at(e, prefix, k, "Extra inputs are not permitted", "extra_forbidden");
	}
}

bool v_string(struct verrors *e, json_object *obj, const char *prefix, const char *key,
	      bool required, size_t min_chars, size_t max_chars, const char **out)
{
	bool present;
	json_object *v = member(e, obj, prefix, key, required, &present);
	if (!present)
		return false;
	if (!json_object_is_type(v, json_type_string)) {
		add_at(e, prefix, key, "Input should be a valid string", "string_type");
		return false;
	}
	const char *s = json_object_get_string(v);
	size_t n = utf8_len(s);
	if (n == (size_t)-1 || strlen(s) != (size_t)json_object_get_string_len(v)) {
		add_at(e, prefix, key, "Input should be valid UTF-8 text without NUL",
		       "string_unicode");
		return false;
	}
	char msg[96];
	if (n < min_chars) {
		snprintf(msg, sizeof(msg), "String should have at least %zu character%s", min_chars,
			 min_chars == 1 ? "" : "s");
		add_at(e, prefix, key, msg, "string_too_short");
		return false;
	}
	if (n > max_chars) {
		snprintf(msg, sizeof(msg), "String should have at most %zu characters", max_chars);
		add_at(e, prefix, key, msg, "string_too_long");
		return false;
	}
	*out = s;
	return true;
}

bool v_bool(struct verrors *e, json_object *obj, const char *prefix, const char *key, bool required,
	    bool *out)
{
	bool present;
	json_object *v = member(e, obj, prefix, key, required, &present);
	if (!present)
		return false;
	if (!json_object_is_type(v, json_type_boolean)) {
		add_at(e, prefix, key, "Input should be a valid boolean", "bool_type");
		return false;
	}
	*out = json_object_get_boolean(v);
	return true;
}

bool v_int(struct verrors *e, json_object *obj, const char *prefix, const char *key, bool required,
	   long min, long max, long *out)
{
	bool present;
	json_object *v = member(e, obj, prefix, key, required, &present);
	if (!present)
		return false;
	if (!json_object_is_type(v, json_type_int)) {
		add_at(e, prefix, key, "Input should be a valid integer", "int_type");
		return false;
	}
	errno = 0;
	int64_t x = json_object_get_int64(v);
	char msg[96];
	if (errno || x < min) {
		snprintf(msg, sizeof(msg), "Input should be greater than or equal to %ld", min);
		add_at(e, prefix, key, msg, "greater_than_equal");
		return false;
	}
	if (x > max) {
		snprintf(msg, sizeof(msg), "Input should be less than or equal to %ld", max);
		add_at(e, prefix, key, msg, "less_than_equal");
		return false;
	}
	*out = (long)x;
	return true;
}

bool v_number(struct verrors *e, json_object *obj, const char *prefix, const char *key,
	      bool required, double min, bool min_excl, double max, double *out)
{
	bool present;
	json_object *v = member(e, obj, prefix, key, required, &present);
	if (!present)
		return false;
	if (!json_object_is_type(v, json_type_int) && !json_object_is_type(v, json_type_double)) {
		add_at(e, prefix, key, "Input should be a valid number", "float_type");
		return false;
	}
	double x = json_object_get_double(v);
	char msg[96];
	if (!isfinite(x) || (min_excl ? x <= min : x < min)) {
		snprintf(msg, sizeof(msg), "Input should be greater than %s%g",
			 min_excl ? "" : "or equal to ", min);
		add_at(e, prefix, key, msg, min_excl ? "greater_than" : "greater_than_equal");
		return false;
	}
	if (x > max) {
		snprintf(msg, sizeof(msg), "Input should be less than or equal to %g", max);
		add_at(e, prefix, key, msg, "less_than_equal");
		return false;
	}
	*out = x;
	return true;
}

static void enum_msg(char *buf, size_t len, const char *const *allowed)
{
	size_t off = (size_t)snprintf(buf, len, "Input should be ");
	for (const char *const *a = allowed; *a && off < len; a++)
		off += (size_t)snprintf(buf + off, len - off, "%s'%s'",
					a == allowed ? "" : (a[1] ? ", " : " or "), *a);
}

static bool in_list(const char *s, const char *const *allowed)
{
	for (const char *const *a = allowed; *a; a++)
		if (strcmp(*a, s) == 0)
			return true;
	return false;
}

bool v_enum(struct verrors *e, json_object *obj, const char *prefix, const char *key, bool required,
	    const char *const *allowed, const char **out)
{
	const char *s;
	if (!v_string(e, obj, prefix, key, required, 0, 200, &s))
		return false;
	if (!in_list(s, allowed)) {
		char msg[512];
		enum_msg(msg, sizeof(msg), allowed);
		add_at(e, prefix, key, msg, "enum");
		return false;
	}
	*out = s;
	return true;
}

json_object *v_object(struct verrors *e, json_object *obj, const char *prefix, const char *key,
		      bool required)
{
	bool present;
	json_object *v = member(e, obj, prefix, key, required, &present);
	if (!present)
		return NULL;
	if (!json_object_is_type(v, json_type_object)) {
		add_at(e, prefix, key, "Input should be a valid dictionary or object", "dict_type");
		return NULL;
	}
	return v;
}

json_object *v_array(struct verrors *e, json_object *obj, const char *prefix, const char *key,
		     bool required, size_t min_items, size_t max_items)
{
	bool present;
	json_object *v = member(e, obj, prefix, key, required, &present);
	if (!present)
		return NULL;
	if (!json_object_is_type(v, json_type_array)) {
		add_at(e, prefix, key, "Input should be a valid list", "list_type");
		return NULL;
	}
	size_t n = json_object_array_length(v);
	char msg[96];
	if (n < min_items) {
		snprintf(msg, sizeof(msg), "List should have at least %zu item%s", min_items,
			 min_items == 1 ? "" : "s");
		add_at(e, prefix, key, msg, "too_short");
		return NULL;
	}
	if (n > max_items) {
		snprintf(msg, sizeof(msg), "List should have at most %zu items", max_items);
		add_at(e, prefix, key, msg, "too_long");
		return NULL;
	}
	return v;
}

bool v_query_int(struct verrors *e, const char *raw, const char *name, long def, long min, long max,
		 long *out)
{
	*out = def;
	if (!raw)
		return true;
	char loc[128];
	snprintf(loc, sizeof(loc), "query.%s", name);
	char *end;
	errno = 0;
	long x = strtol(raw, &end, 10);
	if (!*raw || errno || *end) {
		verr_add(e, loc, "Input should be a valid integer", "int_parsing");
		return false;
	}
	char msg[96];
	if (x < min) {
		snprintf(msg, sizeof(msg), "Input should be greater than or equal to %ld", min);
		verr_add(e, loc, msg, "greater_than_equal");
		return false;
	}
	if (x > max) {
		snprintf(msg, sizeof(msg), "Input should be less than or equal to %ld", max);
		verr_add(e, loc, msg, "less_than_equal");
		return false;
	}
	*out = x;
	return true;
}

bool v_query_enum(struct verrors *e, const char *raw, const char *name, const char *const *allowed,
		  const char **out)
{
	*out = NULL;
	if (!raw)
		return true;
	if (!in_list(raw, allowed)) {
		char loc[128], msg[512];
		snprintf(loc, sizeof(loc), "query.%s", name);
		enum_msg(msg, sizeof(msg), allowed);
		verr_add(e, loc, msg, "enum");
		return false;
	}
	*out = raw;
	return true;
}

bool v_instant(struct verrors *e, json_object *obj, const char *prefix, const char *key,
	       bool required, int64_t *out)
{
	const char *s;
	if (!v_string(e, obj, prefix, key, required, 1, 64, &s))
		return false;
	if (!time_parse_rfc3339(s, out)) {
		add_at(e, prefix, key, "Input should be an RFC 3339 date-time with an offset",
		       "datetime_parsing");
		return false;
	}
	return true;
}

bool v_query_string(struct verrors *e, const char *raw, const char *name, size_t max_chars,
		    const char **out)
{
	*out = NULL;
	if (!raw || !*raw)
		return true;
	size_t n = utf8_len(raw);
	char msg[96];
	if (n == (size_t)-1) {
		add_at(e, "query", name, "Input should be valid UTF-8 text", "string_unicode");
		return false;
	}
	if (n > max_chars) {
		snprintf(msg, sizeof(msg), "String should have at most %zu characters", max_chars);
		add_at(e, "query", name, msg, "string_too_long");
		return false;
	}
	*out = raw;
	return true;
}
