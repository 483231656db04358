/* Web Push with OpenSSL 3 libcrypto (EVP/OSSL_PARAM APIs only, nothing deprecated):
 * RFC 8291 / RFC 8188 aes128gcm encryption, RFC 8292 VAPID, and the POST through libcurl.
 * Every buffer that held a secret (private keys, ECDH output, HKDF keys) is cleansed. */
#include "infra/webpush.h"

#include <arpa/inet.h>
#include <stddef.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <ctype.h>
#include <json-c/json.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/param_build.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "infra/b64url.h"
#include "infra/config.h"
#include "infra/httpc.h"
#include "infra/webpush_keys.h"

/* ---------------------------------------------------------------- keys */

static EC_GROUP *p256(void)
{
	return EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
}

bool webpush_pubkey_valid(const uint8_t *pub, size_t len)
{
	if (!pub || len != WEBPUSH_PUBKEY_LEN || pub[0] != 0x04)
		return false;
	EC_GROUP *g = p256();
	EC_POINT *p = g ? EC_POINT_new(g) : NULL;
	bool ok = p && EC_POINT_oct2point(g, p, pub, len, NULL) == 1 &&
		  EC_POINT_is_on_curve(g, p, NULL) == 1 && !EC_POINT_is_at_infinity(g, p);
	EC_POINT_free(p);
	EC_GROUP_free(g);
	return ok;
}

/* The public key of a private scalar (which must be in 1..n-1). */
static bool derive_pub(const uint8_t *priv, uint8_t pub[WEBPUSH_PUBKEY_LEN])
{
	EC_GROUP *g = p256();
	BIGNUM *d = BN_secure_new();
	EC_POINT *p = g ? EC_POINT_new(g) : NULL;
	bool ok = g && d && p && BN_bin2bn(priv, WEBPUSH_PRIVKEY_LEN, d) && !BN_is_zero(d) &&
		  BN_cmp(d, EC_GROUP_get0_order(g)) < 0 &&
		  EC_POINT_mul(g, p, d, NULL, NULL, NULL) == 1 &&
		  EC_POINT_point2oct(g, p, POINT_CONVERSION_UNCOMPRESSED, pub, WEBPUSH_PUBKEY_LEN,
				     NULL) == WEBPUSH_PUBKEY_LEN;
	EC_POINT_free(p);
	BN_clear_free(d);
	EC_GROUP_free(g);
	return ok;
}

/* An EVP_PKEY for P-256 from a public point and, optionally, its private scalar. */
EVP_PKEY *webpush_pkey(const uint8_t *pub, const uint8_t *priv)
{
	OSSL_PARAM_BLD *b = OSSL_PARAM_BLD_new();
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	BIGNUM *d = priv ? BN_secure_new() : NULL;
	OSSL_PARAM *params = NULL;
	EVP_PKEY *pk = NULL;
	if (b && ctx && (!priv || (d && BN_bin2bn(priv, WEBPUSH_PRIVKEY_LEN, d))) &&
	    OSSL_PARAM_BLD_push_utf8_string(b, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) &&
	    OSSL_PARAM_BLD_push_octet_string(b, OSSL_PKEY_PARAM_PUB_KEY, pub, WEBPUSH_PUBKEY_LEN) &&
	    (!d || OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_PRIV_KEY, d)) &&
	    (params = OSSL_PARAM_BLD_to_param(b)) && EVP_PKEY_fromdata_init(ctx) == 1 &&
	    EVP_PKEY_fromdata(ctx, &pk, d ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY, params) != 1)
		pk = NULL;
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(b);
	EVP_PKEY_CTX_free(ctx);
	BN_clear_free(d);
	return pk;
}

/* A key pair from a private scalar alone (the public point is derived). */
EVP_PKEY *webpush_pkey_from_priv(const uint8_t *priv, uint8_t pub[WEBPUSH_PUBKEY_LEN])
{
	if (!derive_pub(priv, pub))
		return NULL;
	return webpush_pkey(pub, priv);
}

