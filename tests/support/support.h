/* The test support library (tests/libswmra_test.a, linked into every cmocka test before
 * src/libswmra.a): what only the tests call, so the production library does not export
 * it. */
#ifndef SWMRA_TEST_SUPPORT_H
#define SWMRA_TEST_SUPPORT_H

#include <bson/bson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct auth_claims;

/* auth_issue_token_after with no lower bound for iat: an HS256 token for the user
 * (JWT_SECRET, JWT_ISSUER, JWT_EXPIRE_MIN) with a random 128-bit jti. Returns the malloc'd
 * token (caller frees) or NULL; `out` (may be NULL) receives the claims. */
char *auth_issue_token(const char *user_id, const char *role, struct auth_claims *out);

/* users_get_contact_named without the name. */
bool users_get_contact(const bson_oid_t *id, char **email, char **phone, bool *pref_email,
		       bool *pref_sms, bool *pref_inapp, bson_error_t *err);

/* The user agent's side: decrypts an aes128gcm body with the subscription's private key
 * (32 octets) and auth secret. On success *plain is malloc'd (plus a NUL; caller frees). */
int webpush_decrypt(const uint8_t *ua_private, const uint8_t *auth, const uint8_t *body,
		    size_t blen, uint8_t **plain, size_t *plen, char *err, size_t errlen);
/* Verifies an ES256 JWT with a 65-octet public key. On success returns the claims as a
 * malloc'd JSON text (caller frees); NULL when the signature or the format is bad. */
char *webpush_jwt_verify(const char *jwt, const uint8_t *pub);

#endif
