#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
/* Web push crypto (src/infra/webpush.c): the RFC 8291 appendix A example byte for byte
 * (fixed sender key and salt → the exact aes128gcm body), its decryption with the user
 * agent's key, round trips with ephemeral keys, tampering detected; VAPID JWTs whose ES256
 * signature is verified here independently (the test's own OpenSSL key, raw r||s turned
 * back into DER); base64url, origins, key checks and the ENABLE_PUSH configuration rules. */
#include "testutil.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <stdlib.h>

#include "infra/b64url.h"
#include "infra/config.h"
#include "infra/webpush.h"

/* RFC 8291 appendix A. */
static const char *const RFC_PLAIN = "When I grow up, I want to be a watermelon";
static const char *const RFC_AS_PRIVATE = "yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw";
static const char *const RFC_AS_PUBLIC =
    "BP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A8";
static const char *const RFC_UA_PRIVATE = "q1dXpw3UpT5VOmu_cf_v6ih07Aems3njxI-JWgLcM94";
static const char *const RFC_UA_PUBLIC =
    "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4";
static const char *const RFC_SALT = "DGv6ra1nlYgDCS1FRnbzlw";
static const char *const RFC_AUTH = "BTBZMqHH6r4Tts7J_aSIgg";
static const char *const RFC_BODY =
    "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYW"
    "AmS6TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexS"
    "gSxsj_Qulcy4a-fN";

static size_t dec(const char *b64, uint8_t *out, size_t cap)
{
	long n = b64url_decode(b64, (size_t)-1, out, cap);
	assert_true(n >= 0);
	return (size_t)n;
}

static void rfc8291_vector_encrypts_exactly(void **state)
{
	(void)state;
	uint8_t ua_pub[65], auth[16], as_priv[32], salt[16], want[200];
	assert_int_equal(dec(RFC_UA_PUBLIC, ua_pub, sizeof(ua_pub)), 65);
	assert_int_equal(dec(RFC_AUTH, auth, sizeof(auth)), 16);
	assert_int_equal(dec(RFC_AS_PRIVATE, as_priv, sizeof(as_priv)), 32);
	assert_int_equal(dec(RFC_SALT, salt, sizeof(salt)), 16);
	size_t wl = dec(RFC_BODY, want, sizeof(want));
	uint8_t *out = NULL;
	size_t ol = 0;
	char err[128] = "";
	assert_int_equal(webpush_encrypt(ua_pub, auth, (const uint8_t *)RFC_PLAIN,
					 strlen(RFC_PLAIN), as_priv, salt, &out, &ol, err,
					 sizeof(err)),
			 0);
	assert_int_equal(ol, wl);
	char *got = b64url_encode(out, ol);
	assert_string_equal(got, RFC_BODY);
	/* the header carries the sender's public key */
	char *keyid = b64url_encode(out + 21, 65);
	assert_string_equal(keyid, RFC_AS_PUBLIC);
	free(keyid);
	free(got);
	free(out);
}

static void rfc8291_vector_decrypts(void **state)
{
	(void)state;
	uint8_t ua_priv[32], auth[16], body[200];
	dec(RFC_UA_PRIVATE, ua_priv, sizeof(ua_priv));
	dec(RFC_AUTH, auth, sizeof(auth));
	size_t bl = dec(RFC_BODY, body, sizeof(body));
	uint8_t *plain = NULL;
	size_t pl = 0;
	char err[128] = "";
	assert_int_equal(webpush_decrypt(ua_priv, auth, body, bl, &plain, &pl, err, sizeof(err)),
			 0);
	assert_int_equal(pl, strlen(RFC_PLAIN));
	assert_string_equal((char *)plain, RFC_PLAIN);
	free(plain);
	/* a flipped ciphertext bit or the wrong auth secret fails the GCM tag */
	body[100] ^= 1;
	assert_int_equal(webpush_decrypt(ua_priv, auth, body, bl, &plain, &pl, err, sizeof(err)),
			 -1);
	body[100] ^= 1;
	auth[0] ^= 1;
	assert_int_equal(webpush_decrypt(ua_priv, auth, body, bl, &plain, &pl, err, sizeof(err)),
			 -1);
}