/* A fresh key pair; pub receives its point. */
static EVP_PKEY *pkey_generate(uint8_t pub[WEBPUSH_PUBKEY_LEN])
{
	EVP_PKEY *pk = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	size_t len = 0;
	if (pk && (EVP_PKEY_get_octet_string_param(pk, OSSL_PKEY_PARAM_PUB_KEY, pub,
						   WEBPUSH_PUBKEY_LEN, &len) != 1 ||
		   len != WEBPUSH_PUBKEY_LEN || pub[0] != 0x04)) {
		EVP_PKEY_free(pk);
		pk = NULL;
	}
	return pk;
}

int webpush_keygen(char pub_b64[96], char priv_b64[48])
{
	uint8_t pub[WEBPUSH_PUBKEY_LEN], priv[WEBPUSH_PRIVKEY_LEN];
	EVP_PKEY *pk = pkey_generate(pub);
	BIGNUM *d = NULL;
	int rc = -1;
	if (pk && EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_PRIV_KEY, &d) == 1 &&
	    BN_bn2binpad(d, priv, sizeof(priv)) == (int)sizeof(priv)) {
		char *a = b64url_encode(pub, sizeof(pub));
		char *b = b64url_encode(priv, sizeof(priv));
		if (a && b) {
			snprintf(pub_b64, 96, "%s", a);
			snprintf(priv_b64, 48, "%s", b);
			rc = 0;
		}
		free(a);
		if (b)
			OPENSSL_cleanse(b, strlen(b));
		free(b);
	}
	OPENSSL_cleanse(priv, sizeof(priv));
	BN_clear_free(d);
	EVP_PKEY_free(pk);
	return rc;
}

bool webpush_keys_check(const char *pub_b64, const char *priv_b64, char *err, size_t errlen)
{
	uint8_t pub[WEBPUSH_PUBKEY_LEN + 1], priv[WEBPUSH_PRIVKEY_LEN + 1],
	    derived[WEBPUSH_PUBKEY_LEN];
	long pl = b64url_decode(pub_b64, (size_t)-1, pub, sizeof(pub));
	long kl = b64url_decode(priv_b64, (size_t)-1, priv, sizeof(priv));
	bool ok = false;
	if (pl != WEBPUSH_PUBKEY_LEN || !webpush_pubkey_valid(pub, (size_t)pl))
		snprintf(err, errlen,
			 "VAPID_PUBLIC_KEY: must be the base64url uncompressed P-256 point "
			 "(65 bytes starting 0x04, on the curve)");
	else if (kl != WEBPUSH_PRIVKEY_LEN || !derive_pub(priv, derived))
		snprintf(err, errlen,
			 "VAPID_PRIVATE_KEY: must be the base64url 32-byte P-256 private scalar");
	else if (memcmp(derived, pub, WEBPUSH_PUBKEY_LEN) != 0)
		snprintf(err, errlen,
			 "VAPID_PRIVATE_KEY does not belong to VAPID_PUBLIC_KEY (generate both "
			 "with swmra-vapid-keygen)");
	else
		ok = true;
	OPENSSL_cleanse(priv, sizeof(priv));
	return ok;
}

int webpush_config_check(const struct config *c, char *err, size_t errlen)
{
	if (!c->enable_push)
		return 0;
	return webpush_keys_check(c->vapid_public_key, c->vapid_private_key, err, errlen) ? 0 : -1;
}

/* ---------------------------------------------------------------- RFC 8291 */

bool webpush_ecdh(EVP_PKEY *mine, EVP_PKEY *peer, uint8_t out[32])
{
	EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_from_pkey(NULL, mine, NULL);
	size_t n = 32;
	bool ok = c && EVP_PKEY_derive_init(c) == 1 && EVP_PKEY_derive_set_peer(c, peer) == 1 &&
		  EVP_PKEY_derive(c, out, &n) == 1 && n == 32;
	EVP_PKEY_CTX_free(c);
	return ok;
}

