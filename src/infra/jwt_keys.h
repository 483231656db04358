/* The key ring of the access tokens (HS256): one current key that signs, older keys that
 * still verify, each named by a key id (`kid`, carried in the token header), so that the
 * signing key can be rotated without signing anyone out (docs/RUNBOOK.md, key rotation).
 *
 * Sources, first that is set wins: JWT_KEYS_FILE (a file of "kid:secret" entries, one per
 * line or comma-separated, '#' comments; re-read at every configuration load, so a SIGHUP
 * picks up a rotation), JWT_KEYS ("kid1:secret1,kid2:secret2"), JWT_SECRET alone (one key
 * whose kid is derived from the secret: "k" + 8 hex of its SHA-256). The first entry is
 * the current signer. */
#ifndef SWMRA_JWT_KEYS_H
#define SWMRA_JWT_KEYS_H

#include <stdbool.h>
#include <stddef.h>

#define JWT_KEYS_MAX	 8
#define JWT_KID_MAX	 32 /* characters of A-Z a-z 0-9 . _ - */
#define JWT_KEY_MIN	 16 /* bytes of a secret; 32 in production */
#define JWT_KEY_MIN_PROD 32

struct jwt_key {
	char kid[JWT_KID_MAX + 1];
	char *secret; /* owned by the ring */
	size_t len;
};

struct jwt_ring {
	struct jwt_key keys[JWT_KEYS_MAX];
	size_t n; /* keys[0] signs */
};

struct config;
/* Builds the ring of configuration `c` into *r (jwt_ring_free it). 0, or -1 with a message
 * naming the variable in err: unreadable file, malformed entry, bad or duplicate kid, a
 * short secret, the development secret in production, no key or too many. */
int jwt_ring_build(const struct config *c, struct jwt_ring *r, char *err, size_t errlen);
void jwt_ring_free(struct jwt_ring *r);

/* The ring of the loaded configuration (rebuilt after each config_load). Never NULL;
 * n >= 1 once the configuration validated. */
const struct jwt_ring *jwt_keys(void);
/* The key named `kid` in the current ring, or NULL. */
const struct jwt_key *jwt_keys_find(const char *kid);

#endif
