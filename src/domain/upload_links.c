/* Signed, expiring photo links checked by nginx's secure_link module. See upload_links.h. */
#include "domain/upload_links.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "infra/config.h"

/* base64url without padding of a 16-byte MD5: 22 characters, as secure_link expects. */
static void b64url16(const unsigned char in[16], char out[23])
{
	static const char tab[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	size_t o = 0;
	for (size_t i = 0; i < 16; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16;
		if (i + 1 < 16)
			v |= (uint32_t)in[i + 1] << 8;
		if (i + 2 < 16)
			v |= in[i + 2];
		out[o++] = tab[(v >> 18) & 63];
		out[o++] = tab[(v >> 12) & 63];
		if (i + 1 < 16)
			out[o++] = tab[(v >> 6) & 63];
		if (i + 2 < 16)
			out[o++] = tab[v & 63];
	}
	out[o] = '\0';
}

char *upload_link_make(const char *base_url, const char *relpath, int64_t expires,
		       const char *secret)
{
	size_t bl = strlen(base_url);
	while (bl > 0 && base_url[bl - 1] == '/')
		bl--;
	/* the string nginx hashes: "$secure_link_expires/uploads/<path> <secret>" */
	size_t ml = strlen(relpath) + strlen(secret) + 48;
	char *msg = malloc(ml);
	if (!msg)
		return NULL;
	int mn = snprintf(msg, ml, "%lld/uploads/%s %s", (long long)expires, relpath, secret);
	unsigned char md[16];
	unsigned int mdl = 0;
	int ok = EVP_Digest(msg, (size_t)mn, md, &mdl, EVP_md5(), NULL);
	memset(msg, 0, ml);
	free(msg);
	if (!ok || mdl != 16)
		return NULL;
	char sig[23];
	b64url16(md, sig);
	size_t ul = bl + strlen(relpath) + 80;
	char *url = malloc(ul);
	if (url)
		snprintf(url, ul, "%.*s/uploads/%s?md5=%s&expires=%lld", (int)bl, base_url, relpath,
			 sig, (long long)expires);
	return url;
}

char *upload_link_url(const char *relpath)
{
	const struct config *c = config_get();
	/* nginx checks against the real clock: time(), not the API's (shiftable) clock */
	int64_t ttl = c->upload_link_ttl, step = ttl / 10 > 0 ? ttl / 10 : 1;
	int64_t expires = ((int64_t)time(NULL) + ttl) / step * step;
	return upload_link_make(c->public_base_url, relpath, expires, c->upload_link_secret);
}

bool upload_link_query_ok(const char *q)
{
	if (strncmp(q, "md5=", 4) != 0)
		return false;
	q += 4;
	size_t n = strspn(q, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_");
	if (n != 22 || strncmp(q + 22, "&expires=", 9) != 0)
		return false;
	q += 31;
	size_t d = strspn(q, "0123456789");
	return d >= 1 && d <= 12 && q[d] == '\0';
}
