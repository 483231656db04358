#include "infra/b64url.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

char *b64url_encode(const uint8_t *in, size_t n)
{
	size_t cap = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	char *out = malloc(cap);
	if (out)
		sodium_bin2base64(out, cap, in, n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	return out;
}

long b64url_decode(const char *in, size_t len, uint8_t *out, size_t outcap)
{
	if (!in)
		return -1;
	if (len == (size_t)-1)
		len = strlen(in);
	while (len > 0 && in[len - 1] == '=')
		len--;
	size_t n = 0;
	/* libsodium refuses characters outside the alphabet, a dangling 6-bit group and
	 * non-zero trailing bits (with no end pointer it requires the whole text to decode) */
	if (sodium_base642bin(out, outcap, in, len, NULL, &n, NULL,
			      sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0)
		return -1;
	return (long)n;
}
