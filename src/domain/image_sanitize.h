/* Image acceptance by content: JPEG, PNG and WebP whose container structure parses
 * completely (no trailing bytes, no HTML-looking payload), rewritten without metadata
 * (EXIF, XMP, comments, ICC profiles, text chunks). Pure functions over memory. */
#ifndef SWMRA_IMAGE_SANITIZE_H
#define SWMRA_IMAGE_SANITIZE_H

#include <stddef.h>
#include <stdint.h>

enum image_kind { IMAGE_NONE = 0, IMAGE_JPEG, IMAGE_PNG, IMAGE_WEBP };

/* Checks `in` and writes the metadata-free copy. Returns the kind and sets *out (malloc'd,
 * caller frees) and *out_len; IMAGE_NONE when refused (nothing allocated) with a short
 * static reason in *why (for logs, never for the client). */
enum image_kind image_sanitize(const uint8_t *in, size_t len, uint8_t **out, size_t *out_len,
			       const char **why);
/* "jpg" / "png" / "webp"; NULL for IMAGE_NONE. */
const char *image_kind_ext(enum image_kind k);
/* "image/jpeg" / "image/png" / "image/webp"; NULL for IMAGE_NONE. */
const char *image_kind_mime(enum image_kind k);
/* Whether the bytes contain markup a browser could run (<script, <html, <svg, ...),
 * case-insensitive. */
int image_has_markup(const uint8_t *in, size_t len);
/* CRC-32 (ISO-HDLC, as PNG and zlib use) continuing from `crc` (start with 0). */
uint32_t image_crc32(uint32_t crc, const uint8_t *p, size_t n);

#endif
