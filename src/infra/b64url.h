/* base64url (RFC 4648 §5) without padding, the form JWTs, VAPID keys and web push
 * subscription keys travel in. The one implementation of the project, on libsodium. */
#ifndef SWMRA_B64URL_H
#define SWMRA_B64URL_H

#include <stddef.h>
#include <stdint.h>

/* Unpadded base64url of `n` bytes: a malloc'd NUL-terminated string (caller frees), or
 * NULL on OOM. */
char *b64url_encode(const uint8_t *in, size_t n);
/* Decodes the first `len` characters of `in` (the whole string when len is (size_t)-1)
 * into out. Trailing '=' padding is tolerated, nothing else: no other alphabet, no
 * whitespace, no non-zero trailing bits. Returns the decoded length, or -1 when the text
 * is not base64url or does not fit in `outcap`. */
long b64url_decode(const char *in, size_t len, uint8_t *out, size_t outcap);

#endif
