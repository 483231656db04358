/* Per-request memory: everything allocated here is released at once by arena_free(),
 * so handlers rarely call free(). Cleanups registered with arena_defer() run first, in
 * reverse order, for resources that are not plain memory (bson docs, json objects). */
#ifndef SWMRA_ARENA_H
#define SWMRA_ARENA_H

#include <stddef.h>

struct arena;

/* Returns a new arena (caller owns; release with arena_free) or NULL on OOM. */
struct arena *arena_new(void);
/* Memory owned by the arena, 16-byte aligned, zeroed. Aborts on OOM. */
void *arena_alloc(struct arena *a, size_t n);
/* Copies owned by the arena. NULL in gives NULL out. */
char *arena_strdup(struct arena *a, const char *s);
char *arena_strndup(struct arena *a, const char *s, size_t n);
char *arena_printf(struct arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Runs fn(p) when the arena is freed. */
void arena_defer(struct arena *a, void (*fn)(void *), void *p);
/* Runs the deferred cleanups, then frees every block. NULL is a no-op. */
void arena_free(struct arena *a);

#endif
