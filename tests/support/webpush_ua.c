/* The user agent's side of web push, for the tests only (tests/libswmra_test.a): it
 * decrypts what infra/webpush.c sent and verifies its VAPID signature. See support.h. */
#include "support/support.h"

#include <json-c/json.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "infra/b64url.h"
#include "infra/webpush_keys.h"

/* ---------------------------------------------------------------- RFC 8291 */

int webpush_decrypt(const uint8_t *ua_private, const uint8_t *auth, const uint8_t *body,
		    size_t blen, uint8_t **plain, size_t *plen, char *err, size_t errlen)
{
	*plain = NULL;
	*plen = 0;
	if (blen < WEBPUSH_HEADER_LEN + 1 + 16) {
		snprintf(err, errlen, "body too short for aes128gcm");
		return -1;
	}
	uint32_t rs = (uint32_t)body[16] << 24 | (uint32_t)body[17] << 16 |
		      (uint32_t)body[18] << 8 | body[19];
	if (body[20] != WEBPUSH_PUBKEY_LEN || rs < 18 || blen - WEBPUSH_HEADER_LEN > rs) {
		snprintf(err, errlen, "bad aes128gcm header (idlen %u, rs %u, %zu octets)",
			 body[20], rs, blen);
		return -1;
	}
	const uint8_t *salt = body, *as_public = body + 21;
	uint8_t ua_public[WEBPUSH_PUBKEY_LEN], secret[32], cek[16], nonce[12];
	EVP_PKEY *ua = webpush_pkey_from_priv(ua_private, ua_public);
	EVP_PKEY *as = webpush_pubkey_valid(as_public, WEBPUSH_PUBKEY_LEN)
			   ? webpush_pkey(as_public, NULL)
			   : NULL;
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	size_t clen = blen - WEBPUSH_HEADER_LEN - 16;
	uint8_t *pt = malloc(clen + 1);
	int rc = -1, l1 = 0, l2 = 0;
	if (!ua || !as || !c || !pt || !webpush_ecdh(ua, as, secret) ||
	    !webpush_derive_cek_nonce(secret, auth, ua_public, as_public, salt, cek, nonce)) {
		snprintf(err, errlen, "key agreement failed");
		goto done;
	}
	if (EVP_DecryptInit_ex(c, EVP_aes_128_gcm(), NULL, cek, nonce) != 1 ||
	    EVP_DecryptUpdate(c, pt, &l1, body + WEBPUSH_HEADER_LEN, (int)clen) != 1 ||
	    EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, 16, (void *)(body + blen - 16)) != 1 ||
	    EVP_DecryptFinal_ex(c, pt + l1, &l2) != 1) {
		snprintf(err, errlen, "decryption failed (wrong key or tampered body)");
		goto done;
	}
	size_t n = (size_t)(l1 + l2);
	while (n > 0 && pt[n - 1] == 0x00)
		n--;
	if (n == 0 || pt[n - 1] != 0x02) {
		snprintf(err, errlen, "missing last-record padding delimiter 0x02");
		goto done;
	}
	n--;
	pt[n] = '\0';
	*plain = pt;
	*plen = n;
	pt = NULL;
	rc = 0;
done:
	OPENSSL_cleanse(secret, sizeof(secret));
	OPENSSL_cleanse(cek, sizeof(cek));
	free(pt);
	EVP_CIPHER_CTX_free(c);
	EVP_PKEY_free(ua);
	EVP_PKEY_free(as);
	return rc;
}

/* ---------------------------------------------------------------- VAPID */

char *webpush_jwt_verify(const char *jwt, const uint8_t *pub)
{
	const char *d1 = jwt ? strchr(jwt, '.') : NULL;
	const char *d2 = d1 ? strchr(d1 + 1, '.') : NULL;
	if (!d2 || strchr(d2 + 1, '.'))
		return NULL;
	size_t hl = (size_t)(d1 - jwt), cl = (size_t)(d2 - d1 - 1);
	char *h = strndup(jwt, hl), *c = strndup(d1 + 1, cl);
	uint8_t hb[256], raw[65];
	uint8_t *cb = malloc(cl + 1);
	long hn = h ? b64url_decode(h, (size_t)-1, hb, sizeof(hb) - 1) : -1;
	long cn = c && cb ? b64url_decode(c, (size_t)-1, cb, cl) : -1;
	long sn = b64url_decode(d2 + 1, (size_t)-1, raw, sizeof(raw));
	char *claims = NULL;
	EVP_PKEY *pk = pub ? webpush_pkey(pub, NULL) : NULL;
	EVP_MD_CTX *m = EVP_MD_CTX_new();
	ECDSA_SIG *sig = ECDSA_SIG_new();
	BIGNUM *r = NULL, *s = NULL;
	unsigned char *der = NULL;
	int derlen;
	if (hn < 0 || cn < 0 || sn != 64 || !pk || !m || !sig)
		goto done;
	hb[hn] = '\0';
	json_object *hj = json_tokener_parse((const char *)hb);
	json_object *alg = NULL;
	bool es256 = hj && json_object_object_get_ex(hj, "alg", &alg) &&
		     strcmp(json_object_get_string(alg), "ES256") == 0;
	json_object_put(hj);
	if (!es256)
		goto done;
	r = BN_bin2bn(raw, 32, NULL);
	s = BN_bin2bn(raw + 32, 32, NULL);
	if (!r || !s || ECDSA_SIG_set0(sig, r, s) != 1)
		goto done;
	r = s = NULL; /* owned by sig now */
	if ((derlen = i2d_ECDSA_SIG(sig, &der)) <= 0)
		goto done;
	if (EVP_DigestVerifyInit(m, NULL, EVP_sha256(), NULL, pk) == 1 &&
	    EVP_DigestVerify(m, der, (size_t)derlen, (const unsigned char *)jwt,
			     (size_t)(d2 - jwt)) == 1) {
		cb[cn] = '\0';
		claims = (char *)cb;
		cb = NULL;
	}
done:
	BN_free(r);
	BN_free(s);
	OPENSSL_free(der);
	ECDSA_SIG_free(sig);
	EVP_MD_CTX_free(m);
	EVP_PKEY_free(pk);
	free(h);
	free(c);
	free(cb);
	return claims;
}