/* HKDF-SHA256 (RFC 5869) for outputs of at most 32 octets: one HMAC for the extract, one
 * for T(1) = HMAC(PRK, info || 0x01). */
static bool hkdf(const uint8_t *salt, size_t slen, const uint8_t *ikm, size_t ilen,
		 const uint8_t *info, size_t infolen, uint8_t *out, size_t outlen)
{
	uint8_t prk[32], t[32], buf[160];
	unsigned int l = 0;
	if (infolen + 1 > sizeof(buf) || outlen > 32)
		return false;
	bool ok = HMAC(EVP_sha256(), salt, (int)slen, ikm, ilen, prk, &l) != NULL && l == 32;
	memcpy(buf, info, infolen);
	buf[infolen] = 0x01;
	ok = ok && HMAC(EVP_sha256(), prk, 32, buf, infolen + 1, t, &l) != NULL && l == 32;
	if (ok)
		memcpy(out, t, outlen);
	OPENSSL_cleanse(prk, sizeof(prk));
	OPENSSL_cleanse(t, sizeof(t));
	return ok;
}

/* CEK and nonce from the ECDH secret (RFC 8291 §3.3/3.4 and RFC 8188 §2.2). */
bool webpush_derive_cek_nonce(const uint8_t *ecdh_secret, const uint8_t *auth,
			      const uint8_t *ua_public, const uint8_t *as_public,
			      const uint8_t *salt, uint8_t cek[16], uint8_t nonce[12])
{
	static const char key_label[] = "WebPush: info"; /* + 0x00 */
	static const char cek_label[] = "Content-Encoding: aes128gcm";
	static const char nonce_label[] = "Content-Encoding: nonce";
	uint8_t key_info[sizeof(key_label) + 2 * WEBPUSH_PUBKEY_LEN], ikm[32];
	memcpy(key_info, key_label, sizeof(key_label)); /* with its NUL */
	memcpy(key_info + sizeof(key_label), ua_public, WEBPUSH_PUBKEY_LEN);
	memcpy(key_info + sizeof(key_label) + WEBPUSH_PUBKEY_LEN, as_public, WEBPUSH_PUBKEY_LEN);
	bool ok =
	    hkdf(auth, WEBPUSH_AUTH_LEN, ecdh_secret, 32, key_info, sizeof(key_info), ikm, 32) &&
	    hkdf(salt, WEBPUSH_SALT_LEN, ikm, 32, (const uint8_t *)cek_label, sizeof(cek_label),
		 cek, 16) &&
	    hkdf(salt, WEBPUSH_SALT_LEN, ikm, 32, (const uint8_t *)nonce_label, sizeof(nonce_label),
		 nonce, 12);
	OPENSSL_cleanse(ikm, sizeof(ikm));
	return ok;
}

