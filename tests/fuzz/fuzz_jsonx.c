/* libFuzzer target for request bodies: jsonx_parse (strict, depth-limited, no trailing
 * data) and the validators of src/infra/validate.c driven by the parsed value. Properties:
 * what we accept re-serializes into text we accept again; a validator that accepts a value
 * hands back one within its limits (strings: valid UTF-8 by a strict reference check, no
 * NUL, length in code points in range); a present but refused value always adds an error;
 * the 422 error list serializes into valid JSON. Build and run: tests/fuzz/run.sh. */
#include <math.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "infra/jsonx.h"
#include "infra/validate.h"

/* Strict UTF-8 (RFC 3629: no overlongs, no surrogates, <= U+10FFFF); code points or -1. */
static long ref_utf8_len(const unsigned char *p, size_t n)
{
	long cps = 0;
	for (size_t i = 0; i < n; cps++) {
		unsigned c = p[i];
		if (c < 0x80) {
			i++;
			continue;
		}
		size_t k;
		unsigned lo = 0x80, hi = 0xBF;
		if (c >= 0xC2 && c <= 0xDF)
			k = 1;
		else if (c >= 0xE0 && c <= 0xEF) {
			k = 2;
			if (c == 0xE0)
				lo = 0xA0;
			if (c == 0xED)
				hi = 0x9F;
		} else if (c >= 0xF0 && c <= 0xF4) {
			k = 3;
			if (c == 0xF0)
				lo = 0x90;
			if (c == 0xF4)
				hi = 0x8F;
		} else
			return -1;
		if (i + k >= n)
			return -1;
		if (p[i + 1] < lo || p[i + 1] > hi)
			return -1;
		for (size_t j = 2; j <= k; j++)
			if (p[i + j] < 0x80 || p[i + j] > 0xBF)
				return -1;
		i += k + 1;
	}
	return cps;
}

static size_t nerr(struct verrors *e)
{
	return json_object_array_length(e->list);
}

static void check_errors_json(struct verrors *e)
{
	json_object *l = verr_take(e);
	for (size_t i = 0; i < json_object_array_length(l); i++) {
		json_object *it = json_object_array_get_idx(l, i), *loc;
		if (!json_object_object_get_ex(it, "loc", &loc) ||
		    !json_object_is_type(loc, json_type_array) || !jsonx_str(it, "msg") ||
		    !jsonx_str(it, "type"))
			abort();
	}
	json_object *o = json_object_new_object();
	json_object_object_add(o, "detail", l);
	char *s = jsonx_dump(o);
	char err[160];
	/* the 422 body must be JSON our own parser (and any client) accepts */
	json_object *back = jsonx_parse(s, strlen(s), err, sizeof(err));
	if (!back)
		abort();
	json_object_put(back);
	free(s);
	json_object_put(o);
}

static const char *const enum_vals[] = {"recyclable", "e-waste", "hazardous", "", "é", NULL};

/* Runs every validator over the member `key` of `obj` with limits from `lim`. */
static void validate_member(struct verrors *e, json_object *obj, const char *prefix,
			    const char *key, unsigned lim)
{
	bool required = lim & 1;
	json_object *v = NULL;
	bool exists = json_object_object_get_ex(obj, key, &v);
	bool present = exists && (v != NULL || required);
	size_t before;

	const char *s = NULL;
	size_t mn = (lim >> 1) & 7, mx = mn + ((lim >> 4) & 31);
	before = nerr(e);
	if (v_string(e, obj, prefix, key, required, mn, mx, &s)) {
		long cps = ref_utf8_len((const unsigned char *)s, strlen(s));
		if (!s || cps < 0 || (size_t)cps < mn || (size_t)cps > mx ||
		    strlen(s) != (size_t)json_object_get_string_len(v) || nerr(e) != before)
			abort();
	} else if ((present || required) && nerr(e) == before)
		abort();

	long li = 0, lmin = -(long)(lim & 0xff), lmax = (long)(lim >> 8);
	before = nerr(e);
	if (v_int(e, obj, prefix, key, required, lmin, lmax, &li)) {
		if (li < lmin || li > lmax || nerr(e) != before)
			abort();
	} else if ((present || required) && nerr(e) == before)
		abort();
	before = nerr(e);
	if (v_int(e, obj, prefix, key, required, INT32_MIN, INT32_MAX, &li)) {
		if (li < INT32_MIN || li > INT32_MAX)
			abort();
	} else if ((present || required) && nerr(e) == before)
		abort();

	double d = 0;
	bool excl = lim & 2;
	before = nerr(e);
	if (v_number(e, obj, prefix, key, required, -90.0, excl, 90.0, &d)) {
		if (!isfinite(d) || d > 90.0 || (excl ? d <= -90.0 : d < -90.0))
			abort();
	} else if ((present || required) && nerr(e) == before)
		abort();

	bool b;
	before = nerr(e);
	if (!v_bool(e, obj, prefix, key, required, &b) && (present || required) &&
	    nerr(e) == before)
		abort();

	const char *en = NULL;
	before = nerr(e);
	if (v_enum(e, obj, prefix, key, required, enum_vals, &en)) {
		bool in = false;
		for (const char *const *a = enum_vals; *a; a++)
			in = in || strcmp(*a, en) == 0;
		if (!in)
			abort();
	} else if ((present || required) && nerr(e) == before)
		abort();

	before = nerr(e);
	json_object *o = v_object(e, obj, prefix, key, required);
	if (o ? !json_object_is_type(o, json_type_object)
	      : ((present || required) && nerr(e) == before))
		abort();
	before = nerr(e);
	size_t amin = lim & 3, amax = amin + ((lim >> 2) & 7);
	json_object *a = v_array(e, obj, prefix, key, required, amin, amax);
	if (a) {
		size_t n = json_object_array_length(a);
		if (!json_object_is_type(a, json_type_array) || n < amin || n > amax)
			abort();
	} else if ((present || required) && nerr(e) == before)
		abort();
}

