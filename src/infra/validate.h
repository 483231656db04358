/* Input validation against declared allow-lists, collecting every problem into the 422
 * shape of the API: {"detail": [{"loc": ["body","email"], "msg": "...", "type": "..."}]}.
 * Validators return true when the value is present and valid (out set), false when it is
 * missing (an error only if required) or invalid (an error is added). */
#ifndef SWMRA_VALIDATE_H
#define SWMRA_VALIDATE_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct verrors {
	json_object *list; /* owned array of error objects */
};

void verr_init(struct verrors *e);
void verr_free(struct verrors *e);
/* `loc` is dotted ("body.address.city"); all-digit segments become integers. */
void verr_add(struct verrors *e, const char *loc, const char *msg, const char *type);
bool verr_any(const struct verrors *e);
/* Hands the error array over (caller owns it); `e` becomes empty. */
json_object *verr_take(struct verrors *e);

/* Number of UTF-8 code points; (size_t)-1 if `s` is not valid UTF-8. */
size_t utf8_len(const char *s);

/* The body must be a JSON object: else an error at ["body"]. */
bool v_is_object(struct verrors *e, json_object *v, const char *loc);
/* Any key of `obj` not in the NULL-terminated `allowed` list is an error. */
void v_no_extra(struct verrors *e, json_object *obj, const char *prefix,
		const char *const *allowed);

bool v_string(struct verrors *e, json_object *obj, const char *prefix, const char *key,
	      bool required, size_t min_chars, size_t max_chars, const char **out);
bool v_bool(struct verrors *e, json_object *obj, const char *prefix, const char *key, bool required,
	    bool *out);
bool v_int(struct verrors *e, json_object *obj, const char *prefix, const char *key, bool required,
	   long min, long max, long *out);
/* Numbers (ints or doubles). `min_excl` makes `min` exclusive. */
bool v_number(struct verrors *e, json_object *obj, const char *prefix, const char *key,
	      bool required, double min, bool min_excl, double max, double *out);
bool v_enum(struct verrors *e, json_object *obj, const char *prefix, const char *key, bool required,
	    const char *const *allowed, const char **out);
/* Member that must be an object / array (length limits for arrays); NULL if missing or
 * invalid. Borrowed. */
json_object *v_object(struct verrors *e, json_object *obj, const char *prefix, const char *key,
		      bool required);
json_object *v_array(struct verrors *e, json_object *obj, const char *prefix, const char *key,
		     bool required, size_t min_items, size_t max_items);

/* An RFC 3339 instant with an offset at <prefix>.<key>, as ms since the epoch. */
bool v_instant(struct verrors *e, json_object *obj, const char *prefix, const char *key,
	       bool required, int64_t *out);

/* Query-string integer: NULL raw means absent (default used). */
bool v_query_int(struct verrors *e, const char *raw, const char *name, long def, long min, long max,
		 long *out);
/* Query-string enum: NULL or absent leaves *out NULL and is fine; "" or unknown is an error. */
bool v_query_enum(struct verrors *e, const char *raw, const char *name, const char *const *allowed,
		  const char **out);

/* Query-string text of at most `max_chars` UTF-8 characters: absent or empty leaves *out
 * NULL (no filter); invalid UTF-8 or too long is an error. */
bool v_query_string(struct verrors *e, const char *raw, const char *name, size_t max_chars,
		    const char **out);

#endif
