/* The P-256 and RFC 8291 building blocks of infra/webpush.c, shared with the tests' user
 * agent (tests/support/webpush_ua.c decrypts and verifies what the sender made with the
 * same key schedule). Not for other modules: they send through webpush_send. */
#ifndef SWMRA_WEBPUSH_KEYS_H
#define SWMRA_WEBPUSH_KEYS_H

#include <openssl/evp.h>
#include <stdbool.h>
#include <stdint.h>

#include "infra/webpush.h"

/* salt, record size, key id length, the sender's public key */
#define WEBPUSH_HEADER_LEN (WEBPUSH_SALT_LEN + 4 + 1 + WEBPUSH_PUBKEY_LEN) /* 86 */

/* An EVP_PKEY for P-256 from a public point and, optionally, its private scalar. */
EVP_PKEY *webpush_pkey(const uint8_t *pub, const uint8_t *priv);
/* A key pair from a private scalar alone (the public point is derived into pub). */
EVP_PKEY *webpush_pkey_from_priv(const uint8_t *priv, uint8_t pub[WEBPUSH_PUBKEY_LEN]);
/* The 32-octet ECDH secret of mine and peer. */
bool webpush_ecdh(EVP_PKEY *mine, EVP_PKEY *peer, uint8_t out[32]);
/* CEK and nonce from the ECDH secret (RFC 8291 §3.3/3.4 and RFC 8188 §2.2). */
bool webpush_derive_cek_nonce(const uint8_t *ecdh_secret, const uint8_t *auth,
			      const uint8_t *ua_public, const uint8_t *as_public,
			      const uint8_t *salt, uint8_t cek[16], uint8_t nonce[12]);

#endif