/* A P-256 key pair made by the test itself: raw private scalar and public point. */
static EVP_PKEY *test_keypair(uint8_t priv[32], uint8_t pub[65])
{
	EVP_PKEY *pk = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	assert_non_null(pk);
	size_t len = 0;
	assert_int_equal(
	    EVP_PKEY_get_octet_string_param(pk, OSSL_PKEY_PARAM_PUB_KEY, pub, 65, &len), 1);
	assert_int_equal(len, 65);
	BIGNUM *d = NULL;
	assert_int_equal(EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_PRIV_KEY, &d), 1);
	assert_int_equal(BN_bn2binpad(d, priv, 32), 32);
	BN_free(d);
	return pk;
}

static void round_trip_with_ephemeral_keys(void **state)
{
	(void)state;
	uint8_t ua_priv[32], ua_pub[65], auth[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14};
	EVP_PKEY *ua = test_keypair(ua_priv, ua_pub);
	const char *msg = "{\"id\":\"65a1b2c3d4e5f60718293a4b\",\"title\":\"Pickup scheduled ✓\"}";
	uint8_t *b1 = NULL, *b2 = NULL, *plain = NULL;
	size_t l1, l2, pl;
	char err[128];
	assert_int_equal(webpush_encrypt(ua_pub, auth, (const uint8_t *)msg, strlen(msg), NULL,
					 NULL, &b1, &l1, err, sizeof(err)),
			 0);
	assert_int_equal(webpush_encrypt(ua_pub, auth, (const uint8_t *)msg, strlen(msg), NULL,
					 NULL, &b2, &l2, err, sizeof(err)),
			 0);
	assert_int_equal(l1, 86 + strlen(msg) + 1 + 16);
	assert_int_equal(b1[20], 65);			/* idlen */
	assert_memory_equal(b1 + 16, "\0\0\x10\0", 4);	/* rs 4096 */
	assert_true(memcmp(b1, b2, 16) != 0);		/* fresh salt */
	assert_true(memcmp(b1 + 21, b2 + 21, 65) != 0); /* fresh ephemeral key */
	assert_int_equal(webpush_decrypt(ua_priv, auth, b1, l1, &plain, &pl, err, sizeof(err)), 0);
	assert_string_equal((char *)plain, msg);
	free(plain);
	/* too large for one 4096-octet record */
	char *big = calloc(1, WEBPUSH_MAX_PLAINTEXT + 2);
	memset(big, 'a', WEBPUSH_MAX_PLAINTEXT + 1);
	uint8_t *b3 = NULL;
	size_t l3;
	assert_int_equal(webpush_encrypt(ua_pub, auth, (const uint8_t *)big, strlen(big), NULL,
					 NULL, &b3, &l3, err, sizeof(err)),
			 -1);
	big[WEBPUSH_MAX_PLAINTEXT] = '\0';
	assert_int_equal(webpush_encrypt(ua_pub, auth, (const uint8_t *)big, strlen(big), NULL,
					 NULL, &b3, &l3, err, sizeof(err)),
			 0);
	assert_int_equal(l3, WEBPUSH_RECORD_SIZE);
	assert_int_equal(webpush_decrypt(ua_priv, auth, b3, l3, &plain, &pl, err, sizeof(err)), 0);
	assert_int_equal(pl, WEBPUSH_MAX_PLAINTEXT);
	free(plain);
	free(b3);
	free(big);
	/* a point not on the curve is refused */
	ua_pub[40] ^= 1;
	assert_int_equal(webpush_encrypt(ua_pub, auth, (const uint8_t *)msg, strlen(msg), NULL,
					 NULL, &b3, &l3, err, sizeof(err)),
			 -1);
	free(b1);
	free(b2);
	EVP_PKEY_free(ua);
}

