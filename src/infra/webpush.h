/* Web Push (RFC 8030) sending with OpenSSL libcrypto: message encryption per RFC 8291
 * (content coding aes128gcm, RFC 8188: ECDH with an ephemeral P-256 key against the
 * subscription's p256dh key, HKDF-SHA256 with its auth secret, one record of at most 4096
 * octets ending in the padding delimiter 0x02) and VAPID per RFC 8292 (an ES256 JWT
 * {aud: origin of the endpoint, exp, sub: VAPID_SUBJECT} in
 * "Authorization: vapid t=<jwt>, k=<public key>"). Keys travel as unpadded base64url
 * (infra/b64url.h):
 * public keys as the 65-octet uncompressed point (0x04 || X || Y), private keys as the
 * 32-octet scalar. The receiver side (decryption, JWT verification) is here too, for the
 * tests and for anyone who wants to check a captured message. */
#ifndef SWMRA_WEBPUSH_H
#define SWMRA_WEBPUSH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "infra/mail.h" /* enum deliver_rc */

struct sockaddr;

#define WEBPUSH_PUBKEY_LEN  65
#define WEBPUSH_PRIVKEY_LEN 32
#define WEBPUSH_AUTH_LEN    16
#define WEBPUSH_SALT_LEN    16
/* One record of rs = 4096: header 86 + tag 16 + delimiter 1 leave 3993 octets. */
#define WEBPUSH_RECORD_SIZE   4096
#define WEBPUSH_MAX_PLAINTEXT 3993
#define WEBPUSH_ENDPOINT_MAX  2048

/* Whether `pub` (65 octets) is an uncompressed point on P-256. */
bool webpush_pubkey_valid(const uint8_t *pub, size_t len);
/* Checks a VAPID key pair given as base64url text: sizes, the point is on the curve, the
 * scalar is in range and its public key is `pub_b64`. Returns false with a reason. */
bool webpush_keys_check(const char *pub_b64, const char *priv_b64, char *err, size_t errlen);
struct config;
/* The config_load checker (config_set_checker): with ENABLE_PUSH, VAPID_PUBLIC_KEY and
 * VAPID_PRIVATE_KEY must be a matching P-256 pair. 0, or -1 with err set. */
int webpush_config_check(const struct config *c, char *err, size_t errlen);
/* A fresh P-256 key pair as base64url text (pub: 87 chars, priv: 43 chars). 0 or -1. */
int webpush_keygen(char pub_b64[96], char priv_b64[48]);

/* RFC 8291 encryption of `plain` (at most WEBPUSH_MAX_PLAINTEXT octets) for a subscription
 * (ua_public: 65 octets, auth: 16). as_private (32 octets) and salt (16) are for tests
 * (RFC 8291 appendix A); NULL means a fresh ephemeral key / random salt, as it must be for
 * every real message. On success *out is the malloc'd aes128gcm body (caller frees). */
int webpush_encrypt(const uint8_t *ua_public, const uint8_t *auth, const uint8_t *plain,
		    size_t plen, const uint8_t *as_private, const uint8_t *salt, uint8_t **out,
		    size_t *outlen, char *err, size_t errlen);

/* The origin ("https://host[:port]", default port omitted, host lower-cased) of an
 * http(s) URL into out. Returns false when it is not one or does not fit. */
bool webpush_origin(const char *url, char *out, size_t outlen);
/* A VAPID JWT (ES256) {aud, exp, sub} signed with the 32-octet private key: malloc'd
 * (caller frees), or NULL with err set. */
char *webpush_vapid_jwt(const char *aud, int64_t exp_s, const char *sub, const uint8_t *priv,
			char *err, size_t errlen);

/* One subscription as stored (base64url keys). */
struct webpush_sub {
	const char *endpoint;
	const char *p256dh;
	const char *auth;
};

/* Encrypts `payload` and POSTs it to the endpoint with the VAPID keys of the configuration
 * (VAPID_PUBLIC_KEY, VAPID_PRIVATE_KEY, VAPID_SUBJECT), headers TTL, Urgency ("very-low",
 * "low", "normal", "high"), Content-Encoding: aes128gcm. *http_status (may be NULL)
 * receives the push service's status (0 without an answer). DELIVER_OK on 201/202 (any
 * 2xx); DELIVER_RETRY on transport errors, 429 and 5xx; DELIVER_FAIL otherwise (404/410:
 * the subscription is gone, the caller deletes it) and on bad keys or input. */
/* Whether the dispatcher may connect to this address: a push endpoint is a URL anybody
 * can subscribe, so without this check it would let a user make the server POST to
 * loopback, private, link-local or CGNAT addresses inside the deployment (SSRF). The check
 * runs on the address curl actually connects to, so DNS tricks do not get around it.
 * `allow_loopback` admits 127.0.0.0/8 and ::1 only (APP_ENV=test's local push service). */
bool webpush_addr_allowed(const struct sockaddr *sa, bool allow_loopback);

enum deliver_rc webpush_send(const struct webpush_sub *sub, const char *payload, size_t len,
			     int ttl, const char *urgency, long *http_status, char *err,
			     size_t errlen);

#endif
