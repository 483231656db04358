/* FNV-1a, 64 bits: the one hash of the in-memory tables (read cache slots, revoked token
 * set, the node's read-mark counters) and of derived keys (notify_key_oid). Not for
 * anything an attacker must not be able to collide on purpose. */
#ifndef SWMRA_HASH_H
#define SWMRA_HASH_H

#include <stddef.h>
#include <stdint.h>

#define HASH_FNV1A_INIT 0xcbf29ce484222325ULL

/* Continues hash `h` over `len` bytes of `data`. */
static inline uint64_t hash_fnv1a_more(uint64_t h, const void *data, size_t len)
{
	const unsigned char *p = data;
	for (size_t i = 0; i < len; i++)
		h = (h ^ p[i]) * 0x100000001b3ULL;
	return h;
}

static inline uint64_t hash_fnv1a(const void *data, size_t len)
{
	return hash_fnv1a_more(HASH_FNV1A_INIT, data, len);
}

/* Of a NUL-terminated string. */
static inline uint64_t hash_fnv1a_str(const char *s)
{
	uint64_t h = HASH_FNV1A_INIT;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
	return h;
}

#endif