/* Independent ES256 verification: raw r||s → DER, EVP_DigestVerify with `pk`. */
static bool es256_ok(EVP_PKEY *pk, const char *jwt)
{
	const char *dot2 = strrchr(jwt, '.');
	uint8_t raw[64];
	if (b64url_decode(dot2 + 1, (size_t)-1, raw, sizeof(raw)) != 64)
		return false;
	ECDSA_SIG *sig = ECDSA_SIG_new();
	ECDSA_SIG_set0(sig, BN_bin2bn(raw, 32, NULL), BN_bin2bn(raw + 32, 32, NULL));
	unsigned char *der = NULL;
	int dl = i2d_ECDSA_SIG(sig, &der);
	EVP_MD_CTX *m = EVP_MD_CTX_new();
	bool ok = EVP_DigestVerifyInit(m, NULL, EVP_sha256(), NULL, pk) == 1 &&
		  EVP_DigestVerify(m, der, (size_t)dl, (const unsigned char *)jwt,
				   (size_t)(dot2 - jwt)) == 1;
	EVP_MD_CTX_free(m);
	OPENSSL_free(der);
	ECDSA_SIG_free(sig);
	return ok;
}

static void vapid_jwt_es256_verifies(void **state)
{
	(void)state;
	uint8_t priv[32], pub[65];
	EVP_PKEY *pk = test_keypair(priv, pub);
	char err[128] = "";
	char *jwt = webpush_vapid_jwt("https://push.example.net", 1764147600,
				      "mailto:ops@swmra.example", priv, err, sizeof(err));
	assert_non_null(jwt);
	/* header.claims.signature; the header is {"typ":"JWT","alg":"ES256"} */
	const char *d1 = strchr(jwt, '.');
	assert_non_null(d1);
	assert_int_equal(strncmp(jwt, "eyJ0eXAiOiJKV1QiLCJhbGciOiJFUzI1NiJ9.", 37), 0);
	assert_true(es256_ok(pk, jwt));
	char *claims = webpush_jwt_verify(jwt, pub);
	assert_non_null(claims);
	assert_string_equal(claims, "{\"aud\":\"https://push.example.net\",\"exp\":1764147600,"
				    "\"sub\":\"mailto:ops@swmra.example\"}");
	free(claims);
	/* tampered claims or another key: refused */
	char *bad = strdup(jwt);
	bad[40] = bad[40] == 'A' ? 'B' : 'A';
	assert_false(es256_ok(pk, bad));
	assert_null(webpush_jwt_verify(bad, pub));
	uint8_t priv2[32], pub2[65];
	EVP_PKEY *pk2 = test_keypair(priv2, pub2);
	assert_false(es256_ok(pk2, jwt));
	assert_null(webpush_jwt_verify(jwt, pub2));
	free(bad);
	free(jwt);
	EVP_PKEY_free(pk);
	EVP_PKEY_free(pk2);
}