int webpush_encrypt(const uint8_t *ua_public, const uint8_t *auth, const uint8_t *plain,
		    size_t plen, const uint8_t *as_private, const uint8_t *salt_in, uint8_t **out,
		    size_t *outlen, char *err, size_t errlen)
{
	*out = NULL;
	*outlen = 0;
	if (plen > WEBPUSH_MAX_PLAINTEXT) {
		snprintf(err, errlen, "push payload of %zu bytes exceeds %d", plen,
			 WEBPUSH_MAX_PLAINTEXT);
		return -1;
	}
	if (!webpush_pubkey_valid(ua_public, WEBPUSH_PUBKEY_LEN)) {
		snprintf(err, errlen, "subscription key p256dh is not a P-256 point");
		return -1;
	}
	uint8_t as_public[WEBPUSH_PUBKEY_LEN], salt[WEBPUSH_SALT_LEN], secret[32], cek[16],
	    nonce[12];
	EVP_PKEY *as =
	    as_private ? webpush_pkey_from_priv(as_private, as_public) : pkey_generate(as_public);
	EVP_PKEY *ua = webpush_pkey(ua_public, NULL);
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	size_t total = WEBPUSH_HEADER_LEN + plen + 1 + 16;
	uint8_t *body = malloc(total);
	uint8_t *pt = malloc(plen + 1);
	int rc = -1, l1 = 0, l2 = 0;
	if (salt_in)
		memcpy(salt, salt_in, sizeof(salt));
	else if (RAND_bytes(salt, sizeof(salt)) != 1)
		goto done;
	if (!as || !ua || !c || !body || !pt) {
		snprintf(err, errlen, "push encryption: key setup failed");
		goto done;
	}
	if (!webpush_ecdh(as, ua, secret) ||
	    !webpush_derive_cek_nonce(secret, auth, ua_public, as_public, salt, cek, nonce)) {
		snprintf(err, errlen, "push encryption: key agreement failed");
		goto done;
	}
	memcpy(body, salt, WEBPUSH_SALT_LEN);
	body[16] = (uint8_t)(WEBPUSH_RECORD_SIZE >> 24);
	body[17] = (uint8_t)(WEBPUSH_RECORD_SIZE >> 16);
	body[18] = (uint8_t)(WEBPUSH_RECORD_SIZE >> 8);
	body[19] = (uint8_t)WEBPUSH_RECORD_SIZE;
	body[20] = WEBPUSH_PUBKEY_LEN;
	memcpy(body + 21, as_public, WEBPUSH_PUBKEY_LEN);
	if (plen)
		memcpy(pt, plain, plen);
	pt[plen] = 0x02; /* the last (only) record's padding delimiter, no padding */
	if (EVP_EncryptInit_ex(c, EVP_aes_128_gcm(), NULL, cek, nonce) != 1 ||
	    EVP_EncryptUpdate(c, body + WEBPUSH_HEADER_LEN, &l1, pt, (int)plen + 1) != 1 ||
	    EVP_EncryptFinal_ex(c, body + WEBPUSH_HEADER_LEN + l1, &l2) != 1 ||
	    (size_t)(l1 + l2) != plen + 1 ||
	    EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, 16,
				body + WEBPUSH_HEADER_LEN + plen + 1) != 1) {
		snprintf(err, errlen, "push encryption: AES-GCM failed");
		goto done;
	}
	*out = body;
	*outlen = total;
	body = NULL;
	rc = 0;
done:
	OPENSSL_cleanse(secret, sizeof(secret));
	OPENSSL_cleanse(cek, sizeof(cek));
	if (pt)
		OPENSSL_cleanse(pt, plen + 1);
	free(pt);
	free(body);
	EVP_CIPHER_CTX_free(c);
	EVP_PKEY_free(as);
	EVP_PKEY_free(ua);
	return rc;
}

/* ---------------------------------------------------------------- VAPID (RFC 8292) */

bool webpush_origin(const char *url, char *out, size_t outlen)
{
	size_t sl;
	bool https;
	if (!url)
		return false;
	if (strncasecmp(url, "https://", 8) == 0) {
		sl = 8;
		https = true;
	} else if (strncasecmp(url, "http://", 7) == 0) {
		sl = 7;
		https = false;
	} else {
		return false;
	}
	const char *a = url + sl;
	size_t al = strcspn(a, "/?#");
	if (al == 0 || memchr(a, '@', al))
		return false;
	for (size_t i = 0; i < al; i++)
		if (!isalnum((unsigned char)a[i]) && !strchr(".-:[]_", a[i]))
			return false;
	const char *defport = https ? ":443" : ":80";
	size_t dl = strlen(defport);
	if (al > dl && strncmp(a + al - dl, defport, dl) == 0)
		al -= dl;
	if (sl + al + 1 > outlen)
		return false;
	memcpy(out, https ? "https://" : "http://", sl);
	for (size_t i = 0; i < al; i++)
		out[sl + i] = (char)tolower((unsigned char)a[i]);
	out[sl + al] = '\0';
	return true;
}

