/* libFuzzer target for bearer token verification (auth_verify_token_at, src/domain/auth.c)
 * with a fixed secret. Inputs starting with 'S' are "<header JSON>\n<payload JSON>" that
 * the harness signs itself (HS256 with our secret and, for contrast, with another key and
 * as alg "none"), so the claim checks are explored; anything else is a raw token. The
 * property: an accepted token carries a correct HMAC-SHA256 by our secret over its first
 * two segments (checked here independently with libsodium), a header saying alg HS256,
 * and claims within the documented limits; a token signed by another key, or unsigned,
 * is never accepted. The same bytes go through the device cookie parser
 * (auth_device_verify): accepted only with our HMAC (checked here independently) over the
 * rest, naming the user; inputs starting with 'D' alter a real device cookie byte by byte
 * (XOR), and any change must be refused. Build and run: tests/fuzz/run.sh. */
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bson/bson.h>
#include <json-c/json.h>

#include "domain/auth.h"
#include "infra/config.h"

#define SECRET "fuzz-secret-0123456789abcdef-0123456789"
#define NOW    ((int64_t)1750000000)

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	char err[256];
	setenv("JWT_SECRET", SECRET, 1);
	setenv("JWT_ISSUER", "swmra", 1);
	setenv("APP_ENV", "test", 1);
	if (config_load("", err, sizeof(err)) < 0 || sodium_init() < 0)
		abort();
	return 0;
}

static void hmac(const char *key, const char *msg, size_t n, unsigned char out[32])
{
	crypto_auth_hmacsha256_state st;
	crypto_auth_hmacsha256_init(&st, (const unsigned char *)key, strlen(key));
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)msg, n);
	crypto_auth_hmacsha256_final(&st, out);
}