static void base64url_and_origin(void **state)
{
	(void)state;
	uint8_t b[8];
	char *e = b64url_encode((const uint8_t *)"\xfb\xff\xbf", 3);
	assert_string_equal(e, "-_-_");
	free(e);
	e = b64url_encode((const uint8_t *)"ab", 2);
	assert_string_equal(e, "YWI");
	free(e);
	assert_int_equal(b64url_decode("YWI", (size_t)-1, b, sizeof(b)), 2);
	assert_int_equal(b64url_decode("YWI=", (size_t)-1, b, sizeof(b)),
			 2); /* padding tolerated */
	assert_int_equal(b64url_decode("YW+", (size_t)-1, b, sizeof(b)), -1); /* not url-safe */
	assert_int_equal(b64url_decode("YWJ", (size_t)-1, b, sizeof(b)), -1); /* non-canonical */
	assert_int_equal(b64url_decode("Y", (size_t)-1, b, sizeof(b)), -1);
	assert_int_equal(b64url_decode("YWJjZGVmZ2hp", (size_t)-1, b, sizeof(b)),
			 -1); /* too long */
	char o[128];
	assert_true(webpush_origin("https://fcm.googleapis.com/fcm/send/abc:def", o, sizeof(o)));
	assert_string_equal(o, "https://fcm.googleapis.com");
	assert_true(webpush_origin("https://Push.Example.NET:443/x?y", o, sizeof(o)));
	assert_string_equal(o, "https://push.example.net");
	assert_true(webpush_origin("http://127.0.0.1:8123/p/1", o, sizeof(o)));
	assert_string_equal(o, "http://127.0.0.1:8123");
	assert_false(webpush_origin("ftp://x/", o, sizeof(o)));
	assert_false(webpush_origin("https:///x", o, sizeof(o)));
	assert_false(webpush_origin("https://user@host/x", o, sizeof(o)));
}

static void keys_check_and_keygen(void **state)
{
	(void)state;
	char err[256];
	assert_true(webpush_keys_check(RFC_AS_PUBLIC, RFC_AS_PRIVATE, err, sizeof(err)));
	assert_false(webpush_keys_check(RFC_UA_PUBLIC, RFC_AS_PRIVATE, err, sizeof(err)));
	assert_non_null(strstr(err, "does not belong"));
	assert_false(webpush_keys_check("BAAA", RFC_AS_PRIVATE, err, sizeof(err)));
	assert_non_null(strstr(err, "VAPID_PUBLIC_KEY"));
	assert_false(webpush_keys_check(RFC_AS_PUBLIC, "AAAA", err, sizeof(err)));
	assert_non_null(strstr(err, "VAPID_PRIVATE_KEY"));
	char pub[96], priv[48];
	assert_int_equal(webpush_keygen(pub, priv), 0);
	assert_int_equal(strlen(pub), 87);
	assert_int_equal(strlen(priv), 43);
	assert_true(webpush_keys_check(pub, priv, err, sizeof(err)));
}

static void config_requires_vapid_keys_with_push(void **state)
{
	(void)state;
	char err[512];
	setenv("ENABLE_PUSH", "false", 1);
	assert_int_equal(config_load("", err, sizeof(err)), 0); /* dev default: off, no keys */
	setenv("ENABLE_PUSH", "true", 1);
	assert_int_equal(config_load("", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "VAPID_PUBLIC_KEY"));
	setenv("VAPID_PUBLIC_KEY", RFC_AS_PUBLIC, 1);
	setenv("VAPID_PRIVATE_KEY", RFC_AS_PRIVATE, 1);
	assert_int_equal(config_load("", err, sizeof(err)), -1); /* no subject */
	assert_non_null(strstr(err, "VAPID_SUBJECT"));
	setenv("VAPID_SUBJECT", "ops@example.org", 1);
	assert_int_equal(config_load("", err, sizeof(err)), -1);
	setenv("VAPID_SUBJECT", "mailto:ops@example.org", 1);
	assert_int_equal(config_load("", err, sizeof(err)), 0);
	assert_true(config_get()->enable_push);
	setenv("VAPID_SUBJECT", "https://swmra.example.org/contact", 1);
	assert_int_equal(config_load("", err, sizeof(err)), 0);
	setenv("VAPID_PUBLIC_KEY", RFC_AS_PRIVATE, 1); /* 32 bytes, not a point */
	assert_int_equal(config_load("", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "VAPID_PUBLIC_KEY"));
	setenv("VAPID_PUBLIC_KEY", RFC_AS_PUBLIC, 1);
	setenv("VAPID_PRIVATE_KEY", RFC_AS_PUBLIC, 1);
	assert_int_equal(config_load("", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "VAPID_PRIVATE_KEY"));
	/* a well-formed but mismatched pair passes the format check; the libcrypto checker
	 * the programs register refuses it, and the running configuration stays */
	setenv("VAPID_PUBLIC_KEY", RFC_UA_PUBLIC, 1);
	setenv("VAPID_PRIVATE_KEY", RFC_AS_PRIVATE, 1);
	assert_int_equal(config_load("", err, sizeof(err)), 0);
	config_set_checker(webpush_config_check);
	setenv("VAPID_PUBLIC_KEY", RFC_AS_PUBLIC, 1);
	assert_int_equal(config_load("", err, sizeof(err)), 0);
	setenv("VAPID_PUBLIC_KEY", RFC_UA_PUBLIC, 1);
	assert_int_equal(config_load("", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "does not belong"));
	assert_string_equal(config_get()->vapid_public_key, RFC_AS_PUBLIC);
	config_set_checker(NULL);
	unsetenv("ENABLE_PUSH");
	unsetenv("VAPID_PUBLIC_KEY");
	unsetenv("VAPID_PRIVATE_KEY");
	unsetenv("VAPID_SUBJECT");
	assert_int_equal(config_load("", err, sizeof(err)), 0);
}

