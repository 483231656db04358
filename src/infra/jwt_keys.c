#include "infra/jwt_keys.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "infra/config.h"

static bool kid_ok(const char *s, size_t n)
{
	if (n == 0 || n > JWT_KID_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char ch = s[i];
		if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') ||
		      (ch >= 'A' && ch <= 'Z') || ch == '-' || ch == '_' || ch == '.'))
			return false;
	}
	return true;
}

void jwt_ring_free(struct jwt_ring *r)
{
	for (size_t i = 0; i < r->n; i++) {
		if (r->keys[i].secret) {
			sodium_memzero(r->keys[i].secret, r->keys[i].len);
			free(r->keys[i].secret);
		}
	}
	memset(r, 0, sizeof(*r));
}

/* The secret rules of JWT_SECRET, for every key of the ring. */
static int check_secret(const struct config *c, const char *var, const char *kid,
			const char *secret, size_t len, char *err, size_t errlen)
{
	bool prod = strcmp(c->app_env, "production") == 0;
	if (prod && len == strlen(CONFIG_DEV_JWT_SECRET) &&
	    memcmp(secret, CONFIG_DEV_JWT_SECRET, len) == 0) {
		snprintf(err, errlen,
			 "%s: the development default must not be used with APP_ENV=production; "
			 "set a random secret of at least %d bytes",
			 var, JWT_KEY_MIN_PROD);
		return -1;
	}
	size_t min = prod ? JWT_KEY_MIN_PROD : JWT_KEY_MIN;
	if (len < min) {
		snprintf(err, errlen, "%s: key '%s' must be at least %zu bytes%s (got %zu)", var,
			 kid, min, prod ? " with APP_ENV=production" : "", len);
		return -1;
	}
	return 0;
}

static int add_key(const struct config *c, struct jwt_ring *r, const char *var, const char *kid,
		   size_t kidlen, const char *secret, size_t len, char *err, size_t errlen)
{
	if (!kid_ok(kid, kidlen)) {
		snprintf(err, errlen, "%s: a key id must be 1-%d characters of A-Z a-z 0-9 . _ -",
			 var, JWT_KID_MAX);
		return -1;
	}
	if (r->n == JWT_KEYS_MAX) {
		snprintf(err, errlen, "%s: at most %d keys", var, JWT_KEYS_MAX);
		return -1;
	}
	struct jwt_key *k = &r->keys[r->n];
	memcpy(k->kid, kid, kidlen);
	k->kid[kidlen] = '\0';
	for (size_t i = 0; i < r->n; i++)
		if (strcmp(r->keys[i].kid, k->kid) == 0) {
			snprintf(err, errlen, "%s: key id '%s' appears twice", var, k->kid);
			return -1;
		}
	if (check_secret(c, var, k->kid, secret, len, err, errlen) < 0)
		return -1;
	k->secret = malloc(len + 1);
	if (!k->secret) {
		snprintf(err, errlen, "%s: out of memory", var);
		return -1;
	}
	memcpy(k->secret, secret, len);
	k->secret[len] = '\0';
	k->len = len;
	r->n++;
	return 0;
}

/* "kid:secret" entries separated by commas or newlines; blank entries and '#' lines are
 * skipped; spaces around an entry are trimmed. */
static int parse_list(const struct config *c, struct jwt_ring *r, const char *var, const char *text,
		      char *err, size_t errlen)
{
	const char *p = text;
	while (*p) {
		size_t n = strcspn(p, ",\n");
		const char *s = p, *e = p + n;
		p = *e ? e + 1 : e;
		while (s < e && (*s == ' ' || *s == '\t' || *s == '\r'))
			s++;
		while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
			e--;
		if (s == e || *s == '#')
			continue;
		const char *colon = memchr(s, ':', (size_t)(e - s));
		if (!colon) {
			snprintf(err, errlen, "%s: entries are kid:secret", var);
			return -1;
		}
		if (add_key(c, r, var, s, (size_t)(colon - s), colon + 1, (size_t)(e - colon - 1),
			    err, errlen) < 0)
			return -1;
	}
	if (r->n == 0) {
		snprintf(err, errlen, "%s: no key", var);
		return -1;
	}
	return 0;
}

static char *read_file(const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		snprintf(err, errlen, "JWT_KEYS_FILE: cannot open %s: %s", path, strerror(errno));
		return NULL;
	}
	char *buf = calloc(1, 16384);
	size_t n = buf ? fread(buf, 1, 16383, f) : 0;
	bool more = buf && fgetc(f) != EOF;
	fclose(f);
	if (!buf || more) {
		free(buf);
		snprintf(err, errlen, "JWT_KEYS_FILE: %s is too large (16 KiB at most)", path);
		return NULL;
	}
	buf[n] = '\0';
	return buf;
}

int jwt_ring_build(const struct config *c, struct jwt_ring *r, char *err, size_t errlen)
{
	memset(r, 0, sizeof(*r));
	int rc;
	if (c->jwt_keys_file && *c->jwt_keys_file) {
		char *text = read_file(c->jwt_keys_file, err, errlen);
		if (!text)
			return -1;
		rc = parse_list(c, r, "JWT_KEYS_FILE", text, err, errlen);
		sodium_memzero(text, strlen(text));
		free(text);
	} else if (c->jwt_keys && *c->jwt_keys) {
		rc = parse_list(c, r, "JWT_KEYS", c->jwt_keys, err, errlen);
	} else {
		/* A kid derived from the secret: the same secret keeps the same kid on every
		 * node, and reveals nothing usable about it. */
		unsigned char h[crypto_hash_sha256_BYTES];
		char hex[2 * crypto_hash_sha256_BYTES + 1], kid[10];
		crypto_hash_sha256(h, (const unsigned char *)c->jwt_secret, strlen(c->jwt_secret));
		sodium_bin2hex(hex, sizeof(hex), h, sizeof(h));
		snprintf(kid, sizeof(kid), "k%.8s", hex);
		rc = add_key(c, r, "JWT_SECRET", kid, strlen(kid), c->jwt_secret,
			     strlen(c->jwt_secret), err, errlen);
	}
	if (rc < 0)
		jwt_ring_free(r);
	return rc;
}

static struct jwt_ring ring;
static unsigned long ring_gen;

const struct jwt_ring *jwt_keys(void)
{
	const struct config *c = config_get();
	unsigned long gen = config_generation();
	if (ring.n == 0 || ring_gen != gen) {
		struct jwt_ring next;
		char err[256];
		/* The configuration validated this very ring; a file that changed since then
		 * and no longer parses keeps the previous ring. */
		if (jwt_ring_build(c, &next, err, sizeof(err)) == 0) {
			jwt_ring_free(&ring);
			ring = next;
		} else {
			fprintf(stderr, "jwt keys: %s (keeping the previous keys)\n", err);
		}
		ring_gen = gen;
	}
	return &ring;
}

const struct jwt_key *jwt_keys_find(const char *kid)
{
	const struct jwt_ring *r = jwt_keys();
	if (!kid)
		return NULL;
	for (size_t i = 0; i < r->n; i++)
		if (strcmp(r->keys[i].kid, kid) == 0)
			return &r->keys[i];
	return NULL;
}