static void validate_tree(struct verrors *e, json_object *obj, const char *prefix, unsigned lim,
			  int depth)
{
	if (!json_object_is_type(obj, json_type_object) || depth > 3)
		return;
	static const char *const allowed[] = {"name",	 "email", "phone", "password", "items",
					      "address", "lat",	  "lng",   "qty",      NULL};
	size_t before = nerr(e);
	v_no_extra(e, obj, prefix, allowed);
	size_t extra = 0;
	json_object_object_foreach(obj, k0, v0)
	{
		(void)v0;
		bool ok = false;
		for (const char *const *a = allowed; *a; a++)
			ok = ok || strcmp(*a, k0) == 0;
		extra += !ok;
	}
	if (nerr(e) - before != extra)
		abort();
	for (const char *const *a = allowed; *a; a++)
		validate_member(e, obj, prefix, *a, lim++);
	json_object_object_foreach(obj, k, v)
	{
		validate_member(e, obj, prefix, k, lim++ * 7);
		char sub[300];
		snprintf(sub, sizeof(sub), "%s.%s", prefix, k);
		validate_tree(e, v, sub, lim, depth + 1);
		if (json_object_is_type(v, json_type_array))
			for (size_t i = 0; i < json_object_array_length(v) && i < 4; i++) {
				snprintf(sub, sizeof(sub), "%s.%s.%zu", prefix, k, i);
				validate_tree(e, json_object_array_get_idx(v, i), sub, lim,
					      depth + 1);
			}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* the body in its own allocation, so reads past its end are caught */
	char *buf = malloc(size ? size : 1);
	memcpy(buf, data, size);
	char err[160];
	err[0] = '\0';
	json_object *o = jsonx_parse(buf, size, err, sizeof(err));
	/* jsonx_parse_value accepts the same texts, and `null` (true with no value) besides */
	json_object *any = NULL;
	char err2[160];
	bool ok = jsonx_parse_value(buf, size, &any, err2, sizeof(err2));
	if (o ? !ok || !any : ok && any)
		abort();
	json_object_put(any);
	/* the key check reads any accepted text within its bounds (ASan watches) */
	if (o)
		(void)jsonx_key_problem(buf, size, o);
	free(buf);
	if (!o) {
		if (!err[0])
			abort();
		return 0;
	}
	/* what we accepted, serialized, is accepted again and serializes the same */
	char *s1 = jsonx_dump(o);
	json_object *o2 = jsonx_parse(s1, strlen(s1), err, sizeof(err));
	if (!o2)
		abort();
	/* a serialized tree has unique keys without NUL: the key check must pass it */
	if (jsonx_key_problem(s1, strlen(s1), o2))
		abort();
	char *s2 = jsonx_dump(o2);
	if (strcmp(s1, s2) != 0)
		abort();
	free(s2);
	free(s1);
	json_object_put(o2);

	struct verrors e;
	verr_init(&e);
	if (!v_is_object(&e, o, "body")) {
		if (nerr(&e) != 1)
			abort();
	} else {
		unsigned lim = size ? (unsigned)data[0] * 131u + (unsigned)data[size - 1] : 0;
		validate_tree(&e, o, "body", lim, 0);
		/* an absent member that is required is reported as missing */
		size_t before = nerr(&e);
		const char *s = NULL;
		if (!json_object_object_get_ex(o, "fuzz-absent-key", NULL) &&
		    (v_string(&e, o, "body", "fuzz-absent-key", true, 0, 10, &s) ||
		     nerr(&e) != before + 1))
			abort();
	}
	(void)verr_any(&e);
	check_errors_json(&e);
	verr_free(&e);
	json_object_put(o);
	return 0;
}