static bool addr_ok(const char *ip, bool allow_loopback)
{
	struct sockaddr_storage ss;
	memset(&ss, 0, sizeof(ss));
	if (strchr(ip, ':')) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
		a->sin6_family = AF_INET6;
		assert_int_equal(inet_pton(AF_INET6, ip, &a->sin6_addr), 1);
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;
		a->sin_family = AF_INET;
		assert_int_equal(inet_pton(AF_INET, ip, &a->sin_addr), 1);
	}
	return webpush_addr_allowed((struct sockaddr *)&ss, allow_loopback);
}

/* The SSRF guard: push endpoints are user-supplied URLs, so the dispatcher refuses to
 * connect anywhere inside the deployment's networks. */
static void ssrf_guard_refuses_internal_addresses(void **state)
{
	(void)state;
	const char *inside[] = {
	    "127.0.0.1",	"127.1.2.3",	   "10.0.0.5",	   "172.16.0.1", "172.31.255.255",
	    "192.168.1.1",	"169.254.169.254", "100.64.0.1",   "0.0.0.0",	 "224.0.0.1",
	    "255.255.255.255",	"192.0.0.8",	   "198.18.0.1",   "::1",	 "::",
	    "fe80::1",		"fc00::1",	   "fd12:3456::1", "ff02::1",	 "::ffff:10.0.0.1",
	    "::ffff:127.0.0.1", "64:ff9b::a00:1"};
	for (size_t i = 0; i < sizeof(inside) / sizeof(inside[0]); i++)
		if (addr_ok(inside[i], false))
			fail_msg("%s must be refused", inside[i]);
	const char *outside[] = {"8.8.8.8",	  "142.250.1.1",	  "172.32.0.1",
				 "100.128.0.1",	  "2001:4860:4860::8888", "2a00:1450::1",
				 "::ffff:8.8.8.8"};
	for (size_t i = 0; i < sizeof(outside) / sizeof(outside[0]); i++)
		if (!addr_ok(outside[i], false))
			fail_msg("%s must be allowed", outside[i]);
	/* the test push service on loopback only when asked for (APP_ENV=test) */
	assert_true(addr_ok("127.0.0.1", true));
	assert_true(addr_ok("::1", true));
	assert_false(addr_ok("10.0.0.1", true));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(rfc8291_vector_encrypts_exactly),
	    cmocka_unit_test(ssrf_guard_refuses_internal_addresses),
	    cmocka_unit_test(rfc8291_vector_decrypts),
	    cmocka_unit_test(round_trip_with_ephemeral_keys),
	    cmocka_unit_test(vapid_jwt_es256_verifies),
	    cmocka_unit_test(base64url_and_origin),
	    cmocka_unit_test(keys_check_and_keygen),
	    cmocka_unit_test(config_requires_vapid_keys_with_push),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
