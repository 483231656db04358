/* A growing malloc'd string for building bodies (mail, templates). Appends never fail
 * loudly: an allocation failure sets `oom` and later appends are ignored, so callers check
 * once, at strbuf_take(). Zero-initialise (`struct strbuf b = {0};`) to start. */
#ifndef SWMRA_STRBUF_H
#define SWMRA_STRBUF_H

#include <stdbool.h>
#include <stddef.h>

struct strbuf {
	char *s;
	size_t len, cap;
	bool oom;
};

void strbuf_addn(struct strbuf *b, const char *p, size_t n);
void strbuf_add(struct strbuf *b, const char *s);
/* Formatted append (any length). */
void strbuf_printf(struct strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The string (caller frees; "" when nothing was added), or NULL after an allocation
 * failure. The buffer is released either way. */
char *strbuf_take(struct strbuf *b);

#endif