char *webpush_vapid_jwt(const char *aud, int64_t exp_s, const char *sub, const uint8_t *priv,
			char *err, size_t errlen)
{
	static const char header[] = "{\"typ\":\"JWT\",\"alg\":\"ES256\"}";
	json_object *claims = json_object_new_object();
	json_object_object_add(claims, "aud", json_object_new_string(aud));
	json_object_object_add(claims, "exp", json_object_new_int64(exp_s));
	json_object_object_add(claims, "sub", json_object_new_string(sub));
	const char *cj = json_object_to_json_string_ext(claims, JSON_C_TO_STRING_PLAIN |
								    JSON_C_TO_STRING_NOSLASHESCAPE);
	char *h64 = b64url_encode((const uint8_t *)header, strlen(header));
	char *c64 = b64url_encode((const uint8_t *)cj, strlen(cj));
	json_object_put(claims);
	uint8_t pub[WEBPUSH_PUBKEY_LEN], raw[64];
	EVP_PKEY *pk = webpush_pkey_from_priv(priv, pub);
	EVP_MD_CTX *m = EVP_MD_CTX_new();
	char *input = NULL, *jwt = NULL, *s64 = NULL;
	unsigned char *der = NULL;
	size_t derlen = 0;
	ECDSA_SIG *sig = NULL;
	if (!h64 || !c64 || !pk || !m) {
		snprintf(err, errlen, "VAPID: bad private key or out of memory");
		goto done;
	}
	size_t il = strlen(h64) + 1 + strlen(c64);
	input = malloc(il + 1);
	if (!input)
		goto done;
	snprintf(input, il + 1, "%s.%s", h64, c64);
	if (EVP_DigestSignInit(m, NULL, EVP_sha256(), NULL, pk) != 1 ||
	    EVP_DigestSign(m, NULL, &derlen, (const unsigned char *)input, il) != 1 ||
	    !(der = malloc(derlen)) ||
	    EVP_DigestSign(m, der, &derlen, (const unsigned char *)input, il) != 1) {
		snprintf(err, errlen, "VAPID: signing failed");
		goto done;
	}
	/* JWS ES256 wants the raw r || s (32 octets each), not the DER sequence. */
	const unsigned char *p = der;
	const BIGNUM *r, *s;
	if (!(sig = d2i_ECDSA_SIG(NULL, &p, (long)derlen))) {
		snprintf(err, errlen, "VAPID: bad signature encoding");
		goto done;
	}
	ECDSA_SIG_get0(sig, &r, &s);
	if (BN_bn2binpad(r, raw, 32) != 32 || BN_bn2binpad(s, raw + 32, 32) != 32 ||
	    !(s64 = b64url_encode(raw, 64)))
		goto done;
	jwt = malloc(il + 1 + strlen(s64) + 1);
	if (jwt)
		sprintf(jwt, "%s.%s", input, s64);
done:
	ECDSA_SIG_free(sig);
	free(der);
	free(input);
	free(h64);
	free(c64);
	free(s64);
	EVP_MD_CTX_free(m);
	EVP_PKEY_free(pk);
	return jwt;
}

/* ---------------------------------------------------------------- sending */

static bool v4_allowed(const unsigned char *b, bool allow_loopback)
{
	if (b[0] == 127)
		return allow_loopback;
	if (b[0] == 0 || b[0] == 10 || b[0] >= 224) /* this net, private, mcast, reserved */
		return false;
	if (b[0] == 100 && (b[1] & 0xc0) == 64) /* 100.64.0.0/10 CGNAT */
		return false;
	if (b[0] == 169 && b[1] == 254) /* link local, cloud metadata */
		return false;
	if (b[0] == 172 && (b[1] & 0xf0) == 16) /* 172.16.0.0/12 */
		return false;
	if (b[0] == 192 && b[1] == 168) /* 192.168.0.0/16 */
		return false;
	if (b[0] == 192 && b[1] == 0 && (b[2] == 0 || b[2] == 2)) /* IETF, TEST-NET-1 */
		return false;
	if (b[0] == 198 && (b[1] & 0xfe) == 18) /* 198.18.0.0/15 benchmarking */
		return false;
	return true;
}