static char *b64(const void *p, size_t n)
{
	size_t cap = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	char *s = malloc(cap);
	sodium_bin2base64(s, cap, p, n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	return s;
}

/* The token must be ours: the independent HS256 check and the header's alg. */
static void check_accepted(const char *token, const struct auth_claims *cl)
{
	const char *d1 = strchr(token, '.');
	const char *d2 = d1 ? strchr(d1 + 1, '.') : NULL;
	if (!d2)
		abort();
	unsigned char mac[32], sig[64];
	size_t siglen = 0;
	hmac(SECRET, token, (size_t)(d2 - token), mac);
	const char *end;
	if (sodium_base642bin(sig, sizeof(sig), d2 + 1, strlen(d2 + 1), "=", &siglen, &end,
			      sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
	    siglen != 32 || memcmp(sig, mac, 32) != 0) {
		fprintf(stderr, "accepted a token not signed by us: %s\n", token);
		abort();
	}
	unsigned char head[4096];
	size_t hl = 0;
	if (sodium_base642bin(head, sizeof(head) - 1, token, (size_t)(d1 - token), "=", &hl, &end,
			      sodium_base64_VARIANT_URLSAFE_NO_PADDING) == 0) {
		head[hl] = '\0';
		json_object *h = json_tokener_parse((const char *)head), *alg;
		if (!h || !json_object_object_get_ex(h, "alg", &alg) ||
		    strcmp(json_object_get_string(alg), "HS256") != 0) {
			fprintf(stderr, "accepted a token whose header is not HS256: %s\n", head);
			abort();
		}
		json_object_put(h);
	}
	if (cl->exp <= NOW || cl->iat > NOW + AUTH_CLOCK_LEEWAY_SEC || cl->iat <= 0 ||
	    strlen(cl->sub) != 24 || !bson_oid_is_valid(cl->sub, 24) || !cl->jti[0])
		abort();
	for (const char *p = cl->sub; *p; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
			abort();
}

static bool verify(const char *token, struct auth_claims *cl)
{
	const char *why = "unset";
	bool ok = auth_verify_token_at(token, NOW, cl, &why);
	if (ok != (why == NULL))
		abort();
	if (ok)
		check_accepted(token, cl);
	return ok;
}

static char *make_token(const char *alg_key, const char *h, size_t hn, const char *p, size_t pn)
{
	char *hb = b64(h, hn), *pb = b64(p, pn);
	size_t n = strlen(hb) + 1 + strlen(pb);
	char *t = malloc(n + 1 + 64);
	snprintf(t, n + 1, "%s.%s", hb, pb);
	free(hb);
	free(pb);
	if (alg_key) {
		unsigned char mac[32];
		hmac(alg_key, t, n, mac);
		char *sb = b64(mac, 32);
		snprintf(t + n, 1 + 64, ".%s", sb);
		free(sb);
	} else {
		strcpy(t + n, ".");
	}
	return t;
}

#define DEVICE_USER "64b7f0c2a1b2c3d4e5f60718"

/* A device cookie is accepted only when it names the user and carries our MAC. */
static bool device(const char *cookie)
{
	char id[AUTH_DEVICE_ID_LEN + 1];
	if (!auth_device_verify(cookie, DEVICE_USER, NOW, id))
		return false;
	static const char ctx[] = "swmra-device-cookie-v1|";
	const char *dot = strrchr(cookie, '.');
	size_t n = (size_t)(dot - cookie);
	char *msg = malloc(sizeof(ctx) + n);
	memcpy(msg, ctx, sizeof(ctx) - 1);
	memcpy(msg + sizeof(ctx) - 1, cookie, n);
	unsigned char mac[32];
	char hex[65];
	hmac(SECRET, msg, sizeof(ctx) - 1 + n, mac);
	sodium_bin2hex(hex, sizeof(hex), mac, sizeof(mac));
	free(msg);
	if (strcmp(hex, dot + 1) != 0 || strncmp(cookie, DEVICE_USER, 24) != 0 ||
	    strlen(id) != AUTH_DEVICE_ID_LEN)
		abort();
	return true;
}

/* 'D' inputs: a real cookie altered by XOR with the input; accepted only if unchanged. */
static void device_altered(const uint8_t *data, size_t size)
{
	char c[AUTH_DEVICE_COOKIE_MAX], orig[AUTH_DEVICE_COOKIE_MAX];
	if (!auth_device_issue(DEVICE_USER, NOW - 1000, c))
		abort();
	memcpy(orig, c, sizeof(c));
	size_t n = strlen(c);
	for (size_t i = 0; i < size; i++)
		c[i % n] = (char)(c[i % n] ^ data[i]);
	if (memchr(c, '\0', n)) /* a NUL cuts it: still must not be accepted unless whole */
		c[n] = '\0';
	bool same = strcmp(c, orig) == 0;
	if (device(c) != same)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 8192)
		return 0;
	struct auth_claims cl;
	if (size > 0 && data[0] == 'D') {
		device_altered(data + 1, size - 1);
		return 0;
	}
	if (size > 0 && data[0] == 'S') {
		const uint8_t *nl = memchr(data + 1, '\n', size - 1);
		if (!nl)
			return 0;
		const char *h = (const char *)data + 1, *p = (const char *)nl + 1;
		size_t hn = (size_t)(nl - data - 1), pn = size - (size_t)(nl - data) - 1;
		char *good = make_token(SECRET, h, hn, p, pn);
		verify(good, &cl);
		char *other = make_token("another-secret-of-32-bytes-at-least!", h, hn, p, pn);
		if (auth_verify_token_at(other, NOW, &cl, NULL))
			abort();
		char *none = make_token(NULL, h, hn, p, pn);
		if (auth_verify_token_at(none, NOW, &cl, NULL))
			abort();
		free(good);
		free(other);
		free(none);
		return 0;
	}
	char *tok = malloc(size + 1);
	memcpy(tok, data, size);
	tok[size] = '\0';
	verify(tok, &cl);
	device(tok);
	free(tok);
	return 0;
}
