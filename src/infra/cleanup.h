/* Typed cleanup helpers, so no file writes its own `static void put_x(void *p)` wrapper
 * with an unchecked cast from void *. For a type T released by fn, CLEANUP_DEFINE(name, T,
 * fn) gives:
 *   arena_defer_<name>(arena, T *p)   fn(p) when the arena is freed (per-request memory)
 *   _cleanup_<name>_ T *p = ...;      fn(p) when p goes out of scope (NULL is skipped)
 * Defined here for bson documents, json-c objects, driver cursors and malloc'd memory;
 * a module defines its own types' helpers with the same macro (e.g. struct user). */
#ifndef SWMRA_CLEANUP_H
#define SWMRA_CLEANUP_H

#include <bson/bson.h>
#include <json-c/json.h>
#include <mongoc/mongoc.h>
#include <stdlib.h>

#include "infra/arena.h"

#define CLEANUP_DEFINE(name, type, fn)                                                             \
	static inline void cleanup_##name(type **p)                                                \
	{                                                                                          \
		if (*p)                                                                            \
			(void)fn(*p);                                                              \
	}                                                                                          \
	static inline void cleanup_##name##_untyped(void *p)                                       \
	{                                                                                          \
		(void)fn((type *)p);                                                               \
	}                                                                                          \
	static inline void arena_defer_##name(struct arena *a, type *p)                            \
	{                                                                                          \
		arena_defer(a, cleanup_##name##_untyped, p);                                       \
	}

CLEANUP_DEFINE(bson, bson_t, bson_destroy)
CLEANUP_DEFINE(json, json_object, json_object_put)
CLEANUP_DEFINE(cursor, mongoc_cursor_t, mongoc_cursor_destroy)

/* malloc'd memory of any type: free takes void * already */
static inline void cleanup_free(void *pp)
{
	free(*(void **)pp);
}
static inline void arena_defer_free(struct arena *a, void *p)
{
	arena_defer(a, free, p);
}

#define _cleanup_bson_	 __attribute__((cleanup(cleanup_bson)))
#define _cleanup_json_	 __attribute__((cleanup(cleanup_json)))
#define _cleanup_cursor_ __attribute__((cleanup(cleanup_cursor)))
#define _cleanup_free_	 __attribute__((cleanup(cleanup_free)))

#endif