static bool v6_allowed(const unsigned char *a, bool allow_loopback)
{
	static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	static const unsigned char loop[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
	static const unsigned char any[16] = {0};
	if (memcmp(a, mapped, 12) == 0) /* ::ffff:a.b.c.d is the IPv4 address in disguise */
		return v4_allowed(a + 12, allow_loopback);
	if (memcmp(a, loop, 16) == 0)
		return allow_loopback;
	if (memcmp(a, any, 16) == 0)
		return false;
	if ((a[0] & 0xfe) == 0xfc) /* fc00::/7 unique local */
		return false;
	if (a[0] == 0xfe && (a[1] & 0xc0) == 0x80) /* fe80::/10 link local */
		return false;
	if (a[0] == 0xff) /* multicast */
		return false;
	if (a[0] == 0x00 && a[1] == 0x64 && a[2] == 0xff && a[3] == 0x9b) /* 64:ff9b::/96 NAT64 */
		return false;
	return true;
}

bool webpush_addr_allowed(const struct sockaddr *sa, bool allow_loopback)
{
	/* Copy out of the generic sockaddr instead of casting: the struct types do not alias
	 * under the C rules, and an optimiser may otherwise read stale bytes. */
	sa_family_t fam;
	memcpy(&fam, (const char *)sa + offsetof(struct sockaddr, sa_family), sizeof(fam));
	if (fam == AF_INET6) {
		unsigned char a[16];
		memcpy(a, (const char *)sa + offsetof(struct sockaddr_in6, sin6_addr), 16);
		return v6_allowed(a, allow_loopback);
	}
	if (fam == AF_INET) {
		unsigned char b[4];
		memcpy(b, (const char *)sa + offsetof(struct sockaddr_in, sin_addr), 4);
		return v4_allowed(b, allow_loopback);
	}
	return false;
}

/* The guard of the connection: only public addresses (loopback too for the test push
 * service), checked on the address actually connected to. */
static bool addr_guard(const struct sockaddr *sa, void *ud)
{
	return webpush_addr_allowed(sa, *(const bool *)ud);
}

/* The first line of a push service's answer, printable ASCII only, for last_error. */
static void clean_excerpt(const char *in, char *out, size_t outlen)
{
	size_t o = 0;
	for (; *in && *in != '\n' && o + 1 < outlen && o < 200; in++)
		out[o++] = (*in >= 0x20 && *in < 0x7f) ? *in : '?';
	out[o] = '\0';
}

/* What a finished send means: a refused address or a protocol not allowed is final, the
 * network and 429/5xx are worth a retry, other statuses are final. */
static enum deliver_rc webpush_outcome(const struct httpc *h, CURLcode rc, char *err, size_t errlen)
{
	if (rc != CURLE_OK && h->refused) {
		snprintf(err, errlen, "push endpoint resolves to a non-public address; not sent");
		return DELIVER_FAIL;
	}
	if (rc != CURLE_OK) {
		snprintf(err, errlen, "push service: %s", httpc_error(h, rc));
		return rc == CURLE_UNSUPPORTED_PROTOCOL ? DELIVER_FAIL : DELIVER_RETRY;
	}
	long status = h->status;
	if (status >= 200 && status < 300)
		return DELIVER_OK;
	char ex[256];
	clean_excerpt(h->body ? h->body : "", ex, sizeof(ex));
	snprintf(err, errlen, "push service answered %ld%s%s%s", status,
		 status == 404 || status == 410 ? " (subscription gone)" : "", ex[0] ? ": " : "",
		 ex);
	return (status == 429 || status >= 500) ? DELIVER_RETRY : DELIVER_FAIL;
}

enum deliver_rc webpush_send(const struct webpush_sub *sub, const char *payload, size_t len,
			     int ttl, const char *urgency, long *http_status, char *err,
			     size_t errlen)
{
	const struct config *cfg = config_get();
	uint8_t ua_pub[WEBPUSH_PUBKEY_LEN + 1], auth[WEBPUSH_AUTH_LEN + 1],
	    priv[WEBPUSH_PRIVKEY_LEN + 1], vpub[WEBPUSH_PUBKEY_LEN + 1];
	char origin[WEBPUSH_ENDPOINT_MAX + 16];
	if (http_status)
		*http_status = 0;
	if (!cfg->enable_push) {
		snprintf(err, errlen, "web push is disabled (ENABLE_PUSH=false)");
		return DELIVER_FAIL;
	}
	if (b64url_decode(cfg->vapid_private_key, (size_t)-1, priv, sizeof(priv)) !=
		WEBPUSH_PRIVKEY_LEN ||
	    b64url_decode(cfg->vapid_public_key, (size_t)-1, vpub, sizeof(vpub)) !=
		WEBPUSH_PUBKEY_LEN) {
		snprintf(err, errlen, "VAPID_PUBLIC_KEY/VAPID_PRIVATE_KEY are not set or invalid");
		return DELIVER_RETRY; /* an operator can fix the configuration */
	}
	if (!sub->endpoint || strlen(sub->endpoint) > WEBPUSH_ENDPOINT_MAX ||
	    !webpush_origin(sub->endpoint, origin, sizeof(origin))) {
		snprintf(err, errlen, "subscription endpoint is not an http(s) URL");
		return DELIVER_FAIL;
	}
	if (b64url_decode(sub->p256dh, (size_t)-1, ua_pub, sizeof(ua_pub)) != WEBPUSH_PUBKEY_LEN ||
	    b64url_decode(sub->auth, (size_t)-1, auth, sizeof(auth)) != WEBPUSH_AUTH_LEN) {
		snprintf(err, errlen, "subscription keys are malformed");
		return DELIVER_FAIL;
	}
	uint8_t *body = NULL;
	size_t blen = 0;
	if (webpush_encrypt(ua_pub, auth, (const uint8_t *)payload, len, NULL, NULL, &body, &blen,
			    err, errlen) < 0)
		return DELIVER_FAIL;
	/* exp: 12 h ahead (RFC 8292 allows at most 24 h). */
	char *jwt = webpush_vapid_jwt(origin, (int64_t)time(NULL) + 12 * 3600, cfg->vapid_subject,
				      priv, err, errlen);
	OPENSSL_cleanse(priv, sizeof(priv));
	char *k = b64url_encode(vpub, WEBPUSH_PUBKEY_LEN);
	/* Plain http only for the test push service (APP_ENV=test); redirects never followed. */
	bool allow_http = strcmp(cfg->app_env, "test") == 0;
	struct httpc h;
	bool ready = httpc_init(&h, sub->endpoint, 5000L, 15000L);
	if (!jwt || !k || !ready) {
		if (!jwt && !*err)
			snprintf(err, errlen, "VAPID signing failed");
		else if (jwt)
			snprintf(err, errlen, "out of memory");
		free(body);
		free(jwt);
		free(k);
		httpc_cleanup(&h);
		return DELIVER_RETRY;
	}
	httpc_header(&h, "Expect:");
	httpc_headerf(&h, "TTL: %d", ttl < 0 ? 0 : ttl);
	httpc_headerf(&h, "Urgency: %s", urgency && *urgency ? urgency : "normal");
	httpc_header(&h, "Content-Encoding: aes128gcm");
	httpc_header(&h, "Content-Type: application/octet-stream");
	httpc_headerf(&h, "Authorization: vapid t=%s, k=%s", jwt, k);
	httpc_protocols(&h, allow_http ? "http,https" : "https");
	httpc_capture(&h, 1023, false);
	httpc_body(&h, "POST", body, blen);
	httpc_guard(&h, addr_guard, &allow_http);
	CURLcode rc = httpc_perform(&h);
	long status = h.status;
	free(body);
	free(jwt);
	free(k);
	if (http_status)
		*http_status = status;
	enum deliver_rc out = webpush_outcome(&h, rc, err, errlen);
	httpc_cleanup(&h);
	return out;
}
